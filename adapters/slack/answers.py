"""Putting the core's replies in front of a Slack user, wherever the request came from,
in their language: the one the core answered in, else their Slack locale, else the
deployment's (adapters/language.py)."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.dm_channels import DmChannels
from adapters.language import of_answer
from adapters.slack.blocks import home_view, message, message_pages, modal_view
from adapters.slack.identity import Profiles, identity
from adapters.slack.sender import THREAD_TYPE
from bot.domain import Platform, Thread, parse_ref
from bot.i18n import _, speaking
from bot.outcome import Outcome
from bot.replies import Audience, Reply

if TYPE_CHECKING:  # the acking process imports the listeners, never the core
    from bot.service import Tandem

log = logging.getLogger(__name__)
INVITE = re.compile(r"\s*cohort\s+invite\b", re.IGNORECASE)
CHANNEL_MENTION = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>")

HOME_WATCH = 15 * 60.0  # seconds an opened Home tab is kept fresh after changes


@dataclass
class SlackContext:
    """What every listener needs: the core, the Web API client, cached profiles, and one
    HTTP session that every call shares (a session per call costs a connection each)."""

    tandem: Tandem
    client: AsyncWebClient
    profiles: Profiles
    session: aiohttp.ClientSession
    dm_channels: DmChannels
    # Core calls are synchronous database work: a small pool of its own keeps them off
    # the event loop without a crowd of threads contending for the GIL (and, on SQLite,
    # for its single writer lock) while the loop has acks to send.
    executor: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(2, "core"))
    _tasks: set[asyncio.Task[None]] = field(default_factory=set)
    # Who opened their Home tab lately: only their tab can be on screen, so only theirs is
    # republished after a change. Anyone else's is fresh the moment they open it, since
    # `app_home_opened` always publishes. (A replica that did not see the open just skips
    # the early refresh; nothing is lost.)
    _home_seen: dict[str, float] = field(default_factory=dict)
    # (channel, ts) -> the Tandem thread started there, or None for anyone else's
    _threads: dict[tuple[str, str], Thread | None] = field(default_factory=dict)

    async def call(self, function: Callable[..., Any], *args: Any) -> Any:
        """Run a core call (synchronous database work) off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, function, *args)

    async def answer(
        self,
        replies: list[Reply],
        *,
        user_id: str,
        response_url: str | None = None,
        channel: str | None = None,
        trigger_id: str | None = None,
    ) -> None:
        """Show `replies`: forms as modals, the rest through the `response_url` (of the
        command or button) or as a post in `channel` (the DM it came from). The request
        is acked already, so a failure here is logged, not raised."""
        try:
            language = await self.language_of_answer(replies, user_id)
            await self._answer(replies, user_id, response_url, channel, trigger_id, language)
        except Exception:
            log.exception("could not show the answer in Slack")

    async def language_of_answer(self, replies: list[Reply], user_id: str) -> str:
        """The language `replies` were said in (the core's), else the person's Slack
        locale, else the deployment's."""
        if getattr(replies, "language", None) is None:
            return of_answer(replies, self.tandem.policy, await self.profiles.get(user_id))
        return of_answer(replies, self.tandem.policy)

    async def _answer(
        self,
        replies: list[Reply],
        user_id: str,
        response_url: str | None,
        channel: str | None,
        trigger_id: str | None,
        language: str,
    ) -> None:
        for reply in replies:
            if reply.form is not None and trigger_id:
                if await self._open_modal(trigger_id, reply, language):
                    continue
                with speaking(language):
                    late = _(
                        "{text}: that took too long to open here. Click or type it once more."
                    ).format(text=reply.text)
                reply = reply.model_copy(update={"text": late})
            if reply.chart is not None:
                await self._upload_chart(reply, user_id)
            if reply.report is not None:
                await self._upload_report(reply, user_id)
            if reply.attachment is not None:
                await self._post_pages(reply, user_id, response_url, language)
                continue
            with speaking(language):
                shown = message(reply)
            if response_url:
                kind = "in_channel" if reply.audience is Audience.CHANNEL else "ephemeral"
                body = {"response_type": kind, "replace_original": False, **shown}
                async with self.session.post(response_url, json=body) as response:
                    if response.status >= 400:
                        log.warning("response_url answered HTTP %s", response.status)
            else:
                target = channel or await self._dm(user_id)
                await self.client.chat_postMessage(channel=target, **shown)

    def spawn(self, work: Coroutine[Any, Any, None]) -> None:
        """Run `work` after the ack has gone out; errors are logged, not lost."""
        task = asyncio.get_running_loop().create_task(self._logged(work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _logged(self, work: Coroutine[Any, Any, None]) -> None:
        try:
            await work
        except Exception:
            log.exception("a Slack request failed after its ack")

    def after_command(self, team_id: str, user_id: str, outcome: Outcome) -> None:
        """Keep the Home tab true: after an erasure it is replaced at once (it showed
        recent entries), and so is each Home that showed the erased person (their tutors'
        cockpit, with what was shared with them); otherwise refreshed if the person looks
        at it."""
        if outcome.erased:
            self.spawn(self.publish_home(team_id, user_id))
            for ref in outcome.views_showing_erased:
                shown = parse_ref(ref)
                if shown.platform is Platform.SLACK and shown.workspace == team_id:
                    self.spawn(self.publish_home(team_id, shown.user_id))
        else:
            self.refresh_home(team_id, user_id)

    def refresh_home(self, team_id: str, user_id: str) -> None:
        """Republish the person's App Home in the background (it may have changed), if
        they opened it in the last `HOME_WATCH` seconds."""
        seen = self._home_seen.get(user_id)
        if seen is None or time.monotonic() - seen > HOME_WATCH:
            return
        self.spawn(self.publish_home(team_id, user_id))

    async def home_opened(self, team_id: str, user_id: str) -> None:
        self._home_seen[user_id] = time.monotonic()
        if len(self._home_seen) > 50_000:
            cutoff = time.monotonic() - HOME_WATCH
            self._home_seen = {u: t for u, t in self._home_seen.items() if t > cutoff}
        await self.publish_home(team_id, user_id)

    async def publish_home(self, team_id: str, user_id: str) -> None:
        try:
            profile = await self.profiles.get(user_id)
            who = identity(team_id, user_id)
            home = await self.call(self.tandem.home, who, profile)
            with speaking(await self.call(self.tandem.language_for, who, profile)):
                view = home_view(home)
            await self.client.views_publish(user_id=user_id, view=view)
        except Exception:
            log.exception("could not publish the App Home")

    async def _open_modal(self, trigger_id: str, reply: Reply, language: str) -> bool:
        assert reply.form is not None
        with speaking(language):
            view = modal_view(reply.form)
        try:
            await self.client.views_open(trigger_id=trigger_id, view=view)
        except SlackApiError as error:  # e.g. expired_trigger_id: a trigger lives 3 s
            log.warning("views.open failed: %s", error.response.get("error"))
            return False
        return True

    async def _post_pages(
        self, reply: Reply, user_id: str, response_url: str | None, language: str
    ) -> None:
        """A long reply (an export) goes to the person's DM, as many messages as it needs;
        the response_url, good for five answers, only says where to find it."""
        channel = await self._dm(user_id)
        with speaking(language):
            pages = message_pages(reply)
            sent = _("Sent to your direct messages.")
        for page in pages:
            await self.client.chat_postMessage(channel=channel, **page)
        if response_url:
            note = {"response_type": "ephemeral", "text": sent}
            async with self.session.post(response_url, json=note):
                pass

    async def _upload_chart(self, reply: Reply, user_id: str) -> None:
        """A chart goes to the person's DM as a PNG (Slack shows no file in an ephemeral
        message); the answer itself says the same in words, and says where the picture is."""
        assert reply.chart is not None
        from adapters.charts import render_png  # matplotlib: only when a chart is drawn

        png = await self.call(render_png, reply.chart)
        await self.client.files_upload_v2(
            channel=await self._dm(user_id),
            file=png,
            filename=reply.chart.filename,
            title=reply.chart.title,
            alt_txt=reply.chart.alt_text[:1000],
            request_file_info=False,
        )

    async def _upload_report(self, reply: Reply, user_id: str) -> None:
        """A cohort report goes to the facilitator's DM as an HTML file (files.uploadV2);
        the answer's text says the figures in words, as before."""
        assert reply.report is not None
        from adapters.report import filename as report_filename
        from adapters.report import render as render_report

        data = await self.call(render_report, reply.report, "html")
        with speaking(reply.report.language):
            title = _("Personnel-development report: {cohort}").format(
                cohort=reply.report.cohort_name
            )
        await self.client.files_upload_v2(
            channel=await self._dm(user_id),
            file=data,
            filename=report_filename(reply.report, "html"),
            title=title,
            request_file_info=False,
        )

    async def expand_channels(self, text: str) -> str:
        """`cohort invite #channel` invites everyone in it: the channel mention becomes a
        mention of each member (`conversations.members`; bots left out)."""
        if not INVITE.match(text):
            return text

        async def members(match: re.Match[str]) -> str:
            found: list[str] = []
            cursor = None
            while True:
                page = await self.client.conversations_members(
                    channel=match.group(1), limit=200, cursor=cursor
                )
                found += page.get("members", [])
                cursor = (page.get("response_metadata") or {}).get("next_cursor")
                if not cursor or len(found) >= 500:
                    break
            people = []
            for user_id in found[:500]:
                profile = await self.profiles.get(user_id)
                if profile is not None and not self.profiles.is_bot(user_id):
                    people.append(f"<@{user_id}>")
            return " ".join(people)

        parts, last = [], 0
        for match in CHANNEL_MENTION.finditer(text):
            parts += [text[last : match.start()], await members(match)]
            last = match.end()
        return "".join(parts) + text[last:]

    async def thread_at(self, channel: str, thread_ts: str) -> Thread | None:
        """The thread Tandem started at `thread_ts` (named in its first post's metadata),
        or None for anyone else's thread. Cached: threads stay."""
        if (channel, thread_ts) in self._threads:
            return self._threads[(channel, thread_ts)]
        found = None
        try:
            history = await self.client.conversations_history(
                channel=channel,
                latest=thread_ts,
                inclusive=True,
                limit=1,
                include_all_metadata=True,
            )
            messages: list[dict[str, Any]] = history.get("messages", [])
            for posted in messages:
                metadata = posted.get("metadata") or {}
                if posted.get("ts") == thread_ts and metadata.get("event_type") == THREAD_TYPE:
                    name = metadata.get("event_payload", {}).get("thread", "")
                    found = Thread(channel=channel, name=str(name))
        except SlackApiError as error:
            log.warning("could not read the thread's first post: %s", error.response.get("error"))
            return None
        self._threads[(channel, thread_ts)] = found
        return found

    async def _dm(self, user_id: str) -> str:
        cached = self.dm_channels.get(user_id)
        if cached:
            return cached
        response = await self.client.conversations_open(users=user_id)
        channel = response["channel"]["id"]
        self.dm_channels.put(user_id, channel)
        return channel

    async def drain(self, timeout: float) -> None:
        """Wait (up to `timeout` seconds) for work that was acked but is not done."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=timeout)
