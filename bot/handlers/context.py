"""What every handler gets: the open unit of work, the time, the policy; a use case also
gets the asker and what the platform said with the request."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from bot.days import Day, on
from bot.domain import Person, Profile, Role
from bot.scope import Scope

if TYPE_CHECKING:
    from bot.messagebus import MessageBus


class UserError(Exception):
    """A request the core refuses; the message goes to the asker only, nothing is stored."""


@dataclass(kw_only=True)
class Context(Scope):
    asker: Person
    # What the platform says of the people a line mentions, by user id.
    mentioned: Mapping[str, Profile] = field(default_factory=dict)
    # The platform channel the command was typed in, if the adapter says.
    where: str | None = None
    bus: MessageBus | None = field(default=None, repr=False)

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

    @contextmanager
    def rehearse(self) -> Iterator[None]:
        """Do something only to see what it would do: its changes, the events it published
        and those handled on the way are all undone afterwards."""
        handled = len(self.handled)
        try:
            with self.uow.rehearsal():
                yield
        finally:
            del self.handled[handled:]

    def today(self) -> date:
        """The asker's date today, on their own clock."""
        return self.local(self.now).date()

    def day(self, day: Day) -> date:
        """The date a typed day names (`tomorrow`: the asker's tomorrow)."""
        return on(day, self.today())

    def planned_day(self, day: Day) -> date:
        """A goal's or a milestone's date: after today and within the policy's horizon;
        else `UserError`, the same for both."""
        chosen, today = self.day(day), self.today()
        last = today + self.policy.plan_horizon
        if not today < chosen <= last:
            raise UserError(
                f"{chosen:%d %b %Y} is not in the window for a date in your plan: from "
                f"tomorrow up to {last:%d %b %Y} ({self.policy.plan_horizon_words} ahead)."
            )
        return chosen

    def settle(self) -> None:
        """Handle what this use case has published so far, now, rather than after it
        returns: for a use case that must see the consequences of its first steps
        before it takes the next (erasure leaves each cohort, and lets the partner be
        re-paired and the round go on, before anything about the person is deleted)."""
        if self.bus is not None:
            self.bus.handle(self)
