"""The tutor's cockpit and the facilitator's overview (issue 18, item 2).

A tutor sees, for each learner they accompany now (`privacy.relations`: only while the
tutor relation stands, never a manager of the learner): when they were last active,
check-ins answered, co-coaching met or not, milestones due and overdue, their goals and
each goal's status, and the diary entries the learner shared with this tutor (an entry
shared with anyone else, or kept private, never shows, and not its date either: "last
activity" is made only of what the tutor may see). Buttons lead to the next action:
the learner's goals (where a goal is commented) and their progress.

The same neutral reply is the answer to a tutor's `/learn cohort report` (Discord: an
ephemeral embed with buttons; the console: text) and part of their Slack App Home.
A facilitator's App Home shows each open cohort's phase, what is next
(`guide.cohort_steps`) and a button for the cohort's report.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta

from bot import privacy
from bot.checkins import CheckinStatus
from bot.commands import CohortReport
from bot.domain import CohortStatus, OutboxStatus, Person, Role, Visibility
from bot.goals import Goal, GoalStatus
from bot.handlers import guide
from bot.handlers import report as figures
from bot.handlers.cohorts import headcount
from bot.handlers.context import Context, UserError
from bot.handlers.goals import describe, status_word
from bot.handlers.report import advice_rounds, partnerships_ever
from bot.i18n import N_, _, format_date, ngettext, pgettext
from bot.plans import CoCoachingOutcome
from bot.replies import Button, ButtonStyle, Field, Reply, Section
from bot.report_figures import cohort_status_word

SOON = timedelta(days=7)  # a milestone falling due within this is "due"
SHARED_SHOWN = 2  # the newest entries shared with the tutor shown per learner
SHARED_CHARS = 200  # and how much of each
BUTTONS_FOR = 10  # learners who get buttons (Slack and Discord show at most 25 buttons)
TITLE = N_("Your learners (progress only; their diaries stay theirs)")


def _day(moment: date | datetime) -> str:
    return format_date(moment, pgettext("a CLDR date pattern: a day", "dd MMM yyyy"))


def report(ctx: Context, command: CohortReport) -> list[Reply]:
    """`/learn cohort report`: a facilitator's figures of the cohort; a tutor's cockpit."""
    if ctx.policy.is_facilitator(ctx.asker):
        return figures.report(ctx, command)
    learners = learners_of(ctx)
    if not learners:
        raise UserError(_(figures.NOT_FOR_YOU))
    return [tutor_cockpit(ctx, learners)]


def learners_of(ctx: Context) -> list[Person]:
    """The learners the asker accompanies as a tutor now, by name."""
    assert ctx.asker.id is not None
    ids = privacy.relations(ctx.uow, ctx.asker.id).learners
    persons = ctx.uow.people.get_many(ids)
    return sorted(persons.values(), key=lambda p: (p.display_name.casefold(), p.id or 0))


def tutor_cockpit(ctx: Context, learners: list[Person]) -> Reply:
    """The cockpit of the asker's learners (`learners_of`)."""
    sections = [_learner_section(ctx, learner) for learner in learners]
    buttons: list[Button] = []
    for learner in learners[:BUTTONS_FOR]:
        ref = f"@{learner.identity.user_id}"
        buttons.append(
            Button(
                label=_("{name}: comment a goal").format(name=learner.display_name),
                command=f"goals --of {ref}",
            )
        )
        buttons.append(
            Button(
                label=_("{name}: progress").format(name=learner.display_name),
                command=f"progress --of {ref}",
                style=ButtonStyle.PRIMARY,
            )
        )
    return Reply(text=_(TITLE), sections=tuple(sections), buttons=tuple(buttons))


def _learner_section(ctx: Context, learner: Person) -> Section:
    assert learner.id is not None and ctx.asker.id is not None
    today = ctx.local(ctx.now).date()
    goals = ctx.uow.goals.for_learner(learner.id)
    plan = ctx.uow.plans.get(learner.id)
    checkins = [
        c for c in ctx.uow.checkins.for_person(learner.id) if c.status is not CheckinStatus.SKIPPED
    ]
    answered = [c for c in checkins if c.status is CheckinStatus.ANSWERED]
    records = ctx.uow.cocoaching.for_partnerships(
        p.id for p in partnerships_ever(ctx.uow, learner.id) if p.id is not None
    )
    rounds = advice_rounds(ctx.uow, learner.id)
    shared = [
        e
        for e in privacy.readable(ctx.uow, ctx.asker.id, learner.id, None)
        if e.visibility is Visibility.TUTOR
    ]
    open_milestones = [m for m in plan.milestones if m.done_at is None]
    overdue = [m for m in open_milestones if m.due_on < today]
    due = [m for m in open_milestones if today <= m.due_on <= today + SOON]
    reached = len(plan.milestones) - len(open_milestones)
    # Last activity: only moments the tutor may know of (never a private entry's date).
    moments: list[datetime | None] = [c.answered_at for c in answered if c.answered_at is not None]
    moments += [r.answered_at for r in records if r.answered_at is not None]
    moments += [a.completed_at for a in ctx.uow.assessments.for_person(learner.id)]
    moments += [m.done_at for m in plan.milestones]
    moments += [c.at for g in goals for c in g.comments if c.author_id == learner.id]
    moments += [e.created_at for e in shared]
    known = [m for m in moments if m is not None]
    fields = [
        Field(
            label=_("Last activity"),
            value=_day(ctx.local(max(known))) if known else _("nothing you can see yet"),
        ),
        Field(
            label=_("Check-ins"),
            value=ngettext(
                "{answered} of {n} answered", "{answered} of {n} answered", len(checkins)
            ).format(answered=len(answered), n=len(checkins)),
        ),
        Field(
            label=_("Co-coaching"),
            value=ngettext(
                "met {met}, not met {not_met}, of {n} prompt",
                "met {met}, not met {not_met}, of {n} prompts",
                len(records),
            ).format(
                met=sum(r.outcome == CoCoachingOutcome.MET for r in records),
                not_met=sum(r.outcome == CoCoachingOutcome.NOT_MET for r in records),
                n=len(records),
            ),
        ),
        Field(
            label=_("Milestones"),
            value=(
                ngettext("{done} of {n} reached", "{done} of {n} reached", len(plan.milestones))
                if plan.committed_at
                else ngettext(
                    "{done} of {n} reached, plan not committed",
                    "{done} of {n} reached, plan not committed",
                    len(plan.milestones),
                )
            ).format(done=reached, n=len(plan.milestones)),
        ),
        Field(
            label=_("Milestones due"),
            value=_("{due} due within a week, {overdue} overdue").format(
                due=len(due), overdue=len(overdue)
            ),
        ),
        Field(
            label=_("Goals"),
            value=_("{open} open, {reached} reached").format(
                open=sum(g.status is GoalStatus.OPEN for g in goals),
                reached=sum(g.status is GoalStatus.REACHED for g in goals),
            ),
        ),
        Field(
            label=_("Advice rounds"),
            value=ngettext(
                "{n} held in their groups, {own} on their own case",
                "{n} held in their groups, {own} on their own case",
                len(rounds),
            ).format(n=len(rounds), own=sum(r.case_giver_id == learner.id for r in rounds)),
        ),
    ]
    undelivered = [
        m for m in ctx.uow.outbox.for_recipient(learner.id) if m.status is OutboxStatus.FAILED
    ]
    if undelivered:
        reasons = Counter((m.last_error or "unknown").split(":")[0] for m in undelivered)
        fields.append(
            Field(
                label=_("Messages that could not reach them"),
                value=", ".join(f"{n} ({why})" for why, n in reasons.items()),
            )
        )
    lines = [_goal_line(ctx, g) for g in goals]
    for milestone in sorted(overdue + due, key=lambda m: m.due_on):
        word = _("overdue since {day}") if milestone.due_on < today else _("due {day}")
        lines.append(
            _("Milestone {number} “{title}”: {when}").format(
                number=milestone.number,
                title=milestone.title[:80],
                when=word.format(day=_day(milestone.due_on)),
            )
        )
    for entry in shared[:SHARED_SHOWN]:
        text = entry.text if len(entry.text) <= SHARED_CHARS else entry.text[:SHARED_CHARS] + "…"
        lines.append(
            _("Shared with you on {day}: {text}").format(
                day=_day(ctx.local(entry.created_at)), text=text
            )
        )
    if len(shared) > SHARED_SHOWN:
        lines.append(
            _("All they shared with you: `/learn diary --of @{user}`").format(
                user=learner.identity.user_id
            )
        )
    return Section(title=learner.display_name, text="\n".join(lines), fields=tuple(fields))


def _goal_line(ctx: Context, goal: Goal) -> str:
    model = ctx.policy.competences
    what = describe(goal, model) if model is not None else goal.trait_id
    return _("Goal {number} · {goal} · {status}").format(
        number=goal.number, goal=what, status=status_word(goal.status)
    )


def facilitator_overview(ctx: Context) -> tuple[list[Section], list[Button]]:
    """Each cohort not closed, with its phase and headcount; what is next; a report
    button per cohort."""
    live = [c for c in ctx.uow.cohorts.all() if c.status is not CohortStatus.CLOSED]
    sections: list[Section] = []
    buttons: list[Button] = []
    for cohort in live:
        assert cohort.id is not None
        members = [m for m in ctx.uow.memberships.members(cohort.id) if m.role is Role.LEARNER]
        sections.append(
            Section(
                title=_("Cohort {number} · {name}").format(number=cohort.id, name=cohort.name),
                text="",
                fields=(
                    Field(label=_("Phase"), value=cohort_status_word(cohort.status)),
                    Field(label=_("Who"), value=headcount(cohort, members).described() or "-"),
                ),
            )
        )
        buttons.append(
            Button(
                label=_("Report: {name}").format(name=cohort.name),
                command=f"cohort report --cohort {cohort.id}",
            )
        )
    if not live:
        sections.append(Section(text=_("No open cohort.")))
    sections.append(guide.cohort_steps(ctx))
    return sections, buttons


def home(ctx: Context, own: Reply) -> Reply:
    """The asker's App Home: their own dashboard (`own`), and below it the cockpit of the
    learners they accompany as a tutor and, for a facilitator, their cohorts. A learner
    with neither role gets their dashboard as it is."""
    sections = list(own.sections)
    buttons = list(own.buttons)
    learners = learners_of(ctx)
    if learners:
        cockpit = tutor_cockpit(ctx, learners)
        sections.append(Section(title=cockpit.text, text=""))
        sections += cockpit.sections
        buttons += cockpit.buttons
    if ctx.policy.is_facilitator(ctx.asker):
        more, more_buttons = facilitator_overview(ctx)
        sections.append(Section(title=_("Your cohorts (facilitator)"), text=""))
        sections += more
        buttons += more_buttons
    if len(sections) == len(own.sections):
        return own
    return own.model_copy(update={"sections": tuple(sections), "buttons": tuple(buttons)})
