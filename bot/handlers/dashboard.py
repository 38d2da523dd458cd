"""A person's dashboard: what is next for them and what they wrote lately (their own data)."""

from __future__ import annotations

from bot import privacy
from bot.domain import Visibility
from bot.goals import GoalStatus
from bot.handlers.context import Context
from bot.replies import Button, ButtonStyle, Field, Reply, Section

RECENT = 5


def show(ctx: Context) -> Reply:
    assert ctx.asker.id is not None
    schedule = ctx.uow.schedules.get(ctx.asker.id)
    upcoming = schedule.upcoming(ctx.asker.zone, ctx.now, 1) if schedule else []
    pending = ctx.uow.checkins.pending_for(ctx.asker.id)
    relations = privacy.relations(ctx.uow, ctx.asker.id)
    facts = [
        Field(
            label="Next check-in",
            value=f"{ctx.local(upcoming[0]):%a %d %b, %H:%M}" if upcoming else "none scheduled",
        ),
        Field(label="Waiting for your answer", value="a check-in" if pending else "nothing"),
        Field(label="Learning partner", value=_count(relations.partners, "not paired yet")),
        Field(label="Learning group", value=_count(relations.group_mates, "no group yet")),
        Field(label="Development goals", value=_goals(ctx)),
        Field(label="Practical task", value=_task(ctx)),
        Field(label="Time zone", value=ctx.asker.timezone),
    ]
    sections = [Section(title="Your learning", text="", fields=tuple(facts))]
    entries = ctx.uow.diary.by_author(ctx.asker.id, Visibility, RECENT)
    for entry in entries:
        text = entry.text
        if len(text) > 300:  # cut: say how to read it whole
            text = f"{text[:300]}… `/learn diary show {entry.number}` for all of it."
        when = f"{ctx.local(entry.created_at):%a %d %b, %H:%M} · {entry.visibility.value}"
        sections.append(Section(title=f"Entry {entry.number} · {when}", text=text))
    if not entries:
        sections.append(Section(text="No diary entries yet."))
    return Reply(
        text=f"Hello {ctx.asker.display_name}",
        sections=tuple(sections),
        buttons=(
            Button(label="Write a diary entry", command="diary new", style=ButtonStyle.PRIMARY),
            Button(label="Check-in now", command="checkin now"),
            Button(label="Help", command="help"),
        ),
    )


def welcome() -> Reply:
    return Reply(
        text="Welcome to Tandem",
        sections=(
            Section(
                text="Tandem helps you learn in your work: a project diary, check-ins at your "
                "own time, a learning partner and a group. Nothing is stored about you until "
                "you use it."
            ),
        ),
        buttons=(Button(label="Help", command="help"),),
    )


def _count(people: frozenset[int], none: str) -> str:
    return f"{len(people)} {'person' if len(people) == 1 else 'people'}" if people else none


def _goals(ctx: Context) -> str:
    assert ctx.asker.id is not None
    goals = ctx.uow.goals.for_learner(ctx.asker.id)
    if not goals:
        return "none yet (`/learn goals`)"
    open_ = sum(g.status is GoalStatus.OPEN for g in goals)
    reached = sum(g.status is GoalStatus.REACHED for g in goals)
    return f"{open_} open, {reached} reached"


def _task(ctx: Context) -> str:
    assert ctx.asker.id is not None
    tasks = ctx.uow.agreements.for_learner(ctx.asker.id)
    if not tasks:
        return "none proposed yet"
    latest = tasks[-1]
    return f"{latest.status.label}: {latest.task[:80]}"
