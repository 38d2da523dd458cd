"""Learning plans with their milestones, timers, and co-coaching prompts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from bot.plans import CoCoaching, Meeting, Milestone, Plan
from bot.timers import Timer
from storage.dialect import insert_or_ignore
from storage.numbers import next_number
from storage.tables import (
    cocoaching,
    learning_plans,
    meetings,
    milestones,
    partnerships,
    people,
    timers,
)


def _milestone(row: Row[Any]) -> Milestone:
    return Milestone(
        id=row.id,
        learner_id=row.learner_id,
        title=row.title,
        due_on=row.due_on,
        goal_id=row.goal_id,
        evidence=row.evidence,
        created_at=row.created_at,
        done_at=row.done_at,
        reflection=row.reflection,
        number=row.number,
    )


class SqlPlans:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def get(self, learner_id: int) -> Plan:
        committed = self._c.execute(
            select(learning_plans.c.committed_at).where(learning_plans.c.learner_id == learner_id)
        ).scalar()
        rows = self._c.execute(
            select(milestones)
            .where(milestones.c.learner_id == learner_id)
            .order_by(milestones.c.due_on, milestones.c.id)
        )
        return Plan(learner_id, committed, [_milestone(r) for r in rows])

    def commit(self, learner_id: int, at: datetime) -> None:
        self._c.execute(delete(learning_plans).where(learning_plans.c.learner_id == learner_id))
        self._c.execute(insert(learning_plans), {"learner_id": learner_id, "committed_at": at})

    def add_milestone(self, milestone: Milestone) -> Milestone:
        milestone.number = next_number(
            self._c, milestones, "learner_id", milestone.learner_id, people
        )
        milestone.id = self._c.execute(
            insert(milestones).returning(milestones.c.id),
            {
                "learner_id": milestone.learner_id,
                "title": milestone.title,
                "due_on": milestone.due_on,
                "goal_id": milestone.goal_id,
                "evidence": milestone.evidence,
                "created_at": milestone.created_at,
                "done_at": milestone.done_at,
                "reflection": milestone.reflection,
                "number": milestone.number,
            },
        ).scalar_one()
        return milestone

    def milestone(self, milestone_id: int) -> Milestone | None:
        row = self._c.execute(select(milestones).where(milestones.c.id == milestone_id)).first()
        return _milestone(row) if row else None

    def update_milestone(self, milestone: Milestone) -> None:
        self._c.execute(
            update(milestones)
            .where(milestones.c.id == milestone.id)
            .values(done_at=milestone.done_at, reflection=milestone.reflection)
        )

    def delete_for_person(self, person_id: int) -> int:
        self._c.execute(delete(learning_plans).where(learning_plans.c.learner_id == person_id))
        return self._c.execute(
            delete(milestones).where(milestones.c.learner_id == person_id)
        ).rowcount


class SqlTimers:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def set(self, timer: Timer) -> None:
        self.cancel(timer.kind, timer.subject)
        self._c.execute(
            insert(timers), {"kind": timer.kind, "subject": timer.subject, "due_at": timer.due_at}
        )

    def cancel(self, kind: str, subject: str) -> None:
        self._c.execute(delete(timers).where(timers.c.kind == kind, timers.c.subject == subject))

    def due(self, now: datetime, limit: int) -> list[Timer]:
        rows = self._c.execute(
            select(timers)
            .where(timers.c.due_at <= now)
            .order_by(timers.c.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [Timer(r.kind, r.subject, r.due_at) for r in rows]

    def remove(self, timer: Timer) -> None:
        self._c.execute(
            delete(timers).where(
                timers.c.kind == timer.kind,
                timers.c.subject == timer.subject,
                timers.c.due_at == timer.due_at,
            )
        )

    def remove_many(self, timers_: Sequence[Timer]) -> None:
        if not timers_:
            return
        self._c.execute(
            _REMOVE_TIMER,
            [{"b_kind": t.kind, "b_subject": t.subject, "b_due_at": t.due_at} for t in timers_],
        )

    def next_due(self, after: datetime) -> datetime | None:
        return self._c.execute(
            select(func.min(timers.c.due_at)).where(timers.c.due_at > after)
        ).scalar()


class SqlCoCoaching:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, record: CoCoaching) -> CoCoaching | None:
        number = next_number(
            self._c, cocoaching, "partnership_id", record.partnership_id, partnerships
        )
        statement = insert_or_ignore(self._c, cocoaching, ["partnership_id", "prompted_at"])
        inserted = self._c.execute(
            statement.values(
                partnership_id=record.partnership_id,
                prompted_at=record.prompted_at,
                outcome=record.outcome,
                answered_at=record.answered_at,
                number=number,
            ).returning(cocoaching.c.id)
        ).scalar()
        if inserted is None:
            return None
        record.id, record.number = inserted, number
        return record

    def get(self, record_id: int) -> CoCoaching | None:
        row = self._c.execute(select(cocoaching).where(cocoaching.c.id == record_id)).first()
        return (
            CoCoaching(
                row.partnership_id,
                row.prompted_at,
                row.outcome,
                row.answered_at,
                row.id,
                row.number,
            )
            if row
            else None
        )

    def update(self, record: CoCoaching) -> None:
        self._c.execute(
            update(cocoaching)
            .where(cocoaching.c.id == record.id)
            .values(outcome=record.outcome, answered_at=record.answered_at)
        )

    def delete_for_partnerships(self, partnership_ids: Iterable[int]) -> int:
        wanted = list(set(partnership_ids))
        if not wanted:
            return 0
        return self._c.execute(
            delete(cocoaching).where(cocoaching.c.partnership_id.in_(wanted))
        ).rowcount

    def for_partnerships(self, partnership_ids: Iterable[int]) -> list[CoCoaching]:
        wanted = list(set(partnership_ids))
        if not wanted:
            return []
        rows = self._c.execute(
            select(cocoaching)
            .where(cocoaching.c.partnership_id.in_(wanted))
            .order_by(cocoaching.c.prompted_at)
        )
        return [
            CoCoaching(r.partnership_id, r.prompted_at, r.outcome, r.answered_at, r.id, r.number)
            for r in rows
        ]


def _meeting(row: Row[Any]) -> Meeting:
    return Meeting(
        partnership_id=row.partnership_id,
        starts_at=row.starts_at,
        minutes=row.minutes,
        created_at=row.created_at,
        sequence=row.sequence,
        cancelled=bool(row.cancelled),
        id=row.id,
        group_id=row.group_id,
    )


class SqlMeetings:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, meeting: Meeting) -> Meeting:
        meeting.id = self._c.execute(
            insert(meetings)
            .values(
                partnership_id=meeting.partnership_id,
                group_id=meeting.group_id,
                starts_at=meeting.starts_at,
                minutes=meeting.minutes,
                sequence=meeting.sequence,
                cancelled=meeting.cancelled,
                created_at=meeting.created_at,
            )
            .returning(meetings.c.id)
        ).scalar_one()
        return meeting

    def update(self, meeting: Meeting) -> None:
        self._c.execute(
            update(meetings)
            .where(meetings.c.id == meeting.id)
            .values(
                starts_at=meeting.starts_at,
                minutes=meeting.minutes,
                sequence=meeting.sequence,
                cancelled=meeting.cancelled,
            )
        )

    def latest(self, partnership_id: int) -> Meeting | None:
        return self._latest(meetings.c.partnership_id == partnership_id)

    def latest_for_group(self, group_id: int) -> Meeting | None:
        return self._latest(meetings.c.group_id == group_id)

    def _latest(self, which: ColumnElement[bool]) -> Meeting | None:
        row = self._c.execute(
            select(meetings).where(which).order_by(meetings.c.id.desc()).limit(1)
        ).first()
        return _meeting(row) if row else None

    def for_partnerships(self, partnership_ids: Iterable[int]) -> list[Meeting]:
        wanted = list(set(partnership_ids))
        if not wanted:
            return []
        rows = self._c.execute(
            select(meetings).where(meetings.c.partnership_id.in_(wanted)).order_by(meetings.c.id)
        )
        return [_meeting(r) for r in rows]

    def delete_for_partnerships(self, partnership_ids: Iterable[int]) -> int:
        wanted = list(set(partnership_ids))
        if not wanted:
            return 0
        return self._c.execute(
            delete(meetings).where(meetings.c.partnership_id.in_(wanted))
        ).rowcount


_REMOVE_TIMER = delete(timers).where(
    timers.c.kind == bindparam("b_kind"),
    timers.c.subject == bindparam("b_subject"),
    timers.c.due_at == bindparam("b_due_at"),
)
