"""`/learn cohort report`: a tutor's view of the learners they accompany (progress, not
diaries), and a facilitator's anonymous figures of a cohort (from five learners on)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from bot.commands import CohortReport
from bot.domain import (
    AdviceRecord,
    Cohort,
    CohortStatus,
    MembershipStatus,
    Partnership,
    Role,
)
from bot.events import CohortKickedOff
from bot.goals import GoalStatus
from bot.handlers.cohorts import find_cohort, headcount
from bot.handlers.context import Context, Scope, UserError
from bot.i18n import N_, _, ngettext, pgettext
from bot.plans import CoCoachingOutcome
from bot.ports import UnitOfWork
from bot.replies import Field, Reply, Section

MIN_GROUP = 5  # figures over fewer people could point at someone
NOT_FOR_YOU = N_("Reports are for tutors (about their learners) and facilitators.")


def report(ctx: Context, command: CohortReport) -> list[Reply]:
    """A facilitator's figures of a cohort (a tutor's `cohort report` is their cockpit:
    bot/handlers/cockpit.py)."""
    if not ctx.policy.is_facilitator(ctx.asker):
        raise UserError(_(NOT_FOR_YOU))
    return [_figures(ctx, command)]


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


def fix_roster(uow: UnitOfWork, cohort: Cohort) -> tuple[int, ...]:
    """The learners the cohort's figures are over, admitting those waiting to be counted.

    Only learners who joined themselves (an active learner membership: invited people who
    never answered do not count) are admitted; once admitted, they stay (a leaver is still
    counted, so a report after someone leaves equals the one before). Late joiners wait
    until five wait together, or until the figures first reach five: a report before and
    after an admission then differs by five people or more, never by one. Kickoff fixes the
    roster; a closed cohort admits no one.
    """
    assert cohort.id is not None
    roster = tuple(cohort.roster or ())
    if cohort.status is CohortStatus.CLOSED and cohort.roster is not None:
        return roster
    waiting = sorted(
        {
            m.person_id
            for m in uow.memberships.members(cohort.id)
            if m.role is Role.LEARNER and m.status is MembershipStatus.ACTIVE
        }
        - set(roster)
    )
    # Those counted include erased members, whose share stays in the totals: a roster
    # thinned by erasure still shows figures, so it admits no one below five at a time.
    counted = len(roster) + int((cohort.former_figures or {}).get("learners", 0))
    if waiting and (len(waiting) >= MIN_GROUP or counted < MIN_GROUP):
        roster = (*roster, *waiting)
    if cohort.roster is None or roster != tuple(cohort.roster):
        cohort.roster = roster
        uow.cohorts.update(cohort)
    return roster


def roster_at_kickoff(event: CohortKickedOff, scope: Scope) -> None:
    """At kickoff the figures' roster is fixed: those who joined by then."""
    cohort = scope.uow.cohorts.get(event.cohort_id)
    assert cohort is not None
    fix_roster(scope.uow, cohort)


def tally(uow: UnitOfWork, cohort: Cohort, roster: Sequence[int]) -> dict[str, int]:
    """The figures' raw counts over the roster, with the share of members who erased their
    data (kept in no one's name, so a report after an erasure equals the one before)."""
    assert cohort.id is not None
    counts: Counter[str] = Counter(cohort.former_figures or {})
    on_roster = set(roster)
    for person_id in roster:
        if uow.people.get(person_id) is None:
            continue
        counts["learners"] += 1
        counts["assessed"] += any(a.completed_at for a in uow.assessments.for_person(person_id))
        goals = uow.goals.for_learner(person_id)
        counts["goals"] += len(goals)
        counts["goals_reached"] += sum(g.status is GoalStatus.REACHED for g in goals)
        plan = uow.plans.get(person_id)
        counts["plans_committed"] += plan.committed_at is not None
        counts["milestones"] += len(plan.milestones)
        counts["milestones_done"] += sum(m.done_at is not None for m in plan.milestones)
    partnerships = [
        p
        for p in uow.partnerships.in_cohort(cohort.id)
        if p.id is not None and p.members and set(p.members) <= on_roster
    ]
    records = uow.cocoaching.for_partnerships(p.id for p in partnerships if p.id)
    answered = [r for r in records if r.outcome is not None]
    counts["cocoaching_answered"] += len(answered)
    counts["cocoaching_met"] += sum(r.outcome == CoCoachingOutcome.MET for r in answered)
    return dict(counts)


def _cell(part: int, whole: int) -> str:
    """`part of whole`, unless a part or its complement is a handful of people or things
    (between 1 and 4): then both are withheld, so neither points at anyone."""
    if 0 < part < MIN_GROUP or 0 < whole - part < MIN_GROUP:
        return _("withheld (fewer than {n} on one side)").format(n=MIN_GROUP)
    return _("{part} of {whole}").format(part=part, whole=whole)


def _count(n: int) -> str:
    return str(n) if n == 0 or n >= MIN_GROUP else _("fewer than {n}").format(n=MIN_GROUP)


def cohort_status_word(status: CohortStatus) -> str:
    """A cohort's status in one word of the current language (the value is stored)."""
    return {
        CohortStatus.PREPARATION: pgettext("cohort status", "preparation"),
        CohortStatus.LEARNING: pgettext("cohort status", "learning"),
        CohortStatus.CLOSED: pgettext("cohort status", "closed"),
    }[status]


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
