"""Bolt listeners, one module per kind of request, each with `register(app, front)`.

Every listener records its request in the inbox (`front.record`, adapters/slack/
handoff.py) and acks only then; the work itself (a module-level coroutine function,
named by the row's kind in `WORK`) is done by an inbox worker: in HTTP mode the worker
process, in Socket Mode this process. The app runs with `process_before_response=True`,
so the HTTP response goes out the moment the listener returns.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from slack_bolt.async_app import AsyncApp

from adapters.slack.answers import SlackContext
from adapters.slack.handoff import Front, Work
from adapters.slack.listeners import actions, commands, events, refusal, views
from bot.domain import InboxClaim, InboxItem

WORK: dict[str, Work] = {
    commands.KIND: commands.learn,
    actions.KIND: actions.run,
    views.KIND: views.submitted,
    events.DM: events.direct_message,
    events.THREAD: events.thread_reply,
    events.HOME: events.home_opened,
}

# Slack's response_url takes answers for 30 minutes; a row done later is answered by DM.
RESPONSE_URL_LIFE = timedelta(minutes=29)


def register(app: AsyncApp, front: Front) -> None:
    app.error(refusal.answer_error)
    commands.register(app, front)
    events.register(app, front)
    actions.register(app, front)
    views.register(app, front)


async def run(context: SlackContext, item: InboxItem, claim: InboxClaim, now: datetime) -> None:
    """Do the work an inbox row records (an unknown kind raises: the row fails)."""
    work = WORK[item.kind]
    args: list[Any] = list(item.payload.get("args", []))
    if now - item.created_at > RESPONSE_URL_LIFE:
        args = [_without_response_url(arg) for arg in args]
    await work(context, *args, inbox=claim)


def _without_response_url(arg: Any) -> Any:
    if isinstance(arg, dict) and "response_url" in arg:
        return {k: v for k, v in arg.items() if k not in ("response_url", "trigger_id")}
    return arg
