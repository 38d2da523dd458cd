"""A colleague-advice round of five, scripted the same way on every adapter: the
facilitator forms the group and names its channel, the case-giver opens a round, the
moderator leads it through the six phases, advisors contribute (on Slack by replying in
the thread, elsewhere with `/learn advice say`), the case-giver's word in the
consultation is kept for them, and the closing files the summary in their diary with
visibility group. In English and in German (German command words and content; nothing
English in anything Tandem sends)."""

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
from tests.support.matrix_world import MatrixStory, text_of
from tests.support.received import assert_all_german, said_in
from tests.support.slack_requests import thread_message

GROUP = ("ana", "ben", "cem", "dia", "eli")


def say(language: str) -> str:
    """The move that says something in a round, in the people's command words."""
    return "/learn beratung sagen" if language == "de" else "/learn advice say"


class ConsoleAdvice(ConsoleDriver):
    def thread(self) -> list[str]:
        where = re.escape(said_in(self.language, "in the thread"))
        return re.findall(
            rf"tandem \({where} advice:\d+(?: in [^)\n]*)?\): ([^\n]*)", self.out.getvalue()
        )

    def reply_in_thread(self, who: str, text: str) -> str:
        return self.command(who, f"{say(self.language)} {text}")


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
        return any(text in json.dumps(json.loads(s), ensure_ascii=False) for (s,) in states)


class DiscordAdvice(DiscordDriver):
    def __init__(self, harness, language: str = "en") -> None:  # noqa: ANN001
        super().__init__(harness, language)
        for i, name in enumerate(("cem", "dia", "eli"), start=1):
            self.people[name] = discord_payloads.user(f"30000000000001{i:04d}", name, self.locale)

    def _channel(self) -> str:
        return discord_payloads.CHANNEL

    def thread(self) -> list[str]:
        posts = list(self.fake.messages.get(self._channel(), []))
        for thread_id in self.fake.threads:
            posts += self.fake.messages.get(thread_id, [])
        return [
            p["content"] + json.dumps(p["embeds"], ensure_ascii=False)
            for p in posts
            if p["author"]["id"]
        ]

    def reply_in_thread(self, who: str, text: str) -> str:
        return self.command(who, f"{say(self.language)} {text}")


class MatrixAdvice(MatrixStory):
    """The round in the group's own room, as an `m.thread` under its first post."""

    def thread(self) -> list[str]:
        return [text_of(e) for e in self.group_messages("ana")]

    def reply_in_thread(self, who: str, text: str) -> str:
        def root() -> list[tuple[str, str]]:
            someone = self.person(who)
            return [
                (room, e["event_id"])
                for room, e in self._bot_messages(who)
                if str(e["content"].get("org.tandem.thread", "")).startswith("advice:")
            ] or (someone.sync() and [])

        room, root_id = eventually(root, "no thread of the round")[0]
        relation = {
            "rel_type": "m.thread",
            "event_id": root_id,
            "is_falling_back": True,
            "m.in_reply_to": {"event_id": root_id},
        }
        asked = self.person(who).say(room, text, **{"m.relates_to": relation})
        eventually(
            lambda: SlackAdvice._recorded(self, text) or self._answers(who, asked),  # type: ignore[arg-type]
            "the thread reply was not taken",
        )
        return ""


@pytest.fixture
def matrix_advice(request, tmp_path, language):
    driver = MatrixAdvice(request.getfixturevalue("synapse"), tmp_path, language)
    yield driver
    driver.close()


@pytest.fixture
def slack_world(tmp_path, language):
    fake = FakeSlack().start()
    for who in ("fay", *GROUP):
        fake.add_user(SlackDriver.user(who), who, locale={"en": "en-US", "de": "de-DE"}[language])
    app = SlackApp(fake, tmp_path, TANDEM_FACILITATORS="slack:T0TANDEM:U0FAY")
    yield fake, app
    app.stop()
    fake.stop()


@pytest.fixture(
    params=["console", "slack", "discord", pytest.param("matrix", marks=pytest.mark.synapse)]
)
def driver(request, tmp_path, language):
    if request.param == "matrix":
        return request.getfixturevalue("matrix_advice")
    if request.param == "console":
        return ConsoleAdvice(tmp_path, language)
    if request.param == "discord":
        return DiscordAdvice(request.getfixturevalue("discord_harness"), language)
    return SlackAdvice(*request.getfixturevalue("slack_world"), language)


def wait_for_post(driver, text: str) -> str:
    return eventually(
        lambda: [t for t in driver.thread() if text in t], f"no thread post with {text!r}"
    )[-1]


# what is typed and what is expected, in each language (None: the words of a module not
# yet in the catalogue, checked in English only)
SAID = {
    "en": {
        "open": "/learn cohort open Spring",
        "invite": "/learn cohort invite @{name}",
        "invited": "invites you to the learning cohort Spring",
        "space": "/learn cohort space",
        "meet": "meet here",
        "groups": "/learn cohort groups --size 5-5",
        "proposed": "1 group proposed",
        "confirm": "/learn cohort confirm groups",
        "start": "/learn advice My team misses deadlines since the reorg",
        "started": "round is open",
        "phase": "phase {n} of 6: {name}",
        "phases": (
            "Casting",
            "Case account",
            "Key question",
            "Method choice",
            "Consultation",
            "Closing",
        ),
        "moderator": "/learn advice moderator @ben",
        "moderates": "moderates (chosen)",
        "next": "/learn advice next",
        "only": "moderator",
        "account": "Two teams merged in March; the standups got long.",
        "key": "/learn advice key How do I get commitments that hold?",
        "question": "Key question: How do I get commitments that hold?",
        "method": "/learn advice method headstand",
        "held": "/learn advice say But I tried all that",
        "listens": "only listens",
        "kept": "But I tried",
        "ideas": (
            "Never write a decision down",
            "Change priorities every morning",
            "Let nobody know who decides",
        ),
        "helped": "/learn advice helped 2,3 Write decisions down and name who decides",
        "taken": "Write decisions down and name",
        "closed": "The round is closed",
        "name": "Colleague advice",
    },
    "de": {
        "open": "/learn kohorte eröffnen Spring",
        "invite": "/learn kohorte einladen @{name}",
        "invited": "Spring",
        "space": "/learn kohorte raum",
        "meet": "treffen sich hier",
        "groups": "/learn kohorte gruppen --größe 5-5",
        "proposed": None,
        "confirm": "/learn kohorte bestätigen gruppen",
        "start": "/learn beratung Mein Team verpasst seit der Umstrukturierung Termine",
        "started": "ist im Thread deiner Lerngruppe eröffnet",
        "phase": "Phase {n} von 6: {name}",
        "phases": (
            "Casting",
            "Spontanerzählung",
            "Schlüsselfrage",
            "Methodenwahl",
            "Beratung",
            "Abschluss",
        ),
        "moderator": "/learn beratung moderation @ben",
        "moderates": "moderiert (gewählt)",
        "next": "/learn beratung weiter",
        "only": "moderation",
        "account": "Im März wurden zwei Teams zusammengelegt; die Stand-ups wurden lang.",
        "key": "/learn beratung schlüsselfrage Wie bekomme ich Zusagen, die halten?",
        "question": "Schlüsselfrage: Wie bekomme ich Zusagen, die halten?",
        "method": "/learn beratung methode kopfstand-brainstorming",
        "held": "/learn beratung sagen Aber das habe ich alles versucht",
        "listens": "nur zu",
        "kept": "Aber das habe ich",
        "ideas": (
            "Nie eine Entscheidung aufschreiben",
            "Jeden Morgen die Prioritäten ändern",
            "Niemanden wissen lassen, wer entscheidet",
        ),
        "helped": "/learn beratung geholfen 2,3 Entscheidungen aufschreiben, wer entscheidet",
        "taken": "Entscheidungen aufschreiben, wer entscheidet",
        "closed": "Die Runde ist abgeschlossen",
        "name": "Kollegiale Beratung",
    },
}


@pytest.mark.parametrize("language", ["en", "de"])
def test_a_round_of_five_in_the_groups_thread(driver, language):
    said = SAID[language]

    def phase(n: int) -> str:
        return said["phase"].format(n=n, name=said["phases"][n - 1])

    driver.command("fay", said["open"])
    for name in GROUP:
        driver.command("fay", said["invite"].format(name=name))
        driver.last_dm(name, said["invited"])
        driver.click(name, "Join")
    assert said["meet"] in driver.command("fay", said["space"])
    proposed = driver.command("fay", said["groups"])
    assert said["proposed"] is None or said["proposed"] in proposed
    driver.command("fay", said["confirm"])

    assert said["started"] in driver.command("ana", said["start"])
    wait_for_post(driver, phase(1))
    driver.command("ben", said["moderator"])
    wait_for_post(driver, said["moderates"])
    refused = driver.command("cem", said["next"])
    assert said["only"] in refused.lower()
    driver.command("ben", said["next"])
    wait_for_post(driver, phase(2))
    driver.reply_in_thread("ana", said["account"])
    driver.command("ben", said["next"])
    driver.command("ana", said["key"])
    wait_for_post(driver, said["question"])
    driver.command("ben", said["next"])
    driver.command("ben", said["method"])
    driver.command("ben", said["next"])
    wait_for_post(driver, phase(5))
    held = driver.command("ana", said["held"])
    assert said["listens"] in held
    for who, idea in zip(("cem", "dia", "eli"), said["ideas"], strict=True):
        driver.reply_in_thread(who, idea)
    driver.command("ben", said["next"])
    wait_for_post(driver, phase(6))
    driver.command("ana", said["helped"])
    summary = wait_for_post(driver, said["closed"])
    assert said["kept"] not in json.dumps(driver.thread(), ensure_ascii=False)  # kept for her

    with sqlite3.connect(driver.database) as connection:
        entries = connection.execute(
            "SELECT visibility, text FROM diary_entries WHERE source = 'advice-round'"
        ).fetchall()
        status = connection.execute("SELECT status FROM advice_rounds").fetchall()
    assert status == [("finished",)]
    [(visibility, text)] = entries
    assert visibility == "group"
    assert said["question"] in text
    assert said["ideas"][0] in text and said["taken"] in text
    assert summary
    if isinstance(driver, SlackAdvice):  # the group's own private channel, no one else in it
        [space] = driver.fake.private
        assert sorted(driver.fake.channel_members[space]) == sorted(
            ["UBOT0001", *(driver.user(n) for n in GROUP)]
        )
        assert not any(
            said["name"] in (p.get("text") or "")
            for p in driver.fake.messages.get(driver.channel, [])
        )
    if language == "de":  # what everyone was sent, in the DMs, the answers and the thread
        assert_all_german(driver.received(), allow=("Spring", "Tandem"))


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
