"""`/learn cohort`: facilitators open cohorts and give the roles inside them (learner,
tutor with the learners they accompany, manager); a cohort moves from preparation to
the learning phases at its kickoff, and is closed at the end. History stays."""

from __future__ import annotations

from bot import privacy
from bot.commands import AddToCohort, MoveCohort, OpenCohort, ShowCohorts
from bot.domain import Cohort, CohortStatus, Membership, MembershipStatus, Person, Role
from bot.events import CohortKickedOff, Ending, ManagerNamed
from bot.handlers import guide, people
from bot.handlers.cohorts import (
    end_group,
    end_partnership,
    find_cohort,
    headcount,
    require_facilitator,
    standing_in,
)
from bot.handlers.context import Context, UserError
from bot.replies import Button, ButtonStyle, Reply, Section


def show(ctx: Context, command: ShowCohorts) -> list[Reply]:
    assert ctx.asker.id is not None
    if ctx.policy.is_facilitator(ctx.asker):
        cohorts = ctx.uow.cohorts.all()
        if not cohorts:
            return [Reply(text="No cohorts yet. Open one: `/learn cohort open <name>`.")]
        sections = []
        for cohort in cohorts:
            assert cohort.id is not None
            # People, not links: a tutor of three learners is one tutor; a leaver is no
            # learner any more; an invited person is counted once they join.
            counted = headcount(cohort, ctx.uow.memberships.members(cohort.id)).described()
            sections.append(
                Section(title=f"{cohort.id} · {cohort.name} · {cohort.status.value}", text=counted)
            )
        sections.append(guide.cohort_steps(ctx))
        return [Reply(text="Cohorts", sections=tuple(sections))]
    mine = ctx.uow.memberships.of(ctx.asker.id)
    if not mine:
        return [Reply(text="You are in no cohort yet. A facilitator adds you.")]
    lines = []
    for cohort_id in sorted({m.cohort_id for m in mine}):
        found = ctx.uow.cohorts.get(cohort_id)
        if found is not None:
            lines.append(f"{found.name}: {standing_in(ctx, found)}")
    return [Reply(text="Your cohorts", sections=(Section(text="\n".join(lines)),))]


def open_cohort(ctx: Context, command: OpenCohort) -> list[Reply]:
    require_facilitator(ctx)
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
            text=f"Cohort {cohort.id} · {cohort.name} is open for preparation. Invite its "
            "learners: `/learn cohort invite @a @b`; give tutors and managers their learners: "
            "`/learn cohort add @person tutor --of @learner` (or `manager`)."
        )
    ]


def add(ctx: Context, command: AddToCohort) -> list[Reply]:
    require_facilitator(ctx)
    cohort = find_cohort(ctx, command.cohort)
    assert cohort.id is not None
    if cohort.status is CohortStatus.CLOSED:
        raise UserError(f"Cohort {cohort.name} is closed.")
    newcomers: list[str] = []
    person = people.named(ctx, command.person, newcomers)
    assert person.id is not None
    learner = people.known(ctx, command.of) if command.of else None
    if learner is not None and learner.id == person.id:
        raise UserError("A tutor accompanies other people, not themselves.")
    if learner is not None and person.id == ctx.asker.id:
        raise UserError("You cannot give yourself a role over a learner; another facilitator can.")
    if learner is not None and command.role is Role.TUTOR:
        assert learner.id is not None
        if person.id in privacy.managers_of(ctx.uow, learner.id):
            raise UserError(
                f"{person.display_name} is {learner.display_name}'s manager, and a manager is "
                "never their tutor. Choose someone else."
            )
    members = ctx.uow.memberships.members(cohort.id)
    added = []
    if learner is not None:
        assert learner.id is not None
        if not any(m.person_id == learner.id and m.role is Role.LEARNER for m in members):
            _invite_learner(
                ctx, cohort, learner, command.team if command.role is Role.LEARNER else None
            )
            added.append(f"{learner.display_name} as learner (invited)")
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
        and m.ended_at is None
        and m.status in (MembershipStatus.ACTIVE, MembershipStatus.INVITED)
        for m in members
    ):
        if not added:
            return [Reply(text=f"{person.display_name} is in {cohort.name} in that role already.")]
    elif command.role is Role.LEARNER:
        # Someone added as a learner is invited: they count once they join themselves.
        _invite_learner(ctx, cohort, person, command.team)
        added.insert(0, f"{person.display_name} as learner (invited: they join themselves)")
    else:
        ctx.uow.memberships.add(wanted)
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
        if learner is not None and learner.id is not None and command.role is Role.MANAGER:
            # Roles are kept apart: the circles they share end or go on without them.
            ctx.publish(ManagerNamed(cohort.id, learner.id, person.id, ctx.asker.id))
        if learner is not None and learner.id is not None and command.role is Role.TUTOR:
            # Nobody gains a reading role silently: the learner hears it at once.
            ctx.notify(
                learner.id,
                Reply(text=tutor_can_see(person.display_name, cohort.name)),
                key=f"cohort:{cohort.id}:tutor-sees:{person.id}:{learner.id}:{ctx.now.isoformat()}",
            )
    return people.with_newcomers(
        [Reply(text=f"Added to {cohort.name}: {', '.join(added)}.")], newcomers
    )


def tutor_can_see(tutor: str, cohort: str) -> str:
    """What a learner is told when someone becomes their tutor."""
    return (
        f"{tutor} is your tutor in {cohort}. {tutor} can now see your development goals, "
        "your self-assessment ratings, your learning plan and progress, and the diary "
        "entries you share with your tutor from now on."
    )


def _invite_learner(ctx: Context, cohort: Cohort, person: Person, team: str | None) -> None:
    """Add `person` to the cohort as an invited learner and send them the invitation."""
    assert cohort.id is not None and person.id is not None
    if any(
        m.person_id == person.id and m.role is Role.LEARNER
        for m in ctx.uow.memberships.members(cohort.id)
    ):  # declined or left before: asked again
        ctx.uow.memberships.set_status(cohort.id, person.id, Role.LEARNER, MembershipStatus.INVITED)
    else:
        ctx.uow.memberships.add(
            Membership(
                cohort.id,
                person.id,
                Role.LEARNER,
                ctx.now,
                status=MembershipStatus.INVITED,
                team=team,
            )
        )
    ctx.notify(
        person.id,
        Reply(
            text=f"{ctx.asker.display_name} invites you to the learning cohort {cohort.name}.",
            sections=(
                Section(
                    text="You are invited, not yet in it: nothing about you is shared with it "
                    "until you join."
                ),
            ),
            buttons=(
                Button(label="Join", command=f"cohort join {cohort.id}", style=ButtonStyle.PRIMARY),
                Button(label="Decline", command=f"cohort decline {cohort.id}"),
            ),
        ),
        key=f"cohort:{cohort.id}:invite:{person.id}:{ctx.now.isoformat()}",
    )


def move(ctx: Context, command: MoveCohort) -> list[Reply]:
    require_facilitator(ctx)
    cohort = find_cohort(ctx, command.cohort)
    target = CohortStatus.LEARNING if command.to == "kickoff" else CohortStatus.CLOSED
    allowed_from = {
        CohortStatus.LEARNING: {CohortStatus.PREPARATION},
        CohortStatus.CLOSED: {CohortStatus.PREPARATION, CohortStatus.LEARNING},
    }[target]
    if cohort.status not in allowed_from:
        raise UserError(f"Cohort {cohort.name} is {cohort.status.value}; it cannot {command.to}.")
    cohort.status = target
    ctx.uow.cohorts.update(cohort)
    assert cohort.id is not None
    if target is CohortStatus.LEARNING:
        ctx.publish(CohortKickedOff(cohort.id))  # the figures' roster is fixed then
    if target is CohortStatus.CLOSED:  # its circles end; they stay as history
        for partnership in ctx.uow.partnerships.in_cohort(cohort.id):
            if partnership.ended_at is None and partnership.id is not None:
                end_partnership(ctx, partnership, Ending.COHORT_CLOSED, ctx.asker.id)
        for group in ctx.uow.groups.in_cohort(cohort.id):
            if group.ended_at is None and group.id is not None:
                end_group(ctx, group, Ending.COHORT_CLOSED, ctx.asker.id)
        ctx.uow.memberships.end(cohort.id, ctx.now)
    said = (
        "is in its learning phases; each member was told what happens now for them"
        if target is CohortStatus.LEARNING
        else "is closed"
    )
    return [Reply(text=f"Cohort {cohort.name} {said}.")]
