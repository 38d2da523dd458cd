"""Asks: questions waiting for one person's answer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update

from bot.domain import Ask, AskKind, AskStatus
from storage.tables import asks


def _ask(row: Any) -> Ask:
    return Ask(
        id=row.id,
        kind=AskKind(row.kind),
        person_id=row.person_id,
        about_id=row.about_id,
        group_id=row.group_id,
        data=dict(row.data),
        status=AskStatus(row.status),
        created_at=row.created_at,
        answered_at=row.answered_at,
    )


class SqlAsks:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, ask: Ask) -> Ask:
        ask.id = self._c.execute(
            insert(asks).returning(asks.c.id),
            {
                "kind": ask.kind.value,
                "person_id": ask.person_id,
                "about_id": ask.about_id,
                "group_id": ask.group_id,
                "data": ask.data,
                "status": ask.status.value,
                "created_at": ask.created_at,
                "answered_at": ask.answered_at,
            },
        ).scalar_one()
        return ask

    def get(self, ask_id: int) -> Ask | None:
        row = self._c.execute(select(asks).where(asks.c.id == ask_id).with_for_update()).first()
        return _ask(row) if row else None

    def update(self, ask: Ask) -> None:
        self._c.execute(
            update(asks)
            .where(asks.c.id == ask.id)
            .values(status=ask.status.value, answered_at=ask.answered_at, data=ask.data)
        )

    def open_for_group(self, group_id: int, kind: AskKind) -> list[Ask]:
        rows = self._c.execute(
            select(asks)
            .where(
                asks.c.group_id == group_id,
                asks.c.kind == kind.value,
                asks.c.status == AskStatus.OPEN.value,
            )
            .order_by(asks.c.id)
        )
        return [_ask(r) for r in rows]

    def of_person(self, person_id: int) -> list[Ask]:
        rows = self._c.execute(
            select(asks)
            .where(or_(asks.c.person_id == person_id, asks.c.about_id == person_id))
            .order_by(asks.c.id)
        )
        return [_ask(r) for r in rows]

    def delete_for_person(self, person_id: int) -> int:
        return self._c.execute(
            delete(asks).where(or_(asks.c.person_id == person_id, asks.c.about_id == person_id))
        ).rowcount
