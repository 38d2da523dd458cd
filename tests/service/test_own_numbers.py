"""Right figures and numbers (issue 16, item 3): people are counted, not membership links;
a leaver is shown as one everywhere; goals, milestones and proposals are numbered per
learner and co-coaching prompts per partnership (1, 2, 3), and no answer shows a
database id.

The use cases run on the fakes, SQLite and PostgreSQL alike (the `world` fixture), with a
fixed clock. The fakes share one id counter across all tables, so there a database id is
never the same as a person's own number, and an id shown in an answer shows up at once.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, text

from bot.goals import AgreementStatus, Goal
from bot.plans import CoCoachingOutcome
from bot.ports import UnitOfWorkFactory
from bot.replies import Reply
from storage.engine import make_engine
from storage.migrate import _config
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import NOW
from tests.service.test_kickoff import World, who
from tests.support.backends import snapshot


@pytest.fixture
def world(uow_factory: UnitOfWorkFactory) -> World:
    return World(uow_factory)


def cohort_figures(world: World) -> str:
    sections = world.say("fay", "/learn cohort").sections
    [section] = [s for s in sections if s.title and s.title.endswith(("preparation", "learning"))]
    return section.text


def report_learners(world: World) -> dict[str, str]:
    reply = world.say("fay", "/learn cohort report")
    return {f.label: f.value for s in reply.sections if s.title == "Learners" for f in s.fields}


def with_tutors(world: World, learners: tuple[str, ...]) -> None:
    """A cohort of `learners`; tia tutors the first two, tom the third."""
    world.cohort_with(learners)
    for tutor, learner in (("tia", learners[0]), ("tia", learners[1]), ("tom", learners[2])):
        assert not world.say("fay", f"/learn cohort add @{tutor} tutor --of @{learner}").is_error


# -- people, not links -------------------------------------------------------------------


def test_a_tutor_of_two_learners_is_counted_once(world):
    with_tutors(world, ("ana", "ben", "cem"))
    world.say("fay", "/learn cohort add @mia manager --of @ana")
    world.say("fay", "/learn cohort add @mia manager --of @ben")
    # seen before: "3 learners, 2 managers, 3 tutors" (tia's two links counted as two)
    assert cohort_figures(world) == "3 learners, 2 tutors, 1 manager"


def test_a_leaver_is_counted_and_shown_as_a_leaver_everywhere(world):
    names = ("ana", "ben", "cem", "dia", "eli", "fin", "gus", "hal")
    world.cohort_with(names)
    assert world.say("fay", "/learn cohort kickoff").text.startswith("Cohort Spring")
    assert cohort_figures(world) == "8 learners"
    world.clock.advance(timedelta(days=2))
    assert "You left Spring" in world.say("hal", f"/learn cohort leave {world.cohort_id()}").text
    # the cohort and the report say the same: 7 in it now, 1 left
    assert cohort_figures(world) == "7 learners; 1 left"
    figures = report_learners(world)
    assert (figures["learners now"], figures["left"]) == ("7", "1")
    report = world.say("fay", "/learn cohort report")
    assert "figures over 8 learners (1 of them left since and stays counted)" in report.text
    # the leaver sees that they left, and when (seen before: "Spring: learner")
    mine = world.say("hal", "/learn cohort")
    assert mine.sections[0].text == "Spring: left on 02 Dec 2026"
    standing = world.say("hal", "/learn").sections[0].text
    assert standing == "Spring (learning): left on 02 Dec 2026"
    assert "learner" not in standing


def test_a_tutor_whose_learner_left_sees_the_relation_ended(world):
    with_tutors(world, ("ana", "ben", "cem"))
    world.say("fay", "/learn cohort kickoff")
    assert world.say("tia", "/learn cohort").sections[0].text == "Spring: tutor of ana and ben"
    world.clock.advance(timedelta(days=1))
    world.say("ben", f"/learn cohort leave {world.cohort_id()}")
    assert world.say("tia", "/learn cohort").sections[0].text == (
        "Spring: tutor of ana, tutor of ben until 01 Dec 2026"
    )


# -- numbers of one's own ----------------------------------------------------------------


def test_goals_and_milestones_are_numbered_per_learner(world):
    with_tutors(world, ("ana", "ben", "cem"))
    for learner in ("ana", "ben"):
        added = world.say("tia", f"/learn goals add @{learner} communication 2→4 runs reviews")
        # seen before: ben's first goal was "Goal 4" (a database id)
        assert added.text.startswith(f"Goal 1 recorded for {learner}"), added.text
        assert f"`/learn goals comment 1 <text> --of @{learner}`" in added.sections[0].text
    world.say("ben", "/learn goals add cooperation 1→3 pairs more")
    listed = [s.title for s in world.say("ben", "/learn goals").sections]
    assert [t.split(" · ")[0] for t in listed] == ["Goal 1", "Goal 2"]
    told = world.dms("ben")[-1]
    assert "`/learn goals comment 1 <text>`" in told.sections[0].text
    # milestones: ben's first is 1., whatever ana wrote before
    world.say("ana", "/learn plan add 2027-02-01 ana's step | done")
    added = world.say("ben", "/learn plan add 2027-02-15 run a retro | the team acts --goal 2")
    assert added.text.startswith("Milestone 1 added"), added.text
    [shown] = world.say("ben", "/learn plan").sections
    assert shown.title.startswith("1. run a retro") and "Serves goal 2" in shown.text
    [milestone] = world.milestones("ben")
    [cooperation] = [g for g in world.goals("ben") if g.trait_id == "cooperation"]
    assert milestone.goal_id == cooperation.id  # stored by id, named by number
    assert "Milestone 1 reached" in world.say("ben", "/learn plan done 1 learned a lot").text
    assert world.milestones("ana")[0].done_at is None
    # the same number means each one's own
    world.say("ana", "/learn goals comment 1 from ana")
    world.say("ben", "/learn goals comment 1 from ben")
    [ana_goal] = world.goals("ana")
    ben_goal = next(g for g in world.goals("ben") if g.number == 1)
    assert [c.text for c in ana_goal.comments] == ["from ana"]
    assert [c.text for c in ben_goal.comments] == ["from ben"]


def test_a_tutor_names_a_learners_goal_with_of(world):
    with_tutors(world, ("ana", "ben", "cem"))
    for learner in ("ana", "ben"):
        world.say("tia", f"/learn goals add @{learner} communication 2→4 runs reviews")
    said = world.say("tia", "/learn goals comment 1 start with stand-ups --of @ben")
    assert said.text == "Comment added to ben's goal 1."
    assert "tia commented on your goal 1: start with stand-ups" in world.dms("ben")[-1].text
    assert [c.text for c in world.goals("ben")[0].comments] == ["start with stand-ups"]
    assert world.goals("ana")[0].comments == []
    reached = world.say("tia", "/learn goals reached 1 led three --of @ana")
    assert reached.text == "Marked ana's goal 1 as reached."
    again = world.say("tia", "/learn goals drop 1 not needed --of @ana")
    assert again.is_error and again.text == "ana's goal 1 is reached already."
    assert world.goals("ana")[0].status.value == "reached"
    assert world.goals("ben")[0].status.value == "open"
    # the learner's own comment reaches the tutor with the learner's number
    world.say("ben", "/learn goals comment 1 agreed")
    assert "ben commented on their goal 1: agreed" in world.dms("tia")[-1].text


@pytest.mark.parametrize(
    ("asker", "line", "said"),
    [
        ("tom", "/learn goals comment 1 peeking --of @ana", "learners you accompany"),
        ("cem", "/learn goals reached 1 --of @ana", "learners you accompany"),
        ("tom", "/learn goals comment 1 hi --of @nobody", "learners you accompany"),
        ("tia", "/learn goals comment 7 hi --of @ana", "ana has no goal 7"),
    ],
)
def test_a_goal_outside_ones_relations_is_refused_and_nothing_changes(world, asker, line, said):
    with_tutors(world, ("ana", "ben", "cem"))
    world.say("tia", "/learn goals add @ana communication 2→4 runs reviews")
    before = snapshot(world.db)
    refused = world.say(asker, line)
    assert refused.is_error and said in refused.text, refused.text
    assert "Communication" not in refused.text
    assert snapshot(world.db) == before


def proposals_to_mia(world: World) -> None:
    """ana and ben each propose their first practical task to mia, their manager."""
    with_tutors(world, ("ana", "ben", "cem"))
    for learner in ("ana", "ben"):
        world.say("fay", f"/learn cohort add @mia manager --of @{learner}")
        world.say("tia", f"/learn goals add @{learner} communication 2→4 runs reviews")
        sent = world.say(learner, f"/learn agree @mia the retro of {learner}")
        # seen before: "Proposal 9 sent to mia" (a database id)
        assert sent.text.startswith("Proposal 1 sent to mia"), sent.text


def test_the_manager_answers_by_the_learners_own_number(world):
    proposals_to_mia(world)
    asked = [d for d in world.dms("mia") if d.buttons]
    assert [[b.command for b in d.buttons] for d in asked] == [
        [f"agree {word} 1/1 --of @{learner}" for word in ("yes", "changes", "decline")]
        for learner in ("ana", "ben")
    ]
    assert all(d.sections[0].title == "Proposal 1, version 1" for d in asked)
    # two proposals 1 wait: a bare number is refused and changes nothing
    before = snapshot(world.db)
    refused = world.say("mia", "/learn agree yes 1")
    assert refused.is_error and "--of @learner" in refused.text
    assert snapshot(world.db) == before
    # ben's button acts on ben's proposal only
    agreed = world.say("mia", asked[1].buttons[0].command)
    assert agreed.text == "Recorded: you agreed ben's proposal 1. ben is told."
    assert "mia agreed your proposal 1" in world.dms("ben")[-1].text
    # ana's Ask for changes opens a form naming ana's proposal; its answer reaches ana
    form = world.say("mia", asked[0].buttons[1].command).form
    assert form is not None and form.form_id == "agree-changes.1.1.ana"
    [answered] = world.tandem.submit(who("mia"), form.form_id, {"reason": "two sprints"})
    assert answered.text == "Recorded: you asked for changes to ana's proposal 1. ana is told."
    back = world.dms("ana")[-1]
    assert "`/learn agree revise 1 <the changed task>`" in back.sections[0].text
    revised = world.say("ana", "/learn agree revise 1 the retro, two sprints")
    assert revised.text.startswith("Proposal 1 changed (version 2)")
    with world.db() as uow:
        mia = uow.people.by_identity(who("mia")).id
        statuses = {
            uow.people.get(a.learner_id).display_name: a.status
            for a in uow.agreements.for_manager(mia)
        }
    assert statuses == {"ana": AgreementStatus.PROPOSED, "ben": AgreementStatus.AGREED}
    # one waits now: the bare number finds it
    assert world.say("mia", "/learn agree yes 1/2").text.startswith("Recorded: you agreed ana's")


@pytest.mark.parametrize(
    ("asker", "line"),
    [
        ("tia", "/learn agree yes 1 --of @ana"),  # the tutor: not asked
        ("cem", "/learn agree yes 1 --of @ben"),
        ("mia", "/learn agree yes 2 --of @ana"),  # no such proposal
        ("mia", "/learn agree yes 1 --of @cem"),  # cem proposed nothing to her
    ],
)
def test_a_proposal_not_asked_of_one_is_refused_and_nothing_changes(world, asker, line):
    proposals_to_mia(world)
    before = snapshot(world.db)
    refused = world.say(asker, line)
    assert refused.is_error and "waits for your answer" in refused.text, refused.text
    assert "retro" not in refused.text
    assert snapshot(world.db) == before


def test_co_coaching_prompts_are_numbered_per_partnership(world):
    world.cohort_with(("ana", "ben", "cem", "dia"))
    world.say("fay", "/learn cohort pair")
    world.say("fay", "/learn cohort confirm pairs")
    for _ in range(2):
        world.clock.advance(timedelta(days=15))
        world.due.run()
    for name in ("ana", "ben", "cem", "dia"):
        prompts = [d for d in world.dms(name) if d.text.startswith("Time for co-coaching")]
        # seen before: "partner met 16" (a database id)
        assert [[b.command for b in p.buttons] for p in prompts] == [
            ["partner met 1", "partner missed 1"],
            ["partner met 2", "partner missed 2"],
        ]
    names = world.names()
    with world.db() as uow:
        ana = uow.people.by_identity(who("ana")).id
        mine = uow.partnerships.of(ana)
    [other_side] = [n for i, n in names.items() if i not in mine.members][:1]
    assert "noted that you met" in world.say("ana", "/learn partner met 2").text
    assert "noted" in world.say(other_side, "/learn partner missed 1").text.lower()
    cohort = world.cohort_id()
    with world.db() as uow:
        records = {
            p.id: [(r.number, r.outcome) for r in uow.cocoaching.for_partnerships([p.id])]
            for p in uow.partnerships.in_cohort(cohort)
        }
    mine = mine.id
    assert records[mine] == [(1, None), (2, CoCoachingOutcome.MET)]
    [other] = [r for p, r in records.items() if p != mine]
    assert other == [(1, CoCoachingOutcome.NOT_MET), (2, None)]
    assert world.say("ana", "/learn partner met 3").is_error


def _shown(replies: list[Reply]) -> str:
    return json.dumps([r.model_dump(exclude={"recipient_id"}) for r in replies])


def test_no_answer_shows_a_goal_milestone_proposal_or_prompt_id(uow_factory):
    """Ids made large (each backend's sequence moved past 5,000 first) never appear in
    what anyone is told about their goals, milestones, proposals and prompts."""
    world = World(uow_factory)
    world.cohort_with(("ana", "ben"))
    _move_ids_past(world, 5000)
    world.say("fay", "/learn cohort add @tia tutor --of @ana")
    world.say("fay", "/learn cohort add @mia manager --of @ana")
    world.say("fay", "/learn cohort pair")
    world.say("fay", "/learn cohort confirm pairs")
    lines = [
        ("tia", "/learn goals add @ana communication 2→4 runs reviews"),
        ("ana", "/learn goals"),
        ("ana", "/learn goals comment 1 fine"),
        ("ana", "/learn plan add 2027-02-15 a step | done --goal 1"),
        ("ana", "/learn plan"),
        ("ana", "/learn agree @mia the retro"),
        ("ana", "/learn agree"),
        ("mia", "/learn agree"),
        ("mia", "/learn agree changes 1/1 --of @ana"),
    ]
    shown = [world.tandem.handle(who(name), line) for name, line in lines]
    world.clock.advance(timedelta(days=15))
    world.due.run()
    everything = _shown([r for replies in shown for r in replies])
    for name in ("ana", "tia", "mia", "ben"):
        everything += _shown(world.dms(name))
    with world.db() as uow:
        ana = uow.people.by_identity(who("ana")).id
        ids = [g.id for g in uow.goals.for_learner(ana)]
        ids += [m.id for m in uow.plans.get(ana).milestones]
        ids += [a.id for a in uow.agreements.for_learner(ana)]
        partnership = uow.partnerships.of(ana)
        ids += [r.id for r in uow.cocoaching.for_partnerships([partnership.id])]
    assert len(ids) == 4 and min(ids) > 5000
    found = {int(n) for n in re.findall(r"\d+", everything)}
    assert not found & set(ids), sorted(found & set(ids))


def _move_ids_past(world: World, past: int) -> None:
    """Every new row's id from now on is above `past` (on each backend its own way)."""
    db = world.db
    if not isinstance(db, SqlUnitOfWorkFactory):
        db.state.last_id = max(db.state.last_id, past)  # one counter for every table
        return
    engine = db.engine
    tables = ("goals", "milestones", "agreements", "cocoaching")
    with engine.begin() as connection:
        for table in tables:
            if engine.dialect.name == "sqlite":
                values = {"t": table, "n": past + tables.index(table) * 100}
                moved = connection.execute(
                    text("UPDATE sqlite_sequence SET seq = :n WHERE name = :t"), values
                )
                if not moved.rowcount:
                    connection.execute(
                        text("INSERT INTO sqlite_sequence (name, seq) VALUES (:t, :n)"), values
                    )
            else:
                connection.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), :n)"),
                    {"n": past + tables.index(table) * 100},
                )


# -- storage: numbering existing rows -----------------------------------------------------


@pytest.fixture
def unmigrated_sqlite(tmp_path) -> Iterator[Engine]:  # noqa: ANN001
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    yield engine
    engine.dispose()


def test_the_migration_numbers_existing_rows_per_owner_in_order(unmigrated_sqlite):
    config = _config()
    script = ScriptDirectory.from_config(config)
    [mine] = [r for r in script.walk_revisions() if r.path.endswith("_own_numbers.py")]
    at = NOW.replace(tzinfo=None)

    def minute(n: int) -> str:
        return (at + timedelta(minutes=n)).isoformat(sep=" ")

    with unmigrated_sqlite.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, str(mine.down_revision))
        sql = connection.exec_driver_sql
        for person in (1, 2):
            sql(
                "INSERT INTO people (id, platform, workspace, user_id, display_name, timezone, "
                "locale, is_facilitator, created_at, timezone_chosen) VALUES "
                f"({person}, 'console', '', 'p{person}', 'p{person}', 'UTC', 'en', 0, "
                f"'{minute(0)}', 0)"
            )
        sql(
            f"INSERT INTO cohorts (id, name, status, created_at) VALUES (1, 'c', 'learning', '{minute(0)}')"
        )
        for partnership in (1, 2):
            sql(
                f"INSERT INTO partnerships (id, cohort_id, created_at) VALUES ({partnership}, 1, '{minute(0)}')"
            )
        # (id, owner, minute): ids out of the order they were made in, two at one minute
        rows = ((10, 1, 3), (11, 2, 2), (12, 1, 1), (13, 1, 1))
        for row, person, made in rows:
            sql(
                "INSERT INTO goals (id, learner_id, trait_id, current_level, target_level, why, "
                f"set_by, created_at, status, status_note) VALUES ({row}, {person}, 't', 1, 2, "
                f"'w', {person}, '{minute(made)}', 'open', '')"
            )
            sql(
                "INSERT INTO milestones (id, learner_id, title, due_on, evidence, created_at) "
                f"VALUES ({row}, {person}, 'm', '2027-01-01', '', '{minute(made)}')"
            )
            sql(
                "INSERT INTO agreements (id, learner_id, manager_id, task, goal_ids, version, "
                f"status, created_at, updated_at) VALUES ({row}, {person}, {3 - person}, 't', "
                f"'[]', 1, 'proposed', '{minute(made)}', '{minute(made)}')"
            )
            sql(
                "INSERT INTO cocoaching (id, partnership_id, prompted_at) VALUES "
                f"({row}, {person}, '{minute(made * 10 + row)}')"
            )
        command.upgrade(config, "head")
        numbered = {
            table: sql(f"SELECT id, number FROM {table} ORDER BY id").all()
            for table in ("goals", "milestones", "agreements")
        }
        prompts = sql("SELECT id, number FROM cocoaching ORDER BY id").all()
    for table, numbers in numbered.items():
        assert numbers == [(10, 3), (11, 1), (12, 1), (13, 2)], table
    # prompts by when they were prompted: 12 (minute 22), 13 (23), then 10 (40)
    assert prompts == [(10, 3), (11, 1), (12, 1), (13, 2)]
    # the next of each continues the owner's count
    world = World(SqlUnitOfWorkFactory(unmigrated_sqlite), NOW + timedelta(hours=1))
    with world.db() as uow:
        goal = uow.goals.add(Goal(1, "communication", 1, 2, "why", 1, NOW + timedelta(hours=1)))
        uow.commit()
    assert goal.number == 4


@pytest.mark.postgres
def test_two_goals_written_at_once_get_numbers_of_their_own(postgres_engine):
    factory = SqlUnitOfWorkFactory(postgres_engine)
    World(factory).say("ana", "/learn help")
    with factory() as uow:
        ana = uow.people.by_identity(who("ana")).id
    numbers: list[int | None] = []

    def write(trait: str) -> None:
        with factory() as other:
            goal = other.goals.add(Goal(ana, trait, 1, 2, "why", ana, NOW))
            other.commit()
            numbers.append(goal.number)

    with factory() as first:  # holds ana's row until it commits
        mine = first.goals.add(Goal(ana, "communication", 1, 2, "why", ana, NOW))
        second = threading.Thread(target=write, args=("cooperation",))
        second.start()  # waits for the row lock: never the same number
        first.commit()
    second.join(30)
    assert sorted([mine.number, *numbers]) == [1, 2]
