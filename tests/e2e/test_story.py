"""One learning story, told through every adapter: the same steps and the same
expectations on the console, on Slack and on Discord.

    a diary entry -> a check-in asked for -> its answer in the DM -> the diary listed
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
from tests.support.fake_discord import FakeDiscord
from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import dm_message


class Driver(Protocol):
    database: Path

    def command(self, line: str) -> str:
        """Type a `/learn` line; return the text of the private answer."""

    def last_dm(self) -> str:
        """The text of the newest direct message from Tandem."""

    def reply_in_dm(self, text: str) -> str:
        """Write in the DM; return Tandem's answer."""


class ConsoleDriver:
    def __init__(self, folder: Path) -> None:
        self.database = folder / "tandem.db"
        self.out = io.StringIO()
        clock = ShiftableClock()
        app = build(Settings(DATABASE_URL=f"sqlite:///{self.database}"), clock, console=True)
        self.console = Console(app, clock, "ana", stdin=io.StringIO(), stdout=self.out)

    def _said(self, line: str) -> str:
        start = len(self.out.getvalue())
        self.console.handle_line(line)
        return self.out.getvalue()[start:]

    def command(self, line: str) -> str:
        said = self._said(line)
        return said.split("tandem (only you see this): ", 1)[1]

    def last_dm(self) -> str:
        return self.out.getvalue().rsplit("tandem (direct message to ana): ", 1)[1]

    def reply_in_dm(self, text: str) -> str:
        return self._said(text).split("tandem (only you see this): ", 1)[1]


class SlackDriver:
    user = "U0STORY"

    def __init__(self, fake: FakeSlack, slack: SlackApp) -> None:
        self.fake, self.slack, self.database = fake, slack, slack.folder / "tandem.db"
        self.numbers = itertools.count(1)

    def command(self, line: str) -> str:
        name = f"story-{next(self.numbers)}"
        self.slack.command(self.user, line, name)
        [answer] = self.fake.wait_for(f"response_url:{name}")
        return json.dumps(answer.body["blocks"]) + answer.body["text"]

    def _dms(self) -> list:
        return dms_to(self.fake, "D" + self.user[1:])

    def last_dm(self) -> str:
        dms = eventually(self._dms, "no DM")
        return json.dumps(dms[-1].body["blocks"]) + dms[-1].body["text"]

    def reply_in_dm(self, text: str) -> str:
        before = len(self._dms())
        number = next(self.numbers)
        self.slack.event(
            dm_message(self.user, text, f"1764600000.{number:06d}"), f"EvStory{number}"
        )
        dms = eventually(lambda: self._dms()[before:], "no answer in the DM")
        return dms[-1].body["text"]


class DiscordDriver:
    person = discord_payloads.user("300000000000000999", "ana")

    def __init__(self, harness: DiscordHarness) -> None:
        self.harness, self.fake, self.database = harness, harness.fake, harness.database

    def command(self, line: str) -> str:
        payload = discord_payloads.typed(self.person, line, {})
        self.harness.dispatch(payload)
        [body] = self.fake.wait_for(f"/interactions/{payload['id']}/callback")
        return json.dumps(body["data"])

    def _dms(self) -> list[dict]:
        return self.fake.calls_to("/channels/7")

    def last_dm(self) -> str:
        return json.dumps(eventually(self._dms, "no DM")[-1])

    def reply_in_dm(self, text: str) -> str:
        before = len(self._dms())
        self.harness.dm(discord_payloads.dm_message(self.person, text))
        return json.dumps(eventually(lambda: self._dms()[before:], "no answer in the DM")[-1])


@pytest.fixture(scope="module")
def slack_world(tmp_path_factory):
    fake = FakeSlack().start()
    fake.add_user(SlackDriver.user, "ana")
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


@pytest.fixture(params=["console", "slack", "discord"])
def driver(request, tmp_path) -> Driver:
    if request.param == "console":
        return ConsoleDriver(tmp_path)
    if request.param == "discord":
        return DiscordDriver(request.getfixturevalue("discord_harness"))
    return SlackDriver(*request.getfixturevalue("slack_world"))


def test_the_learning_story(driver: Driver):
    saved = driver.command("/learn diary Learned to give feedback #communication --share partner")
    # ana has no learning partner: the answer says so rather than promise one a reader
    assert "Saved to your diary" in saved and "No one else sees it yet" in saved

    pointer = driver.command("/learn checkin now")
    assert "Your check-in is in your direct messages" in pointer
    checkin = driver.last_dm()
    assert "Time for your check-in" in checkin and "What did you try this week" in checkin

    thanks = driver.reply_in_dm("Asked two colleagues for feedback #feedback")
    assert "Your answer is in your diary" in thanks

    listing = driver.command("/learn diary")
    assert listing.index("Asked two colleagues for feedback") < listing.index(
        "Learned to give feedback"
    )

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
