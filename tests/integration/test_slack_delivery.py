"""Delivering the outbox to Slack against the local fake Web API: pacing, 429 storms,
second attempts that look before they post, errors no retry can mend; and Block Kit
rendering within Slack's limits. The clock is fixed and the pacer's sleep is recorded,
so nothing here waits on real time."""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta

import pytest
from slack_sdk import WebClient
from slack_sdk.models.blocks import Block

from adapters.pacing import Pacer
from adapters.slack.blocks import home_view, message, message_pages, modal_view, reply_blocks
from adapters.slack.sender import SlackSender
from bot.clock import FixedClock
from bot.delivery import Delivery, Outcome
from bot.domain import Identity, OutboxKind, OutboxMessage, OutboxStatus, Person, Platform, Thread
from bot.forms import DIARY
from bot.replies import Attachment, Audience, Button, Field, Reply, Section
from tests.conftest import NOW
from tests.support.fake_slack import FakeSlack
from tests.support.fakes import FakeDatabase


@pytest.fixture
def fake():
    fake = FakeSlack().start()
    yield fake
    fake.stop()


class Sleeps:
    def __init__(self) -> None:
        self.total = 0.0
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.total += seconds
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


def sender_for(fake: FakeSlack, sleeps: Sleeps, rate: float = 10.0) -> SlackSender:
    client = WebClient(token="xoxb-test", base_url=fake.api_url)
    return SlackSender(client, Pacer(rate, 1.0, sleep=sleeps.sleep, monotonic=sleeps.monotonic))


def queue_for(db: FakeDatabase, fake: FakeSlack, people: int, each: int) -> list[str]:
    keys = []
    with db() as uow:
        for p in range(people):
            user = f"U{p:04d}"
            fake.add_user(user, f"user{p}")
            person = uow.people.add(
                Person(Identity(Platform.SLACK, "T0TANDEM", user), user, "UTC", "en", NOW)
            )
            for i in range(each):
                reply = Reply(text=f"check-in {i}", audience=Audience.DM, recipient_id=person.id)
                key = f"checkin:{person.id}:{i}"
                uow.outbox.add(
                    OutboxMessage(
                        person.id, reply.model_dump_json(), key, NOW, NOW, OutboxKind.CHECKIN
                    )
                )
                keys.append(key)
        uow.commit()
    return keys


def posted_keys(fake: FakeSlack) -> Counter[str]:
    return Counter(
        m["metadata"]["event_payload"]["key"] for posts in fake.messages.values() for m in posts
    )


def test_a_429_storm_delivers_everything_exactly_once(fake):
    db, clock, sleeps = FakeDatabase(), FixedClock(NOW), Sleeps()
    keys = queue_for(db, fake, people=10, each=3)
    fake.throttle_next("chat.postMessage", 12, retry_after=2)
    delivery = Delivery(db, clock, "w1")
    sender = sender_for(fake, sleeps)
    for _ in range(50):
        delivery.drain(sender)
        if all(m.status is OutboxStatus.SENT for m in db.state.outbox.values()):
            break
        clock.advance(timedelta(seconds=2))  # Retry-After has passed
    assert {m.status for m in db.state.outbox.values()} == {OutboxStatus.SENT}
    assert posted_keys(fake) == Counter({key: 1 for key in keys})  # none lost, none twice
    assert len(fake.calls_to("chat.postMessage")) == 30 + 12  # the 12 refused were retried
    assert all(m.attempts <= 1 for m in db.state.outbox.values())  # a 429 is not an attempt
    assert len(fake.calls_to("conversations.open")) == 10  # DM channels are cached
    assert sleeps.total >= 2 * 12 - 1e-9  # and the pacer held off after each 429


def test_pacing_keeps_one_message_a_second_per_channel_and_the_workspace_rate(fake):
    db, clock, sleeps = FakeDatabase(), FixedClock(NOW), Sleeps()
    queue_for(db, fake, people=1, each=5)
    Delivery(db, clock, "w1").drain(sender_for(fake, sleeps, rate=10.0))
    assert sleeps.total == pytest.approx(4.0)  # five posts to one channel: 0, 1, 2, 3, 4 s

    db2, sleeps2 = FakeDatabase(), Sleeps()
    queue_for(db2, fake, people=20, each=1)
    Delivery(db2, clock, "w1").drain(sender_for(fake, sleeps2, rate=10.0))
    assert sleeps2.total == pytest.approx(1.9)  # twenty channels at ten a second


def test_a_second_attempt_looks_before_it_posts(fake):
    sleeps = Sleeps()
    sender = sender_for(fake, sleeps)
    fake.add_user("U0ANA", "ana")
    ana = Person(Identity(Platform.SLACK, "T0TANDEM", "U0ANA"), "ana", "UTC", "en", NOW, id=1)
    reply = Reply(text="Time for your check-in.", audience=Audience.DM, recipient_id=1)
    assert sender.send(ana, reply, "checkin:1:a", attempt=1).outcome is Outcome.SENT
    assert sender.send(ana, reply, "checkin:1:a", attempt=2).outcome is Outcome.SENT  # found
    assert posted_keys(fake) == Counter({"checkin:1:a": 1})
    assert sender.send(ana, reply, "checkin:1:b", attempt=2).outcome is Outcome.SENT  # not found
    assert posted_keys(fake)["checkin:1:b"] == 1


def test_a_person_slack_will_not_let_us_reach_fails_the_row_with_the_reason(fake):
    db, clock = FakeDatabase(), FixedClock(NOW)
    queue_for(db, fake, people=1, each=1)
    fake.closed_dms.add("U0000")
    report = Delivery(db, clock, "w1").drain(sender_for(fake, Sleeps()))
    [row] = db.state.outbox.values()
    assert report.failed == 1 and row.status is OutboxStatus.FAILED
    assert row.last_error == "user_not_found"


def test_a_server_error_or_a_refused_connection_is_retried(fake):
    db, clock = FakeDatabase(), FixedClock(NOW)
    queue_for(db, fake, people=1, each=1)
    fake.server_errors["chat.postMessage"] = 1
    report = Delivery(db, clock, "w1").drain(sender_for(fake, Sleeps()))
    [row] = db.state.outbox.values()
    assert report.retried == 1 and row.status is OutboxStatus.PENDING and row.attempts == 1
    assert "500" in row.last_error

    db2 = FakeDatabase()
    queue_for(db2, fake, people=1, each=1)
    unreachable = SlackSender(
        WebClient(token="xoxb-test", base_url="http://127.0.0.1:9/api/"), Pacer(10)
    )
    assert Delivery(db2, clock, "w1").drain(unreachable).retried == 1


def huge_reply() -> Reply:
    return Reply(
        text="x" * 10_000 + " <b> & ",
        sections=tuple(
            Section(
                title=f"Section {i}",
                text="y" * 4000,
                fields=tuple(Field(label=f"f{j}", value="z" * 2500) for j in range(12)),
            )
            for i in range(30)
        ),
        buttons=tuple(Button(label="b" * 100, command=f"diary {i}") for i in range(30)),
    )


def test_block_kit_stays_within_slacks_limits():
    blocks = reply_blocks(huge_reply())
    assert len(blocks) <= 50
    for block in Block.parse_all(blocks):
        block.to_dict()  # raises on any limit slack_sdk knows
    for block in blocks:
        if block["type"] == "section":
            assert len(block.get("text", {}).get("text", "")) <= 3000
            assert len(block.get("fields", [])) <= 10
            assert all(len(f["text"]) <= 2000 for f in block.get("fields", []))
    buttons = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert len(buttons) == 30 and all(len(e["text"]["text"]) <= 75 for e in buttons)
    assert "&lt;b&gt; &amp;" in blocks[3]["text"]["text"]  # user text is escaped
    assert len(message(huge_reply())["text"]) <= 3000


def test_views_stay_within_limits():
    home = home_view(huge_reply())
    assert home["type"] == "home" and len(home["blocks"]) <= 100
    for block in Block.parse_all(home["blocks"]):
        block.to_dict()
    modal = modal_view(DIARY)
    for block in Block.parse_all(modal["blocks"]):
        block.to_dict()
    assert [b["block_id"] for b in modal["blocks"]] == ["text", "share"]
    assert len(modal["title"]["text"]) <= 24


def test_a_long_export_with_escapes_is_split_into_valid_pages():
    content = json.dumps({"diary": [{"text": f"Q&A <{i}> R&D " * 40} for i in range(200)]})
    reply = Reply(
        text="Here is everything Tandem keeps about you.",
        attachment=Attachment(
            filename="tandem-export.json", media_type="application/json", content=content
        ),
    )
    pages = message_pages(reply)
    assert len(pages) > 2
    code = []
    for page in pages:
        assert len(page["blocks"]) <= 50
        for block in Block.parse_all(page["blocks"]):
            block.to_dict()
        for block in page["blocks"]:
            text = block.get("text", {}).get("text", "")
            assert len(text) <= 3000
            if text.startswith("```"):
                code.append(text[3:-3])
    unescaped = "".join(code).replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    assert unescaped == content  # the whole export, nothing cut


def test_the_pace_can_be_shared_out():
    sleeps = Sleeps()
    pacer = Pacer(10, 0.0, sleep=sleeps.sleep, monotonic=sleeps.monotonic)
    pacer.set_rate(10 / 2)  # two live replicas share the workspace's ten a second
    for channel in range(6):
        pacer.wait(f"C{channel}")
    assert sleeps.total == pytest.approx(5 * 0.2)


def test_a_shared_experience_is_a_channel_post_made_once(fake):
    sender = sender_for(fake, Sleeps())
    fake.add_user("U0ANA", "ana")
    ana = Person(Identity(Platform.SLACK, "T0TANDEM", "U0ANA"), "ana", "UTC", "en", NOW, id=1)
    reply = Reply(
        text="Silent start",
        sections=(Section(title="ana shares in facilitation", text="what happened"),),
        audience=Audience.POST,
        thread=Thread("C0FORUM", "cop:7"),
        recipient_id=1,
    )
    assert sender.send(ana, reply, "cop:1:post:7").outcome is Outcome.SENT
    assert sender.send(ana, reply, "cop:1:post:7", attempt=2).outcome is Outcome.SENT  # found
    [post] = fake.messages["C0FORUM"]
    assert post["metadata"]["event_type"] == "tandem_post"
    assert post["metadata"]["event_payload"] == {"key": "cop:1:post:7", "post": "cop:7"}
    assert "thread_ts" not in post and "what happened" in json.dumps(post["blocks"])
    assert not fake.calls_to("conversations.open")  # a channel, not a DM
