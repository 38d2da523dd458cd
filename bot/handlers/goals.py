"""`/learn goals`: development goals a tutor records with a learner, and their lifecycle.

The learner sees and comments on their own goals; their tutor sees them with the
learner's assessments and records new ones. Besides them only a manager the learner
proposes a practical task to sees the goals that task serves, and a learning partner is
introduced with the other's open goals (as the kickoff does).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Sequence
from typing import Protocol, TypeVar

from bot import privacy
from bot.assessments import Assessment
from bot.commands import AddGoal, CloseGoal, CommentGoal, ShowGoals
from bot.competences import CompetenceModel
from bot.domain import Person
from bot.goals import Goal, GoalComment, GoalStatus
from bot.handlers import people
from bot.handlers.context import Context, UserError
from bot.replies import Field, Reply, Section
from bot.wording import alternatives


class _HasNumber(Protocol):
    @property
    def number(self) -> int | None: ...


Numbered = TypeVar("Numbered", bound=_HasNumber)


def model(ctx: Context) -> CompetenceModel:
    if ctx.policy.competences is None:
        raise UserError("No value and competence model is configured here.")
    return ctx.policy.competences


def describe(goal: Goal, competences: CompetenceModel) -> str:
    """`Communication 2→4` and the due date, if any."""
    due = f", by {goal.due_by:%d %b %Y}" if goal.due_by else ""
    return f"{competences.name_of(goal.trait_id)} {goal.current_level}→{goal.target_level}{due}"


def goal_section(goal: Goal, competences: CompetenceModel, names: dict[int, Person]) -> Section:
    lines = [f"Why: {goal.why}"]
    if goal.status is not GoalStatus.OPEN:
        lines.append(
            f"{goal.status.value.capitalize()}"
            + (f": {goal.status_note}" if goal.status_note else "")
        )
    for comment in goal.comments[-3:]:
        who = names.get(comment.author_id)
        lines.append(f"{who.display_name if who else 'someone'}: {comment.text}")
    return Section(
        title=f"Goal {goal.number} · {describe(goal, competences)} · {goal.status.value}",
        text="\n".join(lines),
    )


def show(ctx: Context, command: ShowGoals) -> list[Reply]:
    assert ctx.asker.id is not None
    competences = model(ctx)
    if command.of is None:
        learner = ctx.asker
        title = "Your development goals"
    else:
        learner = people.learner_for_tutor(ctx, command.of)
        title = f"Goals of {learner.display_name}"
    assert learner.id is not None
    goals = ctx.uow.goals.for_learner(learner.id)
    names = ctx.uow.people.get_many(c.author_id for g in goals for c in g.comments)
    sections = [goal_section(g, competences, names) for g in goals]
    if command.of is not None:
        sections.append(assessment_section(competences, ctx.uow.assessments.for_person(learner.id)))
    if not goals:
        hint = (
            "No goals yet. Record them with your tutor: `/learn goals add <competence> 2→4 <why>`."
            if command.of is None
            else "No goals yet. Add one: "
            f"`/learn goals add @{learner.identity.user_id} <competence> 2→4 <why>`."
        )
        return [Reply(text=f"{title}: none yet.", sections=(Section(text=hint), *sections))]
    return [Reply(text=title, sections=tuple(sections))]


def assessment_section(competences: CompetenceModel, assessments: list[Assessment]) -> Section:
    """The latest completed self-assessment, with the change since the first, for the tutor."""
    done = [a for a in assessments if a.completed_at is not None]
    if not done:
        return Section(title="Self-assessment", text="Not done yet.")
    first, latest = done[0], done[-1]
    fields = []
    for trait in competences.traits():
        level = latest.ratings.get(trait.id)
        if level is None:
            continue
        before = first.ratings.get(trait.id)
        change = f" (first {before})" if latest is not first and before not in (None, level) else ""
        fields.append(Field(label=trait.name.text(), value=f"{level}{change}"))
    return Section(
        title=f"Self-assessment of {latest.completed_at:%d %b %Y}",
        text=f"{len(done)} done." if len(done) > 1 else "",
        fields=tuple(fields),
    )


def add(ctx: Context, command: AddGoal) -> list[Reply]:
    assert ctx.asker.id is not None
    competences = model(ctx)
    if command.learner is None:
        learner = ctx.asker
    else:
        found = people.find(ctx, command.learner)
        if found is None:
            raise UserError(people.not_your_learner())
        learner = (
            ctx.asker
            if found.id == ctx.asker.id
            else people.learner_for_tutor(ctx, command.learner)
        )
    assert learner.id is not None
    trait = competences.find(command.trait)
    several = competences.candidates(command.trait) if trait is None else ()
    if len(several) > 1:
        could = alternatives(tuple(t.tag() for t in several))
        raise UserError(f"`{command.trait[:40]}` could be {could}; say which.")
    if trait is None:
        ids = [t.tag() for t in competences.traits()]
        close = difflib.get_close_matches(command.trait, ids, n=3, cutoff=0.5)
        hint = (
            f"Did you mean {', '.join(close)}?" if close else f"For example: {', '.join(ids[:5])}."
        )
        raise UserError(f"`{command.trait[:40]}` is not in the competence model. {hint}")
    due_by = ctx.planned_day(command.due_by) if command.due_by is not None else None
    open_same = [
        g
        for g in ctx.uow.goals.for_learner(learner.id)
        if g.trait_id == trait.id and g.status is GoalStatus.OPEN
    ]
    if open_same:
        raise UserError(
            f"There is an open goal on {trait.name.text()} already (goal {open_same[0].number})."
        )
    goal = ctx.uow.goals.add(
        Goal(
            learner_id=learner.id,
            trait_id=trait.id,
            current_level=command.current,
            target_level=command.target,
            why=command.why,
            set_by=ctx.asker.id,
            created_at=ctx.now,
            due_by=due_by,
        )
    )
    text = describe(goal, competences)
    if learner.id != ctx.asker.id:
        ctx.notify(
            learner.id,
            Reply(
                text=f"{ctx.asker.display_name}, your tutor, recorded a goal with you: {text}.",
                sections=(
                    Section(
                        text=f"Why: {goal.why}\n"
                        f"Comment on it with `/learn goals comment {goal.number} <text>`."
                    ),
                ),
            ),
            key=f"goal:{goal.id}:added",
        )
        return [
            Reply(
                text=f"Goal {goal.number} recorded for {learner.display_name}: {text}. "
                "They are told.",
                sections=(
                    Section(
                        text=f"Comment on it: `/learn goals comment {goal.number} <text> "
                        f"{of_learner(learner)}`."
                    ),
                ),
            )
        ]
    return [Reply(text=f"Goal {goal.number} recorded: {text}. {tutors_see(ctx, 'it')}")]


def tutors_see(ctx: Context, what: str) -> str:
    """Who besides the asker sees their goals or ratings: their tutors by name, or no one."""
    assert ctx.asker.id is not None
    tutors = ctx.uow.people.get_many(privacy.relations(ctx.uow, ctx.asker.id).tutors)
    names = sorted(p.display_name for p in tutors.values())
    if not names:
        return f"Only you see {what} for now: you have no tutor yet."
    word = "tutor" if len(names) == 1 else "tutors"
    return f"You and your {word} {' and '.join(names)} see {what}."


def of_learner(learner: Person) -> str:
    """`--of @ana`: how a tutor or a manager names the learner whose numbers they use."""
    return f"--of @{learner.identity.user_id}"


def own(rows: Sequence[Numbered], number: int) -> Numbered | None:
    """The row with the owner's own `number` (goals, milestones, proposals, prompts)."""
    return next((row for row in rows if row.number == number), None)


def _goal_for(ctx: Context, number: int, of: str | None) -> Goal:
    """A goal the asker may act on, by its learner's own number: the asker's own, or with
    `--of @learner` one of a learner they accompany as tutor."""
    learner = ctx.asker
    if of is not None:
        found = people.find(ctx, of)
        if found is None or found.id != ctx.asker.id:
            learner = people.learner_for_tutor(ctx, of)
    assert learner.id is not None
    goal = own(ctx.uow.goals.for_learner(learner.id), number)
    if goal is None:
        if learner.id == ctx.asker.id:
            raise UserError(f"You have no goal {number}. `/learn goals` lists yours.")
        raise UserError(
            f"{learner.display_name} has no goal {number}. "
            f"`/learn goals {of_learner(learner)}` lists theirs."
        )
    return goal


def _whose(ctx: Context, goal: Goal) -> str:
    """`goal 2` for the learner's own, `ana's goal 2` for their tutor."""
    if goal.learner_id == ctx.asker.id:
        return f"goal {goal.number}"
    learner = ctx.uow.people.get(goal.learner_id)
    return f"{learner.display_name if learner else 'the learner'}'s goal {goal.number}"


def comment(ctx: Context, command: CommentGoal) -> list[Reply]:
    assert ctx.asker.id is not None
    goal = _goal_for(ctx, command.goal_id, command.of)
    assert goal.id is not None
    ctx.uow.goals.comment(goal.id, GoalComment(ctx.asker.id, command.text, ctx.now))
    _tell_the_other_side(
        ctx,
        goal,
        lambda named: f"{ctx.asker.display_name} commented on {named}: {command.text}",
        f"goal:{goal.id}:comment:{ctx.asker.id}:{ctx.now.isoformat()}:{len(goal.comments)}",
    )
    return [Reply(text=f"Comment added to {_whose(ctx, goal)}.")]


def close(ctx: Context, command: CloseGoal) -> list[Reply]:
    goal = _goal_for(ctx, command.goal_id, command.of)
    assert goal.id is not None
    whose = _whose(ctx, goal)
    if goal.status is not GoalStatus.OPEN:
        first = whose.capitalize() if goal.learner_id == ctx.asker.id else whose  # not a name
        raise UserError(f"{first} is {goal.status.value} already.")
    goal.status = GoalStatus.REACHED if command.reached else GoalStatus.DROPPED
    goal.status_note = command.note
    ctx.uow.goals.update(goal)
    word = "reached" if command.reached else "dropped"
    _tell_the_other_side(
        ctx,
        goal,
        lambda named: (
            f"{ctx.asker.display_name} marked {named} as {word}"
            + (f": {command.note}" if command.note else ".")
        ),
        f"goal:{goal.id}:{word}",
    )
    return [Reply(text=f"Marked {whose} as {word}.")]


def _tell_the_other_side(ctx: Context, goal: Goal, text: Callable[[str], str], key: str) -> None:
    """A learner's change reaches their tutors; a tutor's reaches the learner. `text` gets
    the goal as the reader names it: `your goal 2`, `their goal 2`."""
    if goal.learner_id == ctx.asker.id:
        others = privacy.relations(ctx.uow, goal.learner_id).tutors
        named = f"their goal {goal.number}"
    else:
        others = frozenset({goal.learner_id})
        named = f"your goal {goal.number}"
    for other in sorted(others):
        ctx.notify(other, Reply(text=text(named)), key=f"{key}:to:{other}")
