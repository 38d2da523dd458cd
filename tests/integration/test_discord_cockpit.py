"""The tutor's cockpit and `cohort reassess` on Discord: discord.py's own objects parse
real-shaped interactions, the fake REST API records the answers (issue 18, items 2, 4).
The cockpit is a tutor's `/learn cohort report`: an ephemeral embed per learner with
buttons; a button runs as whoever clicks it."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain import Identity, Platform, Profile
from tests.integration.test_discord import Harness, callback, eventually
from tests.support import discord_payloads as p
from tests.support.fake_discord import FakeDiscord
from tests.support.language import assert_german

FAY = p.user("300000000000000201", "fay")
ANA = p.user("300000000000000202", "ana")
BEN = p.user("300000000000000203", "ben")
TIA = p.user("300000000000000204", "tia")
MAX = p.user("300000000000000205", "max")


@pytest.fixture
def harness(fake: FakeDiscord, tmp_path):  # noqa: ANN201
    harness = Harness(fake, tmp_path, TANDEM_FACILITATORS=f"discord:{FAY['id']}")
    yield harness
    harness.close()


@pytest.fixture
def fake(monkeypatch):  # noqa: ANN201
    from discord.http import Route

    fake = FakeDiscord().start()
    monkeypatch.setattr(Route, "BASE", fake.api_url)
    yield fake
    fake.stop()


def core(harness: Harness, user: dict[str, Any], line: str, locale: str = "en") -> None:
    who = Identity(Platform.DISCORD, "", user["id"])
    replies = harness.app.tandem.handle(who, line, Profile(user["username"], locale=locale))
    assert replies and not replies[0].is_error, (line, replies[0].text)


def cohort(harness: Harness) -> None:
    """Spring: ana and ben learn, tia tutors ana, max manages ana; it has started."""
    for user in (ANA, BEN, TIA, MAX):
        core(harness, user, "/learn help")
    core(harness, FAY, "/learn cohort open Spring")
    core(harness, FAY, f"/learn cohort invite @{ANA['id']} @{BEN['id']}")
    for user in (ANA, BEN):
        core(harness, user, "/learn cohort join")
    core(harness, FAY, f"/learn cohort add @{TIA['id']} tutor --of @{ANA['id']}")
    core(harness, FAY, f"/learn cohort add @{MAX['id']} manager --of @{ANA['id']}")
    core(harness, FAY, "/learn cohort kickoff")
    core(harness, ANA, "/learn diary for my tutor TUTORWORD --share tutor")
    core(harness, ANA, "/learn diary kept to myself PRIVATEWORD")


def buttons(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for row in data.get("components") or [] for c in row.get("components") or []]


def test_the_tutors_cockpit_is_an_ephemeral_embed_with_buttons(harness, fake):
    cohort(harness)
    shown = p.slash(TIA, "cohort report")
    harness.dispatch(shown)
    data = callback(fake, shown)["data"]
    assert data["flags"] & 64  # ephemeral: only the tutor sees it
    ana = next(e for e in data["embeds"] if e.get("title") == "ana")
    fields = {f["name"]: f["value"] for f in ana["fields"]}
    assert {"Last activity", "Check-ins", "Co-coaching", "Milestones", "Goals"} <= set(fields)
    assert "TUTORWORD" in ana["description"]
    assert "PRIVATEWORD" not in str(data)
    ids = [b["custom_id"] for b in buttons(data)]
    assert f"tandem:run:progress --of @{ANA['id']}" in ids
    assert f"tandem:run:goals --of @{ANA['id']}" in ids
    # the progress button, clicked by the tutor, and by the manager (who is refused)
    message = {**p.dm_message(TIA, ""), "components": data["components"]}
    mine = p.button(TIA, f"tandem:run:progress --of @{ANA['id']}", message)
    harness.dispatch(mine)
    assert callback(fake, mine)["data"]["content"].startswith("ana's progress shows once")
    theirs = p.button(
        MAX,
        f"tandem:run:progress --of @{ANA['id']}",
        {**p.dm_message(MAX, ""), "components": data["components"]},
    )
    harness.dispatch(theirs)
    assert "only theirs" in callback(fake, theirs)["data"]["content"]


def test_a_manager_gets_no_cockpit_on_discord(harness, fake):
    cohort(harness)
    asked = p.slash(MAX, "cohort report")
    harness.dispatch(asked)
    data = callback(fake, asked)["data"]
    assert data["content"] == "Reports are for tutors (about their learners) and facilitators."
    assert "TUTORWORD" not in str(data) and not data.get("embeds")


def test_the_cockpit_and_reassess_in_german_on_discord(harness, fake):
    cohort(harness)
    core(harness, TIA, "/learn language de")
    shown = p.slash(TIA, "cohort report")
    shown["locale"] = "de"
    harness.dispatch(shown)
    data = callback(fake, shown)["data"]
    ana = next(e for e in data["embeds"] if e.get("title") == "ana")
    assert "Zuletzt aktiv" in [f["name"] for f in ana["fields"]]
    assert_german(data["content"])
    labels = [b["label"] for b in buttons(data)]
    assert "ana: Fortschritt" in labels and "ana: Ziel kommentieren" in labels
    core(harness, FAY, "/learn language de")
    asked = p.slash(FAY, "cohort reassess")
    asked["locale"] = "de"
    harness.dispatch(asked)
    said = callback(fake, asked)["data"]["content"]
    assert said.startswith("2 Lernende von Spring werden zur neuen Selbsteinschätzung")
    assert_german(said)

    # the invitation reaches each learner as a DM with the button to assess
    def invitations() -> list:
        found = [m for ms in fake.messages.values() for m in ms if "tandem:run:assess" in str(m)]
        return found if len(found) >= 2 else []  # both: the outbox sends them one by one

    sent = eventually(invitations, "the invitations")
    assert len(sent) == 2 and all("Spring: time for your self-assessment." in str(m) for m in sent)


def test_comment_a_goal_from_the_cockpit_in_a_modal(harness, fake, monkeypatch):
    from adapters.discord import bot as discord_bot

    monkeypatch.setattr(discord_bot, "DEFER_AFTER", 30.0)  # a modal needs an undeferred click
    monkeypatch.setattr(discord_bot, "RECORD_BOUND", 30.0)
    cohort(harness)
    core(harness, TIA, f"/learn goals add @{ANA['id']} communication 2→4 leads the weekly review")
    shown = p.slash(TIA, "cohort report")
    harness.dispatch(shown)
    cockpit = callback(fake, shown)["data"]
    goals = p.button(
        TIA,
        f"tandem:run:goals --of @{ANA['id']}",
        {**p.dm_message(TIA, ""), "components": cockpit["components"]},
    )
    harness.dispatch(goals)
    data = callback(fake, goals)["data"]
    [comment] = [b for b in buttons(data) if b["label"] == "Comment on goal 1"]
    assert comment["custom_id"] == f"tandem:run:goals comment 1 --of @{ANA['id']}"
    click = p.button(
        TIA, comment["custom_id"], {**p.dm_message(TIA, ""), "components": data["components"]}
    )
    harness.dispatch(click)
    body = callback(fake, click)
    assert body["type"] == 9  # MODAL
    assert body["data"]["custom_id"].startswith(f"tandem:form:goal-comment.1.{ANA['id']}:")
    [field] = [c["components"][0] for c in body["data"]["components"]]
    sent = p.modal_submit(TIA, body["data"]["custom_id"], {field["custom_id"]: "Start small"})
    harness.dispatch(sent)
    assert callback(fake, sent)["data"]["content"].startswith("Comment added to ana's goal 1.")
    assert harness.rows("SELECT text FROM goal_comments") == [("Start small",)]
