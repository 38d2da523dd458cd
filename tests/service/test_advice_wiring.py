"""Colleague-advice rounds through the core (the state machine itself is tested in
tests/unit/test_advice_round.py): a scripted round of five people in their learning group's
thread, with a fixed clock; timeboxes through the heartbeat; the summary in the diary;
privacy; a restart mid-round on storage. On the fakes, SQLite and PostgreSQL alike."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.advice import Phase
from bot.domain import AdviceRecord, EntrySource, Visibility
from bot.ports import UnitOfWorkFactory
from bot.replies import Audience, Reply
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.service.test_kickoff import World, who

GROUP = ("ana", "ben", "cem", "dia", "eli")


def thread_posts(world: World) -> list:
    ana = world.person_id("ana")  # (one unit of work at a time: SQLite locks)
    with world.db() as uow:
        rows = [m for m in uow.outbox.for_recipient(ana)]
    posts = [Reply.model_validate_json(m.payload) for m in sorted(rows, key=lambda m: m.id or 0)]
    return [p for p in posts if p.audience is Audience.THREAD]


def grouped(world: World) -> World:
    world.cohort_with(GROUP)
    world.tandem.handle(who("fay"), "/learn cohort space", where="C0GROUPS")
    world.say("fay", "/learn cohort groups --size 5-5")
    world.say("fay", "/learn cohort confirm groups")
    return world


def rounds(world: World) -> list[AdviceRecord]:
    with world.db() as uow:
        return uow.advice.all()


@pytest.fixture
def world(uow_factory: UnitOfWorkFactory) -> World:
    return grouped(World(uow_factory))


def test_a_scripted_round_of_five(world):
    opened = world.tandem.handle(
        who("ana"), "/learn advice My team misses deadlines since the reorg"
    )
    assert "round is open" in opened[0].text
    [first] = thread_posts(world)
    assert first.thread is not None and first.thread.channel == "C0GROUPS"
    assert first.thread.name.startswith("advice:")
    assert (
        "phase 1 of 6: Casting" in first.text and "Case: My team misses" in first.sections[0].text
    )
    # the group spans time zones: a time in the thread names the zone it is in
    assert "Until 10:05 (Europe/Berlin)." in first.sections[0].text
    world.say("ben", "/learn advice moderator @ben")  # ben volunteers
    assert thread_posts(world)[-1].text == "ben moderates (chosen)."
    # only the moderator moves on
    refused = world.say("cem", "/learn advice next")
    assert refused.is_error
    world.say("ben", "/learn advice next")  # -> case account
    world.say("ana", "/learn advice say Since March two teams merged; standups got long.")
    world.say("cem", "/learn advice say Who sets the deadlines?")
    world.say("ben", "/learn advice next")  # -> key question
    world.say("ana", "/learn advice key How do I get commitments that hold?")
    world.say("ben", "/learn advice next")  # -> method choice
    world.say("ben", "/learn advice method headstand")
    world.say("ben", "/learn advice next")  # -> consultation
    held = world.say("ana", "/learn advice say But I already tried that")
    assert "only listens" in held.text and held.sections[0].title == "Kept for you"
    world.say("cem", "/learn advice say - Never write anything down\n- Change priorities daily")
    world.say("dia", "/learn advice say Keep everyone guessing who decides")
    world.say("eli", "/learn advice say Skip the retro")
    world.say("ben", "/learn advice next")  # -> closing
    posts = [p.text for p in thread_posts(world)]
    assert any("Key question: How do I get commitments that hold?" in t for t in posts)
    assert any(t.startswith("Method: Headstand brainstorming") for t in posts)
    assert not any("already tried" in t for t in posts)  # held, never posted
    numbered = [t for t in posts if t[:2] in ("3.", "4.", "5.", "6.")]
    assert [t.split(":")[0] for t in numbered] == ["3. cem", "4. cem", "5. dia", "6. eli"]
    world.say("ana", "/learn advice helped 3,5 Write decisions down and name who decides")
    closed = thread_posts(world)[-1]
    assert "The round is closed" in closed.text
    assert "Takeaway: Write decisions down" in closed.sections[0].text
    [entry] = [e for e in world.diary("ana") if e.source is EntrySource.ADVICE_ROUND]
    assert entry.author_id == world.person_id("ana") and entry.visibility is Visibility.GROUP
    assert "Key question: How do I get commitments that hold?" in entry.text
    # an advisor files their own ideas, once
    offer = [d for d in world.dms("cem") if d.buttons and d.buttons[0].command == "advice file"]
    assert len(offer) == 1
    assert "Filed 3 contributions" in world.say("cem", "/learn advice file").text
    assert "Filed already" in world.say("cem", "/learn advice file").text
    mine = world.diary("cem")
    assert len(mine) == 1 and "Never write anything down" in mine[0].text
    # the group reads the summary; the facilitator does not
    assert "commitments that hold" in world.say("dia", "/learn diary --of @ana").sections[0].text
    assert not world.say("fay", "/learn diary --of @ana").sections


def test_timeboxes_run_through_the_heartbeat(world):
    world.say("ana", "/learn advice A hard conversation ahead")
    world.clock.advance(timedelta(minutes=5))
    report = world.due.run()
    assert report.timers == 1
    posts = [p.text for p in thread_posts(world)]
    assert any("moderates (rotated)" in t for t in posts)  # the fair choice, at the timebox's end
    assert "phase 2 of 6: Case account" in posts[-1]
    for _ in range(5):
        world.clock.advance(timedelta(minutes=10))
        world.due.run()
    [record] = rounds(world)
    assert record.status == "finished"
    assert all(t.kind != "advice" for t in world.timers())


def test_outsiders_and_bad_moves_change_nothing(world):
    world.say("ana", "/learn advice A case")
    before = json.dumps([r.state for r in rounds(world)])
    for name, line, message in [
        ("fay", "/learn advice say hi", "no learning group"),
        ("ana", "/learn advice A second case", "one at a time"),
        ("cem", "/learn advice pause", ""),
        ("ben", "/learn advice method nonsense", ""),
    ]:
        refused = world.say(name, line)
        assert refused.is_error and message in refused.text
    assert json.dumps([r.state for r in rounds(world)]) == before


def test_forgetting_an_advisor_strikes_their_contributions(world):
    world.say("ana", "/learn advice A case")
    world.say("ana", "/learn advice moderator @ben")
    world.say("ben", "/learn advice next")
    world.say("cem", "/learn advice say a question from cem")
    world.tandem.forget(who("cem"))
    [record] = rounds(world)
    assert "from cem" not in json.dumps(record.state["round"])
    world.tandem.forget(who("ana"))  # the case-giver: the round goes
    assert rounds(world) == []


def test_a_restart_mid_round_continues_where_it_was(engine):
    factory = SqlUnitOfWorkFactory(engine)
    first = grouped(World(factory))
    first.say("ana", "/learn advice Written case --written")
    first.say("ana", "/learn advice moderator @ben")
    first.say("ben", "/learn advice next")
    # a new process: new core objects, same database
    second = World(factory, now=first.clock.now())
    second.say("ana", "/learn advice say The whole story, at length.")
    shown = second.say("ben", "/learn advice")
    assert (
        "phase 2, Case account" in shown.text
        and "Contributions so far: 1" in shown.sections[0].text
    )
    with factory() as uow:
        [timer] = [
            t
            for t in uow.timers.due(second.clock.now() + timedelta(days=30), 10)
            if t.kind == "advice"
        ]
        record = uow.advice.get(int(timer.subject))
        assert record.status == "active" and record.space == "C0GROUPS"


def test_a_company_adds_methods_and_timeboxes(tmp_path):
    from adapters.advice_config import AdviceConfigError, load

    path = tmp_path / "advice.yaml"
    path.write_text(
        "live_minutes: {consultation: 15}\n"
        "methods:\n"
        "  - {id: fishbowl, name: Fishbowl, how_to: Two talk it over aloud; the rest listen.}\n"
    )
    config = load(path)
    assert (
        config.method("fishbowl").name.text("en") == "Fishbowl"
        and config.method("headstand") is not None
    )
    assert config.live_minutes[Phase.CONSULTATION] == 15 and config.live_minutes[Phase.CASTING] == 5
    path.write_text("methods:\n  - {id: Bad Id, name: x, how_to: y}\n")
    with pytest.raises(AdviceConfigError, match="methods.0.id"):
        load(path)
    path.write_text("live_minutes: {consultation: 0}\n")
    with pytest.raises(AdviceConfigError, match="at least one minute"):
        load(path)


def test_leaving_the_cohort_mid_round_keeps_the_round_going(world):
    world.say("ana", "/learn advice A case")
    world.say("ana", "/learn advice moderator @ben")
    world.say("eli", f"/learn cohort leave {world.cohort_id()}")
    [record] = rounds(world)
    assert record.status == "active"
    assert world.person_id("eli") not in record.state["round"]["members"]
    world.say("ben", "/learn advice next")  # goes on
    world.say("ben", f"/learn cohort leave {world.cohort_id()}")  # the moderator leaves
    [record] = rounds(world)
    assert record.state["round"]["moderator"] not in (None, world.person_id("ben"))
    assert any("moderates (replaced)" in p.text for p in thread_posts(world))


def test_someone_who_left_reads_the_group_no_more_and_is_forgotten_whole(world):
    world.say("ana", "/learn advice A case")
    world.say("ana", "/learn advice moderator @ben")
    world.say("ben", "/learn advice next")
    world.say("eli", "/learn advice say a question from eli")
    world.say("dia", "/learn diary a note for my group --share group")
    world.say("eli", f"/learn cohort leave {world.cohort_id()}")
    refused = world.say("eli", "/learn advice")
    assert refused.is_error and "no learning group" in refused.text
    assert not world.say("eli", "/learn diary --of @dia").sections
    [record] = rounds(world)
    assert "a question from eli" in json.dumps(record.state)  # kept while eli is known
    assert "a question from eli" in json.dumps(json.loads(world.tandem.export(who("eli"))))
    world.tandem.forget(who("eli"))
    [record] = rounds(world)
    assert "a question from eli" not in json.dumps(record.state)


def test_a_cancelled_round_says_so_once(world):
    world.say("ana", "/learn advice A case")
    world.say("ana", "/learn advice cancel")
    assert thread_posts(world)[-1].text == "The round was cancelled by ana."
