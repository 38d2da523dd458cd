"""The tutor's cockpit and `cohort reassess` on the console, through the real `tandem`
program (issue 18, items 2 and 4): the cockpit as text, buttons as the line to type."""

from __future__ import annotations

from tests.integration.test_console import run

SETUP = (
    "/learn cohort open Spring\n/learn cohort invite @ana @ben\n"
    "/as ana\n/learn cohort join\n/as ben\n/learn cohort join\n"
    "/as fay\n/learn cohort add @tia tutor --of @ana\n/learn cohort kickoff\n"
    "/as ana\n/learn diary for my tutor TUTORWORD --share tutor\n"
    "/learn diary kept to myself PRIVATEWORD\n"
)


def test_the_cockpit_and_reassess_on_the_console(tmp_path):
    lines = SETUP + "/as fay\n/learn cohort reassess\n/as tia\n/learn cohort report\n"
    out = run(tmp_path, "console", "--as", "fay", stdin=lines).stdout
    cockpit = out[out.index("tia> /learn cohort report") :]
    assert "Your learners (progress only; their diaries stay theirs)" in cockpit
    assert "Last activity" in cockpit and "Check-ins" in cockpit and "TUTORWORD" in cockpit
    assert "PRIVATEWORD" not in cockpit
    assert "[ana: progress]  type: /learn progress --of @ana" in cockpit
    assert "2 learners of Spring are asked to assess themselves again." in out
    assert "tandem (direct message to ana): Spring: time for your self-assessment." in out


def test_the_cockpit_in_german_on_the_console(tmp_path):
    lines = SETUP + "/as tia\n/learn sprache de\n/learn kohorte bericht\n"
    out = run(tmp_path, "console", "--as", "fay", stdin=lines).stdout
    cockpit = out[out.index("tia> /learn kohorte bericht") :]
    assert "Deine Lernenden (nur der Fortschritt" in cockpit
    assert "Zuletzt aktiv" in cockpit and "beantwortet" in cockpit
    assert "[ana: Fortschritt]" in cockpit and "PRIVATEWORD" not in cockpit
