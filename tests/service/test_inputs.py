"""Inputs as people type them (issue 16, item 5): time zones by city and in any case,
dates as people write them, `2-4` as levels, one date window for goals and milestones,
community names with spaces, ambiguous tags, and an unknown @name that creates no one.
Each through the core with fakes and a fixed clock, and on the typed (Discord) path
where the value is typed there."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from bot.clock import FixedClock
from bot.commands import CommandError
from bot.grammar.parser import from_typed
from bot.grammar.table import TABLE
from bot.policy import Policy
from bot.service import Tandem
from tests.conftest import console_identity
from tests.support.fakes import FakeDatabase

ANA = console_identity("ana")
# Monday 30 November 2026, 23:30 UTC: already Tuesday 1 December in Berlin
LATE_MONDAY_UTC = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)


class World:
    def __init__(self, start: datetime = LATE_MONDAY_UTC) -> None:
        self.db = FakeDatabase()
        self.clock = FixedClock(start)
        self.tandem = Tandem(self.db, self.clock, Policy(default_timezone="Europe/Berlin"))

    def say(self, line: str, who=ANA):
        return self.tandem.handle(who, line).replies

    def person(self, name: str = "ana"):
        [found] = [p for p in self.db.state.people.values() if p.identity.user_id == name]
        return found


@pytest.fixture
def world() -> World:
    return World()


def _verb(group_word: str, *words: str):
    group = TABLE.group(group_word)
    assert group is not None
    for verb in group.verbs:
        if tuple(w[0] for w in verb.words) == words:
            return group, verb
    raise AssertionError(f"no verb {group_word} {words}")


# -- time zones ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "zone"),
    [
        ("Berlin", "Europe/Berlin"),
        ("europe/berlin", "Europe/Berlin"),
        ("new york", "America/New_York"),
        ("New_York", "America/New_York"),
        ("kolkata", "Asia/Kolkata"),
        ("port au prince", "America/Port-au-Prince"),
        ("America/Chicago", "America/Chicago"),
    ],
)
def test_a_time_zone_is_taken_by_city_and_in_any_case(world, typed, zone):
    [reply] = world.say(f"/learn checkin tz {typed}")
    assert not reply.is_error, reply.text
    assert world.person().timezone == zone
    assert zone in reply.text


def test_one_zone_under_two_names_is_one_answer(world):
    # the tz database links America/Buenos_Aires to America/Argentina/Buenos_Aires
    world.say("/learn checkin tz buenos aires")
    assert world.person().timezone == "America/Argentina/Buenos_Aires"


def test_an_ambiguous_zone_is_answered_with_its_candidates(world):
    world.say("/learn checkin tz Berlin")
    before = copy.deepcopy(world.db.state)
    [reply] = world.say("/learn checkin tz west")  # Australia/West or Brazil/West
    assert reply.is_error
    assert "`Australia/West` or `Brazil/West`" in reply.text
    assert world.db.state == before


def test_an_unknown_zone_is_answered_with_near_names(world):
    [reply] = world.say("/learn checkin tz Berlinn")
    assert reply.is_error
    assert "I don't know the time zone `Berlinn`" in reply.text
    assert "`Europe/Berlin`" in reply.text


def test_a_typed_zone_is_read_the_same_way():
    group, verb = _verb("checkin", "tz")
    assert from_typed(group, verb, {"zone": "new york"}).zone == "America/New_York"
    with pytest.raises(CommandError, match="could be"):
        from_typed(group, verb, {"zone": "West"})
