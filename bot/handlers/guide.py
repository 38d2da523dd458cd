"""The way through: what a person can do next, in one place.

`next_steps` reads a person's state (their roles, their cohorts' phases, their
assessment, goals, practical task, plan, partner, group, the proposals and answers that
wait) and names the steps valid for them now, each as a `/learn` line of the command
table (bot/grammar/table.py) with why. The service ends an answer with the first of
them where the answer does not name it already (`with_next_step`); `/learn` alone and
`/learn next` show them all with where the person stands (`show`); a kickoff tells each
member what happens now for them; the facilitator gets a digest of what happened in
their cohorts (answered invitations, groups below their minimum, broken partnerships),
one outbox row per facilitator per day, due at the day's end.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from bot.commands import ProposeCircles, ShowNext, ShowProposal
from bot.domain import (
    Cohort,
    CohortStatus,
    MembershipStatus,
    OutboxKind,
    OutboxStatus,
    Person,
    Role,
)
from bot.events import (
    CohortKickedOff,
    Ending,
    GroupEnded,
    GroupMembersChanged,
    InvitationAnswered,
    PartnershipEnded,
)
from bot.goals import AgreementStatus, GoalStatus
from bot.handlers import kickoff
from bot.handlers.cohorts import (
    find_cohort,
    require_facilitator,
    role_name,
    standing_in,
    status_name,
)
from bot.handlers.context import Context, Scope, UserError
from bot.i18n import N_, _, ngettext
from bot.replies import Audience, Reply, Section
from bot.wording import together

GROUP_MINIMUM = ProposeCircles.model_fields["min_size"].default  # `cohort groups`' default
WHAT_NOW = N_("What to do now")


@dataclass(frozen=True)
class Step:
    """One thing the person can do now: a `/learn` line (without `/learn`) of the
    command table, and why it comes now."""

    command: str
    why: str

    def shown(self) -> str:
        return f"`/learn {self.command}`: {self.why}"


def _cohort_flag(cohort: Cohort, live: Sequence[Cohort]) -> str:
    return f" --cohort {cohort.id}" if len(live) > 1 else ""


def _facilitator_steps(scope: Scope) -> list[Step]:
    live = [c for c in scope.uow.cohorts.all() if c.status is not CohortStatus.CLOSED]
    if not live:
        return [Step("cohort open <name>", _("open a cohort for the next round of learners"))]
    steps: list[Step] = []
    for cohort in live:
        assert cohort.id is not None
        flag = _cohort_flag(cohort, live)
        members = scope.uow.memberships.members(cohort.id)
        learners = [m for m in members if m.role is Role.LEARNER and m.standing]
        invited = [
            m for m in members if m.role is Role.LEARNER and m.status is MembershipStatus.INVITED
        ]
        if cohort.status is CohortStatus.PREPARATION:
            if len(learners) + len(invited) < 2:
                steps.append(
                    Step(
                        "cohort invite @a @b",
                        _("invite the learners of {cohort}").format(cohort=cohort.name),
                    )
                )
            elif not any(m.role is Role.TUTOR and m.standing for m in members):
                steps.append(
                    Step(
                        f"cohort add @person tutor --of @learner{flag}",
                        _("give the learners of {cohort} their tutors").format(cohort=cohort.name),
                    )
                )
            else:
                why = _("start the learning phases of {cohort}").format(cohort=cohort.name)
                if invited:
                    why += " " + ngettext(
                        "({n} invitation not answered yet)",
                        "({n} invitations not answered yet)",
                        len(invited),
                    ).format(n=len(invited))
                steps.append(Step(f"cohort kickoff{flag}", why))
            continue
        partnerships = [
            p for p in scope.uow.partnerships.in_cohort(cohort.id) if p.ended_at is None
        ]
        groups = [g for g in scope.uow.groups.in_cohort(cohort.id) if g.ended_at is None]
        if (pending := scope.uow.proposals.get(cohort.id, "pairs")) is not None:
            replace = " --replace" if kickoff.ends_some(scope, cohort, "pairs", pending[0]) else ""
            steps.append(
                Step(
                    f"cohort confirm pairs{replace}{flag}",
                    _("confirm the proposed learning partnerships (it ends confirmed ones)")
                    if replace
                    else _("confirm the proposed learning partnerships"),
                )
            )
        elif not partnerships and len(learners) >= 2:
            steps.append(
                Step(
                    f"cohort pair{flag}",
                    _("propose learning partners in {cohort}").format(cohort=cohort.name),
                )
            )
        if (pending := scope.uow.proposals.get(cohort.id, "groups")) is not None:
            replace = " --replace" if kickoff.ends_some(scope, cohort, "groups", pending[0]) else ""
            steps.append(
                Step(
                    f"cohort confirm groups{replace}{flag}",
                    _("confirm the proposed learning groups (it ends confirmed ones)")
                    if replace
                    else _("confirm the proposed learning groups"),
                )
            )
        elif partnerships and not groups and len(learners) >= 2:
            steps.append(
                Step(
                    f"cohort groups{flag}",
                    _("propose learning groups in {cohort}").format(cohort=cohort.name),
                )
            )
        if groups and any(g.space is None for g in groups) and not steps:
            steps.append(
                Step(
                    f"cohort space{flag}",
                    _(
                        "typed in the channel the groups meet in, so advice rounds get threads "
                        "there"
                    ),
                )
            )
        if not steps:
            steps.append(
                Step(f"cohort report{flag}", _("how {cohort} is doing").format(cohort=cohort.name))
            )
    return steps


def _learner_steps(scope: Scope, person: Person, live: Sequence[Cohort]) -> list[Step]:
    assert person.id is not None
    uow = scope.uow
    assessments = uow.assessments.for_person(person.id)
    if not any(a.completed_at is not None for a in assessments):
        return [Step("assess", _("rate yourself on each competence, five at a time"))]
    goals = [g for g in uow.goals.for_learner(person.id) if g.status is GoalStatus.OPEN]
    if not goals:
        return [
            Step(
                "goals add <competence> 2->4 <why>",
                _("agree your development goals with your tutor (or record one yourself)"),
            )
        ]
    tasks = uow.agreements.for_learner(person.id)
    if not tasks or all(t.status is AgreementStatus.DECLINED for t in tasks):
        return [Step("agree @manager <task>", _("propose a practical task to your manager"))]
    steps: list[Step] = []
    if any(t.status is AgreementStatus.CHANGES_REQUESTED for t in tasks):
        steps.append(Step("agree", _("your manager asked for changes to your task")))
    plan = uow.plans.get(person.id)
    if not plan.milestones:
        steps.append(Step("plan add", _("write your learning plan: milestones with dates")))
        return steps
    if plan.committed_at is None:
        steps.append(Step("plan commit", _("commit to your learning plan")))
        return steps
    if any(c.status is CohortStatus.LEARNING for c in live):
        if uow.partnerships.of(person.id) is not None:
            steps.append(Step("partner", _("meet your learning partner for co-coaching")))
        if uow.groups.of(person.id) is not None:
            steps.append(Step("advice <your case in a sentence>", _("bring a case to your group")))
    steps.append(Step("diary <what you tried and learned>", _("keep your project diary")))
    return steps


def _tutor_steps(scope: Scope, person: Person) -> list[Step]:
    assert person.id is not None
    accompanied = {
        m.accompanies
        for m in scope.uow.memberships.of(person.id)
        if m.role is Role.TUTOR and m.standing and m.accompanies is not None
    }
    persons = scope.uow.people.get_many(accompanied)
    for learner_id in sorted(accompanied):
        goals = scope.uow.goals.for_learner(learner_id)
        if learner_id in persons and not any(g.status is GoalStatus.OPEN for g in goals):
            name = persons[learner_id].display_name
            return [
                Step(
                    f"goals add @{name} <competence> 2->4 <why>",
                    _("record development goals with {name}").format(name=name),
                )
            ]
    return [Step("cohort report", _("how your learners are doing"))] if accompanied else []


def _manager_steps(scope: Scope, person: Person) -> list[Step]:
    assert person.id is not None
    waiting = [
        t
        for t in scope.uow.agreements.for_manager(person.id)
        if t.status is AgreementStatus.PROPOSED
    ]
    if waiting:
        said = ngettext(
            "{n} practical task waits for your answer",
            "{n} practical tasks wait for your answer",
            len(waiting),
        ).format(n=len(waiting))
        return [Step("agree", said)]
    return [Step("agree", _("the practical tasks your reports propose (none waits now)"))]


def next_steps(scope: Scope, person: Person, roles: set[Role]) -> list[Step]:
    """The steps valid for `person` now, the most pressing first (never empty)."""
    assert person.id is not None
    uow = scope.uow
    mine = uow.memberships.of(person.id)
    steps: list[Step] = []
    for membership in mine:
        if membership.role is Role.LEARNER and membership.status is MembershipStatus.INVITED:
            cohort = uow.cohorts.get(membership.cohort_id)
            if cohort is not None and cohort.status is not CohortStatus.CLOSED:
                steps.append(
                    Step(
                        f"cohort join {cohort.id}",
                        _("you are invited to {cohort}").format(cohort=cohort.name),
                    )
                )
    if Role.FACILITATOR in roles:
        steps += _facilitator_steps(scope)
    if Role.MANAGER in roles:
        steps += _manager_steps(scope, person)
    if Role.TUTOR in roles:
        steps += _tutor_steps(scope, person)
    learning_in = [
        uow.cohorts.get(m.cohort_id) for m in mine if m.role is Role.LEARNER and m.standing
    ]
    live = [c for c in learning_in if c is not None and c.status is not CohortStatus.CLOSED]
    if live:
        steps += _learner_steps(scope, person, live)
    if not steps:
        steps.append(
            Step(
                "diary <what you tried and learned>",
                _("keep your project diary; a facilitator adds you to a cohort"),
            )
        )
    return steps


# -- where the person stands -------------------------------------------------------------


def _standing(ctx: Context) -> list[str]:
    assert ctx.asker.id is not None
    lines = []
    for cohort_id in sorted({m.cohort_id for m in ctx.uow.memberships.of(ctx.asker.id)}):
        cohort = ctx.uow.cohorts.get(cohort_id)
        if cohort is not None:
            lines.append(
                f"{cohort.name} ({status_name(cohort.status)}): {standing_in(ctx, cohort)}"
            )
    return lines


def show(ctx: Context, command: ShowNext) -> list[Reply]:
    """`/learn` alone, `/learn next`: where the asker stands and what to do now."""
    roles = ctx.roles()
    steps = next_steps(ctx, ctx.asker, roles)
    ordered = ", ".join(role_name(r) for r in Role if r in roles)
    standing = _standing(ctx) or [_("In no cohort yet.")]
    return [
        Reply(
            text=_("Where you stand ({roles}):").format(roles=ordered),
            sections=(
                Section(text="\n".join(standing)),
                Section(title=_(WHAT_NOW), text="\n".join(s.shown() for s in steps)),
                Section(text=_("`/learn help` shows everything you can do.")),
            ),
        )
    ]


def cohort_steps(ctx: Context) -> Section:
    """The facilitator's next steps, for `/learn cohort`."""
    steps = _facilitator_steps(ctx)
    return Section(title=_(WHAT_NOW), text="\n".join(s.shown() for s in steps))


def with_next_step(ctx: Context, replies: list[Reply]) -> list[Reply]:
    """`replies` ending with the asker's next step, unless they name it already (or are
    refusals, forms, or messages to others)."""
    if not replies:
        return replies
    last = replies[-1]
    if last.is_error or last.form is not None or last.recipient_id is not None:
        return replies
    steps = next_steps(ctx, ctx.asker, ctx.roles())
    said = last.text + "".join(s.text for s in last.sections)
    if not steps or any(f"/learn {s.command.split(' <')[0].split(' @')[0]}" in said for s in steps):
        return replies
    said = _("Next: {step}").format(step=steps[0].shown())
    return [*replies[:-1], last.model_copy(update={"next_step": said})]


# -- the current proposal ----------------------------------------------------------------


def show_proposal(ctx: Context, command: ShowProposal) -> list[Reply]:
    """`cohort proposal [pairs|groups]`: the proposal waiting for confirmation."""
    require_facilitator(ctx)
    cohort = find_cohort(ctx, command.cohort)
    assert cohort.id is not None
    kinds = [command.circles] if command.circles else ["pairs", "groups"]
    sections = []
    for kind in kinds:
        stored = ctx.uow.proposals.get(cohort.id, kind)
        if stored is None:
            continue
        circles, notes = stored
        # as `cohort pair` showed it: what it keeps, and what confirming it would end
        shown = kickoff.show_proposal(ctx, cohort, kind, circles, notes)
        summary = kickoff.proposal_summary(ctx, cohort, kind, circles)
        sections.append(
            Section(
                title=shown.sections[0].title,
                text=shown.sections[0].text + "\n" + summary,
            )
        )
        sections.extend(shown.sections[1:])
        ends = kickoff.ends_some(ctx, cohort, kind, circles)
        confirm = "`/learn cohort confirm " + kind + (" --replace`" if ends else "`")
        sections.append(Section(text=_("Confirm with {command}.").format(command=confirm)))
    if not sections:
        if command.circles == "pairs":
            refusal = _(
                "No proposal of pairs waits in {cohort}. "
                "Make one: `/learn cohort pair` or `/learn cohort groups`."
            )
        elif command.circles == "groups":
            refusal = _(
                "No proposal of groups waits in {cohort}. "
                "Make one: `/learn cohort pair` or `/learn cohort groups`."
            )
        else:
            refusal = _(
                "No proposal of pairs or groups waits in {cohort}. "
                "Make one: `/learn cohort pair` or `/learn cohort groups`."
            )
        raise UserError(refusal.format(cohort=cohort.name))
    return [
        Reply(
            text=_("What waits for your confirmation in {cohort}:").format(cohort=cohort.name),
            sections=tuple(sections),
        )
    ]


# -- kickoff: every member hears what happens now for them --------------------------------

_KICKOFF_ROLE = {
    Role.LEARNER: N_(
        "You learn in your own work now: write your plan, meet your learning "
        "partner once you are paired, and bring cases to your learning group."
    ),
    Role.TUTOR: N_("You accompany your learners now: their goals, plans and progress."),
    Role.MANAGER: N_(
        "Your reports propose practical tasks to you now; you agree them, ask for "
        "changes or decline."
    ),
}


def tell_kickoff(event: CohortKickedOff, scope: Scope) -> None:
    """The cohort started its learning phases: each member hears what happens now for them
    and their own next step."""
    cohort = scope.uow.cohorts.get(event.cohort_id)
    assert cohort is not None
    members = [m for m in scope.uow.memberships.members(event.cohort_id) if m.standing]
    roles: dict[int, set[Role]] = {}
    for m in members:
        roles.setdefault(m.person_id, {Role.LEARNER}).add(m.role)
    persons = scope.uow.people.get_many(roles)
    for person_id in sorted(roles):
        person = persons.get(person_id)
        if person is None:
            continue
        theirs = roles[person_id]
        if scope.policy.is_facilitator(person):
            theirs = theirs | {Role.FACILITATOR}
        held = [
            r
            for r in (Role.LEARNER, Role.TUTOR, Role.MANAGER)
            if r in {m.role for m in members if m.person_id == person_id}
        ]

        def started(
            person: Person = person, theirs: set[Role] = theirs, held: Sequence[Role] = held
        ) -> Reply:
            steps = next_steps(scope, person, theirs)
            return Reply(
                text=_("{cohort} has started its learning phases.").format(cohort=cohort.name),
                sections=(
                    Section(text=" ".join(_(_KICKOFF_ROLE[r]) for r in held)),
                    Section(title=_(WHAT_NOW), text="\n".join(s.shown() for s in steps)),
                ),
            )

        scope.notify(person_id, started, key=f"cohort:{event.cohort_id}:kickoff:{person_id}")


# -- the facilitator's digest --------------------------------------------------------------


def _period_end(now: datetime) -> datetime:
    """The end of the UTC day `now` falls in: when that day's digest goes out."""
    day = now.astimezone(UTC).date()
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


def _add_to_digest(scope: Scope, line: Callable[[], str]) -> None:
    """Add `line` to each facilitator's digest of the day (one outbox row per facilitator
    per day, rewritten in place while it waits): a builder, made in each facilitator's
    language, as the lines before it were."""
    due = _period_end(scope.now)
    for facilitator in scope.uow.people.facilitators(scope.policy.facilitator_refs):
        assert facilitator.id is not None
        key = f"digest:{facilitator.id}:{due.date().isoformat()}"
        rows = [
            r
            for r in scope.uow.outbox.for_recipient(facilitator.id)
            if r.idempotency_key == key and r.status is OutboxStatus.PENDING
        ]
        lines = []
        if rows:
            before = Reply.model_validate_json(rows[0].payload)
            lines = before.sections[0].text.split("\n") if before.sections else []
            scope.uow.outbox.delete(r.id for r in rows if r.id is not None)

        def digest(before: list[str] = lines) -> Reply:
            return Reply(
                text=_("What happened in your cohorts today:"),
                sections=(Section(text="\n".join([*before, f"• {line()}"])),),
            ).model_copy(update={"audience": Audience.DM})

        scope.send_later(digest, key=key, kind=OutboxKind.MESSAGE, due_at=due, to=facilitator.id)


def _name(scope: Scope, person_id: int) -> str:
    person = scope.uow.people.get(person_id)
    return person.display_name if person is not None else _("someone")


def _cohort_name(scope: Scope, cohort_id: int) -> str:
    cohort = scope.uow.cohorts.get(cohort_id)
    return cohort.name if cohort is not None else _("a cohort")


def digest_invitation(event: InvitationAnswered, scope: Scope) -> None:
    def line() -> str:
        said = _("{name} joined {cohort}.") if event.joined else _("{name} declined {cohort}.")
        return said.format(
            name=_name(scope, event.person_id), cohort=_cohort_name(scope, event.cohort_id)
        )

    _add_to_digest(scope, line)


def _ended_by(scope: Scope, why: Ending, by: int | None) -> str:
    """Who ended a circle and how, for the facilitators' digest."""
    name = _name(scope, by) if by is not None else _("someone")
    said = {
        Ending.REPLACED: N_("{name} confirmed new ones (re-pairing or regrouping)"),
        Ending.MEMBER_LEFT: N_("{name} left the cohort"),
        Ending.RESHAPED: N_("it became a trio after {name} left the cohort"),
        Ending.ROLES_APART: N_("{name} named one of them the other's manager (roles kept apart)"),
        Ending.COHORT_CLOSED: N_("{name} closed the cohort"),
    }[why]
    return _(said).format(name=name)


def digest_partnership(event: PartnershipEnded, scope: Scope) -> None:
    """Every ended partnership is in the facilitators' digest, with who ended it."""

    def line() -> str:
        return _("The learning partnership of {names} in {cohort} ended: {why}.").format(
            names=together([_name(scope, p) for p in event.members]),
            cohort=_cohort_name(scope, event.cohort_id),
            why=_ended_by(scope, event.why, event.by),
        )

    _add_to_digest(scope, line)


def digest_group(event: GroupEnded, scope: Scope) -> None:
    """Every ended learning group is in the facilitators' digest, with who ended it."""
    group = scope.uow.groups.get(event.group_id)

    def line() -> str:
        name = group.name if group is not None else _("A learning group")
        return _("{group} ({names}) ended: {why}.").format(
            group=name,
            names=", ".join(_name(scope, p) for p in event.members),
            why=_ended_by(scope, event.why, event.by),
        )

    _add_to_digest(scope, line)


def digest_small_group(event: GroupMembersChanged, scope: Scope) -> None:
    group = scope.uow.groups.get(event.group_id)
    if group is None or group.ended_at is not None or len(group.members) >= GROUP_MINIMUM:
        return
    name, n = group.name, len(group.members)

    def line() -> str:
        return ngettext(
            "{group} has {n} member now, fewer than {minimum}. "
            "`/learn cohort groups` proposes new groups.",
            "{group} has {n} members now, fewer than {minimum}. "
            "`/learn cohort groups` proposes new groups.",
            n,
        ).format(group=name, n=n, minimum=GROUP_MINIMUM)

    _add_to_digest(scope, line)
