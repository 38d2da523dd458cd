"""The composition root: settings -> engine -> unit of work -> core and its background work."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import Engine

from adapters import advice_config, competence_model
from adapters.chart_files import erase_chart_files
from adapters.metered import MeteredTandem
from adapters.metrics import DeliveryMetrics
from adapters.scheduler import OutboxSignal
from adapters.settings import Settings
from adapters.single_process import worker_name
from adapters.unexpected import logged
from adapters.xapi import HttpLrsSender, LrsWork
from bot.clock import Clock
from bot.delivery import Delivery, DeliveryRules
from bot.domain import Platform
from bot.inbox import Inbox
from bot.policy import Policy
from bot.scheduling import DueWork
from bot.service import Tandem
from bot.xapi import LrsDelivery
from storage.engine import make_engine
from storage.migrate import prepare
from storage.unit_of_work import SqlUnitOfWorkFactory

log = logging.getLogger(__name__)


def _erase_charts(ref: str) -> None:
    """After an erasure committed: an error here must not reach the person as "nothing
    was changed" (their data is gone); it is logged for the operator instead."""
    try:
        erase_chart_files(ref)
    except OSError as error:
        logged(log, "could not remove a forgotten person's chart files", error)


@dataclass
class Application:
    settings: Settings
    engine: Engine
    tandem: Tandem
    due_work: DueWork
    delivery: Delivery
    signal: OutboxSignal
    inbox: Inbox
    lrs: LrsWork | None = None  # the LRS lane's worker, when TANDEM_XAPI_URL is set

    def close(self) -> None:
        self.engine.dispose()


def build(
    settings: Settings,
    clock: Clock,
    *,
    console: bool = False,
    platform: Platform | None = None,
    delivery_rules: DeliveryRules | None = None,
) -> Application:
    """Wire the core to its database. `platform`: the people this process delivers to
    (its sender reaches no one else). Raises `storage.migrate.SchemaBehind` when a
    PostgreSQL schema needs `tandem migrate` first, and `competence_model.ModelError`
    when the competence model cannot be used."""
    engine = make_engine(settings.database_url)
    prepare(engine)
    policy = Policy(
        competences=competence_model.load(settings.competence_model),
        advice=advice_config.load(settings.advice_config),
        default_timezone=settings.default_tz,
        default_locale=settings.locale,
        facilitator_refs=settings.facilitator_refs(),
        first_person_is_facilitator=console,
        nudges=settings.nudge_rules(),
        lrs_enabled=settings.xapi_url is not None,
    )
    uow_factory = SqlUnitOfWorkFactory(engine)
    signal = OutboxSignal()
    rules = delivery_rules or DeliveryRules()
    if settings.outbox_lease_seconds is not None:
        rules = replace(rules, lease=timedelta(seconds=settings.outbox_lease_seconds))
    tandem = MeteredTandem(uow_factory, clock, policy, signal)
    # Forget reaches this machine's disk too: the person's chart pictures, once the
    # erasure has committed (privacy forget confirm and tandem forget alike).
    tandem.on_erased.append(_erase_charts)
    return Application(
        settings=settings,
        engine=engine,
        tandem=tandem,
        due_work=DueWork(uow_factory, clock, policy, signal),
        delivery=Delivery(
            uow_factory,
            clock,
            worker_name(),
            rules,
            platform,
            DeliveryMetrics(platform),
            language_of=policy.language_of,
        ),
        signal=signal,
        inbox=Inbox(uow_factory, clock, worker_name()),
        lrs=_lrs(settings, uow_factory, clock),
    )


def _lrs(settings: Settings, uow_factory: SqlUnitOfWorkFactory, clock: Clock) -> LrsWork | None:
    """The LRS lane's worker, if an LRS is configured."""
    if settings.xapi_url is None:
        return None
    secret = settings.xapi_secret.get_secret_value() if settings.xapi_secret else ""
    sender = HttpLrsSender(settings.xapi_url, settings.xapi_key or "", secret)
    return LrsWork(LrsDelivery(uow_factory, clock, worker_name()), sender)
