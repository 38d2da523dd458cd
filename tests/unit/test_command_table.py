"""The command table is the one definition of every command: each command model has
exactly one handler and each verb one help entry; every word the parser accepts is in
help; the typed path (Discord's options) builds the same command as the typed line; and
nothing the grammar is made of sits in an import cycle. All by walking the table and
the parser, not a hand list."""

from __future__ import annotations

import ast
import inspect
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

import bot.commands as commands
from bot.commands import Command
from bot.domain import Role
from bot.grammar import convert as c
from bot.grammar.helptext import help_replies, label
from bot.grammar.parser import from_typed, read, walk
from bot.grammar.spec import Group, Param, Verb
from bot.grammar.table import HANDLERS, MODELS, TABLE, command_adapter, parse
from bot.service import HANDLERS as SERVICE_HANDLERS

ROOT = Path(__file__).resolve().parents[2]
EVERY_ROLE = set(Role)


def command_models() -> set[type]:
    """Every command model in bot/commands.py (a class with its own `kind`)."""
    return {
        cls
        for cls in vars(commands).values()
        if inspect.isclass(cls)
        and issubclass(cls, Command)
        and isinstance(cls.model_fields["kind"].default, str)
    }


# -- a sample line for each verb, from its converters -----------------------------------


def sample(param: Param) -> str:
    """A value the converter takes, as someone would type it."""
    convert = param.convert
    samples: dict[type, str] = {
        c.Mention: "@ana",
        c.Mentions: "@ana",
        c.Who: "@ana",
        c.Number: "3",
        c.EntryNumber: "3",
        c.Page: "2",
        c.Versioned: "4/2",
        c.NumberList: "1,2",
        c.Date: "2031-01-07",
        c.WallTime: "09:00",
        c.Weekdays: "mon,thu",
        c.TimeZone: "Europe/Berlin",
        c.Share: "group",
        c.Word: "communication",
        c.CommunityName: "facilitation",
        c.CohortRef: "2",
        c.Text: "a few words, with a --dash word",
        c.Levels: "2→4",
        c.Sizes: "4-6",
        c.Split: "A title | what happened",
        c.Known: "diary",
    }
    if isinstance(convert, c.Duration):
        return "2h" if "h" in convert.units else "2w"
    if isinstance(convert, c.Choice):
        return list(convert.values)[-1]
    if isinstance(convert, c.Keyword):
        return convert.word
    return samples[type(convert)]


def sample_line(group: Group, verb: Verb) -> str:
    words = [group.word, *(w[0] for w in verb.words)]
    words += [sample(p) for p in verb.positionals]
    for param in verb.params:
        if param.positional:
            continue
        words.append(f"--{param.option}" if param.flag else f"--{param.option} {sample(param)}")
    return " ".join(words)


def samples() -> Iterator[tuple[Group, Verb, str]]:
    for group, verb in TABLE.verbs():
        yield group, verb, sample_line(group, verb)


SAMPLES = list(samples())
IDS = [line[:50] for _, _, line in SAMPLES]


# -- one handler, one help entry ------------------------------------------------------


def test_every_command_model_has_exactly_one_handler() -> None:
    assert set(HANDLERS) == command_models()
    assert SERVICE_HANDLERS is HANDLERS  # the service runs what the table declares
    for model in MODELS:
        declared = {v.handler for _, v in TABLE.verbs() if v.model is model}
        declared |= {h.handler for h in TABLE.hidden if h.model is model}
        assert len(declared) == 1, f"{model.__name__} has {len(declared)} handlers"


def test_every_verb_has_exactly_one_help_entry() -> None:
    [reply] = help_replies(TABLE, EVERY_ROLE)
    labels = [f.label for s in reply.sections for f in s.fields]
    assert sorted(labels) == sorted(label(g, v) for g, v in TABLE.verbs())
    assert len(labels) == len(set(labels))


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_help_for_a_role_shows_the_verbs_for_it(role: Role) -> None:
    [reply] = help_replies(TABLE, {Role.LEARNER, role})
    labels = {f.label for s in reply.sections for f in s.fields}
    for group, verb in TABLE.verbs():
        assert (label(group, verb) in labels) == bool(verb.roles & {Role.LEARNER, role})


def test_every_word_the_parser_accepts_is_in_help() -> None:
    [reply] = help_replies(TABLE, EVERY_ROLE)
    # the usage lines and what help says of the other words that work
    said = "\n".join(
        [f.label + " " + f.value for s in reply.sections for f in s.fields]
        + [s.text for s in reply.sections if s.title == "Other words that work"]
    )
    for _, verb, path in walk(TABLE):
        line = " ".join([*path, *(sample(p) for p in verb.positionals)])
        assert read(line, TABLE).verb is verb, line  # the parser takes these words for it
        for word in path:
            assert re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", said), (word, line)
        for param in verb.params:
            if param.option:
                assert f"--{param.option}" in said, f"--{param.option} of {line!r}"
            for choice in param.convert.choices:
                assert choice in said, f"{choice!r} of {line!r}"


def test_the_parser_accepts_no_command_word_the_table_lacks() -> None:
    for word in ("learn", "journal", "diaries", "checkout", "cohortz"):
        assert word not in TABLE.words()
        with pytest.raises(commands.CommandError, match="I don't know the command"):
            parse(word)


@pytest.mark.parametrize("topic", [g.word for g in TABLE.groups])
def test_each_words_help_names_each_of_its_verbs(topic: str) -> None:
    group = TABLE.group(topic)
    assert group is not None
    [reply] = help_replies(TABLE, EVERY_ROLE, topic)
    assert parse(f"{topic} help") == commands.Help(topic=topic) or topic == "help"
    usages = [f.label for f in reply.sections[0].fields]
    assert usages == [f"/learn {group.usage_of(v)}" for v in group.verbs]


def test_help_fits_the_platforms_fields() -> None:
    for roles in ({Role.LEARNER}, EVERY_ROLE):
        for reply in help_replies(TABLE, roles):
            for section in reply.sections:
                assert all(len(f.value) <= 1024 and len(f.label) <= 256 for f in section.fields)


# -- each sample line: parsed, typed, stored -------------------------------------------


@pytest.mark.parametrize(("group", "verb", "line"), SAMPLES, ids=IDS)
def test_a_sample_line_makes_its_verbs_command(group: Group, verb: Verb, line: str) -> None:
    found = read(line, TABLE)
    assert found.verb is verb
    assert isinstance(found.command, verb.model)
    for field_name, value in verb.fixed.items():
        assert getattr(found.command, field_name) == value
    again = command_adapter.validate_json(command_adapter.dump_json(found.command))
    assert again == found.command  # what a typed platform records reads back the same


def typed_values(group: Group, verb: Verb, words: dict[str, str]) -> dict[str, Any]:
    """The options a typed platform would send for these words: a person picked (its id),
    a number as an integer, a flag as true, a compound part by part."""
    values: dict[str, Any] = {}
    for param in verb.params:
        raw = words.get(param.name)
        if raw is None:
            continue
        convert, spot = param.convert, group.spot(verb, param)
        if convert.parts:
            parts = zip((p.name for p in convert.parts), convert.text(raw, spot), strict=False)
            values.update({n: v for n, v in parts if v not in (None, "")})
        elif convert.kind is c.Kind.PERSON:
            values[param.name] = raw if isinstance(convert, c.Who) else raw.lstrip("@")
        elif convert.kind is c.Kind.FLAG:
            values[param.name] = True
        elif convert.kind is c.Kind.INTEGER:
            values[param.name] = convert.text(raw, spot)
        else:
            values[param.name] = raw
    return values


@pytest.mark.parametrize(("group", "verb", "line"), SAMPLES, ids=IDS)
def test_typed_options_make_the_same_command_as_the_line(
    group: Group, verb: Verb, line: str
) -> None:
    found = read(line, TABLE)
    typed = from_typed(group, verb, typed_values(group, verb, dict(found.words)))
    if isinstance(found.command, commands.AnswerTask):  # a typed number has no version
        assert typed == found.command.model_copy(update={"version": None})
    else:
        assert typed == found.command


def test_a_typed_value_is_checked_by_the_same_converter() -> None:
    every = TABLE.group("checkin")
    assert every is not None
    [verb] = [v for v in every.verbs if v.words == (("every",),)]
    with pytest.raises(commands.CommandError, match="`funday` is not a weekday"):
        from_typed(every, verb, {"days": "funday", "time": "09:00"})
    with pytest.raises(commands.CommandError, match="Say when"):
        from_typed(every, verb, {"time": "09:00"})


# -- no import cycle through the grammar -------------------------------------------------


def imports() -> nx.DiGraph:
    """Module -> module it imports, for bot, adapters and storage: every import at any
    level of a module (a function's too), relative ones resolved."""
    modules = {}
    for package in ("bot", "adapters", "storage"):
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    graph = nx.DiGraph()
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parts, *([base] if base else [])])
                targets = [base, *(f"{base}.{a.name}" for a in node.names)]
            graph.add_edges_from((name, t) for t in targets if t in modules and t != name)
    return graph


GRAMMAR = re.compile(r"bot\.(grammar|commands|service|forms)|adapters\.discord")


def test_no_import_cycle_runs_through_the_grammar() -> None:
    graph = imports()
    assert ("bot.grammar.table", "bot.handlers.diary") in graph.edges  # the graph is real
    through = [cycle for cycle in nx.simple_cycles(graph) if any(map(GRAMMAR.match, cycle))]
    assert through == []


def test_the_cycle_check_sees_a_cycle_in_a_function_level_import() -> None:
    graph = nx.DiGraph([("bot.grammar.table", "bot.x"), ("bot.x", "bot.grammar.table")])
    assert [c for c in nx.simple_cycles(graph) if any(map(GRAMMAR.match, c))]
    source = "def f():\n    from bot.grammar.table import TABLE\n"
    found = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom)]
    assert found and found[0].module == "bot.grammar.table"  # ast.walk reaches into functions


def test_a_typed_text_is_cleaned_as_a_line_is() -> None:
    diary_group = TABLE.group("diary")
    assert diary_group is not None
    [write] = [v for v in diary_group.verbs if v.name == "write"]
    typed = from_typed(diary_group, write, {"text": "cafe\u0301 hi\u200b there #Tag"})
    assert typed == parse("diary cafe\u0301 hi\u200b there #Tag")
    assert typed == commands.WriteDiary(text="caf\u00e9 hi there #Tag", tags=("tag",))
