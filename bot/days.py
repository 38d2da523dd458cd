"""Days as people write them: `2027-06-30`, `30.06.2027`, `today`, `tomorrow`, `in 2
weeks`, `in 3 days`, `in 1 month` (`in a week`), `next week`, `next month`, a weekday
(`friday`, `next fri`, `on thurs`, `this wed`).

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

from bot.recurrence import WEEKDAY_NAMES

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
)
_DOTTED = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})\Z")
_YEAR_FIRST = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})\Z")  # 2027-2-15, 2027/02/15
_IN = re.compile(r"in\s+(\d{1,3}|a|an|one)\s+(day|days|week|weeks|month|months)\Z")
_AHEAD = {"today": 0, "tomorrow": 1, "next week": 7}

DAY_FORMS = "YYYY-MM-DD, DD.MM.YYYY, today, tomorrow, in 2 weeks or a weekday"
# How many words a day takes that starts with this word (`in 2 weeks`, `next fri`).
DAY_WORDS = {"in": 3, "next": 2, "on": 2, "this": 2}


class RelativeDay(BaseModel):
    """A day counted from the asker's today: `days`, `months` ahead, or the next
    `weekday` (0 = Monday) after today. `words`: as typed, for messages."""

    model_config = ConfigDict(frozen=True, extra="forbid")

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
    if words == "next month":
        return RelativeDay(words=words, months=1)
    ahead = _IN.match(words)
    if ahead is not None:
        number, unit = ahead.group(1), ahead.group(2)
        amount = int(number) if number.isdigit() else 1
        if unit.startswith("month"):
            return RelativeDay(words=words, months=amount)
        return RelativeDay(words=words, days=amount * (7 if unit.startswith("week") else 1))
    weekday = words.removeprefix("next ").removeprefix("on ").removeprefix("this ")
    if weekday in WEEKDAYS:
        return RelativeDay(words=words, weekday=WEEKDAYS[weekday])
    return date.fromisoformat(words)


def on(day: Day, today: date) -> date:
    """The date `day` names, for someone whose today is `today`."""
    return day.on(today) if isinstance(day, RelativeDay) else day
