"""Due-time arithmetic for things that recur at a local wall time: pure functions only.

Rules, chosen deliberately:
- A weekly time is kept in local wall time: 09:00 stays 09:00 local across a change of
  the clocks, so its UTC instant moves by an hour.
- A local time that does not exist that day (the hour skipped when clocks go forward)
  is taken with the offset in force before the change, i.e. it falls the length of the
  gap later: 02:30 on a spring-forward night in Berlin is asked at 03:30 CEST.
- A local time that happens twice (the hour repeated when clocks go back) is asked once,
  at its first occurrence (PEP 495 fold=0).
- Quiet hours are 20:00 to 07:00 local. A message that is not at a time the person
  chose is moved to the end of the quiet hours (07:00).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.clock import ensure_utc

WEEKDAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
QUIET_START = time(20, 0)
QUIET_END = time(7, 0)


def at_local(day: date, wall_time: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of `wall_time` on `day` in `zone`, by the rules above."""
    return datetime.combine(day, wall_time, tzinfo=zone).astimezone(UTC)


def weekly_occurrences(
    weekdays: Iterable[int], wall_time: time, zone: ZoneInfo, after: datetime, count: int
) -> list[datetime]:
    """The next `count` instants strictly after `after` that fall on one of `weekdays`
    (0 = Monday) at `wall_time` local time in `zone`, in UTC, ascending."""
    days = frozenset(weekdays)
    if not days or count <= 0:
        return []
    after = ensure_utc(after)
    day = after.astimezone(zone).date() - timedelta(days=1)
    found: list[datetime] = []
    while len(found) < count:
        if day.weekday() in days:
            instant = at_local(day, wall_time, zone)
            if instant > after:
                found.append(instant)
        day += timedelta(days=1)
    return found


def is_quiet(wall_time: time) -> bool:
    """True between 20:00 and 07:00."""
    return wall_time >= QUIET_START or wall_time < QUIET_END


def out_of_quiet_hours(moment: datetime, zone: ZoneInfo) -> datetime:
    """`moment`, or the next 07:00 local if `moment` falls in the quiet hours."""
    local = ensure_utc(moment).astimezone(zone)
    if not is_quiet(local.time()):
        return ensure_utc(moment)
    morning = local.date() if local.time() < QUIET_END else local.date() + timedelta(days=1)
    return at_local(morning, QUIET_END, zone)


def local_day(moment: datetime, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC bounds [start, end) of the local calendar day `moment` falls on (23, 24
    or 25 hours long)."""
    day = ensure_utc(moment).astimezone(zone).date()
    return at_local(day, time(0), zone), at_local(day + timedelta(days=1), time(0), zone)


def start_of_local_day(day: date, zone: ZoneInfo) -> datetime:
    return at_local(day, time(0), zone)
