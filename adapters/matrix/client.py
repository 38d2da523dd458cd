"""The bot's Matrix account: matrix-nio's AsyncClient, with the sends, direct rooms and
the sync cursor Tandem needs.

- Every message is sent with a transaction id derived from what it is (an outbox row's
  idempotency key, or the event it answers): the homeserver makes a repeated
  `PUT /rooms/{room}/send/{type}/{txnId}` of the same access token a no-op, so a retry
  after a timeout never posts twice.
- nio is told to give up on the first 429 (`max_limit_exceeded=0`): the homeserver's
  `M_LIMIT_EXCEEDED` and its `retry_after_ms` come back to us as `RateLimited`, for the
  outbox to wait out (`SendResult.rate_limited`), or for an answer to wait it out here.
- Direct rooms are the account's `m.direct` account data (as Element keeps them): read at
  start, written when the bot opens one or is invited into one marked `is_direct`.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import json
import logging
from datetime import datetime
from typing import Any
from urllib.parse import quote

from nio import (
    Api,
    AsyncClient,
    AsyncClientConfig,
    RoomCreateError,
    RoomPreset,
    RoomSendError,
    RoomSendResponse,
    UploadResponse,
)
from sqlalchemy import Engine, insert, select, update

from adapters.charts import render_png
from adapters.dm_channels import DmChannels
from bot.replies import Chart
from storage.tables import sync_cursors

log = logging.getLogger(__name__)

ANSWER_WAIT_LIMIT = 30.0  # seconds an answer waits out a rate limit before giving up


class RateLimited(Exception):
    def __init__(self, retry_after_ms: int) -> None:
        super().__init__(f"rate limited for {retry_after_ms} ms")
        self.retry_after_ms = retry_after_ms


class SendFailed(Exception):
    def __init__(self, reason: str, permanent: bool = False) -> None:
        super().__init__(reason)
        self.permanent = permanent


PERMANENT = frozenset({"M_FORBIDDEN", "M_UNKNOWN_TOKEN", "M_NOT_FOUND", "M_TOO_LARGE"})


def transaction_id(key: str) -> str:
    return "tandem-" + hashlib.sha256(key.encode()).hexdigest()[:32]


def new_client(homeserver: str, user: str) -> AsyncClient:
    config = AsyncClientConfig(max_limit_exceeded=0, max_timeouts=2, request_timeout=60)
    return AsyncClient(homeserver, user, config=config)


class Account:
    """The bot's account on the homeserver, on the event loop nio runs on."""

    def __init__(self, client: AsyncClient) -> None:
        self.client = client
        self.direct = DmChannels()  # person -> their direct room with the bot
        self._opening: dict[str, asyncio.Lock] = {}

    @property
    def user_id(self) -> str:
        return self.client.user_id

    async def request(self, method: str, path: str, body: Any = None) -> Any:
        """One client-server API call (for what nio has no method for); its JSON."""
        response = await self.client.send(
            method,
            path,
            None if body is None else json.dumps(body),
            headers={"Authorization": f"Bearer {self.client.access_token}"},
        )
        data = await response.json(content_type=None)
        if response.status == 429:
            raise RateLimited(int(data.get("retry_after_ms") or 1000))
        if response.status >= 400:
            code = str(data.get("errcode", response.status))
            raise SendFailed(f"{code}: {data.get('error', '')}"[:200], code in PERMANENT)
        return data

    async def send(self, room_id: str, content: dict[str, Any], key: str) -> str:
        """Post one `m.room.message`; its event id. `RateLimited`, `SendFailed`."""
        return await self.send_event(room_id, "m.room.message", content, key)

    async def send_event(self, room_id: str, kind: str, content: dict[str, Any], key: str) -> str:
        method, path, data = Api.room_send(
            self.client.access_token, room_id, kind, content, transaction_id(key)
        )
        response = await self.client._send(RoomSendResponse, method, path, data, (room_id,))
        if isinstance(response, RoomSendResponse):
            return response.event_id
        assert isinstance(response, RoomSendError)
        if response.status_code == "M_LIMIT_EXCEEDED":
            raise RateLimited(response.retry_after_ms or 1000)
        code = response.status_code or "error"
        raise SendFailed(f"{code}: {response.message}"[:200], code in PERMANENT)

    async def answer(self, room_id: str, content: dict[str, Any], key: str) -> str | None:
        """Post an answer at once, waiting out a rate limit (up to ANSWER_WAIT_LIMIT)."""
        waited = 0.0
        while True:
            try:
                return await self.send(room_id, content, key)
            except RateLimited as limited:
                pause = limited.retry_after_ms / 1000
                if waited + pause > ANSWER_WAIT_LIMIT:
                    log.warning("an answer in %s gave up on the rate limit", room_id)
                    return None
                waited += pause
                await asyncio.sleep(pause)  # the homeserver's word, not a schedule
            except SendFailed as error:
                log.warning("an answer in %s was refused: %s", room_id, error)
                return None

    async def send_chart(self, room_id: str, chart: Chart, key: str) -> str:
        """A reply's picture as an `m.image` (PNG in the homeserver's media repository);
        the text alternative is the message's body."""
        png = await asyncio.to_thread(render_png, chart)
        uploaded, _ = await self.client.upload(
            io.BytesIO(png), content_type="image/png", filename=chart.filename, filesize=len(png)
        )
        if not isinstance(uploaded, UploadResponse):
            raise SendFailed(f"upload: {getattr(uploaded, 'message', uploaded)}"[:200])
        image = {
            "msgtype": "m.image",
            "body": chart.alt_text,
            "filename": chart.filename,
            "url": uploaded.content_uri,
            "info": {"mimetype": "image/png", "size": len(png)},
        }
        return await self.send(room_id, image, f"{key}:chart")

    async def event(self, room_id: str, event_id: str) -> dict[str, Any]:
        return await self.request(
            "GET",
            f"/_matrix/client/v3/rooms/{quote(room_id)}/event/{quote(event_id)}",
        )

    # -- direct rooms ---------------------------------------------------------------

    def _direct_path(self) -> str:
        return f"/_matrix/client/v3/user/{quote(self.user_id)}/account_data/m.direct"

    async def load_direct(self) -> None:
        try:
            rooms = await self.request("GET", self._direct_path())
        except SendFailed:
            return  # none yet
        for user, ids in rooms.items():
            if ids:
                self.direct.put(user, ids[-1])

    async def mark_direct(self, user: str, room_id: str) -> None:
        """Record `room_id` as the bot's direct room with `user` (in `m.direct` too)."""
        self.direct.put(user, room_id)
        try:
            rooms = await self.request("GET", self._direct_path())
        except SendFailed:
            rooms = {}
        if room_id not in rooms.get(user, []):
            rooms[user] = [*rooms.get(user, []), room_id]
            await self.request("PUT", self._direct_path(), rooms)

    async def direct_room(self, user: str) -> str:
        """The bot's direct room with `user`, opened (and marked direct) if there is none."""
        known = self.direct.get(user)
        if known is not None:
            return known
        lock = self._opening.setdefault(user, asyncio.Lock())
        async with lock:
            known = self.direct.get(user)
            if known is not None:
                return known
            created = await self.client.room_create(
                is_direct=True, invite=[user], preset=RoomPreset.trusted_private_chat
            )
            if isinstance(created, RoomCreateError):
                if created.status_code == "M_LIMIT_EXCEEDED":
                    raise RateLimited(created.retry_after_ms or 1000)
                raise SendFailed(f"{created.status_code}: {created.message}"[:200])
            await self.mark_direct(user, created.room_id)
            return created.room_id


class SyncCursor:
    """Where the bot's sync was read to, in our database (`sync_cursors`)."""

    def __init__(self, engine: Engine, account: str) -> None:
        self._engine = engine
        self._account = account

    def load(self) -> str | None:
        with self._engine.connect() as connection:
            return connection.execute(
                select(sync_cursors.c.token).where(sync_cursors.c.account == self._account)
            ).scalar_one_or_none()

    def save(self, token: str, now: datetime) -> None:
        with self._engine.begin() as connection:
            changed = connection.execute(
                update(sync_cursors)
                .where(sync_cursors.c.account == self._account)
                .values(token=token, updated_at=now)
            ).rowcount
            if not changed:
                connection.execute(
                    insert(sync_cursors).values(account=self._account, token=token, updated_at=now)
                )
