"""Which processes are alive: each one records a heartbeat; the live ones share budgets."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, select

from storage.dialect import upsertable_insert
from storage.tables import replicas

LIVE = timedelta(seconds=60)


class Replicas:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def beat(self, name: str, now: datetime) -> int:
        """Record that `name` is alive at `now`; return how many replicas are (itself too)."""
        statement = upsertable_insert(self._engine, replicas).values(name=name, seen_at=now)
        statement = statement.on_conflict_do_update(
            index_elements=["name"], set_={"seen_at": statement.excluded.seen_at}
        )
        with self._engine.begin() as connection:
            connection.execute(statement)
            connection.execute(delete(replicas).where(replicas.c.seen_at < now - 10 * LIVE))
            return connection.execute(
                select(func.count()).select_from(replicas).where(replicas.c.seen_at >= now - LIVE)
            ).scalar_one()

    def leave(self, name: str) -> None:
        with self._engine.begin() as connection:
            connection.execute(delete(replicas).where(replicas.c.name == name))
