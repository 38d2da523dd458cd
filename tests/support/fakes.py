"""In-memory implementations of the core's ports, with the same transaction semantics as
storage/: a unit of work works on a copy and only `commit()` makes its changes stick."""

from __future__ import annotations

import copy
import json
from collections.abc import Collection, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import TracebackType
from typing import Self

from bot.assessments import Assessment
from bot.checkins import PENDING, Checkin, CheckinSchedule, CheckinStatus
from bot.domain import (
    PROACTIVE_KINDS,
    AdviceRecord,
    Ask,
    AskKind,
    AskStatus,
    Circle,
    Cohort,
    Community,
    CommunityMember,
    CommunityPost,
    DiaryEntry,
    Identity,
    InboxItem,
    InboxStatus,
    LearningGroup,
    LrsStatement,
    Membership,
    MembershipStatus,
    OutboxMessage,
    OutboxStatus,
    Partnership,
    Person,
    Platform,
    Role,
    Visibility,
)
from bot.events import EventLog
from bot.goals import Agreement, Goal, GoalComment
from bot.plans import CoCoaching, Meeting, Milestone, Plan
from bot.timers import Timer


@dataclass
class FakeState:
    people: dict[int, Person] = field(default_factory=dict)
    diary: dict[int, DiaryEntry] = field(default_factory=dict)
    diary_numbered: dict[int, int] = field(default_factory=dict)  # author -> last number
    cohorts: dict[int, Cohort] = field(default_factory=dict)
    memberships: list[Membership] = field(default_factory=list)
    partnerships: dict[int, Partnership] = field(default_factory=dict)
    groups: dict[int, LearningGroup] = field(default_factory=dict)  # members: ever
    group_left: dict[tuple[int, int], datetime] = field(default_factory=dict)  # (group, person)
    proposals: dict[tuple[int, str], tuple[list[list[int]], list[str]]] = field(
        default_factory=dict
    )
    exclusions: set[tuple[int, int]] = field(default_factory=set)
    plans: dict[int, datetime] = field(default_factory=dict)  # learner -> committed at
    milestones: dict[int, Milestone] = field(default_factory=dict)
    timers: dict[tuple[str, str], Timer] = field(default_factory=dict)
    cocoaching: dict[int, CoCoaching] = field(default_factory=dict)
    meetings: dict[int, Meeting] = field(default_factory=dict)
    advice: dict[int, AdviceRecord] = field(default_factory=dict)
    communities: dict[int, Community] = field(default_factory=dict)
    community_members: list[CommunityMember] = field(default_factory=list)
    community_posts: dict[int, CommunityPost] = field(default_factory=dict)
    outbox: dict[str, OutboxMessage] = field(default_factory=dict)
    claims: dict[int, tuple[str, datetime]] = field(default_factory=dict)  # id -> worker, until
    schedules: dict[int, CheckinSchedule] = field(default_factory=dict)
    checkins: dict[int, Checkin] = field(default_factory=dict)
    inbound: dict[str, datetime] = field(default_factory=dict)
    inbox: dict[int, InboxItem] = field(default_factory=dict)
    inbox_keys: set[str] = field(default_factory=set)
    assessments: dict[int, Assessment] = field(default_factory=dict)
    goals: dict[int, Goal] = field(default_factory=dict)
    agreements: dict[int, Agreement] = field(default_factory=dict)
    asks: dict[int, Ask] = field(default_factory=dict)
    lrs: dict[int, LrsStatement] = field(default_factory=dict)  # the LRS lane, by row id
    lrs_claims: dict[int, tuple[str, datetime]] = field(default_factory=dict)
    last_id: int = 0

    def new_id(self) -> int:
        self.last_id += 1
        return self.last_id


def _stored(row_id: int | None) -> int:
    """The id of a row the fake state holds (`add` gave it one)."""
    assert row_id is not None, "a stored row without an id"
    return row_id


class FakePeople:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def add(self, person: Person) -> Person:
        if (existing := self.by_identity(person.identity)) is not None:
            return existing
        person.id = self._s.new_id()
        self._s.people[person.id] = replace(person)
        return person

    def get(self, person_id: int) -> Person | None:
        found = self._s.people.get(person_id)
        return replace(found) if found else None

    def by_identity(self, identity: Identity) -> Person | None:
        for person in self._s.people.values():
            if person.identity == identity:
                return replace(person)
        return None

    def find_in_workspace(self, identity: Identity, name: str) -> list[Person]:
        same = [
            p
            for p in self._s.people.values()
            if (p.identity.platform, p.identity.workspace)
            == (identity.platform, identity.workspace)
        ]
        exact = [replace(p) for p in same if p.identity.user_id == name]
        return exact or [replace(p) for p in same if p.display_name.casefold() == name.casefold()]

    def update(self, person: Person) -> None:
        assert person.id in self._s.people
        self._s.people[person.id] = replace(person)

    def get_many(self, person_ids: Iterable[int]) -> dict[int, Person]:
        return {i: replace(self._s.people[i]) for i in set(person_ids) if i in self._s.people}

    def count(self) -> int:
        return len(self._s.people)

    def facilitators(self, refs: Collection[str]) -> list[Person]:
        return [
            replace(p)
            for _, p in sorted(self._s.people.items())
            if p.is_facilitator or p.identity.ref in refs
        ]

    def delete(self, person_id: int) -> None:
        self._s.people.pop(person_id, None)
        self._s.diary_numbered.pop(person_id, None)


class FakeDiary:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def add(self, entry: DiaryEntry) -> DiaryEntry:
        assert entry.author_id in self._s.people, "author must exist"
        assert all(r.person_id in self._s.people for r in entry.audience), "reader must exist"
        entry.id = self._s.new_id()
        entry.number = self._s.diary_numbered.get(entry.author_id, 0) + 1
        self._s.diary_numbered[entry.author_id] = entry.number
        self._s.diary[entry.id] = replace(entry)
        return entry

    def by_author(
        self,
        author_id: int,
        visibilities: Iterable[Visibility],
        limit: int | None,
        offset: int = 0,
    ) -> list[DiaryEntry]:
        wanted = set(visibilities)
        found = [
            replace(e)
            for e in self._s.diary.values()
            if e.author_id == author_id and e.visibility in wanted
        ]
        found.sort(key=lambda e: (e.created_at, e.id or 0), reverse=True)
        found = found[offset:]
        return found[:limit] if limit is not None else found

    def count_by_author(self, author_id: int) -> int:
        return sum(1 for e in self._s.diary.values() if e.author_id == author_id)

    def by_number(self, author_id: int, number: int) -> DiaryEntry | None:
        for entry in self._s.diary.values():
            if entry.author_id == author_id and entry.number == number:
                return replace(entry)
        return None

    def update_text(self, entry: DiaryEntry) -> bool:
        stored = self._s.diary.get(entry.id) if entry.id is not None else None
        if stored is None or stored.author_id != entry.author_id:
            return False
        stored.text, stored.tags = entry.text, tuple(entry.tags)
        return True

    def delete(self, entry: DiaryEntry) -> bool:
        stored = self._s.diary.get(entry.id) if entry.id is not None else None
        if entry.id is None or stored is None or stored.author_id != entry.author_id:
            return False
        for checkin in self._s.checkins.values():
            if checkin.entry_id == entry.id:
                checkin.entry_id = None
        for post_id in [i for i, p in self._s.community_posts.items() if p.entry_id == entry.id]:
            del self._s.community_posts[post_id]
        del self._s.diary[entry.id]  # (its audience with it)
        return True

    def delete_by_author(self, author_id: int) -> int:
        doomed = [i for i, e in self._s.diary.items() if e.author_id == author_id]
        assert not any(p.entry_id in doomed for p in self._s.community_posts.values()), (
            "a community post refers to the entry (a foreign key in storage)"
        )
        for i in doomed:
            del self._s.diary[i]
        for entry in self._s.diary.values():  # out of others' audiences (a foreign key)
            entry.audience = tuple(r for r in entry.audience if r.person_id != author_id)
        return len(doomed)

    def containing(self, needles: Sequence[str]) -> list[DiaryEntry]:
        wanted = [n for n in needles if n]
        found = [replace(e) for e in self._s.diary.values() if any(n in e.text for n in wanted)]
        return sorted(found, key=lambda e: (e.created_at, e.id or 0))

    def rewrite(self, entry_id: int, text: str) -> None:
        if entry_id in self._s.diary:
            self._s.diary[entry_id].text = text


class FakeCohorts:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def add(self, cohort: Cohort) -> Cohort:
        cohort.id = self._s.new_id()
        self._s.cohorts[cohort.id] = replace(cohort)
        return cohort

    def get(self, cohort_id: int) -> Cohort | None:
        found = self._s.cohorts.get(cohort_id)
        return replace(found) if found else None

    def all(self) -> list[Cohort]:
        return [replace(c) for _, c in sorted(self._s.cohorts.items())]

    def update(self, cohort: Cohort) -> None:
        self._s.cohorts[_stored(cohort.id)] = replace(cohort)


def _now_in(state: FakeState, group: LearningGroup) -> LearningGroup:
    """The group with the members whose membership has not ended."""
    found = copy.deepcopy(group)
    found.members = tuple(m for m in group.members if (group.id, m) not in state.group_left)
    return found


class FakeMemberships:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def members(self, cohort_id: int) -> list[Membership]:
        return [m for m in self._s.memberships if m.cohort_id == cohort_id]

    def add(self, membership: Membership) -> None:
        self._s.memberships.append(replace(membership, id=self._s.new_id()))

    def of(self, person_id: int) -> list[Membership]:
        return [m for m in self._s.memberships if m.person_id == person_id]

    def set_status(
        self, cohort_id: int, person_id: int, role: Role, status: MembershipStatus
    ) -> int:
        changed = 0
        for i, m in enumerate(self._s.memberships):
            if (m.cohort_id, m.person_id, m.role) == (cohort_id, person_id, role):
                again = status in (MembershipStatus.ACTIVE, MembershipStatus.INVITED)
                self._s.memberships[i] = replace(
                    m, status=status, ended_at=None if again else m.ended_at
                )
                changed += 1
        return changed

    def end(self, cohort_id: int, at: datetime, person_id: int | None = None) -> int:
        changed = 0
        for i, m in enumerate(self._s.memberships):
            if (
                m.cohort_id == cohort_id
                and m.ended_at is None
                and (person_id is None or m.person_id == person_id)
            ):
                self._s.memberships[i] = replace(m, ended_at=at)
                changed += 1
        return changed

    def end_tutor_relations(self, cohort_id: int, learner_id: int, at: datetime) -> int:
        changed = 0
        for i, m in enumerate(self._s.memberships):
            if m.cohort_id == cohort_id and m.accompanies == learner_id and m.ended_at is None:
                self._s.memberships[i] = replace(m, ended_at=at)
                changed += 1
        return changed

    def circles_of(self, person_id: int) -> list[Circle]:
        found = [
            Circle(Visibility.PARTNER, p.id or 0, p.cohort_id, frozenset(p.members))
            for p in self._s.partnerships.values()
            if person_id in p.members and p.ended_at is None
        ]
        for g in self._s.groups.values():
            now = _now_in(self._s, g)
            if person_id in now.members and g.ended_at is None:
                found.append(
                    Circle(Visibility.GROUP, g.id or 0, g.cohort_id, frozenset(now.members))
                )
        for m in self._s.memberships:
            if (
                m.role is Role.TUTOR
                and m.accompanies is not None
                and person_id in (m.person_id, m.accompanies)
                and m.status is MembershipStatus.ACTIVE
                and m.ended_at is None
            ):
                found.append(
                    Circle(
                        Visibility.TUTOR,
                        m.id or 0,
                        m.cohort_id,
                        frozenset({m.person_id, m.accompanies}),
                        learner_id=m.accompanies,
                    )
                )
        return found

    def delete_person(self, person_id: int) -> int:
        before = len(self._s.memberships)
        kept = [m for m in self._s.memberships if m.person_id != person_id]
        self._s.memberships = [
            replace(m, accompanies=None) if m.accompanies == person_id else m for m in kept
        ]
        return before - len(kept)


class FakePartnerships:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def in_cohort(self, cohort_id: int) -> list[Partnership]:
        return [copy.deepcopy(p) for p in self._s.partnerships.values() if p.cohort_id == cohort_id]

    def add(self, cohort_id: int, person_ids: Sequence[int], at: datetime) -> int:
        partnership_id = self._s.new_id()
        self._s.partnerships[partnership_id] = Partnership(
            cohort_id, tuple(sorted(person_ids)), at, id=partnership_id
        )
        return partnership_id

    def get(self, partnership_id: int) -> Partnership | None:
        found = self._s.partnerships.get(partnership_id)
        return copy.deepcopy(found) if found else None

    def end(self, partnership_id: int, at: datetime) -> None:
        self._s.partnerships[partnership_id].ended_at = at

    def of(self, person_id: int) -> Partnership | None:
        found = [
            p
            for p in self._s.partnerships.values()
            if person_id in p.members and p.ended_at is None
        ]
        return copy.deepcopy(found[-1]) if found else None

    def pair_history(self, person_ids: Iterable[int]) -> list[tuple[int, int, datetime]]:
        wanted = set(person_ids)
        history = []
        for p in self._s.partnerships.values():
            members = [m for m in p.members if m in wanted]
            for i, a in enumerate(members):
                for b in members[i + 1 :]:
                    history.append((a, b, p.created_at))
        return history

    def delete_person(self, person_id: int) -> int:
        removed = 0
        for partnership in self._s.partnerships.values():
            if person_id in partnership.members:
                partnership.members = tuple(m for m in partnership.members if m != person_id)
                removed += 1
        return removed


class FakeGroups:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def in_cohort(self, cohort_id: int) -> list[LearningGroup]:
        return [_now_in(self._s, g) for g in self._s.groups.values() if g.cohort_id == cohort_id]

    def add(self, cohort_id: int, name: str, person_ids: Sequence[int], at: datetime) -> int:
        group_id = self._s.new_id()
        self._s.groups[group_id] = LearningGroup(
            cohort_id, name, tuple(sorted(person_ids)), at, id=group_id
        )
        return group_id

    def get(self, group_id: int) -> LearningGroup | None:
        found = self._s.groups.get(group_id)
        return _now_in(self._s, found) if found else None

    def of(self, person_id: int) -> LearningGroup | None:
        found = [
            g
            for g in (_now_in(self._s, g) for g in self._s.groups.values())
            if person_id in g.members and g.ended_at is None
        ]
        return found[-1] if found else None

    def end(self, group_id: int, at: datetime) -> None:
        group = self._s.groups[group_id]
        if group.ended_at is None:
            group.ended_at = at

    def set_space(self, group_id: int, space: str) -> None:
        self._s.groups[group_id].space = space

    def claim_space(self, group_id: int, space: str) -> str:
        group = self._s.groups[group_id]
        if group.space is None:
            group.space = space
        return group.space

    def leave(self, cohort_id: int, person_id: int, at: datetime) -> int:
        left = 0
        for group in self._s.groups.values():
            key = (group.id or 0, person_id)
            if (
                group.cohort_id == cohort_id
                and person_id in group.members
                and key not in self._s.group_left
            ):
                self._s.group_left[key] = at
                left += 1
        return left

    def delete_person(self, person_id: int) -> int:
        removed = 0
        for group in self._s.groups.values():
            if person_id in group.members:
                group.members = tuple(m for m in group.members if m != person_id)
                removed += 1
        self._s.group_left = {k: v for k, v in self._s.group_left.items() if k[1] != person_id}
        return removed


class FakeProposals:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def save(
        self, cohort_id: int, kind: str, circles: list[list[int]], notes: list[str], at: datetime
    ) -> None:
        self._s.proposals[(cohort_id, kind)] = (copy.deepcopy(circles), list(notes))

    def get(self, cohort_id: int, kind: str) -> tuple[list[list[int]], list[str]] | None:
        found = self._s.proposals.get((cohort_id, kind))
        return copy.deepcopy(found) if found else None

    def drop(self, cohort_id: int, kind: str) -> None:
        self._s.proposals.pop((cohort_id, kind), None)

    def with_person(self, person_id: int) -> list[tuple[int, str]]:
        return sorted(
            key
            for key, (circles, _notes) in self._s.proposals.items()
            if any(person_id in circle for circle in circles)
        )

    def exclude(self, person_id: int, other_id: int) -> None:
        self._s.exclusions.add((person_id, other_id))

    def exclusions(self, person_ids: Iterable[int]) -> dict[int, set[int]]:
        found: dict[int, set[int]] = {p: set() for p in person_ids}
        for a, b in self._s.exclusions:
            if a in found:
                found[a].add(b)
        return found

    def delete_person(self, person_id: int) -> int:
        gone = {e for e in self._s.exclusions if person_id in e}
        self._s.exclusions -= gone
        return len(gone)


def _next_number(rows: Iterable[Goal | Milestone | Agreement], learner_id: int) -> int:
    """A learner's next own number (max + 1, as storage/numbers.py gives it)."""
    return 1 + max((r.number or 0 for r in rows if r.learner_id == learner_id), default=0)


class FakePlans:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def get(self, learner_id: int) -> Plan:
        mine = [m for m in self._s.milestones.values() if m.learner_id == learner_id]
        mine.sort(key=lambda m: (m.due_on, m.id))
        return Plan(learner_id, self._s.plans.get(learner_id), [replace(m) for m in mine])

    def commit(self, learner_id: int, at: datetime) -> None:
        self._s.plans[learner_id] = at

    def add_milestone(self, milestone: Milestone) -> Milestone:
        milestone.id = self._s.new_id()
        milestone.number = _next_number(self._s.milestones.values(), milestone.learner_id)
        self._s.milestones[milestone.id] = replace(milestone)
        return milestone

    def milestone(self, milestone_id: int) -> Milestone | None:
        found = self._s.milestones.get(milestone_id)
        return replace(found) if found else None

    def update_milestone(self, milestone: Milestone) -> None:
        self._s.milestones[_stored(milestone.id)] = replace(milestone)

    def delete_for_person(self, person_id: int) -> int:
        self._s.plans.pop(person_id, None)
        doomed = [i for i, m in self._s.milestones.items() if m.learner_id == person_id]
        for i in doomed:
            del self._s.milestones[i]
        return len(doomed)


class FakeTimers:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def set(self, timer: Timer) -> None:
        self._s.timers[(timer.kind, timer.subject)] = timer

    def cancel(self, kind: str, subject: str) -> None:
        self._s.timers.pop((kind, subject), None)

    def due(self, now: datetime, limit: int) -> list[Timer]:
        return sorted(
            (t for t in self._s.timers.values() if t.due_at <= now), key=lambda t: t.due_at
        )[:limit]

    def remove(self, timer: Timer) -> None:
        if self._s.timers.get((timer.kind, timer.subject)) == timer:
            del self._s.timers[(timer.kind, timer.subject)]

    def remove_many(self, timers: Sequence[Timer]) -> None:
        for timer in timers:
            self.remove(timer)

    def next_due(self, after: datetime) -> datetime | None:
        return min((t.due_at for t in self._s.timers.values() if t.due_at > after), default=None)


class FakeCoCoaching:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def add(self, record: CoCoaching) -> CoCoaching | None:
        for existing in self._s.cocoaching.values():
            if (existing.partnership_id, existing.prompted_at) == (
                record.partnership_id,
                record.prompted_at,
            ):
                return None
        record.id = self._s.new_id()
        record.number = 1 + max(
            (
                c.number or 0
                for c in self._s.cocoaching.values()
                if c.partnership_id == record.partnership_id
            ),
            default=0,
        )
        self._s.cocoaching[record.id] = replace(record)
        return record

    def get(self, record_id: int) -> CoCoaching | None:
        found = self._s.cocoaching.get(record_id)
        return replace(found) if found else None

    def update(self, record: CoCoaching) -> None:
        self._s.cocoaching[_stored(record.id)] = replace(record)

    def delete_for_partnerships(self, partnership_ids: Iterable[int]) -> int:
        wanted = set(partnership_ids)
        doomed = [i for i, c in self._s.cocoaching.items() if c.partnership_id in wanted]
        for i in doomed:
            del self._s.cocoaching[i]
        return len(doomed)

    def for_partnerships(self, partnership_ids: Iterable[int]) -> list[CoCoaching]:
        wanted = set(partnership_ids)
        return sorted(
            (replace(c) for c in self._s.cocoaching.values() if c.partnership_id in wanted),
            key=lambda c: c.prompted_at,
        )


class FakeMeetings:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def add(self, meeting: Meeting) -> Meeting:
        meeting.id = self._s.new_id()
        self._s.meetings[meeting.id] = replace(meeting)
        return meeting

    def update(self, meeting: Meeting) -> None:
        self._s.meetings[_stored(meeting.id)] = replace(meeting)

    def latest(self, partnership_id: int) -> Meeting | None:
        mine = [m for m in self._s.meetings.values() if m.partnership_id == partnership_id]
        return replace(max(mine, key=lambda m: m.id or 0)) if mine else None

    def latest_for_group(self, group_id: int) -> Meeting | None:
        ours = [m for m in self._s.meetings.values() if m.group_id == group_id]
        return replace(max(ours, key=lambda m: m.id or 0)) if ours else None

    def for_partnerships(self, partnership_ids: Iterable[int]) -> list[Meeting]:
        wanted = set(partnership_ids)
        return sorted(
            (replace(m) for m in self._s.meetings.values() if m.partnership_id in wanted),
            key=lambda m: m.id or 0,
        )

    def delete_for_partnerships(self, partnership_ids: Iterable[int]) -> int:
        wanted = set(partnership_ids)
        doomed = [i for i, m in self._s.meetings.items() if m.partnership_id in wanted]
        for i in doomed:
            del self._s.meetings[i]
        return len(doomed)


class FakeOutbox:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def add(self, message: OutboxMessage) -> bool:
        if message.idempotency_key in self._s.outbox:
            return False
        message.id = self._s.new_id()
        self._s.outbox[message.idempotency_key] = replace(message)
        return True

    def add_many(self, messages: Sequence[OutboxMessage]) -> list[OutboxMessage]:
        return [m for m in messages if self.add(m)]

    def for_recipient(self, person_id: int) -> list[OutboxMessage]:
        return [replace(m) for m in self._s.outbox.values() if m.recipient_id == person_id]

    def delete_for_recipient(self, person_id: int) -> int:
        doomed = [k for k, m in self._s.outbox.items() if m.recipient_id == person_id]
        for key in doomed:
            del self._s.outbox[key]
        return len(doomed)

    def mentioning(self, needles: Sequence[str]) -> list[OutboxMessage]:
        forms = [json.dumps(n, ensure_ascii=False)[1:-1] for n in needles if n]
        found = [replace(m) for m in self._s.outbox.values() if any(f in m.payload for f in forms)]
        return sorted(found, key=lambda m: m.id or 0)

    def delete(self, ids: Iterable[int]) -> int:
        wanted = set(ids)
        doomed = [k for k, m in self._s.outbox.items() if m.id in wanted]
        for key in doomed:
            del self._s.outbox[key]
        return len(doomed)

    def count_proactive(self, person_id: int, start: datetime, end: datetime) -> int:
        return sum(
            1
            for m in self._s.outbox.values()
            if m.recipient_id == person_id
            and m.kind in PROACTIVE_KINDS
            and start <= m.created_at < end
            and m.status is not OutboxStatus.SKIPPED
        )

    def count_proactive_many(
        self, windows: Mapping[int, tuple[datetime, datetime]]
    ) -> dict[int, int]:
        return {person: self.count_proactive(person, *window) for person, window in windows.items()}

    def _by_id(self, message_id: int) -> OutboxMessage:
        return next(m for m in self._s.outbox.values() if m.id == message_id)

    def claim(
        self,
        worker: str,
        now: datetime,
        lease_until: datetime,
        limit: int,
        platform: Platform | None = None,
    ) -> list[OutboxMessage]:
        def claimable(m: OutboxMessage) -> bool:
            person = self._s.people.get(m.recipient_id)
            if platform is not None and (
                person is None or person.identity.platform is not platform
            ):
                return False
            if m.status is OutboxStatus.PENDING:
                return m.due_at <= now
            if m.status is not OutboxStatus.CLAIMED:
                return False
            holder, until = self._s.claims[_stored(m.id)]
            return until < now or holder == worker

        chosen = sorted(filter(claimable, self._s.outbox.values()), key=lambda m: (m.due_at, m.id))
        for message in chosen[:limit]:
            message.status, message.attempts = OutboxStatus.CLAIMED, message.attempts + 1
            self._s.claims[_stored(message.id)] = (worker, lease_until)
        return [replace(m) for m in chosen[:limit]]

    def _held(self, message_id: int, worker: str) -> OutboxMessage | None:
        message = self._by_id(message_id)
        holder = self._s.claims.get(message_id)
        held = message.status is OutboxStatus.CLAIMED and holder and holder[0] == worker
        return message if held else None

    def renew(self, worker: str, lease_until: datetime) -> set[int]:
        renewed = set()
        for message_id in map(_stored, (m.id for m in self._s.outbox.values())):
            if self._held(message_id, worker) is not None:
                self._s.claims[message_id] = (worker, lease_until)
                renewed.add(message_id)
        return renewed

    def release_all(self, worker: str) -> int:
        released = 0
        for message in self._s.outbox.values():
            if self._held(_stored(message.id), worker) is not None:
                message.status = OutboxStatus.PENDING
                del self._s.claims[_stored(message.id)]
                released += 1
        return released

    def held(self, ids: Iterable[int], worker: str, now: datetime) -> set[int]:
        present = {m.id for m in self._s.outbox.values()}
        return {
            i
            for i in ids
            if i in present and self._held(i, worker) is not None and self._s.claims[i][1] > now
        }

    def mark_sent(self, ids: Iterable[int], worker: str, now: datetime) -> int:
        done = 0
        for message_id in ids:
            if (message := self._held(message_id, worker)) is not None:
                message.status, message.sent_at = OutboxStatus.SENT, now
                done += 1
        return done

    def release(
        self, message_id: int, worker: str, due_at: datetime, error: str, count_attempt: bool
    ) -> None:
        if (message := self._held(message_id, worker)) is not None:
            message.status, message.due_at, message.last_error = OutboxStatus.PENDING, due_at, error
            message.attempts -= 0 if count_attempt else 1

    def mark_failed(self, message_id: int, worker: str, error: str) -> None:
        if (message := self._held(message_id, worker)) is not None:
            message.status, message.last_error = OutboxStatus.FAILED, error

    def next_due(self, after: datetime) -> datetime | None:
        pending = [
            m.due_at
            for m in self._s.outbox.values()
            if m.status is OutboxStatus.PENDING and m.due_at > after
        ]
        return min(pending, default=None)


class FakeSchedules:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def get(self, person_id: int) -> CheckinSchedule | None:
        found = self._s.schedules.get(person_id)
        return replace(found) if found else None

    def save(self, schedule: CheckinSchedule) -> None:
        self._s.schedules[schedule.person_id] = replace(schedule)

    def save_many(self, schedules: Sequence[CheckinSchedule]) -> None:
        for schedule in schedules:
            if schedule.person_id in self._s.schedules:  # stored ones only, as in SQL
                self.save(schedule)

    def due(self, now: datetime, limit: int) -> list[CheckinSchedule]:
        due = sorted(
            (
                (s.next_due_at, s)
                for s in self._s.schedules.values()
                if s.enabled and s.next_due_at is not None and s.next_due_at <= now
            ),
            key=lambda pair: pair[0],
        )
        return [replace(s) for _, s in due[:limit]]

    def next_due(self, after: datetime) -> datetime | None:
        times = [s.next_due_at for s in self._s.schedules.values() if s.enabled and s.next_due_at]
        return min((t for t in times if t > after), default=None)

    def delete(self, person_id: int) -> None:
        self._s.schedules.pop(person_id, None)


class FakeCheckins:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def add(self, checkin: Checkin) -> bool:
        if any(
            (c.person_id, c.due_at) == (checkin.person_id, checkin.due_at)
            for c in self._s.checkins.values()
        ):
            return False
        checkin.id = self._s.new_id()
        self._s.checkins[checkin.id] = replace(checkin)
        return True

    def add_many(self, checkins: Sequence[Checkin]) -> list[Checkin]:
        return [c for c in checkins if self.add(c)]

    def update_many(
        self, checkins: Sequence[Checkin], expected: Iterable[CheckinStatus]
    ) -> set[int]:
        allowed = list(expected)
        return {c.id for c in checkins if c.id is not None and self.update(c, allowed)}

    def set_status_many(
        self, ids: Iterable[int], status: CheckinStatus, expected: Iterable[CheckinStatus]
    ) -> set[int]:
        allowed, changed = set(expected), set()
        for checkin_id in set(ids):
            stored = self._s.checkins.get(checkin_id)
            if stored is not None and stored.status in allowed:
                self._s.checkins[checkin_id] = replace(stored, status=status)
                changed.add(checkin_id)
        return changed

    def update(self, checkin: Checkin, expected: Iterable[CheckinStatus]) -> bool:
        stored = self._s.checkins.get(checkin.id) if checkin.id is not None else None
        if checkin.id is None or stored is None or stored.status not in set(expected):
            return False
        self._s.checkins[checkin.id] = replace(checkin)
        return True

    def pending_for(self, person_id: int) -> Checkin | None:
        pending = [
            c for c in self._s.checkins.values() if c.person_id == person_id and c.status in PENDING
        ]
        pending.sort(key=lambda c: (c.asked_at, c.id))
        return replace(pending[-1]) if pending else None

    def pending_for_many(self, person_ids: Iterable[int]) -> dict[int, Checkin]:
        found = {person: self.pending_for(person) for person in set(person_ids)}
        return {person: checkin for person, checkin in found.items() if checkin is not None}

    def needing_reminder(self, now: datetime, limit: int) -> list[Checkin]:
        found = sorted(
            (
                (c.remind_at, c)
                for c in self._s.checkins.values()
                if c.status is CheckinStatus.ASKED
                and c.remind_at is not None
                and c.remind_at <= now
            ),
            key=lambda pair: pair[0],
        )
        return [replace(c) for _, c in found[:limit]]

    def expired(self, now: datetime, limit: int) -> list[Checkin]:
        found = sorted(
            (
                (c.expires_at, c)
                for c in self._s.checkins.values()
                if c.status in PENDING and c.expires_at is not None and c.expires_at <= now
            ),
            key=lambda pair: pair[0],
        )
        return [replace(c) for _, c in found[:limit]]

    def for_person(self, person_id: int) -> list[Checkin]:
        found = [replace(c) for c in self._s.checkins.values() if c.person_id == person_id]
        return sorted(found, key=lambda c: c.due_at)

    def next_deadline(self, after: datetime) -> datetime | None:
        times = [
            c.remind_at
            for c in self._s.checkins.values()
            if c.status is CheckinStatus.ASKED and c.remind_at
        ] + [
            c.expires_at for c in self._s.checkins.values() if c.status in PENDING and c.expires_at
        ]
        return min((t for t in times if t > after), default=None)

    def delete_for_person(self, person_id: int) -> int:
        doomed = [i for i, c in self._s.checkins.items() if c.person_id == person_id]
        for i in doomed:
            del self._s.checkins[i]
        return len(doomed)


class FakeInbound:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def record(self, key: str, at: datetime, window: timedelta | None = None) -> bool:
        last = self._s.inbound.get(key)
        if last is not None and (window is None or at - last < window):
            return False
        self._s.inbound[key] = at
        return True

    def prune(self, before: datetime) -> int:
        old = [k for k, at in self._s.inbound.items() if at < before]
        for key in old:
            del self._s.inbound[key]
        return len(old)


class FakeInbox:
    """The inbox in memory: a unique key, claims with leases, done only by the holder."""

    def __init__(self, state: FakeState) -> None:
        self._s = state

    def add(self, item: InboxItem) -> bool:
        if item.key in self._s.inbox_keys:
            return False
        item.id = self._s.new_id()
        self._s.inbox_keys.add(item.key)
        self._s.inbox[item.id] = replace(item, payload=copy.deepcopy(item.payload))
        return True

    def add_many(self, items: Sequence[InboxItem]) -> list[InboxItem]:
        return [item for item in items if self.add(item)]

    def claim(
        self,
        worker: str,
        now: datetime,
        lease_until: datetime,
        limit: int,
        ids: Iterable[int] | None = None,
        kinds: Iterable[str] | None = None,
    ) -> list[InboxItem]:
        wanted = None if ids is None else set(ids)
        of_kind = None if kinds is None else set(kinds)

        def claimable(item: InboxItem) -> bool:
            if wanted is not None and item.id not in wanted:
                return False
            if of_kind is not None and item.kind not in of_kind:
                return False
            if item.status is InboxStatus.PENDING:
                return True
            return (
                item.status is InboxStatus.CLAIMED
                and item.claimed_until is not None
                and item.claimed_until < now
            )

        chosen = sorted(
            filter(claimable, self._s.inbox.values()), key=lambda i: (i.created_at, i.id)
        )
        for item in chosen[:limit]:
            item.status, item.claimed_by, item.claimed_until = (
                InboxStatus.CLAIMED,
                worker,
                lease_until,
            )
            item.attempts += 1
        return [replace(i, payload=copy.deepcopy(i.payload)) for i in chosen[:limit]]

    def _held(self, item_id: int, worker: str) -> InboxItem | None:
        item = self._s.inbox.get(item_id)
        if item is None or item.status is not InboxStatus.CLAIMED or item.claimed_by != worker:
            return None
        return item

    def renew(
        self, ids: Iterable[int], worker: str, now: datetime, lease_until: datetime
    ) -> set[int]:
        renewed = set()
        for item_id in ids:
            item = self._held(item_id, worker)
            if item is not None and item.claimed_until is not None and item.claimed_until >= now:
                item.claimed_until = lease_until
                renewed.add(item_id)
        return renewed

    def resume(
        self, worker: str, lease_until: datetime, limit: int, busy: Iterable[int]
    ) -> list[InboxItem]:
        skip = set(busy)
        mine = sorted(
            (
                i
                for i in self._s.inbox.values()
                if i.status is InboxStatus.CLAIMED and i.claimed_by == worker and i.id not in skip
            ),
            key=lambda i: (i.created_at, i.id),
        )[:limit]
        for item in mine:
            item.claimed_until = lease_until
            item.attempts += 1
        return [replace(i, payload=copy.deepcopy(i.payload)) for i in mine]

    def release_all(self, worker: str) -> int:
        mine = [
            i
            for i in self._s.inbox.values()
            if i.status is InboxStatus.CLAIMED and i.claimed_by == worker
        ]
        for item in mine:
            item.status, item.claimed_by, item.claimed_until = InboxStatus.PENDING, None, None
        return len(mine)

    def finish(self, item_id: int, worker: str, now: datetime) -> bool:
        item = self._held(item_id, worker)
        if item is None:
            return False
        item.status, item.claimed_until, item.payload = InboxStatus.DONE, None, {}
        return True

    def release(self, item_id: int, worker: str, error: str) -> None:
        if (item := self._held(item_id, worker)) is not None:
            item.status, item.claimed_by, item.claimed_until = InboxStatus.PENDING, None, None
            item.last_error = error

    def fail(self, item_id: int, worker: str, error: str) -> None:
        if (item := self._held(item_id, worker)) is not None:
            item.status, item.claimed_until, item.last_error = InboxStatus.FAILED, None, error
            item.payload = {}

    def get(self, item_id: int) -> InboxItem | None:
        item = self._s.inbox.get(item_id)
        return replace(item, payload=copy.deepcopy(item.payload)) if item else None

    def unheld_mentioning(self, needles: Iterable[str], now: datetime) -> list[InboxItem]:
        wanted = [n for n in needles if n]
        return [
            replace(item)
            for item in self._s.inbox.values()
            if (
                item.status is InboxStatus.PENDING
                or (
                    item.status is InboxStatus.CLAIMED
                    and item.claimed_until is not None
                    and item.claimed_until < now
                )
            )
            and any(n in json.dumps(item.payload, ensure_ascii=False) for n in wanted)
        ]

    def erase_mentioning(self, needles: Iterable[str], now: datetime) -> int:
        doomed = [_stored(item.id) for item in self.unheld_mentioning(needles, now)]
        for i in doomed:
            self._s.inbox[i] = replace(
                self._s.inbox[i],
                status=InboxStatus.FAILED,
                payload={},
                claimed_until=None,
                last_error="erased",
            )
        return len(doomed)

    def prune(self, before: datetime) -> int:
        doomed = [
            i
            for i, item in self._s.inbox.items()
            if item.status in (InboxStatus.DONE, InboxStatus.FAILED) and item.created_at < before
        ]
        for i in doomed:
            self._s.inbox_keys.discard(self._s.inbox.pop(i).key)
        return len(doomed)


class FakeAssessments:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def add(self, assessment: Assessment) -> Assessment:
        assessment.id = self._s.new_id()
        self._s.assessments[assessment.id] = replace(assessment, ratings=dict(assessment.ratings))
        return assessment

    def open_for(self, person_id: int) -> Assessment | None:
        found = [a for a in self.for_person(person_id) if a.completed_at is None]
        return found[-1] if found else None

    def rate(self, assessment_id: int, ratings: dict[str, int], at: datetime) -> None:
        self._s.assessments[assessment_id].ratings.update(ratings)

    def complete(self, assessment_id: int, at: datetime) -> None:
        self._s.assessments[assessment_id].completed_at = at

    def for_person(self, person_id: int) -> list[Assessment]:
        return [
            replace(a, ratings=dict(a.ratings))
            for _, a in sorted(self._s.assessments.items())
            if a.person_id == person_id
        ]

    def delete_for_person(self, person_id: int) -> int:
        doomed = [i for i, a in self._s.assessments.items() if a.person_id == person_id]
        for i in doomed:
            del self._s.assessments[i]
        return len(doomed)


class FakeGoals:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def add(self, goal: Goal) -> Goal:
        goal.id = self._s.new_id()
        goal.number = _next_number(self._s.goals.values(), goal.learner_id)
        self._s.goals[goal.id] = copy.deepcopy(goal)
        return goal

    def get(self, goal_id: int) -> Goal | None:
        found = self._s.goals.get(goal_id)
        return copy.deepcopy(found) if found else None

    def for_learner(self, learner_id: int) -> list[Goal]:
        return [
            copy.deepcopy(g) for _, g in sorted(self._s.goals.items()) if g.learner_id == learner_id
        ]

    def update(self, goal: Goal) -> None:
        stored = self._s.goals[_stored(goal.id)]
        stored.status, stored.status_note = goal.status, goal.status_note

    def comment(self, goal_id: int, comment: GoalComment) -> None:
        self._s.goals[goal_id].comments.append(comment)

    def comments_by(self, author_id: int) -> list[tuple[int, GoalComment]]:
        return [
            (goal_id, c)
            for goal_id, goal in sorted(self._s.goals.items())
            for c in goal.comments
            if c.author_id == author_id
        ]

    def delete_for_person(self, person_id: int) -> int:
        removed = 0
        for goal in self._s.goals.values():
            kept = [c for c in goal.comments if c.author_id != person_id]
            removed += len(goal.comments) - len(kept)
            goal.comments = kept
            if goal.set_by == person_id:
                goal.set_by = goal.learner_id
        doomed = [i for i, g in self._s.goals.items() if g.learner_id == person_id]
        for i in doomed:
            removed += 1 + len(self._s.goals[i].comments)
            del self._s.goals[i]
        return removed


class FakeAgreements:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def add(self, agreement: Agreement) -> Agreement:
        agreement.id = self._s.new_id()
        agreement.number = _next_number(self._s.agreements.values(), agreement.learner_id)
        self._s.agreements[agreement.id] = copy.deepcopy(agreement)
        return agreement

    def get(self, agreement_id: int) -> Agreement | None:
        found = self._s.agreements.get(agreement_id)
        return copy.deepcopy(found) if found else None

    def update(self, agreement: Agreement) -> None:
        self._s.agreements[_stored(agreement.id)] = copy.deepcopy(agreement)

    def for_learner(self, learner_id: int) -> list[Agreement]:
        return [
            copy.deepcopy(a)
            for _, a in sorted(self._s.agreements.items())
            if a.learner_id == learner_id
        ]

    def for_manager(self, manager_id: int) -> list[Agreement]:
        return [
            copy.deepcopy(a)
            for _, a in sorted(self._s.agreements.items())
            if a.manager_id == manager_id
        ]

    def delete_for_person(self, person_id: int) -> int:
        doomed = [
            i for i, a in self._s.agreements.items() if person_id in (a.learner_id, a.manager_id)
        ]
        for i in doomed:
            del self._s.agreements[i]
        return len(doomed)


class FakeAdvice:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def add(self, record: AdviceRecord) -> AdviceRecord:
        record.id = self._s.new_id()
        self._s.advice[record.id] = copy.deepcopy(record)
        return record

    def get(self, record_id: int) -> AdviceRecord | None:
        found = self._s.advice.get(record_id)
        return copy.deepcopy(found) if found else None

    def update(self, record: AdviceRecord) -> None:
        self._s.advice[_stored(record.id)] = copy.deepcopy(record)

    def in_group(self, group_id: int) -> list[AdviceRecord]:
        return [
            copy.deepcopy(r) for _, r in sorted(self._s.advice.items()) if r.group_id == group_id
        ]

    def all(self) -> list[AdviceRecord]:
        return [copy.deepcopy(r) for _, r in sorted(self._s.advice.items())]

    def delete(self, record_id: int) -> None:
        self._s.advice.pop(record_id, None)


class FakeCommunities:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def add(self, community: Community) -> Community:
        assert all(c.name != community.name for c in self._s.communities.values()), "unique"
        community.id = self._s.new_id()
        self._s.communities[community.id] = replace(community)
        return community

    def all(self) -> list[Community]:
        return [replace(c) for _, c in sorted(self._s.communities.items())]

    def members(self, community_id: int) -> list[CommunityMember]:
        return [m for m in self._s.community_members if m.community_id == community_id]

    def memberships_of(self, person_id: int) -> list[CommunityMember]:
        found = [m for m in self._s.community_members if m.person_id == person_id]
        return sorted(found, key=lambda m: m.community_id)

    def join(self, member: CommunityMember) -> None:
        assert member.community_id in self._s.communities
        assert member.person_id in self._s.people
        assert (member.community_id, member.person_id) not in {
            (m.community_id, m.person_id) for m in self._s.community_members
        }, "one membership each"
        self._s.community_members.append(member)

    def leave(self, community_id: int, person_id: int) -> bool:
        before = len(self._s.community_members)
        self._s.community_members = [
            m
            for m in self._s.community_members
            if (m.community_id, m.person_id) != (community_id, person_id)
        ]
        return len(self._s.community_members) < before

    def add_post(self, post: CommunityPost) -> CommunityPost:
        assert post.entry_id in self._s.diary, "the entry must exist"
        post.id = self._s.new_id()
        self._s.community_posts[post.id] = replace(post)
        return post

    def posts(self, community_id: int, limit: int | None) -> list[tuple[CommunityPost, DiaryEntry]]:
        found = [
            (replace(p), replace(self._s.diary[p.entry_id]))
            for p in self._s.community_posts.values()
            if p.community_id == community_id
        ]
        found.sort(key=lambda pair: (pair[0].created_at, pair[0].id or 0), reverse=True)
        return found[:limit] if limit is not None else found

    def posts_by(self, author_id: int) -> list[CommunityPost]:
        return [
            replace(p)
            for _, p in sorted(self._s.community_posts.items())
            if p.author_id == author_id
        ]

    def delete_person(self, person_id: int) -> int:
        posts = [i for i, p in self._s.community_posts.items() if p.author_id == person_id]
        for i in posts:
            del self._s.community_posts[i]
        before = len(self._s.community_members)
        self._s.community_members = [
            m for m in self._s.community_members if m.person_id != person_id
        ]
        return len(posts) + before - len(self._s.community_members)


class FakeAsks:
    def __init__(self, state: FakeState) -> None:
        self._s = state

    def add(self, ask: Ask) -> Ask:
        ask.id = self._s.new_id()
        self._s.asks[ask.id] = copy.deepcopy(ask)
        return ask

    def get(self, ask_id: int) -> Ask | None:
        found = self._s.asks.get(ask_id)
        return copy.deepcopy(found) if found else None

    def update(self, ask: Ask) -> None:
        assert ask.id is not None
        stored = self._s.asks[ask.id]
        stored.status, stored.answered_at = ask.status, ask.answered_at
        stored.data = copy.deepcopy(ask.data)

    def open_for_group(self, group_id: int, kind: AskKind) -> list[Ask]:
        return [
            copy.deepcopy(a)
            for a in self._s.asks.values()
            if a.group_id == group_id and a.kind == kind and a.status is AskStatus.OPEN
        ]

    def of_person(self, person_id: int) -> list[Ask]:
        return [
            copy.deepcopy(a)
            for a in self._s.asks.values()
            if person_id in (a.person_id, a.about_id)
        ]

    def delete_for_person(self, person_id: int) -> int:
        gone = [i for i, a in self._s.asks.items() if person_id in (a.person_id, a.about_id)]
        for ask_id in gone:
            del self._s.asks[ask_id]
        return len(gone)


class FakeLrs:
    """The LRS lane, as storage/lrs.py keeps it."""

    def __init__(self, state: FakeState) -> None:
        self._s = state

    def add(self, statement: LrsStatement) -> bool:
        if any(s.statement_id == statement.statement_id for s in self._s.lrs.values()):
            return False
        statement.id = self._s.new_id()
        self._s.lrs[statement.id] = replace(statement)
        return True

    def of_person(self, person_id: int) -> list[LrsStatement]:
        return [replace(s) for s in self._s.lrs.values() if s.person_id == person_id]

    def all(self) -> list[LrsStatement]:
        return [replace(s) for s in self._s.lrs.values()]

    def delete(self, ids: Iterable[int]) -> int:
        doomed = set(ids) & set(self._s.lrs)
        for row_id in doomed:
            del self._s.lrs[row_id]
            self._s.lrs_claims.pop(row_id, None)
        return len(doomed)

    def claim(
        self, worker: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[LrsStatement]:
        def claimable(s: LrsStatement) -> bool:
            if s.status is OutboxStatus.PENDING:
                return s.due_at <= now
            if s.status is not OutboxStatus.CLAIMED:
                return False
            holder, until = self._s.lrs_claims[_stored(s.id)]
            return until < now or holder == worker

        chosen = sorted(filter(claimable, self._s.lrs.values()), key=lambda s: (s.due_at, s.id))
        for statement in chosen[:limit]:
            statement.status, statement.attempts = OutboxStatus.CLAIMED, statement.attempts + 1
            self._s.lrs_claims[_stored(statement.id)] = (worker, lease_until)
        return [replace(s) for s in chosen[:limit]]

    def _held(self, ids: Iterable[int], worker: str) -> list[LrsStatement]:
        return [
            self._s.lrs[i]
            for i in ids
            if i in self._s.lrs
            and self._s.lrs[i].status is OutboxStatus.CLAIMED
            and self._s.lrs_claims.get(i, ("", None))[0] == worker
        ]

    def mark_sent(self, ids: Iterable[int], worker: str, now: datetime) -> int:
        held = self._held(ids, worker)
        for statement in held:
            statement.status, statement.sent_at = OutboxStatus.SENT, now
            del self._s.lrs_claims[_stored(statement.id)]
        return len(held)

    def release(
        self, ids: Iterable[int], worker: str, due_at: datetime, error: str, count_attempt: bool
    ) -> None:
        for statement in self._held(ids, worker):
            statement.status, statement.due_at, statement.last_error = (
                OutboxStatus.PENDING,
                due_at,
                error,
            )
            if not count_attempt:
                statement.attempts -= 1
            del self._s.lrs_claims[_stored(statement.id)]

    def mark_failed(self, ids: Iterable[int], worker: str, error: str) -> None:
        for statement in self._held(ids, worker):
            statement.status, statement.last_error = OutboxStatus.FAILED, error
            del self._s.lrs_claims[_stored(statement.id)]


class FakeUnitOfWork(EventLog):
    """Works on a deep copy of the shared state; `commit()` publishes it. Collects the
    domain events published in it, as storage's unit of work does."""

    def __init__(self, database: FakeDatabase) -> None:
        super().__init__()
        self._database = database
        self.committed = False

    def __enter__(self) -> Self:
        self._begin()
        return self

    def _begin(self) -> None:
        """A fresh copy of the committed state, and repositories over it (as after a
        SQL rollback, later writes in the same unit of work start from what is stored)."""
        self.discard()
        self._over(copy.deepcopy(self._database.state))

    @contextmanager
    def rehearsal(self) -> Iterator[None]:
        kept = copy.deepcopy(self._state)
        with self._events_kept():
            try:
                yield
            finally:
                self._over(kept)

    def _over(self, state: FakeState) -> None:
        self._state = state
        self.people = FakePeople(self._state)
        self.diary = FakeDiary(self._state)
        self.cohorts = FakeCohorts(self._state)
        self.memberships = FakeMemberships(self._state)
        self.partnerships = FakePartnerships(self._state)
        self.groups = FakeGroups(self._state)
        self.proposals = FakeProposals(self._state)
        self.outbox = FakeOutbox(self._state)
        self.schedules = FakeSchedules(self._state)
        self.checkins = FakeCheckins(self._state)
        self.inbound = FakeInbound(self._state)
        self.inbox = FakeInbox(self._state)
        self.assessments = FakeAssessments(self._state)
        self.goals = FakeGoals(self._state)
        self.agreements = FakeAgreements(self._state)
        self.plans = FakePlans(self._state)
        self.timers = FakeTimers(self._state)
        self.cocoaching = FakeCoCoaching(self._state)
        self.meetings = FakeMeetings(self._state)
        self.advice = FakeAdvice(self._state)
        self.communities = FakeCommunities(self._state)
        self.asks = FakeAsks(self._state)
        self.lrs = FakeLrs(self._state)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.rollback()

    def commit(self) -> None:
        self._database.state = copy.deepcopy(self._state)
        self._database.commits += 1
        self.committed = True

    def rollback(self) -> None:
        self._begin()


class FakeDatabase:
    """The shared in-memory 'database' and the factory of units of work over it."""

    def __init__(self) -> None:
        self.state = FakeState()
        self.commits = 0

    def __call__(self) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)
