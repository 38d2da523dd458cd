"""The inbox (bot/inbox.py, storage/inbox.py, tests/support/fakes.py): incoming work recorded
before the ack, under the request's key, and done exactly once.

Storage tests run on SQLite, PostgreSQL and the in-memory fake alike (the fake must
behave like the real storage)."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import logging
import socket
import sqlite3
import threading
import time
import urllib.parse
from collections import Counter
from datetime import timedelta

import aiohttp
import pytest
from aiohttp import web
from discord.http import Route
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import Engine, func, select

from adapters.bootstrap import build
from adapters.clock import SystemClock
from adapters.discord.bot import INTERACTION
from adapters.dm_channels import DmChannels
from adapters.settings import Settings
from adapters.slack.app import create_bolt_app, web_application
from adapters.slack.handoff import InboxFront
from adapters.slack.work import inbox_worker, slack_context
from bot.clock import FixedClock
from bot.domain import InboxStatus, Incoming, Platform
from bot.inbox import NOT_SAVED, Inbox, Recorded
from bot.policy import Policy
from bot.service import Tandem
from storage.engine import make_engine
from storage.tables import diary_entries, inbox
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import NOW, console_identity
from tests.integration.test_discord import ANA
from tests.integration.test_discord import Harness as DiscordHarness
from tests.integration.test_discord import callback as discord_callback
from tests.support import discord_payloads as dp
from tests.support.fake_discord import FakeDiscord
from tests.support.fake_slack import FakeSlack
from tests.support.fakes import FakeDatabase
from tests.support.slack_requests import dm_message, event_callback, slash_command


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


def test_requests_recorded_together_are_one_commit_and_each_gets_its_answer(uow_factory):
    clock = FixedClock(NOW)
    front = inbox_for(uow_factory, clock, "front")
    gone = threading.Event()  # this caller gave up waiting (told "not saved")
    results = front.record_many(
        [
            ("k1", "slack.command", {"args": [1]}, lambda: True),
            ("k2", "slack.command", {"args": [2]}, gone.is_set),
            ("k1", "slack.command", {"args": [1]}, lambda: True),  # a replay, same batch
            ("k3", "slack.dm", {"args": [3]}, lambda: True),
        ]
    )
    assert [r[0] if r else None for r in results] == [
        Recorded.NEW,
        None,
        Recorded.DUPLICATE,
        Recorded.NEW,
    ]
    assert sorted(i.payload["args"][0] for i in front.claim()) == [1, 3]  # k2 never landed
    assert front.record("k2", "slack.command", {"args": [2]})[0] is Recorded.NEW  # not taken


def test_claims_can_be_limited_to_kinds_and_a_held_row_is_not_swept(uow_factory):
    clock = FixedClock(NOW)
    one, two = inbox_for(uow_factory, clock, "one"), inbox_for(uow_factory, clock, "two")
    one.record("slack", "slack.dm", {"args": []})
    one.record("discord", "discord.interaction", {"args": []})
    _, held = one.record("held", "discord.interaction", {"args": []}, None, True)
    assert [i.key for i in two.claim(kinds=["slack.dm"])] != []
    assert len(two.claim(kinds=["discord.interaction"])) == 1  # not the held one
    assert one.finish(held)


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
        ana,
        "diary Read the paper",
        None,
        Incoming("k", inbox=two.claim_of(again), keyed_by_inbox=True),
    )
    assert done  # the entry's confirmation
    late = tandem.handle(
        ana,
        "diary Read the paper",
        None,
        Incoming("k", inbox=one.claim_of(item), keyed_by_inbox=True),
    )
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
                tandem.handle(
                    console_identity("ana"),
                    line,
                    None,
                    Incoming(item.key, inbox=claim, keyed_by_inbox=True),
                )

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


# --- Slack: the acking side in this process (Bolt + aiohttp on a free port), a fake of
# Slack's Web API, and requests signed as Slack signs them. Waiting is on the fake's
# condition (another thread's work), never on a schedule.

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def slack_fake():
    fake = FakeSlack().start()
    for user, name in (("U0ANA", "ana"), ("U0BEN", "ben"), ("U0SECRET", "sam")):
        fake.add_user(user, name)
    yield fake
    fake.stop()


class Ingress:
    """What `tandem slack` runs in its acking process, here: records, then acks. `woken`
    lists the rows it woke a worker for (none runs unless a test starts one)."""

    def __init__(self, app, session, front, port: int) -> None:
        self.app, self.session, self.front, self.port = app, session, front, port
        self.woken: list[int] = []

    async def post(
        self, body: str, content_type: str = FORM, *, timestamp: int | None = None, **headers: str
    ) -> tuple[int, str]:
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body)
        sent = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature,
            **headers,
        }
        return await self.raw(body, sent)

    async def raw(self, body: str | bytes, headers: dict[str, str]) -> tuple[int, str]:
        async with self.session.post(
            f"http://127.0.0.1:{self.port}/slack/events", data=body, headers=headers
        ) as response:
            return response.status, await response.text()


@contextlib.asynccontextmanager
async def ingress(tmp_path, fake: FakeSlack, clock=None):
    settings = Settings(
        DATABASE_URL=f"sqlite:///{tmp_path / 'tandem.db'}",
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=fake.api_url,
        TANDEM_DEFAULT_TZ="Europe/Berlin",
    )
    app = build(settings, clock or SystemClock(), platform=Platform.SLACK)
    async with aiohttp.ClientSession() as session:
        woken: list[int] = []
        front = InboxFront(app.inbox, woken.append, session)
        bolt = create_bolt_app(settings, session, front)
        runner = web.AppRunner(web_application(app.engine, bolt, False, 0), access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        here = Ingress(app, session, front, runner.addresses[0][1])
        here.woken = woken
        try:
            yield here
        finally:
            await runner.cleanup()
            app.close()


def run(scenario) -> None:
    asyncio.run(scenario())


def all_rows(engine: Engine) -> list[tuple]:
    with engine.connect() as connection:
        return list(
            connection.execute(select(inbox.c.id, inbox.c.kind, inbox.c.status, inbox.c.payload))
        )


def diary_texts(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(select(diary_entries.c.text)).scalars())


def test_a_slash_command_is_recorded_before_it_is_acked(tmp_path, slack_fake):
    async def scenario():
        async with ingress(tmp_path, slack_fake) as slack:
            body = slash_command("U0ANA", "diary Read the paper", slack_fake.response_url("a1"))
            status, text = await slack.post(body)
            assert (status, text) == (200, "")
            # no worker runs here: the ack came after the row, which waits to be done
            [(item_id, kind, state, payload)] = all_rows(slack.app.engine)
            assert (kind, state) == ("slack.command", "pending")
            assert payload["args"][0]["text"] == "diary Read the paper"
            assert slack.woken == [item_id]  # and the worker was woken at once

    run(scenario)


def test_the_same_signed_command_replayed_is_recorded_once(tmp_path, slack_fake):
    async def scenario():
        async with ingress(tmp_path, slack_fake) as slack:
            body = slash_command("U0ANA", "diary once", slack_fake.response_url("a2"))
            stamp = int(time.time())
            assert (await slack.post(body, timestamp=stamp))[0] == 200
            assert (await slack.post(body, timestamp=stamp))[0] == 200  # a replay: same bytes
            assert (await slack.post(body, timestamp=stamp - 60))[0] == 200  # signed anew
            rows = all_rows(slack.app.engine)
            assert len(rows) == 2 and len(slack.woken) == 2

    run(scenario)


def test_an_event_retried_by_slack_is_recorded_once(tmp_path, slack_fake):
    async def scenario():
        async with ingress(tmp_path, slack_fake) as slack:
            event = event_callback(dm_message("U0ANA", "Learned a lot", "1764500100.000100"), "Ev1")
            assert (await slack.post(event, "application/json"))[0] == 200
            retry = await slack.post(
                event,
                "application/json",
                timestamp=int(time.time()) - 3,
                **{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"},
            )
            assert retry[0] == 200
            assert len(all_rows(slack.app.engine)) == 1

    run(scenario)


def unreachable_inbox(clock) -> Inbox:
    """An inbox whose database is down: a PostgreSQL URL on a port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again when we leave: nothing listens there
    engine = make_engine(f"postgresql://postgres@127.0.0.1:{port}/none")
    return Inbox(SqlUnitOfWorkFactory(engine), clock, "front")


def test_a_request_that_cannot_be_recorded_is_told_so_and_nothing_is_done(tmp_path, slack_fake):
    async def scenario():
        async with ingress(tmp_path, slack_fake) as slack:
            slack.front._inbox = unreachable_inbox(SystemClock())
            body = slash_command("U0ANA", "diary Lost words", slack_fake.response_url("a3"))
            status, text = await slack.post(body)
            assert status == 200
            assert text == NOT_SAVED  # the ack itself says so (Slack shows it to them alone)
            event = event_callback(dm_message("U0ANA", "An answer", "1764500200.000100"), "Ev2")
            status, _ = await slack.post(event, "application/json")
            assert status == 503  # not 2xx: Slack sends the event again
            assert all_rows(slack.app.engine) == [] and slack.woken == []
            assert diary_texts(slack.app.engine) == []

    run(scenario)


def test_a_record_that_takes_too_long_is_not_saved_and_never_lands(tmp_path, slack_fake):
    """The database is there but locked (another writer holds SQLite's lock) longer than
    the ack may wait: the ack says "not saved", and when the lock is let go, the
    abandoned write is rolled back, not committed after the person was told it failed."""

    async def scenario():
        async with ingress(tmp_path, slack_fake) as slack:
            blocker = sqlite3.connect(tmp_path / "tandem.db", isolation_level=None)
            blocker.execute("BEGIN EXCLUSIVE")
            try:
                body = slash_command("U0ANA", "diary Too slow", slack_fake.response_url("a4"))
                status, text = await slack.post(body)
            finally:
                blocker.execute("ROLLBACK")
                blocker.close()
            assert (status, text) == (200, NOT_SAVED)
            slack.front._executor.shutdown(wait=True)  # the abandoned write has finished
            assert all_rows(slack.app.engine) == [] and slack.woken == []

    run(scenario)


def test_rows_a_dead_process_left_are_done_by_the_next_worker(tmp_path, slack_fake):
    async def scenario():
        async with ingress(tmp_path, slack_fake) as slack:
            for n in range(3):  # acked; the worker died before it took them
                body = slash_command("U0BEN", f"diary note {n}", slack_fake.response_url(f"d{n}"))
                assert (await slack.post(body))[0] == 200
            worker = inbox_worker(slack.app, slack_context(slack.app, slack.session, DmChannels()))
            worker.start()  # a new process's worker: it sweeps at start
            try:
                for n in range(3):
                    await asyncio.to_thread(slack_fake.wait_for, f"response_url:d{n}")
            finally:
                await worker.stop(5.0)
            assert sorted(diary_texts(slack.app.engine)) == ["note 0", "note 1", "note 2"]
            assert {row[2] for row in all_rows(slack.app.engine)} == {"done"}
            assert all(row[3] == {} for row in all_rows(slack.app.engine))

    run(scenario)


def test_a_row_done_after_the_response_url_expired_is_answered_by_dm(tmp_path, slack_fake):
    clock = FixedClock(NOW)

    async def scenario():
        async with ingress(tmp_path, slack_fake, clock) as slack:
            body = slash_command("U0ANA", "diary Late but kept", slack_fake.response_url("late"))
            assert (await slack.post(body))[0] == 200
            clock.advance(timedelta(minutes=31))  # response_url lives 30 minutes
            posts = len(slack_fake.calls_to("chat.postMessage"))
            worker = inbox_worker(slack.app, slack_context(slack.app, slack.session, DmChannels()))
            worker.start()
            try:
                await asyncio.to_thread(slack_fake.wait_for, "chat.postMessage", posts + 1)
            finally:
                await worker.stop(5.0)
            assert slack_fake.calls_to("response_url:late") == []
            assert diary_texts(slack.app.engine) == ["Late but kept"]

    run(scenario)


MALFORMED = [
    ("bad JSON in payload", FORM, "payload=%7Bnot+json"),
    ("a command missing its user", FORM, "command=%2Flearn&text=diary+x&team_id=T0TANDEM"),
    (
        "a click missing its user",
        FORM,
        "payload="
        + urllib.parse.quote(
            '{"type":"block_actions","actions":[{"action_id":"tandem:run:0","value":"help"}]}'
        ),
    ),
    (
        "an event missing its user",
        "application/json",
        json.dumps(
            {
                "type": "event_callback",
                "event_id": "Ev9",
                "team_id": "T0TANDEM",
                "event": {
                    "type": "message",
                    "channel_type": "im",
                    "channel": "D1",
                    "text": "x",
                    "ts": "1.2",
                },
            }
        ),
    ),
    ("a wrong content type", "text/plain", "diary hello"),
    ("bytes that are not text", FORM, b"\xff\xfe\x00payload=\x80"),
    ("an empty body", FORM, ""),
]


@pytest.mark.parametrize(
    ("shape", "content_type", "body"), MALFORMED, ids=[m[0] for m in MALFORMED]
)
def test_a_malformed_body_signed_or_not_gets_4xx_never_500(
    tmp_path, slack_fake, shape, content_type, body
):
    async def scenario():
        async with ingress(tmp_path, slack_fake) as slack:
            raw = body.encode() if isinstance(body, str) else body
            stamp = str(int(time.time()))
            mac = hmac.new(SECRET.encode(), b"v0:" + stamp.encode() + b":" + raw, hashlib.sha256)
            signed = "v0=" + mac.hexdigest()
            for headers in (
                {
                    "Content-Type": content_type,
                    "X-Slack-Request-Timestamp": stamp,
                    "X-Slack-Signature": signed,
                },
                {"Content-Type": content_type},  # unsigned
            ):
                status, _ = await slack.raw(raw, headers)
                assert 400 <= status < 500, (shape, headers, status)
            assert all_rows(slack.app.engine) == []

    run(scenario)


def test_no_log_line_carries_a_body_a_user_id_or_text(tmp_path, slack_fake, caplog):
    """A forged signature, and a genuine request whose clock is 10 minutes off: Bolt
    refuses both and says so, and no log line has the body, the user id or the text."""
    caplog.set_level(logging.DEBUG)

    async def scenario():
        async with ingress(tmp_path, slack_fake) as slack:
            body = slash_command("U0SECRET", "diary my manager micro-manages me", "https://x/y")
            forged = await slack.raw(
                body,
                {
                    "Content-Type": FORM,
                    "X-Slack-Request-Timestamp": str(int(time.time())),
                    "X-Slack-Signature": "v0=" + "0" * 64,
                },
            )
            skewed = await slack.post(body, timestamp=int(time.time()) - 600)
            event = event_callback(
                dm_message("U0SECRET", "my manager micro-manages me", "1.1"), "Ev5"
            )
            stale_event = await slack.post(
                event, "application/json", timestamp=int(time.time()) - 900
            )
            malformed = await slack.post("payload=%7Bnot+json+U0SECRET")
            assert [forged[0], skewed[0], stale_event[0]] == [401, 401, 401]
            assert malformed[0] == 400

    run(scenario)
    said = "\n".join(f"{r.name} {r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "Invalid request signature detected" in said  # Bolt spoke, and was heard here
    for secret in (
        "U0SECRET",
        "micro-manages",
        "micro-manages".replace("-", "%2D"),
        "micro",
        "token=deprecated",
    ):
        assert secret not in said, secret


# --- Discord: discord.py's own ConnectionState parses real-shaped interactions
# (tests/integration/test_discord.py's harness); the REST side is a local fake of Discord's API.


@pytest.fixture
def discord_fake(monkeypatch):
    fake = FakeDiscord().start()
    monkeypatch.setattr(Route, "BASE", fake.api_url)
    yield fake
    fake.stop()


@pytest.fixture
def discord_bot(discord_fake, tmp_path):
    harness = DiscordHarness(discord_fake, tmp_path)
    yield harness
    harness.close()


def test_a_discord_interaction_is_recorded_and_done_from_the_inbox(discord_bot, discord_fake):
    payload = dp.slash(ANA, "diary write", text="Kept my notes")
    discord_bot.dispatch(payload)
    assert "Saved to your diary" in discord_callback(discord_fake, payload)["data"]["content"]
    # done with the entry; nothing kept (a claim that found the row in hand may have
    # counted an attempt without running it, seen under load: the entry is there once)
    [(kind, status, kept, attempts)] = discord_bot.rows(
        "SELECT kind, status, payload, attempts FROM inbox"
    )
    assert (kind, status, kept) == ("discord.interaction", "done", "{}") and attempts in (1, 2)
    assert discord_bot.rows("SELECT text FROM diary_entries") == [("Kept my notes",)]
    discord_bot.dispatch(payload)  # the same interaction delivered again (a resume)
    later = dp.slash(ANA, "help")
    discord_bot.dispatch(later)  # one more, to wait for: the duplicate came before it
    discord_callback(discord_fake, later)
    assert discord_bot.rows("SELECT count(*) FROM inbox") == [(2,)]
    assert discord_bot.rows("SELECT count(*) FROM diary_entries") == [(1,)]
    assert len(discord_fake.calls_to(f"/interactions/{payload['id']}/callback")) == 1


def test_a_discord_interaction_that_cannot_be_recorded_is_told_not_saved(discord_bot, discord_fake):
    discord_bot.app.inbox = unreachable_inbox(SystemClock())
    payload = dp.slash(ANA, "diary write", text="Lost if it were not said")
    discord_bot.dispatch(payload)
    body = discord_callback(discord_fake, payload)
    assert body["type"] == 4 and body["data"]["flags"] & 64  # an ephemeral message
    assert body["data"]["content"] == NOT_SAVED
    assert discord_bot.rows("SELECT count(*) FROM diary_entries") == [(0,)]


def test_an_interaction_a_dead_process_recorded_is_done_and_followed_up(discord_bot, discord_fake):
    """A process recorded (and held) the interaction, then died before doing it: this
    bot's inbox worker takes it once the lease has run out, does it once, and answers
    with a followup through the interaction's token."""
    dead = Inbox(
        SqlUnitOfWorkFactory(discord_bot.app.engine), SystemClock(), "dead:1", timedelta(0)
    )
    recorded = {
        "call": "handle",
        "user": ANA["id"],
        "arguments": {
            "line": "diary Written before the crash",
            "profile": {"display_name": "ana", "locale": None},
            "event": None,
            "mentioned": {},
            "where": None,
        },
        "application_id": dp.APP_ID,
        "token": "tok-left-behind",
    }
    dead.record("discord:interaction:1", INTERACTION, recorded, None, True)
    discord_bot.bot.inbox_worker.wake()
    [followup] = discord_fake.wait_for("/webhooks/tok-left-behind")
    assert "Saved to your diary" in followup["content"] and followup["flags"] & 64
    assert discord_bot.rows("SELECT text FROM diary_entries") == [("Written before the crash",)]
    assert discord_bot.rows("SELECT status, claimed_by FROM inbox")[0][0] == "done"
