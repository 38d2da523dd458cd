"""Restarting at any time loses and doubles nothing: real `tandem slack` processes on one
PostgreSQL database, delivering to a slow fake Slack (so a batch is in flight), stopped
with SIGTERM (a clean stop within the bound, the rest handed back) or SIGKILL (the claim
expires after its lease and a second process takes over, looking before it posts)."""

from __future__ import annotations

import json
import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from tests.support.fake_slack import FakeSlack
from tests.support.processes import SlackProcess, eventually, postgres_url
from tests.support.slack_people import outbox_rows, posted_keys, queue_messages

pytestmark = pytest.mark.postgres

ROWS = 24
BOUND = 10.0  # seconds from SIGTERM to exit
SENDING = 60.0  # seconds a process, once up, may take for what it is to send (a busy machine)


@pytest.fixture
def fake():
    fake = FakeSlack().start()
    fake.delay["chat.postMessage"] = 0.5  # a slow Slack: each post is in flight a while
    yield fake
    fake.stop()


@pytest.fixture
def database(postgres_engine, postgres_schema_url) -> str:
    url, schema = postgres_schema_url
    return postgres_url(url, schema)


def statuses(engine) -> Counter[str]:
    return Counter(row["status"] for row in outbox_rows(engine))


def posts(fake: FakeSlack) -> int:
    return len(fake.calls_to("chat.postMessage"))


def test_sigterm_mid_delivery_exits_cleanly_and_a_second_process_delivers_the_rest(
    tmp_path, fake, database, postgres_engine
):
    keys = queue_messages(postgres_engine, fake, ROWS)
    first = SlackProcess(tmp_path, "first", fake.api_url, DATABASE_URL=database)
    second = None
    try:
        first.wait_healthy()  # starting takes long on a busy machine: waited for apart
        eventually(lambda: posts(fake) >= 3, "the first process to be sending", SENDING)
        asked_to_stop = time.monotonic()
        first.signal(signal.SIGTERM)
        assert first.wait(BOUND + 5) == 0, first.stderr
        took = time.monotonic() - asked_to_stop
        assert took < BOUND, f"took {took:.1f} s to stop"

        after_first = statuses(postgres_engine)
        assert after_first["claimed"] == 0  # finished the send in hand, handed back the rest
        assert (
            3 <= after_first["sent"] < ROWS and after_first["pending"] == ROWS - after_first["sent"]
        )
        assert sum(posted_keys(fake).values()) == after_first["sent"]
        logged = [json.loads(line) for line in first.stderr.splitlines()]
        assert any(entry["message"] == "handed back at shutdown" for entry in logged)

        second = SlackProcess(tmp_path, "second", fake.api_url, DATABASE_URL=database)
        second.wait_healthy()
        eventually(  # the rest, one slow post at a time
            lambda: statuses(postgres_engine)["sent"] == ROWS,
            "the second to deliver the rest",
            SENDING + ROWS * fake.delay["chat.postMessage"],
        )
        assert posted_keys(fake) == Counter({key: 1 for key in keys})  # none lost, none twice
        assert posts(fake) == ROWS
        # Each `tandem slack` delivers from its worker process: two processes, two claimers.
        senders = Counter(row["claimed_by"] for row in outbox_rows(postgres_engine))
        assert len(senders) == 2
        second.signal(signal.SIGTERM)
        assert second.wait(BOUND + 5) == 0
    finally:
        first.stop()
        if second is not None:
            second.stop()


def test_sigkill_mid_delivery_the_claim_is_taken_over_after_the_lease(
    tmp_path, fake, database, postgres_engine
):
    lease = 4.0
    keys = queue_messages(postgres_engine, fake, ROWS)
    settings = {"DATABASE_URL": database, "TANDEM_OUTBOX_LEASE_SECONDS": str(lease)}
    first = SlackProcess(tmp_path, "first", fake.api_url, **settings)
    second = None
    try:
        first.wait_healthy()
        eventually(lambda: posts(fake) >= 3, "the first process to be sending", SENDING)
        first.signal(signal.SIGKILL)
        killed_at = datetime.now(UTC)
        assert first.wait(10) == -signal.SIGKILL
        assert statuses(postgres_engine) == {"claimed": ROWS}  # marked nothing: killed mid-batch
        first_claimer = {row["claimed_by"] for row in outbox_rows(postgres_engine)}
        eventually(  # the post in flight when it died still lands in the fake
            lambda: sum(posted_keys(fake).values()) == posts(fake), "the fake to answer"
        )
        delivered_by_first = set(posted_keys(fake))
        assert delivered_by_first
        fake.delay.clear()  # Slack is quick again for the second

        second = SlackProcess(tmp_path, "second", fake.api_url, **settings)
        second.wait_healthy()
        eventually(
            lambda: statuses(postgres_engine)["sent"] == ROWS,
            "the second to take the claims over",
            SENDING + lease,
        )
        rows = outbox_rows(postgres_engine)
        [taken_over_by] = {row["claimed_by"] for row in rows}
        assert {taken_over_by} != first_claimer
        # Each a second attempt (or later, had the short lease run out mid-batch again),
        # so the sender looked in the DM's history before posting.
        assert min(row["attempts"] for row in rows) == 2
        assert min(row["sent_at"] for row in rows) >= killed_at + timedelta(seconds=lease - 1)
        # Nothing lost, nothing twice: what the first had posted was found, not posted again.
        assert posted_keys(fake) == Counter({key: 1 for key in keys})
        assert posts(fake) == ROWS
        assert len(fake.calls_to("conversations.history")) >= ROWS
        second.signal(signal.SIGTERM)
        assert second.wait(BOUND + 5) == 0
    finally:
        first.stop()
        if second is not None:
            second.stop()
