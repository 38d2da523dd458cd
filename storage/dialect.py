"""The few places where SQLite and PostgreSQL need different SQL."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Column, Connection, CursorResult, Engine, Table, bindparam, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import Insert
from sqlalchemy.types import TypeDecorator

T = TypeVar("T")


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


def insert_many_or_ignore(
    connection: Connection,
    table: Table,
    unique_columns: list[str],
    rows: Sequence[Mapping[str, Any]],
    returning: Sequence[Column[Any]],
) -> CursorResult[Any]:
    """`insert_or_ignore` of many rows (all with the same keys) in one statement; the rows
    stored come back with `returning` (those a conflict left out do not).

    On PostgreSQL the rows travel as one JSON parameter, read back into typed columns by
    `json_to_recordset`: a multi-row VALUES has a placeholder per value, and psycopg
    parses such a statement anew each time (for a batch of 200 check-ins that cost more
    than the database's own work), and array parameters are escaped element by element.
    SQLite gets SQLAlchemy's multi-row VALUES."""
    if connection.dialect.name != "postgresql":
        values = insert_or_ignore(connection, table, unique_columns).returning(*returning)
        return connection.execute(values, list(rows))
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    columns = [table.c[name] for name in rows[0]]
    listed = ", ".join(quote(c.name) for c in columns)
    statement = text(
        f"INSERT INTO {dialect.identifier_preparer.format_table(table)} ({listed})"
        f" SELECT {listed} FROM {_recordset(columns, dialect)}"
        f" ON CONFLICT ({', '.join(quote(n) for n in unique_columns)}) DO NOTHING"
        f" RETURNING {', '.join(quote(c.name) for c in returning)}"
    ).columns(*returning)
    return connection.execute(statement, {"rows": _rows_json(columns, rows, dialect)})


def update_many(
    connection: Connection,
    table: Table,
    key: str,
    rows: Sequence[Mapping[str, Any]],
    *,
    only_if: tuple[str, Sequence[Any]] | None = None,
) -> set[Any]:
    """Write many rows' values (all with the same keys, `key` among them, naming the row
    to change), each only if its column `only_if[0]` is still one of `only_if[1]`; the
    keys of the rows changed. PostgreSQL: one `UPDATE ... FROM json_to_recordset ...
    RETURNING`; SQLite: the one guarded UPDATE, once a row (no round trips there)."""
    if not rows:
        return set()
    columns = [table.c[name] for name in rows[0]]
    changed = [c for c in columns if c.name != key]
    if connection.dialect.name != "postgresql":
        by_key = (
            table.update()
            .where(table.c[key] == bindparam(f"b_{key}"))
            .values({c.name: bindparam(c.name) for c in changed})
        )
        if only_if is not None:
            by_key = by_key.where(table.c[only_if[0]].in_(list(only_if[1])))
        done = set()
        for row in rows:
            if connection.execute(by_key, {**row, f"b_{key}": row[key]}).rowcount:
                done.add(row[key])
        return done
    dialect = connection.dialect
    quote = dialect.identifier_preparer.quote
    name = dialect.identifier_preparer.format_table(table)
    assignments = ", ".join(f"{quote(c.name)} = given.{quote(c.name)}" for c in changed)
    guard = ""
    values: dict[str, Any] = {"rows": _rows_json(columns, rows, dialect)}
    if only_if is not None:
        guard = f" AND {name}.{quote(only_if[0])} = ANY(:only_if)"
        values["only_if"] = list(only_if[1])
    statement = text(
        f"UPDATE {name} SET {assignments}"
        f" FROM {_recordset(columns, dialect)}"
        f" WHERE {name}.{quote(key)} = given.{quote(key)}{guard}"
        f" RETURNING {name}.{quote(key)}"
    )
    return set(connection.execute(statement, values).scalars())


def _recordset(columns: Sequence[Column[Any]], dialect: Dialect) -> str:
    """The rows of the JSON parameter `:rows` as a relation `given` of typed columns."""
    quote = dialect.identifier_preparer.quote
    record = ", ".join(f"{quote(c.name)} {c.type.compile(dialect)}" for c in columns)
    return f"json_to_recordset(CAST(:rows AS json)) AS given({record})"


def _rows_json(
    columns: Sequence[Column[Any]], rows: Sequence[Mapping[str, Any]], dialect: Dialect
) -> str:
    return json.dumps([{c.name: _plain(c, row[c.name], dialect) for c in columns} for row in rows])


def _plain(column: Column[Any], value: Any, dialect: Dialect) -> Any:
    """`value` as JSON carries it to `json_to_recordset` (a time as ISO 8601 text)."""
    if isinstance(column.type, TypeDecorator):
        value = column.type.process_bind_param(value, dialect)
    return value.isoformat() if isinstance(value, datetime) else value


def matched(given: Sequence[T], stored: Mapping[Any, int], key: Callable[[T], Any]) -> list[T]:
    """Those of `given` whose `key` is among the rows stored (key -> id, as RETURNING
    gave them), their `id` set: what an insert that left out conflicts stored."""
    kept = []
    for item in given:
        found = stored.get(key(item))
        if found is not None:
            item.id = found  # type: ignore[attr-defined]
            kept.append(item)
    return kept
