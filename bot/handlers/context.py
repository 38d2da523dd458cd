"""What every handler gets: the open unit of work, the asker, the time, the policy."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.domain import OutboxKind, Person, Profile, Role
from bot.outbox import notify, queue
from bot.policy import Policy
from bot.ports import UnitOfWork
from bot.replies import Reply


class UserError(Exception):
    """A request the core refuses; the message goes to the asker only, nothing is stored."""


@dataclass
class Context:
    uow: UnitOfWork
    asker: Person
    now: datetime
    policy: Policy
    # What the platform says of the people a line mentions, by user id.
    mentioned: Mapping[str, Profile] = field(default_factory=dict)
    # The platform channel the command was typed in, if the adapter says.
    where: str | None = None
    outbox_written: bool = field(default=False, init=False)
    # References of people erased in this transaction (the service's `on_erased` hooks).
    erased: list[str] = field(default_factory=list, init=False)

    def roles(self) -> set[Role]:
        """Every role the asker holds: learner always, plus cohort roles and facilitator."""
        assert self.asker.id is not None
        roles = {Role.LEARNER}
        roles.update(m.role for m in self.uow.memberships.of(self.asker.id))
        if self.policy.is_facilitator(self.asker):
            roles.add(Role.FACILITATOR)
        return roles

    def local(self, moment: datetime) -> datetime:
        """`moment` in the asker's own time zone."""
        return moment.astimezone(self.asker.zone)

    def notify(self, person_id: int, reply: Reply, key: str) -> bool:
        """Tell `person_id` in a direct message, through the outbox (delivered at once)."""
        stored = notify(self.uow.outbox, person_id, reply, key=key, now=self.now)
        self.outbox_written = self.outbox_written or stored
        return stored

    def send_later(self, reply: Reply, key: str, kind: OutboxKind, due_at: datetime) -> bool:
        """Queue `reply` for delivery in this transaction; False if `key` was queued before."""
        stored = queue(self.uow.outbox, reply, key=key, kind=kind, due_at=due_at, now=self.now)
        self.outbox_written = self.outbox_written or stored
        return stored
