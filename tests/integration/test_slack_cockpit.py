"""The tutor's cockpit and the facilitator's overview on Slack's App Home: a real `tandem
slack` process, signed requests, and the fake Web API's `views.publish` (issue 18, item 2).
A learner's Home stays their dashboard; a tutor's adds their learners below it; a
facilitator's adds their cohorts, what is next and a report button."""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable

import pytest

from tests.integration.test_slack import SlackApp, dms_to, eventually, valid_blocks
from tests.support.fake_slack import FakeSlack
from tests.support.language import assert_german
from tests.support.slack_requests import TEAM, block_actions

PEOPLE = (("U0FAY", "fay"), ("U0ANA", "ana"), ("U0BEN", "ben"), ("U0TIA", "tia"), ("U0MAX", "max"))


@pytest.fixture(scope="module")
def fake() -> FakeSlack:
    fake = FakeSlack().start()
    for user, name in PEOPLE:
        fake.add_user(user, name)
    fake.add_user("U0TEA", "tea", locale="de-DE")
    yield fake
    fake.stop()


def commands(app: SlackApp, fake: FakeSlack, prefix: str) -> Callable[[str, str], None]:
    """A way to give commands as a user, one after the other, each answered before the
    next (their request ids numbered under `prefix`)."""
    n = 0

    def say(user: str, text: str) -> None:
        nonlocal n
        n += 1
        app.command(user, text, f"{prefix}-{n}")
        fake.wait_for(f"response_url:{prefix}-{n}")

    return say


@pytest.fixture(scope="module")
def slack(fake, tmp_path_factory) -> SlackApp:
    app = SlackApp(
        fake, tmp_path_factory.mktemp("cockpit"), TANDEM_FACILITATORS=f"slack:{TEAM}:U0FAY"
    )
    say = commands(app, fake, "cockpit")
    say("U0FAY", "cohort open Spring")
    say("U0FAY", "cohort invite <@U0ANA> <@U0BEN>")
    say("U0ANA", "cohort join")
    say("U0BEN", "cohort join")
    say("U0FAY", "cohort add <@U0TIA> tutor --of <@U0ANA>")
    say("U0FAY", "cohort add <@U0TEA> tutor --of <@U0BEN>")
    say("U0FAY", "cohort add <@U0MAX> manager --of <@U0ANA>")
    say("U0FAY", "cohort kickoff")
    say("U0ANA", "diary for my tutor TUTORWORD --share tutor")
    say("U0ANA", "diary kept to myself PRIVATEWORD")
    say("U0MAX", "help")
    yield app
    app.stop()


def opened(slack: SlackApp, fake: FakeSlack, user: str, event_id: str) -> dict:
    before = len([c for c in fake.calls_to("views.publish") if c.body["user_id"] == user])
    event = {"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home"}
    event["event_ts"] = "1764500003.000100"
    assert slack.event(event, event_id)[0] == 200
    published = eventually(
        lambda: [c for c in fake.calls_to("views.publish") if c.body["user_id"] == user][before:],
        f"no Home tab for {user}",
    )
    view = published[-1].body["view"]
    assert view["type"] == "home"
    valid_blocks(view["blocks"], 100)
    return view


def values(view: dict) -> list[str]:
    return [e.get("value") for b in view["blocks"] if b["type"] == "actions" for e in b["elements"]]


def test_the_tutors_app_home_shows_the_cockpit(slack, fake):
    view = opened(slack, fake, "U0TIA", "EvCOCKPIT1")
    shown = json.dumps(view, ensure_ascii=False)
    assert "Next check-in" in shown  # their own dashboard stays
    assert "Your learners (progress only; their diaries stay theirs)" in shown
    assert "Last activity" in shown and "Check-ins" in shown and "TUTORWORD" in shown
    assert "PRIVATEWORD" not in shown
    assert {"progress --of @U0ANA", "goals --of @U0ANA"} <= set(values(view))


def test_a_learners_and_a_managers_app_home_have_no_cockpit(slack, fake):
    for user, event_id in (("U0ANA", "EvCOCKPIT2"), ("U0MAX", "EvCOCKPIT3")):
        shown = json.dumps(opened(slack, fake, user, event_id), ensure_ascii=False)
        assert "Your learners" not in shown and "progress --of" not in shown
        assert "Your cohorts (facilitator)" not in shown
    assert "TUTORWORD" not in shown


def test_the_facilitators_app_home_shows_the_cohort_and_a_report_button(slack, fake):
    view = opened(slack, fake, "U0FAY", "EvCOCKPIT4")
    shown = json.dumps(view, ensure_ascii=False)
    assert "Your cohorts (facilitator)" in shown and "Spring" in shown and "learning" in shown
    assert "TUTORWORD" not in shown
    [report] = [v for v in values(view) if v and v.startswith("cohort report --cohort ")]
    assert report == "cohort report --cohort 1"


def test_a_german_tutors_app_home_is_german(slack, fake):
    view = opened(slack, fake, "U0TEA", "EvCOCKPIT5")
    shown = json.dumps(view, ensure_ascii=False)
    assert "Deine Lernenden (nur der Fortschritt" in shown and "Zuletzt aktiv" in shown
    header = next(b for b in view["blocks"] if b["type"] == "header")["text"]["text"]
    assert_german(header.replace("tea", ""))


def home_click(user: str, value: str, view_id: str) -> str:
    """A click on a button of the person's Home tab: no message, no response_url."""
    payload = json.loads(urllib.parse.parse_qs(block_actions(user, value, ""))["payload"][0])
    for key in ("response_url", "channel", "message"):
        payload.pop(key)
    payload["container"] = {"type": "view", "view_id": view_id}
    payload["view"] = {"id": view_id, "type": "home", "team_id": TEAM, "blocks": []}
    return urllib.parse.urlencode({"payload": json.dumps(payload)})


def test_a_home_button_runs_as_who_clicks_it(slack, fake):
    view = opened(slack, fake, "U0TIA", "EvCOCKPIT6")
    assert "progress --of @U0ANA" in values(view)

    def answers(channel: str) -> list:
        return [
            c
            for c in dms_to(fake, channel)
            if "progress shows once" in json.dumps(c.body) or "only theirs" in json.dumps(c.body)
        ]

    before = len(answers("D0TIA"))
    assert slack.post(home_click("U0TIA", "progress --of @U0ANA", "VHOMETIA1"))[0] == 200
    eventually(lambda: slack.all_done() and len(answers("D0TIA")) > before, "no answer")
    [answer] = answers("D0TIA")[before:]  # in the tutor's DM: a Home tab has no thread
    assert "ana's progress shows once a self-assessment is complete" in json.dumps(answer.body)
    # the same button clicked by ana's manager (a forged Home) is refused
    assert slack.post(home_click("U0MAX", "progress --of @U0ANA", "VHOMEMAX1"))[0] == 200
    [refusal] = eventually(lambda: answers("D0MAX"), "no refusal")
    assert "only theirs" in json.dumps(refusal.body)


def test_reassess_reaches_each_learner_by_dm_with_a_button_in_their_language(slack, fake):
    """`cohort reassess` on Slack: each learner's DM (through the outbox, Block Kit that
    slack_sdk accepts) carries the invitation and an "Assess myself" button running
    `assess`; the facilitator's own answer is private; no one else is asked."""

    def invitations(channel: str) -> list:
        return [
            c
            for c in dms_to(fake, channel)
            if "self-assessment" in json.dumps(c.body, ensure_ascii=False)
            and "assess" in values({"blocks": c.body.get("blocks") or []})
        ]

    before = {ch: len(invitations(ch)) for ch in ("D0ANA", "D0BEN", "D0TIA", "D0MAX", "D0FAY")}
    slack.command("U0FAY", "cohort reassess", "cockpit-reassess")
    [answer] = fake.wait_for("response_url:cockpit-reassess")
    assert "2 learners of Spring are asked" in json.dumps(answer.body)
    for channel in ("D0ANA", "D0BEN"):
        [dm] = eventually(lambda ch=channel: invitations(ch)[before[ch] :], f"none in {channel}")
        valid_blocks(dm.body["blocks"])
        assert "Spring: time for your self-assessment." in json.dumps(dm.body)
    eventually(slack.all_done, "work left")
    for channel in ("D0TIA", "D0MAX", "D0FAY"):
        assert len(invitations(channel)) == before[channel]


def test_a_learner_who_erases_their_data_leaves_their_tutors_home_at_once(slack, fake):
    # The tutor's Home (at Slack, as published) showed lia and what she shared with him:
    # after her erasure it is published again without her, not only once he opens it.
    # (Last in this module: lia is erased.)
    fake.add_user("U0LIA", "lia")
    say = commands(slack, fake, "erasing")
    say("U0FAY", "cohort invite <@U0LIA>")
    say("U0LIA", "cohort join")
    say("U0FAY", "cohort add <@U0TIA> tutor --of <@U0LIA>")
    say("U0LIA", "diary for my tutor LIAWORD --share tutor")
    assert "LIAWORD" in json.dumps(opened(slack, fake, "U0TIA", "EvCOCKPIT7"))

    def tias() -> list:
        return [c for c in fake.calls_to("views.publish") if c.body["user_id"] == "U0TIA"]

    before = len(tias())
    click = block_actions("U0LIA", "privacy forget confirm", fake.response_url("lia-click"))
    assert slack.post(click)[0] == 200
    [erased] = fake.wait_for("response_url:lia-click")
    assert "Erased your profile" in erased.body["text"]
    republished = eventually(lambda: tias()[before:], "the tutor's Home still shows lia")
    shown = json.dumps(republished[-1].body["view"], ensure_ascii=False)
    assert "LIAWORD" not in shown and "lia" not in shown
