"""Timers: something that falls due later (a milestone's reminder, a co-coaching prompt,
an advice round's timebox) is a row with a due time, not a job in memory. The heartbeat
takes the due ones (locked, so replicas never take the same) and hands each to the
handler of its kind, in one transaction with what that handler changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Timer:
    kind: str  # which handler: "milestone", "cocoaching", ...
    subject: str  # what it is about, in the kind's own terms ("12": milestone 12)
    due_at: datetime
