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

from bot.inbox import Inbox, Recorded

log = logging.getLogger(__name__)
Work = Callable[..., Coroutine[Any, Any, None]]  # (context, *args, inbox=claim) -> None
RECORD_BOUND = 2.0  # seconds the ack waits for the inbox write (Slack gives up at 3)


class Front(Protocol):
    """What a listener needs: somewhere to record its work before the ack."""

    async def record(self, key: str, kind: str, *args: Any) -> Recorded | None:
        """Record the work; None if it could not be recorded (say "not saved")."""
        ...

    def tell(self, response_url: str | None, text: str) -> None:
        """Say `text` privately through a `response_url`, after the ack (best effort)."""
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
    def __init__(
        self, inbox: Inbox, wake: Callable[[int], None], session: aiohttp.ClientSession
    ) -> None:
        self._inbox = inbox
        self._wake = wake
        self._session = session
        self._tasks: set[asyncio.Task[None]] = set()
        self._executor = ThreadPoolExecutor(4, "inbox-record")
        self.closed = False

    def close(self) -> None:
        """Record nothing more (the process is stopping): every request is "not saved"."""
        self.closed = True

    async def record(self, key: str, kind: str, *args: Any) -> Recorded | None:
        if self.closed:
            return None
        wanted = threading.Event()
        wanted.set()
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(
            self._executor, self._inbox.record, key, kind, {"args": list(args)}, wanted.is_set
        )
        try:
            outcome, item_id = await asyncio.wait_for(asyncio.shield(future), RECORD_BOUND)
        except Exception as error:
            # Too slow, or the database refused: the write must not land after the person
            # was told it did not (the record checks `wanted` before it commits).
            wanted.clear()
            log.warning("could not record a request", extra={"error": type(error).__name__})
            return None
        if item_id is not None:
            self._wake(item_id)
        return outcome

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
