"""`/learn cohort report`: a tutor's view of the learners they accompany (progress, not
diaries), and a facilitator's anonymous figures of a cohort (from five learners on)."""

from __future__ import annotations

from collections import Counter

from bot import privacy
from bot.commands import CohortReport
from bot.domain import MembershipStatus, OutboxStatus, Role
from bot.goals import GoalStatus
from bot.handlers.cohort import _cohort
from bot.handlers.context import Context, UserError
from bot.plans import CoCoachingOutcome
from bot.replies import Field, Reply, Section

MIN_GROUP = 5  # figures over fewer people could point at someone


def report(ctx: Context, command: CohortReport) -> list[Reply]:
    assert ctx.asker.id is not None
    if ctx.policy.is_facilitator(ctx.asker):
        return [_figures(ctx, command)]
    learners = sorted(privacy.relations(ctx.uow, ctx.asker.id).learners)
    if not learners:
        raise UserError("Reports are for tutors (about their learners) and facilitators.")
    persons = ctx.uow.people.get_many(learners)
    sections = []
    for learner_id in learners:
        person = persons.get(learner_id)
        if person is None:
            continue
        goals = ctx.uow.goals.for_learner(learner_id)
        plan = ctx.uow.plans.get(learner_id)
        partnership = ctx.uow.cohorts.partnership_of(learner_id)
        records = (
            ctx.uow.cocoaching.for_partnerships([partnership.id])
            if partnership and partnership.id
            else []
        )
        undelivered = [
            m for m in ctx.uow.outbox.for_recipient(learner_id) if m.status is OutboxStatus.FAILED
        ]
        fields = [
            Field(
                label="Goals",
                value=f"{sum(g.status is GoalStatus.OPEN for g in goals)} open, "
                f"{sum(g.status is GoalStatus.REACHED for g in goals)} reached",
            ),
            Field(
                label="Milestones",
                value=f"{sum(m.done_at is not None for m in plan.milestones)} of "
                f"{len(plan.milestones)} reached"
                + ("" if plan.committed_at else ", plan not committed"),
            ),
            Field(
                label="Co-coaching",
                value=f"met {sum(r.outcome == CoCoachingOutcome.MET for r in records)}, "
                f"not met {sum(r.outcome == CoCoachingOutcome.NOT_MET for r in records)}, "
                f"of {len(records)} prompts",
            ),
        ]
        if undelivered:
            reasons = Counter((m.last_error or "unknown").split(":")[0] for m in undelivered)
            fields.append(
                Field(
                    label="Messages that could not reach them",
                    value=", ".join(f"{n} ({why})" for why, n in reasons.items()),
                )
            )
        sections.append(Section(title=person.display_name, text="", fields=tuple(fields)))
    return [
        Reply(
            text="Your learners (progress only; their diaries stay theirs)",
            sections=tuple(sections),
        )
    ]


def _figures(ctx: Context, command: CohortReport) -> Reply:
    cohort = _cohort(ctx, command.cohort)
    assert cohort.id is not None
    members = [m for m in ctx.uow.cohorts.members(cohort.id) if m.role is Role.LEARNER]
    statuses = Counter(m.status.value for m in members)
    active = [m.person_id for m in members if m.status is MembershipStatus.ACTIVE]
    fields = [Field(label=status, value=str(n)) for status, n in sorted(statuses.items())]
    if len(active) < MIN_GROUP:
        return Reply(
            text=f"{cohort.name}: {len(active)} active learners. Figures about learning are "
            f"shown from {MIN_GROUP} learners on, so no one can be singled out.",
            sections=(Section(title="Learners", text="", fields=tuple(fields)),),
        )
    partnerships = [p for p in ctx.uow.cohorts.partnerships(cohort.id) if p.ended_at is None]
    records = ctx.uow.cocoaching.for_partnerships(p.id for p in partnerships if p.id)
    answered = [r for r in records if r.outcome is not None]
    met = sum(r.outcome == CoCoachingOutcome.MET for r in answered)
    goals = [g for person in active for g in ctx.uow.goals.for_learner(person)]
    assessed = sum(any(a.completed_at for a in ctx.uow.assessments.for_person(p)) for p in active)
    learning = [
        Field(label="Self-assessed", value=f"{assessed} of {len(active)}"),
        Field(
            label="Goals",
            value=f"{len(goals)} ({sum(g.status is GoalStatus.REACHED for g in goals)} reached)",
        ),
        Field(label="Partnerships", value=str(len(partnerships))),
        Field(label="Learning groups", value=str(len(ctx.uow.cohorts.groups(cohort.id)))),
        Field(
            label="Co-coaching met",
            value=f"{met} of {len(answered)} answered prompts" if answered else "no answers yet",
        ),
    ]
    return Reply(
        text=f"{cohort.name} ({cohort.status.value}): figures over {len(active)} learners",
        sections=(
            Section(title="Learners", text="", fields=tuple(fields)),
            Section(title="Learning", text="", fields=tuple(learning)),
        ),
    )
