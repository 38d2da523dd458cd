"""One `/learn` line in, one command object out, for any `Table`; and the same command
from a typed platform's options, with no text in between.

The rules, so a person can predict them:

- Whitespace is whitespace: spaces, tabs, newlines and no-break spaces all part words
  (free text keeps its lines as typed).
- The first word is a command word (or an alias); the next words pick the verb, the
  longest that fits (`checkin pause until ...` before `checkin pause ...`). `<word>
  help` is that word's help. A word where a verb's word belongs is never taken as free
  text when it is a near miss of a verb's word (`advice paus`), nor when the command
  takes no text there (`goals frobnicate`).
- A `--word` is an option only where the verb (or one of the verbs its words could
  still be) declares it. Options stand anywhere in a command without free text; in one
  with free text, before the text or after it, never inside it: `advice my case is
  about --written reports` keeps every word and starts no written round. A near miss of
  a declared option (`--shaer`) is refused: "Did you mean `--share`?". An option's value
  is one word, but for a value people write in several (its converter's `option_words`:
  `--by next friday`, `--by in 2 weeks`).
- Every word has its German too (`tagebuch zeigen 3`, `--teilen gruppe`, `hilfe`): the
  table's `de` words are among its aliases, and an option's German name is read as its
  English one before anything else looks at it.
- Bad input raises `CommandError` with a short message for the asker, in their language.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from bot.commands import CommandError
from bot.grammar.convert import Span, clean, german, shown
from bot.grammar.spec import Group, Param, Table, Verb
from bot.i18n import _

# `--name`, `--name=value`; a dash a phone or macOS made of `--` (em dash, en dash,
# minus sign) counts as `--` where an option may stand.
_OPTION = re.compile(r"(?:--|[\u2014\u2013\u2212]-?)([A-Za-z][\w-]*)(?:=(.*))?\Z", re.DOTALL)
_TOKEN = re.compile(r"\S+")  # str patterns: \s is any Unicode whitespace (NBSP, tab, ...)
_PREFIX = "/learn"


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int
    names: Mapping[str, str] | None = None  # an option's English name for its German one

    def option(self) -> tuple[str, str | None] | None:
        """(name, inline value) if the word is written as an option; a German name
        (`--teilen`) as its English one (`share`)."""
        match = _OPTION.match(self.text)
        if match is None:
            return None
        name = match.group(1).lower()
        return (self.names or {}).get(name, name), match.group(2)


def tokens(text: str, names: Mapping[str, str] | None = None) -> list[Token]:
    return [Token(m.group(), m.start(), m.end(), names) for m in _TOKEN.finditer(text)]


_NAMES: dict[str, str] = {}  # the English option names' German ones, of the table read


def _opt(name: str) -> str:
    """An option's name as the asker's language says it (`share`: `teilen`)."""
    if german():
        for german_name, english in _NAMES.items():
            if english == name:
                return german_name
    return name


@dataclass(frozen=True)
class Read:
    """What a line said: the command, the verb that made it, and the words given for
    each of its values (by `Param.name`), as typed."""

    command: BaseModel
    group: Group
    verb: Verb
    words: Mapping[str, str]


def parse(line: str, table: Table) -> BaseModel:
    """Parse one `/learn` line (with or without the leading `/learn`)."""
    return read(line, table).command


def read(line: str, table: Table) -> Read:
    """`parse`, telling also which verb the line named and the words of each value."""
    text = clean(line)
    names = table.option_names
    _NAMES.clear()
    _NAMES.update(names)
    words = tokens(text, names)
    if words and words[0].text.casefold() == _PREFIX:
        words = words[1:]
    if not words:
        return _empty(table)
    group = table.group(words[0].text)
    if group is None:
        raise CommandError(unknown_word(words[0].text, table))
    rest = words[1:]
    helps = {w.casefold() for w in table.help_words()}
    if (
        len(rest) == 1
        and rest[0].text.casefold() in helps
        and group.word != table.help
        and not any(v.words and helps & set(v.words[0]) for v in group.verbs)
    ):
        return _help(table, group.word)
    verbs, args = _verbs_for(group, rest)
    return _read(group, verbs, args, text)


def unknown_word(word: str, table: Table) -> str:
    close = difflib.get_close_matches(word.lower(), sorted(table.words()), n=1, cutoff=0.6)
    if close:
        return _(
            "I don't know the command `{word}`. Did you mean `/learn {close}`? "
            "Type `/learn help` to see what you can do."
        ).format(word=shown(word, 30), close=close[0])
    return _(
        "I don't know the command `{word}`. Type `/learn help` to see what you can do."
    ).format(word=shown(word, 30))


def _help(table: Table, topic: str | None) -> Read:
    group = table.group(table.help)
    assert group is not None, "the table has a help command"
    [verb] = [v for v in group.verbs if not v.words]
    words = {table.topic_field: topic} if topic else {}
    return Read(verb.make(words), group, verb, words)


def _empty(table: Table) -> Read:
    """`/learn` alone: the table's `empty` command (help, unless it names another)."""
    if table.empty == table.help:
        return _help(table, None)
    group = table.group(table.empty)
    assert group is not None, "the table has its empty line's command"
    [verb] = [v for v in group.verbs if not v.words]
    return Read(verb.make({}), group, verb, {})


def _verbs_for(group: Group, rest: list[Token]) -> tuple[list[Verb], list[Token]]:
    """The verbs the words after the command word pick, and the words left for them."""
    best, length = [], 0
    for verb in group.verbs:
        n = len(verb.words)
        if (
            n
            and n <= len(rest)
            and all(
                rest[i].text.casefold() in {w.casefold() for w in verb.words[i]} for i in range(n)
            )
        ):
            if n > length:
                best, length = [verb], n
            elif n == length:
                best.append(verb)
    if best:
        return best, rest[length:]
    bare = [v for v in group.verbs if not v.words]
    if rest and rest[0].option() is None:
        first = rest[0].text.casefold()
        subs = sorted({w.casefold() for v in group.verbs if v.words for w in v.words[0]})
        text_first = any(v.positionals and v.positionals[0].convert.span is Span.TEXT for v in bare)
        if len(rest) == 1 or not text_first:
            close = difflib.get_close_matches(first, subs, n=1, cutoff=0.75)
            if close:
                raise CommandError(
                    _(
                        "I don't know `{command} {word}`. Did you mean `/learn {command} {close}`?"
                    ).format(command=group.word_shown(), word=shown(first), close=close[0])
                )
        if not any(v.positionals for v in bare):
            raise CommandError(_(group.usage))
        if len(rest) == 1 and all(
            v.least_words > 1 and not v.positionals[0].convert.accepts(rest[0].text)
            for v in bare
            if v.positionals
        ):
            raise CommandError(_(group.usage))  # one word, where a verb's word belongs
    if not bare:
        raise CommandError(_(group.usage))
    return bare, rest


def _known_options(verbs: list[Verb]) -> dict[str, Param | None]:
    """Every option name the verbs declare (None: one a verb refuses)."""
    known: dict[str, Param | None] = {}
    for verb in verbs:
        for name in verb.refuses:
            known.setdefault(name, None)
        for name, param in verb.options.items():
            known[name] = param
    return known


def _near(name: str, known: Mapping[str, Param | None]) -> str | None:
    """The option of `known` that `name` nearly is, by its English or German name (as
    the language spoken names it)."""
    spellings = {n: n for n in known} | {g: e for g, e in _NAMES.items() if e in known}
    close = difflib.get_close_matches(name, list(spellings), n=1, cutoff=0.6)
    return _opt(spellings[close[0]]) if close else None


def _did_you_mean(name: str, close: str) -> CommandError:
    return CommandError(
        _("I don't know the option `--{name}`. Did you mean `--{close}`?").format(
            name=name[:30], close=close
        )
    )


def _shape_fits(verb: Verb, args: list[Token], known: Mapping[str, Param | None]) -> bool:
    """Whether the verb takes words where words were given, and none where none were."""
    words, i = 0, 0
    while i < len(args):
        option = args[i].option()
        if option is not None and option[0] in known:
            param = known[option[0]]
            i += 1 if (param is not None and param.flag) or option[1] else 2
            continue
        words += 1
        i += 1
    if words:
        return bool(verb.positionals)
    return not any(p.required for p in verb.positionals)


def _read(group: Group, verbs: list[Verb], args: list[Token], text: str) -> Read:
    known = _known_options(verbs)
    given = {o[0] for o in (a.option() for a in args) if o is not None and o[0] in known}

    def rank(verb: Verb) -> tuple[bool, bool]:
        covers = given <= set(verb.options) | set(verb.refuses)
        return covers, _shape_fits(verb, args, known)

    ordered = sorted(verbs, key=rank, reverse=True)  # stable: the table's order breaks ties
    first_error: CommandError | None = None
    for verb in ordered:
        try:
            reading = _Reading(group, verb, args, text, known)
            return Read(reading.command(), group, verb, reading.words)
        except CommandError as error:
            first_error = first_error or error
    assert first_error is not None
    raise first_error


class _Reading:
    """One verb read from the words after its own."""

    def __init__(
        self,
        group: Group,
        verb: Verb,
        args: list[Token],
        text: str,
        known: Mapping[str, Param | None],
    ) -> None:
        self.group, self.verb, self.args, self.text, self.known = group, verb, args, text, known
        self.values: dict[str, Any] = {}
        self.words: dict[str, str] = {}  # by Param.name, as typed
        self.seen: set[str] = set()

    def command(self) -> BaseModel:
        end = self._trailing_options() if self.verb.takes_text else len(self.args)
        trailing = self.args[end:]
        left = self._with_text(end) if self.verb.takes_text else self._without_text(end)
        i = 0
        while i < len(trailing):
            i += self._option(trailing, i)
        if left:
            raise CommandError(self._extra())
        for param in self.verb.params:
            if param.required and not any(f in self.values for f in param.fields):
                raise CommandError(self._missing(param))
        return self.verb.make(self.values)

    # -- options -----------------------------------------------------------------------

    def _option(self, args: list[Token], i: int) -> int:
        """Take the option at `args[i]`; return how many words it took."""
        option = args[i].option()
        assert option is not None
        name, inline = option
        if name in self.verb.refuses:
            raise CommandError(_(self.verb.refuses[name]))
        param = self.verb.options.get(name)
        if param is None:
            sibling = self.known.get(name)
            if sibling is not None and sibling.stray:
                raise CommandError(_(sibling.stray))
            raise CommandError(
                _("`--{name}` does not go with `/learn {usage}`.").format(
                    name=_opt(name), usage=self.group.usage_of(self.verb)
                )
            )
        if name in self.seen:
            raise CommandError(
                _("`--{name}` is given twice; give it once.").format(name=_opt(name))
            )
        self.seen.add(name)
        if param.flag:
            self._store(param, "")
            return 1
        if inline:
            self._store(param, inline)
            return 1
        if i + 1 >= len(args):
            raise CommandError(_("`--{name}` needs a value.").format(name=_opt(name)))
        following = list(itertools.takewhile(lambda a: a.option() is None, args[i + 1 : i + 4]))
        count = param.convert.option_words([a.text for a in following]) if following else 1
        self._store(param, " ".join(a.text for a in args[i + 1 : i + 1 + count]))
        return 1 + count

    def _takes_value(self, name: str) -> bool:
        param = self.known.get(name)
        return param is None or not param.flag  # a refused option: as if it took one

    def _trailing_options(self) -> int:
        """Where the options after the free text begin (scanning from the end)."""
        end = len(self.args)
        while end > 0:
            option = self.args[end - 1].option()
            if option is not None:
                name, inline = option
                if name in self.known:
                    if self._takes_value(name) and not inline:
                        raise CommandError(_("`--{name}` needs a value.").format(name=_opt(name)))
                    end -= 1
                    continue
                close = _near(name, self.known)
                if close is not None:
                    raise _did_you_mean(name, close)
                return end
            several = self._several_words(end)
            if several:
                end -= several + 1
                continue
            before = self.args[end - 2].option() if end >= 2 else None
            if before is not None and not before[1]:
                name = before[0]
                if name in self.known and self._takes_value(name):
                    end -= 2
                    continue
                valued = {k: v for k, v in self.known.items() if self._takes_value(k)}
                close = _near(name, valued) if name not in self.known else None
                if close is not None:
                    raise _did_you_mean(name, close)
            return end
        return end

    def _several_words(self, end: int) -> int:
        """How many words before `end` are the value of an option written in several
        words (`--by next friday`, `--by in 2 weeks`); 0 if none is."""
        for count in (3, 2):
            if end - count < 1:
                continue
            option = self.args[end - count - 1].option()
            if option is None or option[1] or option[0] not in self.known:
                continue
            param = self.known[option[0]]
            words = [a.text for a in self.args[end - count : end]]
            if param is not None and param.convert.option_words(words) == count:
                return count
        return 0

    # -- positional values -------------------------------------------------------------

    def _without_text(self, end: int) -> list[Token]:
        """No free text: every `--word` is an option; the other words fill the values."""
        words: list[Token] = []
        trailing = {w for p in self.verb.positionals for w in getattr(p.convert, "trailing", ())}
        i = 0
        while i < end:
            option = self.args[i].option()
            if option is None:
                token = self.args[i]
                if words and token.text.casefold() in trailing:  # `9 uhr`: one value
                    last = words.pop()
                    token = Token(f"{last.text} {token.text}", last.start, token.end)
                words.append(token)
                i += 1
                continue
            if option[0] not in self.known:
                close = _near(option[0], self.known)
                if close is not None:
                    raise _did_you_mean(option[0], close)
                raise CommandError(
                    _("I don't know the option `--{name}`.").format(name=option[0][:30])
                )
            i += self._option(self.args[:end], i)
        params = self.verb.positionals
        i = 0
        for k, param in enumerate(params):
            if i >= len(words):
                break
            if param.convert.span is Span.WORDS:
                count = len(words) - i - sum(1 for q in params[k + 1 :] if q.required)
                if count > 0:
                    self._store(param, " ".join(w.text for w in words[i : i + count]))
                    i += count
                continue
            if not param.required and not param.convert.accepts(words[i].text):
                continue
            self._store(param, words[i].text)
            i += 1
        return words[i:]

    def _with_text(self, end: int) -> list[Token]:
        """Free text last: options before the other values or the text, the values in
        order, then the text as typed up to the options after it."""
        i = 0
        for param in self.verb.positionals:
            i = self._leading_options(i, end)
            if i >= end:
                break
            span = param.convert.span
            if span is Span.TEXT:
                self._store(param, self.text[self.args[i].start : self.args[end - 1].end])
                return []
            if span is Span.PATTERN:
                raw = self.text[self.args[i].start : self.args[end - 1].end]
                length = param.convert.match(raw)
                if length is None:
                    raise CommandError(self._missing(param))
                self._store(param, raw[:length])
                stop = self.args[i].start + length
                while i < end and self.args[i].start < stop:
                    i += 1
                continue
            if not param.required and not param.convert.accepts(self.args[i].text):
                continue
            self._store(param, self.args[i].text)
            i += 1
        return self.args[i:end]

    def _leading_options(self, i: int, end: int) -> int:
        while i < end:
            option = self.args[i].option()
            if option is None:
                return i
            if option[0] not in self.known:
                close = _near(option[0], self.known)
                if close is not None:
                    raise _did_you_mean(option[0], close)
                return i  # not an option here: the text begins with it
            i += self._option(self.args[:end], i)
        return i

    # -- values ------------------------------------------------------------------------

    def _store(self, param: Param, raw: str) -> None:
        value = param.convert.text(raw, self.group.spot(self.verb, param))
        self.words[param.name] = raw
        fields = param.fields
        if any(f in self.values for f in fields):
            raise CommandError(
                _("`{name}` is given twice; give it once.").format(
                    name=_opt(param.option) if param.option else param.name
                )
            )
        if len(fields) == 1:
            self.values[fields[0]] = value
        else:
            self.values.update(zip(fields, value, strict=True))

    def _missing(self, param: Param) -> str:
        message = param.missing
        if callable(message):
            return message(self.values)
        if message:
            return _(message)
        return param.convert.missing(self.group.spot(self.verb, param))

    def _extra(self) -> str:
        message = self.verb.extra
        if callable(message):
            return message(self.values)
        if message:
            return _(message)
        if not self.verb.positionals:
            words = " ".join([self.group.word_shown(), *self.verb.words_shown()])
            return _("`/learn {words}` takes nothing after it.").format(words=words)
        return _(self.group.usage)


def from_typed(group: Group, verb: Verb, given: Mapping[str, Any]) -> BaseModel:
    """The verb's command from a typed platform's options (by `Param.name`, a compound's
    by part name); the same converters and rules as the text, no text in between."""
    values: dict[str, Any] = {}
    for param in verb.params:
        spot = group.spot(verb, param)
        if param.convert.parts:
            parts = {p.name: given.get(p.name) for p in param.convert.parts}
            if all(v is None for v in parts.values()):
                value = None
            else:
                value = param.convert.typed(parts, spot)
        else:
            raw = given.get(param.name)
            value = None if raw is None or raw == "" else param.convert.typed(raw, spot)
        if value is None:
            if param.required:
                message = param.missing
                if callable(message):
                    raise CommandError(message(values))
                raise CommandError(_(message) if message else param.convert.missing(spot))
            continue
        if param.flag and value is False:
            continue
        if len(param.fields) == 1:
            values[param.fields[0]] = value
        else:
            values.update(zip(param.fields, value, strict=True))
    return verb.make(values)


def walk(table: Table) -> Iterator[tuple[Group, Verb, tuple[str, ...]]]:
    """Every verb with each way of saying its words (aliases included)."""
    for group, verb in table.verbs():
        paths: list[tuple[str, ...]] = [(w,) for w in group.words]
        for words in verb.words:
            paths = [(*p, w) for p in paths for w in words]
        for path in paths:
            yield group, verb, path
