"""Slack people in bulk for the operations tests, known to the fake Slack Web API, with
outbox rows due now or check-in schedules that fell due a minute ago."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, insert, select

from bot.checkins import CheckinSchedule
from bot.replies import Audience, Reply
from storage.checkins import SqlSchedules
from storage.tables import outbox, people
from tests.support.fake_slack import TEAM, FakeSlack


def add_people(
    engine: Engine, fake: FakeSlack, count: int, now: datetime | None = None
) -> list[int]:
    now = now or datetime.now(UTC)
    ids = []
    with engine.begin() as connection:
        for i in range(count):
            user = f"U{i:05d}"
            fake.add_user(user, f"user{i}", tz="UTC")
            ids.append(
                connection.execute(
                    insert(people).returning(people.c.id),
                    {
                        "platform": "slack",
                        "workspace": TEAM,
                        "user_id": user,
                        "display_name": f"user{i}",
                        "timezone": "UTC",
                        "locale": "en",
                        "is_facilitator": False,
                        "timezone_chosen": False,
                        "created_at": now,
                    },
                ).scalar_one()
            )
    return ids


def queue_messages(engine: Engine, fake: FakeSlack, count: int) -> list[str]:
    """One outbox row due now for each of `count` new people; their idempotency keys."""
    now = datetime.now(UTC)
    ids = add_people(engine, fake, count)
    keys = [f"ops:{i}" for i in range(count)]
    with engine.begin() as connection:
        connection.execute(
            insert(outbox),
            [
                {
                    "recipient_id": pid,
                    "payload": Reply(
                        text="Time for your check-in.", audience=Audience.DM, recipient_id=pid
                    ).model_dump_json(),
                    "idempotency_key": key,
                    "due_at": now - timedelta(seconds=1),
                    "status": "pending",
                    "attempts": 0,
                    "created_at": now,
                    "kind": "checkin",
                }
                for pid, key in zip(ids, keys, strict=True)
            ],
        )
    return keys


def schedule_checkins(
    engine: Engine, fake: FakeSlack, count: int, now: datetime | None = None
) -> None:
    """`count` new people whose daily check-in at the minute before `now` (by default the
    wall clock's) fell due then: well inside the grace window, and asked at once."""
    now = now or datetime.now(UTC)
    ids = add_people(engine, fake, count, now)
    due = (now - timedelta(minutes=1)).replace(second=0, microsecond=0)
    with engine.begin() as connection:
        schedules = SqlSchedules(connection)
        for pid in ids:
            schedule = CheckinSchedule(pid, frozenset(range(7)), due.time(), now)
            schedule.next_due_at = due
            schedules.save(schedule)


def posted_keys(fake: FakeSlack) -> Counter[str]:
    """How often each idempotency key reached a DM (from the posts' message metadata)."""
    with fake._lock:
        posts = [m for channel in fake.messages.values() for m in channel]
    return Counter((m.get("metadata") or {}).get("event_payload", {}).get("key") for m in posts)


def outbox_rows(engine: Engine) -> list[dict]:
    with engine.connect() as connection:
        return [
            dict(row._mapping)
            for row in connection.execute(
                select(
                    outbox.c.idempotency_key,
                    outbox.c.status,
                    outbox.c.claimed_by,
                    outbox.c.attempts,
                    outbox.c.sent_at,
                    outbox.c.kind,
                )
            )
        ]
