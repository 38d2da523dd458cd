"""Delivering outbox rows on Slack: one message in the person's DM, a post in a
learning group's thread, or a message of its own in a community of practice's channel.

A learning group's posts go to the group's own private channel (`conversations.create`
with `is_private`, scope `groups:write`), made once per group: its id is stored on the
group through the core (`keep_space`; of two replicas making it at once, both use the
first stored), and a `name_taken` on a retry finds the channel made before among the
bot's private channels. Before each post, and whenever the group's members change (a
SPACE row), the channel's members are made the group's present members:
`conversations.invite` who is missing, `conversations.kick` who left.

`conversations.open` gives the DM channel (cached: it is rate-limited on its own), then
`chat.postMessage` posts, paced per channel and workspace-wide. Each post carries the
row's idempotency key as message metadata; on a second attempt the recent history of
the DM is checked for that key first, so a post that got through before a timeout or a
crash is not made twice. A calendar invite goes into the DM as an .ics file
(files.uploadV2) just before its message. A 429 hands the row back for `Retry-After`;
errors that no retry can fix fail the row with Slack's reason.
"""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from adapters.dm_channels import DmChannels
from adapters.invites import filename, ics_bytes
from adapters.pacing import Pacer
from adapters.slack.blocks import message
from bot.delivery import GroupSpaces, SendResult
from bot.domain import GroupSpace, Person, Platform, Thread
from bot.replies import Audience, Invite, Reply

log = logging.getLogger(__name__)

METADATA_TYPE = "tandem_outbox"
THREAD_TYPE = "tandem_thread"  # the first post of a thread Tandem started names it
POST_TYPE = "tandem_post"  # a post of its own in a channel (a community's shared experience)
# Errors a retry cannot mend: the row is failed with the reason, for reports to show.
PERMANENT = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "user_disabled",
        "account_inactive",
        "cannot_dm_bot",
        "channel_not_found",
        "is_archived",
        "not_in_channel",
        "msg_too_long",
        "invalid_blocks",
        "no_text",
        "not_allowed_token_type",
        "missing_scope",
        "invalid_auth",
        "token_revoked",
    }
)


def channel_name(space: GroupSpace, attempt: int = 0) -> str:
    """A private channel's name for the group: lowercase letters, digits, hyphens and
    underscores, at most 80 characters (as conversations.create requires); the group's
    id keeps it unique."""
    words = re.sub(r"[^a-z0-9_-]+", "-", space.name.lower()).strip("-")[:50] or "group"
    suffix = f"-{attempt + 1}" if attempt else ""
    return f"tandem-{words}-g{space.group_id}{suffix}"[:80]


class SlackSender:
    def __init__(
        self,
        client: WebClient,
        pacer: Pacer,
        dm_channels: DmChannels | None = None,
        spaces: GroupSpaces | None = None,
    ) -> None:
        self._client = client
        self._pacer = pacer
        self._dm_channels = dm_channels or DmChannels()
        self._spaces = spaces
        self._roots: dict[Thread, str] = {}  # thread -> the ts of its first post
        self._synced: dict[int, tuple[str, frozenset[str]]] = {}  # group -> channel, members
        self._bot_user: str | None = None

    def send(
        self, recipient: Person, reply: Reply, idempotency_key: str, attempt: int = 1
    ) -> SendResult:
        if recipient.identity.platform is not Platform.SLACK:
            return SendResult.failed(f"not a Slack person: {recipient.identity.ref}")
        if reply.space is not None and reply.audience in (Audience.THREAD, Audience.SPACE):
            return self._send_in_space(reply, reply.space, idempotency_key, attempt)
        if reply.audience is Audience.SPACE:
            return SendResult.sent()  # no spaces kept by this sender: nothing to bring in line
        if reply.audience is Audience.THREAD and reply.thread is not None:
            return self._send_to_thread(reply, reply.thread, idempotency_key, attempt)
        if reply.audience is Audience.POST and reply.thread is not None:
            return self._post_in_channel(reply, reply.thread, idempotency_key, attempt)
        try:
            channel = self._dm_channel(recipient.identity.user_id)
            if attempt > 1 and self._posted_before(channel, idempotency_key):
                return SendResult.sent()
            reply = self._with_links(reply)
            if reply.invite is not None:
                self._upload_invite(channel, reply.invite)
            self._pacer.wait(channel)
            self._client.chat_postMessage(
                channel=channel,
                **message(reply),
                metadata={"event_type": METADATA_TYPE, "event_payload": {"key": idempotency_key}},
            )
        except SlackApiError as error:
            return self._outcome(error)
        except (SlackRequestError, OSError) as error:
            return SendResult.retry(f"{type(error).__name__}: {error}"[:300])
        return SendResult.sent()

    def _upload_invite(self, channel: str, invite: Invite) -> None:
        """The invite's .ics file in the DM (files.uploadV2), before the message: a retry
        after a lost message uploads it again, the same UID and SEQUENCE, which a calendar
        takes as the same version; a message found posted means the file is there too."""
        self._pacer.wait(channel)
        self._client.files_upload_v2(
            channel=channel,
            file=ics_bytes(invite),
            filename=filename(invite),
            title=invite.summary[:250],
            request_file_info=False,
        )

    def _send_to_thread(
        self, reply: Reply, thread: Thread, idempotency_key: str, attempt: int
    ) -> SendResult:
        """A post in a thread of a channel: the thread's first post starts it (and names it
        in its metadata); later ones reply under it."""
        channel, name = thread.channel, thread.name
        try:
            root = self._roots.get(thread) or self._find_root(channel, name)
            if attempt > 1 and root and self._replied_before(channel, root, idempotency_key):
                return SendResult.sent()
            self._pacer.wait(channel)
            payload = {"key": idempotency_key, "thread": name}
            if root is None:
                posted = self._client.chat_postMessage(
                    channel=channel,
                    **message(reply),
                    metadata={"event_type": THREAD_TYPE, "event_payload": payload},
                )
                self._roots[thread] = str(posted["ts"])
            else:
                self._client.chat_postMessage(
                    channel=channel,
                    thread_ts=root,
                    **message(reply),
                    metadata={"event_type": METADATA_TYPE, "event_payload": payload},
                )
        except SlackApiError as error:
            return self._outcome(error)
        except (SlackRequestError, OSError) as error:
            return SendResult.retry(f"{type(error).__name__}: {error}"[:300])
        return SendResult.sent()

    def _send_in_space(
        self, reply: Reply, space: GroupSpace, idempotency_key: str, attempt: int
    ) -> SendResult:
        """A post in the group's private channel (made if need be, its members kept)."""
        if self._spaces is None:
            return SendResult.failed("no group spaces on this Slack sender")
        try:
            channel = self._group_channel(space, force=reply.audience is Audience.SPACE)
        except SlackApiError as error:
            return self._outcome(error)
        except (SlackRequestError, OSError) as error:
            return SendResult.retry(f"{type(error).__name__}: {error}"[:300])
        if reply.audience is Audience.SPACE:
            return SendResult.sent()
        name = reply.thread.name if reply.thread is not None else f"group:{space.group_id}"
        return self._send_to_thread(reply, Thread(channel, name), idempotency_key, attempt)

    def _group_channel(self, space: GroupSpace, *, force: bool = False) -> str:
        """The group's private channel, its members made the group's present members."""
        assert self._spaces is not None
        state = self._spaces.space_of(space.group_id)
        channel = state.space or self._make_channel(space)
        wanted = frozenset(i.user_id for i in state.members if i.platform is Platform.SLACK)
        if not force and self._synced.get(space.group_id) == (channel, wanted):
            return channel
        bot = self._bot()
        present = set(self._members(channel)) - {bot}
        missing = sorted(wanted - present)
        if missing:
            try:
                self._client.conversations_invite(  # force: a deactivated member
                    channel=channel, users=",".join(missing), force=True
                )  # does not keep the others out
            except SlackApiError as error:
                if error.response.get("error") != "already_in_channel":
                    raise
        for user in sorted(present - wanted):
            try:
                self._client.conversations_kick(channel=channel, user=user)
            except SlackApiError as error:
                if error.response.get("error") != "not_in_channel":
                    raise
        self._synced[space.group_id] = (channel, wanted)
        return channel

    def _make_channel(self, space: GroupSpace) -> str:
        """Create the group's private channel, or find the one made by an earlier attempt
        (`name_taken`: it is among the bot's private channels); store it for the group."""
        assert self._spaces is not None
        for attempt in range(5):
            name = channel_name(space, attempt)
            try:
                made = self._client.conversations_create(name=name, is_private=True)
                channel = str(made["channel"]["id"])
            except SlackApiError as error:
                if error.response.get("error") != "name_taken":
                    raise
                found = self._private_channel_named(name)
                if found is None:
                    continue  # someone else's channel has that name: try the next one
                channel = found
            kept = self._spaces.keep_space(space.group_id, channel)
            if kept != channel:  # another replica stored its channel first: use that one
                try:
                    self._client.conversations_archive(channel=channel)
                except SlackApiError:
                    log.warning("could not archive a group channel made twice")
            return kept
        raise SlackRequestError("no free name for the group's private channel")

    def _private_channel_named(self, name: str) -> str | None:
        cursor = None
        while True:
            page = self._client.conversations_list(
                types="private_channel", exclude_archived=True, limit=200, cursor=cursor
            )
            channels: list[dict[str, Any]] = page.get("channels", [])
            for channel in channels:
                if channel.get("name") == name:
                    return str(channel["id"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return None

    def _members(self, channel: str) -> list[str]:
        members: list[str] = []
        cursor = None
        while True:
            page = self._client.conversations_members(channel=channel, limit=200, cursor=cursor)
            members += page.get("members", [])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return members

    def _bot(self) -> str:
        if self._bot_user is None:
            self._bot_user = str(self._client.auth_test()["user_id"])
        return self._bot_user

    def _post_in_channel(
        self, reply: Reply, post: Thread, idempotency_key: str, attempt: int
    ) -> SendResult:
        """A message of its own in the post's channel (a community's channel: people reply
        to it in a thread of their own), named in its metadata."""
        channel, name = post.channel, post.name
        try:
            if attempt > 1 and self._posted_before(channel, idempotency_key):
                return SendResult.sent()
            self._pacer.wait(channel)
            self._client.chat_postMessage(
                channel=channel,
                **message(reply),
                metadata={
                    "event_type": POST_TYPE,
                    "event_payload": {"key": idempotency_key, "post": name},
                },
            )
        except SlackApiError as error:
            return self._outcome(error)
        except (SlackRequestError, OSError) as error:
            return SendResult.retry(f"{type(error).__name__}: {error}"[:300])
        return SendResult.sent()

    def _find_root(self, channel: str, name: str) -> str | None:
        history = self._client.conversations_history(
            channel=channel, limit=200, include_all_metadata=True
        )
        messages: list[dict[str, Any]] = history.get("messages", [])
        for posted in messages:
            metadata = posted.get("metadata") or {}
            if (
                metadata.get("event_type") == THREAD_TYPE
                and metadata.get("event_payload", {}).get("thread") == name
            ):
                return str(posted["ts"])
        return None

    def _replied_before(self, channel: str, root: str, key: str) -> bool:
        replies = self._client.conversations_replies(
            channel=channel, ts=root, limit=200, include_all_metadata=True
        )
        messages: list[dict[str, Any]] = replies.get("messages", [])
        return any(
            (m.get("metadata") or {}).get("event_payload", {}).get("key") == key for m in messages
        )

    def _dm_channel(self, user_id: str) -> str:
        cached = self._dm_channels.get(user_id)
        if cached:
            return cached
        channel = self._client.conversations_open(users=user_id)["channel"]["id"]
        self._dm_channels.put(user_id, channel)
        return channel

    def _with_links(self, reply: Reply) -> Reply:
        """`reply` with a permalink on each section that names a place (a community's
        post, found in its channel's recent history by the name in its metadata); a
        place not found, or a channel Tandem cannot read, stays without a link."""
        if not any(s.place is not None for s in reply.sections):
            return reply
        history: dict[str, list[dict[str, Any]]] = {}
        sections = []
        for section in reply.sections:
            place = section.place
            if place is None:
                sections.append(section)
                continue
            try:
                if place.channel not in history:
                    found = self._client.conversations_history(
                        channel=place.channel, limit=200, include_all_metadata=True
                    )
                    history[place.channel] = found.get("messages", [])
                ts = next(
                    (
                        str(m["ts"])
                        for m in history[place.channel]
                        if (m.get("metadata") or {}).get("event_type") == POST_TYPE
                        and (m.get("metadata") or {}).get("event_payload", {}).get("post")
                        == place.name
                    ),
                    None,
                )
                if ts is not None:
                    link = self._client.chat_getPermalink(channel=place.channel, message_ts=ts)
                    section = section.model_copy(update={"url": str(link["permalink"])})
            except SlackApiError as error:  # no link then; the digest itself still goes
                log.info("no permalink for %s: %s", place.name, error.response.get("error"))
                history.setdefault(place.channel, [])
            sections.append(section)
        return reply.model_copy(update={"sections": tuple(sections)})

    def _posted_before(self, channel: str, key: str) -> bool:
        history = self._client.conversations_history(
            channel=channel, limit=50, include_all_metadata=True
        )
        messages: list[dict[str, Any]] = history.get("messages", [])
        return any(
            (m.get("metadata") or {}).get("event_payload", {}).get("key") == key for m in messages
        )

    def _outcome(self, error: SlackApiError) -> SendResult:
        response: Any = error.response
        if response.status_code == 429:
            seconds = _retry_after(response.headers)
            self._pacer.hold_off(seconds)
            log.warning("Slack answered 429; holding off for %s s", seconds)
            return SendResult.rate_limited(timedelta(seconds=seconds))
        reason = str(response.get("error") or "no error given")
        if response.status_code >= 500:
            reason = f"HTTP {response.status_code}: {reason}"
        if reason in PERMANENT:
            return SendResult.failed(reason)
        return SendResult.retry(reason)


def _retry_after(headers: Any) -> float:
    for name in ("Retry-After", "retry-after"):
        value = headers.get(name) if headers else None
        if value:
            try:
                return max(1.0, float(value))
            except ValueError:
                break
    return 30.0
