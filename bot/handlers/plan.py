"""`/learn plan`: a learner's milestones (date, the goal served, how they will know), the
commitment to them, reminders before each, and a reflection when one is reached, which
becomes a diary entry. Partners and tutors see the plan; no one else."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from bot import privacy
from bot.commands import AddMilestone, CommitPlan, MilestoneDone, OpenMilestoneForm, ShowPlan
from bot.domain import DiaryEntry, EntrySource, Person, Relations, Visibility
from bot.goals import GoalStatus
from bot.handlers import people
from bot.handlers.context import Context, UserError
from bot.handlers.goals import own
from bot.outbox import notify
from bot.plans import Milestone
from bot.policy import Policy
from bot.ports import UnitOfWork
from bot.replies import Form, FormInput, Reply, Section
from bot.timers import Timer

MILESTONE = "milestone"
REMIND_AT = time(9)  # local, the working day before a milestone falls due
MILESTONE_FORM = Form(
    form_id="milestone",
    title="A milestone of your plan",
    submit_label="Add",
    inputs=(
        FormInput(name="title", label="The milestone", max_length=200),
        FormInput(
            name="due_on", label="Reached by (2027-02-15, 15.02.2027, in 2 weeks)", max_length=20
        ),
        FormInput(name="evidence", label="How will you know?", multiline=True, required=False),
        FormInput(name="goal", label="Goal number it serves (optional)", required=False),
    ),
)


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
                "You see the plans of your learning partner and, as a tutor, of your learners."
            )
        learner = found
    assert learner.id is not None
    plan = ctx.uow.plans.get(learner.id)
    whose = "Your" if learner.id == ctx.asker.id else f"{learner.display_name}'s"
    if not plan.milestones:
        hint = "Add a milestone: `/learn plan add 2027-02-15 <milestone> | <how you will know>`."
        return [
            Reply(
                text=f"{whose} learning plan has no milestones yet.",
                sections=(Section(text=hint),) if learner.id == ctx.asker.id else (),
            )
        ]
    goal_numbers = {g.id: g.number for g in ctx.uow.goals.for_learner(learner.id)}
    sections = []
    for m in plan.milestones:
        state = (
            f"reached {ctx.local(m.done_at):%d %b}" if m.done_at else f"by {m.due_on:%a %d %b %Y}"
        )
        lines = [f"How to know: {m.evidence}" if m.evidence else ""]
        if m.goal_id is not None and m.goal_id in goal_numbers:
            lines.append(f"Serves goal {goal_numbers[m.goal_id]}")
        if m.reflection and learner.id == ctx.asker.id:
            lines.append(f"Learned: {m.reflection}")
        sections.append(
            Section(
                title=f"{m.number}. {m.title} · {state}",
                text="\n".join(line for line in lines if line),
            )
        )
    committed = (
        f"committed {ctx.local(plan.committed_at):%d %b %Y}"
        if plan.committed_at
        else "not committed yet (`/learn plan commit`)"
    )
    return [Reply(text=f"{whose} learning plan, {committed}", sections=tuple(sections))]


def open_form(ctx: Context, command: OpenMilestoneForm) -> list[Reply]:
    return [Reply(text="Add a milestone", form=MILESTONE_FORM)]


def add(ctx: Context, command: AddMilestone) -> list[Reply]:
    assert ctx.asker.id is not None
    due_on = ctx.planned_day(command.due_on)
    goal_id = None
    if command.goal_id is not None:  # the learner's own goal number
        goal = own(ctx.uow.goals.for_learner(ctx.asker.id), command.goal_id)
        if goal is None or goal.status is not GoalStatus.OPEN:
            raise UserError(f"Goal {command.goal_id} is not one of your open goals.")
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
            text=f"Milestone {milestone.number} added for {due_on:%a %d %b %Y}. "
            "You get a reminder the day before."
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
        raise UserError("Add milestones before you commit to your plan.")
    ctx.uow.plans.commit(ctx.asker.id, ctx.now)
    relations = privacy.relations(ctx.uow, ctx.asker.id)
    readers = relations.partners | relations.tutors
    for other in sorted(readers):
        ctx.notify(
            other,
            Reply(
                text=f"{ctx.asker.display_name} committed to a learning plan of "
                f"{len(plan.milestones)} milestones. "
                f"`/learn plan --of @{ctx.asker.identity.user_id}` shows it."
            ),
            key=f"plan:{ctx.asker.id}:commit:{ctx.now.isoformat()}:to:{other}",
        )
    return [
        Reply(
            text=f"You committed to your plan of {len(plan.milestones)} milestones. "
            + _who_sees_plan(ctx, relations)
        )
    ]


def _who_sees_plan(ctx: Context, relations: Relations) -> str:
    """Who sees the plan, by name: the learning partner(s) and tutor(s) there are now."""
    names = ctx.uow.people.get_many(relations.partners | relations.tutors)
    parts = []
    for ids, one, many in (
        (relations.partners, "your learning partner", "your learning partners"),
        (relations.tutors, "your tutor", "your tutors"),
    ):
        shown = sorted(names[p].display_name for p in ids if p in names)
        if shown:
            parts.append(f"{one if len(shown) == 1 else many} {' and '.join(shown)}")
    if not parts:
        return "Only you see it for now: you have no learning partner or tutor yet."
    return f"You and {' and '.join(parts)} can see it."


def done(ctx: Context, command: MilestoneDone) -> list[Reply]:
    assert ctx.asker.id is not None
    milestone = own(ctx.uow.plans.get(ctx.asker.id).milestones, command.milestone_id)
    if milestone is None:
        raise UserError(f"You have no milestone {command.milestone_id}. `/learn plan` lists yours.")
    if milestone.done_at is not None:
        raise UserError(f"Milestone {milestone.number} is reached already.")
    milestone.done_at, milestone.reflection = ctx.now, command.reflection
    ctx.uow.plans.update_milestone(milestone)
    ctx.uow.timers.cancel(MILESTONE, str(milestone.id))
    privacy.write(
        ctx.uow,
        DiaryEntry(
            author_id=ctx.asker.id,
            text=f"Milestone reached: {milestone.title}. {command.reflection}",
            created_at=ctx.now,
            tags=ctx.policy.resolve_tags(()).all,
            visibility=Visibility.PRIVATE,
            source=EntrySource.PLAN,
        ),
    )
    return [
        Reply(
            text=f"Milestone {milestone.number} reached. Your reflection is in your diary "
            "(private)."
        )
    ]


def remind(uow: UnitOfWork, timer: Timer, now: datetime, policy: Policy) -> bool:
    """The timer of a milestone fell due: remind its learner, unless it is reached."""
    milestone = uow.plans.milestone(int(timer.subject))
    if milestone is None or milestone.done_at is not None or milestone.id is None:
        return False
    return notify(
        uow,
        milestone.learner_id,
        Reply(
            text=f"Your milestone “{milestone.title}” falls due tomorrow.",
            sections=(
                Section(
                    text="When it is reached: "
                    f"`/learn plan done {milestone.number} <what you learned>`."
                ),
            ),
        ),
        key=f"milestone:{milestone.id}:reminder",
        now=now,
    )
