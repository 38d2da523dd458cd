"""Trust that holds over time (issue 13, items 1, 2, 3 and 8): an entry shared with a
circle is read by those in it when it was written, while they stay in it; a person's
managers are never in their circles and read nothing through one; nobody gains a
reading role silently and a facilitator gives themselves none; invited people count
once they join; every "who can see it" names people who exist.

Through the real commands, on the fakes and on SQLite and PostgreSQL where storage is
involved (the `world` fixture)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain import MembershipStatus, Role
from bot.policy import Policy
from bot.service import Tandem
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.service.test_kickoff import MODEL, World, who


@pytest.fixture(params=["fake", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest) -> World:
    if request.param == "fake":
        return World()
    return World(SqlUnitOfWorkFactory(request.getfixturevalue(f"{request.param}_engine")))


def reads(world: World, reader: str, author: str) -> set[str]:
    """The texts of `author`'s entries that `reader` sees with `diary --of`."""
    reply = world.say(reader, f"/learn diary --of @{author}")
    return {s.text for s in reply.sections}


def partner_of(world: World, name: str) -> str:
    me = world.person_id(name)
    with world.db() as uow:
        partnership = uow.partnerships.of(me)
        assert partnership is not None
        [other] = [p for p in partnership.members if p != me]
        return uow.people.get(other).display_name


def group_mates(world: World, name: str) -> set[str]:
    me = world.person_id(name)
    with world.db() as uow:
        group = uow.groups.of(me)
        assert group is not None
        return {uow.people.get(p).display_name for p in group.members if p != me}


def proposal(world: World, kind: str) -> list[list[int]]:
    cohort = world.cohort_id()
    with world.db() as uow:
        circles, _ = uow.proposals.get(cohort, kind)
        return circles


def advance(world: World) -> None:
    world.clock.advance(timedelta(hours=1))


# --- 1. audiences fixed when written ----------------------------------------------------


def test_re_pairing_new_partner_reads_no_old_entries_old_partner_no_new(world):
    world.cohort_with(("ana", "ben", "cem", "dia"))
    world.say("fay", "/learn cohort pair")
    world.say("fay", "/learn cohort confirm pairs")
    first = partner_of(world, "ana")
    advance(world)
    saved = world.say("ana", "/learn diary for my first partner --share partner")
    assert f"You and your learning partner {first} can see it." in saved.text
    assert reads(world, first, "ana") == {"for my first partner"}
    advance(world)
    world.say("fay", "/learn cohort pair --fresh")  # earlier partners are not paired again
    world.say("fay", "/learn cohort confirm pairs --replace")
    second = partner_of(world, "ana")
    assert second != first
    ended = [d.text for d in world.dms(first) if "has ended" in d.text]
    assert ended and "ana" in ended[-1]  # told their partnership ended
    advance(world)
    world.say("ana", "/learn diary for my second partner --share partner")
    assert reads(world, second, "ana") == {"for my second partner"}  # not the old one
    assert reads(world, first, "ana") == set()  # neither the old nor the new


def test_re_pairing_with_the_same_person_opens_nothing_old(world):
    """Paired again with the same person after a partnership in between: a new
    partnership, which opens nothing of the first. (Re-pairing that proposes the same two
    while they are partners keeps their partnership, the same row: issue 16, item 2.)"""
    world.cohort_with(("ana", "ben", "cem", "dia"))
    world.say("fay", "/learn cohort pair")
    world.say("fay", "/learn cohort confirm pairs")
    first = partner_of(world, "ana")
    advance(world)
    world.say("ana", "/learn diary before --share partner")
    assert reads(world, first, "ana") == {"before"}
    advance(world)
    world.say("fay", "/learn cohort pair --fresh")
    world.say("fay", "/learn cohort confirm pairs --replace")
    assert partner_of(world, "ana") != first
    advance(world)
    world.say("fay", "/learn cohort pair --fresh")
    proposed = proposal(world, "pairs")
    ana, back = world.person_id("ana"), world.person_id(first)
    [mine] = [c for c in proposed if ana in c]
    if back not in mine:  # the same two again, as the facilitator wants it
        [proposed_partner] = [p for p in mine if p != ana]
        name = world.names()[proposed_partner]
        assert not world.say("fay", f"/learn cohort swap @{first} @{name}").is_error
    world.say("fay", "/learn cohort confirm pairs --replace")
    assert partner_of(world, "ana") == first
    advance(world)
    world.say("ana", "/learn diary after --share partner")
    assert reads(world, first, "ana") == {"after"}


def _run_round(world: World, case_giver: str, moderator: str, advisor: str) -> None:
    world.say(case_giver, "/learn advice My case about deadlines")
    world.say(case_giver, f"/learn advice moderator @{moderator}")
    world.say(moderator, "/learn advice next")  # -> case account
    world.say(moderator, "/learn advice next")  # -> key question
    world.say(case_giver, "/learn advice key How do I get commitments?")
    world.say(moderator, "/learn advice next")  # -> method choice
    world.say(moderator, "/learn advice method brainstorming")
    world.say(moderator, "/learn advice next")  # -> consultation
    world.say(advisor, "/learn advice say an idea of the advisor")
    world.say(moderator, "/learn advice next")  # -> closing
    world.say(case_giver, "/learn advice helped 1 Write it down")


def test_regrouping_old_mates_read_nothing_new_mates_nothing_old_advice_summaries_too(world):
    world.cohort_with(("ana", "ben", "cem", "dia", "eli", "fin"))
    world.tandem.handle(who("fay"), "/learn cohort space", where="C0GROUPS")
    world.say("fay", "/learn cohort groups --size 3-3")
    world.say("fay", "/learn cohort confirm groups")
    old = group_mates(world, "ana")
    assert len(old) == 2
    advance(world)
    world.say("ana", "/learn diary for the first group --share group")
    first, second = sorted(old)
    _run_round(world, "ana", first, second)
    for mate in old:
        seen = reads(world, mate, "ana")
        assert "for the first group" in seen
        assert any("an idea of the advisor" in t for t in seen)  # the round's summary
    assert "Filed 1 contribution in your diary" in world.say(second, "/learn advice file").text
    assert any("an idea of the advisor" in t for t in reads(world, first, second))
    advance(world)
    world.say("fay", "/learn cohort groups --size 3-3")
    other = sorted({"ben", "cem", "dia", "eli", "fin"} - old)[0]
    world.say("fay", f"/learn cohort swap @ana @{other} --groups")
    world.say("fay", "/learn cohort confirm groups --replace")  # both groups change
    new = group_mates(world, "ana")
    assert new != old
    assert any("has ended" in d.text for d in world.dms("ana"))
    advance(world)
    world.say("ana", "/learn diary for the second group --share group")
    for mate in new:
        seen = reads(world, mate, "ana")
        assert seen == {"for the second group"}
        assert not any("advisor" in t or "first group" in t for t in seen)
    for mate in old - new:
        assert reads(world, mate, "ana") == set()  # old circle: neither old nor new
    # the advisor's filed ideas: his group then, only while it stands (it ended)
    assert reads(world, first, second) == set()


def test_a_tutor_reads_nothing_once_the_learner_left_and_nothing_in_a_closed_cohort(world):
    world.cohort_with(("ana", "ben"))
    world.say("fay", "/learn cohort add @tia tutor --of @ana")
    world.say("fay", "/learn cohort add @tom tutor --of @ben")
    advance(world)
    world.say("ana", "/learn diary for my tutor --share tutor")
    world.say("ben", "/learn diary for bens tutor --share tutor")
    world.say("ana", "/learn plan add 2027-03-01 Lead a review")
    assert reads(world, "tia", "ana") == {"for my tutor"}
    assert not world.say("tia", "/learn plan --of @ana").is_error
    world.say("ana", "/learn cohort leave")
    assert reads(world, "tia", "ana") == set()
    for line in ("/learn goals --of @ana", "/learn plan --of @ana", "/learn progress --of @ana"):
        assert world.say("tia", line).is_error, line
    assert reads(world, "tom", "ben") == {"for bens tutor"}
    world.say("fay", "/learn cohort close")
    assert reads(world, "tom", "ben") == set()
    assert world.say("tom", "/learn goals --of @ben").is_error


# --- 2. roles kept apart ----------------------------------------------------------------


def _goal_and_task(world: World, learner: str, manager: str) -> None:
    """`learner` records a goal and proposes a practical task to `manager`."""
    world.say(learner, "/learn goals add communication 2→4 to lead reviews")
    proposed = world.say(learner, f"/learn agree @{manager} Lead the weekly review")
    if proposed.buttons and proposed.buttons[0].label == "Send":  # not named their manager
        proposed = world.say(learner, proposed.buttons[0].command)
    assert "sent to" in proposed.text, proposed.text


def test_pairing_and_grouping_never_put_a_manager_with_their_report(world):
    world.cohort_with(("ana", "mia", "ben", "cem"))
    _goal_and_task(world, "ana", "mia")
    for _ in range(3):
        world.say("fay", "/learn cohort pair")
        circles = proposal(world, "pairs")
        ana, mia = world.person_id("ana"), world.person_id("mia")
        assert not any({ana, mia} <= set(c) for c in circles)
        world.say("fay", "/learn cohort groups --size 2-2")
        circles = proposal(world, "groups")
        assert not any({ana, mia} <= set(c) for c in circles)


def test_a_swap_or_confirm_putting_a_manager_with_their_report_is_refused(world):
    world.cohort_with(("ana", "mia", "ben", "cem"))
    world.say("fay", "/learn cohort groups --size 2-2")
    circles = proposal(world, "groups")
    ana, mia = world.person_id("ana"), world.person_id("mia")
    names = {world.person_id(n): n for n in ("ana", "mia", "ben", "cem")}
    if not any({ana, mia} <= set(c) for c in circles):  # before the task: swapping is fine
        [with_ana] = [p for c in circles if ana in c for p in c if p != ana]
        assert not world.say("fay", f"/learn cohort swap @{names[with_ana]} @mia --groups").is_error
    # now mia and ana are together in the proposal; then ana asks mia to agree a task
    _goal_and_task(world, "ana", "mia")
    refused = world.say("fay", "/learn cohort confirm groups")
    assert refused.is_error and "breaks a rule of the pairing" in refused.text
    assert "mia" not in refused.text and "ana" not in refused.text
    cohort = world.cohort_id()
    with world.db() as uow:
        assert uow.groups.in_cohort(cohort) == []
    # and a swap back into that is refused, without saying whose rule it is
    world.say("fay", "/learn cohort groups --size 2-2")
    circles = proposal(world, "groups")
    assert not any({ana, mia} <= set(c) for c in circles)
    [with_ana] = [p for c in circles if ana in c for p in c if p != ana]
    swap = world.say("fay", f"/learn cohort swap @{names[with_ana]} @mia --groups")
    assert swap.is_error and swap.text == "That swap breaks a rule of the pairing; try another."


def test_a_manager_is_never_made_the_tutor(world):
    world.cohort_with(("ana",))
    world.say("fay", "/learn cohort add @tia tutor --of @ana")
    _goal_and_task(world, "ana", "mia")
    refused = world.say("fay", "/learn cohort add @mia tutor --of @ana")
    assert refused.is_error and "never their tutor" in refused.text
    mia, cohort = world.person_id("mia"), world.cohort_id()
    with world.db() as uow:
        assert not any(
            m.role is Role.TUTOR and m.person_id == mia for m in uow.memberships.members(cohort)
        )


def test_someone_who_becomes_the_manager_later_reads_nothing_of_the_group(world):
    world.cohort_with(("ana", "mia"))
    world.say("fay", "/learn cohort groups --size 2-2")
    world.say("fay", "/learn cohort confirm groups")
    advance(world)
    world.say("ana", "/learn diary my manager micro-manages me --share group")
    assert reads(world, "mia", "ana") == {"my manager micro-manages me"}
    # proposing a task to a group mate is refused: roles are kept apart
    world.say("ana", "/learn goals add communication 2→4 to lead reviews")
    refused = world.say("ana", "/learn agree @mia Lead the weekly review")
    assert refused.is_error and "a manager never is" in refused.text
    # named her manager later: she reads nothing through the group, old or new
    world.say("fay", "/learn cohort add @mia manager --of @ana")
    assert reads(world, "mia", "ana") == set()
    advance(world)
    world.say("ana", "/learn diary still in the group --share group")
    assert reads(world, "mia", "ana") == set()


def test_a_manager_by_a_task_asked_reads_nothing_even_when_it_arose_later(world):
    world.cohort_with(("ana", "mia"))
    world.say("fay", "/learn cohort pair")
    world.say("fay", "/learn cohort confirm pairs")
    advance(world)
    world.say("ana", "/learn diary for my partner --share partner")
    assert reads(world, "mia", "ana") == {"for my partner"}
    from bot.goals import Agreement

    ana, mia = world.person_id("ana"), world.person_id("mia")
    with world.db() as uow:  # an agreement that came in another way (a task asked before)
        uow.agreements.add(
            Agreement(
                learner_id=ana,
                manager_id=mia,
                task="Lead the review",
                goal_ids=(),
                created_at=world.clock.now(),
                updated_at=world.clock.now(),
            )
        )
        uow.commit()
    assert reads(world, "mia", "ana") == set()
    assert world.say("mia", "/learn plan --of @ana").is_error


# --- 3. no silent powers ------------------------------------------------------------------


def _two_facilitators(world: World) -> World:
    policy = Policy(
        competences=MODEL,
        facilitator_refs=frozenset({"console:fay", "console:gil"}),
        default_timezone="Europe/Berlin",
    )
    world.tandem = Tandem(world.db, world.clock, policy)
    return world


def test_a_facilitator_gives_themselves_no_role_over_a_learner_another_can(world):
    world = _two_facilitators(world)
    world.cohort_with(("ana", "ben"))
    refused = world.say("fay", "/learn cohort add @fay tutor --of @ana")
    assert refused.is_error and "another facilitator can" in refused.text
    assert world.say("fay", "/learn cohort add @fay manager --of @ana").is_error
    fay = world.person_id("fay")
    with world.db() as uow:
        members = uow.memberships.members(uow.cohorts.all()[-1].id)
    assert members and all(m.person_id != fay for m in members)
    assert "fay as tutor of ana" in world.say("gil", "/learn cohort add @fay tutor --of @ana").text


def test_a_facilitator_cannot_confirm_themselves_into_a_pair_or_group(world):
    world = _two_facilitators(world)
    world.cohort_with(("ana",))
    world.say("fay", f"/learn cohort add @fay learner --cohort {world.cohort_id()}")
    world.say("fay", f"/learn cohort join {world.cohort_id()}")
    for kind in ("pairs", "groups"):
        world.say("fay", f"/learn cohort {'pair' if kind == 'pairs' else 'groups --size 2-2'}")
        refused = world.say("fay", f"/learn cohort confirm {kind}")
        assert refused.is_error and "another facilitator confirms it" in refused.text
    assert world.partnerships() == [] and world.groups() == []
    assert not world.say("gil", "/learn cohort confirm pairs").is_error
    assert partner_of(world, "ana") == "fay"


def test_the_learner_is_told_at_once_who_can_now_see_what(world):
    world.cohort_with(("ana", "ben"))
    world.say("fay", "/learn cohort add @tia tutor --of @ana")
    told = world.dms("ana")[-1].text
    assert "tia is your tutor" in told and "self-assessment ratings" in told
    assert "goals" in told and "plan" in told and "share with your tutor" in told
    world.say("fay", "/learn cohort pair")
    world.say("fay", "/learn cohort confirm pairs")
    intro = world.dms("ana")[-1]
    said = " ".join([intro.text, *(s.text for s in intro.sections)])
    assert "ben can now see your development goals and your learning plan" in said
    world.say("fay", "/learn cohort groups --size 2-2")
    world.say("fay", "/learn cohort confirm groups")
    group = world.dms("ana")[-1]
    said = " ".join([group.text, *(s.text for s in group.sections)])
    assert "ben can read the diary entries you share with your group" in said


def test_someone_added_who_never_answered_is_invited_and_counts_nowhere(world):
    world.cohort_with(("ben", "cem", "dia", "eli"))
    added = world.say("fay", "/learn cohort add @ana learner")
    assert "invited" in added.text
    assert any(b.command.startswith("cohort join") for b in world.dms("ana")[-1].buttons)
    with world.db() as uow:
        members = uow.memberships.members(uow.cohorts.all()[-1].id)
    [ana] = [m for m in members if m.person_id == world.person_id("ana")]
    assert ana.status is MembershipStatus.INVITED
    listed = world.say("fay", "/learn cohort").sections[0].text
    assert listed.startswith("4 learners") and "1 invited" in listed
    figures = world.say("fay", "/learn cohort report")
    assert "4 learners counted" in figures.text and "shown from 5" in figures.text  # none
    world.say("fay", "/learn cohort pair")
    circles = proposal(world, "pairs")
    assert world.person_id("ana") not in {p for c in circles for p in c}
    world.say("ana", "/learn cohort join")
    assert "figures over 5 learners" in world.say("fay", "/learn cohort report").text


# --- 8. honest words ------------------------------------------------------------------------


def test_who_sees_it_names_only_people_and_circles_that_exist(world):
    world.cohort_with(("ana", "ben"))
    alone = world.say("ana", "/learn diary nobody yet --share partner")
    assert "No one else sees it yet: you have no learning partner now." in alone.text
    assert "No one else sees it yet" in world.say("ana", "/learn diary g --share group").text
    assert "you have no tutor now" in world.say("ana", "/learn diary t --share tutor").text
    assert "Only you can see it." in world.say("ana", "/learn diary mine").text
    world.say("fay", "/learn cohort add @tia tutor --of @ana")
    world.say("fay", "/learn cohort pair")
    world.say("fay", "/learn cohort confirm pairs")
    advance(world)
    assert "You and your learning partner ben can see it." in (
        world.say("ana", "/learn diary p --share partner").text
    )
    assert (
        "You and your tutor tia can see it."
        in world.say("ana", "/learn diary t --share tutor").text
    )
    overview = world.say("ana", "/learn privacy")
    said = " ".join(s.text for s in overview.sections)
    assert "your learning partner ben" in said and "your tutor tia" in said
    assert "your learning group," not in said  # ana is in no group: none is named


def test_the_assessment_says_the_tutor_sees_it_when_there_is_one(world):
    world.cohort_with(("ana", "ben"))

    def finish(name: str) -> str:
        while True:
            [step] = world.tandem.handle(who(name), "/learn assess")
            [done] = world.tandem.submit(
                who(name), "assess", {i.name: "3" for i in step.form.inputs}
            )
            if "complete" in done.text:
                return done.text

    assert "Only you see it for now: you have no tutor yet." in finish("ben")
    world.say("fay", "/learn cohort add @tia tutor --of @ana")
    assert "You and your tutor tia see it." in finish("ana")


def test_the_privacy_overview_without_circles_says_no_one_reads_it(world):
    world.cohort_with(("ana",))
    said = " ".join(s.text for s in world.say("ana", "/learn privacy").sections)
    assert "what you share reaches no one" in said


# --- the data migration ---------------------------------------------------------------------


def test_migration_0015_keeps_existing_entries_for_the_circle_they_were_written_in(tmp_path):
    from alembic import command
    from sqlalchemy import text

    from storage.engine import make_engine
    from storage.migrate import _config, upgrade

    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0014")
    t = [f"2026-01-0{d} 09:00:00.000000" for d in range(1, 10)]
    with engine.begin() as c:
        for i, name in enumerate(("ana", "pat", "gus", "tia", "zoe"), start=1):
            c.execute(
                text(
                    "INSERT INTO people (id, platform, workspace, user_id, display_name, timezone,"
                    " locale, is_facilitator, created_at, timezone_chosen)"
                    " VALUES (:i, 'console', '', :n, :n, 'UTC', 'en', 0, :t, 0)"
                ),
                {"i": i, "n": name, "t": t[0]},
            )
        c.execute(
            text(
                "INSERT INTO cohorts (id, name, status, created_at) VALUES (1, 'S', 'learning', :t)"
            ),
            {"t": t[0]},
        )
        for pid, role, acc in (
            (1, "learner", None),
            (2, "learner", None),
            (3, "learner", None),
            (5, "learner", None),
            (4, "tutor", 1),
        ):
            c.execute(
                text(
                    "INSERT INTO memberships (cohort_id, person_id, role, accompanies, joined_at,"
                    " status) VALUES (1, :p, :r, :a, :t, 'active')"
                ),
                {"p": pid, "r": role, "a": acc, "t": t[0]},
            )
        # ana was partnered with pat (ended on day 4), then with zoe
        c.execute(text("INSERT INTO partnerships VALUES (1, 1, :a, :b)"), {"a": t[1], "b": t[3]})
        c.execute(text("INSERT INTO partnerships VALUES (2, 1, :a, NULL)"), {"a": t[3]})
        for p, m in ((1, 1), (1, 2), (2, 1), (2, 5)):
            c.execute(text("INSERT INTO partnership_members VALUES (:p, :m)"), {"p": p, "m": m})
        # group 1 (ana, gus) on day 2, group 2 (ana, zoe) on day 5: the newer one stands
        c.execute(
            text(
                "INSERT INTO learning_groups (id, cohort_id, name, created_at) VALUES (1, 1, 'G1', :t)"
            ),
            {"t": t[1]},
        )
        c.execute(
            text(
                "INSERT INTO learning_groups (id, cohort_id, name, created_at) VALUES (2, 1, 'G2', :t)"
            ),
            {"t": t[4]},
        )
        for g, m in ((1, 1), (1, 3), (2, 1), (2, 5)):
            c.execute(text("INSERT INTO group_members VALUES (:g, :m)"), {"g": g, "m": m})
        for i, (vis, day) in enumerate(
            (("partner", 2), ("partner", 5), ("group", 3), ("group", 6), ("tutor", 2)), start=1
        ):
            c.execute(
                text(
                    "INSERT INTO diary_entries (id, author_id, text, tags, visibility, source,"
                    " created_at) VALUES (:i, 1, :x, '[]', :v, 'command', :t)"
                ),
                {"i": i, "x": f"{vis} day {day}", "v": vis, "t": t[day]},
            )
    upgrade(engine)
    with engine.connect() as c:
        readers = set(
            c.execute(text("SELECT entry_id, person_id, kind, circle_id FROM entry_readers"))
        )
        ended = dict(c.execute(text("SELECT id, ended_at FROM learning_groups")).all())
        tutor_id = c.execute(text("SELECT id FROM memberships WHERE role = 'tutor'")).scalar_one()
    assert readers == {
        (1, 2, "partner", 1),  # written while pat was the partner
        (2, 5, "partner", 2),  # written while zoe was
        (3, 3, "group", 1),  # gus, in the older group then
        (4, 5, "group", 2),  # zoe, in the newer group
        (5, 4, "tutor", tutor_id),
    }
    assert ended == {1: t[4], 2: None}  # re-formed on day 5: the older group ended then
    # and through the core: pat and gus (their circles ended) read nothing, zoe her two
    world = World(SqlUnitOfWorkFactory(engine))
    assert reads(world, "zoe", "ana") == {"partner day 5", "group day 6"}
    assert reads(world, "pat", "ana") == set() and reads(world, "gus", "ana") == set()
    assert reads(world, "tia", "ana") == {"tutor day 2"}
