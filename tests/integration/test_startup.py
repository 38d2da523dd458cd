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
from tests.support.fake_slack import FakeSlack
from tests.support.processes import (
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


def one_line(result: subprocess.CompletedProcess, *words: str, code: int = 2) -> str:
    """The run stopped with `code` (2: a configuration error) and said exactly one line,
    containing `words`."""
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert result.returncode == code, result.stderr
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
    from adapters.cli import DATABASE_UNREACHABLE

    port = free_port()  # nothing listens there
    url = f"postgresql://tandem:s3cret@127.0.0.1:{port}/tandem"
    for args in (SLACK_ARGS, ("migrate",), ("export", "--user", "console:ana")):
        result = start(tmp_path, *args, DATABASE_URL=url, **SLACK)
        line = one_line(result, "DATABASE_URL", code=DATABASE_UNREACHABLE)  # may come: restart
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

    from tests.support.processes import eventually

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
        # The start says how its clock runs; then the echo of the first line: it is in its loop.
        line = console.stdout.readline()
        if line.startswith("(Console time"):
            line = console.stdout.readline()
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


# --- deployable as shipped: nothing needs a writable root, health without the database,
# --- migrations side by side, a schema ahead, Discord's start-up errors


def assessed_then(*lines: str) -> str:
    """Console input: a complete self-assessment (5 pages of 5), then `lines`."""
    pages = ["/learn assess\n" + "3\n" * 5 for _ in range(5)]
    return "".join(pages) + "".join(f"{line}\n" for line in lines)


PROBE = (
    "import sys\n"
    "from adapters.cli import main\n"
    "loaded = 'matplotlib' in sys.modules\n"
    "code = main(['console', '--as', 'ana'])\n"
    "print('PROBE', loaded, 'matplotlib' in sys.modules, code, file=sys.stderr)\n"
)


def probe(folder: Path, stdin: str, **settings: str) -> tuple[bool, bool]:
    """(matplotlib imported by `import adapters.cli`, imported by the end of the console)."""
    import sys

    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        input=stdin,
        cwd=folder,
        env=clean_environment(PYTHONPATH=str(Path(__file__).resolve().parents[2]), **settings),
        capture_output=True,
        text=True,
        timeout=120,
    )
    [line] = [x for x in result.stderr.splitlines() if x.startswith("PROBE ")]
    _, at_import, at_end, code = line.split()
    assert code == "0", result.stderr
    return at_import == "True", at_end == "True"


def test_the_console_starts_without_matplotlib_and_imports_it_for_a_chart(tmp_path):
    assert probe(tmp_path, "/learn help\n/learn diary a first line\n") == (False, False)
    # the same probe sees it once a chart is drawn (so it can see it at all)
    assert probe(tmp_path, assessed_then("/learn progress")) == (False, True)


def test_the_console_starts_and_draws_with_home_and_xdg_folders_read_only(tmp_path):
    """/proc cannot be written, not even by root: HOME and the XDG folders there are what
    a read-only root file system gives. The chart still draws (matplotlib gets a
    temporary config folder), and nothing is written to HOME."""
    unwritable = "/proc/tandem-no-home"
    folder = tmp_path / "work"
    folder.mkdir()
    charts = tmp_path / "tmp"
    charts.mkdir()
    result = start(
        folder,
        "console",
        "--as",
        "ana",
        stdin=assessed_then("/learn progress"),
        HOME=unwritable,
        XDG_CONFIG_HOME=unwritable,
        XDG_CACHE_HOME=unwritable,
        TMPDIR=str(charts),
    )
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    # drawn into the temporary folder (the console removes its pictures when it leaves)
    [picture] = [line for line in result.stdout.splitlines() if "picture: " in line]
    assert picture.split("picture: ")[1].startswith(str(charts)), picture
    assert picture.endswith(".png")
    assert not list(charts.glob("tandem-matplotlib-*"))  # its temporary config folder: gone


def test_an_unwritable_mplconfigdir_is_replaced_by_a_temporary_one(tmp_path, monkeypatch):
    from adapters import charts

    monkeypatch.setenv("MPLCONFIGDIR", "/proc/tandem-no-config")
    monkeypatch.setattr(charts.tempfile, "tempdir", str(tmp_path))
    chosen = charts.config_directory()
    assert Path(chosen).parent == tmp_path and Path(chosen).is_dir()
    import os

    assert os.environ["MPLCONFIGDIR"] == chosen
    writable = tmp_path / "mine"
    monkeypatch.setenv("MPLCONFIGDIR", str(writable))
    assert charts.config_directory() == str(writable)  # a writable one is kept


def health(engine, path: str, extra=None, took: list[float] | None = None) -> tuple[int, dict]:
    import asyncio
    import json
    import time

    from aiohttp import web
    from aiohttp.test_utils import TestClient, TestServer

    from adapters import endpoints

    async def run() -> tuple[int, dict]:
        web_app = web.Application()
        endpoints.add_routes(web_app, engine, extra)
        async with TestClient(TestServer(web_app)) as client:
            asked = time.monotonic()
            response = await client.get(path)
            answer = response.status, json.loads(await response.text())
            if took is not None:
                took.append(time.monotonic() - asked)
            return answer

    return asyncio.run(run())


def test_liveness_holds_and_readiness_fails_with_the_database_on_a_closed_port():
    engine = make_engine(f"postgresql://tandem@127.0.0.1:{free_port()}/tandem")
    try:
        assert health(engine, "/healthz") == (200, {"ok": True})
        assert health(engine, "/livez") == (200, {"ok": True})
        assert health(engine, "/readyz") == (503, {"ok": False, "database": "OperationalError"})
    finally:
        engine.dispose()


def test_readiness_collects_every_condition_and_bounds_a_slow_one(tmp_path, monkeypatch):
    import time

    from adapters import endpoints

    engine = make_engine(f"sqlite:///{tmp_path / 'tandem.db'}")
    monkeypatch.setattr(endpoints, "HEALTH_TIMEOUT", 1.0)
    ready = {"worker": lambda: None}
    assert health(engine, "/readyz", ready) == (200, {"ok": True})
    failing = {"worker": lambda: "ended", "slow": lambda: time.sleep(4), "broken": lambda: 1 / 0}
    took: list[float] = []
    status, body = health(engine, "/readyz", failing, took)
    assert took[0] < 3.0  # asked at once, each bounded (the slow one by 1 s, not its 4)
    assert (status, body) == (
        503,
        {"ok": False, "worker": "ended", "slow": "timed out", "broken": "ZeroDivisionError"},
    )
    assert health(engine, "/healthz", failing) == (200, {"ok": True})


@pytest.fixture
def fresh_schema(postgres_schema_url):
    url, _ = postgres_schema_url
    schema = f"tandem_fresh_{uuid.uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield postgres_url(url, schema), make_engine(url, search_path=schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.mark.postgres
def test_two_migrations_at_once_on_a_fresh_schema_both_succeed(fresh_schema, tmp_path):
    from storage.migrate import current_revision, head_revision

    url, engine = fresh_schema
    env = clean_environment(DATABASE_URL=url)
    both = [
        subprocess.Popen(
            [*command(), "migrate"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    results = [(process.wait(120), *process.communicate()) for process in both]
    for code, out, err in results:
        assert code == 0, err
        assert f"database schema at {head_revision()}" in out
    assert current_revision(engine) == head_revision()
    engine.dispose()


@pytest.mark.postgres
def test_a_schema_ahead_of_the_code_is_named_and_left_alone(fresh_schema, tmp_path):
    url, engine = fresh_schema
    with engine.begin() as connection:
        connection.execute(
            text("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
        )
        connection.execute(text("INSERT INTO alembic_version VALUES ('0099_from_the_future')"))
    for args in (("migrate",), SLACK_ARGS):
        result = start(tmp_path, *args, DATABASE_URL=url, **SLACK)
        line = one_line(result, "DATABASE_URL", "0099_from_the_future", "newer than this Tandem")
        assert result.returncode != 0 and len(line) < 300
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).all() == [
            ("0099_from_the_future",)
        ]
        tables = connection.execute(
            text(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()"
            )
        ).scalar_one()
    assert tables == 1  # nothing was migrated over it
    engine.dispose()


@pytest.mark.parametrize("shards", ["a-b", "0-x", "3-1", "-", "0-3-5"])
def test_a_bad_shard_range_is_named(tmp_path, shards):
    result = start(tmp_path, "discord", "--shards", shards, "--shard-count", "4", DISCORD_TOKEN="t")
    one_line(result, "--shards", shards)


def test_a_token_discord_refuses_is_named(tmp_path):
    from tests.support.fake_discord import FakeDiscord

    fake = FakeDiscord(token="the-right-one").start()
    try:
        env = {"DISCORD_TOKEN": "a-wrong-one", "DISCORD_API_URL": fake.api_url}
        one_line(start(tmp_path, "discord", **env), "DISCORD_TOKEN", "refused")
        one_line(start(tmp_path, "discord", "--sync", **env), "DISCORD_TOKEN", "refused")
    finally:
        fake.stop()


def test_an_unreachable_discord_api_is_named(tmp_path):
    api = f"http://127.0.0.1:{free_port()}/api/v10"  # nothing listens there
    env = {"DISCORD_TOKEN": "t", "DISCORD_API_URL": api}
    one_line(start(tmp_path, "discord", **env), "DISCORD_API_URL", api, "cannot reach")
    one_line(start(tmp_path, "discord", "--sync", **env), "DISCORD_API_URL", "cannot reach")


def test_the_quick_head_is_alembics_head():
    from storage.migrate import head_revision, quick_head

    assert quick_head() == head_revision()


def test_a_start_at_head_does_not_import_alembic(tmp_path):
    import sys

    script = (
        "import sys\n"
        "from adapters.cli import main\n"
        "main(['console', '--as', 'ana'])\n"
        "print('PROBE', 'alembic' in sys.modules, file=sys.stderr)\n"
    )
    root = str(Path(__file__).resolve().parents[2])

    def run() -> str:
        result = subprocess.run(
            [sys.executable, "-c", script],
            input="/learn help\n",
            cwd=tmp_path,
            env=clean_environment(PYTHONPATH=root),
            capture_output=True,
            text=True,
            timeout=120,
        )
        [line] = [x for x in result.stderr.splitlines() if x.startswith("PROBE ")]
        return line

    assert run() == "PROBE True"  # the first start makes the database: Alembic migrates
    assert run() == "PROBE False"  # at head: no Alembic
