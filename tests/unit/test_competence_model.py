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
        (("self-reflection", "selbst"), ResolvedTags(("self-reflection",), ("selbst",))),
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
