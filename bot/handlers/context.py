"""What every handler gets: the open unit of work, the asker, the time, the policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.domain import Person, Role
from bot.policy import Policy
from bot.ports import UnitOfWork


class UserError(Exception):
    """A request the core refuses; the message goes to the asker only, nothing is stored."""


@dataclass
class Context:
    uow: UnitOfWork
    asker: Person
    now: datetime
    policy: Policy

    def roles(self) -> set[Role]:
        """Every role the asker holds: learner always, plus cohort roles and facilitator."""
        assert self.asker.id is not None
        roles = {Role.LEARNER}
        roles.update(m.role for m in self.uow.cohorts.memberships_of(self.asker.id))
        if self.policy.is_facilitator(self.asker):
            roles.add(Role.FACILITATOR)
        return roles

    def local(self, moment: datetime) -> datetime:
        """`moment` in the asker's own time zone."""
        return moment.astimezone(ZoneInfo(self.asker.timezone))
