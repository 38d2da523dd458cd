"""The ports the core needs from the outside world. `storage/` implements them with
SQLAlchemy; tests/support/fakes.py implements them in memory."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import datetime, timedelta
from types import TracebackType
from typing import Protocol, Self

from bot.assessments import Assessment
from bot.checkins import Checkin, CheckinSchedule, CheckinStatus
from bot.domain import (
    AdviceRecord,
    Ask,
    AskKind,
    Circle,
    Cohort,
    Community,
    CommunityMember,
    CommunityPost,
    DiaryEntry,
    Identity,
    InboxItem,
    LearningGroup,
    LrsStatement,
    Membership,
    MembershipStatus,
    OutboxMessage,
    Partnership,
    Person,
    Platform,
    Role,
    Visibility,
)
from bot.events import Event
from bot.goals import Agreement, Goal, GoalComment
from bot.plans import CoCoaching, Meeting, Milestone, Plan
from bot.timers import Timer


class PeopleRepository(Protocol):
    def add(self, person: Person) -> Person:
        """Store a new person; if someone with that identity was stored meanwhile (a race
        of two first contacts), return them instead."""
        ...

    def get(self, person_id: int) -> Person | None: ...
    def by_identity(self, identity: Identity) -> Person | None: ...
    def find_in_workspace(self, identity: Identity, name: str) -> list[Person]:
        """People on `identity`'s platform and workspace whose user id or display name is `name`."""
        ...

    def update(self, person: Person) -> None: ...
    def get_many(self, person_ids: Iterable[int]) -> dict[int, Person]: ...
    def count(self) -> int: ...
    def facilitators(self, refs: Collection[str]) -> list[Person]:
        """People marked facilitators, or whose reference is among `refs`, by id."""
        ...

    def delete(self, person_id: int) -> None: ...


class DiaryRepository(Protocol):
    def add(self, entry: DiaryEntry) -> DiaryEntry:
        """Store the entry with its audience (`entry.audience`), giving it its id and the
        author's next number (never reused); use `bot.privacy.write`, which fixes the
        audience as the circle stands when the entry is written."""
        ...

    def by_author(
        self,
        author_id: int,
        visibilities: Iterable[Visibility],
        limit: int | None,
        offset: int = 0,
    ) -> list[DiaryEntry]:
        """The author's newest entries whose visibility is one of `visibilities`, newest
        first, skipping the `offset` newest, each with the audience it was written for."""
        ...

    def count_by_author(self, author_id: int) -> int:
        """How many entries the author has (all visibilities: for the author's own pages)."""
        ...

    def by_number(self, author_id: int, number: int) -> DiaryEntry | None:
        """The author's entry with that number and the audience it was written for, if it
        exists. The caller checks who asks."""
        ...

    def update_text(self, entry: DiaryEntry) -> bool:
        """Write back the entry's text and tags (nothing else: visibility and audience
        stay); False if the author has no such entry."""
        ...

    def delete(self, entry: DiaryEntry) -> bool:
        """Delete the author's entry, with what refers to it (its audience, a check-in's
        link to it, a community post of it); False if there is no such entry."""
        ...

    def delete_by_author(self, author_id: int) -> int:
        """Erase the author's entries, and the person from every other entry's audience."""
        ...

    def containing(self, needles: Sequence[str]) -> list[DiaryEntry]:
        """Entries by anyone whose text contains one of `needles` (a superset: on SQLite
        the match ignores ASCII case), oldest first; for erasure of quotes."""
        ...

    def rewrite(self, entry_id: int, text: str) -> None:
        """Replace an entry's text (erasure strikes someone else's words out of it)."""
        ...


class CohortRepository(Protocol):
    """Cohorts themselves; who is in them, paired and grouped lives in the repositories
    below (one per aggregate)."""

    def add(self, cohort: Cohort) -> Cohort: ...
    def get(self, cohort_id: int) -> Cohort | None: ...
    def all(self) -> list[Cohort]:
        """Every cohort, oldest first."""
        ...

    def update(self, cohort: Cohort) -> None: ...


class MembershipRepository(Protocol):
    """Who holds which role in a cohort (tutor relations included), and the circles that
    stand around a person."""

    def members(self, cohort_id: int) -> list[Membership]: ...
    def add(self, membership: Membership) -> None: ...
    def of(self, person_id: int) -> list[Membership]:
        """The person's memberships, in every cohort, ended ones too."""
        ...

    def set_status(
        self, cohort_id: int, person_id: int, role: Role, status: MembershipStatus
    ) -> int:
        """Set the status of the person's memberships in that role; return rows changed."""
        ...

    def end(self, cohort_id: int, at: datetime, person_id: int | None = None) -> int:
        """End the person's memberships in the cohort (every role, tutor relations they
        hold too), or with no person everyone's; rows ended. Ended ones stay as history."""
        ...

    def end_tutor_relations(self, cohort_id: int, learner_id: int, at: datetime) -> int:
        """End the tutor relations accompanying `learner_id` in the cohort."""
        ...

    def circles_of(self, person_id: int) -> list[Circle]:
        """The circles around `person_id` that stand now, over all cohorts: partnerships
        not ended, learning groups where neither the group nor their membership ended
        (with the members whose membership has not ended), and active tutor relations
        not ended in which they are the tutor or the learner. Who may read what through
        them is decided in `bot.privacy`, not here."""
        ...

    def delete_person(self, person_id: int) -> int:
        """Erase the person's memberships (a tutor who accompanied them stays, accompanying
        no one there); return rows removed."""
        ...


class PartnershipRepository(Protocol):
    """Learning partnerships (tandems) and their members."""

    def in_cohort(self, cohort_id: int) -> list[Partnership]:
        """The cohort's partnerships, ended ones too, oldest first."""
        ...

    def add(self, cohort_id: int, person_ids: Sequence[int], at: datetime) -> int: ...
    def get(self, partnership_id: int) -> Partnership | None: ...
    def end(self, partnership_id: int, at: datetime) -> None: ...
    def of(self, person_id: int) -> Partnership | None:
        """The person's partnership that has not ended, if any."""
        ...

    def pair_history(self, person_ids: Iterable[int]) -> list[tuple[int, int, datetime]]:
        """Every two of `person_ids` who were partners, ever, and since when."""
        ...

    def delete_person(self, person_id: int) -> int:
        """Remove the person from every partnership; return rows removed."""
        ...


class GroupRepository(Protocol):
    """Learning groups, their members and their spaces."""

    def in_cohort(self, cohort_id: int) -> list[LearningGroup]: ...
    def add(self, cohort_id: int, name: str, person_ids: Sequence[int], at: datetime) -> int: ...
    def get(self, group_id: int) -> LearningGroup | None:
        """The learning group with its present members."""
        ...

    def of(self, person_id: int) -> LearningGroup | None:
        """The newest learning group the person is in now (neither the group nor their
        membership of it ended)."""
        ...

    def end(self, group_id: int, at: datetime) -> None:
        """The group ends (regrouped, the cohort closed); it stays as history."""
        ...

    def set_space(self, group_id: int, space: str) -> None: ...
    def claim_space(self, group_id: int, space: str) -> str:
        """Store `space` as the group's space unless it has one already; return the one
        stored (so of two replicas that made a space at once, both use the first)."""
        ...

    def leave(self, cohort_id: int, person_id: int, at: datetime) -> int:
        """End the person's memberships of the cohort's learning groups; return how many."""
        ...

    def delete_person(self, person_id: int) -> int:
        """Remove the person from every learning group; return rows removed."""
        ...


class ProposalRepository(Protocol):
    """The facilitator's proposals of pairs or groups to review, and the people someone
    will not be paired with."""

    def save(
        self, cohort_id: int, kind: str, circles: list[list[int]], notes: list[str], at: datetime
    ) -> None:
        """Store (replacing) the facilitator's proposal of pairs or groups to review."""
        ...

    def get(self, cohort_id: int, kind: str) -> tuple[list[list[int]], list[str]] | None: ...
    def drop(self, cohort_id: int, kind: str) -> None: ...
    def with_person(self, person_id: int) -> list[tuple[int, str]]:
        """(cohort, kind) of the proposals not yet confirmed that place `person_id`."""
        ...

    def exclude(self, person_id: int, other_id: int) -> None:
        """`person_id` is never to be paired with `other_id`."""
        ...

    def exclusions(self, person_ids: Iterable[int]) -> dict[int, set[int]]: ...
    def delete_person(self, person_id: int) -> int:
        """Erase the exclusions the person made or is named in; return rows removed.
        (Proposals that place them are dropped one by one, with `drop`.)"""
        ...


class GoalRepository(Protocol):
    def add(self, goal: Goal) -> Goal: ...
    def get(self, goal_id: int) -> Goal | None: ...
    def for_learner(self, learner_id: int) -> list[Goal]:
        """The learner's goals, oldest first, with their comments."""
        ...

    def update(self, goal: Goal) -> None:
        """Write back status and note (comments are added with `comment`)."""
        ...

    def comment(self, goal_id: int, comment: GoalComment) -> None: ...
    def comments_by(self, author_id: int) -> list[tuple[int, GoalComment]]:
        """Comments the person wrote on anyone's goals, with the goal's id."""
        ...

    def delete_for_person(self, person_id: int) -> int:
        """Erase the person's goals and every comment they wrote on anyone's goal."""
        ...


class AgreementRepository(Protocol):
    def add(self, agreement: Agreement) -> Agreement: ...
    def get(self, agreement_id: int) -> Agreement | None: ...
    def update(self, agreement: Agreement) -> None:
        """Write back task, goals, version and status, and add responses not yet stored."""
        ...

    def for_learner(self, learner_id: int) -> list[Agreement]: ...
    def for_manager(self, manager_id: int) -> list[Agreement]: ...
    def delete_for_person(self, person_id: int) -> int:
        """Erase agreements the person proposed or was asked to agree to."""
        ...


class PlanRepository(Protocol):
    def get(self, learner_id: int) -> Plan:
        """The learner's plan with its milestones by date (an empty one if none)."""
        ...

    def commit(self, learner_id: int, at: datetime) -> None: ...
    def add_milestone(self, milestone: Milestone) -> Milestone: ...
    def milestone(self, milestone_id: int) -> Milestone | None: ...
    def update_milestone(self, milestone: Milestone) -> None: ...
    def delete_for_person(self, person_id: int) -> int: ...


class TimerRepository(Protocol):
    def set(self, timer: Timer) -> None:
        """Start the timer, or move it if one of that kind and subject runs."""
        ...

    def cancel(self, kind: str, subject: str) -> None: ...
    def due(self, now: datetime, limit: int) -> list[Timer]:
        """Timers due by `now`, locked for this transaction (others skip them)."""
        ...

    def remove(self, timer: Timer) -> None:
        """Remove `timer` if it still falls due when it did (a handler may have moved it)."""
        ...

    def remove_many(self, timers: Sequence[Timer]) -> None:
        """`remove` for many timers, in one statement."""
        ...

    def next_due(self, after: datetime) -> datetime | None: ...


class CoCoachingRepository(Protocol):
    def add(self, record: CoCoaching) -> CoCoaching | None:
        """Store a prompt unless that partnership was prompted at that time already."""
        ...

    def get(self, record_id: int) -> CoCoaching | None: ...
    def update(self, record: CoCoaching) -> None: ...
    def for_partnerships(self, partnership_ids: Iterable[int]) -> list[CoCoaching]: ...
    def delete_for_partnerships(self, partnership_ids: Iterable[int]) -> int: ...


class MeetingRepository(Protocol):
    def add(self, meeting: Meeting) -> Meeting:
        """Store a new meeting; its id is set."""
        ...

    def update(self, meeting: Meeting) -> None: ...
    def latest(self, partnership_id: int) -> Meeting | None:
        """The partnership's most recently made meeting, cancelled or not."""
        ...

    def latest_for_group(self, group_id: int) -> Meeting | None:
        """The learning group's most recently made meeting, cancelled or not."""
        ...

    def for_partnerships(self, partnership_ids: Iterable[int]) -> list[Meeting]: ...
    def delete_for_partnerships(self, partnership_ids: Iterable[int]) -> int: ...


class AdviceRepository(Protocol):
    def add(self, record: AdviceRecord) -> AdviceRecord: ...
    def get(self, record_id: int) -> AdviceRecord | None: ...
    def update(self, record: AdviceRecord) -> None: ...
    def in_group(self, group_id: int) -> list[AdviceRecord]:
        """The group's rounds, oldest first."""
        ...

    def all(self) -> list[AdviceRecord]: ...
    def delete(self, record_id: int) -> None: ...


class CommunityRepository(Protocol):
    """Communities of practice, their members, and the experiences shared in them."""

    def add(self, community: Community) -> Community: ...
    def all(self) -> list[Community]:
        """Every community, oldest first."""
        ...

    def members(self, community_id: int) -> list[CommunityMember]: ...
    def memberships_of(self, person_id: int) -> list[CommunityMember]: ...
    def join(self, member: CommunityMember) -> None: ...
    def leave(self, community_id: int, person_id: int) -> bool:
        """True if `person_id` was a member and is no longer."""
        ...

    def add_post(self, post: CommunityPost) -> CommunityPost: ...
    def posts(self, community_id: int, limit: int | None) -> list[tuple[CommunityPost, DiaryEntry]]:
        """The experiences shared in the community with their diary entries, newest first."""
        ...

    def posts_by(self, author_id: int) -> list[CommunityPost]: ...
    def delete_person(self, person_id: int) -> int:
        """Remove `person_id`'s memberships and posts (not their diary entries); how many."""
        ...


class LrsRepository(Protocol):
    """The LRS lane of the outbox: xAPI statements for the learning record store."""

    def add(self, statement: LrsStatement) -> bool:
        """Store it unless its statement id is stored already; True if stored."""
        ...

    def of_person(self, person_id: int) -> list[LrsStatement]:
        """The person's statements, oldest first (voiding statements are no one's)."""
        ...

    def delete(self, ids: Iterable[int]) -> int: ...
    def claim(
        self, worker: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[LrsStatement]:
        """Take up to `limit` due statements for `worker` (pending and due, or claimed on
        a lease that ran out, or claimed by `worker` itself), oldest due first, each
        with one more attempt; no two workers get the same statement."""
        ...

    def mark_sent(self, ids: Iterable[int], worker: str, now: datetime) -> int:
        """Mark `worker`'s claimed statements sent; how many were still its own."""
        ...

    def release(
        self, ids: Iterable[int], worker: str, due_at: datetime, error: str, count_attempt: bool
    ) -> None:
        """Hand `worker`'s claimed statements back, due at `due_at` (without
        `count_attempt`, the claim's attempt is taken back)."""
        ...

    def mark_failed(self, ids: Iterable[int], worker: str, error: str) -> None: ...
    def all(self) -> list[LrsStatement]:
        """Every statement in the lane, oldest first (for export, tests and operators)."""
        ...


class OutboxRepository(Protocol):
    def add(self, message: OutboxMessage) -> bool:
        """Store `message` unless its idempotency key is already stored; True if stored."""
        ...

    def add_many(self, messages: Sequence[OutboxMessage]) -> list[OutboxMessage]:
        """`add` for many rows in one statement: those stored (their ids set), the ones
        whose key was stored already left out."""
        ...

    def for_recipient(self, person_id: int) -> list[OutboxMessage]: ...
    def delete_for_recipient(self, person_id: int) -> int: ...
    def mentioning(self, needles: Sequence[str]) -> list[OutboxMessage]:
        """Rows to anyone, in any status, whose payload (JSON text) contains one of
        `needles` as JSON writes it (a superset: on SQLite the match ignores ASCII case)."""
        ...

    def delete(self, ids: Iterable[int]) -> int: ...
    def count_proactive(self, person_id: int, start: datetime, end: datetime) -> int:
        """Proactive messages (check-ins, reminders) to `person_id` queued in [start, end),
        whatever became of them, except those skipped."""
        ...

    def count_proactive_many(
        self, windows: Mapping[int, tuple[datetime, datetime]]
    ) -> dict[int, int]:
        """`count_proactive` for many people at once, each in their own [start, end) (a
        local day differs by time zone): person id -> count, in one query."""
        ...

    def claim(
        self,
        worker: str,
        now: datetime,
        lease_until: datetime,
        limit: int,
        platform: Platform | None = None,
    ) -> list[OutboxMessage]:
        """Atomically take up to `limit` rows that are due (or whose claim expired, or
        that `worker` itself claimed before and lost track of) for `worker`, counting an
        attempt on each; only rows for people on `platform`, if given. Concurrent callers
        never get the same row."""
        ...

    def renew(self, worker: str, lease_until: datetime) -> set[int]:
        """Extend the lease of every row `worker` holds to `lease_until`; the ids renewed
        (a row taken over by another worker is not among them)."""
        ...

    def release_all(self, worker: str) -> int:
        """Hand back every row `worker` holds (it is dead), attempts kept; how many."""
        ...

    def held(self, ids: Iterable[int], worker: str, now: datetime) -> set[int]:
        """Those of `ids` still there and claimed by `worker` with a lease running past
        `now` (not erased with their recipient, not due to be taken over)."""
        ...

    def mark_sent(self, ids: Iterable[int], worker: str, now: datetime) -> int:
        """Mark rows sent, if `worker` still holds their claim."""
        ...

    def release(
        self, message_id: int, worker: str, due_at: datetime, error: str, count_attempt: bool
    ) -> None:
        """Give a claimed row back to be tried again at `due_at`."""
        ...

    def mark_failed(self, message_id: int, worker: str, error: str) -> None: ...
    def next_due(self, after: datetime) -> datetime | None:
        """When the earliest pending row due later than `after` falls due, if any."""
        ...


class ScheduleRepository(Protocol):
    def get(self, person_id: int) -> CheckinSchedule | None: ...
    def save(self, schedule: CheckinSchedule) -> None: ...
    def save_many(self, schedules: Sequence[CheckinSchedule]) -> None:
        """Write back many stored schedules (as `due` hands them out) in one statement."""
        ...

    def due(self, now: datetime, limit: int) -> list[CheckinSchedule]:
        """Enabled schedules with `next_due_at <= now`, locked for this transaction;
        rows another transaction holds are skipped, not waited for."""
        ...

    def next_due(self, after: datetime) -> datetime | None:
        """The earliest `next_due_at` of an enabled schedule later than `after`."""
        ...

    def delete(self, person_id: int) -> None: ...


class CheckinRepository(Protocol):
    def add(self, checkin: Checkin) -> bool:
        """Store a check-in unless one for the same person and due time exists."""
        ...

    def add_many(self, checkins: Sequence[Checkin]) -> list[Checkin]:
        """`add` for many check-ins in one statement: those stored (their ids set); one
        whose person and due time were stored already is left out."""
        ...

    def update_many(
        self, checkins: Sequence[Checkin], expected: Iterable[CheckinStatus]
    ) -> set[int]:
        """`update` for many check-ins in one statement: the ids of those written back
        (their stored status was still one of `expected`)."""
        ...

    def set_status_many(
        self, ids: Iterable[int], status: CheckinStatus, expected: Iterable[CheckinStatus]
    ) -> set[int]:
        """Set `status` on those of the check-ins `ids` whose stored status is still one of
        `expected` (as `update` does for one); the ids changed."""
        ...

    def update(self, checkin: Checkin, expected: Iterable[CheckinStatus]) -> bool:
        """Write `checkin` back only if its stored status is still one of `expected`; False
        if it moved on meanwhile (answered on another replica, say), and then nothing."""
        ...

    def pending_for(self, person_id: int) -> Checkin | None:
        """The person's latest check-in that is asked or reminded and not yet answered."""
        ...

    def pending_for_many(self, person_ids: Iterable[int]) -> dict[int, Checkin]:
        """`pending_for` for many people at once (those with none are left out)."""
        ...

    def needing_reminder(self, now: datetime, limit: int) -> list[Checkin]: ...
    def expired(self, now: datetime, limit: int) -> list[Checkin]: ...
    def for_person(self, person_id: int) -> list[Checkin]: ...
    def next_deadline(self, after: datetime) -> datetime | None:
        """The earliest reminder or expiry of a pending check-in later than `after`."""
        ...

    def delete_for_person(self, person_id: int) -> int: ...


class AssessmentRepository(Protocol):
    def add(self, assessment: Assessment) -> Assessment: ...
    def open_for(self, person_id: int) -> Assessment | None:
        """The person's assessment not yet completed, with its ratings so far."""
        ...

    def rate(self, assessment_id: int, ratings: dict[str, int], at: datetime) -> None:
        """Store (or replace) ratings of traits in the assessment."""
        ...

    def complete(self, assessment_id: int, at: datetime) -> None: ...
    def for_person(self, person_id: int) -> list[Assessment]:
        """All of the person's assessments, oldest first, with their ratings."""
        ...

    def delete_for_person(self, person_id: int) -> int: ...


class InboundEventRepository(Protocol):
    def record(self, key: str, at: datetime, window: timedelta | None = None) -> bool:
        """Record that the event `key` is acted on at `at`; False if it was acted on
        before (within `window` of `at`, when a window is given)."""
        ...

    def prune(self, before: datetime) -> int:
        """Forget events received before `before` (platforms retry within minutes)."""
        ...


class InboxRepository(Protocol):
    """Incoming work, recorded before the platform is acknowledged and done exactly once
    (DESIGN.md, "Ingress: ack only what is safe"). The claim is atomic like the outbox's."""

    def add(self, item: InboxItem) -> bool:
        """Record `item` (as it is: pending, or already claimed by the recording worker)
        unless its key is recorded already (a retry or a replay of the same request);
        True if recorded now (then `item.id` is set)."""
        ...

    def add_many(self, items: Sequence[InboxItem]) -> list[InboxItem]:
        """`add` for many items in one statement (a group commit's): those recorded now,
        their ids set; of several with the same key, only the first."""
        ...

    def claim(
        self,
        worker: str,
        now: datetime,
        lease_until: datetime,
        limit: int,
        ids: Iterable[int] | None = None,
        kinds: Iterable[str] | None = None,
    ) -> list[InboxItem]:
        """Atomically take up to `limit` rows that are pending or whose lease ran out by
        `now` (only those of `ids`, and of `kinds`, if given), counting an attempt on
        each, oldest first. Concurrent callers never get the same row."""
        ...

    def renew(
        self, ids: Iterable[int], worker: str, now: datetime, lease_until: datetime
    ) -> set[int]:
        """Extend `worker`'s leases on `ids` that it still holds at `now`; the ids renewed."""
        ...

    def resume(
        self, worker: str, lease_until: datetime, limit: int, busy: Iterable[int]
    ) -> list[InboxItem]:
        """Take back up to `limit` rows `worker` itself claimed and is no longer working
        on (not among `busy`: left when its database went away), whatever their lease,
        with a fresh lease and an attempt counted."""
        ...

    def release_all(self, worker: str) -> int:
        """Hand back every row `worker` holds (it is dead), for others to take now."""
        ...

    def finish(self, item_id: int, worker: str, now: datetime) -> bool:
        """Mark the row done if `worker` still holds it; False if it does not (taken over,
        or done already), and then nothing changes."""
        ...

    def release(self, item_id: int, worker: str, error: str) -> None:
        """Give a claimed row back (pending again) to be tried once more."""
        ...

    def fail(self, item_id: int, worker: str, error: str) -> None:
        """Give up on a claimed row (its attempts are spent)."""
        ...

    def get(self, item_id: int) -> InboxItem | None: ...
    def unheld_mentioning(self, needles: Iterable[str], now: datetime) -> list[InboxItem]:
        """Rows nobody holds (pending, or an expired lease) whose payload holds one of
        `needles` (a person's platform id)."""
        ...

    def erase_mentioning(self, needles: Iterable[str], now: datetime) -> int:
        """Empty and end the rows nobody holds whose payload holds one of `needles`."""
        ...

    def prune(self, before: datetime) -> int:
        """Forget done and failed rows created before `before`; how many."""
        ...


class AskRepository(Protocol):
    """Questions waiting for one person's answer (bot.domain.Ask)."""

    def add(self, ask: Ask) -> Ask: ...
    def get(self, ask_id: int) -> Ask | None:
        """The ask, locked for this transaction (two clicks at once answer it once)."""
        ...

    def update(self, ask: Ask) -> None:
        """Write back status, answer time and data."""
        ...

    def open_for_group(self, group_id: int, kind: AskKind) -> list[Ask]: ...
    def of_person(self, person_id: int) -> list[Ask]:
        """Asks the person answers or that concern them (`about_id`), oldest first."""
        ...

    def delete_for_person(self, person_id: int) -> int:
        """Erase asks the person answers or that concern them."""
        ...


class UnitOfWork(Protocol):
    """One transaction. Leaving the `with` block without `commit()` rolls everything back.
    It also collects the domain events its use case publishes (bot.events).

    The repositories are read-only members: the core only reads them, and read-only
    protocol members let an implementation expose its concrete repository types."""

    @property
    def people(self) -> PeopleRepository: ...
    @property
    def diary(self) -> DiaryRepository: ...
    @property
    def cohorts(self) -> CohortRepository: ...
    @property
    def memberships(self) -> MembershipRepository: ...
    @property
    def partnerships(self) -> PartnershipRepository: ...
    @property
    def groups(self) -> GroupRepository: ...
    @property
    def proposals(self) -> ProposalRepository: ...
    @property
    def outbox(self) -> OutboxRepository: ...
    @property
    def schedules(self) -> ScheduleRepository: ...
    @property
    def checkins(self) -> CheckinRepository: ...
    @property
    def inbound(self) -> InboundEventRepository: ...
    @property
    def inbox(self) -> InboxRepository: ...
    @property
    def assessments(self) -> AssessmentRepository: ...
    @property
    def goals(self) -> GoalRepository: ...
    @property
    def agreements(self) -> AgreementRepository: ...
    @property
    def plans(self) -> PlanRepository: ...
    @property
    def timers(self) -> TimerRepository: ...
    @property
    def cocoaching(self) -> CoCoachingRepository: ...
    @property
    def meetings(self) -> MeetingRepository: ...
    @property
    def advice(self) -> AdviceRepository: ...
    @property
    def communities(self) -> CommunityRepository: ...
    @property
    def asks(self) -> AskRepository: ...
    @property
    def lrs(self) -> LrsRepository: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None:
        """Undo the transaction's changes and forget the events it published."""
        ...

    def rehearsal(self) -> AbstractContextManager[None]:
        """A nested transaction that is always undone, with the events published in it:
        to learn what a change would do by doing it (what an erasure would erase, counted
        by the code that erases). What was done before it stays as it was."""
        ...

    def publish(self, event: Event) -> None:
        """Record that `event` happened in this transaction (bot.events); the message
        bus hands it to its handlers before the commit."""
        ...

    def collect_new_events(self) -> list[Event]:
        """The events published since the last call, oldest first, each handed out once."""
        ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...


class OutboxListener(Protocol):
    """Told after a commit that wrote to the outbox, so delivery starts at once."""

    def outbox_written(self) -> None: ...
