"""Communities of practice: the grammar, the lifecycle in the core, who reads what was
shared, bad input, export and erasure, and the repositories on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot.clock import FixedClock
from bot.commands import (
    MAX_DIARY_CHARS,
    CommandError,
    JoinCommunity,
    LeaveCommunity,
    OpenCommunity,
    ShareExperience,
    ShowCommunities,
    ShowCommunityPosts,
)
from bot.domain import (
    Cohort,
    Community,
    CommunityMember,
    CommunityPost,
    DiaryEntry,
    EntrySource,
    Membership,
    Person,
    Role,
    Thread,
    Visibility,
)
from bot.grammar.table import parse
from bot.policy import Policy
from bot.ports import UnitOfWorkFactory
from bot.replies import Audience, Reply
from bot.service import Tandem
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import NOW, console_identity
from tests.support.backends import snapshot
from tests.support.fakes import FakeDatabase

# -- grammar -------------------------------------------------------------------------------

PARSES = [
    ("cop", ShowCommunities()),
    ("cop open facilitation", OpenCommunity(name="facilitation")),
    ("cop join Facilitation", JoinCommunity(name="Facilitation")),
    ("cop leave facilitation", LeaveCommunity(name="facilitation")),
    ("cop posts facilitation", ShowCommunityPosts(name="facilitation")),
    (
        "cop share facilitation Silent start | We began with 5 minutes of silent writing #moderation",
        ShareExperience(
            name="facilitation",
            title="Silent start",
            text="We began with 5 minutes of silent writing #moderation",
            tags=("moderation",),
        ),
    ),
    (
        "cop share fac A | line one\nline two",
        ShareExperience(name="fac", title="A", text="line one\nline two"),
    ),
]


@pytest.mark.parametrize(("line", "expected"), PARSES, ids=[p[0][:40] for p in PARSES])
def test_parses(line: str, expected: object) -> None:
    assert parse(line) == expected


ERRORS = [
    ("cop open", "Name the community"),
    ("cop join", "Name the community"),
    ("cop open #x", "words of letters"),
    ("cop join code review!", "words of letters"),
    ("cop open " + "x" * 41, "at most 40 characters"),
    ("cop share fac no bar here", "Share like this"),
    ("cop share fac | only text", "Share like this"),
    ("cop share fac Title |", "Share like this"),
    ("cop share fac " + "t" * 101 + " | x", "The title has 101 characters"),
    ("cop share fac T | " + "x" * (MAX_DIARY_CHARS + 1), "Your experience has"),
    ("cop dance", "Communities of practice:"),
    ("diary hello --share community", "cop share"),
]


@pytest.mark.parametrize(("line", "message"), ERRORS, ids=[e[0][:40] for e in ERRORS])
def test_refuses(line: str, message: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse(line)
    assert message in str(caught.value)
    assert len(str(caught.value)) < 240


# -- the core ------------------------------------------------------------------------------

FAY = console_identity("fay")  # a facilitator
ANA, BEN, SAM = console_identity("ana"), console_identity("ben"), console_identity("sam")


@pytest.fixture
def db(uow_factory: UnitOfWorkFactory) -> UnitOfWorkFactory:
    """The fakes, SQLite and PostgreSQL in turn."""
    return uow_factory


@pytest.fixture
def core(db: UnitOfWorkFactory) -> Tandem:
    return Tandem(db, FixedClock(NOW), Policy(facilitator_refs=frozenset({"console:fay"})))


def say(core: Tandem, who, line: str, where: str | None = None) -> Reply:  # noqa: ANN001
    [reply] = core.handle(who, line, where=where)
    return reply


def _posts_in_outbox(db: UnitOfWorkFactory) -> list[Reply]:
    """The posts queued for a community's space (the sharer is their recipient)."""
    with db() as uow:
        people = [uow.people.by_identity(w) for w in (FAY, ANA, BEN, SAM)]
        rows = [m for p in people if p is not None for m in uow.outbox.for_recipient(p.id)]
    rows.sort(key=lambda r: r.id or 0)
    replies = [Reply.model_validate_json(r.payload) for r in rows]
    return [r for r in replies if r.audience is Audience.POST]


def test_a_community_from_opening_to_shared_posts(core: Tandem, db: UnitOfWorkFactory) -> None:
    assert "no communities of practice yet" in say(core, ANA, "/learn cop").text
    opened = say(core, FAY, "/learn cop open facilitation", where="C0FORUM")
    assert "is open and lives here" in opened.text
    with db() as uow:
        assert [c.space for c in uow.communities.all()] == ["C0FORUM"]

    assert "Welcome to facilitation" in say(core, ANA, "/learn cop join facilitation").text
    assert "Welcome" in say(core, BEN, "/learn cop join FACILITATION").text  # any case
    assert "already" in say(core, BEN, "/learn cop join facilitation").text
    listing = say(core, ANA, "/learn cop")
    [section] = listing.sections
    assert section.title == "facilitation" and section.text == "2 members · you are a member"
    assert say(core, SAM, "/learn cop").sections[0].text == "2 members"

    shared = say(
        core, ANA, "/learn cop share facilitation Silent start | Five minutes of silent writing"
    )
    assert "Shared in facilitation" in shared.text and shared.audience is Audience.ASKER
    with db() as uow:
        ana = uow.people.by_identity(ANA)
        [entry] = uow.diary.by_author(ana.id, list(Visibility), None)
        [community] = uow.communities.all()
        [(stored, stored_entry)] = uow.communities.posts(community.id, None)
    assert stored_entry.id == entry.id and stored.author_id == ana.id
    assert entry.visibility is Visibility.COMMUNITY and entry.source is EntrySource.COMMUNITY
    assert entry.text == "Five minutes of silent writing"
    [post] = _posts_in_outbox(db)
    assert post.text == "Silent start"
    assert post.sections[0].text == "Five minutes of silent writing"
    assert post.sections[0].title == "ana shares in facilitation"
    assert post.thread == Thread("C0FORUM", f"cop:{stored.id}")

    core._clock = FixedClock(NOW + timedelta(hours=1))  # type: ignore[attr-defined]
    say(core, BEN, "/learn cop share facilitation Check-out round | Each says one word")
    listed = say(core, BEN, "/learn cop posts facilitation")
    assert [s.title.split(" · ")[:2] for s in listed.sections] == [
        ["Check-out round", "ben"],
        ["Silent start", "ana"],
    ]
    assert "Five minutes of silent writing" in listed.sections[1].text

    assert "You left facilitation" in say(core, BEN, "/learn cop leave facilitation").text
    refused = say(core, BEN, "/learn cop posts facilitation")
    assert refused.is_error and not refused.sections  # who left reads no more
    assert say(core, ANA, "/learn cop").sections[0].text == "1 member · you are a member"
    # what ben shared stays with the members
    assert len(say(core, ANA, "/learn cop posts facilitation").sections) == 2


def test_a_community_opened_on_the_console_lives_there(core: Tandem, db: UnitOfWorkFactory) -> None:
    say(core, FAY, "/learn cop open craft")
    say(core, ANA, "/learn cop join craft")
    say(core, ANA, "/learn cop share craft T | x")
    [post] = _posts_in_outbox(db)
    assert post.thread is not None and post.thread.channel == "console"
    assert post.thread.name.startswith("cop:")


def test_the_own_diary_shows_a_shared_experience_as_community(core: Tandem) -> None:
    say(core, FAY, "/learn cop open craft")
    say(core, ANA, "/learn cop join craft")
    say(core, ANA, "/learn cop share craft T | what I tried")
    [mine] = say(core, ANA, "/learn diary").sections
    assert mine.text == "what I tried" and mine.title.endswith("· community")


# -- privacy: who reads the shared experiences ---------------------------------------------


def _arrange_privacy(uow_factory: UnitOfWorkFactory, core: Tandem) -> None:
    names = ("ana", "pat", "gus", "tia", "max", "fay", "sam", "mia", "lea")
    for name in names:
        core.handle(console_identity(name), "/learn help")
    core.handle(FAY, "/learn cop open craft", where="C1")
    core.handle(FAY, "/learn cop open other", where="C2")
    for name in ("ana", "mia", "lea"):
        core.handle(console_identity(name), "/learn cop join craft")
    core.handle(console_identity("sam"), "/learn cop join other")
    core.handle(ANA, "/learn cop share craft Secret | what ana shared in craft")
    core.handle(console_identity("lea"), "/learn cop leave craft")
    with uow_factory() as uow:
        ids = {n: uow.people.by_identity(console_identity(n)).id for n in names}
        cohort = uow.cohorts.add(Cohort(name="Spring", created_at=NOW))
        for name, role, accompanies in (
            ("ana", Role.LEARNER, None),
            ("pat", Role.LEARNER, None),
            ("gus", Role.LEARNER, None),
            ("tia", Role.TUTOR, ids["ana"]),
            ("max", Role.MANAGER, None),
            ("fay", Role.FACILITATOR, None),
        ):
            uow.memberships.add(
                Membership(cohort.id, ids[name], role, NOW, accompanies=accompanies)
            )
        uow.partnerships.add(cohort.id, [ids["ana"], ids["pat"]], NOW)
        uow.groups.add(cohort.id, "Group 1", [ids["ana"], ids["gus"]], NOW)
        uow.commit()


READERS = {"ana", "mia"}  # the author and the present members of craft


def _check_privacy(core: Tandem) -> None:
    for name in ("ana", "pat", "gus", "tia", "max", "fay", "sam", "mia", "lea"):
        who = console_identity(name)
        [reply] = core.handle(who, "/learn cop posts craft")
        text = reply.text + json.dumps([s.model_dump() for s in reply.sections])
        if name in READERS:
            assert "what ana shared in craft" in text, name
        else:
            # partner, group mate, tutor, manager, facilitator, another community's
            # member, someone who left: none of them reads it, by any path
            assert "what ana shared" not in text and reply.is_error, name
            [diary] = core.handle(who, "/learn diary --of @ana")
            assert "what ana shared" not in diary.text + str(diary.sections), name
        assert "what ana shared" not in str(core.handle(who, "/learn cop posts other"))


def test_who_reads_a_shared_experience_over_fakes() -> None:
    db = FakeDatabase()
    core = Tandem(db, FixedClock(NOW), Policy(facilitator_refs=frozenset({"console:fay"})))
    _arrange_privacy(db, core)
    _check_privacy(core)


def test_who_reads_a_shared_experience_over_storage(engine) -> None:  # noqa: ANN001
    factory = SqlUnitOfWorkFactory(engine)
    core = Tandem(factory, FixedClock(NOW), Policy(facilitator_refs=frozenset({"console:fay"})))
    _arrange_privacy(factory, core)
    _check_privacy(core)


def test_a_member_of_another_platform_cannot_reach_a_community_by_name(core: Tandem) -> None:
    say(core, FAY, "/learn cop open craft")
    say(core, ANA, "/learn cop join craft")
    say(core, ANA, "/learn cop share craft T | secret")
    from bot.domain import Identity, Platform

    stranger = Identity(Platform.SLACK, "T1", "U9")
    assert "secret" not in say(core, stranger, "/learn cop posts craft").text


# -- bad input: a short private answer, nothing changed ------------------------------------

REFUSED = [
    (ANA, "/learn cop open facilitation", "Only facilitators"),
    (ANA, "/learn cop join nowhere", "no community of practice called nowhere"),
    (ANA, "/learn cop leave craft", "not a member of craft"),
    (SAM, "/learn cop share craft T | x", "Only members share in craft"),
    (SAM, "/learn cop posts craft", "Only members of craft"),
    (FAY, "/learn cop open CRAFT", "exists already"),
    (ANA, "/learn cop share craft no title", "Share like this"),
    (ANA, "/learn cop share nowhere T | x", "no community of practice called nowhere"),
]


@pytest.mark.parametrize(("who", "line", "message"), REFUSED, ids=[r[1][:40] for r in REFUSED])
def test_bad_input_is_answered_privately_and_changes_nothing(
    core: Tandem,
    db: UnitOfWorkFactory,
    who,
    line: str,
    message: str,  # noqa: ANN001
) -> None:
    say(core, FAY, "/learn cop open craft")
    for name in ("ana", "sam"):
        core.handle(console_identity(name), "/learn help")  # known, in no community
    before = snapshot(db)
    reply = say(core, who, line)
    assert reply.is_error and reply.audience is Audience.ASKER
    assert message in reply.text and len(reply.text) < 240
    assert snapshot(db) == before


# -- export and erasure --------------------------------------------------------------------


def test_export_names_ones_communities_and_what_one_shared(core: Tandem) -> None:
    say(core, FAY, "/learn cop open craft")
    say(core, ANA, "/learn cop join craft")
    say(core, BEN, "/learn cop join craft")
    say(core, ANA, "/learn cop share craft Mine | ana's experience")
    say(core, BEN, "/learn cop share craft His | ben's experience")
    [reply] = core.handle(ANA, "/learn privacy export")
    assert reply.attachment is not None
    document = json.loads(reply.attachment.content)
    cop = document["communities_of_practice"]
    assert [m["community"] for m in cop["memberships"]] == ["craft"]
    assert [(s["community"], s["title"]) for s in cop["shared"]] == [("craft", "Mine")]
    assert "ana's experience" in json.dumps(document["diary"])
    assert "ben" not in json.dumps(cop) and "His" not in json.dumps(document)


def test_forget_erases_memberships_and_shared_posts(core: Tandem, db: UnitOfWorkFactory) -> None:
    say(core, FAY, "/learn cop open craft")
    say(core, ANA, "/learn cop join craft")
    say(core, BEN, "/learn cop join craft")
    say(core, ANA, "/learn cop share craft Mine | ana's experience")
    say(core, BEN, "/learn cop share craft His | ben's experience")
    erased = say(core, ANA, "/learn privacy forget confirm")
    assert "2 community memberships and posts" in erased.text
    with db() as uow:
        [community] = uow.communities.all()
        ben = uow.people.by_identity(BEN)
        assert [m.person_id for m in uow.communities.members(community.id)] == [ben.id]
        assert uow.people.by_identity(ANA) is None
        assert [p.title for p, _ in uow.communities.posts(community.id, None)] == ["His"]
    [listed] = core.handle(BEN, "/learn cop posts craft")
    assert [s.title.split(" · ")[0] for s in listed.sections] == ["His"]
    assert say(core, BEN, "/learn cop").sections[0].text == "1 member · you are a member"


# -- storage -------------------------------------------------------------------------------


def _person(name: str) -> Person:
    return Person(console_identity(name), name, "Europe/Berlin", "de", NOW)


def test_communities_members_and_posts_round_trip(engine) -> None:  # noqa: ANN001
    factory = SqlUnitOfWorkFactory(engine)
    with factory() as uow:
        ana, ben = uow.people.add(_person("ana")), uow.people.add(_person("ben"))
        craft = uow.communities.add(Community("craft", NOW, "C1"))
        other = uow.communities.add(Community("other", NOW + timedelta(minutes=1)))
        uow.communities.join(CommunityMember(craft.id, ana.id, NOW))
        uow.communities.join(CommunityMember(craft.id, ben.id, NOW + timedelta(minutes=1)))
        uow.communities.join(CommunityMember(other.id, ana.id, NOW))
        posts = []
        for i, (who, community) in enumerate(((ana, craft), (ben, craft), (ana, other))):
            entry = uow.diary.add(
                DiaryEntry(
                    author_id=who.id,
                    text=f"experience {i} über 🎉",
                    created_at=NOW + timedelta(hours=i),
                    tags=("moderation",),
                    visibility=Visibility.COMMUNITY,
                    source=EntrySource.COMMUNITY,
                )
            )
            posts.append(
                uow.communities.add_post(
                    CommunityPost(community.id, entry.id, who.id, f"T{i}", NOW + timedelta(hours=i))
                )
            )
        uow.commit()
    with factory() as uow:
        assert [(c.name, c.space) for c in uow.communities.all()] == [
            ("craft", "C1"),
            ("other", None),
        ]
        assert uow.communities.all()[0].created_at == NOW
        assert [m.person_id for m in uow.communities.members(craft.id)] == [ana.id, ben.id]
        assert [m.community_id for m in uow.communities.memberships_of(ana.id)] == [
            craft.id,
            other.id,
        ]
        listed = uow.communities.posts(craft.id, None)
        assert [p.title for p, _ in listed] == ["T1", "T0"]  # newest first
        post, entry = listed[1]
        assert post == posts[0]
        assert entry.text == "experience 0 über 🎉" and entry.tags == ("moderation",)
        assert entry.visibility is Visibility.COMMUNITY and entry.author_id == ana.id
        assert entry.created_at == NOW
        assert [p.title for p, _ in uow.communities.posts(craft.id, 1)] == ["T1"]
        assert [p.title for p in uow.communities.posts_by(ana.id)] == ["T0", "T2"]
        assert uow.communities.leave(craft.id, ben.id) is True
        assert uow.communities.leave(craft.id, ben.id) is False
        uow.commit()
    with factory() as uow:
        assert [m.person_id for m in uow.communities.members(craft.id)] == [ana.id]
        # erasure: memberships and posts first, then the entries they point at
        assert uow.communities.delete_person(ana.id) == 4  # 2 posts, 2 memberships
        assert uow.diary.delete_by_author(ana.id) == 2
        uow.people.delete(ana.id)
        uow.commit()
    with factory() as uow:
        assert [p.title for p, _ in uow.communities.posts(craft.id, None)] == ["T1"]
        assert uow.communities.memberships_of(ana.id) == []


def test_a_community_name_and_a_membership_are_unique(engine) -> None:  # noqa: ANN001
    from sqlalchemy.exc import IntegrityError

    factory = SqlUnitOfWorkFactory(engine)
    with factory() as uow:
        ana = uow.people.add(_person("ana"))
        craft = uow.communities.add(Community("craft", NOW))
        uow.communities.join(CommunityMember(craft.id, ana.id, NOW))
        uow.commit()
    with pytest.raises(IntegrityError), factory() as uow:
        uow.communities.join(CommunityMember(craft.id, ana.id, NOW))
    with pytest.raises(IntegrityError), factory() as uow:
        uow.communities.add(Community("craft", NOW))
