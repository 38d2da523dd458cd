"""Discord's /learn tree, made from the command table: inside Discord's limits, one
subcommand for each verb, typed options (users, integers, choices) that build the core's
command with no text in between, and no Discord code that builds a command line."""

from __future__ import annotations

import ast
import asyncio
import re
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands
from discord.http import Route

from adapters.clock import SystemClock
from adapters.discord.bot import INTERACTION
from adapters.discord.translator import TableTranslator
from adapters.discord.tree import build_learn_group, choose, name_of
from bot.commands import WriteDiary
from bot.grammar.table import TABLE, command_adapter
from bot.inbox import Inbox
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.integration.test_discord import ANA, BEN, Harness, callback
from tests.support import discord_payloads as p
from tests.support.fake_discord import FakeDiscord

NAME = re.compile(r"^[-_\w]{1,32}$")  # Discord's rule for command and option names
DISCORD = Path(__file__).resolve().parents[2] / "adapters" / "discord"


def tree() -> dict[str, Any]:
    async def run(*_: Any) -> None:
        return None

    learn = build_learn_group(TABLE, run)
    return learn.to_dict(app_commands.CommandTree(discord.Client(intents=discord.Intents.none())))


def size(node: dict[str, Any]) -> int:
    """What Discord counts against 8,000: names, descriptions and choices, all levels."""
    total = len(node.get("name", "")) + len(node.get("description", ""))
    for choice in node.get("choices") or []:
        total += len(choice["name"]) + len(str(choice["value"]))
    return total + sum(size(o) for o in node.get("options") or [])


def nodes(node: dict[str, Any]) -> list[dict[str, Any]]:
    found = [node]
    for option in node.get("options") or []:
        found += nodes(option)
    return found


def test_the_tree_keeps_discords_limits() -> None:
    learn = tree()
    assert learn["name"] == "learn" and len(learn["options"]) <= 25
    assert size(learn) <= 8000
    for node in nodes(learn):
        assert NAME.match(node["name"]) and node["name"] == node["name"].lower(), node["name"]
        assert 1 <= len(node.get("description", "")) <= 100, node["name"]
        assert len(node.get("options") or []) <= 25, node["name"]
        assert len(node.get("choices") or []) <= 25, node["name"]
    for group in learn["options"]:  # /learn <group> <sub>: two levels at most
        for sub in group.get("options") or []:
            if sub["type"] == 1:
                assert all(o["type"] not in (1, 2) for o in sub.get("options") or [])


# -- German: the tree as a German client sees it ----------------------------------------


def translated() -> dict[str, Any]:
    """The tree as `tree.sync()` sends it: with the translator's localizations."""

    async def run(*_: Any) -> None:
        return None

    async def payload() -> dict[str, Any]:
        tree_ = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))
        learn = build_learn_group(TABLE, run)
        translator = TableTranslator(TABLE, learn.to_dict(tree_))  # as the bot makes it
        return await learn.get_translated_payload(tree_, translator)

    return asyncio.run(payload())


def longest(node: dict[str, Any], key: str) -> int:
    """A field's length as Discord counts it against 8,000: "only the longest
    localization for each field (including the default value) is counted towards the
    size limit" (discord.com/developers/docs/interactions/application-commands, Slash
    Commands)."""
    localized = (node.get(f"{key}_localizations") or {}).values()
    return max([len(str(node.get(key, ""))), *(len(text) for text in localized)])


def localized_size(node: dict[str, Any]) -> int:
    total = longest(node, "name") + longest(node, "description")
    for choice in node.get("choices") or []:
        total += longest(choice, "name") + len(str(choice["value"]))
    return total + sum(localized_size(o) for o in node.get("options") or [])


# Discord's naming rule, ^[-_\p{L}\p{N}\p{sc=Deva}\p{sc=Thai}]{1,32}$: letters and digits of
# any script ([^\W_] in Python's re, which has no \p{L}), `-` and `_`.
LOCALIZED_NAME = re.compile(r"^(?:[^\W_]|[-_]){1,32}$")


def test_every_name_and_description_has_its_german_and_keeps_discords_rules() -> None:
    learn = translated()
    assert localized_size(learn) <= 8000
    assert localized_size(learn) > size(learn)  # the German counts: it is longer
    described = 0
    for node in nodes(learn)[1:]:  # all but /learn itself, which stays /learn
        german = node["name_localizations"]["de"]
        assert LOCALIZED_NAME.match(german) and german == german.lower(), german
        description = (node.get("description_localizations") or {}).get("de")
        assert description is None or 1 <= len(description) <= 100, node["name"]
        described += description is not None
        for choice in node.get("choices") or []:
            assert 1 <= len(choice["name_localizations"]["de"]) <= 100, choice
    assert described >= 0.95 * len(nodes(learn)[1:])  # nearly all: as many as fit
    for node in nodes(learn):  # sibling names stay apart in German too
        names = [o["name_localizations"]["de"] for o in node.get("options") or []]
        assert len(names) == len(set(names)), names


def test_a_german_client_sees_german_names() -> None:
    learn = {o["name"]: o for o in translated()["options"]}
    diary = learn["diary"]
    assert diary["name_localizations"] == {"de": "tagebuch"}
    assert diary["description_localizations"] == {"de": "Dein Projekttagebuch"}  # it fits
    write = {o["name"]: o for o in diary["options"]}["write"]
    assert write["name_localizations"]["de"] == "schreiben"
    share = {o["name"]: o for o in write["options"]}["share"]
    assert share["name_localizations"]["de"] == "teilen"
    assert [c["name_localizations"]["de"] for c in share["choices"]] == [
        "privat",
        "partner",
        "gruppe",
        "tutor",
    ]
    checkin = {o["name"]: o for o in learn["checkin"]["options"]}
    assert checkin["pause-until"]["name_localizations"]["de"] == "pause-bis"
    assert learn["help"]["name_localizations"]["de"] == "hilfe"
    assert learn["privacy"]["name_localizations"]["de"] == "datenschutz"


def test_every_verb_is_a_subcommand_with_its_values_as_typed_options() -> None:
    learn = {o["name"]: o for o in tree()["options"]}
    for group, verb in TABLE.verbs():
        top = learn[group.word]
        command = top if top["type"] == 1 else {o["name"]: o for o in top["options"]}[name_of(verb)]
        typed = {o["name"]: o for o in command.get("options") or []}
        for param in verb.params:
            names = [part.name for part in param.convert.parts] or [param.name]
            assert set(names) <= set(typed), (group.word, name_of(verb), names)
            kind = param.convert.kind.value
            if not param.convert.parts:
                expected = {"person": 6, "integer": 4, "flag": 5, "text": 3, "choice": 3}[kind]
                assert typed[param.name]["type"] == expected, (name_of(verb), param.name)
            if param.convert.choices:
                choices = [ch["value"] for ch in typed[param.name]["choices"]]
                assert choices == list(param.convert.choices)


def test_no_discord_code_builds_a_command_line() -> None:
    for path in DISCORD.glob("*.py"):
        tree_ = ast.parse(path.read_text(), str(path))
        names = {
            n.name for n in ast.walk(tree_) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        names |= {n.attr for n in ast.walk(tree_) if isinstance(n, ast.Attribute)}
        assert not [n for n in names if n.endswith("_line")], path.name


# -- through the bot, against the fake Discord -----------------------------------------


@pytest.fixture
def fake(monkeypatch):
    fake = FakeDiscord().start()
    monkeypatch.setattr(Route, "BASE", fake.api_url)
    yield fake
    fake.stop()


@pytest.fixture
def harness(fake, tmp_path):
    harness = Harness(fake, tmp_path, TANDEM_FACILITATORS=f"discord:{ANA['id']}")
    yield harness
    harness.close()


def answer(harness: Harness, fake: FakeDiscord, payload: dict) -> dict:
    harness.dispatch(payload)
    return callback(fake, payload)["data"]


def test_typed_text_is_text_whatever_words_it_holds(harness, fake) -> None:
    said = answer(
        harness,
        fake,
        p.slash(BEN, "diary write", text="I learned about --force pushes --share group"),
    )
    assert "Saved to your diary" in said["content"]
    assert harness.rows("SELECT text, visibility FROM diary_entries") == [
        ("I learned about --force pushes --share group", "private")
    ]


def in_locale(payload: dict, locale: str) -> dict:
    """The interaction as a client set to `locale` sends it."""
    return {**payload, "locale": locale}


def test_a_bad_typed_value_is_answered_privately_and_changes_nothing(harness, fake) -> None:
    typed = p.slash(BEN, "checkin every", days="funday", time="09:00")
    said = answer(harness, fake, in_locale(typed, "en-US"))
    assert said["flags"] & 64 and "`funday` is not a weekday" in said["content"]
    assert harness.rows("SELECT count(*) FROM people") == [(0,)]  # not even registered


def test_a_bad_typed_value_is_refused_in_the_clients_language(harness, fake) -> None:
    typed = p.slash(BEN, "checkin every", days="funday", time="09:00")
    said = answer(harness, fake, in_locale(typed, "de"))
    assert said["flags"] & 64 and "`funday` ist kein Wochentag" in said["content"]
    assert harness.rows("SELECT count(*) FROM people") == [(0,)]


def test_the_cohort_option_names_one_of_several(harness, fake) -> None:
    for name in ("Spring", "Autumn"):
        assert "is open" in answer(harness, fake, p.slash(ANA, "cohort open", name=name))["content"]
    refused = answer(harness, fake, p.slash(ANA, "cohort close"))["content"]
    assert "name one with `--cohort <number>`" in refused
    [(autumn,)] = harness.rows("SELECT id FROM cohorts WHERE name = 'Autumn'")
    closed = answer(harness, fake, p.slash(ANA, "cohort close", cohort=str(autumn)))
    assert "Cohort Autumn is closed" in closed["content"]
    assert sorted(harness.rows("SELECT name, status FROM cohorts")) == [
        ("Autumn", "closed"),
        ("Spring", "preparation"),
    ]


def test_a_person_picked_in_an_option_is_known_by_name(harness, fake) -> None:
    answer(harness, fake, p.slash(ANA, "cohort open", name="Spring"))
    said = answer(harness, fake, p.slash(ANA, "cohort add", person=BEN, role="learner"))
    assert "Added to Spring" in said["content"]
    with sqlite3.connect(harness.database) as connection:
        names = connection.execute("SELECT user_id, display_name FROM people").fetchall()
    assert (BEN["id"], "Ben") in names


def test_a_recorded_command_is_done_by_whoever_takes_the_row(harness, fake) -> None:
    """The inbox row holds the command object as JSON (no line), so any process can do it."""
    dead = Inbox(SqlUnitOfWorkFactory(harness.app.engine), SystemClock(), "dead:1", timedelta(0))
    command = WriteDiary(text="Typed before the crash --share group")
    recorded = {
        "call": "execute",
        "user": BEN["id"],
        "arguments": {
            "command": command_adapter.dump_python(command, mode="json"),
            "profile": {"display_name": "ben", "locale": None},
            "event": None,
            "mentioned": {},
            "where": None,
        },
        "application_id": p.APP_ID,
        "token": "tok-typed-left-behind",
    }
    dead.record("discord:interaction:2", INTERACTION, recorded, None, True)
    harness.bot.inbox_worker.wake()
    [followup] = fake.wait_for("/webhooks/tok-typed-left-behind")
    assert "Saved to your diary" in followup["content"]
    assert harness.rows("SELECT text, visibility FROM diary_entries") == [
        ("Typed before the crash --share group", "private")
    ]


def test_verbs_sharing_their_words_are_one_subcommand_chosen_by_the_options() -> None:
    plan = TABLE.group("plan")
    assert plan is not None
    form, add = [v for v in plan.verbs if [w[0] for w in v.words] == ["add"]]
    assert choose([form, add], {}) is form  # `/learn plan add`: the form
    assert choose([form, add], {"date": "2031-01-07", "title": "Demo"}) is add
    assert choose([form, add], {"goal": 1}) is add  # its options say which: told what is missing
    subcommand = next(o for o in tree()["options"] if o["name"] == "plan")
    [merged] = [o for o in subcommand["options"] if o["name"] == "add"]
    assert {o["name"] for o in merged["options"]} == {"date", "title", "evidence", "goal"}
    assert not any(o.get("required") for o in merged["options"])  # the form needs none


def test_the_tree_is_synced_with_its_german_names(harness, fake) -> None:
    """What the bot registers with Discord carries the German localizations: the
    translator is installed when the bot starts, before any sync."""
    harness.run(harness.bot.tree.sync())
    [synced] = fake.calls_to("/commands")
    [learn] = synced["commands"]
    assert learn["name"] == "learn"
    groups = {o["name"]: o for o in learn["options"]}
    assert groups["diary"]["name_localizations"] == {"de": "tagebuch"}
    assert groups["goals"]["name_localizations"] == {"de": "ziele"}
    assert groups["advice"]["description_localizations"]["de"] == (
        "Kollegiale Beratung in deiner Lerngruppe"
    )
