"""`/learn cohort`: facilitators open cohorts and give the roles inside them (learner,
tutor with the learners they accompany, manager); a cohort moves from preparation to
the learning phases at its kickoff, and is closed at the end. History stays."""

from __future__ import annotations

from bot import privacy
from bot.commands import AddToCohort, MoveCohort, OpenCohort, ShowCohorts
from bot.domain import Cohort, CohortStatus, Membership, MembershipStatus, Person, Role
from bot.events import CohortKickedOff, Ending, ManagerNamed, TutorAssigned
from bot.handlers import guide, people
from bot.handlers.cohorts import (
    end_group,
    end_partnership,
    find_cohort,
    headcount,
    require_facilitator,
    role_name,
    standing_in,
    status_name,
)
from bot.handlers.context import Context, UserError
from bot.i18n import _
from bot.replies import Button, ButtonStyle, Reply, Section


def show(ctx: Context, command: ShowCohorts) -> list[Reply]:
    assert ctx.asker.id is not None
    if ctx.policy.is_facilitator(ctx.asker):
        cohorts = ctx.uow.cohorts.all()
        if not cohorts:
            return [Reply(text=_("No cohorts yet. Open one: `/learn cohort open <name>`."))]
        sections = []
        for cohort in cohorts:
            assert cohort.id is not None
            # People, not links: a tutor of three learners is one tutor; a leaver is no
            # learner any more; an invited person is counted once they join.
            counted = headcount(cohort, ctx.uow.memberships.members(cohort.id)).described()
            sections.append(
                Section(
                    title=f"{cohort.id} · {cohort.name} · {status_name(cohort.status)}",
                    text=counted,
                )
            )
        sections.append(guide.cohort_steps(ctx))
        return [Reply(text=_("Cohorts"), sections=tuple(sections))]
    mine = ctx.uow.memberships.of(ctx.asker.id)
    if not mine:
        return [Reply(text=_("You are in no cohort yet. A facilitator adds you."))]
    lines = []
    for cohort_id in sorted({m.cohort_id for m in mine}):
        found = ctx.uow.cohorts.get(cohort_id)
        if found is not None:
            lines.append(f"{found.name}: {standing_in(ctx, found)}")
    return [Reply(text=_("Your cohorts"), sections=(Section(text="\n".join(lines)),))]


def open_cohort(ctx: Context, command: OpenCohort) -> list[Reply]:
    require_facilitator(ctx)
    clash = [
        c
        for c in ctx.uow.cohorts.all()
        if c.status is not CohortStatus.CLOSED and c.name.casefold() == command.name.casefold()
    ]
    if clash:
        raise UserError(_("A cohort called {name} is open already.").format(name=command.name))
    cohort = ctx.uow.cohorts.add(Cohort(name=command.name, created_at=ctx.now))
    return [
        Reply(
            text=_(
                "Cohort {number} · {name} is open for preparation. Invite its "
                "learners: `/learn cohort invite @a @b`; give tutors and managers their "
                "learners: `/learn cohort add @person tutor --of @learner` (or `manager`)."
            ).format(number=cohort.id, name=cohort.name)
        )
    ]


def add(ctx: Context, command: AddToCohort) -> list[Reply]:
    require_facilitator(ctx)
    cohort = find_cohort(ctx, command.cohort)
    assert cohort.id is not None
    if cohort.status is CohortStatus.CLOSED:
        raise UserError(_("Cohort {name} is closed.").format(name=cohort.name))
    newcomers: list[str] = []
    person = people.named(ctx, command.person, newcomers)
    assert person.id is not None
    learner = people.known(ctx, command.of) if command.of else None
    if learner is not None and learner.id == person.id:
        raise UserError(_("A tutor accompanies other people, not themselves."))
    if learner is not None and person.id == ctx.asker.id:
        raise UserError(
            _("You cannot give yourself a role over a learner; another facilitator can.")
        )
    if learner is not None and command.role is Role.TUTOR:
        assert learner.id is not None
        if person.id in privacy.managers_of(ctx.uow, learner.id):
            raise UserError(
                _(
                    "{person} is {learner}'s manager, and a manager is never their tutor. "
                    "Choose someone else."
                ).format(person=person.display_name, learner=learner.display_name)
            )
    members = ctx.uow.memberships.members(cohort.id)
    added = []
    if learner is not None:
        assert learner.id is not None
        if not any(m.person_id == learner.id and m.role is Role.LEARNER for m in members):
            _invite_learner(
                ctx, cohort, learner, command.team if command.role is Role.LEARNER else None
            )
            added.append(_("{name} as learner (invited)").format(name=learner.display_name))
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
            return [
                Reply(
                    text=_("{name} is in {cohort} in that role already.").format(
                        name=person.display_name, cohort=cohort.name
                    )
                )
            ]
    elif command.role is Role.LEARNER:
        # Someone added as a learner is invited: they count once they join themselves.
        _invite_learner(ctx, cohort, person, command.team)
        added.insert(
            0,
            _("{name} as learner (invited: they join themselves)").format(name=person.display_name),
        )
    else:
        ctx.uow.memberships.add(wanted)
        role = command.role
        of = learner.display_name if learner else None
        added.insert(0, _as_role(person.display_name, role, of))
        asker = ctx.asker.display_name

        def added_you() -> Reply:
            if of is None:
                text = _(
                    "{asker} added you to the learning cohort {cohort} as {role}. "
                    "Type `/learn help` to see what you can do."
                )
            else:
                text = _(
                    "{asker} added you to the learning cohort {cohort} as {role} of {learner}. "
                    "Type `/learn help` to see what you can do."
                )
            return Reply(
                text=text.format(asker=asker, cohort=cohort.name, role=role_name(role), learner=of)
            )

        ctx.notify(
            person.id,
            added_you,
            key=f"cohort:{cohort.id}:member:{person.id}:{command.role.value}:{wanted.accompanies}",
        )
        if learner is not None and learner.id is not None and command.role is Role.MANAGER:
            # Roles are kept apart: the circles they share end or go on without them.
            ctx.publish(ManagerNamed(cohort.id, learner.id, person.id, ctx.asker.id))
        if learner is not None and learner.id is not None and command.role is Role.TUTOR:
            ctx.publish(TutorAssigned(cohort.id, person.id, learner.id))  # weekly digest
            # Nobody gains a reading role silently: the learner hears it at once.
            tutor = person.display_name
            ctx.notify(
                learner.id,
                lambda: Reply(text=tutor_can_see(tutor, cohort.name)),
                key=f"cohort:{cohort.id}:tutor-sees:{person.id}:{learner.id}:{ctx.now.isoformat()}",
            )
    return people.with_newcomers(
        [
            Reply(
                text=_("Added to {cohort}: {added}.").format(
                    cohort=cohort.name, added=", ".join(added)
                )
            )
        ],
        newcomers,
    )


def _as_role(name: str, role: Role, learner: str | None) -> str:
    """`ana as tutor of ben`, in the current language."""
    if learner is None:
        return _("{name} as {role}").format(name=name, role=role_name(role))
    return _("{name} as {role} of {learner}").format(
        name=name, role=role_name(role), learner=learner
    )


def tutor_can_see(tutor: str, cohort: str) -> str:
    """What a learner is told when someone becomes their tutor."""
    return _(
        "{tutor} is your tutor in {cohort}. {tutor} can now see your development goals, "
        "your self-assessment ratings, your learning plan and progress, and the diary "
        "entries you share with your tutor from now on."
    ).format(tutor=tutor, cohort=cohort)


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
    asker = ctx.asker.display_name

    def invitation() -> Reply:
        return Reply(
            text=_("{asker} invites you to the learning cohort {cohort}.").format(
                asker=asker, cohort=cohort.name
            ),
            sections=(
                Section(
                    text=_(
                        "You are invited, not yet in it: nothing about you is shared with it "
                        "until you join."
                    )
                ),
            ),
            buttons=(
                Button(
                    label=_("Join"),
                    command=f"cohort join {cohort.id}",
                    style=ButtonStyle.PRIMARY,
                ),
                Button(label=_("Decline"), command=f"cohort decline {cohort.id}"),
            ),
        )

    ctx.notify(
        person.id,
        invitation,
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
        if command.to == "kickoff":
            refusal = _("Cohort {name} is {status}; it cannot kickoff.")
        else:
            refusal = _("Cohort {name} is {status}; it cannot close.")
        raise UserError(refusal.format(name=cohort.name, status=status_name(cohort.status)))
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
    if target is CohortStatus.LEARNING:
        said = _(
            "Cohort {name} is in its learning phases; each member was told what happens now "
            "for them."
        )
    else:
        said = _("Cohort {name} is closed.")
    return [Reply(text=said.format(name=cohort.name))]
