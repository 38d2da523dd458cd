"""Domain events: what happened in a use case that other parts of the product react to.

A use case records an event on its unit of work (`uow.publish`); the message bus
(bot/messagebus.py) hands it to the handlers registered for its type
(bot/reactions.py), in the same transaction, before the commit. So one feature never
calls into another to tell it what happened: leaving a cohort does not re-pair the
partner itself, it says that someone left.

Events are facts, in the past tense, carrying ids (never names or words people wrote).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.domain import OutboxKind


@dataclass(frozen=True)
class Event:
    """The base of every domain event."""


@dataclass(frozen=True)
class OutboxWritten(Event):
    """A row was stored in the outbox (not one queued before under the same key). After
    the commit, the service wakes the delivery loop, so it goes out at once."""

    key: str
    recipient_id: int
    kind: OutboxKind


@dataclass(frozen=True)
class LeftCohort(Event):
    """A learner left a cohort (by `cohort leave`, or because they are being erased).
    Their groups, tutor relations and roles in it have ended already; `partners` were in
    a learning partnership with them when they left, `group_id` is the learning group
    they were in."""

    cohort_id: int
    person_id: int
    partners: tuple[int, ...]
    group_id: int | None
    erasing: bool = False


@dataclass(frozen=True)
class InvitationAnswered(Event):
    """An invited learner joined a cohort (`joined`) or declined it."""

    cohort_id: int
    person_id: int
    joined: bool


class Ending(StrEnum):
    """Why a partnership or a group ended."""

    REPLACED = "replaced"  # the facilitator confirmed new ones (`--replace`)
    MEMBER_LEFT = "member left"  # someone left the cohort; the rest were re-paired
    RESHAPED = "reshaped"  # a partner whose partner left joined it: it goes on as a trio
    ROLES_APART = "roles apart"  # one of them was named the other's manager
    COHORT_CLOSED = "cohort closed"


@dataclass(frozen=True)
class PartnershipStarted(Event):
    partnership_id: int
    cohort_id: int
    members: tuple[int, ...]


@dataclass(frozen=True)
class PartnershipEnded(Event):
    """`by`: who ended it (the facilitator who re-paired, named a manager or closed the
    cohort; the member who left)."""

    partnership_id: int
    cohort_id: int
    members: tuple[int, ...]
    why: Ending
    by: int | None = None


@dataclass(frozen=True)
class GroupFormed(Event):
    group_id: int
    cohort_id: int
    members: tuple[int, ...]


@dataclass(frozen=True)
class GroupEnded(Event):
    """`by`: who ended it, as for `PartnershipEnded`."""

    group_id: int
    cohort_id: int
    members: tuple[int, ...]
    why: Ending
    by: int | None = None


@dataclass(frozen=True)
class GroupMembersChanged(Event):
    """A learning group's present members changed. `leaving`: who left it, to reach the
    group's space through them if no one is left (None when they are being erased)."""

    group_id: int
    leaving: int | None = None


@dataclass(frozen=True)
class ManagerNamed(Event):
    """`manager_id` was named `learner_id`'s manager in a cohort (by `by`). Roles are kept
    apart: the circles they share end or go on without the manager."""

    cohort_id: int
    learner_id: int
    manager_id: int
    by: int | None = None


@dataclass(frozen=True)
class LeftGroup(Event):
    """`person_id` was taken out of a learning group that goes on without them (named
    the manager of someone in it); its open round goes on without them too."""

    group_id: int
    person_id: int


@dataclass(frozen=True)
class CohortKickedOff(Event):
    """A cohort moved from preparation into its learning phases."""

    cohort_id: int


@dataclass(frozen=True)
class PersonErased(Event):
    """Everything about a person is erased. `ref` (their platform reference) is for what
    lies outside the database: after the commit, the service's `on_erased` hooks get it.
    `shown_to`: the references of those whose views showed the person (their tutors'
    App Home): adapters publish those again, so no view kept at a platform shows them."""

    person_id: int
    ref: str
    shown_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class TutorAssigned(Event):
    """`tutor_id` accompanies `learner_id` in a cohort from now on (their weekly digest
    of learners who may be drifting away starts)."""

    cohort_id: int
    tutor_id: int
    learner_id: int


@dataclass(frozen=True)
class CommunityOpened(Event):
    """A community of practice was opened (its weekly digest of new posts starts)."""

    community_id: int


@dataclass(frozen=True)
class CheckinAnswered(Event):
    """A person answered their check-in (`late`: after it was marked missed)."""

    person_id: int
    checkin_id: int | None
    late: bool = False


# -- learning events: what a learner did, told to the LRS if they said yes (bot/xapi.py) --


@dataclass(frozen=True)
class AssessmentCompleted(Event):
    person_id: int
    assessment_id: int


@dataclass(frozen=True)
class GoalSet(Event):
    learner_id: int
    goal_id: int


@dataclass(frozen=True)
class GoalReached(Event):
    learner_id: int
    goal_id: int


@dataclass(frozen=True)
class PlanCommitted(Event):
    """`commit`: how many times the learner has committed to a plan (1 = the first)."""

    person_id: int
    at: datetime


@dataclass(frozen=True)
class MilestoneReached(Event):
    person_id: int
    milestone_id: int


@dataclass(frozen=True)
class CoCoachingMet(Event):
    """The partners of a co-coaching prompt (`record_id`) said they met."""

    record_id: int
    members: tuple[int, ...]


@dataclass(frozen=True)
class AdviceRoundClosed(Event):
    """A colleague-advice round ended with its closing; `roles`: (person, role) for each
    who took part (case-giver, moderator, advisor). `method`: the method's id."""

    round_id: int
    roles: tuple[tuple[int, str], ...]
    method: str | None
    mode: str


@dataclass(frozen=True)
class ExperienceShared(Event):
    person_id: int
    post_id: int


@dataclass(frozen=True)
class DiaryWritten(Event):
    """A diary entry written as one (not one Tandem filed: a milestone's reflection, an
    advice round's notes, a community post: those are their own events). `tags`: its
    tags as stored (competence ids of the model, and free tags)."""

    person_id: int
    entry_id: int
    tags: tuple[str, ...] = ()


class EventLog:
    """What a unit of work collects: the events published in its transaction, not yet
    handled. Both units of work (storage's and the in-memory fake) keep one; a rollback
    forgets what it holds, as it forgets the changes the events speak of."""

    def __init__(self) -> None:
        self._new: list[Event] = []

    def publish(self, event: Event) -> None:
        self._new.append(event)

    def collect_new_events(self) -> list[Event]:
        """The events published since the last call, oldest first; they are handed out once."""
        new, self._new = self._new, []
        return new

    def discard(self) -> None:
        self._new = []

    @contextmanager
    def _events_kept(self) -> Iterator[None]:
        """The events not yet handled before the block are those after it: what a
        rehearsal publishes (or has handled) is forgotten with its changes."""
        before = list(self._new)
        try:
            yield
        finally:
            self._new = before
