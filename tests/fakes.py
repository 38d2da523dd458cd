"""In-memory implementations of the core's ports, with the same transaction semantics as
storage/: a unit of work works on a copy and only `commit()` makes its changes stick."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import TracebackType
from typing import Self

from bot.domain import (
    Cohort,
    DiaryEntry,
    Identity,
    Membership,
    OutboxMessage,
    Person,
    Relations,
    Role,
    Visibility,
)


@dataclass
class FakeState:
    people: dict[int, Person] = field(default_factory=dict)
    diary: dict[int, DiaryEntry] = field(default_factory=dict)
    cohorts: dict[int, Cohort] = field(default_factory=dict)
    memberships: list[Membership] = field(default_factory=list)
    partnerships: list[set[int]] = field(default_factory=list)
    groups: list[set[int]] = field(default_factory=list)
    outbox: dict[str, OutboxMessage] = field(default_factory=dict)
    last_id: int = 0

    def new_id(self) -> int:
        self.last_id += 1
        return self.last_id


class FakePeople:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def add(self, person: Person) -> Person:
        if self.by_identity(person.identity) is not None:
            raise ValueError(f"duplicate identity {person.identity}")
        person.id = self._s.new_id()
        self._s.people[person.id] = replace(person)
        return person

    def get(self, person_id: int) -> Person | None:
        found = self._s.people.get(person_id)
        return replace(found) if found else None

    def by_identity(self, identity: Identity) -> Person | None:
        for person in self._s.people.values():
            if person.identity == identity:
                return replace(person)
        return None

    def find_in_workspace(self, identity: Identity, name: str) -> list[Person]:
        same = [
            p
            for p in self._s.people.values()
            if (p.identity.platform, p.identity.workspace)
            == (identity.platform, identity.workspace)
        ]
        exact = [replace(p) for p in same if p.identity.user_id == name]
        return exact or [replace(p) for p in same if p.display_name.casefold() == name.casefold()]

    def update(self, person: Person) -> None:
        assert person.id in self._s.people
        self._s.people[person.id] = replace(person)

    def count(self) -> int:
        return len(self._s.people)

    def delete(self, person_id: int) -> None:
        self._s.people.pop(person_id, None)


class FakeDiary:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def add(self, entry: DiaryEntry) -> DiaryEntry:
        assert entry.author_id in self._s.people, "author must exist"
        entry.id = self._s.new_id()
        self._s.diary[entry.id] = replace(entry)
        return entry

    def by_author(
        self, author_id: int, visibilities: Iterable[Visibility], limit: int | None
    ) -> list[DiaryEntry]:
        wanted = set(visibilities)
        found = [
            replace(e)
            for e in self._s.diary.values()
            if e.author_id == author_id and e.visibility in wanted
        ]
        found.sort(key=lambda e: (e.created_at, e.id or 0), reverse=True)
        return found[:limit] if limit is not None else found

    def delete_by_author(self, author_id: int) -> int:
        doomed = [i for i, e in self._s.diary.items() if e.author_id == author_id]
        for i in doomed:
            del self._s.diary[i]
        return len(doomed)


class FakeCohorts:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def add(self, cohort: Cohort) -> Cohort:
        cohort.id = self._s.new_id()
        self._s.cohorts[cohort.id] = replace(cohort)
        return cohort

    def get(self, cohort_id: int) -> Cohort | None:
        found = self._s.cohorts.get(cohort_id)
        return replace(found) if found else None

    def add_membership(self, membership: Membership) -> None:
        self._s.memberships.append(membership)

    def memberships_of(self, person_id: int) -> list[Membership]:
        return [m for m in self._s.memberships if m.person_id == person_id]

    def add_partnership(self, cohort_id: int, person_ids: Sequence[int], at: datetime) -> int:
        self._s.partnerships.append(set(person_ids))
        return len(self._s.partnerships)

    def add_group(self, cohort_id: int, name: str, person_ids: Sequence[int], at: datetime) -> int:
        self._s.groups.append(set(person_ids))
        return len(self._s.groups)

    def relations_of(self, person_id: int) -> Relations:
        def others(circles: list[set[int]]) -> frozenset[int]:
            return frozenset(p for c in circles if person_id in c for p in c if p != person_id)

        tutors = frozenset(
            m.person_id
            for m in self._s.memberships
            if m.role is Role.TUTOR and m.accompanies == person_id
        )
        return Relations(
            partners=others(self._s.partnerships),
            group_mates=others(self._s.groups),
            tutors=tutors,
        )

    def delete_person(self, person_id: int) -> int:
        before = len(self._s.memberships)
        self._s.memberships = [
            m for m in self._s.memberships if person_id not in (m.person_id, m.accompanies)
        ]
        removed = before - len(self._s.memberships)
        for circle in self._s.partnerships + self._s.groups:
            if person_id in circle:
                circle.discard(person_id)
                removed += 1
        return removed


class FakeOutbox:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def add(self, message: OutboxMessage) -> bool:
        if message.idempotency_key in self._s.outbox:
            return False
        message.id = self._s.new_id()
        self._s.outbox[message.idempotency_key] = replace(message)
        return True

    def for_recipient(self, person_id: int) -> list[OutboxMessage]:
        return [replace(m) for m in self._s.outbox.values() if m.recipient_id == person_id]

    def delete_for_recipient(self, person_id: int) -> int:
        doomed = [k for k, m in self._s.outbox.items() if m.recipient_id == person_id]
        for key in doomed:
            del self._s.outbox[key]
        return len(doomed)


class FakeUnitOfWork:
    """Works on a deep copy of the shared state; `commit()` publishes it."""

    def __init__(self, database: FakeDatabase) -> None:
        self._database = database
        self.committed = False

    def __enter__(self) -> Self:
        self._state = copy.deepcopy(self._database.state)
        self.people = FakePeople(self._state)
        self.diary = FakeDiary(self._state)
        self.cohorts = FakeCohorts(self._state)
        self.outbox = FakeOutbox(self._state)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        self._database.state = copy.deepcopy(self._state)
        self._database.commits += 1
        self.committed = True

    def rollback(self) -> None:
        self._state = copy.deepcopy(self._database.state)


class FakeDatabase:
    """The shared in-memory 'database' and the factory of units of work over it."""

    def __init__(self) -> None:
        self.state = FakeState()
        self.commits = 0

    def __call__(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)
