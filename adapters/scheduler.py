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

from adapters import metrics
from adapters.xapi import LrsWork
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
        interrupt: Callable[[], None] | None = None,
        renewals: tuple[Callable[[], object], ...] = (),
        lrs: LrsWork | None = None,
    ) -> None:
        self._lrs = lrs  # the LRS lane: its own thread, so person messages never wait on it
        self._due_work = due_work
        self._delivery = delivery
        self._sender = sender
        self._signal = signal
        self._tick_every = tick_every
        self._poll_every = poll_every
        self._heartbeat = heartbeat
        self._interrupt = interrupt  # ends a pacing wait at once (Pacer.interrupt)
        # Leases this process holds (the outbox's, and any other claims it works on) are
        # renewed while it lives: a killed process's claims run out within one lease.
        self._renewals = (delivery.renew, *renewals)
        self._renew_every = delivery.rules.renew_every
        self._renewal_failed = False
        self._stopping = threading.Event()
        self._scheduler = BackgroundScheduler(timezone=UTC)
        # A daemon: should a send hang past the shutdown bound, the process still exits,
        # and its claims are taken over when their lease runs out.
        self._thread = threading.Thread(
            target=self._deliver_forever, name="tandem-delivery", daemon=True
        )

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
        self._scheduler.add_job(
            self.renew,
            IntervalTrigger(seconds=self._renew_every.total_seconds(), timezone=UTC),
            id="renew-leases",
            coalesce=True,
            max_instances=1,
        )
        self._scheduler.start()
        self._thread.start()
        if self._lrs is not None:
            self._lrs.start()

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop ticking and claiming; finish the send in hand and hand the rest of the
        batch back. True if delivery ended within `timeout` seconds."""
        self._stopping.set()
        self._delivery.stop()
        if self._lrs is not None:
            self._lrs.stop(timeout)
        if self._interrupt is not None:
            self._interrupt()
        self._signal.outbox_written()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=True)
        if self._thread.is_alive():
            self._thread.join(timeout)
        if self._thread.is_alive():
            log.warning(
                "delivery did not end within %.0f s; its claims are taken over after the lease",
                timeout,
            )
            return False
        return True

    def renew(self) -> bool:
        """Renew this process's leases; True if all renewals went through. After a
        failure (the database was away) the first success wakes delivery, which takes
        its own claims back at once instead of waiting for their leases to run out."""
        ok = True
        for renewal in self._renewals:
            try:
                renewal()
            except Exception as error:
                ok = False
                log.warning("could not renew leases", extra={"error": type(error).__name__})
        if ok and self._renewal_failed:
            log.info("leases renewed again; resuming own claims")
            self._signal.outbox_written()
        self._renewal_failed = not ok
        return ok

    def _beat(self) -> None:
        assert self._heartbeat is not None
        try:
            self._heartbeat()
        except Exception:
            log.exception("the replica heartbeat failed; the next one tries again")

    def _tick(self) -> None:
        try:
            metrics.ticked(self._due_work.run())
        except Exception:
            log.exception("the due-work tick failed; the next tick tries again")

    def _deliver_forever(self) -> None:
        while not self._stopping.is_set():  # what is due at start-up goes at once
            try:
                report = self._delivery.drain(self._sender)
                if report.claimed:
                    log.info(
                        "outbox delivered",
                        extra={
                            "claimed": report.claimed,
                            "sent": report.sent,
                            "retried": report.retried,
                            "failed": report.failed,
                        },
                    )
                if report.handed_back:
                    log.info("handed back at shutdown", extra={"rows": report.handed_back})
            except Exception:
                log.exception("outbox delivery failed; it is retried on the next wake")
            self._signal.wait(self._poll_every.total_seconds())
