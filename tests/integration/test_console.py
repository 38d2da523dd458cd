"""End to end through the real `tandem` program: piped input in, transcript out, on SQLite
in a temporary directory (and the CLI's PostgreSQL path where a server is available)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from storage.migrate import head_revision

TANDEM = Path(sys.executable).with_name("tandem")


def run(cwd: Path, *args: str, stdin: str = "", env: dict[str, str] | None = None):
    command = [str(TANDEM)] if TANDEM.exists() else [sys.executable, "-m", "adapters.cli"]
    # the terminal's language is the console person's: each test says its own
    environment = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "TANDEM_", "LC_")) and k != "LANG"
    }
    environment.update(env or {})
    return subprocess.run(
        [*command, *args],
        input=stdin,
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def rows(cwd: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(cwd / "tandem.db") as connection:
        return connection.execute(sql).fetchall()


def test_the_readme_story(tmp_path):
    story = (
        "/learn help\n"
        "/learn diary Learned to give feedback #communication --share partner\n"
        "/learn diary Still unsure how to say no\n"
        "/learn diary\n"
        "/as ben\n"
        "/learn diary --of ana\n"
        "/learn diary\n"
    )
    result = run(tmp_path, "console", "--as", "ana", stdin=story)
    out = result.stdout
    assert result.returncode == 0, result.stderr
    assert "ana> /learn help" in out
    assert "Your roles: learner, facilitator." in out  # the first person of a fresh database
    assert (
        "Saved to your diary. Tags: #communication. No one else sees it yet: you have no "
        "learning partner now. It stays yours." in out
    )
    assert "Saved to your diary. Only you can see it." in out
    assert "You are now ben." in out
    assert "ana has shared no diary entries with you." in out  # ben is not ana's partner
    assert "Your diary is empty." in out
    listing = out.split("ana> /learn diary\n", 1)[1].split("ana> /as ben", 1)[0]
    assert listing.index("Still unsure how to say no") < listing.index("Learned to give feedback")
    assert rows(tmp_path, "SELECT visibility, tags, source FROM diary_entries ORDER BY id") == [
        ("partner", '["communication"]', "command"),
        ("private", "[]", "command"),
    ]


def test_entries_persist_between_runs(tmp_path):
    run(tmp_path, "console", "--as", "ana", stdin="/learn diary first day\n")
    result = run(tmp_path, "console", "--as", "ana", stdin="/learn diary\n")
    assert "first day" in result.stdout


def test_bad_input_in_the_console_stores_nothing(tmp_path):
    run(tmp_path, "console", "--as", "ana", stdin="/learn help\n")
    before = rows(tmp_path, "SELECT count(*) FROM diary_entries")
    long_text = "x" * 3001
    result = run(
        tmp_path,
        "console",
        "--as",
        "ana",
        stdin=f"/learn diary --share boss hi\n/learn diary {long_text}\n/learn diary --share group\n/learn wat\n",
    )
    assert result.returncode == 0
    assert result.stdout.count("tandem (only you see this): ! ") == 4
    assert rows(tmp_path, "SELECT count(*) FROM diary_entries") == before == [(0,)]


def test_console_commands_and_plain_text(tmp_path):
    result = run(
        tmp_path,
        "console",
        "--as",
        "ana",
        stdin="hello there\n/time +1d\n/time yesterday\n/as\n/as two words\n/nope\n/quit\n/learn help\n",
    )
    out = result.stdout
    assert "Type `/learn help` to see what you can do" in out  # plain text, nothing pending
    assert "Console time:" in out
    assert "Move the clock forward like this" in out
    assert "You are ana." in out
    # the clock is not kept between runs, and the console says so at the start
    assert out.startswith("(Console time starts at the real time on every run: ")
    assert "A console name is one word" in out
    assert "Unknown console command /nope" in out
    assert "Tandem helps you learn" not in out  # /quit left before the last line


def test_privacy_forget_in_the_console_asks_then_erases(tmp_path):
    result = run(
        tmp_path,
        "console",
        "--as",
        "ana",
        stdin="/learn diary one\n/learn privacy forget\n/learn diary\n/learn privacy forget confirm\n",
    )
    assert "[Erase everything]  type: /learn privacy forget confirm" in result.stdout
    assert result.stdout.count("one") >= 2  # still listed after the question
    assert rows(tmp_path, "SELECT count(*) FROM people") == [(0,)]


def test_export_and_forget_from_the_command_line(tmp_path):
    run(tmp_path, "console", "--as", "ana", stdin="/learn diary private thoughts #x\n")
    exported = run(tmp_path, "export", "--user", "console:ana")
    assert exported.returncode == 0, exported.stderr
    document = json.loads(exported.stdout)
    assert document["person"]["ref"] == "console:ana"
    assert document["diary"][0]["text"] == "private thoughts #x"

    asked = run(tmp_path, "forget", "--user", "console:ana", stdin="no\n")
    assert asked.returncode == 1 and asked.stdout == ""
    assert "This erases console:ana and 1 diary entry for good." in asked.stderr
    assert "nothing was erased" in asked.stderr
    assert rows(tmp_path, "SELECT count(*) FROM diary_entries") == [(1,)]
    forgotten = run(tmp_path, "forget", "--user", "console:ana", stdin="yes\n")
    assert json.loads(forgotten.stdout)["diary entries"] == 1
    run(tmp_path, "console", "--as", "ben", stdin="/learn diary mine\n")
    unasked = run(tmp_path, "forget", "--user", "console:ben", "--yes")
    assert json.loads(unasked.stdout)["diary entries"] == 1
    again = run(tmp_path, "export", "--user", "console:ana")
    assert again.returncode == 1 and "no one is stored as console:ana" in again.stderr
    bad = run(tmp_path, "export", "--user", "teams:ana")
    assert bad.returncode == 2 and "not a person reference" in bad.stderr


def test_bad_settings_are_named_in_one_line(tmp_path):
    result = run(tmp_path, "console", env={"TANDEM_DEFAULT_TZ": "Mars/Base"})
    assert result.returncode == 2
    assert "TANDEM_DEFAULT_TZ" in result.stderr and "unknown time zone" in result.stderr


def test_an_unknown_language_setting_stops_the_start_in_one_line(tmp_path):
    result = run(tmp_path, "console", "--as", "ana", env={"TANDEM_LOCALE": "klingon"})
    assert result.returncode == 2 and result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert "TANDEM_LOCALE" in line and "'klingon'" in line and "en or de" in line
    bad = run(tmp_path, "console", "--as", "ana", "--lang", "fr")
    assert bad.returncode == 2 and "--lang 'fr': Tandem speaks en or de." in bad.stderr
    assert not (tmp_path / "tandem.db").exists()  # nothing started


def _language(tmp_path, *args: str, env: dict[str, str] | None = None) -> str:
    result = run(tmp_path, "console", "--as", "ana", *args, stdin="/learn language\n", env=env)
    assert result.returncode == 0, result.stderr
    [answer] = [line for line in result.stdout.splitlines() if "Tandem sp" in line]
    return answer


@pytest.mark.parametrize(
    ("args", "env", "said"),
    [
        ((), {}, "Tandem speaks English with you, the default here."),
        (
            (),
            {"TANDEM_LOCALE": "de_DE.UTF-8"},
            "Tandem spricht Deutsch mit dir; das ist hier die Standardsprache",
        ),
        (
            (),
            {"LANG": "de_DE.UTF-8"},
            "Tandem spricht Deutsch mit dir; das ist die Sprache deiner Plattform",
        ),
        # as gettext reads them: LC_ALL, LC_MESSAGES, LANG
        ((), {"LANG": "de_DE.UTF-8", "LC_ALL": "en_GB.UTF-8"}, "English with you, the language of"),
        (
            (),
            {"LANG": "en_US.UTF-8", "LC_MESSAGES": "de_AT"},
            "Deutsch mit dir; das ist die Sprache deiner",
        ),
        (
            (),
            {"LANG": "C.UTF-8", "TANDEM_LOCALE": "de"},
            "Deutsch mit dir; das ist hier die Standardsprache",
        ),
        (("--lang", "de"), {"LANG": "en_US.UTF-8"}, "Deutsch mit dir; das ist die Sprache deiner"),
    ],
)
def test_the_console_persons_language_comes_from_lang_or_the_terminal(tmp_path, args, env, said):
    assert said in _language(tmp_path, *args, env=env)


def test_a_chosen_language_outlasts_the_terminals(tmp_path):
    # /learn language outlasts the terminal's
    run(tmp_path, "console", "--as", "ana", "--lang", "de", stdin="/learn language en\n")
    assert "Tandem speaks English with you: you chose it." in _language(tmp_path, "--lang", "de")


def test_migrate_on_sqlite(tmp_path):
    result = run(tmp_path, "migrate")
    assert result.returncode == 0 and f"database schema at {head_revision()}" in result.stdout


@pytest.mark.postgres
def test_on_postgresql_only_migrate_changes_the_schema(postgres_schema_url, tmp_path):
    from sqlalchemy import text

    from storage.engine import make_engine

    url, _ = postgres_schema_url
    schema = f"tandem_cli_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    env = {"DATABASE_URL": f"{url}?options=-csearch_path%3D{schema}"}
    try:
        refused = run(tmp_path, "console", "--as", "ana", stdin="/learn help\n", env=env)
        assert refused.returncode == 2
        assert refused.stderr.strip().splitlines() == [
            f"tandem: DATABASE_URL: database schema is at nothing, this Tandem needs {head_revision()}: run `tandem migrate` first"
        ]
        assert run(tmp_path, "migrate", env=env).returncode == 0
        story = run(tmp_path, "console", "--as", "ana", stdin="/learn diary on postgres\n", env=env)
        assert "Saved to your diary." in story.stdout
        exported = json.loads(run(tmp_path, "export", "--user", "console:ana", env=env).stdout)
        assert exported["diary"][0]["text"] == "on postgres"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def minutes_until_next_sunday_noon_utc() -> int:
    now = datetime.now(UTC)
    sunday = (now + timedelta(days=(6 - now.weekday()) % 7 or 7)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )
    return int((sunday - now).total_seconds() // 60) + 1


def test_a_week_of_check_ins_in_a_moment(tmp_path):
    story = (
        f"/time +{minutes_until_next_sunday_noon_utc()}m\n"  # a known start: Sunday 12:00 UTC
        "/learn checkin every mon,thu 09:00\n"
        "/time +1w\n"
        "/learn checkin now\n"
        "Tried pair programming; it helped #feedback\n"
        "/learn diary\n"
        "/time +1w\n"
    )
    result = run(
        tmp_path, "console", "--as", "ana", stdin=story, env={"TANDEM_DEFAULT_TZ": "Europe/Berlin"}
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr
    first_week = out.split("ana> /time +1w", 1)[1].split("ana> /learn checkin now", 1)[0]
    assert first_week.count("(direct message to ana): Time for your check-in.") == 2
    assert first_week.count("A gentle reminder") == 2
    assert first_week.count("(tandem: 1 check-in marked missed)") == 2
    now_part = out.split("ana> /learn checkin now", 1)[1].split("ana> Tried", 1)[0]
    assert "(only you see this): Your check-in is in your direct messages." in now_part
    assert now_part.count("(direct message to ana): Time for your check-in.") == 1  # one DM
    assert "Thank you. Your answer is in your diary" in out
    assert rows(tmp_path, "SELECT source, tags FROM diary_entries") == [
        ("check-in", '["feedback"]')
    ]
    statuses = [s for (s,) in rows(tmp_path, "SELECT status FROM checkins ORDER BY due_at")]
    assert statuses == ["missed", "missed", "answered", "missed", "missed"]
    assert rows(tmp_path, "SELECT count(*) FROM outbox WHERE status != 'sent'") == [(0,)]


@pytest.mark.parametrize(
    ("command", "missing"), [("slack", "SLACK_BOT_TOKEN"), ("discord", "DISCORD_TOKEN")]
)
def test_a_platform_without_its_token_says_so_in_one_line(tmp_path, command, missing):
    result = run(tmp_path, command)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == f"tandem {command}: {missing} is not set"


def test_a_broken_competence_model_stops_the_program_in_one_line(tmp_path):
    (tmp_path / "model.yaml").write_text("groups: []\ncompetences: []\n")
    result = run(tmp_path, "console", env={"TANDEM_COMPETENCE_MODEL": str(tmp_path / "model.yaml")})
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("tandem: TANDEM_COMPETENCE_MODEL: model.yaml, line 1: groups:")


def test_forms_are_prompts_in_the_console(tmp_path):
    story = (
        "/learn diary new\n"
        "Wrote it in a form #feedback\n"
        "group\n"
        "/learn diary new\n"
        "/cancel\n"
        "/learn diary new\n"
        "Kept text\n"
        "everyone\n"  # refused: asked again, the text kept
        "partner\n"
    )
    result = run(tmp_path, "console", "--as", "ana", stdin=story)
    assert (
        "Saved to your diary. Tags: #feedback. No one else sees it yet: you are in no learning "
        "group now. It stays yours." in result.stdout
    )
    assert "Enter skips an optional question; /cancel leaves the form." in result.stdout
    assert "Cancelled; nothing was saved." in result.stdout
    assert "! Choose private, partner, group or tutor. Try again (or /cancel)." in result.stdout
    assert rows(tmp_path, "SELECT text, visibility FROM diary_entries") == [
        ("Wrote it in a form #feedback", "group"),
        ("Kept text", "partner"),
    ]


def test_enter_on_a_rating_picks_nothing(tmp_path):
    script = "/learn assess\n" + "\n" * 5 + "/learn privacy\n"
    result = run(tmp_path, "console", "--as", "ana", stdin=script)
    assert "Enter:" not in result.stdout
    assert result.stdout.count("This one needs an answer (or /cancel).") == 5
    assert rows(tmp_path, "SELECT count(*) FROM assessment_ratings") == [(0,)]


def test_a_wrong_rating_is_asked_again_alone_and_the_rest_kept(tmp_path):
    script = "/learn assess\n2\n9\n3\n4\n5\n1\n"
    result = run(tmp_path, "console", "--as", "ana", stdin=script)
    # the second answer is refused at once, before the third question
    refusal = result.stdout.index("! Choose a level from 1 to 5. Try again (or /cancel).")
    assert result.stdout.index("9", result.stdout.index("Assessment 1-5")) < refusal
    assert "Saved. 5 of 21 rated" in result.stdout
    assert sorted(r[0] for r in rows(tmp_path, "SELECT level FROM assessment_ratings")) == [
        1,
        2,
        3,
        4,
        5,
    ]


def test_an_optional_field_left_empty_is_skipped(tmp_path):
    script = "/learn plan add\nShip the review\n2027-02-15\n\n\n"
    result = run(tmp_path, "console", "--as", "ana", stdin=script)
    assert "Cancelled" not in result.stdout
    assert rows(tmp_path, "SELECT title, evidence FROM milestones") == [("Ship the review", "")]


def test_a_slash_command_during_a_form_leaves_it_and_runs(tmp_path):
    script = "/learn diary new\n/as tom\n/learn diary\n"
    result = run(tmp_path, "console", "--as", "ana", stdin=script)
    assert "Left the form, nothing saved, to run /as." in result.stdout
    assert "You are now tom." in result.stdout
    assert "tom> /learn diary" in result.stdout
    assert rows(tmp_path, "SELECT count(*) FROM diary_entries") == [(0,)]


def test_a_self_assessment_in_the_console(tmp_path):
    script = "/learn assess\n" + "".join(f"{1 + n % 5}\n" for n in range(5))
    for _ in range(4):
        script += "/learn assess\n" + "".join("3\n" for _ in range(5))
    result = run(tmp_path, "console", "--as", "ana", stdin=script)
    assert "Assessment 1-5 of 21" in result.stdout
    assert "Saved. 5 of 21 rated" in result.stdout
    assert "is complete" in result.stdout and "Averages by group" in result.stdout
    assert "Rarely looks back at how something went." in result.stdout  # the anchors are shown
    assert rows(tmp_path, "SELECT count(*) FROM assessment_ratings") == [(21,)]


def test_output_into_a_closed_pipe_ends_quietly(tmp_path):
    script = tmp_path / "script.txt"
    script.write_text("/learn help\n" * 300)
    command = [str(TANDEM)] if TANDEM.exists() else [sys.executable, "-m", "adapters.cli"]
    line = " ".join(command) + f" console --as ana < {script} | head -n 2"
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "TANDEM_"))
    }
    result = subprocess.run(
        ["bash", "-o", "pipefail", "-c", line],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert len(result.stdout.splitlines()) == 2
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr
    assert result.returncode == 0
