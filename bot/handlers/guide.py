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

from collections.abc import Sequence
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
from bot.handlers.cohorts import find_cohort, require_facilitator, standing_in
from bot.handlers.context import Context, Scope, UserError
from bot.replies import Audience, Reply, Section

GROUP_MINIMUM = ProposeCircles.model_fields["min_size"].default  # `cohort groups`' default


def plural(count: int, one: str, many: str) -> str:
    """`1 learner`, `2 learners`: the count with the word that fits it (a catalogue
    takes this over with the language issue)."""
    return f"{count} {one if count == 1 else many}"


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
        return [Step("cohort open <name>", "open a cohort for the next round of learners")]
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
                steps.append(Step("cohort invite @a @b", f"invite the learners of {cohort.name}"))
            elif not any(m.role is Role.TUTOR and m.standing for m in members):
                steps.append(
                    Step(
                        f"cohort add @person tutor --of @learner{flag}",
                        f"give the learners of {cohort.name} their tutors",
                    )
                )
            else:
                waiting = (
                    f" ({plural(len(invited), 'invitation', 'invitations')} not answered yet)"
                    if invited
                    else ""
                )
                steps.append(
                    Step(
                        f"cohort kickoff{flag}",
                        f"start the learning phases of {cohort.name}{waiting}",
                    )
                )
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
                    "confirm the proposed learning partnerships"
                    + (" (it ends confirmed ones)" if replace else ""),
                )
            )
        elif not partnerships and len(learners) >= 2:
            steps.append(Step(f"cohort pair{flag}", f"propose learning partners in {cohort.name}"))
        if (pending := scope.uow.proposals.get(cohort.id, "groups")) is not None:
            replace = " --replace" if kickoff.ends_some(scope, cohort, "groups", pending[0]) else ""
            steps.append(
                Step(
                    f"cohort confirm groups{replace}{flag}",
                    "confirm the proposed learning groups"
                    + (" (it ends confirmed ones)" if replace else ""),
                )
            )
        elif partnerships and not groups and len(learners) >= 2:
            steps.append(Step(f"cohort groups{flag}", f"propose learning groups in {cohort.name}"))
        if groups and any(g.space is None for g in groups) and not steps:
            steps.append(
                Step(
                    f"cohort space{flag}",
                    "typed in the channel the groups meet in, so advice rounds get threads there",
                )
            )
        if not steps:
            steps.append(Step(f"cohort report{flag}", f"how {cohort.name} is doing"))
    return steps


def _learner_steps(scope: Scope, person: Person, live: Sequence[Cohort]) -> list[Step]:
    assert person.id is not None
    uow = scope.uow
    assessments = uow.assessments.for_person(person.id)
    if not any(a.completed_at is not None for a in assessments):
        return [Step("assess", "rate yourself on each competence, five at a time")]
    goals = [g for g in uow.goals.for_learner(person.id) if g.status is GoalStatus.OPEN]
    if not goals:
        return [
            Step(
                "goals add <competence> 2->4 <why>",
                "agree your development goals with your tutor (or record one yourself)",
            )
        ]
    tasks = uow.agreements.for_learner(person.id)
    if not tasks or all(t.status is AgreementStatus.DECLINED for t in tasks):
        return [Step("agree @manager <task>", "propose a practical task to your manager")]
    steps: list[Step] = []
    if any(t.status is AgreementStatus.CHANGES_REQUESTED for t in tasks):
        steps.append(Step("agree", "your manager asked for changes to your task"))
    plan = uow.plans.get(person.id)
    if not plan.milestones:
        steps.append(Step("plan add", "write your learning plan: milestones with dates"))
        return steps
    if plan.committed_at is None:
        steps.append(Step("plan commit", "commit to your learning plan"))
        return steps
    if any(c.status is CohortStatus.LEARNING for c in live):
        if uow.partnerships.of(person.id) is not None:
            steps.append(Step("partner", "meet your learning partner for co-coaching"))
        if uow.groups.of(person.id) is not None:
            steps.append(Step("advice <your case in a sentence>", "bring a case to your group"))
    steps.append(Step("diary <what you tried and learned>", "keep your project diary"))
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
                    f"record development goals with {name}",
                )
            ]
    return [Step("cohort report", "how your learners are doing")] if accompanied else []


def _manager_steps(scope: Scope, person: Person) -> list[Step]:
    assert person.id is not None
    waiting = [
        t
        for t in scope.uow.agreements.for_manager(person.id)
        if t.status is AgreementStatus.PROPOSED
    ]
    if waiting:
        said = plural(len(waiting), "practical task waits", "practical tasks wait")
        return [Step("agree", f"{said} for your answer")]
    return [Step("agree", "the practical tasks your reports propose (none waits now)")]


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
                steps.append(Step(f"cohort join {cohort.id}", f"you are invited to {cohort.name}"))
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
                "keep your project diary; a facilitator adds you to a cohort",
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
            lines.append(f"{cohort.name} ({cohort.status.value}): {standing_in(ctx, cohort)}")
    return lines


def show(ctx: Context, command: ShowNext) -> list[Reply]:
    """`/learn` alone, `/learn next`: where the asker stands and what to do now."""
    roles = ctx.roles()
    steps = next_steps(ctx, ctx.asker, roles)
    ordered = ", ".join(r.value for r in Role if r in roles)
    standing = _standing(ctx) or ["In no cohort yet."]
    return [
        Reply(
            text=f"Where you stand ({ordered}):",
            sections=(
                Section(text="\n".join(standing)),
                Section(title="What to do now", text="\n".join(s.shown() for s in steps)),
                Section(text="`/learn help` shows everything you can do."),
            ),
        )
    ]


def cohort_steps(ctx: Context) -> Section:
    """The facilitator's next steps, for `/learn cohort`."""
    steps = _facilitator_steps(ctx)
    return Section(title="What to do now", text="\n".join(s.shown() for s in steps))


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
    return [*replies[:-1], last.model_copy(update={"next_step": f"Next: {steps[0].shown()}"})]


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
        sections.append(
            Section(
                title=shown.sections[0].title,
                text=shown.sections[0].text + "\n" + shown.text.partition(". Adjust")[0] + ".",
            )
        )
        sections.extend(shown.sections[1:])
        confirm = (
            "`/learn cohort confirm "
            + kind
            + (" --replace`" if "confirming ends" in shown.text else "`")
        )
        sections.append(Section(text=f"Confirm with {confirm}."))
    if not sections:
        wanted = command.circles or "pairs or groups"
        raise UserError(
            f"No proposal of {wanted} waits in {cohort.name}. "
            "Make one: `/learn cohort pair` or `/learn cohort groups`."
        )
    return [
        Reply(text=f"What waits for your confirmation in {cohort.name}:", sections=tuple(sections))
    ]


# -- kickoff: every member hears what happens now for them --------------------------------

_KICKOFF_ROLE = {
    Role.LEARNER: "You learn in your own work now: write your plan, meet your learning "
    "partner once you are paired, and bring cases to your learning group.",
    Role.TUTOR: "You accompany your learners now: their goals, plans and progress.",
    Role.MANAGER: "Your reports propose practical tasks to you now; you agree them, ask for "
    "changes or decline.",
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
        said = [
            _KICKOFF_ROLE[r]
            for r in (Role.LEARNER, Role.TUTOR, Role.MANAGER)
            if r in {m.role for m in members if m.person_id == person_id}
        ]
        steps = next_steps(scope, person, theirs)
        scope.notify(
            person_id,
            Reply(
                text=f"{cohort.name} has started its learning phases.",
                sections=(
                    Section(text=" ".join(said)),
                    Section(title="What to do now", text="\n".join(s.shown() for s in steps)),
                ),
            ),
            key=f"cohort:{event.cohort_id}:kickoff:{person_id}",
        )


# -- the facilitator's digest --------------------------------------------------------------


def _period_end(now: datetime) -> datetime:
    """The end of the UTC day `now` falls in: when that day's digest goes out."""
    day = now.astimezone(UTC).date()
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UTC)


def _add_to_digest(scope: Scope, line: str) -> None:
    """Add `line` to each facilitator's digest of the day (one outbox row per facilitator
    per day, rewritten in place while it waits)."""
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
        lines.append(f"• {line}")
        scope.send_later(
            Reply(
                text="What happened in your cohorts today:",
                sections=(Section(text="\n".join(lines)),),
                recipient_id=facilitator.id,
            ).model_copy(update={"audience": Audience.DM}),
            key=key,
            kind=OutboxKind.MESSAGE,
            due_at=due,
        )


def _name(scope: Scope, person_id: int) -> str:
    person = scope.uow.people.get(person_id)
    return person.display_name if person is not None else "someone"


def _cohort_name(scope: Scope, cohort_id: int) -> str:
    cohort = scope.uow.cohorts.get(cohort_id)
    return cohort.name if cohort is not None else "a cohort"


def digest_invitation(event: InvitationAnswered, scope: Scope) -> None:
    verb = "joined" if event.joined else "declined"
    _add_to_digest(
        scope, f"{_name(scope, event.person_id)} {verb} {_cohort_name(scope, event.cohort_id)}."
    )


def _ended_by(scope: Scope, why: Ending, by: int | None) -> str:
    """Who ended a circle and how, for the facilitators' digest."""
    name = _name(scope, by) if by is not None else "someone"
    return {
        Ending.REPLACED: f"{name} confirmed new ones (re-pairing or regrouping)",
        Ending.MEMBER_LEFT: f"{name} left the cohort",
        Ending.RESHAPED: f"it became a trio after {name} left the cohort",
        Ending.ROLES_APART: f"{name} named one of them the other's manager (roles kept apart)",
        Ending.COHORT_CLOSED: f"{name} closed the cohort",
    }[why]


def digest_partnership(event: PartnershipEnded, scope: Scope) -> None:
    """Every ended partnership is in the facilitators' digest, with who ended it."""
    names = " and ".join(_name(scope, p) for p in event.members)
    _add_to_digest(
        scope,
        f"The learning partnership of {names} in {_cohort_name(scope, event.cohort_id)} "
        f"ended: {_ended_by(scope, event.why, event.by)}.",
    )


def digest_group(event: GroupEnded, scope: Scope) -> None:
    """Every ended learning group is in the facilitators' digest, with who ended it."""
    group = scope.uow.groups.get(event.group_id)
    name = group.name if group is not None else "A learning group"
    _add_to_digest(
        scope,
        f"{name} ({', '.join(_name(scope, p) for p in event.members)}) ended: "
        f"{_ended_by(scope, event.why, event.by)}.",
    )


def digest_small_group(event: GroupMembersChanged, scope: Scope) -> None:
    group = scope.uow.groups.get(event.group_id)
    if group is None or group.ended_at is not None or len(group.members) >= GROUP_MINIMUM:
        return
    _add_to_digest(
        scope,
        f"{group.name} has {plural(len(group.members), 'member', 'members')} now, fewer than "
        f"{GROUP_MINIMUM}. `/learn cohort groups` proposes new groups.",
    )
