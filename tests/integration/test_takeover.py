"""Fast takeover and a clean stop (issue 14 items 2 and 3).

Leases, with a fixed clock, on the fakes, SQLite and PostgreSQL alike: a holder renews
its short lease while it lives; a dead holder's rows are taken over once it runs out; a
worker whose database went away takes its own claims back at once; a holder whose lease
ran out (and was taken over) never sends. Then real `tandem slack` processes: SIGTERM
closes the listener first (a new connection is refused) and the request in flight is
still answered; a dead worker process makes the replica exit non-zero at once.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine, select

from adapters.inbox_worker import InboxWorker
from adapters.slack.serve import SHUTDOWN_BOUND
from bot.clock import FixedClock
from bot.delivery import Delivery, DeliveryRules, SendResult
from bot.domain import InboxClaim, InboxItem, OutboxStatus, Person
from bot.inbox import Inbox
from bot.ports import UnitOfWorkFactory
from bot.replies import Reply
from storage.tables import outbox
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import NOW
from tests.service.test_delivery import queue
from tests.support.fakes import FakeDatabase
from tests.support.processes import SECRET, SlackProcess, eventually
from tests.support.seeding import seed_outbox
from tests.support.slack_requests import signed_post, slash_command

RULES = DeliveryRules(lease=timedelta(seconds=30), batch=10)


class Recorder:
    """A sender that records each send; `during` runs inside the n-th send."""

    def __init__(self, name: str, during: dict[int, Callable[[], None]] | None = None) -> None:
        self.name = name
        self.keys: list[str] = []
        self._during = during or {}

    def send(
        self, recipient: Person, reply: Reply, idempotency_key: str, attempt: int = 1
    ) -> SendResult:
        self.keys.append(idempotency_key)
        if (step := self._during.get(len(self.keys))) is not None:
            step()
        return SendResult.sent()


class SqlStore(SqlUnitOfWorkFactory):
    """The SQL unit of work with its engine at hand, for seeding and looking."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.engine = engine


@pytest.fixture(params=["fakes", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def factory(request: pytest.FixtureRequest) -> UnitOfWorkFactory:
    if request.param == "fakes":
        return FakeDatabase()
    return SqlStore(request.getfixturevalue(f"{request.param}_engine"))


def seed(factory: UnitOfWorkFactory, rows: int) -> list[str]:
    if isinstance(factory, SqlStore):
        return seed_outbox(factory.engine, rows, due_at=NOW, now=NOW, recipients=rows)
    assert isinstance(factory, FakeDatabase)
    return queue(factory, rows)


def statuses(factory: UnitOfWorkFactory) -> list[str]:
    """The outbox rows' statuses, in id order."""
    if isinstance(factory, SqlStore):
        with factory.engine.connect() as connection:
            return list(connection.execute(select(outbox.c.status).order_by(outbox.c.id)).scalars())
    assert isinstance(factory, FakeDatabase)
    return [m.status.value for m in sorted(factory.state.outbox.values(), key=lambda m: m.id)]


def test_the_default_lease_is_short_and_renewed_three_times_a_lease():
    rules = DeliveryRules()
    assert rules.lease == timedelta(seconds=30)
    assert rules.renew_every == timedelta(seconds=10)


def test_a_renewed_lease_is_not_taken_over(factory):
    seed(factory, 3)
    clock = FixedClock(NOW)
    holder = Delivery(factory, clock, "holder", RULES)
    other = Delivery(factory, clock, "other", RULES)
    claimed, _ = holder.claim()
    assert len(claimed) == 3
    for _ in range(6):  # a minute in steps of the renewal interval: always renewed
        clock.advance(RULES.renew_every)
        assert holder.renew() == 3
        assert other.claim()[0] == []
    # renewing stops (the holder died): after one lease the rows are another's
    clock.advance(RULES.lease + timedelta(seconds=1))
    taken, _ = other.claim()
    assert sorted(m.id for m in taken) == sorted(m.id for m in claimed)
    assert all(m.attempts == 2 for m in taken)  # a second attempt: the sender looks first
    assert holder.renew() == 0  # the dead holder's late renewal takes nothing back


def test_a_killed_holders_rows_are_delivered_by_another_within_a_lease(factory):
    keys = seed(factory, 4)
    clock = FixedClock(NOW)
    Delivery(factory, clock, "killed", RULES).claim()  # ... and SIGKILL
    survivor = Delivery(factory, clock, "survivor", RULES)
    sender = Recorder("survivor")
    assert survivor.run_once(sender).claimed == 0
    clock.advance(RULES.lease + timedelta(seconds=1))
    assert survivor.run_once(sender).sent == 4
    assert sorted(sender.keys) == sorted(keys)
    assert statuses(factory) == ["sent"] * 4


def test_after_an_outage_a_worker_resumes_its_own_claims_at_once(factory):
    keys = seed(factory, 3)
    clock = FixedClock(NOW)
    worker = Delivery(factory, clock, "me", RULES)
    other = Delivery(factory, clock, "other", RULES)
    worker.claim()  # then the database went away before anything was recorded
    clock.advance(timedelta(seconds=5))  # it is back, well inside the lease
    assert other.claim()[0] == []  # nobody else may take them yet ...
    sender = Recorder("me")
    report = worker.run_once(sender)  # ... but their holder takes its own back at once
    assert report.claimed == 3 and report.sent == 3
    assert sorted(sender.keys) == sorted(keys)


def test_a_holder_whose_lease_ran_out_and_was_taken_over_does_not_send(factory):
    keys = seed(factory, 4)
    clock = FixedClock(NOW)
    taker = Delivery(factory, clock, "taker", RULES)
    taker_sender = Recorder("taker")

    def stall_then_taken_over() -> None:
        # the first holder stalls (its renewals fail: database away) past its lease;
        # meanwhile another worker takes the batch over and delivers it
        clock.advance(RULES.lease + timedelta(seconds=1))
        taker.run_once(taker_sender)

    slow = Delivery(factory, clock, "slow", RULES)
    slow_sender = Recorder("slow", {1: stall_then_taken_over})
    slow.run_once(slow_sender)
    assert len(slow_sender.keys) == 1  # the send in hand; none after the lease ran out
    assert sorted(taker_sender.keys) == sorted(keys)  # the taker sent all four ...
    # ... the one both sent was a second attempt for the taker, who looked first (the
    # sender's duty on attempt > 1): nothing reaches the person twice.
    assert statuses(factory) == ["sent"] * 4


def test_a_holder_stops_sending_before_its_lease_could_run_out(factory):
    """Renewals failing (the database is away), the holder stops sending while a
    margin of the lease is still left, so no send overlaps a takeover."""
    seed(factory, 4)
    clock = FixedClock(NOW)
    holder = Delivery(factory, clock, "holder", RULES)
    step = RULES.lease - RULES.margin + timedelta(seconds=1)
    sender = Recorder("holder", {1: lambda: clock.advance(step)})
    report = holder.run_once(sender)
    assert len(sender.keys) == 1 and report.sent == 1
    assert statuses(factory).count("claimed") == 3  # still its own: resumed next claim
    report = holder.run_once(sender)
    assert report.claimed == 3 and report.sent == 3


def test_a_renewal_keeps_a_long_batch_sending(factory):
    seed(factory, 4)
    clock = FixedClock(NOW)
    holder = Delivery(factory, clock, "holder", RULES)

    def slow_send() -> None:  # each send takes a renewal interval; the renewal runs
        clock.advance(RULES.renew_every)
        holder.renew()

    sender = Recorder("holder", {n: slow_send for n in range(1, 5)})
    assert holder.run_once(sender).sent == 4  # 40 s of sending on a 30 s lease


def test_a_dead_workers_claims_are_handed_back_at_once(factory):
    seed(factory, 3)
    clock = FixedClock(NOW)
    Delivery(factory, clock, "dead", RULES).claim()
    parent = Delivery(factory, clock, "parent", RULES)
    assert parent.release_all("dead") == 3
    taken, _ = parent.claim()
    assert len(taken) == 3 and all(m.attempts == 2 for m in taken)
    assert statuses(factory) == [OutboxStatus.CLAIMED.value] * 3


# -- real processes: the listener closes first; a dead worker fails the replica -----------

FORM = "application/x-www-form-urlencoded"
USER = "U0TAKEOVER"


@pytest.fixture
def fake():
    from tests.support.fake_slack import FakeSlack

    fake = FakeSlack().start()
    fake.add_user(USER, "tara")
    yield fake
    fake.stop()


def refused(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    except ConnectionRefusedError:
        return True
    return False


def worker_pid(pid: int) -> int:
    """The replica's worker process (not multiprocessing's resource tracker)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    workers = [
        int(child)
        for child in children
        if b"resource_tracker" not in Path(f"/proc/{child}/cmdline").read_bytes()
    ]
    assert len(workers) == 1, children
    return workers[0]


def test_sigterm_closes_the_listener_first_and_finishes_the_work_in_hand(tmp_path, fake):
    """SIGTERM: a new connection is refused at once (a load balancer sends it to another
    replica) while the process still runs; the work of a request acked before the
    signal is finished; a request still arriving when the listener closed is not acked
    (aiohttp reads no more of it: Slack tells the person it failed, nothing was done)."""
    database = f"sqlite:///{tmp_path / 'tandem.db'}"
    app = SlackProcess(tmp_path, "tandem", fake.api_url, DATABASE_URL=database)
    try:
        app.wait_healthy()
        fake.delay["users.info"] = 1.5  # the work after the ack takes a while
        acked = slash_command(USER, "diary acked before the stop", fake.response_url("acked"))
        status, _ = signed_post(f"{app.url}/slack/events", acked, SECRET, FORM)
        assert status == 200
        fake.wait_for("users.info")  # the worker is at it now

        body = slash_command(USER, "diary still arriving", fake.response_url("arriving"))
        stamp = str(int(time.time()))
        signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)
        head = (
            f"POST /slack/events HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {FORM}\r\n"
            f"Content-Length: {len(body)}\r\nX-Slack-Request-Timestamp: {stamp}\r\n"
            f"X-Slack-Signature: {signature}\r\n\r\n"
        )
        arriving = socket.create_connection(("127.0.0.1", app.port), timeout=10)
        arriving.sendall(head.encode() + body[:20].encode())

        app.signal(signal.SIGTERM)
        eventually(lambda: refused(app.port), "the listener to close", timeout=2)
        assert not app.exited()  # the listener closed before anything else
        arriving.sendall(body[20:].encode())
        assert arriving.recv(65536) == b""  # closed unanswered: not acked
        arriving.close()
        assert app.wait(SHUTDOWN_BOUND + 5) == 0, app.stderr
        [answer] = fake.calls_to("response_url:acked")  # the work in hand was finished
        assert "saved" in json.dumps(answer.body).lower()
        assert fake.calls_to("response_url:arriving") == []
    finally:
        app.stop()


def test_a_dead_worker_process_turns_readiness_off_and_the_replica_exits_non_zero(tmp_path, fake):
    database = f"sqlite:///{tmp_path / 'tandem.db'}"
    app = SlackProcess(tmp_path, "tandem", fake.api_url, DATABASE_URL=database)
    try:
        app.wait_healthy()
        worker = worker_pid(app.pid)
        os.kill(worker, signal.SIGKILL)
        killed = time.monotonic()

        def not_ready() -> bool:
            try:
                return app.get("/readyz")[0] == 503
            except OSError:  # or already closed: not ready either
                return True

        eventually(not_ready, "readiness to go off", timeout=2)
        assert app.wait(10) == 1, app.stderr
        assert time.monotonic() - killed < SHUTDOWN_BOUND
        assert refused(app.port)
        logged = [json.loads(line)["message"] for line in app.stderr.splitlines()]
        assert "the worker process ended; stopping" in logged
    finally:
        app.stop()


def test_the_replica_is_two_processes_and_its_worker_leaves_when_the_acking_process_dies(
    tmp_path, fake
):
    """The worker is a plain subprocess (no multiprocessing resource tracker beside it);
    its stdin ends with the acking process, and it leaves at once (its claims are taken
    over after their leases, as after any crash)."""
    database = f"sqlite:///{tmp_path / 'tandem.db'}"
    app = SlackProcess(tmp_path, "tandem", fake.api_url, DATABASE_URL=database)
    try:
        app.wait_healthy()
        children = Path(f"/proc/{app.pid}/task/{app.pid}/children").read_text().split()
        assert len(children) == 1, children  # the worker, and nothing else
        worker = int(children[0])
        os.kill(app.pid, signal.SIGKILL)
        app.wait(10)

        def gone() -> bool:
            try:
                return Path(f"/proc/{worker}/stat").read_text().split()[2] == "Z"
            except OSError:
                return True

        eventually(gone, "the orphaned worker to leave", timeout=5)
    finally:
        app.stop()


def test_one_process_does_the_work_itself(tmp_path, fake):
    """`tandem slack --one-process` (small deployments): no worker process; a command
    is acked, then done and answered by the same process."""
    database = f"sqlite:///{tmp_path / 'tandem.db'}"
    app = SlackProcess(tmp_path, "tandem", fake.api_url, "--one-process", DATABASE_URL=database)
    try:
        app.wait_healthy()
        assert Path(f"/proc/{app.pid}/task/{app.pid}/children").read_text().split() == []
        body = slash_command(USER, "diary written by one process", fake.response_url("one"))
        status, _ = signed_post(f"{app.url}/slack/events", body, SECRET, FORM)
        assert status == 200
        eventually(lambda: fake.calls_to("response_url:one"), "the answer", timeout=30)
        [answer] = fake.calls_to("response_url:one")
        assert "saved" in json.dumps(answer.body).lower()
    finally:
        app.stop()


# -- the inbox's claims: resumed at once, handed back by a dead or stopping worker --------


def record(factory: UnitOfWorkFactory, count: int) -> list[int]:
    inbox = Inbox(factory, FixedClock(NOW), "recorder")
    return [inbox.record(f"key{i}", "test", {"n": i})[1] for i in range(count)]  # type: ignore[misc]


def inbox_statuses(factory: UnitOfWorkFactory, ids: list[int]) -> list[tuple[str, str | None]]:
    with factory() as uow:
        items = [uow.inbox.get(i) for i in ids]
    return [(i.status.value, i.claimed_by) for i in items if i is not None]


def test_after_an_outage_a_worker_takes_back_its_own_inbox_claims_but_not_those_in_hand(
    factory,
):
    ids = record(factory, 3)
    clock = FixedClock(NOW)
    me, other = Inbox(factory, clock, "me"), Inbox(factory, clock, "other")
    assert len(me.claim(10)) == 3  # then the database went away; one is still in hand
    clock.advance(timedelta(seconds=5))
    assert other.claim(10) == []  # the leases hold for everyone else
    assert me.renew([ids[0]]) == {ids[0]}  # the one in hand is renewed as it is worked on
    resumed = me.resume(busy=[ids[0]])
    assert sorted(i.id for i in resumed) == ids[1:]
    assert all(i.attempts == 2 for i in resumed)
    clock.advance(Inbox(factory, clock, "x").lease - timedelta(seconds=1))
    assert other.claim(10) == []  # the resumed rows got a fresh lease


def test_a_dead_workers_inbox_claims_are_handed_back_for_others_at_once(factory):
    ids = record(factory, 2)
    clock = FixedClock(NOW)
    Inbox(factory, clock, "dead").claim(10)
    other = Inbox(factory, clock, "other")
    assert other.claim(10) == []
    assert other.release_all("dead") == 2
    assert sorted(i.id for i in other.claim(10)) == ids
    assert inbox_statuses(factory, ids) == [("claimed", "other")] * 2


def test_a_stopping_inbox_worker_hands_back_what_it_could_not_finish():
    factory = FakeDatabase()
    [item_id] = record(factory, 1)
    inbox = Inbox(factory, FixedClock(NOW), "stopping")

    async def never_done(item: InboxItem, claim: InboxClaim) -> None:
        await asyncio.Event().wait()

    async def scenario() -> None:
        worker = InboxWorker(inbox, never_done, poll=0.05)
        worker.start()
        worker.wake(item_id)
        for _ in range(200):
            if worker.busy():
                break
            await asyncio.sleep(0.01)  # the worker's own task, not a schedule
        assert worker.busy() == 1
        await worker.stop(timeout=0.1)

    asyncio.run(scenario())
    assert inbox_statuses(factory, [item_id]) == [("pending", None)]
    taken = Inbox(factory, FixedClock(NOW), "next").claim(10)
    assert [i.id for i in taken] == [item_id]  # another takes it now, not after the lease
