"""On the console everyone typed is the terminal's user: someone named with @ before they
ever typed is stored with the terminal's language (`--lang`, LANG), so what Tandem sends
them (an invitation, a goal recorded with them) is in that language too."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

from adapters.bootstrap import build
from adapters.clock import ShiftableClock
from adapters.console.repl import Console
from adapters.settings import Settings


def stored_locales(folder: Path, lines: str, locale: str | None) -> dict[str, str]:
    clock = ShiftableClock()
    database = folder / "tandem.db"
    app = build(Settings(DATABASE_URL=f"sqlite:///{database}"), clock, console=True)
    try:
        Console(
            app, clock, "fay", stdin=io.StringIO(lines), stdout=io.StringIO(), locale=locale
        ).run()
    finally:
        app.close()
    with sqlite3.connect(database) as connection:
        return dict(connection.execute("SELECT user_id, locale FROM people").fetchall())


LINES = "/learn cohort open Spring\n/learn cohort invite @ana\n/learn kohorte einladen @ben\n"


def test_a_person_named_on_a_german_console_reads_german(tmp_path):
    assert stored_locales(tmp_path, LINES, "de") == {"fay": "de", "ana": "de", "ben": "de"}


def test_without_a_language_named_people_get_the_deployments(tmp_path):
    # stored with no locale of their own: TANDEM_LOCALE decides, now and after it changes
    locales = stored_locales(tmp_path, LINES, None)
    assert locales["ana"] == locales["ben"] == ""
