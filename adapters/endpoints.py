"""The operator's HTTP endpoints.

- `GET /healthz` (also `/livez`): liveness. 200 while this process answers at all; it
  asks nothing of the database, so a database outage never makes an orchestrator
  restart every replica into a crash loop.
- `GET /readyz`: readiness. 200 while every readiness condition holds (the database
  answers `SELECT 1` within HEALTH_TIMEOUT, and whatever else the caller adds, e.g. a
  worker process that is alive), else 503 with each failing condition and a short
  reason. A load balancer or a Kubernetes Service sends traffic only where it is 200.
- `GET /metrics` (Prometheus).

The Slack app serves them next to /slack/events; `tandem discord --metrics-port N`
serves them on a small server of their own.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import Engine, text

from adapters import metrics

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
# A readiness condition: None while it holds, else a short reason (no secrets, no
# personal data): a type name, "ended", "timed out". It runs in a thread; it may block.
Condition = Callable[[], str | None]
HEALTH_TIMEOUT = 2.0  # seconds; a condition slower than this counts as failing


def database(engine: Engine) -> Condition:
    """The database answers `SELECT 1`."""

    def ping() -> str | None:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception as error:
            return type(error).__name__
        return None

    return ping


async def problems(
    conditions: Mapping[str, Condition], timeout: float | None = None
) -> dict[str, str]:
    """Every failing readiness condition with its reason (empty: ready). The conditions
    are asked at once, each in a thread, each bounded by `timeout` (HEALTH_TIMEOUT)."""
    timeout = HEALTH_TIMEOUT if timeout is None else timeout

    async def ask(condition: Condition) -> str | None:
        try:
            return await asyncio.wait_for(asyncio.to_thread(condition), timeout)
        except TimeoutError:
            return "timed out"
        except Exception as error:
            return type(error).__name__

    names = list(conditions)
    answers = await asyncio.gather(*(ask(conditions[name]) for name in names))
    return {name: answer for name, answer in zip(names, answers, strict=True) if answer}


def liveness() -> Handler:
    async def healthz(request: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    return healthz


def readiness(conditions: Mapping[str, Condition]) -> Handler:
    async def readyz(request: web.Request) -> web.Response:
        failing = await problems(conditions)
        if failing:
            return web.json_response({"ok": False, **failing}, status=503)
        return web.json_response({"ok": True})

    return readyz


def conditions(
    engine: Engine, extra: Mapping[str, Condition] | None = None
) -> dict[str, Condition]:
    """What readiness asks: the database, then `extra` (named conditions of the caller)."""
    return {"database": database(engine), **(extra or {})}


def metrics_endpoint(engine: Engine) -> Handler:
    database_metrics = metrics.database_registry(engine)

    async def scrape(request: web.Request) -> web.Response:
        body = await asyncio.wait_for(asyncio.to_thread(metrics.exposition, database_metrics), 10.0)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    return scrape


def add_health_routes(web_app: web.Application, ready: Mapping[str, Condition]) -> None:
    """/healthz and /livez (liveness) and /readyz (readiness over `ready`)."""
    web_app.router.add_get("/healthz", liveness())
    web_app.router.add_get("/livez", liveness())
    web_app.router.add_get("/readyz", readiness(ready))


def add_routes(
    web_app: web.Application, engine: Engine, extra: Mapping[str, Condition] | None = None
) -> None:
    add_health_routes(web_app, conditions(engine, extra))
    web_app.router.add_get("/metrics", metrics_endpoint(engine))


async def serve(
    engine: Engine, host: str, port: int, extra: Mapping[str, Condition] | None = None
) -> web.AppRunner:
    """/healthz, /livez, /readyz and /metrics on a server of their own (Discord has no
    HTTP server)."""
    web_app = web.Application()
    add_routes(web_app, engine, extra)
    runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
