"""Due-time arithmetic, checked against instants worked out by hand from the tz rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.recurrence import at_local, is_quiet, local_day, out_of_quiet_hours, weekly_occurrences

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


WEEKLY = [
    # zone, weekdays, wall time, after (UTC), expected instants (UTC)
    pytest.param(
        "Europe/Berlin",
        {MON},
        time(9),
        utc(2027, 3, 21, 12),
        [utc(2027, 3, 22, 8), utc(2027, 3, 29, 7), utc(2027, 4, 5, 7)],
        id="berlin-spring-forward: 09:00 stays 09:00 local (CET, then CEST)",
    ),
    pytest.param(
        "Europe/Berlin",
        {MON},
        time(9),
        utc(2027, 10, 24),
        [utc(2027, 10, 25, 7), utc(2027, 11, 1, 8)],
        id="berlin-fall-back",
    ),
    pytest.param(
        "America/New_York",
        {MON},
        time(9),
        utc(2027, 3, 7),
        [utc(2027, 3, 8, 14), utc(2027, 3, 15, 13)],
        id="new-york-spring-forward",
    ),
    pytest.param(
        "America/New_York",
        {MON},
        time(9),
        utc(2027, 10, 31),
        [utc(2027, 11, 1, 13), utc(2027, 11, 8, 14)],
        id="new-york-fall-back",
    ),
    pytest.param(
        "Europe/Berlin",
        {SUN},
        time(2, 30),
        utc(2027, 3, 27),
        [utc(2027, 3, 28, 1, 30), utc(2027, 4, 4, 0, 30)],
        id="berlin-nonexistent-02:30-comes-at-03:30-CEST",
    ),
    pytest.param(
        "America/New_York",
        {SUN},
        time(2, 30),
        utc(2027, 3, 13),
        [utc(2027, 3, 14, 7, 30)],
        id="new-york-nonexistent-02:30-comes-at-03:30-EDT",
    ),
    pytest.param(
        "Europe/Berlin",
        {SUN},
        time(2, 30),
        utc(2027, 10, 30),
        [utc(2027, 10, 31, 0, 30), utc(2027, 11, 7, 1, 30)],
        id="berlin-repeated-02:30-asked-once-at-the-first",
    ),
    pytest.param(
        "America/New_York",
        {SUN},
        time(1, 30),
        utc(2027, 11, 6),
        [utc(2027, 11, 7, 5, 30), utc(2027, 11, 14, 6, 30)],
        id="new-york-repeated-01:30-asked-once-at-the-first",
    ),
    pytest.param(
        "Pacific/Kiritimati",
        {THU, FRI},
        time(9),
        utc(2026, 12, 30),
        [utc(2026, 12, 30, 19), utc(2026, 12, 31, 19), utc(2027, 1, 6, 19)],
        id="kiritimati-utc+14-over-the-year-end",
    ),
    pytest.param(
        "Etc/GMT+12",
        {THU, FRI},
        time(9),
        utc(2026, 12, 31),
        [utc(2026, 12, 31, 21), utc(2027, 1, 1, 21), utc(2027, 1, 7, 21)],
        id="gmt-12-over-the-year-end",
    ),
    pytest.param(
        "Pacific/Kiritimati",
        {MON},
        time(9),
        utc(2026, 11, 29, 19),
        [utc(2026, 12, 6, 19)],
        id="strictly-after: an instant equal to `after` is not repeated",
    ),
    pytest.param(
        "UTC",
        {SUN},
        time(23, 59),
        utc(2026, 12, 27, 23, 59, 30),
        [utc(2027, 1, 3, 23, 59)],
        id="utc-last-minute-of-the-year-week",
    ),
]


@pytest.mark.parametrize(("zone", "days", "wall", "after", "expected"), WEEKLY)
def test_weekly_occurrences(zone, days, wall, after, expected):
    assert weekly_occurrences(days, wall, ZoneInfo(zone), after, len(expected)) == expected


def test_the_local_wall_time_is_kept_for_a_whole_year_in_berlin():
    zone = ZoneInfo("Europe/Berlin")
    instants = weekly_occurrences({MON, THU}, time(9), zone, utc(2027, 1, 1), 104)
    assert {i.astimezone(zone).time() for i in instants} == {time(9)}
    assert {i.astimezone(zone).weekday() for i in instants} == {MON, THU}
    assert instants == sorted(instants) and len(set(instants)) == 104


def test_no_weekdays_means_no_occurrences():
    assert weekly_occurrences(set(), time(9), ZoneInfo("UTC"), utc(2027, 1, 1), 3) == []


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="naive"):
        weekly_occurrences({MON}, time(9), ZoneInfo("UTC"), datetime(2027, 1, 1), 1)  # noqa: DTZ001


QUIET = [
    ("Europe/Berlin", utc(2026, 12, 1, 20, 30), utc(2026, 12, 2, 6)),  # 21:30 -> 07:00 next day
    ("Europe/Berlin", utc(2026, 12, 1, 5, 59), utc(2026, 12, 1, 6)),  # 06:59 -> 07:00 that day
    ("Europe/Berlin", utc(2026, 12, 1, 6), utc(2026, 12, 1, 6)),  # 07:00 is not quiet
    ("Europe/Berlin", utc(2026, 12, 1, 18, 59), utc(2026, 12, 1, 18, 59)),  # 19:59 is not quiet
    ("Europe/Berlin", utc(2026, 12, 1, 19), utc(2026, 12, 2, 6)),  # 20:00 is quiet
    (
        "Pacific/Kiritimati",
        utc(2026, 12, 31, 8),
        utc(2026, 12, 31, 17),
    ),  # 22:00 Dec 31 -> 07:00 Jan 1
    ("Etc/GMT+12", utc(2027, 1, 1, 10), utc(2027, 1, 1, 19)),  # 22:00 Dec 31 -> 07:00 Jan 1
    ("Europe/Berlin", utc(2027, 3, 27, 23), utc(2027, 3, 28, 5)),  # 00:00 -> 07:00 CEST
]


@pytest.mark.parametrize(("zone", "moment", "expected"), QUIET)
def test_quiet_hours_move_a_message_to_07_00_local(zone, moment, expected):
    assert out_of_quiet_hours(moment, ZoneInfo(zone)) == expected


def test_quiet_hours_are_20_to_07():
    assert is_quiet(time(20)) and is_quiet(time(23, 59)) and is_quiet(time(6, 59))
    assert not is_quiet(time(7)) and not is_quiet(time(19, 59))


@pytest.mark.parametrize(
    ("zone", "moment", "hours"),
    [
        ("Europe/Berlin", utc(2027, 3, 28, 12), 23),
        ("Europe/Berlin", utc(2027, 10, 31, 12), 25),
        ("America/New_York", utc(2027, 3, 14, 12), 23),
        ("Pacific/Kiritimati", utc(2026, 12, 31, 12), 24),
    ],
)
def test_a_local_day_can_be_23_24_or_25_hours(zone, moment, hours):
    start, end = local_day(moment, ZoneInfo(zone))
    assert start <= moment < end
    assert end - start == timedelta(hours=hours)
    assert start.astimezone(ZoneInfo(zone)).time() == time(0)


def test_at_local():
    assert at_local(date(2027, 1, 1), time(0), ZoneInfo("Pacific/Kiritimati")) == utc(
        2026, 12, 31, 10
    )
