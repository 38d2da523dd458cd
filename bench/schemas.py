"""A PostgreSQL schema of a benchmark's own, migrated, dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text

from storage.engine import make_engine
from storage.migrate import upgrade


@contextmanager
def own_schema(database: str) -> Iterator[tuple[str, str]]:
    """(schema, a DATABASE_URL whose search_path is it) on the server `database` names."""
    schema = f"tandem_bench_{uuid.uuid4().hex[:8]}"
    admin = make_engine(database)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        engine = make_engine(database, search_path=schema)
        upgrade(engine)
        engine.dispose()
        yield schema, f"{database}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
