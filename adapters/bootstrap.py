"""The composition root: settings -> engine -> unit of work -> core."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine

from adapters.settings import Settings
from bot.clock import Clock
from bot.policy import Policy
from bot.service import Tandem
from storage.engine import make_engine
from storage.migrate import prepare
from storage.unit_of_work import SqlUnitOfWorkFactory


@dataclass
class Application:
    settings: Settings
    engine: Engine
    tandem: Tandem

    def close(self) -> None:
        self.engine.dispose()


def build(settings: Settings, clock: Clock, *, console: bool = False) -> Application:
    """Wire the core to its database. Raises `storage.migrate.SchemaBehind` when a
    PostgreSQL schema needs `tandem migrate` first."""
    engine = make_engine(settings.database_url)
    prepare(engine)
    policy = Policy(
        default_timezone=settings.default_tz,
        default_locale=settings.locale,
        facilitator_refs=settings.facilitator_refs(),
        first_person_is_facilitator=console,
    )
    return Application(settings, engine, Tandem(SqlUnitOfWorkFactory(engine), clock, policy))
