"""The ports the core needs from the outside world. `storage/` implements them with
SQLAlchemy; tests/fakes.py implements them in memory."""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType
from typing import Protocol, Self

from bot.domain import (
    Cohort,
    DiaryEntry,
    Identity,
    Membership,
    OutboxMessage,
    Person,
    Relations,
    Visibility,
)


class PeopleRepository(Protocol):
    def add(self, person: Person) -> Person: ...
    def get(self, person_id: int) -> Person | None: ...
    def by_identity(self, identity: Identity) -> Person | None: ...
    def find_in_workspace(self, identity: Identity, name: str) -> list[Person]:
        """People on `identity`'s platform and workspace whose user id or display name is `name`."""
        ...

    def update(self, person: Person) -> None: ...
    def count(self) -> int: ...
    def delete(self, person_id: int) -> None: ...


class DiaryRepository(Protocol):
    def add(self, entry: DiaryEntry) -> DiaryEntry: ...
    def by_author(
        self, author_id: int, visibilities: Iterable[Visibility], limit: int | None
    ) -> list[DiaryEntry]:
        """The author's newest entries whose visibility is one of `visibilities`."""
        ...

    def delete_by_author(self, author_id: int) -> int: ...


class CohortRepository(Protocol):
    def add(self, cohort: Cohort) -> Cohort: ...
    def get(self, cohort_id: int) -> Cohort | None: ...
    def add_membership(self, membership: Membership) -> None: ...
    def memberships_of(self, person_id: int) -> list[Membership]: ...
    def relations_of(self, person_id: int) -> Relations:
        """Partners, learning-group mates and tutors of `person_id`, over all cohorts."""
        ...

    def delete_person(self, person_id: int) -> int:
        """Remove the person from every cohort, partnership and group; return rows removed."""
        ...


class OutboxRepository(Protocol):
    def add(self, message: OutboxMessage) -> bool:
        """Store `message` unless its idempotency key is already stored; True if stored."""
        ...

    def for_recipient(self, person_id: int) -> list[OutboxMessage]: ...
    def delete_for_recipient(self, person_id: int) -> int: ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the `with` block without `commit()` rolls everything back."""

    people: PeopleRepository
    diary: DiaryRepository
    cohorts: CohortRepository
    outbox: OutboxRepository

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
