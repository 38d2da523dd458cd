"""Engines for the two databases Tandem runs on: SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def normalise_url(url: str) -> str:
    """`postgresql://` and `postgres://` mean psycopg 3, as does `postgresql+psycopg://`."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(
    url: str,
    *,
    search_path: str | None = None,
    echo: bool = False,
    sqlite_lock_poll: float | None = None,
) -> Engine:
    """An engine for `url`. On SQLite: WAL, foreign keys, a busy timeout and real
    transactions; on PostgreSQL optionally a `search_path` (tests use one schema each).

    `sqlite_lock_poll` (seconds; SQLite only): wait for the write lock by trying again
    every so often instead of with SQLite's busy timeout, whose waits grow 1, 2, 5, 10
    ms and on (the ack path's inbox write, which must not sleep 5 ms behind a worker's
    transaction of one)."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, echo=echo, hide_parameters=True)
        _configure_sqlite(engine, sqlite_lock_poll)
        return engine
    connect_args: dict[str, Any] = {}
    if "connect_timeout" not in make_url(url).query:
        connect_args["connect_timeout"] = 10  # an unreachable server is said so, not waited on
    if search_path:
        connect_args["options"] = f"-csearch_path={search_path}"
    # hide_parameters: a database error's message must not carry diary text into the logs
    return create_engine(
        url, echo=echo, pool_pre_ping=True, connect_args=connect_args, hide_parameters=True
    )


SQLITE_BUSY_TIMEOUT = 10.0  # seconds a transaction waits for SQLite's write lock


def _configure_sqlite(engine: Engine, lock_poll: float | None = None) -> None:
    # pysqlite opens transactions lazily and not before every statement, which breaks
    # SAVEPOINT and lets reads run outside a transaction. SQLAlchemy's documented recipe:
    # switch pysqlite's own handling off and emit BEGIN ourselves.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        # Polled in `_on_begin` instead, if asked; the timeout still bounds each statement.
        busy_ms = 0 if lock_poll else int(SQLITE_BUSY_TIMEOUT * 1000)
        cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    # IMMEDIATE takes the write lock up front: two transactions that read and then write
    # would otherwise deadlock on the lock upgrade, and SQLite fails one at once instead
    # of waiting. Tandem's transactions are short, so serialising them costs little.
    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if not lock_poll:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        cursor = connection.connection.driver_connection.cursor()
        deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT
        while True:
            try:
                cursor.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(lock_poll)
