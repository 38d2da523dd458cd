"""`/learn agree`: the practical task a learner proposes to their manager, and its round trip.

The manager gets the proposal in a DM (through the outbox) with the task, the goals it
serves and three buttons: Agree, Ask for changes, Decline. Changes and decline need a
reason. A changed proposal is a new version and goes round again; buttons of an older
version no longer act. Both sides hear the outcome. The manager sees the task and its
goals, never the learner's diary.
"""

from __future__ import annotations

from bot import privacy
from bot.commands import AnswerTask, ConfirmTask, ProposeTask, ReviseTask, ShowAgreements
from bot.domain import Ask, AskKind, AskStatus, MembershipStatus, Person, Role
from bot.goals import (
    DECISION_STATUS,
    Agreement,
    AgreementResponse,
    AgreementStatus,
    Decision,
    Goal,
)
from bot.handlers import people
from bot.handlers.context import Context, UserError
from bot.handlers.goals import describe, model, of_learner, own
from bot.replies import Button, ButtonStyle, Form, FormInput, Reply, Section

REASON_FORMS = {Decision.CHANGES: "agree-changes", Decision.DECLINE: "agree-decline"}
_DONE = {
    AgreementStatus.AGREED: "agreed",
    AgreementStatus.DECLINED: "declined",
    AgreementStatus.CHANGES_REQUESTED: "asked for changes to",
}


def propose(ctx: Context, command: ProposeTask) -> list[Reply]:
    assert ctx.asker.id is not None
    newcomers: list[str] = []
    manager = people.named(ctx, command.manager, newcomers)
    assert manager.id is not None
    if manager.id == ctx.asker.id:
        raise UserError("Propose the task to your manager, not to yourself.")
    open_goals = {
        g.id: g for g in ctx.uow.goals.for_learner(ctx.asker.id) if g.status.value == "open"
    }
    if not open_goals:
        raise UserError(
            "A practical task serves your development goals; record them with your tutor "
            "first (`/learn goals`)."
        )
    by_number = {g.number: i for i, g in open_goals.items() if i is not None}
    unknown = [n for n in command.goal_ids if n not in by_number]
    if unknown:
        raise UserError(
            f"Goal {unknown[0]} is not one of your open goals. `/learn goals` lists them."
        )
    goal_ids = tuple(
        dict.fromkeys(tuple(by_number[n] for n in command.goal_ids) or tuple(by_number.values()))
    )
    relations = privacy.relations(ctx.uow, ctx.asker.id)
    if manager.id in relations.partners | relations.group_mates | relations.tutors:
        raise UserError(
            f"{manager.display_name} is your learning partner, group mate or tutor; a manager "
            "never is. Propose the task to your manager."
        )
    if not is_manager_of(ctx, manager.id, ctx.asker.id):
        # someone new here is no one's manager yet: this is where a newcomer is named
        ask = ctx.uow.asks.add(
            Ask(
                kind=AskKind.SEND_TASK,
                person_id=ctx.asker.id,
                about_id=manager.id,
                created_at=ctx.now,
                data={"task": command.task, "goal_ids": list(goal_ids)},
            )
        )
        return people.with_newcomers(
            [
                Reply(
                    text=f"{manager.display_name} is not your manager in the cohort; send it "
                    "anyway? They would see the task and the goals it serves, with your tutor's "
                    "reasons. Nothing is sent until you choose Send.",
                    sections=(Section(title="The task", text=command.task),),
                    buttons=(
                        Button(
                            label="Send", command=f"agree send {ask.id}", style=ButtonStyle.PRIMARY
                        ),
                        Button(label="Cancel", command=f"agree cancel {ask.id}"),
                    ),
                )
            ],
            newcomers,
        )
    return _send(ctx, manager, command.task, goal_ids, open_goals)


def is_manager_of(ctx: Context, person_id: int, learner_id: int) -> bool:
    """`person_id` is named the learner's manager (a manager membership accompanying
    them, not left) in a cohort the learner belongs to (invited or active)."""
    standing = (MembershipStatus.ACTIVE, MembershipStatus.INVITED)  # named, not gone
    cohorts = {
        m.cohort_id
        for m in ctx.uow.memberships.of(learner_id)
        if m.role is Role.LEARNER and m.status in standing
    }
    return any(
        m.role is Role.MANAGER
        and m.accompanies == learner_id
        and m.status in standing
        and m.cohort_id in cohorts
        for m in ctx.uow.memberships.of(person_id)
    )


def _send(
    ctx: Context,
    manager: Person,
    task: str,
    goal_ids: tuple[int, ...],
    open_goals: dict[int | None, Goal],
) -> list[Reply]:
    assert ctx.asker.id is not None and manager.id is not None
    competences = model(ctx)
    agreement = ctx.uow.agreements.add(
        Agreement(
            learner_id=ctx.asker.id,
            manager_id=manager.id,
            task=task,
            goal_ids=goal_ids,
            created_at=ctx.now,
            updated_at=ctx.now,
        )
    )
    _ask_manager(ctx, agreement, manager)
    served = ", ".join(describe(open_goals[i], competences) for i in agreement.goal_ids)
    return [
        Reply(
            text=f"Proposal {agreement.number} sent to {manager.display_name}. You hear back here.",
            sections=(
                Section(title="The task", text=agreement.task),
                Section(title="It serves", text=served),
            ),
        )
    ]


def confirm(ctx: Context, command: ConfirmTask) -> list[Reply]:
    """The learner's Send or Cancel on a task for someone who is not their manager."""
    assert ctx.asker.id is not None
    ask = ctx.uow.asks.get(command.ask_id)
    if ask is None or ask.kind is not AskKind.SEND_TASK or ask.person_id != ctx.asker.id:
        raise UserError("That question is not yours. `/learn agree` lists your proposals.")
    if ask.status is not AskStatus.OPEN:
        done = "sent" if ask.status is AskStatus.YES else "cancelled"
        return [Reply(text=f"You {done} that one already; nothing changed.")]
    ask.status, ask.answered_at = (AskStatus.YES if command.send else AskStatus.NO), ctx.now
    if not command.send:
        ask.data = {}  # the task's words are not kept for a proposal that was not sent
        ctx.uow.asks.update(ask)
        return [Reply(text="Cancelled; nothing was sent.")]
    manager = ctx.uow.people.get(ask.about_id) if ask.about_id is not None else None
    if manager is None:
        raise UserError("That person is no longer here; nothing was sent.")
    relations = privacy.relations(ctx.uow, ctx.asker.id)
    if manager.id in relations.partners | relations.group_mates | relations.tutors:
        raise UserError(
            f"{manager.display_name} is now your learning partner, group mate or tutor; "
            "nothing was sent."
        )
    open_goals = {
        g.id: g for g in ctx.uow.goals.for_learner(ctx.asker.id) if g.status.value == "open"
    }
    goal_ids = tuple(i for i in ask.data.get("goal_ids", []) if i in open_goals)
    if not goal_ids:
        raise UserError("The goals it served are closed since; propose it again.")
    task = str(ask.data.get("task", ""))
    ask.data = {}  # the words now live in the agreement
    ctx.uow.asks.update(ask)
    return _send(ctx, manager, task, goal_ids, open_goals)


def _ask_manager(ctx: Context, agreement: Agreement, manager: Person) -> None:
    """The request to the manager, queued with the change that caused it."""
    assert agreement.id is not None and manager.id is not None
    again = " (changed)" if agreement.version > 1 else ""
    ctx.notify(
        manager.id,
        Reply(
            text=f"{ctx.asker.display_name} proposes a practical task{again} to agree with you.",
            sections=_task_sections(ctx, agreement),
            buttons=_answers(agreement, ctx.asker),
        ),
        key=f"agreement:{agreement.id}:v{agreement.version}:ask",
    )


def _answers(agreement: Agreement, learner: Person) -> tuple[Button, ...]:
    """The manager's three buttons: the learner's own proposal number and its version,
    and whose (`agree yes 1/2 --of @ana`), so two learners' proposal 1 never mix."""
    ref = f"{agreement.number}/{agreement.version} {of_learner(learner)}"
    return (
        Button(label="Agree", command=f"agree yes {ref}", style=ButtonStyle.PRIMARY),
        Button(label="Ask for changes", command=f"agree changes {ref}"),
        Button(label="Decline", command=f"agree decline {ref}", style=ButtonStyle.DANGER),
    )


def _task_sections(ctx: Context, agreement: Agreement) -> tuple[Section, ...]:
    """The task and the goals it serves: all a manager sees of a learner's development."""
    competences = model(ctx)
    goals = [
        g for g in ctx.uow.goals.for_learner(agreement.learner_id) if g.id in agreement.goal_ids
    ]
    served = (
        "\n".join(f"• {describe(g, competences)}: {g.why}" for g in goals)
        or "(goals since removed)"
    )
    return (
        Section(
            title=f"Proposal {agreement.number}, version {agreement.version}", text=agreement.task
        ),
        Section(title="The goals it serves", text=served),
    )


def _as_manager(ctx: Context, number: int, of: str | None) -> tuple[Agreement, str]:
    """The proposal asked of the manager by its learner's own number (`--of @learner` says
    whose; without it, the one proposal of that number asked of them), and how to name it
    to them: `ana's proposal 1`. Only proposals asked of the asker are found."""
    assert ctx.asker.id is not None
    learner = people.find(ctx, of) if of is not None else None
    found = [
        a
        for a in ctx.uow.agreements.for_manager(ctx.asker.id)
        if a.number == number and (of is None or (learner and a.learner_id == learner.id))
    ]
    if len(found) > 1:
        waiting = [a for a in found if a.status is AgreementStatus.PROPOSED]
        found = waiting if len(waiting) == 1 else found
    if not found:
        whose = f" of {of.removeprefix('@')[:40]}" if of is not None else ""
        raise UserError(
            f"No proposal {number}{whose} waits for your answer. `/learn agree` lists them."
        )
    if len(found) > 1:
        raise UserError(
            f"Proposals numbered {number} of several learners were asked of you; say whose: "
            f"`/learn agree yes {number} --of @learner`. `/learn agree` lists them."
        )
    agreement = found[0]
    person = ctx.uow.people.get(agreement.learner_id)
    name = person.display_name if person else "the learner"
    return agreement, f"{name}'s proposal {agreement.number}"


def answer(ctx: Context, command: AnswerTask) -> list[Reply]:
    agreement, named = _as_manager(ctx, command.agreement_id, command.of)
    assert agreement.id is not None
    if command.version is not None and command.version != agreement.version:
        raise UserError(f"{named} has changed since; answer its newer message.")
    if agreement.status is not AgreementStatus.PROPOSED:
        if agreement.status is AgreementStatus.CHANGES_REQUESTED:
            return [Reply(text=f"You asked for changes to {named}; it comes back to you revised.")]
        return [Reply(text=f"You {_DONE[agreement.status]} {named} already.")]
    learner = ctx.uow.people.get(agreement.learner_id)
    if command.decision is not Decision.AGREE and not command.reason:
        assert learner is not None
        return [_reason_form(agreement, command.decision, learner)]
    reason = command.reason or ""
    agreement.responses.append(
        AgreementResponse(agreement.version, command.decision, reason, ctx.now)
    )
    agreement.status = DECISION_STATUS[command.decision]
    agreement.updated_at = ctx.now
    ctx.uow.agreements.update(agreement)
    what = _DONE[agreement.status]
    said = f" They said: {reason}" if reason else ""
    follow = {
        AgreementStatus.AGREED: "Go ahead; note what you learn with `/learn diary`.",
        AgreementStatus.CHANGES_REQUESTED: "Change it with "
        f"`/learn agree revise {agreement.number} <the changed task>`.",
        AgreementStatus.DECLINED: "Talk it over with your tutor; propose another with "
        "`/learn agree @manager <task>`.",
    }[agreement.status]
    ctx.notify(
        agreement.learner_id,
        Reply(
            text=f"{ctx.asker.display_name} {what} your proposal {agreement.number}.{said}",
            sections=(Section(text=follow),),
        ),
        key=f"agreement:{agreement.id}:v{agreement.version}:answer",
    )
    name = learner.display_name if learner else "the learner"
    return [Reply(text=f"Recorded: you {what} {named}. {name} is told.")]


def _reason_form(agreement: Agreement, decision: Decision, learner: Person) -> Reply:
    label = "What should change?" if decision is Decision.CHANGES else "Why do you decline?"
    return Reply(
        text=label,
        form=Form(
            form_id=f"{REASON_FORMS[decision]}.{agreement.number}.{agreement.version}."
            f"{learner.identity.user_id}",
            title="Ask for changes" if decision is Decision.CHANGES else "Decline the proposal",
            submit_label="Send",
            inputs=(FormInput(name="reason", label=label, multiline=True, max_length=1000),),
        ),
    )


def revise(ctx: Context, command: ReviseTask) -> list[Reply]:
    assert ctx.asker.id is not None
    agreement = own(ctx.uow.agreements.for_learner(ctx.asker.id), command.agreement_id)
    if agreement is None:
        raise UserError(f"You have no proposal {command.agreement_id}. `/learn agree` lists yours.")
    if not agreement.is_open:
        raise UserError(
            f"Proposal {agreement.number} is {agreement.status.label}; propose a new task with "
            "`/learn agree @manager <task>`."
        )
    agreement.task = command.task
    agreement.version += 1
    agreement.status = AgreementStatus.PROPOSED
    agreement.updated_at = ctx.now
    ctx.uow.agreements.update(agreement)
    manager = ctx.uow.people.get(agreement.manager_id)
    assert manager is not None
    _ask_manager(ctx, agreement, manager)
    return [
        Reply(
            text=f"Proposal {agreement.number} changed (version {agreement.version}) "
            f"and sent to {manager.display_name} again."
        )
    ]


def show(ctx: Context, command: ShowAgreements) -> list[Reply]:
    assert ctx.asker.id is not None
    mine = ctx.uow.agreements.for_learner(ctx.asker.id)
    asked = ctx.uow.agreements.for_manager(ctx.asker.id)
    if not mine and not asked:
        return [Reply(text="No practical tasks yet. Propose one: `/learn agree @manager <task>`.")]
    names = ctx.uow.people.get_many([a.manager_id for a in mine] + [a.learner_id for a in asked])
    replies = []
    if mine:
        sections = []
        for a in mine:
            manager = names.get(a.manager_id)
            last = a.responses[-1] if a.responses and a.responses[-1].version == a.version else None
            said = f"\n{last.decision.value}: {last.reason}" if last and last.reason else ""
            sections.append(
                Section(
                    title=f"Proposal {a.number} · {a.status.label} · "
                    + (manager.display_name if manager else "your manager"),
                    text=a.task + said,
                )
            )
        replies.append(Reply(text="Your practical tasks", sections=tuple(sections)))
    for a in asked:
        learner = names.get(a.learner_id)
        buttons: tuple[Button, ...] = ()
        if a.status is AgreementStatus.PROPOSED and learner is not None:
            buttons = _answers(a, learner)
        replies.append(
            Reply(
                text=(learner.display_name if learner else "A learner")
                + f" asked you to agree: {a.status.label}",
                sections=_task_sections(ctx, a),
                buttons=buttons,
            )
        )
    return replies
