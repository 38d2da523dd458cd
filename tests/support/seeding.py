"""Bulk test data for the outbox: many due rows over a set of people, inserted in a few
statements (the repositories insert one at a time, which would dominate a benchmark)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, insert, text

from bot.replies import Audience, Reply
from storage.tables import metadata, outbox, people


def empty_all_tables(engine: Engine) -> None:
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":  # no dead rows left behind to skew timings
            names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
            connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in reversed(metadata.sorted_tables):
                connection.execute(table.delete())


_RESTART_SEQUENCES = (
    "SELECT setval(s.oid, 1, false) FROM pg_class s"
    " JOIN pg_namespace n ON n.oid = s.relnamespace"
    " WHERE s.relkind = 'S' AND n.nspname = current_schema()"
)


def empty_for_a_test(engine: Engine) -> None:
    """Every table emptied and every id sequence back at 1, as `empty_all_tables` leaves
    them, in one round trip: on PostgreSQL a DELETE of a few rows takes milliseconds where
    TRUNCATE of 33 tables takes a third of a second (it makes new files for each)."""
    if engine.dialect.name != "postgresql":
        empty_all_tables(engine)
        return
    deletes = "; ".join(f'DELETE FROM "{t.name}"' for t in reversed(metadata.sorted_tables))
    with engine.begin() as connection:
        connection.exec_driver_sql(f"{deletes}; {_RESTART_SEQUENCES}")


def seed_outbox(
    engine: Engine, rows: int, *, due_at: datetime, now: datetime, recipients: int = 50
) -> list[str]:
    """`rows` pending check-in rows due at `due_at`, spread over `recipients` new people;
    returns their idempotency keys (`bulk:0`, `bulk:1`, ...)."""
    with engine.begin() as connection:
        ids = [
            connection.execute(
                insert(people).returning(people.c.id),
                {
                    "platform": "console",
                    "workspace": "",
                    "user_id": f"p{i}",
                    "display_name": f"p{i}",
                    "timezone": "UTC",
                    "locale": "en",
                    "is_facilitator": False,
                    "timezone_chosen": False,
                    "created_at": now,
                },
            ).scalar_one()
            for i in range(recipients)
        ]
        payloads = {
            pid: Reply(
                text="Time for your check-in.", audience=Audience.DM, recipient_id=pid
            ).model_dump_json()
            for pid in ids
        }
        keys = [f"bulk:{i}" for i in range(rows)]
        values = [
            {
                "recipient_id": ids[i % recipients],
                "payload": payloads[ids[i % recipients]],
                "idempotency_key": key,
                "due_at": due_at,
                "status": "pending",
                "attempts": 0,
                "created_at": now,
                "kind": "checkin",
            }
            for i, key in enumerate(keys)
        ]
        for start in range(0, rows, 5000):
            connection.execute(insert(outbox), values[start : start + 5000])
    return keys
