"""Self-assessments: a learner rates each value and competence of the model from 1 to 5.
Dated and repeatable (the first, then follow-ups) for success monitoring; filled in steps
of at most five, so every platform can show a step as one form, and a person can stop
after any step and go on later."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

STEP = 5  # traits a form asks at once (Discord's modals hold five inputs)
LEVEL_OPTIONS = ("1", "2", "3", "4", "5")


@dataclass
class Assessment:
    person_id: int
    kind: str  # "initial" or "follow-up"
    started_at: datetime
    completed_at: datetime | None = None
    ratings: dict[str, int] = field(default_factory=dict)  # trait id -> level 1..5
    id: int | None = None
