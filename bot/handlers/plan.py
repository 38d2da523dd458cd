"""`/learn plan`: a learner's milestones (date, the goal served, how they will know), the
commitment to them, reminders before each, and a reflection when one is reached, which
becomes a diary entry. Partners and tutors see the plan; no one else."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from bot import privacy
from bot.commands import AddMilestone, CommitPlan, MilestoneDone, OpenMilestoneForm, ShowPlan
from bot.domain import DiaryEntry, EntrySource, Person, Relations, Visibility
from bot.events import MilestoneReached, PlanCommitted
from bot.forms import translated
from bot.goals import GoalStatus
from bot.handlers import people
from bot.handlers.context import Context, UserError
from bot.handlers.goals import own
from bot.i18n import N_, _, ngettext, npgettext, pgettext
from bot.plans import Milestone
from bot.policy import Policy
from bot.ports import UnitOfWork
from bot.replies import Form, FormInput, Reply, Section
from bot.scope import Scope
from bot.timers import Timer
from bot.wording import pattern, together

MILESTONE = "milestone"
REMIND_AT = time(9)  # local, the working day before a milestone falls due
# Kept in English, its texts marked; `translated` gives it in the reader's language.
MILESTONE_FORM = Form(
    form_id="milestone",
    title=N_("A milestone of your plan"),
    submit_label=N_("Add"),
    inputs=(
        FormInput(name="title", label=N_("The milestone"), max_length=200),
        FormInput(
            name="due_on",
            label=N_("Reached by (2027-02-15, 15.02.2027, in 2 weeks)"),
            max_length=20,
        ),
        FormInput(name="evidence", label=N_("How will you know?"), multiline=True, required=False),
        FormInput(name="goal", label=N_("Goal number it serves (optional)"), required=False),
    ),
)
# Days as the plan shows them (CLDR patterns; German's in the catalogue).
DUE = N_("EEE dd MMM yyyy")
SHORT = N_("dd MMM")
DAY = N_("dd MMM yyyy")


def _may_see(ctx: Context, learner: Person) -> bool:
    assert learner.id is not None
    relations = privacy.relations(ctx.uow, learner.id)
    return ctx.asker.id == learner.id or ctx.asker.id in relations.partners | relations.tutors


def show(ctx: Context, command: ShowPlan) -> list[Reply]:
    learner = ctx.asker
    if command.of is not None:
        found = people.find(ctx, command.of)
        if found is None or not _may_see(ctx, found):
            raise UserError(
                _("You see the plans of your learning partner and, as a tutor, of your learners.")
            )
        learner = found
    assert learner.id is not None
    plan = ctx.uow.plans.get(learner.id)
    mine, name = learner.id == ctx.asker.id, learner.display_name
    if not plan.milestones:
        hint = _("Add a milestone: `/learn plan add 2027-02-15 <milestone> | <how you will know>`.")
        empty = (
            _("Your learning plan has no milestones yet.")
            if mine
            else _("{name}'s learning plan has no milestones yet.").format(name=name)
        )
        return [Reply(text=empty, sections=(Section(text=hint),) if mine else ())]
    goal_numbers = {g.id: g.number for g in ctx.uow.goals.for_learner(learner.id)}
    sections = []
    for m in plan.milestones:
        state = (
            _("reached {day}").format(day=pattern(ctx.local(m.done_at), SHORT))
            if m.done_at
            else _("by {day}").format(day=pattern(m.due_on, DUE))
        )
        lines = [_("How to know: {evidence}").format(evidence=m.evidence) if m.evidence else ""]
        if m.goal_id is not None and m.goal_id in goal_numbers:
            lines.append(_("Serves goal {number}").format(number=goal_numbers[m.goal_id]))
        if m.reflection and mine:
            lines.append(_("Learned: {reflection}").format(reflection=m.reflection))
        sections.append(
            Section(
                title=f"{m.number}. {m.title} · {state}",
                text="\n".join(line for line in lines if line),
            )
        )
    if plan.committed_at:
        day = pattern(ctx.local(plan.committed_at), DAY)
        text = (
            _("Your learning plan, committed {day}")
            if mine
            else _("{name}'s learning plan, committed {day}")
        ).format(name=name, day=day)
    else:
        text = (
            _("Your learning plan, not committed yet (`/learn plan commit`)")
            if mine
            else _("{name}'s learning plan, not committed yet (`/learn plan commit`)")
        ).format(name=name)
    return [Reply(text=text, sections=tuple(sections))]


def open_form(ctx: Context, command: OpenMilestoneForm) -> list[Reply]:
    return [Reply(text=_("Add a milestone"), form=translated(MILESTONE_FORM))]


def add(ctx: Context, command: AddMilestone) -> list[Reply]:
    assert ctx.asker.id is not None
    due_on = ctx.planned_day(command.due_on)
    goal_id = None
    if command.goal_id is not None:  # the learner's own goal number
        goal = own(ctx.uow.goals.for_learner(ctx.asker.id), command.goal_id)
        if goal is None or goal.status is not GoalStatus.OPEN:
            raise UserError(
                _("Goal {number} is not one of your open goals.").format(number=command.goal_id)
            )
        goal_id = goal.id
    milestone = ctx.uow.plans.add_milestone(
        Milestone(
            learner_id=ctx.asker.id,
            title=command.title,
            due_on=due_on,
            evidence=command.evidence,
            goal_id=goal_id,
            created_at=ctx.now,
        )
    )
    assert milestone.id is not None
    remind = reminder_time(ctx.asker, milestone)
    if remind > ctx.now:
        ctx.uow.timers.set(Timer(MILESTONE, str(milestone.id), remind))
    return [
        Reply(
            text=_("Milestone {number} added for {day}. You get a reminder the day before.").format(
                number=milestone.number, day=pattern(due_on, DUE)
            )
        )
    ]


def reminder_time(person: Person, milestone: Milestone) -> datetime:
    """09:00 local on the day before the milestone falls due."""
    day = milestone.due_on - timedelta(days=1)
    return datetime.combine(day, REMIND_AT, tzinfo=person.zone).astimezone(UTC)


def commit(ctx: Context, command: CommitPlan) -> list[Reply]:
    assert ctx.asker.id is not None
    plan = ctx.uow.plans.get(ctx.asker.id)
    if not plan.milestones:
        raise UserError(_("Add milestones before you commit to your plan."))
    ctx.uow.plans.commit(ctx.asker.id, ctx.now)
    ctx.publish(PlanCommitted(ctx.asker.id, ctx.now))
    relations = privacy.relations(ctx.uow, ctx.asker.id)
    readers = relations.partners | relations.tutors
    n, name, user = len(plan.milestones), ctx.asker.display_name, ctx.asker.identity.user_id

    def committed() -> Reply:  # in the reader's language
        return Reply(
            text=ngettext(
                "{name} committed to a learning plan of {n} milestone. "
                "`/learn plan --of @{user}` shows it.",
                "{name} committed to a learning plan of {n} milestones. "
                "`/learn plan --of @{user}` shows it.",
                n,
            ).format(name=name, n=n, user=user)
        )

    for other in sorted(readers):
        ctx.notify(
            other, committed, key=f"plan:{ctx.asker.id}:commit:{ctx.now.isoformat()}:to:{other}"
        )
    return [
        Reply(
            text=ngettext(
                "You committed to your plan of {n} milestone.",
                "You committed to your plan of {n} milestones.",
                n,
            ).format(n=n)
            + " "
            + _who_sees_plan(ctx, relations)
        )
    ]


def _who_sees_plan(ctx: Context, relations: Relations) -> str:
    """Who sees the plan, by name: the learning partner(s) and tutor(s) there are now."""
    names = ctx.uow.people.get_many(relations.partners | relations.tutors)
    partners = sorted(names[p].display_name for p in relations.partners if p in names)
    tutors = sorted(names[p].display_name for p in relations.tutors if p in names)
    if partners and tutors:
        return pgettext(
            "a learning plan",
            "You and {partners_word} {partners} and {tutors_word} {tutors} can see it.",
        ).format(
            partners_word=ngettext(
                "your learning partner", "your learning partners", len(partners)
            ),
            partners=together(partners),
            tutors_word=ngettext("your tutor", "your tutors", len(tutors)),
            tutors=together(tutors),
        )
    if partners:
        return npgettext(
            "a learning plan",
            "You and your learning partner {names} can see it.",
            "You and your learning partners {names} can see it.",
            len(partners),
        ).format(names=together(partners))
    if tutors:
        return npgettext(
            "a learning plan",
            "You and your tutor {names} can see it.",
            "You and your tutors {names} can see it.",
            len(tutors),
        ).format(names=together(tutors))
    return pgettext(
        "a learning plan", "Only you see it for now: you have no learning partner or tutor yet."
    )


def done(ctx: Context, command: MilestoneDone) -> list[Reply]:
    assert ctx.asker.id is not None
    milestone = own(ctx.uow.plans.get(ctx.asker.id).milestones, command.milestone_id)
    if milestone is None:
        raise UserError(
            _("You have no milestone {number}. `/learn plan` lists yours.").format(
                number=command.milestone_id
            )
        )
    if milestone.done_at is not None:
        raise UserError(_("Milestone {number} is reached already.").format(number=milestone.number))
    milestone.done_at, milestone.reflection = ctx.now, command.reflection
    ctx.uow.plans.update_milestone(milestone)
    ctx.uow.timers.cancel(MILESTONE, str(milestone.id))
    assert milestone.id is not None
    ctx.publish(MilestoneReached(ctx.asker.id, milestone.id))
    privacy.write(
        ctx.uow,
        DiaryEntry(
            author_id=ctx.asker.id,
            text=_("Milestone reached: {title}. {reflection}").format(
                title=milestone.title, reflection=command.reflection
            ),
            created_at=ctx.now,
            tags=ctx.policy.resolve_tags(()).all,
            visibility=Visibility.PRIVATE,
            source=EntrySource.PLAN,
        ),
    )
    return [
        Reply(
            text=_(
                "Milestone {number} reached. Your reflection is in your diary (private)."
            ).format(number=milestone.number)
        )
    ]


def remind(uow: UnitOfWork, timer: Timer, now: datetime, policy: Policy) -> bool:
    """The timer of a milestone fell due: remind its learner, unless it is reached."""
    milestone = uow.plans.milestone(int(timer.subject))
    if milestone is None or milestone.done_at is not None or milestone.id is None:
        return False

    def reminder() -> Reply:  # in the learner's language
        return Reply(
            text=_("Your milestone “{title}” falls due tomorrow.").format(title=milestone.title),
            sections=(
                Section(
                    text=_(
                        "When it is reached: `/learn plan done {number} <what you learned>`."
                    ).format(number=milestone.number)
                ),
            ),
        )

    scope = Scope(uow=uow, now=now, policy=policy)
    return scope.notify(milestone.learner_id, reminder, key=f"milestone:{milestone.id}:reminder")
