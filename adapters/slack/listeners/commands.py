"""The `/learn` slash command: ack at once, then answer through the response_url."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp

from adapters.slack.answers import SlackContext
from adapters.slack.handoff import Front
from adapters.slack.identity import identity, plain_text


async def learn(context: SlackContext, command: dict[str, Any]) -> None:
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
        None,
        mentioned,
        command.get("channel_id"),
    )
    await context.answer(
        replies,
        user_id=user,
        response_url=command.get("response_url"),
        trigger_id=command.get("trigger_id"),
    )
    context.after_command(team, user, line)


def register(app: AsyncApp, context: Front) -> None:
    @app.command("/learn")
    async def acked(ack: AsyncAck, command: dict[str, Any]) -> None:
        await ack()
        context.hand_off(learn, command)
