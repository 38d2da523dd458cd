"""The value and competence model: the default, a company's own, broken ones named by
line and field, and tags resolving against it."""

from __future__ import annotations

import textwrap

import pytest

from adapters.competence_model import DEFAULT, ModelError, load
from bot.competences import ResolvedTags
from bot.policy import Policy
from bot.service import Tandem
from tests.conftest import console_identity


def test_the_default_model_has_four_groups_about_four_competences_each_and_values():
    model = load()
    assert [g.id for g in model.groups] == ["personal", "activity", "professional", "social"]
    for group in model.groups:
        assert len([c for c in model.competences if c.group == group.id]) == 4
    assert len(model.values) >= 4
    assert all(sorted(t.anchors) == [1, 2, 3, 4, 5] for t in model.traits())


ANCHORS = "\n".join(f"      {n}: level {n}" for n in range(1, 6))
CUSTOM = f"""\
groups:
  - {{id: craft, name: Craft}}
competences:
  - id: welding
    group: craft
    name: Welding
    description: Joins metal.
    anchors:
{ANCHORS}
"""


def test_a_companys_own_model(tmp_path):
    path = tmp_path / "ours.yaml"
    path.write_text(CUSTOM)
    model = load(path)
    assert [c.id for c in model.competences] == ["welding"] and model.values == ()


BROKEN = [
    pytest.param(
        CUSTOM.replace("      5: level 5\n", ""),
        "ours.yaml, line 9: competences[0].anchors: needs behavioural anchors for levels 1 to 5",
        id="a missing level",
    ),
    pytest.param(
        CUSTOM.replace("group: craft", "group: crafts"),
        "ours.yaml, line 1: the model: competence 'welding' names an unknown group 'crafts'",
        id="an unknown group",
    ),
    pytest.param(
        CUSTOM.replace("    name: Welding\n", ""),
        "ours.yaml, line 4: competences[0].name: Field required",
        id="a missing name",
    ),
    pytest.param(
        CUSTOM.replace("id: welding", "id: Welding Arc"),
        "ours.yaml, line 4: competences[0].id: String should match pattern",
        id="a bad id",
    ),
    pytest.param("groups: [\n", "ours.yaml, line 2: not valid YAML", id="not YAML"),
]


@pytest.mark.parametrize(("text", "message"), BROKEN)
def test_a_broken_model_is_named_by_line_and_field(tmp_path, text, message):
    path = tmp_path / "ours.yaml"
    path.write_text(text)
    with pytest.raises(ModelError) as caught:
        load(path)
    assert str(caught.value).startswith(message)


def test_a_missing_file_says_so(tmp_path):
    with pytest.raises(ModelError, match="cannot read it"):
        load(tmp_path / "nowhere.yaml")


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (("communication",), ResolvedTags(("communication",), ())),
        (("Feedback",), ResolvedTags(("feedback",), ())),  # any case
        (("problem_solving",), ResolvedTags(("problem-solving",), ())),
        (("self-reflection", "sauna"), ResolvedTags(("self-reflection",), ("sauna",))),
        (("comm",), ResolvedTags(("communication",), ())),  # a unique prefix
        (("co",), ResolvedTags((), ("co",))),  # too short to be a prefix
        (("re",), ResolvedTags((), ("re",))),
        (
            ("res",),
            ResolvedTags(
                (), ("res",), (("res", ("resilience", "respect", "responsibility", "results")),)
            ),
        ),  # ambiguous: kept free, with the traits it could be
        (("communication", "comm"), ResolvedTags(("communication",), ())),  # once
        (("openness", "kaffee"), ResolvedTags(("openness",), ("kaffee",))),  # values too
        # German names name the same traits: any case, umlauts or ae/oe/ue
        (("kommunikation",), ResolvedTags(("communication",), ())),
        (("Konfliktlösung",), ResolvedTags(("conflict",), ())),
        (("konfliktloesung",), ResolvedTags(("conflict",), ())),
        (("KONFLIKTLOESUNG",), ResolvedTags(("conflict",), ())),
        (("zuverlässigkeit", "zuverlaessigkeit"), ResolvedTags(("reliability",), ())),
        (("feedback-geben-und-annehmen",), ResolvedTags(("feedback",), ())),
        (("planung_und_organisation",), ResolvedTags(("planning",), ())),
        (("kommunikation", "communication"), ResolvedTags(("communication",), ())),  # once
        (("selbst",), ResolvedTags(("self-reflection",), ())),  # a unique German prefix
        (("verantw",), ResolvedTags(("responsibility",), ())),
        (("kreativitaet",), ResolvedTags(("creativity",), ())),
        (
            ("resp",),
            ResolvedTags((), ("resp",), (("resp", ("respect", "responsibility")),)),
        ),
        (("ko",), ResolvedTags((), ("ko",))),
    ],
)
def test_tags_resolve_against_the_model(tags, expected):
    assert load().resolve(tags) == expected


def test_a_diary_entry_keeps_unknown_tags_as_free_and_says_so(fake_db, clock):
    tandem = Tandem(fake_db, clock, Policy(competences=load()))
    [reply] = tandem.handle(console_identity("ana"), "/learn diary Ran a #retro on #Comm skills")
    [entry] = fake_db.state.diary.values()
    assert entry.tags == ("communication", "retro")
    assert "Tags: #communication." in reply.text
    assert "Kept as free tags (not in the competence model): #retro." in reply.text


def test_the_default_file_ships_with_the_package():
    assert DEFAULT.is_file() and textwrap.dedent(DEFAULT.read_text()).startswith("#")


def test_the_default_model_speaks_german_too():
    model = load()
    groups = {g.id: g.name for g in model.groups}
    assert groups["personal"].text("de") == "Personale Kompetenz"
    assert groups["activity"].text("de") == "Aktivitäts- und Handlungskompetenz"
    assert groups["professional"].text("de") == "Fachlich-methodische Kompetenz"
    assert groups["social"].text("de") == "Sozial-kommunikative Kompetenz"
    assert groups["social"].text("en") == "Social and communicative competences"
    for trait in model.traits():  # every name, description and anchor in both languages
        for text in (trait.name, trait.description, *trait.anchors.values()):
            assert set(text.texts) == {"en", "de"}, trait.id
            assert text.text("de") != text.text("en") or text.text("en") == "Initiative"
    communication = model.find("communication")
    assert communication is not None and communication.name.text("de") == "Kommunikation"
    assert communication.tag("de") == "kommunikation" and communication.tag("en") == "communication"
    assert model.name_of("conflict", "de") == "Konfliktlösung"
    assert model.name_of("conflict", "en") == "Handling conflict"
    assert model.tag_of("conflict", "de") == "konfliktlösung"


def test_a_german_tag_is_unique_across_the_model():
    """Every trait's German tag names that trait alone, so `#<name>` always resolves."""
    model = load()
    for trait in model.traits():
        assert model.resolve((trait.tag("de"),)).competences == (trait.id,)
        assert model.resolve((trait.tag("en"),)).competences == (trait.id,)


BILINGUAL = """\
groups:
  - {id: craft, name: {en: Craft, de: Handwerk}}
competences:
  - id: welding
    group: craft
    name: {en: Welding, de: Schweißen}
    description:
      de: Verbindet Metall.
      en: Joins metal.
    anchors:
      1: {en: level 1, de: Stufe 1}
      2: level 2
      3: level 3
      4: level 4
      5: level 5
"""


def test_a_model_file_may_give_any_text_in_both_languages(tmp_path):
    path = tmp_path / "ours.yaml"
    path.write_text(BILINGUAL, encoding="utf-8")
    model = load(path)
    [welding] = model.competences
    assert welding.name.text("de") == "Schweißen" and welding.name.text("en") == "Welding"
    assert welding.description.text("de") == "Verbindet Metall."
    assert welding.anchors[1].text("de") == "Stufe 1"
    assert welding.anchors[2].text("de") == "level 2"  # no German: English
    assert model.groups[0].name.text("de") == "Handwerk"
    assert model.resolve(("schweissen",)).competences == ("welding",)
    assert model.resolve(("Schweißen",)).competences == ("welding",)


BROKEN_LANGUAGES = [
    pytest.param(
        BILINGUAL.replace("{en: Welding, de: Schweißen}", "{de: Schweißen}"),
        "ours.yaml, line 6: competences[0].name: needs an English text (en)",
        id="no English name",
    ),
    pytest.param(
        BILINGUAL.replace("      en: Joins metal.\n", ""),
        "ours.yaml, line 8: competences[0].description: needs an English text (en)",
        id="no English description",
    ),
    pytest.param(
        BILINGUAL.replace("{en: level 1, de: Stufe 1}", "{en: level 1, fr: niveau 1}"),
        "ours.yaml, line 11: competences[0].anchors[1]: unknown language 'fr' (use en, de)",
        id="an unknown language",
    ),
    pytest.param(
        BILINGUAL.replace("{en: Craft, de: Handwerk}", "{en: Craft, de: ''}"),
        "ours.yaml, line 2: groups[0].name: the de text is empty",
        id="an empty German text",
    ),
    pytest.param(
        BILINGUAL.replace("de: Schweißen", "de: " + "S" * 81),
        "ours.yaml, line 6: competences[0].name: the de text is longer than 80 characters",
        id="a German name too long",
    ),
    pytest.param(
        BILINGUAL.replace("{en: Welding, de: Schweißen}", "[Welding]"),
        "ours.yaml, line 6: competences[0].name: a text is a string or a mapping",
        id="neither a text nor a mapping",
    ),
]


@pytest.mark.parametrize(("text", "message"), BROKEN_LANGUAGES)
def test_a_text_without_english_or_in_an_unknown_language_stops_loading(tmp_path, text, message):
    path = tmp_path / "ours.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ModelError) as caught:
        load(path)
    said = str(caught.value)
    assert said.startswith(message) and "\n" not in said
