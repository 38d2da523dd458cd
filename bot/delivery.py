"""Delivering the outbox: claim due rows, hand each to the adapter's sender, record the outcome.

Guarantees, and how:
- Several workers (threads, processes, replicas) may run at once: `claim` is atomic and
  never hands the same row to two of them.
- A worker that dies after claiming loses nothing: its claim is a lease; when it runs
  out the row is claimed again.
- Nothing is sent twice: the sender gets each row's idempotency key and must make a
  repeated send with the same key a no-op (as the platform allows: Slack message
  metadata, Discord's enforced nonce, the console's memory). Redelivery after a crash
  between sending and `mark_sent` therefore changes nothing.
- Nothing is dropped silently: a failure is retried with exponential backoff; after
  `max_attempts` (or at once, for a permanent failure such as closed DMs) the row is
  marked failed, with the reason.
- A rate limit (HTTP 429) is obeyed: the row waits `Retry-After` and the wait does not
  count as an attempt.
- A worker that is told to stop (`stop()`, on SIGTERM) claims nothing more, finishes the
  send in hand, and hands the rest of its batch back at once (no attempt counted), so
  another worker takes them without waiting for the lease.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from pydantic import ValidationError

from bot.clock import Clock
from bot.domain import Identity, OutboxMessage, Person, Platform
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

RECHECK_EVERY = 10  # rows sent between two looks at whether the rest are still ours,
RECHECK_AFTER = timedelta(seconds=1)  # or this long, whichever comes first


@dataclass(frozen=True)
class DeliveryRules:
    batch: int = 100
    lease: timedelta = timedelta(minutes=5)
    max_attempts: int = 6
    first_backoff: timedelta = timedelta(seconds=30)
    max_backoff: timedelta = timedelta(hours=1)

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


class Delivery:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        worker: str,
        rules: DeliveryRules | None = None,
        platform: Platform | None = None,
        observer: DeliveryObserver | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self.worker = worker
        self.rules = rules or DeliveryRules()
        self.platform = platform  # this worker's sender reaches only this platform's people
        self.observer = observer
        self._stopping = False

    def stop(self) -> None:
        """Claim nothing more; a batch being sent hands back what it has not sent yet."""
        self._stopping = True

    @property
    def stopping(self) -> bool:
        return self._stopping

    def claim(self) -> tuple[list[OutboxMessage], dict[int, Person]]:
        """Take a batch of due rows for this worker (committed at once, so others skip them)."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            rows = uow.outbox.claim(
                self.worker, now, now + self.rules.lease, self.rules.batch, self.platform
            )
            people = uow.people.get_many({row.recipient_id for row in rows})
            uow.commit()
        return rows, people

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
        held: set[int] = set()
        looked = self._clock.now()
        for index, row in enumerate(rows):
            assert row.id is not None
            if self._stopping:
                unsent = rows[index:]  # told to stop: hand these back for others to take
                break
            now = self._clock.now()
            if index % RECHECK_EVERY == 0 or now - looked >= RECHECK_AFTER:
                held = self._still_held(rows[index : index + RECHECK_EVERY])  # sending
                looked = now  # takes a while (pacing): look again whether these are ours
            if row.id not in held:
                continue  # erased with its recipient meanwhile, or taken over: not ours
            result = self._send_one(sender, row, people.get(row.recipient_id))
            if result.outcome is Outcome.SENT:
                sent.append(row)
            else:
                settled.append((row, result))
        self._record(sent, settled, unsent, report)
        return report

    def drain(self, sender: Sender, max_batches: int = 1000) -> DeliveryReport:
        """Deliver until nothing is due (or `max_batches` batches have run)."""
        total = DeliveryReport()
        for _ in range(max_batches):
            report = self.run_once(sender)
            total.claimed += report.claimed
            total.sent += report.sent
            total.retried += report.retried
            total.failed += report.failed
            total.handed_back += report.handed_back
            total.errors += report.errors
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
        try:
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
