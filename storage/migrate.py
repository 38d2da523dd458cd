"""Applying and checking Alembic migrations from code (`tandem migrate`, start-up checks)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Connection, Engine, text

MIGRATIONS = Path(__file__).parent / "migrations"
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
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    head = ScriptDirectory.from_config(_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return _revision(connection)


def _revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def _known(revision: str | None) -> bool:
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
