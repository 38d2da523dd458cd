"""The background machinery: APScheduler's tick at start-up, and delivery woken by a commit.
The test waits for threads to act (on events, with a generous timeout), never for a schedule."""

from __future__ import annotations

import threading
from datetime import timedelta

from adapters.scheduler import BackgroundWork, OutboxSignal
from bot.clock import FixedClock
from bot.delivery import Delivery, SendResult
from bot.policy import Policy
from bot.scheduling import DueWork
from bot.service import Tandem
from tests.conftest import NOW, console_identity
from tests.support.fakes import FakeDatabase


class SignallingSender:
    def __init__(self) -> None:
        self.keys: list[str] = []
        self.arrived = threading.Event()

    def send(self, recipient, reply, idempotency_key, attempt=1):
        self.keys.append(idempotency_key)
        self.arrived.set()
        return SendResult.sent()


def make(
    db: FakeDatabase, clock: FixedClock, sender: SignallingSender
) -> tuple[Tandem, BackgroundWork]:
    signal = OutboxSignal()
    policy = Policy(default_timezone="UTC")
    work = BackgroundWork(
        DueWork(db, clock, policy, signal),
        Delivery(db, clock, "bg"),
        sender,
        signal,
        tick_every=timedelta(hours=1),  # far away: only the start-up tick and wake-ups count
        poll_every=timedelta(hours=1),
    )
    return Tandem(db, clock, policy, signal), work


def test_overdue_work_is_handled_at_start_up():
    db, clock, sender = FakeDatabase(), FixedClock(NOW), SignallingSender()
    tandem, work = make(db, clock, sender)
    tandem.handle(console_identity("ana"), "/learn checkin every mon 08:00")  # NOW is Monday 09:00
    clock.advance(timedelta(days=7, minutes=30))  # the next one fell due half an hour ago
    work.start()
    try:
        assert sender.arrived.wait(timeout=30)
    finally:
        work.stop()
    assert len(sender.keys) == 1 and sender.keys[0].startswith("checkin:")


def test_a_command_that_writes_to_the_outbox_wakes_delivery_at_once():
    db, clock, sender = FakeDatabase(), FixedClock(NOW), SignallingSender()
    tandem, work = make(db, clock, sender)
    work.start()
    try:
        tandem.handle(console_identity("ana"), "/learn checkin now")
        assert sender.arrived.wait(timeout=30)  # long before the hour-long poll
    finally:
        work.stop()
    assert sender.keys[0].startswith("checkin-now:")
