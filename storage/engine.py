"""Engines for the two databases Tandem runs on: SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def normalise_url(url: str) -> str:
    """`postgresql://` and `postgres://` mean psycopg 3, as does `postgresql+psycopg://`."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str, *, search_path: str | None = None, echo: bool = False) -> Engine:
    """An engine for `url`. On SQLite: WAL, foreign keys, a busy timeout and real
    transactions; on PostgreSQL optionally a `search_path` (tests use one schema each)."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, echo=echo, hide_parameters=True)
        _configure_sqlite(engine)
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


def _configure_sqlite(engine: Engine) -> None:
    # pysqlite opens transactions lazily and not before every statement, which breaks
    # SAVEPOINT and lets reads run outside a transaction. SQLAlchemy's documented recipe:
    # switch pysqlite's own handling off and emit BEGIN ourselves.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    # IMMEDIATE takes the write lock up front: two transactions that read and then write
    # would otherwise deadlock on the lock upgrade, and SQLite fails one at once instead
    # of waiting. Tandem's transactions are short, so serialising them costs little.
    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
