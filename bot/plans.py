"""Learning plans: the milestones a learner commits to at the kickoff, each with a date,
the goal it serves and how they will know it is reached."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass
class Milestone:
    learner_id: int
    title: str
    due_on: date
    evidence: str  # how the learner will know it is reached
    created_at: datetime
    goal_id: int | None = None
    done_at: datetime | None = None
    reflection: str | None = None
    id: int | None = None
    number: int | None = None  # the learner's own count (1 = their first milestone), kept


@dataclass
class Plan:
    learner_id: int
    committed_at: datetime | None = None
    milestones: list[Milestone] = field(default_factory=list)


class CoCoachingOutcome:
    MET = "met"
    NOT_MET = "not-met"


@dataclass
class Meeting:
    """A co-coaching session partners set with `/learn partner meet`, or a learning group's
    live colleague-advice round (`/learn group meet`): one calendar event, its invite's
    UID made of the row's id; each change (a new time, a cancellation) is one more
    `sequence`."""

    partnership_id: int | None  # a co-coaching session's partnership, or
    starts_at: datetime  # aware UTC
    minutes: int
    created_at: datetime
    sequence: int = 0
    cancelled: bool = False
    id: int | None = None
    group_id: int | None = None  # a learning group's live colleague-advice round


@dataclass
class CoCoaching:
    """One co-coaching prompt to a partnership, and whether they met."""

    partnership_id: int
    prompted_at: datetime
    outcome: str | None = None
    answered_at: datetime | None = None
    id: int | None = None
    number: int | None = None  # the partnership's own count of prompts (1 = its first)
