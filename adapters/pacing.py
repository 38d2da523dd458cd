"""Pacing outgoing messages before a platform has to refuse them.

Slack allows `chat.postMessage` about one message per second per channel, within a
workspace-wide budget; Discord 50 requests per second per bot. `Pacer` hands out send
slots: at most one per `per_key_interval` for each key (a channel) and `rate` per second
overall, and a 429's Retry-After pushes every slot back. It blocks the calling thread
(the delivery thread), never an event loop. aiolimiter would need one, hence our own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


class Pacer:
    def __init__(
        self,
        rate: float,
        per_key_interval: float = 1.0,
        sleep: Callable[[float], object] | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self._interval = 1.0 / rate
        self._per_key = per_key_interval
        self._interrupted = threading.Event()
        self._sleep = sleep or self._interrupted.wait  # a real wait ends early on interrupt()
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._next_any = 0.0
        self._next_for: dict[str, float] = {}

    def set_rate(self, rate: float) -> None:
        """Change the overall rate (e.g. to this replica's share of a shared budget)."""
        if rate <= 0:
            raise ValueError("rate must be positive")
        with self._lock:
            self._interval = 1.0 / rate

    @property
    def rate(self) -> float:
        return 1.0 / self._interval

    def wait(self, key: str) -> float:
        """Block until a send to `key` may go; return how long it waited (seconds)."""
        with self._lock:
            now = self._monotonic()
            slot = max(now, self._next_any, self._next_for.get(key, 0.0))
            self._next_any = slot + self._interval
            self._next_for[key] = slot + self._per_key
            if len(self._next_for) > 10_000:  # forget keys whose slot has passed
                self._next_for = {k: t for k, t in self._next_for.items() if t > now}
        delay = slot - now
        if delay > 0:
            self._sleep(delay)
        return delay

    def interrupt(self) -> None:
        """Shutting down: end the wait in hand and wait no more (a send that was waiting
        for its slot goes at once; the delivery loop sends nothing after it)."""
        self._interrupted.set()

    def hold_off(self, seconds: float) -> None:
        """The platform said 429: no send at all for `seconds`."""
        with self._lock:
            self._next_any = max(self._next_any, self._monotonic() + seconds)
