"""`tandem slack`: the Bolt app, served over HTTP (aiohttp) or Socket Mode, with the
outbox delivered to Slack DMs by the background work."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import socket
import sys
import threading
from collections.abc import Awaitable, Callable
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
from adapters.inbox_worker import InboxWorker
from adapters.logs import scrub_bolt_logs
from adapters.pacing import Pacer
from adapters.scheduler import BackgroundWork
from adapters.settings import Settings
from adapters.slack import listeners, worker
from adapters.slack.answers import SlackContext
from adapters.slack.handoff import Front, InboxFront
from adapters.slack.identity import Profiles
from adapters.slack.listeners import register
from adapters.slack.sender import SlackSender
from bot.domain import InboxClaim, InboxItem
from storage.replicas import Replicas

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"
SHUTDOWN_BOUND = 9.0  # seconds from SIGTERM to exit (Kubernetes' default grace is 30)
EXIT_SLACK = 3.0  # seconds past the bound before the exit is forced (_exit_within)
HAND_BACK_GRACE = 2.0  # seconds after a worker's death before its claims are handed back


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


def web_client(app: Application, session: aiohttp.ClientSession) -> AsyncWebClient:
    settings = app.settings
    assert settings.slack_bot_token is not None
    return AsyncWebClient(
        token=settings.slack_bot_token.get_secret_value(),
        base_url=settings.slack_api_url,
        session=session,
        # replies outside the outbox (answers, modals, the Home tab) wait out a 429 too
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )


def slack_context(
    app: Application, session: aiohttp.ClientSession, dm_channels: DmChannels
) -> SlackContext:
    """What does the work after the ack: the core, the Web API client, profiles."""
    client = web_client(app, session)
    return SlackContext(app.tandem, client, Profiles(client), session, dm_channels)


def create_bolt_app(app: Application, session: aiohttp.ClientSession, front: Front) -> AsyncApp:
    """The Bolt app with Tandem's listeners, which record their work with `front` and
    only then ack; call it inside the running event loop."""
    settings = app.settings
    check_settings(settings)
    socket_mode = settings.slack_app_token is not None
    secret = settings.slack_signing_secret
    logging.getLogger("slack_bolt.AsyncApp").addFilter(_not_the_token_notice)
    scrub_bolt_logs()
    bolt = AsyncApp(
        client=web_client(app, session),
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


def inbox_worker(app: Application, context: SlackContext) -> InboxWorker:
    """Does the recorded requests' work (in the worker process, or in Socket Mode here)."""

    async def run(item: InboxItem, claim: InboxClaim) -> None:
        await listeners.run(context, item, claim, app.inbox.now())

    return InboxWorker(app.inbox, run, kinds=listeners.WORK)


def inbox_writers(app: Application) -> int:
    """Threads that write inbox rows on the ack path (see InboxFront)."""
    return 1 if app.engine.dialect.name == "sqlite" else 4


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
        SlackSender(client, pacer, dm_channels, app.tandem),
        app.signal,
        heartbeat=share_the_budget,
        interrupt=pacer.interrupt,
    )


def web_application(
    app: Application, bolt: AsyncApp, socket_mode: bool, port: int, worker: Worker | None = None
) -> web.Application:
    """HTTP mode: Slack's requests at /slack/events; /healthz and /livez (this process
    answers), /readyz (the database and the worker process) and /metrics (answered by the
    worker process, which does the work). Socket Mode: the same without /slack/events,
    so no request that claims to come from Slack is taken over HTTP."""
    web_app = web.Application() if socket_mode else bolt.web_app(path=EVENTS_PATH, port=port)
    web_app.middlewares.append(refuse_malformed)
    if worker is None:
        endpoints.add_routes(web_app, app.engine)
    else:
        endpoints.add_health_routes(
            web_app, endpoints.conditions(app.engine, {"worker": worker.condition})
        )
        web_app.router.add_get("/metrics", worker.forward)
    return web_app


class Worker:
    """The worker process (adapters/slack/worker.py) and the queue that feeds it."""

    def __init__(self) -> None:
        spawn = multiprocessing.get_context("spawn")
        self.queue = spawn.Queue()
        ours, theirs = spawn.Pipe(duplex=False)
        self._ready = ours
        self.process = spawn.Process(
            target=worker.run, args=(self.queue, theirs), name="tandem-slack-worker", daemon=True
        )
        self.port = 0
        self._session: aiohttp.ClientSession | None = None

    async def start(self, session: aiohttp.ClientSession, timeout: float = 60.0) -> None:
        self._session = session
        self.process.start()
        ready = await asyncio.to_thread(self._ready.poll, timeout)
        if not ready:
            raise MissingSetting("the worker process did not start (see its log lines)")
        self.port = self._ready.recv()

    def alive(self) -> bool:
        return self.process.is_alive()

    def exitcode(self) -> int | None:
        return self.process.exitcode

    @property
    def name(self) -> str:
        """The worker's name in its claims (adapters.bootstrap.worker_name, its pid)."""
        return f"{socket.gethostname()}:{self.process.pid}"

    async def hand_back(self, app: Application, timeout: float) -> None:
        """The worker died: give back what it held, so other replicas take it now rather
        than after its leases run out. A send it had in flight may still land: wait a
        moment first, so the taker's look before sending again sees it."""
        await asyncio.sleep(min(HAND_BACK_GRACE, timeout / 2))

        def release() -> tuple[int, int]:
            return app.inbox.release_all(self.name), app.delivery.release_all(self.name)

        try:
            inbox, outbox = await asyncio.wait_for(
                asyncio.to_thread(release), timeout=max(0.1, timeout - HAND_BACK_GRACE)
            )
            log.info(
                "handed back the dead worker's claims",
                extra={"inbox_rows": inbox, "outbox_rows": outbox},
            )
        except Exception as error:  # no database: its leases run out instead
            log.warning("could not hand back", extra={"error": type(error).__name__})

    def condition(self) -> str | None:
        """Readiness: the worker process runs (acks with no one to do the work are lost)."""
        return None if self.alive() else "ended"

    async def forward(self, request: web.Request) -> web.Response:
        """/metrics as the worker answers it (503 if it cannot)."""
        assert self._session is not None
        try:
            async with self._session.get(
                f"http://127.0.0.1:{self.port}{request.path}",
                timeout=aiohttp.ClientTimeout(total=10),
            ) as answer:
                return web.Response(
                    body=await answer.read(),
                    status=answer.status,
                    content_type=answer.content_type,
                    charset=answer.charset,
                )
        except (aiohttp.ClientError, TimeoutError) as error:
            return web.json_response({"ok": False, "worker": type(error).__name__}, status=503)

    async def stop(self, timeout: float) -> None:
        """Finish acked work and stop (within `timeout`), else end it."""
        self.queue.put(None)
        await asyncio.to_thread(self.process.join, timeout)
        if self.process.is_alive():
            self.process.terminate()
            await asyncio.to_thread(self.process.join, 2.0)


async def serve(app: Application, port: int, host: str = "0.0.0.0") -> None:
    """Run until SIGTERM or SIGINT: Socket Mode if SLACK_APP_TOKEN is set, else HTTP."""
    # The event loop sends acks; background threads (core calls, delivery) must hand it
    # the GIL quickly. Python's default switch interval of 5 ms shows as ack latency.
    sys.setswitchinterval(0.001)
    session = aiohttp.ClientSession()
    try:
        if app.settings.slack_app_token is None:
            await _serve_http(app, session, port, host)
        else:
            await _serve_socket_mode(app, session, port, host)
    finally:
        await session.close()


def _stop_on_signals() -> asyncio.Event:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return stop


async def _listen(runner: web.AppRunner, host: str, port: int) -> None:
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as error:  # in use, or not ours to take: say so in one line
        await runner.cleanup()
        raise MissingSetting(f"--port {port}: cannot listen on {host} ({error.strerror})") from None


def _exit_within(seconds: float) -> None:
    """The bound holds whatever still runs: a thread stuck in a database call would keep
    the interpreter from exiting (executors are joined at exit), so after `seconds` the
    process ends anyway, naming what was still running. Its claims are handed back by
    their lease running out, as after any crash."""

    def force() -> None:
        me = threading.current_thread()
        running = sorted(t.name for t in threading.enumerate() if t is not me)
        log.error("exit forced after the shutdown bound", extra={"threads": running})
        logging.shutdown()
        os._exit(1)

    timer = threading.Timer(seconds, force)
    timer.daemon = True
    timer.start()


async def _serve_http(
    app: Application, session: aiohttp.ClientSession, port: int, host: str
) -> None:
    """HTTP mode: this process acks; the worker process does the rest."""
    check_settings(app.settings)
    stop = _stop_on_signals()
    loop = asyncio.get_running_loop()
    helper = Worker()
    await helper.start(session)
    front = InboxFront(app.inbox, helper.queue.put, session, inbox_writers(app))
    bolt = create_bolt_app(app, session, front)
    runner = web.AppRunner(
        web_application(app, bolt, False, port, helper),
        access_log=None,
        shutdown_timeout=2.0,  # requests in flight; Bolt's listeners return at once
    )
    try:
        await _listen(runner, host, port)
    except MissingSetting:
        await helper.stop(2.0)
        raise
    print(f"tandem slack: listening on http://{host}:{port}{EVENTS_PATH}", flush=True)

    # A dead worker process fails the replica fast and visibly: /readyz answers 503 at
    # once (readiness off), the listener closes, what the worker held is handed back
    # for the other replicas, and the process exits non-zero. The sentinel is readable
    # the moment the worker ends, however it ends.
    ended: list[bool] = []
    loop.add_reader(helper.process.sentinel, lambda: (ended.append(True), stop.set()))
    try:
        await stop.wait()
    finally:
        loop.remove_reader(helper.process.sentinel)
        deadline = loop.time() + SHUTDOWN_BOUND
        _exit_within(SHUTDOWN_BOUND + EXIT_SLACK)
        worker_died = bool(ended) or not helper.alive()
        if worker_died:  # (its pipe closes a moment before the kernel reports it ended)
            await asyncio.to_thread(helper.process.join, 1.0)
            log.error("the worker process ended; stopping", extra={"exit": helper.exitcode()})
        log.info("stopping", extra={"bound_seconds": SHUTDOWN_BOUND})
        # The listener closes FIRST (a new connection is refused, so a load balancer
        # sends it to another replica), the requests in flight are recorded and answered
        # (within shutdown_timeout), idle keep-alive connections are closed; then the
        # worker finishes or hands back what was recorded, and the process exits.
        await runner.cleanup()
        front.close()  # from here on, nothing is recorded (nothing can come in anyway)
        if worker_died:
            await helper.hand_back(app, timeout=max(0.5, deadline - loop.time()))
        else:
            await helper.stop(max(1.0, deadline - loop.time() - 1.0))
        log.info("stopped")
    if worker_died or helper.exitcode() not in (0, None):
        raise SystemExit(1)


async def _serve_socket_mode(
    app: Application, session: aiohttp.ClientSession, port: int, host: str
) -> None:
    """Socket Mode: one process; the work runs in tasks beside the acks."""
    from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

    dm_channels = DmChannels()
    context = slack_context(app, session, dm_channels)
    inbox = inbox_worker(app, context)
    inbox.start()
    front = InboxFront(app.inbox, inbox.wake, session, inbox_writers(app))
    bolt = create_bolt_app(app, session, front)
    work = background_work(app, dm_channels)
    stop = _stop_on_signals()
    loop = asyncio.get_running_loop()
    runner = web.AppRunner(
        web_application(app, bolt, True, port), access_log=None, shutdown_timeout=2.0
    )
    await _listen(runner, host, port)
    app_token = app.settings.slack_app_token
    assert app_token is not None
    socket_mode = AsyncSocketModeHandler(bolt, app_token.get_secret_value())
    await socket_mode.connect_async()
    print(f"tandem slack: Socket Mode; health on http://{host}:{port}/healthz", flush=True)
    work.start()
    try:
        await stop.wait()
    finally:
        # Within SHUTDOWN_BOUND: stop taking requests (the websocket closes first), stop
        # claiming (the send in hand finishes, the rest of the batch is handed back),
        # finish what was acked (Slack will not send it again), then leave the replicas.
        deadline = loop.time() + SHUTDOWN_BOUND
        _exit_within(SHUTDOWN_BOUND + EXIT_SLACK)
        log.info("stopping", extra={"bound_seconds": SHUTDOWN_BOUND})
        await socket_mode.close_async()  # the listener first: nothing more comes in
        stopping = asyncio.ensure_future(asyncio.to_thread(work.stop, SHUTDOWN_BOUND - 2.0))
        front.close()
        await runner.shutdown()
        await inbox.stop(timeout=max(0.5, deadline - loop.time() - 2.0))
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
