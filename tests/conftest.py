"""Shared fixtures: a fixed clock, the core over fakes, databases to test storage on, the
three backends a use case runs on (`uow_factory`), and the level markers.

Every test is marked with its level, from its directory (`unit`, `service`, `integration`,
`e2e`), and the inner loop is marked `fast`: unit and service tests except those on
PostgreSQL and those marked `slow`. `pytest -m fast` runs it (see the README).

Storage tests run on SQLite always and on PostgreSQL when DATABASE_URL names one. Each
PostgreSQL test session gets a schema of its own, so runs never see each other's rows.
Without a server the PostgreSQL tests skip with the reason, unless
TANDEM_REQUIRE_POSTGRES=1 (set by .ci/run when CI=true): then they fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.clock import FixedClock
from bot.domain import Identity, Platform
from bot.policy import Policy
from bot.ports import UnitOfWorkFactory
from bot.service import Tandem
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.support import real_parts
from tests.support.fakes import FakeDatabase
from tests.support.seeding import empty_for_a_test

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday morning


def console_identity(name: str) -> Identity:
    return Identity(Platform.CONSOLE, "", name)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)


@pytest.fixture
def fake_db() -> FakeDatabase:
    return FakeDatabase()


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgresql", "postgres:")) else None


def _postgres_unavailable(reason: str) -> None:
    if os.environ.get("TANDEM_REQUIRE_POSTGRES") == "1":
        pytest.fail(f"PostgreSQL is required here (TANDEM_REQUIRE_POSTGRES=1) but {reason}")
    pytest.skip(f"PostgreSQL tests need a server: {reason}")


@pytest.fixture(scope="session")
def postgres_schema_url() -> Iterator[tuple[str, str]]:
    """A fresh, migrated schema on the PostgreSQL server in DATABASE_URL; dropped afterwards."""
    url = _postgres_url()
    if url is None:
        _postgres_unavailable("DATABASE_URL does not name a PostgreSQL database")
    assert url is not None
    schema = f"tandem_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:  # an unreachable server, bad credentials, ...
        admin.dispose()
        _postgres_unavailable(f"cannot reach it ({type(error).__name__}: {error})".splitlines()[0])
    engine = make_engine(url, search_path=schema)
    upgrade(engine)
    engine.dispose()
    yield url, schema
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file migrated to head per session; each test gets a copy of it (a copy
    takes milliseconds, running the migrations a third of a second)."""
    path = tmp_path_factory.mktemp("sqlite-template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()  # the last connection closed checkpoints the WAL into the file
    assert not Path(f"{path}-wal").exists() or Path(f"{path}-wal").stat().st_size == 0
    return path


@pytest.fixture
def sqlite_engine(tmp_path: Path, sqlite_template: Path) -> Iterator[Engine]:
    """A migrated SQLite database in a temporary file."""
    path = tmp_path / "tandem.db"
    shutil.copyfile(sqlite_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_engine(postgres_schema_url: tuple[str, str]) -> Iterator[Engine]:
    """The session's migrated PostgreSQL schema, emptied for this test."""
    url, schema = postgres_schema_url
    engine = make_engine(url, search_path=schema)
    empty_for_a_test(engine)
    yield engine
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    """Each storage test runs twice: on SQLite, and on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture(params=["fake", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def uow_factory(request: pytest.FixtureRequest) -> UnitOfWorkFactory:
    """Each use-case test runs three times: on the in-memory fakes, on SQLite and on
    PostgreSQL, so a bug in a SQL repository fails the same test a bug in a fake would."""
    if request.param == "fake":
        return FakeDatabase()
    return SqlUnitOfWorkFactory(request.getfixturevalue(f"{request.param}_engine"))


@pytest.fixture
def tandem(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> Tandem:
    """The core on each of the three backends in turn (see `uow_factory`)."""
    return Tandem(uow_factory, clock, Policy(default_timezone="Europe/Berlin"))


LEVELS = ("unit", "service", "integration", "e2e")


@pytest.hookimpl(tryfirst=True)  # before `-m` selects on the markers added here
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        parts = item.path.relative_to(here).parts
        level = parts[0] if len(parts) > 1 and parts[0] in LEVELS else None
        if level is None:
            continue
        item.add_marker(getattr(pytest.mark, level))
        inner = level in ("unit", "service")
        if inner and "postgres" not in item.keywords and "slow" not in item.keywords:
            item.add_marker(pytest.mark.fast)


_postgres_tests_passed: list[str] = []
_real_parts_passed: set[str] = set()


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when == "call" and report.passed and "postgres" in report.keywords:
        _postgres_tests_passed.append(report.nodeid)
    if report.when == "call" and report.passed:
        _real_parts_passed.update(part for part in real_parts.PARTS if part in report.keywords)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Where PostgreSQL (or the real parts) are required, a run in which no PostgreSQL test
    (or no test of a part in use) passed is a failure, however it came about (skips,
    deselection, a marker typo)."""
    if real_parts.required():
        in_use = _parts_in_use(session)
        missing = [p for p in real_parts.PARTS if p in in_use and p not in _real_parts_passed]
        if missing:
            _fail(session, exitstatus, "REAL_PARTS", "no test passed on " + ", ".join(missing))
    if os.environ.get("TANDEM_REQUIRE_POSTGRES") == "1" and not _postgres_tests_passed:
        _fail(session, exitstatus, "POSTGRES", "no PostgreSQL test passed")


def _fail(session: pytest.Session, exitstatus: int, what: str, why: str) -> None:
    if exitstatus == 0:
        session.exitstatus = 1
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.ensure_newline()
        reporter.write_line(f"FAILED: TANDEM_REQUIRE_{what}=1 but {why}", red=True)


def _parts_in_use(session: pytest.Session) -> set[str]:
    """The real parts some test in the tree is marked with (a part no test uses yet is not
    required)."""
    found: set[str] = set()
    for path in Path(session.config.rootpath, "tests").rglob("test_*.py"):
        text_of = path.read_text(encoding="utf-8")
        found.update(p for p in real_parts.PARTS if f"pytest.mark.{p}" in text_of)
    return found


@pytest.fixture(scope="session")
def synapse(tmp_path_factory):
    """A real Synapse homeserver for the session (tests/support/synapse.py); the tests
    that use it are marked `synapse`."""
    from tests.support.synapse import started

    server = started(tmp_path_factory.mktemp("synapse"))
    server.admin = server.register("admin", admin=True)
    yield server
    server.stop()
