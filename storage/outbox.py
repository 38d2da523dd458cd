"""The outbox table: queueing, and the atomic claim that lets many workers deliver at once.

The claim is one statement. On PostgreSQL: `WITH taken AS MATERIALIZED (SELECT id ...
lease run out ... LIMIT n FOR UPDATE SKIP LOCKED), fresh AS MATERIALIZED (SELECT id ...
pending and due ... LIMIT n - (rows taken) FOR UPDATE SKIP LOCKED) UPDATE outbox SET
status = 'claimed' ... WHERE id IN (taken UNION ALL fresh) AND <still claimable>
RETURNING *`; each part walks the index (status, due_at, id) in order and stops after
n rows, so a claim costs the same with a backlog of 100 or 100,000.
The SKIP LOCKED subqueries let concurrent workers take disjoint batches without waiting
on each other. On SQLite, where the single writer makes the statement atomic anyway, it
is a guarded UPDATE ... RETURNING (the claimable condition repeated in the outer WHERE).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    Connection,
    Integer,
    Row,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
    true,
    union_all,
    update,
)

from bot.domain import PROACTIVE_KINDS, OutboxKind, OutboxMessage, OutboxStatus, Platform
from storage.dialect import insert_many_or_ignore, insert_or_ignore, matched
from storage.tables import outbox, people


def json_form(text: str) -> str:
    """`text` as it appears inside a JSON string (a payload is a Reply's JSON)."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


PENDING, CLAIMED = OutboxStatus.PENDING.value, OutboxStatus.CLAIMED.value


def claimable(table: Table, now: datetime | Any, worker: str | Any) -> Any:
    """The rows of a lane (the outbox, the LRS lane) `worker` may claim now (the values,
    or the parameters that will bind them)."""
    return or_(
        and_(table.c.status == PENDING, table.c.due_at <= now),
        and_(table.c.status == CLAIMED, table.c.claimed_until < now),  # an expired lease
        # Its own claims, left behind when its database went away mid-batch: the worker
        # claims only when it holds no batch, so a row claimed by it is one it lost.
        and_(table.c.status == CLAIMED, table.c.claimed_by == worker),
    )


def _for_platform(platform: Platform | None) -> Any:
    """Rows for `platform`'s people only (None: everyone's). EXISTS, probed per row by
    the people's primary key as the claim walks the outbox in order: `IN (SELECT id
    FROM people WHERE platform = ...)` hashed every person of the platform first."""
    if platform is None:
        return true()
    return exists().where(people.c.id == outbox.c.recipient_id, people.c.platform == platform.value)


class Claiming:
    """The atomic claim of a lane's rows (the LRS lane, storage/lrs.py), and the
    connection both lanes' repositories hold: their tables have the same status, due_at,
    claimed_by, claimed_until and attempts columns. The outbox claims its own way on
    PostgreSQL (`SqlOutbox.claim`: two ordered index walks, for a large backlog)."""

    table: Table

    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def _claim_rows(
        self, now: datetime, worker: str, lease_until: datetime, limit: int, mine: Any
    ) -> list[Row[Any]]:
        table = self.table
        # A materialised CTE, not `id IN (subquery)`: PostgreSQL may plan the subquery as
        # the inner side of a semi-join and run it again for each outer row, each run
        # locking further rows, so one claim took far more than `limit` (all 300 due of
        # 300, measured), and the other replicas got nothing.
        batch = (
            select(table.c.id)
            .where(claimable(table, now, worker), mine)
            .order_by(table.c.due_at, table.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
            .cte("batch")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        statement = (
            update(table)
            .where(table.c.id.in_(select(batch.c.id)), claimable(table, now, worker))
            .values(
                status=CLAIMED,
                claimed_by=worker,
                claimed_until=lease_until,
                attempts=table.c.attempts + 1,
            )
            .returning(*table.c)
        )
        return list(self._c.execute(statement))


def _row(message: OutboxMessage) -> dict[str, Any]:
    return {
        "recipient_id": message.recipient_id,
        "payload": message.payload,
        "idempotency_key": message.idempotency_key,
        "due_at": message.due_at,
        "status": message.status.value,
        "attempts": message.attempts,
        "created_at": message.created_at,
        "kind": message.kind.value,
    }


class SqlOutbox(Claiming):
    table = outbox

    def add(self, message: OutboxMessage) -> bool:
        statement = (
            insert_or_ignore(self._c, outbox, ["idempotency_key"])
            .values(_row(message))
            .returning(outbox.c.id)
        )
        stored = self._c.execute(statement).scalar_one_or_none()
        if stored is None:
            return False
        message.id = stored
        return True

    def add_many(self, messages: Sequence[OutboxMessage]) -> list[OutboxMessage]:
        if not messages:
            return []
        # One INSERT of many rows; a row whose key was stored already is not returned.
        rows = insert_many_or_ignore(
            self._c,
            outbox,
            ["idempotency_key"],
            [_row(m) for m in messages],
            returning=[outbox.c.id, outbox.c.idempotency_key],
        )
        ids = {row.idempotency_key: row.id for row in rows}
        return matched(messages, ids, lambda m: m.idempotency_key)

    def for_recipient(self, person_id: int) -> list[OutboxMessage]:
        rows = self._c.execute(
            select(outbox).where(outbox.c.recipient_id == person_id).order_by(outbox.c.id)
        )
        return [_message(row) for row in rows]

    def delete_for_recipient(self, person_id: int) -> int:
        return self._c.execute(delete(outbox).where(outbox.c.recipient_id == person_id)).rowcount

    def mentioning(self, needles: Sequence[str]) -> list[OutboxMessage]:
        forms = [json_form(n) for n in needles if n]
        if not forms:
            return []
        rows = self._c.execute(
            select(outbox)
            .where(or_(*(outbox.c.payload.contains(f, autoescape=True) for f in forms)))
            .order_by(outbox.c.id)
        )
        return [_message(row) for row in rows]

    def delete(self, ids: Iterable[int]) -> int:
        wanted = list(set(ids))
        if not wanted:
            return 0
        return self._c.execute(delete(outbox).where(outbox.c.id.in_(wanted))).rowcount

    def count_proactive(self, person_id: int, start: datetime, end: datetime) -> int:
        return self._c.execute(
            select(func.count())
            .select_from(outbox)
            .where(
                outbox.c.recipient_id == person_id,
                outbox.c.kind.in_([k.value for k in PROACTIVE_KINDS]),
                outbox.c.created_at >= start,
                outbox.c.created_at < end,
                outbox.c.status != OutboxStatus.SKIPPED.value,
            )
        ).scalar_one()

    def count_proactive_many(
        self, windows: Mapping[int, tuple[datetime, datetime]]
    ) -> dict[int, int]:
        counts = dict.fromkeys(windows, 0)
        if not windows:
            return counts
        rows = self._c.execute(
            select(outbox.c.recipient_id, outbox.c.created_at).where(
                outbox.c.recipient_id.in_(list(windows)),
                outbox.c.kind.in_([k.value for k in PROACTIVE_KINDS]),
                outbox.c.created_at >= min(start for start, _ in windows.values()),
                outbox.c.created_at < max(end for _, end in windows.values()),
                outbox.c.status != OutboxStatus.SKIPPED.value,
            )
        )
        for recipient, created in rows:
            start, end = windows[recipient]
            if start <= created < end:
                counts[recipient] += 1
        return counts

    def claim(
        self,
        worker: str,
        now: datetime,
        lease_until: datetime,
        limit: int,
        platform: Platform | None = None,
    ) -> list[OutboxMessage]:
        if self._c.dialect.name != "postgresql":
            return self._claim_guarded(worker, now, lease_until, limit, platform)
        # On PostgreSQL in two parts, each an ordered walk of ix_outbox_status_due_id
        # that stops after `limit` rows however large the backlog: first the rows whose
        # lease ran out (or that this worker lost), then as many pending due rows as are
        # left room for. One `status = A OR status = B` condition cannot walk the index in
        # order: it read and sorted every due row (5 ms at 10,000, growing with them).
        # Materialised CTEs, not `id IN (subquery)`: PostgreSQL may plan the subquery as
        # the inner side of a semi-join and run it again for each outer row, each run
        # locking further rows, so one claim took far more than `limit` (all 300 due of
        # 300, measured), and the other replicas got nothing.
        # The statement is built once (per with or without a platform) with its values
        # bound by name: building it and its cache key was a fifth of a claim's time.
        statement = _pg_claim(platform is not None)
        values = {"now": now, "worker": worker, "lease_until": lease_until, "limit": limit}
        if platform is not None:
            values["platform"] = platform.value
        rows = [_message(row) for row in self._c.execute(statement, values)]
        return sorted(rows, key=lambda m: (m.due_at, m.id or 0))

    def _claim_guarded(
        self,
        worker: str,
        now: datetime,
        lease_until: datetime,
        limit: int,
        platform: Platform | None,
    ) -> list[OutboxMessage]:
        """SQLite: FOR UPDATE is dropped, the single writer makes the statement atomic,
        and the guard repeated in the outer WHERE makes it a guarded UPDATE."""
        batch = (
            select(outbox.c.id)
            .where(claimable(outbox, now, worker), _for_platform(platform))
            .order_by(outbox.c.due_at, outbox.c.id)
            .limit(limit)
            .cte("batch")
        )
        return self._take(select(batch.c.id), worker, now, lease_until)

    def _take(
        self, batch: Any, worker: str, now: datetime, lease_until: datetime
    ) -> list[OutboxMessage]:
        statement = (
            update(outbox)
            .where(outbox.c.id.in_(batch), claimable(outbox, now, worker))
            .values(
                status=CLAIMED,
                claimed_by=worker,
                claimed_until=lease_until,
                attempts=outbox.c.attempts + 1,
            )
            .returning(*outbox.c)
        )
        rows = [_message(row) for row in self._c.execute(statement)]
        return sorted(rows, key=lambda m: (m.due_at, m.id or 0))

    def renew(self, worker: str, lease_until: datetime) -> set[int]:
        return set(
            self._c.execute(
                update(outbox)
                .where(outbox.c.claimed_by == worker, outbox.c.status == CLAIMED)
                .values(claimed_until=lease_until)
                .returning(outbox.c.id)
            ).scalars()
        )

    def release_all(self, worker: str) -> int:
        return self._c.execute(
            update(outbox)
            .where(outbox.c.claimed_by == worker, outbox.c.status == CLAIMED)
            .values(status=PENDING, claimed_by=None, claimed_until=None)
        ).rowcount

    def held(self, ids: Iterable[int], worker: str, now: datetime) -> set[int]:
        wanted = list(ids)
        if not wanted:
            return set()
        return set(
            self._c.execute(
                select(outbox.c.id).where(
                    outbox.c.id.in_(wanted),
                    outbox.c.claimed_by == worker,
                    outbox.c.status == CLAIMED,
                    outbox.c.claimed_until > now,
                )
            ).scalars()
        )

    def mark_sent(self, ids: Iterable[int], worker: str, now: datetime) -> int:
        wanted = list(ids)
        if not wanted:
            return 0
        return self._c.execute(
            update(outbox)
            .where(
                outbox.c.id.in_(wanted),
                outbox.c.claimed_by == worker,
                outbox.c.status == CLAIMED,
            )
            .values(status=OutboxStatus.SENT.value, sent_at=now, claimed_until=None)
        ).rowcount

    def release(
        self, message_id: int, worker: str, due_at: datetime, error: str, count_attempt: bool
    ) -> None:
        attempts = outbox.c.attempts if count_attempt else outbox.c.attempts - 1
        self._c.execute(
            update(outbox)
            .where(outbox.c.id == message_id, outbox.c.claimed_by == worker)
            .values(
                status=PENDING,
                due_at=due_at,
                last_error=error,
                attempts=attempts,
                claimed_by=None,
                claimed_until=None,
            )
        )

    def mark_failed(self, message_id: int, worker: str, error: str) -> None:
        self._c.execute(
            update(outbox)
            .where(outbox.c.id == message_id, outbox.c.claimed_by == worker)
            .values(status=OutboxStatus.FAILED.value, last_error=error, claimed_until=None)
        )

    def next_due(self, after: datetime) -> datetime | None:
        return self._c.execute(
            select(func.min(outbox.c.due_at)).where(
                outbox.c.status == PENDING, outbox.c.due_at > after
            )
        ).scalar_one_or_none()


@cache
def _pg_claim(for_platform: bool) -> Any:
    """PostgreSQL's claim (see `SqlOutbox.claim`), its values bound by name: `now`,
    `worker`, `lease_until`, `limit` and, `for_platform`, `platform`."""
    now = bindparam("now", type_=outbox.c.due_at.type)
    worker = bindparam("worker", type_=outbox.c.claimed_by.type)
    order = (outbox.c.due_at, outbox.c.id)
    mine = (
        exists().where(
            people.c.id == outbox.c.recipient_id,
            people.c.platform == bindparam("platform", type_=people.c.platform.type),
        )
        if for_platform
        else true()
    )
    taken = (
        select(outbox.c.id)
        .where(
            outbox.c.status == CLAIMED,
            or_(outbox.c.claimed_until < now, outbox.c.claimed_by == worker),
            mine,
        )
        .order_by(*order)
        .limit(bindparam("limit", type_=Integer))
        .with_for_update(skip_locked=True)
        .cte("taken")
        .prefix_with("MATERIALIZED")
    )
    room = select(bindparam("limit", type_=Integer) - func.count()).select_from(taken)
    fresh = (
        select(outbox.c.id)
        .where(outbox.c.status == PENDING, outbox.c.due_at <= now, mine)
        .order_by(*order)
        .limit(room.scalar_subquery())
        .with_for_update(skip_locked=True)
        .cte("fresh")
        .prefix_with("MATERIALIZED")
    )
    batch = union_all(select(taken.c.id), select(fresh.c.id))
    return (
        update(outbox)
        .where(
            outbox.c.id.in_(batch),
            claimable(outbox, now, worker),
        )
        .values(
            status=CLAIMED,
            claimed_by=worker,
            claimed_until=bindparam("lease_until", type_=outbox.c.claimed_until.type),
            attempts=outbox.c.attempts + 1,
        )
        .returning(*outbox.c)
    )


def _message(row: Row[Any]) -> OutboxMessage:
    return OutboxMessage(
        id=row.id,
        recipient_id=row.recipient_id,
        payload=row.payload,
        idempotency_key=row.idempotency_key,
        due_at=row.due_at,
        created_at=row.created_at,
        kind=OutboxKind(row.kind),
        status=OutboxStatus(row.status),
        attempts=row.attempts,
        last_error=row.last_error,
        sent_at=row.sent_at,
    )
