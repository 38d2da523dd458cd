"""The README's "Adding a command" example, `/learn diary tags`: declared once (its model,
its entry in the table) with its handler, and nothing else; Discord's tree, Slack, the
console and help all have it. The README's code is the code in the tree."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from adapters.discord.tree import name_of
from bot.commands import ShowTags
from bot.domain import Role
from bot.grammar.helptext import help_replies
from bot.grammar.table import HANDLERS, TABLE, parse
from bot.handlers import diary
from tests.conftest import console_identity
from tests.e2e.test_story import (  # noqa: F401 (fixtures)
    ConsoleDriver,
    DiscordDriver,
    Driver,
    SlackDriver,
    discord_harness,
    slack_world,
)
from tests.integration.test_discord_tree import tree

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["console", "slack", "discord"])
def driver(request, tmp_path) -> Driver:
    if request.param == "console":
        return ConsoleDriver(tmp_path)
    if request.param == "discord":
        return DiscordDriver(request.getfixturevalue("discord_harness"))
    return SlackDriver(*request.getfixturevalue("slack_world"))


def test_the_example_answers_on_every_platform(driver: Driver) -> None:
    driver.command("/learn diary Ran the retro #communication #facilitation")
    driver.command("/learn diary Asked for feedback #communication")
    said = driver.command("/learn diary tags")
    assert "Your #tags and in how many of your 2 entries each is" in said
    assert "#communication (Communication): 2" in said
    assert said.index("#communication") < said.index("#facilitation")  # most used first
    assert "/learn diary tags" in driver.command("/learn help diary")


def test_discords_tree_has_it_as_a_subcommand() -> None:
    diary_group = next(o for o in tree()["options"] if o["name"] == "diary")
    [tags] = [o for o in diary_group["options"] if o["name"] == "tags"]
    assert tags["description"] == "your #tags, most used first"
    [(group, verb)] = [(g, v) for g, v in TABLE.verbs() if v.model is ShowTags]
    assert (group.word, name_of(verb)) == ("diary", "tags")


def test_help_and_the_handlers_have_it() -> None:
    assert parse("/learn diary tags") == ShowTags()
    assert HANDLERS[ShowTags] is diary.tags
    [reply] = help_replies(TABLE, {Role.LEARNER})
    assert "/learn diary tags" in [f.label for s in reply.sections for f in s.fields]


def test_it_reads_the_askers_own_entries_only(tandem) -> None:
    ana, ben = console_identity("ana"), console_identity("ben")
    tandem.handle(ben, "/learn diary my secret doubts #conflict")
    tandem.handle(ben, "/learn diary shared #conflict --share partner")
    [nothing] = tandem.handle(ana, "/learn diary tags")
    assert nothing.text.startswith("No #tags in your diary yet") and "conflict" not in str(nothing)
    tandem.handle(ana, "/learn diary tried it #feedback")
    [mine] = tandem.handle(ana, "/learn diary tags")
    assert "#feedback" in mine.sections[0].text and "conflict" not in str(mine)


def readme_example() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Adding a command", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.DOTALL)


def test_the_readme_shows_the_code_as_it_is() -> None:
    blocks = readme_example()
    assert len(blocks) == 3  # the model, its entry in the table, the handler
    sources = {
        path: (ROOT / path).read_text()
        for path in ("bot/commands.py", "bot/grammar/table.py", "bot/handlers/diary.py")
    }
    for block, path in zip(blocks, sources, strict=True):
        assert block.strip() in sources[path], f"the README's block differs from {path}"
