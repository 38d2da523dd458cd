"""What a process imports at start (issue 21, "Lean start and memory").

`tandem slack` in HTTP mode acks in one process and works in another
(adapters/slack/serve.py): the acking process builds no core, so it must not import one
either, or every replica carries the core twice. Each test imports in a fresh
interpreter and reads `sys.modules`, so nothing this test process imported counts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# The core and what only the working side, a chart, a report or an invite needs.
NOT_IN_THE_ACKER = (
    "adapters.bootstrap",
    "adapters.metered",
    "adapters.scheduler",
    "adapters.slack.work",
    "adapters.charts",
    "adapters.report",
    "bot.service",
    "bot.scheduling",
    "bot.handlers",
    "bot.grammar",
    "bot.messagebus",
    "bot.pairing",
    # the answers and what they need: the acker records and acks, never answers
    "adapters.slack.answers",
    "adapters.slack.sender",
    "adapters.language",
    "bot.policy",
    "bot.advice",
    "bot.competences",
    "bot.delivery",
    # the company's files (advice, competence model) are read where the core is built
    "adapters.advice_config",
    "adapters.competence_model",
    "yaml",
    "apscheduler",
    "matplotlib",
    "jinja2",
    "icalendar",
    "networkx",
    "numpy",
    "discord",
    "playwright",
)


def imported_after(*modules: str) -> set[str]:
    """The names in `sys.modules` of a fresh interpreter that imported `modules`."""
    code = (
        "import importlib, json, sys\n"
        f"for name in {list(modules)!r}:\n"
        "    importlib.import_module(name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return set(json.loads(done.stdout))


def loaded(names: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(
        prefix
        for prefix in prefixes
        if prefix in names or any(name.startswith(prefix + ".") for name in names)
    )


def test_the_slack_acking_process_imports_no_core() -> None:
    # what `tandem slack` (HTTP mode) imports before it starts the worker process
    names = imported_after(
        "adapters.cli",
        "adapters.slack.serve",
        "adapters.slack.app",
        "adapters.slack.worker",
        "adapters.endpoints",
        "adapters.metrics",
    )
    assert "adapters.slack.listeners" in names  # the probe did import the acking side
    assert loaded(names, NOT_IN_THE_ACKER) == []


def test_the_slack_acking_process_does_not_import_multiprocessing() -> None:
    # the worker is a plain subprocess: no multiprocessing, so no resource tracker either
    names = imported_after("adapters.cli", "adapters.slack.serve", "adapters.slack.worker")
    assert loaded(names, ("multiprocessing",)) == []


# What the Slack worker process only works with: Bolt (the acking side's), and what only
# a chart, a report, an invite or another platform needs.
NOT_IN_THE_WORKER = (
    "slack_bolt",
    "adapters.slack.app",
    "adapters.slack.serve",
    "discord",
    "nio",
    "matplotlib",
    "jinja2",
    "icalendar",
    "networkx",
    "playwright",
)


def test_the_slack_worker_process_imports_no_bolt_and_no_other_platform() -> None:
    # what the worker process (adapters/slack/worker.py, `main`) imports before it idles
    names = imported_after("adapters.slack.worker", "adapters.bootstrap", "adapters.slack.work")
    assert "bot.service" in names  # it builds the core: the probe is real
    assert loaded(names, NOT_IN_THE_WORKER) == []


def test_the_cli_imports_each_commands_needs_only_when_it_runs() -> None:
    names = imported_after("adapters.cli")
    assert loaded(names, NOT_IN_THE_ACKER + ("adapters.console", "storage.unit_of_work")) == []


@pytest.mark.parametrize("module", ["adapters.bootstrap", "adapters.console.repl"])
def test_the_console_loads_no_chart_report_or_invite_library_at_start(module: str) -> None:
    names = imported_after("adapters.cli", module)
    assert "bot.service" in names  # the console builds the core: the probe is real
    assert loaded(names, ("matplotlib", "jinja2", "icalendar", "networkx", "playwright")) == []


# What the console's start path (building the core on SQLite, to its prompt) must not
# load: pairing's numeric libraries come when pairs are proposed, PostgreSQL's dialect
# only on PostgreSQL.
NOT_AT_THE_CONSOLE_START = (
    "numpy",
    "scipy",
    "threadpoolctl",
    "sqlalchemy.dialects.postgresql",
    "psycopg",
)


def test_the_console_start_loads_no_numeric_library_nor_postgresql(tmp_path: Path) -> None:
    # the real start: `tandem console` on a SQLite file, given no input (it builds the
    # core, catches up and leaves), then reads its own sys.modules. The first run makes
    # and migrates the database (alembic loads every dialect); the second is the one read,
    # as a second start on a desk finds the database.
    code = (
        "import json, sys\n"
        "from adapters.cli import main\n"
        "try:\n"
        "    main(['console', '--as', 'ana'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(json.dumps(sorted(sys.modules)), file=sys.stderr)\n"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", code],
            cwd=tmp_path,
            env={
                "PATH": "/usr/bin:/bin",
                "HOME": str(tmp_path),
                "PYTHONPATH": str(ROOT),
                "DATABASE_URL": f"sqlite:///{tmp_path / 'tandem.db'}",
            },
            input="",
            capture_output=True,
            text=True,
            check=True,
        )
        for _ in range(2)
    ]
    names = set(json.loads(runs[-1].stderr.strip().splitlines()[-1]))
    assert "bot.service" in names and "bot.pairing" in names  # the core was built
    assert loaded(names, NOT_AT_THE_CONSOLE_START) == []
