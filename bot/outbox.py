"""Writing to the outbox: what must reach a person later, queued in the caller's
transaction. Each row stored is an `OutboxWritten` event of that transaction (so the
service wakes the delivery loop after the commit, without a flag anyone must set)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import NamedTuple

from bot.domain import OutboxKind, OutboxMessage
from bot.events import OutboxWritten
from bot.ports import UnitOfWork
from bot.replies import Audience, Reply


def queue(
    uow: UnitOfWork,
    reply: Reply,
    *,
    key: str,
    kind: OutboxKind,
    due_at: datetime,
    now: datetime,
) -> bool:
    """Store `reply` for delivery to `reply.recipient_id`; False if `key` is queued already."""
    assert reply.recipient_id is not None, "an outbox reply needs a recipient"
    stored = uow.outbox.add(
        OutboxMessage(
            recipient_id=reply.recipient_id,
            payload=reply.model_dump_json(),
            idempotency_key=key,
            due_at=due_at,
            created_at=now,
            kind=kind,
        )
    )
    if stored:
        uow.publish(OutboxWritten(key=key, recipient_id=reply.recipient_id, kind=kind))
    return stored


class Queued(NamedTuple):
    """One reply for `queue_many`, with what `queue` takes beside it."""

    reply: Reply
    key: str
    kind: OutboxKind
    due_at: datetime


def queue_many(uow: UnitOfWork, items: Iterable[Queued], *, now: datetime) -> set[str]:
    """`queue` for many replies in one write (the heartbeat's batch): the keys stored, those
    queued already left out. Each row stored is an `OutboxWritten` event, as with `queue`."""
    messages = []
    for item in items:
        assert item.reply.recipient_id is not None, "an outbox reply needs a recipient"
        messages.append(
            OutboxMessage(
                recipient_id=item.reply.recipient_id,
                payload=item.reply.model_dump_json(),
                idempotency_key=item.key,
                due_at=item.due_at,
                created_at=now,
                kind=item.kind,
            )
        )
    stored = uow.outbox.add_many(messages)
    for message in stored:
        uow.publish(
            OutboxWritten(
                key=message.idempotency_key, recipient_id=message.recipient_id, kind=message.kind
            )
        )
    return {m.idempotency_key for m in stored}


def notify(uow: UnitOfWork, person_id: int, reply: Reply, *, key: str, now: datetime) -> bool:
    """Tell `person_id` in a direct message, delivered at once; False if `key` was queued."""
    update = {"audience": Audience.DM, "recipient_id": person_id}
    return queue(
        uow,
        reply.model_copy(update=update),
        key=key,
        kind=OutboxKind.MESSAGE,
        due_at=now,
        now=now,
    )
