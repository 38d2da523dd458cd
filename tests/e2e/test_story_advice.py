"""A colleague-advice round of five, scripted the same way on every adapter: the
facilitator forms the group and names its channel, the case-giver opens a round, the
moderator leads it through the six phases, advisors contribute (on Slack by replying in
the thread, elsewhere with `/learn advice say`), the case-giver's word in the
consultation is kept for them, and the closing files the summary in their diary with
visibility group."""

from __future__ import annotations

import json
import re
import sqlite3

import pytest

from tests.e2e.test_story_preliminary import (  # noqa: F401  (fixtures)
    ConsoleDriver,
    DiscordDriver,
    SlackDriver,
    discord_harness,
)
from tests.integration.test_slack import SlackApp, eventually
from tests.support import discord_payloads
from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import thread_message

GROUP = ("ana", "ben", "cem", "dia", "eli")


class ConsoleAdvice(ConsoleDriver):
    def thread(self) -> list[str]:
        return re.findall(
            r"tandem \(in the thread advice:\d+(?: in [^)\n]*)?\): ([^\n]*)", self.out.getvalue()
        )

    def reply_in_thread(self, who: str, text: str) -> str:
        return self.command(who, f"/learn advice say {text}")


class SlackAdvice(SlackDriver):
    channel = "C0GENERAL"  # where the slash commands of tests/support/slack_requests.py are typed

    def _space(self) -> str:
        """The group's private channel, where its rounds are posted."""
        return next(iter(self.fake.private), self.channel)

    def _posts(self) -> list[dict]:
        return [p for p in self.fake.messages.get(self._space(), []) if p.get("user") == "UBOT0001"]

    def thread(self) -> list[str]:
        return [p["text"] for p in self._posts()]

    def reply_in_thread(self, who: str, text: str) -> str:
        root = next(
            p["ts"]
            for p in self._posts()
            if p.get("metadata", {}).get("event_type") == "tandem_thread"
        )
        number = next(self.numbers)
        space = self._space()
        ts = self.fake.post_as_person(space, self.user(who), text, root)
        before = len(self.fake.calls_to("chat.postEphemeral"))
        self.slack.event(thread_message(self.user(who), space, text, ts, root), f"EvThread{number}")
        # the contribution is noted (no answer), or refused/held (an ephemeral answer)
        eventually(
            lambda: self._recorded(text) or len(self.fake.calls_to("chat.postEphemeral")) > before,
            "the thread reply was not taken",
        )
        return ""

    def _recorded(self, text: str) -> bool:
        with sqlite3.connect(self.database) as connection:
            states = connection.execute("SELECT state FROM advice_rounds").fetchall()
        return any(text in state for (state,) in states)


class DiscordAdvice(DiscordDriver):
    def __init__(self, harness, language: str = "en") -> None:  # noqa: ANN001
        super().__init__(harness, language)
        for i, name in enumerate(("cem", "dia", "eli"), start=1):
            self.people[name] = discord_payloads.user(f"30000000000001{i:04d}", name)

    def _channel(self) -> str:
        return discord_payloads.CHANNEL

    def thread(self) -> list[str]:
        posts = list(self.fake.messages.get(self._channel(), []))
        for thread_id in self.fake.threads:
            posts += self.fake.messages.get(thread_id, [])
        return [p["content"] + json.dumps(p["embeds"]) for p in posts if p["author"]["id"]]

    def reply_in_thread(self, who: str, text: str) -> str:
        return self.command(who, f"/learn advice say {text}")


@pytest.fixture
def slack_world(tmp_path):
    fake = FakeSlack().start()
    for who in ("fay", *GROUP):
        fake.add_user(SlackDriver.user(who), who)
    app = SlackApp(fake, tmp_path, TANDEM_FACILITATORS="slack:T0TANDEM:U0FAY")
    yield fake, app
    app.stop()
    fake.stop()


@pytest.fixture(params=["console", "slack", "discord"])
def driver(request, tmp_path):
    if request.param == "console":
        return ConsoleAdvice(tmp_path)
    if request.param == "discord":
        harness = request.getfixturevalue("discord_harness")
        found = DiscordAdvice(harness)
        found.people.update(
            {
                n: __import__("tests.support.discord_payloads", fromlist=["user"]).user(
                    f"30000000000001{i:04d}", n
                )
                for i, n in enumerate(("cem", "dia", "eli"), start=1)
            }
        )
        return found
    return SlackAdvice(*request.getfixturevalue("slack_world"))


def wait_for_post(driver, text: str) -> str:
    return eventually(
        lambda: [t for t in driver.thread() if text in t], f"no thread post with {text!r}"
    )[-1]


def test_a_round_of_five_in_the_groups_thread(driver):
    driver.command("fay", "/learn cohort open Spring")
    for name in GROUP:
        driver.command("fay", f"/learn cohort invite @{name}")
        driver.last_dm(name, "invites you to the learning cohort Spring")
        driver.click(name, "Join")
    assert "meet here" in driver.command("fay", "/learn cohort space")
    assert "1 group proposed" in driver.command("fay", "/learn cohort groups --size 5-5")
    driver.command("fay", "/learn cohort confirm groups")

    assert "round is open" in driver.command(
        "ana", "/learn advice My team misses deadlines since the reorg"
    )
    wait_for_post(driver, "phase 1 of 6: Casting")
    driver.command("ben", "/learn advice moderator @ben")
    wait_for_post(driver, "moderates (chosen)")
    refused = driver.command("cem", "/learn advice next")
    assert "moderator" in refused.lower()
    driver.command("ben", "/learn advice next")
    wait_for_post(driver, "phase 2 of 6: Case account")
    driver.reply_in_thread("ana", "Two teams merged in March; the standups got long.")
    driver.command("ben", "/learn advice next")
    driver.command("ana", "/learn advice key How do I get commitments that hold?")
    wait_for_post(driver, "Key question: How do I get commitments that hold?")
    driver.command("ben", "/learn advice next")
    driver.command("ben", "/learn advice method headstand")
    driver.command("ben", "/learn advice next")
    wait_for_post(driver, "phase 5 of 6: Consultation")
    held = driver.command("ana", "/learn advice say But I tried all that")
    assert "only listens" in held
    driver.reply_in_thread("cem", "Never write a decision down")
    driver.reply_in_thread("dia", "Change priorities every morning")
    driver.reply_in_thread("eli", "Let nobody know who decides")
    driver.command("ben", "/learn advice next")
    wait_for_post(driver, "phase 6 of 6: Closing")
    driver.command("ana", "/learn advice helped 2,3 Write decisions down and name who decides")
    summary = wait_for_post(driver, "The round is closed")
    assert "But I tried" not in json.dumps(driver.thread())  # kept for her, never posted

    with sqlite3.connect(driver.database) as connection:
        entries = connection.execute(
            "SELECT visibility, text FROM diary_entries WHERE source = 'advice-round'"
        ).fetchall()
        status = connection.execute("SELECT status FROM advice_rounds").fetchall()
    assert status == [("finished",)]
    [(visibility, text)] = entries
    assert visibility == "group"
    assert "Key question: How do I get commitments that hold?" in text
    assert "Never write a decision down" in text and "Write decisions down and name" in text
    assert summary
    if isinstance(driver, SlackAdvice):  # the group's own private channel, no one else in it
        [space] = driver.fake.private
        assert sorted(driver.fake.channel_members[space]) == sorted(
            ["UBOT0001", *(driver.user(n) for n in GROUP)]
        )
        assert not any(
            "Colleague advice" in (p.get("text") or "")
            for p in driver.fake.messages.get(driver.channel, [])
        )


def test_on_discord_a_plain_message_in_the_rounds_thread_is_a_contribution(discord_harness):  # noqa: F811 (the fixture)
    """With DISCORD_MESSAGE_CONTENT on, a message typed in the round's thread reaches the
    core: the thread is recognised by its first post's footer (fetched from Discord)."""
    from types import SimpleNamespace

    driver = DiscordAdvice(discord_harness)
    driver.command("fay", "/learn cohort open Spring")
    for name in GROUP:
        driver.command("fay", f"/learn cohort invite @{name}")
        driver.last_dm(name, "invites you")
        driver.click(name, "Join")
    driver.command("fay", "/learn cohort space")
    driver.command("fay", "/learn cohort groups --size 5-5")
    driver.command("fay", "/learn cohort confirm groups")
    driver.command("ana", "/learn advice A case told in the thread")
    driver.command("ana", "/learn advice moderator @ben")
    driver.command("ben", "/learn advice next")
    wait_for_post(driver, "phase 2 of 6: Case account")
    [thread_id] = eventually(lambda: list(driver.fake.threads), "no thread started")
    bot = discord_harness.bot

    async def typed() -> None:
        author = bot._connection.store_user(driver.people["ana"])
        message = SimpleNamespace(content="It began in March", author=author, id=4242)
        thread = SimpleNamespace(
            id=int(thread_id), parent_id=int(discord_payloads.CHANNEL), parent=None
        )
        await bot.on_thread_message(message, thread)

    discord_harness.run(typed())
    with sqlite3.connect(driver.database) as connection:
        [(state,)] = connection.execute("SELECT state FROM advice_rounds").fetchall()
    assert "It began in March" in state

    # a thread that is not Tandem's is left alone
    async def elsewhere() -> None:
        author = bot._connection.store_user(driver.people["cem"])
        message = SimpleNamespace(content="unrelated", author=author, id=4243)
        thread = SimpleNamespace(id=999, parent_id=int(discord_payloads.CHANNEL), parent=None)
        await bot.on_thread_message(message, thread)

    discord_harness.run(elsewhere())
    with sqlite3.connect(driver.database) as connection:
        [(state,)] = connection.execute("SELECT state FROM advice_rounds").fetchall()
    assert "unrelated" not in state
