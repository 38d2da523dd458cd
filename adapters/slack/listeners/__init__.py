"""Bolt listeners, one module per kind of request, each with `register(app, front)`.

Every listener records its request in the inbox (`front.record`, adapters/slack/
handoff.py) and acks only then; the work itself (a module-level coroutine function,
named by the row's kind in `WORK`) is done by an inbox worker: in HTTP mode the worker
process, in Socket Mode this process. The app runs with `process_before_response=True`,
so the HTTP response goes out the moment the listener returns.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from adapters.slack.handoff import Front, Work
from adapters.slack.identity import Asker
from adapters.slack.listeners import actions, commands, events, refusal, views
from bot.domain import InboxClaim, InboxItem

if TYPE_CHECKING:  # Bolt is the acking side's; the answers (and the core) the worker's
    from slack_bolt.async_app import AsyncApp

    from adapters.slack.answers import SlackContext

WORK: dict[str, Work] = {
    commands.KIND: commands.learn,
    actions.KIND: actions.run,
    views.KIND: views.submitted,
    events.DM: events.direct_message,
    events.THREAD: events.thread_reply,
    events.HOME: events.home_opened,
}

# Who asked, from a row's arguments: told where they are if their request is given up.
# (The Home tab asks nothing: its work only publishes, and says nothing if that fails.)
ASKER: dict[str, Callable[..., Asker | None]] = {
    commands.KIND: commands.asker,
    actions.KIND: actions.asker,
    views.KIND: views.asker,
    events.DM: events.asker,
    events.THREAD: events.asker,
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
    await WORK[item.kind](context, *_args(item, now), inbox=claim)


async def given_up(context: SlackContext, item: InboxItem, reference: str, now: datetime) -> None:
    """The row's work failed every time it was tried, and rolled back each time: tell the
    asker so where they are (ephemeral through the response_url of a command or click,
    else in their DM), with the reference of the error in the log."""
    from adapters.language import of_profile
    from bot.i18n import speaking
    from bot.outcome import Outcome
    from bot.replies import unexpected

    whom = ASKER.get(item.kind)
    asker = whom(*_args(item, now)) if whom is not None else None
    if asker is not None:
        # said in their Slack locale: the database (and what they chose there) may be
        # what keeps failing
        language = of_profile(context.tandem.policy, await context.profiles.get(asker.user_id))
        with speaking(language):
            said = Outcome([unexpected(reference)], language=language)
        await context.answer(said, user_id=asker.user_id, response_url=asker.response_url)


def _args(item: InboxItem, now: datetime) -> list[Any]:
    args: list[Any] = list(item.payload.get("args", []))
    if now - item.created_at > RESPONSE_URL_LIFE:
        args = [_without_response_url(arg) for arg in args]
    return args


def _without_response_url(arg: Any) -> Any:
    if isinstance(arg, dict) and "response_url" in arg:
        return {k: v for k, v in arg.items() if k not in ("response_url", "trigger_id")}
    return arg
