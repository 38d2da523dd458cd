"""Typed converters: one value of a command, from the words someone typed or from a
platform's typed option (a Discord user, an integer, a choice), to what the command
object holds. Each refuses bad input with `CommandError`, whose text is a short message
for the asker's eyes only (after python-discord/bot's converters).

A converter says how much of a line it takes (`span`), how a platform with typed
options should ask for it (`kind`, `choices`, `minimum`, `maximum`, `max_length`), and
what its placeholder in a usage line is. Compound values (`2→4`, `<title> | <text>`)
fill several fields of the command and are several options on a typed platform
(`parts`).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from enum import Enum, StrEnum
from typing import Any

from bot.commands import COMMUNITY_NAME, MAX_COMMUNITY_NAME, CommandError
from bot.days import DAY_FORMS, DAY_WORDS, WEEKDAYS, Day, read_day
from bot.domain import SHARE_CHOICES, Visibility
from bot.i18n import GERMAN, N_, _, current, format_list, format_number
from bot.wording import alternatives
from bot.zones import find_timezone

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_QUOTES = "\"'\u201c\u201d\u2018\u2019\u00ab\u00bb"  # around a value, optional


def clean(text: str) -> str:
    """NFC-normalised, without zero-width characters: what every value is read from."""
    return unicodedata.normalize("NFC", text).translate(_INVISIBLE)


class Span(Enum):
    """How much of a line a value takes."""

    WORD = "word"  # one word
    WORDS = "words"  # the words left, but for those the values after it need
    TEXT = "text"  # the rest of the line, as typed (lines, spaces and all)
    PATTERN = "pattern"  # as much as the converter's `match` says (`2 → 4`)


class Kind(StrEnum):
    """How a platform with typed options asks for a value."""

    TEXT = "text"
    INTEGER = "integer"
    PERSON = "person"  # a member picker
    FLAG = "flag"  # yes or no
    CHOICE = "choice"  # one of `choices`


@dataclass(frozen=True)
class Spot:
    """Where a value is read, for messages: the command's usage (`agree @manager <task>`)
    and the value's placeholder in it (`@manager`)."""

    usage: str
    placeholder: str

    def example(self, value: str) -> str:
        """The usage with `value` in the placeholder's place (`agree @ben <task>`)."""
        if not re.fullmatch(r"@?[\w.-]{1,40}", value):
            return self.usage
        return self.usage.replace(self.placeholder, value, 1)


@dataclass(frozen=True)
class Part:
    """One field of a compound value, as a typed platform asks for it."""

    name: str
    convert: Converter
    help: str
    required: bool = True


def fold(word: str) -> str:
    """A German word as typed on a keyboard without umlauts (`löschen`: `loeschen`)."""
    return word.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")


def german() -> bool:
    """Whether German is spoken now (help and messages show the German words)."""
    return current() == GERMAN


def _alternatives(names: tuple[str, ...]) -> str:
    """`a`, `a or b`, `a, b or c` in the current language."""
    if not german():
        return alternatives(names)
    return format_list([f"`{n}`" for n in names], style="or")


def shown(word: str, limit: int = 20) -> str:
    """A word someone typed, short enough to quote in a message."""
    return word if len(word) <= limit else word[:limit] + "…"


@dataclass(frozen=True)
class Converter:
    """Text in, a typed value out, or `CommandError`."""

    placeholder: str = "<value>"
    span: Span = Span.WORD
    kind: Kind = Kind.TEXT
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    max_length: int | None = None
    parts: tuple[Part, ...] = ()  # several fields: a compound value

    def text(self, raw: str, spot: Spot) -> Any:
        """The value in `raw` (a word, words joined by spaces, or the rest of the line)."""
        return raw

    def typed(self, value: Any, spot: Spot) -> Any:
        """The value from a platform's typed option (for a compound: a dict by part name),
        cleaned as a typed line is."""
        return self.text(clean(str(value)), spot)

    def missing(self, spot: Spot) -> str:
        return _("Say {what}: `/learn {usage}`.").format(
            what=spot.placeholder.strip("<>"), usage=spot.usage
        )

    def words_in(self, language_german: bool) -> tuple[str, ...]:
        """The words this value takes as choices, as help shows them (German first)."""
        return self.choices

    def accepts(self, word: str) -> bool:
        """Whether an optional positional value would take this word (else it is skipped)."""
        return True

    def match(self, raw: str) -> int | None:
        """PATTERN spans: how many characters at the start of `raw` are this value."""
        return None

    def option_words(self, words: list[str]) -> int:
        """How many of `words`, those after an option's name, are the option's value:
        one, but for a value people write in several words (`--by next friday`)."""
        return 1


# -- people ----------------------------------------------------------------------------


# "Name ... with @": one sentence for each `what` a mention is asked for.
_NAME_WITH_AT = {
    "the person": N_("Name the person with @, e.g. `/learn {example}`."),
    "the learner": N_("Name the learner with @, e.g. `/learn {example}`."),
    "your manager": N_("Name your manager with @, e.g. `/learn {example}`."),
    "the moderator": N_("Name the moderator with @, e.g. `/learn {example}`."),
    "each person": N_("Name each person with @, e.g. `/learn {example}`."),
    "the first person": N_("Name the first person with @, e.g. `/learn {example}`."),
    "the second person": N_("Name the second person with @, e.g. `/learn {example}`."),
}


@dataclass(frozen=True)
class Mention(Converter):
    """`@ana` (a platform's mention arrives as `@<user id>`): the name or id, without `@`.
    `bare`: a name without `@` is taken too (after an option like `--of`)."""

    what: str = "the person"
    bare: bool = False
    placeholder: str = "@name"
    kind: Kind = Kind.PERSON

    def text(self, raw: str, spot: Spot) -> str:
        word = raw.strip()
        if self.bare and word and not word.startswith("@"):
            word = "@" + word
        if not word.startswith("@") or len(word) < 2:
            example = spot.example("@" + word.lstrip("@")) if len(word) > 1 else spot.usage
            message = _NAME_WITH_AT.get(self.what, _NAME_WITH_AT["the person"])
            raise CommandError(_(message).format(example=example))
        return word[1:]

    def typed(self, value: Any, spot: Spot) -> str:
        return str(value)

    def accepts(self, word: str) -> bool:
        return word.startswith("@")


@dataclass(frozen=True)
class Mentions(Converter):
    """Several people, each with @ (`@ana @ben`); a typed platform picks one."""

    what: str = "each person"
    limit: int = 500
    placeholder: str = "@name ..."
    span: Span = Span.WORDS
    kind: Kind = Kind.PERSON

    def text(self, raw: str, spot: Spot) -> tuple[str, ...]:
        one = Mention(what=self.what)
        return tuple(one.text(word, spot) for word in raw.split()[: self.limit])

    def typed(self, value: Any, spot: Spot) -> tuple[str, ...]:
        return (str(value),)


@dataclass(frozen=True)
class Who(Converter):
    """Someone named as typed (`@ana`, `ana` or a user id), kept as it is: the use case
    resolves it and answers one who is unknown the same as one who shared nothing."""

    placeholder: str = "@name"
    kind: Kind = Kind.PERSON

    def typed(self, value: Any, spot: Spot) -> str:
        return str(value)


# -- numbers ---------------------------------------------------------------------------


# One sentence for each `what` a number is asked for: not a number, and which one.
_NOT_A_NUMBER = {
    "goal": N_("`{word}` is not a goal number; use the number shown in the list."),
    "milestone": N_("`{word}` is not a milestone number; use the number shown in the list."),
    "co-coaching": N_("`{word}` is not a co-coaching number; use the number shown in the list."),
    "proposal": N_("`{word}` is not a proposal number; use the number shown in the list."),
    "question": N_("`{word}` is not a question number; use the number shown in the list."),
    "level": N_("`{word}` is not a level number; use the number shown in the list."),
    "size": N_("`{word}` is not a size number; use the number shown in the list."),
    "list": N_("`{word}` is not a list number; use the number shown in the list."),
}
_SAY_WHICH = {
    "goal": N_("Say which goal: `/learn {usage}`."),
    "milestone": N_("Say which milestone: `/learn {usage}`."),
    "co-coaching": N_("Say which co-coaching: `/learn {usage}`."),
    "proposal": N_("Say which proposal: `/learn {usage}`."),
    "question": N_("Say which question: `/learn {usage}`."),
    "level": N_("Say which level: `/learn {usage}`."),
    "size": N_("Say which size: `/learn {usage}`."),
    "list": N_("Say which list: `/learn {usage}`."),
}


def _say_which(what: str, spot: Spot) -> str:
    return _(_SAY_WHICH.get(what, _SAY_WHICH["list"])).format(usage=spot.usage)


@dataclass(frozen=True)
class Number(Converter):
    """A number shown in a list (`3` or `#3`)."""

    what: str = "list"
    placeholder: str = "<n>"
    kind: Kind = Kind.INTEGER
    minimum: int | None = 1

    def text(self, raw: str, spot: Spot) -> int:
        digits = raw.strip().removeprefix("#")
        if not digits.isdigit() or len(digits) > 12:
            message = _NOT_A_NUMBER.get(self.what, _NOT_A_NUMBER["list"])
            raise CommandError(_(message).format(word=shown(raw)))
        return int(digits)

    def typed(self, value: Any, spot: Spot) -> int:
        return self.text(str(value), spot)

    def missing(self, spot: Spot) -> str:
        return _say_which(self.what, spot)


_ENTRY_NUMBER = re.compile(r"#?(\d{1,9})\Z")
_ENTRY_USAGE = {
    "show": N_(
        "Say which entry by its number in `/learn diary`{note}: `/learn diary show 3` shows "
        "entry 3 of your listing in full. To write an entry that starts with that word, use "
        "`/learn diary new`."
    ),
    "edit": N_(
        "Say which entry by its number in `/learn diary`{note}: `/learn diary edit 3 <new "
        "text>` replaces the text of your entry 3. To write an entry that starts with that "
        "word, use `/learn diary new`."
    ),
    "delete": N_(
        "Say which entry by its number in `/learn diary`{note}: `/learn diary delete 3` "
        "deletes your entry 3 (after you confirm). To write an entry that starts with that "
        "word, use `/learn diary new`."
    ),
}


@dataclass(frozen=True)
class EntryNumber(Converter):
    """A diary entry's number in the asker's listing (1 = their first entry)."""

    action: str = "show"
    placeholder: str = "<n>"
    kind: Kind = Kind.INTEGER
    minimum: int | None = 1
    maximum: int | None = 999_999_999

    def text(self, raw: str, spot: Spot) -> int:
        match = _ENTRY_NUMBER.match(raw.strip())
        if match is None or int(match.group(1)) < 1:
            note = _(" (`{word}` is not one)").format(word=shown(raw))
            raise CommandError(self._message(note))
        return int(match.group(1))

    def missing(self, spot: Spot) -> str:
        return self._message("")

    def _message(self, note: str) -> str:
        return _(_ENTRY_USAGE[self.action]).format(note=note)


@dataclass(frozen=True)
class Page(Converter):
    placeholder: str = "<n>"
    kind: Kind = Kind.INTEGER
    minimum: int | None = 1
    maximum: int | None = 100_000

    def text(self, raw: str, spot: Spot) -> int:
        if re.fullmatch(r"\d{1,6}", raw.strip()) is None or int(raw) < 1:
            raise CommandError(
                _("`--page {word}` is not a page number; pages start at 1: `--page 2`.").format(
                    word=shown(raw)
                )
            )
        return int(raw)


_VERSIONED = re.compile(r"#?(\d{1,12})(?:/(\d{1,6}))?\Z")


@dataclass(frozen=True)
class Versioned(Converter):
    """A proposal's number, as a button carries it with its version (`4/2`): a button of
    an older version no longer acts. Typed platforms give the number only."""

    what: str = "proposal"
    placeholder: str = "<n>"
    parts: tuple[Part, ...] = (
        Part("number", Number(what="proposal"), N_("The proposal's number")),
    )

    def text(self, raw: str, spot: Spot) -> tuple[int, int | None]:
        match = _VERSIONED.fullmatch(raw.strip())
        if match is None:
            raise CommandError(
                _("`{word}` is not a proposal number; use the number shown.").format(
                    word=shown(raw)
                )
            )
        return int(match.group(1)), int(match.group(2)) if match.group(2) else None

    def typed(self, value: Any, spot: Spot) -> tuple[int, int | None]:
        return Number(what=self.what).typed(value["number"], spot), None

    def missing(self, spot: Spot) -> str:
        return _say_which(self.what, spot)


@dataclass(frozen=True)
class NumberList(Converter):
    """Numbers shown in a list, with commas: `1,2`."""

    what: str = "goal"
    placeholder: str = "<n>,<n>"

    def text(self, raw: str, spot: Spot) -> tuple[int, ...]:
        one = Number(what=self.what)
        return tuple(one.text(w, spot) for w in raw.replace(";", ",").split(",") if w.strip())


# -- time ------------------------------------------------------------------------------


_DAY_START = re.compile(
    r"(?:in\s+(?:\d{1,3}|a|an|one|einem|einer|eine|ein)\s+"
    r"(?:days?|weeks?|months?|tag|tagen|woche|wochen|monat|monaten)"
    r"|next\s+(?:week|month)"
    r"|(?:next|on|this)\s+(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*"
    r"|(?:nächste|naechste|kommende)\s+woche|(?:nächsten|naechsten|kommenden)\s+monat"
    r"|(?:nächste[nr]?|naechste[nr]?|kommende[nr]?|am|diese[nm])\s+"
    r"(?:mo|di|mi|do|fr|sa|so|montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag)\.?"
    r"|\S+)(?!\S)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Date(Converter):
    """A day as people write it (bot/days.py): `2027-06-30`, `30.06.2027`, `tomorrow`,
    `in 2 weeks`, `friday`; a relative one becomes a date in the asker's time zone when
    the use case runs. `span`: the words left where the date ends the command; before
    text, PATTERN (`plan add in 2 weeks <title>`). An option's value is one word
    (`--by 30.06.2027`, `--by friday`); a typed option takes every form."""

    example: str = "2027-06-30"
    placeholder: str = "<date>"
    span: Span = Span.WORDS

    def match(self, raw: str) -> int | None:
        found = _DAY_START.match(raw)
        return found.end() if found else None

    def option_words(self, words: list[str]) -> int:
        """`--by in 2 weeks` (three words), `--by next friday` (two), else one; quotes
        around them are fine (`--by "next friday"`)."""
        first = words[0].lstrip(_QUOTES).casefold() if words else ""
        wanted = DAY_WORDS.get(first, 1)
        return wanted if len(words) >= wanted else 1

    def text(self, raw: str, spot: Spot) -> Day:
        try:
            return read_day(raw.strip().strip(_QUOTES))
        except ValueError:
            raise CommandError(
                _("`{word}` is not a date; write it as {forms}, e.g. {example}.").format(
                    word=shown(raw.strip()), forms=_(DAY_FORMS), example=self.example
                )
            ) from None


_UNITS = {
    "m": timedelta(minutes=1),
    "min": timedelta(minutes=1),
    "mins": timedelta(minutes=1),
    "minute": timedelta(minutes=1),
    "minutes": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "hr": timedelta(hours=1),
    "hrs": timedelta(hours=1),
    "hour": timedelta(hours=1),
    "hours": timedelta(hours=1),
    "d": timedelta(days=1),
    "day": timedelta(days=1),
    "days": timedelta(days=1),
    "w": timedelta(weeks=1),
    "wk": timedelta(weeks=1),
    "wks": timedelta(weeks=1),
    "week": timedelta(weeks=1),
    "weeks": timedelta(weeks=1),
    # German
    "minuten": timedelta(minutes=1),
    "std": timedelta(hours=1),
    "stunde": timedelta(hours=1),
    "stunden": timedelta(hours=1),
    "t": timedelta(days=1),
    "tag": timedelta(days=1),
    "tage": timedelta(days=1),
    "woche": timedelta(weeks=1),
    "wochen": timedelta(weeks=1),
}
# What each unit people write stands for (`30 minutes` is `30m`): a use's `units` names
# the short and the long forms alike.
_SAME_UNIT = {"mins": "min", "minute": "min", "minutes": "min", "hrs": "hr", "wks": "wk"} | {
    "minuten": "min",
    "std": "h",
    "stunde": "h",
    "stunden": "h",
    "t": "d",
    "tag": "d",
    "tage": "d",
    "woche": "w",
    "wochen": "w",
}
_DURATION = re.compile(r"(\d{1,3})\s*([a-z]+)")


@dataclass(frozen=True)
class Duration(Converter):
    """A length of time: `2w`, `3 days`, `30m`, in the `units` this value takes, between
    `shortest` and `longest`."""

    units: tuple[str, ...] = ("d", "day", "days", "w", "wk", "week", "weeks")
    shortest: timedelta = timedelta(days=1)
    longest: timedelta = timedelta(weeks=26)
    usage: str = N_("Say how long, e.g. `2w` or `3d`.")
    bounds: str = N_("That is too short or too long.")
    placeholder: str = "<duration>"
    span: Span = Span.TEXT

    def text(self, raw: str, spot: Spot) -> timedelta:
        match = _DURATION.fullmatch(raw.strip().lower())
        unit = match.group(2) if match is not None else ""
        if match is None or _SAME_UNIT.get(unit, unit) not in self.units:
            raise CommandError(_(self.usage))
        amount = int(match.group(1)) * _UNITS[unit]
        if not self.shortest <= amount <= self.longest:
            raise CommandError(_(self.bounds))
        return amount

    def missing(self, spot: Spot) -> str:
        return _(self.usage)


_WALL_TIME = re.compile(r"([01]?\d|2[0-3])(?:[:.h]([0-5]\d)|h)", re.IGNORECASE)
_UHR = re.compile(r"([01]?\d|2[0-3])(?:[:.]([0-5]\d))?\s*uhr", re.IGNORECASE)  # 9 uhr, 9:30 uhr
_TWELVE_HOUR = re.compile(r"(1[0-2]|0?[1-9])(?:[:.]([0-5]\d))?\s*([ap])\.?m\.?", re.IGNORECASE)


@dataclass(frozen=True)
class WallTime(Converter):
    """A time of day on the person's own clock: `09:00` (`9:00`, `9.00`, `9h00`, `9h`),
    or with am/pm (`9am`, `9:30pm`, `12pm` is noon), or as German says it (`9 uhr`,
    `9:30 uhr`: the `uhr` after it belongs to the time, `trailing`)."""

    placeholder: str = "HH:MM"
    trailing: tuple[str, ...] = ("uhr",)

    def text(self, raw: str, spot: Spot) -> time:
        word = raw.strip()
        uhr = _UHR.fullmatch(word)
        if uhr is not None:
            return time(int(uhr.group(1)), int(uhr.group(2) or 0))
        twelve = _TWELVE_HOUR.fullmatch(word)
        if twelve is not None:
            hour = int(twelve.group(1)) % 12 + (12 if twelve.group(3).lower() == "p" else 0)
            return time(hour, int(twelve.group(2) or 0))
        match = _WALL_TIME.fullmatch(word)
        if match is None:
            raise CommandError(
                _("`{word}` is not a time of day (use HH:MM, e.g. 09:00 or 17:30, or 9am).").format(
                    word=shown(raw)
                )
            )
        return time(int(match.group(1)), int(match.group(2) or 0))


_DAY_WORDS = WEEKDAYS | {f"{full}s": i for full, i in WEEKDAYS.items() if len(full) > 5}
_DAY_GROUPS = {
    "daily": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "workdays": frozenset(range(5)),
    "täglich": frozenset(range(7)),
    "taeglich": frozenset(range(7)),
    "werktags": frozenset(range(5)),
    "wochentags": frozenset(range(5)),
}


@dataclass(frozen=True)
class Weekdays(Converter):
    """Weekdays (0 = Monday): `mon,thu`, `mon thu`, `mon-fri`, `weekdays`, `daily`; in
    German `mo,do`, `mo-fr`, `montags und donnerstags`, `werktags`, `täglich`."""

    placeholder: str = "<days>"
    span: Span = Span.WORDS

    def text(self, raw: str, spot: Spot) -> frozenset[int]:
        days: set[int] = set()
        for word in re.split(r"[,;&\s]+", raw.strip().lower()):
            word = word.rstrip(".")  # `mo.`, as a calendar writes it
            if not word or word in ("and", "und"):  # `mon and thu`, `mon & thu`, `mo und do`
                continue
            if word in _DAY_GROUPS:
                days |= _DAY_GROUPS[word]
            elif "-" in word and all(part in _DAY_WORDS for part in word.split("-", 1)):
                first, last = (_DAY_WORDS[part] for part in word.split("-", 1))
                days |= {d % 7 for d in range(first, last + 1 if last >= first else last + 8)}
            elif word in _DAY_WORDS:
                days.add(_DAY_WORDS[word])
            else:
                raise CommandError(
                    _("`{word}` is not a weekday (use mon, tue, ... sun, or weekdays).").format(
                        word=shown(word)
                    )
                )
        if not days:
            raise CommandError(_("Name at least one weekday, e.g. `every mon,thu 09:00`."))
        return frozenset(days)


@dataclass(frozen=True)
class TimeZone(Converter):
    """A time zone as the tz database names it, in any case, or by its city: `Berlin`,
    `new york`, `europe/berlin` (bot/zones.py)."""

    placeholder: str = "<zone>"
    span: Span = Span.TEXT  # `new york`
    max_length: int | None = 60

    def text(self, raw: str, spot: Spot) -> str:
        zone = " ".join(raw.split())
        found = find_timezone(zone)
        if found.zone is not None:
            return found.zone
        if found.ambiguous:
            raise CommandError(
                _(
                    "`{zone}` could be {candidates}; say which, e.g. `/learn checkin tz {first}`."
                ).format(
                    zone=shown(zone, 40),
                    candidates=_alternatives(found.candidates),
                    first=found.candidates[0],
                )
            )
        if found.candidates:
            raise CommandError(
                _(
                    "I don't know the time zone `{zone}`. Did you mean {candidates}? "
                    "Use a city or a zone name like Berlin, New York or Europe/Berlin."
                ).format(zone=shown(zone, 40), candidates=_alternatives(found.candidates))
            )
        raise CommandError(
            _(
                "I don't know the time zone `{zone}`. "
                "Use a city or a zone name like Berlin, New York or Europe/Berlin."
            ).format(zone=shown(zone, 40))
        )


# -- choices ---------------------------------------------------------------------------


# The German words of the circles (`--teilen gruppe`); the first for a value is shown.
SHARE_GERMAN = {
    "privat": "private",
    "partner": "partner",
    "lernpartner": "partner",
    "tandem": "partner",
    "gruppe": "group",
    "lerngruppe": "group",
    "tutor": "tutor",
    "tutorin": "tutor",
}


@dataclass(frozen=True)
class Share(Converter):
    """Who else may read a diary entry: `partner`, `group`, `tutor` (or `private`)."""

    placeholder: str = "partner|group|tutor"
    kind: Kind = Kind.CHOICE
    choices: tuple[str, ...] = tuple(v.value for v in SHARE_CHOICES)
    de: Mapping[str, str] = field(default_factory=lambda: dict(SHARE_GERMAN))

    def text(self, raw: str, spot: Spot) -> Visibility:
        word = raw.strip().lower()
        try:
            chosen = Visibility(self.de.get(word, self.de.get(fold(word), word)))
        except ValueError:
            circles = ", ".join(self.words_in(german())[1:])
            raise CommandError(
                _("`--share {word}` is not a circle I know. Share with one of: {circles}.").format(
                    word=shown(raw, 30), circles=circles
                )
            ) from None
        if chosen not in SHARE_CHOICES:
            raise CommandError(
                _(
                    "To share with a community of practice, use "
                    "`/learn cop share <community> <title> | <experience>`."
                )
            )
        return chosen

    def words_in(self, language_german: bool) -> tuple[str, ...]:
        if not language_german:
            return self.choices
        by_value = {value: word for word, value in reversed(list(self.de.items()))}
        return tuple(by_value.get(choice, choice) for choice in self.choices)


@dataclass(frozen=True)
class Choice(Converter):
    """One of a few words (`learner|tutor|manager`), each standing for a value."""

    values: Mapping[str, Any] = field(default_factory=dict)
    refusal: str = N_("Choose one of the words shown.")
    kind: Kind = Kind.CHOICE
    de: Mapping[str, str] = field(default_factory=dict)  # German word -> the English one

    def __post_init__(self) -> None:
        if not self.choices:
            object.__setattr__(self, "choices", tuple(self.values))
        if self.placeholder == "<value>":
            object.__setattr__(self, "placeholder", "|".join(self.values))

    def text(self, raw: str, spot: Spot) -> Any:
        word = raw.strip().lower()
        word = self.de.get(word, self.de.get(fold(word), word))
        if word not in self.values:
            raise CommandError(_(self.refusal))
        return self.values[word]

    def missing(self, spot: Spot) -> str:
        return _(self.refusal)

    def words_in(self, language_german: bool) -> tuple[str, ...]:
        if not language_german:
            return self.choices
        by_value = {value: word for word, value in reversed(list(self.de.items()))}
        return tuple(by_value.get(choice, choice) for choice in self.choices)


@dataclass(frozen=True)
class Flag(Converter):
    """An option without a value (`--written`): given, it is true."""

    placeholder: str = ""
    kind: Kind = Kind.FLAG

    def text(self, raw: str, spot: Spot) -> bool:
        return True

    def typed(self, value: Any, spot: Spot) -> bool:
        return bool(value)


@dataclass(frozen=True)
class Keyword(Converter):
    """A word that says yes where it stands (`diary delete 3 confirm`)."""

    word: str = "confirm"
    kind: Kind = Kind.FLAG
    de: str = ""  # the German word (`bestätigen`)

    def __post_init__(self) -> None:
        object.__setattr__(self, "placeholder", self.word)

    def text(self, raw: str, spot: Spot) -> bool:
        return True

    def typed(self, value: Any, spot: Spot) -> bool:
        return bool(value)

    def accepts(self, word: str) -> bool:
        said = word.casefold()
        return said == self.word or (bool(self.de) and said in (self.de, fold(self.de)))

    def words_in(self, language_german: bool) -> tuple[str, ...]:
        return (self.de,) if language_german and self.de else (self.word,)


# -- words and text --------------------------------------------------------------------


@dataclass(frozen=True)
class Word(Converter):
    """One word; `lower`: lower-cased and without a leading `#` (a competence:
    `#Communication` is `communication`), else as typed (a team: `Sales`)."""

    placeholder: str = "<word>"
    lower: bool = True

    def text(self, raw: str, spot: Spot) -> str:
        return raw.strip().lstrip("#").lower() if self.lower else raw.strip()


_QUOTED = re.compile(rf"[{_QUOTES}]([^{_QUOTES}]*)[{_QUOTES}](?!\S)")


@dataclass(frozen=True)
class CommunityName(Converter):
    """A community's name: words of letters, digits and dashes (`code review`), quotes
    optional (`"code review"`). It takes the rest of the line; where a post follows it
    (`cop share`, `span` PATTERN) a quoted name or the first word, and the use case
    reads a name of several words from the words after it (the longest community name
    the line begins with)."""

    verb: str = "join"
    placeholder: str = "<name>"
    span: Span = Span.TEXT
    max_length: int | None = MAX_COMMUNITY_NAME

    def match(self, raw: str) -> int | None:
        quoted = _QUOTED.match(raw)
        if quoted is not None:
            return quoted.end()
        found = re.match(r"\S+", raw)
        return found.end() if found else None

    def text(self, raw: str, spot: Spot) -> str:
        name = " ".join(raw.strip().strip(_QUOTES).split())
        if len(name) > MAX_COMMUNITY_NAME:
            raise CommandError(
                _(
                    "A community's name has at most {limit} characters; `{start}…` has {count}."
                ).format(limit=MAX_COMMUNITY_NAME, start=name[:30], count=format_number(len(name)))
            )
        if not COMMUNITY_NAME.match(name):
            raise CommandError(
                _(
                    "A community's name is words of letters, digits and dashes, "
                    "e.g. `facilitation` or `code review`."
                )
            )
        return name

    def missing(self, spot: Spot) -> str:
        return _("Name the community: `/learn {usage}`, e.g. `code review`.").format(
            usage=spot.usage
        )


@dataclass(frozen=True)
class CohortRef(Converter):
    """A cohort by its number or its name (`2`, `Spring 2027`)."""

    placeholder: str = "<cohort>"
    max_length: int | None = 200

    def text(self, raw: str, spot: Spot) -> str:
        return _limited(raw.strip(), N_("The cohort's name"), 200)


def _limited(text: str, what: str, limit: int, advice: str = "") -> str:
    """`what` and `advice` are marked texts (`N_`), translated here."""
    if len(text) > limit:
        said = _("{what} has {count} characters; the limit is {limit}.").format(
            what=_(what), count=format_number(len(text)), limit=format_number(limit)
        )
        raise CommandError(f"{said} {_(advice)}" if advice else said)
    return text


@dataclass(frozen=True)
class Text(Converter):
    """The rest of the line, as typed: lines, `#tags` and words that start with `--`
    alike. `words`: how many words it takes at least (a case is a sentence)."""

    what: str = N_("Your text")
    limit: int = 1000
    advice: str = ""  # said after "the limit is ..."
    words: int = 1
    too_short: str = ""
    placeholder: str = "<text>"
    span: Span = Span.TEXT

    def __post_init__(self) -> None:
        if self.max_length is None:
            object.__setattr__(self, "max_length", self.limit)

    def text(self, raw: str, spot: Spot) -> str:
        text = _limited(raw.strip(), self.what, self.limit, self.advice)
        if len(text.split()) < self.words:
            if self.too_short:
                raise CommandError(_(self.too_short))
            raise CommandError(_("Say more: `/learn {usage}`.").format(usage=spot.usage))
        return text


@dataclass(frozen=True)
class Levels(Converter):
    """A goal's levels, from → to, each 1 to 5: `2→4`, `2 -> 4`, `2-4`, `2 to 4`."""

    example: str = ""
    placeholder: str = "2→4"
    span: Span = Span.PATTERN
    parts: tuple[Part, ...] = (
        Part("current", Number(what="level", maximum=5), N_("Your level now, 1 to 5")),
        Part("target", Number(what="level", maximum=5), N_("The level you aim for, 1 to 5")),
    )

    def match(self, raw: str) -> int | None:
        found = re.match(r"([1-5])\s*(?:→|->|=>|>|-|–|to|bis)\s*([1-5])(?!\S)", raw, re.IGNORECASE)
        return found.end() if found else None

    def text(self, raw: str, spot: Spot) -> tuple[int, int]:
        found = re.match(
            r"([1-5])\s*(?:→|->|=>|>|-|–|to|bis)\s*([1-5])\Z", raw.strip(), re.IGNORECASE
        )
        if found is None:
            raise CommandError(self.missing(spot))
        return self._checked(int(found.group(1)), int(found.group(2)))

    def typed(self, value: Any, spot: Spot) -> tuple[int, int]:
        current, target = int(value["current"]), int(value["target"])
        if not (1 <= current <= 5 and 1 <= target <= 5):
            raise CommandError(self.missing(spot))
        return self._checked(current, target)

    def missing(self, spot: Spot) -> str:
        said = _("Give the levels as from→to, 1 to 5 (e.g. 2→4).")
        return f"{said} {_(self.example)}" if self.example else f"{said} "

    @staticmethod
    def _checked(current: int, target: int) -> tuple[int, int]:
        if target <= current:
            raise CommandError(_("The target level must be above the current one."))
        return current, target


@dataclass(frozen=True)
class Sizes(Converter):
    """The smallest and largest group: `4-6`, each 2 to 12."""

    placeholder: str = "4-6"
    parts: tuple[Part, ...] = (
        Part("smallest", Number(what="size", minimum=2, maximum=12), N_("Smallest group (2-12)")),
        Part("largest", Number(what="size", minimum=2, maximum=12), N_("Largest group (2-12)")),
    )

    def text(self, raw: str, spot: Spot) -> tuple[int, int]:
        found = re.fullmatch(r"(\d{1,2})\s*[-–]\s*(\d{1,2})", raw.strip())
        if found is None:
            raise CommandError(_("Give group sizes as `--size 4-6`."))
        return self._checked(int(found.group(1)), int(found.group(2)))

    def typed(self, value: Any, spot: Spot) -> tuple[int, int]:
        return self._checked(int(value["smallest"]), int(value["largest"]))

    @staticmethod
    def _checked(low: int, high: int) -> tuple[int, int]:
        if not 2 <= low <= high <= 12:
            raise CommandError(_("Groups are between 2 and 12 people; e.g. `--size 4-6`."))
        return low, high


@dataclass(frozen=True)
class Split(Converter):
    """Two texts on one line, parted by `|`: `<title> | <experience>`. `second_needed`:
    whether the part after the bar must be there."""

    first: Text = field(default_factory=Text)
    second: Text = field(default_factory=Text)
    first_name: str = "title"
    second_name: str = "text"
    first_help: str = ""
    second_help: str = ""
    second_needed: bool = True
    usage: str = ""
    span: Span = Span.TEXT

    def __post_init__(self) -> None:
        object.__setattr__(
            self,
            "parts",
            (
                Part(self.first_name, self.first, self.first_help),
                Part(self.second_name, self.second, self.second_help, self.second_needed),
            ),
        )
        if self.placeholder == "<value>":
            tail = f"| <{self.second_name}>" if self.second_needed else f"[| <{self.second_name}>]"
            object.__setattr__(self, "placeholder", f"<{self.first_name}> {tail}")

    def text(self, raw: str, spot: Spot) -> tuple[str, str]:
        first, bar, second = raw.partition("|")
        return self._checked(first.strip(), second.strip(), bool(bar), spot)

    def typed(self, value: Any, spot: Spot) -> tuple[str, str]:
        first = clean(str(value.get(self.first_name) or "")).strip()
        second = clean(str(value.get(self.second_name) or "")).strip()
        return self._checked(first, second, bool(second), spot)

    def _checked(self, first: str, second: str, bar: bool, spot: Spot) -> tuple[str, str]:
        if not first or (self.second_needed and (not bar or not second)):
            raise CommandError(self.missing(spot))
        return self.first.text(first, spot), self.second.text(second, spot) if second else ""

    def missing(self, spot: Spot) -> str:
        if self.usage:
            return _(self.usage)
        return _("Write it like this: `/learn {usage}`.").format(usage=spot.usage)


@dataclass(frozen=True)
class Known(Converter):
    """A word the table knows (a command's word, for `help <word>`): its canonical form."""

    lookup: Callable[[str], str | None] = lambda word: None
    placeholder: str = "<command>"

    def text(self, raw: str, spot: Spot) -> str:
        found = self.lookup(raw.strip().lower())
        if found is None:
            raise CommandError(
                _(
                    "I don't know the command `{word}`. Type `/learn help` to see what you can do."
                ).format(word=shown(raw, 30))
            )
        return found
