"""A stand-in for a chat platform that keeps every post it was sent in a table (duplicates
too), and a sender for it that does what a real adapter must: on a second attempt it
looks for an earlier post with the same idempotency key before posting (Slack: message
metadata in the DM's history), so a post that got through before a crash is not made
again. `delivered()` counts posts per key: 2 would be a message sent twice."""

from __future__ import annotations

import threading

from sqlalchemy import Column, Engine, Integer, MetaData, String, Table, func, insert, select

from bot.delivery import SendResult
from bot.domain import Person
from bot.replies import Reply

platform_metadata = MetaData()
messages = Table(
    "fake_platform_messages",
    platform_metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("idempotency_key", String(200), nullable=False),
    Column("recipient", String(200), nullable=False),
)


class FakePlatformSender:
    def __init__(self, engine: Engine, *, fresh: bool = False) -> None:
        self._engine = engine
        platform_metadata.create_all(engine)
        if fresh:
            with engine.begin() as connection:
                connection.execute(messages.delete())
        self.attempts: dict[str, int] = {}  # key -> the attempt number of the last call
        self._lock = threading.Lock()

    def send(
        self, recipient: Person, reply: Reply | None, idempotency_key: str, attempt: int = 1
    ) -> SendResult:
        with self._lock:
            self.attempts[idempotency_key] = attempt
        with self._engine.begin() as connection:
            if (
                attempt > 1
                and connection.execute(
                    select(messages.c.id).where(messages.c.idempotency_key == idempotency_key)
                ).first()
            ):
                return SendResult.sent()  # it got through before: do not post again
            connection.execute(
                insert(messages).values(
                    idempotency_key=idempotency_key, recipient=recipient.identity.ref
                )
            )
        return SendResult.sent()

    def drop(self) -> None:
        platform_metadata.drop_all(self._engine)

    def delivered(self) -> dict[str, int]:
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(messages.c.idempotency_key, func.count()).group_by(
                    messages.c.idempotency_key
                )
            )
            return {key: count for key, count in rows}
