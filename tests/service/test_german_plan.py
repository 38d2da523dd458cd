"""Goals, the practical task, the plan and the reports in German (issue 17, item 1).

A learner whose platform speaks German (ana) gets goals from her German tutor (tia) and
records one herself, adds milestones and commits to her plan, proposes a practical task
to her English manager (ben), who reads the request in English and answers in English,
while ana hears the answer in German; the other way round an English learner (cem)
proposes to a German manager (max). Ana's progress and dashboard, tia's tutor report and
the German facilitator's (uta) cohort figures are German; the English side reads the
English of before. Counts say "1 milestone" and "2 milestones" in English, "1 Meilenstein"
and "2 Meilensteinen" in German.

Through the real commands, on the fakes and on SQLite (and PostgreSQL when there is one).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FixedClock
from bot.domain import Identity, Profile
from bot.policy import Policy
from bot.ports import UnitOfWorkFactory
from bot.replies import Reply
from bot.scheduling import DueWork
from bot.service import Tandem
from tests.conftest import NOW, console_identity
from tests.service.test_goals_agreements import MODEL
from tests.support.language import assert_german

FAY, UTA, ANA, CEM, TIA, TOM, BEN, MAX = (
    console_identity(n) for n in ("fay", "uta", "ana", "cem", "tia", "tom", "ben", "max")
)
GERMAN = {who: Profile(display_name=who.user_id, locale="de-DE") for who in (UTA, ANA, TIA, MAX)}
# What a German answer may name as typed or stored: the command words and slugs, the
# people, the competence model's own words (content, checked with the model).
ALLOW = ("communication", "cooperation", "Communication", "Cooperation", "Spring")


class World:
    def __init__(self, factory: UnitOfWorkFactory) -> None:
        self.db = factory
        self.clock = FixedClock(NOW)
        self.policy = Policy(
            competences=MODEL,
            facilitator_refs=frozenset({"console:fay", "console:uta"}),
            default_timezone="Europe/Berlin",
        )
        self.tandem = Tandem(self.db, self.clock, self.policy)
        for who in (FAY, UTA, ANA, CEM, TIA, TOM, BEN, MAX):  # each has spoken once
            self.tandem.handle(who, "/learn help", GERMAN.get(who))

    def say(self, who: Identity, line: str) -> Reply:
        replies = self.tandem.handle(who, line, GERMAN.get(who))
        assert len(replies) == 1, replies
        return replies[0]

    def dms(self, who: Identity) -> list[Reply]:
        """What is queued for `who`, oldest first."""
        with self.db() as uow:
            person = uow.people.by_identity(who)
            assert person is not None and person.id is not None
            rows = uow.outbox.for_recipient(person.id)
        return [Reply.model_validate_json(m.payload) for m in rows]

    def cohort(self) -> None:
        """fay opens it; tia tutors ana, tom tutors cem; ben manages ana, max manages cem."""
        self.say(FAY, "/learn cohort open Spring")
        for learner in ("ana", "cem"):
            self.say(FAY, f"/learn cohort add @{learner} learner")
        self.say(FAY, "/learn cohort add @tia tutor --of @ana")
        self.say(FAY, "/learn cohort add @tom tutor --of @cem")
        self.say(FAY, "/learn cohort add @ben manager --of @ana")
        self.say(FAY, "/learn cohort add @max manager --of @cem")
        for learner in (ANA, CEM):
            self.say(learner, "/learn cohort join")


@pytest.fixture
def world(uow_factory: UnitOfWorkFactory) -> World:
    built = World(uow_factory)
    built.cohort()
    return built


def german(reply: Reply) -> str:
    """All `reply` says (text, sections, fields, buttons), checked German; the text."""
    parts = [reply.text, *(b.label for b in reply.buttons)]
    for section in reply.sections:
        parts += [section.title or "", section.text]
        parts += [f"{f.label}: {f.value}" for f in section.fields]
    if reply.form is not None:
        parts += [reply.form.title, reply.form.submit_label, *(i.label for i in reply.form.inputs)]
    for part in parts:
        if part:
            assert_german(part, allow=ALLOW)
    return reply.text


def assess(world: World, who: Identity) -> None:
    while True:
        step = world.say(who, "/learn assess")
        assert step.form is not None
        replies = world.tandem.submit(
            who, "assess", {i.name: "3" for i in step.form.inputs}, GERMAN.get(who)
        )
        if not replies[0].buttons:
            return


# --- goals -------------------------------------------------------------------------------


def test_goals_are_recorded_shown_commented_and_closed_in_german(world):
    recorded = world.say(
        TIA, "/learn goals add @ana communication 2→4 leitet das Review --by 2027-06-30"
    )
    assert german(recorded).startswith("Ziel 1 für ana angelegt: ")
    assert "bis 30. Juni 2027" in recorded.text and "ana erfährt es" in recorded.text
    told = world.dms(ANA)[-1]
    assert german(told).startswith("tia, deine Tutor:in, hat mit dir ein Ziel angelegt: ")
    assert "Warum: leitet das Review" in told.sections[0].text

    own = world.say(ANA, "/learn goals add cooperation 1→3 pair more")
    assert german(own).startswith("Ziel 2 angelegt: ")
    assert own.text.endswith("Du und tia, dein:e Tutor:in, seht es.")
    # tia, German too, hears nothing of a goal ana records; the list is German
    shown = world.say(ANA, "/learn goals")
    assert german(shown) == "Deine Entwicklungsziele"
    assert [s.title.split(" · ")[0] for s in shown.sections] == ["Ziel 1", "Ziel 2"]
    assert shown.sections[0].title.endswith(" · offen")

    commented = world.say(ANA, "/learn goals comment 1 first review done")
    assert german(commented) == "Kommentar zu Ziel 1 hinzugefügt."
    assert german(world.dms(TIA)[-1]) == "ana hat das eigene Ziel 1 kommentiert: first review done"
    closed = world.say(TIA, "/learn goals reached 1 --of @ana well done")
    assert german(closed) == "Ziel 1 von ana als erreicht markiert."
    assert german(world.dms(ANA)[-1]) == "tia hat dein Ziel 1 als erreicht markiert: well done"
    again = world.say(ANA, "/learn goals reached 1")
    assert again.is_error and german(again) == "Ziel 1 ist schon erreicht."
    unknown = world.say(ANA, "/learn goals add listening 2→4 x")
    assert unknown.is_error and "steht nicht im Kompetenzmodell" in german(unknown)


def test_goals_stay_english_for_an_english_learner(world):
    recorded = world.say(TOM, "/learn goals add @cem communication 2→4 leads reviews")
    assert recorded.text.startswith("Goal 1 recorded for cem: ")
    assert recorded.text.endswith(". They are told.")
    assert world.dms(CEM)[-1].text.startswith("tom, your tutor, recorded a goal with you: ")
    own = world.say(CEM, "/learn goals add cooperation 1→3 pair more")
    assert own.text.endswith("You and your tutor tom see it.")
    world.say(CEM, "/learn goals drop 2 not now")
    assert world.dms(TOM)[-1].text == "cem marked their goal 2 as dropped: not now"


# --- the practical task, both ways round ----------------------------------------------------


def test_a_german_learner_proposes_to_an_english_manager_and_hears_back_in_german(world):
    world.say(TIA, "/learn goals add @ana communication 2→4 leitet das Review")
    sent = world.say(ANA, "/learn agree @ben moderiert die Retro im Team")
    assert german(sent) == "Vorschlag 1 an ben gesendet. Die Antwort bekommst du hier."
    assert [s.title for s in sent.sections] == ["Die Aufgabe", "Sie dient"]
    asked = world.dms(BEN)[-1]  # ben reads English
    assert asked.text == "ana proposes a practical task to agree with you."
    assert [b.label for b in asked.buttons] == ["Agree", "Ask for changes", "Decline"]
    assert asked.sections[1].title == "The goals it serves"

    answered = world.say(BEN, "/learn agree yes 1 --of @ana")
    assert answered.text == "Recorded: you agreed ana's proposal 1. ana is told."
    heard = world.dms(ANA)[-1]
    assert german(heard) == "ben hat deinem Vorschlag 1 zugestimmt."
    assert "Leg los" in heard.sections[0].text
    listed = world.say(ANA, "/learn agree")
    assert german(listed) == "Deine Praxisaufgaben"
    assert listed.sections[0].title == "Vorschlag 1 · vereinbart · ben"
    refused = world.say(ANA, "/learn agree revise 1 another")
    assert refused.is_error and german(refused).startswith("Vorschlag 1 ist vereinbart; ")


def test_an_english_learner_proposes_to_a_german_manager_who_answers_in_german(world):
    world.say(TOM, "/learn goals add @cem communication 2→4 leads reviews")
    sent = world.say(CEM, "/learn agree @max retro facilitation")
    assert sent.text == "Proposal 1 sent to max. You hear back here."
    asked = world.dms(MAX)[-1]
    assert german(asked) == "cem schlägt dir eine Praxisaufgabe zur Vereinbarung vor."
    assert [b.label for b in asked.buttons] == ["Zustimmen", "Um Änderungen bitten", "Ablehnen"]
    form = world.say(MAX, "/learn agree changes 1 --of @cem")
    assert german(form) == "Was soll sich ändern?"
    answered = world.say(MAX, "/learn agree changes 1 --of @cem smaller, please")
    assert german(answered) == (
        "Festgehalten: Du hast um Änderungen an Vorschlag 1 von cem gebeten. cem erfährt es."
    )
    heard = world.dms(CEM)[-1]  # cem reads English
    assert heard.text == "max asked for changes to your proposal 1. They said: smaller, please"
    assert heard.sections[0].text.startswith("Change it with `/learn agree revise 1 ")
    world.say(CEM, "/learn agree revise 1 one retro")
    again = world.dms(MAX)[-1]
    assert german(again) == "cem schlägt dir eine geänderte Praxisaufgabe zur Vereinbarung vor."
    assert again.sections[0].title == "Vorschlag 1, Version 2"


# --- the plan ----------------------------------------------------------------------------


def test_the_plan_in_german_with_its_plurals(world):
    empty = world.say(ANA, "/learn plan")
    assert german(empty) == "Dein Lernplan hat noch keine Meilensteine."
    added = world.say(ANA, "/learn plan add 2027-01-11 Parser im Pairing | ein gemergter PR")
    assert german(added) == (
        "Meilenstein 1 für Mo., 11. Jan. 2027 hinzugefügt. "
        "Am Tag davor bekommst du eine Erinnerung."
    )
    one = world.say(ANA, "/learn plan commit")
    assert german(one).startswith("Du hast dich auf deinen Plan mit 1 Meilenstein festgelegt. ")
    assert one.text.endswith("Du und tia, dein:e Tutor:in, könnt ihn sehen.")
    assert german(world.dms(TIA)[-1]).startswith(
        "ana hat sich auf einen Lernplan mit 1 Meilenstein festgelegt."
    )
    world.say(ANA, "/learn plan add 2027-01-20 Ein Review leiten")
    two = world.say(ANA, "/learn plan commit")
    assert "mit 2 Meilensteinen festgelegt" in german(two)
    shown = world.say(ANA, "/learn plan")
    assert german(shown).startswith("Dein Lernplan, festgelegt am ")
    assert shown.sections[0].title == "1. Parser im Pairing · bis Mo., 11. Jan. 2027"
    assert shown.sections[0].text == "Woran du es merkst: ein gemergter PR"
    form = world.say(ANA, "/learn plan add")
    assert german(form) == "Meilenstein hinzufügen"
    world.clock.advance(timedelta(days=41, hours=1))  # 09:00 in Berlin the day before
    DueWork(world.db, world.clock, world.policy).run()
    reminder = world.dms(ANA)[-1]
    assert german(reminder) == "Dein Meilenstein „Parser im Pairing“ ist morgen fällig."
    reached = world.say(ANA, "/learn plan done 1 Pairing klappt")
    assert german(reached).startswith("Meilenstein 1 erreicht. ")


def test_the_plan_stays_english_and_says_1_milestone(world):
    world.say(CEM, "/learn plan add 2027-01-11 Pair on the parser")
    one = world.say(CEM, "/learn plan commit")
    assert one.text.startswith("You committed to your plan of 1 milestone. ")
    assert one.text.endswith("You and your tutor tom can see it.")
    assert world.dms(TOM)[-1].text.startswith("cem committed to a learning plan of 1 milestone. ")
    world.say(CEM, "/learn plan add 2027-01-20 Lead a review")
    assert "plan of 2 milestones." in world.say(CEM, "/learn plan commit").text
    shown = world.say(CEM, "/learn plan")
    assert shown.sections[0].title == "1. Pair on the parser · by Mon 11 Jan 2027"


# --- progress, the dashboard, the reports ---------------------------------------------------


def test_progress_dashboard_and_reports_in_german(world):
    world.say(TIA, "/learn goals add @ana communication 2→4 leitet das Review")
    world.say(ANA, "/learn plan add 2027-01-11 Parser im Pairing")
    world.say(ANA, "/learn agree @ben moderiert die Retro")
    assess(world, ANA)
    progress = world.say(ANA, "/learn progress")
    assert german(progress).startswith("Dein Fortschritt.")
    home = world.tandem.home(ANA, GERMAN[ANA])
    facts = {f.label: f.value for f in home.sections[0].fields}
    assert facts["Praxisaufgabe"] == "vorgeschlagen: moderiert die Retro"
    assert facts["Entwicklungsziele"] == "1 offen, 0 erreicht"
    assert_german(facts["Praxisaufgabe"].split(":")[0])

    report = world.say(TIA, "/learn cohort report")
    assert (
        german(report)
        == "Deine Lernenden (nur der Fortschritt; ihre Projekttagebücher bleiben bei ihnen)"
    )
    fields = {f.label: f.value for f in report.sections[0].fields}
    assert fields["Ziele"] == "1 offen, 0 erreicht"
    assert fields["Meilensteine"] == "0 von 1 erreicht, Plan nicht festgelegt"
    assert fields["Co-Coaching"] == "getroffen 0, nicht getroffen 0, von 0 Impulsen"

    figures = world.say(UTA, "/learn cohort report")
    assert german(figures).startswith(
        "Spring: 2 Lernende gezählt. Zahlen zum Lernen gibt es erst ab 5"
    )
    english = world.say(FAY, "/learn cohort report")
    assert english.text.startswith("Spring: 2 learners counted. Figures about learning are shown")
    tom = world.say(TOM, "/learn cohort report")
    assert tom.text == "Your learners (progress only; their diaries stay theirs)"
    assert {f.label: f.value for f in tom.sections[0].fields}["Co-coaching"] == (
        "met 0, not met 0, of 0 prompts"
    )


def test_a_word_not_yet_available_is_said_in_german(world):
    from bot.commands import NotYetAvailable
    from bot.handlers.overview import not_yet_available
    from bot.i18n import speaking

    with speaking("de"):
        [reply] = not_yet_available(None, NotYetAvailable(word="badge"))  # type: ignore[arg-type]
    assert german(reply).startswith("`/learn badge` gibt es in dieser Version noch nicht.")
    [english] = not_yet_available(None, NotYetAvailable(word="badge"))  # type: ignore[arg-type]
    assert english.text.startswith("`/learn badge` is not available in this version yet.")
