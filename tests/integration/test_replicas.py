"""N replicas on one PostgreSQL need no leader: three real `tandem slack` processes in HTTP
mode, one database, one fake Slack Web API; 300 check-ins fall due; each is asked once,
delivered once, and the work is spread over the replicas.

The replicas' clocks are pinned to Monday 09:00 UTC (tests/support/processes.py's
PinnedClock), so no hour of the day (the quiet hours, a local day's end) changes what they
do; the check-ins fall due only once all three are up, so a replica slow to start on a
busy machine does not leave the first to take every batch."""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from storage.tables import checkins
from tests.conftest import NOW
from tests.support.fake_slack import FakeSlack
from tests.support.processes import PinnedClock, SlackProcess, eventually, postgres_url
from tests.support.slack_people import outbox_rows, posted_keys, schedule_checkins

PEOPLE = 300


@pytest.fixture
def fake():
    fake = FakeSlack().start()
    yield fake
    fake.stop()


@pytest.mark.postgres
def test_three_replicas_deliver_300_check_ins_exactly_once_between_them(
    tmp_path, fake, postgres_engine, postgres_schema_url
):
    url, schema = postgres_schema_url
    clock = PinnedClock(NOW)  # a Monday, 09:00 UTC
    # 15 messages a second for the workspace, shared by the three: a batch of 100 takes a
    # replica several seconds, long enough for the others to claim their own.
    settings = {
        "DATABASE_URL": postgres_url(url, schema),
        "SLACK_POSTMESSAGE_RPS": "15",
        **clock.env(),
    }
    replicas = [SlackProcess(tmp_path, f"replica{i}", fake.api_url, **settings) for i in range(3)]
    try:
        for replica in replicas:
            replica.wait_healthy()
        schedule_checkins(postgres_engine, fake, PEOPLE, now=clock.now())  # due: all are up

        def all_sent() -> bool:
            rows = outbox_rows(postgres_engine)
            return len(rows) == PEOPLE and all(row["status"] == "sent" for row in rows)

        eventually(all_sent, "300 check-ins to be delivered", timeout=120)

        with postgres_engine.connect() as connection:
            asked = connection.execute(select(func.count()).select_from(checkins)).scalar_one()
        assert asked == PEOPLE  # each check-in asked once, by one replica's tick
        posted = fake.calls_to("chat.postMessage")
        assert len(posted) == PEOPLE  # exactly 300 posts ...
        assert len({call.body["channel"] for call in posted}) == PEOPLE  # ... to 300 DMs
        assert set(posted_keys(fake).values()) == {1}
        rows = outbox_rows(postgres_engine)
        assert {row["kind"] for row in rows} == {"checkin"}
        # Each `tandem slack` delivers from its worker process, a child of the replica.
        by_claimer = Counter(row["claimed_by"].rsplit(":", 1)[-1] for row in rows)
        assert len(by_claimer) == 3, by_claimer
        for replica in replicas:
            children = Path(f"/proc/{replica.pid}/task/{replica.pid}/children").read_text()
            assert set(children.split()) & set(by_claimer), (replica.pid, by_claimer)
        assert all(count > 0 for count in by_claimer.values())  # each delivered some
        for replica in replicas:
            replica.signal(signal.SIGTERM)
        assert [replica.wait(15) for replica in replicas] == [0, 0, 0]
    finally:
        for replica in replicas:
            replica.stop()


def test_a_claim_takes_no_more_than_its_batch(engine):
    """On PostgreSQL an `id IN (... LIMIT n FOR UPDATE SKIP LOCKED)` claim can be run once
    per outer row and take every due row: one replica would hold the lot."""
    from datetime import UTC, datetime, timedelta

    from storage.unit_of_work import SqlUnitOfWorkFactory
    from tests.support.seeding import seed_outbox

    now = datetime.now(UTC)
    seed_outbox(engine, 300, due_at=now, now=now, recipients=300)
    factory = SqlUnitOfWorkFactory(engine)
    for worker in ("w1", "w2", "w3"):
        with factory() as uow:
            assert len(uow.outbox.claim(worker, now, now + timedelta(minutes=5), 100)) == 100
            uow.commit()
