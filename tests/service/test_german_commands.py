"""German command words through the core (issue 17, item 3): a German speaker types
`/learn tagebuch ...`, `--teilen gruppe`, `checkin jeden mo,do 9 uhr`, `ziele`, `hilfe`
and gets what the English words do; help and every refusal of the grammar come in
German; English words keep working, and English speakers keep English."""

from __future__ import annotations

from datetime import time

import pytest

from adapters.competence_model import load
from bot.domain import Profile, Visibility
from bot.i18n import speaking
from bot.policy import Policy
from bot.replies import Reply
from bot.service import Tandem
from tests.conftest import console_identity
from tests.support.backends import snapshot
from tests.support.language import assert_german

ANA, BEN = console_identity("ana"), console_identity("ben")
MODEL = load()


@pytest.fixture
def german(uow_factory, clock) -> Tandem:
    """The core where people are answered in German (`TANDEM_LOCALE=de`)."""
    policy = Policy(default_timezone="Europe/Berlin", default_locale="de", competences=MODEL)
    return Tandem(uow_factory, clock, policy)


def everything(reply: Reply) -> str:
    """All a person reads of a reply: its text, its sections and their fields."""
    parts = [reply.text]
    for section in reply.sections:
        parts += [section.title, section.text]
        parts += [f"{f.label}\n{f.value}" for f in section.fields]
    return "\n".join(p for p in parts if p)


def test_a_diary_entry_in_german_words_is_saved_and_shared(german, uow_factory) -> None:
    [saved] = german.handle(ANA, "/learn tagebuch Feedback früh einholen hilft --teilen gruppe")
    assert not saved.is_error
    with uow_factory() as uow:
        ana = uow.people.by_identity(ANA)
        [entry] = uow.diary.by_author(ana.id, list(Visibility), None)
    assert (entry.text, entry.visibility) == ("Feedback früh einholen hilft", Visibility.GROUP)


def test_german_and_english_words_store_the_same_check_ins(german, tandem, uow_factory) -> None:
    """`checkin jeden mo,do 9 uhr` (German) and `checkin every mon,thu 09:00` (English)
    keep the same schedule; a German speaker may use the English words too."""
    [set_de] = german.handle(ANA, "/learn checkin jeden mo,do 9 uhr")
    [set_en] = tandem.handle(BEN, "/learn checkin every mon,thu 09:00")
    assert not set_de.is_error and not set_en.is_error
    [mixed] = german.handle(ANA, "/learn checkin every mo,do 09:00")
    assert not mixed.is_error
    with uow_factory() as uow:
        ana = uow.schedules.get(uow.people.by_identity(ANA).id)
        ben = uow.schedules.get(uow.people.by_identity(BEN).id)
    assert ana is not None and ben is not None
    assert (
        (ana.weekdays, ana.wall_time)
        == (ben.weekdays, ben.wall_time)
        == (
            frozenset({0, 3}),
            time(9, 0),
        )
    )


@pytest.mark.parametrize(
    ("line", "english"),
    [
        ("/learn ziele", "/learn goals"),
        ("/learn tagebuch neu", "/learn diary new"),
        ("/learn gruppe", "/learn group"),
        ("/learn beratung", "/learn advice"),
        ("/learn datenschutz", "/learn privacy"),
        ("/learn lernpartner", "/learn partner"),
    ],
)
def test_german_command_words_answer_as_the_english_ones(german, line: str, english: str) -> None:
    said = german.handle(ANA, line)
    assert said == german.handle(ANA, english), line
    assert not any("kenne ich nicht" in r.text for r in said)


def test_help_in_german_shows_the_german_words_and_german_descriptions(german) -> None:
    [reply] = german.handle(ANA, "/learn hilfe")
    said = everything(reply)
    assert_german(said)
    assert "Was du tun kannst" in said
    assert "/learn tagebuch zeigen <n>" in said and "/learn checkin jeden <Tage> HH:MM" in said
    assert "Einen Tagebucheintrag schreiben" in said
    assert "`diary` für `tagebuch`" in said  # the English word, named once
    assert "`--share` für `--teilen`" in said
    [english_help] = german.handle(ANA, "/learn help")  # the English word works too
    assert everything(english_help) == said


def test_help_on_one_word_in_german(german) -> None:
    [reply] = german.handle(ANA, "/learn tagebuch hilfe")
    said = everything(reply)
    assert_german(said)
    assert reply.text.startswith("`/learn tagebuch` (auch `diary`): Dein Projekttagebuch.")
    assert "/learn tagebuch löschen <n> [bestätigen]" in said


def test_help_in_english_stays_english(tandem) -> None:
    [reply] = tandem.handle(ANA, "/learn help")
    said = everything(reply)
    assert "What you can do" in said and "/learn diary show <n>" in said
    assert "tagebuch" not in said and "--teilen" not in said


@pytest.mark.parametrize(
    ("line", "german_words", "english_words"),
    [
        ("/learn tagebuch zeigen", "welchen Eintrag du meinst", "Say which entry"),
        ("/learn checkin jeden xx 09:00", "`xx` ist kein Wochentag", "`xx` is not a weekday"),
        ("/learn checkin jeden mo 25 uhr", "ist keine Uhrzeit", "is not a time of day"),
        ("/learn fooo", "Den Befehl `fooo` kenne ich nicht", "I don't know the command `fooo`"),
        ("/learn tagebuch hallo --teilne gruppe", "Meinst du `--teilen`?", "Did you mean"),
        ("/learn ziele neu kommunikation 4 bis 2 weil", "Die Zielstufe muss", "The target level"),
        ("/learn tagebuch --teilen welt hallo", "kenne ich nicht", "is not a circle I know"),
        (
            "/learn ziele neu kommunikation 2 bis 4 weil --bis irgendwann",
            "ist kein Datum",
            "is not a date",
        ),
        (
            "/learn kohorte hinzufügen @ben chefin",
            "`lernende`, `tutor` und `führungskraft`",
            "learner, tutor or manager",
        ),
    ],
)
def test_a_refusal_of_the_grammar_is_german_for_a_german_speaker_and_stores_nothing(
    german, tandem, uow_factory, line: str, german_words: str, english_words: str
) -> None:
    before = snapshot(uow_factory)
    [refused] = german.handle(ANA, line)
    assert refused.is_error and german_words in refused.text, refused.text
    assert_german(refused.text)
    [english] = tandem.handle(BEN, line)  # an English speaker, the same line
    assert english.is_error and english_words in english.text, english.text
    assert snapshot(uow_factory) == before


def test_the_platform_locale_of_a_newcomer_chooses_the_language_of_a_refusal(tandem) -> None:
    [refused] = tandem.handle(ANA, "/learn tagebuch zeigen", Profile("Ana", locale="de-DE"))
    assert refused.text.startswith("Sag mit der Nummer aus `/learn tagebuch`")
    [english] = tandem.handle(BEN, "/learn tagebuch zeigen", Profile("Ben", locale="en-US"))
    assert english.text.startswith("Say which entry")


def test_german_dates_and_relative_days_are_read(german, uow_factory) -> None:
    for i, line in enumerate(
        (
            "/learn ziele neu communication 2 bis 4 es zählt --bis 30.06.2027",
            "/learn ziele neu communication 1 bis 3 es zählt --bis nächsten freitag",
            "/learn ziele neu communication 1 bis 3 es zählt --bis in 2 wochen",
            "/learn ziele neu communication 1 bis 3 es zählt --bis übermorgen",
        )
    ):
        [reply] = german.handle(console_identity(f"person{i}"), line)
        assert not reply.is_error, (line, reply.text)


def test_a_converter_message_is_english_outside_a_german_block() -> None:
    from bot.commands import CommandError
    from bot.grammar.table import parse

    with pytest.raises(CommandError, match="is not a weekday"):
        parse("checkin every xx 09:00")
    with speaking("de"), pytest.raises(CommandError, match="ist kein Wochentag"):
        parse("checkin every xx 09:00")
