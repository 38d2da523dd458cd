"""Check-in schedules and check-ins. The `due`, `needing_reminder` and `expired` queries
lock what they return (PostgreSQL: FOR UPDATE SKIP LOCKED), so replicas share the work."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, time
from typing import Any

from sqlalchemy import Connection, Row, delete, func, select, update

from bot.checkins import PENDING, Checkin, CheckinSchedule, CheckinStatus
from storage.dialect import insert_many_or_ignore, insert_or_ignore, matched, update_many
from storage.tables import checkin_schedules, checkins

_PENDING = [s.value for s in PENDING]


class SqlSchedules:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def get(self, person_id: int) -> CheckinSchedule | None:
        row = self._c.execute(
            select(checkin_schedules).where(checkin_schedules.c.person_id == person_id)
        ).first()
        return _schedule(row) if row else None

    def save(self, schedule: CheckinSchedule) -> None:
        values = _schedule_values(schedule)
        updated = self._c.execute(
            update(checkin_schedules)
            .where(checkin_schedules.c.person_id == schedule.person_id)
            .values(values)
        ).rowcount
        if not updated:
            self._c.execute(
                checkin_schedules.insert().values(
                    person_id=schedule.person_id, created_at=schedule.created_at, **values
                )
            )

    def save_many(self, schedules: Sequence[CheckinSchedule]) -> None:
        rows = [{"person_id": s.person_id, **_schedule_values(s)} for s in schedules]
        update_many(self._c, checkin_schedules, "person_id", rows)

    def due(self, now: datetime, limit: int) -> list[CheckinSchedule]:
        rows = self._c.execute(
            select(checkin_schedules)
            .where(checkin_schedules.c.enabled, checkin_schedules.c.next_due_at <= now)
            .order_by(checkin_schedules.c.next_due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_schedule(row) for row in rows]

    def next_due(self, after: datetime) -> datetime | None:
        return self._c.execute(
            select(func.min(checkin_schedules.c.next_due_at)).where(
                checkin_schedules.c.enabled, checkin_schedules.c.next_due_at > after
            )
        ).scalar_one_or_none()

    def delete(self, person_id: int) -> None:
        self._c.execute(delete(checkin_schedules).where(checkin_schedules.c.person_id == person_id))


def _schedule_values(schedule: CheckinSchedule) -> dict[str, Any]:
    return {
        "weekdays": ",".join(str(d) for d in sorted(schedule.weekdays)),
        "wall_time": schedule.wall_time.strftime("%H:%M"),
        "enabled": schedule.enabled,
        "paused_until": schedule.paused_until,
        "next_due_at": schedule.next_due_at,
    }


def _schedule(row: Row[Any]) -> CheckinSchedule:
    hours, minutes = (int(part) for part in row.wall_time.split(":"))
    return CheckinSchedule(
        person_id=row.person_id,
        weekdays=frozenset(int(d) for d in row.weekdays.split(",") if d),
        wall_time=time(hours, minutes),
        enabled=row.enabled,
        paused_until=row.paused_until,
        next_due_at=row.next_due_at,
        created_at=row.created_at,
    )


class SqlCheckins:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, checkin: Checkin) -> bool:
        stored = self._c.execute(
            insert_or_ignore(self._c, checkins, ["person_id", "due_at"])
            .values(person_id=checkin.person_id, due_at=checkin.due_at, **_values(checkin))
            .returning(checkins.c.id)
        ).scalar_one_or_none()
        if stored is None:
            return False
        checkin.id = stored
        return True

    def add_many(self, checkins_: Sequence[Checkin]) -> list[Checkin]:
        if not checkins_:
            return []
        # One INSERT of many rows; the rows a conflict left out are not returned, so those
        # stored are known by person and due time.
        rows = insert_many_or_ignore(
            self._c,
            checkins,
            ["person_id", "due_at"],
            [{"person_id": c.person_id, "due_at": c.due_at, **_values(c)} for c in checkins_],
            returning=[checkins.c.id, checkins.c.person_id, checkins.c.due_at],
        )
        ids = {(row.person_id, row.due_at): row.id for row in rows}
        return matched(checkins_, ids, lambda c: (c.person_id, c.due_at))

    def set_status_many(
        self, ids: Iterable[int], status: CheckinStatus, expected: Iterable[CheckinStatus]
    ) -> set[int]:
        wanted = sorted(set(ids))
        if not wanted:
            return set()
        rows = self._c.execute(
            update(checkins)
            .where(checkins.c.id.in_(wanted), checkins.c.status.in_([s.value for s in expected]))
            .values(status=status.value)
            .returning(checkins.c.id)
        )
        return set(rows.scalars())

    def update_many(
        self, checkins_: Sequence[Checkin], expected: Iterable[CheckinStatus]
    ) -> set[int]:
        rows = [{"id": c.id, **_values(c)} for c in checkins_ if c.id is not None]
        only = [s.value for s in expected]
        return update_many(self._c, checkins, "id", rows, only_if=("status", only))

    def update(self, checkin: Checkin, expected: Iterable[CheckinStatus]) -> bool:
        statement = (
            update(checkins)
            .where(checkins.c.id == checkin.id, checkins.c.status.in_([s.value for s in expected]))
            .values(_values(checkin))
        )
        return self._c.execute(statement).rowcount == 1

    def pending_for(self, person_id: int) -> Checkin | None:
        row = self._c.execute(
            select(checkins)
            .where(checkins.c.person_id == person_id, checkins.c.status.in_(_PENDING))
            .order_by(checkins.c.asked_at.desc(), checkins.c.id.desc())
            .limit(1)
        ).first()
        return _checkin(row) if row else None

    def pending_for_many(self, person_ids: Iterable[int]) -> dict[int, Checkin]:
        wanted = list(set(person_ids))
        if not wanted:
            return {}
        rows = self._c.execute(
            select(checkins)
            .where(checkins.c.person_id.in_(wanted), checkins.c.status.in_(_PENDING))
            .order_by(checkins.c.person_id, checkins.c.asked_at.desc(), checkins.c.id.desc())
        )
        latest: dict[int, Checkin] = {}
        for row in rows:
            latest.setdefault(row.person_id, _checkin(row))
        return latest

    def needing_reminder(self, now: datetime, limit: int) -> list[Checkin]:
        return self._locked(
            checkins.c.status == CheckinStatus.ASKED.value,
            checkins.c.remind_at <= now,
            order=checkins.c.remind_at,
            limit=limit,
        )

    def expired(self, now: datetime, limit: int) -> list[Checkin]:
        return self._locked(
            checkins.c.status.in_(_PENDING),
            checkins.c.expires_at <= now,
            order=checkins.c.expires_at,
            limit=limit,
        )

    def for_person(self, person_id: int) -> list[Checkin]:
        rows = self._c.execute(
            select(checkins).where(checkins.c.person_id == person_id).order_by(checkins.c.due_at)
        )
        return [_checkin(row) for row in rows]

    def next_deadline(self, after: datetime) -> datetime | None:
        reminder = self._c.execute(
            select(func.min(checkins.c.remind_at)).where(
                checkins.c.status == CheckinStatus.ASKED.value, checkins.c.remind_at > after
            )
        ).scalar_one_or_none()
        expiry = self._c.execute(
            select(func.min(checkins.c.expires_at)).where(
                checkins.c.status.in_(_PENDING), checkins.c.expires_at > after
            )
        ).scalar_one_or_none()
        return min((t for t in (reminder, expiry) if t is not None), default=None)

    def delete_for_person(self, person_id: int) -> int:
        return self._c.execute(delete(checkins).where(checkins.c.person_id == person_id)).rowcount

    def _locked(self, *conditions: Any, order: Any, limit: int) -> list[Checkin]:
        rows = self._c.execute(
            select(checkins)
            .where(*conditions)
            .order_by(order)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_checkin(row) for row in rows]


def _values(checkin: Checkin) -> dict[str, Any]:
    return {
        "status": checkin.status.value,
        "questions": list(checkin.questions),
        "requested": checkin.requested,
        "asked_at": checkin.asked_at,
        "remind_at": checkin.remind_at,
        "expires_at": checkin.expires_at,
        "reminded_at": checkin.reminded_at,
        "answered_at": checkin.answered_at,
        "entry_id": checkin.entry_id,
        "skip_reason": checkin.skip_reason,
    }


def _checkin(row: Row[Any]) -> Checkin:
    return Checkin(
        id=row.id,
        person_id=row.person_id,
        due_at=row.due_at,
        status=CheckinStatus(row.status),
        questions=tuple(row.questions),
        requested=row.requested,
        asked_at=row.asked_at,
        remind_at=row.remind_at,
        expires_at=row.expires_at,
        reminded_at=row.reminded_at,
        answered_at=row.answered_at,
        entry_id=row.entry_id,
        skip_reason=row.skip_reason,
    )
