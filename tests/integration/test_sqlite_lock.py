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
    held = threading.Event()
    holder = threading.Thread(target=hold_lock, args=(path, 0.2, held))
    holder.start()
    held.wait(5)
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
    held = threading.Event()
    holder = threading.Thread(target=hold_lock, args=(path, 0.6, held))
    holder.start()
    held.wait(5)
    with pytest.raises(Exception, match="locked"), engine.begin() as connection:
        connection.execute(text("INSERT INTO t VALUES (1)"))
    holder.join()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM t")).scalar_one() == 0
