"""German names and descriptions for Discord's /learn tree, from the command table and
the catalogue, so a German Discord client shows `/learn tagebuch schreiben` with German
help beside each option.

discord.py asks a `Translator` for each name and description of the tree, in every
locale, when the tree is synced (`tree.set_translator` first). The names come from the
table: a command word's German word (`Group.de`), a verb's German words (`Verb.de`,
joined as the subcommand name is: `pause-bis`), an option's German name (`Param.de`);
values that have none get one here (`NAMES`). Descriptions are the table's texts in the
German catalogue. What the tree runs on stays the English name: a German client sends
the same command and the same option names back.

Discord counts a command's names, descriptions and choices against 8,000 characters,
and where localizations are given, "only the longest localization for each field
(including the default value)" (discord.com/developers/docs/interactions/
application-commands, Slash Commands). English alone nearly fills it, so German names
are always given, and German descriptions where they fit: the shortest additions
first, each description the same everywhere it stands (`LIMIT`). A German client sees
English for a description that did not fit, never a tree Discord refuses.

Discord's rule for names (https://discord.com/developers/docs/interactions/
application-commands#application-command-object-application-command-naming): 1-32
characters of letters, digits, `-` and `_` (`^[-_\\p{L}\\p{N}]{1,32}$`), lowercase where
the letter has a lowercase form; tests/integration/test_discord_tree.py checks every one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from discord import Locale, app_commands
from discord.app_commands import TranslationContextLocation as Where

from bot.grammar.spec import Table, Verb
from bot.i18n import GERMAN, _, speaking

# The German subcommand names of verbs named without words of their own (`diary write`).
VERB_NAMES = {
    "write": "schreiben",
    "list": "liste",
    "show": "zeigen",
    "propose": "vorschlagen",
    "start": "starten",
}
# The German names of values that are no option of a typed line (positional values and
# the parts of a compound value).
NAMES = {
    "text": "text",
    "number": "nummer",
    "confirmed": "bestätigen",
    "days": "tage",
    "time": "uhrzeit",
    "duration": "dauer",
    "until": "bis",
    "delay": "dauer",
    "zone": "zeitzone",
    "learner": "lernende",
    "competence": "kompetenz",
    "current": "stufe-jetzt",
    "target": "zielstufe",
    "why": "begründung",
    "note": "notiz",
    "manager": "führungskraft",
    "task": "aufgabe",
    "question": "frage",
    "proposal": "vorschlag",
    "reason": "begründung",
    "name": "name",
    "person": "person",
    "role": "rolle",
    "team": "team",
    "smallest": "kleinste",
    "largest": "größte",
    "other": "andere",
    "circles": "auswahl",
    "date": "datum",
    "title": "titel",
    "evidence": "woran-du-es-merkst",
    "milestone": "meilenstein",
    "reflection": "reflexion",
    "prompt": "impuls",
    "case": "fall",
    "method": "methode",
    "takeaway": "erkenntnis",
    "community": "gemeinschaft",
    "experience": "erfahrung",
    "topic": "thema",
    "forum": "forum",
}
DISCORD_LANGUAGES = {Locale.german: GERMAN}
LIMIT = 8000  # characters of one command's names, descriptions and choices
NAMED = (Where.command_name, Where.group_name, Where.parameter_name, Where.choice_name)


def verb_name(verb: Verb) -> str:
    """A verb's German subcommand name, as `tree.name_of` makes the English one."""
    if verb.name:
        return VERB_NAMES.get(verb.name, verb.name)
    return "-".join(verb.words_shown())


def german_names(table: Table) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """The German name of each command word, and of each (command word, subcommand)."""
    from adapters.discord.tree import name_of

    with speaking(GERMAN):
        groups = {g.word: g.word_shown() for g in table.groups}
        subcommands = {(g.word, name_of(v)): verb_name(v) for g, v in table.verbs()}
    return groups, subcommands


def full_texts(table: Table) -> dict[str, str]:
    """Each text of the table a description is made from, by its brief form."""
    from adapters.discord.tree import DESCRIPTION, FORUM_HELP, brief

    texts = [DESCRIPTION, FORUM_HELP]
    for group, verb in table.verbs():
        texts += [group.summary, verb.help]
        for param in verb.params:
            texts += [param.help, *(part.help for part in param.convert.parts)]
    return {brief(text): text for text in texts}


def value_names(table: Table) -> dict[str, str]:
    """The German name of every value a typed platform asks for, by its English name."""
    names = dict(NAMES)
    for _group, verb in table.verbs():
        for param in verb.params:
            if param.de:
                names[param.name] = param.de
    return names


def choice_names(table: Table) -> dict[str, str]:
    """The German word of every choice (`group`: `gruppe`)."""
    found: dict[str, str] = {}
    for _group, verb in table.verbs():
        for param in verb.params:
            choices = param.convert.choices
            if choices:
                found.update(zip(choices, param.convert.words_in(True), strict=True))
    return found


class TableTranslator(app_commands.Translator):
    """Names from the table, descriptions from the catalogue, for each language Tandem
    speaks besides English (German)."""

    def __init__(self, table: Table, english: dict[str, Any] | None = None) -> None:
        """`english`: the tree's payload (`to_dict`); given, German descriptions are
        kept to what fits Discord's limit beside it."""
        self.groups, self.subcommands = german_names(table)
        self.values = value_names(table)
        self.choices = choice_names(table)
        self.full = full_texts(table)  # a brief description's text in the table
        self.described: set[str] | None = None  # None: every description
        if english is not None:
            self.described = self.fitting(english)

    def fitting(self, english: dict[str, Any], limit: int = LIMIT) -> set[str]:
        """The descriptions whose German fits: the English size, plus what the German
        names add, plus, cheapest first, what each German description adds."""
        total, extra = 0, dict[str, int]()
        for node, parent in _walk(english, None, None):
            name = node.get("name", "")
            where = Where.choice_name if "value" in node else Where.command_name
            german_name = self.german(name, where, parent) or name
            total += max(len(name), len(german_name))
            if "value" in node:
                total += len(str(node["value"]))
                continue
            description = node.get("description", "")
            german = self.german(description, Where.command_description, None) or description
            total += len(description)
            extra[description] = extra.get(description, 0) + max(0, len(german) - len(description))
        described = set()
        for description, more in sorted(extra.items(), key=lambda item: (item[1], item[0])):
            if total + more > limit:
                break
            total += more
            described.add(description)
        return described

    async def translate(
        self,
        string: app_commands.locale_str,
        locale: Locale,
        context: app_commands.TranslationContextTypes,
    ) -> str | None:
        language = DISCORD_LANGUAGES.get(locale)
        if language is None:
            return None
        full = string.extras.get("full")
        return self.german(string.message, context.location, context.data, full)

    def german(
        self, message: str, where: Where, data: object, full: str | None = None
    ) -> str | None:
        """`message` (a name or description at `where`) in German; None: as it is."""
        if where is Where.group_name or where is Where.command_name:
            parent = getattr(data, "parent", None)
            if isinstance(data, _Spot):  # a node of a payload (`fitting`)
                return self.german_of_node(message, data)
            if parent is None or parent.parent is None:  # /learn itself, or /learn <word>
                return self.groups.get(message)
            return self.subcommands.get((parent.name, message))
        if where is Where.parameter_name:
            return self.values.get(message)
        if where is Where.choice_name:
            return self.choices.get(message)
        if self.described is not None and message not in self.described:
            return None
        from adapters.discord.tree import brief

        with speaking(GERMAN):
            translated = brief(_(full or self.full.get(message, message)))
        return translated if translated != message else None

    def german_of_node(self, name: str, spot: _Spot) -> str | None:
        if spot.option:
            return self.values.get(name)
        if spot.depth == 1:
            return self.groups.get(name)
        return self.subcommands.get((spot.parent, name))


@dataclass(frozen=True)
class _Spot:
    """Where a node of a payload stands: its depth (1: `/learn <word>`), its parent's
    name, and whether it is an option (a value) rather than a command."""

    depth: int
    parent: str
    option: bool


def _walk(
    node: dict[str, Any], parent: dict[str, Any] | None, spot: _Spot | None
) -> Iterator[tuple[dict[str, Any], _Spot | None]]:
    """Every node of a payload (commands, options, choices) with where it stands."""
    yield node, spot
    depth = spot.depth + 1 if spot is not None else 1
    for option in node.get("options") or []:
        is_value = option.get("type") not in (1, 2)
        yield from _walk(option, node, _Spot(depth, node.get("name", ""), is_value))
    for choice in node.get("choices") or []:
        yield choice, None
