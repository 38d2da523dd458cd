"""`/learn cohort reassess`: re-assessment for success monitoring (issue 18, item 4).

A facilitator invites a cohort's active learners to assess themselves again. Each gets a
DM with a button for `/learn assess` (their last assessment is complete, so it starts a
follow-up one: a re-assessment is a new completed assessment in the same tables, read by
`/learn progress` and the report). One timer per cohort (`REASSESS`, subject the cohort's
id) falls due `REMIND_AFTER` later and reminds those who have not completed an assessment
since the invitation: not who left the cohort, not who paused their check-ins, not who
joined after the invitation, and not at all once the cohort is closed. Inviting again
moves the timer (one reminder per cohort).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.commands import ReassessCohort
from bot.domain import CohortStatus, MembershipStatus, Role
from bot.handlers.cohorts import find_cohort, require_facilitator
from bot.handlers.context import Context, UserError
from bot.i18n import _, format_date, ngettext, pgettext
from bot.policy import Policy
from bot.ports import UnitOfWork
from bot.replies import Button, ButtonStyle, Reply, Section
from bot.scope import Scope
from bot.timers import Timer

REASSESS = "reassess"
REMIND_AFTER = timedelta(days=7)


def _day(moment: datetime) -> str:
    return format_date(moment, pgettext("a CLDR date pattern: a day", "dd MMM yyyy"))


def _active_learners(uow: UnitOfWork, cohort_id: int) -> list[int]:
    return sorted(
        {
            m.person_id
            for m in uow.memberships.members(cohort_id)
            if m.role is Role.LEARNER and m.status is MembershipStatus.ACTIVE
        }
    )


def _assessed_since(uow: UnitOfWork, person_id: int, since: datetime | None = None) -> bool:
    """Whether `person_id` completed a self-assessment (since `since`, if given)."""
    return any(
        a.completed_at is not None and (since is None or a.completed_at >= since)
        for a in uow.assessments.for_person(person_id)
    )


def _paused(uow: UnitOfWork, person_id: int, now: datetime) -> bool:
    schedule = uow.schedules.get(person_id)
    return (
        schedule is not None and schedule.paused_until is not None and schedule.paused_until > now
    )


def invite(ctx: Context, command: ReassessCohort) -> list[Reply]:
    require_facilitator(ctx)
    cohort = find_cohort(ctx, command.cohort)
    assert cohort.id is not None
    if cohort.status is CohortStatus.CLOSED:
        raise UserError(
            _("{cohort} is closed: its learners are not asked anything any more.").format(
                cohort=cohort.name
            )
        )
    if cohort.status is CohortStatus.PREPARATION:
        raise UserError(
            _(
                "{cohort} has not started yet: a re-assessment compares with the first "
                "one, after some weeks of learning. Start it with `/learn cohort kickoff`."
            ).format(cohort=cohort.name)
        )
    learners = _active_learners(ctx.uow, cohort.id)
    if not learners:
        raise UserError(_("{cohort} has no learners to ask.").format(cohort=cohort.name))
    day = ctx.now.date().isoformat()
    name = cohort.name

    def invitation(first: bool) -> Reply:  # in each learner's language
        said = (
            _(
                "Your first self-assessment is still to do: it is where your progress "
                "is measured from, against your goals' targets. Who sees it: you and your "
                "tutor."
            )
            if first
            else _(
                "The same questions as the first time. Your new answers are kept "
                "beside the earlier ones, so `/learn progress` shows what changed, "
                "and against your goals' targets. Who sees it stays as before."
            )
        )
        return Reply(
            text=_("{cohort}: time to assess yourself again.").format(cohort=name)
            if not first
            else _("{cohort}: time for your self-assessment.").format(cohort=name),
            sections=(Section(text=said),),
            buttons=(
                Button(label=_("Assess myself"), command="assess", style=ButtonStyle.PRIMARY),
            ),
        )

    asked = 0
    for person_id in learners:
        first = not _assessed_since(ctx.uow, person_id)
        key = f"reassess:{cohort.id}:{day}:{person_id}"

        def built(first: bool = first) -> Reply:
            return invitation(first)

        asked += ctx.notify(person_id, built, key=key)
    remind_at = ctx.now + REMIND_AFTER
    ctx.uow.timers.set(Timer(REASSESS, str(cohort.id), remind_at))
    if not asked:
        said = _("The learners of {cohort} were asked today already.").format(cohort=name)
    else:
        said = ngettext(
            "{n} learner of {cohort} is asked to assess themselves again.",
            "{n} learners of {cohort} are asked to assess themselves again.",
            asked,
        ).format(n=asked, cohort=name)
    return [
        Reply(
            text=said,
            sections=(
                Section(
                    text=_(
                        "On {day} those who have not done it yet are reminded once (not who "
                        "paused their check-ins or left)."
                    ).format(day=_day(ctx.local(remind_at)))
                ),
            ),
        )
    ]


def remind(uow: UnitOfWork, timer: Timer, now: datetime, policy: Policy) -> bool:
    """A cohort's re-assessment reminder fell due: remind its active learners who have
    not completed an assessment since the invitation and have not paused."""
    cohort = uow.cohorts.get(int(timer.subject))
    if cohort is None or cohort.id is None or cohort.status is not CohortStatus.LEARNING:
        return False
    invited_at = timer.due_at - REMIND_AFTER
    scope = Scope(uow=uow, now=now, policy=policy)
    name = cohort.name

    def reminder(first: bool) -> Reply:  # in each learner's language
        return Reply(
            text=(
                _("{cohort}: your first self-assessment is still open.")
                if first
                else _("{cohort}: your re-assessment is still open.")
            ).format(cohort=name),
            sections=(
                Section(text=_("A few minutes, five questions at a time; stop after any step.")),
            ),
            buttons=(
                Button(label=_("Assess myself"), command="assess", style=ButtonStyle.PRIMARY),
            ),
        )

    said = False
    for person_id in _active_learners(uow, cohort.id):
        if _assessed_since(uow, person_id, invited_at) or _paused(uow, person_id, now):
            continue
        invitation = f"reassess:{cohort.id}:{invited_at.date().isoformat()}:{person_id}"
        if not any(m.idempotency_key == invitation for m in uow.outbox.for_recipient(person_id)):
            continue  # not invited (joined since): nothing of theirs is open
        key = f"{invitation}:reminder"

        def built(first: bool = not _assessed_since(uow, person_id)) -> Reply:
            return reminder(first)

        said = scope.notify(person_id, built, key=key) or said
    return said
