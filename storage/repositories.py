"""Repositories over one open connection: each translates between rows and domain objects.
People, the diary and cohorts live here; the outbox and check-ins have modules of their own."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, select, update

from bot.domain import (
    Cohort,
    CohortStatus,
    DiaryEntry,
    EntrySource,
    Identity,
    Membership,
    Person,
    Platform,
    Relations,
    Role,
    Visibility,
)
from storage.dialect import insert_or_ignore, upsertable_insert
from storage.tables import (
    cohorts,
    diary_entries,
    group_members,
    inbound_events,
    learning_groups,
    memberships,
    partnership_members,
    partnerships,
    people,
)


class SqlPeople:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, person: Person) -> Person:
        # Two first contacts of one person can race (a platform retry, two replicas):
        # the loser gets the winner's row instead of a unique-constraint error.
        statement = (
            insert_or_ignore(self._c, people, ["platform", "workspace", "user_id"])
            .values(_person_values(person))
            .returning(people.c.id)
        )
        stored = self._c.execute(statement).scalar_one_or_none()
        if stored is None:
            existing = self.by_identity(person.identity)
            assert existing is not None
            return existing
        person.id = stored
        return person

    def get(self, person_id: int) -> Person | None:
        row = self._c.execute(select(people).where(people.c.id == person_id)).first()
        return _person(row) if row else None

    def by_identity(self, identity: Identity) -> Person | None:
        row = self._c.execute(
            select(people).where(
                people.c.platform == identity.platform.value,
                people.c.workspace == identity.workspace,
                people.c.user_id == identity.user_id,
            )
        ).first()
        return _person(row) if row else None

    def find_in_workspace(self, identity: Identity, name: str) -> list[Person]:
        same_place = (people.c.platform == identity.platform.value) & (
            people.c.workspace == identity.workspace
        )
        exact = self._c.execute(select(people).where(same_place, people.c.user_id == name)).all()
        if exact:
            return [_person(row) for row in exact]
        rows = self._c.execute(
            select(people).where(same_place, func.lower(people.c.display_name) == name.casefold())
        ).all()
        return [_person(row) for row in rows]

    def update(self, person: Person) -> None:
        self._c.execute(
            update(people).where(people.c.id == person.id).values(**_person_values(person))
        )

    def get_many(self, person_ids: Iterable[int]) -> dict[int, Person]:
        wanted = list(set(person_ids))
        if not wanted:
            return {}
        rows = self._c.execute(select(people).where(people.c.id.in_(wanted)))
        return {row.id: _person(row) for row in rows}

    def count(self) -> int:
        return self._c.execute(select(func.count()).select_from(people)).scalar_one()

    def delete(self, person_id: int) -> None:
        self._c.execute(delete(people).where(people.c.id == person_id))


def _person_values(person: Person) -> dict[str, Any]:
    return {
        "platform": person.identity.platform.value,
        "workspace": person.identity.workspace,
        "user_id": person.identity.user_id,
        "display_name": person.display_name,
        "timezone": person.timezone,
        "locale": person.locale,
        "is_facilitator": person.is_facilitator,
        "timezone_chosen": person.timezone_chosen,
        "created_at": person.created_at,
    }


def _person(row: Row[Any]) -> Person:
    return Person(
        id=row.id,
        identity=Identity(Platform(row.platform), row.workspace, row.user_id),
        display_name=row.display_name,
        timezone=row.timezone,
        locale=row.locale,
        is_facilitator=row.is_facilitator,
        timezone_chosen=row.timezone_chosen,
        created_at=row.created_at,
    )


class SqlDiary:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, entry: DiaryEntry) -> DiaryEntry:
        entry.id = self._c.execute(
            insert(diary_entries).returning(diary_entries.c.id),
            {
                "author_id": entry.author_id,
                "text": entry.text,
                "tags": list(entry.tags),
                "visibility": entry.visibility.value,
                "source": entry.source.value,
                "created_at": entry.created_at,
            },
        ).scalar_one()
        return entry

    def by_author(
        self, author_id: int, visibilities: Iterable[Visibility], limit: int | None
    ) -> list[DiaryEntry]:
        wanted = [v.value for v in visibilities]
        if not wanted:
            return []
        query = (
            select(diary_entries)
            .where(diary_entries.c.author_id == author_id, diary_entries.c.visibility.in_(wanted))
            .order_by(diary_entries.c.created_at.desc(), diary_entries.c.id.desc())
            .limit(limit)
        )
        return [
            DiaryEntry(
                id=row.id,
                author_id=row.author_id,
                text=row.text,
                tags=tuple(row.tags),
                visibility=Visibility(row.visibility),
                source=EntrySource(row.source),
                created_at=row.created_at,
            )
            for row in self._c.execute(query)
        ]

    def delete_by_author(self, author_id: int) -> int:
        return self._c.execute(
            delete(diary_entries).where(diary_entries.c.author_id == author_id)
        ).rowcount


class SqlCohorts:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, cohort: Cohort) -> Cohort:
        cohort.id = self._c.execute(
            insert(cohorts).returning(cohorts.c.id),
            {"name": cohort.name, "status": cohort.status.value, "created_at": cohort.created_at},
        ).scalar_one()
        return cohort

    def get(self, cohort_id: int) -> Cohort | None:
        row = self._c.execute(select(cohorts).where(cohorts.c.id == cohort_id)).first()
        if row is None:
            return None
        return Cohort(
            id=row.id, name=row.name, status=CohortStatus(row.status), created_at=row.created_at
        )

    def all(self) -> list[Cohort]:
        rows = self._c.execute(select(cohorts).order_by(cohorts.c.id))
        return [
            Cohort(id=r.id, name=r.name, status=CohortStatus(r.status), created_at=r.created_at)
            for r in rows
        ]

    def update(self, cohort: Cohort) -> None:
        self._c.execute(
            update(cohorts)
            .where(cohorts.c.id == cohort.id)
            .values(name=cohort.name, status=cohort.status.value)
        )

    def members(self, cohort_id: int) -> list[Membership]:
        return self._memberships(memberships.c.cohort_id == cohort_id)

    def add_membership(self, membership: Membership) -> None:
        self._c.execute(
            insert(memberships),
            {
                "cohort_id": membership.cohort_id,
                "person_id": membership.person_id,
                "role": membership.role.value,
                "accompanies": membership.accompanies,
                "joined_at": membership.joined_at,
            },
        )

    def memberships_of(self, person_id: int) -> list[Membership]:
        return self._memberships(memberships.c.person_id == person_id)

    def _memberships(self, where: Any) -> list[Membership]:
        rows = self._c.execute(select(memberships).where(where).order_by(memberships.c.id))
        return [
            Membership(
                cohort_id=row.cohort_id,
                person_id=row.person_id,
                role=Role(row.role),
                joined_at=row.joined_at,
                accompanies=row.accompanies,
            )
            for row in rows
        ]

    def add_partnership(self, cohort_id: int, person_ids: Sequence[int], at: datetime) -> int:
        partnership_id = self._c.execute(
            insert(partnerships).returning(partnerships.c.id),
            {"cohort_id": cohort_id, "created_at": at},
        ).scalar_one()
        self._c.execute(
            insert(partnership_members),
            [{"partnership_id": partnership_id, "person_id": p} for p in person_ids],
        )
        return partnership_id

    def add_group(self, cohort_id: int, name: str, person_ids: Sequence[int], at: datetime) -> int:
        group_id = self._c.execute(
            insert(learning_groups).returning(learning_groups.c.id),
            {"cohort_id": cohort_id, "name": name, "created_at": at},
        ).scalar_one()
        self._c.execute(
            insert(group_members), [{"group_id": group_id, "person_id": p} for p in person_ids]
        )
        return group_id

    def relations_of(self, person_id: int) -> Relations:
        mine = partnership_members.alias("mine")
        theirs = partnership_members.alias("theirs")
        partners = self._c.execute(
            select(theirs.c.person_id)
            .join(mine, mine.c.partnership_id == theirs.c.partnership_id)
            .join(partnerships, partnerships.c.id == mine.c.partnership_id)
            .where(
                mine.c.person_id == person_id,
                theirs.c.person_id != person_id,
                partnerships.c.ended_at.is_(None),
            )
        ).scalars()
        my_groups = group_members.alias("my_groups")
        mates = self._c.execute(
            select(group_members.c.person_id)
            .join(my_groups, my_groups.c.group_id == group_members.c.group_id)
            .where(my_groups.c.person_id == person_id, group_members.c.person_id != person_id)
        ).scalars()
        tutors = self._c.execute(
            select(memberships.c.person_id).where(
                memberships.c.role == Role.TUTOR.value, memberships.c.accompanies == person_id
            )
        ).scalars()
        return Relations(
            partners=frozenset(partners), group_mates=frozenset(mates), tutors=frozenset(tutors)
        )

    def delete_person(self, person_id: int) -> int:
        removed = 0
        for statement in (
            delete(partnership_members).where(partnership_members.c.person_id == person_id),
            delete(group_members).where(group_members.c.person_id == person_id),
            delete(memberships).where(memberships.c.person_id == person_id),
        ):
            removed += self._c.execute(statement).rowcount
        # a tutor who accompanied them stays in the cohort, accompanying no one here
        self._c.execute(
            update(memberships)
            .where(memberships.c.accompanies == person_id)
            .values(accompanies=None)
        )
        return removed


class SqlInboundEvents:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def record(self, key: str, at: datetime, window: timedelta | None = None) -> bool:
        # Keys name people (a click's user id); only their digest is stored, so this
        # table holds nothing personal and `forget` has nothing to find here.
        key = hashlib.sha256(key.encode()).hexdigest()
        if window is None:
            statement = insert_or_ignore(self._c, inbound_events, ["key"]).values(
                key=key, received_at=at
            )
        else:  # acted on again only once the window has passed: an atomic upsert
            insert_new = upsertable_insert(self._c, inbound_events).values(key=key, received_at=at)
            statement = insert_new.on_conflict_do_update(
                index_elements=["key"],
                set_={"received_at": insert_new.excluded.received_at},
                where=inbound_events.c.received_at <= at - window,
            )
        return (
            self._c.execute(statement.returning(inbound_events.c.key)).scalar_one_or_none()
            is not None
        )

    def prune(self, before: datetime) -> int:
        return self._c.execute(
            delete(inbound_events).where(inbound_events.c.received_at < before)
        ).rowcount
