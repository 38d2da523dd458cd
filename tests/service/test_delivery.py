"""Delivering the outbox with a fixed clock, on the fakes, SQLite and PostgreSQL alike:
outcomes, backoff, the bound (the documented six attempts), 429s, leases, and a sender
that forgets nothing it was asked to send."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from bot.clock import FixedClock
from bot.delivery import RECHECK_EVERY, RECHECK_QUICK, Delivery, DeliveryRules, SendResult
from bot.domain import OutboxKind, OutboxMessage, OutboxStatus, Person
from bot.ports import UnitOfWorkFactory
from bot.replies import Audience, Reply
from tests.conftest import NOW, console_identity
from tests.support.fakes import FakeDatabase


class RecordingSender:
    """Answers with the scripted results in turn (then 'sent'), and records every call."""

    def __init__(self, *script: SendResult) -> None:
        self.script = list(script)
        self.calls: list[tuple[str, str, str]] = []

    def send(
        self, recipient: Person, reply: Reply, idempotency_key: str, attempt: int = 1
    ) -> SendResult:
        self.calls.append((recipient.identity.user_id, reply.text, idempotency_key))
        return self.script.pop(0) if self.script else SendResult.sent()


@pytest.fixture
def db(uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """The fakes, SQLite and PostgreSQL in turn."""
    return uow_factory


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


def queue(
    db: UnitOfWorkFactory, count: int = 1, name: str = "ana", payload: str | None = None
) -> list[str]:
    keys = []
    with db() as uow:
        person = uow.people.by_identity(console_identity(name)) or uow.people.add(
            Person(console_identity(name), name, "UTC", "en", NOW)
        )
        for i in range(count):
            reply = Reply(text=f"message {i}", audience=Audience.DM, recipient_id=person.id)
            key = f"test:{name}:{i}"
            uow.outbox.add(
                OutboxMessage(
                    person.id, payload or reply.model_dump_json(), key, NOW, NOW, OutboxKind.MESSAGE
                )
            )
            keys.append(key)
        uow.commit()
    return keys


def rows(db: UnitOfWorkFactory) -> list[OutboxMessage]:
    """Every outbox row of the people these tests queue for, read through the port."""
    with db() as uow:
        people = [uow.people.by_identity(console_identity(n)) for n in ("ana", "ben")]
        found = [m for p in people if p is not None for m in uow.outbox.for_recipient(p.id)]
    return sorted(found, key=lambda m: m.id)


def test_due_rows_are_sent_once_and_marked(db, clock):
    queue(db, 3)
    sender = RecordingSender()
    report = Delivery(db, clock, "w1").drain(sender)
    assert report.sent == 3 and report.failed == 0
    assert [c[1] for c in sender.calls] == ["message 0", "message 1", "message 2"]
    assert {m.status for m in rows(db)} == {OutboxStatus.SENT}
    assert Delivery(db, clock, "w1").run_once(sender).claimed == 0


def test_rows_not_yet_due_wait(db, clock):
    queue(db)
    clock.set(NOW - timedelta(seconds=1))
    assert Delivery(db, clock, "w1").run_once(RecordingSender()).claimed == 0


def test_a_failure_is_retried_with_backoff_then_marked_failed_after_the_bound(db, clock):
    queue(db)
    rules = DeliveryRules(max_attempts=3)
    sender = RecordingSender(*[SendResult.retry("timeout")] * 5)
    delivery = Delivery(db, clock, "w1", rules)

    delivery.run_once(sender)
    [row] = rows(db)
    assert row.status is OutboxStatus.PENDING and row.attempts == 1
    assert row.due_at == NOW + timedelta(seconds=30) and row.last_error == "timeout"
    assert delivery.run_once(sender).claimed == 0  # not before the backoff

    clock.advance(timedelta(seconds=30))
    delivery.run_once(sender)
    assert rows(db)[0].due_at == NOW + timedelta(seconds=30 + 60)

    clock.advance(timedelta(seconds=60))
    report = delivery.run_once(sender)
    [row] = rows(db)
    assert report.failed == 1 and row.status is OutboxStatus.FAILED and row.attempts == 3
    assert len(sender.calls) == 3  # and it is never tried again
    clock.advance(timedelta(days=1))
    assert delivery.run_once(sender).claimed == 0


def test_the_documented_six_attempts_then_failed_with_the_reason(db, clock):
    """README, "Delivery": retried with backoff (30 s, 1 min, 2 min, ...) and after six
    attempts marked failed. The default rules, not a bound set by the test."""
    queue(db)
    assert DeliveryRules().max_attempts == 6
    sender = RecordingSender(*[SendResult.retry("timeout")] * 10)
    delivery = Delivery(db, clock, "w1")
    for attempt in range(1, 6):
        assert delivery.run_once(sender).retried == 1
        [row] = rows(db)
        assert row.status is OutboxStatus.PENDING and row.attempts == attempt
        assert row.due_at == clock.now() + timedelta(seconds=30 * 2 ** (attempt - 1))
        clock.set(row.due_at)
    report = delivery.run_once(sender)
    [row] = rows(db)
    assert report.failed == 1 and row.status is OutboxStatus.FAILED
    assert row.attempts == 6 and row.last_error == "timeout" and len(sender.calls) == 6
    clock.advance(timedelta(days=7))
    assert delivery.run_once(sender).claimed == 0 and len(sender.calls) == 6


def test_a_permanent_failure_is_failed_at_once_with_its_reason(db, clock):
    queue(db)
    Delivery(db, clock, "w1").run_once(RecordingSender(SendResult.failed("dm closed (50007)")))
    [row] = rows(db)
    assert row.status is OutboxStatus.FAILED and row.last_error == "dm closed (50007)"


def test_a_429_waits_retry_after_and_does_not_count_as_an_attempt(db, clock):
    queue(db)
    rules = DeliveryRules(max_attempts=2)
    limited = SendResult.rate_limited(timedelta(seconds=7))
    sender = RecordingSender(limited, limited, limited)
    delivery = Delivery(db, clock, "w1", rules)
    for _ in range(3):
        delivery.run_once(sender)
        [row] = rows(db)
        assert row.status is OutboxStatus.PENDING and row.attempts == 0
        assert row.due_at == clock.now() + timedelta(seconds=7)
        clock.advance(timedelta(seconds=7))
    assert delivery.run_once(sender).sent == 1  # never given up on


def test_a_sender_that_raises_is_retried_not_fatal(db, clock):
    queue(db, 2)

    class Flaky(RecordingSender):
        def send(self, recipient, reply, idempotency_key, attempt=1):
            super().send(recipient, reply, idempotency_key, attempt)
            if reply.text == "message 0":
                raise ConnectionError("reset by peer")
            return SendResult.sent()

    report = Delivery(db, clock, "w1").run_once(Flaky())
    assert report.sent == 1 and report.retried == 1
    assert "ConnectionError: reset by peer" in rows(db)[0].last_error


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_the_lease(db, clock):
    queue(db)
    rules = DeliveryRules(lease=timedelta(minutes=5))
    dead = Delivery(db, clock, "dead", rules)
    claimed, _ = dead.claim()  # ... and the worker dies before sending
    assert len(claimed) == 1

    alive = Delivery(db, clock, "alive", rules)
    assert alive.run_once(RecordingSender()).claimed == 0  # the lease still holds
    clock.advance(timedelta(minutes=5, seconds=1))
    sender = RecordingSender()
    assert alive.run_once(sender).sent == 1
    assert len(sender.calls) == 1
    # the dead worker's late mark changes nothing: the row is the other worker's now
    with db() as uow:
        assert uow.outbox.mark_sent([claimed[0].id], "dead", clock.now()) == 0


def test_a_recipient_who_was_erased_fails_the_row(db, clock):
    queue(db)
    if isinstance(db, FakeDatabase):  # the fakes let a person go under their own rows
        with db() as uow:
            uow.people.delete(uow.people.by_identity(console_identity("ana")).id)
            uow.commit()
        report = Delivery(db, clock, "w1").run_once(RecordingSender())
        assert report.failed == 1 and db.state.outbox["test:ana:0"].status is OutboxStatus.FAILED
        assert db.state.outbox["test:ana:0"].last_error == "recipient no longer exists"
        return
    # the schema does not: erasure takes the rows first (a foreign key), so delivery never
    # meets a row without its recipient there
    before = rows(db)
    with pytest.raises(IntegrityError), db() as uow:
        uow.people.delete(uow.people.by_identity(console_identity("ana")).id)
        uow.commit()
    assert rows(db) == before


def test_an_unreadable_payload_fails_rather_than_looping(db, clock):
    queue(db, payload="{not json")
    sender = RecordingSender()
    assert Delivery(db, clock, "w1").run_once(sender).failed == 1
    [row] = rows(db)
    assert row.status is OutboxStatus.FAILED and sender.calls == []


def test_backoff_grows_and_is_capped():
    rules = DeliveryRules()
    assert [rules.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert rules.backoff(30) == timedelta(hours=1)


def test_a_row_erased_after_the_claim_is_not_sent(db, clock):
    queue(db, RECHECK_EVERY, name="ana")  # the first stretch of the batch
    queue(db, 1, name="ben")  # the next stretch: looked at again before it is sent

    class BenForgetsMeanwhile(RecordingSender):
        def send(self, recipient, reply, idempotency_key, attempt=1):
            result = super().send(recipient, reply, idempotency_key, attempt)
            clock.advance(RECHECK_QUICK / 5)  # paced: the stretch takes a while to send
            with db() as uow:  # while the batch is being sent, ben asks to be forgotten
                ben = uow.people.by_identity(console_identity("ben"))
                uow.outbox.delete_for_recipient(ben.id)
                uow.commit()
            return result

    sender = BenForgetsMeanwhile()
    report = Delivery(db, clock, "w1").run_once(sender)
    assert report.claimed == RECHECK_EVERY + 1
    assert {c[0] for c in sender.calls} == {"ana"}  # ben's message never went out
    assert len(sender.calls) == RECHECK_EVERY


def test_the_engine_keeps_sql_parameters_out_of_error_messages(tmp_path):
    from storage.engine import make_engine

    assert make_engine(f"sqlite:///{tmp_path / 'x.db'}").hide_parameters is True
