"""Nudges before drift: the rules that say a learner is drifting away, and what each rule
finds. The rules are data (adapters/settings.py reads them from the environment); the
weekly tutor digest and the learner's note that use them are in bot/handlers/nudges.py.

Each drift carries a `since`: what identifies this very drift (the first missed check-in
of the run, the last activity, the first of the meetings that did not happen, the
milestone). While it is the same drift, its `since` stays the same, so the learner's note
is keyed by it and sent once; a new drift (after an answer, a meeting, ...) has a new one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum

from bot import privacy
from bot.checkins import CheckinStatus
from bot.domain import Visibility
from bot.plans import CoCoachingOutcome
from bot.ports import UnitOfWork


@dataclass(frozen=True)
class NudgeRules:
    """When a learner counts as drifting, and when the weekly digests go out. A rule set
    to 0 is off."""

    missed_checkins: int = 3  # check-ins missed in a row
    quiet_days: int = 14  # no diary entry, check-in answer or co-coaching met for so long
    not_met: int = 2  # co-coaching answered "we didn't meet" so many times in a row
    overdue_days: int = 7  # a milestone not reached so many days after its date
    weekday: int = 0  # the digests' day (0 = Monday), in the reader's own time zone
    at: time = time(9, 0)  # and their local time


class Rule(StrEnum):
    MISSED_CHECKINS = "missed-checkins"
    QUIET = "quiet"
    NOT_MET = "not-met"
    MILESTONE_OVERDUE = "milestone-overdue"


@dataclass(frozen=True)
class Drift:
    rule: Rule
    since: str  # what identifies this drift (stable while it lasts)
    count: int  # check-ins missed, days quiet, meetings missed, days overdue


_ALL = tuple(Visibility)
# Check-ins that were really asked and ended: a skipped one (paused, capped, overdue) is
# the bot's doing, and a pending one may still be answered.
_CLOSED = (CheckinStatus.ANSWERED, CheckinStatus.MISSED)


def drifts(
    uow: UnitOfWork,
    learner_id: int,
    joined_at: datetime,
    now: datetime,
    rules: NudgeRules,
    seen_by: int | None = None,
) -> list[Drift]:
    """What `learner_id` drifts by now, rule by rule (`joined_at`: since when they are in
    the cohort, the start of the quiet time for someone who never did anything). With
    `seen_by` (a tutor), as that person may know it: only the diary entries they may
    read count, so a private entry's date never shows in what they are told."""
    found: list[Drift] = []
    checkins = sorted(uow.checkins.for_person(learner_id), key=lambda c: c.due_at, reverse=True)
    closed = [c for c in checkins if c.status in _CLOSED]
    if rules.missed_checkins > 0:
        run = []
        for checkin in closed:
            if checkin.status is not CheckinStatus.MISSED:
                break
            run.append(checkin)
        if len(run) >= rules.missed_checkins:
            found.append(Drift(Rule.MISSED_CHECKINS, run[-1].due_at.isoformat(), len(run)))
    partnership = uow.partnerships.of(learner_id)
    records = []
    if partnership is not None and partnership.id is not None:
        records = sorted(
            (r for r in uow.cocoaching.for_partnerships([partnership.id]) if r.outcome),
            key=lambda r: r.prompted_at,
            reverse=True,
        )
    if rules.quiet_days > 0:
        moments = [joined_at]
        latest = (
            uow.diary.by_author(learner_id, _ALL, limit=1)
            if seen_by is None
            else privacy.readable(uow, seen_by, learner_id, 1)
        )
        moments += [e.created_at for e in latest]
        moments += [c.answered_at for c in checkins if c.answered_at is not None]
        moments += [
            r.answered_at
            for r in records
            if r.outcome == CoCoachingOutcome.MET and r.answered_at is not None
        ]
        last = max(moments)
        quiet = now - last
        if quiet >= timedelta(days=rules.quiet_days):
            found.append(Drift(Rule.QUIET, last.isoformat(), quiet.days))
    if rules.not_met > 0:
        missed = []
        for record in records:
            if record.outcome != CoCoachingOutcome.NOT_MET:
                break
            missed.append(record)
        if len(missed) >= rules.not_met:
            found.append(Drift(Rule.NOT_MET, str(missed[-1].id), len(missed)))
    if rules.overdue_days > 0:
        person = uow.people.get(learner_id)
        today = now.astimezone(person.zone).date() if person is not None else now.date()
        for milestone in uow.plans.get(learner_id).milestones:
            late = (today - milestone.due_on).days
            if milestone.done_at is None and late >= rules.overdue_days:
                found.append(Drift(Rule.MILESTONE_OVERDUE, f"milestone:{milestone.id}", late))
    return found
