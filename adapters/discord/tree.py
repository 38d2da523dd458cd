"""The `/learn` app-command tree, made from the core's command table (bot/grammar/table.py).

Each command word is a subcommand group (`/learn diary write`, `/learn checkin every`),
or a subcommand itself where it has one form only (`/learn help`); each value of a
command is a typed option: a user for a person, an integer (with its range) for a
number, choices for a circle or a role, a boolean for a flag, a string for the rest.
A compound value (`2→4`) is one option per part. The options build the core's command
object directly (`from_typed`), by the same converters and rules as a typed line; no
command line is made from them.

Discord's limits, checked by tests/test_discord_tree.py: at most 25 subcommand groups
under /learn and 25 subcommands in each, 25 options a command, names of 1-32
lowercase characters, descriptions of 1-100, and 8,000 characters of names,
descriptions and choices in all, counting the longest language of each. So that
German names and descriptions fit beside the English (adapters/discord/translator.py),
a description here is the table's text without its remark in parentheses (`brief`):
"Who else may read it", where help says "Who else may read it (private by default)".
Each carries the table's text (`locale_str(..., full=...)`) for the translator.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import discord
from discord import app_commands

from bot.commands import OpenCommunity
from bot.grammar.convert import Converter, Kind
from bot.grammar.spec import Group, Table, Verb
from bot.i18n import N_

# Called with the interaction, the command word's group, the verb and the options given
# (by `Param.name` or a compound's part names; people as discord users).
Run = Callable[[discord.Interaction, Group, Verb, dict[str, Any]], Awaitable[None]]

DESCRIPTION = N_("Your learning: diary, check-ins, goals, tasks, privacy")
FORUM_HELP = N_("The forum channel it lives in (default: here)")
FORUM = "forum"  # the extra option of `cop open`: the forum channel the community lives in


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


@dataclass(frozen=True)
class Option:
    """One typed option of a subcommand."""

    name: str
    annotation: Any
    description: str
    required: bool
    choices: tuple[str, ...] = ()


_REMARK = re.compile(r"\s*\([^()]*\)")


def brief(text: str) -> str:
    """A description as the tree shows it: without remarks in parentheses."""
    return _REMARK.sub("", text).strip() or text


def described(text: str) -> app_commands.locale_str:
    """`text` (a table's English text) as a description of the tree, for translation."""
    return app_commands.locale_str(brief(text), full=text)


def name_of(verb: Verb) -> str:
    """The verb's subcommand name: its own name, else its words (`pause-until`)."""
    return verb.name or "-".join(words[0] for words in verb.words)


def _annotation(convert: Converter) -> Any:
    if convert.kind is Kind.PERSON:
        return discord.User
    if convert.kind is Kind.FLAG:
        return bool
    if convert.kind is Kind.INTEGER:
        return app_commands.Range[int, convert.minimum or 0, convert.maximum or 2**53]
    if convert.max_length is not None:
        return app_commands.Range[str, 1, min(convert.max_length, 6000)]
    return str


def options(verb: Verb) -> Iterator[Option]:
    """The verb's values as typed options (a compound's parts one by one)."""
    for param in verb.params:
        if param.convert.parts:
            for part in param.convert.parts:
                yield Option(
                    part.name,
                    _annotation(part.convert),
                    part.help,
                    bool(param.required and part.required),
                    part.convert.choices,
                )
            continue
        yield Option(
            param.name,
            _annotation(param.convert),
            param.help,
            bool(param.required),
            param.convert.choices if param.convert.kind is Kind.CHOICE else (),
        )
    if verb.model is OpenCommunity:
        yield Option(
            FORUM,
            app_commands.Transform[app_commands.AppCommandChannel, ForumOption],
            FORUM_HELP,
            False,
        )


def choose(verbs: list[Verb], given: dict[str, Any]) -> Verb:
    """Of the verbs sharing one subcommand (`plan add`: the form, or a milestone with its
    values), the one the options given fit, as the text parser picks by the words."""

    typed = set(given)
    shapes = [(verb, *_shape(verb)) for verb in verbs]
    fitting = (v for v, names, needed in shapes if typed <= names and needed <= typed)
    covering = [v for v, names, _ in shapes if typed <= names]
    return next(fitting, covering[0] if covering else verbs[0])


# A verb's option names and required ones, by the verb's id (the verb kept beside them,
# so the id stays its own): `choose` runs for every interaction, on the event loop.
_SHAPES: dict[int, tuple[Verb, frozenset[str], frozenset[str]]] = {}


def _shape(verb: Verb) -> tuple[frozenset[str], frozenset[str]]:
    known = _SHAPES.get(id(verb))
    if known is None or known[0] is not verb:
        typed = list(options(verb))
        known = (
            verb,
            frozenset(o.name for o in typed),
            frozenset(o.name for o in typed if o.required),
        )
        _SHAPES[id(verb)] = known
    return known[1], known[2]


def _command(group: Group, verbs: list[Verb], name: str, run: Run) -> app_commands.Command:
    typed: dict[str, Option] = {}
    for verb in verbs:
        for option in options(verb):
            if option.name in typed:
                required = typed[option.name].required and option.required
                option = Option(**{**typed[option.name].__dict__, "required": required})
            elif verb is not verbs[0]:
                option = Option(**{**option.__dict__, "required": False})
            typed[option.name] = option
    if len(verbs) > 1:  # an option one of them lacks is not required of the others
        for option_name, option in list(typed.items()):
            if not all(option_name in {o.name for o in options(v)} for v in verbs):
                typed[option_name] = Option(**{**option.__dict__, "required": False})

    async def callback(interaction: discord.Interaction, **given: Any) -> None:
        values = {k: v for k, v in given.items() if v is not None}
        await run(interaction, group, choose(verbs, values), values)

    parameters = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    for option in typed.values():
        optional = option.annotation if option.required else option.annotation | None
        parameters.append(
            inspect.Parameter(
                option.name,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=optional,
                default=inspect.Parameter.empty if option.required else None,
            )
        )
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    callback.__discord_app_commands_param_description__ = {  # type: ignore[attr-defined]
        o.name: described(o.description) for o in typed.values()
    }
    callback.__discord_app_commands_param_choices__ = {  # type: ignore[attr-defined]
        o.name: [app_commands.Choice(name=c, value=c) for c in o.choices]
        for o in typed.values()
        if o.choices
    }
    return app_commands.Command(name=name, description=described(verbs[-1].help), callback=callback)


def build_learn_group(table: Table, run: Run) -> app_commands.Group:
    """`/learn` with a subcommand (group) per command word of the table; verbs of one
    word that share their words (`plan add`) are one subcommand."""
    learn = app_commands.Group(name="learn", description=described(DESCRIPTION))
    for group in table.groups:
        if len(group.verbs) == 1 and not group.verbs[0].words:
            learn.add_command(_command(group, [group.verbs[0]], group.word, run))
            continue
        sub = app_commands.Group(
            name=group.word, description=described(group.summary), parent=learn
        )
        by_name: dict[str, list[Verb]] = {}
        for verb in group.verbs:
            by_name.setdefault(name_of(verb), []).append(verb)
        for name, verbs in by_name.items():
            sub.add_command(_command(group, verbs, name, run))
    return learn


def place_of(interaction: discord.Interaction, verb: Verb, given: dict[str, Any]) -> str | None:
    """The channel a command acts on: for `cop open`, the forum picked, else (typed inside
    a forum's post, a thread) that forum; for any other command, where it was typed."""
    forum = given.get(FORUM)
    if forum is not None:
        return str(forum.id)
    channel = interaction.channel
    if verb.model is OpenCommunity and isinstance(channel, discord.Thread) and channel.parent_id:
        return str(channel.parent_id)
    return str(interaction.channel_id) if interaction.channel_id else None
