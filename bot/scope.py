"""One transaction's scope: what an event handler gets, and what a use case's `Context`
builds on. Its own module, so the message bus and the handlers' context both import it
and neither imports the other at run time."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain import OutboxKind, Person
from bot.events import Event
from bot.i18n import speaking
from bot.outbox import notify, queue
from bot.policy import Policy
from bot.ports import UnitOfWork
from bot.replies import Reply

# What is said to someone else: a function that builds the `Reply`. It runs in the
# recipient's language (their chosen one, else their platform's, else the default), so
# its texts must be made inside it, not before.
ReplyBuilder = Callable[[], Reply]


@dataclass(kw_only=True)
class Scope:
    """One transaction's work: what an event handler gets (and a use case, as part of
    its `Context`)."""

    uow: UnitOfWork
    now: datetime
    policy: Policy
    # People this transaction has loaded already (the heartbeat hands in a batch's), so
    # building each one's message does not load them again: one query per message less.
    known: Mapping[int, Person] = field(default_factory=dict)
    # The events handled in this transaction so far (the message bus keeps them).
    handled: list[Event] = field(default_factory=list, init=False)

    def publish(self, event: Event) -> None:
        """Say that `event` happened: its handlers run before this transaction commits."""
        self.uow.publish(event)

    def language_of(self, person_id: int | None) -> str:
        """The language the stored person `person_id` reads (the default for no one)."""
        if person_id is None:
            return self.policy.language_of(None)
        person = self.known.get(person_id) or self.uow.people.get(person_id)
        return self.policy.language_of(person)

    def build_for(self, person_id: int | None, reply: Reply | ReplyBuilder) -> Reply:
        """`reply` as `person_id` reads it: a builder runs in their language."""
        if isinstance(reply, Reply):
            return reply
        with speaking(self.language_of(person_id)):
            return reply()

    def notify(self, person_id: int, reply: Reply | ReplyBuilder, key: str) -> bool:
        """Tell `person_id` in a direct message, through the outbox (delivered at once).
        Give a builder (`lambda: Reply(text=_(...))`): it is made in their language."""
        return notify(self.uow, person_id, self.build_for(person_id, reply), key=key, now=self.now)

    def send_later(
        self,
        reply: Reply | ReplyBuilder,
        key: str,
        kind: OutboxKind,
        due_at: datetime,
        *,
        to: int | None = None,
    ) -> bool:
        """Queue `reply` for delivery in this transaction; False if `key` was queued before.
        A builder needs `to`, the recipient, and runs in their language (the reply it
        builds names them as its recipient, or is given them)."""
        if not isinstance(reply, Reply):
            assert to is not None, "a builder's message needs its recipient (`to`)"
            reply = self.build_to(to, reply)
        return queue(self.uow, reply, key=key, kind=kind, due_at=due_at, now=self.now)

    def build_to(self, to: int, builder: ReplyBuilder) -> Reply:
        """What `builder` says to `to`, in their language, addressed to them."""
        reply = self.build_for(to, builder)
        if reply.recipient_id is None:
            reply = reply.model_copy(update={"recipient_id": to})
        assert reply.recipient_id == to, "the builder's reply is for someone else"
        return reply
