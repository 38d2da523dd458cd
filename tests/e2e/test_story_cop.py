"""A community of practice, scripted the same way on every adapter: the facilitator opens
it in its channel (on Discord a forum channel), two people join, one shares an
experience, which appears there as a post of its own (a forum post on Discord, a channel
message on Slack, printed on the console) and in her diary; the other lists it with
`cop posts`; an outsider cannot. In English and in German (German command words, and
nothing English in anything Tandem sends)."""

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
    slack_world,
)
from tests.integration.test_slack import eventually
from tests.support import discord_payloads
from tests.support.matrix_world import MatrixStory, text_of
from tests.support.received import assert_all_german, said_in

FORUM = "1500000000000000001"  # the Discord forum channel the community lives in
EXPERIENCE = "Five minutes of silent writing before anyone talks: the quiet ones spoke first"
ERFAHRUNG = "Fünf Minuten stilles Schreiben, bevor jemand spricht: Die Leisen sprachen zuerst"
# what is typed and what is expected, in each language (the community's name is a name)
SAID = {
    "en": {
        "open": "/learn cop open facilitation",
        "opened": "is open and lives here",
        "join": "/learn cop join facilitation",
        "welcome": "Welcome to facilitation",
        "share": f"/learn cop share facilitation Silent start | {EXPERIENCE}",
        "title": "Silent start",
        "experience": EXPERIENCE,
        "shared": "Shared in facilitation",
        "shares": "ana shares in facilitation",
        "posts": "/learn cop posts facilitation",
        "refused": "Only members of facilitation",
    },
    "de": {
        "open": "/learn gemeinschaft eröffnen facilitation",
        "opened": "ist eröffnet und lebt hier",
        "join": "/learn gemeinschaft beitreten facilitation",
        "welcome": "Willkommen in facilitation",
        "share": f"/learn gemeinschaft teilen facilitation Stiller Start | {ERFAHRUNG}",
        "title": "Stiller Start",
        "experience": ERFAHRUNG,
        "shared": "In facilitation geteilt",
        "shares": "ana teilt in facilitation",
        "posts": "/learn gemeinschaft beiträge facilitation",
        "refused": "Nur Mitglieder von facilitation",
    },
}


class ConsoleCop(ConsoleDriver):
    def posts(self) -> list[str]:
        """Each post in the community's space: its title and what follows it."""
        heading = re.escape(said_in(self.language, "a new post,"))
        return re.findall(
            rf"tandem \({heading} cop:\d+\): (.*?)(?=\ntandem |\Z)", self.out.getvalue(), re.S
        )


class SlackCop(SlackDriver):
    channel = "C0GENERAL"  # where the slash commands of tests/support/slack_requests.py are typed

    def posts(self) -> list[str]:
        return [
            p["text"] + json.dumps(p.get("blocks"), ensure_ascii=False)
            for p in self.fake.messages.get(self.channel, [])
            if (p.get("metadata") or {}).get("event_type") == "tandem_post"
        ]


class DiscordCop(DiscordDriver):
    def __init__(self, harness, language: str = "en") -> None:  # noqa: ANN001
        super().__init__(harness, language)
        self.fake.forums.add(FORUM)

    def _payload(self, who: str, line: str) -> dict:
        if not line.startswith(("/learn cop open ", "/learn gemeinschaft eröffnen ")):
            return super()._payload(who, line)
        community = line.split()[-1]  # the forum is picked in the `forum` option
        forum = discord_payloads.channel(FORUM, "facilitation")
        return discord_payloads.slash(
            self.people[who], "cop open", community=community, forum=forum
        )

    def posts(self) -> list[str]:
        return [
            p["name"] + json.dumps(p["message"]["embeds"], ensure_ascii=False)
            for p in self.fake.forum_posts(FORUM)
        ]


class MatrixCop(MatrixStory):
    """The community lives in a room of its own: fay makes it, invites the bot and opens
    the community there; its posts are the bot's messages there that start a thread."""

    community: str | None = None

    def command(self, who: str, line: str, room: str | None = None) -> str:
        if line.startswith(("/learn cop open ", "/learn gemeinschaft eröffnen ")):
            fay = self.person(who)
            created = fay.loop.run(
                fay.client.room_create(name=line.split()[-1], invite=[self.bot.user_id])
            )
            self.community = created.room_id
            fay.wait_for_member(self.community, self.bot.user_id)
            room = self.community
        return super().command(who, line, room)

    def posts(self) -> list[str]:
        return [
            text_of(e)
            for room, e in self._bot_messages("fay")
            if room == self.community
            and str(e["content"].get("org.tandem.thread", "")).startswith("cop:")
        ]


@pytest.fixture
def matrix_cop(request, tmp_path, language):  # noqa: ANN001
    driver = MatrixCop(request.getfixturevalue("synapse"), tmp_path, language)
    yield driver
    driver.close()


@pytest.fixture(
    params=["console", "slack", "discord", pytest.param("matrix", marks=pytest.mark.synapse)]
)
def driver(request, tmp_path, language):  # noqa: ANN001
    if request.param == "matrix":
        return request.getfixturevalue("matrix_cop")
    if request.param == "console":
        return ConsoleCop(tmp_path, language)
    if request.param == "discord":
        return DiscordCop(request.getfixturevalue("discord_harness"), language)
    return SlackCop(*request.getfixturevalue("slack_world"), language)


@pytest.mark.parametrize("language", ["en", "de"])
def test_an_experience_shared_in_a_community_of_practice(driver, language) -> None:  # noqa: ANN001
    said = SAID[language]
    experience = said["experience"]
    opened = driver.command("fay", said["open"])
    assert said["opened"] in opened
    assert said["welcome"] in driver.command("ana", said["join"])
    assert said["welcome"] in driver.command("ben", said["join"])

    shared = driver.command("ana", said["share"])
    assert said["shared"] in shared
    [post] = eventually(driver.posts, "no post in the community's space")
    assert post.startswith(said["title"]) and experience in post
    assert said["shares"] in post.lower()

    listed = driver.command("ben", said["posts"])
    assert said["title"] in listed and experience in listed

    refused = driver.command("tia", said["posts"])
    assert said["refused"] in refused and experience not in refused
    if language == "de":
        assert_all_german(driver.received(), allow=("facilitation", "Tandem"))

    with sqlite3.connect(driver.database) as connection:
        entries = connection.execute(
            "SELECT visibility, source, text FROM diary_entries"
        ).fetchall()
        spaces = connection.execute("SELECT space FROM communities").fetchall()
    assert entries == [("community", "community", experience)]
    expected_space = {ConsoleCop: "console", SlackCop: "C0GENERAL", DiscordCop: FORUM}
    expected = driver.community if isinstance(driver, MatrixCop) else expected_space[type(driver)]
    assert spaces == [(expected,)]


def test_on_discord_a_community_opened_inside_a_forum_post_lives_in_that_forum(
    discord_harness,  # noqa: F811
) -> None:
    driver = DiscordCop(discord_harness)
    payload = discord_payloads.slash(driver.people["fay"], "cop open", community="facilitation")
    thread = "1600000000000000001"  # a post (a thread) in the forum, where people can type
    payload["channel_id"] = thread
    payload["channel"] = {
        "id": thread,
        "type": 11,
        "guild_id": discord_payloads.GUILD,
        "parent_id": FORUM,
        "name": "welcome",
        "owner_id": driver.people["fay"]["id"],
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": 10080,
            "archive_timestamp": "2026-11-30T09:00:00+00:00",
            "locked": False,
        },
        "message_count": 3,
        "member_count": 2,
        "rate_limit_per_user": 0,
        "flags": 0,
    }
    answer = driver._answer(payload)
    assert "is open and lives here" in json.dumps(answer)
    with sqlite3.connect(driver.database) as connection:
        assert connection.execute("SELECT space FROM communities").fetchall() == [(FORUM,)]
