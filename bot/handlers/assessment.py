"""`/learn assess`: the self-assessment, step by step, and its summary."""

from __future__ import annotations

from statistics import mean

from bot import localized as content
from bot.assessments import LEVEL_OPTIONS, STEP, Assessment
from bot.commands import Assess, RateTraits
from bot.competences import CompetenceModel
from bot.handlers.context import Context, UserError
from bot.handlers.goals import tutors_see
from bot.replies import Button, ButtonStyle, Field, Form, FormInput, Reply, Section


def _model(ctx: Context) -> CompetenceModel:
    if ctx.policy.competences is None:
        raise UserError("No value and competence model is configured here.")
    return ctx.policy.competences


def _open_or_new(ctx: Context) -> Assessment:
    assert ctx.asker.id is not None
    current = ctx.uow.assessments.open_for(ctx.asker.id)
    if current is not None:
        return current
    earlier = ctx.uow.assessments.for_person(ctx.asker.id)
    return ctx.uow.assessments.add(
        Assessment(
            person_id=ctx.asker.id, kind="follow-up" if earlier else "initial", started_at=ctx.now
        )
    )


def next_step(ctx: Context, command: Assess) -> list[Reply]:
    model = _model(ctx)
    assert ctx.asker.id is not None
    starts_follow_up = ctx.uow.assessments.open_for(ctx.asker.id) is None and bool(
        ctx.uow.assessments.for_person(ctx.asker.id)
    )
    assessment = _open_or_new(ctx)
    traits = [t for t in model.traits() if t.id not in assessment.ratings]
    step = traits[:STEP]
    total = len(model.traits())
    done = total - len(traits)
    lang = content.current()
    form = Form(
        form_id="assess",
        title=f"Assessment {done + 1}-{done + len(step)} of {total}",
        submit_label="Save",
        inputs=tuple(
            FormInput(name=t.id, label=t.name.text(lang), options=LEVEL_OPTIONS) for t in step
        ),
    )
    anchors = tuple(
        Section(
            title=t.name.text(lang),
            text=t.description.text(lang),
            fields=tuple(
                Field(label=str(level), value=text.text(lang))
                for level, text in sorted(t.anchors.items())
            ),
        )
        for t in step
    )
    text = "Rate yourself from 1 to 5. What the levels mean:"
    if starts_follow_up:
        text = (
            "Your last self-assessment is complete, so this starts a follow-up one; the "
            "earlier one stays as it was, to compare. " + text
        )
    return [Reply(text=text, sections=anchors, form=form)]


def rate(ctx: Context, command: RateTraits) -> list[Reply]:
    model = _model(ctx)
    known = {t.id for t in model.traits()}
    unknown = sorted(set(command.ratings) - known)
    if unknown:
        raise UserError(f"Not in the model: {', '.join(unknown)[:80]}.")
    assessment = _open_or_new(ctx)
    assert assessment.id is not None
    ctx.uow.assessments.rate(assessment.id, command.ratings, ctx.now)
    assessment.ratings.update(command.ratings)
    left = [t for t in model.traits() if t.id not in assessment.ratings]
    if left:
        return [
            Reply(
                text=f"Saved. {len(assessment.ratings)} of {len(model.traits())} rated; "
                "go on now or later.",
                buttons=(Button(label="Continue", command="assess", style=ButtonStyle.PRIMARY),),
            )
        ]
    ctx.uow.assessments.complete(assessment.id, ctx.now)
    return [summary(model, assessment, ctx)]


def summary(model: CompetenceModel, assessment: Assessment, ctx: Context) -> Reply:
    lang = content.current()
    groups = []
    for group in model.groups:
        levels = [assessment.ratings[c.id] for c in model.competences if c.group == group.id]
        if levels:
            groups.append(Field(label=group.name.text(lang), value=f"{mean(levels):.1f}"))
    if model.values:
        groups.append(
            Field(
                label="Values", value=f"{mean(assessment.ratings[v.id] for v in model.values):.1f}"
            )
        )
    strongest = sorted(model.traits(), key=lambda t: -assessment.ratings[t.id])[:3]
    return Reply(
        text=f"Your self-assessment of {ctx.local(ctx.now):%d %b %Y} is complete. "
        + tutors_see(ctx, "it"),
        sections=(
            Section(title="Averages by group (1 to 5)", text="", fields=tuple(groups)),
            Section(
                title="Where you rate yourself highest",
                text=", ".join(
                    f"{t.name.text(lang)} ({assessment.ratings[t.id]})" for t in strongest
                ),
            ),
        ),
    )
