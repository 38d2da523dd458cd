"""The LRS lane of the outbox (`lrs_statements`): xAPI statements, claimed atomically by
the outbox's own claim (storage/outbox.py `Claiming`: a materialised CTE with FOR UPDATE
SKIP LOCKED on PostgreSQL, a guarded UPDATE ... RETURNING on SQLite)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, select, true, update

from bot.domain import LrsStatement, OutboxStatus
from storage.dialect import insert_or_ignore
from storage.outbox import Claiming
from storage.tables import lrs_statements as lane

PENDING, CLAIMED = OutboxStatus.PENDING.value, OutboxStatus.CLAIMED.value


class SqlLrs(Claiming):
    table = lane

    def add(self, statement: LrsStatement) -> bool:
        inserted = self._c.execute(
            insert_or_ignore(self._c, lane, ["statement_id"])
            .values(
                statement_id=statement.statement_id,
                person_id=statement.person_id,
                body=statement.body,
                voids=statement.voids,
                status=statement.status.value,
                attempts=statement.attempts,
                due_at=statement.due_at,
                created_at=statement.created_at,
            )
            .returning(lane.c.id)
        ).scalar_one_or_none()
        if inserted is None:
            return False
        statement.id = inserted
        return True

    def of_person(self, person_id: int) -> list[LrsStatement]:
        rows = self._c.execute(
            select(lane).where(lane.c.person_id == person_id).order_by(lane.c.id)
        )
        return [_statement(row) for row in rows]

    def all(self) -> list[LrsStatement]:
        return [_statement(row) for row in self._c.execute(select(lane).order_by(lane.c.id))]

    def delete(self, ids: Iterable[int]) -> int:
        wanted = list(set(ids))
        if not wanted:
            return 0
        return self._c.execute(delete(lane).where(lane.c.id.in_(wanted))).rowcount

    def claim(
        self, worker: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[LrsStatement]:
        claimed = self._claim_rows(now, worker, lease_until, limit, true())
        rows = [_statement(row) for row in claimed]
        return sorted(rows, key=lambda s: (s.due_at, s.id or 0))

    def mark_sent(self, ids: Iterable[int], worker: str, now: datetime) -> int:
        wanted = list(ids)
        if not wanted:
            return 0
        return self._c.execute(
            update(lane)
            .where(lane.c.id.in_(wanted), lane.c.claimed_by == worker, lane.c.status == CLAIMED)
            .values(status=OutboxStatus.SENT.value, sent_at=now, claimed_until=None)
        ).rowcount

    def release(
        self, ids: Iterable[int], worker: str, due_at: datetime, error: str, count_attempt: bool
    ) -> None:
        wanted = list(ids)
        if not wanted:
            return
        attempts = lane.c.attempts if count_attempt else lane.c.attempts - 1
        self._c.execute(
            update(lane)
            .where(lane.c.id.in_(wanted), lane.c.claimed_by == worker, lane.c.status == CLAIMED)
            .values(
                status=PENDING,
                due_at=due_at,
                last_error=error,
                attempts=attempts,
                claimed_by=None,
                claimed_until=None,
            )
        )

    def mark_failed(self, ids: Iterable[int], worker: str, error: str) -> None:
        wanted = list(ids)
        if not wanted:
            return
        self._c.execute(
            update(lane)
            .where(lane.c.id.in_(wanted), lane.c.claimed_by == worker, lane.c.status == CLAIMED)
            .values(status=OutboxStatus.FAILED.value, last_error=error, claimed_until=None)
        )


def _statement(row: Row[Any]) -> LrsStatement:
    return LrsStatement(
        id=row.id,
        statement_id=row.statement_id,
        person_id=row.person_id,
        body=row.body,
        voids=row.voids,
        status=OutboxStatus(row.status),
        attempts=row.attempts,
        due_at=row.due_at,
        created_at=row.created_at,
        last_error=row.last_error,
        sent_at=row.sent_at,
    )
