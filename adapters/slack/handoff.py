"""Recording acked work: the listeners record each request in the inbox (bot/inbox.py)
and only then ack. `InboxFront.record` writes the row (off the event loop, bounded so
the ack stays inside Slack's 3 seconds) and wakes a worker with its id: in one process
the local `InboxWorker`, in HTTP mode the worker process through a queue. A request that
cannot be recorded (database down, process stopping) is answered "not saved".

Each kind of work is a module-level coroutine function `work(context, *args, inbox=claim)`
named in `WORK` (adapters/slack/listeners/__init__.py); the row's payload holds its
arguments (the request's JSON parts), so any worker on any replica can run it."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import threading
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

import aiohttp

from bot.i18n import _, speaking
from bot.inbox import NOT_SAVED, Inbox, Recorded

log = logging.getLogger(__name__)
Work = Callable[..., Coroutine[Any, Any, None]]  # (context, *args, inbox=claim) -> None
RECORD_BOUND = 2.0  # seconds the ack waits for the inbox write (Slack gives up at 3)
Settled = tuple["asyncio.Future[Any]", Any, BaseException | None]  # a future, its result or error


class Front(Protocol):
    """What a listener needs: somewhere to record its work before the ack."""

    language: str | None  # the deployment's (TANDEM_LOCALE): the ack knows no person's

    async def record(self, key: str, kind: str, *args: Any) -> Recorded | None:
        """Record the work; None if it could not be recorded (say "not saved")."""
        ...

    def tell(self, response_url: str | None, text: str) -> None:
        """Say `text` privately through a `response_url`, after the ack (best effort)."""
        ...

    def not_saved(self) -> str:
        """The not-saved answer, in the deployment's language (no person known yet)."""
        ...


def request_key(request: Any, body: dict[str, Any]) -> str:
    """The key of a signed request: a digest of its timestamp and signature, which Slack
    makes anew for every request it sends, and which a replay repeats. (Over Socket
    Mode, where nothing is signed, a digest of the body.)"""
    headers = getattr(request, "headers", None) or {}

    def header(name: str) -> str:
        values = headers.get(name) or []
        return values[0] if isinstance(values, list) and values else str(values or "")

    signature, timestamp = header("x-slack-signature"), header("x-slack-request-timestamp")
    if signature and timestamp:
        material = f"{timestamp}:{signature}"
    else:
        material = json.dumps(body, sort_keys=True, default=str)
    return "slack:request:" + hashlib.sha256(material.encode()).hexdigest()


class InboxFront:
    """Records requests for the listeners. Requests that arrive while a write is under
    way are written together in the next one (a group commit), so under load the ack
    path pays one commit for many requests instead of queueing for one each."""

    def __init__(
        self,
        inbox: Inbox,
        wake: Callable[[int], None],
        session: aiohttp.ClientSession,
        language: str | None = None,
    ) -> None:
        self.language = language  # the deployment's (TANDEM_LOCALE): the ack knows no one's
        self._inbox = inbox
        self._wake = wake
        self._session = session
        self._tasks: set[asyncio.Task[None]] = set()
        # One write at a time, each taking all who wait. On SQLite there is one writer
        # anyway; on PostgreSQL, measured at 50 concurrent senders (bench/
        # slack_latency.py), four overlapping writers made smaller groups and fought the
        # event loop for the GIL: the median ack was 23.7 ms against 15.5 ms with one.
        self._executor = ThreadPoolExecutor(1, "inbox-record")
        self._waiting: list[
            tuple[str, str, dict[str, Any], threading.Event, asyncio.Future[Any]]
        ] = []
        self._writing = False
        self.closed = False

    def close(self) -> None:
        """Record nothing more (the process is stopping): every request is "not saved"."""
        self.closed = True

    async def record(self, key: str, kind: str, *args: Any) -> Recorded | None:
        if self.closed:
            return None
        loop = asyncio.get_running_loop()
        wanted = threading.Event()
        wanted.set()
        future: asyncio.Future[Any] = loop.create_future()
        self._waiting.append((key, kind, {"args": list(args)}, wanted, future))
        self._write_more(loop)
        # One timer, not wait_for(shield(...)): a task and two callbacks less per ack.
        late = loop.call_later(RECORD_BOUND, _settle, future, None, TimeoutError())
        try:
            result = await future
        except Exception as error:
            # Too slow, or the database refused: the write must not land after the person
            # was told it did not (it asks `wanted` before it commits).
            wanted.clear()
            log.warning("could not record a request", extra={"error": type(error).__name__})
            return None
        finally:
            late.cancel()
        if result is None:
            return None
        outcome, item_id = result
        if item_id is not None:
            self._wake(item_id)
        return outcome

    def _write_more(self, loop: asyncio.AbstractEventLoop) -> None:
        if not self._waiting or self._writing:
            return
        batch, self._waiting = self._waiting[:500], self._waiting[500:]
        self._writing = True
        done = loop.run_in_executor(self._executor, self._write, batch)
        done.add_done_callback(lambda _: self._written(loop))

    def _written(self, loop: asyncio.AbstractEventLoop) -> None:
        self._writing = False
        self._write_more(loop)

    def _write(
        self, batch: list[tuple[str, str, dict[str, Any], threading.Event, asyncio.Future[Any]]]
    ) -> None:
        """In a writer thread: record `batch` in one transaction, then settle each future."""
        loop = batch[0][4].get_loop()
        settled: list[Settled]
        try:
            results = self._inbox.record_many(
                [(k, kind, p, w.is_set) for k, kind, p, w, _ in batch]
            )
        except Exception as error:
            settled = [(f, None, error) for *_, f in batch]
            loop.call_soon_threadsafe(_settle_all, settled)
            return
        # One wake-up of the event loop for the whole batch, not one per request.
        settled = [(f, result, None) for (*_, f), result in zip(batch, results, strict=True)]
        loop.call_soon_threadsafe(_settle_all, settled)

    def not_saved(self) -> str:
        with speaking(self.language):
            return _(NOT_SAVED)

    def tell(self, response_url: str | None, text: str) -> None:
        if not response_url:
            return
        task = asyncio.get_running_loop().create_task(self._post(response_url, text))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _post(self, response_url: str, text: str) -> None:
        body = {"response_type": "ephemeral", "replace_original": False, "text": text}
        try:
            async with self._session.post(
                response_url, json=body, timeout=aiohttp.ClientTimeout(total=10)
            ):
                pass
        except (aiohttp.ClientError, TimeoutError) as error:
            log.warning("could not say 'not saved'", extra={"error": type(error).__name__})


def _settle_all(settled: list[Settled]) -> None:
    for future, result, error in settled:
        _settle(future, result, error)


def _settle(future: asyncio.Future[Any], result: Any, error: BaseException | None) -> None:
    if future.done():
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(result)
