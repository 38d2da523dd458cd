"""The Discord bot: the /learn app command group, persistent buttons, form modals, and
DM answers, all on the one core.

Every /learn subcommand is turned back into a line of the shared grammar, so Discord
behaves as the console and Slack do. Each interaction is recorded in the inbox
(bot/inbox.py) under its id before anything is answered, held by this process, which
then does the work at once; the core marks the row done with the work's change. The
answer comes inside Discord's 3 seconds: the core call normally takes milliseconds and
its answer is the response; past two seconds the interaction is deferred and followed
up. If the row cannot be written, the response says so ("not saved") and nothing is
done. A row this process could not finish (it died, the database went away) is taken
by the inbox worker of this or another process and answered with a followup through
the interaction's token (valid 15 minutes), or else in the person's DM.
Buttons carry their command in their custom_id (`tandem:run:<command>`), parsed by a
DynamicItem registered in `setup_hook`, so they work after a restart.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import re
import threading
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Any

import discord
from discord import app_commands
from discord.ext import commands

from adapters.bootstrap import Application
from adapters.charts import render_png
from adapters.discord.render import RUN_PREFIX, messages, view_for
from adapters.discord.sender import THREAD_MARK, footer_text
from bot.domain import Identity, InboxClaim, InboxItem, Incoming, Platform, Profile, Thread
from bot.forms import form_errors
from bot.inbox import NOT_SAVED, Recorded
from bot.replies import Audience, Form, Reply

log = logging.getLogger(__name__)

DEFER_AFTER = 2.0  # seconds: past this the interaction is deferred (Discord allows 3)
RECORD_BOUND = 1.5  # seconds the inbox write may take before the answer is "not saved"
INTERACTION = "discord.interaction"  # the inbox kind of a recorded interaction
MAX_RATELIMIT_WAIT = 30.0  # seconds discord.py may wait out a 429; longer, it raises
DOUBLE_CLICK = timedelta(seconds=30)
FORM_PREFIX = "tandem:form:"
MENTION = re.compile(r"<@!?(\d{15,21})>")  # a member mentioned in a typed option


def identity(user: discord.abc.User) -> Identity:
    return Identity(Platform.DISCORD, "", str(user.id))


def profile(user: discord.abc.User, locale: Any = None) -> Profile:
    # Discord shares no time zone: people set theirs with `/learn checkin tz`.
    return Profile(display_name=user.display_name, locale=str(locale) if locale else None)


class TandemBot(commands.AutoShardedBot):
    def __init__(self, app: Application, **options: Any) -> None:
        # No privileged intent: DMs to the bot carry their content without one.
        options.setdefault("max_ratelimit_timeout", MAX_RATELIMIT_WAIT)
        intents = discord.Intents.default()
        # Opt-in: with the privileged Message Content intent (enabled in the developer
        # portal too), plain messages in a Tandem thread are advice contributions.
        intents.message_content = app.settings.discord_message_content
        super().__init__(command_prefix=commands.when_mentioned, intents=intents, **options)
        self.app = app
        # thread id -> the Tandem thread it is (None: someone else's)
        self._threads: dict[int, Thread | None] = {}
        self.tree.add_command(build_learn_group(self))

    async def setup_hook(self) -> None:
        self.add_dynamic_items(RunButton)

    async def core(self, function: Callable[..., Any], *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(None, function, *args)

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
        replies = await self.core(
            self.app.tandem.message,
            identity(message.author),
            message.content,
            profile(message.author),
            Incoming(f"discord:message:{message.id}"),
        )
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
        replies = await self.core(
            self.app.tandem.thread_message,
            identity(message.author),
            place,
            message.content,
            profile(message.author),
            Incoming(f"discord:message:{message.id}"),
        )
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
            form_id = custom_id.removeprefix(FORM_PREFIX).split(":", 1)[0]
            await self.submit_form(interaction, form_id, submitted_values(data))

    async def submit_form(
        self, interaction: discord.Interaction, form_id: str, values: dict[str, str]
    ) -> None:
        errors = form_errors(form_id, values)
        if errors:
            # Discord shows no error at a modal's field and cannot open the modal again
            # from its submission: say every refused answer, and give back what was typed
            typed = [v.strip() for v in values.values() if len(v.strip()) > 40]
            text = "Not saved: " + " ".join(errors.values())
            if typed:
                text += "\nWhat you wrote, to paste again:\n" + "\n".join(
                    "> " + t.replace("\n", "\n> ") for t in typed
                )
            await interaction.response.send_message(text[:2000], ephemeral=True)
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

    async def run_line(
        self,
        interaction: discord.Interaction,
        line: str,
        event: Incoming | None = None,
        mentioned: list[discord.abc.User | None] | None = None,
        where: str | None = None,
    ) -> None:
        """Run one /learn line for the person who interacted, and answer the interaction.
        `mentioned`: the members the options named, so the core knows their names;
        `where`: the channel the line is about (default: the one it was typed in)."""
        if where is None and interaction.channel_id:
            where = str(interaction.channel_id)
        window = event.window.total_seconds() if event and event.window else None
        await self.respond(
            interaction,
            "handle",
            {
                "line": MENTION.sub(r"@\1", line),
                "profile": _profile_json(profile(interaction.user, interaction.locale)),
                "event": {"key": event.key, "window": window} if event else None,
                "mentioned": {
                    str(u.id): _profile_json(profile(u)) for u in mentioned or [] if u is not None
                },
                "where": where,
            },
        )

    async def respond(
        self, interaction: discord.Interaction, call: str, arguments: dict[str, Any]
    ) -> None:
        """Record the interaction, then call the core and answer within Discord's 3
        seconds: at once when the core is quick (it nearly always is), else deferred and
        followed up. Unrecorded, the answer is "not saved" and nothing is done."""
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
            item = await self.record(f"discord:interaction:{interaction.id}", payload)
            if worker is not None and isinstance(item, InboxItem) and item.id is not None:
                worker.hold(item.id)
        if item is None:
            await interaction.response.send_message(NOT_SAVED, ephemeral=True)
            return
        if not isinstance(item, InboxItem):
            return  # the same interaction delivered again: it was answered the first time
        claim = self.app.inbox.claim_of(item)
        work = asyncio.ensure_future(self.core(run_recorded, self.app, item, claim))
        if worker is not None and item.id is not None:
            held = item.id
            work.add_done_callback(lambda _: worker.unhold(held))
        left = DEFER_AFTER - (asyncio.get_running_loop().time() - start)
        done, _ = await asyncio.wait({work}, timeout=max(0.1, left))
        if not done:
            await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            replies = await work
        except Exception:
            # the work failed (the database went away mid-way): the row goes back, and a
            # worker does it and answers with a followup; say so now
            log.exception("a Discord interaction failed after it was recorded")
            await self.core(self.app.inbox.give_back, item, "failed in hand")
            if not interaction.response.is_done():
                await interaction.response.defer(ephemeral=True, thinking=True)
            return
        if not replies:  # a double click: acted on already; Discord still wants an answer
            replies = [Reply(text="Done already.")]
        await answer(interaction, replies)
        if not claim.finished:  # the work changed nothing: the core did not mark it
            await self.core(self.app.inbox.finish, item.id)

    async def record(self, key: str, payload: dict[str, Any]) -> InboxItem | Recorded | None:
        """Write the inbox row, held by this process; None if it cannot be written in
        time (then nothing may land later: the write is abandoned before its commit)."""
        wanted = threading.Event()
        wanted.set()
        future = self.core(self.app.inbox.record, key, INTERACTION, payload, wanted.is_set, True)
        try:
            outcome, item_id = await asyncio.wait_for(
                asyncio.shield(asyncio.ensure_future(future)), RECORD_BOUND
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
        if not replies:
            return
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
            reply = reply.model_copy(
                update={
                    "text": f"{reply.text}: that took too long to open"
                    " here. Click or type it once more."
                }
            )
        png = None
        if reply.chart is not None:  # drawn off the event loop
            png = await asyncio.get_running_loop().run_in_executor(None, render_png, reply.chart)
        for part in messages(reply, png):
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
        await bot.run_line(interaction, self.command, click)


class FormModal(discord.ui.Modal):
    """A core form as a Discord modal (at most five text inputs). Its custom_id names the
    form and the interaction that opened it, so two people's forms never mix."""

    def __init__(self, form: Form, opened_by: int) -> None:
        super().__init__(
            title=form.title[:45],
            custom_id=f"{FORM_PREFIX}{form.form_id}:{opened_by}",
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


SHARE = [app_commands.Choice(name=v, value=v) for v in ("private", "partner", "group", "tutor")]
ENTRY_ACTIONS = [app_commands.Choice(name=v, value=v) for v in ("show", "edit", "delete")]


def diary_entry_line(
    action: str, number: int, text: str | None, of: discord.abc.User | None
) -> str:
    """`diary-entry` as the grammar's line: `diary show|edit|delete <n> ...`."""
    line = f"diary {action} {number}"
    if action == "edit":
        line += f" {text}" if text else ""
    elif action == "show" and of is not None:
        line += f" --of {of.id}"
    return line


PRIVACY = [
    app_commands.Choice(name=n, value=v)
    for n, v in (
        ("what is kept and who sees it", "show"),
        ("export my data", "export"),
        ("erase my data", "forget"),
    )
]


ROLES = [app_commands.Choice(name=r, value=r) for r in ("learner", "tutor", "manager")]
COP_ACTIONS = [
    app_commands.Choice(name=n, value=v)
    for n, v in (
        ("list the communities", "list"),
        ("join one", "join"),
        ("leave one", "leave"),
        ("share an experience", "share"),
        ("read what was shared", "posts"),
        ("open one here (facilitators)", "open"),
    )
]


class ForumOption(app_commands.Transformer):
    """A channel option limited to forum (and media) channels, taken as Discord sends it
    (its id), so it works whether or not the channel is in the gateway's cache."""

    @property
    def type(self) -> discord.AppCommandOptionType:
        return discord.AppCommandOptionType.channel

    @property
    def channel_types(self) -> list[discord.ChannelType]:
        return [discord.ChannelType.forum, discord.ChannelType.media]

    async def transform(self, interaction: discord.Interaction, value: Any, /) -> Any:
        return value


def cop_line(
    action: str | None, community: str | None, title: str | None, experience: str | None
) -> str:
    """The `cop` subcommand's options as a line; a missing option leaves the line short,
    so the grammar answers with what is missing."""
    if action in (None, "list"):
        return "cop"
    line = f"cop {action} {community or ''}".rstrip()
    if action == "share":
        line += f" {title or ''} | {experience or ''}"
    return line


def cop_space(interaction: discord.Interaction, forum: Any) -> str | None:
    """Where a community opened by this interaction lives: the forum the facilitator
    picked; else, typed inside a forum's post (a thread), that forum; else the channel
    it was typed in."""
    if forum is not None:
        return str(forum.id)
    channel = interaction.channel
    if isinstance(channel, discord.Thread) and channel.parent_id:
        return str(channel.parent_id)
    return str(interaction.channel_id) if interaction.channel_id else None


def goals_line(of: discord.abc.User | None, action: str | None) -> str:
    """`goals` with a learner: their goals (`--of`), or a goal added for them."""
    words = (action or "").strip()
    if of is None:
        return f"goals {words}".strip()
    if words.lower().startswith("add"):
        return f"goals add @{of.id} {words[3:].strip()}"
    return f"goals --of @{of.id} {words}".strip()


def agree_line(
    manager: discord.abc.User | None, task: str | None, goals: str | None, action: str | None
) -> str:
    if manager is not None:
        return f"agree @{manager.id} {task or ''}".rstrip() + (f" --goals {goals}" if goals else "")
    return f"agree {action or ''}".strip()


def cohort_line(
    action: str | None,
    person: discord.abc.User | None,
    role: app_commands.Choice[str] | None,
    of: discord.abc.User | None,
    cohort: str | None,
    other: discord.abc.User | None = None,
    team: str | None = None,
) -> str:
    """The facilitator's `cohort` subcommand as a line: with a person it adds, invites or
    swaps them (`action`), without one the action is the line (`open Spring`, `pair`)."""
    words = (action or "").strip()
    verb = words.split(maxsplit=1)[0].lower() if words else ""
    if person is None:
        line = f"cohort {words}".strip()
    elif verb == "invite":
        line = f"cohort invite @{person.id}"
    elif verb == "swap":
        line = f"cohort swap @{person.id} @{other.id if other else ''}" + words[4:]
    else:
        line = f"cohort add @{person.id} {role.value if role else ''}".rstrip()
        line += f" --of @{of.id}" if of else ""
    line += f" --team {team}" if team and person is not None and verb != "swap" else ""
    return line + (f" --cohort {cohort}" if cohort else "")


def build_learn_group(bot: TandemBot) -> app_commands.Group:
    """`/learn` with subcommands mirroring the grammar, options typed where Discord can."""
    learn = app_commands.Group(
        name="learn", description="Your learning: diary, check-ins, goals, tasks, privacy"
    )

    @learn.command(name="help", description="What you can do")
    async def help_(interaction: discord.Interaction) -> None:
        await bot.run_line(interaction, "help")

    @learn.command(name="diary", description="Write a diary entry, or list yours (no text)")
    @app_commands.describe(
        text="What you tried and learned; #tags link competences",
        share="Who else may read it (private by default)",
        of="Read what this person shared with you",
        page="Which page of the listing (ten entries each, 1 = the newest)",
    )
    @app_commands.choices(share=SHARE)
    async def diary(
        interaction: discord.Interaction,
        text: str | None = None,
        share: app_commands.Choice[str] | None = None,
        of: discord.User | None = None,
        page: app_commands.Range[int, 1, 100_000] | None = None,
    ) -> None:
        if of is not None:
            line = f"diary --of {of.id}"
        else:
            line = (
                "diary"
                + (f" {text}" if text else "")
                + (f" --share {share.value}" if share else "")
            )
        await bot.run_line(interaction, line + (f" --page {page}" if page else ""))

    @learn.command(
        name="diary-entry", description="One diary entry by its number: show, edit or delete"
    )
    @app_commands.describe(
        action="Show it in full, replace its text, or delete it (you confirm first)",
        number="The entry's number in your /learn diary listing",
        text="For edit: the new text (who sees the entry stays as it was)",
        of="For show: an entry this person shared with you (numbered as in their listing)",
    )
    @app_commands.choices(action=ENTRY_ACTIONS)
    async def diary_entry(
        interaction: discord.Interaction,
        action: app_commands.Choice[str],
        number: app_commands.Range[int, 1, 999_999_999],
        text: str | None = None,
        of: discord.User | None = None,
    ) -> None:
        await bot.run_line(interaction, diary_entry_line(action.value, number, text, of))

    @learn.command(name="diary-new", description="Write a diary entry in a form")
    async def diary_new(interaction: discord.Interaction) -> None:
        await bot.run_line(interaction, "diary new")

    @learn.command(name="assess", description="Your self-assessment, five at a time")
    async def assess(interaction: discord.Interaction) -> None:
        await bot.run_line(interaction, "assess")

    @learn.command(
        name="checkin",
        description="Your check-ins: every mon,thu 09:00 | pause 2w | now | off | ...",
    )
    @app_commands.describe(
        action="e.g. `every mon,thu 09:00`, `pause 2w`, `resume`, `now`, `off`, `tz Europe/Berlin`"
    )
    async def checkin(interaction: discord.Interaction, action: str | None = None) -> None:
        await bot.run_line(interaction, "checkin" + (f" {action}" if action else ""))

    @learn.command(name="goals", description="Your development goals; tutors: a learner's")
    @app_commands.describe(
        of="A learner you accompany as their tutor",
        action="e.g. `add communication 2→4 why`, `comment 3 text`, `reached 3`, `drop 3 why`",
    )
    async def goals(
        interaction: discord.Interaction,
        of: discord.User | None = None,
        action: str | None = None,
    ) -> None:
        await bot.run_line(interaction, goals_line(of, action), mentioned=[of])

    @learn.command(name="agree", description="Propose a practical task to your manager")
    @app_commands.describe(
        manager="Your manager, who agrees the task with you",
        task="The practical task, in a sentence or two",
        goals="Numbers of the goals it serves, e.g. 1,2 (all open goals if empty)",
        action="Answer or change one: `yes 3`, `changes 3 why`, `decline 3 why`, `revise 3 task`",
    )
    async def agree(
        interaction: discord.Interaction,
        manager: discord.User | None = None,
        task: str | None = None,
        goals: str | None = None,
        action: str | None = None,
    ) -> None:
        await bot.run_line(
            interaction, agree_line(manager, task, goals, action), mentioned=[manager]
        )

    @learn.command(name="progress", description="Your assessments against your goals, as a chart")
    @app_commands.describe(of="A learner you accompany as their tutor")
    async def progress(interaction: discord.Interaction, of: discord.User | None = None) -> None:
        line = "progress" + (f" --of @{of.id}" if of else "")
        await bot.run_line(interaction, line, mentioned=[of])

    @learn.command(name="cohort", description="Facilitators: cohorts, roles, pairs, groups")
    @app_commands.describe(
        action="open <name>, invite, pair, groups, swap, confirm pairs|groups, report, kickoff, "
        "close, join",
        person="Someone to add, invite, or swap",
        role="Their role in the cohort (when adding)",
        of="The learner a tutor accompanies",
        other="Whom `person` swaps places with",
        team="Their team or department (pairing and groups spread teams)",
        cohort="The cohort's number or name, when several are open",
    )
    @app_commands.choices(role=ROLES)
    async def cohort(
        interaction: discord.Interaction,
        action: str | None = None,
        person: discord.User | None = None,
        role: app_commands.Choice[str] | None = None,
        of: discord.User | None = None,
        other: discord.User | None = None,
        team: str | None = None,
        cohort: str | None = None,
    ) -> None:
        line = cohort_line(action, person, role, of, cohort, other, team)
        await bot.run_line(interaction, line, mentioned=[person, of, other])

    @learn.command(name="plan", description="Your learning plan and milestones")
    @app_commands.describe(
        action="add 2027-02-15 <milestone> | <how you will know>; commit; "
        "done 3 <what you learned>",
        of="Your learning partner or a learner you accompany",
    )
    async def plan(
        interaction: discord.Interaction,
        action: str | None = None,
        of: discord.User | None = None,
    ) -> None:
        line = f"plan --of @{of.id}" if of else f"plan {action or ''}".strip()
        await bot.run_line(interaction, line, mentioned=[of])

    @learn.command(name="partner", description="Your learning partner; co-coaching")
    @app_commands.describe(not_with="Someone you do not want to be paired with")
    async def partner(
        interaction: discord.Interaction, not_with: discord.User | None = None
    ) -> None:
        line = f"partner not-with @{not_with.id}" if not_with else "partner"
        await bot.run_line(interaction, line, mentioned=[not_with])

    @learn.command(name="advice", description="Colleague advice in your learning group")
    @app_commands.describe(
        case="Start a round with your case, in a sentence or two",
        action="In a round: say <idea>, next, moderator, key <question>, method <id>, "
        "helped 2,5 <takeaway>",
        written="Run it in writing over about ten working days (default: live)",
        moderator="Who moderates (nothing: the one who moderated least)",
    )
    async def advice(
        interaction: discord.Interaction,
        case: str | None = None,
        action: str | None = None,
        written: bool = False,
        moderator: discord.User | None = None,
    ) -> None:
        if case:
            line = f"advice {case}" + (" --written" if written else "")
            line += f" --moderator @{moderator.id}" if moderator else ""
        elif moderator is not None:
            line = f"advice moderator @{moderator.id}"
        else:
            line = f"advice {action or ''}".strip()
        await bot.run_line(interaction, line, mentioned=[moderator])

    @learn.command(name="cop", description="Communities of practice: join, share, read")
    @app_commands.describe(
        action="What to do (nothing: list the communities)",
        community="The community's name, one word",
        title="Sharing: the title of your forum post",
        experience="Sharing: what happened and what you learned",
        forum="Opening: the forum channel it lives in (default: here)",
    )
    @app_commands.choices(action=COP_ACTIONS)
    async def cop(
        interaction: discord.Interaction,
        action: app_commands.Choice[str] | None = None,
        community: str | None = None,
        title: str | None = None,
        experience: str | None = None,
        forum: app_commands.Transform[app_commands.AppCommandChannel, ForumOption] | None = None,
    ) -> None:
        chosen = action.value if action else None
        line = cop_line(chosen, community, title, experience)
        where = cop_space(interaction, forum) if chosen == "open" else None
        await bot.run_line(interaction, line, where=where)

    @learn.command(name="group", description="Your learning group")
    async def group(interaction: discord.Interaction) -> None:
        await bot.run_line(interaction, "group")

    @learn.command(name="privacy", description="Who sees what; export or erase your data")
    @app_commands.choices(action=PRIVACY)
    async def privacy(
        interaction: discord.Interaction, action: app_commands.Choice[str] | None = None
    ) -> None:
        chosen = action.value if action and action.value != "show" else ""
        await bot.run_line(interaction, "privacy" + (f" {chosen}" if chosen else ""))

    return learn
