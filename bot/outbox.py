"""Writing to the outbox: what must reach a person later, queued in the caller's transaction."""

from __future__ import annotations

from datetime import datetime

from bot.domain import OutboxKind, OutboxMessage
from bot.ports import OutboxRepository
from bot.replies import Audience, Reply


def queue(
    outbox: OutboxRepository,
    reply: Reply,
    *,
    key: str,
    kind: OutboxKind,
    due_at: datetime,
    now: datetime,
) -> bool:
    """Store `reply` for delivery to `reply.recipient_id`; False if `key` is queued already."""
    assert reply.recipient_id is not None, "an outbox reply needs a recipient"
    return outbox.add(
        OutboxMessage(
            recipient_id=reply.recipient_id,
            payload=reply.model_dump_json(),
            idempotency_key=key,
            due_at=due_at,
            created_at=now,
            kind=kind,
        )
    )


def notify(
    outbox: OutboxRepository, person_id: int, reply: Reply, *, key: str, now: datetime
) -> bool:
    """Tell `person_id` in a direct message, delivered at once; False if `key` was queued."""
    update = {"audience": Audience.DM, "recipient_id": person_id}
    return queue(
        outbox,
        reply.model_copy(update=update),
        key=key,
        kind=OutboxKind.MESSAGE,
        due_at=now,
        now=now,
    )
