"""`/learn progress`: the latest self-assessment against the first and against the goals'
targets, as a chart (drawn by the adapter) and the same in words."""

from __future__ import annotations

from bot import localized as content
from bot.commands import ShowProgress
from bot.goals import GoalStatus
from bot.handlers import people
from bot.handlers.context import Context
from bot.handlers.goals import model
from bot.replies import Chart, Reply, Section, Series


def show(ctx: Context, command: ShowProgress) -> list[Reply]:
    competences = model(ctx)
    learner = ctx.asker if command.of is None else people.learner_for_tutor(ctx, command.of)
    assert learner.id is not None
    whose = "Your" if command.of is None else f"{learner.display_name}'s"
    done = [a for a in ctx.uow.assessments.for_person(learner.id) if a.completed_at is not None]
    goals = [g for g in ctx.uow.goals.for_learner(learner.id) if g.status is not GoalStatus.DROPPED]
    if not done:
        hint = "Start with `/learn assess`." if command.of is None else "They have none yet."
        return [Reply(text=f"{whose} progress shows once a self-assessment is complete. {hint}")]
    first, latest = done[0], done[-1]
    targets = {g.trait_id: g.target_level for g in goals}
    traits = [t for t in competences.traits() if t.id in latest.ratings]
    series = [
        Series(
            name=f"first ({first.completed_at:%d %b %Y})",
            values=tuple(_level(first.ratings.get(t.id)) for t in traits),
        )
    ]
    if latest is not first:
        series.append(
            Series(
                name=f"latest ({latest.completed_at:%d %b %Y})",
                values=tuple(_level(latest.ratings.get(t.id)) for t in traits),
            )
        )
    if targets:
        series.append(
            Series(name="goal target", values=tuple(_level(targets.get(t.id)) for t in traits))
        )
    lang = content.current()
    lines = []
    for trait in traits:
        now, before = latest.ratings[trait.id], first.ratings.get(trait.id)
        line = f"{trait.name.text(lang)}: {now}"
        if latest is not first and before is not None and before != now:
            line += f" (was {before})"
        if trait.id in targets:
            gap = targets[trait.id] - now
            line += f", target {targets[trait.id]}" + (f", {gap} to go" if gap > 0 else ", reached")
        lines.append(line)
    summary = (
        f"{len(done)} self-assessments, the first of {first.completed_at:%d %b %Y}, "
        f"the latest of {latest.completed_at:%d %b %Y}; {len(targets)} goals."
    )
    chart = Chart(
        title=f"{whose} competences and values (1 to 5)",
        categories=tuple(t.name.text(lang) for t in traits),
        series=tuple(series),
        alt_text=summary + " " + "; ".join(lines),
        filename=f"progress-{latest.completed_at:%Y-%m-%d}.png",
    )
    with_goals = [line for line in lines if "target" in line]
    return [
        Reply(
            text=f"{whose} progress. {summary}",
            sections=(
                Section(title="Against the goals", text="\n".join(with_goals) or "No goals yet."),
                Section(title="Every value and competence", text="\n".join(lines)),
            ),
            chart=chart,
        )
    ]


def _level(value: int | None) -> float | None:
    return float(value) if value is not None else None
