"""Real clocks, for the adapters. The core only ever sees the `bot.clock.Clock` protocol."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class ShiftableClock:
    """The wall clock plus an offset the console's `/time +2h` moves forward."""

    def __init__(self, offset: timedelta = timedelta()) -> None:
        self.offset = offset

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def shift(self, delta: timedelta) -> None:
        self.offset += delta

    def set(self, moment: datetime) -> None:
        """Move to `moment` (never backwards: time travel only goes forward)."""
        self.offset += max(timedelta(), moment - self.now())
