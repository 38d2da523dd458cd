"""The worker process: the working side (adapters/slack/work.py) in a process of its
own, so a burst of work never delays an ack.

The acking process records each request as an inbox row and sends the row's id here
through a queue; everything crossing between the processes is that id (and the stop):
the work itself is named by the row's kind and its arguments are the row's JSON, read
from the database, exactly as when the work runs beside the acks. The process builds
its own core from the settings, serves /metrics on a local port (which the acking
process answers through), lowers its own priority so the acks get the CPU first, and
stops when told, within the bound it is given; at once if the acking process is gone
(killed: its claims expire and are taken over, as after any crash).

`WorkerProcess` is the acking process's handle on it; `run` is the process's entry
point (started with multiprocessing's spawn)."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import multiprocessing.connection
import multiprocessing.queues
import os
import socket
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import aiohttp
from aiohttp import web

from adapters import endpoints, logs, startup
from adapters.settings import Settings
from adapters.startup import CannotStart

if TYPE_CHECKING:
    from adapters.bootstrap import Application

log = logging.getLogger(__name__)
HAND_BACK_GRACE = 2.0  # seconds after a worker's death before its claims are handed back
START_BOUND = 60.0  # seconds the worker may take to build its core


class WorkerProcess:
    """The worker process, seen from the acking process."""

    def __init__(self) -> None:
        spawn = multiprocessing.get_context("spawn")
        self._queue = spawn.Queue()
        ours, theirs = spawn.Pipe(duplex=False)
        self._ready = ours
        self.process = spawn.Process(
            target=run, args=(self._queue, theirs), name="tandem-slack-worker", daemon=True
        )
        self.port = 0
        self._session: aiohttp.ClientSession | None = None

    async def start(self, session: aiohttp.ClientSession) -> None:
        """Start the process and wait until it works (or raise `CannotStart`)."""
        self._session = session
        self.process.start()
        if not await asyncio.to_thread(self._ready.poll, START_BOUND):
            raise CannotStart("the worker process did not start (see its log lines)", 1)
        try:
            answer = self._ready.recv()
        except EOFError:  # it ended before it said anything
            raise CannotStart("the worker process ended at start (see its log lines)", 1) from None
        if answer[0] == "failed":
            await asyncio.to_thread(self.process.join, 5.0)
            raise CannotStart(answer[1], answer[2])
        self.port = answer[1]

    def wake(self, item_id: int) -> None:
        self._queue.put(("wake", item_id))

    def on_end(self, callback: Callable[[], None]) -> None:
        """Call `callback` in the event loop the moment the process ends, however it ends."""
        loop = asyncio.get_running_loop()

        def ended() -> None:
            loop.remove_reader(self.process.sentinel)
            callback()

        loop.add_reader(self.process.sentinel, ended)

    def alive(self) -> bool:
        return self.process.is_alive()

    def failed(self) -> bool:
        """It ended, or ended with an error."""
        return self.process.exitcode not in (0, None)

    @property
    def name(self) -> str:
        """The worker's name in its claims (adapters.bootstrap.worker_name, its pid)."""
        return f"{socket.gethostname()}:{self.process.pid}"

    def condition(self) -> str | None:
        """Readiness: the worker process runs (acks with no one to do the work are lost)."""
        return None if self.alive() else "ended"

    async def metrics(self, request: web.Request) -> web.Response:
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
        if self.alive():
            self._queue.put(("stop", max(0.5, timeout - 1.0)))
            await asyncio.to_thread(self.process.join, timeout)
        if self.process.is_alive():
            log.warning("the worker did not stop within its bound; ending it")
            self.process.terminate()
            await asyncio.to_thread(self.process.join, 2.0)

    async def hand_back(self, release: Callable[[str], tuple[int, int]], timeout: float) -> None:
        """The worker died: give back what it held (`release` does it by the worker's
        name), so other replicas take it now rather than after its leases run out. A send
        it had in flight may still land: wait a moment first, so the taker's look before
        sending again sees it."""
        await asyncio.to_thread(self.process.join, 1.0)  # (its pipe closes a moment early)
        log.error("the worker process ended; stopping", extra={"exit": self.process.exitcode})
        await asyncio.sleep(min(HAND_BACK_GRACE, timeout / 2))
        try:
            inbox, outbox = await asyncio.wait_for(
                asyncio.to_thread(release, self.name), timeout=max(0.1, timeout - HAND_BACK_GRACE)
            )
            log.info(
                "handed back the dead worker's claims",
                extra={"inbox_rows": inbox, "outbox_rows": outbox},
            )
        except Exception as error:  # no database: its leases run out instead
            log.warning("could not hand back", extra={"error": type(error).__name__})


# -- in the worker process ---------------------------------------------------------------


def run(queue: multiprocessing.queues.Queue, ready: multiprocessing.connection.Connection) -> None:
    """The worker's entry point (started with multiprocessing's spawn)."""
    logs.configure(logging.INFO)
    # The acks come first: where both processes want the CPU, the one that acks gets it;
    # acked work waits a moment longer, which nobody sees.
    os.nice(5)
    parent = os.getppid()
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    settings = Settings()
    # The core is imported here, in the worker process only: the acking process that
    # imports this module for `WorkerProcess` stays lean (tests/unit/test_lean_imports.py).
    from adapters.bootstrap import build
    from adapters.clock import SystemClock
    from bot.domain import Platform

    try:
        app = build(settings, SystemClock(), platform=Platform.SLACK)
    except Exception as error:  # said in one line by the acking process, as `tandem` does
        known = startup.failure(error, settings)
        if known is None:
            log.exception("the worker process could not start")
            known = (f"the worker process could not start ({type(error).__name__})", 1)
        ready.send(("failed", *known))
        _leave(known[1])
    try:
        asyncio.run(_work(app, queue, ready))
    finally:
        app.close()
    _leave(0)


def _leave(code: int) -> None:
    # Done and closed: leave now, as `tandem slack` itself does (adapters/cli.py); the
    # interpreter's teardown was seen to hang past the shutdown bound.
    logging.shutdown()
    sys.stderr.flush()
    os._exit(code)


def _watch_parent(parent: int) -> None:
    while True:
        if os.getppid() != parent:  # the acking process is gone
            log.error("the acking process is gone; the worker stops")
            sys.stderr.flush()
            os._exit(1)
        time.sleep(0.2)


async def _work(
    app: Application,
    queue: multiprocessing.queues.Queue,
    ready: multiprocessing.connection.Connection,
) -> None:
    async with aiohttp.ClientSession() as session:
        from adapters.slack.work import Work

        work = Work(app, session)
        runner = await endpoints.serve(app.engine, "127.0.0.1", 0)
        work.start()
        ready.send(("ready", runner.addresses[0][1]))
        bound = 4.0
        try:
            while True:
                what, value = await asyncio.to_thread(queue.get)
                if what == "stop":
                    bound = value
                    break
                work.wake(value)  # the id of a row the acking process just recorded
        finally:
            await work.stop(bound)
            await runner.cleanup()
