"""One learning story, told through every adapter: the same steps and the same
expectations on the console, on Slack and on Discord.

    a diary entry -> a check-in asked for -> its answer in the DM -> the diary listed

in English and in German: German people (Slack's `users.info` locale `de-DE`, Discord's
interaction locale `de`, the console's `--lang de`) type the German command words and
read nothing but German, in anything Tandem sends them.
"""

from __future__ import annotations

import io
import itertools
import json
import sqlite3
from pathlib import Path
from typing import Protocol

import pytest
from discord.http import Route

from adapters.bootstrap import build
from adapters.clock import ShiftableClock
from adapters.console.repl import Console
from adapters.settings import Settings
from tests.integration.test_discord import Harness as DiscordHarness
from tests.integration.test_slack import SlackApp, dms_to, eventually
from tests.support import discord_payloads
from tests.support.fake_discord import FakeDiscord, answer_to
from tests.support.fake_slack import FakeSlack
from tests.support.matrix_world import Loop, MatrixBotRun, Person
from tests.support.matrix_world import eventually as soon
from tests.support.received import (
    as_a_german_client_sees_it,
    assert_all_german,
    from_console,
    from_discord,
    from_slack,
)
from tests.support.slack_requests import dm_message


class Driver(Protocol):
    database: Path

    def command(self, line: str) -> str:
        """Type a `/learn` line; return the text of the private answer."""

    def last_dm(self) -> str:
        """The text of the newest direct message from Tandem."""

    def reply_in_dm(self, text: str) -> str:
        """Write in the DM; return Tandem's answer."""

    def received(self) -> list[str]:
        """Every text Tandem sent, one per message (`tests/support/received.py`)."""


class ConsoleDriver:
    def __init__(self, folder: Path, language: str = "en") -> None:
        self.database = folder / "tandem.db"
        self.out = io.StringIO()
        clock = ShiftableClock()
        app = build(Settings(DATABASE_URL=f"sqlite:///{self.database}"), clock, console=True)
        self.console = Console(
            app, clock, "ana", stdin=io.StringIO(), stdout=self.out, locale=language
        )
        german = language == "de"
        self.private = "tandem (nur du siehst das): " if german else "tandem (only you see this): "
        self.dm = (
            "tandem (Direktnachricht an ana): " if german else "tandem (direct message to ana): "
        )

    def _said(self, line: str) -> str:
        start = len(self.out.getvalue())
        self.console.handle_line(line)
        return self.out.getvalue()[start:]

    def command(self, line: str) -> str:
        said = self._said(line)
        return said.split(self.private, 1)[1]

    def last_dm(self) -> str:
        return self.out.getvalue().rsplit(self.dm, 1)[1]

    def reply_in_dm(self, text: str) -> str:
        return self._said(text).split(self.private, 1)[1]

    def received(self) -> list[str]:
        return from_console(self.out.getvalue())


class SlackDriver:
    users = {"en": "U0STORY", "de": "U0GESCHICHTE"}  # ana, with Slack in English / German

    def __init__(self, fake: FakeSlack, slack: SlackApp, language: str = "en") -> None:
        self.fake, self.slack, self.database = fake, slack, slack.folder / "tandem.db"
        self.user = self.users[language]
        self.numbers = itertools.count(1)
        self.start_said = len(from_slack(fake))

    def command(self, line: str) -> str:
        name = f"story-{self.user}-{next(self.numbers)}"
        self.slack.command(self.user, line, name)
        [answer] = self.fake.wait_for(f"response_url:{name}")
        return json.dumps(answer.body["blocks"], ensure_ascii=False) + answer.body["text"]

    def _dms(self) -> list:
        return dms_to(self.fake, "D" + self.user[1:])

    def last_dm(self) -> str:
        dms = eventually(self._dms, "no DM")
        return json.dumps(dms[-1].body["blocks"], ensure_ascii=False) + dms[-1].body["text"]

    def reply_in_dm(self, text: str) -> str:
        # an earlier DM arriving after the reply would be taken for its answer
        eventually(lambda: self.slack.delivered_to(self.user), "what was sent before is late")
        before = len(self._dms())
        number = next(self.numbers) + 100 * list(self.users.values()).index(self.user)
        self.slack.event(
            dm_message(self.user, text, f"1764600000.{number:06d}"), f"EvStory{number}"
        )
        dms = eventually(lambda: self._dms()[before:], "no answer in the DM")
        return dms[-1].body["text"]

    def open_home(self) -> str:
        """Open Tandem's Home tab; the texts of the view published for it."""
        event = {
            "type": "app_home_opened",
            "user": self.user,
            "channel": "D" + self.user[1:],
            "tab": "home",
            "event_ts": "1764600100.000100",
        }
        self.slack.event(event, f"EvHome{self.user}")
        [published, *_] = eventually(
            lambda: [
                c for c in self.fake.calls_to("views.publish") if c.body["user_id"] == self.user
            ],
            "no Home tab",
        )
        return json.dumps(published.body["view"], ensure_ascii=False)

    def received(self) -> list[str]:
        return from_slack(self.fake)[self.start_said :]


class DiscordDriver:
    def __init__(self, harness: DiscordHarness, language: str = "en") -> None:
        self.harness, self.fake, self.database = harness, harness.fake, harness.database
        locale = {"en": "en-US", "de": "de"}[language]  # the client's, in every interaction
        self.person = discord_payloads.user("300000000000000999", "ana", locale)
        self.synced: dict | None = None
        if language == "de":  # the tree as registered, which a German client shows in German
            harness.run(harness.bot.tree.sync())
            [self.synced] = self.fake.calls_to("/commands")

    def command(self, line: str) -> str:
        payload = discord_payloads.typed(self.person, line, {})
        if self.synced is not None:  # picked by the German names the client shows
            as_a_german_client_sees_it(self.synced, payload, line)
        self.harness.dispatch(payload)
        return json.dumps(answer_to(self.fake, payload)["data"], ensure_ascii=False)

    def _dms(self) -> list[dict]:
        return self.fake.calls_to("/channels/7")

    def last_dm(self) -> str:
        return json.dumps(eventually(self._dms, "no DM")[-1], ensure_ascii=False)

    def reply_in_dm(self, text: str) -> str:
        before = len(self._dms())
        self.harness.dm(discord_payloads.dm_message(self.person, text))
        answers = eventually(lambda: self._dms()[before:], "no answer in the DM")
        return json.dumps(answers[-1], ensure_ascii=False)

    def received(self) -> list[str]:
        return from_discord(self.fake)


class MatrixDriver:
    """ana on matrix-nio's client, in her direct room with the bot on a real Synapse. The
    deployment speaks the story's language (TANDEM_LOCALE): Matrix tells no locale."""

    def __init__(self, synapse, folder: Path, language: str = "en") -> None:
        self.loop = Loop()
        account = synapse.register()
        synapse.unlimited(synapse.admin, account.user_id)
        self.ana = Person(synapse, account, self.loop)
        bot = synapse.register()
        synapse.unlimited(synapse.admin, bot.user_id)  # the story is not about rate limits
        self.bot = MatrixBotRun(synapse, bot, folder, TANDEM_LOCALE=language)
        self.bot.start()
        self.database = self.bot.database
        self.room = self.ana.direct_room_with(self.bot.user_id)
        self.ana.wait_for_member(self.room, self.bot.user_id)

    @staticmethod
    def text(event: dict) -> str:
        return event["content"]["body"] + event["content"].get("formatted_body", "")

    def command(self, line: str) -> str:
        return self.reply_in_dm("!learn" + line.removeprefix("/learn"))

    def last_dm(self) -> str:
        def dms() -> list[dict]:
            return [
                e
                for e in self.ana.from_bot(self.room, self.bot.user_id)
                if "m.relates_to" not in e["content"]
            ]

        return self.text(soon(dms, "no DM")[-1])

    def reply_in_dm(self, text: str) -> str:
        asked = self.ana.say(self.room, text)
        answers = soon(lambda: self.ana.answers_to(self.room, self.bot.user_id, asked), "no answer")
        return "\n".join(self.text(a) for a in answers)

    def received(self) -> list[str]:
        return [e["content"]["body"] for e in self.ana.from_bot(self.room, self.bot.user_id)]

    def close(self) -> None:
        self.bot.stop()
        self.ana.close()
        self.loop.close()


@pytest.fixture
def matrix_driver(request, tmp_path, language):
    driver = MatrixDriver(request.getfixturevalue("synapse"), tmp_path, language)
    yield driver
    driver.close()


@pytest.fixture
def slack_world(tmp_path_factory):
    fake = FakeSlack().start()
    fake.add_user(SlackDriver.users["en"], "ana")
    fake.add_user(SlackDriver.users["de"], "ana", locale="de-DE")
    app = SlackApp(fake, tmp_path_factory.mktemp("story-slack"))
    yield fake, app
    app.stop()
    fake.stop()


@pytest.fixture
def discord_harness(tmp_path, monkeypatch):
    fake = FakeDiscord().start()
    monkeypatch.setattr(Route, "BASE", fake.api_url)
    harness = DiscordHarness(fake, tmp_path)
    yield harness
    harness.close()
    fake.stop()


@pytest.fixture(params=["en", "de"])
def language(request) -> str:
    return request.param


@pytest.fixture(
    params=["console", "slack", "discord", pytest.param("matrix", marks=pytest.mark.synapse)]
)
def driver(request, tmp_path, language) -> Driver:
    if request.param == "matrix":
        return request.getfixturevalue("matrix_driver")
    if request.param == "console":
        return ConsoleDriver(tmp_path, language)
    if request.param == "discord":
        return DiscordDriver(request.getfixturevalue("discord_harness"), language)
    return SlackDriver(*request.getfixturevalue("slack_world"), language)


# what is typed and what is expected, in each language
STORY = {
    "en": {
        "diary": "/learn diary Learned to give feedback #communication --share partner",
        "first": "Learned to give feedback",
        "saved": ("Saved to your diary", "No one else sees it yet"),
        "now": "/learn checkin now",
        "pointer": "Your check-in is in your direct messages",
        "checkin": ("Time for your check-in", "What did you try this week"),
        "answer": "Asked two colleagues for feedback #feedback",
        "second": "Asked two colleagues for feedback",
        "thanks": "Your answer is in your diary",
        "list": "/learn diary",
        "home": "Your learning",
    },
    "de": {
        "diary": "/learn tagebuch Feedback geben geübt #kommunikation --teilen partner",
        "first": "Feedback geben geübt",
        "saved": ("In deinem Projekttagebuch gespeichert", "Noch sieht ihn niemand sonst"),
        "now": "/learn checkin jetzt",
        "pointer": "Dein Check-in ist in deinen Direktnachrichten",
        "checkin": ("Zeit für deinen Check-in", "Was hast du diese Woche"),
        "answer": "Zwei Kolleg:innen um Feedback gebeten #feedback",
        "second": "Zwei Kolleg:innen um Feedback gebeten",
        "thanks": "Deine Antwort steht in deinem Projekttagebuch",
        "list": "/learn tagebuch",
        "home": "Dein Lernen",
    },
}


def test_the_learning_story(driver: Driver, language: str):
    said = STORY[language]
    saved = driver.command(said["diary"])
    # ana has no learning partner: the answer says so rather than promise one a reader
    assert all(words in saved for words in said["saved"]), saved

    pointer = driver.command(said["now"])
    assert said["pointer"] in pointer
    checkin = driver.last_dm()
    assert all(words in checkin for words in said["checkin"]), checkin

    thanks = driver.reply_in_dm(said["answer"])
    assert said["thanks"] in thanks, thanks

    listing = driver.command(said["list"])
    assert listing.index(said["second"]) < listing.index(said["first"])
    if isinstance(driver, SlackDriver):  # the App Home, received below with the rest
        home = driver.open_home()
        assert said["home"] in home and said["first"] in home
    if language == "de":  # nothing anyone was sent is English
        assert_all_german(driver.received(), allow=("Tandem",))

    with sqlite3.connect(driver.database) as connection:
        rows = connection.execute(
            "SELECT source, visibility, tags FROM diary_entries ORDER BY id"
        ).fetchall()
        statuses = connection.execute("SELECT status FROM checkins").fetchall()
    assert rows == [
        ("command", "partner", '["communication"]'),
        ("check-in", "private", '["feedback"]'),
    ]
    assert statuses == [("answered",)]
