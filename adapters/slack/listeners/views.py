"""Modal submissions. The values are checked before the ack, because only the ack can
show an error at the field; then the modal closes and the core stores the entry."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from adapters.slack.blocks import FORM_CALLBACK, form_values, modal_language
from adapters.slack.handoff import Front
from adapters.slack.identity import Asker, identity
from adapters.slack.listeners.refusal import require
from bot.domain import InboxClaim, Incoming
from bot.forms import form_errors
from bot.i18n import speaking

if TYPE_CHECKING:  # Bolt is the acking side's, the answers the worker's
    from slack_bolt.async_app import AsyncAck, AsyncApp

    from adapters.slack.answers import SlackContext


async def submitted(
    context: SlackContext,
    body: dict[str, Any],
    view: dict[str, Any],
    form_id: str,
    values: dict[str, str],
    inbox: InboxClaim | None = None,
) -> None:
    team = (body.get("team") or {}).get("id", "") or body["user"].get("team_id", "")
    user = body["user"]["id"]
    profile = await context.profiles.get(user)
    replies = await context.call(
        context.tandem.submit,
        identity(team, user),
        form_id,
        values,
        profile,
        Incoming(view_key(view), inbox=inbox, keyed_by_inbox=True),
    )
    await context.answer(replies, user_id=user)
    if replies:
        context.refresh_home(team, user)


def asker(
    body: dict[str, Any], view: dict[str, Any], form_id: str, values: dict[str, str]
) -> Asker:
    return Asker(body["user"]["id"])  # the modal has closed: their DM


def register(app: AsyncApp, context: Front) -> None:
    @app.view(re.compile(rf"^{re.escape(FORM_CALLBACK)}"))
    async def check(ack: AsyncAck, body: dict[str, Any], view: dict[str, Any]) -> None:
        """Only the ack can show an error at a field: check the values before it."""
        require((body.get("user") or {}).get("id"), view.get("id"))
        form_id = view["callback_id"].removeprefix(FORM_CALLBACK)
        values = form_values(view)
        with speaking(modal_language(view) or context.language):  # the modal's language
            errors = form_errors(form_id, values)  # no database: the front may have none
        if errors:
            # every refused input at its own field; a refusal of the whole form at the first
            whole = errors.pop("", None)
            if whole is not None:
                errors.setdefault(next(iter(values), "text"), whole)
            await ack(response_action="errors", errors=errors)
            return
        # A view's id and hash name one submission of one rendering: the same form sent
        # twice is recorded once.
        if await context.record(view_key(view), KIND, body, view, form_id, values) is None:
            field = next(iter(values), "text")
            await ack(response_action="errors", errors={field: context.not_saved()})
            return
        await ack()


KIND = "slack.view"


def view_key(view: dict[str, Any]) -> str:
    return f"slack:view:{view.get('id')}:{view.get('hash')}"
