"""Delivering outbox rows on Matrix: the person's direct room, or a learning group's room.

The delivery thread hands each send to the bot's event loop. Each message's transaction
id is derived from the row's idempotency key, so a redelivery (after a timeout, or a
crash before the row was marked) is a no-op at the homeserver. `M_LIMIT_EXCEEDED` hands
the row back for `retry_after_ms` (not counted as an attempt); a refusal that retrying
cannot change (`M_FORBIDDEN`, ...) fails it with the reason.

A learning group's space is a private room the bot creates once per group (stored on the
group through the core) with the group's present members invited; a SPACE row brings its
members up to date (invites the new, removes those gone). A thread post (an advice
round's) is an `m.thread` in that room: the thread's first post is its root and carries
Tandem's thread name (`org.tandem.thread`), so a message in the thread finds its round.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

from nio import RoomCreateError, RoomPreset

from adapters.matrix.bot import MatrixBot
from adapters.matrix.client import RateLimited, SendFailed
from adapters.matrix.render import CHOICES, THREAD, content
from bot.delivery import GroupSpaces, SendResult
from bot.domain import Person, Platform, Thread
from bot.i18n import current, speaking
from bot.replies import Audience, Reply

log = logging.getLogger(__name__)


async def _speaking(language: str, work: Coroutine[Any, Any, SendResult]) -> SendResult:
    with speaking(language):
        return await work


class MatrixSender:
    def __init__(
        self,
        bot: MatrixBot,
        loop: asyncio.AbstractEventLoop,
        spaces: GroupSpaces | None = None,
        timeout: float = 120.0,
    ) -> None:
        self._bot = bot
        self._account = bot.account
        self._loop = loop
        self._spaces = spaces
        self._timeout = timeout
        self._roots: dict[Thread, str] = {}  # a thread -> its root event, in this process

    def send(
        self, recipient: Person, reply: Reply, idempotency_key: str, attempt: int = 1
    ) -> SendResult:
        work = _speaking(current(), self._send(recipient, reply, idempotency_key))
        future = asyncio.run_coroutine_threadsafe(work, self._loop)
        try:
            return future.result(self._timeout)
        except TimeoutError:
            future.cancel()
            return SendResult.retry("timed out")

    async def _send(self, recipient: Person, reply: Reply, key: str) -> SendResult:
        try:
            if reply.space is not None and self._spaces is not None:
                room = await self._group_room(reply.space.group_id, reply.space.name)
                if reply.audience is Audience.SPACE:
                    return SendResult.sent()  # the members were brought up to date
                await self._post(room, reply, key)
                return SendResult.sent()
            if reply.thread is not None and reply.audience in (Audience.THREAD, Audience.POST):
                await self._post(reply.thread.channel, reply, key)  # a room the bot is in
                return SendResult.sent()
            if recipient.identity.platform is not Platform.MATRIX:
                return SendResult.failed("not a Matrix person")
            room = await self._account.direct_room(recipient.identity.user_id)
            sent = await self._account.send(room, content(reply), key)
            if reply.buttons:
                await self._bot.offer(room, sent, len(reply.buttons))
            if reply.chart is not None:
                await self._account.send_chart(room, reply.chart, key)
            return SendResult.sent()
        except RateLimited as limited:
            return SendResult.rate_limited(timedelta(milliseconds=limited.retry_after_ms))
        except SendFailed as error:
            if error.permanent:
                return SendResult.failed(str(error))
            return SendResult.retry(str(error))
        except (OSError, TimeoutError) as error:  # the homeserver did not answer
            return SendResult.retry(f"{type(error).__name__}: {error}"[:200])

    async def _post(self, room: str, reply: Reply, key: str) -> None:
        message = content(reply)
        place = reply.thread
        if place is not None:
            root = self._roots.get(place)
            if root is None:  # this post starts the thread
                message[THREAD] = place.name
                root = await self._account.send(room, message, key)
                self._roots[place] = root
                sent = root
            else:
                message["m.relates_to"] = {
                    "rel_type": "m.thread",
                    "event_id": root,
                    "is_falling_back": True,
                    "m.in_reply_to": {"event_id": root},
                }
                sent = await self._account.send(room, message, key)
        else:
            sent = await self._account.send(room, message, key)
        if message.get(CHOICES):
            await self._bot.offer(room, sent, len(message[CHOICES]))

    async def _group_room(self, group_id: int, name: str) -> str:
        """The group's room, made once (the first stored wins), its members brought up to
        date with the group's present members."""
        assert self._spaces is not None
        state = await asyncio.to_thread(self._spaces.space_of, group_id)
        members = {i.user_id for i in state.members if i.platform is Platform.MATRIX}
        room = state.space
        if room is None:
            created = await self._account.client.room_create(
                name=name, invite=sorted(members), preset=RoomPreset.private_chat
            )
            if isinstance(created, RoomCreateError):
                if created.status_code == "M_LIMIT_EXCEEDED":
                    raise RateLimited(created.retry_after_ms or 1000)
                raise SendFailed(f"{created.status_code}: {created.message}"[:200])
            room = await asyncio.to_thread(self._spaces.keep_space, group_id, created.room_id)
            if room != created.room_id:  # another replica's was stored first
                await self._account.client.room_leave(created.room_id)
            return room
        present = await self._account.client.joined_members(room)
        inside = {m.user_id for m in getattr(present, "members", [])}
        for user in sorted(members - inside):
            await self._account.client.room_invite(room, user)
        for user in sorted(inside - members - {self._account.user_id}):
            await self._account.client.room_kick(room, user)
        return room
