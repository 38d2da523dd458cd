"""The outbox and check-in tables on SQLite and PostgreSQL: claims that never overlap,
several workers at once, and crashes between claim and mark-sent."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta

import pytest
from sqlalchemy import Engine, event, select

from adapters.clock import SystemClock
from bot.checkins import Checkin, CheckinSchedule, CheckinStatus
from bot.clock import FixedClock
from bot.delivery import Delivery, DeliveryRules, SendResult
from bot.domain import InboxItem, OutboxKind, OutboxMessage, OutboxStatus, Person
from bot.timers import Timer
from storage.engine import make_engine
from storage.tables import checkin_schedules, outbox
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import NOW, console_identity
from tests.support.fake_platform import FakePlatformSender
from tests.support.seeding import seed_outbox

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def seed(engine: Engine, count: int, due_at: datetime = NOW, recipients: int = 50) -> list[str]:
    return seed_outbox(engine, count, due_at=due_at, now=NOW, recipients=recipients)


def statuses(engine: Engine) -> Counter[str]:
    with engine.connect() as connection:
        return Counter(connection.execute(select(outbox.c.status)).scalars())


def test_claim_marks_attempts_and_leases_and_skips_what_is_not_due(engine):
    seed(engine, 3)
    seed_later = NOW + timedelta(minutes=3)
    with engine.begin() as connection:
        connection.execute(
            outbox.update().where(outbox.c.idempotency_key == "bulk:2").values(due_at=seed_later)
        )
    factory = SqlUnitOfWorkFactory(engine)
    with factory() as uow:
        claimed = uow.outbox.claim("w1", NOW, NOW + timedelta(minutes=5), 10)
        uow.commit()
    assert [m.idempotency_key for m in claimed] == ["bulk:0", "bulk:1"]
    assert all(m.status is OutboxStatus.CLAIMED and m.attempts == 1 for m in claimed)
    with factory() as uow:
        assert uow.outbox.claim("w2", NOW, NOW + timedelta(minutes=5), 10) == []  # held
        again = uow.outbox.claim("w2", NOW + timedelta(minutes=6), NOW + timedelta(minutes=11), 10)
        uow.commit()
    assert sorted(m.idempotency_key for m in again) == ["bulk:0", "bulk:1", "bulk:2"]
    assert {m.attempts for m in again if m.idempotency_key != "bulk:2"} == {2}
    with factory() as uow:
        assert uow.outbox.mark_sent([m.id for m in claimed], "w1", NOW) == 0  # not w1's any more
        assert uow.outbox.mark_sent([m.id for m in again], "w2", NOW) == 3
        assert uow.outbox.next_due(NOW) is None
        uow.commit()
    assert statuses(engine) == {"sent": 3}


def test_the_proactive_count_covers_a_day_and_only_proactive_kinds(engine):
    factory = SqlUnitOfWorkFactory(engine)
    with factory() as uow:
        ana = uow.people.add(Person(console_identity("ana"), "ana", "UTC", "en", NOW))
        for key, kind, due in (
            ("a", OutboxKind.CHECKIN, NOW),
            ("b", OutboxKind.REMINDER, NOW + timedelta(hours=3)),
            ("c", OutboxKind.CHECKIN_REQUESTED, NOW),
            ("d", OutboxKind.MESSAGE, NOW),
            ("e", OutboxKind.CHECKIN, NOW + timedelta(days=1)),
        ):
            uow.outbox.add(OutboxMessage(ana.id, "{}", key, due, created_at=due, kind=kind))
        assert (
            uow.outbox.count_proactive(ana.id, NOW - timedelta(hours=9), NOW + timedelta(hours=15))
            == 2
        )


def test_schedules_and_checkins_round_trip(engine):
    factory = SqlUnitOfWorkFactory(engine)
    from datetime import time

    with factory() as uow:
        ana = uow.people.add(Person(console_identity("ana"), "ana", "Europe/Berlin", "de", NOW))
        schedule = CheckinSchedule(ana.id, frozenset({0, 3}), time(9, 30), NOW)
        schedule.advance(ana.zone, NOW)
        uow.schedules.save(schedule)
        schedule.paused_until = NOW + timedelta(days=3)
        uow.schedules.save(schedule)  # an update, not a second row
        checkin = Checkin(
            ana.id,
            NOW,
            CheckinStatus.ASKED,
            ("q1", "q2"),
            asked_at=NOW,
            remind_at=NOW + timedelta(hours=4),
            expires_at=NOW + timedelta(days=1),
        )
        assert uow.checkins.add(checkin) is True
        assert uow.checkins.add(Checkin(ana.id, NOW, CheckinStatus.SKIPPED)) is False
        uow.commit()
    with factory() as uow:
        loaded = uow.schedules.get(ana.id)
        assert loaded == schedule
        assert uow.schedules.due(schedule.next_due_at, 10) == [schedule]
        assert uow.schedules.next_due(NOW) == schedule.next_due_at
        assert uow.checkins.pending_for(ana.id) == checkin
        assert uow.checkins.needing_reminder(NOW + timedelta(hours=4), 10) == [checkin]
        assert uow.checkins.expired(NOW + timedelta(hours=23), 10) == []
        assert uow.checkins.next_deadline(NOW) == NOW + timedelta(hours=4)
        assert uow.checkins.next_deadline(NOW + timedelta(hours=5)) == NOW + timedelta(days=1)


def test_three_workers_on_sqlite_share_the_work_exactly_once(sqlite_engine):
    run_workers(sqlite_engine, rows=600, workers=3, batch=50)


@pytest.mark.postgres
def test_three_workers_on_postgresql_deliver_2000_check_ins_exactly_once(postgres_engine):
    run_workers(postgres_engine, rows=2000, workers=3, batch=100)


def run_workers(engine: Engine, rows: int, workers: int, batch: int) -> None:
    keys = seed(engine, rows)
    factory = SqlUnitOfWorkFactory(engine)
    clock = FixedClock(NOW)
    # Every worker waits on its first send until all have claimed a batch: so they hold
    # their claims at the same time, and each must have got rows the others did not.
    all_claimed = threading.Barrier(workers, timeout=60)
    sent_by: dict[str, Counter[str]] = {f"w{i}": Counter() for i in range(workers)}

    class CountingSender:
        def __init__(self, name: str) -> None:
            self.name, self.first = name, True

        def send(self, recipient, reply, idempotency_key, attempt=1):
            if self.first:
                self.first = False
                all_claimed.wait()
            sent_by[self.name][idempotency_key] += 1
            return SendResult.sent()

    def work(name: str) -> None:
        Delivery(factory, clock, name, DeliveryRules(batch=batch)).drain(CountingSender(name))

    threads = [threading.Thread(target=work, args=(name,)) for name in sent_by]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    total = sum(sent_by.values(), Counter())
    assert set(total) == set(keys)
    assert set(total.values()) == {1}, "a row was sent twice"
    assert all(sent_by[name] for name in sent_by), "a worker got nothing"
    assert statuses(engine) == {"sent": rows}


@pytest.fixture
def platform(engine: Engine) -> Iterator[FakePlatformSender]:
    sender = FakePlatformSender(engine, fresh=True)
    yield sender
    sender.drop()


@pytest.mark.parametrize("die", ["before-send", "after-send"])
def test_a_worker_killed_between_claim_and_mark_sent_loses_and_doubles_nothing(
    engine, platform, die
):
    url = engine.url.render_as_string(hide_password=False)
    schema = _schema_of(engine)
    real_now = datetime.now(UTC)
    seed(engine, 5, due_at=real_now - timedelta(minutes=1), recipients=2)

    worker = subprocess.run(
        [sys.executable, "-m", "tests.support.outbox_worker", url, schema, die],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert worker.returncode == -9, worker.stderr  # it really was SIGKILLed
    assert "claimed 5" in worker.stdout
    assert statuses(engine) == {"claimed": 5}
    assert platform.delivered() == ({"bulk:0": 1} if die == "after-send" else {})
    assert platform.attempts == {}  # nothing sent by this process yet

    # A restarted worker takes the rows over once their lease has run out.
    rules = DeliveryRules()
    assert (
        Delivery(SqlUnitOfWorkFactory(engine), SystemClock(), "restarted", rules)
        .drain(platform)
        .claimed
        == 0
    )
    later = FixedClock(datetime.now(UTC) + rules.lease + timedelta(seconds=1))
    report = Delivery(SqlUnitOfWorkFactory(engine), later, "restarted", rules).drain(platform)
    assert report.sent == 5
    # Every row was tried once more, as a second attempt (so the sender looked first) ...
    assert platform.attempts == {f"bulk:{i}": 2 for i in range(5)}
    # ... and the platform holds each message exactly once: bulk:0 was not posted again.
    assert platform.delivered() == {f"bulk:{i}": 1 for i in range(5)}
    assert statuses(engine) == {"sent": 5}


def _schema_of(engine: Engine) -> str:
    if engine.dialect.name != "postgresql":
        return ""
    with engine.connect() as connection:
        return connection.exec_driver_sql("SELECT current_schema()").scalar_one()


@pytest.mark.postgres
def test_three_replicas_ticking_at_once_ask_each_check_in_once(postgres_engine):
    from bot.policy import Policy
    from bot.scheduling import DueWork

    factory = SqlUnitOfWorkFactory(postgres_engine)
    with factory() as uow:
        for i in range(300):
            person = uow.people.add(Person(console_identity(f"p{i}"), f"p{i}", "UTC", "en", NOW))
            schedule = CheckinSchedule(person.id, frozenset({NOW.weekday()}), time(9), NOW)
            schedule.next_due_at = NOW
            uow.schedules.save(schedule)
        uow.commit()
    clock = FixedClock(NOW + timedelta(minutes=1))
    start = threading.Barrier(3, timeout=60)
    reports = []

    def replica() -> None:
        due = DueWork(factory, clock, Policy())
        start.wait()
        reports.append(due.run())

    threads = [threading.Thread(target=replica) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(r.asked for r in reports) == 300  # each asked by exactly one replica
    with postgres_engine.connect() as connection:  # no schedule left behind or advanced twice
        nexts = set(connection.execute(select(checkin_schedules.c.next_due_at)).scalars())
    assert nexts == {NOW + timedelta(weeks=1)}


def test_a_check_in_answered_meanwhile_is_not_overwritten(uow_factory):
    """The lost update the guarded write prevents: a tick read the check-in as pending,
    the person answered in another transaction, then the tick tried to mark it missed.
    (On the fakes too: they must refuse the write as the SQL does.)"""
    factory = uow_factory
    with factory() as uow:
        ana = uow.people.add(Person(console_identity("ana"), "ana", "UTC", "en", NOW))
        uow.checkins.add(Checkin(ana.id, NOW, CheckinStatus.ASKED, asked_at=NOW))
        uow.commit()
    with factory() as uow:
        seen_by_tick = uow.checkins.pending_for(ana.id)
    with factory() as uow:
        answered = uow.checkins.pending_for(ana.id)
        answered.status = CheckinStatus.ANSWERED
        assert uow.checkins.update(answered, [CheckinStatus.ASKED, CheckinStatus.REMINDED])
        uow.commit()
    with factory() as uow:
        seen_by_tick.status = CheckinStatus.MISSED
        assert (
            uow.checkins.update(seen_by_tick, [CheckinStatus.ASKED, CheckinStatus.REMINDED])
            is False
        )
        uow.commit()
    with factory() as uow:
        assert uow.checkins.for_person(ana.id)[0].status is CheckinStatus.ANSWERED


def test_a_worker_claims_only_its_platforms_rows(engine):
    from bot.domain import Identity, Platform

    factory = SqlUnitOfWorkFactory(engine)
    with factory() as uow:
        on_slack = uow.people.add(
            Person(Identity(Platform.SLACK, "T1", "U1"), "s", "UTC", "en", NOW)
        )
        on_discord = uow.people.add(
            Person(Identity(Platform.DISCORD, "", "42"), "d", "UTC", "en", NOW)
        )
        uow.outbox.add(OutboxMessage(on_slack.id, "{}", "for-slack", NOW, NOW))
        uow.outbox.add(OutboxMessage(on_discord.id, "{}", "for-discord", NOW, NOW))
        uow.commit()
    with factory() as uow:
        lease = NOW + timedelta(minutes=5)
        discord_rows = uow.outbox.claim("d", NOW, lease, 10, Platform.DISCORD)
        slack_rows = uow.outbox.claim("s", NOW, lease, 10, Platform.SLACK)
        uow.commit()
    assert [m.idempotency_key for m in discord_rows] == ["for-discord"]
    assert [m.idempotency_key for m in slack_rows] == ["for-slack"]


@pytest.fixture
def impatient_replica(
    postgres_engine: Engine, postgres_schema_url
) -> Iterator[SqlUnitOfWorkFactory]:
    """A second replica on the same schema that will not wait for a lock: a statement
    that would block fails after a second (PostgreSQL's lock_timeout) instead."""
    url, schema = postgres_schema_url
    engine = make_engine(url, search_path=schema)

    @event.listens_for(engine, "connect")
    def _impatient(dbapi_connection, _record) -> None:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '1s'")
        dbapi_connection.commit()

    yield SqlUnitOfWorkFactory(engine)
    engine.dispose()


def _due_rows(factory: SqlUnitOfWorkFactory, what: str) -> None:
    """Four rows of `what` due at NOW."""
    with factory() as uow:
        for i in range(4):
            person = uow.people.add(Person(console_identity(f"p{i}"), f"p{i}", "UTC", "en", NOW))
            if what == "outbox":
                uow.outbox.add(
                    OutboxMessage(person.id, "{}", f"k{i}", NOW, NOW, OutboxKind.MESSAGE)
                )
            elif what == "inbox":
                uow.inbox.add(InboxItem(f"k{i}", "slack.command", {"i": i}, NOW))
            elif what == "schedules":
                schedule = CheckinSchedule(person.id, frozenset({NOW.weekday()}), time(9), NOW)
                schedule.next_due_at = NOW
                uow.schedules.save(schedule)
            else:
                uow.timers.set(Timer("cocoaching", str(i), NOW))
        uow.commit()


def _take(uow, what: str, worker: str) -> set:  # noqa: ANN001
    """What a replica's claim (or the tick's locked read) takes: at most two rows."""
    later = NOW + timedelta(minutes=1)
    if what == "outbox":
        return {m.id for m in uow.outbox.claim(worker, later, later + timedelta(seconds=30), 2)}
    if what == "inbox":
        return {i.id for i in uow.inbox.claim(worker, later, later + timedelta(seconds=30), 2)}
    if what == "schedules":
        return {s.person_id for s in uow.schedules.due(later, 2)}
    return {t.subject for t in uow.timers.due(later, 2)}


@pytest.mark.postgres
@pytest.mark.parametrize("what", ["outbox", "inbox", "schedules", "timers"])
def test_replicas_skip_the_rows_another_holds_and_never_wait_for_it(
    postgres_engine, impatient_replica, what
):
    """DESIGN.md, "Scheduling": the claim is `FOR UPDATE SKIP LOCKED`. While one replica's
    claim is still open (its transaction holds the rows), a second one gets the other
    rows at once; without SKIP LOCKED it would wait for the first (and, impatient, fail)."""
    first = SqlUnitOfWorkFactory(postgres_engine)
    _due_rows(first, what)
    with first() as holding:
        mine = _take(holding, what, "replica-1")
        assert len(mine) == 2
        with impatient_replica() as other:  # while the first still holds its two
            theirs = _take(other, what, "replica-2")
            other.commit()
        holding.commit()
    assert len(theirs) == 2 and not mine & theirs
