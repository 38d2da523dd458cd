"""A person's dashboard: what is next for them and what they wrote lately (their own data),
in their language (the service speaks it)."""

from __future__ import annotations

from datetime import datetime

from bot import privacy
from bot.domain import Visibility
from bot.goals import GoalStatus
from bot.handlers.context import Context
from bot.i18n import N_, _, format_datetime, ngettext, pgettext
from bot.replies import Button, ButtonStyle, Field, Reply, Section

RECENT = 5
# who reads an entry, as the dashboard names it (the stored value is English)
_VISIBILITY = {
    Visibility.PRIVATE: N_("private"),
    Visibility.PARTNER: N_("partner"),
    Visibility.GROUP: N_("group"),
    Visibility.TUTOR: N_("tutor"),
    Visibility.COMMUNITY: N_("community"),
}


def _when(moment: datetime) -> str:
    """A local time as the dashboard shows it ("Mon 15 Feb, 09:30")."""
    return format_datetime(
        moment, format=pgettext("a CLDR date pattern: the dashboard", "EEE dd MMM, HH:mm")
    )


def show(ctx: Context) -> Reply:
    assert ctx.asker.id is not None
    schedule = ctx.uow.schedules.get(ctx.asker.id)
    upcoming = schedule.upcoming(ctx.asker.zone, ctx.now, 1) if schedule else []
    pending = ctx.uow.checkins.pending_for(ctx.asker.id)
    relations = privacy.relations(ctx.uow, ctx.asker.id)
    facts = [
        Field(
            label=_("Next check-in"),
            value=_when(ctx.local(upcoming[0])) if upcoming else _("none scheduled"),
        ),
        Field(
            label=_("Waiting for your answer"), value=_("a check-in") if pending else _("nothing")
        ),
        Field(label=_("Learning partner"), value=_count(relations.partners, _("not paired yet"))),
        Field(label=_("Learning group"), value=_count(relations.group_mates, _("no group yet"))),
        Field(label=_("Development goals"), value=_goals(ctx)),
        Field(label=_("Practical task"), value=_task(ctx)),
        Field(label=_("Time zone"), value=ctx.asker.timezone),
    ]
    sections = [Section(title=_("Your learning"), text="", fields=tuple(facts))]
    entries = ctx.uow.diary.by_author(ctx.asker.id, Visibility, RECENT)
    for entry in entries:
        text = entry.text
        if len(text) > 300:  # cut: say how to read it whole
            text = _("{text}… `/learn diary show {number}` for all of it.").format(
                text=text[:300], number=entry.number
            )
        when = f"{_when(ctx.local(entry.created_at))} · {_(_VISIBILITY[entry.visibility])}"
        title = _("Entry {number} · {when}").format(number=entry.number, when=when)
        sections.append(Section(title=title, text=text))
    if not entries:
        sections.append(Section(text=_("No diary entries yet.")))
    return Reply(
        text=_("Hello {name}").format(name=ctx.asker.display_name),
        sections=tuple(sections),
        buttons=(
            Button(label=_("Write a diary entry"), command="diary new", style=ButtonStyle.PRIMARY),
            Button(label=_("Check-in now"), command="checkin now"),
            Button(label=_("Help"), command="help"),
        ),
    )


def welcome() -> Reply:
    return Reply(
        text=_("Welcome to Tandem"),
        sections=(
            Section(
                text=_(
                    "Tandem helps you learn in your work: a project diary, check-ins at your "
                    "own time, a learning partner and a group. Nothing is stored about you "
                    "until you use it."
                )
            ),
        ),
        buttons=(Button(label=_("Help"), command="help"),),
    )


def _count(people: frozenset[int], none: str) -> str:
    if not people:
        return none
    return ngettext("{n} person", "{n} people", len(people)).format(n=len(people))


def _goals(ctx: Context) -> str:
    assert ctx.asker.id is not None
    goals = ctx.uow.goals.for_learner(ctx.asker.id)
    if not goals:
        return _("none yet (`/learn goals`)")
    open_ = sum(g.status is GoalStatus.OPEN for g in goals)
    reached = sum(g.status is GoalStatus.REACHED for g in goals)
    return _("{open} open, {reached} reached").format(open=open_, reached=reached)


def _task(ctx: Context) -> str:
    assert ctx.asker.id is not None
    tasks = ctx.uow.agreements.for_learner(ctx.asker.id)
    if not tasks:
        return _("none proposed yet")
    latest = tasks[-1]
    return f"{latest.status.label}: {latest.task[:80]}"
