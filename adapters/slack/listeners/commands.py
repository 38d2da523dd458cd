"""The `/learn` slash command: recorded in the inbox, then acked, then done by a worker
and answered through the response_url. The inbox key is the signed request's, so the
same signed request replayed (within Slack's 5-minute window) acts once."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.slack.handoff import Front, request_key
from adapters.slack.identity import Asker, identity, plain_text
from adapters.slack.listeners.refusal import require
from bot.domain import InboxClaim, Incoming

if TYPE_CHECKING:  # Bolt is the acking side's, the answers the worker's
    from slack_bolt.async_app import AsyncAck, AsyncApp

    from adapters.slack.answers import SlackContext


async def learn(
    context: SlackContext, command: dict[str, Any], inbox: InboxClaim | None = None
) -> None:
    team, user = command["team_id"], command["user_id"]
    profile = await context.profiles.get(user)
    text = await context.expand_channels(command.get("text") or "")
    line = plain_text(text)
    mentioned = await context.profiles.of_mentioned(text)
    replies = await context.call(
        context.tandem.handle,
        identity(team, user),
        line,
        profile,
        Incoming(f"slack:inbox:{inbox.item_id}", inbox=inbox, keyed_by_inbox=True)
        if inbox
        else None,
        mentioned,
        command.get("channel_id"),
    )
    await context.answer(
        replies,
        user_id=user,
        response_url=command.get("response_url"),
        trigger_id=command.get("trigger_id"),
    )
    context.after_command(team, user, replies)


def asker(command: dict[str, Any]) -> Asker:
    return Asker(command["user_id"], command.get("response_url"))


def register(app: AsyncApp, context: Front) -> None:
    @app.command("/learn")
    async def acked(ack: AsyncAck, command: dict[str, Any], request: Any) -> None:
        require(command.get("team_id"), command.get("user_id"))
        recorded = await context.record(request_key(request, command), KIND, command)
        if recorded is None:
            await ack(text=context.not_saved())  # a slash command's first answer is ephemeral
        else:
            await ack()


KIND = "slack.command"
