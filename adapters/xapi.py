"""The LRS side of xAPI: the HTTP sender (the standard library's client, basic auth,
`X-Experience-API-Version: 1.0.3`) and the worker thread that drains the LRS lane of
the outbox. It is its own thread on its own table: an LRS that is slow or down delays
no message to a person (those are the delivery thread's, adapters/scheduler.py)."""

from __future__ import annotations

import base64
import json
import logging
import threading
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

from bot.delivery import Outcome, SendResult
from bot.xapi import VERSION, LrsDelivery, LrsSender

log = logging.getLogger(__name__)

DEFAULT_WAIT = timedelta(seconds=30)  # after a 429 or 503 that names no Retry-After


def retry_after(value: str | None) -> timedelta | None:
    """An HTTP Retry-After header (seconds, or an HTTP date) as a wait; None if absent."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.utcoffset() is None:
        return None
    return max(timedelta(0), when - datetime.now(UTC))


class HttpLrsSender:
    """Posts batches to `<url>/statements` (url: the LRS's xAPI endpoint, e.g. Ralph's
    `http://host:8100/xAPI`). An LRS keeps one statement per id, and Tandem's ids and
    bodies are fixed when written, so a batch sent again after a timeout stores nothing
    twice."""

    def __init__(self, url: str, key: str, secret: str, timeout: float = 20.0) -> None:
        self.endpoint = url.rstrip("/") + "/statements"
        token = base64.b64encode(f"{key}:{secret}".encode()).decode("ascii")
        self._headers = {
            "Authorization": f"Basic {token}",
            "X-Experience-API-Version": VERSION,
            "Content-Type": "application/json",
        }
        self._timeout = timeout

    def send(self, statements: list[dict[str, Any]]) -> SendResult:
        body = json.dumps(statements, ensure_ascii=False).encode("utf-8")
        request = Request(self.endpoint, data=body, method="POST", headers=self._headers)
        try:
            with urlopen(request, timeout=self._timeout) as response:  # noqa: S310 (configured URL)
                response.read()
            return SendResult.sent()
        except HTTPError as error:
            return self._refused(error)
        except (URLError, TimeoutError, ConnectionError, OSError) as error:
            reason = getattr(error, "reason", error)
            return SendResult.retry(f"LRS unreachable: {reason}"[:300])

    @staticmethod
    def _refused(error: HTTPError) -> SendResult:
        wait = retry_after(error.headers.get("Retry-After") if error.headers else None)
        try:
            detail = error.read().decode("utf-8", "replace")[:300]
        except OSError:
            detail = ""
        reason = f"LRS answered {error.code}: {detail}".strip()
        if error.code == 429:  # a wait, not an attempt
            return SendResult(Outcome.RETRY, reason, wait or DEFAULT_WAIT, counts_as_attempt=False)
        if error.code >= 500 or error.code in (401, 403, 408):
            # the LRS is down or busy, or its credentials are being fixed: try again later
            return SendResult.retry(reason, wait)
        return SendResult.failed(reason)  # 400, 409, ...: this statement will never go


class LrsWork:
    """The thread that drains the LRS lane: every `poll_every`, or when woken."""

    def __init__(
        self,
        delivery: LrsDelivery,
        sender: LrsSender,
        poll_every: timedelta = timedelta(seconds=5),
    ) -> None:
        self.delivery = delivery
        self.sender = sender
        self._poll_every = poll_every
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._forever, name="tandem-lrs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> bool:
        self._stopping.set()
        self._wake.set()
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def _forever(self) -> None:
        while not self._stopping.is_set():
            try:
                report = self.delivery.drain(self.sender)
                if report.claimed:
                    log.info(
                        "xAPI statements delivered",
                        extra={
                            "sent": report.sent,
                            "retried": report.retried,
                            "failed": report.failed,
                        },
                    )
            except Exception:
                log.exception("LRS delivery failed; it is retried on the next turn")
            self._wake.wait(self._poll_every.total_seconds())
            self._wake.clear()
