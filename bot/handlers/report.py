"""`/learn cohort report`: a tutor's view of the learners they accompany (progress, not
diaries), and a facilitator's anonymous figures of a cohort (from five learners on)."""

from __future__ import annotations

from bot.commands import CohortReport
from bot.domain import (
    AdviceRecord,
    MembershipStatus,
    Partnership,
    Role,
)
from bot.events import CohortKickedOff
from bot.handlers.cohorts import find_cohort, headcount
from bot.handlers.context import Context, Scope, UserError
from bot.i18n import N_, _, ngettext
from bot.ports import UnitOfWork
from bot.replies import Field, Reply, Section
from bot.report_figures import (
    MIN_GROUP,
    cohort_figures,
    cohort_status_word,
    fix_roster,
    tally,
    withheld,
)

# The rules for figures, and the roster and counts they are over, live with the report's
# figures (bot/report_figures.py); the names stay importable from here.
__all__ = ["MIN_GROUP", "NOT_FOR_YOU", "fix_roster", "report", "roster_at_kickoff", "tally"]

NOT_FOR_YOU = N_("Reports are for tutors (about their learners) and facilitators.")


def report(ctx: Context, command: CohortReport) -> list[Reply]:
    """A facilitator's figures of a cohort, with the whole report for the adapter to send
    as a file (a tutor's `cohort report` is their cockpit: bot/handlers/cockpit.py)."""
    if not ctx.policy.is_facilitator(ctx.asker):
        raise UserError(_(NOT_FOR_YOU))
    answer = _figures(ctx, command)
    cohort = find_cohort(ctx, command.cohort)
    # The whole report, drawn by the adapter as an HTML file (or CSV) it sends along.
    return [
        answer.model_copy(update={"report": cohort_figures(ctx.uow, cohort, ctx.policy, ctx.now)})
    ]


def partnerships_ever(uow: UnitOfWork, person_id: int) -> list[Partnership]:
    """Every partnership `person_id` was in, ended ones too, over all their cohorts."""
    cohorts = sorted({m.cohort_id for m in uow.memberships.of(person_id)})
    return [p for c in cohorts for p in uow.partnerships.in_cohort(c) if person_id in p.members]


def advice_rounds(uow: UnitOfWork, person_id: int) -> list[AdviceRecord]:
    """The finished colleague-advice rounds `person_id` took part in, in every learning
    group they were in (ended ones too)."""
    cohorts = sorted({m.cohort_id for m in uow.memberships.of(person_id)})
    found = []
    for cohort_id in cohorts:
        for group in uow.groups.in_cohort(cohort_id):
            if group.id is None or person_id not in group.members:
                continue
            for record in uow.advice.in_group(group.id):
                members = record.state.get("round", {}).get("members", ())
                if record.status == "finished" and (
                    person_id in members or record.case_giver_id == person_id
                ):
                    found.append(record)
    return found


def roster_at_kickoff(event: CohortKickedOff, scope: Scope) -> None:
    """At kickoff the figures' roster is fixed: those who joined by then."""
    cohort = scope.uow.cohorts.get(event.cohort_id)
    assert cohort is not None
    fix_roster(scope.uow, cohort)


def _cell(part: int, whole: int) -> str:
    """`part of whole`, unless a part or its complement is a handful of people or things
    (between 1 and 4): then both are withheld, so neither points at anyone."""
    if withheld(part, whole):
        return _("withheld (fewer than {n} on one side)").format(n=MIN_GROUP)
    return _("{part} of {whole}").format(part=part, whole=whole)


def _count(n: int) -> str:
    return str(n) if n == 0 or n >= MIN_GROUP else _("fewer than {n}").format(n=MIN_GROUP)


def _figures(ctx: Context, command: CohortReport) -> Reply:
    cohort = find_cohort(ctx, command.cohort)
    assert cohort.id is not None
    members = [m for m in ctx.uow.memberships.members(cohort.id) if m.role is Role.LEARNER]
    people = headcount(cohort, members)  # the same count `/learn cohort` gives
    fields = [
        Field(label=_(label), value=str(n))
        for label, n in (
            (N_("learners now"), people.learners),
            (N_("left"), people.left),
            (N_("invited, not joined yet"), people.invited),
            (N_("declined"), people.declined),
        )
        if n
    ]
    roster = fix_roster(ctx.uow, cohort)
    counts = tally(ctx.uow, cohort, roster)
    learners = counts.get("learners", 0)
    if learners < MIN_GROUP:
        return Reply(
            text=ngettext(
                "{cohort}: {n} learner counted. Figures about learning are "
                "shown from {least} learners on who joined themselves, so no one can be "
                "singled out.",
                "{cohort}: {n} learners counted. Figures about learning are "
                "shown from {least} learners on who joined themselves, so no one can be "
                "singled out.",
                learners,
            ).format(cohort=cohort.name, n=learners, least=MIN_GROUP),
            sections=(Section(title=_("Learners"), text="", fields=tuple(fields)),),
        )
    partnerships = [p for p in ctx.uow.partnerships.in_cohort(cohort.id) if p.ended_at is None]
    goals, reached = counts.get("goals", 0), counts.get("goals_reached", 0)
    answered, met = counts.get("cocoaching_answered", 0), counts.get("cocoaching_met", 0)
    learning = [
        Field(label=_("Self-assessed"), value=_cell(counts.get("assessed", 0), learners)),
        Field(label=_("Plans committed"), value=_cell(counts.get("plans_committed", 0), learners)),
        Field(label=_("Goals"), value=_count(goals)),
        Field(label=_("Goals reached"), value=_cell(reached, goals)),
        Field(
            label=_("Milestones reached"),
            value=_cell(counts.get("milestones_done", 0), counts.get("milestones", 0)),
        ),
        Field(label=_("Partnerships"), value=str(len(partnerships))),
        Field(label=_("Learning groups"), value=str(len(ctx.uow.groups.in_cohort(cohort.id)))),
        Field(
            label=_("Co-coaching met"),
            value=_("{share} answered prompts").format(share=_cell(met, answered))
            if answered
            else _("no answers yet"),
        ),
    ]
    waiting = people.learners - sum(
        1 for m in members if m.status is MembershipStatus.ACTIVE and m.person_id in roster
    )
    gone = sum(1 for m in members if m.status is MembershipStatus.LEFT and m.person_id in roster)
    notes = (
        [
            ngettext(
                "{n} of them left since and stays counted",
                "{n} of them left since and stay counted",
                gone,
            ).format(n=gone)
        ]
        if gone
        else []
    )
    if waiting > 0:
        notes.append(
            ngettext(
                "{n} who joined later is counted once {least} wait",
                "{n} who joined later are counted once {least} wait",
                waiting,
            ).format(n=waiting, least=MIN_GROUP)
        )
    text = ngettext(
        "{cohort} ({status}): figures over {n} learner",
        "{cohort} ({status}): figures over {n} learners",
        learners,
    ).format(cohort=cohort.name, status=cohort_status_word(cohort.status), n=learners)
    if notes:
        text += f" ({'; '.join(notes)})"
    return Reply(
        text=text,
        sections=(
            Section(title=_("Learners"), text="", fields=tuple(fields)),
            Section(title=_("Learning"), text="", fields=tuple(learning)),
        ),
    )
