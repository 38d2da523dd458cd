"""The message bus: runs the handlers registered for each domain event, in the use case's
own transaction, before it commits (after cosmicpython's `messagebus.py`).

`handle` takes the events the unit of work has collected and gives each to its
handlers, in the order they are registered. What a handler publishes is handled right
after that handler returns, before the next handler runs (depth first), as if the
handler had made those calls itself: so the consequences of one fact are settled
before the next is looked at, and the order of what people are told stays the order in
which things happened. It loops until no event is left.

A handler that raises stops the bus and the error travels up to the service: nothing
of the use case is committed, not its own changes nor any handler's (a `UserError`
is answered to the asker as any refusal is).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from bot.events import Event
from bot.scope import Scope

# A handler gets the event and the scope of the transaction it runs in.
EventHandler = Callable[[Any, Scope], None]

MAX_EVENTS = 10_000  # one use case causing more is a loop of handlers, not work


class RunawayEvents(RuntimeError):
    """Handlers kept publishing events: a cycle among them."""


class MessageBus:
    def __init__(self, handlers: Mapping[type[Event], Sequence[EventHandler]]) -> None:
        self._handlers = {kind: tuple(found) for kind, found in handlers.items()}

    def handlers_for(self, event: Event) -> tuple[EventHandler, ...]:
        return self._handlers.get(type(event), ())

    def handle(self, scope: Scope) -> list[Event]:
        """Handle every event the scope's unit of work holds, and every event their
        handlers publish, until none is left; return them in the order handled (also
        kept on `scope.handled`, for what the service does after the commit)."""
        handled: list[Event] = []
        # Depth first, without recursion: the newest batch of events is worked on first.
        pending = [self._steps(scope.uow.collect_new_events(), scope, handled)]
        while pending:
            step = next(pending[-1], None)
            if step is None:
                pending.pop()
                continue
            event, handler = step
            handler(event, scope)
            published = scope.uow.collect_new_events()
            if published:
                pending.append(self._steps(published, scope, handled))
        scope.handled.extend(handled)
        return handled

    def _steps(
        self, events: list[Event], scope: Scope, handled: list[Event]
    ) -> Iterator[tuple[Event, EventHandler]]:
        """Each event with each of its handlers in turn, counting the event as handled."""
        for event in events:
            handled.append(event)
            if len(handled) + len(scope.handled) > MAX_EVENTS:
                raise RunawayEvents(f"more than {MAX_EVENTS} events; last {type(event).__name__}")
            for handler in self.handlers_for(event):
                yield event, handler
