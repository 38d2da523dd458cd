"""The ports are protocols, and every implementation of one is tied to it here.

Statically: the `_implementations` functions below hand each implementation (SQL, the
in-memory fakes, the adapters') to a parameter or return value typed as the port it
implements. mypy checks this file (pyproject `[tool.mypy] files`), so an implementation
that drifts from its port (a renamed method, a changed signature, a repository the unit
of work lacks) fails `python -m mypy`. The functions are never called; mypy reads them.

At run time: each repository of each unit of work has exactly its port's methods, no
more (a method only the fake has is one no SQL test can ever cover), no fewer; and the
imports above must resolve (a moved module fails here, where mypy, which ignores
missing imports, would quietly see `Any`).
"""

from __future__ import annotations

import inspect
from typing import Any, get_type_hints

from sqlalchemy import Engine

from adapters.clock import ShiftableClock, SystemClock
from adapters.console.sender import ConsoleSender
from adapters.discord.sender import DiscordSender
from adapters.matrix.sender import MatrixSender
from adapters.metrics import DeliveryMetrics
from adapters.scheduler import OutboxSignal
from adapters.slack.handoff import Front, InboxFront
from adapters.slack.sender import SlackSender
from adapters.xapi import HttpLrsSender
from bot.clock import Clock, FixedClock
from bot.delivery import DeliveryObserver, GroupSpaces, Sender
from bot.ports import OutboxListener, UnitOfWork, UnitOfWorkFactory
from bot.service import Tandem
from bot.xapi import LrsSender
from storage.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.support.fake_platform import FakePlatformSender
from tests.support.fakes import FakeDatabase, FakeUnitOfWork


def _units_of_work(engine: Engine, database: FakeDatabase) -> list[UnitOfWork]:
    return [SqlUnitOfWork(engine), FakeUnitOfWork(database)]


def _unit_of_work_factories(engine: Engine) -> list[UnitOfWorkFactory]:
    return [SqlUnitOfWorkFactory(engine), FakeDatabase()]


def _senders(
    slack: SlackSender,
    discord: DiscordSender,
    console: ConsoleSender,
    fake: FakePlatformSender,
    matrix: MatrixSender,
) -> list[Sender]:
    return [slack, discord, console, fake, matrix]


def _lrs_senders(http: HttpLrsSender) -> list[LrsSender]:
    return [http]


def _clocks(system: SystemClock, shiftable: ShiftableClock, fixed: FixedClock) -> list[Clock]:
    return [system, shiftable, fixed]


def _the_rest(
    signal: OutboxSignal, metrics: DeliveryMetrics, tandem: Tandem, front: InboxFront
) -> tuple[OutboxListener, DeliveryObserver, GroupSpaces, Front]:
    return signal, metrics, tandem, front


def _public_methods(cls: type) -> set[str]:
    return {
        name
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


def _repository_ports() -> dict[str, type]:
    """The unit of work's repositories (read-only members) and the port of each."""
    return {
        name: get_type_hints(member.fget)["return"]
        for name, member in vars(UnitOfWork).items()
        if isinstance(member, property)
    }


def test_the_unit_of_work_port_names_the_split_cohort_repositories() -> None:
    ports = _repository_ports()
    assert {"cohorts", "memberships", "partnerships", "groups", "proposals"} <= set(ports)
    assert _public_methods(ports["cohorts"]) == {"add", "get", "all", "update"}


def test_each_sql_repository_has_exactly_its_ports_methods() -> None:
    repositories = get_type_hints(SqlUnitOfWork)  # its repositories, as it declares them
    for name, port in _repository_ports().items():
        assert _public_methods(repositories[name]) == _public_methods(port), name


def test_each_fake_repository_has_exactly_its_ports_methods() -> None:
    with FakeUnitOfWork(FakeDatabase()) as uow:
        for name, port in _repository_ports().items():
            repository: Any = getattr(uow, name)
            assert _public_methods(type(repository)) == _public_methods(port), name
