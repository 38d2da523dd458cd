"""Cohorts, one repository per aggregate: the cohorts themselves, memberships (with tutor
relations), partnerships, learning groups, and the facilitator's proposals with the
people someone will not be paired with."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, delete, insert, or_, select, update

from bot.domain import (
    Circle,
    Cohort,
    CohortStatus,
    LearningGroup,
    Membership,
    MembershipStatus,
    Partnership,
    Role,
    Visibility,
)
from storage.tables import (
    cohorts,
    group_members,
    learning_groups,
    memberships,
    partnership_members,
    partnerships,
    person_exclusions,
    proposals,
)


def _cohort(row: Row[Any]) -> Cohort:
    return Cohort(
        id=row.id,
        name=row.name,
        status=CohortStatus(row.status),
        created_at=row.created_at,
        space=row.space,
        roster=tuple(row.roster) if row.roster is not None else None,
        former_figures=dict(row.former_figures) if row.former_figures is not None else None,
        lrs_proposed_at=row.lrs_proposed_at,
    )


def _memberships(c: Connection, where: ColumnElement[bool]) -> list[Membership]:
    rows = c.execute(select(memberships).where(where).order_by(memberships.c.id))
    return [
        Membership(
            cohort_id=row.cohort_id,
            person_id=row.person_id,
            role=Role(row.role),
            joined_at=row.joined_at,
            accompanies=row.accompanies,
            status=MembershipStatus(row.status),
            team=row.team,
            ended_at=row.ended_at,
            id=row.id,
        )
        for row in rows
    ]


def _partnerships(c: Connection, where: ColumnElement[bool]) -> list[Partnership]:
    rows = c.execute(select(partnerships).where(where).order_by(partnerships.c.id)).all()
    found = {
        r.id: Partnership(
            id=r.id,
            cohort_id=r.cohort_id,
            members=(),
            created_at=r.created_at,
            ended_at=r.ended_at,
        )
        for r in rows
    }
    if found:
        for m in c.execute(
            select(partnership_members)
            .where(partnership_members.c.partnership_id.in_(list(found)))
            .order_by(partnership_members.c.person_id)
        ):
            found[m.partnership_id].members += (m.person_id,)
    return list(found.values())


def _groups(c: Connection, where: ColumnElement[bool]) -> list[LearningGroup]:
    """Learning groups with their present members (whose membership has not ended)."""
    rows = c.execute(select(learning_groups).where(where).order_by(learning_groups.c.id)).all()
    found = {
        r.id: LearningGroup(
            id=r.id,
            cohort_id=r.cohort_id,
            name=r.name,
            members=(),
            created_at=r.created_at,
            space=r.space,
            ended_at=r.ended_at,
        )
        for r in rows
    }
    if found:
        for m in c.execute(
            select(group_members)
            .where(group_members.c.group_id.in_(list(found)), group_members.c.ended_at.is_(None))
            .order_by(group_members.c.person_id)
        ):
            found[m.group_id].members += (m.person_id,)
    return list(found.values())


def _standing_partnerships_of(person_id: int) -> ColumnElement[bool]:
    mine = select(partnership_members.c.partnership_id).where(
        partnership_members.c.person_id == person_id
    )
    return partnerships.c.id.in_(mine) & partnerships.c.ended_at.is_(None)


def _standing_groups_of(person_id: int) -> ColumnElement[bool]:
    mine = select(group_members.c.group_id).where(
        group_members.c.person_id == person_id, group_members.c.ended_at.is_(None)
    )
    return learning_groups.c.id.in_(mine) & learning_groups.c.ended_at.is_(None)


class SqlCohorts:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, cohort: Cohort) -> Cohort:
        cohort.id = self._c.execute(
            insert(cohorts).returning(cohorts.c.id),
            {
                "name": cohort.name,
                "status": cohort.status.value,
                "created_at": cohort.created_at,
                "space": cohort.space,
                "roster": list(cohort.roster) if cohort.roster is not None else None,
                "former_figures": cohort.former_figures,
                "lrs_proposed_at": cohort.lrs_proposed_at,
            },
        ).scalar_one()
        return cohort

    def get(self, cohort_id: int) -> Cohort | None:
        row = self._c.execute(select(cohorts).where(cohorts.c.id == cohort_id)).first()
        if row is None:
            return None
        return _cohort(row)

    def all(self) -> list[Cohort]:
        rows = self._c.execute(select(cohorts).order_by(cohorts.c.id))
        return [_cohort(r) for r in rows]

    def update(self, cohort: Cohort) -> None:
        self._c.execute(
            update(cohorts)
            .where(cohorts.c.id == cohort.id)
            .values(
                name=cohort.name,
                status=cohort.status.value,
                space=cohort.space,
                roster=list(cohort.roster) if cohort.roster is not None else None,
                former_figures=cohort.former_figures,
                lrs_proposed_at=cohort.lrs_proposed_at,
            )
        )


class SqlMemberships:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def members(self, cohort_id: int) -> list[Membership]:
        return _memberships(self._c, memberships.c.cohort_id == cohort_id)

    def add(self, membership: Membership) -> None:
        self._c.execute(
            insert(memberships),
            {
                "cohort_id": membership.cohort_id,
                "person_id": membership.person_id,
                "role": membership.role.value,
                "accompanies": membership.accompanies,
                "joined_at": membership.joined_at,
                "status": membership.status.value,
                "team": membership.team,
                "ended_at": membership.ended_at,
            },
        )

    def of(self, person_id: int) -> list[Membership]:
        return _memberships(self._c, memberships.c.person_id == person_id)

    def set_status(
        self, cohort_id: int, person_id: int, role: Role, status: MembershipStatus
    ) -> int:
        return self._c.execute(
            update(memberships)
            .where(
                memberships.c.cohort_id == cohort_id,
                memberships.c.person_id == person_id,
                memberships.c.role == role.value,
            )
            .values(
                status=status.value,
                # asked again or joined again: the membership stands anew (what it opened
                # before went with the circles that ended)
                **(
                    {"ended_at": None}
                    if status in (MembershipStatus.ACTIVE, MembershipStatus.INVITED)
                    else {}
                ),
            )
        ).rowcount

    def end(self, cohort_id: int, at: datetime, person_id: int | None = None) -> int:
        where = [memberships.c.cohort_id == cohort_id, memberships.c.ended_at.is_(None)]
        if person_id is not None:
            where.append(memberships.c.person_id == person_id)
        return self._c.execute(update(memberships).where(*where).values(ended_at=at)).rowcount

    def end_tutor_relations(self, cohort_id: int, learner_id: int, at: datetime) -> int:
        return self._c.execute(
            update(memberships)
            .where(
                memberships.c.cohort_id == cohort_id,
                memberships.c.accompanies == learner_id,
                memberships.c.ended_at.is_(None),
            )
            .values(ended_at=at)
        ).rowcount

    def circles_of(self, person_id: int) -> list[Circle]:
        found: list[Circle] = []
        for p in _partnerships(self._c, _standing_partnerships_of(person_id)):
            assert p.id is not None
            found.append(Circle(Visibility.PARTNER, p.id, p.cohort_id, frozenset(p.members)))
        for g in _groups(self._c, _standing_groups_of(person_id)):
            assert g.id is not None
            found.append(Circle(Visibility.GROUP, g.id, g.cohort_id, frozenset(g.members)))
        for row in self._c.execute(
            select(memberships)
            .where(
                memberships.c.role == Role.TUTOR.value,
                or_(memberships.c.accompanies == person_id, memberships.c.person_id == person_id),
                memberships.c.accompanies.is_not(None),
                memberships.c.ended_at.is_(None),
                memberships.c.status == MembershipStatus.ACTIVE.value,
            )
            .order_by(memberships.c.id)
        ):
            found.append(
                Circle(
                    Visibility.TUTOR,
                    row.id,
                    row.cohort_id,
                    frozenset({row.person_id, row.accompanies}),
                    learner_id=row.accompanies,
                )
            )
        return found

    def delete_person(self, person_id: int) -> int:
        removed = self._c.execute(
            delete(memberships).where(memberships.c.person_id == person_id)
        ).rowcount
        # a tutor who accompanied them stays in the cohort, accompanying no one here
        self._c.execute(
            update(memberships)
            .where(memberships.c.accompanies == person_id)
            .values(accompanies=None)
        )
        return removed


class SqlPartnerships:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def in_cohort(self, cohort_id: int) -> list[Partnership]:
        return _partnerships(self._c, partnerships.c.cohort_id == cohort_id)

    def add(self, cohort_id: int, person_ids: Sequence[int], at: datetime) -> int:
        partnership_id: int = self._c.execute(
            insert(partnerships).returning(partnerships.c.id),
            {"cohort_id": cohort_id, "created_at": at},
        ).scalar_one()
        self._c.execute(
            insert(partnership_members),
            [{"partnership_id": partnership_id, "person_id": p} for p in person_ids],
        )
        return partnership_id

    def get(self, partnership_id: int) -> Partnership | None:
        found = _partnerships(self._c, partnerships.c.id == partnership_id)
        return found[0] if found else None

    def end(self, partnership_id: int, at: datetime) -> None:
        self._c.execute(
            update(partnerships).where(partnerships.c.id == partnership_id).values(ended_at=at)
        )

    def of(self, person_id: int) -> Partnership | None:
        found = _partnerships(self._c, _standing_partnerships_of(person_id))
        return found[-1] if found else None

    def pair_history(self, person_ids: Iterable[int]) -> list[tuple[int, int, datetime]]:
        wanted = list(set(person_ids))
        if not wanted:
            return []
        theirs = select(partnership_members.c.partnership_id).where(
            partnership_members.c.person_id.in_(wanted)
        )
        history = []
        for p in _partnerships(self._c, partnerships.c.id.in_(theirs)):
            members = [m for m in p.members if m in set(wanted)]
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    history.append((a, b, p.created_at))
        return history

    def delete_person(self, person_id: int) -> int:
        return self._c.execute(
            delete(partnership_members).where(partnership_members.c.person_id == person_id)
        ).rowcount


class SqlGroups:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def in_cohort(self, cohort_id: int) -> list[LearningGroup]:
        return _groups(self._c, learning_groups.c.cohort_id == cohort_id)

    def add(self, cohort_id: int, name: str, person_ids: Sequence[int], at: datetime) -> int:
        group_id: int = self._c.execute(
            insert(learning_groups).returning(learning_groups.c.id),
            {"cohort_id": cohort_id, "name": name, "created_at": at},
        ).scalar_one()
        self._c.execute(
            insert(group_members),
            [{"group_id": group_id, "person_id": p, "started_at": at} for p in person_ids],
        )
        return group_id

    def get(self, group_id: int) -> LearningGroup | None:
        found = _groups(self._c, learning_groups.c.id == group_id)
        return found[0] if found else None

    def of(self, person_id: int) -> LearningGroup | None:
        found = _groups(self._c, _standing_groups_of(person_id))
        return found[-1] if found else None

    def end(self, group_id: int, at: datetime) -> None:
        self._c.execute(
            update(learning_groups)
            .where(learning_groups.c.id == group_id, learning_groups.c.ended_at.is_(None))
            .values(ended_at=at)
        )

    def set_space(self, group_id: int, space: str) -> None:
        self._c.execute(
            update(learning_groups).where(learning_groups.c.id == group_id).values(space=space)
        )

    def claim_space(self, group_id: int, space: str) -> str:
        self._c.execute(
            update(learning_groups)
            .where(learning_groups.c.id == group_id, learning_groups.c.space.is_(None))
            .values(space=space)
        )
        stored = self._c.execute(
            select(learning_groups.c.space).where(learning_groups.c.id == group_id)
        ).scalar_one()
        return str(stored)

    def leave(self, cohort_id: int, person_id: int, at: datetime) -> int:
        theirs = select(learning_groups.c.id).where(learning_groups.c.cohort_id == cohort_id)
        return self._c.execute(
            update(group_members)
            .where(
                group_members.c.person_id == person_id,
                group_members.c.group_id.in_(theirs),
                group_members.c.ended_at.is_(None),
            )
            .values(ended_at=at)
        ).rowcount

    def delete_person(self, person_id: int) -> int:
        return self._c.execute(
            delete(group_members).where(group_members.c.person_id == person_id)
        ).rowcount


class SqlProposals:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def save(
        self, cohort_id: int, kind: str, circles: list[list[int]], notes: list[str], at: datetime
    ) -> None:
        self.drop(cohort_id, kind)
        self._c.execute(
            insert(proposals),
            {
                "cohort_id": cohort_id,
                "kind": kind,
                "circles": circles,
                "notes": notes,
                "created_at": at,
            },
        )

    def get(self, cohort_id: int, kind: str) -> tuple[list[list[int]], list[str]] | None:
        row = self._c.execute(
            select(proposals).where(proposals.c.cohort_id == cohort_id, proposals.c.kind == kind)
        ).first()
        return (row.circles, row.notes) if row else None

    def drop(self, cohort_id: int, kind: str) -> None:
        self._c.execute(
            delete(proposals).where(proposals.c.cohort_id == cohort_id, proposals.c.kind == kind)
        )

    def with_person(self, person_id: int) -> list[tuple[int, str]]:
        rows = self._c.execute(
            select(proposals.c.cohort_id, proposals.c.kind, proposals.c.circles).order_by(
                proposals.c.cohort_id, proposals.c.kind
            )
        )
        return [
            (row.cohort_id, row.kind)
            for row in rows
            if any(person_id in circle for circle in row.circles)
        ]

    def exclude(self, person_id: int, other_id: int) -> None:
        exists = self._c.execute(
            select(person_exclusions).where(
                person_exclusions.c.person_id == person_id,
                person_exclusions.c.other_id == other_id,
            )
        ).first()
        if exists is None:
            self._c.execute(
                insert(person_exclusions), {"person_id": person_id, "other_id": other_id}
            )

    def exclusions(self, person_ids: Iterable[int]) -> dict[int, set[int]]:
        wanted = list(set(person_ids))
        found: dict[int, set[int]] = {p: set() for p in wanted}
        if wanted:
            for row in self._c.execute(
                select(person_exclusions).where(person_exclusions.c.person_id.in_(wanted))
            ):
                found[row.person_id].add(row.other_id)
        return found

    def delete_person(self, person_id: int) -> int:
        return self._c.execute(
            delete(person_exclusions).where(
                or_(
                    person_exclusions.c.person_id == person_id,
                    person_exclusions.c.other_id == person_id,
                )
            )
        ).rowcount
