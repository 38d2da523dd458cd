"""`/learn progress`: the latest self-assessment against the first and against the goals'
targets, as a chart (drawn by the adapter) and the same in words, in the reader's
language (the chart's title, legend and text alternative too)."""

from __future__ import annotations

from datetime import datetime

from bot.commands import ShowProgress
from bot.goals import GoalStatus
from bot.handlers import people
from bot.handlers.context import Context
from bot.handlers.goals import model
from bot.i18n import _, format_date, ngettext, pgettext
from bot.replies import Chart, Reply, Section, Series


def show(ctx: Context, command: ShowProgress) -> list[Reply]:
    competences = model(ctx)
    own = command.of is None
    learner = ctx.asker if command.of is None else people.learner_for_tutor(ctx, command.of)
    assert learner.id is not None
    name = learner.display_name
    done = [a for a in ctx.uow.assessments.for_person(learner.id) if a.completed_at is not None]
    goals = [g for g in ctx.uow.goals.for_learner(learner.id) if g.status is not GoalStatus.DROPPED]
    if not done:
        if own:
            text = _(
                "Your progress shows once a self-assessment is complete. "
                "Start with `/learn assess`."
            )
        else:
            text = _(
                "{name}'s progress shows once a self-assessment is complete. They have none yet."
            ).format(name=name)
        return [Reply(text=text)]
    first, latest = done[0], done[-1]
    assert first.completed_at is not None and latest.completed_at is not None
    targets = {g.trait_id: g.target_level for g in goals}
    traits = [t for t in competences.traits() if t.id in latest.ratings]
    series = [
        Series(
            name=_("first ({date})").format(date=_day(first.completed_at)),
            values=tuple(_level(first.ratings.get(t.id)) for t in traits),
        )
    ]
    if latest is not first:
        series.append(
            Series(
                name=_("latest ({date})").format(date=_day(latest.completed_at)),
                values=tuple(_level(latest.ratings.get(t.id)) for t in traits),
            )
        )
    if targets:
        series.append(
            Series(name=_("goal target"), values=tuple(_level(targets.get(t.id)) for t in traits))
        )
    lines, with_goals = [], []
    for trait in traits:
        now, before = latest.ratings[trait.id], first.ratings.get(trait.id)
        line = _("{competence}: {level}").format(competence=trait.name.text(), level=now)
        if latest is not first and before is not None and before != now:
            line = _("{line} (was {before})").format(line=line, before=before)
        if trait.id in targets:
            gap = targets[trait.id] - now
            if gap > 0:
                line = _("{line}, target {target}, {gap} to go").format(
                    line=line, target=targets[trait.id], gap=gap
                )
            else:
                line = _("{line}, target {target}, reached").format(
                    line=line, target=targets[trait.id]
                )
            with_goals.append(line)
        lines.append(line)
    changed = [
        (t.id, latest.ratings[t.id] - first.ratings[t.id])
        for t in traits
        if latest is not first and t.id in first.ratings
    ]
    if changed:
        lines.append(
            _("Since the first self-assessment: {up} up, {down} down, {same} the same").format(
                up=sum(d > 0 for _t, d in changed),
                down=sum(d < 0 for _t, d in changed),
                same=sum(d == 0 for _t, d in changed),
            )
        )
    assessments = ngettext("{n} self-assessment", "{n} self-assessments", len(done))
    counted = ngettext("{n} goal", "{n} goals", len(targets))
    summary = _("{assessments}, the first of {first}, the latest of {latest}; {goals}.").format(
        assessments=assessments.format(n=len(done)),
        first=_day(first.completed_at),
        latest=_day(latest.completed_at),
        goals=counted.format(n=len(targets)),
    )
    title = (
        _("Your competences and values (1 to 5)")
        if own
        else _("{name}'s competences and values (1 to 5)").format(name=name)
    )
    chart = Chart(
        title=title,
        categories=tuple(t.name.text() for t in traits),
        series=tuple(series),
        alt_text=summary + " " + "; ".join(lines),
        filename=f"progress-{latest.completed_at:%Y-%m-%d}.png",
    )
    if own:
        text = _("Your progress. {summary}").format(summary=summary)
    else:
        text = _("{name}'s progress. {summary}").format(name=name, summary=summary)
    return [
        Reply(
            text=text,
            sections=(
                Section(
                    title=_("Against the goals"), text="\n".join(with_goals) or _("No goals yet.")
                ),
                Section(title=_("Every value and competence"), text="\n".join(lines)),
            ),
            chart=chart,
        )
    ]


def _day(moment: datetime) -> str:
    """The day of an assessment as the reader writes it ("30 Nov 2026", "30.11.2026")."""
    return format_date(moment, pgettext("a CLDR date pattern: a day", "dd MMM yyyy"))


def _level(value: int | None) -> float | None:
    return float(value) if value is not None else None
