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
from bot.i18n import N_, _, pgettext
from bot.replies import Button, ButtonStyle, Form, FormInput, Reply, Section

REASON_FORMS = {Decision.CHANGES: "agree-changes", Decision.DECLINE: "agree-decline"}
# What the manager did, as whole sentences: to the manager when they answer again, to the
# manager when it is recorded, and to the learner.
_ALREADY = {
    AgreementStatus.AGREED: N_("You agreed {name}'s proposal {number} already."),
    AgreementStatus.DECLINED: N_("You declined {name}'s proposal {number} already."),
}
_RECORDED = {
    AgreementStatus.AGREED: N_("Recorded: you agreed {name}'s proposal {number}. {name} is told."),
    AgreementStatus.DECLINED: N_(
        "Recorded: you declined {name}'s proposal {number}. {name} is told."
    ),
    AgreementStatus.CHANGES_REQUESTED: N_(
        "Recorded: you asked for changes to {name}'s proposal {number}. {name} is told."
    ),
}
_TOLD = {
    AgreementStatus.AGREED: N_("{manager} agreed your proposal {number}."),
    AgreementStatus.DECLINED: N_("{manager} declined your proposal {number}."),
    AgreementStatus.CHANGES_REQUESTED: N_("{manager} asked for changes to your proposal {number}."),
}


def decision_word(decision: Decision) -> str:
    """The manager's decision in one word of the current language (the value is stored)."""
    return {
        Decision.AGREE: pgettext("decision", "agree"),
        Decision.CHANGES: pgettext("decision", "changes"),
        Decision.DECLINE: pgettext("decision", "decline"),
    }[decision]


def propose(ctx: Context, command: ProposeTask) -> list[Reply]:
    assert ctx.asker.id is not None
    newcomers: list[str] = []
    manager = people.named(ctx, command.manager, newcomers)
    assert manager.id is not None
    if manager.id == ctx.asker.id:
        raise UserError(_("Propose the task to your manager, not to yourself."))
    open_goals = {
        g.id: g for g in ctx.uow.goals.for_learner(ctx.asker.id) if g.status.value == "open"
    }
    if not open_goals:
        raise UserError(
            _(
                "A practical task serves your development goals; record them with your tutor "
                "first (`/learn goals`)."
            )
        )
    by_number = {g.number: i for i, g in open_goals.items() if i is not None}
    unknown = [n for n in command.goal_ids if n not in by_number]
    if unknown:
        raise UserError(
            _("Goal {number} is not one of your open goals. `/learn goals` lists them.").format(
                number=unknown[0]
            )
        )
    goal_ids = tuple(
        dict.fromkeys(tuple(by_number[n] for n in command.goal_ids) or tuple(by_number.values()))
    )
    relations = privacy.relations(ctx.uow, ctx.asker.id)
    if manager.id in relations.partners | relations.group_mates | relations.tutors:
        raise UserError(
            _(
                "{name} is your learning partner, group mate or tutor; a manager "
                "never is. Propose the task to your manager."
            ).format(name=manager.display_name)
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
                    text=_(
                        "{name} is not your manager in the cohort; send it "
                        "anyway? They would see the task and the goals it serves, with your "
                        "tutor's reasons. Nothing is sent until you choose Send."
                    ).format(name=manager.display_name),
                    sections=(Section(title=_("The task"), text=command.task),),
                    buttons=(
                        Button(
                            label=_("Send"),
                            command=f"agree send {ask.id}",
                            style=ButtonStyle.PRIMARY,
                        ),
                        Button(label=_("Cancel"), command=f"agree cancel {ask.id}"),
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
            text=_("Proposal {number} sent to {name}. You hear back here.").format(
                number=agreement.number, name=manager.display_name
            ),
            sections=(
                Section(title=_("The task"), text=agreement.task),
                Section(title=_("It serves"), text=served),
            ),
        )
    ]


def confirm(ctx: Context, command: ConfirmTask) -> list[Reply]:
    """The learner's Send or Cancel on a task for someone who is not their manager."""
    assert ctx.asker.id is not None
    ask = ctx.uow.asks.get(command.ask_id)
    if ask is None or ask.kind is not AskKind.SEND_TASK or ask.person_id != ctx.asker.id:
        raise UserError(_("That question is not yours. `/learn agree` lists your proposals."))
    if ask.status is not AskStatus.OPEN:
        done = (
            _("You sent that one already; nothing changed.")
            if ask.status is AskStatus.YES
            else _("You cancelled that one already; nothing changed.")
        )
        return [Reply(text=done)]
    ask.status, ask.answered_at = (AskStatus.YES if command.send else AskStatus.NO), ctx.now
    if not command.send:
        ask.data = {}  # the task's words are not kept for a proposal that was not sent
        ctx.uow.asks.update(ask)
        return [Reply(text=_("Cancelled; nothing was sent."))]
    manager = ctx.uow.people.get(ask.about_id) if ask.about_id is not None else None
    if manager is None:
        raise UserError(_("That person is no longer here; nothing was sent."))
    relations = privacy.relations(ctx.uow, ctx.asker.id)
    if manager.id in relations.partners | relations.group_mates | relations.tutors:
        raise UserError(
            _("{name} is now your learning partner, group mate or tutor; nothing was sent.").format(
                name=manager.display_name
            )
        )
    open_goals = {
        g.id: g for g in ctx.uow.goals.for_learner(ctx.asker.id) if g.status.value == "open"
    }
    goal_ids = tuple(i for i in ask.data.get("goal_ids", []) if i in open_goals)
    if not goal_ids:
        raise UserError(_("The goals it served are closed since; propose it again."))
    task = str(ask.data.get("task", ""))
    ask.data = {}  # the words now live in the agreement
    ctx.uow.asks.update(ask)
    return _send(ctx, manager, task, goal_ids, open_goals)


def _ask_manager(ctx: Context, agreement: Agreement, manager: Person) -> None:
    """The request to the manager, queued with the change that caused it."""
    assert agreement.id is not None and manager.id is not None
    learner = ctx.asker

    def asked() -> Reply:  # in the manager's language
        text = (
            _("{name} proposes a practical task (changed) to agree with you.")
            if agreement.version > 1
            else _("{name} proposes a practical task to agree with you.")
        )
        return Reply(
            text=text.format(name=learner.display_name),
            sections=_task_sections(ctx, agreement),
            buttons=_answers(agreement, learner),
        )

    ctx.notify(manager.id, asked, key=f"agreement:{agreement.id}:v{agreement.version}:ask")


def _answers(agreement: Agreement, learner: Person) -> tuple[Button, ...]:
    """The manager's three buttons: the learner's own proposal number and its version,
    and whose (`agree yes 1/2 --of @ana`), so two learners' proposal 1 never mix."""
    ref = f"{agreement.number}/{agreement.version} {of_learner(learner)}"
    return (
        Button(label=_("Agree"), command=f"agree yes {ref}", style=ButtonStyle.PRIMARY),
        Button(label=_("Ask for changes"), command=f"agree changes {ref}"),
        Button(label=_("Decline"), command=f"agree decline {ref}", style=ButtonStyle.DANGER),
    )


def _task_sections(ctx: Context, agreement: Agreement) -> tuple[Section, ...]:
    """The task and the goals it serves: all a manager sees of a learner's development."""
    competences = model(ctx)
    goals = [
        g for g in ctx.uow.goals.for_learner(agreement.learner_id) if g.id in agreement.goal_ids
    ]
    served = "\n".join(f"• {describe(g, competences)}: {g.why}" for g in goals) or _(
        "(goals since removed)"
    )
    return (
        Section(
            title=_("Proposal {number}, version {version}").format(
                number=agreement.number, version=agreement.version
            ),
            text=agreement.task,
        ),
        Section(title=_("The goals it serves"), text=served),
    )


def _as_manager(ctx: Context, number: int, of: str | None) -> tuple[Agreement, str]:
    """The proposal asked of the manager by its learner's own number (`--of @learner` says
    whose; without it, the one proposal of that number asked of them), and its learner's
    name, to name it to them: `ana's proposal 1`. Only proposals asked of the asker are
    found."""
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
        if of is None:
            text = _("No proposal {number} waits for your answer. `/learn agree` lists them.")
        else:
            text = _(
                "No proposal {number} of {name} waits for your answer. `/learn agree` lists them."
            )
        raise UserError(text.format(number=number, name=(of or "").removeprefix("@")[:40]))
    if len(found) > 1:
        raise UserError(
            _(
                "Proposals numbered {number} of several learners were asked of you; say whose: "
                "`/learn agree yes {number} --of @learner`. `/learn agree` lists them."
            ).format(number=number)
        )
    agreement = found[0]
    person = ctx.uow.people.get(agreement.learner_id)
    return agreement, person.display_name if person else _("the learner")


def answer(ctx: Context, command: AnswerTask) -> list[Reply]:
    agreement, name = _as_manager(ctx, command.agreement_id, command.of)
    assert agreement.id is not None
    number = agreement.number
    if command.version is not None and command.version != agreement.version:
        raise UserError(
            _("{name}'s proposal {number} has changed since; answer its newer message.").format(
                name=name, number=number
            )
        )
    if agreement.status is not AgreementStatus.PROPOSED:
        if agreement.status is AgreementStatus.CHANGES_REQUESTED:
            text = _(
                "You asked for changes to {name}'s proposal {number}; it comes back to you revised."
            )
        else:
            text = _(_ALREADY[agreement.status])
        return [Reply(text=text.format(name=name, number=number))]
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
    status, manager = agreement.status, ctx.asker.display_name

    def told() -> Reply:  # in the learner's language
        text = _(_TOLD[status]).format(manager=manager, number=number)
        if reason:
            text += " " + _("They said: {reason}").format(reason=reason)
        follow = {
            AgreementStatus.AGREED: _("Go ahead; note what you learn with `/learn diary`."),
            AgreementStatus.CHANGES_REQUESTED: _(
                "Change it with `/learn agree revise {number} <the changed task>`."
            ).format(number=number),
            AgreementStatus.DECLINED: _(
                "Talk it over with your tutor; propose another with `/learn agree @manager <task>`."
            ),
        }[status]
        return Reply(text=text, sections=(Section(text=follow),))

    ctx.notify(
        agreement.learner_id, told, key=f"agreement:{agreement.id}:v{agreement.version}:answer"
    )
    return [Reply(text=_(_RECORDED[status]).format(name=name, number=number))]


def _reason_form(agreement: Agreement, decision: Decision, learner: Person) -> Reply:
    label = _("What should change?") if decision is Decision.CHANGES else _("Why do you decline?")
    return Reply(
        text=label,
        form=Form(
            form_id=f"{REASON_FORMS[decision]}.{agreement.number}.{agreement.version}."
            f"{learner.identity.user_id}",
            title=_("Ask for changes")
            if decision is Decision.CHANGES
            else _("Decline the proposal"),
            submit_label=_("Send"),
            inputs=(FormInput(name="reason", label=label, multiline=True, max_length=1000),),
        ),
    )


def revise(ctx: Context, command: ReviseTask) -> list[Reply]:
    assert ctx.asker.id is not None
    agreement = own(ctx.uow.agreements.for_learner(ctx.asker.id), command.agreement_id)
    if agreement is None:
        raise UserError(
            _("You have no proposal {number}. `/learn agree` lists yours.").format(
                number=command.agreement_id
            )
        )
    if not agreement.is_open:
        raise UserError(
            _(
                "Proposal {number} is {status}; propose a new task with "
                "`/learn agree @manager <task>`."
            ).format(number=agreement.number, status=agreement.status.label)
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
            text=_(
                "Proposal {number} changed (version {version}) and sent to {name} again."
            ).format(number=agreement.number, version=agreement.version, name=manager.display_name)
        )
    ]


def show(ctx: Context, command: ShowAgreements) -> list[Reply]:
    assert ctx.asker.id is not None
    mine = ctx.uow.agreements.for_learner(ctx.asker.id)
    asked = ctx.uow.agreements.for_manager(ctx.asker.id)
    if not mine and not asked:
        return [
            Reply(text=_("No practical tasks yet. Propose one: `/learn agree @manager <task>`."))
        ]
    names = ctx.uow.people.get_many([a.manager_id for a in mine] + [a.learner_id for a in asked])
    replies = []
    if mine:
        sections = []
        for a in mine:
            manager = names.get(a.manager_id)
            last = a.responses[-1] if a.responses and a.responses[-1].version == a.version else None
            said = (
                f"\n{decision_word(last.decision)}: {last.reason}" if last and last.reason else ""
            )
            sections.append(
                Section(
                    title=_("Proposal {number} · {status} · {manager}").format(
                        number=a.number,
                        status=a.status.label,
                        manager=manager.display_name if manager else _("your manager"),
                    ),
                    text=a.task + said,
                )
            )
        replies.append(Reply(text=_("Your practical tasks"), sections=tuple(sections)))
    for a in asked:
        learner = names.get(a.learner_id)
        buttons: tuple[Button, ...] = ()
        if a.status is AgreementStatus.PROPOSED and learner is not None:
            buttons = _answers(a, learner)
        replies.append(
            Reply(
                text=_("{name} asked you to agree: {status}").format(
                    name=learner.display_name if learner else _("A learner"), status=a.status.label
                ),
                sections=_task_sections(ctx, a),
                buttons=buttons,
            )
        )
    return replies
