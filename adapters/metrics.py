"""Prometheus metrics (prometheus-client), served at `/metrics`.

Per process (sum them over the replicas):
- `tandem_commands_total{kind,outcome}` and `tandem_command_duration_seconds{kind}`: core
  calls by kind (the command's class, `message` for a DM, `unparsed` for a line that is
  no command), outcome `ok`, `refused` (bad input, answered with an error) or `error`;
- `tandem_outbox_sent_total{platform,kind}`, `tandem_outbox_not_sent_total{platform,outcome}`
  and `tandem_delivery_latency_seconds{platform}` (from the row's due time to sent);
- `tandem_rate_limited_total{platform}`: 429s received while delivering;
- `tandem_checkins_total{event}`: check-ins asked, skipped, reminded and missed by this
  process's ticks, sent by its delivery, answered through it.

From the database, computed at scrape (the same on every replica: take the max):
- `tandem_outbox_depth{status}`: rows pending, due (pending and due now), claimed, failed;
- `tandem_database_up`: 1 if the figures could be read.

Labels carry kinds and outcomes only, never a person.

The core's own counting (`MeteredTandem`) is in adapters/metered.py: the acking process
of a Slack replica serves these metrics but imports no core (tests/unit/test_lean_imports.py).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select

from bot.domain import OutboxKind
from storage.tables import outbox

if TYPE_CHECKING:  # the acking process imports this module: not the core
    from bot.delivery import SendResult
    from bot.domain import OutboxMessage, Platform
    from bot.scheduling import TickReport

log = logging.getLogger("tandem.metrics")

REGISTRY = CollectorRegistry()
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)

COMMANDS = Counter(
    "tandem_commands", "Core calls handled, by kind and outcome", ["kind", "outcome"],
    registry=REGISTRY,
)  # fmt: skip
COMMAND_SECONDS = Histogram(
    "tandem_command_duration_seconds",
    "Time the core took for a call, by kind",
    ["kind"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
    registry=REGISTRY,
)
OUTBOX_SENT = Counter(
    "tandem_outbox_sent", "Outbox rows delivered", ["platform", "kind"], registry=REGISTRY
)
OUTBOX_NOT_SENT = Counter(
    "tandem_outbox_not_sent",
    "Outbox rows handed back for a retry or failed",
    ["platform", "outcome"],
    registry=REGISTRY,
)
DELIVERY_LATENCY = Histogram(
    "tandem_delivery_latency_seconds",
    "From an outbox row's due time to its delivery",
    ["platform"],
    buckets=(0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0),
    registry=REGISTRY,
)
RATE_LIMITED = Counter(
    "tandem_rate_limited", "HTTP 429s received while delivering", ["platform"], registry=REGISTRY
)
CHECKINS = Counter(
    "tandem_checkins",
    "Check-ins asked, skipped, reminded, missed, sent and answered",
    ["event"],
    registry=REGISTRY,
)
CHECKIN_KINDS = frozenset({OutboxKind.CHECKIN, OutboxKind.CHECKIN_REQUESTED})


def ticked(report: TickReport) -> None:
    """Count what a due-work tick did."""
    for event in ("asked", "skipped", "reminded", "missed"):
        if count := getattr(report, event):
            CHECKINS.labels(event).inc(count)


class DeliveryMetrics:
    """The delivery loop's observer: counts sends, latencies and 429s."""

    def __init__(self, platform: Platform | None) -> None:
        self._platform = platform.value if platform is not None else "any"

    def sent(self, message: OutboxMessage, at: datetime) -> None:
        OUTBOX_SENT.labels(self._platform, message.kind.value).inc()
        DELIVERY_LATENCY.labels(self._platform).observe(
            max(0.0, (at - message.due_at).total_seconds())
        )
        if message.kind in CHECKIN_KINDS:
            CHECKINS.labels("sent").inc()

    def not_sent(self, message: OutboxMessage, result: SendResult) -> None:
        OUTBOX_NOT_SENT.labels(self._platform, result.outcome.value).inc()
        if result.retry_after is not None and not result.counts_as_attempt:
            RATE_LIMITED.labels(self._platform).inc()


class OutboxDepth(Collector):
    """Outbox rows by status, read from the database when scraped (at most every
    `cache_seconds`, so several scrapers cost one query)."""

    def __init__(self, engine: Engine, cache_seconds: float = 5.0) -> None:
        self._engine = engine
        self._cache_seconds = cache_seconds
        self._lock = threading.Lock()
        self._read_at = -1e9
        self._figures: dict[str, int] | None = None

    def collect(self) -> Iterator[GaugeMetricFamily]:
        figures = self._read()
        up = GaugeMetricFamily("tandem_database_up", "1 if the database answered the scrape")
        up.add_metric([], 1.0 if figures is not None else 0.0)
        yield up
        if figures is None:
            return
        depth = GaugeMetricFamily(
            "tandem_outbox_depth",
            "Outbox rows by status (due: pending and due now), from the database",
            labels=["status"],
        )
        for status, count in figures.items():
            depth.add_metric([status], float(count))
        yield depth

    def _read(self) -> dict[str, int] | None:
        with self._lock:
            if time.monotonic() - self._read_at < self._cache_seconds:
                return self._figures
            try:
                self._figures = self._query()
            except Exception as error:
                log.warning(
                    "could not read the outbox depth", extra={"error": type(error).__name__}
                )
                self._figures = None
            self._read_at = time.monotonic()
            return self._figures

    def _query(self) -> dict[str, int]:
        now = datetime.now(UTC)
        figures = {"pending": 0, "due": 0, "claimed": 0, "failed": 0}
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(outbox.c.status, func.count())
                .where(outbox.c.status.in_(["pending", "claimed", "failed"]))
                .group_by(outbox.c.status)
            )
            figures.update({status: count for status, count in rows})
            figures["due"] = connection.execute(
                select(func.count())
                .select_from(outbox)
                .where(outbox.c.status == "pending", outbox.c.due_at <= now)
            ).scalar_one()
        return figures


def exposition(database: CollectorRegistry | None = None) -> bytes:
    """The text to answer a scrape with: this process's metrics, then the database's."""
    text = generate_latest(REGISTRY)
    if database is not None:
        text += generate_latest(database)
    return text


def database_registry(engine: Engine) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(OutboxDepth(engine))
    return registry
