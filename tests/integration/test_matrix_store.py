"""The Matrix adapter's own rows on SQLite and PostgreSQL: a thread's root event
(`thread_roots`), kept across a restart, the first kept winning."""

from __future__ import annotations

from datetime import UTC, datetime

from adapters.matrix.client import ThreadRoots
from bot.domain import Thread

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def test_a_threads_root_is_kept_and_the_first_kept_wins(engine):
    round_3, round_4 = (
        Thread("!group:localhost", "advice:3"),
        Thread("!group:localhost", "advice:4"),
    )
    assert ThreadRoots(engine).load(round_3) is None
    assert ThreadRoots(engine).keep(round_3, "$root3", NOW) == "$root3"
    # another process (a restart, a second replica) finds it, and cannot replace it
    again = ThreadRoots(engine)
    assert again.load(round_3) == "$root3"
    assert again.keep(round_3, "$other", NOW) == "$root3"
    assert again.load(round_3) == "$root3"
    assert again.load(round_4) is None
    assert again.load(Thread("!elsewhere:localhost", "advice:3")) is None
