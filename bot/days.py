"""Days as people write them: `2027-06-30`, `30.06.2027`, `today`, `tomorrow`, `in 2
weeks`, `in 3 days`, `in 1 month` (`in a week`), `next week`, `next month`, a weekday
(`friday`, `next fri`, `on thurs`, `this wed`); and in German: `heute`, `morgen`,
`übermorgen`, `in 2 wochen`, `in 3 tagen`, `in einem monat`, `nächste woche`, `nächsten
monat`, a weekday (`freitag`, `fr`, `nächsten freitag`, `am fr`, `diesen mi`).

A command is read before anyone's clock or time zone is known, so a relative day stays
relative (`RelativeDay`) until the use case turns it into a date in the asker's own
time zone (`on`, with the injected clock's today there).
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Literal

from dateutil.relativedelta import relativedelta
from pydantic import BaseModel, ConfigDict

from bot.i18n import N_
from bot.recurrence import WEEKDAY_NAMES

# German: `mo di mi do fr sa so`, the full names, and `mo.` as a calendar writes it
GERMAN_SHORT = ("mo", "di", "mi", "do", "fr", "sa", "so")
GERMAN_WEEKDAYS = {name: i for i, name in enumerate(GERMAN_SHORT)} | {
    full: i
    for i, full in enumerate(
        ("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag")
    )
}
_SHORT = {"tues": 1, "weds": 2, "thur": 3, "thurs": 3}  # common besides mon, tue, ...
WEEKDAYS = (
    {name: i for i, name in enumerate(WEEKDAY_NAMES)}
    | {
        full: i
        for i, full in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    }
    | _SHORT
    | GERMAN_WEEKDAYS
)
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})\Z")
_YEAR_FIRST = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\Z")  # 2027-2-15, 2027/02/15
_IN = re.compile(
    r"in\s+(\d{1,3}|a|an|one|einem|einer|eine|ein)\s+"
    r"(day|days|week|weeks|month|months|tag|tagen|woche|wochen|monat|monaten)\Z"
)
_NEXT_WEEK = ("nächste woche", "naechste woche", "kommende woche")
_NEXT_MONTH = ("next month", "nächsten monat", "naechsten monat", "kommenden monat")
_AHEAD = {
    "today": 0,
    "tomorrow": 1,
    "next week": 7,
    "heute": 0,
    "morgen": 1,
    "übermorgen": 2,
    "uebermorgen": 2,
} | dict.fromkeys(_NEXT_WEEK, 7)
# The words before a weekday (`next fri`, `nächsten freitag`, `am fr`, `diesen mi`).
_BEFORE_WEEKDAY = (
    "next ",
    "on ",
    "this ",
    "nächsten ",
    "nächster ",
    "nächste ",
    "naechsten ",
    "naechster ",
    "naechste ",
    "kommenden ",
    "kommender ",
    "am ",
    "diesen ",
    "diesem ",
)

# Translate where shown: `_(DAY_FORMS)`.
DAY_FORMS = N_("YYYY-MM-DD, DD.MM.YYYY, today, tomorrow, in 2 weeks or a weekday")
# How many words a day takes that starts with this word (`in 2 weeks`, `next fri`).
DAY_WORDS = {"in": 3, "next": 2, "on": 2, "this": 2} | {word.strip(): 2 for word in _BEFORE_WEEKDAY}


class RelativeDay(BaseModel):
    """A day counted from the asker's today: `days`, `months` ahead, or the next
    `weekday` (0 = Monday) after today. `words`: as typed, for messages."""

    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)

    kind: Literal["relative"] = "relative"
    words: str
    days: int = 0
    months: int = 0
    weekday: int | None = None

    def on(self, today: date) -> date:
        if self.weekday is not None:
            return today + timedelta(days=(self.weekday - today.weekday() - 1) % 7 + 1)
        return today + relativedelta(months=self.months) + timedelta(days=self.days)


Day = date | RelativeDay


def read_day(text: str) -> Day:
    """The day `text` names; `ValueError` if it names none."""
    words = " ".join(text.split()).casefold()
    dotted = _DOTTED.match(words)
    if dotted is not None:
        return date(int(dotted.group(3)), int(dotted.group(2)), int(dotted.group(1)))
    year_first = _YEAR_FIRST.match(words)
    if year_first is not None:
        return date(*(int(part) for part in year_first.groups()))
    if words in _AHEAD:
        return RelativeDay(words=words, days=_AHEAD[words])
    if words in _NEXT_MONTH:
        return RelativeDay(words=words, months=1)
    ahead = _IN.match(words)
    if ahead is not None:
        number, unit = ahead.group(1), ahead.group(2)
        amount = int(number) if number.isdigit() else 1
        if unit.startswith(("month", "monat")):
            return RelativeDay(words=words, months=amount)
        week = unit.startswith(("week", "woche"))
        return RelativeDay(words=words, days=amount * (7 if week else 1))
    weekday = words
    for before in _BEFORE_WEEKDAY:
        if weekday.startswith(before):
            weekday = weekday.removeprefix(before)
            break
    weekday = weekday.rstrip(".")  # `fr.`, `mo.`
    if weekday in WEEKDAYS:
        return RelativeDay(words=words, weekday=WEEKDAYS[weekday])
    return date.fromisoformat(words)


def on(day: Day, today: date) -> date:
    """The date `day` names, for someone whose today is `today`."""
    return day.on(today) if isinstance(day, RelativeDay) else day
