"""Engines for the two databases Tandem runs on: SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import contextlib
import fcntl
import os
import sqlite3
import threading
import time
import weakref
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

    `sqlite_lock_poll` (seconds; SQLite only): the ack path's engine. It waits for the
    write lock by trying again every so often instead of with SQLite's busy timeout,
    whose waits grow 1, 2, 5, 10 ms and on (the inbox write must not sleep 5 ms behind
    a worker's transaction of one), and while it waits, the other engines on the same
    file begin no new transaction (`AckTurn`): it waits for one at most."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() == "sqlite":
        engine = create_engine(url, echo=echo, hide_parameters=True)
        _configure_sqlite(engine, sqlite_lock_poll)
        return engine
    connect_args: dict[str, Any] = {}
    given = make_url(url).query
    if "connect_timeout" not in given:
        connect_args["connect_timeout"] = 10  # an unreachable server is said so, not waited on
    # A server gone without closing the connection (a failover, a cut network) would
    # otherwise hold a statement, and the ack path's one inbox writer with it, until the
    # kernel gives up after many minutes: data unacknowledged for 10 s, or an idle
    # connection that stops answering keepalives, ends it (libpq's own parameters).
    for name, value in (
        ("tcp_user_timeout", 10_000),
        ("keepalives", 1),
        ("keepalives_idle", 30),
        ("keepalives_interval", 10),
        ("keepalives_count", 3),
    ):
        if name not in given:
            connect_args[name] = value
    if search_path:
        connect_args["options"] = f"-csearch_path={search_path}"
    # hide_parameters: a database error's message must not carry diary text into the logs
    return create_engine(
        url, echo=echo, pool_pre_ping=True, connect_args=connect_args, hide_parameters=True
    )


SQLITE_BUSY_TIMEOUT = 10.0  # seconds a transaction waits for SQLite's write lock


YIELD_BOUND = 0.05  # seconds a transaction waits at most for the ack path to take the lock
YIELD_POLL = 0.0005  # seconds between its looks


class AckTurn:
    """Who goes first for a SQLite file's one write lock: the ack path. SQLite lets
    whoever asks at the right moment take the lock, so the ack path's inbox write,
    asking every two milliseconds, lost it again and again to a worker's stream of short
    transactions: under 50 concurrent senders its BEGIN waited 6 ms on average
    (bench/slack_latency.py). Now, while it waits, it holds a shared flock on a file
    beside the database (`DATABASE-ackturn`); every other writer on the file, in any
    process, looks at that flock before it begins and, while it is held, waits (at most
    YIELD_BOUND, so nothing can hang on it), then begins as before. The ack path never
    waits for the flock itself: it tries for it at each of its polls for the lock, so a
    writer caught (descheduled) in the middle of its look delays nothing. A process that
    ends lets go of its flock with it. Where there is no file (`database` None: in
    memory), it cannot be made (a read-only folder) or flocks fail (some network file
    systems), there are no turns and everything works as before."""

    def __init__(self, database: str | None) -> None:
        self._fd = -1
        if database is not None:
            with contextlib.suppress(OSError):
                self._fd = os.open(f"{database}-ackturn", os.O_RDWR | os.O_CREAT, 0o600)
        self._on = self._fd >= 0
        self._lock = threading.Lock()
        self._waiting = 0  # this engine's connections waiting for the write lock
        self._held = False  # this engine holds the shared flock

    def start_waiting(self) -> None:
        """A connection of the ack path begins to wait for the write lock."""
        with self._lock:
            self._waiting += 1

    def waiting(self) -> None:
        """It did not get the lock at its last try: from now until `stop_waiting`, the
        others let it go first (called after each failed try)."""
        if not self._on:
            return
        # BlockingIOError: a writer looks this very moment; next time, then
        with self._lock, contextlib.suppress(BlockingIOError):
            if not self._held:
                self._held = self._flock(fcntl.LOCK_SH | fcntl.LOCK_NB)

    def stop_waiting(self) -> None:
        """A connection of the ack path stopped waiting (it has the lock, or gave up)."""
        with self._lock:
            self._waiting -= 1
            if self._waiting == 0 and self._held:
                self._held = False
                self._flock(fcntl.LOCK_UN)

    def let_acks_go_first(self) -> None:
        """Before another writer begins: while the ack path waits, wait (at most
        YIELD_BOUND). The look is an exclusive flock taken and let go at once, which
        fails while any shared one is held."""
        if not self._on:
            return
        deadline = time.monotonic() + YIELD_BOUND
        while True:
            try:
                took = self._flock(fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() > deadline:
                    return
                time.sleep(YIELD_POLL)
                continue
            if took:
                self._flock(fcntl.LOCK_UN)
            return

    def _flock(self, operation: int) -> bool:
        """True if done; False if turns are off (now or by this failure: a file system
        without flocks). The file itself stays open until `close`."""
        if not self._on:
            return False
        try:
            fcntl.flock(self._fd, operation)
        except BlockingIOError:
            raise
        except OSError:
            self._on = False
            return False
        return True

    def close(self) -> None:
        with self._lock:
            self._on = False
            if self._fd >= 0:
                os.close(self._fd)
                self._fd = -1


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
    database = engine.url.database
    in_a_file = database not in (None, "", ":memory:") and not engine.url.query.get("uri")
    turn = AckTurn(database if in_a_file else None)
    weakref.finalize(engine, turn.close)  # the file stays open while the engine lives

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if not lock_poll:
            turn.let_acks_go_first()
            connection.exec_driver_sql("BEGIN IMMEDIATE")
            return
        cursor = connection.connection.driver_connection.cursor()
        deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT
        turn.start_waiting()
        try:
            while True:
                try:
                    cursor.execute("BEGIN IMMEDIATE")
                    return
                except sqlite3.OperationalError as error:
                    if "locked" not in str(error) or time.monotonic() > deadline:
                        raise
                turn.waiting()
                time.sleep(lock_poll)
        finally:
            turn.stop_waiting()
