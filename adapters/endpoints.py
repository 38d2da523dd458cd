"""The operator's HTTP endpoints: `GET /healthz` (the database answers `SELECT 1`, else
503) and `GET /metrics` (Prometheus). The Slack app serves them next to /slack/events;
`tandem discord --metrics-port N` serves them on a small server of their own."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import Engine, text

from adapters import metrics

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
HEALTH_TIMEOUT = 2.0  # seconds; a database slower than this counts as down


def health(engine: Engine) -> Handler:
    def ping() -> None:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    async def healthz(request: web.Request) -> web.Response:
        try:
            await asyncio.wait_for(asyncio.to_thread(ping), timeout=HEALTH_TIMEOUT)
        except Exception as error:
            return web.json_response({"ok": False, "database": type(error).__name__}, status=503)
        return web.json_response({"ok": True})

    return healthz


def metrics_endpoint(engine: Engine) -> Handler:
    database = metrics.database_registry(engine)

    async def scrape(request: web.Request) -> web.Response:
        body = await asyncio.wait_for(asyncio.to_thread(metrics.exposition, database), 10.0)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    return scrape


def add_routes(web_app: web.Application, engine: Engine) -> None:
    web_app.router.add_get("/healthz", health(engine))
    web_app.router.add_get("/metrics", metrics_endpoint(engine))


async def serve(engine: Engine, host: str, port: int) -> web.AppRunner:
    """/healthz and /metrics on a server of their own (Discord has no HTTP server)."""
    web_app = web.Application()
    add_routes(web_app, engine)
    runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner
