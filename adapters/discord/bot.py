"""The Discord bot: the /learn app command group, persistent buttons, form modals, and
DM answers, all on the one core.

The /learn tree is made from the core's command table (adapters/discord/tree.py): typed
options build the core's command object directly, with the same converters and rules
as a typed line, and the core runs it (`Tandem.execute`); no line is made from them.
Each interaction is recorded in the inbox
(bot/inbox.py) under its id before anything is answered, held by this process, which
then does the work at once; the core marks the row done with the work's change. The
answer comes inside Discord's 3 seconds: an interaction that cannot be answered with a
modal (every one but the commands of MAY_OPEN_A_FORM) is deferred (ephemeral,
"thinking") before anything else is done for it, so that 50 at once are all
acknowledged before any of their work takes the event loop, and answered by followup;
a command that may open a modal (a modal cannot follow a defer) is recorded and run
first and deferred only if its answer is not ready within two seconds. The inbox write
has a thread pool of its own. If the row cannot be written, the answer says so ("not
saved") and nothing is done. A row this process could not finish (it died, the
database went away) is taken by the inbox worker of this or another process and
answered with a followup through the interaction's token (valid 15 minutes), or else in
the person's DM.
Buttons carry their command in their custom_id (`tandem:run:<command>`), read by a
DynamicItem registered in `setup_hook`, so they work after a restart; the command it
names is recorded as the command object, like a typed one.

An unexpected error (an app command's, a button's, a form's, a DM's) is logged with a
reference and answered with bot.replies.unexpected, ephemeral (the interaction's
response, or a followup if it was deferred; a DM's answer in the DM), where nothing
of the work committed. A recorded interaction whose work failed is not answered so at
once: it is tried again by the inbox worker, which answers it, or, given up, says so.

Everything is said in the person's language: the core's answers come in it, and the
words the bot adds (modal titles, "Done already.", "Not saved") are spoken in the
language the core answered in, else the interaction's locale, else the deployment's
(adapters/language.py). A form's modal keeps its language in its custom_id, so its
submission is checked and answered in it too.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, cast

import discord
from discord import app_commands
from discord.ext import commands

from adapters.bootstrap import Application
from adapters.charts import render_png
from adapters.discord.render import RUN_PREFIX, messages, view_for
from adapters.discord.sender import THREAD_MARK, footer_text
from adapters.discord.translator import TableTranslator
from adapters.discord.tree import build_learn_group, place_of
from adapters.language import of_answer, of_profile
from adapters.report import filename as report_filename
from adapters.report import render as render_report
from adapters.unexpected import logged
from bot.commands import Command, CommandError
from bot.domain import Identity, InboxClaim, InboxItem, Incoming, Platform, Profile, Thread
from bot.forms import form_errors
from bot.grammar.parser import from_typed
from bot.grammar.spec import Group, Verb
from bot.grammar.table import TABLE, command_adapter, parse
from bot.i18n import _, current, normalize, speaking
from bot.inbox import NOT_SAVED, Recorded
from bot.replies import Audience, Form, Reply, unexpected

log = logging.getLogger(__name__)

DEFER_AFTER = 2.0  # seconds: past this the interaction is deferred (Discord allows 3)
# Seconds from the interaction's arrival: an answer not ready by then is deferred at
# once (issue 21: answered or deferred within 100 ms at p99, 50 at once), unless the
# command may answer with a form: a modal can only be the first response, so those wait
# up to DEFER_AFTER. (The others are deferred before their work starts, `defer_at_once`;
# this is for one whose early defer Discord refused.)
QUICK_ANSWER = 0.05
# The core's commands whose answer may be a form (a modal); tests/unit/test_discord_defer.py
# checks the list against the handlers.
MAY_OPEN_A_FORM = frozenset(
    {"Assess", "OpenMilestoneForm", "OpenDiaryForm", "AnswerCheckin", "AnswerTask", "CommentGoal"}
)
REMEMBERED = 10_000  # interactions deferred lately, kept to not defer one delivered again
RECORDERS = 2  # threads of the inbox writes' own pool
RECORD_BOUND = 1.5  # seconds the inbox write may take before the answer is "not saved"
# The same, once the interaction is deferred: its followup token lasts 15 minutes, so
# Discord's 3 seconds no longer bound the write (50 at once on SQLite, one in a thousand
# took past 1.5 s).
RECORD_BOUND_DEFERRED = 10.0
INTERACTION = "discord.interaction"  # the inbox kind of a recorded interaction
MAX_RATELIMIT_WAIT = 30.0  # seconds discord.py may wait out a 429; longer, it raises
DOUBLE_CLICK = timedelta(seconds=30)
FORM_PREFIX = "tandem:form:"
PEOPLE = (discord.User, discord.Member)  # what a user option is given as


def identity(user: discord.abc.User) -> Identity:
    return Identity(Platform.DISCORD, "", str(user.id))


def profile(user: discord.abc.User, locale: Any = None) -> Profile:
    # Discord shares no time zone: people set theirs with `/learn checkin tz`.
    return Profile(display_name=user.display_name, locale=str(locale) if locale else None)


def _language(interaction: discord.Interaction) -> str:
    """The language of the person who interacted, as far as Discord tells it (their
    client's locale), else the deployment's."""
    bot = interaction.client
    if not isinstance(bot, TandemBot):
        return normalize(str(interaction.locale)) or "en"
    return of_profile(bot.app.tandem.policy, profile(interaction.user, interaction.locale))


async def answer_unexpected(interaction: discord.Interaction, error: BaseException) -> None:
    """Log `error` with a reference and tell the person, ephemeral, that nothing was
    changed (call it only where that is true: before the work, or after it rolled back)."""
    reference = logged(log, "a Discord interaction failed", error, kind=interaction.type.name)
    with speaking(_language(interaction)):
        text = unexpected(reference).text
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True)
        else:
            await interaction.response.send_message(text, ephemeral=True)
    except discord.HTTPException as failure:
        log.warning(
            "could not say that it went wrong",
            extra={"error": type(failure).__name__, "reference": reference},
        )


class Tree(app_commands.CommandTree):
    """The app command tree, answering an error instead of leaving "The application did
    not respond"."""

    async def on_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError, /
    ) -> None:
        await answer_unexpected(interaction, getattr(error, "original", error))


class TandemBot(commands.AutoShardedBot):
    def __init__(self, app: Application, **options: Any) -> None:
        # No privileged intent: DMs to the bot carry their content without one.
        options.setdefault("max_ratelimit_timeout", MAX_RATELIMIT_WAIT)
        intents = discord.Intents.default()
        # Opt-in: with the privileged Message Content intent (enabled in the developer
        # portal too), plain messages in a Tandem thread are advice contributions.
        intents.message_content = app.settings.discord_message_content
        super().__init__(
            command_prefix=commands.when_mentioned, intents=intents, tree_cls=Tree, **options
        )
        self.app = app
        # The inbox writes have a pool of their own: 50 at once, a write is never queued
        # behind the core calls in the default pool, and the defer follows it at once.
        self._recorders = ThreadPoolExecutor(RECORDERS, thread_name_prefix="discord-inbox")
        # thread id -> the Tandem thread it is (None: someone else's)
        self._threads: dict[int, Thread | None] = {}
        # The interactions this process deferred lately: one delivered again (a resume)
        # is not deferred a second time (Discord refuses it); the inbox then finds it.
        self._deferred: OrderedDict[int, None] = OrderedDict()
        self.tree.add_command(build_learn_group(TABLE, self.run_typed))

    async def setup_hook(self) -> None:
        self.add_dynamic_items(RunButton)
        # German names and descriptions (as many as Discord's limit takes), before
        # anything syncs the tree
        learn = self.tree.get_command("learn")
        english = learn.to_dict(self.tree) if learn is not None else None
        await self.tree.set_translator(TableTranslator(TABLE, english))

    async def core(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, function, *args)

    async def close(self) -> None:
        await super().close()
        self._recorders.shutdown(wait=False)

    async def language_of(self, interaction: discord.Interaction) -> str:
        """The language to refuse in before the core runs: the person's chosen one, else
        their client's (`interaction.locale`), else the default."""
        who = Identity(Platform.DISCORD, "", str(interaction.user.id))
        found = profile(interaction.user, interaction.locale)
        return cast(str, await self.core(self.app.tandem.language_for, who, found))

    async def defer_at_once(self, interaction: discord.Interaction) -> None:
        """Acknowledge the interaction before anything else is done for it (ephemeral,
        "thinking"; the answer follows by followup), so 50 at once are all acknowledged
        within Discord's time, none queued behind the others' work on the event loop.
        Only for what cannot answer with a modal (a modal cannot follow a defer). If
        Discord refuses, the work goes on and is answered as it can be."""
        if interaction.response.is_done() or interaction.id in self._deferred:
            return
        self._deferred[interaction.id] = None
        if len(self._deferred) > REMEMBERED:
            self._deferred.popitem(last=False)
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
        except discord.HTTPException as error:
            log.info("could not defer an interaction", extra={"error": type(error).__name__})

    def in_hand(self) -> Any:
        """The running bot's inbox worker, told of interactions done at once here (so a
        sweep does not take one back as an own claim left behind); None if there is none."""
        return None

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot:
            return
        if isinstance(message.channel, discord.Thread):
            await self.on_thread_message(message, message.channel)
            return
        if message.guild is not None:
            return  # only direct messages from people: the answer to a waiting check-in
        try:
            replies = await self.core(
                self.app.tandem.message,
                identity(message.author),
                message.content,
                profile(message.author),
                Incoming(f"discord:message:{message.id}"),
            )
        except Exception as error:  # rolled back: nothing of it was kept
            with speaking(of_profile(self.app.tandem.policy, profile(message.author))):
                replies = [unexpected(logged(log, "a Discord DM failed", error))]
        with speaking(of_answer(replies, self.app.tandem.policy, profile(message.author))):
            for reply in replies:
                await send_to_channel(message.channel, reply)

    async def on_thread_message(self, message: discord.Message, thread: discord.Thread) -> None:
        """A message in a thread Tandem started (its first post's footer names it): a
        contribution to the advice round. Content arrives only with the Message Content
        intent; without it Discord sends it empty and people use `/learn advice say`."""
        if not message.content:
            return
        if thread.id in self._threads:
            place = self._threads[thread.id]
        else:
            place = None
            try:
                parent = thread.parent or await self.fetch_channel(thread.parent_id)
                if not isinstance(parent, discord.abc.Messageable):
                    return  # a forum or a category: no starter message to read
                starter = await parent.fetch_message(thread.id)
                for embed in starter.embeds:
                    footer = embed.footer.text or ""
                    if footer.startswith(THREAD_MARK):
                        place = Thread(str(thread.parent_id), footer.removeprefix(THREAD_MARK))
                self._threads[thread.id] = place
            except discord.NotFound:  # no starter: a group's private thread, where each
                place = await self._latest_round(thread.id)  # round's first post names it
            except (discord.HTTPException, AttributeError):
                return
        if place is None:
            return
        try:
            replies = await self.core(
                self.app.tandem.thread_message,
                identity(message.author),
                place,
                message.content,
                profile(message.author),
                Incoming(f"discord:message:{message.id}"),
            )
        except Exception as error:  # rolled back: nothing of it was kept
            with speaking(of_profile(self.app.tandem.policy, profile(message.author))):
                replies = [unexpected(logged(log, "a Discord thread message failed", error))]
        with speaking(of_answer(replies, self.app.tandem.policy, profile(message.author))):
            for reply in replies:  # the rule or a refusal: for the writer, in their DM
                try:
                    await send_to_channel(await message.author.create_dm(), reply)
                except discord.HTTPException:
                    log.warning("could not tell the writer privately")

    async def _latest_round(self, thread_id: int) -> Thread | None:
        """The newest round named in a group's private thread (None if none): a new round
        may begin there later, so this is not cached."""
        try:
            posts = await self.http.logs_from(thread_id, 50)
        except discord.HTTPException:
            return None
        for posted in posts:  # newest first
            for embed in posted.get("embeds") or []:
                footer = footer_text(embed) or ""
                if footer.startswith(THREAD_MARK):
                    return Thread(str(thread_id), footer.removeprefix(THREAD_MARK))
        return None

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """Form submissions. Modals are not kept in memory (so a restart, or a long
        while writing, loses nothing): every submit of a Tandem form arrives here."""
        data: Mapping[str, Any] = interaction.data or {}
        custom_id = str(data.get("custom_id", ""))
        if interaction.type is discord.InteractionType.modal_submit and custom_id.startswith(
            FORM_PREFIX
        ):
            form_id, _opener, language = (custom_id.removeprefix(FORM_PREFIX) + "::").split(":")[:3]
            try:
                with speaking(normalize(language) or _language(interaction)):
                    await self.submit_form(interaction, form_id, submitted_values(data))
            except Exception as error:  # (modals are not kept: no view's on_error here)
                await answer_unexpected(interaction, error)

    async def submit_form(
        self, interaction: discord.Interaction, form_id: str, values: dict[str, str]
    ) -> None:
        await self.defer_at_once(interaction)  # a submitted modal cannot open another
        with speaking(await self.language_of(interaction)):
            errors = form_errors(form_id, values)
        if errors:
            # Discord shows no error at a modal's field and cannot open the modal again
            # from its submission: say every refused answer, and give back what was typed
            typed = [v.strip() for v in values.values() if len(v.strip()) > 40]
            text = _("Not saved: {errors}").format(errors=" ".join(errors.values()))
            if typed:
                text += "\n" + _("What you wrote, to paste again:") + "\n"
                text += "\n".join("> " + t.replace("\n", "\n> ") for t in typed)
            await say(interaction, text[:2000])
            return
        await self.respond(
            interaction,
            "submit",
            {
                "form_id": form_id,
                "values": values,
                "profile": _profile_json(profile(interaction.user, interaction.locale)),
                "event": {"key": f"discord:form:{data_id(interaction)}", "window": None},
            },
        )

    async def run_typed(
        self, interaction: discord.Interaction, group: Group, verb: Verb, given: dict[str, Any]
    ) -> None:
        """A /learn subcommand with its typed options: the core's command, built from them
        by the command table; bad values are answered privately and change nothing."""
        if verb.model.__name__ not in MAY_OPEN_A_FORM:
            await self.defer_at_once(interaction)
        # (the concrete classes a user option arrives as: discord.abc.User is a Protocol,
        # whose isinstance took a few tenths of a millisecond of the loop each time)
        people: list[discord.abc.User] = [v for v in given.values() if isinstance(v, PEOPLE)]
        values = {k: str(v.id) if isinstance(v, PEOPLE) else v for k, v in given.items()}
        try:
            with speaking(await self.language_of(interaction)):
                command = from_typed(group, verb, values)
        except CommandError as error:
            await say(interaction, str(error))
            return
        where = place_of(interaction, verb, given)
        await self.run_command(interaction, cast(Command, command), mentioned=people, where=where)

    async def run_command(
        self,
        interaction: discord.Interaction,
        command: Command,
        event: Incoming | None = None,
        mentioned: list[discord.abc.User] | None = None,
        where: str | None = None,
    ) -> None:
        """Run one command for the person who interacted, and answer the interaction.
        `mentioned`: the members the options named, so the core knows their names;
        `where`: the channel the command is about (default: the one it was typed in)."""
        if where is None and interaction.channel_id:
            where = str(interaction.channel_id)
        may_open_a_form = type(command).__name__ in MAY_OPEN_A_FORM
        if not may_open_a_form:
            await self.defer_at_once(interaction)
        window = event.window.total_seconds() if event and event.window else None
        await self.respond(
            interaction,
            "execute",
            {
                "command": command_adapter.dump_python(command, mode="json"),
                "profile": _profile_json(profile(interaction.user, interaction.locale)),
                "event": {"key": event.key, "window": window} if event else None,
                "mentioned": {str(u.id): _profile_json(profile(u)) for u in mentioned or []},
                "where": where,
            },
            may_open_a_form=may_open_a_form,
        )

    async def respond(
        self,
        interaction: discord.Interaction,
        call: str,
        arguments: dict[str, Any],
        may_open_a_form: bool = False,
    ) -> None:
        """Record the interaction, then call the core and answer within Discord's 3
        seconds: by followup when it was deferred already (`defer_at_once`), else at
        once when the core answers within QUICK_ANSWER, else deferred then and followed
        up (a command that may open a modal waits up to DEFER_AFTER: a modal cannot
        follow a defer). Unrecorded, the answer is "not saved" and nothing is done."""
        start = asyncio.get_running_loop().time()
        payload = {
            "call": call,
            "user": str(interaction.user.id),
            "arguments": arguments,
            "application_id": str(interaction.application_id),
            "token": interaction.token,  # for a followup by whoever does the work
        }
        worker = self.in_hand()
        with worker.recording() if worker is not None else contextlib.nullcontext():
            bound = RECORD_BOUND_DEFERRED if interaction.response.is_done() else RECORD_BOUND
            item = await self.record(f"discord:interaction:{interaction.id}", payload, bound)
            if worker is not None and isinstance(item, InboxItem) and item.id is not None:
                worker.hold(item.id)
        if item is None:
            with speaking(_language(interaction)):
                text = _(NOT_SAVED)
            await say(interaction, text)
            return
        if not isinstance(item, InboxItem):
            return  # the same interaction delivered again: it was answered the first time
        try:
            await self._in_hand(interaction, item, start, may_open_a_form)
        finally:
            # Held until the row is settled (done, finished or given back), not only until
            # the core returned: else this process's own inbox worker could take it up
            # again in between (its own claim, left unsettled) and run it a second time.
            if worker is not None and item.id is not None:
                worker.unhold(item.id)

    async def _in_hand(
        self, interaction: discord.Interaction, item: InboxItem, start: float, may_open_a_form: bool
    ) -> None:
        claim = self.app.inbox.claim_of(item)
        work = asyncio.ensure_future(self.core(run_recorded, self.app, item, claim))
        patience = DEFER_AFTER if may_open_a_form else QUICK_ANSWER
        left = patience - (asyncio.get_running_loop().time() - start)
        done, _pending = await asyncio.wait({work}, timeout=max(0.0, left))
        # From here the request is recorded: an error is not answered "nothing was
        # changed" now, since the inbox tries the work again (and answers, or says it
        # gave up); nor after the work committed, when only its answer failed.
        try:
            if not done and not interaction.response.is_done():
                await interaction.response.defer(ephemeral=True, thinking=True)
            replies = await work
        except Exception as error:
            logged(log, "a Discord interaction failed after it was recorded", error)
            if not claim.finished:  # rolled back: a worker does it and answers by followup
                with contextlib.suppress(Exception):  # else its lease runs out: the same
                    await self.core(self.app.inbox.give_back, item, type(error).__name__)
            with contextlib.suppress(discord.HTTPException):
                if not interaction.response.is_done():
                    await interaction.response.defer(ephemeral=True, thinking=True)
            return
        language = of_answer(
            replies, self.app.tandem.policy, profile(interaction.user, interaction.locale)
        )
        if not replies:  # a double click: acted on already; Discord still wants an answer
            with speaking(language):
                replies = [Reply(text=_("Done already."))]
        try:
            with speaking(language):
                await answer(interaction, replies)
        except Exception as error:  # the work is done; only its answer is lost
            logged(log, "could not show the answer on Discord", error)
        if not claim.finished:  # the work changed nothing: the core did not mark it
            with contextlib.suppress(Exception):  # else it is done again: it changes nothing
                await self.core(self.app.inbox.finish, item.id)

    async def record(
        self, key: str, payload: dict[str, Any], bound: float | None = None
    ) -> InboxItem | Recorded | None:
        """Write the inbox row, held by this process; None if it cannot be written within
        `bound` seconds (default RECORD_BOUND; then nothing may land later: the write is
        abandoned before its commit)."""
        wanted = threading.Event()
        wanted.set()
        future = asyncio.get_running_loop().run_in_executor(
            self._recorders, self.app.inbox.record, key, INTERACTION, payload, wanted.is_set, True
        )
        try:
            outcome, item_id = await asyncio.wait_for(
                asyncio.shield(asyncio.ensure_future(future)),
                RECORD_BOUND if bound is None else bound,
            )
        except Exception as error:
            wanted.clear()
            log.warning("could not record an interaction", extra={"error": type(error).__name__})
            return None
        if outcome is Recorded.DUPLICATE or item_id is None:
            return Recorded.DUPLICATE
        return InboxItem(
            id=item_id,
            key=key,
            kind=INTERACTION,
            payload=payload,
            created_at=self.app.inbox.now(),
            attempts=1,
        )

    async def run_taken_over(self, item: InboxItem, claim: InboxClaim) -> None:
        """A recorded interaction another process (or this one, earlier) did not finish:
        do it, and answer through the interaction's followup, else in the person's DM."""
        replies = await self.core(run_recorded, self.app, item, claim)
        if replies:
            await self._answer_recorded(item, replies)

    async def recorded_given_up(self, item: InboxItem, reference: str) -> None:
        """A recorded interaction failed every time it was tried (each rolled back)."""
        with speaking(self._recorded_language(item, [])):
            said = [unexpected(reference)]
        await self._answer_recorded(item, said)

    def _recorded_language(self, item: InboxItem, replies: list[Reply]) -> str:
        """The language of a recorded interaction's answer: the core's, else the locale
        the interaction carried."""
        recorded = (item.payload.get("arguments") or {}).get("profile")
        found = Profile(**recorded) if isinstance(recorded, dict) else None
        return of_answer(replies, self.app.tandem.policy, found)

    async def _answer_recorded(self, item: InboxItem, replies: list[Reply]) -> None:
        with speaking(self._recorded_language(item, replies)):
            await self._answer_in_language(item, replies)

    async def _answer_in_language(self, item: InboxItem, replies: list[Reply]) -> None:
        payload = item.payload
        try:  # the interaction's own followup webhook, as discord.py's Interaction makes it
            webhook = discord.Webhook.from_state(
                data={"id": payload["application_id"], "type": 3, "token": payload["token"]},
                state=self._connection,
            )
            for reply in replies:
                for part in messages(reply):
                    await webhook.send(ephemeral=True, **_message_kwargs(part))
            return
        except (discord.HTTPException, ValueError, KeyError) as error:
            # the token expired (15 minutes), or the interaction was never acknowledged
            log.info("followup refused; answering by DM", extra={"error": type(error).__name__})
        try:
            channel = await self.create_dm(discord.Object(id=int(payload["user"])))
            for reply in replies:
                await send_to_channel(channel, reply)
        except discord.HTTPException as error:  # the work is done; only its answer is lost
            log.warning(
                "could not answer a taken-over interaction", extra={"error": type(error).__name__}
            )


def _profile_json(found: Profile) -> dict[str, Any]:
    return {"display_name": found.display_name, "locale": found.locale}


def run_recorded(app: Application, item: InboxItem, claim: InboxClaim) -> list[Reply]:
    """The core call a recorded interaction asks for (synchronous; run it off the loop).
    The core marks the row done in the transaction of the work."""
    payload = item.payload
    arguments = payload["arguments"]
    who = Identity(Platform.DISCORD, "", payload["user"])
    found = Profile(**arguments["profile"])
    event = arguments.get("event")
    window = timedelta(seconds=event["window"]) if event and event.get("window") else None
    incoming = Incoming(
        event["key"] if event else item.key, window, claim, keyed_by_inbox=event is None
    )
    if payload["call"] == "submit":
        return app.tandem.submit(who, arguments["form_id"], arguments["values"], found, incoming)
    mentioned = {k: Profile(**v) for k, v in (arguments.get("mentioned") or {}).items()}
    if payload["call"] == "execute":
        command = command_adapter.validate_python(arguments["command"])
        return app.tandem.execute(who, command, found, incoming, mentioned, arguments.get("where"))
    # recorded by an earlier version, which sent lines: the same command, parsed now
    return app.tandem.handle(
        who, arguments["line"], found, incoming, mentioned, arguments.get("where")
    )


def data_id(interaction: discord.Interaction) -> str:
    """A submitted modal's custom_id names the interaction that opened it: one entry per form."""
    data: Mapping[str, Any] = interaction.data or {}
    return str(data.get("custom_id", interaction.id))


def submitted_values(data: Any) -> dict[str, str]:
    """The inputs of a submitted modal by custom_id, from action rows or labels."""
    values: dict[str, str] = {}
    for row in data.get("components", []):
        for component in [
            *row.get("components", []),
            *([row["component"]] if "component" in row else []),
        ]:
            if "custom_id" in component:
                value = component.get("value")
                if value is None and component.get("values"):
                    value = component["values"][0]
                values[component["custom_id"]] = value or ""
    return values


async def say(interaction: discord.Interaction, text: str) -> None:
    """`text`, ephemeral, as the interaction's response, or its followup if deferred."""
    if interaction.response.is_done():
        await interaction.followup.send(text, ephemeral=True)
    else:
        await interaction.response.send_message(text, ephemeral=True)


async def send_to_channel(channel: discord.abc.Messageable, reply: Reply) -> None:
    for part in messages(reply):
        await channel.send(**_message_kwargs(part))


def _message_kwargs(part: Any) -> dict[str, Any]:
    kwargs: dict[str, Any] = {
        "content": part.content,
        "embeds": part.embeds,
        "allowed_mentions": discord.AllowedMentions.none(),
    }
    view = view_for(part.buttons)
    if view is not None:
        kwargs["view"] = view
    if part.file is not None:
        kwargs["file"] = discord.File(io.BytesIO(part.file[1]), part.file[0])
    return kwargs


async def answer(interaction: discord.Interaction, replies: list[Reply]) -> None:
    """Show `replies` in answer to `interaction`: a form as a modal (only possible as the
    first response), the rest as messages, ephemeral unless the core says otherwise."""
    for reply in replies:
        if reply.form is not None:
            if not interaction.response.is_done():
                modal = FormModal(reply.form, opened_by=interaction.id)
                await interaction.response.send_modal(modal)
                modal.stop()  # not kept in memory: submits are handled in on_interaction
                continue
            late = _("{text}: that took too long to open here. Click or type it once more.")
            reply = reply.model_copy(update={"text": late.format(text=reply.text)})
        png = None
        if reply.chart is not None:  # drawn off the event loop
            png = await asyncio.get_running_loop().run_in_executor(None, render_png, reply.chart)
        report = None
        if reply.report is not None:  # the cohort report as an HTML attachment
            data = await asyncio.get_running_loop().run_in_executor(
                None, render_report, reply.report, "html"
            )
            report = (report_filename(reply.report, "html"), data)
        for part in messages(reply, png, report):
            kwargs = _message_kwargs(part)
            kwargs["ephemeral"] = reply.audience is not Audience.CHANNEL
            if interaction.response.is_done():
                await interaction.followup.send(**kwargs)
            else:
                await interaction.response.send_message(**kwargs)


class RunButton(
    discord.ui.DynamicItem[discord.ui.Button],
    template=re.escape(RUN_PREFIX) + r"(?P<command>.+)",
):
    """Any Tandem button: runs the /learn command in its custom_id, after any restart."""

    def __init__(self, command: str) -> None:
        super().__init__(discord.ui.Button(label=command[:80], custom_id=RUN_PREFIX + command))
        self.command = command

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
    ) -> RunButton:
        return cls(match["command"])

    async def callback(self, interaction: discord.Interaction) -> None:
        bot = interaction.client
        assert isinstance(bot, TandemBot)
        message_id = interaction.message.id if interaction.message else "none"
        click = Incoming(
            f"discord:click:{interaction.user.id}:{message_id}:{self.command}", DOUBLE_CLICK
        )
        try:
            with speaking(_language(interaction)):  # its refusal is said in their language
                command = parse(self.command)  # the stored command the core put on the button
        except CommandError as error:
            await interaction.response.send_message(str(error), ephemeral=True)
            return
        try:
            await bot.run_command(interaction, command, click)
        except Exception as error:  # (discord.py only logs a dynamic item's error)
            await answer_unexpected(interaction, error)


class FormModal(discord.ui.Modal):
    """A core form as a Discord modal (at most five text inputs). Its custom_id names the
    form and the interaction that opened it, so two people's forms never mix, and the
    language it is shown in (the one being spoken), which its submission speaks."""

    def __init__(self, form: Form, opened_by: int) -> None:
        super().__init__(
            title=form.title[:45],
            custom_id=f"{FORM_PREFIX}{form.form_id}:{opened_by}:{current()}",
            timeout=None,
        )
        for field in form.inputs[:5]:
            self.add_item(
                discord.ui.TextInput(
                    label=field.label[:45],
                    placeholder=(" / ".join(field.options) or field.label)[:100],
                    style=discord.TextStyle.paragraph
                    if field.multiline
                    else discord.TextStyle.short,
                    required=field.required,
                    max_length=min(field.max_length or 4000, 4000),
                    default=field.options[0] if field.options and not field.required else None,
                    custom_id=field.name,
                )
            )
