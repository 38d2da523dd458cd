"""`/learn cohort`: facilitators open cohorts and give the roles inside them (learner,
tutor with the learners they accompany, manager); a cohort moves from preparation to
the learning phases at its kickoff, and is closed at the end. History stays."""

from __future__ import annotations

from collections import Counter

from bot.commands import AddToCohort, MoveCohort, OpenCohort, ShowCohorts
from bot.domain import Cohort, CohortStatus, Membership, Role
from bot.handlers import people
from bot.handlers.context import Context, UserError
from bot.replies import Reply, Section

ONLY_FACILITATORS = "Only facilitators run cohorts. Ask personnel development to add you."


def _facilitator(ctx: Context) -> None:
    if not ctx.policy.is_facilitator(ctx.asker):
        raise UserError(ONLY_FACILITATORS)


def _cohort(ctx: Context, wanted: str | None) -> Cohort:
    """The cohort `wanted` names (by number or name, or the start of one); without a name,
    the one cohort that is not closed."""
    live = [c for c in ctx.uow.cohorts.all() if c.status is not CohortStatus.CLOSED]
    if wanted is None:
        if len(live) == 1:
            return live[0]
        if not live:
            raise UserError("There is no open cohort. Open one: `/learn cohort open <name>`.")
        names = ", ".join(f"{c.id} {c.name}" for c in live)
        raise UserError(f"Several cohorts are open ({names}); name one with `--cohort <number>`.")
    key = wanted.strip().casefold()
    every = ctx.uow.cohorts.all()
    found = [c for c in every if str(c.id) == key or c.name.casefold() == key]
    found = found or [c for c in live if c.name.casefold().startswith(key)]
    if len(found) != 1:
        raise UserError(
            f"I know no single cohort called {wanted[:40]}. `/learn cohort` lists them."
        )
    return found[0]


def show(ctx: Context, command: ShowCohorts) -> list[Reply]:
    assert ctx.asker.id is not None
    if ctx.policy.is_facilitator(ctx.asker):
        cohorts = ctx.uow.cohorts.all()
        if not cohorts:
            return [Reply(text="No cohorts yet. Open one: `/learn cohort open <name>`.")]
        sections = []
        for cohort in cohorts:
            assert cohort.id is not None
            roles = Counter(m.role.value for m in ctx.uow.cohorts.members(cohort.id))
            counted = ", ".join(f"{n} {role}s" for role, n in sorted(roles.items())) or "nobody yet"
            sections.append(
                Section(title=f"{cohort.id} · {cohort.name} · {cohort.status.value}", text=counted)
            )
        return [Reply(text="Cohorts", sections=tuple(sections))]
    mine = ctx.uow.cohorts.memberships_of(ctx.asker.id)
    if not mine:
        return [Reply(text="You are in no cohort yet. A facilitator adds you.")]
    lines = []
    for membership in mine:
        cohort = ctx.uow.cohorts.get(membership.cohort_id)
        name = cohort.name if cohort else "a cohort"
        lines.append(f"{name}: {membership.role.value}")
    return [Reply(text="Your cohorts", sections=(Section(text="\n".join(sorted(set(lines)))),))]


def open_cohort(ctx: Context, command: OpenCohort) -> list[Reply]:
    _facilitator(ctx)
    clash = [
        c
        for c in ctx.uow.cohorts.all()
        if c.status is not CohortStatus.CLOSED and c.name.casefold() == command.name.casefold()
    ]
    if clash:
        raise UserError(f"A cohort called {command.name} is open already.")
    cohort = ctx.uow.cohorts.add(Cohort(name=command.name, created_at=ctx.now))
    return [
        Reply(
            text=f"Cohort {cohort.id} · {cohort.name} is open for preparation. Add people: "
            "`/learn cohort add @person learner|tutor|manager`."
        )
    ]


def add(ctx: Context, command: AddToCohort) -> list[Reply]:
    _facilitator(ctx)
    cohort = _cohort(ctx, command.cohort)
    assert cohort.id is not None
    if cohort.status is CohortStatus.CLOSED:
        raise UserError(f"Cohort {cohort.name} is closed.")
    person = people.named(ctx, command.person)
    assert person.id is not None
    learner = people.named(ctx, command.of) if command.of else None
    if learner is not None and learner.id == person.id:
        raise UserError("A tutor accompanies other people, not themselves.")
    members = ctx.uow.cohorts.members(cohort.id)
    added = []
    if learner is not None:
        assert learner.id is not None
        if not any(m.person_id == learner.id and m.role is Role.LEARNER for m in members):
            ctx.uow.cohorts.add_membership(Membership(cohort.id, learner.id, Role.LEARNER, ctx.now))
            added.append(f"{learner.display_name} as learner")
    wanted = Membership(
        cohort.id,
        person.id,
        command.role,
        ctx.now,
        learner.id if learner else None,
        team=command.team,
    )
    if any(
        (m.person_id, m.role, m.accompanies) == (person.id, command.role, wanted.accompanies)
        for m in members
    ):
        if not added:
            return [Reply(text=f"{person.display_name} is in {cohort.name} in that role already.")]
    else:
        ctx.uow.cohorts.add_membership(wanted)
        of = f" of {learner.display_name}" if learner else ""
        added.insert(0, f"{person.display_name} as {command.role.value}{of}")
        ctx.notify(
            person.id,
            Reply(
                text=f"{ctx.asker.display_name} added you to the learning cohort {cohort.name} "
                f"as {command.role.value}{of}. Type `/learn help` to see what you can do."
            ),
            key=f"cohort:{cohort.id}:member:{person.id}:{command.role.value}:{wanted.accompanies}",
        )
    return [Reply(text=f"Added to {cohort.name}: {', '.join(added)}.")]


def move(ctx: Context, command: MoveCohort) -> list[Reply]:
    _facilitator(ctx)
    cohort = _cohort(ctx, command.cohort)
    target = CohortStatus.LEARNING if command.to == "kickoff" else CohortStatus.CLOSED
    allowed_from = {
        CohortStatus.LEARNING: {CohortStatus.PREPARATION},
        CohortStatus.CLOSED: {CohortStatus.PREPARATION, CohortStatus.LEARNING},
    }[target]
    if cohort.status not in allowed_from:
        raise UserError(f"Cohort {cohort.name} is {cohort.status.value}; it cannot {command.to}.")
    cohort.status = target
    ctx.uow.cohorts.update(cohort)
    if target is CohortStatus.LEARNING:
        from bot.handlers.report import fix_roster  # report builds on this module

        fix_roster(ctx.uow, cohort)  # the figures are over those who joined by kickoff
    said = "is in its learning phases" if target is CohortStatus.LEARNING else "is closed"
    return [Reply(text=f"Cohort {cohort.name} {said}.")]
