"""Applying and checking Alembic migrations from code (`tandem migrate`, start-up checks).

Alembic itself is imported only when there is something to migrate or to explain: a
start on a schema that is at head compares one stored revision with the head read from
the migration files (their `revision` and `down_revision` lines), which keeps about a
third off every start (tests/integration/test_startup.py holds the two heads equal)."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, inspect, text

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
VERSIONS = MIGRATIONS / "versions"
# One `tandem migrate` at a time per schema: a transaction-level advisory lock, keyed by
# the schema migrated (test sessions, each in a schema of its own, do not wait on one
# another), released by the commit or rollback that ends the migration.
_LOCK = "SELECT pg_advisory_xact_lock(hashtext('tandem migrate ' || current_schema()))"


class SchemaBehind(RuntimeError):
    """The database's schema is older (or newer) than this code expects."""


class SchemaAhead(SchemaBehind):
    """The database's schema is at a revision this code does not know: a newer Tandem
    migrated it. Nothing is changed; run the newer release (or restore a backup)."""


def _config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


@cache
def quick_head() -> str | None:
    """The head revision as the migration files state it, without importing Alembic; None
    when a file does not state `revision` and `down_revision` plainly or there is not
    exactly one head (then Alembic is asked)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in VERSIONS.glob("*.py"):
        if path.name.startswith("_"):
            continue
        found = stated(path.read_text(encoding="utf-8"))
        revision, parent = found.get("revision"), found.get("down_revision", ...)
        if not isinstance(revision, str) or parent is ...:
            return None
        revisions.add(revision)
        if isinstance(parent, str):
            parents.add(parent)
        elif isinstance(parent, tuple | list) and all(isinstance(p, str) for p in parent):
            parents.update(parent)
        elif parent is not None:
            return None
    heads = revisions - parents
    return next(iter(heads)) if len(heads) == 1 else None


# `revision = "0027"` or `down_revision: str | None = "0026"` on a line of its own
_STATED = re.compile(
    r"^(revision|down_revision)[ \t]*(?::[^=\n]*)?=(?!=)[ \t]*(.*)$", re.MULTILINE
)


def stated(source: str) -> dict[str, object]:
    """What a migration file assigns at its top level, by name: the value where it is a
    literal, else the expression's AST node. Only `revision` and `down_revision` are
    asked for, and they are read from their own lines when both are plain literals
    there (a start reads every file: parsing them all took 25 ms); anything else is
    read from the whole file's syntax tree."""
    quick: dict[str, object] = {}
    for name, value in _STATED.findall(source):
        try:
            quick[name] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
            break
    else:
        if "revision" in quick and "down_revision" in quick:
            return quick
    return by_syntax_tree(source)


def by_syntax_tree(source: str) -> dict[str, object]:
    """What `source` assigns at its top level, read from its whole syntax tree."""
    found: dict[str, object] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Name) and node.value is not None:
                    try:
                        found[target.id] = ast.literal_eval(node.value)
                    except ValueError:
                        found[target.id] = node.value
    return found


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return _revision(connection)


def _revision(connection: Connection) -> str | None:
    from alembic.runtime.migration import MigrationContext

    return MigrationContext.configure(connection).get_current_revision()


def _stored_revisions(engine: Engine) -> list[str]:
    """What alembic_version holds (nothing when there is no such table), in plain SQL."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return []
        rows = connection.execute(text("SELECT version_num FROM alembic_version")).all()
        return [row[0] for row in rows]


def _known(revision: str | None) -> bool:
    from alembic.script import ScriptDirectory
    from alembic.util.exc import CommandError

    if revision is None:
        return True
    try:
        return ScriptDirectory.from_config(_config()).get_revision(revision) is not None
    except CommandError:
        return False


def _ahead(revision: str) -> SchemaAhead:
    return SchemaAhead(
        f"database schema is at {revision}, newer than this Tandem knows "
        f"(its newest is {head_revision()}): run the release that migrated it"
    )


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest revision (a no-op when it is there already). On
    PostgreSQL under an advisory lock, so two at once are safe: the second waits, then
    finds the schema at head. A schema ahead of this code raises SchemaAhead and is left
    as it is."""
    from alembic import command

    config = _config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text(_LOCK))
        revision = _revision(connection)
        if not _known(revision):
            assert revision is not None
            raise _ahead(revision)
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def prepare(engine: Engine) -> None:
    """What every command does at start: SQLite migrates itself, so a newcomer never has
    to; any other database must already be at head, since only `tandem migrate` changes it."""
    head = quick_head()
    if head is not None and _stored_revisions(engine) == [head]:
        return  # at head: the common start, without Alembic
    if engine.dialect.name == "sqlite":
        upgrade(engine)
        return
    current, head = current_revision(engine), head_revision()
    if current is not None and not _known(current):
        raise _ahead(current)
    if current != head:
        raise SchemaBehind(
            f"database schema is at {current or 'nothing'}, this Tandem needs {head}: "
            "run `tandem migrate` first"
        )
