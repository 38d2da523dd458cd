"""Boundaries a mutation probe of the suite found untested (issue 15, item 7), each through
the core on the fakes, SQLite and PostgreSQL alike: the figures' threshold with invited and
left learners, a former partner reading, a late check-in at a quiet-hours time the person
chose, and (on PostgreSQL, where two transactions really overlap) a concurrent move in an
advice round. The Slack, delivery and replica boundaries are with their adapters:
tests/integration/test_slack.py (a retried DM event), tests/service/test_delivery.py (six
attempts), tests/integration/test_outbox_storage.py (SKIP LOCKED)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from bot.checkins import CheckinStatus
from bot.domain import OutboxKind
from bot.ports import UnitOfWorkFactory
from storage.advice import SqlAdvice
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.service.test_checkins import MONDAY_0900_BERLIN
from tests.service.test_checkins import World as CheckinWorld
from tests.service.test_kickoff import World, who

# -- the figures' threshold: five learners who joined themselves -----------------------------


def _report(world: World) -> str:
    return world.say("fay", "/learn cohort report").text


def test_four_who_joined_and_one_invited_are_below_the_threshold_and_the_fifth_reaches_it(
    uow_factory: UnitOfWorkFactory,
) -> None:
    world = World(uow_factory)
    world.cohort_with(("ana", "ben", "cem", "dia"))
    world.say("fay", "/learn cohort invite @eli")  # invited: not a learner until eli joins
    below = _report(world)
    assert "4 learners counted" in below and "figures over" not in below
    world.say("eli", f"/learn cohort join {world.cohort_id()}")
    assert "figures over 5 learners" in _report(world)  # exactly five: shown


def test_one_who_left_before_being_counted_is_not_counted_one_who_left_after_stays(
    uow_factory: UnitOfWorkFactory,
) -> None:
    world = World(uow_factory)
    world.cohort_with(("ana", "ben", "cem", "dia", "eli"))
    world.say("eli", f"/learn cohort leave {world.cohort_id()}")  # before any report
    assert "4 learners counted" in _report(world)
    world.say("fay", "/learn cohort invite @fin")
    world.say("fin", f"/learn cohort join {world.cohort_id()}")
    assert "figures over 5 learners" in _report(world)  # counted now: ana..dia and fin
    world.say("fin", f"/learn cohort leave {world.cohort_id()}")  # after being counted
    after = _report(world)
    assert "figures over 5 learners" in after  # a leaver stays in the figures


# -- a former partner reads nothing ---------------------------------------------------------


def _reads(world: World, reader: str, author: str) -> set[str]:
    return {s.text for s in world.say(reader, f"/learn diary --of @{author}").sections}


def test_a_partner_who_left_the_cohort_reads_nothing_any_more_and_is_read_by_no_one(
    uow_factory: UnitOfWorkFactory,
) -> None:
    world = World(uow_factory)
    world.cohort_with(("ana", "ben"))
    world.say("fay", "/learn cohort pair")
    world.say("fay", "/learn cohort confirm pairs")
    world.clock.advance(timedelta(hours=1))
    world.say("ana", "/learn diary while we were partners --share partner")
    world.say("ben", "/learn diary bens while partners --share partner")
    assert _reads(world, "ben", "ana") == {"while we were partners"}  # the circle stands
    assert _reads(world, "ana", "ben") == {"bens while partners"}
    world.clock.advance(timedelta(hours=1))
    world.say("ben", f"/learn cohort leave {world.cohort_id()}")  # the partnership ends
    ana = world.person_id("ana")
    with world.db() as uow:
        assert uow.partnerships.of(ana) is None
    assert _reads(world, "ben", "ana") == set()  # not even what was written for him
    assert _reads(world, "ana", "ben") == set()  # and the one who stayed: the same
    world.clock.advance(timedelta(hours=1))
    world.say("ana", "/learn diary after he left --share partner")
    assert _reads(world, "ben", "ana") == set()


def test_one_who_leaves_ends_only_their_own_memberships_the_tutor_of_another_still_reads(
    uow_factory: UnitOfWorkFactory,
) -> None:
    world = World(uow_factory)
    world.cohort_with(("ana", "ben"))
    world.say("fay", "/learn cohort add @tia tutor --of @ben")
    world.say("ben", "/learn diary for my tutor --share tutor")
    assert _reads(world, "tia", "ben") == {"for my tutor"}
    world.say("ana", f"/learn cohort leave {world.cohort_id()}")
    assert _reads(world, "tia", "ben") == {"for my tutor"}  # ben's tutor relation stands
    ana, ben, tia = (world.person_id(n) for n in ("ana", "ben", "tia"))
    cohort = world.cohort_id()
    with world.db() as uow:
        ended = {m.person_id: m.ended_at for m in uow.memberships.members(cohort)}
    assert ended[ana] is not None and ended[ben] is None and ended[tia] is None


# -- a late check-in at a quiet-hours time the person chose --------------------------------


def test_a_late_check_in_at_a_chosen_quiet_time_is_still_asked(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """A check-in due at 21:30, a time inside the quiet hours that the person chose, and
    asked an hour late (the bot was down): it is asked, not skipped as "late, and now in
    the quiet hours" (that rule is for times the person did not choose)."""
    world = CheckinWorld(MONDAY_0900_BERLIN - timedelta(days=1), factory=uow_factory)
    world.say("/learn checkin every mon 21:30")
    due = datetime(2026, 11, 30, 20, 30, tzinfo=UTC)  # Monday 21:30 in Berlin
    world.clock.set(due + timedelta(hours=1))  # 22:30: late, within the grace window
    report = world.due.run()
    assert report.asked == 1 and report.skipped == 0
    [checkin] = world.checkins()
    assert checkin.status is CheckinStatus.ASKED and checkin.due_at == due
    [message] = world.messages(OutboxKind.CHECKIN)
    assert message.due_at == due + timedelta(hours=1)  # asked now, not moved to the morning
    assert world.berlin(checkin.remind_at) == "Tue 01 Dec 07:00"  # its reminder is not quiet


def test_a_late_check_in_at_a_time_not_chosen_quiet_is_skipped_the_other_side(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """The other side of the same boundary: 19:30 is not quiet; asked late at 20:00 (now
    quiet), it is skipped."""
    world = CheckinWorld(MONDAY_0900_BERLIN - timedelta(days=1), factory=uow_factory)
    world.say("/learn checkin every mon 19:30")
    world.clock.set(datetime(2026, 11, 30, 19, 0, tzinfo=UTC))  # 20:00 in Berlin
    report = world.due.run()
    assert report.asked == 0 and report.skipped == 1
    assert "quiet hours" in world.checkins()[0].skip_reason


# -- a concurrent move in an advice round ---------------------------------------------------


def _round_in_case_account(world: World) -> None:
    world.cohort_with(("ana", "ben", "cem", "dia", "eli"))
    world.tandem.handle(who("fay"), "/learn cohort space", where="C0GROUPS")
    world.say("fay", "/learn cohort groups --size 5-5")
    world.say("fay", "/learn cohort confirm groups")
    world.say("ana", "/learn advice My team misses deadlines since the reorg")
    world.say("ana", "/learn advice moderator @ben")
    world.say("ben", "/learn advice next")  # -> case account: advisors may ask


def _blocked_by(engine: Engine, pid: int) -> int:
    with engine.connect() as connection:
        return connection.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE :pid = ANY(pg_blocking_pids(pid))"),
            {"pid": pid},
        ).scalar_one()


@pytest.mark.postgres
def test_two_advisors_asking_at_once_both_keep_their_question(
    postgres_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """cem's question is being saved (his transaction has read the round) when dia asks
    hers. The round is read for update, so dia's move waits for cem's and builds on it;
    read without the lock, dia would build on the round before cem's question, and one of
    the two writes would drop the other's question."""
    world = World(SqlUnitOfWorkFactory(postgres_engine))
    _round_in_case_account(world)
    holding, go_on = threading.Event(), threading.Event()
    pids: dict[str, int] = {}
    real_get = SqlAdvice.get

    def get(self: SqlAdvice, record_id: int):  # noqa: ANN202
        record = real_get(self, record_id)
        if threading.current_thread().name == "cem":  # cem holds the round, and waits
            pids["cem"] = self._c.execute(text("SELECT pg_backend_pid()")).scalar_one()
            holding.set()
            assert go_on.wait(30)
        return record

    monkeypatch.setattr(SqlAdvice, "get", get)
    replies: dict[str, str] = {}

    def ask(name: str, question: str) -> None:
        replies[name] = world.say(name, f"/learn advice say {question}").text

    cem = threading.Thread(target=ask, args=("cem", "Who sets the deadlines?"), name="cem")
    cem.start()
    assert holding.wait(30)
    dia = threading.Thread(target=ask, args=("dia", "What changed in March?"), name="dia")
    dia.start()
    deadline = time.monotonic() + 30  # dia waits on cem's lock (or, unlocked, is done)
    while dia.is_alive() and not _blocked_by(postgres_engine, pids["cem"]):
        assert time.monotonic() < deadline, "dia neither waited for cem nor finished"
    go_on.set()
    cem.join(30)
    dia.join(30)
    assert not cem.is_alive() and not dia.is_alive()
    shown = world.say("ben", "/learn advice")
    assert "Contributions so far: 2" in shown.sections[0].text, (replies, shown)
