"""Calendar invites: `/learn partner meet <date> <time>` (and `partner meet cancel`) for a
partnership's co-coaching session, `/learn group meet <date> <time>` (and `group meet
cancel`) for a learning group's live colleague-advice round set for later (the round
itself opens then, with `/learn advice <case>`), `/learn plan calendar <n>` for a
milestone.

The core decides who gets what: each partner (all three in a trio; each group member)
gets a direct message
through the outbox, in the same transaction as the meeting's row, made in their own
language, with an `Invite` in their own time zone; adapters/invites.py makes the .ics
file of it and each platform sends it as a file in the DM.

- The invite's UID is made of the meeting's id, so every version of one session has the
  same UID; each new `partner meet` while a session is still to come, and its
  cancellation, is SEQUENCE + 1 (METHOD:REQUEST, METHOD:CANCEL). Once a session has
  passed or was cancelled, `partner meet` sets a new one (a new UID).
- Who is told: the asker's present partnership only (an ended one gets nothing), and
  never a partner who is, or was asked to be, the manager of another member (such a
  partner is not shown as a partner either: bot/privacy.py). When a partnership ends
  with a session still to come, the session is cancelled and its former members get the
  cancellation (`cancel_when_ended`, on `PartnershipEnded`; a group's on `GroupEnded`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from bot import privacy
from bot.commands import (
    CancelGroupMeeting,
    CancelMeeting,
    MeetGroup,
    MeetPartner,
    MilestoneCalendar,
)
from bot.domain import LearningGroup, Partnership, Person
from bot.events import GroupEnded, PartnershipEnded
from bot.handlers.context import Context, UserError
from bot.handlers.goals import own
from bot.i18n import N_, _
from bot.plans import Meeting
from bot.ports import UnitOfWork
from bot.replies import Invite, Reply
from bot.scope import Scope
from bot.wording import pattern, together

MEETING_MINUTES = 45  # a co-coaching session (GROW, five minutes each to start)
ROUND_MINUTES = 60  # a live colleague-advice round: six phases, most of them minutes
WHEN = N_("EEE dd MMM yyyy, HH:mm")  # a CLDR pattern: the session's day and local time
DAY = N_("EEE dd MMM yyyy")
NO_PARTNER = N_("You have no learning partner yet; they are paired at the kickoff.")
NO_GROUP = N_("You are in no learning group yet.")
UID_DOMAIN = "tandem.invalid"  # no host of ours: the UID only has to be unique and stable


def meeting_uid(meeting: Meeting) -> str:
    kind = "advice" if meeting.group_id is not None else "cocoaching"
    return f"{kind}-{meeting.id}@{UID_DOMAIN}"


def milestone_uid(milestone_id: int) -> str:
    return f"milestone-{milestone_id}@{UID_DOMAIN}"


@dataclass(frozen=True)
class _Circle:
    """Who meets: a partnership (`group` None) or a learning group, and its people who
    get the invite (the asker first, when there is one)."""

    people: list[Person]
    partnership_id: int | None = None
    group_id: int | None = None
    group: str | None = None  # the learning group's name

    def latest(self, uow: UnitOfWork) -> Meeting | None:
        if self.group_id is not None:
            return uow.meetings.latest_for_group(self.group_id)
        assert self.partnership_id is not None
        return uow.meetings.latest(self.partnership_id)


def _kept_apart(ctx: Context, candidates: list[int]) -> list[Person]:
    """The asker and those of `candidates` who may meet them: never the asker's manager,
    nor someone whose manager the asker is (bot/privacy.py)."""
    assert ctx.asker.id is not None
    hidden = privacy.managers_of(ctx.uow, ctx.asker.id)
    found = ctx.uow.people.get_many(p for p in candidates if p != ctx.asker.id and p not in hidden)
    others = [
        person
        for pid, person in sorted(found.items())
        if ctx.asker.id not in privacy.managers_of(ctx.uow, pid)
    ]
    return [ctx.asker, *others] if others else []


def _partners(ctx: Context) -> _Circle:
    """The asker's present partnership; `UserError` when there is no one to meet."""
    assert ctx.asker.id is not None
    return _circle(ctx, ctx.uow.partnerships.of(ctx.asker.id), _(NO_PARTNER))


def _group(ctx: Context) -> _Circle:
    """The asker's present learning group, for a live colleague-advice round."""
    assert ctx.asker.id is not None
    return _circle(ctx, ctx.uow.groups.of(ctx.asker.id), _(NO_GROUP))


def _circle(ctx: Context, found: Partnership | LearningGroup | None, none: str) -> _Circle:
    if found is None or found.id is None or found.ended_at is not None:
        raise UserError(none)
    people = _kept_apart(ctx, list(found.members))
    if not people:
        raise UserError(none)
    if isinstance(found, LearningGroup):
        return _Circle(people, group_id=found.id, group=found.name)
    return _Circle(people, partnership_id=found.id)


def _starts_at(ctx: Context, command: MeetPartner | MeetGroup) -> datetime:
    """The asker's local date and time as an instant; bad input if it does not exist on
    their clock (the hour skipped when summer time begins), has passed, or is too far."""
    day = ctx.day(command.on)
    wall = time(command.wall_time.hour, command.wall_time.minute)
    local = datetime.combine(day, wall, tzinfo=ctx.asker.zone)
    instant = local.astimezone(UTC)
    if instant.astimezone(ctx.asker.zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise UserError(
            _(
                "{time} does not exist on {day} in your time zone ({zone}): the clocks "
                "go forward then. Choose another time."
            ).format(time=f"{wall:%H:%M}", day=pattern(day, _(DAY)), zone=ctx.asker.timezone)
        )
    if instant <= ctx.now:
        raise UserError(
            _("{when} has passed; choose a time still to come.").format(
                when=pattern(local, _(WHEN))
            )
        )
    last = ctx.now + ctx.policy.plan_horizon
    if instant > last:
        raise UserError(
            _("{when} is too far ahead: choose a time up to {last}.").format(
                when=pattern(local, _(WHEN)), last=pattern(ctx.local(last).date(), _(DAY))
            )
        )
    return instant


def _invite(
    ctx: Scope, meeting: Meeting, recipient: Person, names: str, method: str, group: str | None
) -> Invite:
    """The invite as `recipient` gets it: in their language (the caller speaks it) and
    their time zone. It carries no case or diary words. A cancellation names no one: the
    UID says which meeting it is, and a cancellation written while someone is erased must
    not carry their name (forget removes every message to others that does, and this one
    has to arrive)."""
    if method == "CANCEL":
        summary = _("Cancelled: co-coaching") if group is None else _("Cancelled: colleague advice")
        description = _("This meeting does not take place.")
    elif group is None:
        summary = _("Co-coaching with {names}").format(names=names)
        description = _(
            "Your co-coaching session with {names}, set in Tandem. "
            "`/learn partner meet <date> <time>` moves it, `/learn partner meet cancel` "
            "cancels it."
        ).format(names=names)
    else:
        summary = _("Colleague advice: {group}").format(group=group)
        description = _(
            "A live colleague-advice round of {group} with {names}, set in Tandem; the "
            "case-giver opens it then with `/learn advice <case>`. "
            "`/learn group meet <date> <time>` moves it, `/learn group meet cancel` cancels it."
        ).format(group=group, names=names)
    return Invite(
        uid=meeting_uid(meeting),
        sequence=meeting.sequence,
        method="CANCEL" if method == "CANCEL" else "REQUEST",
        summary=summary,
        description=description,
        start=meeting.starts_at,
        end=meeting.starts_at + timedelta(minutes=meeting.minutes),
        timezone=recipient.timezone,
        stamp=ctx.now,
        filename="co-coaching.ics" if group is None else "colleague-advice.ics",
    )


def _send(
    ctx: Scope, meeting: Meeting, people: list[Person], method: str, group: str | None = None
) -> None:
    """Each person gets the meeting's invite in a DM of their own (their language, their
    zone, the others named; a cancellation names no one), in this transaction."""
    for person in people:
        assert person.id is not None
        others = [p.display_name for p in people if p.id != person.id]

        def build(person: Person = person, others: list[str] = others) -> Reply:
            names = together(others)  # "and" in the reader's language, as the rest
            local = meeting.starts_at.astimezone(person.zone)
            when = pattern(local, _(WHEN))
            if method == "CANCEL":
                text = _(
                    "The meeting on {when} is cancelled; the attached cancellation takes it "
                    "out of your calendar."
                )
            elif group is None:
                text = _(
                    "Co-coaching with {names} on {when} ({zone}): the invite is attached, "
                    "open it to add the session to your calendar."
                )
            else:
                text = _(
                    "A live colleague-advice round of {group} on {when} ({zone}): the invite "
                    "is attached, open it to add the round to your calendar."
                )
            said = text.format(names=names, when=when, zone=person.timezone, group=group)
            return Reply(text=said, invite=_invite(ctx, meeting, person, names, method, group))

        ctx.notify(person.id, build, key=f"meeting:{meeting.id}:{meeting.sequence}:{person.id}")


def _set(ctx: Context, circle: _Circle, command: MeetPartner | MeetGroup) -> bool:
    """Set the circle's meeting, or move the one still to come; True if it moved."""
    starts_at = _starts_at(ctx, command)
    meeting = circle.latest(ctx.uow)
    moved = False
    if meeting is not None and not meeting.cancelled and meeting.starts_at > ctx.now:
        moved = meeting.starts_at != starts_at
        meeting.starts_at, meeting.sequence = starts_at, meeting.sequence + 1
        ctx.uow.meetings.update(meeting)
    else:
        meeting = ctx.uow.meetings.add(
            Meeting(
                partnership_id=circle.partnership_id,
                group_id=circle.group_id,
                starts_at=starts_at,
                minutes=MEETING_MINUTES if circle.group is None else ROUND_MINUTES,
                created_at=ctx.now,
            )
        )
    _send(ctx, meeting, circle.people, "REQUEST", circle.group)
    return moved


def _cancel(ctx: Context, circle: _Circle, none_set: str) -> Meeting:
    meeting = circle.latest(ctx.uow)
    if meeting is None or meeting.cancelled or meeting.starts_at <= ctx.now:
        raise UserError(none_set)
    meeting.cancelled, meeting.sequence = True, meeting.sequence + 1
    ctx.uow.meetings.update(meeting)
    _send(ctx, meeting, circle.people, "CANCEL", circle.group)
    return meeting


def meet(ctx: Context, command: MeetPartner) -> list[Reply]:
    circle = _partners(ctx)
    moved = _set(ctx, circle, command)
    names = together([p.display_name for p in circle.people[1:]])
    when = pattern(ctx.local(_starts_at(ctx, command)), _(WHEN))
    said = (
        _("Moved: co-coaching with {names} is now on {when}. Each of you gets the updated invite.")
        if moved
        else _(
            "Co-coaching with {names} on {when}: each of you gets an invite in a direct message."
        )
    )
    return [Reply(text=said.format(names=names, when=when))]


def cancel(ctx: Context, command: CancelMeeting) -> list[Reply]:
    meeting = _cancel(
        ctx,
        _partners(ctx),
        _("No co-coaching session is set; `/learn partner meet <date> <time>` sets one."),
    )
    return [
        Reply(
            text=_("Cancelled: co-coaching on {when}. Each of you gets the cancellation.").format(
                when=pattern(ctx.local(meeting.starts_at), _(WHEN))
            )
        )
    ]


def meet_group(ctx: Context, command: MeetGroup) -> list[Reply]:
    """A live colleague-advice round of the asker's learning group, set for later: each
    member gets an invite (the round itself opens then, with `/learn advice <case>`)."""
    circle = _group(ctx)
    moved = _set(ctx, circle, command)
    when = pattern(ctx.local(_starts_at(ctx, command)), _(WHEN))
    said = (
        _("Moved: the live round of {group} is now on {when}. Each member gets the updated invite.")
        if moved
        else _("A live round of {group} on {when}: each member gets an invite in a direct message.")
    )
    return [Reply(text=said.format(group=circle.group, when=when))]


def cancel_group(ctx: Context, command: CancelGroupMeeting) -> list[Reply]:
    meeting = _cancel(
        ctx,
        _group(ctx),
        _("No live round is set for your group; `/learn group meet <date> <time>` sets one."),
    )
    return [
        Reply(
            text=_(
                "Cancelled: the live round on {when}. Each member gets the cancellation."
            ).format(when=pattern(ctx.local(meeting.starts_at), _(WHEN)))
        )
    ]


def _cancel_ended(scope: Scope, meeting: Meeting | None, members: Iterable[int]) -> None:
    if meeting is None or meeting.cancelled or meeting.starts_at <= scope.now:
        return
    meeting.cancelled, meeting.sequence = True, meeting.sequence + 1
    scope.uow.meetings.update(meeting)
    found = scope.uow.people.get_many(members)
    group = "" if meeting.group_id is not None else None  # a cancellation names no group
    _send(scope, meeting, [found[p] for p in sorted(found)], "CANCEL", group)


def cancel_when_ended(event: PartnershipEnded, scope: Scope) -> None:
    """A partnership ended (re-paired, someone left, roles apart, the cohort closed): a
    session still to come is cancelled, and each former partner gets the cancellation,
    so no calendar keeps a meeting that will not take place."""
    _cancel_ended(scope, scope.uow.meetings.latest(event.partnership_id), event.members)


def cancel_when_group_ended(event: GroupEnded, scope: Scope) -> None:
    """A learning group ended (regrouped, the cohort closed): its live round still to come
    is cancelled for each of its former members."""
    _cancel_ended(scope, scope.uow.meetings.latest_for_group(event.group_id), event.members)


def milestone(ctx: Context, command: MilestoneCalendar) -> list[Reply]:
    """The asker's own milestone as a whole day in their calendar (METHOD:PUBLISH: no one
    else is asked to anything)."""
    assert ctx.asker.id is not None
    found = own(ctx.uow.plans.get(ctx.asker.id).milestones, command.milestone_id)
    if found is None or found.id is None:
        raise UserError(
            _("You have no milestone {number}. `/learn plan` lists yours.").format(
                number=command.milestone_id
            )
        )
    chosen = found

    def build() -> Reply:
        return Reply(
            text=_(
                "Milestone {number}, {title}, on {day}: the invite adds it to your calendar."
            ).format(number=chosen.number, title=chosen.title, day=pattern(chosen.due_on, _(DAY))),
            invite=Invite(
                uid=milestone_uid(chosen.id or 0),
                method="PUBLISH",
                summary=_("Milestone: {title}").format(title=chosen.title),
                description=chosen.evidence,
                day=chosen.due_on,
                timezone=ctx.asker.timezone,
                stamp=ctx.now,
                filename="milestone.ics",
            ),
        )

    ctx.notify(ctx.asker.id, build, key=f"milestone-invite:{chosen.id}:{ctx.now.isoformat()}")
    return [Reply(text=_("Sent to your direct messages."))]
