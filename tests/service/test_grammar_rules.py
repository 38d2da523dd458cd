"""Grammar rules a person can predict (issue 15, item 2), each on the parser and, where it
matters, through the core: free text keeps its `--words`; a `--word` is an option only
where the command declares one, and a near miss is refused with a suggestion; a
sub-command position never takes an unknown word as free text; `--cohort N` works on
every facilitator command; whitespace is whitespace; no message shows a placeholder."""

from __future__ import annotations

import re

import pytest

from bot.commands import (
    AdviceStep,
    CommandError,
    Help,
    ListDiary,
    MoveCohort,
    StartAdvice,
    WriteDiary,
)
from bot.domain import Role, Visibility
from bot.grammar.table import TABLE, parse
from bot.policy import Policy
from bot.service import Tandem
from tests.conftest import console_identity
from tests.support.backends import snapshot

ANA, FAY = console_identity("ana"), console_identity("fay")


def refused(line: str) -> str:
    with pytest.raises(CommandError) as caught:
        parse(line)
    return str(caught.value)


# -- free text may hold words that start with -- ----------------------------------------


def test_a_case_keeps_every_word_and_an_undeclared_place_starts_no_written_round() -> None:
    assert parse("/learn advice my case is about --written reports") == StartAdvice(
        case="my case is about --written reports"
    )
    # where the option may stand (before or after the text), it is the option
    assert parse("advice my case is about reports --written").written
    assert parse("advice --written my case is about reports").written


def test_a_diary_entry_may_hold_any_word_with_dashes() -> None:
    assert parse("/learn diary I learned about --force pushes") == WriteDiary(
        text="I learned about --force pushes"
    )
    assert parse("diary hi --visibility group") == WriteDiary(text="hi --visibility group")
    assert parse("diary --force pushes are dangerous").text == "--force pushes are dangerous"
    # a declared option inside the text is text: options stand before or after it
    inside = parse("diary I used --share partner in git")
    assert inside == WriteDiary(text="I used --share partner in git")
    assert inside.share is Visibility.PRIVATE


def test_an_option_value_of_several_words_stands_before_or_after_the_text() -> None:
    """A date option takes the words a date is written in (`--by next friday`); inside
    the text it is text, as any option is, and a diary's `--share` stays one word."""
    after = parse("goals add communication 2-4 it matters --by next friday")
    before = parse("goals add --by next friday communication 2-4 it matters")
    assert after == before
    assert after.why == "it matters" and after.due_by is not None
    assert after.due_by.words == "next friday"
    inside = parse("goals add communication 2-4 done --by next friday or so")
    assert (inside.why, inside.due_by) == ("done --by next friday or so", None)
    assert parse("diary I met ana --share partner").text == "I met ana"
    # `--share` takes one word: two after it are the text's
    assert parse("diary I met ana --share next friday").text == "I met ana --share next friday"


def test_through_the_core_the_words_are_kept(tandem, uow_factory) -> None:
    [saved] = tandem.handle(ANA, "/learn diary I learned about --force pushes")
    assert not saved.is_error
    with uow_factory() as uow:
        ana = uow.people.by_identity(ANA)
        [entry] = uow.diary.by_author(ana.id, list(Visibility), None)
    assert entry.text == "I learned about --force pushes"


# -- an option only where declared, near misses refused ---------------------------------


@pytest.mark.parametrize(
    ("line", "suggestion"),
    [
        ("diary hi --shaer partner", "--share"),
        ("diary hi --shaer", "--share"),
        ("diary --shaer partner hi", "--share"),
        ("advice late again --writen", "--written"),
        ("goals --off @ana", "--of"),
        ("cohort close --cohrt 2", "--cohort"),
        ("cohort invite @ana --taem Sales", "--team"),
    ],
)
def test_a_near_miss_of_a_declared_option_is_refused_with_a_suggestion(
    line: str, suggestion: str
) -> None:
    assert f"Did you mean `{suggestion}`?" in refused(line)


def test_an_undeclared_option_where_no_text_is_taken_is_refused() -> None:
    assert "I don't know the option `--visibility`" in refused("goals --visibility group")
    assert "I don't know the option `--zzz`" in refused("cohort pair --zzz")


def test_an_option_of_another_verb_says_where_it_belongs() -> None:
    assert "`--size` is for `cohort groups`" in refused("cohort pair --size 4-6")
    assert "Editing keeps who sees the entry" in refused("diary edit 3 new text --share group")


# -- a sub-command position never swallows an unknown word ------------------------------


def test_word_help_is_that_words_help() -> None:
    for group in TABLE.groups:
        if group.word != "help":
            assert parse(f"{group.word} help") == Help(topic=group.word)
            assert parse(f"help {group.words[-1]}") == Help(topic=group.word)


def test_advice_help_shows_advices_help_and_opens_no_round(tandem, uow_factory) -> None:
    tandem.handle(ANA, "/learn help")  # ana is known: what follows may only read
    before = snapshot(uow_factory)
    [reply] = tandem.handle(ANA, "/learn advice help")
    assert not reply.is_error and reply.text.startswith("`/learn advice`")
    shown = [f.label for s in reply.sections for f in s.fields]
    assert "/learn advice say <text>" in shown and "/learn advice next" in shown
    assert snapshot(uow_factory) == before


@pytest.mark.parametrize("line", ["advice stop", "advice help me", "advice frobnicate"])
def test_advice_with_one_unknown_word_is_no_case(tandem, uow_factory, line: str) -> None:
    before = snapshot(uow_factory)
    if line == "advice help me":  # two words are a case: a sentence, however short
        assert parse(line) == StartAdvice(case="help me")
        return
    message = refused(line)
    assert "A case is a sentence" in message
    [reply] = tandem.handle(ANA, f"/learn {line}")
    assert reply.is_error and snapshot(uow_factory) == before


def test_a_near_miss_of_a_verb_is_named() -> None:
    assert "Did you mean `/learn advice pause`?" in refused("advice paus")
    assert "Did you mean `/learn checkin pause`?" in refused("checkin puase 2w")
    assert "Did you mean `/learn cohort invite`?" in refused("cohort invit @ana")


@pytest.mark.parametrize("line", ["goals frobnicate", "privacy delete", "agree frobnicate"])
def test_where_no_text_goes_an_unknown_word_gets_the_commands_usage(line: str) -> None:
    group = TABLE.group(line.split()[0])
    assert group is not None
    assert refused(line) == group.usage


def test_a_step_of_a_round_is_a_step_not_a_case() -> None:
    assert parse("advice next") == AdviceStep(action="next")
    assert "takes nothing after it" in refused("advice next please")


# -- --cohort N on every facilitator command -------------------------------------------


def facilitator_verbs_with_a_cohort():
    for group, verb in TABLE.verbs():
        if Role.FACILITATOR in verb.roles and "cohort" in verb.model.model_fields:
            yield group, verb


@pytest.mark.parametrize(
    ("group", "verb"),
    list(facilitator_verbs_with_a_cohort()),
    ids=lambda x: getattr(x, "word", None) or "-".join(w[0] for w in getattr(x, "words", ())),
)
def test_cohort_n_works_on_every_facilitator_command(group, verb) -> None:
    words = [group.word, *(w[0] for w in verb.words)]
    needs = {
        "add": ["@ana", "learner"],
        "invite": ["@ana"],
        "swap": ["@ana", "@ben"],
        "confirm": ["pairs"],
    }
    line = " ".join([*words, *needs.get(words[-1], []), "--cohort", "2"])
    assert parse(line).cohort == "2", line  # type: ignore[attr-defined]
    assert parse(line.replace("--cohort 2", "--cohort=2")).cohort == "2"  # type: ignore[attr-defined]


def test_close_names_a_cohort_by_option_or_word() -> None:
    assert parse("cohort close --cohort 2") == MoveCohort(to="close", cohort="2")
    assert parse("cohort close 2") == MoveCohort(to="close", cohort="2")
    assert parse("cohort kickoff Spring 2027") == MoveCohort(to="kickoff", cohort="Spring 2027")
    assert "given twice" in refused("cohort close 2 --cohort 3")


def test_with_two_cohorts_open_cohort_close_cohort_2_closes_the_second(uow_factory, clock) -> None:
    tandem = Tandem(uow_factory, clock, Policy(facilitator_refs=frozenset({FAY.ref})))
    tandem.handle(FAY, "/learn cohort open Spring")
    tandem.handle(FAY, "/learn cohort open Autumn")
    [ask] = tandem.handle(FAY, "/learn cohort close")
    assert ask.is_error and "name one with `--cohort <number>`" in ask.text
    with uow_factory() as uow:
        autumn = next(c for c in uow.cohorts.all() if c.name == "Autumn")
    [done] = tandem.handle(FAY, f"/learn cohort close --cohort {autumn.id}")
    assert done.text == "Cohort Autumn is closed."
    with uow_factory() as uow:
        cohorts = {c.name: c.status.value for c in uow.cohorts.all()}
    assert cohorts == {
        "Spring": "preparation",
        "Autumn": "closed",
    }


# -- whitespace is whitespace ------------------------------------------------------------


@pytest.mark.parametrize(
    "line",
    [
        "/learn\tdiary --of @ana",
        "/learn\u00a0diary\u00a0--of\u00a0@ana",
        "/learn\ndiary\n--of\n@ana",
        "  /learn   diary    --of     @ana  ",
        "/learn \t\u00a0 diary\u2003--of @ana",
    ],
    ids=["tab", "nbsp", "newlines", "spaces", "mixed"],
)
def test_any_whitespace_parts_words(line: str) -> None:
    assert parse(line) == ListDiary(of="@ana")


def test_free_text_keeps_its_lines_and_spaces() -> None:
    assert parse("/learn\tdiary first line\n  second  line").text == "first line\n  second  line"


def test_the_console_takes_a_tab_after_learn(tmp_path) -> None:
    import io

    from adapters.bootstrap import build
    from adapters.clock import ShiftableClock
    from adapters.console.repl import Console
    from adapters.settings import Settings

    out, clock = io.StringIO(), ShiftableClock()
    app = build(Settings(DATABASE_URL=f"sqlite:///{tmp_path / 't.db'}"), clock, console=True)
    try:
        Console(app, clock, "ana", stdin=io.StringIO(), stdout=out).handle_line(
            "/learn\tdiary hi\u00a0there"
        )
    finally:
        app.close()
    assert "Saved to your diary" in out.getvalue()


# -- no message shows a placeholder ------------------------------------------------------

PLACEHOLDER = re.compile(r"\{\w*\}")


def bad_lines():
    """For every verb: its words alone, with a stray word, a bad number, an empty
    mention, an unknown option, and a value option without its value."""
    for group, verb in TABLE.verbs():
        words = " ".join([group.word, *(w[0] for w in verb.words)])
        yield words
        for tail in ("x", "x y z", "0", "#x", "@", "--zz", "9" * 20, "ben do the thing"):
            yield f"{words} {tail}"
        for name in verb.options:
            yield f"{words} --{name}"


@pytest.mark.parametrize("line", sorted(set(bad_lines())))
def test_no_message_shows_a_raw_placeholder(line: str) -> None:
    try:
        parse(line)
    except CommandError as error:
        message = str(error)
        assert not PLACEHOLDER.search(message), message
        assert len(message) < 300


def test_the_agree_example_shows_the_name_typed() -> None:
    message = refused("agree ben do the thing")
    assert message == "Name your manager with @, e.g. `/learn agree @ben <task>`."
