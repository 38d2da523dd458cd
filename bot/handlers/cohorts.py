"""What the handler modules share about cohorts: the facilitator guard, finding a cohort
by what someone typed, and the changes to a cohort's circles that others react to.

Each change here does the change itself and publishes what happened (bot.events); what
follows from it (a partner re-paired or told, a round going on, a group's space brought
in line, a co-coaching timer set or cancelled) is done by the handlers registered for
the event (bot/reactions.py), never called from here."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain import (
    Cohort,
    CohortStatus,
    LearningGroup,
    Membership,
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
from bot.i18n import N_, _, ngettext, pgettext
from bot.wording import pattern, together

ONLY_FACILITATORS = N_("Only facilitators run cohorts. Ask personnel development to add you.")
# A day a standing names (`left on 02 Dec 2026`), as a CLDR pattern.
DAY = N_("dd MMM yyyy")
# The roles as a standing names them (`tutor of ana`).
ROLE_NAMES = {
    Role.LEARNER: N_("learner"),
    Role.TUTOR: N_("tutor"),
    Role.MANAGER: N_("manager"),
    Role.FACILITATOR: N_("facilitator"),
}
# A cohort's status as a list shows it.
STATUS_NAMES = {
    CohortStatus.PREPARATION: N_("preparation"),
    CohortStatus.LEARNING: N_("learning"),
    CohortStatus.CLOSED: N_("closed"),
}


def status_name(status: CohortStatus) -> str:
    """A cohort's status in the current language (`preparation`: `Vorbereitung`)."""
    return _(STATUS_NAMES[status])


def role_name(role: Role) -> str:
    """A role in the current language (`tutor`: `Tutor:in`)."""
    return _(ROLE_NAMES[role]) if role in ROLE_NAMES else role.value


def require_facilitator(ctx: Context) -> None:
    """Refuse the request unless the asker is a facilitator."""
    if not ctx.policy.is_facilitator(ctx.asker):
        raise UserError(_(ONLY_FACILITATORS))


@dataclass(frozen=True)
class Headcount:
    """Who is in a cohort, as people (not membership links: a tutor of three learners is
    one tutor). A role counts those standing in it now; `invited`, `left` and `declined`
    are learners who are not (a leaver is not a learner of the cohort any more)."""

    learners: int = 0
    tutors: int = 0
    managers: int = 0
    invited: int = 0
    left: int = 0
    declined: int = 0

    def described(self) -> str:
        """`8 learners, 2 tutors, 1 manager; 1 left; 2 invited, not joined yet`."""
        counts = []
        if self.learners:
            n = self.learners
            counts.append(ngettext("{n} learner", "{n} learners", n).format(n=n))
        if self.tutors:
            n = self.tutors
            counts.append(ngettext("{n} tutor", "{n} tutors", n).format(n=n))
        if self.managers:
            n = self.managers
            counts.append(ngettext("{n} manager", "{n} managers", n).format(n=n))
        parts = [", ".join(counts) or _("nobody yet")]
        if self.left:
            parts.append(ngettext("{n} left", "{n} left", self.left).format(n=self.left))
        if self.declined:
            n = self.declined
            parts.append(ngettext("{n} declined", "{n} declined", n).format(n=n))
        if self.invited:
            n = self.invited
            parts.append(
                ngettext("{n} invited, not joined yet", "{n} invited, not joined yet", n).format(
                    n=n
                )
            )
        return "; ".join(parts)


def headcount(cohort: Cohort, members: Iterable[Membership]) -> Headcount:
    """The people of `cohort` by their standing in it (`members`: its memberships). Once
    it is closed, its roles count those who held them until the end."""
    members = list(members)
    closed = cohort.status is CohortStatus.CLOSED

    def people(role: Role, status: MembershipStatus, standing: bool = False) -> set[int]:
        return {
            m.person_id
            for m in members
            if m.role is role and m.status is status and (m.standing or closed or not standing)
        }

    learners = people(Role.LEARNER, MembershipStatus.ACTIVE, standing=True)
    return Headcount(
        learners=len(learners),
        tutors=len(people(Role.TUTOR, MembershipStatus.ACTIVE, standing=True)),
        managers=len(people(Role.MANAGER, MembershipStatus.ACTIVE, standing=True)),
        invited=len(people(Role.LEARNER, MembershipStatus.INVITED) - learners),
        left=len(people(Role.LEARNER, MembershipStatus.LEFT) - learners),
        declined=len(people(Role.LEARNER, MembershipStatus.DECLINED) - learners),
    )


def standing_of(
    cohort: Cohort,
    memberships: Iterable[Membership],
    names: dict[int, Person],
    local: Callable[[datetime], datetime],
) -> str:
    """A person's standing in `cohort`, from their memberships in it: `learner`, `tutor of
    ana and ben`, `invited as learner`, `left on 02 Dec 2026`, `tutor of ana until 02 Dec
    2026`; a closed cohort says so. `names` has the accompanied learners, `local` turns a
    time into the reader's."""
    assert cohort.id is not None
    mine = [m for m in memberships if m.cohort_id == cohort.id]
    parts: list[str] = []
    for role in (Role.LEARNER, Role.TUTOR, Role.MANAGER):
        held = [m for m in mine if m.role is role]
        if not held:
            continue
        if role is Role.LEARNER:
            m = held[0]
            if m.status is MembershipStatus.LEFT:
                if m.ended_at:
                    day = pattern(local(m.ended_at), DAY)
                    parts.append(pgettext("standing", "left on {day}").format(day=day))
                else:
                    parts.append(pgettext("standing", "left"))
            elif m.status is MembershipStatus.INVITED:
                parts.append(_("invited as learner"))
            elif m.status is MembershipStatus.DECLINED:
                parts.append(_("declined the invitation"))
            elif m.ended_at is None:
                parts.append(role_name(Role.LEARNER))
            else:
                parts.append(_until(role_name(Role.LEARNER), m.ended_at, cohort, local))
            continue
        now = [m for m in held if m.standing]
        ended = [m for m in held if not m.standing and m.status is MembershipStatus.ACTIVE]
        if now:
            parts.append(_of(role, now, names))
        if ended:
            last = max((m.ended_at for m in ended if m.ended_at), default=None)
            parts.append(_until(_of(role, ended, names), last, cohort, local))
    return ", ".join(parts) or _("no role")


def standing_in(ctx: Context, cohort: Cohort) -> str:
    """The asker's standing in `cohort` (`standing_of`), in their time zone."""
    assert ctx.asker.id is not None
    mine = [m for m in ctx.uow.memberships.of(ctx.asker.id) if m.cohort_id == cohort.id]
    names = ctx.uow.people.get_many(m.accompanies for m in mine if m.accompanies is not None)
    return standing_of(cohort, mine, names, ctx.local)


def _of(role: Role, memberships: Sequence[Membership], names: dict[int, Person]) -> str:
    learners = sorted(
        {
            names[m.accompanies].display_name
            for m in memberships
            if m.accompanies is not None and m.accompanies in names
        }
    )
    if not learners:
        return role_name(role)
    return _("{role} of {learners}").format(role=role_name(role), learners=together(learners))


def _until(
    held: str, ended_at: datetime | None, cohort: Cohort, local: Callable[[datetime], datetime]
) -> str:
    if cohort.status is CohortStatus.CLOSED:
        return _("{held} until the cohort closed").format(held=held)
    if ended_at:
        return _("{held} until {day}").format(held=held, day=pattern(local(ended_at), DAY))
    return _("{held} (ended)").format(held=held)


def find_cohort(scope: Scope, wanted: str | None) -> Cohort:
    """The cohort `wanted` names (by number or name, or the start of one); without a name,
    the one cohort that is not closed."""
    live = [c for c in scope.uow.cohorts.all() if c.status is not CohortStatus.CLOSED]
    if wanted is None:
        if len(live) == 1:
            return live[0]
        if not live:
            raise UserError(_("There is no open cohort. Open one: `/learn cohort open <name>`."))
        names = ", ".join(f"{c.id} {c.name}" for c in live)
        raise UserError(
            _("Several cohorts are open ({names}); name one with `--cohort <number>`.").format(
                names=names
            )
        )
    key = wanted.strip().casefold()
    every = scope.uow.cohorts.all()
    found = [c for c in every if str(c.id) == key or c.name.casefold() == key]
    found = found or [c for c in live if c.name.casefold().startswith(key)]
    if len(found) != 1:
        raise UserError(
            _("I know no single cohort called {name}. `/learn cohort` lists them.").format(
                name=wanted[:40]
            )
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
        PartnershipEnded(partnership.id, partnership.cohort_id, tuple(partnership.members), why, by)
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
