"""Alembic environment. `storage.migrate` hands us an open connection in
`config.attributes["connection"]`; the `alembic` command line builds one from DATABASE_URL."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import Connection

from storage.engine import make_engine
from storage.tables import metadata

config = context.config


def run_migrations(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_migrations(connection)
else:
    engine = make_engine(os.environ.get("DATABASE_URL", "sqlite:///tandem.db"))
    with engine.connect() as new_connection:
        run_migrations(new_connection)
        new_connection.commit()
