"""Calendar invites through the core, on the fakes, SQLite and PostgreSQL (`world`):
`partner meet <date> <time>` writes one DM per partner (a trio's three), each with an
invite in that person's own zone and language; the same UID for every version of one
session and SEQUENCE + 1 with each change; `partner meet cancel`; `plan calendar <n>`;
bad input changes nothing; an ended partnership and a manager get nothing; export and
forget reach the meetings."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from bot.ports import UnitOfWorkFactory
from bot.replies import Invite, Reply
from tests.service.test_kickoff import World
from tests.support.backends import snapshot
from tests.support.language import assert_german


@pytest.fixture
def world(uow_factory: UnitOfWorkFactory) -> World:
    return World(uow_factory)


def paired(world: World, names: tuple[str, ...] = ("ana", "ben")) -> None:
    world.cohort_with(names)
    world.say("fay", "/learn cohort pair")
    world.say("fay", "/learn cohort confirm pairs")


def invites(world: World, name: str) -> list[tuple[Reply, Invite]]:
    return [(d, d.invite) for d in world.dms(name) if d.invite is not None]


def test_both_partners_get_an_invite_in_their_own_zone(world):
    paired(world)
    world.say("ben", "/learn checkin tz America/New_York")
    said = world.say("ana", "/learn partner meet 2027-03-28 10:00")
    assert not said.is_error
    assert "Co-coaching with ben on Sun 28 Mar 2027, 10:00" in said.text
    [(to_ana, for_ana)] = invites(world, "ana")
    [(to_ben, for_ben)] = invites(world, "ben")
    assert for_ana.uid == for_ben.uid and for_ana.sequence == for_ben.sequence == 0
    assert for_ana.method == for_ben.method == "REQUEST"
    # one instant, each on their own clock: 10:00 in Berlin is 04:00 in New York that day
    assert for_ana.start == for_ben.start == datetime(2027, 3, 28, 8, 0, tzinfo=UTC)
    assert (for_ana.timezone, for_ben.timezone) == ("Europe/Berlin", "America/New_York")
    assert "04:00 (America/New_York)" in to_ben.text and "with ana" in to_ben.text
    assert "10:00 (Europe/Berlin)" in to_ana.text and "with ben" in to_ana.text
    assert for_ben.summary == "Co-coaching with ana"


def test_a_new_time_updates_the_same_invite_and_cancel_ends_it(world):
    paired(world)
    world.say("ana", "/learn partner meet 2027-10-31 10:00")
    moved = world.say("ben", "/learn partner meet 2027-10-30 10:00")
    assert "Moved" in moved.text and "Sat 30 Oct 2027, 10:00" in moved.text
    again = world.say("ben", "/learn partner meet 2027-10-30 10:00")  # the same: resent
    assert not again.is_error
    cancelled = world.say("ana", "/learn partner meet cancel")
    assert "Cancelled" in cancelled.text
    for name in ("ana", "ben"):
        sent = [i for _d, i in invites(world, name)]
        assert [i.sequence for i in sent] == [0, 1, 2, 3]
        assert len({i.uid for i in sent}) == 1
        assert [i.method for i in sent] == ["REQUEST"] * 3 + ["CANCEL"]
        assert sent[0].start == datetime(2027, 10, 31, 9, 0, tzinfo=UTC)  # after the change
        assert sent[1].start == datetime(2027, 10, 30, 8, 0, tzinfo=UTC)  # still summer time
        assert sent[3].start == sent[2].start
    refused = world.say("ana", "/learn partner meet cancel")
    assert refused.is_error and "No co-coaching session is set" in refused.text
    world.say("ana", "/learn partner meet 2027-11-02 10:00")  # after a cancellation: a new one
    [*_, (_d, fresh)] = invites(world, "ben")
    assert fresh.uid != sent[0].uid and fresh.sequence == 0 and fresh.method == "REQUEST"


def test_a_trio_all_get_it(world):
    paired(world, ("ana", "ben", "cem"))
    said = world.say("cem", "/learn partner meet 2027-03-28 18:00")
    assert "with ana and ben" in said.text
    uids = {i.uid for name in ("ana", "ben", "cem") for _d, i in invites(world, name)}
    assert len(uids) == 1
    assert all(len(invites(world, name)) == 1 for name in ("ana", "ben", "cem"))


@pytest.mark.parametrize(
    ("line", "said"),
    [
        ("/learn partner meet 2026-11-29 10:00", "has passed"),  # yesterday
        ("/learn partner meet 2026-11-30 09:30", "has passed"),  # today, half an hour ago
        ("/learn partner meet 2027-03-28 02:30", "does not exist"),  # the hour Berlin skips
        ("/learn partner meet 2027-03-28 25:00", "is not a time of day"),
        ("/learn partner meet 2027-02-30 10:00", "is not a date"),
        ("/learn partner meet 2031-01-01 10:00", "too far ahead"),
        ("/learn partner meet", "Say when"),
        ("/learn partner meet tomorrow", "is not a time of day"),
        ("/learn plan calendar 9", "You have no milestone 9"),
    ],
)
def test_bad_input_is_told_to_the_asker_only_and_changes_nothing(world, line, said):
    paired(world)
    before = snapshot(world.db)
    answer = world.say("ana", line)
    assert answer.is_error and said in answer.text, answer.text
    assert snapshot(world.db) == before


def test_no_partner_no_invite(world):
    world.cohort_with(("ana", "ben"))
    before = snapshot(world.db)
    refused = world.say("ana", "/learn partner meet 2027-03-28 10:00")
    assert refused.is_error and "no learning partner" in refused.text
    assert snapshot(world.db) == before


def test_an_ended_partnership_gets_no_invite(world):
    paired(world, ("ana", "ben", "cem", "dia"))
    [first, *_] = world.partnerships()
    names = world.names()
    leaver, left_with = (names[p] for p in first.members)
    world.say(leaver, f"/learn cohort leave {world.cohort_id()}")
    refused = world.say(leaver, "/learn partner meet 2027-03-28 10:00")
    assert refused.is_error
    assert not invites(world, leaver) and not invites(world, left_with)
    # the one left alone is in a partnership again: the invite goes to the present one only
    world.say(left_with, "/learn partner meet 2027-03-28 10:00")
    assert not invites(world, leaver)
    present = next(p for p in world.partnerships() if p.ended_at is None)
    got = {names[p] for p in present.members}
    assert all(len(invites(world, n)) == 1 for n in got) and leaver not in got


def test_a_manager_never_gets_one(world):
    paired(world)
    world.say("fay", "/learn cohort add @ben manager --of @ana")  # ben is named her manager
    before = snapshot(world.db)
    for asker in ("ana", "ben"):
        refused = world.say(asker, "/learn partner meet 2027-03-28 10:00")
        assert refused.is_error, refused.text
    assert snapshot(world.db) == before
    assert not invites(world, "ana") and not invites(world, "ben")


def test_a_milestone_goes_into_ones_own_calendar(world):
    paired(world)
    world.say("ana", "/learn plan add 2027-10-31 first retro led | the team asks for more")
    said = world.say("ana", "/learn plan calendar 1")
    assert "direct messages" in said.text
    [(dm, invite)] = invites(world, "ana")
    assert invite.day == date(2027, 10, 31) and invite.method == "PUBLISH"
    assert invite.summary == "Milestone: first retro led"
    assert "Milestone 1" in dm.text
    assert not invites(world, "ben")  # one's own milestone: no one else is told


def test_the_others_are_named_in_the_readers_language(world):
    """A German asker's English partners read "ana and eva", not "ana und eva"."""
    paired(world, ("ana", "ben", "eva"))  # an odd count: a trio
    world.say("ana", "/learn language de")
    said = world.say("ana", "/learn lernpartner treffen 28.03.2027 10:00")
    assert "ben und eva" in said.text, said.text
    [(to_ben, invite)] = invites(world, "ben")
    assert "with ana and eva" in to_ben.text, to_ben.text
    assert invite.summary == "Co-coaching with ana and eva"
    [(to_ana, _)] = invites(world, "ana")
    assert "mit ben und eva" in to_ana.text, to_ana.text


def test_in_german(world):
    paired(world)
    world.say("ana", "/learn language de")
    world.say("ben", "/learn language de")
    said = world.say("ana", "/learn lernpartner treffen 28.03.2027 10:00")
    assert not said.is_error, said.text
    assert_german(said.text)
    [(dm, invite)] = invites(world, "ben")
    assert_german(dm.text, allow=("Europe/Berlin",))
    assert invite.summary.startswith("Co-Coaching mit ana")
    assert_german(invite.description)
    moved = world.say("ben", "/learn lernpartner treffen 29.03.2027 9:30 uhr")
    assert_german(moved.text)
    cancelled = world.say("ana", "/learn lernpartner treffen absagen")
    assert_german(cancelled.text)
    [*_, (dm, invite)] = invites(world, "ben")
    assert invite.method == "CANCEL" and invite.sequence == 2
    assert_german(dm.text)
    assert_german(invite.summary)
    past = world.say("ana", "/learn lernpartner treffen 01.01.2026 10:00")
    assert past.is_error
    assert_german(past.text)
    gap = world.say("ana", "/learn lernpartner treffen 28.03.2027 02:30")
    assert gap.is_error
    assert_german(gap.text, allow=("Europe/Berlin",))
    world.say("ana", "/learn plan neu 2027-10-31 Retro geleitet")
    world.say("ana", "/learn plan kalender 1")
    [*_, (dm, invite)] = invites(world, "ana")
    assert invite.day == date(2027, 10, 31)
    assert_german(dm.text)
    assert_german(invite.summary)


def test_export_shows_the_meetings_and_forget_erases_them(world):
    paired(world)
    world.say("ana", "/learn partner meet 2027-03-28 10:00")
    export = world.say("ana", "/learn privacy export")
    assert export.attachment is not None
    document = json.loads(export.attachment.content)
    [meeting] = document["co_coaching_meetings"]
    assert meeting["starts_at"].startswith("2027-03-28T08:00")
    world.say("ana", "/learn privacy forget")
    confirm = world.say("ana", "/learn privacy forget confirm")
    assert not confirm.is_error, confirm.text
    ids = [p.id for p in world.partnerships()]
    assert ids
    with world.db() as uow:
        assert uow.meetings.for_partnerships(ids) == []


def test_a_partnership_that_ends_cancels_its_coming_session(world):
    paired(world, ("ana", "ben", "cem", "dia"))
    [first, *_] = world.partnerships()
    names = world.names()
    leaver, left_with = (names[p] for p in first.members)
    world.say(leaver, "/learn partner meet 2027-03-28 10:00")
    world.say(leaver, f"/learn cohort leave {world.cohort_id()}")
    for name in (leaver, left_with):
        sent = [i for _d, i in invites(world, name)]
        assert [(i.method, i.sequence) for i in sent] == [("REQUEST", 0), ("CANCEL", 1)]
        assert sent[0].uid == sent[1].uid
    # the one left alone is re-paired: nothing of the old session reaches the new partners
    present = next(p for p in world.partnerships() if p.ended_at is None)
    for pid in present.members:
        if names[pid] != left_with:
            assert not invites(world, names[pid])


def test_forget_cancels_the_session_for_the_partner_without_naming_who_was_erased(world):
    paired(world)
    world.say("ana", "/learn partner meet 2027-03-28 10:00")
    world.say("ana", "/learn privacy forget")
    world.say("ana", "/learn privacy forget confirm")
    # the invite naming ana is among the messages to others forget removes (had it gone
    # out already, it stays in ben's calendar: the cancellation takes it out)
    [(dm, cancel)] = invites(world, "ben")
    assert cancel.method == "CANCEL" and cancel.sequence == 1
    assert "ana" not in dm.model_dump_json()


def test_a_time_that_occurs_twice_is_the_first(world):
    """02:30 on 31 October 2027 comes twice in Berlin (summer time, then winter time): the
    first, 00:30 UTC."""
    paired(world)
    world.say("ana", "/learn partner meet 2027-10-31 02:30")
    [(_dm, invite)] = invites(world, "ben")
    assert invite.start == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)


# -- a learning group's live colleague-advice round, set for later --------------------------


def grouped(world: World, names: tuple[str, ...] = ("ana", "ben", "cem", "dia")) -> None:
    world.cohort_with(names)
    world.say("fay", "/learn cohort groups --size 3-4")
    world.say("fay", "/learn cohort confirm groups")


def test_a_live_round_set_for_later_invites_the_whole_group(world):
    grouped(world)
    world.say("ben", "/learn checkin tz America/New_York")
    world.say("cem", "/learn language de")
    said = world.say("ana", "/learn group meet 2027-03-28 15:00")
    assert "each member gets an invite" in said.text
    sent = {name: invites(world, name) for name in ("ana", "ben", "cem", "dia")}
    assert all(len(got) == 1 for got in sent.values())
    uids = {i.uid for got in sent.values() for _d, i in got}
    assert len(uids) == 1 and next(iter(uids)).startswith("advice-")
    [(to_ben, for_ben)] = sent["ben"]
    assert for_ben.start == datetime(2027, 3, 28, 13, 0, tzinfo=UTC)
    assert for_ben.timezone == "America/New_York" and "09:00 (America/New_York)" in to_ben.text
    [(to_cem, for_cem)] = sent["cem"]
    assert_german(to_cem.text, allow=("Europe/Berlin",))
    assert for_cem.summary.startswith("Kollegiale Beratung: ")
    world.say("dia", "/learn group meet 2027-03-29 15:00")  # anyone in it moves it
    world.say("cem", "/learn gruppe treffen absagen")
    for name in ("ana", "ben", "cem", "dia"):
        got = [i for _d, i in invites(world, name)]
        assert [(i.method, i.sequence) for i in got] == [
            ("REQUEST", 0),
            ("REQUEST", 1),
            ("CANCEL", 2),
        ]
        assert {i.uid for i in got} == uids
    [group] = world.groups()
    with world.db() as uow:  # the round itself opens only then, with `/learn advice <case>`
        assert uow.advice.in_group(group.id) == []


def test_no_group_no_live_round_and_bad_input_changes_nothing(world):
    world.cohort_with(("ana", "ben"))
    before = snapshot(world.db)
    refused = world.say("ana", "/learn group meet 2027-03-28 15:00")
    assert refused.is_error and "no learning group" in refused.text
    assert snapshot(world.db) == before
    for line in ("/learn group meet 2026-01-01 15:00", "/learn group meet cancel"):
        answer = world.say("ana", line)
        assert answer.is_error
        assert snapshot(world.db) == before


def test_a_group_that_ends_cancels_its_live_round(world):
    grouped(world)
    world.say("ana", "/learn group meet 2027-03-28 15:00")
    closed = world.say("fay", f"/learn cohort close {world.cohort_id()}")
    assert not closed.is_error, closed.text
    for name in ("ana", "ben", "cem", "dia"):
        got = [i for _d, i in invites(world, name)]
        assert [(i.method, i.sequence) for i in got][:2] == [("REQUEST", 0), ("CANCEL", 1)]
        assert got[1].summary == "Cancelled: colleague advice"
