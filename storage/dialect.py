"""The few places where SQLite and PostgreSQL need different SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, Table
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import Insert


def upsertable_insert(bind: Connection | Engine, table: Table) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT (both databases speak it)."""
    if bind.dialect.name != "postgresql":
        return sqlite_insert(table)
    # imported here: a process on SQLite (the console) never loads PostgreSQL's dialect
    from sqlalchemy.dialects.postgresql import insert as postgresql_insert

    return postgresql_insert(table)


def insert_or_ignore(connection: Connection, table: Table, unique_columns: list[str]) -> Insert:
    """INSERT ... ON CONFLICT (unique_columns) DO NOTHING: a duplicate neither raises nor
    spoils the surrounding transaction."""
    return upsertable_insert(connection, table).on_conflict_do_nothing(
        index_elements=unique_columns
    )
