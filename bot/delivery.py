"""Delivering the outbox: claim due rows, hand each to the adapter's sender, record the outcome.

Guarantees, and how:
- Several workers (threads, processes, replicas) may run at once: `claim` is atomic and
  never hands the same row to two of them.
- A worker that dies after claiming loses nothing: its claim is a short lease (30 s)
  that the living holder renews (`renew`, every `renew_every`, from the adapter's
  background work); when a dead holder's lease runs out another worker claims the row.
- A holder never sends on a lease that may have run out: before each send it looks at
  the lease as it last renewed it (no query), and a row whose lease has less than
  `margin` left is not sent (it stays claimed: taken over by another worker, or
  resumed by this one, whose next claim takes its own claims back at once, e.g. when
  its database returns after an outage).
- Nothing is sent twice: the sender gets each row's idempotency key and must make a
  repeated send with the same key a no-op (as the platform allows: Slack message
  metadata, Discord's enforced nonce, the console's memory). Redelivery after a crash
  between sending and `mark_sent` therefore changes nothing.
- Nothing is dropped silently: a failure is retried with exponential backoff; after
  `max_attempts` (or at once, for a permanent failure such as closed DMs) the row is
  marked failed, with the reason.
- A rate limit (HTTP 429) is obeyed: the row waits `Retry-After` and the wait does not
  count as an attempt.
- Each message is rendered in its recipient's language: the sender runs inside
  `speaking(language_of(recipient))`, so the words the adapter adds (buttons, notes,
  titles) are the recipient's, as the reply's own text already is.
- A worker that is told to stop (`stop()`, on SIGTERM) claims nothing more, finishes the
  send in hand, and hands the rest of its batch back at once (no attempt counted), so
  another worker takes them without waiting for the lease.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from pydantic import ValidationError

from bot.clock import Clock
from bot.domain import Identity, OutboxMessage, Person, Platform
from bot.i18n import current, speaking
from bot.ports import UnitOfWorkFactory
from bot.replies import Reply


class Outcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"
    FAILED = "failed"


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    reason: str | None = None
    retry_after: timedelta | None = None  # the platform's word (Retry-After), if it gave one
    counts_as_attempt: bool = True

    @classmethod
    def sent(cls) -> SendResult:
        return cls(Outcome.SENT)

    @classmethod
    def retry(cls, reason: str, after: timedelta | None = None) -> SendResult:
        return cls(Outcome.RETRY, reason, after)

    @classmethod
    def rate_limited(cls, after: timedelta) -> SendResult:
        return cls(Outcome.RETRY, "rate limited", after, counts_as_attempt=False)

    @classmethod
    def failed(cls, reason: str) -> SendResult:
        return cls(Outcome.FAILED, reason)


class Sender(Protocol):
    """The adapter's side: put one reply in front of one person."""

    def send(
        self, recipient: Person, reply: Reply, idempotency_key: str, attempt: int = 1
    ) -> SendResult:
        """Send `reply`. From the second `attempt` on, an earlier attempt may have got
        through (a timeout, a crash before it was marked): check before sending again."""
        ...


@dataclass(frozen=True)
class SpaceState:
    """A learning group's space as the adapter needs it: the platform space stored for
    the group (None until one is made) and the identities of its present members."""

    space: str | None
    members: tuple[Identity, ...]


class GroupSpaces(Protocol):
    """The core's side of a group's space (bot.service.Tandem implements it)."""

    def space_of(self, group_id: int) -> SpaceState: ...

    def keep_space(self, group_id: int, space: str) -> str:
        """Store `space` for the group unless one is stored; return the one stored."""
        ...


class DeliveryObserver(Protocol):
    """Told what became of each row (the adapters count it for their metrics)."""

    def sent(self, message: OutboxMessage, at: datetime) -> None: ...

    def not_sent(self, message: OutboxMessage, result: SendResult) -> None: ...


HANDED_BACK = "handed back at shutdown"

# While a batch is sent, it looks again whether the rest are still ours (a recipient
# may have been forgotten meanwhile) after RECHECK_EVERY rows, unless those went out in
# less than RECHECK_QUICK (nothing paced them: a forget in those milliseconds is no
# different from one just after the send, and a look per ten rows was most of the
# database work of a batch), and always after RECHECK_AFTER. The claim is the first look.
RECHECK_EVERY = 10
RECHECK_QUICK = timedelta(milliseconds=100)
RECHECK_AFTER = timedelta(seconds=1)


@dataclass(frozen=True)
class DeliveryRules:
    batch: int = 100
    lease: timedelta = timedelta(seconds=30)
    max_attempts: int = 6
    first_backoff: timedelta = timedelta(seconds=30)
    max_backoff: timedelta = timedelta(hours=1)

    @property
    def renew_every(self) -> timedelta:
        """How often the holder renews its leases: three times a lease."""
        return self.lease / 3

    @property
    def margin(self) -> timedelta:
        """A row is sent only while at least this much of its lease is left, so a send
        (its pacing wait included) ends well before another worker could take it over."""
        return self.lease / 3

    def backoff(self, attempt: int) -> timedelta:
        """30 s, 1 min, 2 min, ... capped at an hour: the wait after failed attempt `attempt`."""
        return min(self.max_backoff, self.first_backoff * 2 ** max(0, attempt - 1))


@dataclass
class DeliveryReport:
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    failed: int = 0
    handed_back: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: DeliveryReport) -> None:
        """Count `other` (one batch's report) in this one (a drain's)."""
        self.claimed += other.claimed
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.handed_back += other.handed_back
        self.errors += other.errors


class Delivery:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        worker: str,
        rules: DeliveryRules | None = None,
        platform: Platform | None = None,
        observer: DeliveryObserver | None = None,
        language_of: Callable[[Person], str] | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self.language_of = language_of  # the recipient's language (Policy.language_of)
        self._clock = clock
        self.worker = worker
        self.rules = rules or DeliveryRules()
        self.platform = platform  # this worker's sender reaches only this platform's people
        self.observer = observer
        self._stopping = False
        # The leases this worker holds, as far as it knows: row id -> until (set by the
        # claim, extended by `renew`, which runs in another thread).
        self._leases: dict[int, datetime] = {}
        self._lock = threading.Lock()

    def stop(self) -> None:
        """Claim nothing more; a batch being sent hands back what it has not sent yet."""
        self._stopping = True

    @property
    def stopping(self) -> bool:
        return self._stopping

    def claim(self) -> tuple[list[OutboxMessage], dict[int, Person]]:
        """Take a batch of due rows for this worker (committed at once, so others skip them)."""
        now = self._clock.now()
        until = now + self.rules.lease
        with self._uow_factory() as uow:
            rows = uow.outbox.claim(self.worker, now, until, self.rules.batch, self.platform)
            people = uow.people.get_many({row.recipient_id for row in rows})
            uow.commit()
        with self._lock:
            self._leases = {row.id: until for row in rows if row.id is not None}
        return rows, people

    def renew(self) -> int:
        """Extend the leases of every row this worker holds (run every
        `rules.renew_every`); a row taken over meanwhile is no longer ours and is not
        sent. How many leases were renewed."""
        now = self._clock.now()  # before the query: the lease counts from here
        until = now + self.rules.lease
        with self._uow_factory() as uow:
            renewed = uow.outbox.renew(self.worker, until)
            uow.commit()
        with self._lock:
            self._leases = {i: until for i in self._leases if i in renewed}
        return len(renewed)

    def release_all(self, worker: str) -> int:
        """Hand back everything `worker` (a dead process) holds, for others to take now."""
        with self._uow_factory() as uow:
            released = uow.outbox.release_all(worker)
            uow.commit()
        return released

    def _lease_left(self, message_id: int) -> bool:
        with self._lock:
            until = self._leases.get(message_id)
        return until is not None and until - self._clock.now() >= self.rules.margin

    def run_once(self, sender: Sender) -> DeliveryReport:
        """Claim one batch, send it, record the outcomes."""
        if self._stopping:
            return DeliveryReport()
        rows, people = self.claim()
        report = DeliveryReport(claimed=len(rows))
        if not rows:
            return report
        sent: list[OutboxMessage] = []
        settled: list[tuple[OutboxMessage, SendResult]] = []
        unsent: list[OutboxMessage] = []
        held = {row.id for row in rows}  # as the claim found them
        looked, looked_at = self._clock.now(), 0
        for index, row in enumerate(rows):
            assert row.id is not None
            if self._stopping:
                unsent = rows[index:]  # told to stop: hand these back for others to take
                break
            now = self._clock.now()
            if (index - looked_at >= RECHECK_EVERY and now - looked >= RECHECK_QUICK) or (
                now - looked >= RECHECK_AFTER
            ):  # sending takes a while (pacing): look again whether these are ours
                stretch = rows[index : index + RECHECK_EVERY]
                held -= {r.id for r in stretch}
                held |= self._still_held(stretch)
                looked, looked_at = now, index
            if row.id not in held:
                continue  # erased with its recipient meanwhile, or taken over: not ours
            if not self._lease_left(row.id):
                continue  # not renewed in time (database gone?): taken over or resumed
            result = self._send_one(sender, row, people.get(row.recipient_id))
            if result.outcome is Outcome.SENT:
                sent.append(row)
            else:
                settled.append((row, result))
        self._record(sent, settled, unsent, report)
        with self._lock:
            self._leases.clear()
        return report

    def drain(self, sender: Sender, max_batches: int = 1000) -> DeliveryReport:
        """Deliver until nothing is due (or `max_batches` batches have run)."""
        total = DeliveryReport()
        for _ in range(max_batches):
            report = self.run_once(sender)
            total.add(report)
            if report.claimed == 0 or self._stopping:
                break
        return total

    def _still_held(self, rows: list[OutboxMessage]) -> set[int]:
        """Which of `rows` are still ours: a batch takes a while to send (pacing), and
        meanwhile a recipient may have asked to be forgotten."""
        with self._uow_factory() as uow:
            return uow.outbox.held(
                (r.id for r in rows if r.id is not None), self.worker, self._clock.now()
            )

    def _send_one(self, sender: Sender, row: OutboxMessage, person: Person | None) -> SendResult:
        if person is None:
            return SendResult.failed("recipient no longer exists")
        try:
            reply = Reply.model_validate_json(row.payload)
        except ValidationError as error:
            return SendResult.failed(f"unreadable payload: {error.error_count()} errors")
        language = self.language_of(person) if self.language_of is not None else current()
        try:
            with speaking(language):
                return sender.send(person, reply, row.idempotency_key, row.attempts)
        except Exception as error:  # a sender bug or an unexpected transport error
            return SendResult.retry(f"{type(error).__name__}: {error}"[:500])

    def _record(
        self,
        sent: list[OutboxMessage],
        settled: list[tuple[OutboxMessage, SendResult]],
        unsent: list[OutboxMessage],
        report: DeliveryReport,
    ) -> None:
        now = self._clock.now()
        with self._uow_factory() as uow:
            ids = [row.id for row in sent if row.id is not None]
            report.sent = uow.outbox.mark_sent(ids, self.worker, now) if ids else 0
            for row in unsent:  # due as before, this claim's attempt not counted
                assert row.id is not None
                note = row.last_error or HANDED_BACK
                uow.outbox.release(row.id, self.worker, row.due_at, note, False)
                report.handed_back += 1
            for row, result in settled:
                assert row.id is not None
                reason = result.reason or result.outcome.value
                attempts = row.attempts if result.counts_as_attempt else row.attempts - 1
                if result.outcome is Outcome.FAILED or attempts >= self.rules.max_attempts:
                    uow.outbox.mark_failed(row.id, self.worker, reason)
                    report.failed += 1
                else:
                    wait = result.retry_after or self.rules.backoff(attempts)
                    uow.outbox.release(
                        row.id, self.worker, now + wait, reason, result.counts_as_attempt
                    )
                    report.retried += 1
                report.errors.append(f"{row.idempotency_key}: {reason}")
            uow.commit()
        if self.observer is not None:
            for row in sent:
                self.observer.sent(row, now)
            for row, result in settled:
                self.observer.not_sent(row, result)
