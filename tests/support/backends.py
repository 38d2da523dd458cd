"""The three places a use case can keep its state: the in-memory fakes, SQLite and
PostgreSQL. Service tests take the `uow_factory` fixture (tests/conftest.py) and run on
each; these helpers let a test say "nothing changed" or peek at rows on any of them."""

from __future__ import annotations

import copy
from typing import Any

from sqlalchemy import select

from bot.ports import UnitOfWorkFactory
from storage.tables import metadata
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.support.fakes import FakeDatabase


def backend_of(factory: UnitOfWorkFactory) -> str:
    """ "fake", "sqlite" or "postgresql"."""
    if isinstance(factory, FakeDatabase):
        return "fake"
    assert isinstance(factory, SqlUnitOfWorkFactory), factory
    return factory.engine.dialect.name


def snapshot(factory: UnitOfWorkFactory) -> Any:
    """Everything stored, in a form that compares equal exactly when nothing changed: the
    fakes' whole state, or every row of every table (sorted, so order does not matter)."""
    if isinstance(factory, FakeDatabase):
        return copy.deepcopy(factory.state)
    assert isinstance(factory, SqlUnitOfWorkFactory), factory
    with factory.engine.connect() as connection:
        return {
            table.name: sorted((tuple(row) for row in connection.execute(select(table))), key=repr)
            for table in metadata.sorted_tables
        }


def commits(factory: UnitOfWorkFactory) -> int | None:
    """How many units of work the fakes committed (None on SQL, where `snapshot` tells)."""
    return factory.commits if isinstance(factory, FakeDatabase) else None
