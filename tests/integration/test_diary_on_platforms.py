"""What a person wrote stays (tests/service/test_what_stays.py), on the platforms: Discord's
app command options build the same diary commands; on Slack a link keeps its URL and a
confirmed delete acts once, through the running app."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from tests.integration.test_discord import ANA as DISCORD_ANA
from tests.integration.test_discord import callback as discord_callback
from tests.integration.test_discord import fake, harness  # noqa: F401  (fixtures)
from tests.integration.test_slack import SlackApp, eventually
from tests.support import discord_payloads as dp
from tests.support.fake_slack import FakeSlack
from tests.support.slack_requests import block_actions

# -- Discord: the app command options build the same commands ------------------------------


def test_discord_diary_entry_and_page_options(harness, fake):  # noqa: F811  (fixtures)
    write = dp.slash(DISCORD_ANA, "diary write", text="First " + "w" * 700)
    harness.dispatch(write)
    assert "Saved to your diary" in discord_callback(fake, write)["data"]["content"]

    listing = dp.slash(DISCORD_ANA, "diary list")
    harness.dispatch(listing)
    assert "`/learn diary show 1` for all of it" in json.dumps(discord_callback(fake, listing))

    show = dp.slash(DISCORD_ANA, "diary show", number=1)
    harness.dispatch(show)
    shown = json.dumps(discord_callback(fake, show)["data"])
    assert "Diary entry 1" in shown and "w" * 700 in shown

    edit = dp.slash(DISCORD_ANA, "diary edit", number=1, text="Shorter now")
    harness.dispatch(edit)
    assert "Changed diary entry 1" in discord_callback(fake, edit)["data"]["content"]
    assert harness.rows("SELECT text, number FROM diary_entries") == [("Shorter now", 1)]

    page = dp.slash(DISCORD_ANA, "diary list", page=2)
    harness.dispatch(page)
    assert "There is only one page" in discord_callback(fake, page)["data"]["content"]

    delete = dp.slash(DISCORD_ANA, "diary delete", number=1)
    harness.dispatch(delete)
    asked = discord_callback(fake, delete)["data"]
    assert "Delete diary entry 1 for good?" in asked["content"]
    assert harness.rows("SELECT count(*) FROM diary_entries") == [(1,)]  # not before confirming


# -- Slack: a signed slash command and a button, through the running app -------------------


@pytest.fixture
def slack_app(tmp_path) -> Iterator[tuple[SlackApp, FakeSlack]]:
    fake_slack = FakeSlack().start()
    fake_slack.add_user("U0ANA", "ana")
    app = SlackApp(fake_slack, tmp_path)
    yield app, fake_slack
    app.stop()
    fake_slack.stop()


def test_slack_keeps_the_link_and_a_confirmed_delete_acts_once(slack_app):
    app, fake_slack = slack_app
    typed = (
        "diary Read <https://x.y/a?b=1&amp;c=2|this | article ✨> with <@U0ANA> in <#C1|général>"
    )
    app.command("U0ANA", typed, "write")
    [saved] = fake_slack.wait_for("response_url:write")
    assert "Saved to your diary" in saved.body["text"]
    assert app.rows("SELECT text, number FROM diary_entries") == [
        ("Read this | article ✨ (https://x.y/a?b=1&c=2) with @U0ANA in #général", 1)
    ]
    app.command("U0ANA", "diary delete 1", "ask")
    [asked] = fake_slack.wait_for("response_url:ask")
    assert "diary delete 1 confirm" in json.dumps(asked.body)
    click = block_actions("U0ANA", "diary delete 1 confirm", fake_slack.response_url("click"))
    recorded = app.recorded()
    assert app.post(click)[0] == 200
    assert app.post(click, timestamp=int(time.time()) + 1)[0] == 200  # the double click
    assert app.recorded() == recorded + 2  # two requests: the core finds them the same click
    [deleted] = fake_slack.wait_for("response_url:click")
    assert deleted.body["text"].startswith("Deleted diary entry 1.")
    assert app.rows("SELECT count(*) FROM diary_entries") == [(0,)]
    eventually(app.all_done, "the second click was not worked on")  # and it said nothing
    assert len(fake_slack.calls_to("response_url:click")) == 1  # ("no diary entry 1")
