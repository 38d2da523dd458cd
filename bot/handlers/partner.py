"""`/learn partner` and `/learn group`: who one learns with; the co-coaching prompts that
fall due for partners every two weeks, and the one-tap "we met / we didn't" after them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time

from bot import privacy
from bot.checkins import CheckinSchedule
from bot.commands import (
    AnswerGroupCadence,
    CoCoachingAnswer,
    GroupCheckins,
    NotWith,
    ScheduleCheckins,
    ShowGroup,
    ShowPartner,
)
from bot.domain import Ask, AskKind, AskStatus
from bot.events import CoCoachingMet, PartnershipEnded, PartnershipStarted
from bot.handlers import people
from bot.handlers.checkin import schedule_for
from bot.handlers.context import Context, Scope, UserError
from bot.i18n import ENGLISH, N_, _, current, format_list, ngettext, pgettext, weekday_name
from bot.localized import localized
from bot.plans import CoCoaching, CoCoachingOutcome
from bot.policy import Policy
from bot.ports import UnitOfWork
from bot.recurrence import WEEKDAY_NAMES, out_of_quiet_hours
from bot.replies import Button, ButtonStyle, Reply, Section
from bot.timers import Timer
from bot.wording import pattern, together

COCOACHING = "cocoaching"
DAY = N_("dd MMM yyyy")  # the catalogue's pattern of a day (`02 Dec 2026`)
NO_PARTNER = N_("You have no learning partner yet; they are paired at the kickoff.")
# The co-coaching structure partners are given (after GROW: goal, reality, options, way
# forward), in each language.
GROW = localized(
    "1. What happened since you last met (each of you, five minutes)?\n"
    "2. Goal: what do I want from you today?\n"
    "3. Reality and options: ask, don't advise; what could I try?\n"
    "4. Way forward: what will I try before we meet again?",
    "1. Was ist seit eurem letzten Treffen passiert (jede:r von euch fünf Minuten)?\n"
    "2. Ziel: Was möchte ich heute von dir?\n"
    "3. Lage und Möglichkeiten: Frag nach, statt Ratschläge zu geben; was könnte ich "
    "ausprobieren?\n"
    "4. Nächste Schritte: Was probiere ich bis zu unserem nächsten Treffen aus?",
)


def show(ctx: Context, command: ShowPartner) -> list[Reply]:
    assert ctx.asker.id is not None
    partnership = ctx.uow.partnerships.of(ctx.asker.id)
    if partnership is None:
        return [Reply(text=_(NO_PARTNER))]
    # a partner named the asker's manager since is no longer shown as their partner
    hidden = {ctx.asker.id, *privacy.managers_of(ctx.uow, ctx.asker.id)}
    others = ctx.uow.people.get_many(p for p in partnership.members if p not in hidden)
    if not others:
        return [Reply(text=_(NO_PARTNER))]
    names = together([p.display_name for p in others.values()])
    records = ctx.uow.cocoaching.for_partnerships([partnership.id or 0])
    met = sum(r.outcome == CoCoachingOutcome.MET for r in records)
    return [
        Reply(
            text=_("Your learning partner: {names}, since {day}.").format(
                names=names, day=pattern(ctx.local(partnership.created_at), DAY)
            ),
            sections=(
                Section(
                    text=ngettext(
                        "Co-coaching: {met} of {n} session met. "
                        "`/learn plan --of @name` shows their plan.",
                        "Co-coaching: {met} of {n} sessions met. "
                        "`/learn plan --of @name` shows their plan.",
                        len(records),
                    ).format(met=met, n=len(records))
                ),
            ),
        )
    ]


def not_with(ctx: Context, command: NotWith) -> list[Reply]:
    assert ctx.asker.id is not None
    other = people.known(ctx, command.other)
    assert other.id is not None
    if other.id == ctx.asker.id:
        raise UserError(_("Name someone else."))
    ctx.uow.proposals.exclude(ctx.asker.id, other.id)
    return [
        Reply(
            text=_(
                "Noted: you will not be paired or grouped with {name}. "
                "Only the matching knows; no one is told."
            ).format(name=other.display_name)
        )
    ]


def answer(ctx: Context, command: CoCoachingAnswer) -> list[Reply]:
    partnership = ctx.uow.partnerships.of(ctx.asker.id or 0)
    records = (
        ctx.uow.cocoaching.for_partnerships([partnership.id])
        if partnership is not None and partnership.id is not None
        else []
    )  # numbered per partnership: 1 is the partnership's first prompt
    record = next((r for r in records if r.number == command.record_id), None)
    if record is None:
        raise UserError(_("That co-coaching prompt is not yours."))
    outcome = CoCoachingOutcome.MET if command.met else CoCoachingOutcome.NOT_MET
    if record.outcome == outcome:
        return [Reply(text=_("Noted already."))]
    record.outcome, record.answered_at = outcome, ctx.now
    ctx.uow.cocoaching.update(record)
    if command.met and partnership is not None and record.id is not None:
        ctx.publish(CoCoachingMet(record.id, tuple(partnership.members)))
    said = (
        _("Good: noted that you met.")
        if command.met
        else _("Noted. Try to meet before the next prompt.")
    )
    return [Reply(text=said)]


def show_group(ctx: Context, command: ShowGroup) -> list[Reply]:
    assert ctx.asker.id is not None
    group = ctx.uow.groups.of(ctx.asker.id)
    if group is None:
        return [
            Reply(text=_("You are in no learning group yet; groups are formed at the kickoff."))
        ]
    # the asker's managers are never in their circles: one named so since is not shown
    hidden = privacy.managers_of(ctx.uow, ctx.asker.id)
    members = ctx.uow.people.get_many(p for p in group.members if p not in hidden)
    names = ", ".join(members[p].display_name for p in group.members if p in members)
    said = _("{group}: {names}. It meets in {space}.") if group.space else _("{group}: {names}.")
    return [Reply(text=said.format(group=group.name, names=names, space=group.space))]


def group_checkins(ctx: Context, command: GroupCheckins) -> list[Reply]:
    """The group's cadence, proposed: each member (the proposer too) is asked, by DM,
    to take it (at that time of their own day) or keep their own schedule. It applies
    only to those who accept; nobody's `checkin off` is overridden."""
    assert ctx.asker.id is not None
    group = ctx.uow.groups.of(ctx.asker.id)
    if group is None or group.id is None:
        raise UserError(_("You are in no learning group yet."))
    wanted = command.schedule
    for earlier in ctx.uow.asks.open_for_group(group.id, AskKind.GROUP_CADENCE):
        earlier.status, earlier.answered_at = AskStatus.NO, ctx.now
        earlier.data = {**earlier.data, "superseded": True}
        ctx.uow.asks.update(earlier)
    mine: Reply | None = None
    asker = ctx.asker.display_name
    for person_id in group.members:
        ask = ctx.uow.asks.add(
            Ask(
                kind=AskKind.GROUP_CADENCE,
                person_id=person_id,
                group_id=group.id,
                created_at=ctx.now,
                data={
                    "weekdays": sorted(wanted.weekdays),
                    "time": f"{wanted.wall_time:%H:%M}",
                    "by": ctx.asker.id,
                },
            )
        )
        schedule = ctx.uow.schedules.get(person_id)

        def yours(schedule: CheckinSchedule | None = schedule) -> Section:
            said = (
                schedule.describe()
                if schedule is not None and schedule.enabled
                else pgettext("check-ins", "off")
            )
            return Section(text=_("Your check-ins now: {schedule}.").format(schedule=said))

        def buttons(ask_id: int | None = ask.id) -> tuple[Button, ...]:
            return (
                Button(
                    label=_("Accept"),
                    command=f"group checkin accept {ask_id}",
                    style=ButtonStyle.PRIMARY,
                ),
                Button(label=_("Keep mine"), command=f"group checkin keep {ask_id}"),
            )

        if person_id == ctx.asker.id:
            mine = Reply(
                text=_(
                    "Proposed to {group}: check-ins {proposed}, each in their own time "
                    "zone. It applies to those who accept it; yours too, if you accept."
                ).format(group=group.name, proposed=_describe(wanted)),
                sections=(yours(),),
                buttons=buttons(),
            )
            continue

        def proposal(
            yours: Callable[[], Section] = yours,
            buttons: Callable[[], tuple[Button, ...]] = buttons,
        ) -> Reply:
            return Reply(
                text=_(
                    "{asker} proposes check-ins for {group}: {proposed}, at that time of "
                    "your own day. Take it, or keep yours?"
                ).format(asker=asker, group=group.name, proposed=_describe(wanted)),
                sections=(yours(),),
                buttons=buttons(),
            )

        ctx.notify(person_id, proposal, key=f"group:{group.id}:cadence:{ask.id}")
    assert mine is not None
    return [mine]


def _describe(command: ScheduleCheckins) -> str:
    ordered = sorted(command.weekdays)
    if current() == ENGLISH:
        days = ",".join(WEEKDAY_NAMES[d] for d in ordered)
    else:
        days = format_list([weekday_name(d, "abbreviated") for d in ordered])
    return _("every {days} at {time}").format(days=days, time=f"{command.wall_time:%H:%M}")


def answer_cadence(ctx: Context, command: AnswerGroupCadence) -> list[Reply]:
    """A member's Accept or Keep mine on the group's proposed cadence."""
    assert ctx.asker.id is not None
    ask = ctx.uow.asks.get(command.ask_id)
    if ask is None or ask.kind is not AskKind.GROUP_CADENCE or ask.person_id != ctx.asker.id:
        raise UserError(_("That proposal is not yours to answer."))
    group = ctx.uow.groups.of(ctx.asker.id)
    if group is None or group.id != ask.group_id:
        raise UserError(_("You are no longer in that group; nothing changed."))
    if ask.status is not AskStatus.OPEN:
        if ask.data.get("superseded"):
            return [Reply(text=_("A newer proposal replaced this one; answer that one."))]
        return [Reply(text=_("You answered this one already; nothing changed."))]
    ask.status, ask.answered_at = (AskStatus.YES if command.accept else AskStatus.NO), ctx.now
    ctx.uow.asks.update(ask)
    if not command.accept:
        return [Reply(text=_("Kept your own check-ins; nothing changed."))]
    hour, minute = (int(part) for part in str(ask.data["time"]).split(":"))
    schedule = schedule_for(
        ctx,
        ctx.asker,
        ScheduleCheckins(weekdays=frozenset(ask.data["weekdays"]), wall_time=time(hour, minute)),
    )
    return [
        Reply(
            text=_("Your check-ins now follow {group}: {schedule} ({zone}).").format(
                group=group.name, schedule=schedule.describe(), zone=ctx.asker.timezone
            )
        )
    ]


def start_cocoaching(event: PartnershipStarted, scope: Scope) -> None:
    """A partnership started: its first co-coaching prompt falls due after the interval,
    out of the quiet hours of its first member."""
    first = scope.uow.people.get(event.members[0])
    assert first is not None
    due = out_of_quiet_hours(scope.now + scope.policy.cocoaching_every, first.zone)
    scope.uow.timers.set(Timer(COCOACHING, str(event.partnership_id), due))


def stop_cocoaching(event: PartnershipEnded, scope: Scope) -> None:
    """A partnership ended: no more co-coaching prompts for it."""
    scope.uow.timers.cancel(COCOACHING, str(event.partnership_id))


def prompt(uow: UnitOfWork, timer: Timer, now: datetime, policy: Policy) -> bool:
    """The co-coaching timer of a partnership fell due: prompt both (all three), record the
    prompt, and set the next one. An ended partnership gets nothing more."""
    partnership_id = int(timer.subject)
    record = uow.cocoaching.add(CoCoaching(partnership_id, timer.due_at))
    partnership = uow.partnerships.get(partnership_id)
    if record is None or partnership is None or partnership.ended_at is not None:
        return False
    persons = uow.people.get_many(partnership.members)
    scope = Scope(uow=uow, now=now, policy=policy)
    number = record.number
    for person_id in partnership.members:
        others = [
            persons[p].display_name for p in partnership.members if p != person_id and p in persons
        ]

        def time_for(others: list[str] = others) -> Reply:
            return Reply(
                text=_("Time for co-coaching with {others}: half an hour this week.").format(
                    others=together(others)
                ),
                sections=(Section(title=_("A structure (GROW)"), text=GROW.text()),),
                buttons=(
                    Button(
                        label=_("We met"),
                        command=f"partner met {number}",
                        style=ButtonStyle.PRIMARY,
                    ),
                    Button(label=_("We didn't"), command=f"partner missed {number}"),
                ),
            )

        scope.notify(person_id, time_for, key=f"cocoaching:{record.id}:{person_id}")
    first = persons.get(partnership.members[0])
    later = timer.due_at + policy.cocoaching_every
    if first is not None:
        later = out_of_quiet_hours(later, first.zone)
    uow.timers.set(Timer(COCOACHING, str(partnership_id), max(later, now)))
    return True
