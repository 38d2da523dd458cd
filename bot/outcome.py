"""What a call to the core gives back: the replies to show, and, typed, what happened.

An `Outcome` is the list of replies (so a caller that only shows them needs nothing
new), and carries the domain events its transaction committed, so an adapter learns
what happened from them (someone was erased, a check-in was answered) rather than from
the words of a reply or by parsing the line again."""

from __future__ import annotations

from collections.abc import Iterable

from bot.events import CheckinAnswered, Event, OutboxWritten, PersonErased
from bot.replies import Reply


class Outcome(list[Reply]):
    """The replies, in order, plus the events committed with them (none if nothing was
    committed: a refusal, a retry already seen), and the language they were said in (None
    when the core answered before it knew who asked): the adapter renders its own words
    around them (buttons, notes, modal titles) in that language too."""

    def __init__(
        self,
        replies: Iterable[Reply] = (),
        events: Iterable[Event] = (),
        language: str | None = None,
    ) -> None:
        super().__init__(replies)
        self.events: tuple[Event, ...] = tuple(events)
        self.language = language

    @property
    def replies(self) -> list[Reply]:
        return list(self)

    @property
    def erased(self) -> tuple[str, ...]:
        """The references of the people erased."""
        return tuple(e.ref for e in self.events if isinstance(e, PersonErased))

    @property
    def views_showing_erased(self) -> tuple[str, ...]:
        """The references of those whose views (an App Home) showed someone erased."""
        return tuple(r for e in self.events if isinstance(e, PersonErased) for r in e.shown_to)

    @property
    def checkin_answered(self) -> bool:
        """True if the call answered a check-in (on time or late)."""
        return any(isinstance(e, CheckinAnswered) for e in self.events)

    @property
    def outbox_written(self) -> bool:
        """True if the call stored something in the outbox (delivery was woken)."""
        return any(isinstance(e, OutboxWritten) for e in self.events)
