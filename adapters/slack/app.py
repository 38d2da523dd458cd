"""The acking side of `tandem slack`: what verifies, records and acks a request, and
nothing more. It holds the settings, the database engine and the inbox, the Bolt app
with Tandem's listeners, and the operator's endpoints; never the core. The work after
the ack is the working side's (adapters/slack/work.py); adapters/slack/serve.py puts the
two together."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from sqlalchemy import Engine

from adapters import endpoints
from adapters.clock import SystemClock
from adapters.logs import scrub_bolt_logs
from adapters.settings import Settings
from adapters.single_process import worker_name
from adapters.slack.client import async_client
from adapters.slack.handoff import Front
from adapters.slack.listeners import register
from bot.i18n import _
from bot.inbox import Inbox
from storage.engine import make_engine
from storage.migrate import prepare
from storage.unit_of_work import SqlUnitOfWorkFactory

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"


class MissingSetting(RuntimeError):
    pass


def check_settings(settings: Settings) -> None:
    """Raise `MissingSetting` unless the Slack settings are there (checked before start)."""
    if settings.slack_bot_token is None:
        raise MissingSetting(_("SLACK_BOT_TOKEN is not set"))
    if settings.slack_signing_secret is None and settings.slack_app_token is None:
        raise MissingSetting(
            _("SLACK_SIGNING_SECRET is not set (HTTP mode verifies every request)")
        )


@dataclass
class Ingress:
    """What acks: the settings, the engine and the inbox the listeners record into."""

    settings: Settings
    engine: Engine
    inbox: Inbox

    @classmethod
    def open(cls, settings: Settings) -> Ingress:
        """Connect to the database (migrating SQLite, refusing a PostgreSQL schema that is
        behind: `storage.migrate.SchemaBehind`), and nothing else."""
        # SQLite: the ack's write waits for a worker's transaction by polling every two
        # milliseconds, not SQLite's growing sleeps (storage/engine.py).
        engine = make_engine(settings.database_url, sqlite_lock_poll=0.002)
        prepare(engine)
        return cls(
            settings, engine, Inbox(SqlUnitOfWorkFactory(engine), SystemClock(), worker_name())
        )

    def release(self, worker: str) -> tuple[int, int]:
        """Hand back every inbox and outbox claim of `worker` (a dead process), so other
        replicas take them now rather than after their leases; (inbox rows, outbox rows)."""
        with SqlUnitOfWorkFactory(self.engine)() as uow:
            rows = uow.inbox.release_all(worker), uow.outbox.release_all(worker)
            uow.commit()
        return rows

    def close(self) -> None:
        self.engine.dispose()


def _not_the_token_notice(record: logging.LogRecord) -> bool:
    """Bolt reads SLACK_BOT_TOKEN itself and, as we hand it a client, warns at every
    start that the token is unused. It is not: the client carries it."""
    return "`token` will be unused" not in record.getMessage()


def create_bolt_app(settings: Settings, session: aiohttp.ClientSession, front: Front) -> AsyncApp:
    """The Bolt app with Tandem's listeners, which record their work with `front` and
    only then ack; call it inside the running event loop."""
    check_settings(settings)
    socket_mode = settings.slack_app_token is not None
    secret = settings.slack_signing_secret
    logging.getLogger("slack_bolt.AsyncApp").addFilter(_not_the_token_notice)
    scrub_bolt_logs()
    bolt = AsyncApp(
        client=async_client(settings, session),
        signing_secret=secret.get_secret_value() if secret else None,
        # Socket Mode receives over Slack's authenticated websocket; no HTTP request is
        # ever taken there, so there is nothing to verify (and no route to forge).
        request_verification_enabled=not socket_mode,
        # Listeners ack and hand their work on (listeners/): the response goes out as
        # soon as the listener returns, instead of Bolt polling for the ack.
        process_before_response=True,
    )
    register(bolt, front)
    scrub_bolt_logs()  # loggers Bolt made for this app
    return bolt


@web.middleware
async def refuse_malformed(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """A body that cannot be read as Slack's (bad JSON in `payload`, a wrong content
    type, bytes that are not text) is answered 400, not 500; nothing of it is logged."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except Exception as error:
        log.warning("refused a malformed request", extra={"error": type(error).__name__})
        return web.Response(status=400, text="bad request")


def web_application(
    engine: Engine,
    bolt: AsyncApp,
    socket_mode: bool,
    port: int,
    ready: Mapping[str, endpoints.Condition] | None = None,
    metrics: endpoints.Handler | None = None,
) -> web.Application:
    """HTTP mode: Slack's requests at /slack/events; /healthz and /livez (this process
    answers), /readyz (the database, and the `ready` conditions: the working side runs)
    and /metrics (`metrics`: answered where the work is done; else this process's).
    Socket Mode: the same without /slack/events, so no request that claims to come from
    Slack is taken over HTTP."""
    web_app = web.Application() if socket_mode else bolt.web_app(path=EVENTS_PATH, port=port)
    web_app.middlewares.append(refuse_malformed)
    endpoints.add_health_routes(web_app, endpoints.conditions(engine, ready))
    web_app.router.add_get("/metrics", metrics or endpoints.metrics_endpoint(engine))
    return web_app
