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
from bot.grammar.spec import Group, Param, Table, Verb
from bot.grammar.table import HANDLERS, MODELS, TABLE, command_adapter, parse
from bot.i18n import _, speaking
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


def english_paths() -> Iterator[tuple[Group, Verb, tuple[str, ...]]]:
    """Every verb with each way of saying its words in English (German words left out)."""
    for group, verb in TABLE.verbs():
        paths: list[tuple[str, ...]] = [(w,) for w in group.english]
        for words in verb.english:
            paths = [(*p, w) for p in paths for w in words]
        for path in paths:
            yield group, verb, path


def said_in_help(language: str) -> str:
    with speaking(language):
        [reply] = help_replies(TABLE, EVERY_ROLE)
        other = _("Other words that work")
    # the usage lines and what help says of the other words that work
    return "\n".join(
        [f.label + " " + f.value for s in reply.sections for f in s.fields]
        + [s.text for s in reply.sections if s.title == other]
    )


def _in(word: str, said: str) -> bool:
    return bool(re.search(rf"(?<![\w-]){re.escape(word)}(?![\w-])", said))


def test_every_word_the_parser_accepts_is_in_help() -> None:
    said = said_in_help("en")
    for _group, verb, path in english_paths():
        line = " ".join([*path, *(sample(p) for p in verb.positionals)])
        assert read(line, TABLE).verb is verb, line  # the parser takes these words for it
        for word in path:
            assert _in(word, said), (word, line)
        for param in verb.params:
            if param.option:
                assert f"--{param.option}" in said, f"--{param.option} of {line!r}"
            for choice in param.convert.choices:
                assert choice in said, f"{choice!r} of {line!r}"


def test_english_help_names_no_german_word() -> None:
    said = said_in_help("en")
    for word in ("tagebuch", "hilfe", "ziele", "--teilen", "gruppe", "bestätigen", "jeden"):
        assert word not in said, word


def test_every_word_german_or_english_is_in_german_help() -> None:
    """German help shows the German words first and names every other word that works,
    the English ones too; the German options and choices are in it as well."""
    said = said_in_help("de")
    folded = {c.fold(w) for w in re.findall(r"[\w-]+", said)}
    assert "ae, oe, ue" in said  # the spellings without umlauts are said once for all
    for _group, verb, path in walk(TABLE):
        line = " ".join([*path, *(sample(p) for p in verb.positionals)])
        assert read(line, TABLE).verb is verb, line
        for word in path:
            assert _in(word, said) or word in folded, (word, line)
        for param in verb.params:
            if param.option:
                assert f"--{param.option}" in said, f"--{param.option} of {line!r}"
                if param.de:
                    assert f"--{param.de}" in said, f"--{param.de} of {line!r}"
            for choice in param.convert.words_in(True):
                assert choice in said, f"{choice!r} of {line!r}"
    with speaking("de"):
        labels = [label(g, v) for g, v in TABLE.verbs()]
    assert "/learn tagebuch zeigen <n>" in labels
    assert "/learn checkin jeden <Tage> HH:MM" in labels


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
    [verb] = [v for v in every.verbs if [w[0] for w in v.words] == ["every"]]
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


# -- German words: one meaning each ------------------------------------------------------


def test_no_word_means_two_things() -> None:
    """A German word (or any alias) names one command word, one verb word where it
    stands, one option and one choice: never an English word of something else."""
    groups: dict[str, str] = {}
    for group in TABLE.groups:
        for word in group.words:
            assert groups.setdefault(word.casefold(), group.word) == group.word, word
        meaning: dict[tuple[tuple[str, ...], str], str] = {}
        for verb in group.verbs:
            for i, words in enumerate(verb.words):
                before = tuple(w[0] for w in verb.words[:i])
                for word in words:
                    key = (before, word.casefold())
                    assert meaning.setdefault(key, words[0]) == words[0], (group.word, word)
        for verb in group.verbs:
            names = {p.option: p for p in verb.params if p.option}
            for param in names.values():
                if param.de:
                    assert param.de not in names or names[param.de] is param, param.de
    english_options = {p.option for _g, v in TABLE.verbs() for p in v.params if p.option}
    for german_name, english in TABLE.option_names.items():
        assert german_name not in english_options - {english}, german_name
    converters = [p.convert for _g, v in TABLE.verbs() for p in v.params]
    for convert in converters:
        if not isinstance(convert, c.Choice | c.Share):
            continue
        for german_word, english in convert.de.items():
            assert german_word not in convert.choices or german_word == english, german_word


def test_a_german_word_that_meant_two_things_is_refused() -> None:
    twice = Table(
        groups=(
            Group(
                ("a",),
                "A",
                "a",
                (
                    Verb(
                        commands.Help,
                        lambda *_: [],
                        "x",
                        params=(
                            Param("x", c.Word(), "x", option="share", de="teilen"),
                            Param("y", c.Word(), "y", option="of", de="teilen"),
                        ),
                    ),
                ),
            ),
        )
    )
    with pytest.raises(ValueError, match="two options"):
        assert twice.option_names


GERMAN_LINES = [
    ("tagebuch Heute viel gelernt --teilen gruppe", commands.WriteDiary),
    ("tagebuch neu", commands.OpenDiaryForm),
    ("tagebuch zeigen 3 --von @ana", commands.ShowDiaryEntry),
    ("tagebuch löschen 3 bestätigen", commands.DeleteDiaryEntry),
    ("tagebuch loeschen 3", commands.DeleteDiaryEntry),
    ("checkin jeden mo,do 09:00", commands.ScheduleCheckins),
    ("checkin every mo,do 9 uhr", commands.ScheduleCheckins),
    ("checkin pause bis 30.06.2027", commands.PauseCheckins),
    ("checkin später 2 std", commands.SnoozeCheckin),
    ("ziele", commands.ShowGoals),
    ("ziele neu kommunikation 2 bis 4 weil es zählt --bis nächsten freitag", commands.AddGoal),
    ("gruppe", commands.ShowGroup),
    ("gruppe checkin jeden do 16 uhr", commands.GroupCheckins),
    ("beratung weiter", commands.AdviceStep),
    ("datenschutz vergessen bestätigen", commands.ForgetMe),
    ("kohorte hinzufügen @ben führungskraft --von @ana", commands.AddToCohort),
    ("kohorte gruppen --größe 4-6", commands.ProposeCircles),
    ("vereinbarung ja 4", commands.AnswerTask),
    ("hilfe tagebuch", commands.Help),
    ("tagebuch hilfe", commands.Help),
]


@pytest.mark.parametrize(("line", "model"), GERMAN_LINES, ids=[g[0][:40] for g in GERMAN_LINES])
def test_german_lines_make_the_commands_the_english_ones_do(line: str, model: type) -> None:
    assert isinstance(parse(line), model)


def test_german_and_english_say_the_same() -> None:
    pairs = [
        ("tagebuch Heute viel gelernt --teilen gruppe", "diary Heute viel gelernt --share group"),
        ("checkin jeden mo,do 9 uhr", "checkin every mon,thu 09:00"),
        ("checkin jeden werktags 9:30 uhr", "checkin every weekdays 09:30"),
        (
            "ziele neu communication 2 bis 4 weil --bis 30.06.2027",
            "goals add communication 2→4 weil --by 2027-06-30",
        ),
        ("kohorte hinzufügen @ben tutor --von @ana", "cohort add @ben tutor --of @ana"),
        ("tagebuch --von @ana --seite 2", "diary --of @ana --page 2"),
        ("hilfe ziele", "help goals"),
        ("kohorte bestätigen paare", "cohort confirm pairs"),
    ]
    for german_line, english_line in pairs:
        assert parse(german_line) == parse(english_line), german_line
