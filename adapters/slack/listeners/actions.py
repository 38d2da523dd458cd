"""Buttons. Every Tandem button runs the `/learn` command line in its value, so a button
needs no state in memory and works the same after a restart. A double click sends two
payloads for the same message (or the same rendering of the Home tab): the core acts on
the first and answers the second with nothing."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from adapters.slack.blocks import RUN_ACTION
from adapters.slack.handoff import Front, request_key
from adapters.slack.identity import Asker, identity
from adapters.slack.listeners.refusal import require
from bot.domain import InboxClaim, Incoming

if TYPE_CHECKING:  # Bolt is the acking side's, the answers the worker's
    from slack_bolt.async_app import AsyncAck, AsyncApp

    from adapters.slack.answers import SlackContext

DOUBLE_CLICK = timedelta(seconds=30)


def click(
    body: dict[str, Any], action: dict[str, Any], inbox: InboxClaim | None = None
) -> Incoming:
    """A click of one person on one button of one message (or Home tab, or modal). The
    same click again within `DOUBLE_CLICK` is a double click; later, it acts again."""
    team = (body.get("team") or {}).get("id", "")
    user = (body.get("user") or {}).get("id", "")
    container = body.get("container") or {}
    if container.get("type") == "message":
        where = f"message:{container.get('channel_id')}:{container.get('message_ts')}"
    else:
        where = f"view:{(body.get('view') or {}).get('id')}"
    key = f"slack:click:{team}:{user}:{where}:{action.get('action_id')}:{action.get('value')}"
    return Incoming(key, DOUBLE_CLICK, inbox)


async def run(
    context: SlackContext,
    body: dict[str, Any],
    action: dict[str, Any],
    inbox: InboxClaim | None = None,
) -> None:
    team = (body.get("team") or {}).get("id", "")
    user = body["user"]["id"]
    profile = await context.profiles.get(user)
    replies = await context.call(
        context.tandem.handle,
        identity(team, user),
        action.get("value") or "",
        profile,
        click(body, action, inbox),
    )
    await context.answer(
        replies,
        user_id=user,
        response_url=body.get("response_url"),
        trigger_id=body.get("trigger_id"),
    )
    if replies:
        context.after_command(team, user, replies)


def asker(body: dict[str, Any], action: dict[str, Any]) -> Asker:
    return Asker(body["user"]["id"], body.get("response_url"))


def register(app: AsyncApp, context: Front) -> None:
    @app.action(re.compile(rf"^{re.escape(RUN_ACTION)}:\d+$"))
    async def acked(
        ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], request: Any
    ) -> None:
        require((body.get("user") or {}).get("id"))
        recorded = await context.record(request_key(request, body), KIND, body, action)
        await ack()
        if recorded is None:  # a click's ack carries no text: say it where the click was
            context.tell(body.get("response_url"), context.not_saved())


KIND = "slack.action"
