"""The preliminary phase as one story, told through every adapter with the same steps:

    a facilitator gives roles -> the learner assesses herself (forms) -> her tutor sees
    it and records a goal -> she proposes a practical task to her manager -> he asks for
    changes (a button, then a form for the reason) -> she revises -> he agrees -> she
    looks at her progress picture

Each adapter is driven by its own traffic: console lines, signed Slack requests against
the fake Web API, Discord interactions against the fake REST API. The drivers speak the
`language` a test parametrizes (German people: Slack's `users.info` locale `de-DE`,
Discord's interaction locale `de`, the console's `--lang de`), and give back everything
Tandem sent (`received`) for `tests/support/received.py` to check.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import sqlite3
import urllib.parse
from collections.abc import Callable
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
from tests.support.fake_slack import TEAM, FakeSlack
from tests.support.matrix_world import MatrixStory
from tests.support.received import (
    as_a_german_client_sees_it,
    assert_all_german,
    from_console,
    from_discord,
    from_slack,
    said_in,
)
from tests.support.slack_requests import block_actions, view_submission

PEOPLE = ("fay", "ana", "tia", "ben")
LOCALES = {"slack": {"en": "en-US", "de": "de-DE"}, "discord": {"en": "en-US", "de": "de"}}
Values = Callable[[str], str]  # an input's name -> the value typed or chosen


class Driver(Protocol):
    database: Path

    def command(self, who: str, line: str) -> str:
        """`who` types a `/learn` line (`@name` mentions someone); the private answer."""

    def form(self, who: str, line: str, values: Values) -> str:
        """`who` opens a form with `line` and submits it; the answer."""

    def last_dm(self, who: str, containing: str) -> str:
        """The direct message from Tandem to `who` that says `containing`, once it came
        (delivery runs on its own; a test waits for the process, not for a schedule)."""

    def click(self, who: str, label: str, values: Values | None = None) -> str:
        """`who` clicks `label` on the newest DM with such a button; a form it opens is
        filled with `values`."""

    def picture(self, who: str) -> bytes | str:
        """The newest chart `who` got: its bytes, or its name where only that is seen."""

    def received(self) -> list[str]:
        """Every text Tandem sent anyone, one per message (`tests/support/received.py`)."""


class LineFeed:
    """Piped input the test writes ahead: what the console's form prompts read."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def readline(self) -> str:
        return self.lines.pop(0) + "\n" if self.lines else ""

    def isatty(self) -> bool:
        return False


class ConsoleDriver:
    def __init__(self, folder: Path, language: str = "en") -> None:
        self.database, self.language = folder / "tandem.db", language
        self.out, self.feed = io.StringIO(), LineFeed()
        clock = ShiftableClock()
        app = build(Settings(DATABASE_URL=f"sqlite:///{self.database}"), clock, console=True)
        self.console = Console(
            app,
            clock,
            "fay",
            stdin=self.feed,  # type: ignore[arg-type]
            stdout=self.out,
            locale=language,  # `tandem console --lang de`
        )
        self.console.handle_line("/learn help")  # the first person on a new database facilitates

    def _said(self, who: str, line: str) -> str:
        self.console.handle_line(f"/as {who}")
        start = len(self.out.getvalue())
        self.console.handle_line(line)
        return self.out.getvalue()[start:]

    def command(self, who: str, line: str) -> str:
        return self._said(who, line)

    def form(self, who: str, line: str, values: Values) -> str:
        self.console.handle_line(f"/as {who}")
        start = len(self.out.getvalue())
        # the console shows the form's inputs as prompts; answer each in turn
        original = self.console._ask

        def ask(prompt: str) -> str | None:
            name = self._current_inputs.pop(0)
            self.feed.lines.append(values(name))
            return original(prompt)

        self._current_inputs: list[str] = []
        render_form = self.console._fill

        def fill(form) -> None:  # noqa: ANN001
            self._current_inputs = [i.name for i in form.inputs]
            render_form(form)

        self.console._ask, self.console._fill = ask, fill  # type: ignore[method-assign]
        try:
            self.console.handle_line(line)
        finally:
            self.console._ask, self.console._fill = original, render_form  # type: ignore[method-assign]
        return self.out.getvalue()[start:]

    def dm_to(self, who: str) -> str:
        """How the console heads a direct message to `who`, in the console's language."""
        to = said_in(self.language, "{who} to {recipient}")
        return (
            f"tandem ({to.format(who=said_in(self.language, 'direct message'), recipient=who)}): "
        )

    def last_dm(self, who: str, containing: str) -> str:
        dms = self.out.getvalue().split(self.dm_to(who))[1:]
        said = [
            dm.split("\ntandem (", 1)[0] for dm in dms if containing in dm.split("\ntandem (", 1)[0]
        ]
        assert said, f"no DM saying {containing!r}"
        return said[-1]

    def click(self, who: str, label: str, values: Values | None = None) -> str:
        label = said_in(self.language, label)
        command = re.search(
            rf"\[{re.escape(label)}\]  \w+: (/learn [^\n]+)", self.last_dm(who, f"[{label}]")
        )
        assert command, f"no {label} button"
        if values is None:
            return self.command(who, command.group(1))
        return self.form(who, command.group(1), values)

    def picture(self, who: str) -> bytes | str:
        shown = said_in(self.language, "  picture: {path}").strip().split("{path}")[0]
        path = re.findall(rf"{re.escape(shown)}(\S+)", self.out.getvalue())[-1]
        return Path(path).read_bytes()

    def received(self) -> list[str]:
        return from_console(self.out.getvalue())


class SlackDriver:
    def __init__(self, fake: FakeSlack, slack: SlackApp, language: str = "en") -> None:
        self.fake, self.slack, self.database = fake, slack, slack.folder / "tandem.db"
        self.language = language  # the people's Slack locale (slack_world adds them so)
        self.numbers = itertools.count(1)
        self.seen: dict[str, int] = {}

    @staticmethod
    def user(who: str) -> str:
        return "U0" + who.upper()

    def _escaped(self, line: str) -> str:
        """As Slack sends a slash command with should_escape: `<@U123|name>` mentions."""
        return re.sub(r"@(\w+)", lambda m: f"<@{self.user(m.group(1))}|{m.group(1)}>", line)

    def command(self, who: str, line: str) -> str:
        name = f"pre-{next(self.numbers)}"
        self.slack.command(self.user(who), self._escaped(line.removeprefix("/learn ")), name)
        [answer] = self.fake.wait_for(f"response_url:{name}")
        return dumps(answer.body.get("blocks")) + answer.body["text"]

    def _dms(self, who: str) -> list:
        return dms_to(self.fake, "D" + self.user(who)[1:])

    def _submit(self, who: str, opened: int, values: Values) -> str:
        view = self.fake.wait_for("views.open", opened + 1)[opened].body["view"]
        # an earlier DM (an invitation, say) arriving after the submission would be taken
        # for its answer
        user = self.user(who)
        eventually(lambda: self.slack.delivered_to(user), f"what was sent to {who} is late")
        before = len(self._dms(who))
        submit = view_submission(self.user(who), view["callback_id"], {}, f"V{next(self.numbers)}")
        payload = json.loads(urllib.parse.parse_qs(submit)["payload"][0])
        state = {}
        for block in view["blocks"]:
            element, name = block["element"], block["block_id"]
            if element["type"] == "static_select":
                state[name] = {
                    "value": {"type": "static_select", "selected_option": {"value": values(name)}}
                }
            else:
                state[name] = {"value": {"type": "plain_text_input", "value": values(name)}}
        payload["view"]["state"]["values"] = state
        assert self.slack.post(urllib.parse.urlencode({"payload": json.dumps(payload)}))[0] == 200
        answers = eventually(lambda: self._dms(who)[before:], "no answer to the form")
        self.seen[who] = before + len(answers)
        answer = answers[-1]
        return dumps(answer.body.get("blocks")) + answer.body["text"]

    def form(self, who: str, line: str, values: Values) -> str:
        opened = len(self.fake.calls_to("views.open"))
        name = f"pre-{next(self.numbers)}"
        self.slack.command(self.user(who), self._escaped(line.removeprefix("/learn ")), name)
        return self._submit(who, opened, values)

    def last_dm(self, who: str, containing: str) -> str:
        def found() -> list[str]:
            texts = [dumps(d.body.get("blocks")) + d.body["text"] for d in self._dms(who)]
            return [t for t in texts if containing in t]

        return eventually(found, f"no DM saying {containing!r}")[-1]

    def click(self, who: str, label: str, values: Values | None = None) -> str:
        label = said_in(self.language, label)

        def with_button() -> list[dict]:
            return [
                e
                for d in self._dms(who)
                for b in _blocks(d.body)
                if b["type"] == "actions"
                for e in b["elements"]
                if e["text"]["text"] == label
            ]

        buttons = eventually(with_button, f"no {label} button")[-1:]
        [button] = [b for b in buttons if b["text"]["text"] == label]
        name = f"pre-{next(self.numbers)}"
        opened = len(self.fake.calls_to("views.open"))
        self.slack.post(
            block_actions(
                self.user(who),
                button["value"],
                self.fake.response_url(name),
                message_ts=f"1764500000.{next(self.numbers):06d}",
            )
        )
        if values is not None:
            return self._submit(who, opened, values)
        [answer] = self.fake.wait_for(f"response_url:{name}")
        return dumps(answer.body.get("blocks")) + answer.body["text"]

    def picture(self, who: str) -> bytes | str:
        done = eventually(
            lambda: [
                f
                for f in self.fake.files.values()
                if f.get("done") and f["channel"] == "D" + self.user(who)[1:]
            ],
            "no picture uploaded",
        )
        file_id = [k for k, v in self.fake.files.items() if v is done[-1]][0]
        return self.fake.uploads[file_id]

    def received(self) -> list[str]:
        return from_slack(self.fake)


def dumps(value: object) -> str:
    """JSON as a person would read its words (umlauts as they are)."""
    return json.dumps(value, ensure_ascii=False)


def _blocks(body: dict) -> list[dict]:
    blocks = body.get("blocks") or []
    return json.loads(blocks) if isinstance(blocks, str) else blocks


class DiscordDriver:
    def __init__(self, harness: DiscordHarness, language: str = "en") -> None:
        self.harness, self.fake, self.database = harness, harness.fake, harness.database
        self.language, self.locale = language, LOCALES["discord"][language]
        self.seen: dict[str, int] = {}
        self.people = {
            who: discord_payloads.user(f"30000000000000{i:04d}", who, self.locale)
            for i, who in enumerate(PEOPLE, start=1)
        }
        self.synced: dict | None = None
        if language == "de":  # the tree as registered, which a German client shows in German
            harness.run(harness.bot.tree.sync())
            [self.synced] = self.fake.calls_to("/commands")

    def _payload(self, who: str, line: str) -> dict:
        """The line as the subcommand and typed options a person fills in on Discord (a
        German client: picked from the synced tree by its German names)."""
        payload = discord_payloads.typed(self.people[who], line, self.people)
        if self.synced is not None:
            as_a_german_client_sees_it(self.synced, payload, line)
        return payload

    def _answer(self, payload: dict) -> dict:
        self.harness.dispatch(payload)
        return answer_to(self.fake, payload)

    def command(self, who: str, line: str) -> str:
        return dumps(self._answer(self._payload(who, line))["data"])

    def _submit(self, who: str, opened: dict, values: Values) -> str:
        assert opened["type"] == 9, opened  # a modal
        inputs = [c["components"][0]["custom_id"] for c in opened["data"]["components"]]
        submit = discord_payloads.modal_submit(
            self.people[who], opened["data"]["custom_id"], {i: values(i) for i in inputs}
        )
        return dumps(self._answer(submit)["data"])

    def form(self, who: str, line: str, values: Values) -> str:
        opened = self._answer(self._payload(who, line))
        return self._submit(who, opened, values)

    def _dms(self, who: str) -> list[dict]:
        return self.fake.messages.get("7" + self.people[who]["id"][-17:], [])

    def last_dm(self, who: str, containing: str) -> str:
        def found() -> list[str]:
            return [t for t in map(dumps, self._dms(who)) if containing in t]

        return eventually(found, f"no DM saying {containing!r}")[-1]

    def click(self, who: str, label: str, values: Values | None = None) -> str:
        label = said_in(self.language, label)
        message = eventually(lambda: self._dms(who), "no DM")[-1]
        [button] = [
            c for row in message["components"] for c in row["components"] if c["label"] == label
        ]
        answer = self._answer(
            discord_payloads.button(self.people[who], button["custom_id"], message)
        )
        if values is not None:
            return self._submit(who, answer, values)
        return dumps(answer["data"])

    def picture(self, who: str) -> bytes | str:
        with_files = [  # answered at once (the callback) or after a deferral (a followup)
            body
            for _, path, body in list(self.fake.calls)
            if ("/callback" in path or "/webhooks/" in path) and body.get("_file")
        ]
        return bytes.fromhex(with_files[-1]["_file_head"])

    def received(self) -> list[str]:
        return from_discord(self.fake)


@pytest.fixture
def slack_world(tmp_path, language):
    fake = FakeSlack().start()
    for who in PEOPLE:
        fake.add_user(SlackDriver.user(who), who, locale=LOCALES["slack"][language])
    app = SlackApp(fake, tmp_path, TANDEM_FACILITATORS=f"slack:{TEAM}:U0FAY")
    yield fake, app
    app.stop()
    fake.stop()


@pytest.fixture
def discord_harness(tmp_path, monkeypatch, language):
    fake = FakeDiscord().start()
    monkeypatch.setattr(Route, "BASE", fake.api_url)
    # Discord says a person's locale only in their own interactions: someone named before
    # they ever used Tandem is told things in the deployment's language, which a German
    # company sets (TANDEM_LOCALE=de)
    harness = DiscordHarness(
        fake,
        tmp_path,
        TANDEM_FACILITATORS="discord:300000000000000001",
        **({"TANDEM_LOCALE": "de"} if language == "de" else {}),
    )
    yield harness
    harness.close()
    fake.stop()


@pytest.fixture
def matrix_story(request, tmp_path, language):
    driver = MatrixStory(request.getfixturevalue("synapse"), tmp_path, language)
    yield driver
    driver.close()


@pytest.fixture(
    params=["console", "slack", "discord", pytest.param("matrix", marks=pytest.mark.synapse)]
)
def driver(request, tmp_path, language) -> Driver:
    if request.param == "matrix":
        return request.getfixturevalue("matrix_story")
    if request.param == "console":
        return ConsoleDriver(tmp_path, language)
    if request.param == "discord":
        return DiscordDriver(request.getfixturevalue("discord_harness"), language)
    return SlackDriver(*request.getfixturevalue("slack_world"), language)


def levels(name: str) -> str:
    return "2" if name == "communication" else "3"


def seen(expected: str | None, answer: str) -> bool:
    """`expected` is in `answer`; None: the words of a module not in the catalogue yet,
    checked in English only (the German story checks that all of it is German)."""
    return expected is None or expected in answer


# what is typed and what is expected, in each language
AGREEMENT = {
    "en": {
        "open": "/learn cohort open Spring",
        "opened": "is open",
        "add": "/learn cohort add @{who} {role}",
        "roles": ("learner", "tutor --of @ana", "manager --of @ana"),
        "added": "Added to Spring",
        "join": "/learn cohort join",
        "welcome": "Welcome to Spring",
        "assess": "/learn assess",
        "saved": "Saved.",
        "complete": "is complete",
        "of": "/learn goals --of @ana",
        "assessed": ("Self-assessment of", "Communication"),
        "refused": "learners you accompany",
        "goal": "/learn goals add @ana communication 2→4 leads the weekly review",
        "recorded": "recorded for ana",
        "told": "recorded a goal with you",
        "why": "leads the weekly review",
        "agree": "/learn agree @ben run the team retro for a quarter",
        "sent": "sent to ben",
        "asks": "proposes a practical task",
        "task": "run the team retro",
        "reason": "two sprints first",
        "asked": "asked for changes to ana's proposal 1",
        "back": "asked for changes to your proposal",
        "revise": "/learn agree revise {number} run the retro for two sprints",
        "revised": "run the retro for two sprints",
        "version": "version 2",
        "changed": "(changed)",
        "agreed": "you agreed ana's proposal 1",
        "told agreed": "agreed your proposal",
        "progress": "/learn progress",
        "shown": "Communication: 2, target 4, 2 to go",
    },
    "de": {
        "open": "/learn kohorte eröffnen Spring",
        "opened": None,
        "add": "/learn kohorte hinzufügen @{who} {role}",
        "roles": ("lernende", "tutor --von @ana", "führungskraft --von @ana"),
        "added": None,
        "join": "/learn kohorte beitreten",
        "welcome": None,
        "assess": "/learn einschätzen",
        "saved": "Gespeichert.",
        "complete": "ist abgeschlossen",
        "of": "/learn ziele --von @ana",
        "assessed": (None, "Kommunikation"),
        "refused": None,
        "goal": "/learn ziele neu @ana kommunikation 2→4 leitet das wöchentliche Review",
        "recorded": None,
        "told": "2→4",
        "why": "leitet das wöchentliche Review",
        "agree": "/learn vereinbarung @ben leitet ein Quartal lang die Team-Retro",
        "sent": None,
        "asks": "Team-Retro",
        "task": "leitet ein Quartal lang die Team-Retro",
        "reason": "erst zwei Sprints",
        "asked": None,
        "back": "erst zwei Sprints",
        "revise": "/learn vereinbarung überarbeiten {number} leitet zwei Sprints lang die Retro",
        "revised": "leitet zwei Sprints lang die Retro",
        "version": None,
        "changed": "leitet zwei Sprints lang die Retro",
        "agreed": None,
        "told agreed": None,
        "progress": "/learn fortschritt",
        "shown": None,
    },
}


@pytest.mark.parametrize("language", ["en", "de"])
def test_from_assessment_to_agreement(driver: Driver, language: str):
    said = AGREEMENT[language]
    assert seen(said["opened"], driver.command("fay", said["open"]))
    # `--of` names someone already known (a new name there is refused, not created)
    for who, role in zip(("ana", "tia", "ben"), said["roles"], strict=True):
        assert seen(said["added"], driver.command("fay", said["add"].format(who=who, role=role)))
    assert seen(said["welcome"], driver.command("ana", said["join"]))

    for _ in range(4):
        assert said["saved"] in driver.form("ana", said["assess"], levels)
    assert said["complete"] in driver.form("ana", said["assess"], levels)

    shown = driver.command("tia", said["of"])
    assert all(seen(words, shown) for words in said["assessed"]), shown
    refused = driver.command("ben", said["of"])
    assert seen(said["refused"], refused) and said["assessed"][1] not in refused

    added = driver.command("tia", said["goal"])
    assert seen(said["recorded"], added.lower())
    driver.last_dm("ana", said["told"])

    sent = driver.command("ana", said["agree"])
    assert seen(said["sent"], sent.lower())
    ask = driver.last_dm("ben", said["asks"])
    assert said["task"] in ask
    assert said["why"] in ask  # the goal it serves, and nothing of a diary

    asked = driver.click("ben", "Ask for changes", lambda name: said["reason"])
    assert seen(said["asked"], asked.lower())
    back = driver.last_dm("ana", said["back"])
    assert said["reason"] in back

    with sqlite3.connect(driver.database) as connection:
        [(number,)] = connection.execute("SELECT id FROM agreements").fetchall()
    if language == "en":  # the answer names it
        assert re.search(r"Proposal (\d+) sent", sent).group(1) == str(number)
    revised = driver.command("ana", said["revise"].format(number=number))
    assert seen(said["version"], revised)
    assert said["revised"] in driver.last_dm("ben", said["changed"])
    assert seen(said["agreed"], driver.click("ben", "Agree").lower())
    if said["told agreed"] is not None:
        driver.last_dm("ana", said["told agreed"])

    progress = driver.command("ana", said["progress"])
    assert seen(said["shown"], progress)
    assert bytes(driver.picture("ana")).startswith(b"\x89PNG\r\n\x1a\n")

    with sqlite3.connect(driver.database) as connection:
        agreement = connection.execute("SELECT status, version, task FROM agreements").fetchall()
        responses = connection.execute(
            "SELECT version, decision, reason FROM agreement_responses ORDER BY version"
        ).fetchall()
        goals = connection.execute(
            "SELECT trait_id, current_level, target_level FROM goals"
        ).fetchall()
    assert agreement == [("agreed", 2, said["revised"])]
    assert responses == [(1, "changes", said["reason"]), (2, "agree", "")]
    assert goals == [("communication", 2, 4)]
    if language == "de":  # nothing anyone was sent is English
        assert_all_german(driver.received(), allow=("Spring", "Tandem"))


KICKOFF = {
    "en": {
        "open": "/learn cohort open Spring",
        "opened": "is open",
        "invite": "/learn cohort invite @{name}",
        "invited": "Invited to Spring",
        "invitation": "invites you to the learning cohort Spring",
        "welcome": "Welcome to Spring",
        "pair": "/learn cohort pair",
        "proposed": "1 pair proposed",
        "confirm": "/learn cohort confirm pairs",
        "confirmed": "Confirmed 1 pair",
        "intro": "Your learning partner",
        "co-coaching": "co-coaching",
        "partner": "/learn partner",
    },
    "de": {
        "open": "/learn kohorte eröffnen Spring",
        "opened": None,
        "invite": "/learn kohorte einladen @{name}",
        "invited": None,
        "invitation": "Spring",
        "welcome": None,
        "pair": "/learn kohorte paare",
        "proposed": None,
        "confirm": "/learn kohorte bestätigen paare",
        "confirmed": None,
        "intro": "Co-Coaching",
        "co-coaching": "Co-Coaching",
        "partner": "/learn lernpartner",
    },
}


@pytest.mark.parametrize("language", ["en", "de"])
def test_the_kickoff_on_every_adapter(driver: Driver, language: str):
    said = KICKOFF[language]
    assert seen(said["opened"], driver.command("fay", said["open"]))
    for name in ("ana", "tia", "ben"):
        assert seen(said["invited"], driver.command("fay", said["invite"].format(name=name)))
        driver.last_dm(name, said["invitation"])
        assert seen(said["welcome"], driver.click(name, "Join"))
    proposal = driver.command("fay", said["pair"])
    assert seen(said["proposed"], proposal)
    assert seen(said["confirmed"], driver.command("fay", said["confirm"]))
    intro = driver.last_dm("ana", said["intro"])
    assert said["co-coaching"] in intro
    partner = driver.command("ana", said["partner"])
    assert seen(said["intro"] if language == "en" else None, partner)
    with sqlite3.connect(driver.database) as connection:
        members = connection.execute("SELECT count(*) FROM partnership_members").fetchall()
        statuses = connection.execute("SELECT DISTINCT status FROM memberships").fetchall()
    assert members == [(3,)] and statuses == [("active",)]
    if language == "de":
        assert_all_german(driver.received(), allow=("Spring", "Tandem"))


def test_on_slack_a_whole_channel_is_invited(slack_world):
    fake, app = slack_world
    fake.add_user("U0CEM", "cem")
    fake.users["B0BOT"] = {"id": "B0BOT", "is_bot": True, "name": "otherbot", "profile": {}}
    fake.channel_members["C0TEAM"] = ["U0ANA", "U0CEM", "B0BOT"]
    driver = SlackDriver(fake, app)
    driver.command("fay", "/learn cohort open Spring")
    said = driver.command("fay", "/learn cohort invite <#C0TEAM|team>")
    assert "Invited to Spring: ana, cem." in said
    for name in ("ana", "cem"):
        driver.last_dm(name, "invites you to the learning cohort Spring")
    with sqlite3.connect(driver.database) as connection:
        invited = connection.execute(
            "SELECT p.user_id FROM memberships m JOIN people p ON p.id = m.person_id "
            "WHERE m.status = 'invited' ORDER BY p.user_id"
        ).fetchall()
    assert invited == [("U0ANA",), ("U0CEM",)]
