"""`tandem slack`: the acking side (adapters/slack/app.py) and the working side
(adapters/slack/work.py) put together, and the one way they stop.

HTTP mode (no SLACK_APP_TOKEN): this process acks; the work is done in the worker
process it starts (adapters/slack/worker.py), so a burst of work never delays an ack
(README, "Run on Slack": measured against doing the work here). This process then
builds no core: only the settings, the engine and the inbox, the Bolt app, and the
endpoints. Socket Mode: one process; the work runs in tasks beside the acks.

Stopping, in both modes, on SIGTERM or SIGINT (or the worker process's death): the
listener closes first (a new connection is refused, so a load balancer sends it to
another replica; the requests in flight are recorded and answered; Socket Mode closes
its websocket), then nothing more is recorded, then the working side drains (finishes
what it has in hand, hands back the rest) and the process exits, within SHUTDOWN_BOUND.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
import threading
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

import aiohttp
from aiohttp import web

from adapters import endpoints
from adapters.settings import Settings
from adapters.slack.app import (
    EVENTS_PATH,
    Ingress,
    MissingSetting,
    check_settings,
    create_bolt_app,
    web_application,
)
from adapters.slack.handoff import InboxFront
from adapters.slack.worker import WorkerProcess
from bot.i18n import _

if TYPE_CHECKING:  # HTTP mode's acking process builds no core and imports none
    from adapters.bootstrap import Application
    from adapters.slack.work import Work

log = logging.getLogger(__name__)
SHUTDOWN_BOUND = 9.0  # seconds from SIGTERM to exit (Kubernetes' default grace is 30)
EXIT_SLACK = 3.0  # seconds past the bound before the exit is forced (_exit_within)


class WorkingSide(Protocol):
    """Where the work after the ack is done: the worker process, or this process."""

    async def start(self, session: aiohttp.ClientSession) -> None: ...

    def wake(self, item_id: int) -> None:
        """A row was recorded (called in the event loop)."""
        ...

    def on_end(self, callback: Callable[[], None]) -> None:
        """Call `callback` should the working side end by itself (it died)."""
        ...

    def condition(self) -> str | None:
        """Readiness: None while it works."""
        ...

    async def metrics(self, request: web.Request) -> web.StreamResponse: ...

    def alive(self) -> bool: ...

    def failed(self) -> bool: ...

    async def stop(self, timeout: float) -> None: ...

    async def hand_back(self, release: Callable[[str], tuple[int, int]], timeout: float) -> None:
        """It died: hand back what it held."""
        ...


class InThisProcess:
    """The working side in this process, beside the acks (Socket Mode)."""

    def __init__(self, app: Application) -> None:
        self._app = app
        self._work: Work | None = None
        self._metrics = endpoints.metrics_endpoint(app.engine)

    async def start(self, session: aiohttp.ClientSession) -> None:
        from adapters.slack.work import Work

        self._work = Work(self._app, session)
        self._work.start()

    def wake(self, item_id: int) -> None:
        assert self._work is not None
        self._work.wake(item_id)

    def on_end(self, callback: Callable[[], None]) -> None:
        pass  # it ends with this process

    def condition(self) -> str | None:
        return None

    async def metrics(self, request: web.Request) -> web.StreamResponse:
        return await self._metrics(request)

    def alive(self) -> bool:
        return True

    def failed(self) -> bool:
        return False

    async def stop(self, timeout: float) -> None:
        if self._work is not None:
            await self._work.stop(timeout)

    async def hand_back(self, release: Callable[[str], tuple[int, int]], timeout: float) -> None:
        pass  # never called: it cannot die without this process


async def serve(
    settings: Settings, port: int, host: str = "0.0.0.0", *, work_here: bool | None = None
) -> int:
    """Run until SIGTERM or SIGINT: Socket Mode if SLACK_APP_TOKEN is set, else HTTP.
    Returns the exit code (1: the worker process died). `work_here`: do the work in
    this process in HTTP mode too (`tandem slack --one-process`, for small deployments:
    one process instead of two, README "Performance")."""
    check_settings(settings)
    socket_mode = settings.slack_app_token is not None
    # The event loop sends acks; background threads (core calls, delivery) must hand it
    # the GIL quickly. Python's default switch interval of 5 ms shows as ack latency.
    sys.setswitchinterval(0.001)
    app: Application | None = None
    working: WorkingSide
    if socket_mode or work_here:
        from adapters.bootstrap import build
        from adapters.clock import SystemClock
        from bot.domain import Platform

        app = build(settings, SystemClock(), platform=Platform.SLACK)
        ingress = Ingress(settings, app.engine, app.inbox)
        working = InThisProcess(app)
    else:
        ingress = Ingress.open(settings)
        working = WorkerProcess()
    try:
        async with aiohttp.ClientSession() as session:
            return await _serve(ingress, working, session, port, host, socket_mode)
    finally:
        if app is not None:
            app.close()
        ingress.close()


class Listener(Protocol):
    async def open(self) -> None: ...

    async def close(self) -> None:
        """Take nothing more; answer what came in already."""
        ...


class HttpListener:
    """Slack's requests and the endpoints on one port."""

    def __init__(self, web_app: web.Application, host: str, port: int, banner: str) -> None:
        # shutdown_timeout: the requests in flight; Bolt's listeners return at once
        self._runner = web.AppRunner(web_app, access_log=None, shutdown_timeout=2.0)
        self._host, self._port, self._banner = host, port, banner

    async def open(self) -> None:
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self._host, self._port).start()
        except OSError as error:  # in use, or not ours to take: say so in one line
            await self._runner.cleanup()
            raise MissingSetting(
                _("--port {port}: cannot listen on {host} ({reason})").format(
                    port=self._port, host=self._host, reason=error.strerror
                )
            ) from None
        print(f"tandem slack: {self._banner}".format(f"http://{self._host}:{self._port}"))

    async def close(self) -> None:
        # The socket closes first (a new connection is refused), the requests in flight
        # are answered (within shutdown_timeout), idle keep-alive connections closed.
        await self._runner.cleanup()


class SocketModeListener:
    """Slack's requests over Socket Mode's websocket; the endpoints on the port."""

    def __init__(
        self,
        http: HttpListener,
        connect: Callable[[], Awaitable[None]],
        disconnect: Callable[[], Awaitable[None]],
    ) -> None:
        self._http, self._connect, self._disconnect = http, connect, disconnect

    async def open(self) -> None:
        await self._http.open()
        await self._connect()

    async def close(self) -> None:
        await self._disconnect()  # nothing more comes in
        await self._http.close()


async def _serve(
    ingress: Ingress,
    working: WorkingSide,
    session: aiohttp.ClientSession,
    port: int,
    host: str,
    socket_mode: bool,
) -> int:
    loop = asyncio.get_running_loop()
    front = InboxFront(ingress.inbox, working.wake, session, ingress.settings.locale)
    bolt = create_bolt_app(ingress.settings, session, front)
    web_app = web_application(
        ingress.engine, bolt, socket_mode, port, {"worker": working.condition}, working.metrics
    )
    if not socket_mode:
        listener: Listener = HttpListener(web_app, host, port, "listening on {}" + EVENTS_PATH)
    else:
        from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

        app_token = ingress.settings.slack_app_token
        assert app_token is not None
        handler = AsyncSocketModeHandler(bolt, app_token.get_secret_value())
        health = HttpListener(web_app, host, port, "Socket Mode; health on {}/healthz")
        listener = SocketModeListener(health, handler.connect_async, handler.close_async)

    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    await working.start(session)
    try:
        await listener.open()
    except BaseException:
        await working.stop(2.0)
        raise
    sys.stdout.flush()
    # A dead worker process fails the replica fast and visibly: /readyz answers 503 at
    # once (readiness off), the listener closes, what the worker held is handed back
    # for the other replicas, and the process exits non-zero.
    ended: list[bool] = []

    def working_ended() -> None:
        ended.append(True)
        stop.set()

    working.on_end(working_ended)
    await stop.wait()

    # The one way to stop.
    deadline = loop.time() + SHUTDOWN_BOUND
    forced = _exit_within(SHUTDOWN_BOUND + EXIT_SLACK)
    died = bool(ended) or not working.alive()
    log.info("stopping", extra={"bound_seconds": SHUTDOWN_BOUND})
    await listener.close()  # first: nothing more comes in
    front.close()  # from here on, nothing is recorded (nothing can come in anyway)
    if died:
        await working.hand_back(ingress.release, max(0.5, deadline - loop.time()))
    else:
        await working.stop(max(1.0, deadline - loop.time() - 0.5))
    log.info("stopped")
    forced.cancel()  # within the bound
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.remove_signal_handler(signum)
    return 1 if died or working.failed() else 0


def _exit_within(seconds: float) -> threading.Timer:
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
    return timer
