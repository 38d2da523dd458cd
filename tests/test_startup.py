"""Starting the real `tandem` program: a configuration that cannot work stops it with one
line naming the setting and exit code 2, never a traceback; and SQLite takes one
long-running process, a second one on the same file is refused."""

from __future__ import annotations

import signal
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from storage.engine import make_engine
from tests.fake_slack import FakeSlack
from tests.processes import (
    SECRET,
    Process,
    SlackProcess,
    clean_environment,
    command,
    free_port,
    postgres_url,
)


def start(folder: Path, *args: str, stdin: str = "", **settings: str):
    return subprocess.run(
        [*command(), *args],
        input=stdin,
        cwd=folder,
        env=clean_environment(**settings),
        capture_output=True,
        text=True,
        timeout=60,
    )


def one_line(result: subprocess.CompletedProcess, *words: str) -> str:
    """The run stopped with code 2 and said exactly one line, containing `words`."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert result.returncode == 2, result.stderr
    for word in words:
        assert word in lines[0]
    return lines[0]


SLACK = {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": SECRET}
SLACK_ARGS = ("slack", "--port", "0", "--host", "127.0.0.1")


def test_a_missing_token_is_named(tmp_path):
    one_line(start(tmp_path, *SLACK_ARGS), "SLACK_BOT_TOKEN")
    one_line(start(tmp_path, *SLACK_ARGS, SLACK_BOT_TOKEN="xoxb-1"), "SLACK_SIGNING_SECRET")
    empty = start(tmp_path, *SLACK_ARGS, SLACK_BOT_TOKEN="", SLACK_SIGNING_SECRET="")
    one_line(empty, "SLACK_BOT_TOKEN")  # `SLACK_BOT_TOKEN=` as .env.example leaves it
    one_line(start(tmp_path, "discord"), "DISCORD_TOKEN")
    assert not (tmp_path / "tandem.db").exists()  # stopped before touching the database


@pytest.mark.parametrize(
    "url",
    [
        "nonsense",
        "mysql://tandem@localhost/tandem",
        "postgresql://tandem@localhost:notaport/tandem",
    ],
)
def test_a_bad_database_url_is_named(tmp_path, url):
    line = one_line(start(tmp_path, *SLACK_ARGS, DATABASE_URL=url, **SLACK), "DATABASE_URL")
    assert "Traceback" not in line


def test_an_unreachable_database_is_named(tmp_path):
    port = free_port()  # nothing listens there
    url = f"postgresql://tandem:s3cret@127.0.0.1:{port}/tandem"
    for args in (SLACK_ARGS, ("migrate",), ("export", "--user", "console:ana")):
        line = one_line(start(tmp_path, *args, DATABASE_URL=url, **SLACK), "DATABASE_URL")
        assert "cannot use the database" in line and "s3cret" not in line
    missing = f"sqlite:///{tmp_path}/no/such/folder/tandem.db"
    one_line(start(tmp_path, "console", "--as", "ana", DATABASE_URL=missing), "DATABASE_URL")


def test_a_competence_model_that_does_not_load_is_named(tmp_path):
    missing = start(tmp_path, *SLACK_ARGS, TANDEM_COMPETENCE_MODEL="/nowhere/model.yaml", **SLACK)
    one_line(missing, "TANDEM_COMPETENCE_MODEL", "cannot read it")
    (tmp_path / "model.yaml").write_text("groups: [\n")
    broken = start(tmp_path, *SLACK_ARGS, TANDEM_COMPETENCE_MODEL="model.yaml", **SLACK)
    one_line(broken, "TANDEM_COMPETENCE_MODEL", "not valid YAML")


@pytest.mark.postgres
def test_a_schema_behind_on_postgresql_is_named(postgres_schema_url, tmp_path):
    url, _ = postgres_schema_url
    schema = f"tandem_behind_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        result = start(tmp_path, *SLACK_ARGS, DATABASE_URL=postgres_url(url, schema), **SLACK)
        one_line(result, "DATABASE_URL", "run `tandem migrate` first")
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def fake():
    fake = FakeSlack().start()
    yield fake
    fake.stop()


def test_a_second_process_on_one_sqlite_file_is_refused(tmp_path, fake):
    database = f"sqlite:///{tmp_path / 'tandem.db'}"
    first = SlackProcess(tmp_path, "first", fake.api_url, DATABASE_URL=database)
    try:
        first.wait_healthy()
        second = SlackProcess(tmp_path, "second", fake.api_url, DATABASE_URL=database)
        assert second.wait(30) == 2
        [line] = second.stderr.strip().splitlines()
        assert "DATABASE_URL" in line and f"in use by Tandem process {first.pid}" in line
        console = start(tmp_path, "console", "--as", "ana", stdin="/learn help\n")
        one_line(console, "DATABASE_URL", "SQLite takes one process")
        assert not first.exited()  # the first runs on, untouched
        first.signal(signal.SIGKILL)  # however the holder ends, the lock goes with it
        first.wait(10)
        third = SlackProcess(tmp_path, "third", fake.api_url, DATABASE_URL=database)
        third.wait_healthy()
        third.signal(signal.SIGTERM)
        assert third.wait(15) == 0
    finally:
        first.stop()


def test_short_commands_share_the_sqlite_file_with_the_running_process(tmp_path, fake):
    database = f"sqlite:///{tmp_path / 'tandem.db'}"
    running = SlackProcess(tmp_path, "running", fake.api_url, DATABASE_URL=database)
    try:
        running.wait_healthy()
        exported = Process(
            tmp_path, "export", ["export", "--user", "console:nobody"], clean_environment()
        )
        assert exported.wait(30) == 1  # not refused: it ran, and found no one
        assert "no one is stored as console:nobody" in exported.stderr
    finally:
        running.stop()


def test_the_console_leaves_cleanly_on_sigterm(tmp_path):
    import time

    from tests.processes import eventually

    console = subprocess.Popen(
        [*command(), "console", "--as", "ana"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=clean_environment(),
        text=True,
    )
    try:
        console.stdin.write("/learn diary a first line\n")
        console.stdin.flush()
        eventually(lambda: (tmp_path / "tandem.db.lock").exists(), "the console to start")
        line = console.stdout.readline()  # the echo of the first line: it is in its loop
        assert "/learn diary" in line
        asked = time.monotonic()
        console.send_signal(signal.SIGTERM)
        assert console.wait(15) == 0
        assert time.monotonic() - asked < 10
        assert "Traceback" not in console.stderr.read()
    finally:
        if console.poll() is None:
            console.kill()
            console.wait(5)


def test_a_port_in_use_is_named(tmp_path, fake):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = start(
            tmp_path,
            "slack",
            "--port",
            port,
            "--host",
            "127.0.0.1",
            SLACK_API_URL=fake.api_url,
            **SLACK,
        )
    one_line(result, f"--port {port}", "cannot listen")
