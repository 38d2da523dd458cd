"""Putting the core's replies in front of a Slack user, wherever the request came from."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.blocks import home_view, message, modal_view
from adapters.slack.identity import Profiles, identity
from bot.replies import Audience, Reply
from bot.service import Tandem

log = logging.getLogger(__name__)

Respond = Callable[..., Awaitable[Any]]


@dataclass
class SlackContext:
    """What every listener needs: the core, the Web API client, cached profiles."""

    tandem: Tandem
    client: AsyncWebClient
    profiles: Profiles
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """Run a core call (synchronous database work) off the event loop."""
        return await asyncio.to_thread(function, *args)

    async def answer(
        self,
        replies: list[Reply],
        *,
        user_id: str,
        respond: Respond | None = None,
        channel: str | None = None,
        trigger_id: str | None = None,
    ) -> None:
        """Show `replies`: forms as modals, the rest through `respond` (the command's or
        button's response_url) or as a post in `channel` (the DM it came from). The
        request is acked already, so a failure here is logged, not raised."""
        try:
            await self._answer(replies, user_id, respond, channel, trigger_id)
        except Exception:
            log.exception("could not show the answer in Slack")

    async def _answer(
        self,
        replies: list[Reply],
        user_id: str,
        respond: Respond | None,
        channel: str | None,
        trigger_id: str | None,
    ) -> None:
        for reply in replies:
            if reply.form is not None and trigger_id:
                await self.client.views_open(trigger_id=trigger_id, view=modal_view(reply.form))
            elif respond is not None:
                kind = "in_channel" if reply.audience is Audience.CHANNEL else "ephemeral"
                await respond(response_type=kind, replace_original=False, **message(reply))
            else:
                target = channel or await self._dm(user_id)
                await self.client.chat_postMessage(channel=target, **message(reply))

    def refresh_home(self, team_id: str, user_id: str) -> None:
        """Republish the person's App Home in the background (it may have changed)."""
        task = asyncio.get_running_loop().create_task(self.publish_home(team_id, user_id))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def publish_home(self, team_id: str, user_id: str) -> None:
        try:
            profile = await self.profiles.get(user_id)
            home = await self.call(self.tandem.home, identity(team_id, user_id), profile)
            await self.client.views_publish(user_id=user_id, view=home_view(home))
        except Exception:
            log.exception("could not publish the App Home")

    async def _dm(self, user_id: str) -> str:
        response = await self.client.conversations_open(users=user_id)
        return response["channel"]["id"]
