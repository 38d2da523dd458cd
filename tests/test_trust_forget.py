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

from bot.domain import Identity
from bot.ports import UnitOfWork
from storage import owners
from storage.tables import metadata
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.fakes import FakeDatabase
from tests.test_kickoff import World, who

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
        group = uow.cohorts.group_of(person.id)
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
    assert not world.say(NAME, f"/learn goals comment {goal.id} {MARK['comment']}").is_error
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
    _round(world, "ana", "Deadlines slip since the reorg", "How do commitments hold?",
           {NAME: MARK["advice_idea"], "cem": "Name one owner per deadline"})
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
                c for c in table.columns if isinstance(c.type, String | JSON) or c.type.python_type is str
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
    confirm = world.say(NAME, "/learn privacy forget")
    assert confirm.buttons[0].command == "privacy forget confirm"
    done = world.say(NAME, "/learn privacy forget confirm")
    assert "Erased your profile" in done.text
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
        partnership = uow.cohorts.partnership_of(person.id)
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
