"""Nothing replaced behind anyone's back (issue 16, item 2).

Seen before: running `cohort pair` again after `confirm pairs` silently replaced every
confirmed partnership; the old partners were not told why; the tutor report's co-coaching
history reset ("met 1 of 1 prompts" became "of 0 prompts"); a re-run silently discarded a
swap; the same for groups; and naming someone the manager of a learner they shared a
partnership or a group with left them in it.

Now: a re-run keeps the confirmed circles that still fit (the same rows) and the swaps
made on the proposal, and says what it keeps and what confirming would end; `--fresh`
keeps nothing; `confirm --replace` is needed to end confirmed circles; every ended circle
is told to its members with why, and the facilitators' digest says who ended it; history
belongs to the person across partnerships and groups; a manager never stays in a circle
with their report, in either order.

Through the real commands, on the fakes, SQLite and PostgreSQL (the `world` fixture)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain import OutboxStatus
from bot.replies import Reply
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.service.test_kickoff import World, who


@pytest.fixture(params=["fake", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest) -> World:
    if request.param == "fake":
        return World()
    return World(SqlUnitOfWorkFactory(request.getfixturevalue(f"{request.param}_engine")))


def advance(world: World, **delta: float) -> None:
    world.clock.advance(timedelta(**(delta or {"hours": 1})))


def standing(world: World) -> dict[int, frozenset[str]]:
    """The cohort's partnerships that have not ended: id -> members' names."""
    names = world.names()
    return {
        p.id: frozenset(names[m] for m in p.members)
        for p in world.partnerships()
        if p.ended_at is None
    }


def standing_groups(world: World) -> dict[int, frozenset[str]]:
    names = world.names()
    return {
        g.id: frozenset(names[m] for m in g.members) for g in world.groups() if g.ended_at is None
    }


def partner_of(world: World, name: str) -> str | None:
    return next((n for c in standing(world).values() if name in c for n in c if n != name), None)


def ended_dms(world: World, name: str) -> list[str]:
    return [d.text for d in world.dms(name) if "has ended" in d.text]


def digest(world: World) -> str:
    fay = world.person_id("fay")
    with world.db() as uow:
        rows = [
            m
            for m in uow.outbox.for_recipient(fay)
            if m.idempotency_key.startswith("digest:") and m.status is OutboxStatus.PENDING
        ]
    return "\n".join(Reply.model_validate_json(r.payload).sections[0].text for r in rows)


def paired(world: World) -> dict[int, frozenset[str]]:
    world.say("fay", "/learn cohort pair")
    assert not world.say("fay", "/learn cohort confirm pairs").is_error
    return standing(world)


# --- a re-run keeps what was confirmed ---------------------------------------------------


def test_a_re_run_keeps_the_confirmed_partnerships_as_the_same_rows(world):
    world.cohort_with(("ana", "ben", "cem", "dia"))
    before = paired(world)
    advance(world)
    proposed = world.say("fay", "/learn cohort pair")
    assert "confirming changes nothing" in proposed.text and "--fresh" in proposed.text
    assert proposed.sections[0].text.count("(confirmed: kept)") == 2
    assert "--replace" not in proposed.text  # nothing would end
    told_before = {n: len(world.dms(n)) for n in ("ana", "ben", "cem", "dia")}
    confirmed = world.say("fay", "/learn cohort confirm pairs")
    assert not confirmed.is_error and "2 kept as they were" in confirmed.text
    assert standing(world) == before  # the same partnerships, the same ids
    assert all(p.ended_at is None for p in world.partnerships())
    assert {n: len(world.dms(n)) for n in told_before} == told_before  # nothing to tell


def test_a_late_joiner_is_paired_and_the_confirmed_pairs_stay(world):
    world.cohort_with(("ana", "ben", "cem", "dia"))
    before = paired(world)
    world.say("fay", "/learn cohort invite @eli @fin")
    for name in ("eli", "fin"):
        world.say(name, f"/learn cohort join {world.cohort_id()}")
    advance(world)
    proposed = world.say("fay", "/learn cohort pair")
    assert "3 pairs proposed, 2 of them confirmed already and kept" in proposed.text
    assert not world.say("fay", "/learn cohort confirm pairs").is_error
    after = standing(world)
    assert set(before.items()) <= set(after.items())
    assert frozenset({"eli", "fin"}) in after.values()


def test_a_fresh_proposal_names_what_it_ends_and_confirm_asks_for_replace(world):
    world.cohort_with(("ana", "ben", "cem", "dia"))
    before = paired(world)
    advance(world)
    proposed = world.say("fay", "/learn cohort pair --fresh")
    assert "confirming ends 2 partnerships" in proposed.text
    assert "`/learn cohort confirm pairs --replace`" in proposed.text
    [ends] = [s for s in proposed.sections if s.title and s.title.startswith("Confirming ends")]
    for circle in before.values():
        assert " + ".join(sorted(circle)) in ends.text
    refused = world.say("fay", "/learn cohort confirm pairs")
    assert refused.is_error
    assert "ends 2 partnerships confirmed before" in refused.text
    assert "--replace" in refused.text and "`/learn cohort pair`" in refused.text
    assert standing(world) == before  # the refusal changed nothing
    assert world.proposal("pairs") is not None  # and the proposal still waits
    assert not any(ended_dms(world, n) for n in ("ana", "ben", "cem", "dia"))
    done = world.say("fay", "/learn cohort confirm pairs --replace")
    assert not done.is_error and "ended 2 partnerships" in done.text
    after = standing(world)
    assert not set(after) & set(before) and not set(after.values()) & set(before.values())


def test_every_old_partner_hears_why_and_the_digest_says_who_ended_it(world):
    world.cohort_with(("ana", "ben", "cem", "dia"))
    before = paired(world)
    advance(world)
    world.say("fay", "/learn cohort pair --fresh")
    world.say("fay", "/learn cohort confirm pairs --replace")
    for circle in before.values():
        for name in circle:
            [told] = ended_dms(world, name)
            [other] = circle - {name}
            assert f"partnership with {other} in Spring has ended" in told
            assert "fay re-paired the cohort" in told
    said = digest(world)
    for circle in before.values():
        names = " and ".join(sorted(circle))
        assert f"partnership of {names} in Spring ended: fay confirmed new ones" in said


# --- history stays with the person -----------------------------------------------------


def _cocoaching(world: World, tutor: str = "tia") -> str:
    report = world.say(tutor, "/learn cohort report")
    [ana] = [s for s in report.sections if s.title == "ana"]
    return {f.label: f.value for f in ana.fields}["Co-coaching"]


def test_co_coaching_history_survives_re_pairing(world):
    world.cohort_with(("ana", "ben", "cem", "dia"))
    world.say("fay", "/learn cohort add @tia tutor --of @ana")
    paired(world)
    first = partner_of(world, "ana")
    advance(world, days=15)
    world.due.run()
    prompt = world.dms("ana")[-1]
    assert prompt.buttons and "We met" in prompt.buttons[0].label
    world.say("ana", prompt.buttons[0].command)
    assert _cocoaching(world) == "met 1, not met 0, of 1 prompt"
    world.say("fay", "/learn cohort pair --fresh")
    world.say("fay", "/learn cohort confirm pairs --replace")
    assert partner_of(world, "ana") != first  # re-paired
    assert _cocoaching(world) == "met 1, not met 0, of 1 prompt"  # not "of 0 prompts"
    advance(world, days=15)
    world.due.run()  # the new partnership's first prompt adds to it
    assert _cocoaching(world) == "met 1, not met 0, of 2 prompts"


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


def test_advice_rounds_held_stay_in_the_report_after_regrouping(world):
    world.cohort_with(("ana", "ben", "cem", "dia", "eli", "fin"))
    world.say("fay", "/learn cohort add @tia tutor --of @ana")
    world.tandem.handle(who("fay"), "/learn cohort space", where="C0GROUPS")
    world.say("fay", "/learn cohort groups --size 3-3")
    world.say("fay", "/learn cohort confirm groups")
    [mates] = [c - {"ana"} for c in standing_groups(world).values() if "ana" in c]
    first, second = sorted(mates)
    _run_round(world, "ana", first, second)

    def rounds() -> str:
        report = world.say("tia", "/learn cohort report")
        [ana] = [s for s in report.sections if s.title == "ana"]
        return {f.label: f.value for f in ana.fields}["Advice rounds"]

    assert rounds() == "1 held in their groups, 1 on their own case"
    advance(world)
    world.say("fay", "/learn cohort groups --size 3-3 --fresh")
    world.say("fay", "/learn cohort confirm groups --replace")
    assert rounds() == "1 held in their groups, 1 on their own case"


# --- swaps ------------------------------------------------------------------------------


def _swap_into(world: World, a: str, b: str) -> None:
    """Swap so that `a` and `b` are a pair in the proposal."""
    names = world.names()
    circles, _ = world.proposal("pairs")
    [mine] = [c for c in circles if world.person_id(a) in c]
    if world.person_id(b) in mine:
        return
    [other] = [names[p] for p in mine if p != world.person_id(a)]
    assert not world.say("fay", f"/learn cohort swap @{other} @{b}").is_error


def test_a_swap_is_kept_on_a_re_run_and_dropped_with_why_when_it_no_longer_fits(world):
    world.cohort_with(("ana", "ben", "cem", "dia"))
    world.say("fay", "/learn cohort pair")
    first_choice = partner_of_proposal(world, "ana")
    wanted = next(n for n in ("ben", "cem", "dia") if n != first_choice)
    _swap_into(world, "ana", wanted)
    advance(world)
    again = world.say("fay", "/learn cohort pair")
    assert partner_of_proposal(world, "ana") == wanted  # the swap is kept
    assert f"ana + {wanted} (your swap)" in again.sections[0].text or (
        f"{wanted} + ana (your swap)" in again.sections[0].text
    )
    world.say(wanted, f"/learn cohort leave {world.cohort_id()}")
    advance(world)
    dropped = world.say("fay", "/learn cohort pair")
    [why] = [s.text for s in dropped.sections if s.title == "Swaps dropped"]
    assert wanted in why and "is no longer an active learner" in why


def partner_of_proposal(world: World, name: str) -> str:
    names = world.names()
    circles, _ = world.proposal("pairs")
    [mine] = [c for c in circles if world.person_id(name) in c]
    [other] = [names[p] for p in mine if p != world.person_id(name)]
    return other


def test_fresh_drops_the_swaps_and_says_so(world):
    world.cohort_with(("ana", "ben", "cem", "dia"))
    world.say("fay", "/learn cohort pair")
    first_choice = partner_of_proposal(world, "ana")
    _swap_into(world, "ana", next(n for n in ("ben", "cem", "dia") if n != first_choice))
    fresh = world.say("fay", "/learn cohort pair --fresh")
    [why] = [s.text for s in fresh.sections if s.title == "Swaps dropped"]
    assert "--fresh" in why


# --- groups -----------------------------------------------------------------------------


def test_groups_are_kept_and_end_only_with_replace_and_their_members_hear_why(world):
    world.cohort_with(("ana", "ben", "cem", "dia", "eli", "fin"))
    world.say("fay", "/learn cohort groups --size 3-3")
    world.say("fay", "/learn cohort confirm groups")
    before = standing_groups(world)
    assert len(before) == 2
    advance(world)
    kept = world.say("fay", "/learn cohort groups --size 3-3")
    assert "Every confirmed group in Spring still fits" in kept.text
    world.say("fay", "/learn cohort confirm groups")
    assert standing_groups(world) == before
    advance(world)
    world.say("fay", "/learn cohort groups --size 2-2 --fresh")
    refused = world.say("fay", "/learn cohort confirm groups")
    assert refused.is_error and "ends 2 groups confirmed before" in refused.text
    assert standing_groups(world) == before
    world.say("fay", "/learn cohort confirm groups --replace")
    assert not set(standing_groups(world)) & set(before)
    for circle in before.values():
        for name in circle:
            told = [d.text for d in world.dms(name) if "group in Spring" in d.text]
            assert any("has ended: fay regrouped the cohort" in t for t in told), name
    assert digest(world).count("ended: fay confirmed new ones") == 2


# --- every ending is told ---------------------------------------------------------------


def test_a_partner_who_left_and_a_pair_that_becomes_a_trio_are_both_told(world):
    world.cohort_with(("ana", "ben", "cem", "dia"))
    before = paired(world)
    orphan = partner_of(world, "ana")
    [other_pair] = [c for c in before.values() if "ana" not in c]
    world.say("ana", f"/learn cohort leave {world.cohort_id()}")
    [trio] = standing(world).values()
    assert trio == other_pair | {orphan}
    [told] = ended_dms(world, orphan)
    assert "has ended: your partner left the cohort" in told and "ana" not in told
    for name in other_pair:
        [told] = ended_dms(world, name)
        assert "you go on as a trio" in told
    said = digest(world)
    assert "ended: ana left the cohort" in said
    assert "ended: it became a trio after ana left the cohort" in said


def test_closing_the_cohort_tells_every_partner_and_group_member(world):
    world.cohort_with(("ana", "ben", "cem", "dia"))
    paired(world)
    world.say("fay", "/learn cohort groups --size 4-4")
    world.say("fay", "/learn cohort confirm groups")
    world.say("fay", "/learn cohort close")
    for name in ("ana", "ben", "cem", "dia"):
        told = ended_dms(world, name)
        assert len(told) == 2 and all("fay closed the cohort" in t for t in told), told
    assert "ended: fay closed the cohort" in digest(world)


# --- a manager is never in their report's circle, in either order ----------------------


def test_a_manager_named_while_partnered_leaves_the_partnership_and_both_are_told(world):
    world.cohort_with(("ana", "mia"))
    paired(world)
    advance(world)
    world.say("ana", "/learn diary before the change --share partner")
    world.say("fay", "/learn cohort add @mia manager --of @ana")
    assert standing(world) == {}
    assert "mia" not in world.say("ana", "/learn partner").text
    assert "ana" not in world.say("mia", "/learn partner").text
    assert not world.say("mia", "/learn diary --of @ana").sections
    for name in ("ana", "mia"):
        [told] = ended_dms(world, name)
        assert "roles changed in the cohort" in told
    assert "named one of them the other's manager" in digest(world)


def test_a_trio_with_a_manager_named_in_it_goes_on_as_a_pair(world):
    world.cohort_with(("ana", "ben", "mia"))
    [trio] = paired(world).values()
    assert trio == {"ana", "ben", "mia"}
    world.say("fay", "/learn cohort add @mia manager --of @ana")
    assert list(standing(world).values()) == [frozenset({"ana", "ben"})]
    assert any("Your learning partner: ben" in d.text for d in world.dms("ana"))


def test_a_manager_named_while_grouped_is_taken_out_of_the_group(world):
    world.cohort_with(("ana", "ben", "cem", "mia"))
    world.say("fay", "/learn cohort groups --size 4-4")
    world.say("fay", "/learn cohort confirm groups")
    [(group_id, members)] = standing_groups(world).items()
    assert "mia" in members
    advance(world)
    world.say("ana", "/learn diary for the group --share group")
    world.say("fay", "/learn cohort add @mia manager --of @ana")
    assert standing_groups(world) == {group_id: frozenset({"ana", "ben", "cem"})}  # same row
    assert "mia" not in world.say("ana", "/learn group").text
    assert world.say("mia", "/learn group").is_error or "ana" not in (
        world.say("mia", "/learn group").text
    )
    assert not world.say("mia", "/learn diary --of @ana").sections
    assert any("You are no longer in" in d.text for d in world.dms("mia"))
    for name in ("ana", "ben", "cem"):
        assert any("mia is no longer in your learning group" in d.text for d in world.dms(name))


def test_circles_formed_after_a_manager_is_named_never_hold_both(world):
    """The other order: the manager link first, then pairs, groups, re-runs that keep
    circles and fresh ones, and swaps. (Main's proposals kept them apart already; this
    guards the new paths that keep circles.)"""
    world.cohort_with(("ana", "ben", "cem", "mia"))
    world.say("fay", "/learn cohort add @mia manager --of @ana")
    for _ in range(3):
        advance(world)
        paired_now = paired(world)
        assert not any({"ana", "mia"} <= c for c in paired_now.values())
        world.say("fay", "/learn cohort groups --size 2-2 --fresh")
        world.say("fay", "/learn cohort confirm groups --replace")
        assert not any({"ana", "mia"} <= c for c in standing_groups(world).values())
    # a swap that would put them together is refused
    world.say("fay", "/learn cohort pair --fresh")
    refused = world.say("fay", "/learn cohort swap @ana @" + _mate_of_ana_swap(world))
    assert refused.is_error or not any(
        {world.person_id("ana"), world.person_id("mia")} <= set(c)
        for c in world.proposal("pairs")[0]
    )


def _mate_of_ana_swap(world: World) -> str:
    """Who ana would have to swap with to land beside mia."""
    names = world.names()
    circles, _ = world.proposal("pairs")
    [mias] = [c for c in circles if world.person_id("mia") in c]
    [other] = [names[p] for p in mias if p != world.person_id("mia")]
    return other


def test_the_waiting_proposal_shows_what_it_keeps_and_ends_too(world):
    world.cohort_with(("ana", "ben", "cem", "dia"))
    world.say("fay", "/learn cohort kickoff")
    before = paired(world)
    world.say("fay", "/learn cohort pair --fresh")
    shown = world.say("fay", "/learn cohort proposal pairs")
    said = shown.text + "\n".join(s.text for s in shown.sections)
    assert "confirming ends 2 partnerships" in said
    for circle in before.values():
        assert " + ".join(sorted(circle)) in said
    assert "`/learn cohort confirm pairs --replace`" in said
    steps = world.say("fay", "/learn next").sections[1].text  # the way on names it too
    assert "`/learn cohort confirm pairs --replace`" in steps
    world.say("fay", "/learn cohort pair")
    kept = world.say("fay", "/learn cohort proposal pairs")
    assert "\n".join(s.text for s in kept.sections).count("(confirmed: kept)") == 2


def test_a_swap_that_now_breaks_a_rule_is_dropped_whole_without_saying_whose(world):
    world.cohort_with(("ana", "ben", "cem", "mia"))
    world.say("fay", "/learn cohort pair")
    _swap_into(world, "ana", "mia")
    world.say("ana", "/learn goals add communication 2→4 to lead reviews")
    asked = world.say("ana", "/learn agree @mia Lead the weekly review")
    if asked.buttons and asked.buttons[0].label == "Send":
        asked = world.say("ana", asked.buttons[0].command)
    assert "sent to" in asked.text
    again = world.say("fay", "/learn cohort pair")
    [why] = [s.text for s in again.sections if s.title == "Swaps dropped"]
    assert why == "one swap breaks a rule of the pairing now"
    assert "(your swap)" not in again.sections[0].text  # neither of its two pairs is kept
    assert partner_of_proposal(world, "ana") != "mia"
