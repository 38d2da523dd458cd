"""Delivering outbox rows on Discord: the person's DM, a post in a Tandem thread, or a
community of practice's post (a forum post in a forum channel), through discord.py's
HTTP client.

A learning group's posts go to the group's own private thread (type 12, not invitable,
`POST /channels/{id}/threads` in the channel `cohort space` named), made once per group
and stored on the group through the core (of two replicas, both use the first stored;
the other's thread is deleted). Before each post, and whenever the group's members
change (a SPACE row), the thread's members are made the group's present members
(`PUT` / `DELETE /channels/{thread}/thread-members/{user}`). Each round's first post in
the thread names the round in its footer, so a message written there finds its round.

The delivery thread hands each send to the bot's event loop. discord.py keeps Discord's
per-route buckets and the 50 requests/s global limit, and waits out a 429 itself (up to
`max_ratelimit_timeout`; past that it raises and the row is handed back for the
Retry-After). Opening a DM channel is paced and its id cached. Each message carries a
nonce derived from the row's idempotency key with `enforce_nonce`, so Discord itself
refuses a duplicate of a message it already has, for a few minutes: so the Discord
delivery's claim lease is shorter than that (see app.py). A closed DM (error 50007)
fails the row with that reason: retrying would not open it. The send runs in the
language the delivery loop speaks for the recipient (bot/delivery.py).
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any, Literal

import aiohttp
import discord
from discord.http import HTTPClient, handle_message_parameters
from discord.types.embed import Embed as EmbedPayload

from adapters.discord.render import messages, view_for
from adapters.dm_channels import DmChannels
from adapters.pacing import Pacer
from bot.delivery import GroupSpaces, Outcome, SendResult
from bot.domain import GroupSpace, Person, Platform, Thread
from bot.i18n import current, speaking
from bot.replies import Audience, Reply

log = logging.getLogger(__name__)

JUMP = "https://discord.com/channels"  # a jump URL: JUMP/<guild>/<channel>[/<message>]
CANNOT_DM = 50007  # "Cannot send messages to this user": DMs closed, or no shared server
PERMANENT_CODES = frozenset(
    {CANNOT_DM, 10013, 10003, 50001, 50013}
)  # unknown user/channel, no access


async def _speaking(language: str, work: Coroutine[Any, Any, SendResult]) -> SendResult:
    """`work` on the bot's event loop, in the language the delivery thread speaks (the
    recipient's): the words the rendering adds are theirs."""
    with speaking(language):
        return await work


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
        spaces: GroupSpaces | None = None,
    ) -> None:
        self._spaces = spaces
        self._group_threads: dict[int, tuple[str, frozenset[str]]] = {}  # group -> kept as
        self._owners: dict[str, str] = {}  # thread id -> its owner (the bot: never removed)
        self._marked: set[Thread] = set()  # rounds in a group's thread whose first post is marked
        self._http = http
        self._loop = loop
        self._dm_pacer = dm_pacer
        self._dm_channels = dm_channels or DmChannels()
        self._timeout = timeout
        self._threads: dict[Thread, str] = {}  # thread -> the thread's channel id
        self._forums: dict[str, bool] = {}  # channel id -> is it a forum (or media) channel
        self._posted: set[Thread] = set()  # posts made by this process

    async def _thread(self, reply: Reply, place: Thread, key: str) -> str | None:
        """The thread to post in (its channel id); None when this post, the thread's first,
        was posted in the channel and the thread started from it."""
        channel_id, name = place.channel, place.name
        thread_id = self._threads.get(place) or await _find_thread(self._http, channel_id, name)
        if thread_id is not None:
            self._threads[place] = thread_id
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
        self._threads[place] = str(thread["id"])
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

    async def _post(self, reply: Reply, post: Thread, key: str, attempt: int) -> None:
        """A post of its own: in a forum channel a forum post (a new thread titled with
        the reply's text, its starter message the rest); in a text channel a message
        and a thread started from it, so replies gather under it. The starter's footer
        names the post, so a second attempt finds it instead of posting again."""
        channel_id, name = post.channel, post.name
        if post in self._posted:
            return
        forum = self._forums.get(channel_id)
        if forum is None:
            channel = await self._http.get_channel(int(channel_id))
            forum = channel.get("type") in (FORUM, MEDIA)
            self._forums[channel_id] = forum
        if not forum:
            await self._thread(reply, post, key)
            self._posted.add(post)
            return
        if attempt > 1 and await _find_forum_post(self._http, channel_id, name) is not None:
            self._posted.add(post)
            return
        body = reply.model_copy(update={"text": ""})
        [first, *rest] = messages(body)
        marked = first.embeds or [discord.Embed()]
        marked[-1].set_footer(text=THREAD_MARK + name)
        with handle_message_parameters(
            content=first.content or None,
            embeds=marked,
            view=view_for(first.buttons) or discord.utils.MISSING,
            allowed_mentions=discord.AllowedMentions.none(),
            channel_payload={"name": reply.text[:100] or name, "auto_archive_duration": 10080},
        ) as params:
            thread = await self._http.start_thread_in_forum(int(channel_id), params=params)
        self._posted.add(post)
        for part, message in enumerate(rest, start=1):  # a long experience goes on inside
            with handle_message_parameters(
                content=message.content,
                embeds=message.embeds,
                nonce=nonce(key, part),
                allowed_mentions=discord.AllowedMentions.none(),
            ) as params:
                await self._http.send_message(int(thread["id"]), params=params)

    def send(
        self, recipient: Person, reply: Reply, idempotency_key: str, attempt: int = 1
    ) -> SendResult:
        if recipient.identity.platform is not Platform.DISCORD:
            return SendResult.failed(f"not a Discord person: {recipient.identity.ref}")
        user_id = recipient.identity.user_id
        if self._dm_channels.get(user_id) is None:
            self._dm_pacer.wait("dm-create")  # in this thread: DM creation is paced
        future = asyncio.run_coroutine_threadsafe(
            _speaking(current(), self._send(user_id, reply, idempotency_key, attempt)),
            self._loop,
        )
        try:
            return future.result(self._timeout)
        except TimeoutError:
            future.cancel()
            return SendResult.retry("timed out")

    async def _group_thread(self, space: GroupSpace, *, force: bool) -> str:
        """The group's private thread (made if need be), its members the group's."""
        assert self._spaces is not None
        loop = asyncio.get_running_loop()
        state = await loop.run_in_executor(None, self._spaces.space_of, space.group_id)
        thread_id = state.space
        if thread_id is None:
            if space.parent is None:
                raise discord.InvalidData("no channel named with `cohort space`")
            name = f"{space.name[:80]} · g{space.group_id}"
            thread_id = await _find_private_thread(self._http, space.parent, name)
            if thread_id is None:  # (found: made by an attempt that died before storing it)
                made = await self._http.start_thread_without_message(
                    int(space.parent),
                    name=name,
                    auto_archive_duration=10080,
                    type=PRIVATE_THREAD,
                    invitable=False,
                )
                thread_id = str(made["id"])
                self._owners[thread_id] = str(made.get("owner_id") or "")
            kept = await loop.run_in_executor(
                None, self._spaces.keep_space, space.group_id, thread_id
            )
            if kept != thread_id:  # another process stored its thread first
                await self._http.delete_channel(int(thread_id))
                thread_id = kept
        wanted = frozenset(i.user_id for i in state.members if i.platform is Platform.DISCORD)
        if not force and self._group_threads.get(space.group_id) == (thread_id, wanted):
            return thread_id
        if thread_id not in self._owners:
            self._owners[thread_id] = str(
                (await self._http.get_channel(int(thread_id))).get("owner_id") or ""
            )
        owner = self._owners[thread_id]
        present = {str(m["user_id"]) for m in await self._http.get_thread_members(int(thread_id))}
        for user in sorted(wanted - present):
            await self._http.add_user_to_thread(int(thread_id), int(user))
        for user in sorted(present - wanted - {owner}):
            await self._http.remove_user_from_thread(int(thread_id), int(user))
        self._group_threads[space.group_id] = (thread_id, wanted)
        return thread_id

    async def _with_links(self, reply: Reply) -> Reply:
        """`reply` with a jump URL on each section that names a place (a community's
        post: the forum post found by its starter's footer, or in a text channel the
        message its thread started from); a place not found stays without a link."""
        if not any(s.place is not None for s in reply.sections):
            return reply
        sections = []
        for section in reply.sections:
            place = section.place
            if place is not None and place.channel.isdigit():
                try:
                    channel = await self._http.get_channel(int(place.channel))
                    guild = channel.get("guild_id")
                    if channel.get("type") in (FORUM, MEDIA):
                        found = await _find_forum_post(self._http, place.channel, place.name)
                        url = f"{JUMP}/{guild}/{found}" if found else None
                    else:
                        found = await _find_thread(self._http, place.channel, place.name)
                        url = f"{JUMP}/{guild}/{place.channel}/{found}" if found else None
                    if guild is not None and url is not None:
                        section = section.model_copy(update={"url": url})
                except discord.HTTPException as error:  # no link; the digest still goes
                    log.info("no jump URL for %s: %s", place.name, error.status)
            sections.append(section)
        return reply.model_copy(update={"sections": tuple(sections)})

    async def _send(self, user_id: str, reply: Reply, key: str, attempt: int = 1) -> SendResult:
        mark: str | None = None
        try:
            if reply.space is not None and reply.audience in (Audience.THREAD, Audience.SPACE):
                if self._spaces is None:
                    return SendResult.failed("no group spaces on this Discord sender")
                space_thread = await self._group_thread(
                    reply.space, force=reply.audience is Audience.SPACE
                )
                if reply.audience is Audience.SPACE:
                    return SendResult.sent()
                name = reply.thread.name if reply.thread is not None else ""
                marked = Thread(space_thread, name)
                if name and marked not in self._marked:
                    if await _find_thread(self._http, space_thread, name) is None:
                        mark = name  # the round's first post here: it names the round
                    else:
                        self._marked.add(marked)
                result = await self._post_parts(space_thread, reply, key, mark)
                if mark is not None and result.outcome is Outcome.SENT:
                    self._marked.add(marked)
                return result
            if reply.audience is Audience.SPACE:
                return SendResult.sent()
            if reply.audience is Audience.POST and reply.thread is not None:
                await self._post(reply, reply.thread, key, attempt)
                return SendResult.sent()
            if reply.audience is Audience.THREAD and reply.thread is not None:
                channel_id = await self._thread(reply, reply.thread, key)
            else:
                reply = await self._with_links(reply)
                channel_id = self._dm_channels.get(user_id)
                if channel_id is None:
                    channel = await self._http.start_private_message(int(user_id))
                    channel_id = str(channel["id"])
                    self._dm_channels.put(user_id, channel_id)
            if channel_id is None:
                return SendResult.sent()  # the post started its thread: it is there
            return await self._post_parts(channel_id, reply, key, mark)
        except discord.RateLimited as error:
            return SendResult.rate_limited(timedelta(seconds=error.retry_after))
        except discord.HTTPException as error:
            return _outcome(error)
        except discord.InvalidData as error:
            return SendResult.failed(str(error)[:300])
        except (aiohttp.ClientError, OSError) as error:
            return SendResult.retry(f"{type(error).__name__}: {error}"[:300])

    async def _post_parts(
        self, channel_id: str, reply: Reply, key: str, mark: str | None
    ) -> SendResult:
        """The reply's messages in the channel; `mark` names a thread in the first one."""
        try:
            for part, message in enumerate(messages(reply)):
                file = (
                    discord.File(io.BytesIO(message.file[1]), message.file[0])
                    if message.file
                    else discord.utils.MISSING
                )
                embeds = message.embeds
                if part == 0 and mark is not None:
                    embeds = embeds or [discord.Embed()]
                    embeds[-1].set_footer(text=THREAD_MARK + mark)
                with handle_message_parameters(
                    content=message.content,
                    embeds=embeds,
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
FORUM, MEDIA = 15, 16  # Discord's channel types whose posts are threads
PRIVATE_THREAD: Literal[12] = 12


def footer_text(embed: EmbedPayload) -> str | None:
    """The text of a posted embed's footer; None if it has no footer."""
    footer = embed.get("footer")
    return footer.get("text") if footer else None


async def _find_forum_post(http: HTTPClient, forum_id: str, name: str) -> str | None:
    """A forum post Tandem made (its starter message's footer names it) among the forum's
    active threads: the thread's id (a forum post's starter message has the same id)."""
    forum = await http.get_channel(int(forum_id))
    guild_id = forum.get("guild_id")
    if not isinstance(guild_id, str | int):  # None: not a guild channel
        return None
    active = await http.get_active_threads(int(guild_id))
    for thread in active.get("threads", []):
        if str(thread.get("parent_id")) != forum_id:
            continue
        try:  # a forum post's starter message has the thread's id
            starter = await http.get_message(int(thread["id"]), int(thread["id"]))
        except discord.NotFound:
            continue
        for embed in starter.get("embeds") or []:
            if footer_text(embed) == THREAD_MARK + name:
                return str(thread["id"])
    return None


async def _find_private_thread(http: HTTPClient, parent_id: str, name: str) -> str | None:
    """An active thread of that name in the channel (the bot sees the private threads
    it is in): the group's thread, made before its id could be stored."""
    parent = await http.get_channel(int(parent_id))
    guild_id = parent.get("guild_id")
    if not isinstance(guild_id, str | int):  # None: not a guild channel
        return None
    active = await http.get_active_threads(int(guild_id))
    for thread in active.get("threads", []):
        if str(thread.get("parent_id")) == parent_id and thread.get("name") == name:
            return str(thread["id"])
    return None


async def _find_thread(http: HTTPClient, channel_id: str, name: str) -> str | None:
    """A thread Tandem started in the channel: the id of the post it started from (a
    thread made from a message has that message's id)."""
    for posted in await http.logs_from(int(channel_id), 100):
        for embed in posted.get("embeds") or []:
            if footer_text(embed) == THREAD_MARK + name:
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
