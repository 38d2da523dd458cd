"""SQLite is for one process: a second `tandem slack|discord|console` on the same file is
refused at start, instead of two delivery loops and two schedulers sharing it.

The guard is an exclusive `flock` on a lock file next to the database (`tandem.db.lock`),
held for the life of the process. The kernel drops it when the process ends, however it
ends (SIGKILL too), so a crash never leaves a stale lock behind. PostgreSQL needs no
guard: there any number of replicas share the work safely.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

if sys.platform != "win32":  # POSIX has flock; elsewhere there is no guard
    import fcntl

_held: list[IO[str]] = []  # the open lock files of this process (kept open, so locked)


class AlreadyRunning(RuntimeError):
    """Another process holds the SQLite database."""


def lock_path(database_url: str) -> Path | None:
    """The lock file for a SQLite database URL; None for PostgreSQL and in-memory SQLite."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return Path(f"{url.database}.lock")


def hold_sqlite(database_url: str) -> None:
    """Take the database for this process, or raise `AlreadyRunning` naming the holder."""
    path = lock_path(database_url)
    if path is None or sys.platform == "win32":
        return
    try:
        handle = open(path, "a+")  # noqa: SIM115 - held open for the process's life
    except OSError:
        return  # no such folder: opening the database will say so, naming DATABASE_URL
    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise AlreadyRunning(
            f"the SQLite database {url_file(database_url)} is in use by Tandem process "
            f"{holder}; SQLite takes one process (stop that one, or use PostgreSQL "
            "in DATABASE_URL to run several)"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()}\n")
    handle.flush()
    _held.append(handle)


def url_file(database_url: str) -> str:
    return str(make_url(database_url).database)


def worker_name() -> str:
    """Names this process in outbox and inbox claims: host and pid, unique across
    replicas. (Here, not in adapters/bootstrap.py, so the acking process, which builds no
    core, need not import the core to name itself.)"""
    return f"{socket.gethostname()}:{os.getpid()}"
