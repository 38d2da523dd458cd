"""The inbox (bot/inbox.py, storage/inbox.py, tests/fakes.py): incoming work recorded
before the ack, under the request's key, and done exactly once.

Storage tests run on SQLite, PostgreSQL and the in-memory fake alike (the fake must
behave like the real storage)."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import Engine, func, select

from adapters.clock import SystemClock
from bot.clock import FixedClock
from bot.domain import InboxStatus, Incoming
from bot.inbox import Inbox, Recorded
from bot.policy import Policy
from bot.service import Tandem
from storage.tables import diary_entries, inbox
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import NOW, console_identity
from tests.fakes import FakeDatabase


@pytest.fixture(params=["fake", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def uow_factory(request: pytest.FixtureRequest):
    if request.param == "fake":
        return FakeDatabase()
    return SqlUnitOfWorkFactory(request.getfixturevalue(f"{request.param}_engine"))


def inbox_for(uow_factory, clock: FixedClock, worker: str) -> Inbox:
    return Inbox(uow_factory, clock, worker, lease=timedelta(seconds=30))


def test_a_request_is_recorded_once_under_its_key(uow_factory):
    clock = FixedClock(NOW)
    front = inbox_for(uow_factory, clock, "front")
    first, item_id = front.record("slack:event:Ev1", "slack.dm", {"args": [{"text": "hi"}]})
    again, none = front.record("slack:event:Ev1", "slack.dm", {"args": [{"text": "hi"}]})
    assert (first, again, none) == (Recorded.NEW, Recorded.DUPLICATE, None)
    [item] = front.claim()
    assert (item.id, item.kind, item.payload) == (item_id, "slack.dm", {"args": [{"text": "hi"}]})
    assert (item.status, item.attempts, item.claimed_by) == (InboxStatus.CLAIMED, 1, "front")


def test_a_claimed_row_is_nobody_elses_until_its_lease_runs_out(uow_factory):
    clock = FixedClock(NOW)
    one, two = inbox_for(uow_factory, clock, "one"), inbox_for(uow_factory, clock, "two")
    _, item_id = one.record("k1", "slack.command", {"args": []})
    assert [i.id for i in one.claim(ids=[item_id])] == [item_id]
    assert two.claim() == []  # held
    clock.advance(timedelta(seconds=31))  # one died: its lease ran out
    [taken] = two.claim()
    assert (taken.id, taken.attempts) == (item_id, 2)
    assert not one.finish(item_id)  # the dead worker's late mark changes nothing
    assert two.finish(item_id)
    assert one.claim() == [] and two.claim() == []  # done is done


def test_a_renewed_lease_keeps_the_row(uow_factory):
    clock = FixedClock(NOW)
    one, two = inbox_for(uow_factory, clock, "one"), inbox_for(uow_factory, clock, "two")
    _, item_id = one.record("k1", "slack.command", {"args": []})
    one.claim()
    clock.advance(timedelta(seconds=20))
    assert one.renew([item_id]) == {item_id}
    assert two.renew([item_id]) == set()  # not its claim
    clock.advance(timedelta(seconds=20))  # 40 s after the claim, 20 after the renewal
    assert two.claim() == []


def test_work_given_back_is_tried_again_then_given_up(uow_factory):
    clock = FixedClock(NOW)
    worker = Inbox(uow_factory, clock, "w", max_attempts=2)
    worker.record("k1", "slack.command", {"args": ["secret words"]})
    [item] = worker.claim()
    assert worker.give_back(item, "OperationalError")  # attempt 1 of 2: again
    [item] = worker.claim()
    assert not worker.give_back(item, "OperationalError")  # attempt 2 of 2: failed
    assert worker.claim() == []
    with uow_factory() as uow:
        failed = uow.inbox.get(item.id)
    assert failed.status is InboxStatus.FAILED and failed.payload == {}  # nothing kept


def test_the_core_marks_the_row_done_with_the_work_exactly_once(uow_factory):
    clock = FixedClock(NOW)
    tandem = Tandem(uow_factory, clock, Policy(default_timezone="Europe/Berlin"))
    one, two = inbox_for(uow_factory, clock, "one"), inbox_for(uow_factory, clock, "two")
    ana = console_identity("ana")
    _, item_id = one.record("k-diary", "console", {"args": ["diary Read the paper"]})
    [item] = one.claim()
    clock.advance(timedelta(seconds=31))  # one stalls; two takes over
    [again] = two.claim()
    done = tandem.handle(
        ana, "diary Read the paper", None, Incoming("k", inbox=two.claim_of(again))
    )
    assert done  # the entry's confirmation
    late = tandem.handle(ana, "diary Read the paper", None, Incoming("k", inbox=one.claim_of(item)))
    assert late == []  # the row is done: the stalled worker's work changes nothing
    with uow_factory() as uow:
        person = uow.people.by_identity(ana)
        entries = uow.diary.by_author(person.id, list(_visibilities()), None)
        row = uow.inbox.get(item_id)
    assert [e.text for e in entries] == ["Read the paper"]
    assert row.status is InboxStatus.DONE and row.payload == {}  # what was typed is gone


def test_a_refusal_leaves_the_row_to_be_marked_by_the_worker(uow_factory):
    clock = FixedClock(NOW)
    tandem = Tandem(uow_factory, clock, Policy(default_timezone="Europe/Berlin"))
    worker = inbox_for(uow_factory, clock, "w")
    _, item_id = worker.record("k-bad", "console", {"args": []})
    [item] = worker.claim()
    replies = tandem.handle(
        console_identity("ana"), "frobnicate now", None, Incoming("k", inbox=worker.claim_of(item))
    )
    assert replies  # a private refusal
    assert worker.finish(item_id)  # still held: the worker marks it done after answering


def _visibilities():
    from bot.domain import Visibility

    return Visibility


@pytest.mark.postgres
def test_two_workers_racing_do_each_recorded_request_exactly_once(postgres_engine: Engine):
    """Two workers (threads with connections of their own) claim and run 60 recorded
    diary entries at once, with a lease of zero, so that every row one of them holds is
    at once takeable by the other (the race the exactly-once rule is for): every entry is
    written exactly once, and every row is done."""
    factory = SqlUnitOfWorkFactory(postgres_engine)
    clock = SystemClock()
    tandem = Tandem(factory, clock, Policy(default_timezone="Europe/Berlin"))
    front = inbox_for(factory, clock, "front")
    for n in range(60):
        front.record(f"k{n}", "console", {"args": [f"diary entry number {n}"]})
    workers = [Inbox(factory, clock, name, lease=timedelta(0)) for name in ("one", "two")]
    start = threading.Barrier(2)
    taken: Counter[str] = Counter()

    def work(worker: Inbox) -> None:
        start.wait()
        idle = 0
        while idle < 3:
            items = worker.claim(limit=5)
            idle = 0 if items else idle + 1
            for item in items:
                taken[worker.worker] += 1
                line = item.payload["args"][0]
                claim = worker.claim_of(item)
                tandem.handle(console_identity("ana"), line, None, Incoming(item.key, inbox=claim))

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with postgres_engine.connect() as connection:
        texts = Counter(connection.execute(select(diary_entries.c.text)).scalars())
        pending = connection.execute(
            select(func.count()).select_from(inbox).where(inbox.c.status != "done")
        ).scalar_one()
    assert texts == Counter({f"entry number {n}": 1 for n in range(60)})
    assert pending == 0
    assert taken["one"] > 0 and taken["two"] > 0  # both took part
