"""The colleague-advice round in German (kollegiale Beratung: Fallgeber:in, Berater:innen,
Moderation), on the fakes and on SQLite: a live round from `advice start` through every
phase to the summary, a cancel, the timeboxes, nudges and abandonment the heartbeat says,
and a mixed group whose members each get their private messages in their own language
while the thread speaks the language most of them speak.

The round's content (phase names and purposes, the methods and their how-tos, the
listening rule) is data made bilingual beside the catalogue; what of it has no German
yet is allowed in these answers (`content_still_english`), so the tests check the
round's own sentences, which go through the catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from bot.advice import DEFAULT_METHODS, LISTEN_REMINDER, PURPOSES, Phase
from bot.domain import EntrySource, Person
from bot.i18n import speaking
from bot.policy import Policy
from bot.ports import UnitOfWorkFactory
from bot.replies import Audience, Reply
from bot.scheduling import DueWork
from bot.service import Tandem
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import NOW
from tests.service.test_advice_wiring import GROUP, grouped, rounds, thread_posts
from tests.service.test_kickoff import MODEL, World, who
from tests.support.fakes import FakeDatabase
from tests.support.language import assert_german

GERMAN = Policy(
    competences=MODEL,
    facilitator_refs=frozenset({"console:fay"}),
    default_timezone="Europe/Berlin",
    default_locale="de",
)


def content_still_english() -> tuple[str, ...]:
    """The texts of the round's content that read the same in German as in English: no
    German given yet (or a word both languages use, like Casting or Brainstorming)."""

    def texts() -> list[str]:
        return [
            *(str(PURPOSES[phase]) for phase in Phase),
            *(phase.label for phase in Phase),
            str(LISTEN_REMINDER),
            *(str(method.name) for method in DEFAULT_METHODS),
            *(str(method.how_to) for method in DEFAULT_METHODS),
        ]

    with speaking("de"):
        german = texts()
    with speaking("en"):
        english = texts()
    same = {g for g, e in zip(german, english, strict=True) if g == e}
    return tuple(sorted(same, key=len, reverse=True))


def words_of(reply: Reply) -> Iterator[str]:
    """Everything a person reads in `reply`: its text, sections and buttons."""
    yield reply.text
    for section in reply.sections:
        if section.title:
            yield section.title
        if section.text:
            yield section.text
    for button in reply.buttons:
        yield button.label


def german(reply: Reply, *own_words: str) -> Reply:
    """`reply`, checked: no English sentence or function word of ours left in it (people's
    `own_words` are theirs, posted as they wrote them)."""
    for text in words_of(reply):
        assert_german(text, allow=(*own_words, *content_still_english()))
    return reply


def english(reply: Reply) -> Reply:
    """`reply`, checked: English, without the German words a translated answer has."""
    for text in words_of(reply):
        for word in ("die", "der", "du", "dich", "dir", "deine", "hat", "ist", "Runde"):
            assert f" {word} " not in f" {text} ", (word, text)
    return reply


def set_locales(world: World, locales: dict[str, str]) -> None:
    """What each person's platform says their language is (Slack's users.info locale)."""
    with world.db() as uow:
        for name, locale in locales.items():
            person = uow.people.by_identity(who(name))
            person.locale = locale
            uow.people.update(person)
        uow.commit()


def in_german(world: World, locales: dict[str, str] | None = None) -> World:
    """The group set up as usual, then the deployment speaks German (`TANDEM_LOCALE=de`)
    and so do its people, but for those `locales` names otherwise."""
    set_locales(world, {name: "de-DE" for name in (*GROUP, "fay")} | (locales or {}))
    world.tandem = Tandem(world.db, world.clock, GERMAN)
    world.due = DueWork(world.db, world.clock, GERMAN)
    return world


def dms(world: World, name: str) -> list[Reply]:
    """`name`'s direct messages from the round (not the cohort's invitation before it)."""
    return [d for d in world.dms(name) if d.audience is Audience.DM and "invites you" not in d.text]


def offers(world: World, name: str) -> list[Reply]:
    """The round's offer to file one's contributions in the diary."""
    return [d for d in dms(world, name) if d.buttons and d.buttons[0].command == "advice file"]


def error(reply: Reply) -> Reply:
    assert reply.is_error, reply.text
    return reply


@pytest.fixture(params=["fake", "sqlite"])
def factory(request: pytest.FixtureRequest) -> UnitOfWorkFactory:
    if request.param == "fake":
        return FakeDatabase()
    return SqlUnitOfWorkFactory(request.getfixturevalue("sqlite_engine"))


@pytest.fixture
def world(factory: UnitOfWorkFactory) -> World:
    return in_german(grouped(World(factory)))


def test_a_whole_round_in_german_from_start_to_the_secretarys_notes(world):
    opened = german(world.say("ana", "/learn advice Mein Team verpasst Termine seit dem Umbau"))
    assert "kollegiale Beratung" in opened.text and "eröffnet" in opened.text
    [first] = [german(p) for p in thread_posts(world)]
    assert "Phase 1 von 6: Casting" in first.text
    assert "Fall: Mein Team verpasst Termine" in first.sections[0].text
    assert "Zu Wort kommen: ana, ben, cem, dia, eli." in first.sections[0].text
    assert "Bis 10:05 (Europe/Berlin)." in first.sections[0].text
    assert first.buttons[0].label == "Nächste Phase" and first.buttons[0].command == "advice next"
    assert german(world.say("ben", "/learn advice moderator @ben")).text == "Notiert."
    assert german(thread_posts(world)[-1]).text == "ben moderiert (gewählt)."
    refused = german(error(world.say("cem", "/learn advice next")))
    assert refused.text == "Nur die Moderation führt die Runde weiter."
    german(world.say("ben", "/learn advice next"))  # -> Spontanerzählung
    german(world.say("ana", "/learn advice say Seit März sind zwei Teams zusammengelegt."))
    shown = german(world.say("dia", "/learn advice"))
    assert shown.text.startswith("Kollegiale Beratung für ana: Phase 2, ")
    assert shown.text.endswith("(läuft).")
    assert "Moderation: ben" in shown.sections[0].text
    assert "Beiträge bisher: 1" in shown.sections[0].text
    german(world.say("cem", "/learn advice say Wer legt die Termine fest?"))
    german(world.say("ben", "/learn advice next"))  # -> Schlüsselfrage
    early = german(error(world.say("ben", "/learn advice next")))
    assert early.text == "Leg zuerst die Schlüsselfrage fest."
    wrong = german(error(world.say("cem", "/learn advice key Was tun?")))
    assert "Fallgeber:in" in wrong.text and "Moderation" in wrong.text
    german(world.say("ana", "/learn advice key Wie bekomme ich Zusagen, die halten?"))
    assert german(thread_posts(world)[-1]).text == (
        "Schlüsselfrage: Wie bekomme ich Zusagen, die halten?"
    )
    german(world.say("ben", "/learn advice next"))  # -> Methodenwahl
    library = german(world.say("ben", "/learn advice method"))
    assert library.text == "Methoden für die Beratung (`/learn beratung methode <id>`):"
    unknown = german(error(world.say("ben", "/learn advice method tarot")))
    assert unknown.text.startswith("Eine Methode „tarot“ gibt es nicht; wähl eine davon: ")
    german(world.say("ben", "/learn advice method headstand"))
    assert german(thread_posts(world)[-1]).text.startswith("Methode: ")
    german(world.say("ben", "/learn advice next"))  # -> Beratung
    consultation = german(thread_posts(world)[-1])
    assert "Phase 5 von 6" in consultation.text
    assert "Methode: " in consultation.sections[0].text
    held = german(world.say("ana", "/learn advice say Das habe ich alles schon versucht"))
    assert held.sections[0].title == "Für dich aufbewahrt"
    german(
        world.say("cem", "/learn advice say - Nie etwas aufschreiben\n- Prioritäten täglich ändern")
    )
    german(world.say("ben", "/learn advice pause"))
    assert german(thread_posts(world)[-1]).text == "ben hat die Runde pausiert."
    paused = german(error(world.say("dia", "/learn advice say Noch eine Idee")))
    assert paused.text == "Die Runde ist pausiert; die Moderation kann sie fortsetzen."
    assert german(world.say("dia", "/learn advice")).text.endswith("(pausiert).")
    world.clock.advance(timedelta(minutes=3))
    german(world.say("ben", "/learn advice resume"))
    resumed = german(thread_posts(world)[-1]).text
    assert resumed.startswith("ben hat die Runde fortgesetzt; diese Phase läuft jetzt bis ")
    german(world.say("dia", "/learn advice say Alle raten lassen, wer entscheidet"))
    german(world.say("ben", "/learn advice next"))  # -> Abschluss
    early = german(error(world.say("ana", "/learn advice helped 9 Danke")))
    assert early.text == "Es gibt keinen Beitrag einer Berater:in mit der Nummer 9."
    both = german(error(world.say("ana", "/learn advice helped 8,9 Danke")))
    assert both.text == "Es gibt keine Beiträge von Berater:innen mit den Nummern 8, 9."
    german(world.say("ana", "/learn advice helped 3,5 Entscheidungen aufschreiben"))
    closed = german(thread_posts(world)[-1])
    assert closed.text == "Die Runde ist abgeschlossen. Das Protokoll:"
    notes = closed.sections[0].text
    for line in (
        "Kollegiale Beratung für ana (Moderation: ben)",
        "Fall: Mein Team verpasst Termine seit dem Umbau",
        "Schlüsselfrage: Wie bekomme ich Zusagen, die halten?",
        "Was geholfen hat: 3, 5",
        "Fazit der Fallgeber:in: Entscheidungen aufschreiben",
    ):
        assert line in notes
    [summary] = [e for e in world.diary("ana") if e.source is EntrySource.ADVICE_ROUND]
    assert summary.text == notes  # the group's diary entry is the notes as posted
    assert_german(summary.text, allow=content_still_english())
    # each advisor is offered their own ideas, with the count said right
    [cem_offer] = [german(d) for d in offers(world, "cem")]
    assert "3 Beiträge sind von dir" in cem_offer.text
    assert cem_offer.buttons[0].label == "Im Projekttagebuch ablegen"
    [dia_offer] = [german(d) for d in offers(world, "dia")]
    assert "1 Beitrag ist von dir: Möchtest du ihn" in dia_offer.text
    filed = world.say("cem", "/learn advice file").text
    # (what follows is who reads the entry: the diary's own sentence)
    ours, _, _rest = filed.partition(" abgelegt. ")
    assert_german(ours + " abgelegt.")
    assert ours == "3 Beiträge in deinem Projekttagebuch"
    assert german(world.say("cem", "/learn advice file")).text == "Schon abgelegt."
    [mine] = world.diary("cem")
    assert mine.text.startswith(
        "Meine Ideen aus der kollegialen Beratung von ana "
        "(Schlüsselfrage: Wie bekomme ich Zusagen, die halten?):"
    )
    none = german(error(world.say("ana", "/learn advice say Noch etwas")))
    assert none.text.startswith("In deiner Lerngruppe läuft gerade keine Runde.")


def test_a_round_cancelled_in_german_and_one_cancelled_by_the_case_giver_leaving(world):
    german(world.say("ana", "/learn advice Ein Fall"))
    again = german(error(world.say("ana", "/learn advice Noch ein Fall")))
    assert "immer nur eine zur Zeit" in again.text
    outsider = german(error(world.say("fay", "/learn advice say hallo")))
    assert outsider.text.startswith("Du bist noch in keiner Lerngruppe")
    advisor = german(error(world.say("cem", "/learn advice cancel")))
    assert advisor.text == "Abbrechen kann nur die Fallgeber:in oder die Moderation."
    german(world.say("ana", "/learn advice cancel Wir verschieben das"))
    assert (
        german(thread_posts(world)[-1]).text == "ana hat die Runde abgebrochen. Wir verschieben das"
    )
    assert [r.status for r in rounds(world)] == ["cancelled"]
    # the moderator leaves: another takes over; then the case-giver leaves: the round ends
    # with the round's own note, in German
    german(world.say("ana", "/learn advice Ein zweiter Fall"))
    german(world.say("ana", "/learn advice moderator @ben"))
    world.tandem.handle(who("ben"), f"/learn cohort leave {world.cohort_id()}")
    assert german(thread_posts(world)[-1]).text == (
        "cem moderiert jetzt (die bisherige Moderation hat die Lerngruppe verlassen)."
    )
    world.tandem.handle(who("ana"), f"/learn cohort leave {world.cohort_id()}")
    left = german(thread_posts(world)[-1]).text
    assert left == (
        "Die Runde wurde abgebrochen, weil sich die Lerngruppe verändert hat. "
        "Die Fallgeber:in hat die Lerngruppe verlassen; die Runde ist abgebrochen."
    )
    # stored as it was: the note in the round's state stays the English text it always was
    assert rounds(world)[-1].state["round"]["end_note"] == (
        "The case-giver left the group; the round is cancelled."
    )


def test_the_heartbeat_says_timeboxes_nudges_and_abandonment_in_german(world):
    german(world.say("ana", "/learn advice Ein schwieriges Gespräch steht an"))
    world.clock.advance(timedelta(minutes=5))
    assert world.due.run().timers == 1
    posts = [german(p).text for p in thread_posts(world)]
    assert any(t.endswith("moderiert (reihum bestimmt).") for t in posts)
    assert "Phase 2 von 6" in posts[-1]
    german(world.say("ana", "/learn advice cancel"))
    # a written round: days, not minutes; nudges in the morning; abandoned after a week
    german(world.say("ana", "/learn advice Ein Fall über Wochen --written"))
    written = german(thread_posts(world)[-1]).sections[0].text
    assert "Bis Di., 1. Dez., 10:05 (Europe/Berlin)." in written, written
    german(world.say("ana", "/learn advice moderator @ben"))
    german(world.say("ben", "/learn advice next"))  # -> Spontanerzählung: ana is to write
    world.clock.advance(timedelta(days=1))
    world.due.run()
    [nudge] = [german(d) for d in dms(world, "ana") if "wartet auf dich" in d.text]
    assert nudge.text.startswith("Die kollegiale Beratung von ana wartet auf dich (")
    assert "bis Mi., 2. Dez., 10:05 (Europe/Berlin))." in nudge.text, nudge.text
    for _day in range(9):
        world.clock.advance(timedelta(days=1))
        world.due.run()
    assert rounds(world)[-1].status == "abandoned"
    abandoned = [german(p) for p in thread_posts(world)][-1].text
    assert abandoned.startswith(
        "Die Runde ist beendet: keine Aktivität seit Mo., 30. Nov., 10:05 (Europe/Berlin). "
    )
    assert abandoned.endswith("eine neue Runde startest du mit `/learn beratung`.")


def test_a_mixed_group_reads_each_their_own_language(world):
    # ben and cem read English; ana, dia and eli German: the thread speaks German
    in_german(world, {"ben": "en-US", "cem": "en-GB"})
    german(world.say("ana", "/learn advice Ein Fall für alle"))
    assert "Phase 1 von 6" in german(thread_posts(world)[-1]).text
    english(world.say("ben", "/learn advice moderator @ben"))
    refused = english(error(world.say("cem", "/learn advice next")))
    assert refused.text == "Only the moderator moves the round on."
    german(error(world.say("dia", "/learn advice next")))
    english(world.say("ben", "/learn advice next"))  # -> case account
    english(world.say("ben", "/learn advice next"))  # -> key question
    german(world.say("ana", "/learn advice key Was hilft?"))
    english(world.say("ben", "/learn advice next"))  # -> method choice
    english(world.say("ben", "/learn advice method brainstorming"))
    english(world.say("ben", "/learn advice next"))  # -> consultation
    assert rounds(world)[-1].state["round"]["phase"] == "consultation"
    # the case-giver is to listen: told so privately, in her language
    held = german(world.say("ana", "/learn advice say Nur zuhören fällt schwer"))
    assert held.sections[0].title == "Für dich aufbewahrt"
    english(world.say("cem", "/learn advice say Ask the team"))
    german(world.say("dia", "/learn advice say Das Team fragen"))
    english(world.say("ben", "/learn advice next"))  # -> closing
    german(world.say("ana", "/learn advice helped 1,2 Fragen"))
    for post in thread_posts(world):
        german(post, "Ask the team")  # cem's words are his own
    [cem_offer] = offers(world, "cem")
    assert english(cem_offer).text == (
        "Thank you for advising ana. File your 1 contribution in your diary (your group sees it)?"
    )
    assert cem_offer.buttons[0].label == "File in my diary"
    [dia_offer] = [german(d) for d in offers(world, "dia")]
    assert dia_offer.text.startswith("Danke, dass du ana beraten hast. 1 Beitrag ist von dir")
    closed = german(thread_posts(world)[-1], "Ask the team")
    assert closed.text == "Die Runde ist abgeschlossen. Das Protokoll:"


def test_a_group_mostly_english_in_a_german_deployment_reads_english_in_its_thread(world):
    in_german(world, {"ben": "en", "cem": "en", "dia": "en"})
    # ana reads German herself; three of the five read English, so the thread does
    opened = german(world.say("ana", "/learn advice The team misses deadlines"))  # her case
    assert opened.text.startswith("Deine kollegiale Beratung (live)")
    [first] = thread_posts(world)
    assert english(first).text == "Colleague advice for ana · phase 1 of 6: Casting"
    assert "Until 10:05 (Europe/Berlin)." in first.sections[0].text
    assert first.buttons[0].label == "Next phase"
    shown = german(world.say("eli", "/learn advice"), "The team misses deadlines")
    assert shown.text == "Kollegiale Beratung für ana: Phase 1, Casting (läuft)."
    assert english(world.say("ben", "/learn advice")).text == (
        "Colleague advice for ana: phase 1, Casting (active)."
    )
    # a written round's days, as English wrote them before
    german(world.say("ana", "/learn advice cancel"))
    german(world.say("ana", "/learn advice The team misses deadlines --written"))
    written = english(thread_posts(world)[-1]).sections[0].text
    assert "Until Tue 01 Dec, 10:00 (Europe/Berlin)." in written


def person(locale: str) -> Person:
    return Person(
        identity=who("x"), display_name="x", timezone="UTC", locale=locale, created_at=NOW
    )


@pytest.mark.parametrize(
    ("locales", "default", "spoken"),
    [
        (("de", "de-AT", "en"), "en", "de"),  # most speak German
        (("en", "en", "de"), "de", "en"),  # most speak English, whatever the default
        (("de", "en"), "de", "de"),  # a tie goes to the deployment's default
        (("de", "en"), "en", "en"),
        ((), "de", "de"),  # nobody: the default
        (("klingon", "tlh", "en"), "de", "de"),  # unknown locales are the default's
    ],
)
def test_a_shared_thread_speaks_the_language_most_of_the_group_speaks(locales, default, spoken):
    policy = Policy(default_locale=default)
    assert policy.language_of_group([person(locale) for locale in locales]) == spoken
