"""Discord rendering within Discord's limits, and outbox delivery to DMs through
discord.py's own HTTP client against a local fake of Discord's REST API."""

from __future__ import annotations

import asyncio
import threading
from collections import Counter

import pytest
from discord.http import HTTPClient, Route

from adapters.discord.render import messages
from adapters.discord.sender import DiscordSender
from adapters.pacing import Pacer
from bot.clock import FixedClock
from bot.delivery import Delivery
from bot.domain import Identity, OutboxKind, OutboxMessage, OutboxStatus, Person, Platform, Thread
from bot.replies import Attachment, Audience, Button, Field, Reply, Section
from tests.conftest import NOW
from tests.support.fake_discord import FakeDiscord
from tests.support.fakes import FakeDatabase


def test_a_long_reply_is_split_within_discords_limits():
    text = ("A sentence about learning. " * 400).strip()  # ~10,800 characters
    reply = Reply(
        text=text,
        sections=tuple(
            Section(
                title=f"Section {i}",
                text="z" * 5000,
                fields=tuple(Field(label=f"f{j}", value="v" * 1500) for j in range(30)),
            )
            for i in range(3)
        ),
        buttons=tuple(Button(label=f"b{i}", command=f"diary {i}") for i in range(30)),
    )
    parts = messages(reply)
    assert all(len(p.content or "") <= 2000 for p in parts)
    assert (
        " ".join(p.content for p in parts if p.content).replace("  ", " ") == text
    )  # nothing lost
    assert all(len(p.embeds) <= 10 and p.embed_chars() <= 6000 for p in parts)
    assert all(
        len(e.fields) <= 25 and len(e.description or "") <= 4096 for p in parts for e in p.embeds
    )
    assert sum(len(e.fields) for p in parts for e in p.embeds) == 90
    assert [len(p.buttons) for p in parts][-1] == 25 and all(not p.buttons for p in parts[:-1])


def test_a_button_too_long_for_a_custom_id_is_left_out():
    [part] = messages(
        Reply(
            text="x",
            buttons=(
                Button(label="ok", command="checkin now"),
                Button(label="long", command="diary " + "y" * 100),
            ),
        )
    )
    assert [b.command for b in part.buttons] == ["checkin now"]


class Bot:
    """discord.py's HTTP client, logged in to the fake, on a loop in a thread of its own
    (as the bot's loop is, while the delivery thread sends)."""

    def __init__(self, fake: FakeDiscord) -> None:
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.http = HTTPClient(self.loop, max_ratelimit_timeout=30.0)
        asyncio.run_coroutine_threadsafe(self.http.static_login("fake-token"), self.loop).result(10)

    def close(self) -> None:
        asyncio.run_coroutine_threadsafe(self.http.close(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)


@pytest.fixture
def fake(monkeypatch):
    fake = FakeDiscord().start()
    monkeypatch.setattr(Route, "BASE", fake.api_url)  # what DISCORD_API_URL does
    yield fake
    fake.stop()


@pytest.fixture
def bot(fake):
    bot = Bot(fake)
    yield bot
    bot.close()


class NoSleep:
    def __init__(self) -> None:
        self.now = 0.0

    def sleep(self, seconds: float) -> None:
        self.now += seconds

    def monotonic(self) -> float:
        return self.now


def queue(db: FakeDatabase, users: list[str], reply: Reply | None = None) -> list[str]:
    keys = []
    with db() as uow:
        for n, user in enumerate(users):
            person = uow.people.add(
                Person(Identity(Platform.DISCORD, "", user), f"p{n}", "UTC", "en", NOW)
            )
            body = reply or Reply(
                text="Time for your check-in.",
                audience=Audience.DM,
                recipient_id=person.id,
                buttons=(Button(label="Skip this one", command="checkin skip"),),
            )
            key = f"checkin:{person.id}:x"
            uow.outbox.add(
                OutboxMessage(
                    person.id,
                    body.model_copy(update={"recipient_id": person.id}).model_dump_json(),
                    key,
                    NOW,
                    NOW,
                    OutboxKind.CHECKIN,
                )
            )
            keys.append(key)
        uow.commit()
    return keys


def sender(bot: Bot) -> DiscordSender:
    no_sleep = NoSleep()
    return DiscordSender(
        bot.http, bot.loop, Pacer(5, 0.0, sleep=no_sleep.sleep, monotonic=no_sleep.monotonic)
    )


USERS = [f"3000000000000000{n:02d}" for n in range(5)]


def test_a_check_in_reaches_the_dm_with_a_nonce_and_its_buttons(fake, bot):
    db = FakeDatabase()
    queue(db, USERS[:1])
    report = Delivery(db, FixedClock(NOW), "w1").drain(sender(bot))
    assert report.sent == 1
    [(_, _, opened)] = [c for c in fake.calls if c[1] == "/users/@me/channels"]
    assert opened["recipient_id"] in (USERS[0], int(USERS[0]))
    [post] = [c[2] for c in fake.calls if c[1].endswith("/messages")]
    assert post["content"] == "Time for your check-in."
    assert post["enforce_nonce"] is True and len(post["nonce"]) <= 25
    [button] = post["components"][0]["components"]
    assert button["custom_id"] == "tandem:run:checkin skip"
    assert post["allowed_mentions"] == {"parse": []}


def test_closed_dms_fail_the_row_with_50007_and_are_not_retried(fake, bot):
    db = FakeDatabase()
    queue(db, USERS[:2])
    fake.closed_dms.add(USERS[1])
    report = Delivery(db, FixedClock(NOW), "w1").drain(sender(bot))
    by_status = Counter(m.status for m in db.state.outbox.values())
    assert (
        report.sent == 1
        and report.failed == 1
        and by_status == {OutboxStatus.SENT: 1, OutboxStatus.FAILED: 1}
    )
    [failed] = [m for m in db.state.outbox.values() if m.status is OutboxStatus.FAILED]
    assert failed.last_error == "dm closed (50007)"


def test_a_429_during_delivery_is_obeyed_and_nothing_is_sent_twice(fake, bot):
    db = FakeDatabase()
    queue(db, USERS)
    fake.throttle["POST messages"] = 3
    report = Delivery(db, FixedClock(NOW), "w1").drain(sender(bot))
    assert report.sent == 5
    posted = Counter(m["nonce"] for posts in fake.messages.values() for m in posts)
    assert len(posted) == 5 and set(posted.values()) == {1}
    assert (
        len([c for c in fake.calls if c[1].endswith("/messages")]) == 5 + 3
    )  # the 429s were retried


def test_a_redelivery_after_a_crash_is_refused_by_the_nonce(fake, bot):
    db = FakeDatabase()
    queue(db, USERS[:1])
    discord_sender = sender(bot)
    person = next(iter(db.state.people.values()))
    reply = Reply(text="Time for your check-in.", audience=Audience.DM, recipient_id=person.id)
    discord_sender.send(person, reply, "checkin:1:x")
    discord_sender.send(person, reply, "checkin:1:x", attempt=2)  # the same row, again
    assert sum(len(posts) for posts in fake.messages.values()) == 1


def test_an_export_goes_as_a_file(fake, bot):
    db = FakeDatabase()
    export = Reply(
        text="Here is everything Tandem keeps about you.",
        audience=Audience.DM,
        attachment=Attachment(
            filename="tandem-export.json", media_type="application/json", content="{}"
        ),
    )
    queue(db, USERS[:1], export)
    assert Delivery(db, FixedClock(NOW), "w1").drain(sender(bot)).sent == 1
    [post] = [c[2] for c in fake.calls if c[1].endswith("/messages")]
    assert post["_file"] == "tandem-export.json"


def test_a_429_discord_py_cannot_wait_out_is_backed_off_and_counted(fake, bot, monkeypatch):
    import discord

    from adapters.discord.sender import _outcome

    class Response:  # the shape discord.HTTPException reads
        status = 429
        reason = "Too Many Requests"

    error = discord.HTTPException(Response(), {"message": "You are being blocked", "code": 0})
    result = _outcome(error)
    assert result.counts_as_attempt and result.retry_after.total_seconds() == 60
    closed = discord.Forbidden(
        type("R", (), {"status": 403, "reason": "Forbidden"})(),
        {"message": "Cannot send messages to this user", "code": 50007},
    )
    assert _outcome(closed).reason == "dm closed (50007)"


def _poster(user: str = USERS[0]) -> Person:
    return Person(Identity(Platform.DISCORD, "", user), "ana", "UTC", "en", NOW, id=1)


def _shared(channel: str, name: str = "cop:7", text: str = "what happened") -> Reply:
    return Reply(
        text="Silent start",
        sections=(Section(title="ana shares in facilitation", text=text),),
        audience=Audience.POST,
        thread=Thread(channel, name),
        recipient_id=1,
    )


FORUM = "1500000000000000001"


def test_a_shared_experience_is_a_forum_post_titled_and_found_again(fake, bot):
    fake.forums.add(FORUM)
    reply = _shared(FORUM)
    assert sender(bot).send(_poster(), reply, "cop:1:post:7").outcome.value == "sent"
    [created] = fake.calls_to(f"/channels/{FORUM}/threads")
    assert created["name"] == "Silent start" and created["auto_archive_duration"] == 10080
    [embed] = created["message"]["embeds"]
    assert embed["description"] == "what happened" and embed["footer"]["text"] == "tandem cop:7"
    assert created["message"]["allowed_mentions"] == {"parse": []}
    # a second attempt (a crash before the row was marked) finds the post: none is added
    fresh = sender(bot)  # a new process: nothing remembered
    assert fresh.send(_poster(), reply, "cop:1:post:7", attempt=2).outcome.value == "sent"
    assert len(fake.calls_to(f"/channels/{FORUM}/threads")) == 1
    assert len(fake.forum_posts(FORUM)) == 1


def test_a_long_experience_goes_on_inside_its_forum_post(fake, bot):
    fake.forums.add(FORUM)
    long = ("A sentence about the session. " * 400).strip()  # two embeds' worth and more
    sender(bot).send(_poster(), _shared(FORUM, text=long), "cop:1:post:8")
    [post] = fake.forum_posts(FORUM)
    inside = fake.messages[post["id"]]
    assert len(inside) >= 2  # the starter and what did not fit in it
    told = "".join(e.get("description") or "" for m in inside for e in m["embeds"])
    assert told.replace(" ", "") == long.replace(" ", "")


def test_a_community_in_a_text_channel_gets_a_message_and_a_thread_from_it(fake, bot):
    channel = "1200000000000000009"
    sender(bot).send(_poster(), _shared(channel), "cop:1:post:9")
    [message] = fake.messages[channel]
    assert message["content"] == "Silent start"
    assert message["embeds"][-1]["footer"]["text"] == "tandem cop:7"
    [thread] = fake.calls_to(f"/channels/{channel}/messages/{message['id']}/threads")
    assert thread["name"] == "Silent start"
    assert not fake.calls_to(f"/channels/{channel}/threads")
