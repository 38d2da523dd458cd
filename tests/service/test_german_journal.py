"""The learner's own journal in German (issue 17, item 1): a learner whose platform
speaks German writes, lists, shares, edits and deletes diary entries, answers and skips
check-ins and sets their times, assesses herself, joins a community of practice, looks
at her privacy, exports and starts to forget, and every answer she reads is German; an
English learner doing the same reads the English of before. The counts these answers
say use the catalogue's plural forms in both languages.

Through the real commands, on the fakes and on SQLite (and PostgreSQL when there is
one). The next step a guided answer ends with is the guide's and checked there; the
check-in's own questions and the competence model's words are content, checked there.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FixedClock
from bot.domain import Identity, Profile
from bot.forms import DIARY, check_field, translated
from bot.handlers.privacy import erased_list
from bot.i18n import speaking
from bot.policy import Policy
from bot.ports import UnitOfWorkFactory
from bot.replies import Reply
from bot.service import Tandem
from tests.conftest import NOW, console_identity
from tests.service.test_kickoff import MODEL
from tests.support.fakes import FakeDatabase
from tests.support.language import assert_german

FAY = console_identity("fay")  # the facilitator, English
ANA = console_identity("ana")  # a learner whose platform speaks German
BEN = console_identity("ben")  # her learning partner, English
UTA = console_identity("uta")  # a facilitator whose platform speaks German
GERMAN = {ANA: Profile(display_name="ana", locale="de-DE"), UTA: Profile("uta", locale="de")}
# The command words and parsed values an answer names as they are typed (the grammar
# helper gives them German aliases; English words always work).
COMMAND_WORDS = ("private", "partner", "group", "tutor")


class World:
    def __init__(self, factory: UnitOfWorkFactory | None = None) -> None:
        self.db = factory or FakeDatabase()
        self.clock = FixedClock(NOW)
        self.policy = Policy(
            competences=MODEL,
            facilitator_refs=frozenset({"console:fay", "console:uta"}),
            default_timezone="Europe/Berlin",
        )
        self.tandem = Tandem(self.db, self.clock, self.policy)

    def say(self, who: Identity, line: str, where: str | None = None) -> Reply:
        profile = GERMAN.get(who)
        replies = self.tandem.handle(who, line, profile, where=where)
        assert len(replies) == 1, replies
        return replies[0]

    def submit(self, who: Identity, form_id: str, values: dict[str, str]) -> Reply:
        profile = GERMAN.get(who)
        [reply] = self.tandem.submit(who, form_id, values, profile)
        return reply

    def pair(self) -> None:
        """A cohort of ana and ben, paired (the facilitator's answers are not ours)."""
        self.say(FAY, "/learn cohort open Spring")
        self.say(FAY, "/learn cohort invite @ana @ben")
        with self.db() as uow:
            cohort = uow.cohorts.all()[-1].id
        self.say(ANA, f"/learn cohort join {cohort}")
        self.say(BEN, f"/learn cohort join {cohort}")
        self.say(FAY, "/learn cohort pair")
        self.say(FAY, "/learn cohort confirm pairs")
        self.clock.advance(timedelta(hours=1))


@pytest.fixture
def world(uow_factory: UnitOfWorkFactory) -> World:
    return World(uow_factory)


def said(reply: Reply, *, sections: bool = True) -> str:
    """Everything of `reply` a person reads from this module: text, sections' titles,
    texts and fields, buttons, a form's title, submit label and labels (not the guide's
    next step, which the guide's tests check)."""
    parts = [reply.text]
    if sections:
        for section in reply.sections:
            parts += [section.title or "", section.text]
            parts += [f"{f.label}: {f.value}" for f in section.fields]
    parts += [b.label for b in reply.buttons]
    if reply.form is not None:
        parts += [reply.form.title, reply.form.submit_label]
    return "\n".join(p for p in parts if p)


def german(reply: Reply, *, sections: bool = True) -> str:
    text = said(reply, sections=sections)
    assert_german(text, allow=COMMAND_WORDS)
    return text


def fields(reply: Reply) -> dict[str, str]:
    return {f.label: f.value for s in reply.sections for f in s.fields}


# --- the diary ---------------------------------------------------------------------------


def test_a_german_learner_writes_lists_shows_edits_and_deletes_diary_entries_in_german(world):
    saved = german(
        world.say(ANA, "/learn diary Feedback im Team ausprobiert #communication #mut #sauna")
    )
    assert "In deinem Projekttagebuch gespeichert." in saved
    # a competence is named by its German tag, whichever language it was typed in
    assert "Tags: #kommunikation #mut." in saved and "Als freie Tags behalten" in saved
    assert "Nur du kannst ihn sehen." in saved

    german(world.say(ANA, "/learn diary zweiter Eintrag"))
    listed = world.say(ANA, "/learn diary")
    text = german(listed)
    assert listed.text == "Deine neuesten Tagebucheinträge"
    # Monday 30 November 2026, 10:00 in Berlin, as German writes it; "privat" for private
    assert "Eintrag 1 · Mo., 30. Nov. 2026, 10:00 · privat" in text

    shown = german(world.say(ANA, "/learn diary show 1"))
    assert shown.startswith("Tagebucheintrag 1")
    edited = german(world.say(ANA, "/learn diary edit 2 neuer Text"))
    assert edited.startswith("Eintrag 2 im Projekttagebuch geändert.")

    asked = world.say(ANA, "/learn diary delete 2")
    text = german(asked)
    assert "Eintrag 2 endgültig löschen?" in text
    assert [b.label for b in asked.buttons] == ["Eintrag 2 löschen", "Behalten"]
    deleted = german(world.say(ANA, "/learn diary delete 2 confirm"))
    assert deleted.startswith("Eintrag 2 gelöscht.")

    tags = german(world.say(ANA, "/learn diary tags"))
    assert tags.startswith("Deine #Tags (1 Eintrag):")  # one entry left: no "1 entries"


def test_bad_diary_input_is_refused_in_german(world):
    missing = world.say(ANA, "/learn diary show 7")
    assert missing.is_error
    assert german(missing) == (
        "Du hast keinen Eintrag 7. `/learn tagebuch` zeigt deine Einträge mit ihren Nummern."
    )
    nobody = german(world.say(ANA, "/learn diary --of @zoe"))
    assert nobody == "zoe hat keine Tagebucheinträge mit dir geteilt."
    empty = german(world.say(ANA, "/learn diary"))
    assert empty.startswith("Dein Projekttagebuch ist leer.")


def test_a_german_learner_shares_with_her_partner_and_is_told_who_reads_it_in_german(world):
    world.pair()
    alone = german(world.say(ANA, "/learn diary allein --share tutor"))
    assert "Noch sieht ihn niemand sonst: Du hast gerade keine:n Tutor:in." in alone
    shared = german(world.say(ANA, "/learn diary für ben --share partner"))
    assert "Du und ben, dein:e Lernpartner:in, könnt ihn sehen." in shared
    listed = german(world.say(ANA, "/learn diary"))
    assert "· Lernpartner:in" in listed and "· Tutor:in" in listed

    privacy = german(world.say(ANA, "/learn privacy"))
    assert "Wer ab jetzt liest, was du teilst:" in privacy
    assert "`--teilen partner`: ben, dein:e Lernpartner:in" in privacy
    # ben reads what she shared; his answers stay English
    theirs = world.say(BEN, "/learn diary --of @ana")
    assert theirs.text == "Entries ana shared with you"


# --- check-ins ---------------------------------------------------------------------------


def test_german_check_ins_set_shown_paused_resumed_and_turned_off(world):
    none = german(world.say(ANA, "/learn checkin"))
    assert none == (
        "Du hast noch keine Check-ins. Richte sie mit `/learn checkin jeden mo,do 09:00` ein."
    )
    reply = world.say(ANA, "/learn checkin every mon,thu 09:00")
    german(reply)
    assert reply.text == "Check-ins eingerichtet."
    assert fields(reply) == {
        "Wann": "immer Mo. und Do. um 09:00 Uhr (Europe/Berlin)",
        "Nächste Termine": "Do., 3. Dez. 2026, 09:00; Mo., 7. Dez. 2026, 09:00; "
        "Do., 10. Dez. 2026, 09:00",
    }
    quiet = german(world.say(ANA, "/learn checkin every fri 21:30"))
    assert "21:30 liegt in der Ruhezeit (20:00–07:00)" in quiet

    paused = world.say(ANA, "/learn checkin pause 1 week")
    assert paused.text == "Check-ins sind bis Mo., 7. Dez. 2026, 10:00 pausiert."
    german(paused)
    assert german(world.say(ANA, "/learn checkin resume")).startswith("Check-ins laufen wieder.")
    assert german(world.say(ANA, "/learn checkin resume")).startswith(
        "Deine Check-ins sind nicht pausiert."
    )
    assert german(world.say(ANA, "/learn checkin off")).startswith("Check-ins sind aus.")
    refused = world.say(ANA, "/learn checkin pause 1 week")
    assert refused.is_error and german(refused).startswith(
        "Du hast keine Check-ins, die du pausieren könntest."
    )
    zone = german(world.say(ANA, "/learn checkin timezone Europe/Vienna"))
    assert zone == (
        "Deine Zeitzone ist jetzt Europe/Vienna.\n"
        "Wann: immer Fr. um 21:30 Uhr (Europe/Vienna)\nStatus: aus"
    )


def test_a_german_learner_answers_one_check_in_and_skips_another_in_german(world):
    nothing = world.say(ANA, "/learn checkin skip")
    assert nothing.is_error and german(nothing) == (
        "Gerade wartet kein Check-in auf dich; mit `/learn checkin jetzt` bekommst du sofort einen."
    )
    now = german(world.say(ANA, "/learn checkin now"))
    assert now.startswith("Dein Check-in ist in deinen Direktnachrichten.")
    form = world.say(ANA, "/learn checkin answer")
    assert german(form) == "Beantworte deinen Check-in\nDein Check-in\nSpeichern"
    thanks = german(world.say(ANA, "/learn checkin answer Ich habe viel gelernt"))
    assert (
        thanks == "Danke. Deine Antwort steht in deinem Projekttagebuch; nur du kannst sie sehen."
    )

    world.clock.advance(timedelta(minutes=1))
    assert german(world.say(ANA, "/learn checkin now")).startswith("Dein Check-in ist")
    snoozed = german(world.say(ANA, "/learn checkin snooze 2h"))
    assert snoozed == "Ich frage am Mo., 30. Nov. 2026, 12:01 noch einmal."
    skipped = german(world.say(ANA, "/learn checkin skip"))
    assert skipped == "Übersprungen. Zu diesem Check-in kommt keine Erinnerung mehr."


# --- the self-assessment -----------------------------------------------------------------


def test_a_german_learner_assesses_herself_in_german(world):
    first = world.say(ANA, "/learn assess")
    # the traits' names and anchors are the model's content; what this module says is German
    german(first, sections=False)
    assert first.text == "Schätz dich von 1 bis 5 ein. Das bedeuten die Stufen:"
    assert first.form is not None and first.form.title == "Einschätzung 1–5 von 21"
    assert first.form.submit_label == "Speichern"
    step = world.submit(ANA, "assess", {i.name: "4" for i in first.form.inputs})
    assert german(step).startswith("Gespeichert. 5 von 21 eingeschätzt")
    assert [b.label for b in step.buttons] == ["Weiter"]
    while True:
        current = world.say(ANA, "/learn assess")
        assert current.form is not None
        done = world.submit(ANA, "assess", {i.name: "4" for i in current.form.inputs})
        if not done.buttons:
            break
    assert done.text == (
        "Deine Selbsteinschätzung vom 30. November 2026 ist abgeschlossen. "
        "Vorerst siehst nur du sie: Du hast noch keine:n Tutor:in."
    )
    titles = [s.title for s in done.sections]
    assert titles == [
        "Durchschnitt je Kompetenzgruppe (1 bis 5)",
        "Wo du dich am höchsten einschätzt",
    ]
    assert fields(done)["Werte"] == "4,0"  # a German decimal comma
    assert_german(done.text)


def test_form_errors_and_form_labels_in_german():
    with speaking("de"):
        assert check_field("assess", "x", "9") == "Wähl eine Stufe von 1 bis 5."
        assert check_field("checkin", "text", " ") == "Schreib ein paar Worte über deine Woche."
        assert check_field("diary", "text", "x" * 3001) == "Bitte höchstens 3.000 Zeichen."
        form = translated(DIARY)
        assert (form.title, form.submit_label) == ("Tagebucheintrag", "Speichern")
        assert [i.label for i in form.inputs][1] == "Wer ihn lesen darf"
        assert [i.options for i in form.inputs] == [i.options for i in DIARY.inputs]
    with speaking("en"):
        assert check_field("diary", "text", "x" * 3001) == "At most 3,000 characters, please."
        assert translated(DIARY) == DIARY


# --- communities of practice -------------------------------------------------------------


def test_a_german_learner_joins_shares_in_and_reads_a_community_in_german(world):
    assert german(world.say(ANA, "/learn cop")) == (
        "Es gibt noch keine Praxisgemeinschaften. Die Prozessbegleitung eröffnet sie."
    )
    opened = german(world.say(UTA, "/learn cop open Moderation", where="C0FORUM"))
    assert opened.startswith("Die Praxisgemeinschaft Moderation ist eröffnet und lebt hier:")
    twice = world.say(UTA, "/learn cop open moderation")
    assert (
        twice.is_error
        and german(twice) == "Eine Praxisgemeinschaft namens moderation gibt es schon."
    )
    joined = german(world.say(ANA, "/learn cop join moderation"))
    assert joined.startswith("Willkommen in Moderation. Teil eine Erfahrung:")
    again = german(world.say(ANA, "/learn cop join moderation"))
    assert again == "Du bist schon Mitglied von Moderation."
    listed = german(world.say(ANA, "/learn cop"))
    assert "1 Mitglied · du bist Mitglied" in listed
    world.say(BEN, "/learn cop join moderation")
    assert "2 Mitglieder · du bist Mitglied" in german(world.say(ANA, "/learn cop"))

    shared = german(
        world.say(ANA, "/learn cop share moderation Stiller Start | Fünf Minuten Stille")
    )
    assert shared == (
        "In Moderation geteilt und in deinem Projekttagebuch abgelegt. "
        "Nur die Mitglieder können ihn lesen, sonst niemand."
    )
    posts = world.say(ANA, "/learn cop posts moderation")
    assert posts.text == "Geteilt in Moderation, das Neueste zuerst"
    assert posts.sections[0].title == "Stiller Start · ana · Mo., 30. Nov. 2026"
    unknown = world.say(ANA, "/learn cop join Gibtsnicht")
    assert unknown.is_error and german(unknown).startswith(
        "Eine Praxisgemeinschaft namens Gibtsnicht kenne ich nicht."
    )
    left = german(world.say(ANA, "/learn cop leave moderation"))
    assert left.startswith("Du hast Moderation verlassen.")


# --- privacy -----------------------------------------------------------------------------


def test_a_german_learner_exports_and_starts_to_forget_in_german(world):
    world.say(ANA, "/learn diary eins")
    world.say(ANA, "/learn diary zwei")
    world.say(ANA, "/learn checkin now")
    shown = world.say(ANA, "/learn privacy")
    text = german(shown)
    assert shown.text == "Dein Projekttagebuch ist privat, solange du keinen Eintrag teilst."
    assert "Führungskräfte sehen die Praxisaufgaben" in text
    assert [b.label for b in shown.buttons] == ["Meine Daten exportieren", "Meine Daten löschen"]

    export = world.say(ANA, "/learn privacy export")
    assert german(export) == "Hier ist alles, was Tandem über dich speichert."
    assert export.attachment is not None and '"locale": "de-DE"' in export.attachment.content

    forget = world.say(ANA, "/learn privacy forget")
    text = german(forget)
    assert text.startswith("Damit löschst du dein Profil und ")
    assert "2 Tagebucheinträge" in text and "1 Check-in" in text
    assert "endgültig. Das lässt sich nicht rückgängig machen." in text
    assert [b.label for b in forget.buttons] == ["Alles löschen", "Erst exportieren"]
    erased = german(world.say(ANA, "/learn privacy forget confirm"))
    assert erased.startswith("Dein Profil und ") and "2 Tagebucheinträge" in erased
    assert erased.endswith("sind gelöscht. Wenn du wiederkommst, fängst du neu an.")


# --- English stays English ---------------------------------------------------------------


def test_an_english_learner_reads_the_english_of_before(world):
    saved = world.say(BEN, "/learn diary tried feedback #communication")
    assert saved.text == "Saved to your diary. Tags: #communication. Only you can see it."
    listed = world.say(BEN, "/learn diary")
    assert listed.sections[0].title == "Entry 1 · Mon 30 Nov 2026, 10:00 · private"
    assert world.say(BEN, "/learn diary tags").text == "Your #tags (in your 1 entry):"
    world.say(BEN, "/learn diary second")
    tags = world.say(BEN, "/learn diary tags")
    assert tags.text == "Your #tags and in how many of your 2 entries each is:"
    reply = world.say(BEN, "/learn checkin every mon,thu 09:00")
    assert reply.text == "Check-ins set."
    assert fields(reply)["When"] == "every mon,thu at 09:00 (Europe/Berlin)"
    assert fields(reply)["Next"].startswith("Thu 03 Dec 2026 09:00")
    assert world.say(BEN, "/learn checkin pause 1 week").text == (
        "Check-ins paused until Mon 07 Dec 2026 10:00."
    )
    world.say(FAY, "/learn cop open Moderation", where="C0FORUM")
    world.say(BEN, "/learn cop join moderation")
    assert "1 member · you are a member" in said(world.say(BEN, "/learn cop"))
    forget = world.say(BEN, "/learn privacy forget")
    assert forget.text.startswith("This erases your profile and ")
    assert "2 diary entries" in forget.text and forget.buttons[0].label == "Erase everything"
    assert world.say(BEN, "/learn diary show 9").text == (
        "You have no diary entry 9. `/learn diary` lists yours with their numbers."
    )


# --- plurals -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "counts", "words"),
    [
        ("en", {"milestones": 1, "check-ins": 2}, "1 milestone, 2 check-ins"),
        ("en", {"milestones": 2, "check-ins": 1}, "2 milestones, 1 check-in"),
        ("de", {"milestones": 1, "check-ins": 2}, "1 Meilenstein, 2 Check-ins"),
        ("de", {"milestones": 2, "diary entries": 1}, "2 Meilensteine, 1 Tagebucheintrag"),
        ("en", {"diary entries": 1, "messages": 0}, "1 diary entry"),
        ("de", {"colleague-advice rounds": 1234}, "1.234 Beratungsrunden"),
        ("en", {"colleague-advice rounds": 1234}, "1,234 colleague-advice rounds"),
    ],
)
def test_what_an_erasure_counts_is_said_with_the_right_plural(language, counts, words):
    with speaking(language):
        assert erased_list(counts) == words


def finish_assessment(world: World, who: Identity) -> Reply:
    while True:
        step = world.say(who, "/learn assess")
        assert step.form is not None
        done = world.submit(who, "assess", {i.name: "3" for i in step.form.inputs})
        if not done.buttons:
            return done


def test_the_assessment_names_one_tutor_or_several_with_their_plural(world):
    world.pair()
    world.say(FAY, "/learn cohort add @tia tutor --of @ana")
    assert finish_assessment(world, ANA).text.endswith("Du und tia, dein:e Tutor:in, seht sie.")
    world.say(FAY, "/learn cohort add @tom tutor --of @ana")
    assert finish_assessment(world, ANA).text.endswith(
        "Du und deine Tutor:innen tia und tom seht sie."
    )
    privacy = german(world.say(ANA, "/learn privacy"))
    assert "`--teilen tutor`: deine Tutor:innen tia und tom; sehen auch deine Ziele" in privacy

    world.say(FAY, "/learn cohort add @tia tutor --of @ben")
    assert finish_assessment(world, BEN).text.endswith("You and your tutor tia see it.")
    world.say(FAY, "/learn cohort add @tom tutor --of @ben")
    assert finish_assessment(world, BEN).text.endswith("You and your tutors tia and tom see it.")
