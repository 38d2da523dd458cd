"""The self-assessment: steps of at most five, pause and resume, a summary, repeatable; on
the fakes, SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from adapters.competence_model import load
from bot.assessments import Assessment
from bot.clock import FixedClock
from bot.forms import FormError
from bot.policy import Policy
from bot.ports import UnitOfWorkFactory
from bot.service import Tandem
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import NOW, console_identity

ANA = console_identity("ana")
MODEL = load()


@pytest.fixture
def tandem(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> Tandem:
    return Tandem(uow_factory, clock, Policy(competences=MODEL))


def assessments(factory: UnitOfWorkFactory) -> list[Assessment]:
    with factory() as uow:
        person = uow.people.by_identity(ANA)
        return (
            []
            if person is None
            else sorted(uow.assessments.for_person(person.id), key=lambda a: a.id)
        )


def rate_step(tandem: Tandem, level: str = "3") -> list:
    [step] = tandem.handle(ANA, "/learn assess")
    assert step.form is not None and len(step.form.inputs) <= 5
    return tandem.submit(ANA, "assess", {i.name: level for i in step.form.inputs})


def test_an_assessment_in_steps_of_five_then_a_summary(tandem, uow_factory):
    [first] = tandem.handle(ANA, "/learn assess")
    assert first.form.title == "Assessment 1-5 of 21"
    assert [i.options for i in first.form.inputs] == [("1", "2", "3", "4", "5")] * 5
    assert first.sections[0].fields[0].label == "1"  # what each level means is shown
    replies = []
    for _ in range(5):
        replies = rate_step(tandem, "4")
    [done] = replies
    assert "is complete" in done.text
    averages = {f.label: f.value for f in done.sections[0].fields}
    assert averages["Personal competences"] == "4.0" and averages["Values"] == "4.0"
    [assessment] = assessments(uow_factory)
    assert assessment.kind == "initial" and assessment.completed_at == NOW
    assert len(assessment.ratings) == 21 and set(assessment.ratings.values()) == {4}


def test_it_can_be_paused_and_resumed_and_repeated(tandem, uow_factory, clock):
    [saved] = rate_step(tandem)
    assert saved.text.startswith("Saved. 5 of 21 rated") and saved.buttons[0].command == "assess"
    clock.advance(timedelta(days=3))  # later: it goes on where it stopped
    [step] = tandem.handle(ANA, "/learn assess")
    assert step.form.title == "Assessment 6-10 of 21"
    for _ in range(4):
        rate_step(tandem)
    clock.advance(timedelta(weeks=12))
    [again] = tandem.handle(ANA, "/learn assess")  # mid-term: a new one, the first kept
    assert again.form.title == "Assessment 1-5 of 21"
    assert again.text.startswith(
        "Your last self-assessment is complete, so this starts a follow-up"
    )
    [resumed] = tandem.handle(ANA, "/learn assess")  # the follow-up goes on: nothing to say
    assert resumed.text.startswith("Rate yourself")
    kinds = [a.kind for a in assessments(uow_factory)]
    assert kinds == ["initial", "follow-up"]


def test_a_level_outside_1_to_5_is_refused_before_anything_is_stored(tandem, uow_factory):
    [step] = tandem.handle(ANA, "/learn assess")
    values = {i.name: "3" for i in step.form.inputs}
    values[step.form.inputs[0].name] = "6"
    with pytest.raises(FormError, match="from 1 to 5"):
        tandem.submit(ANA, "assess", values)
    assert all(not a.ratings for a in assessments(uow_factory))
    [refused] = tandem.submit(ANA, "assess", {"not-a-trait": "3"})
    assert refused.is_error and "Not in the model" in refused.text


def test_assessments_are_exported_and_forgotten(tandem, uow_factory):
    rate_step(tandem)
    document = json.loads(tandem.export(ANA))
    assert len(document["assessments"][0]["ratings"]) == 5
    with uow_factory() as uow:
        ana = uow.people.by_identity(ANA).id
    assert tandem.forget(ANA)["assessments"] == 1
    with uow_factory() as uow:
        assert uow.assessments.for_person(ana) == [] and uow.assessments.open_for(ana) is None


def test_assessments_in_storage(engine):
    factory = SqlUnitOfWorkFactory(engine)
    tandem = Tandem(factory, FixedClock(NOW), Policy(competences=MODEL))
    for _ in range(5):
        rate_step(tandem, "2")
    with factory() as uow:
        person = uow.people.by_identity(ANA)
        [stored] = uow.assessments.for_person(person.id)
        assert isinstance(stored, Assessment) and stored.completed_at == NOW
        assert len(stored.ratings) == 21 and uow.assessments.open_for(person.id) is None
        uow.assessments.rate(stored.id, {"feedback": 5}, NOW)  # a re-rating replaces
        assert uow.assessments.for_person(person.id)[0].ratings["feedback"] == 5
        assert uow.assessments.delete_for_person(person.id) == 1
