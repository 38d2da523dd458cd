"""Colleague-advice rounds: one row each, the round's state as JSON."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from bot.domain import AdviceRecord
from storage.tables import advice_rounds


def _record(row: Any) -> AdviceRecord:
    return AdviceRecord(
        id=row.id,
        group_id=row.group_id,
        case_giver_id=row.case_giver_id,
        state=row.state,
        status=row.status,
        space=row.space,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


class SqlAdvice:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, record: AdviceRecord) -> AdviceRecord:
        record.id = self._c.execute(
            insert(advice_rounds).returning(advice_rounds.c.id),
            {
                "group_id": record.group_id,
                "case_giver_id": record.case_giver_id,
                "state": record.state,
                "status": record.status,
                "space": record.space,
                "created_at": record.created_at,
                "updated_at": record.updated_at,
            },
        ).scalar_one()
        return record

    def get(self, record_id: int) -> AdviceRecord | None:
        row = self._c.execute(
            select(advice_rounds).where(advice_rounds.c.id == record_id).with_for_update()
        ).first()
        return _record(row) if row else None

    def update(self, record: AdviceRecord) -> None:
        self._c.execute(
            update(advice_rounds)
            .where(advice_rounds.c.id == record.id)
            .values(state=record.state, status=record.status, updated_at=record.updated_at)
        )

    def in_group(self, group_id: int) -> list[AdviceRecord]:
        rows = self._c.execute(
            select(advice_rounds)
            .where(advice_rounds.c.group_id == group_id)
            .order_by(advice_rounds.c.id)
        )
        return [_record(r) for r in rows]

    def all(self) -> list[AdviceRecord]:
        return [
            _record(r) for r in self._c.execute(select(advice_rounds).order_by(advice_rounds.c.id))
        ]

    def delete(self, record_id: int) -> None:
        self._c.execute(delete(advice_rounds).where(advice_rounds.c.id == record_id))
