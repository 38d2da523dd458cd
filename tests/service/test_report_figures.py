"""Issue 18, item 1: the personnel-development report's figures, against a generated
cohort whose true values are known (tests/support/report_cohort.py), on the fakes,
SQLite and PostgreSQL; the rules for figures (nothing over fewer than five, on either
side, in any figure, chart row or CSV row; no differencing by leaving, erasing or
joining late); who gets the report."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest

from adapters.competence_model import load
from adapters.report import render_csv, render_html
from bot.assessments import Assessment
from bot.clock import FixedClock
from bot.domain import Identity, Membership, Platform, Role
from bot.i18n import speaking
from bot.policy import Policy
from bot.report_figures import MIN_GROUP, cohort_figures
from bot.report_model import CohortFigures, Figure
from bot.service import Tandem
from tests.support.language import assert_german
from tests.support.report_cohort import NOW, OPENED, build, week

MODEL = load()
FAY = Identity(Platform.CONSOLE, "", "fay")


def _policy() -> Policy:
    return Policy(
        competences=MODEL,
        facilitator_refs=frozenset({FAY.ref}),
        default_timezone="Europe/Berlin",
    )


def _figures(uow_factory, language: str = "en") -> CohortFigures:  # noqa: ANN001
    with uow_factory() as uow:
        [cohort] = uow.cohorts.all()
        with speaking(language):
            figures = cohort_figures(uow, cohort, _policy(), NOW)
        uow.commit()
    return figures


def _rows(figures: CohortFigures, key: str) -> dict[str, tuple]:
    [figure] = [f for f in figures.figures if f.key == key]
    return {
        (r.category_key if r.week is None else f"{r.category_key}@{r.week}"): (
            r.count,
            r.whole,
        )
        for r in figure.rows
    }


def _figure(figures: CohortFigures, key: str) -> Figure:
    return next(f for f in figures.figures if f.key == key)


# --- each figure against the truth ---------------------------------------------------


def test_each_figure_is_the_generated_cohorts_true_value(uow_factory) -> None:  # noqa: ANN001
    truth = build(uow_factory, MODEL)
    figures = _figures(uow_factory)
    assert figures.shown and figures.learners == truth.learners == 20  # not the invited two
    summary = _rows(figures, "summary")
    assert summary["learners"] == (20, None)
    assert summary["active"] == (truth.active_now, 20)
    assert summary["assessed"] == (truth.assessed, 20)
    assert summary["reassessed"] == (truth.reassessed, 20)
    assert summary["plans_committed"] == (None, None)  # 16 of 20: the 4 would show
    answered, closed = sum(truth.checkins_answered.values()), sum(truth.checkins.values())
    assert summary["checkins"] == (answered, closed) == (65, 100)
    met, prompts = sum(truth.cocoaching_met.values()), sum(truth.cocoaching.values())
    assert summary["cocoaching"] == (met, prompts) == (27, 50)
    assert summary["goals"] == (truth.goals, None)
    assert summary["goals_reached"] == (truth.goals_reached, truth.goals)
    assert summary["milestones_done"] == (truth.milestones_done, truth.milestones)
    assert summary["milestones_on_time"] == (truth.milestones_on_time, truth.milestones_done)
    assert summary["advice"] == (sum(truth.advice.values()), None)  # not the open round
    assert summary["community_posts"] == (sum(truth.community_posts.values()), None)

    participation = _rows(figures, "participation")
    assert participation[f"joined@{week(0)}"] == (truth.joined_week0, 20)
    assert all(participation[f"joined@{week(w)}"] == (20, 20) for w in range(1, 9))
    assert participation[f"active@{week(8)}"] == (truth.active_now, 20)
    assert participation[f"active@{week(6)}"] == (0, 20)  # the old activity ran out
    assert participation[f"active@{week(0)}"] == (20, 20)  # everyone's partnership met

    checkins = _rows(figures, "checkins")
    for w in range(5):
        d = week(w)
        assert checkins[f"{d}@{d}"] == (truth.checkins_answered[d], truth.checkins[d])
    assert checkins[f"{week(6)}@{week(6)}"] == (0, 0)

    cocoaching = _rows(figures, "cocoaching")
    for w in range(3):
        d = week(w)
        assert cocoaching[f"{d}@{d}"] == (5, 10)
    # week 4: 7 met, 3 not: merged with week 3 (5 of 10) into 12 of 20
    assert cocoaching[f"{week(3)}+{week(4)}@{week(3)}"] == (12, 20)

    assert _rows(figures, "milestones") == {
        "milestones_done": (25, 40),
        "milestones_on_time": (18, 25),
    }
    assert _rows(figures, "goals") == {"goals": (40, None), "goals_reached": (12, 40)}

    personal = _figure(figures, "change:personal")
    # +1: 6, 0: 5, +2: 3, -1: 1 -> -1 merges into 0 (6), +2 into +1 (9)
    assert [(r.category_key, r.count) for r in personal.rows] == [
        ("-2", 0),
        ("-1+0", 6),
        ("1+2", 9),
        ("mean", 15),
    ]
    assert personal.rows[-1].mean == pytest.approx((6 * 1 + 3 * 2 - 1) / 15, abs=0.01)
    social = _figure(figures, "change:social")
    assert [(r.category_key, r.count) for r in social.rows] == [
        ("-2", 0),
        ("-1", 0),
        ("0", 15),
        ("1", 0),
        ("2", 0),
        ("mean", 15),
    ]
    assert _rows(figures, "change:activity") == {"reassessed": (0, 20)}  # 0 of 20

    advice = _figure(figures, "advice")
    assert [(r.category_key, r.count) for r in advice.rows] == [
        ("brainstorming", 6),
        ("headstand+good-advice+resonance", 8),  # 5, 2 and 1: the small ones merged
    ]
    assert advice.rows[1].category == "Headstand brainstorming and others"

    community = _rows(figures, "community")
    assert community["community_posters"] == (truth.community_posters, 20)
    # 7 posts in week 2 and 2 in week 3: week 3 merged into week 2
    assert community[f"{week(2)}+{week(3)}@{week(2)}"] == (9, None)
    assert community[f"{week(4)}@{week(4)}"] == (0, None)


def test_the_report_in_german_speaks_german_and_formats_for_german(uow_factory) -> None:  # noqa: ANN001
    build(uow_factory, MODEL)
    figures = _figures(uow_factory, "de")
    assert figures.language == "de"
    summary = _figure(figures, "summary")
    assert summary.title == "Die Kohorte auf einen Blick"
    assert [r.category for r in summary.rows][:2] == [
        "Gezählte Lernende",
        "Aktiv in den letzten 14 Tagen",
    ]
    assert _figure(figures, "advice").rows[1].category == "Kopfstand-Brainstorming und weitere"
    assert _figure(figures, "change:personal").title.startswith(
        "Veränderung in der Selbsteinschätzung: "
    )
    page = render_html(figures)
    assert '<html lang="de">' in page
    assert "12 von 20 (60\u00a0%)" in page  # Babel's German percent, a no-break space
    words = "\n".join(
        [f.title for f in figures.figures]
        + [f.explanation for f in figures.figures]
        + [r.category for f in figures.figures for r in f.rows]
        + [f.alt_text for f in figures.figures]
    )
    assert_german(words, allow=("Brainstorming", "Check-ins", "Check-in", "Co-Coaching"))
    rows = list(csv.DictReader(io.StringIO(render_csv(figures))))
    assert rows[0]["figure_title"] == "Die Kohorte auf einen Blick"
    assert rows[0]["row"] == "learners"  # the keys stay the same in every language


# --- nothing over fewer than five ----------------------------------------------------


def _small(n: int | None) -> bool:
    return n is not None and 0 < n < MIN_GROUP


def _assert_nothing_over_fewer_than_five(figures: CohortFigures) -> None:
    for figure in figures.figures:
        for row in figure.rows:
            assert not _small(row.count), (figure.key, row)
            if row.count is not None and row.whole is not None:
                assert not _small(row.whole - row.count), (figure.key, row)
    for row in csv.DictReader(io.StringIO(render_csv(figures))):
        count = int(row["count"]) if row["count"] else None
        whole = int(row["of"]) if row["of"] else None
        assert not _small(count), row
        if count is not None and whole is not None:
            assert not _small(whole - count), row
        assert (row["withheld"] == "1") == (count is None), row


def test_no_figure_chart_row_or_csv_row_is_over_fewer_than_five(uow_factory) -> None:  # noqa: ANN001
    build(uow_factory, MODEL)
    figures = _figures(uow_factory)
    _assert_nothing_over_fewer_than_five(figures)
    # and the withheld ones are really there: the rule is not vacuous on this cohort
    withheld = [(f.key, r.category_key) for f in figures.figures for r in f.rows if r.withheld]
    assert ("summary", "plans_committed") in withheld


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_cohorts_of_other_seeds_and_sizes_show_nothing_over_fewer_than_five(seed) -> None:  # noqa: ANN001
    from tests.support.fakes import FakeDatabase

    db = FakeDatabase()
    build(db, MODEL, seed=seed)
    with db() as uow:  # thin the cohort out: drop some learners' records at random
        [cohort] = uow.cohorts.all()
        members = sorted(m.person_id for m in uow.memberships.members(cohort.id))
        for person_id in members[: seed * 2]:
            uow.plans.delete_for_person(person_id)
            uow.goals.delete_for_person(person_id)
            uow.checkins.delete_for_person(person_id)
        uow.commit()
    _assert_nothing_over_fewer_than_five(_figures(db))


def test_fewer_than_five_learners_give_no_figure(uow_factory) -> None:  # noqa: ANN001
    truth = build(uow_factory, MODEL)
    with uow_factory() as uow:
        [cohort] = uow.cohorts.all()
        cohort.roster = tuple(sorted(m.person_id for m in uow.memberships.members(cohort.id)))[:4]
        cohort.status = cohort.status.CLOSED  # a closed cohort admits no one more
        uow.cohorts.update(cohort)
        uow.commit()
    figures = _figures(uow_factory)
    assert not figures.shown and figures.figures == () and figures.learners == 4
    assert truth.learners == 20
    assert "Fewer than five learners are counted" in render_html(figures)
    assert render_csv(figures).splitlines() == [
        "figure,figure_title,row,label,week,count,of,mean,withheld"
    ]


# --- no differencing -----------------------------------------------------------------


def _tandem(uow_factory) -> Tandem:  # noqa: ANN001
    return Tandem(uow_factory, FixedClock(NOW), _policy())


def _csv(uow_factory) -> str:  # noqa: ANN001
    return render_csv(_figures(uow_factory))


def test_a_learner_leaving_changes_no_cell(uow_factory) -> None:  # noqa: ANN001
    truth = build(uow_factory, MODEL)
    before = _csv(uow_factory)
    said = _tandem(uow_factory).handle(
        Identity(Platform.CONSOLE, "", truth.names[3]), f"/learn cohort leave {truth.cohort_id}"
    )
    assert "You left" in said[0].text
    assert _csv(uow_factory) == before


def test_a_learner_erasing_their_data_changes_no_cell(uow_factory) -> None:  # noqa: ANN001
    truth = build(uow_factory, MODEL)
    before = _csv(uow_factory)
    for name in truth.names[:2]:  # two, one after the other: each leaves no trace
        _tandem(uow_factory).forget(Identity(Platform.CONSOLE, "", name))
        assert _csv(uow_factory) == before


def test_one_late_joiner_with_data_changes_no_cell(uow_factory) -> None:  # noqa: ANN001
    truth = build(uow_factory, MODEL)
    before = _csv(uow_factory)
    from tests.support.report_cohort import _give_data, _person

    with uow_factory() as uow:
        late = _person(uow, "late")
        uow.memberships.add(
            Membership(truth.cohort_id, late, Role.LEARNER, NOW - timedelta(days=2))
        )
        _give_data(uow, late, MODEL, NOW - timedelta(days=1))
        uow.commit()
    after = _csv(uow_factory)
    assert after == before
    assert _figures(uow_factory).learners == 20  # waiting until five wait together


def _late_joiner_in_a_group_with_rounds(uow_factory, truth) -> None:  # noqa: ANN001
    """A late joiner (not counted: one waits) in a new learning group with four counted
    learners, which holds five finished rounds: none of them counts while one of their
    people is not counted."""
    from tests.support.report_cohort import _person, _round

    with uow_factory() as uow:
        late = _person(uow, "late")
        uow.memberships.add(
            Membership(truth.cohort_id, late, Role.LEARNER, NOW - timedelta(days=9))
        )
        counted = [
            p.id
            for name in truth.names[:4]
            if (p := uow.people.by_identity(Identity(Platform.CONSOLE, "", name))) is not None
        ]
        members = (*counted, late)
        group = uow.groups.add(truth.cohort_id, "Group L", members, NOW - timedelta(days=8))
        for n in range(5):
            at = NOW - timedelta(days=7 - n)
            uow.advice.add(_round(group, members[n], members, "headstand", at, "finished"))
        uow.commit()


@pytest.mark.parametrize("how", ["leaves", "erases their data"])
def test_a_late_joiner_who_is_not_counted_changes_no_cell_by_going(uow_factory, how) -> None:  # noqa: ANN001
    # Their group's rounds were not counted (one of their people is not): once they are
    # out of the group, the rounds must not start counting, or the report before and the
    # one after tell that someone of that group left or erased their data.
    truth = build(uow_factory, MODEL)
    _csv(uow_factory)  # the roster is fixed: twenty
    _late_joiner_in_a_group_with_rounds(uow_factory, truth)
    before = _csv(uow_factory)
    assert _figures(uow_factory).learners == 20  # the late joiner waits
    late = Identity(Platform.CONSOLE, "", "late")
    if how == "leaves":
        said = _tandem(uow_factory).handle(late, f"/learn cohort leave {truth.cohort_id}")
        assert "You left" in said[0].text
    else:
        _tandem(uow_factory).forget(late)
    assert _csv(uow_factory) == before


def _changes(figures: CohortFigures) -> list[tuple]:
    """The re-assessment figures as a reader sees them: every row with its mean."""
    return [
        (f.key, [(r.category_key, r.count, r.whole, r.mean) for r in f.rows])
        for f in figures.figures
        if f.key.startswith("change:")
    ]


def _reassess(uow_factory, name: str, level: int, at: datetime) -> None:  # noqa: ANN001
    with uow_factory() as uow:
        person = uow.people.by_identity(Identity(Platform.CONSOLE, "", name))
        again = uow.assessments.add(Assessment(person.id, "follow-up", at))
        uow.assessments.rate(again.id, {t.id: level for t in MODEL.traits()}, at)
        uow.assessments.complete(again.id, at)
        uow.commit()


def _assessments_of(uow_factory, name: str) -> int:  # noqa: ANN001
    with uow_factory() as uow:
        person = uow.people.by_identity(Identity(Platform.CONSOLE, "", name))
        return sum(a.completed_at is not None for a in uow.assessments.for_person(person.id))


def test_one_more_re_assessment_changes_no_change_figure(uow_factory) -> None:  # noqa: ANN001
    # Two reports around one learner's re-assessment (or a counted learner's third one)
    # must not give that learner's change in levels by differencing: mean x n before and
    # after would. Re-assessments are counted five at a time, in the order they came.
    truth = build(uow_factory, MODEL)
    waiting = [n for n in truth.names if _assessments_of(uow_factory, n) == 1]
    counted = [n for n in truth.names if _assessments_of(uow_factory, n) == 2]
    assert len(waiting) == 5 and len(counted) == 15
    before = _changes(_figures(uow_factory))
    assert before and all(rows for _, rows in before)
    _reassess(uow_factory, waiting[0], 5, NOW - timedelta(hours=2))  # all five levels up
    assert _changes(_figures(uow_factory)) == before
    _reassess(uow_factory, counted[0], 1, NOW - timedelta(hours=1))  # a third: all down
    assert _changes(_figures(uow_factory)) == before
    for name in waiting[1:]:  # the fifth of the next five: the five count together
        _reassess(uow_factory, name, 5, NOW - timedelta(minutes=30))
    after = _changes(_figures(uow_factory))
    assert after != before
    means = {key: dict((k, (n, m)) for k, n, _, m in rows)["mean"] for key, rows in after}
    # fifteen and the five who waited (the generated follow-ups rate two groups only)
    assert {key: n for key, (n, _) in means.items()} == {
        "change:personal": 20,
        "change:social": 20,
        "change:activity": 5,
        "change:professional": 5,
    }


# --- who gets it ---------------------------------------------------------------------


def test_the_facilitators_cohort_report_carries_the_report_and_the_text(uow_factory) -> None:  # noqa: ANN001
    truth = build(uow_factory, MODEL)
    tandem = _tandem(uow_factory)
    [reply] = tandem.handle(FAY, "/learn cohort report")
    assert "figures over 20 learners" in reply.text  # the text answer is kept
    assert reply.report is not None and reply.report.cohort_id == truth.cohort_id
    assert render_csv(reply.report) == _csv(uow_factory)
    assert reply.model_validate_json(reply.model_dump_json()) == reply  # JSON round trip


def test_a_learner_gets_no_report_and_a_short_refusal(uow_factory) -> None:  # noqa: ANN001
    truth = build(uow_factory, MODEL)
    [reply] = _tandem(uow_factory).handle(
        Identity(Platform.CONSOLE, "", truth.names[0]), "/learn cohort report"
    )
    assert reply.is_error and reply.report is None
    assert "Reports are for tutors" in reply.text


def test_tandem_cohort_report_for_the_operator_and_an_unknown_cohort(uow_factory) -> None:  # noqa: ANN001
    from bot.service import UnknownCohort

    truth = build(uow_factory, MODEL)
    tandem = _tandem(uow_factory)
    figures = tandem.cohort_report(truth.cohort_id, "de")
    assert figures.language == "de" and figures.learners == 20
    assert figures.made_at == NOW and OPENED < NOW
    with pytest.raises(UnknownCohort):
        tandem.cohort_report(truth.cohort_id + 99)


def test_a_tutor_keeps_their_own_text_report_and_gets_no_file(uow_factory) -> None:  # noqa: ANN001
    truth = build(uow_factory, MODEL)
    tutor = Identity(Platform.CONSOLE, "", "tutor")
    tandem = _tandem(uow_factory)
    [learner] = truth.names[:1]
    said = tandem.handle(FAY, f"/learn cohort add @tutor tutor --of @{learner}")
    assert not said[0].is_error, said[0].text
    tandem.handle(tutor, f"/learn cohort join {truth.cohort_id}")
    [reply] = tandem.handle(tutor, "/learn cohort report")
    assert reply.report is None and not reply.is_error
    assert [s.title for s in reply.sections] == [learner]  # their learner, progress only
