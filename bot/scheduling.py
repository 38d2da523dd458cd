"""The heartbeat's use case: turn what has fallen due into outbox rows and state changes.

Each batch is one transaction: a schedule's advance, the check-in it asks and the outbox
row that carries it commit together or not at all. The repositories lock the rows they
hand out (PostgreSQL: FOR UPDATE SKIP LOCKED), so several replicas can tick at once; the
unique (person, due time) of a check-in and the outbox's idempotency key make a repeated
tick a no-op either way.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial

from bot.checkin_messages import checkin_reply, questions_for, reminder_reply
from bot.checkins import PENDING, Checkin, CheckinSchedule, CheckinStatus
from bot.clock import Clock
from bot.domain import OutboxKind, Person
from bot.events import OutboxWritten
from bot.handlers import advice, nudges, partner, plan, reassess
from bot.handlers.context import Scope
from bot.i18n import speaking
from bot.messagebus import MessageBus
from bot.outbox import Queued, queue_many
from bot.policy import Policy
from bot.ports import OutboxListener, UnitOfWork, UnitOfWorkFactory
from bot.reactions import message_bus
from bot.recurrence import is_quiet, local_day, out_of_quiet_hours
from bot.timers import Timer

# What a due timer does, by its kind: each queues what it must say in the transaction
# that removes the timer, and returns True if it queued anything.
TimerHandler = Callable[[UnitOfWork, Timer, datetime, Policy], bool]
TIMER_HANDLERS: dict[str, TimerHandler] = {
    plan.MILESTONE: plan.remind,
    partner.COCOACHING: partner.prompt,
    advice.ADVICE: advice.tick,
    reassess.REASSESS: reassess.remind,
    nudges.NUDGES: nudges.tutor_digest,
    nudges.COP_DIGEST: nudges.community_digest,
}

BATCH = 200
MAX_CATCH_UP = 60  # overdue occurrences recorded per schedule before it jumps to now
INBOUND_KEPT = timedelta(days=7)


@dataclass
class _Known:
    """What a batch loaded once for all its people, kept up to date by what the batch
    itself writes: each person's proactive messages of their local day (for the daily
    cap) and their pending check-in. Two queries a batch instead of two a person."""

    proactive: dict[int, int]
    pending: dict[int, Checkin]


@dataclass
class _Writes:
    """What a batch's due schedules ask and skip, written at the end in one statement
    each (the check-ins, their outbox rows, the schedules' advance, the check-ins the new
    asks replace) instead of three or four a person."""

    checkins: list[Checkin] = field(default_factory=list)  # asked and skipped, in order
    asks: list[tuple[Person, Checkin]] = field(default_factory=list)
    superseded: list[int] = field(default_factory=list)  # stored pending ones, now missed
    schedules: list[CheckinSchedule] = field(default_factory=list)


@dataclass
class TickReport:
    asked: int = 0
    skipped: int = 0
    reminded: int = 0
    missed: int = 0
    timers: int = 0  # timers that said something (milestone reminders, co-coaching, ...)
    written: int = 0  # outbox rows stored (OutboxWritten events)

    def __iadd__(self, other: TickReport) -> TickReport:
        for name in ("asked", "skipped", "reminded", "missed", "timers", "written"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self


class DueWork:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        clock: Clock,
        policy: Policy,
        listener: OutboxListener | None = None,
        bus: MessageBus | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._clock = clock
        self._rules = policy.checkins
        self._policy = policy
        self._listener = listener
        self._bus = bus or message_bus()

    def run(self) -> TickReport:
        """Handle everything due now; return what happened."""
        now = self._clock.now()
        total = TickReport()
        while True:
            report, more = self._batch(now)
            total += report
            if not more:
                break
        with self._uow_factory() as uow:  # incoming-event ids outlive every platform retry
            uow.inbound.prune(now - INBOUND_KEPT)
            uow.commit()
        if self._listener is not None and total.written:
            self._listener.outbox_written()
        return total

    def next_event_at(self) -> datetime | None:
        """When something next falls due after now: a check-in, a reminder, an expiry, a
        message waiting for a retry. What is due already is the tick's and delivery's."""
        now = self._clock.now()
        with self._uow_factory() as uow:
            candidates = (
                uow.schedules.next_due(now),
                uow.checkins.next_deadline(now),
                uow.outbox.next_due(now),
                uow.timers.next_due(now),
            )
        return min((c for c in candidates if c is not None), default=None)

    def _batch(self, now: datetime) -> tuple[TickReport, bool]:
        report = TickReport()
        with self._uow_factory() as uow:
            expired = uow.checkins.expired(now, BATCH)
            missed = uow.checkins.set_status_many(
                (c.id for c in expired if c.id is not None), CheckinStatus.MISSED, PENDING
            )
            report.missed += len(missed)
            schedules = uow.schedules.due(now, BATCH)
            people = uow.people.get_many(s.person_id for s in schedules)
            known = self._known(uow, people, now, pending=True)
            writes = _Writes()
            for schedule in schedules:
                self._catch_up(people[schedule.person_id], schedule, now, report, known, writes)
            self._write(uow, people, now, report, writes)
            reminders = uow.checkins.needing_reminder(now, BATCH)
            people = uow.people.get_many(c.person_id for c in reminders)
            known = self._known(uow, people, now, pending=False)  # counts this batch's too
            kinds = [self._remind(people[c.person_id], c, now, known) for c in reminders]
            self._write_reminders(
                uow, people, list(zip(reminders, kinds, strict=True)), now, report
            )
            timers = uow.timers.due(now, BATCH)
            uow.timers.remove_many(timers)  # before the handlers, which may set them again
            for timer in timers:
                handler = TIMER_HANDLERS.get(timer.kind)
                if handler is not None and handler(uow, timer, now, self._policy):
                    report.timers += 1
            # What the batch's changes set off, in its transaction (as for a command).
            handled = self._bus.handle(Scope(uow=uow, now=now, policy=self._policy))
            report.written += sum(isinstance(e, OutboxWritten) for e in handled)
            uow.commit()
        more = BATCH in (len(expired), len(schedules), len(reminders), len(timers))
        return report, more

    def _catch_up(
        self,
        person: Person,
        schedule: CheckinSchedule,
        now: datetime,
        report: TickReport,
        known: _Known,
        writes: _Writes,
    ) -> None:
        zone = person.zone
        for _ in range(MAX_CATCH_UP):
            due = schedule.next_due_at
            if due is None or due > now:
                break
            if now - due > self._rules.grace:
                self._skip(person, due, "overdue past the grace window", writes)
            elif (
                now > due
                and is_quiet(now.astimezone(zone).time())
                and not schedule.chose_quiet_hours
            ):
                self._skip(person, due, "late, and now in the quiet hours", writes)
            else:
                self._ask(person, due, now, report, known, writes)
            schedule.advance(zone, due)
        else:
            schedule.advance(zone, now)
        writes.schedules.append(schedule)

    def _ask(
        self,
        person: Person,
        due: datetime,
        now: datetime,
        report: TickReport,
        known: _Known,
        writes: _Writes,
    ) -> None:
        """Plan the ask of `person`'s check-in due at `due` (`_write` stores it)."""
        assert person.id is not None
        if self._capped(person, known):
            self._skip(person, due, "daily cap on proactive messages reached", writes)
            return
        previous = known.pending.pop(person.id, None)
        if previous is not None:
            previous.status = CheckinStatus.MISSED
            if previous.id is not None:  # stored: unless it was answered meanwhile
                writes.superseded.append(previous.id)
            else:  # an earlier ask of this catch-up, stored missed with it
                report.missed += 1
        remind_at = out_of_quiet_hours(now + self._rules.remind_after, person.zone)
        with speaking(self._policy.language_of(person)):  # kept with it: in their language
            questions = questions_for(person, self._rules.questions)
        checkin = Checkin(
            person_id=person.id,
            due_at=due,
            status=CheckinStatus.ASKED,
            questions=questions,
            asked_at=now,
            remind_at=remind_at,
            expires_at=max(now + self._rules.answer_window, remind_at + timedelta(hours=2)),
        )
        writes.checkins.append(checkin)
        writes.asks.append((person, checkin))
        known.pending[person.id] = checkin
        # Counted for the cap when planned: only a check-in asked already (by an earlier
        # tick or another replica) is then not sent, and counts one too many.
        known.proactive[person.id] = known.proactive.get(person.id, 0) + 1

    def _write(
        self,
        uow: UnitOfWork,
        people: Mapping[int, Person],
        now: datetime,
        report: TickReport,
        writes: _Writes,
    ) -> None:
        """Store what `_catch_up` planned: a check-in stored already (same person and
        due time) is neither asked nor counted again, and its message is not queued."""
        stored = {id(c) for c in uow.checkins.add_many(writes.checkins)}
        report.skipped += sum(
            1 for c in writes.checkins if id(c) in stored and c.status is CheckinStatus.SKIPPED
        )
        if writes.superseded:
            superseded = uow.checkins.set_status_many(
                writes.superseded, CheckinStatus.MISSED, PENDING
            )
            report.missed += len(superseded)
        scope = Scope(uow=uow, now=now, policy=self._policy, known=people)
        queued = []
        for person, checkin in writes.asks:
            if id(checkin) not in stored:
                continue  # asked already, by an earlier tick or another replica
            assert person.id is not None
            report.asked += 1
            queued.append(
                Queued(
                    scope.build_to(person.id, partial(checkin_reply, person, checkin)),
                    key=f"checkin:{person.id}:{checkin.due_at.isoformat()}",
                    kind=OutboxKind.CHECKIN,
                    due_at=now,
                )
            )
        queue_many(uow, queued, now=now)
        uow.schedules.save_many(writes.schedules)

    def _remind(
        self, person: Person, checkin: Checkin, now: datetime, known: _Known
    ) -> OutboxKind | None:
        """Decide what becomes of `checkin`'s reminder (`_write_reminders` stores it): the
        kind of message it is to get now, if any."""
        later = out_of_quiet_hours(now, person.zone)
        # After the one reminder, an ask is there only because the person snoozed: asked
        # for, like `checkin now`, so the cap on proactive messages does not drop it.
        snoozed = checkin.reminded_at is not None
        if later > now:  # e.g. the person moved to another time zone since it was asked
            checkin.remind_at = later
            return None
        if not snoozed and self._capped(person, known):
            checkin.remind_at = None  # no reminder today, and none later: it may expire
            checkin.skip_reason = "reminder dropped: daily cap on proactive messages reached"
            return None
        checkin.status, checkin.reminded_at = CheckinStatus.REMINDED, now
        if snoozed:
            return OutboxKind.SNOOZED
        # Counted for the cap when decided (a check-in answered meanwhile, which then gets
        # no reminder, counts one too many for the rest of this batch).
        assert person.id is not None
        known.proactive[person.id] = known.proactive.get(person.id, 0) + 1
        return OutboxKind.REMINDER

    def _write_reminders(
        self,
        uow: UnitOfWork,
        people: Mapping[int, Person],
        decided: list[tuple[Checkin, OutboxKind | None]],
        now: datetime,
        report: TickReport,
    ) -> None:
        """Write back the reminders' check-ins in one statement and queue the reminders of
        those still asked (one answered or missed meanwhile gets none)."""
        written = uow.checkins.update_many([c for c, _ in decided], [CheckinStatus.ASKED])
        scope = Scope(uow=uow, now=now, policy=self._policy, known=people)
        queued = []
        for checkin, kind in decided:
            if kind is None or checkin.id not in written:
                continue
            # Keyed by the ask's own due time: a snooze after the reminder sets a new
            # `remind_at`, and that second ask is a message of its own, not a duplicate.
            assert checkin.remind_at is not None
            person = people[checkin.person_id]
            queued.append(
                Queued(
                    scope.build_to(checkin.person_id, partial(reminder_reply, person, checkin)),
                    key=f"reminder:{checkin.id}:{checkin.remind_at.isoformat()}",
                    kind=kind,
                    due_at=now,
                )
            )
            report.reminded += 1
        queue_many(uow, queued, now=now)

    def _skip(self, person: Person, due: datetime, reason: str, writes: _Writes) -> None:
        assert person.id is not None
        writes.checkins.append(
            Checkin(
                person_id=person.id, due_at=due, status=CheckinStatus.SKIPPED, skip_reason=reason
            )
        )

    def _known(
        self, uow: UnitOfWork, people: Mapping[int, Person], now: datetime, *, pending: bool
    ) -> _Known:
        windows = {pid: local_day(now, person.zone) for pid, person in people.items()}
        return _Known(
            proactive=uow.outbox.count_proactive_many(windows),
            pending=uow.checkins.pending_for_many(people) if pending else {},
        )

    def _capped(self, person: Person, known: _Known) -> bool:
        """The person's local day has its cap of proactive messages (as the batch knows)."""
        assert person.id is not None
        return known.proactive.get(person.id, 0) >= self._rules.daily_cap
