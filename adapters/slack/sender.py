"""Delivering outbox rows on Slack: one message in the person's DM, a post in a
learning group's thread (in the channel the facilitator named with `cohort space`), or a
message of its own in a community of practice's channel.

`conversations.open` gives the DM channel (cached: it is rate-limited on its own), then
`chat.postMessage` posts, paced per channel and workspace-wide. Each post carries the
row's idempotency key as message metadata; on a second attempt the recent history of
the DM is checked for that key first, so a post that got through before a timeout or a
crash is not made twice. A 429 hands the row back for `Retry-After`; errors that no retry
can fix fail the row with Slack's reason.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackRequestError

from adapters.dm_channels import DmChannels
from adapters.pacing import Pacer
from adapters.slack.blocks import message
from bot.delivery import SendResult
from bot.domain import Person, Platform
from bot.replies import Audience, Reply

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


class SlackSender:
    def __init__(
        self, client: WebClient, pacer: Pacer, dm_channels: DmChannels | None = None
    ) -> None:
        self._client = client
        self._pacer = pacer
        self._dm_channels = dm_channels or DmChannels()
        self._roots: dict[str, str] = {}  # thread key -> the ts of its first post

    def send(
        self, recipient: Person, reply: Reply, idempotency_key: str, attempt: int = 1
    ) -> SendResult:
        if recipient.identity.platform is not Platform.SLACK:
            return SendResult.failed(f"not a Slack person: {recipient.identity.ref}")
        if reply.audience is Audience.THREAD and reply.thread_key:
            return self._send_to_thread(reply, reply.thread_key, idempotency_key, attempt)
        if reply.audience is Audience.POST and reply.thread_key:
            return self._post_in_channel(reply, reply.thread_key, idempotency_key, attempt)
        try:
            channel = self._dm_channel(recipient.identity.user_id)
            if attempt > 1 and self._posted_before(channel, idempotency_key):
                return SendResult.sent()
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

    def _send_to_thread(
        self, reply: Reply, thread_key: str, idempotency_key: str, attempt: int
    ) -> SendResult:
        """A post in a group's thread, `<channel>|<name>`: the thread's first post starts it
        (and names it in its metadata); later ones reply under it."""
        channel, _, name = thread_key.rpartition("|")
        try:
            root = self._roots.get(thread_key) or self._find_root(channel, name)
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
                self._roots[thread_key] = str(posted["ts"])
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

    def _post_in_channel(
        self, reply: Reply, key: str, idempotency_key: str, attempt: int
    ) -> SendResult:
        """A message of its own in the channel `<channel>|<name>` names (a community's
        channel: people reply to it in a thread of their own)."""
        channel, _, name = key.rpartition("|")
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
        for posted in history.get("messages", []):
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
        return any(
            (m.get("metadata") or {}).get("event_payload", {}).get("key") == key
            for m in replies.get("messages", [])
        )

    def _dm_channel(self, user_id: str) -> str:
        cached = self._dm_channels.get(user_id)
        if cached:
            return cached
        channel = self._client.conversations_open(users=user_id)["channel"]["id"]
        self._dm_channels.put(user_id, channel)
        return channel

    def _posted_before(self, channel: str, key: str) -> bool:
        history = self._client.conversations_history(
            channel=channel, limit=50, include_all_metadata=True
        )
        return any(
            (m.get("metadata") or {}).get("event_payload", {}).get("key") == key
            for m in history.get("messages", [])
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
