"""`/learn assess`: the self-assessment, step by step, and its summary."""

from __future__ import annotations

from statistics import mean

from bot import localized as content
from bot import privacy
from bot.assessments import LEVEL_OPTIONS, STEP, Assessment
from bot.commands import Assess, RateTraits
from bot.competences import CompetenceModel
from bot.events import AssessmentCompleted
from bot.handlers.context import Context, UserError
from bot.i18n import N_, _, ngettext
from bot.replies import Button, ButtonStyle, Field, Form, FormInput, Reply, Section
from bot.wording import one_decimal, pattern, together

DAY = N_("dd MMM yyyy")  # the day of an assessment in its summary (a CLDR pattern)


def _model(ctx: Context) -> CompetenceModel:
    if ctx.policy.competences is None:
        raise UserError(_("No value and competence model is configured here."))
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
        title=_("Assessment {first}-{last} of {total}").format(
            first=done + 1, last=done + len(step), total=total
        ),
        submit_label=_("Save"),
        inputs=tuple(
            FormInput(name=t.id, label=t.name.text(), options=LEVEL_OPTIONS) for t in step
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
    text = _("Rate yourself from 1 to 5. What the levels mean:")
    if starts_follow_up:
        text = (
            _(
                "Your last self-assessment is complete, so this starts a follow-up one; the "
                "earlier one stays as it was, to compare."
            )
            + " "
            + text
        )
    return [Reply(text=text, sections=anchors, form=form)]


def rate(ctx: Context, command: RateTraits) -> list[Reply]:
    model = _model(ctx)
    known = {t.id for t in model.traits()}
    unknown = sorted(set(command.ratings) - known)
    if unknown:
        raise UserError(_("Not in the model: {traits}.").format(traits=", ".join(unknown)[:80]))
    assessment = _open_or_new(ctx)
    assert assessment.id is not None
    ctx.uow.assessments.rate(assessment.id, command.ratings, ctx.now)
    assessment.ratings.update(command.ratings)
    left = [t for t in model.traits() if t.id not in assessment.ratings]
    if left:
        return [
            Reply(
                text=_("Saved. {n} of {total} rated; go on now or later.").format(
                    n=len(assessment.ratings), total=len(model.traits())
                ),
                buttons=(Button(label=_("Continue"), command="assess", style=ButtonStyle.PRIMARY),),
            )
        ]
    ctx.uow.assessments.complete(assessment.id, ctx.now)
    ctx.publish(AssessmentCompleted(ctx.asker.id or 0, assessment.id))
    return [summary(model, assessment, ctx)]


def summary(model: CompetenceModel, assessment: Assessment, ctx: Context) -> Reply:
    groups = []
    for group in model.groups:
        levels = [assessment.ratings[c.id] for c in model.competences if c.group == group.id]
        if levels:
            groups.append(Field(label=group.name.text(), value=one_decimal(mean(levels))))
    if model.values:
        values = mean(assessment.ratings[v.id] for v in model.values)
        groups.append(Field(label=_("Values"), value=one_decimal(values)))
    strongest = sorted(model.traits(), key=lambda t: -assessment.ratings[t.id])[:3]
    return Reply(
        text=_("Your self-assessment of {day} is complete.").format(
            day=pattern(ctx.local(ctx.now), DAY)
        )
        + " "
        + _who_sees(ctx),
        sections=(
            Section(title=_("Averages by group (1 to 5)"), text="", fields=tuple(groups)),
            Section(
                title=_("Where you rate yourself highest"),
                text=", ".join(f"{t.name.text()} ({assessment.ratings[t.id]})" for t in strongest),
            ),
        ),
    )


def _who_sees(ctx: Context) -> str:
    """Who besides the asker sees their ratings: their tutors by name, or no one."""
    assert ctx.asker.id is not None
    tutors = ctx.uow.people.get_many(privacy.relations(ctx.uow, ctx.asker.id).tutors)
    names = sorted(p.display_name for p in tutors.values())
    if not names:
        return _("Only you see it for now: you have no tutor yet.")
    return ngettext(
        "You and your tutor {names} see it.", "You and your tutors {names} see it.", len(names)
    ).format(names=together(names))
