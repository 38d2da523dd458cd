"""The few places where SQLite and PostgreSQL need different SQL."""

from __future__ import annotations

from sqlalchemy import Connection, Table
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.sql.dml import Insert


def insert_or_ignore(connection: Connection, table: Table, unique_columns: list[str]) -> Insert:
    """INSERT ... ON CONFLICT (unique_columns) DO NOTHING, which both databases speak:
    a duplicate neither raises nor spoils the surrounding transaction."""
    insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
    return insert(table).on_conflict_do_nothing(index_elements=unique_columns)
