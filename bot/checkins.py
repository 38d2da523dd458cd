"""Check-ins: a person's schedule, each check-in asked, and the rules that pace them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.i18n import ENGLISH, _, current, format_list, weekday_name
from bot.localized import Localized, localized
from bot.recurrence import WEEKDAY_NAMES, is_quiet, weekly_occurrences

# What a check-in asks, in each language; `{competence}` is filled in per language
# (bot/checkin_messages.py), so the German template takes the word in its case.
DEFAULT_QUESTIONS = (
    localized(
        "What did you try this week in your practical project?",
        "Was hast du diese Woche in deinem Praxisprojekt ausprobiert?",
    ),
    localized(
        "What did you learn about {competence}?",
        "Was hast du zu {competence} gelernt?",
    ),
    localized(
        "What will you try next, and what support do you need?",
        "Was probierst du als Nächstes aus, und welche Unterstützung brauchst du dafür?",
    ),
)


@dataclass(frozen=True)
class CheckinRules:
    """How check-ins are paced. The defaults are what a learner would put up with."""

    remind_after: timedelta = timedelta(hours=4)
    answer_window: timedelta = timedelta(hours=24)
    grace: timedelta = timedelta(hours=12)  # later than this, a due check-in is skipped
    daily_cap: int = 3  # proactive messages per person per local day
    questions: tuple[Localized, ...] = DEFAULT_QUESTIONS


@dataclass
class CheckinSchedule:
    """When a person is asked. `next_due_at` is the durable schedule the ticks read."""

    person_id: int
    weekdays: frozenset[int]
    wall_time: time
    created_at: datetime
    enabled: bool = True
    paused_until: datetime | None = None
    next_due_at: datetime | None = None

    @property
    def chose_quiet_hours(self) -> bool:
        """A time inside the quiet hours that the person picked themselves is kept."""
        return is_quiet(self.wall_time)

    def describe(self) -> str:
        """`every mon,thu at 09:00` (the days as one types them), `immer Mo. und Do. um
        09:00 Uhr`: in the current language."""
        ordered = sorted(self.weekdays)
        if current() == ENGLISH:
            days = ",".join(WEEKDAY_NAMES[d] for d in ordered)
        else:
            days = format_list([weekday_name(d, "abbreviated") for d in ordered])
        return _("every {days} at {time}").format(days=days, time=f"{self.wall_time:%H:%M}")

    def upcoming(self, zone: ZoneInfo, now: datetime, count: int) -> list[datetime]:
        """The next `count` due times from `now`, respecting a pause."""
        if not self.enabled:
            return []
        after = now
        if self.paused_until is not None and self.paused_until > now:
            after = self.paused_until - timedelta(microseconds=1)
        return weekly_occurrences(self.weekdays, self.wall_time, zone, after, count)

    def advance(self, zone: ZoneInfo, now: datetime) -> None:
        """Set `next_due_at` to the first due time after `now`."""
        upcoming = self.upcoming(zone, now, 1)
        self.next_due_at = upcoming[0] if upcoming else None


class CheckinStatus(StrEnum):
    ASKED = "asked"
    REMINDED = "reminded"
    ANSWERED = "answered"
    MISSED = "missed"
    SKIPPED = "skipped"


PENDING = (CheckinStatus.ASKED, CheckinStatus.REMINDED)


@dataclass
class Checkin:
    """One check-in: asked (or skipped) for a due time; answered, or missed in the end."""

    person_id: int
    due_at: datetime
    status: CheckinStatus
    questions: tuple[str, ...] = ()
    requested: bool = False  # `/learn checkin now`: asked for, so not proactive
    asked_at: datetime | None = None
    remind_at: datetime | None = None
    expires_at: datetime | None = None
    reminded_at: datetime | None = None
    answered_at: datetime | None = None
    entry_id: int | None = None
    skip_reason: str | None = None
    id: int | None = None
