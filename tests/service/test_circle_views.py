"""A person's managers are never in their circles, in every read path too: someone named
a learner's manager after the groups and pairs were formed is no longer shown in that
learner's `/learn group` or `/learn partner` (the privacy machine found it on SQLite:
"bozqa's group includes ['evjor']")."""

from __future__ import annotations

import pytest

from bot.ports import UnitOfWorkFactory
from tests.service.test_kickoff import World

NAMES = ("ana", "ben", "cem", "dia")


@pytest.fixture
def world(uow_factory: UnitOfWorkFactory) -> World:
    world = World(uow_factory)
    world.cohort_with(NAMES)
    return world


def test_a_group_mate_named_manager_since_is_not_shown_in_the_group(world):
    world.say("fay", "/learn cohort groups --size 4-4")
    world.say("fay", "/learn cohort confirm groups")
    assert "ben" in world.say("ana", "/learn group").text
    world.say("fay", "/learn cohort add @ben manager --of @ana")
    shown = world.say("ana", "/learn group").text
    assert "ana" in shown and "cem" in shown and "ben" not in shown


def test_a_partner_named_manager_since_is_not_shown_as_the_partner(world):
    world.say("fay", "/learn cohort pair")
    world.say("fay", "/learn cohort confirm pairs")
    partner = world.say("ana", "/learn partner").text
    other = next(n for n in NAMES if n != "ana" and n in partner)
    world.say("fay", f"/learn cohort add @{other} manager --of @ana")
    assert other not in world.say("ana", "/learn partner").text
