"""The tutor's cockpit (a tutor's `cohort report` and App Home), the facilitator's App Home,
and `cohort reassess` with its reminder (issue 18, items 2 and 4). On the fakes, SQLite and
PostgreSQL alike (the `world` fixture); the cockpit is a read path, so who asks decides
what it shows."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.forms import FormError, form_errors
from bot.handlers.reassess import REASSESS, REMIND_AFTER
from bot.ports import UnitOfWorkFactory
from bot.replies import Reply
from tests.conftest import console_identity
from tests.service.test_kickoff import World
from tests.support.backends import snapshot
from tests.support.language import assert_german


@pytest.fixture
def world(uow_factory: UnitOfWorkFactory) -> World:
    return World(uow_factory)


def home(world: World, name: str) -> Reply:
    return world.tandem.home(console_identity(name))


def dump(reply: Reply) -> str:
    return json.dumps(reply.model_dump(), ensure_ascii=False)


def tutored(world: World) -> None:
    """Spring with ana, ben, cem, dia, eli learning; tia tutors ana and ben; max manages
    ana; ana and ben are partners; tia has set ana a goal."""
    world.cohort_with(("ana", "ben", "cem", "dia", "eli"))
    world.say("fay", "/learn cohort add @tia tutor --of @ana")
    world.say("fay", "/learn cohort add @tia tutor --of @ben")
    world.say("fay", "/learn cohort add @max manager --of @ana")
    world.say("fay", "/learn cohort kickoff")
    world.say("tia", "/learn goals add @ana communication 2→4 leads the weekly review")


def assess(world: World, name: str, level: str) -> None:
    while True:
        [step] = world.tandem.handle(console_identity(name), "/learn assess")
        assert step.form is not None
        [done] = world.tandem.submit(
            console_identity(name), "assess", {i.name: level for i in step.form.inputs}
        )
        if "complete" in done.text:
            return


# -- the tutor's cockpit -----------------------------------------------------------------


def test_the_cockpit_shows_each_learners_progress_and_only_what_was_shared_with_the_tutor(
    world,
):
    tutored(world)
    world.say("ana", "/learn diary kept to myself PRIVATEWORD")
    world.say("ana", "/learn diary for my tutor TUTORWORD --share tutor")
    world.say("ana", "/learn diary for the partner PARTNERWORD --share partner")
    world.say("ana", "/learn plan add")  # (a form: the milestone comes through it)
    world.tandem.submit(
        console_identity("ana"),
        "milestone",
        {"title": "Run a retro", "due_on": "in 3 days", "evidence": "notes", "goal": ""},
    )
    cockpit = world.say("tia", "/learn cohort report")
    assert not cockpit.is_error
    assert cockpit.text == "Your learners (progress only; their diaries stay theirs)"
    assert [s.title for s in cockpit.sections] == ["ana", "ben"]
    ana = cockpit.sections[0]
    fields = {f.label: f.value for f in ana.fields}
    assert set(fields) >= {"Last activity", "Check-ins", "Co-coaching", "Milestones", "Goals"}
    assert fields["Check-ins"] == "0 of 0 answered"
    assert fields["Goals"] == "1 open, 0 reached"
    assert fields["Milestones due"] == "1 due within a week, 0 overdue"
    assert "Goal 1 · " in ana.text and "open" in ana.text
    assert "Milestone 1 “Run a retro”: due " in ana.text
    assert "TUTORWORD" in ana.text
    said = dump(cockpit)
    assert "PRIVATEWORD" not in said and "PARTNERWORD" not in said
    assert fields["Last activity"] != "nothing you can see yet"  # the shared entry
    commands = [b.command for b in cockpit.buttons]
    assert commands == [
        "goals --of @ana",
        "progress --of @ana",
        "goals --of @ben",
        "progress --of @ben",
    ]
    # the buttons work for the tutor, and refuse anyone else who clicks them
    assert world.say("tia", "/learn progress --of @ana").text.startswith("ana's progress")
    assert world.say("cem", "/learn progress --of @ana").is_error
    # an entry the tutor may not read leaves no trace, not even its date
    ben = {f.label: f.value for f in cockpit.sections[1].fields}
    world.say("ben", "/learn diary only mine BENPRIVATE")
    again = world.say("tia", "/learn cohort report")
    assert {f.label: f.value for f in again.sections[1].fields} == ben
    assert ben["Last activity"] == "nothing you can see yet"


def test_the_tutors_app_home_adds_the_cockpit_below_their_own_dashboard(world):
    tutored(world)
    world.say("ana", "/learn diary for my tutor TUTORWORD --share tutor")
    world.say("ana", "/learn diary kept to myself PRIVATEWORD")
    tia = home(world, "tia")
    titles = [s.title for s in tia.sections]
    assert "Your learning" in titles  # their own dashboard stays first
    assert "Your learners (progress only; their diaries stay theirs)" in titles
    assert "ana" in titles and "ben" in titles
    assert "TUTORWORD" in dump(tia) and "PRIVATEWORD" not in dump(tia)
    assert "progress --of @ana" in [b.command for b in tia.buttons]


def test_a_learners_app_home_stays_their_dashboard(world):
    tutored(world)
    ana = home(world, "ana")
    assert [s.title for s in ana.sections][0] == "Your learning"
    assert "Your learners (progress only; their diaries stay theirs)" not in dump(ana)
    assert "Your cohorts (facilitator)" not in dump(ana)
    assert [b.command for b in ana.buttons] == ["diary new", "checkin now", "help"]


def test_an_ended_tutor_relation_shows_nothing(world):
    tutored(world)
    world.say("ana", "/learn diary for my tutor TUTORWORD --share tutor")
    assert "TUTORWORD" in dump(world.say("tia", "/learn cohort report"))
    world.say("ana", f"/learn cohort leave {world.cohort_id()}")
    cockpit = world.say("tia", "/learn cohort report")
    assert [s.title for s in cockpit.sections] == ["ben"]
    assert "TUTORWORD" not in dump(cockpit) and "TUTORWORD" not in dump(home(world, "tia"))
    world.say("fay", "/learn cohort close")
    before = snapshot(world.db)
    refused = world.say("tia", "/learn cohort report")
    assert refused.is_error
    assert refused.text == "Reports are for tutors (about their learners) and facilitators."
    assert snapshot(world.db) == before
    assert "Your learners" not in dump(home(world, "tia"))


@pytest.mark.parametrize("name", ["max", "zoe"])
def test_a_manager_or_an_outsider_sees_no_cockpit(world, name):
    tutored(world)
    world.say("ana", "/learn diary for my tutor TUTORWORD --share tutor")
    world.say(name, "/learn help")  # known to Tandem
    before = snapshot(world.db)
    refused = world.say(name, "/learn cohort report")
    assert refused.is_error and snapshot(world.db) == before
    shown = dump(home(world, name))
    assert "Your learners" not in shown and "TUTORWORD" not in shown
    assert "progress --of @ana" not in shown


def test_the_cockpit_in_german(world):
    tutored(world)
    world.say("tia", "/learn language de")
    cockpit = world.say("tia", "/learn kohorte bericht")
    fields = "\n".join(f"{f.label}: {f.value}" for s in cockpit.sections for f in s.fields)
    assert "Zuletzt aktiv" in fields and "beantwortet" in fields
    assert_german(cockpit.text + "\n" + fields, allow=("Co-Coaching",))
    assert_german(" ".join(b.label for b in cockpit.buttons).replace("ana", "").replace("ben", ""))


# -- the facilitator's App Home -----------------------------------------------------------


def test_the_facilitators_app_home_shows_phase_next_steps_and_the_report_button(world):
    tutored(world)
    fay = home(world, "fay")
    titles = [s.title for s in fay.sections]
    assert "Your cohorts (facilitator)" in titles
    cohort = next(s for s in fay.sections if s.title == f"Cohort {world.cohort_id()} · Spring")
    assert {f.label: f.value for f in cohort.fields}["Phase"] == "learning"
    assert "What you can do now" in titles or any("/learn cohort" in s.text for s in fay.sections)
    report = next(b for b in fay.buttons if b.label == "Report: Spring")
    assert report.command == f"cohort report --cohort {world.cohort_id()}"
    figures = world.say("fay", f"/learn {report.command}")
    assert "figures over 5 learners" in figures.text


# -- re-assessment --------------------------------------------------------------------------


def test_reassess_invites_the_cohort_and_reminds_only_who_has_not_reassessed(world):
    world.cohort_with(("ana", "ben", "cem", "dia", "eli"))
    for name in ("ana", "ben", "cem", "dia", "eli"):
        assess(world, name, "2")
    world.say("fay", "/learn cohort kickoff")
    world.say("dia", f"/learn cohort leave {world.cohort_id()}")
    before = {n: len(world.dms(n)) for n in ("ana", "ben", "cem", "dia", "eli")}
    world.clock.advance(timedelta(weeks=6))  # some weeks of learning later
    world.say("cem", "/learn checkin every mon 09:00")
    world.say("cem", "/learn checkin pause 3w")
    said = world.say("fay", "/learn cohort reassess")
    assert said.text == "4 learners of Spring are asked to assess themselves again."
    for name in ("ana", "ben", "cem", "eli"):
        invitation = world.dms(name)[-1]
        assert invitation.text == "Spring: time to assess yourself again."
        assert invitation.buttons[0].command == "assess"
    assert len(world.dms("dia")) == before["dia"]  # left: not asked
    again = world.say("fay", "/learn cohort reassess")  # the same day: nobody twice
    assert again.text == "The learners of Spring were asked today already."
    assert [(t.kind, t.subject) for t in world.timers() if t.kind == REASSESS] == [
        (REASSESS, str(world.cohort_id()))
    ]
    world.clock.advance(timedelta(days=1))
    assess(world, "ana", "4")  # ana re-assesses: a follow-up assessment
    progress = world.say("ana", "/learn progress")
    assert "(was 2)" in progress.sections[1].text
    since = progress.sections[1].text.splitlines()[-1]
    assert since == (
        f"Since the first self-assessment: {len(progress.chart.categories)} up, 0 down, 0 the same"
    )
    counts = {n: len(world.dms(n)) for n in ("ana", "ben", "cem", "dia", "eli")}
    world.clock.advance(REMIND_AFTER)
    world.due.run()
    reminded = {n for n in counts if len(world.dms(n)) > counts[n]}
    assert reminded == {"ben", "eli"}  # not ana (done), cem (paused), dia (left)
    assert world.dms("ben")[-1].text == "Spring: your re-assessment is still open."
    world.clock.advance(REMIND_AFTER)
    world.due.run()  # once only
    assert {n: len(world.dms(n)) for n in counts} == {
        n: counts[n] + (n in reminded) for n in counts
    }


def test_the_reminder_goes_only_to_who_was_invited(world):
    # fin (invited to the cohort long before) and gus join after the re-assessment's
    # invitation: the reminder of "your re-assessment" (of an invitation they never got)
    # is not theirs.
    world.cohort_with(("ana", "ben", "cem", "dia", "eli"))
    world.say("fay", "/learn cohort invite @fin")
    world.say("fay", "/learn cohort kickoff")
    world.clock.advance(timedelta(weeks=6))
    world.say("fay", "/learn cohort reassess")
    world.clock.advance(timedelta(days=1))
    world.say("fay", "/learn cohort invite @gus")
    for name in ("fin", "gus"):
        assert "Welcome" in world.say(name, f"/learn cohort join {world.cohort_id()}").text
    before = {name: len(world.dms(name)) for name in ("fin", "gus")}
    world.clock.advance(REMIND_AFTER)
    world.due.run()
    assert "is still open" in world.dms("ana")[-1].text  # the reminder went out
    for name in ("fin", "gus"):
        assert not any("is still open" in d.text for d in world.dms(name)[before[name] :])


def test_reassess_in_german(world):
    world.cohort_with(("ana", "ben"))
    world.say("fay", "/learn cohort kickoff")
    world.say("ana", "/learn language de")
    world.say("fay", "/learn language de")
    said = world.say("fay", "/learn kohorte erneut")
    assert_german(said.text + " " + said.sections[0].text)
    invitation = world.dms("ana")[-1]
    assert invitation.text == "Spring: Zeit für deine Selbsteinschätzung."  # none done yet
    assert_german(invitation.text + " " + invitation.sections[0].text)
    assert world.dms("ben")[-1].text == "Spring: time for your self-assessment."
    world.clock.advance(REMIND_AFTER)
    world.due.run()
    reminder = world.dms("ana")[-1]  # still none done: the reminder says so, as the invitation
    assert reminder.text == "Spring: Deine erste Selbsteinschätzung steht noch aus."
    assert_german(reminder.sections[0].text + " " + reminder.buttons[0].label)
    assert world.dms("ben")[-1].text == "Spring: your first self-assessment is still open."


def test_reassess_refuses_bad_input_and_changes_nothing(world):
    world.cohort_with(("ana", "ben"))
    world.say("fay", "/learn cohort add @tia tutor --of @ana")
    cases = [
        ("tia", "/learn cohort reassess", "facilitator"),  # not a facilitator
        ("ana", "/learn cohort reassess", "facilitator"),
        ("fay", "/learn cohort reassess", "has not started yet"),  # still in preparation
        ("fay", "/learn cohort reassess --cohort 99", "no single cohort"),
    ]
    for name, line, why in cases:
        before = snapshot(world.db)
        refused = world.say(name, line)
        assert refused.is_error and why in refused.text, (line, refused.text)
        assert snapshot(world.db) == before
    world.say("fay", "/learn cohort kickoff")
    world.say("fay", "/learn cohort close")
    before = snapshot(world.db)
    refused = world.say("fay", f"/learn cohort reassess --cohort {world.cohort_id()}")
    assert (
        refused.is_error
        and refused.text == "Spring is closed: its learners are not asked anything any more."
    )
    assert snapshot(world.db) == before


def test_a_closed_cohort_sends_no_reminder(world):
    world.cohort_with(("ana", "ben"))
    world.say("fay", "/learn cohort kickoff")
    world.say("fay", "/learn cohort reassess")
    world.say("fay", "/learn cohort close")
    counts = {n: len(world.dms(n)) for n in ("ana", "ben")}
    world.clock.advance(REMIND_AFTER + timedelta(hours=1))
    world.due.run()
    assert {n: len(world.dms(n)) for n in ("ana", "ben")} == counts


def test_comment_a_goal_from_the_cockpit_in_a_form(world):
    tutored(world)
    cockpit = world.say("tia", "/learn cohort report")
    goals = world.say("tia", "/learn " + cockpit.buttons[0].command)  # ana: comment a goal
    assert goals.text == "Goals of ana"
    [button] = goals.buttons
    assert (button.label, button.command) == ("Comment on goal 1", "goals comment 1 --of @ana")
    opened = world.say("tia", "/learn " + button.command)
    assert opened.form is not None and opened.form.form_id == "goal-comment.1.ana"
    assert world.say("tia", "/learn " + button.command).form is not None  # a second click too
    tia = console_identity("tia")
    before = snapshot(world.db)
    assert form_errors(opened.form.form_id, {"text": "  "}) == {"text": "Write your comment."}
    with pytest.raises(FormError, match="Write your comment."):
        world.tandem.submit(tia, opened.form.form_id, {"text": "  "})
    assert snapshot(world.db) == before
    # someone who is not ana's tutor sends the same form: refused, nothing changes
    [refused] = world.tandem.submit(console_identity("cem"), opened.form.form_id, {"text": "hi"})
    assert refused.is_error and snapshot(world.db) == before
    [done] = world.tandem.submit(tia, opened.form.form_id, {"text": "Start with the stand-up"})
    assert done.text == "Comment added to ana's goal 1."
    assert world.dms("ana")[-1].text == "tia commented on your goal 1: Start with the stand-up"
    assert "Start with the stand-up" in world.say("ana", "/learn goals").sections[0].text
    # the learner's own goals have the button too, without `--of`
    assert [b.command for b in world.say("ana", "/learn goals").buttons] == ["goals comment 1"]


def test_an_erasure_names_the_views_that_showed_the_person(world):
    # tia's cockpit showed ana: her erasure tells the adapter to publish tia's view again;
    # max (ana's manager, no cockpit of her) and ben's views are not named.
    tutored(world)
    outcome = world.tandem.handle(console_identity("ana"), "/learn privacy forget confirm")
    assert "Erased your profile" in outcome[0].text
    assert outcome.views_showing_erased == ("console:tia",)
