"""The Slack adapter end to end: a real `tandem slack` process in HTTP mode on a free port,
a local fake of the Slack Web API (tests/support/fake_slack.py) behind SLACK_API_URL, and
requests signed as Slack signs them. Assertions are on what the fake received and on the
database. Waiting is for the app's threads to act (on the fake's condition), never for a
schedule."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from slack_sdk.models.blocks import Block

from adapters.slack.blocks import FORM_CALLBACK
from tests.support.fake_slack import FakeSlack
from tests.support.processes import free_port
from tests.support.slack_requests import (
    block_actions,
    dm_message,
    event_callback,
    signed_post,
    slash_command,
    view_submission,
)

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
FORM = "application/x-www-form-urlencoded"
TANDEM = Path(sys.executable).with_name("tandem")


class SlackApp:
    def __init__(self, fake: FakeSlack, folder: Path, **settings: str) -> None:
        self.fake, self.folder, self.port = fake, folder, free_port()
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("DATABASE_URL", "TANDEM_", "SLACK_"))
        }
        env.update(
            SLACK_BOT_TOKEN="xoxb-test-token",
            SLACK_SIGNING_SECRET=SECRET,
            SLACK_API_URL=fake.api_url,
            DATABASE_URL=f"sqlite:///{folder / 'tandem.db'}",
            TANDEM_DEFAULT_TZ="Europe/Berlin",
            **settings,
        )
        self.log = open(folder / "tandem-slack.log", "w")  # noqa: SIM115
        command = [str(TANDEM)] if TANDEM.exists() else [sys.executable, "-m", "adapters.cli"]
        self.process = subprocess.Popen(
            [*command, "slack", "--port", str(self.port), "--host", "127.0.0.1"],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            cwd=folder,
        )
        deadline = time.monotonic() + 30
        while True:  # wait for the process to come up (it is starting, not scheduled)
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=1) as response:
                    if response.status == 200:
                        break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError((folder / "tandem-slack.log").read_text()) from None
                time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def post(self, body: str, content_type: str = FORM, **kwargs) -> tuple[int, str]:
        return signed_post(f"{self.url}/slack/events", body, SECRET, content_type, **kwargs)

    def command(self, user: str, text: str, reply_to: str) -> tuple[int, str]:
        return self.post(slash_command(user, text, self.fake.response_url(reply_to)))

    def event(self, event: dict, event_id: str, **kwargs) -> tuple[int, str]:
        return self.post(event_callback(event, event_id), "application/json", **kwargs)

    def rows(self, sql: str, *args) -> list[tuple]:
        with sqlite3.connect(self.folder / "tandem.db") as connection:
            return connection.execute(sql, args).fetchall()

    def recorded(self) -> int:
        """How many requests the inbox holds. A request is acked only once it is recorded
        (or found recorded before), so right after an ack this is final for it."""
        return self.rows("SELECT count(*) FROM inbox")[0][0]

    def delivered_to(self, user_id: str) -> bool:
        """Nothing due for the person waits in the outbox any more: every DM sent to them so
        far has arrived, so the next new DM answers what they do next (the worker delivers
        in its own time, later under load)."""
        return self.rows(
            "SELECT count(*) FROM outbox JOIN people ON people.id = outbox.recipient_id"
            " WHERE people.user_id = ? AND outbox.status IN ('pending', 'claimed')"
            " AND outbox.due_at <= strftime('%Y-%m-%d %H:%M:%f', 'now')",
            user_id,
        ) == [(0,)]

    def all_done(self) -> bool:
        """Every recorded request has been worked on: the positive marker that what was
        sent was handled (and what it would have changed, changed). A request erased with
        its sender before it was worked on (a second click on "forget" recorded before the
        first was done: `erase_mentioning`) is finished too; one that failed is not."""
        return self.rows(
            "SELECT count(*) FROM inbox WHERE status <> 'done'"
            " AND NOT (status = 'failed' AND last_error = 'erased')"
        ) == [(0,)]

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(15)
        self.log.close()


@pytest.fixture(scope="module")
def fake() -> FakeSlack:
    fake = FakeSlack().start()
    for user, name in (
        ("U0ANA", "ana"),
        ("U0BEN", "ben"),
        ("U0CARL", "carl"),
        ("U0DORA", "dora"),
        ("U0EVE", "eve"),
        ("U0FINN", "finn"),
        ("U0GIA", "gia"),
        ("U0HAL", "hal"),
    ):
        fake.add_user(user, name)
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def slack(fake, tmp_path_factory) -> SlackApp:
    app = SlackApp(fake, tmp_path_factory.mktemp("slack"))
    yield app
    app.stop()


def eventually(check, what: str, timeout: float = 30.0):
    """Poll `check` until it returns something truthy: the app works in a process of its
    own, after its ack. (Waiting for that process, not for a schedule; on a shared 2-core
    machine under a full CI run, 10 s was once not enough for two requests.)"""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, what
        time.sleep(0.05)
    return result


def dms_to(fake: FakeSlack, channel: str) -> list:
    return [c for c in fake.calls_to("chat.postMessage") if c.body["channel"] == channel]


def valid_blocks(blocks: list[dict], limit: int = 50) -> None:
    assert 0 < len(blocks) <= limit
    for block in Block.parse_all(blocks):
        block.to_dict()  # slack_sdk's models check Slack's limits here and raise if broken


def test_health(slack):
    with urllib.request.urlopen(f"{slack.url}/healthz", timeout=5) as response:
        assert json.loads(response.read()) == {"ok": True}


def test_help_is_acked_at_once_and_answered_privately(slack, fake):
    status, body = slack.command("U0ANA", "help", "help-ana")
    assert status == 200 and body == ""  # the ack carries nothing; the answer follows
    [call] = fake.wait_for("response_url:help-ana")
    assert call.body["response_type"] == "ephemeral"
    assert "Tandem helps you learn" in call.body["text"]
    valid_blocks(call.body["blocks"])
    [info] = fake.wait_for("users.info")[:1]
    assert info.body["user"] == "U0ANA"
    assert slack.rows("SELECT timezone, display_name FROM people WHERE user_id = 'U0ANA'") == [
        ("Europe/Berlin", "ana")
    ]


def test_the_locale_slack_reports_is_the_persons_language(slack, fake):
    fake.add_user("U0IDA", "ida", locale="de-DE")
    slack.command("U0IDA", "language", "language-ida")
    [call] = fake.wait_for("response_url:language-ida")
    assert (
        "Tandem spricht Deutsch mit dir; das ist die Sprache deiner Plattform." in call.body["text"]
    )
    assert [b.body.get("include_locale") for b in fake.calls_to("users.info")][-1] in (
        True,
        "true",
        "1",
    )
    assert slack.rows("SELECT locale, language FROM people WHERE user_id = 'U0IDA'") == [
        ("de-DE", None)
    ]
    slack.command("U0IDA", "language en", "language-ida-en")  # chosen: before Slack's
    [chosen] = fake.wait_for("response_url:language-ida-en")
    assert "From now on Tandem speaks English with you." in chosen.body["text"]
    assert slack.rows("SELECT locale, language FROM people WHERE user_id = 'U0IDA'") == [
        ("de-DE", "en")
    ]


def test_a_diary_entry_by_command(slack, fake):
    slack.command(
        "U0BEN", "diary Asked for feedback &amp; got it #communication --share group", "diary-ben"
    )
    [call] = fake.wait_for("response_url:diary-ben")
    assert "Saved to your diary" in call.body["text"]
    assert slack.rows(
        "SELECT text, visibility, tags FROM diary_entries JOIN people ON people.id = author_id WHERE user_id = 'U0BEN'"
    ) == [("Asked for feedback & got it #communication", "group", '["communication"]')]


def test_a_diary_entry_by_modal(slack, fake):
    before = len(fake.calls_to("views.open"))
    slack.command("U0CARL", "diary new", "modal-carl")
    opened = fake.wait_for("views.open", before + 1)[-1]
    view = opened.body["view"]
    assert view["type"] == "modal" and view["callback_id"] == f"{FORM_CALLBACK}diary"
    valid_blocks(view["blocks"], 100)

    status, body = slack.post(
        view_submission("U0CARL", view["callback_id"], {"text": "  ", "share": "partner"})
    )
    assert status == 200 and json.loads(body)["response_action"] == "errors"
    assert "text" in json.loads(body)["errors"]
    status, body = slack.post(
        view_submission("U0CARL", view["callback_id"], {"text": " ", "share": "everyone"})
    )
    assert set(json.loads(body)["errors"]) == {"text", "share"}  # each at its field, at once
    status, body = slack.post(
        view_submission(
            "U0CARL", view["callback_id"], {"text": "Led the retro #moderation", "share": "partner"}
        )
    )
    assert status == 200 and body == ""
    eventually(
        lambda: slack.rows(
            "SELECT 1 FROM diary_entries JOIN people ON people.id = author_id WHERE user_id = 'U0CARL'"
        ),
        "the modal's entry was not stored",
    )
    assert slack.rows(
        "SELECT text, visibility FROM diary_entries JOIN people ON people.id = author_id WHERE user_id = 'U0CARL'"
    ) == [("Led the retro #moderation", "partner")]


def test_a_check_in_dm_and_its_answer(slack, fake):
    slack.command("U0DORA", "checkin now", "now-dora")
    [pointer] = fake.wait_for("response_url:now-dora")
    assert "direct messages" in pointer.body["text"]
    [checkin] = eventually(lambda: dms_to(fake, "D0DORA"), "no check-in DM")
    assert "Time for your check-in" in checkin.body["text"]
    assert checkin.body["metadata"]["event_payload"]["key"].startswith("checkin-now:")
    valid_blocks(checkin.body["blocks"])
    assert [c.body["users"] for c in fake.calls_to("conversations.open")].count("U0DORA") == 1

    status, _ = slack.event(
        dm_message("U0DORA", "Tried a new agenda &lt;short&gt; #moderation", "1764500001.000100"),
        "Ev0DORA1",
    )
    assert status == 200
    eventually(
        lambda: slack.rows("SELECT 1 FROM diary_entries WHERE source = 'check-in'"),
        "the answer was not stored",
    )
    assert slack.rows("SELECT text FROM diary_entries WHERE source = 'check-in'") == [
        ("Tried a new agenda <short> #moderation",)
    ]
    assert slack.rows(
        "SELECT status FROM checkins JOIN people ON people.id = person_id WHERE user_id = 'U0DORA'"
    ) == [("answered",)]


def test_an_event_retried_by_slack_changes_nothing(slack, fake):
    slack.command("U0EVE", "checkin now", "now-eve")
    fake.wait_for("response_url:now-eve")
    event = dm_message("U0EVE", "my answer", "1764500002.000100")
    recorded = slack.recorded()
    assert slack.event(event, "Ev0EVE1")[0] == 200
    retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert slack.event(event, "Ev0EVE1", extra_headers=retry)[0] == 200
    assert slack.recorded() == recorded + 1  # the retry was known as the same event: no work
    eventually(lambda: dms_to(fake, "D0EVE")[1:], "no thanks for the answer")  # after the ask
    eventually(slack.all_done, "the event was not worked on")
    assert slack.rows(
        "SELECT count(*) FROM diary_entries JOIN people ON people.id = author_id WHERE user_id = 'U0EVE'"
    ) == [(1,)]
    thanks = [c for c in dms_to(fake, "D0EVE") if "Thank you" in c.body["text"]]
    assert len(thanks) == 1


def test_the_same_signed_command_replayed_within_five_minutes_acts_once(slack, fake):
    body = slash_command("U0GIA", "diary Said once", fake.response_url("gia-replay"))
    stamp = int(time.time()) - 60  # inside Slack's 5-minute window
    for _ in range(3):  # the request, and two replays of its exact bytes and signature
        assert slack.post(body, timestamp=stamp)[0] == 200
    fake.wait_for("response_url:gia-replay")
    assert slack.post(slash_command("U0GIA", "help", fake.response_url("gia-after")))[0] == 200
    fake.wait_for("response_url:gia-after")  # the worker has done all before this one
    assert slack.rows(
        "SELECT text FROM diary_entries JOIN people ON people.id = author_id WHERE user_id = 'U0GIA'"
    ) == [("Said once",)]
    assert len(fake.calls_to("response_url:gia-replay")) == 1


def test_a_button_clicked_twice_acts_once(slack, fake):
    slack.command("U0FINN", "diary keep me", "finn-diary")
    fake.wait_for("response_url:finn-diary")
    click = block_actions("U0FINN", "privacy forget confirm", fake.response_url("finn-click"))
    stamp, recorded = int(time.time()), slack.recorded()
    assert slack.post(click, timestamp=stamp)[0] == 200
    assert slack.post(click, timestamp=stamp)[0] == 200  # the same request delivered twice
    assert slack.recorded() == recorded + 1  # known as the same one: not recorded again
    assert slack.post(click, timestamp=stamp + 1)[0] == 200  # a double click: a new request
    assert slack.recorded() == recorded + 2  # worked on, and found to be the same click
    [erased] = fake.wait_for("response_url:finn-click")
    assert "Erased your profile" in erased.body["text"]
    # the Home tab, which showed Finn's entries, is replaced by the welcome at once
    homes = eventually(
        lambda: [c for c in fake.calls_to("views.publish") if c.body["user_id"] == "U0FINN"],
        "the Home tab was not cleared",
    )
    assert "Welcome to Tandem" in json.dumps(homes[-1].body["view"])
    eventually(slack.all_done, "the second click was not worked on")  # it answered nothing:
    assert len(fake.calls_to("response_url:finn-click")) == 1  # the core saw the same click
    assert slack.rows("SELECT count(*) FROM people WHERE user_id = 'U0FINN'") == [(0,)]


def test_a_forged_or_stale_signature_is_refused_and_stores_nothing(slack, fake):
    before, recorded = slack.rows("SELECT count(*) FROM people"), slack.recorded()
    body = slash_command("U0GIA", "diary forged", fake.response_url("forged"))
    assert slack.post(body, signature="v0=" + "0" * 64)[0] == 401
    assert slack.post(body, timestamp=int(time.time()) - 600)[0] == 401  # replayed later
    assert signed_post(f"{slack.url}/slack/events", body, "not-the-secret", FORM)[0] == 401
    assert slack.recorded() == recorded  # refused before the inbox: no work will follow
    assert slack.rows("SELECT count(*) FROM people") == before
    assert fake.calls_to("response_url:forged") == []


def test_the_app_home_is_published_when_opened(slack, fake):
    event = {
        "type": "app_home_opened",
        "user": "U0ANA",
        "channel": "D0ANA",
        "tab": "home",
        "event_ts": "1764500003.000100",
    }
    assert slack.event(event, "Ev0HOME1")[0] == 200
    published = eventually(
        lambda: [c for c in fake.calls_to("views.publish") if c.body["user_id"] == "U0ANA"],
        "no Home tab for ana",
    )
    view = published[-1].body["view"]
    assert view["type"] == "home"
    valid_blocks(view["blocks"], 100)
    assert "Next check-in" in json.dumps(view)


def test_answering_a_check_in_through_its_button_and_modal(slack, fake):
    slack.command("U0HAL", "checkin now", "now-hal")
    fake.wait_for("response_url:now-hal")
    [dm] = eventually(lambda: dms_to(fake, "D0HAL"), "no check-in DM")
    buttons = [e for b in dm.body["blocks"] if b["type"] == "actions" for e in b["elements"]]
    answer = next(b for b in buttons if b["value"] == "checkin answer")
    opened_before = len(fake.calls_to("views.open"))
    click = block_actions(
        "U0HAL", answer["value"], fake.response_url("hal-click"), message_ts="1764500009.000200"
    )
    assert slack.post(click)[0] == 200
    view = fake.wait_for("views.open", opened_before + 1)[-1].body["view"]
    assert view["callback_id"] == f"{FORM_CALLBACK}checkin"
    assert (
        slack.post(
            view_submission("U0HAL", view["callback_id"], {"text": "Ran a retro"}, view_id="V0HAL")
        )[0]
        == 200
    )
    eventually(
        lambda: slack.rows(
            "SELECT 1 FROM checkins JOIN people ON people.id = person_id WHERE user_id = 'U0HAL' AND status = 'answered'"
        ),
        "the modal's answer was not stored",
    )
    assert slack.rows(
        "SELECT text, source FROM diary_entries JOIN people ON people.id = author_id WHERE user_id = 'U0HAL'"
    ) == [("Ran a retro", "check-in")]


def test_a_button_that_opens_a_form_works_again_after_the_modal_was_closed(slack, fake):
    slack.command("U0ANA", "checkin now", "now-ana")
    fake.wait_for("response_url:now-ana")
    before = len(fake.calls_to("views.open"))

    def click() -> str:  # each click is a request of its own (its own action_ts)
        return block_actions(
            "U0ANA",
            "checkin answer",
            fake.response_url("ana-click"),
            message_ts="1764500011.000300",
        )

    assert slack.post(click())[0] == 200
    fake.wait_for("views.open", before + 1)
    assert slack.post(click())[0] == 200  # closed the modal, clicked again
    fake.wait_for("views.open", before + 2)


def test_an_answer_with_a_file_attached_is_still_the_answer(slack, fake):
    slack.command("U0BEN", "checkin now", "now-ben")
    fake.wait_for("response_url:now-ben")
    event = dm_message("U0BEN", "Here is my retro board #moderation", "1764500012.000100")
    event.update(subtype="file_share", files=[{"id": "F0001", "name": "board.png"}])
    assert slack.event(event, "Ev0BENFILE")[0] == 200
    eventually(
        lambda: slack.rows(
            "SELECT 1 FROM checkins JOIN people ON people.id = person_id WHERE user_id = 'U0BEN' AND status = 'answered'"
        ),
        "the answer with a file was not taken",
    )


def test_an_edit_or_a_bots_message_is_not_an_answer(slack, fake):
    slack.command("U0CARL", "checkin now", "now-carl")
    fake.wait_for("response_url:now-carl")
    edited = dm_message("U0CARL", "edited", "1764500013.000100")
    edited.update(subtype="message_changed")
    bot = dm_message("U0CARL", "a bot", "1764500013.000200")
    bot.update(bot_id="B0OTHER")
    recorded = slack.recorded()
    assert slack.event(edited, "Ev0CARLEDIT")[0] == 200
    assert slack.event(bot, "Ev0CARLBOT")[0] == 200
    assert slack.recorded() == recorded + 2
    eventually(slack.all_done, "the two events were not worked on")
    assert slack.rows(
        "SELECT status FROM checkins JOIN people ON people.id = person_id WHERE user_id = 'U0CARL'"
    ) == [("asked",)]


def test_a_429_on_a_direct_reply_is_waited_out(slack, fake):
    slack.command("U0DORA", "diary warm-up", "dora-warm")  # the DM channel is known after this
    fake.wait_for("response_url:dora-warm")
    slack.command("U0DORA", "checkin now", "now-dora-2")
    fake.wait_for("response_url:now-dora-2")
    eventually(lambda: len(dms_to(fake, "D0DORA")) >= 3, "no second check-in DM")
    fake.throttle_next("chat.postMessage", 1, retry_after=1)
    assert (
        slack.event(dm_message("U0DORA", "answer after a 429", "1764500014.000100"), "Ev0DORA429")[
            0
        ]
        == 200
    )
    eventually(
        lambda: [c for c in dms_to(fake, "D0DORA") if "Thank you" in (c.body.get("text") or "")][
            1:
        ],
        "the reply was lost",
    )


def test_an_export_arrives_whole_in_the_dm(slack, fake):
    for i in range(12):
        slack.command(
            "U0EVE", f"diary Q&amp;A round {i}: R&amp;D &lt;ideas&gt; " + "x" * 200, f"eve-{i}"
        )
    fake.wait_for("response_url:eve-11")
    slack.command("U0EVE", "privacy export", "eve-export")
    [note] = fake.wait_for("response_url:eve-export")
    assert note.body["text"] == "Sent to your direct messages."
    pages = [
        c
        for c in dms_to(fake, "D0EVE")
        if "tandem-export.json" in (c.body.get("text") or "")
        or "everything Tandem keeps" in (c.body.get("text") or "")
    ]
    assert pages and all(len(p.body["blocks"]) <= 50 for p in pages)
    text = json.dumps([p.body["blocks"] for p in pages])
    assert "Q&amp;amp;A" not in text and "Q&amp;A round 11" in text


def test_an_expired_trigger_falls_back_to_a_message(slack, fake):
    fake.expired_triggers = True
    try:
        slack.command("U0FINN", "diary new", "finn-new")
        [fallback] = fake.wait_for("response_url:finn-new")
        assert "took too long" in fallback.body["text"]
    finally:
        fake.expired_triggers = False


def test_a_self_assessment_step_is_a_modal_of_selects(slack, fake):
    before = len(fake.calls_to("views.open"))
    slack.command("U0GIA", "assess", "gia-assess")
    view = fake.wait_for("views.open", before + 1)[-1].body["view"]
    assert view["callback_id"] == f"{FORM_CALLBACK}assess" and len(view["title"]["text"]) <= 24
    selects = [b["element"] for b in view["blocks"]]
    assert len(selects) == 5 and {s["type"] for s in selects} == {"static_select"}
    assert all("initial_option" not in s for s in selects)  # no level suggested
    values = {b["block_id"]: "4" for b in view["blocks"]}
    submit = view_submission("U0GIA", view["callback_id"], {}, view_id="V0GIA")
    payload = json.loads(urllib.parse.parse_qs(submit)["payload"][0])
    payload["view"]["state"]["values"] = {
        k: {"value": {"type": "static_select", "selected_option": {"value": v}}}
        for k, v in values.items()
    }
    assert slack.post(urllib.parse.urlencode({"payload": json.dumps(payload)}))[0] == 200
    eventually(
        lambda: slack.rows("SELECT count(*) FROM assessment_ratings")[0][0] == 5,
        "ratings not stored",
    )
