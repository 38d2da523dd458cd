"""`tandem slack`: the Bolt app, served over HTTP (aiohttp) or Socket Mode, with the
outbox delivered to Slack DMs by the background work."""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from datetime import UTC, datetime

import aiohttp
from aiohttp import web
from slack_bolt.async_app import AsyncApp
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from adapters import endpoints
from adapters.bootstrap import Application
from adapters.dm_channels import DmChannels
from adapters.pacing import Pacer
from adapters.scheduler import BackgroundWork
from adapters.settings import Settings
from adapters.slack.answers import SlackContext
from adapters.slack.identity import Profiles
from adapters.slack.listeners import register
from adapters.slack.sender import SlackSender
from storage.replicas import Replicas

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
SHUTDOWN_BOUND = 9.0  # seconds from SIGTERM to exit (Kubernetes' default grace is 30)


class MissingSetting(RuntimeError):
    pass


def _not_the_token_notice(record: logging.LogRecord) -> bool:
    """Bolt reads SLACK_BOT_TOKEN itself and, as we hand it a client, warns at every
    start that the token is unused. It is not: the client carries it."""
    return "`token` will be unused" not in record.getMessage()


def check_settings(settings: Settings) -> None:
    """Raise `MissingSetting` unless the Slack settings are there (checked before start)."""
    if settings.slack_bot_token is None:
        raise MissingSetting("SLACK_BOT_TOKEN is not set")
    if settings.slack_signing_secret is None and settings.slack_app_token is None:
        raise MissingSetting("SLACK_SIGNING_SECRET is not set (HTTP mode verifies every request)")


def create_bolt_app(
    app: Application, session: aiohttp.ClientSession, dm_channels: DmChannels
) -> tuple[AsyncApp, SlackContext]:
    """The Bolt app with Tandem's listeners; call it inside the running event loop."""
    settings = app.settings
    check_settings(settings)
    assert settings.slack_bot_token is not None
    socket_mode = settings.slack_app_token is not None
    secret = settings.slack_signing_secret
    client = AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        session=session,
        # replies outside the outbox (answers, modals, the Home tab) wait out a 429 too
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )
    logging.getLogger("slack_bolt.AsyncApp").addFilter(_not_the_token_notice)
    bolt = AsyncApp(
        client=client,
        signing_secret=secret.get_secret_value() if secret else None,
        # Socket Mode receives over Slack's authenticated websocket; no HTTP request is
        # ever taken there, so there is nothing to verify (and no route to forge).
        request_verification_enabled=not socket_mode,
        # Listeners ack and hand their work to a task (listeners/): the response goes
        # out as soon as the listener returns, instead of Bolt polling for the ack.
        process_before_response=True,
    )
    context = SlackContext(app.tandem, client, Profiles(client), session, dm_channels)
    register(bolt, context)
    return bolt, context


def background_work(app: Application, dm_channels: DmChannels) -> BackgroundWork:
    settings = app.settings
    assert settings.slack_bot_token is not None
    client = WebClient(
        token=settings.slack_bot_token.get_secret_value(), base_url=settings.slack_api_url
    )
    pacer = Pacer(rate=settings.slack_postmessage_rps, per_key_interval=1.0)
    replicas = Replicas(app.engine)

    def share_the_budget() -> None:
        """SLACK_POSTMESSAGE_RPS is the workspace's: each live replica paces at its share."""
        live = replicas.beat(app.delivery.worker, datetime.now(UTC))
        pacer.set_rate(settings.slack_postmessage_rps / max(1, live))

    return BackgroundWork(
        app.due_work,
        app.delivery,
        SlackSender(client, pacer, dm_channels),
        app.signal,
        heartbeat=share_the_budget,
        interrupt=pacer.interrupt,
    )


def web_application(
    app: Application, bolt: AsyncApp, socket_mode: bool, port: int
) -> web.Application:
    """HTTP mode: Slack's requests at /slack/events, /healthz and /metrics. Socket Mode:
    /healthz and /metrics only, so no request that claims to come from Slack is taken
    over HTTP."""
    web_app = web.Application() if socket_mode else bolt.web_app(path=EVENTS_PATH, port=port)
    endpoints.add_routes(web_app, app.engine)
    return web_app


async def serve(app: Application, port: int, host: str = "0.0.0.0") -> None:
    """Run until SIGTERM or SIGINT: Socket Mode if SLACK_APP_TOKEN is set, else HTTP."""
    # The event loop sends acks; background threads (core calls, delivery) must hand it
    # the GIL quickly. Python's default switch interval of 5 ms shows as ack latency.
    sys.setswitchinterval(0.001)
    session = aiohttp.ClientSession()
    try:
        await _serve(app, session, port, host)
    finally:
        await session.close()


async def _serve(app: Application, session: aiohttp.ClientSession, port: int, host: str) -> None:
    dm_channels = DmChannels()
    bolt, context = create_bolt_app(app, session, dm_channels)
    work = background_work(app, dm_channels)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    app_token = app.settings.slack_app_token
    runner = web.AppRunner(
        web_application(app, bolt, app_token is not None, port),
        access_log=None,
        shutdown_timeout=2.0,  # requests in flight; Bolt's listeners return at once
    )
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as error:  # in use, or not ours to take: say so in one line
        await runner.cleanup()
        raise MissingSetting(f"--port {port}: cannot listen on {host} ({error.strerror})") from None
    socket_mode = None
    if app_token is not None:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        socket_mode = AsyncSocketModeHandler(bolt, app_token.get_secret_value())
        await socket_mode.connect_async()
        print(f"tandem slack: Socket Mode; health on http://{host}:{port}/healthz", flush=True)
    else:
        print(f"tandem slack: listening on http://{host}:{port}{EVENTS_PATH}", flush=True)
    work.start()
    try:
        await stop.wait()
    finally:
        # Within SHUTDOWN_BOUND: stop claiming at once (the send in hand finishes, the
        # rest of the batch is handed back), stop taking requests, finish what was acked
        # (Slack will not send it again), then leave the replicas and close.
        deadline = loop.time() + SHUTDOWN_BOUND
        log.info("stopping", extra={"bound_seconds": SHUTDOWN_BOUND})
        stopping = asyncio.ensure_future(asyncio.to_thread(work.stop, SHUTDOWN_BOUND - 2.0))
        if socket_mode is not None:
            await socket_mode.close_async()
        await runner.shutdown()
        await context.drain(timeout=max(0.5, deadline - loop.time() - 2.0))
        await runner.cleanup()
        await asyncio.wait({stopping}, timeout=max(0.5, deadline - loop.time() - 1.0))
        try:
            await asyncio.wait_for(
                asyncio.to_thread(Replicas(app.engine).leave, app.delivery.worker),
                timeout=max(0.5, deadline - loop.time()),
            )
        except Exception as error:  # the database is gone: the heartbeat ages out instead
            log.warning("could not leave the replicas", extra={"error": type(error).__name__})
        log.info("stopped")
