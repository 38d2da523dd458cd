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
from bot.commands import MAX_SHORT_TEXT, AddGoal, CloseGoal, CommentGoal, ShowGoals
from bot.competences import CompetenceModel
from bot.domain import Person
from bot.events import GoalReached, GoalSet
from bot.goals import Goal, GoalComment, GoalStatus
from bot.handlers import people
from bot.handlers.context import Context, UserError
from bot.i18n import N_, _, ngettext, npgettext, pgettext
from bot.replies import Button, Field, Form, FormInput, Reply, Section
from bot.wording import alternatives, pattern, together


class _HasNumber(Protocol):
    @property
    def number(self) -> int | None: ...


Numbered = TypeVar("Numbered", bound=_HasNumber)

# A day as goals show it (a CLDR pattern; German's in the catalogue).
DAY = N_("dd MMM yyyy")


def status_word(status: GoalStatus) -> str:
    """A goal's status in one word of the current language (the value is stored)."""
    return {
        GoalStatus.OPEN: pgettext("goal status", "open"),
        GoalStatus.REACHED: pgettext("goal status", "reached"),
        GoalStatus.DROPPED: pgettext("goal status", "dropped"),
    }[status]


def model(ctx: Context) -> CompetenceModel:
    if ctx.policy.competences is None:
        raise UserError(_("No value and competence model is configured here."))
    return ctx.policy.competences


def describe(goal: Goal, competences: CompetenceModel) -> str:
    """`Communication 2→4` and the due date, if any."""
    name, current, target = (
        competences.name_of(goal.trait_id),
        goal.current_level,
        goal.target_level,
    )
    if goal.due_by is None:
        return f"{name} {current}→{target}"
    return _("{competence} {current}→{target}, by {day}").format(
        competence=name, current=current, target=target, day=pattern(goal.due_by, DAY)
    )


def goal_section(goal: Goal, competences: CompetenceModel, names: dict[int, Person]) -> Section:
    lines = [_("Why: {why}").format(why=goal.why)]
    if goal.status is not GoalStatus.OPEN:
        word = status_word(goal.status).capitalize()
        lines.append(f"{word}: {goal.status_note}" if goal.status_note else word)
    for comment in goal.comments[-3:]:
        who = names.get(comment.author_id)
        lines.append(f"{who.display_name if who else _('someone')}: {comment.text}")
    return Section(
        title=_("Goal {number} · {goal} · {status}").format(
            number=goal.number, goal=describe(goal, competences), status=status_word(goal.status)
        ),
        text="\n".join(lines),
    )


def show(ctx: Context, command: ShowGoals) -> list[Reply]:
    assert ctx.asker.id is not None
    competences = model(ctx)
    if command.of is None:
        learner = ctx.asker
        title = _("Your development goals")
        empty = _("Your development goals: none yet.")
    else:
        learner = people.learner_for_tutor(ctx, command.of)
        title = _("Goals of {name}").format(name=learner.display_name)
        empty = _("Goals of {name}: none yet.").format(name=learner.display_name)
    assert learner.id is not None
    goals = ctx.uow.goals.for_learner(learner.id)
    names = ctx.uow.people.get_many(c.author_id for g in goals for c in g.comments)
    sections = [goal_section(g, competences, names) for g in goals]
    of = "" if command.of is None else of_learner(learner)
    buttons = tuple(comment_button(g, of) for g in goals if g.status is GoalStatus.OPEN)[
        :COMMENTS_SHOWN
    ]
    if command.of is not None:
        sections.append(assessment_section(competences, ctx.uow.assessments.for_person(learner.id)))
    if not goals:
        hint = (
            _(
                "No goals yet. Record them with your tutor: "
                "`/learn goals add <competence> 2→4 <why>`."
            )
            if command.of is None
            else _(
                "No goals yet. Add one: `/learn goals add @{user} <competence> 2→4 <why>`."
            ).format(user=learner.identity.user_id)
        )
        return [Reply(text=empty, sections=(Section(text=hint), *sections))]
    return [Reply(text=title, sections=tuple(sections), buttons=buttons)]


def assessment_section(competences: CompetenceModel, assessments: list[Assessment]) -> Section:
    """The latest completed self-assessment, with the change since the first, for the tutor."""
    done = [a for a in assessments if a.completed_at is not None]
    if not done:
        return Section(title=_("Self-assessment"), text=_("Not done yet."))
    first, latest = done[0], done[-1]
    fields = []
    for trait in competences.traits():
        level = latest.ratings.get(trait.id)
        if level is None:
            continue
        before = first.ratings.get(trait.id)
        value = (
            _("{level} (first {before})").format(level=level, before=before)
            if latest is not first and before not in (None, level)
            else str(level)
        )
        fields.append(Field(label=trait.name.text(), value=value))
    assert latest.completed_at is not None
    return Section(
        title=_("Self-assessment of {day}").format(day=pattern(latest.completed_at, DAY)),
        text=ngettext("{n} done.", "{n} done.", len(done)).format(n=len(done))
        if len(done) > 1
        else "",
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
        raise UserError(
            _("`{trait}` could be {choices}; say which.").format(
                trait=command.trait[:40], choices=could
            )
        )
    if trait is None:
        ids = [t.tag() for t in competences.traits()]
        close = difflib.get_close_matches(command.trait, ids, n=3, cutoff=0.5)
        hint = (
            _("Did you mean {names}?").format(names=", ".join(close))
            if close
            else _("For example: {names}.").format(names=", ".join(ids[:5]))
        )
        raise UserError(
            _("`{trait}` is not in the competence model. {hint}").format(
                trait=command.trait[:40], hint=hint
            )
        )
    due_by = ctx.planned_day(command.due_by) if command.due_by is not None else None
    open_same = [
        g
        for g in ctx.uow.goals.for_learner(learner.id)
        if g.trait_id == trait.id and g.status is GoalStatus.OPEN
    ]
    if open_same:
        raise UserError(
            _("There is an open goal on {competence} already (goal {number}).").format(
                competence=trait.name.text(), number=open_same[0].number
            )
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
    assert goal.id is not None
    ctx.publish(GoalSet(learner.id, goal.id))
    if learner.id != ctx.asker.id:
        tutor = ctx.asker.display_name

        def told() -> Reply:  # in the learner's language
            return Reply(
                text=_("{tutor}, your tutor, recorded a goal with you: {goal}.").format(
                    tutor=tutor, goal=describe(goal, competences)
                ),
                sections=(
                    Section(
                        text=_("Why: {why}").format(why=goal.why)
                        + "\n"
                        + _("Comment on it with `/learn goals comment {number} <text>`.").format(
                            number=goal.number
                        )
                    ),
                ),
            )

        ctx.notify(learner.id, told, key=f"goal:{goal.id}:added")
        return [
            Reply(
                text=_("Goal {number} recorded for {name}: {goal}. They are told.").format(
                    number=goal.number,
                    name=learner.display_name,
                    goal=describe(goal, competences),
                ),
                sections=(
                    Section(
                        text=_(
                            "Comment on it: `/learn goals comment {number} <text> {of}`."
                        ).format(number=goal.number, of=of_learner(learner))
                    ),
                ),
            )
        ]
    return [
        Reply(
            text=_("Goal {number} recorded: {goal}.").format(
                number=goal.number, goal=describe(goal, competences)
            )
            + " "
            + tutors_see(ctx)
        )
    ]


def tutors_see(ctx: Context) -> str:
    """Who besides the asker sees their goal: their tutors by name, or no one."""
    assert ctx.asker.id is not None
    tutors = ctx.uow.people.get_many(privacy.relations(ctx.uow, ctx.asker.id).tutors)
    names = sorted(p.display_name for p in tutors.values())
    if not names:
        return pgettext("a goal", "Only you see it for now: you have no tutor yet.")
    return npgettext(
        "a goal",
        "You and your tutor {names} see it.",
        "You and your tutors {names} see it.",
        len(names),
    ).format(names=together(names))


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
            raise UserError(
                _("You have no goal {number}. `/learn goals` lists yours.").format(number=number)
            )
        raise UserError(
            _("{name} has no goal {number}. `/learn goals {of}` lists theirs.").format(
                name=learner.display_name, number=number, of=of_learner(learner)
            )
        )
    return goal


def _whose(ctx: Context, goal: Goal, mine: str, theirs: str, **values: object) -> str:
    """`mine` (with the goal's `number`) for the learner's own goal; `theirs` (with the
    learner's `name` too) for their tutor: `goal 2`, `ana's goal 2`."""
    if goal.learner_id == ctx.asker.id:
        return _(mine).format(number=goal.number, **values)
    learner = ctx.uow.people.get(goal.learner_id)
    name = learner.display_name if learner else _("the learner")
    return _(theirs).format(name=name, number=goal.number, **values)


COMMENT_FORM = "goal-comment"
COMMENTS_SHOWN = 10  # open goals that get a Comment button (Slack, Discord: 25 at most)


def comment_button(goal: Goal, of: str) -> Button:
    """Comment on `goal` in a form; `of` is `--of @learner` for a tutor, else ""."""
    line = f"goals comment {goal.number}" + (f" {of}" if of else "")
    return Button(label=_("Comment on goal {number}").format(number=goal.number), command=line)


def comment(ctx: Context, command: CommentGoal) -> list[Reply]:
    assert ctx.asker.id is not None
    goal = _goal_for(ctx, command.goal_id, command.of)
    assert goal.id is not None
    if command.text is None:  # a button: the comment is asked for in a form
        learner = ctx.uow.people.get(goal.learner_id)
        whose = learner.identity.user_id if learner and goal.learner_id != ctx.asker.id else ""
        label = _("Your comment on goal {number}").format(number=goal.number)
        return [
            Reply(
                text=label,
                form=Form(
                    form_id=f"{COMMENT_FORM}.{goal.number}.{whose}",
                    title=_("Comment on goal {number}").format(number=goal.number),
                    submit_label=_("Send"),
                    inputs=(
                        FormInput(
                            name="text", label=label, multiline=True, max_length=MAX_SHORT_TEXT
                        ),
                    ),
                ),
            )
        ]
    ctx.uow.goals.comment(goal.id, GoalComment(ctx.asker.id, command.text, ctx.now))
    name = ctx.asker.display_name
    _tell_the_other_side(
        ctx,
        goal,
        lambda to_learner: (
            _("{name} commented on your goal {number}: {text}")
            if to_learner
            else _("{name} commented on their goal {number}: {text}")
        ).format(name=name, number=goal.number, text=command.text),
        f"goal:{goal.id}:comment:{ctx.asker.id}:{ctx.now.isoformat()}:{len(goal.comments)}",
    )
    said = _whose(
        ctx,
        goal,
        N_("Comment added to goal {number}."),
        N_("Comment added to {name}'s goal {number}."),
    )
    return [Reply(text=said)]


def close(ctx: Context, command: CloseGoal) -> list[Reply]:
    goal = _goal_for(ctx, command.goal_id, command.of)
    assert goal.id is not None
    if goal.status is not GoalStatus.OPEN:
        raise UserError(
            _whose(
                ctx,
                goal,
                N_("Goal {number} is {status} already."),
                N_("{name}'s goal {number} is {status} already."),
                status=status_word(goal.status),
            )
        )
    goal.status = GoalStatus.REACHED if command.reached else GoalStatus.DROPPED
    goal.status_note = command.note
    ctx.uow.goals.update(goal)
    if goal.status is GoalStatus.REACHED:
        ctx.publish(GoalReached(goal.learner_id, goal.id))
    word = goal.status.value
    name, note = ctx.asker.display_name, command.note

    def marked(to_learner: bool) -> str:  # in the reader's language
        if note:
            text = (
                _("{name} marked your goal {number} as {status}: {note}")
                if to_learner
                else _("{name} marked their goal {number} as {status}: {note}")
            )
        else:
            text = (
                _("{name} marked your goal {number} as {status}.")
                if to_learner
                else _("{name} marked their goal {number} as {status}.")
            )
        return text.format(
            name=name, number=goal.number, status=status_word(goal.status), note=note
        )

    _tell_the_other_side(ctx, goal, marked, f"goal:{goal.id}:{word}")
    said = _whose(
        ctx,
        goal,
        N_("Marked goal {number} as {status}."),
        N_("Marked {name}'s goal {number} as {status}."),
        status=status_word(goal.status),
    )
    return [Reply(text=said)]


def _tell_the_other_side(ctx: Context, goal: Goal, text: Callable[[bool], str], key: str) -> None:
    """A learner's change reaches their tutors; a tutor's reaches the learner. `text` is
    called in the reader's language with whether the reader is the learner (`your goal 2`)
    or their tutor (`their goal 2`)."""
    if goal.learner_id == ctx.asker.id:
        others = privacy.relations(ctx.uow, goal.learner_id).tutors
        to_learner = False
    else:
        others = frozenset({goal.learner_id})
        to_learner = True
    for other in sorted(others):
        ctx.notify(other, lambda: Reply(text=text(to_learner)), key=f"{key}:to:{other}")
