"""The preliminary phase after the self-assessment: cohort roles, goals with the tutor,
the practical task agreed with the manager, and the progress picture. On the fakes, SQLite
and PostgreSQL alike (the `uow_factory` fixture); what is stored is read through the ports."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from adapters.charts import draw, render_png, save_png
from adapters.competence_model import load
from bot.clock import FixedClock
from bot.domain import Identity, OutboxStatus, Platform
from bot.goals import Agreement, AgreementStatus, Goal, GoalStatus
from bot.policy import Policy
from bot.ports import UnitOfWorkFactory
from bot.replies import Audience, Reply
from bot.service import Tandem
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import NOW, console_identity
from tests.support.backends import snapshot

MODEL = load()
FAY, ANA, TIA, CEM, TOM, BEN = (
    console_identity(n) for n in ("fay", "ana", "tia", "cem", "tom", "ben")
)


def make(uow_factory, clock=None) -> Tandem:
    policy = Policy(competences=MODEL, facilitator_refs=frozenset({"console:fay"}))
    return Tandem(uow_factory, clock or FixedClock(NOW), policy)


@pytest.fixture
def tandem(uow_factory: UnitOfWorkFactory, clock: FixedClock) -> Tandem:
    return make(uow_factory, clock)


def one(replies: list[Reply]) -> Reply:
    assert len(replies) == 1, replies
    return replies[0]


def assess(tandem: Tandem, who, levels: dict[str, str] | None = None, default: str = "3") -> None:
    levels = levels or {}
    while True:
        [step] = tandem.handle(who, "/learn assess")
        assert step.form is not None
        [done] = tandem.submit(
            who, "assess", {i.name: levels.get(i.name, default) for i in step.form.inputs}
        )
        if "complete" in done.text:
            return


def set_up_cohort(tandem: Tandem) -> None:
    """fay facilitates; tia tutors ana, tom tutors cem; ben manages ana."""
    assert "is open" in one(tandem.handle(FAY, "/learn cohort open Spring 2027")).text
    for learner in ("ana", "cem"):  # `--of` names someone already known, not a new person
        one(tandem.handle(FAY, f"/learn cohort add @{learner} learner"))
    assert (
        "tia as tutor of ana"
        in one(tandem.handle(FAY, "/learn cohort add @tia tutor --of @ana")).text
    )
    one(tandem.handle(FAY, "/learn cohort add @tom tutor --of @cem"))
    one(tandem.handle(FAY, "/learn cohort add @ben manager --of @ana"))
    for learner in (ANA, CEM):  # added by the facilitator: invited until they join
        assert "Welcome to Spring 2027" in one(tandem.handle(learner, "/learn cohort join")).text


def outbox_to(uow_factory, who) -> list[Reply]:
    """The messages queued for `who`, oldest first."""
    with uow_factory() as uow:
        person = uow.people.by_identity(who)
        return [Reply.model_validate_json(m.payload) for m in uow.outbox.for_recipient(person.id)]


def goals(factory: UnitOfWorkFactory, who: Identity = ANA) -> list[Goal]:
    with factory() as uow:
        person = uow.people.by_identity(who)
        return (
            [] if person is None else sorted(uow.goals.for_learner(person.id), key=lambda g: g.id)
        )


def stored_goal(factory: UnitOfWorkFactory, goal_id: int) -> Goal:
    with factory() as uow:
        found = uow.goals.get(goal_id)
    assert found is not None
    return found


def agreements(factory: UnitOfWorkFactory, who: Identity = ANA) -> list[Agreement]:
    with factory() as uow:
        person = uow.people.by_identity(who)
        return [] if person is None else uow.agreements.for_learner(person.id)


def stored_agreement(factory: UnitOfWorkFactory, agreement_id: int) -> Agreement:
    with factory() as uow:
        found = uow.agreements.get(agreement_id)
    assert found is not None
    return found


# --- cohorts: who gives roles ---------------------------------------------------------


def test_only_facilitators_run_cohorts_and_roles_arrive_by_dm(tandem, uow_factory):
    refused = one(tandem.handle(ANA, "/learn cohort open Mine"))
    assert refused.is_error and "Only facilitators" in refused.text
    with uow_factory() as uow:
        assert uow.cohorts.all() == []
    set_up_cohort(tandem)
    with uow_factory() as uow:
        [cohort] = uow.cohorts.all()
        members = uow.memberships.members(cohort.id)
    assert cohort.name == "Spring 2027" and cohort.status.value == "preparation"
    roles = sorted((m.role.value, m.accompanies is not None) for m in members)
    assert roles == [
        ("learner", False),
        ("learner", False),
        ("manager", True),
        ("tutor", True),
        ("tutor", True),
    ]
    [told] = outbox_to(uow_factory, TIA)
    assert "as tutor of ana" in told.text and told.audience is Audience.DM
    again = one(tandem.handle(FAY, "/learn cohort add @tia tutor --of @ana"))
    assert "in that role already" in again.text
    with uow_factory() as uow:
        assert len(uow.memberships.members(cohort.id)) == 5
    assert "learning phases" in one(tandem.handle(FAY, "/learn cohort kickoff")).text
    assert one(tandem.handle(FAY, "/learn cohort kickoff")).is_error
    assert "tutor" in one(tandem.handle(TIA, "/learn cohort")).sections[0].text
    assert "1 manager" in one(tandem.handle(FAY, "/learn cohort")).sections[0].text


def test_a_second_open_cohort_must_be_named(tandem, uow_factory):
    set_up_cohort(tandem)
    one(tandem.handle(FAY, "/learn cohort open Autumn"))
    refused = one(tandem.handle(FAY, "/learn cohort add @cem learner"))
    assert refused.is_error and "Several cohorts are open" in refused.text
    assert (
        "Added to Autumn"
        in one(tandem.handle(FAY, "/learn cohort add @cem learner --cohort Autumn")).text
    )


# --- goals with the tutor -------------------------------------------------------------


def test_the_tutor_sees_their_learners_assessment_and_records_goals(tandem, uow_factory):
    set_up_cohort(tandem)
    assess(tandem, ANA, {"communication": "2"})
    seen = one(tandem.handle(TIA, "/learn goals --of @ana"))
    assessment = {f.label: f.value for f in seen.sections[-1].fields}
    assert assessment["Communication"] == "2" and len(assessment) == 21
    added = one(
        tandem.handle(
            TIA, "/learn goals add @ana communication 2→4 leads the review --by 2027-06-30"
        )
    )
    assert "They are told" in added.text
    [goal] = goals(uow_factory)
    assert (goal.trait_id, goal.current_level, goal.target_level, goal.due_by) == (
        "communication",
        2,
        4,
        date(2027, 6, 30),
    )
    assert goal.set_by != goal.learner_id and goal.status is GoalStatus.OPEN
    told = outbox_to(uow_factory, ANA)[-1]
    assert "your tutor, recorded a goal with you: Communication 2→4" in told.text
    mine = one(tandem.handle(ANA, "/learn goals"))
    assert mine.sections[0].title.startswith(f"Goal {goal.number} · Communication 2→4")


@pytest.mark.parametrize(
    ("who", "line"),
    [
        (TOM, "/learn goals --of @ana"),  # another learner's tutor
        (TOM, "/learn progress --of @ana"),
        (TOM, "/learn goals add @ana communication 2→4 because"),
        (BEN, "/learn goals --of @ana"),  # the manager
        (BEN, "/learn progress --of @ana"),
        (FAY, "/learn goals --of @ana"),  # the facilitator
        (CEM, "/learn goals --of @ana"),  # a fellow learner
        (TIA, "/learn goals --of @nobody"),  # someone who does not exist: the same answer
    ],
)
def test_a_tutor_sees_only_their_learners(tandem, uow_factory, who, line):
    set_up_cohort(tandem)
    assess(tandem, ANA)
    one(tandem.handle(TIA, "/learn goals add @ana communication 2→4 leads the review"))
    before = snapshot(uow_factory)
    refused = one(tandem.handle(who, line))
    assert refused.is_error and refused.audience is Audience.ASKER
    assert "learners you accompany" in refused.text and "Communication" not in refused.text
    assert snapshot(uow_factory) == before


def test_acting_on_another_learners_goal_by_number_is_refused(tandem, uow_factory):
    set_up_cohort(tandem)
    one(tandem.handle(TIA, "/learn goals add @ana communication 2→4 leads the review"))
    [goal] = goals(uow_factory)
    for who, line in [
        (TOM, f"/learn goals comment {goal.number} peeking"),
        (CEM, f"/learn goals reached {goal.number}"),
        (BEN, f"/learn goals drop {goal.number} not needed"),
    ]:
        refused = one(tandem.handle(who, line))
        assert refused.is_error and f"You have no goal {goal.number}" in refused.text
    stored = stored_goal(uow_factory, goal.id)
    assert stored.comments == [] and stored.status is GoalStatus.OPEN


def test_goal_lifecycle(tandem, uow_factory):
    set_up_cohort(tandem)
    one(tandem.handle(TIA, "/learn goals add @ana communication 2→4 leads the review"))
    [goal] = goals(uow_factory)
    assert (
        "Comment added"
        in one(
            tandem.handle(ANA, f"/learn goals comment {goal.number} I'd start with stand-ups")
        ).text
    )
    assert (
        "ana commented on their goal 1" in outbox_to(uow_factory, TIA)[-1].text
    )  # the tutor hears it
    duplicate = one(tandem.handle(TIA, "/learn goals add @ana comm 1→3 again"))
    assert duplicate.is_error and "open goal on Communication already" in duplicate.text
    assert one(tandem.handle(ANA, f"/learn goals drop {goal.number}")).is_error  # needs a why
    assert (
        "reached"
        in one(
            tandem.handle(TIA, f"/learn goals reached {goal.number} led three reviews --of @ana")
        ).text
    )
    stored = stored_goal(uow_factory, goal.id)
    assert stored.status is GoalStatus.REACHED and stored.status_note == "led three reviews"
    assert "marked your goal 1" in outbox_to(uow_factory, ANA)[-1].text
    assert one(tandem.handle(ANA, f"/learn goals drop {goal.number} anyway")).is_error
    own = one(tandem.handle(ANA, "/learn goals add cooperation 1→3 pair more"))  # a learner's own
    assert "You and your tutor tia see it" in own.text
    dropped = [g for g in goals(uow_factory) if g.trait_id == "cooperation"][0]
    one(tandem.handle(ANA, f"/learn goals drop {dropped.number} changed teams"))
    assert stored_goal(uow_factory, dropped.id).status is GoalStatus.DROPPED
    listed = one(tandem.handle(ANA, "/learn goals"))
    assert [s.title.rsplit(" · ", 1)[1] for s in listed.sections] == ["reached", "dropped"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/learn goals add @ana listening 2→4 x", "not in the competence model"),
        (
            "/learn goals add @ana communication 2→4 x --by 2026-11-01",
            "is not in the window for a date in your plan",
        ),
        ("/learn goals add @anna communication 2→4 a typo", "learners you accompany"),
    ],
)
def test_bad_goals_change_nothing(tandem, uow_factory, line, message):
    set_up_cohort(tandem)
    refused = one(tandem.handle(TIA, line))
    assert refused.is_error and message in refused.text
    assert goals(uow_factory) == []


# --- the practical task agreed with the manager ---------------------------------------


def agreed_goal(tandem: Tandem) -> None:
    set_up_cohort(tandem)
    assess(tandem, ANA, {"communication": "2"})
    one(tandem.handle(TIA, "/learn goals add @ana communication 2→4 leads the review"))


def test_the_agreement_round_trip_with_a_change(tandem, uow_factory, clock):
    agreed_goal(tandem)
    sent = one(tandem.handle(ANA, "/learn agree @ben run the team retro for a quarter"))
    assert sent.text.startswith("Proposal") and "sent to ben" in sent.text
    [agreement] = agreements(uow_factory)
    [goal] = goals(uow_factory)
    assert agreement.goal_ids == (goal.id,) and agreement.status is AgreementStatus.PROPOSED
    [ask] = outbox_to(uow_factory, BEN)[-1:]
    assert ask.audience is Audience.DM and "ana proposes a practical task" in ask.text
    assert "run the team retro" in ask.sections[0].text
    assert "Communication 2→4: leads the review" in ask.sections[1].text
    assert [b.label for b in ask.buttons] == ["Agree", "Ask for changes", "Decline"]
    changes = ask.buttons[1].command
    assert changes == f"agree changes {agreement.number}/1 --of @ana"

    # "Ask for changes" needs a reason: the button opens a form, which names the version
    form = one(tandem.handle(BEN, changes)).form
    assert form is not None and form.form_id == f"agree-changes.{agreement.number}.1.ana"
    clock.advance(timedelta(hours=1))
    said = one(tandem.submit(BEN, form.form_id, {"reason": "two sprints, not a quarter"}))
    assert "asked for changes to ana's proposal 1" in said.text
    stored = stored_agreement(uow_factory, agreement.id)
    assert stored.status is AgreementStatus.CHANGES_REQUESTED
    assert [(r.version, r.decision.value, r.reason) for r in stored.responses] == [
        (1, "changes", "two sprints, not a quarter")
    ]
    back = outbox_to(uow_factory, ANA)[-1]
    assert "asked for changes to your proposal" in back.text and "two sprints" in back.text
    assert f"agree revise {agreement.number}" in back.sections[0].text
    listed = json.dumps([r.model_dump() for r in tandem.handle(ANA, "/learn agree")])
    assert "changes requested" in listed and "changes-requested" not in listed  # words, no slug

    # the changed proposal goes round again; the old buttons no longer act
    revised = one(
        tandem.handle(ANA, f"/learn agree revise {agreement.number} run the retro for two sprints")
    )
    assert "version 2" in revised.text
    again = outbox_to(uow_factory, BEN)[-1]
    assert "(changed)" in again.text and "two sprints" in again.sections[0].text
    stale = one(tandem.handle(BEN, ask.buttons[0].command))
    assert stale.is_error and "has changed since" in stale.text
    assert stored_agreement(uow_factory, agreement.id).status is AgreementStatus.PROPOSED
    agreed = one(tandem.handle(BEN, again.buttons[0].command))
    assert "you agreed ana's proposal 1" in agreed.text
    assert stored_agreement(uow_factory, agreement.id).status is AgreementStatus.AGREED
    assert "ben agreed your proposal" in outbox_to(uow_factory, ANA)[-1].text
    twice = one(tandem.handle(BEN, again.buttons[0].command))  # a second click
    assert "already" in twice.text
    assert len(stored_agreement(uow_factory, agreement.id).responses) == 2
    # both see the outcome in their lists
    assert "agreed" in one(tandem.handle(ANA, "/learn agree")).sections[0].title
    assert one(tandem.handle(BEN, "/learn agree")).buttons == ()
    settled = one(tandem.handle(ANA, f"/learn agree revise {agreement.number} more"))
    assert settled.is_error and "is agreed" in settled.text


def test_a_decline_needs_a_reason_and_is_told(tandem, uow_factory):
    agreed_goal(tandem)
    one(tandem.handle(ANA, "/learn agree @ben run the retro"))
    [agreement] = agreements(uow_factory)
    bad = tandem.check_form  # an empty reason is refused at the field
    with pytest.raises(Exception, match="Say in a few words why"):
        bad(f"agree-decline.{agreement.number}.1.ana", {"reason": "  "})
    said = one(tandem.handle(BEN, f"/learn agree decline {agreement.number} no budget this year"))
    assert "you declined ana's proposal 1" in said.text
    assert stored_agreement(uow_factory, agreement.id).status is AgreementStatus.DECLINED
    assert "no budget this year" in outbox_to(uow_factory, ANA)[-1].text


@pytest.mark.parametrize(
    ("who", "line", "message"),
    [
        (ANA, "/learn agree @ana do it myself", "not to yourself"),
        (CEM, "/learn agree @ben something", "record them with your tutor first"),
        (ANA, "/learn agree @ben task --goals 999", "not one of your open goals"),
        (TIA, "/learn agree yes 1", "No proposal 1 waits for your answer"),
        (CEM, "/learn agree revise 1 mine now", "You have no proposal 1"),
    ],
)
def test_bad_proposals_and_answers_change_nothing(tandem, uow_factory, who, line, message):
    agreed_goal(tandem)
    if "999" not in line and who is not ANA:
        one(tandem.handle(ANA, "/learn agree @ben the real one"))
    before = snapshot(uow_factory)
    refused = one(tandem.handle(who, line))
    assert refused.is_error and message in refused.text
    assert snapshot(uow_factory) == before


def test_on_slack_a_name_that_is_no_mention_is_refused(tandem, uow_factory):
    slack_ana = Identity(Platform.SLACK, "T1", "U0ANA")
    tandem.handle(slack_ana, "/learn goals add communication 2→4 to lead reviews")
    refused = one(tandem.handle(slack_ana, "/learn agree @boss run the retro"))
    assert refused.is_error and "Mention them with @" in refused.text
    assert agreements(uow_factory, slack_ana) == []
    with uow_factory() as uow:
        assert uow.people.count() == 1
    asked = one(tandem.handle(slack_ana, "/learn agree @U0BEN run the retro"))
    assert "is not your manager in the cohort" in asked.text  # no cohort names U0BEN so
    sent = one(tandem.handle(slack_ana, asked.buttons[0].command))
    assert "sent to U0BEN" in sent.text  # a real mention names someone who never used Tandem
    with uow_factory() as uow:
        ben = uow.people.by_identity(Identity(Platform.SLACK, "T1", "U0BEN"))
    assert ben is not None and ben.display_name == "U0BEN"


def test_a_manager_never_reaches_the_diary(tandem, uow_factory):
    agreed_goal(tandem)
    for share in ("", " --share tutor", " --share partner", " --share group"):
        tandem.handle(ANA, f"/learn diary secret entry{share}")
    one(tandem.handle(ANA, "/learn agree @ben run the retro"))
    # every way a manager has to look
    looks = [
        one(tandem.handle(BEN, "/learn diary --of @ana")),
        one(tandem.handle(BEN, "/learn goals --of @ana")),
        one(tandem.handle(BEN, "/learn progress --of @ana")),
        *tandem.handle(BEN, "/learn agree"),
        *outbox_to(uow_factory, BEN),
    ]
    shown = json.dumps([r.model_dump() for r in looks])
    assert "secret entry" not in shown
    assert "run the retro" in shown  # the agreement itself, which is theirs to see
    assert "secret entry" not in tandem.export(BEN)


# --- the progress picture -------------------------------------------------------------


def test_progress_against_the_first_assessment_and_the_targets(
    tandem, uow_factory, clock, tmp_path
):
    agreed_goal(tandem)  # first assessment: communication 2, the rest 3; goal 2→4
    nothing = one(tandem.handle(CEM, "/learn progress"))
    assert "once a self-assessment is complete" in nothing.text and nothing.chart is None
    clock.advance(timedelta(weeks=10))
    assess(tandem, ANA, {"communication": "3", "feedback": "4"})
    reply = one(tandem.handle(ANA, "/learn progress"))
    chart = reply.chart
    assert chart is not None
    names = [s.name for s in chart.series]
    assert names == ["first (30 Nov 2026)", "latest (08 Feb 2027)", "goal target"]
    at = chart.categories.index("Communication")
    assert [s.values[at] for s in chart.series] == [2.0, 3.0, 4.0]
    feedback = chart.categories.index("Giving and taking feedback")
    assert [s.values[feedback] for s in chart.series] == [3.0, 4.0, None]
    assert len(chart.categories) == 21
    assert "Communication: 3 (was 2), target 4, 1 to go" in reply.sections[0].text
    assert "Communication: 3 (was 2)" in chart.alt_text  # the same in words
    # the tutor sees the same picture
    assert one(tandem.handle(TIA, "/learn progress --of @ana")).chart.series == chart.series
    # drawn: one bar group per series, each bar as long as its value
    figure = draw(chart)
    bars = {c.get_label(): [p.get_width() for p in c.patches] for c in figure.axes[0].containers}
    assert list(bars) == names
    assert bars["goal target"] == [4.0] and len(bars["first (30 Nov 2026)"]) == 21
    assert render_png(chart).startswith(b"\x89PNG\r\n\x1a\n")
    path = save_png(chart, "console:ana", tmp_path)
    assert path.parent.parent == tmp_path and path.read_bytes().startswith(b"\x89PNG")


# --- export, erasure and storage ------------------------------------------------------


def test_export_and_forget_cover_goals_and_agreements(tandem, uow_factory):
    agreed_goal(tandem)
    one(tandem.handle(ANA, "/learn agree @ben run the retro"))
    [(goal_id, number)] = [(g.id, g.number) for g in goals(uow_factory)]
    assert (
        "Comment added"
        in one(
            tandem.handle(TIA, f"/learn goals comment {number} let us start small --of @ana")
        ).text
    )
    tandem.handle(ANA, "/learn partner not-with @cem")
    assert json.loads(tandem.export(TIA))["comments_on_goals"][0]["text"] == "let us start small"
    document = json.loads(tandem.export(ANA))
    assert document["not_to_be_paired_with"] == ["console:cem"]
    assert document["goals"][0]["trait_id"] == "communication"
    assert document["practical_tasks_proposed"][0]["task"] == "run the retro"
    assert (
        json.loads(tandem.export(BEN))["practical_tasks_asked_to_agree"][0]["task"]
        == "run the retro"
    )
    with uow_factory() as uow:
        ana, ben = (uow.people.by_identity(w).id for w in (ANA, BEN))
    counts = tandem.forget(ANA)
    assert counts["goals and goal comments"] == 2 and counts["practical tasks"] == 1  # + a comment
    with uow_factory() as uow:
        assert uow.goals.for_learner(ana) == [] and uow.goals.get(goal_id) is None
        assert uow.agreements.for_learner(ana) == [] and uow.agreements.for_manager(ben) == []


def test_goals_and_agreements_in_storage(engine):
    factory = SqlUnitOfWorkFactory(engine)
    tandem = make(factory)
    agreed_goal(tandem)
    one(tandem.handle(ANA, "/learn goals comment 1 let's go"))
    sent = one(tandem.handle(ANA, "/learn agree @ben run the retro"))
    number = int(sent.text.split()[1])
    form = one(tandem.handle(BEN, f"/learn agree changes {number}/1")).form
    one(tandem.submit(BEN, form.form_id, {"reason": "shorter"}))
    one(tandem.handle(ANA, f"/learn agree revise {number} two sprints"))
    one(tandem.handle(BEN, f"/learn agree yes {number}/2"))
    with factory() as uow:
        ana = uow.people.by_identity(ANA)
        [goal] = uow.goals.for_learner(ana.id)
        assert goal.trait_id == "communication" and goal.comments[0].text == "let's go"
        [agreement] = uow.agreements.for_learner(ana.id)
        assert agreement.status is AgreementStatus.AGREED and agreement.version == 2
        assert [(r.version, r.decision.value) for r in agreement.responses] == [
            (1, "changes"),
            (2, "agree"),
        ]
        assert agreement.goal_ids == (goal.id,) and agreement.task == "two sprints"
        ben = uow.people.by_identity(BEN)
        assert [a.id for a in uow.agreements.for_manager(ben.id)] == [agreement.id]
        statuses = {m.status for m in uow.outbox.for_recipient(ben.id)}
        assert statuses == {OutboxStatus.PENDING}
    counts = tandem.forget(ANA)
    assert counts["goals and goal comments"] == 2 and counts["practical tasks"] == 1
    with factory() as uow:
        assert uow.agreements.for_manager(uow.people.by_identity(BEN).id) == []


def test_the_dashboard_shows_ones_own_goals_and_task_only(tandem, uow_factory):
    agreed_goal(tandem)
    one(tandem.handle(ANA, "/learn agree @ben run the retro"))
    facts = {f.label: f.value for f in tandem.home(ANA).sections[0].fields}
    assert facts["Development goals"] == "1 open, 0 reached"
    assert facts["Practical task"] == "proposed: run the retro"
    for other in (TIA, BEN):  # the tutor and the manager: their own (empty) dashboards
        theirs = {f.label: f.value for f in tandem.home(other).sections[0].fields}
        assert theirs["Development goals"].startswith("none yet")
        assert theirs["Practical task"] == "none proposed yet"
