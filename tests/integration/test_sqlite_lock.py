"""SQLite's write lock as the ack path waits for it (`make_engine(sqlite_lock_poll=...)`):
waited for while another connection holds it, then taken; given up, with SQLite's own
error and nothing written, when it is held past the bound. (How much sooner than with
SQLite's busy timeout is a latency, shown by bench/slack_latency.py, not a test.)"""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import text

import storage.engine
from storage.engine import make_engine


def held_for(path: str, seconds: float) -> threading.Thread:
    """Another connection takes the write lock and holds it `seconds` (returns once it
    holds it; join the thread to wait for the end)."""
    held = threading.Event()
    holder = threading.Thread(target=hold_lock, args=(path, seconds, held))
    holder.start()
    held.wait(5)
    return holder


def hold_lock(path: str, seconds: float, held: threading.Event) -> None:
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    held.set()
    time.sleep(seconds)
    other.execute("COMMIT")
    other.close()


def test_the_write_lock_is_taken_soon_after_it_is_let_go(tmp_path):
    path = str(tmp_path / "lock.db")
    engine = make_engine(f"sqlite:///{path}", sqlite_lock_poll=0.0005)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    holder = held_for(path, 0.2)
    began = time.perf_counter()
    with engine.begin() as connection:  # waits for the holder, then writes
        connection.execute(text("INSERT INTO t VALUES (1)"))
    waited = time.perf_counter() - began
    holder.join()
    assert 0.15 < waited < 2, waited  # it waited for the holder (how soon after: bench/)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar_one() == 1


def test_a_lock_held_past_the_bound_is_given_up(tmp_path, monkeypatch):
    path = str(tmp_path / "lock.db")
    engine = make_engine(f"sqlite:///{path}", sqlite_lock_poll=0.0005)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    monkeypatch.setattr(storage.engine, "SQLITE_BUSY_TIMEOUT", 0.1)
    holder = held_for(path, 0.6)
    with pytest.raises(Exception, match="locked"), engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
    holder.join()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar_one() == 0


def test_while_the_ack_path_waits_for_the_lock_no_other_writer_begins(tmp_path, monkeypatch):
    """The holder lets go of the lock at 0.3 s. The ack path waits for it since 0.05 s,
    trying every 0.2 s here (next at 0.45 s); another engine's transaction has asked
    since 0.28 s, with SQLite's busy timeout, which tries again within milliseconds.
    Without turns that one takes the lock first; with them it waits until the ack path
    has it (the bound raised to a second, beyond this test's long poll)."""
    monkeypatch.setattr(storage.engine, "YIELD_BOUND", 1.0)
    path = str(tmp_path / "turn.db")
    acks = make_engine(f"sqlite:///{path}", sqlite_lock_poll=0.2)
    other = make_engine(f"sqlite:///{path}")
    with other.begin() as connection:
        connection.execute(text("CREATE TABLE t (who TEXT)"))
    holder = held_for(path, 0.3)

    def write(engine, who: str) -> None:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (:who)"), {"who": who})
            time.sleep(0.02)  # the transaction takes a moment

    time.sleep(0.05)
    ack = threading.Thread(target=write, args=(acks, "ack"))
    ack.start()
    time.sleep(0.23)
    worker = threading.Thread(target=write, args=(other, "worker"))
    worker.start()
    for thread in (holder, ack, worker):
        thread.join(10)
    with other.connect() as connection:
        order = connection.execute(text("SELECT who FROM t ORDER BY rowid")).scalars().all()
    assert order == ["ack", "worker"]


def test_a_writer_waits_for_the_ack_path_no_longer_than_its_bound(tmp_path):
    """An ack path that waits long (the lock held by someone outside the turns) keeps
    nobody else from the database for more than YIELD_BOUND."""
    path = str(tmp_path / "bound.db")
    turn = storage.engine.AckTurn(path)
    other = make_engine(f"sqlite:///{path}")
    with other.begin() as connection:
        connection.execute(text("CREATE TABLE t (x INTEGER)"))
    turn.start_waiting()
    turn.waiting()  # and never gets it
    try:
        began = time.perf_counter()
        with other.begin() as connection:
            connection.execute(text("INSERT INTO t VALUES (1)"))
        waited = time.perf_counter() - began
    finally:
        turn.stop_waiting()
        turn.close()
    assert storage.engine.YIELD_BOUND <= waited < storage.engine.YIELD_BOUND + 1, waited
    began = time.perf_counter()
    with other.begin() as connection:  # no one waits: at once
        connection.execute(text("INSERT INTO t VALUES (2)"))
    assert time.perf_counter() - began < storage.engine.YIELD_BOUND


def test_in_memory_and_uri_databases_have_no_turns_and_no_turn_file(tmp_path, monkeypatch):
    """A turn file beside `:memory:` or beside a URI (`file:...?uri=true`: its name is not
    a path) would be a stray file in the working directory."""
    monkeypatch.chdir(tmp_path)
    for url in ("sqlite://", "sqlite:///:memory:", "sqlite:///file:data.db?uri=true"):
        engine = make_engine(url)
        with engine.begin() as connection:
            assert connection.execute(text("SELECT 1")).scalar_one() == 1
        engine.dispose()
    assert not [p.name for p in tmp_path.iterdir() if p.name.endswith("-ackturn")]
