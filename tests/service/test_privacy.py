"""Nobody reads another person's entry unless it was shared with a circle they belong to.

The whole matrix (every visibility x every kind of viewer) runs through the real read
path, `/learn diary --of`, over the fakes and over SQLite and PostgreSQL.
"""

from __future__ import annotations

import pytest

from bot.clock import FixedClock
from bot.domain import (
    SHARE_CHOICES,
    Cohort,
    DiaryEntry,
    Membership,
    Reader,
    Role,
    Visibility,
)
from bot.policy import Policy
from bot.ports import UnitOfWorkFactory
from bot.privacy import Rights, can_read, visibilities_for
from bot.service import Tandem
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import NOW, console_identity
from tests.support.fakes import FakeDatabase

TEXT = {v: f"{v.value} entry of ana" for v in Visibility}

# viewer -> the entries of ana they may read
EXPECTED = {
    "ana": set(Visibility),  # the author
    "pat": {Visibility.PARTNER},  # ana's learning partner
    "gus": {Visibility.GROUP},  # in ana's learning group
    "tia": {Visibility.TUTOR},  # ana's tutor
    "tom": set(),  # a tutor, but of someone else
    "max": set(),  # ana's manager: never the diary
    "fay": set(),  # a facilitator: never the diary
    "sam": set(),  # a colleague with no tie to ana (but in her community of practice:
    # what she shares there he reads with `cop posts`, not in her diary; test_community.py)
}


def _arrange(uow_factory: UnitOfWorkFactory, tandem: Tandem) -> None:
    for name in EXPECTED:
        tandem.handle(console_identity(name), "/learn help")
    tandem.handle(console_identity("fay"), "/learn cop open craft")
    for name in ("ana", "sam"):
        tandem.handle(console_identity(name), "/learn cop join craft")
    [shared] = tandem.handle(
        console_identity("ana"), f"/learn cop share craft A title | {TEXT[Visibility.COMMUNITY]}"
    )
    assert "Shared in craft" in shared.text
    with uow_factory() as uow:
        ids = {n: uow.people.by_identity(console_identity(n)).id for n in EXPECTED}
        cohort = uow.cohorts.add(Cohort(name="Spring", created_at=NOW))
        for name, role, accompanies in (
            ("ana", Role.LEARNER, None),
            ("pat", Role.LEARNER, None),
            ("gus", Role.LEARNER, None),
            ("sam", Role.LEARNER, None),
            ("tia", Role.TUTOR, ids["ana"]),
            ("tom", Role.TUTOR, ids["sam"]),
            ("max", Role.MANAGER, None),
            ("fay", Role.FACILITATOR, None),
        ):
            uow.memberships.add(
                Membership(cohort.id, ids[name], role, NOW, accompanies=accompanies)
            )
        uow.partnerships.add(cohort.id, [ids["ana"], ids["pat"]], NOW)
        uow.partnerships.add(cohort.id, [ids["gus"], ids["sam"]], NOW)
        uow.groups.add(cohort.id, "Group 1", [ids["ana"], ids["gus"]], NOW)
        uow.commit()
    # written once the circles stand: an entry is for those in its circle when written
    for visibility in SHARE_CHOICES:
        tandem.handle(
            console_identity("ana"), f"/learn diary {TEXT[visibility]} --share {visibility.value}"
        )


def _check_matrix(tandem: Tandem) -> None:
    for viewer, allowed in EXPECTED.items():
        [reply] = tandem.handle(console_identity(viewer), "/learn diary --of @ana")
        seen = {s.text for s in reply.sections}
        assert seen == {TEXT[v] for v in allowed}, viewer
        if not allowed:
            assert reply.text == "ana has shared no diary entries with you."


def test_every_visibility_over_fakes() -> None:
    db = FakeDatabase()
    tandem = Tandem(db, FixedClock(NOW), Policy(facilitator_refs=frozenset({"console:fay"})))
    _arrange(db, tandem)
    _check_matrix(tandem)


def test_every_visibility_over_storage(engine) -> None:
    factory = SqlUnitOfWorkFactory(engine)
    tandem = Tandem(factory, FixedClock(NOW), Policy(facilitator_refs=frozenset({"console:fay"})))
    _arrange(factory, tandem)
    _check_matrix(tandem)


def test_the_own_diary_listing_never_shows_anyone_elses_entries(tandem) -> None:
    tandem.handle(console_identity("ben"), "/learn diary bens shared --share group")
    [reply] = tandem.handle(console_identity("ana"), "/learn diary")
    assert "bens" not in reply.text and not reply.sections


def test_a_person_on_another_platform_cannot_reach_ana(tandem) -> None:
    from bot.domain import Identity, Platform

    tandem.handle(console_identity("ana"), "/learn diary hi --share group")
    [reply] = tandem.handle(Identity(Platform.SLACK, "T1", "U9"), "/learn diary --of ana")
    assert reply.text == "ana has shared no diary entries with you."  # not even a hint


# around author 1 now: partnership 10 with 2, group 20 with 3, tutor relation 30 of 4
STANDING = Rights(
    1,
    frozenset({(Visibility.PARTNER, 10, 2), (Visibility.GROUP, 20, 3), (Visibility.TUTOR, 30, 4)}),
)
WRITTEN_FOR = (
    Reader(2, Visibility.PARTNER, 10),
    Reader(3, Visibility.GROUP, 20),
    Reader(4, Visibility.TUTOR, 30),
)


def _entry(visibility: Visibility) -> DiaryEntry:
    audience = tuple(r for r in WRITTEN_FOR if r.kind is visibility)
    return DiaryEntry(
        author_id=1, text="x", created_at=NOW, visibility=visibility, audience=audience
    )


@pytest.mark.parametrize("visibility", list(Visibility))
def test_can_read_table(visibility: Visibility) -> None:
    relations = STANDING
    entry = _entry(visibility)
    readers = {viewer for viewer in range(1, 7) if can_read(viewer, entry, relations)}
    expected = {1} | {
        Visibility.PRIVATE: set(),
        Visibility.PARTNER: {2},
        Visibility.GROUP: {3},
        Visibility.TUTOR: {4},
        Visibility.COMMUNITY: set(),  # only the members of its community, given below
    }[visibility]
    assert readers == expected
    assert visibilities_for(5, 1, relations) == frozenset()


def test_an_entry_is_read_only_through_the_circle_it_was_written_for() -> None:
    for visibility in (Visibility.PARTNER, Visibility.GROUP, Visibility.TUTOR):
        entry = _entry(visibility)
        [reader] = entry.audience
        assert can_read(reader.person_id, entry, STANDING)
        # the circle ended (a new partnership, group or tutor relation stands instead)
        moved = Rights(1, frozenset({(visibility, reader.circle + 1, reader.person_id)}))
        assert not can_read(reader.person_id, entry, moved)
        # in the circle now, but not when it was written
        later = DiaryEntry(author_id=1, text="x", created_at=NOW, visibility=visibility)
        assert not can_read(reader.person_id, later, STANDING)
        # a manager of the author, whenever that arose
        managed = Rights(1, STANDING.standing, frozenset({reader.person_id}))
        assert not can_read(reader.person_id, entry, managed)


def test_a_community_entry_is_read_by_its_communitys_members_only() -> None:
    relations = STANDING
    entry = DiaryEntry(author_id=1, text="x", created_at=NOW, visibility=Visibility.COMMUNITY)
    readers = {v for v in range(1, 8) if can_read(v, entry, relations, frozenset({5, 6}))}
    assert readers == {1, 5, 6}  # partner, group, tutor: not as such
    for visibility in SHARE_CHOICES:  # membership of a community opens no other entry
        other = _entry(visibility)
        assert not can_read(5, other, relations, frozenset({5}))
