"""Delivering outbox rows on Discord: the person's DM, through discord.py's HTTP client.

The delivery thread hands each send to the bot's event loop. discord.py keeps Discord's
per-route buckets and the 50 requests/s global limit, and waits out a 429 itself (up to
`max_ratelimit_timeout`; past that it raises and the row is handed back for the
Retry-After). Opening a DM channel is paced and its id cached. Each message carries a
nonce derived from the row's idempotency key with `enforce_nonce`, so Discord itself
refuses a duplicate of a message it already has, for a few minutes: so the Discord
delivery's claim lease is shorter than that (see app.py). A closed DM (error 50007)
fails the row with that reason: retrying would not open it.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from datetime import timedelta
from typing import Any

import aiohttp
import discord
from discord.http import HTTPClient, handle_message_parameters

from adapters.discord.render import messages, view_for
from adapters.dm_channels import DmChannels
from adapters.pacing import Pacer
from bot.delivery import SendResult
from bot.domain import Person, Platform
from bot.replies import Audience, Reply

log = logging.getLogger(__name__)

CANNOT_DM = 50007  # "Cannot send messages to this user": DMs closed, or no shared server
PERMANENT_CODES = frozenset(
    {CANNOT_DM, 10013, 10003, 50001, 50013}
)  # unknown user/channel, no access


def nonce(key: str, part: int) -> str:
    """Discord's nonce is at most 25 characters: a digest of the key and the part."""
    return hashlib.sha256(f"{key}#{part}".encode()).hexdigest()[:25]


class DiscordSender:
    def __init__(
        self,
        http: HTTPClient,
        loop: asyncio.AbstractEventLoop,
        dm_pacer: Pacer,
        dm_channels: DmChannels | None = None,
        timeout: float = 120.0,
    ) -> None:
        self._http = http
        self._loop = loop
        self._dm_pacer = dm_pacer
        self._dm_channels = dm_channels or DmChannels()
        self._timeout = timeout
        self._threads: dict[str, str] = {}  # thread key -> the thread's channel id

    async def _thread(self, reply: Reply, thread_key: str, key: str) -> str | None:
        """The thread to post in (its channel id); None when this post, the thread's first,
        was posted in the channel and the thread started from it."""
        channel_id, _, name = thread_key.rpartition("|")
        thread_id = self._threads.get(thread_key) or await _find_thread(
            self._http, channel_id, name
        )
        if thread_id is not None:
            self._threads[thread_key] = thread_id
            return thread_id
        [first, *rest] = messages(reply)
        marked = first.embeds or [discord.Embed()]
        marked[-1].set_footer(text=THREAD_MARK + name)
        with handle_message_parameters(
            content=first.content,
            embeds=marked,
            view=view_for(first.buttons) or discord.utils.MISSING,
            nonce=nonce(key, 0),
            allowed_mentions=discord.AllowedMentions.none(),
        ) as params:
            root = await self._http.send_message(int(channel_id), params=params)
        thread = await self._http.start_thread_with_message(
            int(channel_id),
            int(root["id"]),
            name=reply.text[:100] or name,
            auto_archive_duration=10080,
        )
        self._threads[thread_key] = str(thread["id"])
        for part, message in enumerate(rest, start=1):  # a long first post goes on inside
            with handle_message_parameters(
                content=message.content,
                embeds=message.embeds,
                view=view_for(message.buttons) or discord.utils.MISSING,
                nonce=nonce(key, part),
                allowed_mentions=discord.AllowedMentions.none(),
            ) as params:
                await self._http.send_message(int(thread["id"]), params=params)
        return None

    def send(
        self, recipient: Person, reply: Reply, idempotency_key: str, attempt: int = 1
    ) -> SendResult:
        if recipient.identity.platform is not Platform.DISCORD:
            return SendResult.failed(f"not a Discord person: {recipient.identity.ref}")
        user_id = recipient.identity.user_id
        if self._dm_channels.get(user_id) is None:
            self._dm_pacer.wait("dm-create")  # in this thread: DM creation is paced
        future = asyncio.run_coroutine_threadsafe(
            self._send(user_id, reply, idempotency_key), self._loop
        )
        try:
            return future.result(self._timeout)
        except TimeoutError:
            future.cancel()
            return SendResult.retry("timed out")

    async def _send(self, user_id: str, reply: Reply, key: str) -> SendResult:
        try:
            if reply.audience is Audience.THREAD and reply.thread_key:
                channel_id = await self._thread(reply, reply.thread_key, key)
            else:
                channel_id = self._dm_channels.get(user_id)
                if channel_id is None:
                    channel = await self._http.start_private_message(int(user_id))
                    channel_id = str(channel["id"])
                    self._dm_channels.put(user_id, channel_id)
            if channel_id is None:
                return SendResult.sent()  # the post started its thread: it is there
            for part, message in enumerate(messages(reply)):
                file = (
                    discord.File(io.BytesIO(message.file[1]), message.file[0])
                    if message.file
                    else discord.utils.MISSING
                )
                with handle_message_parameters(
                    content=message.content,
                    embeds=message.embeds,
                    view=view_for(message.buttons) or discord.utils.MISSING,
                    file=file,
                    nonce=nonce(key, part),
                    allowed_mentions=discord.AllowedMentions.none(),
                ) as params:
                    await self._http.send_message(int(channel_id), params=params)
        except discord.RateLimited as error:
            return SendResult.rate_limited(timedelta(seconds=error.retry_after))
        except discord.HTTPException as error:
            return _outcome(error)
        except (aiohttp.ClientError, OSError) as error:
            return SendResult.retry(f"{type(error).__name__}: {error}"[:300])
        return SendResult.sent()


THREAD_MARK = "tandem "  # the footer of the post that starts a thread names the thread


async def _find_thread(http: HTTPClient, channel_id: str, name: str) -> str | None:
    """A thread Tandem started in the channel: the id of the post it started from (a
    thread made from a message has that message's id)."""
    for posted in await http.logs_from(int(channel_id), 100):
        for embed in posted.get("embeds") or []:
            if (embed.get("footer") or {}).get("text") == THREAD_MARK + name:
                return str(posted["id"])
    return None


def _outcome(error: discord.HTTPException) -> SendResult:
    code: Any = getattr(error, "code", 0)
    if code == CANNOT_DM:
        return SendResult.failed("dm closed (50007)")
    if error.status == 429:  # past discord.py's own retries, or Cloudflare's: back off, count it
        return SendResult.retry(f"HTTP 429: {error.text}"[:300], after=timedelta(seconds=60))
    if code in PERMANENT_CODES or 400 <= error.status < 500:
        return SendResult.failed(f"{error.status} {code}: {error.text}"[:300])
    return SendResult.retry(f"HTTP {error.status}: {error.text}"[:300])
