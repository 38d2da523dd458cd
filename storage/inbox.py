"""The inbox table: incoming work recorded before the ack, claimed atomically, done once.

Recording is `INSERT ... ON CONFLICT (key) DO NOTHING RETURNING id`: a retry or a replay
of the same request finds its key stored and records nothing. The claim is the outbox's
statement (storage/outbox.py): a materialised `FOR UPDATE SKIP LOCKED` batch on
PostgreSQL, and on SQLite (which drops FOR UPDATE) a guarded `UPDATE ... RETURNING`
under the single writer. Keys are stored as SHA-256 digests, and a row's payload
(which holds what the person typed) is cleared when it is done.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, delete, or_, select, true, update

from bot.domain import InboxItem, InboxStatus
from storage.dialect import insert_many_or_ignore, insert_or_ignore, matched
from storage.tables import inbox

PENDING, CLAIMED = InboxStatus.PENDING.value, InboxStatus.CLAIMED.value
FINISHED = (InboxStatus.DONE.value, InboxStatus.FAILED.value)


def _row(item: InboxItem) -> dict[str, Any]:
    return {
        "key": digest(item.key),
        "kind": item.kind,
        "payload": item.payload,
        "status": item.status.value,
        "claimed_by": item.claimed_by,
        "claimed_until": item.claimed_until,
        "attempts": item.attempts,
        "created_at": item.created_at,
    }


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _claimable(now: datetime) -> Any:
    return or_(
        inbox.c.status == PENDING,
        and_(inbox.c.status == CLAIMED, inbox.c.claimed_until < now),  # an expired lease
    )


class SqlInbox:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, item: InboxItem) -> bool:
        statement = (
            insert_or_ignore(self._c, inbox, ["key"]).values(_row(item)).returning(inbox.c.id)
        )
        stored = self._c.execute(statement).scalar_one_or_none()
        if stored is None:
            return False
        item.id = stored
        return True

    def add_many(self, items: Sequence[InboxItem]) -> list[InboxItem]:
        first: dict[str, InboxItem] = {}
        for item in items:
            first.setdefault(digest(item.key), item)
        if not first:
            return []
        rows = insert_many_or_ignore(
            self._c,
            inbox,
            ["key"],
            [_row(item) for item in first.values()],
            returning=[inbox.c.id, inbox.c.key],
        )
        ids = {row.key: row.id for row in rows}
        return matched(list(first.values()), ids, lambda item: digest(item.key))

    def claim(
        self,
        worker: str,
        now: datetime,
        lease_until: datetime,
        limit: int,
        ids: Iterable[int] | None = None,
        kinds: Iterable[str] | None = None,
    ) -> list[InboxItem]:
        only = inbox.c.id.in_(list(ids)) if ids is not None else true()
        of_kind = inbox.c.kind.in_(list(kinds)) if kinds is not None else true()
        batch = (
            select(inbox.c.id)
            .where(_claimable(now), only, of_kind)
            .order_by(inbox.c.created_at, inbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("batch")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        statement = (
            update(inbox)
            .where(inbox.c.id.in_(select(batch.c.id)), _claimable(now))
            .values(
                status=CLAIMED,
                claimed_by=worker,
                claimed_until=lease_until,
                attempts=inbox.c.attempts + 1,
            )
            .returning(*inbox.c)
        )
        rows = [_item(row) for row in self._c.execute(statement)]
        return sorted(rows, key=lambda i: (i.created_at, i.id or 0))

    def _held(self, item_ids: list[int], worker: str) -> Any:
        return and_(
            inbox.c.id.in_(item_ids), inbox.c.claimed_by == worker, inbox.c.status == CLAIMED
        )

    def renew(
        self, ids: Iterable[int], worker: str, now: datetime, lease_until: datetime
    ) -> set[int]:
        wanted = list(ids)
        if not wanted:
            return set()
        statement = (
            update(inbox)
            .where(self._held(wanted, worker), inbox.c.claimed_until >= now)
            .values(claimed_until=lease_until)
            .returning(inbox.c.id)
        )
        return set(self._c.execute(statement).scalars())

    def resume(
        self, worker: str, lease_until: datetime, limit: int, busy: Iterable[int]
    ) -> list[InboxItem]:
        mine = and_(
            inbox.c.status == CLAIMED, inbox.c.claimed_by == worker, inbox.c.id.not_in(list(busy))
        )
        batch = (
            select(inbox.c.id)
            .where(mine)
            .order_by(inbox.c.created_at, inbox.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("batch")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        statement = (
            update(inbox)
            .where(inbox.c.id.in_(select(batch.c.id)), mine)
            .values(claimed_until=lease_until, attempts=inbox.c.attempts + 1)
            .returning(*inbox.c)
        )
        rows = [_item(row) for row in self._c.execute(statement)]
        return sorted(rows, key=lambda i: (i.created_at, i.id or 0))

    def release_all(self, worker: str) -> int:
        return self._c.execute(
            update(inbox)
            .where(inbox.c.claimed_by == worker, inbox.c.status == CLAIMED)
            .values(status=PENDING, claimed_by=None, claimed_until=None)
        ).rowcount

    def finish(self, item_id: int, worker: str, now: datetime) -> bool:
        return (
            self._c.execute(
                update(inbox)
                .where(self._held([item_id], worker))
                .values(status=InboxStatus.DONE.value, done_at=now, claimed_until=None, payload={})
            ).rowcount
            == 1
        )

    def release(self, item_id: int, worker: str, error: str) -> None:
        self._c.execute(
            update(inbox)
            .where(self._held([item_id], worker))
            .values(status=PENDING, claimed_by=None, claimed_until=None, last_error=error)
        )

    def fail(self, item_id: int, worker: str, error: str) -> None:
        self._c.execute(
            update(inbox)
            .where(self._held([item_id], worker))
            .values(
                status=InboxStatus.FAILED.value, claimed_until=None, last_error=error, payload={}
            )
        )

    def get(self, item_id: int) -> InboxItem | None:
        row = self._c.execute(select(inbox).where(inbox.c.id == item_id)).first()
        return _item(row) if row is not None else None

    def unheld_mentioning(self, needles: Iterable[str], now: datetime) -> list[InboxItem]:
        """Rows nobody holds (pending, or an expired lease) whose payload holds one of
        `needles` (a person's platform id). A row in hand (this very request) is not one."""
        wanted = [n for n in needles if n]
        rows = self._c.execute(select(inbox).where(_claimable(now))).all()
        return [item for item in map(_item, rows) if _mentions(item.payload, wanted)]

    def erase_mentioning(self, needles: Iterable[str], now: datetime) -> int:
        """Clear the payload of rows nobody holds that hold one of `needles`, and end them:
        what a forgotten person asked for and was not yet done is not done any more. A row
        in hand (the forget itself) is its worker's."""
        ids = [item.id for item in self.unheld_mentioning(needles, now) if item.id is not None]
        if not ids:
            return 0
        return self._c.execute(
            update(inbox)
            .where(inbox.c.id.in_(ids))
            .values(status=InboxStatus.FAILED.value, claimed_until=None, payload={},
                    last_error="erased")
        ).rowcount

    def prune(self, before: datetime) -> int:
        return self._c.execute(
            delete(inbox).where(inbox.c.status.in_(FINISHED), inbox.c.created_at < before)
        ).rowcount


def _mentions(payload: Any, needles: list[str]) -> bool:
    text = json.dumps(payload, ensure_ascii=False)
    return any(needle in text for needle in needles)


def _item(row: Row[Any]) -> InboxItem:
    return InboxItem(
        id=row.id,
        key=row.key,
        kind=row.kind,
        payload=row.payload,
        created_at=row.created_at,
        status=InboxStatus(row.status),
        claimed_by=row.claimed_by,
        claimed_until=row.claimed_until,
        attempts=row.attempts,
        last_error=row.last_error,
    )
