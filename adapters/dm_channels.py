"""DM channel ids, cached: opening a DM is rate-limited on its own (Slack's
`conversations.open`, Discord's `POST /users/@me/channels`), and a person's DM with the
app keeps its id. One cache serves a delivery thread and an event loop alike."""

from __future__ import annotations

import threading


class DmChannels:
    def __init__(self, limit: int = 100_000) -> None:
        self._ids: dict[str, str] = {}
        self._lock = threading.Lock()
        self._limit = limit

    def get(self, user_id: str) -> str | None:
        with self._lock:
            return self._ids.get(user_id)

    def put(self, user_id: str, channel_id: str) -> None:
        with self._lock:
            if len(self._ids) >= self._limit:
                self._ids.clear()  # crude, and rare: the next opens fill it again
            self._ids[user_id] = channel_id
