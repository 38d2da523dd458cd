"""Time comes into the core through a Clock; the core never reads the wall clock itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Something that says what time it is, as an aware UTC datetime."""

    def now(self) -> datetime: ...


def ensure_utc(moment: datetime) -> datetime:
    """Return `moment` in UTC; refuse naive datetimes instead of guessing their zone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"naive datetime {moment!r}: Tandem only handles aware datetimes")
    return moment.astimezone(UTC)


class FixedClock:
    """A clock that stands still until it is moved: for tests and for time travel."""

    def __init__(self, moment: datetime) -> None:
        self._moment = ensure_utc(moment)

    def now(self) -> datetime:
        return self._moment

    def set(self, moment: datetime) -> None:
        self._moment = ensure_utc(moment)

    def advance(self, delta: timedelta) -> None:
        self._moment += delta
