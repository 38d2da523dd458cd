"""Background work: APScheduler ticks the due-work use case; a delivery thread drains the
outbox whenever it is woken (a commit wrote to it) or a poll interval passes.

APScheduler only keeps time here: its job store is the in-memory default and holds no
durable state. What is due lives in our tables, so a restart, or a second replica,
loses and repeats nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.delivery import Delivery, Sender
from bot.scheduling import DueWork

log = logging.getLogger(__name__)


class OutboxSignal:
    """The core's `OutboxListener`: a commit that wrote to the outbox wakes delivery."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def outbox_written(self) -> None:
        self._event.set()

    def wait(self, timeout: float) -> bool:
        """Block until woken or `timeout` seconds pass; True if woken."""
        woken = self._event.wait(timeout)
        self._event.clear()
        return woken


class BackgroundWork:
    def __init__(
        self,
        due_work: DueWork,
        delivery: Delivery,
        sender: Sender,
        signal: OutboxSignal,
        tick_every: timedelta = timedelta(seconds=15),
        poll_every: timedelta = timedelta(seconds=5),
        heartbeat: Callable[[], None] | None = None,
    ) -> None:
        self._due_work = due_work
        self._delivery = delivery
        self._sender = sender
        self._signal = signal
        self._tick_every = tick_every
        self._poll_every = poll_every
        self._heartbeat = heartbeat
        self._stopping = threading.Event()
        self._scheduler = BackgroundScheduler(timezone=UTC)
        self._thread = threading.Thread(target=self._deliver_forever, name="tandem-delivery")

    def start(self) -> None:
        self._scheduler.add_job(
            self._tick,
            IntervalTrigger(seconds=self._tick_every.total_seconds(), timezone=UTC),
            id="due-work",
            next_run_time=datetime.now(UTC),  # overdue work is handled at start-up
            coalesce=True,
            max_instances=1,
        )
        if self._heartbeat is not None:
            self._scheduler.add_job(
                self._beat,
                IntervalTrigger(seconds=self._tick_every.total_seconds(), timezone=UTC),
                id="heartbeat",
                next_run_time=datetime.now(UTC),
                coalesce=True,
                max_instances=1,
            )
        self._scheduler.start()
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop ticking and claiming; let a running batch finish."""
        self._stopping.set()
        self._signal.outbox_written()
        self._scheduler.shutdown(wait=True)
        self._thread.join(timeout)

    def _beat(self) -> None:
        assert self._heartbeat is not None
        try:
            self._heartbeat()
        except Exception:
            log.exception("the replica heartbeat failed; the next one tries again")

    def _tick(self) -> None:
        try:
            self._due_work.run()
        except Exception:
            log.exception("the due-work tick failed; the next tick tries again")

    def _deliver_forever(self) -> None:
        while not self._stopping.is_set():
            self._signal.wait(self._poll_every.total_seconds())
            if self._stopping.is_set():
                break
            try:
                self._delivery.drain(self._sender)
            except Exception:
                log.exception("outbox delivery failed; it is retried on the next wake")
