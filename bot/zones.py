"""Time zones as people type them: `Europe/Berlin`, `europe/berlin`, `Berlin`, `new york`.

The names are the tz database's own (`zoneinfo.available_timezones`); a city is the
last part of a zone's name (`America/New_York`: `New York`), and no list of cities is
kept beyond what those names give. Case, spaces, dashes and underscores do not matter.
Several names for one zone (the database's links: `America/Buenos_Aires` and
`America/Argentina/Buenos_Aires`) are one answer; several zones are candidates.
"""

from __future__ import annotations

import difflib
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from zoneinfo import ZoneInfo

from bot.domain import NOT_ZONES, zone_names

_SEPARATORS = re.compile(r"[\s_\-]+")


def _key(text: str) -> str:
    return _SEPARATORS.sub("_", text.strip()).casefold()


@dataclass(frozen=True)
class ZoneMatch:
    """`zone`: the one zone meant, if there is one; else `candidates` (several zones the
    text names, or names close to an unknown one)."""

    zone: str | None
    candidates: tuple[str, ...] = ()
    ambiguous: bool = False


@cache
def _index() -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    names = sorted(zone_names() - NOT_ZONES)  # the zones is_known_timezone knows
    full = {_key(n): n for n in names}
    cities: dict[str, list[str]] = defaultdict(list)
    for name in names:
        if "/" in name:  # `Singapore` alone is an old alias of `Asia/Singapore`
            cities[_key(name.rsplit("/", 1)[1])].append(name)
    return full, {city: tuple(found) for city, found in cities.items()}


# A day in each month of 1990-2039: two names that agree on every one are one zone
# (the tz database's links), not a choice to put to the person.
_SAMPLES = tuple(
    datetime(year, month, 15, 12, tzinfo=UTC)
    for year in range(1990, 2040)
    for month in range(1, 13)
)


@cache
def _behaviour(name: str) -> tuple[float, ...]:
    zone = ZoneInfo(name)
    return tuple(
        offset.total_seconds() if (offset := at.astimezone(zone).utcoffset()) else 0.0
        for at in _SAMPLES
    )


def _distinct(names: tuple[str, ...]) -> tuple[str, ...]:
    """One name per zone: the longest (the database's current, area/country/city form)."""
    by_zone: dict[tuple[float, ...], list[str]] = defaultdict(list)
    for name in names:
        by_zone[_behaviour(name)].append(name)
    return tuple(sorted(max(same, key=lambda n: (len(n), n)) for same in by_zone.values()))


def find_timezone(text: str) -> ZoneMatch:
    """The zone `text` names: a zone's name in any case, or a city of one."""
    key = _key(text)
    full, cities = _index()
    if key in full:
        return ZoneMatch(full[key])
    if key in cities:
        zones = _distinct(cities[key])
        if len(zones) == 1:
            return ZoneMatch(zones[0])
        return ZoneMatch(None, zones, ambiguous=True)
    close = difflib.get_close_matches(key, [*cities, *full], n=3, cutoff=0.8)
    found: list[str] = []
    for word in close:
        for name in cities.get(word, ()) or (full[word],):
            if name not in found:
                found.append(name)
    return ZoneMatch(None, tuple(found[:3]))
