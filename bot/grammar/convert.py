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
        return f"Say {spot.placeholder.strip('<>')}: `/learn {spot.usage}`."

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
            raise CommandError(f"Name {self.what} with @, e.g. `/learn {example}`.")
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
            raise CommandError(
                f"`{shown(raw)}` is not a {self.what} number; use the number shown in the list."
            )
        return int(digits)

    def typed(self, value: Any, spot: Spot) -> int:
        return self.text(str(value), spot)

    def missing(self, spot: Spot) -> str:
        return f"Say which {self.what}: `/learn {spot.usage}`."


_ENTRY_NUMBER = re.compile(r"#?(\d{1,9})\Z")
_ENTRY_USAGE = {
    "show": "`/learn diary show 3` shows entry 3 of your listing in full",
    "edit": "`/learn diary edit 3 <new text>` replaces the text of your entry 3",
    "delete": "`/learn diary delete 3` deletes your entry 3 (after you confirm)",
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
            raise CommandError(self._message(f" (`{shown(raw)}` is not one)"))
        return int(match.group(1))

    def missing(self, spot: Spot) -> str:
        return self._message("")

    def _message(self, note: str) -> str:
        return (
            f"Say which entry by its number in `/learn diary`{note}: "
            f"{_ENTRY_USAGE[self.action]}. To write an entry that starts with that word, "
            "use `/learn diary new`."
        )


@dataclass(frozen=True)
class Page(Converter):
    placeholder: str = "<n>"
    kind: Kind = Kind.INTEGER
    minimum: int | None = 1
    maximum: int | None = 100_000

    def text(self, raw: str, spot: Spot) -> int:
        if re.fullmatch(r"\d{1,6}", raw.strip()) is None or int(raw) < 1:
            raise CommandError(
                f"`--page {shown(raw)}` is not a page number; pages start at 1: `--page 2`."
            )
        return int(raw)


_VERSIONED = re.compile(r"#?(\d{1,12})(?:/(\d{1,6}))?\Z")


@dataclass(frozen=True)
class Versioned(Converter):
    """A proposal's number, as a button carries it with its version (`4/2`): a button of
    an older version no longer acts. Typed platforms give the number only."""

    what: str = "proposal"
    placeholder: str = "<n>"
    parts: tuple[Part, ...] = (Part("number", Number(what="proposal"), "The proposal's number"),)

    def text(self, raw: str, spot: Spot) -> tuple[int, int | None]:
        match = _VERSIONED.fullmatch(raw.strip())
        if match is None:
            raise CommandError(f"`{shown(raw)}` is not a {self.what} number; use the number shown.")
        return int(match.group(1)), int(match.group(2)) if match.group(2) else None

    def typed(self, value: Any, spot: Spot) -> tuple[int, int | None]:
        return Number(what=self.what).typed(value["number"], spot), None

    def missing(self, spot: Spot) -> str:
        return f"Say which {self.what}: `/learn {spot.usage}`."


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
    r"(?:in\s+(?:\d{1,3}|a|an|one)\s+(?:days?|weeks?|months?)"
    r"|next\s+(?:week|month)"
    r"|(?:next|on|this)\s+(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*"
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
                f"`{shown(raw.strip())}` is not a date; write it as {DAY_FORMS}, "
                f"e.g. {self.example}."
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
}
# What each unit people write stands for (`30 minutes` is `30m`): a use's `units` names
# the short and the long forms alike.
_SAME_UNIT = {"mins": "min", "minute": "min", "minutes": "min", "hrs": "hr", "wks": "wk"}
_DURATION = re.compile(r"(\d{1,3})\s*([a-z]+)")


@dataclass(frozen=True)
class Duration(Converter):
    """A length of time: `2w`, `3 days`, `30m`, in the `units` this value takes, between
    `shortest` and `longest`."""

    units: tuple[str, ...] = ("d", "day", "days", "w", "wk", "week", "weeks")
    shortest: timedelta = timedelta(days=1)
    longest: timedelta = timedelta(weeks=26)
    usage: str = "Say how long, e.g. `2w` or `3d`."
    bounds: str = "That is too short or too long."
    placeholder: str = "<duration>"
    span: Span = Span.TEXT

    def text(self, raw: str, spot: Spot) -> timedelta:
        match = _DURATION.fullmatch(raw.strip().lower())
        unit = match.group(2) if match is not None else ""
        if match is None or _SAME_UNIT.get(unit, unit) not in self.units:
            raise CommandError(self.usage)
        amount = int(match.group(1)) * _UNITS[unit]
        if not self.shortest <= amount <= self.longest:
            raise CommandError(self.bounds)
        return amount

    def missing(self, spot: Spot) -> str:
        return self.usage


_WALL_TIME = re.compile(r"([01]?\d|2[0-3])(?:[:.h]([0-5]\d)|h)", re.IGNORECASE)
_TWELVE_HOUR = re.compile(r"(1[0-2]|0?[1-9])(?:[:.]([0-5]\d))?\s*([ap])\.?m\.?", re.IGNORECASE)


@dataclass(frozen=True)
class WallTime(Converter):
    """A time of day on the person's own clock: `09:00` (`9:00`, `9.00`, `9h00`, `9h`),
    or with am/pm (`9am`, `9:30pm`, `12pm` is noon)."""

    placeholder: str = "HH:MM"

    def text(self, raw: str, spot: Spot) -> time:
        word = raw.strip()
        twelve = _TWELVE_HOUR.fullmatch(word)
        if twelve is not None:
            hour = int(twelve.group(1)) % 12 + (12 if twelve.group(3).lower() == "p" else 0)
            return time(hour, int(twelve.group(2) or 0))
        match = _WALL_TIME.fullmatch(word)
        if match is None:
            raise CommandError(
                f"`{shown(raw)}` is not a time of day (use HH:MM, e.g. 09:00 or 17:30, or 9am)."
            )
        return time(int(match.group(1)), int(match.group(2) or 0))


_DAY_WORDS = WEEKDAYS | {f"{full}s": i for full, i in WEEKDAYS.items() if len(full) > 5}
_DAY_GROUPS = {
    "daily": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "workdays": frozenset(range(5)),
}


@dataclass(frozen=True)
class Weekdays(Converter):
    """Weekdays (0 = Monday): `mon,thu`, `mon thu`, `mon-fri`, `weekdays`, `daily`."""

    placeholder: str = "<days>"
    span: Span = Span.WORDS

    def text(self, raw: str, spot: Spot) -> frozenset[int]:
        days: set[int] = set()
        for word in re.split(r"[,;&\s]+", raw.strip().lower()):
            if not word or word == "and":  # `mon and thu`, `mon & thu`
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
                    f"`{shown(word)}` is not a weekday (use mon, tue, ... sun, or weekdays)."
                )
        if not days:
            raise CommandError("Name at least one weekday, e.g. `every mon,thu 09:00`.")
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
                f"`{shown(zone, 40)}` could be {alternatives(found.candidates)}; "
                "say which, e.g. `/learn checkin tz " + found.candidates[0] + "`."
            )
        near = f" Did you mean {alternatives(found.candidates)}?" if found.candidates else ""
        raise CommandError(
            f"I don't know the time zone `{shown(zone, 40)}`.{near} "
            "Use a city or a zone name like Berlin, New York or Europe/Berlin."
        )


# -- choices ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Share(Converter):
    """Who else may read a diary entry: `partner`, `group`, `tutor` (or `private`)."""

    placeholder: str = "partner|group|tutor"
    kind: Kind = Kind.CHOICE
    choices: tuple[str, ...] = tuple(v.value for v in SHARE_CHOICES)

    def text(self, raw: str, spot: Spot) -> Visibility:
        try:
            chosen = Visibility(raw.strip().lower())
        except ValueError:
            circles = ", ".join(v.value for v in SHARE_CHOICES if v is not Visibility.PRIVATE)
            raise CommandError(
                f"`--share {shown(raw, 30)}` is not a circle I know. Share with one of: {circles}."
            ) from None
        if chosen not in SHARE_CHOICES:
            raise CommandError(
                "To share with a community of practice, use "
                "`/learn cop share <community> <title> | <experience>`."
            )
        return chosen


@dataclass(frozen=True)
class Choice(Converter):
    """One of a few words (`learner|tutor|manager`), each standing for a value."""

    values: Mapping[str, Any] = field(default_factory=dict)
    refusal: str = "Choose one of the words shown."
    kind: Kind = Kind.CHOICE

    def __post_init__(self) -> None:
        if not self.choices:
            object.__setattr__(self, "choices", tuple(self.values))
        if self.placeholder == "<value>":
            object.__setattr__(self, "placeholder", "|".join(self.values))

    def text(self, raw: str, spot: Spot) -> Any:
        word = raw.strip().lower()
        if word not in self.values:
            raise CommandError(self.refusal)
        return self.values[word]

    def missing(self, spot: Spot) -> str:
        return self.refusal


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

    def __post_init__(self) -> None:
        object.__setattr__(self, "placeholder", self.word)

    def text(self, raw: str, spot: Spot) -> bool:
        return True

    def typed(self, value: Any, spot: Spot) -> bool:
        return bool(value)

    def accepts(self, word: str) -> bool:
        return word.casefold() == self.word


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
                f"A community's name has at most {MAX_COMMUNITY_NAME} characters; "
                f"`{name[:30]}…` has {len(name):,}."
            )
        if not COMMUNITY_NAME.match(name):
            raise CommandError(
                "A community's name is words of letters, digits and dashes, "
                "e.g. `facilitation` or `code review`."
            )
        return name

    def missing(self, spot: Spot) -> str:
        return f"Name the community: `/learn cop {self.verb} <name>`, e.g. `code review`."


@dataclass(frozen=True)
class CohortRef(Converter):
    """A cohort by its number or its name (`2`, `Spring 2027`)."""

    placeholder: str = "<cohort>"
    max_length: int | None = 200

    def text(self, raw: str, spot: Spot) -> str:
        return _limited(raw.strip(), "The cohort's name", 200)


def _limited(text: str, what: str, limit: int, advice: str = "") -> str:
    if len(text) > limit:
        after = f" {advice}" if advice else ""
        raise CommandError(f"{what} has {len(text):,} characters; the limit is {limit:,}.{after}")
    return text


@dataclass(frozen=True)
class Text(Converter):
    """The rest of the line, as typed: lines, `#tags` and words that start with `--`
    alike. `words`: how many words it takes at least (a case is a sentence)."""

    what: str = "Your text"
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
            raise CommandError(self.too_short or f"Say more: `/learn {spot.usage}`.")
        return text


@dataclass(frozen=True)
class Levels(Converter):
    """A goal's levels, from → to, each 1 to 5: `2→4`, `2 -> 4`, `2-4`, `2 to 4`."""

    example: str = ""
    placeholder: str = "2→4"
    span: Span = Span.PATTERN
    parts: tuple[Part, ...] = (
        Part("current", Number(what="level", maximum=5), "Your level now, 1 to 5"),
        Part("target", Number(what="level", maximum=5), "The level you aim for, 1 to 5"),
    )

    def match(self, raw: str) -> int | None:
        found = re.match(r"([1-5])\s*(?:→|->|=>|>|-|–|to)\s*([1-5])(?!\S)", raw, re.IGNORECASE)
        return found.end() if found else None

    def text(self, raw: str, spot: Spot) -> tuple[int, int]:
        found = re.match(r"([1-5])\s*(?:→|->|=>|>|-|–|to)\s*([1-5])\Z", raw.strip(), re.IGNORECASE)
        if found is None:
            raise CommandError(self.missing(spot))
        return self._checked(int(found.group(1)), int(found.group(2)))

    def typed(self, value: Any, spot: Spot) -> tuple[int, int]:
        current, target = int(value["current"]), int(value["target"])
        if not (1 <= current <= 5 and 1 <= target <= 5):
            raise CommandError(self.missing(spot))
        return self._checked(current, target)

    def missing(self, spot: Spot) -> str:
        return f"Give the levels as from→to, 1 to 5 (e.g. 2→4). {self.example}"

    @staticmethod
    def _checked(current: int, target: int) -> tuple[int, int]:
        if target <= current:
            raise CommandError("The target level must be above the current one.")
        return current, target


@dataclass(frozen=True)
class Sizes(Converter):
    """The smallest and largest group: `4-6`, each 2 to 12."""

    placeholder: str = "4-6"
    parts: tuple[Part, ...] = (
        Part("smallest", Number(what="size", minimum=2, maximum=12), "Smallest group (2-12)"),
        Part("largest", Number(what="size", minimum=2, maximum=12), "Largest group (2-12)"),
    )

    def text(self, raw: str, spot: Spot) -> tuple[int, int]:
        found = re.fullmatch(r"(\d{1,2})\s*[-–]\s*(\d{1,2})", raw.strip())
        if found is None:
            raise CommandError("Give group sizes as `--size 4-6`.")
        return self._checked(int(found.group(1)), int(found.group(2)))

    def typed(self, value: Any, spot: Spot) -> tuple[int, int]:
        return self._checked(int(value["smallest"]), int(value["largest"]))

    @staticmethod
    def _checked(low: int, high: int) -> tuple[int, int]:
        if not 2 <= low <= high <= 12:
            raise CommandError("Groups are between 2 and 12 people; e.g. `--size 4-6`.")
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
        return self.usage or f"Write it like this: `/learn {spot.usage}`."


@dataclass(frozen=True)
class Known(Converter):
    """A word the table knows (a command's word, for `help <word>`): its canonical form."""

    lookup: Callable[[str], str | None] = lambda word: None
    placeholder: str = "<command>"

    def text(self, raw: str, spot: Spot) -> str:
        found = self.lookup(raw.strip().lower())
        if found is None:
            raise CommandError(
                f"I don't know the command `{shown(raw, 30)}`. "
                "Type `/learn help` to see what you can do."
            )
        return found
