"""One transaction's scope: what an event handler gets, and what a use case's `Context`
builds on. Its own module, so the message bus and the handlers' context both import it
and neither imports the other at run time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.domain import OutboxKind
from bot.events import Event
from bot.outbox import notify, queue
from bot.policy import Policy
from bot.ports import UnitOfWork
from bot.replies import Reply


@dataclass(kw_only=True)
class Scope:
    """One transaction's work: what an event handler gets (and a use case, as part of
    its `Context`)."""

    uow: UnitOfWork
    now: datetime
    policy: Policy
    # The events handled in this transaction so far (the message bus keeps them).
    handled: list[Event] = field(default_factory=list, init=False)

    def publish(self, event: Event) -> None:
        """Say that `event` happened: its handlers run before this transaction commits."""
        self.uow.publish(event)

    def notify(self, person_id: int, reply: Reply, key: str) -> bool:
        """Tell `person_id` in a direct message, through the outbox (delivered at once)."""
        return notify(self.uow, person_id, reply, key=key, now=self.now)

    def send_later(self, reply: Reply, key: str, kind: OutboxKind, due_at: datetime) -> bool:
        """Queue `reply` for delivery in this transaction; False if `key` was queued before."""
        return queue(self.uow, reply, key=key, kind=kind, due_at=due_at, now=self.now)
