"""A stand-in for a chat platform that keeps what it was sent in a table, and a sender for
it that honours idempotency keys the way a real adapter must (Slack: message metadata
looked up before posting; Discord: an enforced nonce): a key it has seen is a no-op."""

from __future__ import annotations

import threading
from collections import Counter

from sqlalchemy import Column, Engine, MetaData, String, Table, func, select

from bot.delivery import SendResult
from bot.domain import Person
from bot.replies import Reply
from storage.dialect import insert_or_ignore

platform_metadata = MetaData()
messages = Table(
    "fake_platform_messages",
    platform_metadata,
    Column("idempotency_key", String(200), primary_key=True),
    Column("recipient", String(200), nullable=False),
)


class FakePlatformSender:
    def __init__(self, engine: Engine, *, fresh: bool = False) -> None:
        self._engine = engine
        platform_metadata.create_all(engine)
        if fresh:
            with engine.begin() as connection:
                connection.execute(messages.delete())
        self.attempts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def send(
        self, recipient: Person, reply: Reply | None, idempotency_key: str, attempt: int = 1
    ) -> SendResult:
        with self._lock:
            self.attempts[idempotency_key] += 1
        with self._engine.begin() as connection:
            connection.execute(
                insert_or_ignore(connection, messages, ["idempotency_key"]).values(
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
