"""Development goals and the practical task agreed with the manager.

A goal names a value or competence of the model, the level the learner stands at and
the level they aim for, why, and by when; the tutor records it with the learner. A
practical task (an `Agreement`) is what the learner proposes to their manager to reach
some of those goals at work; it goes round until the manager agrees or declines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from bot.i18n import pgettext


class GoalStatus(StrEnum):
    OPEN = "open"
    REACHED = "reached"
    DROPPED = "dropped"


@dataclass(frozen=True)
class GoalComment:
    author_id: int
    text: str
    at: datetime


@dataclass
class Goal:
    learner_id: int
    trait_id: str
    current_level: int
    target_level: int
    why: str
    set_by: int  # the tutor (or the learner) who recorded it
    created_at: datetime
    due_by: date | None = None
    status: GoalStatus = GoalStatus.OPEN
    status_note: str = ""
    comments: list[GoalComment] = field(default_factory=list)
    id: int | None = None
    number: int | None = None  # the learner's own count (1 = their first goal), kept for good


class AgreementStatus(StrEnum):
    PROPOSED = "proposed"  # waiting for the manager
    CHANGES_REQUESTED = "changes-requested"  # back with the learner
    AGREED = "agreed"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        """The status in words of the current language, for answers (the value is a stored
        slug)."""
        return {
            AgreementStatus.PROPOSED: pgettext("proposal status", "proposed"),
            AgreementStatus.CHANGES_REQUESTED: pgettext("proposal status", "changes requested"),
            AgreementStatus.AGREED: pgettext("proposal status", "agreed"),
            AgreementStatus.DECLINED: pgettext("proposal status", "declined"),
        }[self]


class Decision(StrEnum):
    AGREE = "agree"
    CHANGES = "changes"
    DECLINE = "decline"


DECISION_STATUS = {
    Decision.AGREE: AgreementStatus.AGREED,
    Decision.CHANGES: AgreementStatus.CHANGES_REQUESTED,
    Decision.DECLINE: AgreementStatus.DECLINED,
}


@dataclass(frozen=True)
class AgreementResponse:
    """The manager's answer to one version of the proposal."""

    version: int
    decision: Decision
    reason: str
    at: datetime


@dataclass
class Agreement:
    learner_id: int
    manager_id: int
    task: str
    goal_ids: tuple[int, ...]
    created_at: datetime
    updated_at: datetime
    version: int = 1  # a revised proposal is a new version; old buttons no longer act
    status: AgreementStatus = AgreementStatus.PROPOSED
    responses: list[AgreementResponse] = field(default_factory=list)
    id: int | None = None
    number: int | None = None  # the learner's own count of proposals (1 = their first)

    @property
    def is_open(self) -> bool:
        return self.status in (AgreementStatus.PROPOSED, AgreementStatus.CHANGES_REQUESTED)
