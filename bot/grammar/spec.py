"""The pieces a command is declared with, once: its words (with aliases), its values
(positional or `--options`, each with a typed converter), the roles it is for, its
help, and its handler. The text parser, help, the handlers' lookup and the typed
platforms' command trees (Discord's) are all made from a `Table` of these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pydantic import BaseModel, ValidationError

from bot.commands import CommandError
from bot.domain import Role
from bot.grammar.convert import Converter, Flag, Keyword, Span, Spot, fold, german
from bot.i18n import _

# Words: the canonical word first, then its aliases. A group's or verb's German words
# (`de`) are added to its words when it is made (with their spelling without umlauts,
# `löschen`: `loeschen`), so every word works in every language; help in German shows
# the German word first. Matching ignores case.
Words = tuple[str, ...]


def _with_german(words: Words, german_words: Words) -> Words:
    """`words` and then the German ones (and their folded spellings) not among them."""
    found = list(words)
    for word in german_words:
        for spelling in (word, fold(word)):
            if spelling not in found:
                found.append(spelling)
    return tuple(found)


Message = str | Callable[[Mapping[str, Any]], str]
Handler = Callable[[Any, Any], Any]

EVERYONE = frozenset({Role.LEARNER})
GENERIC_PLACEHOLDERS = ("<text>", "<value>", "<word>")  # shown as the value's own name


@dataclass(frozen=True)
class Param:
    """One value of a command. Positional unless `option` names it (`--share`); with
    both, either way gives it (`cohort close 2` or `cohort close --cohort 2`).
    `field`: the command's field (a tuple for a compound converter's parts)."""

    name: str  # what a typed platform calls it (an option's name on Discord)
    convert: Converter
    help: str  # a short description (<= 100 characters)
    field: str | tuple[str, ...] = ""
    required: bool | None = None  # None: positional values are, options are not
    option: str | None = None
    positional: bool | None = None  # None: positional unless an option
    missing: Message | None = None  # said when a required value is not given
    stray: str | None = None  # said when the option is given where it does not go
    placeholder: str | None = None
    roles: frozenset[Role] = EVERYONE  # help mentions it to these roles
    de: str | None = None  # the option's German name (`teilen` for `--share`)

    def __post_init__(self) -> None:
        if not self.field:
            names = tuple(p.name for p in self.convert.parts)
            object.__setattr__(self, "field", names if names else self.name)
        if self.positional is None:
            object.__setattr__(self, "positional", self.option is None)
        if self.required is None:
            object.__setattr__(self, "required", self.option is None)
        if self.placeholder is None:
            generic = self.convert.placeholder in GENERIC_PLACEHOLDERS
            shown = f"<{self.name}>" if generic else self.convert.placeholder
            object.__setattr__(self, "placeholder", shown)

    @property
    def flag(self) -> bool:
        return isinstance(self.convert, Flag)

    @property
    def fields(self) -> tuple[str, ...]:
        return self.field if isinstance(self.field, tuple) else (self.field,)

    def option_shown(self) -> str:
        """The option's name in the language spoken (`share`, German `teilen`)."""
        return self.de if german() and self.de else str(self.option)

    def placeholder_shown(self) -> str:
        """The placeholder in the language spoken: a choice's German words
        (`partner|gruppe|tutor`), `<Text>` for `<text>`."""
        placeholder = str(self.placeholder)
        if not german() or not placeholder:
            return placeholder
        mapping = {}
        if self.convert.choices:
            mapping = dict(zip(self.convert.choices, self.convert.words_in(True), strict=True))
        if isinstance(self.convert, Keyword):
            mapping = {self.convert.word: self.convert.words_in(True)[0]}
        if mapping:
            return "|".join(mapping.get(piece, piece) for piece in placeholder.split("|"))
        return _(placeholder)

    def shown(self) -> str:
        """As a usage line shows it: `<n>`, `[--share partner|group|tutor]`."""
        if self.positional:
            text = self.placeholder_shown()
            return text if self.required else f"[{text}]"
        text = f"--{self.option_shown()}" + (
            f" {self.placeholder_shown()}" if not self.flag else ""
        )
        return f"[{text}]" if not self.required else text


@dataclass(frozen=True)
class Verb:
    """One form of a command: `group <words...> <values...>` -> `model(...)`.

    Several verbs may build one model (`agree yes` and `agree decline`, with `fixed`
    values); then they share its handler. `name`: what a typed platform calls a verb
    without words of its own (`diary` with text is Discord's `/learn diary write`).
    `refuses`: options recognised here only to be refused with their message (`diary
    edit 3 ... --share group`). `check`: rules across values, raising `CommandError`.
    `build`: the model from the values, where the fields are not the values as given.
    `place`: it acts on the channel it is typed in (`cohort space`, `cop open`)."""

    model: type[BaseModel]
    handler: Handler
    help: str
    words: tuple[Words, ...] = ()
    params: tuple[Param, ...] = ()
    fixed: Mapping[str, Any] = field(default_factory=dict)
    roles: frozenset[Role] = EVERYONE
    name: str | None = None
    extra: Message | None = None  # said when words are left over
    refuses: Mapping[str, str] = field(default_factory=dict)
    check: Callable[[dict[str, Any]], None] | None = None
    build: Callable[[dict[str, Any]], BaseModel] | None = None
    place: bool = False
    more: str = ""  # longer help, shown by `/learn <word> help`
    de: tuple[Words, ...] = ()  # the German words, one tuple for each of `words`
    english: tuple[Words, ...] = field(init=False, default=())  # `words` without `de`

    def __post_init__(self) -> None:
        object.__setattr__(self, "english", self.words)
        if self.de:
            assert len(self.de) == len(self.words), (self.words, self.de)
            merged = tuple(_with_german(w, d) for w, d in zip(self.words, self.de, strict=True))
            object.__setattr__(self, "words", merged)

    def words_shown(self) -> tuple[str, ...]:
        """Its words as help shows them in the language spoken (`zeigen`, `show`)."""
        if german() and self.de:
            return tuple(d[0] if d else w[0] for w, d in zip(self.words, self.de, strict=True))
        return tuple(w[0] for w in self.words)

    @property
    def positionals(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.positional)

    @property
    def options(self) -> dict[str, Param]:
        return {p.option: p for p in self.params if p.option is not None}

    @property
    def least_words(self) -> int:
        """How many words its values take at least."""
        return sum(1 for p in self.positionals if p.required)

    @property
    def takes_text(self) -> bool:
        return any(p.convert.span is Span.TEXT for p in self.positionals)

    def make(self, values: Mapping[str, Any]) -> BaseModel:
        """The command object from the values read (by field); `CommandError` if a rule
        across them refuses."""
        given = {k: v for k, v in values.items() if v is not None}
        if self.check is not None:
            self.check(given)
        try:
            if self.build is not None:
                return self.build({**self.fixed, **given})
            return self.model(**self.fixed, **given)
        except ValidationError as error:
            problem = error.errors()[0]
            where = ".".join(str(x) for x in problem.get("loc", ()))
            raise CommandError(
                _("`{field}`: {problem}.").format(
                    field=where, problem=problem.get("msg", _("not valid"))
                )
            ) from None


@dataclass(frozen=True)
class Group:
    """A command word (with its aliases) and its verbs: `checkin` with `every`, `pause`,
    ... `usage`: the short hint an unknown word after it gets."""

    words: Words
    summary: str  # one line (<= 100 characters)
    usage: str
    verbs: tuple[Verb, ...]
    de: Words = ()  # the German words (`tagebuch`)
    english: Words = field(init=False, default=())  # `words` without `de`

    def __post_init__(self) -> None:
        object.__setattr__(self, "english", self.words)
        object.__setattr__(self, "words", _with_german(self.words, self.de))

    @property
    def word(self) -> str:
        return self.words[0]

    def word_shown(self) -> str:
        """The command word in the language spoken (`tagebuch` in German)."""
        return self.de[0] if german() and self.de else self.word

    def usage_of(self, verb: Verb, options: bool = True) -> str:
        """`diary show <n> [--of @name]`: the verb's words and values, as typed (in the
        language spoken: `tagebuch zeigen <n> [--von @name]`)."""
        parts = [self.word_shown(), *verb.words_shown()]
        parts += [p.shown() for p in verb.positionals]
        if options:
            parts += [p.shown() for p in verb.params if not p.positional]
        return " ".join(p for p in parts if p)

    def spot(self, verb: Verb, param: Param) -> Spot:
        return Spot(self.usage_of(verb, options=False), param.placeholder_shown())


@dataclass(frozen=True)
class Hidden:
    """A command no one types: made by a form or by the core itself (`RateTraits` from
    the assessment form). It has a handler, and no words or help."""

    model: type[BaseModel]
    handler: Handler
    why: str


@dataclass(frozen=True)
class Table:
    groups: tuple[Group, ...]
    hidden: tuple[Hidden, ...] = ()
    role_notes: Mapping[Role, str] = field(default_factory=dict)
    help: str = "help"  # the command word of help; `<word> help` is help on <word>
    empty: str = "help"  # the command word an empty line (`/learn` alone) is
    topic_field: str = "topic"  # help's field naming that word

    @cached_property
    def option_names(self) -> dict[str, str]:
        """Each option's German name for its English one (`teilen`: `share`), with the
        spelling without umlauts. `ValueError` if one German name stood for two."""
        names: dict[str, str] = {}
        for _group, verb in self.verbs():
            for param in verb.params:
                if param.option is None or not param.de:
                    continue
                for spelling in (param.de, fold(param.de)):
                    if names.setdefault(spelling, param.option) != param.option:
                        raise ValueError(f"--{spelling} stands for two options")
        return names

    def help_words(self) -> Words:
        """The words of help, in any language (`help`, `hilfe`)."""
        group = self.group(self.help)
        return group.words if group is not None else (self.help,)

    def group(self, word: str) -> Group | None:
        wanted = word.casefold()
        for group in self.groups:
            if wanted in (w.casefold() for w in group.words):
                return group
        return None

    def verbs(self) -> Iterator[tuple[Group, Verb]]:
        for group in self.groups:
            for verb in group.verbs:
                yield group, verb

    def handlers(self) -> dict[type, Handler]:
        """Each command model's one handler."""
        found: dict[type, Handler] = {}
        for _group, verb in self.verbs():
            found.setdefault(verb.model, verb.handler)
        for hidden in self.hidden:
            found.setdefault(hidden.model, hidden.handler)
        return found

    def words(self) -> set[str]:
        """Every command word and alias, at the start of a line."""
        return {w for group in self.groups for w in group.words}
