"""The way through, in the core (fakes and a fixed clock; the digest also on SQLite and
PostgreSQL): the next step named in answers, the facilitator's steps by phase, the
current proposal, kickoff's messages to every member, and the facilitator's digest of
answered invitations, small groups and broken partnerships (one row per facilitator per
day, due at the day's end)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain import OutboxStatus
from bot.replies import Reply
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.service.test_kickoff import World


@pytest.fixture
def world() -> World:
    return World()


def test_the_facilitator_is_led_through_the_phases(world: World):
    assert "`/learn cohort open <name>`" in world.say("fay", "/learn").sections[1].text
    world.say("fay", "/learn cohort open Spring")
    world.say("fay", "/learn cohort invite @ana @ben")
    world.say("fay", "/learn cohort add @tia tutor --of @ana")
    for name in ("ana", "ben"):
        world.say(name, "/learn cohort join")
    kicked = world.say("fay", "/learn cohort kickoff")
    assert kicked.next_step is not None and "`/learn cohort pair`" in kicked.next_step
    proposed = world.say("fay", "/learn cohort pair")
    assert "`/learn cohort confirm pairs`" in proposed.text  # named: no footer needed
    assert proposed.next_step is None
    confirmed = world.say("fay", "/learn cohort confirm pairs")
    assert confirmed.next_step is not None and "`/learn cohort groups`" in confirmed.next_step
    listing = world.say("fay", "/learn cohort")
    assert "`/learn cohort groups`" in listing.sections[-1].text


def test_the_current_proposal_can_be_seen_and_only_by_a_facilitator(world: World):
    world.cohort_with(("ana", "ben", "cem", "dia"))
    refused = world.say("fay", "/learn cohort proposal")
    assert refused.is_error and "No proposal of pairs or groups waits" in refused.text
    world.say("fay", "/learn cohort pair")
    shown = world.say("fay", "/learn cohort proposal pairs")
    assert shown.sections[0].title == "Proposed pairs for Spring"
    assert shown.sections[0].text.count(" + ") == 2
    assert world.say("fay", "/learn cohort proposal groups").is_error
    for_learner = world.say("ana", "/learn cohort proposal")
    assert for_learner.is_error and "Only facilitators" in for_learner.text
    assert "ana" not in for_learner.text


def test_kickoff_tells_every_member_what_happens_now(world: World):
    world.say("fay", "/learn cohort open Spring")
    world.say("fay", "/learn cohort invite @ana @ben")
    world.say("fay", "/learn cohort add @tia tutor --of @ana")
    world.say("fay", "/learn cohort add @max manager --of @ana")
    world.say("ana", "/learn cohort join")  # ben does not join: he is not told
    world.say("fay", "/learn cohort kickoff")
    said = {
        name: [d for d in world.dms(name) if "has started its learning phases" in d.text]
        for name in ("ana", "ben", "tia", "max")
    }
    assert [len(said[n]) for n in ("ana", "ben", "tia", "max")] == [1, 0, 1, 1]
    assert "write your plan" in said["ana"][0].sections[0].text
    assert "`/learn assess`" in said["ana"][0].sections[1].text
    assert "`/learn goals add @ana" in said["tia"][0].sections[1].text
    assert "`/learn agree`" in said["max"][0].sections[1].text


def test_a_refusal_gets_no_next_step_and_changes_nothing(world: World):
    refused = world.say("ana", "/learn cohort kickoff")
    assert refused.is_error and refused.next_step is None


def _digest_world(world: World) -> None:
    world.cohort_with(("ana", "ben", "cem", "dia"))
    world.say("fay", "/learn cohort kickoff")
    world.say("fay", "/learn cohort pair")
    world.say("fay", "/learn cohort confirm pairs")
    world.say("fay", "/learn cohort groups --size 4-4")
    world.say("fay", "/learn cohort confirm groups")
    world.say("cem", "/learn cohort leave")


def _digest_rows(world: World) -> list:  # noqa: ANN201
    fay = world.person_id("fay")
    with world.db() as uow:
        return [m for m in uow.outbox.for_recipient(fay) if m.idempotency_key.startswith("digest:")]


@pytest.mark.parametrize(
    "backend", ["fake", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_the_facilitator_hears_what_happened_in_one_digest(
    backend: str, request: pytest.FixtureRequest
):
    if backend == "fake":
        world = World()
    else:
        world = World(SqlUnitOfWorkFactory(request.getfixturevalue(f"{backend}_engine")))
    _digest_world(world)
    [row] = _digest_rows(world)  # one row for the day, not one per event
    assert row.status is OutboxStatus.PENDING and row.due_at > world.clock.now()
    assert row.due_at - world.clock.now() <= timedelta(days=1)
    text = Reply.model_validate_json(row.payload).sections[0].text
    lines = text.split("\n")
    assert sum("joined Spring" in line for line in lines) == 4
    # cem's partnership, with who ended it (issue 16, item 2: the digest says who)
    assert any("ended: cem left the cohort" in line for line in lines)
    assert any("has 3 members now, fewer than 4" in line for line in lines)
    world.clock.advance(timedelta(days=1))
    world.say("dia", "/learn cohort leave")  # the next day: a new digest
    assert len(_digest_rows(world)) == 2
