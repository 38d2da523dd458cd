"""Events: a message in the DM (the answer to a check-in), a reply in a thread Tandem
started (a contribution to a colleague-advice round), and the App Home being opened.

Each event is recorded in the inbox under its event_id before the ack, so a retry
(X-Slack-Retry-Num) finds it recorded and does nothing more; if it cannot be recorded,
the answer is HTTP 503 and Slack sends it again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.slack.blocks import message
from adapters.slack.handoff import Front
from adapters.slack.identity import Asker, identity, plain_text
from adapters.slack.listeners.refusal import NotSaved, require
from bot.domain import InboxClaim, Incoming
from bot.i18n import speaking

if TYPE_CHECKING:  # Bolt is the acking side's, the answers the worker's
    from slack_bolt.async_app import AsyncAck, AsyncApp

    from adapters.slack.answers import SlackContext

# Message subtypes in which a person wrote something new: none, or text with a file.
PERSON_WROTE = frozenset({None, "file_share", "thread_broadcast"})


async def direct_message(
    context: SlackContext,
    event: dict[str, Any],
    body: dict[str, Any],
    inbox: InboxClaim | None = None,
) -> None:
    if (
        event.get("channel_type") != "im"
        or event.get("bot_id")
        or event.get("subtype") not in PERSON_WROTE
    ):
        return  # channel chatter, our own posts, edits, deletions, joins: not for the core
    team = body.get("team_id") or event.get("team") or ""
    user = event["user"]
    profile = await context.profiles.get(user)
    replies = await context.call(
        context.tandem.message,
        identity(team, user),
        plain_text(event.get("text") or ""),
        profile,
        Incoming(
            f"slack:event:{body.get('event_id') or event.get('client_msg_id') or event['ts']}",
            inbox=inbox,
            keyed_by_inbox=True,
        ),
    )
    await context.answer(replies, user_id=user, channel=event["channel"])
    if replies:
        context.refresh_home(team, user)


async def thread_reply(
    context: SlackContext,
    event: dict[str, Any],
    body: dict[str, Any],
    inbox: InboxClaim | None = None,
) -> None:
    """A reply in a thread Tandem started (a colleague-advice round): a contribution."""
    team = body.get("team_id") or event.get("team") or ""
    user, channel = event["user"], event["channel"]
    thread = await context.thread_at(channel, event["thread_ts"])
    if thread is None:
        return  # someone else's thread: not ours to read
    profile = await context.profiles.get(user)
    replies = await context.call(
        context.tandem.thread_message,
        identity(team, user),
        thread,
        plain_text(event.get("text") or ""),
        profile,
        Incoming(
            f"slack:event:{body.get('event_id') or event['ts']}", inbox=inbox, keyed_by_inbox=True
        ),
    )
    with speaking(await context.language_of_answer(replies, user)):
        shown = [message(reply) for reply in replies]
    for said in shown:  # only the writer sees these (the rule, a refusal)
        await context.client.chat_postEphemeral(
            channel=channel, user=user, thread_ts=event["thread_ts"], **said
        )


async def home_opened(
    context: SlackContext,
    event: dict[str, Any],
    body: dict[str, Any],
    inbox: InboxClaim | None = None,
) -> None:
    if event.get("tab") == "home":
        await context.home_opened(body.get("team_id") or "", event["user"])


def asker(event: dict[str, Any], body: dict[str, Any]) -> Asker | None:
    """Whom to tell that an event's work was given up: the writer, in their DM."""
    user = event.get("user")
    return Asker(user) if isinstance(user, str) and user else None


def event_key(event: dict[str, Any], body: dict[str, Any]) -> str:
    """Slack's event_id (the same on every retry of the event)."""
    return f"slack:event:{body.get('event_id') or event.get('client_msg_id') or event.get('ts')}"


async def _record(context: Front, kind: str, event: dict[str, Any], body: dict[str, Any]) -> None:
    if await context.record(event_key(event, body), kind, event, body) is None:
        raise NotSaved  # HTTP 503: Slack sends the event again


DM, THREAD, HOME = "slack.dm", "slack.thread", "slack.home"


def register(app: AsyncApp, context: Front) -> None:
    @app.event("message")
    async def message_acked(ack: AsyncAck, event: dict[str, Any], body: dict[str, Any]) -> None:
        if event.get("channel_type") == "im":
            if event.get("subtype") in PERSON_WROTE and not event.get("bot_id"):
                require(event.get("user"), event.get("channel"))
            await _record(context, DM, event, body)
        elif (
            event.get("thread_ts")
            and event.get("thread_ts") != event.get("ts")
            and not event.get("bot_id")
            and event.get("subtype") in PERSON_WROTE
            and event.get("user")
        ):
            require(event.get("channel"))
            await _record(context, THREAD, event, body)
        await ack()

    @app.event("app_home_opened")
    async def home_acked(ack: AsyncAck, event: dict[str, Any], body: dict[str, Any]) -> None:
        require(event.get("user"))
        await _record(context, HOME, event, body)
        await ack()
