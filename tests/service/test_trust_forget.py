"""Issue 13, items 4 and 5: figures that cannot be differenced, and forget means everywhere.

A learner, quilla, leaves traces in every corner (diary entries for each circle, a goal and
a comment on it, a practical task sent to her manager, a plan her partner is introduced
with, co-coaching, advice rounds she brought and advised in, filed ideas, a community post,
a pending proposal); every text she wrote carries a unique marker. After forget, every
text and JSON column of every table (and every field of the fakes) is scanned for the
markers and her name. The same story runs on the fakes, SQLite and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import timedelta
from typing import Any, get_type_hints

import pytest
from sqlalchemy import JSON, Column, ForeignKey, Integer, MetaData, String, Table, select, text

from bot.ports import UnitOfWork
from bot.replies import Reply
from storage import owners
from storage.tables import metadata
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import console_identity
from tests.service.test_kickoff import World, who
from tests.support.fakes import FakeDatabase

NAME = "quilla"
MARK = {
    "private": "MRKprivate Doubts I keep to myself",
    "partner": "MRKpartner My partner should know this",
    "group": "MRKgroup My manager micro-manages me",
    "tutor": "MRKtutor For my tutor only",
    "why": "MRKwhy she wants to lead reviews",
    "comment": "MRKcomment I started with the standup",
    "task": "MRKtask Run the quarterly retro",
    "milestone": "MRKmilestone Pair on the parser",
    "evidence": "MRKevidence the parser is merged",
    "advice_question": "MRKquestion Who sets the deadlines there",
    "advice_idea": "MRKidea Write every decision down",
    "case": "MRKcase My reviews turn into fights",
    "key": "MRKkey How do I keep reviews calm",
    "takeaway": "MRKtakeaway Ask before judging",
    "cop_title": "MRKcoptitle Retro formats",
    "cop_text": "MRKcoptext The sailboat retro worked",
}
GROUP = (NAME, "ana", "ben", "cem", "dia")


# --- the story -------------------------------------------------------------------------


def _numbers(world: World, name: str) -> list[int]:
    """Numbers of `name`'s consultation ideas in the open round, as its state keeps them."""
    with world.db() as uow:
        person = uow.people.by_identity(who(name))
        group = uow.groups.of(person.id)
        record = uow.advice.in_group(group.id)[-1]
    return [
        c["number"]
        for c in record.state["round"]["contributions"]
        if c["person"] == person.id and c["phase"] == "consultation"
    ]


def _round(world: World, giver: str, case: str, key: str, ideas: dict[str, str]) -> None:
    moderator = "ben" if giver != "ben" else "cem"
    assert "round is open" in world.say(giver, f"/learn advice {case}").text
    world.say(giver, f"/learn advice moderator @{moderator}")
    world.say(moderator, "/learn advice next")  # -> case account
    if giver != NAME:
        world.say(NAME, f"/learn advice say {MARK['advice_question']}")
    world.say(moderator, "/learn advice next")  # -> key question
    world.say(giver, f"/learn advice key {key}")
    world.say(moderator, "/learn advice next")  # -> method
    world.say(moderator, "/learn advice method good-advice")
    world.say(moderator, "/learn advice next")  # -> consultation
    for name, idea in ideas.items():
        assert not world.say(name, f"/learn advice say {idea}").is_error
    world.say(moderator, "/learn advice next")  # -> closing
    advisor = next(iter(ideas))
    number = _numbers(world, advisor)[-1]
    takeaway = MARK["takeaway"] if giver == NAME else "Decide in the room"
    closed = world.say(giver, f"/learn advice helped {number} {takeaway}")
    assert not closed.is_error, closed.text
    for name in ideas:
        filed = world.say(name, "/learn advice file")
        assert "Filed" in filed.text, filed.text


def story(world: World) -> None:
    """quilla leaves her words everywhere; the others are ana, ben, cem, dia, tutor tia,
    manager mia; fay is the facilitator."""
    world.cohort_with(GROUP)
    world.say("fay", f"/learn cohort add @tia tutor --of @{NAME}")
    world.say("fay", f"/learn cohort add @mia manager --of @{NAME}")
    for visibility in ("private", "partner", "group", "tutor"):
        share = "" if visibility == "private" else f" --share {visibility}"
        assert not world.say(NAME, f"/learn diary {MARK[visibility]}{share}").is_error
    added = world.say("tia", f"/learn goals add @{NAME} communication 2→4 {MARK['why']}")
    assert not added.is_error, added.text
    with world.db() as uow:
        [goal] = uow.goals.for_learner(uow.people.by_identity(who(NAME)).id)
    assert not world.say(NAME, f"/learn goals comment {goal.number} {MARK['comment']}").is_error
    assert not world.say(NAME, f"/learn agree @mia {MARK['task']}").is_error
    plan = f"/learn plan add 2027-02-15 {MARK['milestone']} | {MARK['evidence']}"
    assert not world.say(NAME, plan).is_error
    world.say(NAME, "/learn plan commit")
    world.say("fay", "/learn cohort pair")
    assert not world.say("fay", "/learn cohort confirm pairs").is_error
    world.clock.advance(timedelta(days=15))
    world.due.run()
    prompt = next(
        r for r in reversed(world.dms(NAME)) if r.buttons and "co-coaching" in r.text.lower()
    )
    world.say(NAME, prompt.buttons[0].command)
    world.tandem.handle(who("fay"), "/learn cohort space", where="C0GROUPS")
    world.say("fay", "/learn cohort groups --size 5-5")
    assert not world.say("fay", "/learn cohort confirm groups").is_error
    _round(
        world,
        "ana",
        "Deadlines slip since the reorg",
        "How do commitments hold?",
        {NAME: MARK["advice_idea"], "cem": "Name one owner per deadline"},
    )
    _round(world, NAME, MARK["case"], MARK["key"], {"cem": "Agree on review rules first"})
    world.tandem.handle(who("fay"), "/learn cop open retros", where="C0FORUM")
    world.say(NAME, "/learn cop join retros")
    world.say("ana", "/learn cop join retros")
    shared = world.say(NAME, f"/learn cop share retros {MARK['cop_title']} | {MARK['cop_text']}")
    assert not shared.is_error, shared.text
    world.say("fay", "/learn cohort pair")  # a proposal not yet confirmed, naming her


# --- scanning --------------------------------------------------------------------------


def _leftovers(haystack: str) -> list[str]:
    low = haystack.lower()
    found = [m for m in MARK.values() if m.split()[0].lower() in low]
    if re.search(rf"(?<!\w){NAME}(?!\w)", low):
        found.append(NAME)
    return found


def _storage_texts(engine) -> dict[str, list[str]]:  # noqa: ANN001
    """Every text and JSON value of every table, by table.column."""
    found: dict[str, list[str]] = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            wanted = [
                c
                for c in table.columns
                if isinstance(c.type, String | JSON) or c.type.python_type is str
            ]
            for row in connection.execute(select(*wanted)) if wanted else ():
                for column, value in zip(wanted, row, strict=True):
                    if value is not None:
                        rendered = value if isinstance(value, str) else json.dumps(value)
                        found.setdefault(f"{table.name}.{column.name}", []).append(rendered)
    return found


def _fake_texts(db: FakeDatabase) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}

    def walk(where: str, value: Any) -> None:
        if isinstance(value, str):
            found.setdefault(where, []).append(value)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            for f in dataclasses.fields(value):
                walk(f"{where}.{f.name}", getattr(value, f.name))
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(where, key)
                walk(where, item)
        elif isinstance(value, list | tuple | set | frozenset):
            for item in value:
                walk(where, item)

    for f in dataclasses.fields(db.state):
        walk(f.name, getattr(db.state, f.name))
    return found


def _traces(texts: dict[str, list[str]]) -> dict[str, list[str]]:
    return {
        where: sorted({m for v in values for m in _leftovers(v)})
        for where, values in texts.items()
        if any(_leftovers(v) for v in values)
    }


# --- forget everywhere -------------------------------------------------------------------


def _forget_and_check(world: World, texts) -> None:  # noqa: ANN001
    before = _traces(texts())
    # the story reached others' records: messages to others, their diaries, rounds
    assert {w.split(".")[0] for w in before} >= {"outbox", "advice"} or {
        "outbox",
        "advice_rounds",
    } <= {w.split(".")[0] for w in before}, before
    partner = _partner_of(world, NAME)
    told_before = len(world.dms(partner))
    confirm = world.say(NAME, "/learn privacy forget")
    assert confirm.buttons[0].command == "privacy forget confirm"
    # the question erases nothing and tells no one, but lists what the erasure will take,
    # counted by the erasure itself: the same list the erasure then reports
    assert _traces(texts()) == before
    assert len(world.dms(partner)) == told_before
    will = confirm.text.removeprefix("This erases your profile and ").partition(" for good.")[0]
    assert "diary entr" in will and "milestone" in will and "colleague-advice round" in will
    done = world.say(NAME, "/learn privacy forget confirm")
    assert done.text == f"Erased your profile and {will}. If you come back, you start afresh."
    assert _traces(texts()) == {}
    # her partner was re-paired (a new introduction) or told, without her name
    told = world.dms(partner)[-1]
    assert "Your learning partner" in told.text or "partnership in Spring has ended" in told.text
    assert NAME not in json.dumps(told.model_dump())
    # the advice summary in ana's diary keeps the round, with "a former member"
    with world.db() as uow:
        ana = uow.people.by_identity(who("ana"))
        entries = [e.text for e in uow.diary.by_author(ana.id, _all(), limit=None)]
    summary = next(t for t in entries if t.startswith("Colleague advice for ana"))
    assert "a former member" in summary and "Name one owner per deadline" in summary


def _all():  # noqa: ANN202
    from bot.domain import Visibility

    return list(Visibility)


def _partner_of(world: World, name: str) -> str:
    with world.db() as uow:
        person = uow.people.by_identity(who(name))
        partnership = uow.partnerships.of(person.id)
        other = next(p for p in partnership.members if p != person.id)
        return uow.people.get(other).display_name


def test_forget_leaves_nothing_of_her_on_the_fakes() -> None:
    world = World()
    story(world)
    _forget_and_check(world, lambda: _fake_texts(world.db))


def test_forget_leaves_nothing_of_her_in_storage(engine) -> None:  # noqa: ANN001
    world = World(SqlUnitOfWorkFactory(engine))
    story(world)
    _forget_and_check(world, lambda: _storage_texts(engine))


def test_the_scan_finds_what_the_story_left_before_forget(engine) -> None:  # noqa: ANN001
    """The scan can fail: before forget it finds her in others' records."""
    world = World(SqlUnitOfWorkFactory(engine))
    story(world)
    where = set(_traces(_storage_texts(engine)))
    assert {"outbox.payload", "diary_entries.text", "advice_rounds.state", "people.user_id"} <= (
        where
    )


def test_tandem_forget_from_the_command_line_reaches_others_records_too() -> None:
    world = World()
    story(world)
    world.tandem.forget(who(NAME))
    assert _traces(_fake_texts(world.db)) == {}


# --- one owner per table ---------------------------------------------------------------


def _person_tables(meta: MetaData) -> tuple[dict[str, list[str]], list[str]]:
    """Tables with a person key (and which columns), and columns no registry explains."""
    direct: dict[str, list[str]] = {}
    unexplained = []
    for table in meta.sorted_tables:
        for column in table.columns:
            name = f"{table.name}.{column.name}"
            to_people = any(fk.column.table.name == "people" for fk in column.foreign_keys)
            if to_people or name in owners.PERSON_ID_COLUMNS:
                direct.setdefault(table.name, []).append(column.name)
            elif (
                (isinstance(column.type, JSON) or column.name.endswith("_id"))
                and not column.foreign_keys
                and name not in owners.NO_PERSON_COLUMNS
            ):
                unexplained.append(name)
    direct.setdefault("people", ["id"])
    changed = True
    while changed:  # rows hanging off a person's rows are theirs too (ratings, responses)
        changed = False
        for table in meta.sorted_tables:
            if table.name in direct:
                continue
            parents = {fk.column.table.name for fk in table.foreign_keys}
            personal = sorted(parents & {t for t in direct if t not in ("people", "cohorts")})
            if personal:
                direct[table.name] = [f"via {p}" for p in personal]
                changed = True
    return direct, unexplained


def _unowned(meta: MetaData) -> list[str]:
    tables, unexplained = _person_tables(meta)
    missing = [t for t in tables if t not in owners.OWNERS]
    strays = [
        t.name for t in meta.sorted_tables if t.name not in tables and t.name not in owners.OWNERS
    ]
    strays = [t for t in strays if t not in owners.NOT_PERSONAL]
    return sorted(missing + unexplained + [f"{t} (neither owned nor NOT_PERSONAL)" for t in strays])


def test_every_table_with_a_person_key_has_one_owner() -> None:
    assert _unowned(metadata) == []


def test_a_new_table_with_a_person_key_and_no_owner_fails() -> None:
    extended = MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(extended)
    Table(
        "notes",
        extended,
        Column("id", Integer, primary_key=True),
        Column("author_id", Integer, ForeignKey("people.id")),
    )
    Table("votes", extended, Column("voters", JSON))
    assert _unowned(extended) == [
        "notes",
        "votes (neither owned nor NOT_PERSONAL)",
        "votes.voters",
    ]


def test_each_owner_names_real_repository_methods_and_export_keys() -> None:
    repositories = {  # the port's repositories are read-only members (properties)
        name: get_type_hints(member.fget)["return"]
        for name, member in vars(UnitOfWork).items()
        if isinstance(member, property)
    }
    world = World()
    world.say(NAME, "/learn diary hello")
    document = json.loads(world.tandem.export(who(NAME)))
    for table, owner in owners.OWNERS.items():
        for method in owner.erased_by:
            repository, name = method.split(".")
            assert hasattr(repositories[repository], name), (table, method)
        for key in owner.exported_as:
            assert key in document, (table, key)


# --- ids are never reused ----------------------------------------------------------------


def test_every_table_with_an_integer_id_has_autoincrement_on_sqlite(sqlite_engine) -> None:  # noqa: ANN001
    with sqlite_engine.connect() as connection:
        rows = connection.execute(text("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
        ddl = {name: sql for name, sql in rows}
    with_ids = [t.name for t in metadata.sorted_tables if [c.name for c in t.primary_key] == ["id"]]
    assert "people" in with_ids and len(with_ids) > 10
    assert [t for t in with_ids if "AUTOINCREMENT" not in ddl[t].upper()] == []


def test_a_newcomer_never_gets_the_id_of_someone_forgotten(engine) -> None:  # noqa: ANN001
    world = World(SqlUnitOfWorkFactory(engine))
    for name in ("mia", "tia"):
        world.say(name, "/learn help")
    world.cohort_with(("ana", "ben", "cem", NAME))
    world.say("fay", f"/learn cohort add @tia tutor --of @{NAME}")
    world.say("fay", f"/learn cohort add @mia manager --of @{NAME}")
    world.say("tia", f"/learn goals add @{NAME} communication 2→4 MRKwhy to lead")
    assert not world.say(NAME, "/learn agree @mia MRKtask pending").is_error
    world.say("fay", "/learn cohort pair")  # a proposal naming her, pending
    forgotten = world.person_id(NAME)
    with world.db() as uow:
        everyone = [uow.people.by_identity(who(n)).id for n in ("mia", "tia", "ana", "ben", "cem")]
    assert forgotten > max(everyone)  # the newest: a plain SQLite rowid would go to the next
    world.tandem.forget(who(NAME))
    world.say("zoe", "/learn help")
    newcomer = world.person_id("zoe")
    assert newcomer > forgotten
    world.say("fay", "/learn cohort invite @zoe")
    world.say("zoe", f"/learn cohort join {world.cohort_id()}")
    # nothing pending names the old id any more, so nothing binds to the newcomer
    assert world.say("fay", "/learn cohort confirm pairs").is_error
    assert world.say("mia", "/learn agree yes 1").is_error
    mia = world.person_id("mia")
    with world.db() as uow:
        assert uow.agreements.for_manager(mia) == []
        assert uow.partnerships.of(newcomer) is None
        assert uow.goals.for_learner(newcomer) == []


# --- export covers what erasure removes --------------------------------------------------


def test_export_covers_every_marker_that_forget_removes(engine) -> None:  # noqa: ANN001
    world = World(SqlUnitOfWorkFactory(engine))
    story(world)
    document = world.tandem.export(who(NAME))
    stored = {
        m for values in _storage_texts(engine).values() for v in values for m in _leftovers(v)
    }
    assert stored - {NAME} <= {m for m in MARK.values() if m in document}
    exported = json.loads(document)
    assert exported["co_coaching"] and exported["co_coaching"][0]["outcome"] is not None
    assert exported["pairing_proposals"] == [{"cohort": world.cohort_id(), "kind": "pairs"}]
    about = exported["messages_to_others_about_you"]
    assert any(MARK["task"] in m["quotes"] for m in about)  # the manager's request
    assert any(MARK["milestone"] in m["quotes"] for m in about)  # the partner's introduction
    assert any(m["names_you"] for m in about)
    # and nothing of others' words rides along in those entries
    assert "Name one owner per deadline" not in json.dumps(about)


# --- figures that cannot be differenced --------------------------------------------------


def _learning(reply: Reply) -> dict[str, str]:
    return {f.label: f.value for s in reply.sections if s.title == "Learning" for f in s.fields}


def _with_data(world: World, name: str, milestones: int, done: int, commit: bool) -> None:
    for n in range(milestones):
        world.say(name, f"/learn plan add 2027-0{n + 1}-15 Step {n} of {name} | it is done")
    with world.db() as uow:
        plan = uow.plans.get(uow.people.by_identity(who(name)).id)
    for milestone in [m for m in plan.milestones if m.done_at is None][:done]:
        assert not world.say(name, f"/learn plan done {milestone.number} learned it").is_error
    if commit:
        world.say(name, "/learn plan commit")


def _probe(how: str, real_data: bool) -> Reply:
    world = World()
    world.say("fay", "/learn cohort open Probe")
    world.say("fay", "/learn cohort invite @ana")
    world.say("ana", f"/learn cohort join {world.cohort_id()}")
    invented = ("ghost1", "ghost2", "ghost3", "ghost4")
    if how == "invite":
        world.say("fay", "/learn cohort invite " + " ".join(f"@{g}" for g in invented))
    else:
        for ghost in invented:
            world.say("fay", f"/learn cohort add @{ghost} learner")
    if real_data:
        _with_data(world, "ana", milestones=3, done=2, commit=True)
    world.say("fay", "/learn cohort kickoff")
    return world.say("fay", "/learn cohort report")


@pytest.mark.parametrize(
    "how",
    ["invite", "add"],
)
def test_a_probe_cohort_of_one_real_learner_and_four_invented_shows_nothing_of_her(how) -> None:  # noqa: ANN001
    with_data, without = _probe(how, real_data=True), _probe(how, real_data=False)
    assert _learning(with_data) == {} and "1 learner counted" in with_data.text
    assert with_data.model_dump() == without.model_dump()


COHORT = ("ana", "ben", "cem", "dia", "eli", "fin")


def _cohort_with_figures(world: World) -> None:
    world.cohort_with(COHORT)
    for i, name in enumerate(COHORT):
        _with_data(world, name, milestones=1 + i % 2, done=1, commit=True)
    _with_data(world, "gus", milestones=2, done=2, commit=True)  # not in the cohort
    world.say("fay", "/learn cohort kickoff")


def test_the_report_before_and_after_one_learner_leaves_is_the_same(uow_factory) -> None:  # noqa: ANN001
    world = World(uow_factory)
    _cohort_with_figures(world)
    _with_data(world, "fin", milestones=4, done=3, commit=False)  # fin's values stand out
    before = world.say("fay", "/learn cohort report")
    assert "figures over 6 learners" in before.text and _learning(before)
    assert "You left" in world.say("fin", f"/learn cohort leave {world.cohort_id()}").text
    after = world.say("fay", "/learn cohort report")
    assert _learning(after) == _learning(before)
    assert "figures over 6 learners" in after.text  # the leaver is still counted


def test_the_report_before_and_after_one_learner_is_forgotten_is_the_same(engine) -> None:  # noqa: ANN001
    world = World(SqlUnitOfWorkFactory(engine))
    _cohort_with_figures(world)
    _with_data(world, "fin", milestones=4, done=3, commit=False)
    before = world.say("fay", "/learn cohort report")
    world.tandem.forget(who("fin"))
    after = world.say("fay", "/learn cohort report")
    assert _learning(after) == _learning(before) and _learning(before)
    assert "figures over 6 learners" in after.text
    remaining = {world.person_id(n) for n in COHORT if n != "fin"}
    with world.db() as uow:
        [cohort] = uow.cohorts.all()
    assert set(cohort.roster) == remaining  # her id is gone from the roster; her share stays
    assert cohort.former_figures and cohort.former_figures["learners"] == 1


def test_one_late_joiner_changes_no_figure_five_together_enter(uow_factory) -> None:  # noqa: ANN001
    world = World(uow_factory)
    _cohort_with_figures(world)
    before = world.say("fay", "/learn cohort report")
    late = ("hal", "ida", "jon", "kai", "lea")
    world.say("fay", "/learn cohort invite " + " ".join(f"@{n}" for n in late))
    world.say("hal", f"/learn cohort join {world.cohort_id()}")
    _with_data(world, "hal", milestones=5, done=5, commit=True)
    after_one = world.say("fay", "/learn cohort report")
    assert _learning(after_one) == _learning(before)
    assert "1 who joined later" in after_one.text
    for name in late[1:]:
        world.say(name, f"/learn cohort join {world.cohort_id()}")
    together = world.say("fay", "/learn cohort report")
    assert "figures over 11 learners" in together.text


def test_small_cells_and_their_complements_are_withheld(uow_factory) -> None:  # noqa: ANN001
    world = World(uow_factory)
    world.cohort_with(COHORT)
    for name in COHORT[:2]:
        _with_data(world, name, milestones=1, done=0, commit=True)
    world.say("fay", "/learn cohort kickoff")
    figures = _learning(world.say("fay", "/learn cohort report"))
    assert figures["Plans committed"].startswith("withheld")  # 2 of 6: and so its 4
    assert figures["Milestones reached"] == "0 of 2" or figures["Milestones reached"].startswith(
        "withheld"
    )
    for name in COHORT[2:]:
        _with_data(world, name, milestones=1, done=0, commit=True)
    assert _learning(world.say("fay", "/learn cohort report"))["Plans committed"] == "6 of 6"


def test_things_outside_the_database_are_erased_through_a_hook_after_the_commit(
    uow_factory,
) -> None:  # noqa: ANN001
    """Chart files and the like: the composition root adds a hook (adapters/charts.py's
    `erase_chart_files`, once it exists); it runs only once the erasure is committed."""
    world = World(uow_factory)
    called: list[str] = []
    world.tandem.on_erased.append(called.append)
    world.say(NAME, "/learn diary hello")
    world.say(NAME, "/learn privacy forget")  # asks first: nothing erased yet
    assert called == []
    world.say(NAME, "/learn privacy forget confirm")
    assert called == [f"console:{NAME}"]
    world.say("zoe", "/learn diary hi")
    world.tandem.forget(who("zoe"))
    assert called == [f"console:{NAME}", "console:zoe"]


def test_traces_match_whole_names_and_verbatim_lines_only() -> None:
    from bot.handlers.privacy import Traces

    traces = Traces(["Fay", "F"], ["Ship it\nMRKline one of my ideas", "ok"])
    assert traces.names == ["Fay"]  # a one-letter name would be found everywhere
    assert traces.found_in("3. Fay: something") and traces.found_in("<@Fay> said")
    assert not traces.found_in("Fayette is a town") and not traces.found_in("ok then")
    assert traces.found_in("5. ben: MRKline one of my ideas")
    assert traces.strike("2. Fay: MRKline one of my ideas") == "2. a former member: [removed]"
    round_state = {"round": {"mode": "Fay", "case": "Fay asked", "contributions": [{"text": "x"}]}}
    struck = traces.strike_texts(round_state, frozenset({"case", "text"}))
    assert struck["round"]["mode"] == "Fay" and struck["round"]["case"] == "a former member asked"


def test_migration_0014_keeps_every_row_and_foreign_key_of_a_used_database(tmp_path) -> None:  # noqa: ANN001
    from alembic import command

    from storage.engine import make_engine
    from storage.migrate import _config, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0009")
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO people (platform, workspace, user_id, display_name, timezone,"
                " locale, is_facilitator, created_at, timezone_chosen) VALUES"
                " ('console', '', 'ana', 'ana', 'UTC', 'en', 0, '2026-11-30 09:00:00', 0),"
                " ('console', '', 'ben', 'ben', 'UTC', 'en', 0, '2026-11-30 09:00:00', 0)"
            )
        )
        connection.execute(
            text(
                "INSERT INTO diary_entries (author_id, text, tags, visibility, source, created_at)"
                " VALUES (2, 'kept', '[]', 'private', 'command', '2026-11-30 09:00:00')"
            )
        )
        connection.execute(text("DELETE FROM people WHERE id = 1"))
    upgrade(engine)
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert connection.execute(text("PRAGMA foreign_key_check")).fetchall() == []
        assert connection.execute(text("SELECT author_id, text FROM diary_entries")).all() == [
            (2, "kept")
        ]
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM diary_entries"))
        connection.execute(text("DELETE FROM people WHERE id = 2"))
        connection.execute(
            text(
                "INSERT INTO people (platform, workspace, user_id, display_name, timezone,"
                " locale, is_facilitator, created_at, timezone_chosen) VALUES"
                " ('console', '', 'cem', 'cem', 'UTC', 'en', 0, '2026-11-30 09:00:00', 0)"
            )
        )
        assert connection.execute(text("SELECT id FROM people")).scalar_one() == 3
    engine.dispose()


def test_a_partner_left_alone_is_told_without_a_name_on_leave_and_on_forget() -> None:
    for how in ("leave", "forget"):
        world = World()
        world.cohort_with(("ana", NAME))
        world.say("fay", "/learn cohort pair")
        world.say("fay", "/learn cohort confirm pairs")
        if how == "leave":
            world.say(NAME, f"/learn cohort leave {world.cohort_id()}")
        else:
            world.tandem.forget(who(NAME))
        told = world.dms("ana")[-1]
        assert "partnership in Spring has ended" in told.text, how
        assert NAME not in told.text
        with world.db() as uow:
            assert uow.partnerships.of(uow.people.by_identity(who("ana")).id) is None


def test_forget_ends_her_requests_not_yet_done_but_not_the_one_in_hand(
    tandem, uow_factory, clock
) -> None:  # noqa: ANN001
    """A request of hers recorded but not yet done (say, a diary entry queued behind the
    forget) is emptied and ended, so it cannot bring her words back; the row in hand is not.
    Export lists such a request by kind and time only, never its raw payload."""
    from bot.domain import InboxItem, InboxStatus

    tandem.handle(console_identity("fay"), "/learn diary MRKqueued first words")
    rows = {
        "pending": InboxItem(
            key="k-pending",
            kind="slack.command",
            created_at=clock.now(),
            payload={"user_id": "fay", "text": "diary MRKqueued later"},
        ),
        "held": InboxItem(
            key="k-held",
            kind="slack.command",
            created_at=clock.now(),
            payload={"user_id": "fay", "text": "privacy forget confirm"},
            status=InboxStatus.CLAIMED,
            claimed_by="w1",
            claimed_until=clock.now() + timedelta(seconds=30),
        ),
        "other": InboxItem(
            key="k-other",
            kind="slack.command",
            created_at=clock.now(),
            payload={"user_id": "ben", "text": "diary mine"},
        ),
    }
    with uow_factory() as uow:
        for item in rows.values():
            uow.inbox.add(item)
        uow.commit()
    exported = json.loads(tandem.export(console_identity("fay")))["requests_not_yet_done"]
    assert [r["kind"] for r in exported] == ["slack.command"]  # the pending one, not the held
    assert "MRKqueued later" not in json.dumps(exported)
    tandem.handle(console_identity("fay"), "/learn privacy forget confirm")
    with uow_factory() as uow:
        after = {name: uow.inbox.get(item.id) for name, item in rows.items()}
    assert after["pending"].status is InboxStatus.FAILED and after["pending"].payload == {}
    assert after["held"].status is InboxStatus.CLAIMED and after["held"].payload["text"]
    assert after["other"].status is InboxStatus.PENDING and after["other"].payload["text"]


def test_erasures_thinning_the_roster_let_no_late_joiner_in_alone(uow_factory) -> None:  # noqa: ANN001
    """Found by the privacy machine: four of eight counted learners erase their data (their
    share stays in the figures), then two join late. Counting only the roster's remaining
    four, the two were admitted at once, and the figures moved from over 8 to over 10:
    the two late joiners' values, by subtraction. They must wait for five."""
    world = World(uow_factory)
    names = ("ana", "ben", "cem", "dia", "eli", "fin", "gus", "hal")
    world.cohort_with(names)
    world.say("fay", "/learn cohort kickoff")
    assert "figures over 8 learners" in world.say("fay", "/learn cohort report").text
    for name in names[:4]:
        world.say(name, "/learn privacy forget confirm")
    for late in ("zoe", "zed"):
        world.say("fay", f"/learn cohort invite @{late}")
        world.say(late, f"/learn cohort join {world.cohort_id()}")
    after = world.say("fay", "/learn cohort report").text
    assert "figures over 8 learners" in after and "2 who joined later" in after
