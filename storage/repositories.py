"""Repositories over one open connection: each translates between rows and domain objects.
People, the diary and incoming events live here; cohorts, the outbox, check-ins and the
rest have modules of their own."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, delete, func, insert, or_, select, update

from bot.domain import (
    DiaryEntry,
    EntrySource,
    Identity,
    Person,
    Platform,
    Reader,
    Visibility,
)
from storage.dialect import insert_or_ignore, upsertable_insert
from storage.tables import (
    checkins,
    community_posts,
    diary_entries,
    entry_readers,
    inbound_events,
    people,
)

CIRCLES = (Visibility.PARTNER, Visibility.GROUP, Visibility.TUTOR)


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

    def facilitators(self, refs: Collection[str]) -> list[Person]:
        users = {ref.rsplit(":", 1)[-1] for ref in refs}
        rows = self._c.execute(
            select(people)
            .where(or_(people.c.is_facilitator.is_(True), people.c.user_id.in_(users)))
            .order_by(people.c.id)
        )
        found = [_person(row) for row in rows]
        return [p for p in found if p.is_facilitator or p.identity.ref in refs]

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
        "language": person.language,
        "lrs": person.lrs,
        "lrs_results": person.lrs_results,
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
        language=row.language,
        lrs=row.lrs,
        lrs_results=row.lrs_results,
        created_at=row.created_at,
    )


class SqlDiary:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, entry: DiaryEntry) -> DiaryEntry:
        # The author's counter goes up in the same transaction; the row lock it takes
        # orders two entries of one person written at once (each gets its own number).
        entry.number = self._c.execute(
            update(people)
            .where(people.c.id == entry.author_id)
            .values(diary_numbered=people.c.diary_numbered + 1)
            .returning(people.c.diary_numbered)
        ).scalar_one()
        entry.id = self._c.execute(
            insert(diary_entries).returning(diary_entries.c.id),
            {
                "author_id": entry.author_id,
                "number": entry.number,
                "text": entry.text,
                "tags": list(entry.tags),
                "visibility": entry.visibility.value,
                "source": entry.source.value,
                "created_at": entry.created_at,
            },
        ).scalar_one()
        if entry.audience:
            self._c.execute(
                insert(entry_readers),
                [
                    {
                        "entry_id": entry.id,
                        "person_id": r.person_id,
                        "kind": r.kind.value,
                        "circle_id": r.circle,
                    }
                    for r in entry.audience
                ],
            )
        return entry

    def by_author(
        self,
        author_id: int,
        visibilities: Iterable[Visibility],
        limit: int | None,
        offset: int = 0,
    ) -> list[DiaryEntry]:
        wanted = [v.value for v in visibilities]
        if not wanted:
            return []
        query = (
            select(diary_entries)
            .where(diary_entries.c.author_id == author_id, diary_entries.c.visibility.in_(wanted))
            .order_by(diary_entries.c.created_at.desc(), diary_entries.c.id.desc())
            .limit(limit)
            .offset(offset or None)
        )
        return self._with_audience([_entry(row) for row in self._c.execute(query)])

    def _with_audience(self, found: list[DiaryEntry]) -> list[DiaryEntry]:
        """The entries, each given the audience it was written for (`entry_readers`)."""
        shared = [e.id for e in found if e.visibility in CIRCLES]
        if shared:
            readers: dict[int, list[Reader]] = {}
            for row in self._c.execute(
                select(entry_readers)
                .where(entry_readers.c.entry_id.in_(shared))
                .order_by(entry_readers.c.person_id)
            ):
                readers.setdefault(row.entry_id, []).append(
                    Reader(row.person_id, Visibility(row.kind), row.circle_id)
                )
            for entry in found:
                entry.audience = tuple(readers.get(entry.id or 0, ()))
        return found

    def count_by_author(self, author_id: int) -> int:
        return self._c.execute(
            select(func.count()).where(diary_entries.c.author_id == author_id)
        ).scalar_one()

    def by_number(self, author_id: int, number: int) -> DiaryEntry | None:
        row = self._c.execute(
            select(diary_entries).where(
                diary_entries.c.author_id == author_id, diary_entries.c.number == number
            )
        ).first()
        return self._with_audience([_entry(row)])[0] if row is not None else None

    def update_text(self, entry: DiaryEntry) -> bool:
        assert entry.id is not None
        return bool(
            self._c.execute(
                update(diary_entries)
                .where(
                    diary_entries.c.id == entry.id,
                    diary_entries.c.author_id == entry.author_id,
                )
                .values(text=entry.text, tags=list(entry.tags))
            ).rowcount
        )

    def delete(self, entry: DiaryEntry) -> bool:
        assert entry.id is not None
        mine = select(diary_entries.c.id).where(
            diary_entries.c.id == entry.id, diary_entries.c.author_id == entry.author_id
        )
        # What refers to the entry goes with it: its audience, the check-in it answered
        # forgets the link, a community post of it is taken out of the community's list.
        self._c.execute(delete(entry_readers).where(entry_readers.c.entry_id.in_(mine)))
        self._c.execute(update(checkins).where(checkins.c.entry_id.in_(mine)).values(entry_id=None))
        self._c.execute(delete(community_posts).where(community_posts.c.entry_id.in_(mine)))
        return bool(
            self._c.execute(
                delete(diary_entries).where(
                    diary_entries.c.id == entry.id,
                    diary_entries.c.author_id == entry.author_id,
                )
            ).rowcount
        )

    def delete_by_author(self, author_id: int) -> int:
        theirs = select(diary_entries.c.id).where(diary_entries.c.author_id == author_id)
        self._c.execute(
            delete(entry_readers).where(
                or_(entry_readers.c.entry_id.in_(theirs), entry_readers.c.person_id == author_id)
            )
        )
        return self._c.execute(
            delete(diary_entries).where(diary_entries.c.author_id == author_id)
        ).rowcount

    def containing(self, needles: Sequence[str]) -> list[DiaryEntry]:
        wanted = [n for n in needles if n]
        if not wanted:
            return []
        query = (
            select(diary_entries)
            .where(or_(*(diary_entries.c.text.contains(n, autoescape=True) for n in wanted)))
            .order_by(diary_entries.c.created_at, diary_entries.c.id)
        )
        return [_entry(row) for row in self._c.execute(query)]

    def rewrite(self, entry_id: int, text: str) -> None:
        self._c.execute(
            update(diary_entries).where(diary_entries.c.id == entry_id).values(text=text)
        )


def _entry(row: Row[Any]) -> DiaryEntry:
    return DiaryEntry(
        id=row.id,
        number=row.number,
        author_id=row.author_id,
        text=row.text,
        tags=tuple(row.tags),
        visibility=Visibility(row.visibility),
        source=EntrySource(row.source),
        created_at=row.created_at,
    )


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
