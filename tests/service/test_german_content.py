"""The content in German (issue 17, item 4): the value and competence model, tags, the
colleague-advice round, check-in questions and the co-coaching prompt, shown to a person
answered in German (`bot.localized.current` patched to "de"), the same core in English
otherwise; model and advice files that give texts as `{de:, en:}`, and broken ones
refused with one line. On the in-memory fakes: the words, not the storage, are tested."""

from __future__ import annotations

from datetime import timedelta

import pytest

from adapters import advice_config
from adapters.competence_model import ModelError, load
from bot import localized as content
from bot.advice import DEFAULT_METHODS, AdviceConfig, Method, Phase
from bot.policy import Policy
from bot.replies import Audience, Reply
from bot.service import Tandem
from tests.service.test_advice_wiring import grouped, thread_posts
from tests.service.test_kickoff import World, who


@pytest.fixture
def german(monkeypatch: pytest.MonkeyPatch) -> None:
    """Everyone answered is answered in German (the merge sets this per person)."""
    monkeypatch.setattr(content, "current", lambda: "de")


@pytest.fixture
def world() -> World:
    return World()


def assess_all(world: World, name: str, level: str = "3") -> Reply:
    replies: list[Reply] = []
    for _ in range(5):
        [step] = world.tandem.handle(who(name), "/learn assess")
        assert step.form is not None
        replies = world.tandem.submit(
            who(name), "assess", {i.name: level for i in step.form.inputs}
        )
    [done] = replies
    return done


# -- the value and competence model ---------------------------------------------------


def test_the_assessment_shows_the_model_in_german(world, german):
    [step] = world.tandem.handle(who("ana"), "/learn assess")
    assert step.form is not None
    assert [i.label for i in step.form.inputs] == [
        "Selbstreflexion",
        "Zuverlässigkeit",
        "Lernbereitschaft",
        "Belastbarkeit",
        "Initiative",
    ]
    first = step.sections[0]
    assert first.title == "Selbstreflexion"
    assert first.text == (
        "Betrachtet das eigene Handeln, die eigenen Stärken und Grenzen und lernt daraus."
    )
    assert first.fields[0].value == "Blickt selten darauf zurück, wie etwas gelaufen ist."
    assert first.fields[4].value == "Reflektiert systematisch und hilft anderen dabei."


def test_the_assessment_summary_names_the_groups_in_german(world, german):
    done = assess_all(world, "ana", "4")
    averages = {f.label: f.value for f in done.sections[0].fields}
    assert averages["Personale Kompetenz"] == "4.0"
    assert averages["Aktivitäts- und Handlungskompetenz"] == "4.0"
    assert averages["Fachlich-methodische Kompetenz"] == "4.0"
    assert averages["Sozial-kommunikative Kompetenz"] == "4.0"
    assert "Selbstreflexion (4)" in done.sections[1].text


def test_the_same_core_answers_in_english_without_german(world):
    [step] = world.tandem.handle(who("ana"), "/learn assess")
    assert step.form is not None and step.form.inputs[0].label == "Self-reflection"
    assert step.sections[0].fields[0].value == "Rarely looks back at how something went."
    done = assess_all(world, "ben")
    assert "Personal competences" in {f.label for f in done.sections[0].fields}


def test_progress_names_the_competences_in_german(world, german):
    assess_all(world, "ana")
    reply = world.say("ana", "/learn progress")
    assert reply.chart is not None
    assert "Kommunikation" in reply.chart.categories
    assert "Konfliktlösung" in reply.chart.categories
    assert "Communication" not in reply.chart.categories
    assert "Kommunikation: 3" in reply.chart.alt_text


# -- tags in either language ----------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "trait", "shown"),
    [
        ("#kommunikation", "communication", "#kommunikation"),
        ("#Kommunikation", "communication", "#kommunikation"),
        ("#konfliktlösung", "conflict", "#konfliktlösung"),
        ("#konfliktloesung", "conflict", "#konfliktlösung"),
        ("#KONFLIKTLOESUNG", "conflict", "#konfliktlösung"),
        ("#zuverlaessigkeit", "reliability", "#zuverlässigkeit"),
        ("#communication", "communication", "#kommunikation"),  # English works too
    ],
)
def test_a_german_tag_links_the_same_competence(world, german, tag, trait, shown):
    reply = world.say("ana", f"/learn diary Das Review moderiert {tag}")
    [entry] = world.diary("ana")
    assert entry.tags == (trait,)  # stored by its id, as English tags are
    assert f"Tags: {shown}." in reply.text
    assert "free tag" not in reply.text


def test_a_german_tag_works_for_an_english_speaker_too(world):
    reply = world.say("ana", "/learn diary Ran the review #kommunikation #Konfliktloesung")
    [entry] = world.diary("ana")
    assert entry.tags == ("communication", "conflict")
    assert "Tags: #communication #conflict." in reply.text


def test_an_ambiguous_tag_names_its_candidates_in_german(world, german):
    reply = world.say("ana", "/learn diary Schwieriges Gespräch #resp #kaffee")
    [entry] = world.diary("ana")
    assert entry.tags == ("resp", "kaffee")  # both kept free
    assert "#resp could be #respekt or #verantwortung" in reply.text
    assert "#kaffee." in reply.text


def test_an_ambiguous_tag_names_its_candidates_in_english(world):
    reply = world.say("ana", "/learn diary A hard talk #resp")
    assert "#resp could be #respect or #responsibility" in reply.text


def test_the_tags_overview_names_the_competences_in_german(world, german):
    world.say("ana", "/learn diary Eins #kommunikation")
    world.say("ana", "/learn diary Zwei #kommunikation #retro")
    reply = world.say("ana", "/learn diary tags")
    assert "#kommunikation (Kommunikation): 2" in reply.sections[0].text
    assert "#retro: 1" in reply.sections[0].text


def test_a_goal_is_set_with_a_german_competence_name(world, german):
    world.cohort_with(("ana",))
    reply = world.say("ana", "/learn goals add Konfliktlösung 2→4 weil es oft knirscht")
    assert not reply.is_error, reply.text
    [goal] = world.goals("ana")
    assert goal.trait_id == "conflict"
    again = world.say("ana", "/learn goals add konfliktloesung 2→4 noch einmal")
    assert again.is_error and "Konfliktlösung" in again.text
    unclear = world.say("ana", "/learn goals add resp 2→4 warum")
    assert unclear.is_error and "respekt" in unclear.text and "verantwortung" in unclear.text


# -- a company's model file -----------------------------------------------------------

ANCHORS = "\n".join(f"      {n}: {{en: level {n}, de: Stufe {n}}}" for n in range(1, 6))
OURS = f"""\
groups:
  - {{id: craft, name: {{de: Handwerk, en: Craft}}}}
competences:
  - id: welding
    group: craft
    name: {{de: Schweißen, en: Welding}}
    description: {{de: Verbindet Metall., en: Joins metal.}}
    anchors:
{ANCHORS}
values:
  - id: care
    name: Care
    description: Looks after the tools.
    anchors:
{ANCHORS}
"""


def test_a_model_file_in_both_languages_is_shown_in_german(tmp_path, fake_db, clock, german):
    path = tmp_path / "ours.yaml"
    path.write_text(OURS, encoding="utf-8")
    tandem = Tandem(fake_db, clock, Policy(competences=load(path)))
    [step] = tandem.handle(who("ana"), "/learn assess")
    assert step.form is not None
    assert [i.label for i in step.form.inputs] == ["Schweißen", "Care"]  # Care: English only
    assert step.sections[0].text == "Verbindet Metall."
    assert [f.value for f in step.sections[0].fields] == [f"Stufe {n}" for n in range(1, 6)]
    [saved] = tandem.handle(who("ana"), "/learn diary Naht gezogen #schweissen")
    assert "Tags: #schweißen." in saved.text
    [entry] = fake_db.state.diary.values()
    assert entry.tags == ("welding",)


@pytest.mark.parametrize(
    ("change", "line"),
    [
        (
            ("{de: Schweißen, en: Welding}", "{de: Schweißen}"),
            "ours.yaml, line 6: competences[0].name: needs an English text (en)",
        ),
        (
            ("{de: Handwerk, en: Craft}", "{de: Handwerk, en: Craft, nl: Ambacht}"),
            "ours.yaml, line 2: groups[0].name: unknown language 'nl' (use en, de)",
        ),
    ],
)
def test_a_broken_model_file_is_refused_with_one_line(tmp_path, change, line):
    path = tmp_path / "ours.yaml"
    path.write_text(OURS.replace(*change), encoding="utf-8")
    with pytest.raises(ModelError) as caught:
        load(path)
    assert str(caught.value) == line


# -- the colleague-advice round -------------------------------------------------------


def test_the_advice_round_speaks_tietzes_german(german):
    world = grouped(World())
    world.tandem.handle(who("ana"), "/learn advice Mein Team verpasst seit der Umstellung Fristen")
    [casting] = thread_posts(world)
    assert casting.text.endswith(": Casting")  # the same word in German
    assert "Rollen: Die Fallgeber:in bringt einen Fall ein" in casting.sections[0].text
    world.say("ben", "/learn advice moderator @ben")
    titles = []
    world.say("ben", "/learn advice next")
    titles.append(thread_posts(world)[-1].text)
    world.say("ana", "/learn advice say Seit März sind zwei Teams zusammengelegt.")
    world.say("ben", "/learn advice next")
    titles.append(thread_posts(world)[-1].text)
    world.say("ana", "/learn advice key Wie bekomme ich Zusagen, die halten?")
    world.say("ben", "/learn advice next")
    titles.append(thread_posts(world)[-1].text)
    listed = world.say("ben", "/learn advice method")
    names = [s.title for s in listed.sections]
    assert names == [
        "brainstorming: Brainstorming",
        "headstand: Kopfstand-Brainstorming",
        "good-advice: Gute Ratschläge",
        "resonance: Resonanzrunde",
        "key-question-finding: Schlüsselfragen finden",
    ]
    assert listed.sections[2].text.startswith("Gib ein oder zwei konkrete Ratschläge")
    chosen = world.say("ben", "/learn advice method Kopfstand-Brainstorming")
    assert not chosen.is_error, chosen.text
    assert "Kopfstand-Brainstorming. Überleg, wie" in thread_posts(world)[-1].text
    world.say("ben", "/learn advice next")
    consultation = thread_posts(world)[-1]
    titles.append(consultation.text)
    assert "Die Berater:innen bringen Ideen ein" in consultation.sections[0].text
    held = world.say("ana", "/learn advice say Das habe ich schon versucht")
    assert held.text.startswith("In der Beratung hörst du als Fallgeber:in nur zu.")
    world.say("cem", "/learn advice say Schreib nie etwas auf")
    world.say("ben", "/learn advice next")
    titles.append(thread_posts(world)[-1].text)
    assert [t.rpartition(": ")[2] for t in titles] == [
        "Spontanerzählung",
        "Schlüsselfrage",
        "Methodenwahl",
        "Beratung",
        "Abschluss",
    ]
    world.say("ana", "/learn advice helped 2 Ich schreibe Zusagen auf")
    [summary] = [e for e in world.diary("ana") if "Schreib nie etwas auf" in e.text]
    assert "Kopfstand-Brainstorming" in summary.text and "5. Beratung:" in summary.text


def test_a_method_is_chosen_by_its_german_name_in_any_spelling():
    config = AdviceConfig()
    for word, method in [
        ("Kopfstand-Brainstorming", "headstand"),
        ("kopfstand brainstorming", "headstand"),
        ("kopfstand", "headstand"),  # a unique start
        ("Gute Ratschläge", "good-advice"),
        ("gute-ratschlaege", "good-advice"),
        ("RESONANZRUNDE", "resonance"),
        ("resonanz", "resonance"),
        ("Headstand brainstorming", "headstand"),  # the English name
        ("good-advice", "good-advice"),  # the id
    ]:
        found = config.method(word)
        assert found is not None and found.id == method, word
    assert config.method("gu") is None  # too short to be a start
    assert config.method("tarot") is None


def test_the_phases_and_methods_have_german_names():
    assert [p.name_in_both.text("de") for p in Phase] == [
        "Casting",
        "Spontanerzählung",
        "Schlüsselfrage",
        "Methodenwahl",
        "Beratung",
        "Abschluss",
    ]
    assert [m.name.text("de") for m in DEFAULT_METHODS][:4] == [
        "Brainstorming",
        "Kopfstand-Brainstorming",
        "Gute Ratschläge",
        "Resonanzrunde",
    ]
    assert all(set(m.how_to.texts) == {"en", "de"} for m in DEFAULT_METHODS)


def test_a_round_stored_before_german_gets_the_built_in_german_back():
    stored = AdviceConfig().to_dict()
    for method in stored["methods"]:  # as rows were written: English strings
        method["name"] = method["name"]["en"]
        method["how_to"] = method["how_to"]["en"]
    stored["methods"].append({"id": "fishbowl", "name": "Fishbowl", "how_to": "Talk; listen."})
    loaded = AdviceConfig.from_dict(stored)
    headstand = loaded.method("headstand")
    assert headstand is not None and headstand.name.text("de") == "Kopfstand-Brainstorming"
    fishbowl = loaded.method("fishbowl")
    assert fishbowl is not None and fishbowl.name.text("de") == "Fishbowl"
    assert AdviceConfig.from_dict(AdviceConfig().to_dict()) == AdviceConfig()
    # a company's own wording of a built-in method stays theirs
    ours = {"id": "resonance", "name": "Resonance", "how_to": "One sentence each."}
    assert Method.from_dict(ours).name.text("de") == "Resonance"


def test_an_advice_file_gives_methods_in_both_languages(tmp_path):
    path = tmp_path / "advice.yaml"
    path.write_text(
        "methods:\n"
        "  - id: silent\n"
        "    name: {en: Silent round, de: Stille Runde}\n"
        "    how_to:\n"
        "      en: Everyone writes ideas down for five minutes, then reads them out.\n"
        "      de: Alle schreiben fünf Minuten lang Ideen auf und lesen sie dann vor.\n",
        encoding="utf-8",
    )
    config = advice_config.load(path)
    silent = config.method("stille runde")
    assert silent is not None and silent.id == "silent"
    assert silent.how_to.text("de").startswith("Alle schreiben")
    assert config.method("headstand") is not None  # the built-in ones stay
    path.write_text("methods:\n  - {id: silent, name: {de: Stille Runde}, how_to: x}\n")
    with pytest.raises(advice_config.AdviceConfigError) as caught:
        advice_config.load(path)
    assert str(caught.value) == "advice.yaml: methods.0.name: needs an English text (en)"


# -- check-ins and co-coaching --------------------------------------------------------


def test_check_in_questions_are_asked_in_german(world, german):
    world.say("ana", "/learn checkin now")
    [checkin] = [m for m in world.dms("ana") if m.audience is Audience.DM]
    assert [s.text for s in checkin.sections] == [
        "• Was hast du diese Woche in deinem Praxisprojekt ausprobiert?",
        "• Was hast du zu deinem Entwicklungsziel gelernt?",
        "• Was probierst du als Nächstes aus, und welche Unterstützung brauchst du dafür?",
    ]


def test_check_in_questions_are_asked_in_english_otherwise(world):
    world.say("ana", "/learn checkin now")
    [checkin] = [m for m in world.dms("ana") if m.audience is Audience.DM]
    assert checkin.sections[1].text == "• What did you learn about your development goal?"


def test_the_co_coaching_prompt_is_in_german(world, german):
    world.cohort_with(("ana", "ben"))
    world.say("fay", "/learn cohort pair")
    world.say("fay", "/learn cohort confirm pairs")
    world.clock.advance(timedelta(days=14, hours=1))
    assert world.due.run().timers == 1
    prompt = world.dms("ana")[-1]
    grow = prompt.sections[0].text
    assert grow.startswith("1. Was ist seit eurem letzten Treffen passiert")
    assert "4. Nächste Schritte: Was probiere ich bis zu unserem nächsten Treffen aus?" in grow


def test_a_person_whose_platform_speaks_german_gets_the_model_in_german_unpatched():
    """The real wiring, no patch: the service speaks the asker's language, and the
    content follows it (`bot.localized.current` is `bot.i18n.current`)."""
    from bot.domain import Profile

    world = World()
    german = Profile(display_name="Ana", locale="de-DE")
    [step] = world.tandem.handle(who("ana"), "/learn assess", profile=german)
    assert step.form is not None
    assert step.form.inputs[0].label == "Selbstreflexion"
    [english] = world.tandem.handle(
        who("ben"), "/learn assess", profile=Profile(display_name="Ben", locale="en-GB")
    )
    assert english.form is not None
    assert english.form.inputs[0].label == "Self-reflection"
