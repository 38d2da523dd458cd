"""The worker process: the working side (adapters/slack/work.py) in a process of its
own, so a burst of work never delays an ack.

The acking process records each request as an inbox row and sends the row's id here,
one line on the worker's stdin; everything crossing between the processes is that id
(and the stop): the work itself is named by the row's kind and its arguments are the
row's JSON, read from the database, exactly as when the work runs beside the acks. The
process builds its own core from the settings, says on a pipe of its own that it works
(with the local port it serves /metrics on, which the acking process answers through)
or why it cannot, lowers its own priority so the acks get the CPU first, and stops when
told, within the bound it is given; at once if the acking process is gone (killed: its
stdin ends; its claims expire and are taken over, as after any crash).

`WorkerProcess` is the acking process's handle on it; `main` is the process's entry
point. It is started with `subprocess` (a plain `python -c`), not multiprocessing's
spawn, which also starts multiprocessing's resource tracker: a third process of some
13 MB that the worker never needed (README, "Performance")."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
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
ENTRY = "import sys; from adapters.slack.worker import main; main(int(sys.argv[1]))"


class WorkerProcess:
    """The worker process, seen from the acking process."""

    def __init__(self) -> None:
        self.process: asyncio.subprocess.Process | None = None
        self.port = 0
        self._session: aiohttp.ClientSession | None = None
        self._ended: asyncio.Future[int] | None = None  # done when the process has ended
        self._woken: list[str] = []  # wake lines not yet written (see `wake`)

    async def start(self, session: aiohttp.ClientSession) -> None:
        """Start the process and wait until it works (or raise `CannotStart`)."""
        self._session = session
        ours, theirs = os.pipe()  # the worker says on `theirs` that it works, or why not
        try:
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-c",
                ENTRY,
                str(theirs),
                stdin=asyncio.subprocess.PIPE,
                pass_fds=(theirs,),
            )
        except BaseException:
            os.close(ours)
            raise
        finally:
            os.close(theirs)  # the worker holds it now: it ends with the worker
        self._ended = asyncio.ensure_future(self.process.wait())
        answer = await _read_line(ours, START_BOUND)
        if answer is None:
            log.error("the worker process did not start within its bound; ending it")
            await self._end()
            raise CannotStart("the worker process did not start (see its log lines)", 1)
        if not answer:  # it ended before it said anything
            raise CannotStart("the worker process ended at start (see its log lines)", 1)
        said = json.loads(answer)
        if said[0] == "failed":
            await self._join(5.0)
            raise CannotStart(said[1], said[2])
        self.port = said[1]

    def wake(self, item_id: int) -> None:
        """Tell the worker a row was recorded. The rows a group commit settled together
        go in one write at the end of this turn of the event loop, not a write each."""
        if not self._woken:
            asyncio.get_running_loop().call_soon(self._wake_all)
        self._woken.append(f"wake {item_id}")

    def _wake_all(self) -> None:
        lines, self._woken = self._woken, []
        if lines:
            self._send("\n".join(lines))

    def on_end(self, callback: Callable[[], None]) -> None:
        """Call `callback` in the event loop the moment the process ends, however it ends."""
        assert self._ended is not None
        self._ended.add_done_callback(lambda _: callback())

    def alive(self) -> bool:
        return self.process is not None and self.process.returncode is None

    def failed(self) -> bool:
        """It ended, or ended with an error."""
        return self.process is not None and self.process.returncode not in (0, None)

    @property
    def name(self) -> str:
        """The worker's name in its claims (adapters.bootstrap.worker_name, its pid)."""
        assert self.process is not None
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
            self._wake_all()  # the rows recorded before the stop are woken first
            self._send(f"stop {max(0.5, timeout - 1.0)}")
            await self._join(timeout)
        if self.alive():
            log.warning("the worker did not stop within its bound; ending it")
            await self._end()

    async def hand_back(self, release: Callable[[str], tuple[int, int]], timeout: float) -> None:
        """The worker died: give back what it held (`release` does it by the worker's
        name), so other replicas take it now rather than after its leases run out. A send
        it had in flight may still land: wait a moment first, so the taker's look before
        sending again sees it."""
        await self._join(1.0)
        exit_code = None if self.process is None else self.process.returncode
        log.error("the worker process ended; stopping", extra={"exit": exit_code})
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

    def _send(self, line: str) -> None:
        """One line on the worker's stdin. It never blocks the event loop: what the pipe
        cannot take yet waits in the transport's buffer (as a queue's feeder would)."""
        if self.alive():
            assert self.process is not None and self.process.stdin is not None
            self.process.stdin.write(f"{line}\n".encode())

    async def _join(self, timeout: float) -> None:
        """Wait until the process has ended, at most `timeout` seconds."""
        if self._ended is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._ended), timeout)

    async def _end(self) -> None:
        if self.alive():
            assert self.process is not None
            with contextlib.suppress(ProcessLookupError):
                self.process.terminate()
            await self._join(2.0)


async def _read_line(fd: int, timeout: float) -> bytes | None:
    """The first line written on `fd` (b"" if its writer closed it first; None if none
    came within `timeout`). Closes `fd`."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    transport, _ = await loop.connect_read_pipe(
        lambda: asyncio.StreamReaderProtocol(reader), os.fdopen(fd, "rb", buffering=0)
    )
    try:
        return await asyncio.wait_for(reader.readline(), timeout)
    except TimeoutError:
        return None
    finally:
        transport.close()


# -- in the worker process ---------------------------------------------------------------


def main(ready: int) -> None:
    """The worker's entry point (`python -c ENTRY FD`): it says on file descriptor
    `ready` that it works, or why it cannot, and takes its orders on stdin."""
    logs.configure(logging.INFO)
    # Ctrl-C in a terminal reaches the whole process group: the acking process takes it
    # and tells this one to stop, within its bound (the one way to stop, serve.py).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The acks come first: where both processes want the CPU, the one that acks gets it;
    # acked work waits a moment longer, which nobody sees. The lowest priority (19):
    # measured at 50 concurrent senders on PostgreSQL (bench/slack_latency.py), the
    # median ack was 15 to 17 ms with it and 20 to 22 ms at 5. A replica's processes
    # share its container's CPU group, so this yields to its own acks, not to the host.
    os.nice(19)
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
        _say(ready, ["failed", *known])
        _leave(known[1])
    try:
        asyncio.run(_work(app, ready))
    finally:
        app.close()
    _leave(0)


def _say(ready: int, what: list[object]) -> None:
    os.write(ready, json.dumps(what).encode() + b"\n")
    os.close(ready)


def _leave(code: int) -> None:
    # Done and closed: leave now, as `tandem slack` itself does (adapters/cli.py); the
    # interpreter's teardown was seen to hang past the shutdown bound.
    logging.shutdown()
    sys.stderr.flush()
    os._exit(code)


def _parent_gone() -> None:
    log.error("the acking process is gone; the worker stops")
    sys.stderr.flush()
    os._exit(1)


def _watch_parent(parent: int) -> None:
    """While the core is built (and after, should stdin stay open): the acking process
    gone means this process is orphaned."""
    while True:
        if os.getppid() != parent:
            _parent_gone()
        time.sleep(0.2)


async def _work(app: Application, ready: int) -> None:
    loop = asyncio.get_running_loop()
    orders = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(orders), sys.stdin.buffer)
    async with aiohttp.ClientSession() as session:
        from adapters.slack.work import Work

        work = Work(app, session)
        runner = await endpoints.serve(app.engine, "127.0.0.1", 0)
        work.start()
        _say(ready, ["ready", runner.addresses[0][1]])
        bound = 4.0
        try:
            while True:
                line = await orders.readline()
                if not line:  # stdin ended without a stop: the acking process is gone
                    _parent_gone()
                what, _, value = line.decode().partition(" ")
                if what == "stop":
                    bound = float(value)
                    break
                work.wake(int(value))  # the id of a row the acking process just recorded
        finally:
            await work.stop(bound)
            await runner.cleanup()
