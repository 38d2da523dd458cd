"""The message bus and the events the units of work collect: handlers run in the order
they are registered, what a handler publishes is handled before the next handler runs,
a handler that raises undoes the whole use case, and the service wakes delivery after
the commit because an outbox row was written. On the fakes, SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine

from bot.clock import FixedClock
from bot.domain import DiaryEntry, EntrySource, OutboxKind
from bot.events import CheckinAnswered, Event, OutboxWritten, PersonErased
from bot.handlers.context import Scope, UserError
from bot.messagebus import EventHandler, MessageBus, RunawayEvents
from bot.outcome import Outcome
from bot.policy import Policy
from bot.ports import UnitOfWorkFactory
from bot.reactions import EVENT_HANDLERS
from bot.replies import Reply
from bot.service import Tandem
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import NOW, console_identity
from tests.support.fakes import FakeDatabase

ANA = console_identity("ana")
POLICY = Policy(default_timezone="Europe/Berlin")


@dataclass(frozen=True)
class Said(Event):
    what: str


@dataclass(frozen=True)
class Other(Event):
    what: str


@pytest.fixture(params=["fake", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def uow_factory(request: pytest.FixtureRequest) -> Iterator[UnitOfWorkFactory]:
    """The same tests over the in-memory unit of work and storage's, on both databases."""
    if request.param == "fake":
        yield FakeDatabase()
        return
    engine: Engine = request.getfixturevalue(f"{request.param}_engine")
    yield SqlUnitOfWorkFactory(engine)


def _recorder(calls: list[str], name: str, then: list[Event] | None = None) -> EventHandler:
    def handler(event: Event, scope: Scope) -> None:
        calls.append(f"{name}({getattr(event, 'what', type(event).__name__)})")
        for follow in then or ():
            scope.publish(follow)

    return handler


def test_handlers_run_in_order_and_what_they_publish_is_handled_before_the_next(
    uow_factory: UnitOfWorkFactory,
) -> None:
    calls: list[str] = []
    bus = MessageBus(
        {
            Said: (
                _recorder(calls, "first", then=[Other("b"), Other("c")]),
                _recorder(calls, "second"),
            ),
            Other: (_recorder(calls, "other"),),
        }
    )
    with uow_factory() as uow:
        scope = Scope(uow=uow, now=NOW, policy=POLICY)
        uow.publish(Said("a"))
        uow.publish(Said("d"))
        handled = bus.handle(scope)
    assert calls == [
        "first(a)",
        "other(b)",  # what `first` published, before `second` sees "a"
        "other(c)",
        "second(a)",
        "first(d)",  # the next event of the use case only then
        "other(b)",
        "other(c)",
        "second(d)",
    ]
    assert handled == [Said("a"), Other("b"), Other("c"), Said("d"), Other("b"), Other("c")]
    assert scope.handled == handled


def test_events_published_by_handlers_of_handlers_are_handled_until_none_is_left(
    uow_factory: UnitOfWorkFactory,
) -> None:
    calls: list[str] = []
    bus = MessageBus(
        {
            Said: (_recorder(calls, "said", then=[Other("1")]),),
            Other: (
                lambda event, scope: (
                    calls.append(f"other({event.what})"),
                    scope.publish(Other(str(int(event.what) + 1))) if int(event.what) < 3 else None,
                ),
            ),
        }
    )
    with uow_factory() as uow:
        uow.publish(Said("x"))
        bus.handle(Scope(uow=uow, now=NOW, policy=POLICY))
        assert uow.collect_new_events() == []
    assert calls == ["said(x)", "other(1)", "other(2)", "other(3)"]


def test_an_event_without_handlers_is_handled_and_handed_back(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        uow.publish(Said("alone"))
        assert MessageBus({}).handle(Scope(uow=uow, now=NOW, policy=POLICY)) == [Said("alone")]


def test_handlers_that_keep_publishing_are_stopped() -> None:
    bus = MessageBus({Said: (lambda event, scope: scope.publish(Said(event.what)),)})
    with FakeDatabase()() as uow:
        uow.publish(Said("again"))
        with pytest.raises(RunawayEvents):
            bus.handle(Scope(uow=uow, now=NOW, policy=POLICY))


def test_the_unit_of_work_hands_each_event_out_once_and_forgets_them_on_rollback(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        uow.publish(Said("undone"))
        uow.rollback()
        assert uow.collect_new_events() == []
        uow.publish(Said("one"))
        uow.publish(Said("two"))
        assert uow.collect_new_events() == [Said("one"), Said("two")]
        assert uow.collect_new_events() == []
        uow.publish(Said("left over"))
    with uow_factory() as uow:  # a new transaction starts with none
        assert uow.collect_new_events() == []


class Listener:
    """Counts wake-ups, and checks that what woke it is committed by then."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self.uow_factory = uow_factory
        self.woken = 0
        self.rows_seen: list[int] = []

    def outbox_written(self) -> None:
        self.woken += 1
        with self.uow_factory() as uow:
            person = uow.people.by_identity(ANA)
            self.rows_seen.append(len(uow.outbox.for_recipient(person.id)) if person else 0)


def _tandem(uow_factory: UnitOfWorkFactory, *extra: tuple[type[Event], EventHandler]) -> Tandem:
    handlers: dict[type[Event], list[EventHandler]] = {
        k: list(v) for k, v in EVENT_HANDLERS.items()
    }
    for kind, handler in extra:
        handlers.setdefault(kind, []).append(handler)
    return Tandem(
        uow_factory, FixedClock(NOW), POLICY, Listener(uow_factory), bus=MessageBus(handlers)
    )


def _write_then_fail(error: Exception) -> EventHandler:
    def handler(event: Event, scope: Scope) -> None:
        person = scope.uow.people.by_identity(ANA)
        assert person is not None and person.id is not None
        scope.uow.diary.add(
            DiaryEntry(author_id=person.id, text="by a handler", created_at=NOW,
                       source=EntrySource.COMMAND)
        )  # fmt: skip
        scope.notify(person.id, Reply(text="also by a handler"), key="handler:1")
        raise error

    return handler


def _nothing_stored(uow_factory: UnitOfWorkFactory) -> bool:
    with uow_factory() as uow:
        return uow.people.by_identity(ANA) is None and uow.people.count() == 0


def test_a_handler_that_fails_rolls_back_the_use_case_and_every_handler(
    uow_factory: UnitOfWorkFactory,
) -> None:
    tandem = _tandem(uow_factory, (OutboxWritten, _write_then_fail(RuntimeError("boom"))))
    with pytest.raises(RuntimeError, match="boom"):
        tandem.handle(ANA, "/learn checkin now")  # stores a check-in and its outbox row
    assert _nothing_stored(uow_factory)  # not even the asker, registered in the same work
    assert isinstance(tandem.listener, Listener) and tandem.listener.woken == 0


def test_a_handler_that_refuses_is_answered_privately_and_changes_nothing(
    uow_factory: UnitOfWorkFactory,
) -> None:
    tandem = _tandem(uow_factory, (OutboxWritten, _write_then_fail(UserError("Not now."))))
    outcome = tandem.handle(ANA, "/learn checkin now")
    assert [r.text for r in outcome] == ["Not now."] and outcome[0].is_error
    assert outcome.events == ()
    assert _nothing_stored(uow_factory)
    assert isinstance(tandem.listener, Listener) and tandem.listener.woken == 0


def test_delivery_is_woken_once_after_the_commit_because_a_row_was_written(
    uow_factory: UnitOfWorkFactory,
) -> None:
    tandem = _tandem(uow_factory)
    listener = tandem.listener
    assert isinstance(listener, Listener)
    outcome = tandem.handle(ANA, "/learn checkin now")
    assert outcome.outbox_written
    [written] = [e for e in outcome.events if isinstance(e, OutboxWritten)]
    assert written.kind is OutboxKind.CHECKIN_REQUESTED
    assert listener.woken == 1 and listener.rows_seen == [1]  # committed when woken
    tandem.handle(ANA, "/learn diary nothing to send")
    assert listener.woken == 1  # no row written: not woken


def test_the_outcome_is_the_replies_and_says_what_happened(
    uow_factory: UnitOfWorkFactory,
) -> None:
    tandem = _tandem(uow_factory)
    tandem.handle(ANA, "/learn checkin now")
    answered = tandem.message(ANA, "A good week")
    assert isinstance(answered, Outcome) and answered.checkin_answered
    assert [e for e in answered.events if isinstance(e, CheckinAnswered)][0].late is False
    assert answered == [Reply(text=answered[0].text)]  # still the list of replies
    assert not tandem.message(ANA, "hello?").checkin_answered  # nothing waiting
    erased = tandem.handle(ANA, "/learn privacy forget confirm")
    assert erased.erased == (ANA.ref,)
    assert [e.ref for e in erased.events if isinstance(e, PersonErased)] == [ANA.ref]


def test_a_write_after_a_rollback_in_the_same_unit_of_work_is_kept(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """The service's refusal path rolls back and then marks the inbox row done in the same
    unit of work: that later write must be committed, on the fakes as on SQL."""
    from bot.domain import Person

    def person(name: str) -> Person:
        return Person(
            identity=console_identity(name),
            display_name=name,
            timezone="Europe/Berlin",
            locale="en",
            created_at=NOW,
        )

    with uow_factory() as uow:
        uow.people.add(person("refused"))
        uow.rollback()
        uow.people.add(person("kept"))
        uow.commit()
    with uow_factory() as uow:
        assert uow.people.by_identity(console_identity("kept")) is not None
        assert uow.people.by_identity(console_identity("refused")) is None
