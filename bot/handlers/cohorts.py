"""What the handler modules share about cohorts: the facilitator guard, finding a cohort
by what someone typed, and the changes to a cohort's circles that others react to.

Each change here does the change itself and publishes what happened (bot.events); what
follows from it (a partner re-paired or told, a round going on, a group's space brought
in line, a co-coaching timer set or cancelled) is done by the handlers registered for
the event (bot/reactions.py), never called from here."""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain import (
    Cohort,
    CohortStatus,
    LearningGroup,
    MembershipStatus,
    Partnership,
    Person,
    Role,
)
from bot.events import (
    Ending,
    GroupEnded,
    GroupFormed,
    GroupMembersChanged,
    LeftCohort,
    PartnershipEnded,
    PartnershipStarted,
)
from bot.handlers.context import Context, Scope, UserError

ONLY_FACILITATORS = "Only facilitators run cohorts. Ask personnel development to add you."


def require_facilitator(ctx: Context) -> None:
    """Refuse the request unless the asker is a facilitator."""
    if not ctx.policy.is_facilitator(ctx.asker):
        raise UserError(ONLY_FACILITATORS)


def find_cohort(scope: Scope, wanted: str | None) -> Cohort:
    """The cohort `wanted` names (by number or name, or the start of one); without a name,
    the one cohort that is not closed."""
    live = [c for c in scope.uow.cohorts.all() if c.status is not CohortStatus.CLOSED]
    if wanted is None:
        if len(live) == 1:
            return live[0]
        if not live:
            raise UserError("There is no open cohort. Open one: `/learn cohort open <name>`.")
        names = ", ".join(f"{c.id} {c.name}" for c in live)
        raise UserError(f"Several cohorts are open ({names}); name one with `--cohort <number>`.")
    key = wanted.strip().casefold()
    every = scope.uow.cohorts.all()
    found = [c for c in every if str(c.id) == key or c.name.casefold() == key]
    found = found or [c for c in live if c.name.casefold().startswith(key)]
    if len(found) != 1:
        raise UserError(
            f"I know no single cohort called {wanted[:40]}. `/learn cohort` lists them."
        )
    return found[0]


def leave(scope: Scope, cohort: Cohort, person: Person, *, erasing: bool = False) -> LeftCohort:
    """`person` leaves `cohort` (by `cohort leave`, or erased): their learner membership
    is marked left and their relations in it end (learning groups, tutor relations either
    way, roles). Publishes `LeftCohort` (their partner is re-paired or told, their group's
    open round goes on without them) and, for their group, `GroupMembersChanged`."""
    assert cohort.id is not None and person.id is not None
    uow = scope.uow
    partners = tuple(
        sorted(
            {
                other
                for p in uow.partnerships.in_cohort(cohort.id)
                if p.ended_at is None and person.id in p.members
                for other in p.members
                if other != person.id
            }
        )
    )
    group = uow.groups.of(person.id)  # (its round goes on without them, whichever cohort)
    space_of = group.id if group is not None and group.cohort_id == cohort.id else None
    uow.memberships.set_status(cohort.id, person.id, Role.LEARNER, MembershipStatus.LEFT)
    uow.groups.leave(cohort.id, person.id, scope.now)
    uow.memberships.end_tutor_relations(cohort.id, person.id, scope.now)
    uow.memberships.end(cohort.id, scope.now, person.id)
    left = LeftCohort(
        cohort_id=cohort.id,
        person_id=person.id,
        partners=partners,
        group_id=group.id if group is not None else None,
        erasing=erasing,
    )
    scope.publish(left)
    if space_of is not None:  # out of the group's space too: they are taken out of it
        scope.publish(GroupMembersChanged(space_of, leaving=None if erasing else person.id))
    return left


def start_partnership(scope: Scope, cohort_id: int, members: Sequence[int]) -> int:
    """A new learning partnership (its members are introduced, co-coaching begins)."""
    partnership_id = scope.uow.partnerships.add(cohort_id, members, scope.now)
    scope.publish(PartnershipStarted(partnership_id, cohort_id, tuple(members)))
    return partnership_id


def end_partnership(
    scope: Scope, partnership: Partnership, why: Ending, by: int | None = None
) -> None:
    """The partnership ends (its members are told why, the facilitators' digest says who
    ended it, its co-coaching stops); it stays as history."""
    assert partnership.id is not None
    scope.uow.partnerships.end(partnership.id, scope.now)
    scope.publish(
        PartnershipEnded(
            partnership.id, partnership.cohort_id, tuple(partnership.members), why, by
        )
    )


def form_group(scope: Scope, cohort_id: int, name: str, members: Sequence[int]) -> int:
    """A new learning group (its members are introduced)."""
    group_id = scope.uow.groups.add(cohort_id, name, members, scope.now)
    scope.publish(GroupFormed(group_id, cohort_id, tuple(members)))
    return group_id


def end_group(scope: Scope, group: LearningGroup, why: Ending, by: int | None = None) -> None:
    """The group ends (its members are told why, the digest says who ended it)."""
    assert group.id is not None
    scope.uow.groups.end(group.id, scope.now)
    scope.publish(GroupEnded(group.id, group.cohort_id, tuple(group.members), why, by))
