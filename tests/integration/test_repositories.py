"""The repositories' write methods that change one row of several, on the fakes, SQLite and
PostgreSQL alike (the `uow_factory` fixture): each changes exactly what it names (its row,
its columns) and nothing beside it, and what it wrote reads back the same on every
backend. These are the methods a use-case test reaches only on some paths; here each one
is executed directly, so a dropped WHERE, a skipped column or a wrong key fails a test
named after the method.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bot.domain import (
    AdviceRecord,
    Cohort,
    Membership,
    OutboxKind,
    OutboxMessage,
    OutboxStatus,
    Person,
    Role,
)
from bot.goals import Goal, GoalStatus
from bot.plans import CoCoaching, CoCoachingOutcome, Meeting, Milestone
from bot.ports import UnitOfWorkFactory
from tests.conftest import NOW, console_identity

LATER = NOW + timedelta(days=3)


def people(factory: UnitOfWorkFactory, *names: str) -> list[int]:
    with factory() as uow:
        ids = [
            uow.people.add(Person(console_identity(n), n, "Europe/Berlin", "en", NOW)).id
            for n in names
        ]
        uow.commit()
    return ids


def cohort_of(factory: UnitOfWorkFactory, person_ids: list[int], name: str = "Spring") -> int:
    with factory() as uow:
        cohort = uow.cohorts.add(Cohort(name=name, created_at=NOW))
        for person in person_ids:
            uow.memberships.add(Membership(cohort.id, person, Role.LEARNER, NOW))
        uow.commit()
    return cohort.id


# -- goals -----------------------------------------------------------------------------------


def test_goals_update_changes_the_status_and_note_of_that_goal_only(uow_factory):
    ana, tia = people(uow_factory, "ana", "tia")
    with uow_factory() as uow:
        first, second = (
            uow.goals.add(Goal(ana, trait, 2, 4, "why", tia, NOW, due_by=date(2027, 6, 30)))
            for trait in ("communication", "feedback")
        )
        uow.commit()
    with uow_factory() as uow:
        uow.goals.update(replace(first, status=GoalStatus.REACHED, status_note="led three"))
        uow.commit()
    with uow_factory() as uow:
        reached, untouched = uow.goals.get(first.id), uow.goals.get(second.id)
    assert (reached.status, reached.status_note) == (GoalStatus.REACHED, "led three")
    assert (reached.trait_id, reached.current_level, reached.target_level) == (
        "communication",
        2,
        4,
    )
    assert reached.due_by == date(2027, 6, 30) and reached.set_by == tia
    assert (untouched.status, untouched.status_note) == (GoalStatus.OPEN, "")


# -- plans and milestones --------------------------------------------------------------------


def test_plans_commit_records_when_and_a_second_commit_moves_it(uow_factory):
    ana, ben = people(uow_factory, "ana", "ben")
    with uow_factory() as uow:
        assert uow.plans.get(ana).committed_at is None
        uow.plans.commit(ana, NOW)
        uow.commit()
    with uow_factory() as uow:
        assert uow.plans.get(ana).committed_at == NOW
        assert uow.plans.get(ben).committed_at is None
        uow.plans.commit(ana, LATER)  # committed again (after a change): the later time
        uow.plans.commit(ben, NOW)
        uow.commit()
    with uow_factory() as uow:
        assert uow.plans.get(ana).committed_at == LATER
        assert uow.plans.get(ben).committed_at == NOW


def test_plans_update_milestone_marks_that_milestone_done_with_its_reflection(uow_factory):
    ana, ben = people(uow_factory, "ana", "ben")
    with uow_factory() as uow:
        mine = uow.plans.add_milestone(
            Milestone(ana, "Retro", date(2026, 12, 15), "an action", NOW)
        )
        other = uow.plans.add_milestone(Milestone(ana, "Demo", date(2027, 1, 15), "it runs", NOW))
        bens = uow.plans.add_milestone(Milestone(ben, "Retro", date(2026, 12, 15), "x", NOW))
        uow.commit()
    with uow_factory() as uow:
        uow.plans.update_milestone(replace(mine, done_at=LATER, reflection="we pair more now"))
        uow.commit()
    with uow_factory() as uow:
        done = uow.plans.milestone(mine.id)
        assert (done.done_at, done.reflection) == (LATER, "we pair more now")
        assert (done.title, done.due_on, done.evidence) == (
            "Retro",
            date(2026, 12, 15),
            "an action",
        )
        for untouched in (uow.plans.milestone(other.id), uow.plans.milestone(bens.id)):
            assert (untouched.done_at, untouched.reflection) == (None, None)
        assert [m.id for m in uow.plans.get(ana).milestones] == [mine.id, other.id]


# -- co-coaching -----------------------------------------------------------------------------


def test_cocoaching_get_reads_a_record_back_and_update_answers_that_one_only(uow_factory):
    ana, ben, cem, dia = people(uow_factory, "ana", "ben", "cem", "dia")
    cohort = cohort_of(uow_factory, [ana, ben, cem, dia])
    with uow_factory() as uow:
        first = uow.partnerships.add(cohort, [ana, ben], NOW)
        second = uow.partnerships.add(cohort, [cem, dia], NOW)
        asked = uow.cocoaching.add(CoCoaching(first, NOW))
        other = uow.cocoaching.add(CoCoaching(second, NOW + timedelta(minutes=1)))
        uow.commit()
    with uow_factory() as uow:
        read = uow.cocoaching.get(asked.id)
        assert read == CoCoaching(first, NOW, None, None, asked.id, number=1)
        assert uow.cocoaching.get(other.id).partnership_id == second
        assert uow.cocoaching.get(max(asked.id, other.id) + 1000) is None
        uow.cocoaching.update(replace(read, outcome=CoCoachingOutcome.MET, answered_at=LATER))
        uow.commit()
    with uow_factory() as uow:
        assert uow.cocoaching.get(asked.id) == CoCoaching(
            first, NOW, CoCoachingOutcome.MET, LATER, asked.id, number=1
        )
        untouched = uow.cocoaching.get(other.id)
        assert (untouched.outcome, untouched.answered_at) == (None, None)


def test_meetings_update_changes_that_meeting_only_and_latest_is_the_newest(uow_factory):
    ana, ben, cem, dia = people(uow_factory, "ana", "ben", "cem", "dia")
    cohort = cohort_of(uow_factory, [ana, ben, cem, dia])
    with uow_factory() as uow:
        first = uow.partnerships.add(cohort, [ana, ben], NOW)
        second = uow.partnerships.add(cohort, [cem, dia], NOW)
        old = uow.meetings.add(Meeting(first, LATER, 45, NOW))
        new = uow.meetings.add(Meeting(first, LATER + timedelta(days=1), 45, NOW))
        other = uow.meetings.add(Meeting(second, LATER, 30, NOW))
        uow.commit()
    assert len({old.id, new.id, other.id}) == 3
    with uow_factory() as uow:
        assert uow.meetings.latest(first) == new
        assert uow.meetings.latest(max(first, second) + 1000) is None
        uow.meetings.update(replace(new, starts_at=LATER + timedelta(days=2), sequence=1))
        uow.meetings.update(replace(old, cancelled=True, sequence=4))
        uow.commit()
    with uow_factory() as uow:
        assert uow.meetings.latest(first) == replace(
            new, starts_at=LATER + timedelta(days=2), sequence=1
        )
        assert uow.meetings.for_partnerships([first]) == [
            replace(old, cancelled=True, sequence=4),
            replace(new, starts_at=LATER + timedelta(days=2), sequence=1),
        ]
        assert uow.meetings.for_partnerships([second]) == [other]  # untouched
        assert uow.meetings.delete_for_partnerships([first]) == 2
        uow.commit()
    with uow_factory() as uow:
        assert uow.meetings.for_partnerships([first, second]) == [other]


# -- the outbox ------------------------------------------------------------------------------


def _queue(factory: UnitOfWorkFactory, person: int, *keys: str) -> None:
    with factory() as uow:
        for key in keys:
            uow.outbox.add(OutboxMessage(person, "{}", key, NOW, NOW, OutboxKind.MESSAGE))
        uow.commit()


def test_outbox_mark_failed_fails_that_row_for_its_holder_only(uow_factory):
    [ana] = people(uow_factory, "ana")
    _queue(uow_factory, ana, "k1", "k2", "k3")
    with uow_factory() as uow:
        mine = uow.outbox.claim("w1", NOW, NOW + timedelta(seconds=30), 2)
        theirs = uow.outbox.claim("w2", NOW, NOW + timedelta(seconds=30), 5)
        uow.commit()
    assert len(mine) == 2 and len(theirs) == 1
    failing, kept = mine
    with uow_factory() as uow:
        uow.outbox.mark_failed(theirs[0].id, "w1", "not w1's row")  # another holder's: no
        uow.outbox.mark_failed(failing.id, "w1", "cannot_dm: closed")
        uow.commit()
    with uow_factory() as uow:
        rows = {m.idempotency_key: m for m in uow.outbox.for_recipient(ana)}
        held = uow.outbox.held([kept.id, theirs[0].id], "w1", NOW)
    failed = rows[failing.idempotency_key]
    assert failed.status is OutboxStatus.FAILED and failed.last_error == "cannot_dm: closed"
    assert rows[kept.idempotency_key].status is OutboxStatus.CLAIMED
    assert rows[theirs[0].idempotency_key].status is OutboxStatus.CLAIMED
    assert rows[theirs[0].idempotency_key].last_error is None
    assert held == {kept.id}
    with uow_factory() as uow:  # once the leases ran out the held rows go round again; the
        later = uow.outbox.claim("w3", LATER, LATER + timedelta(seconds=30), 10)  # failed: never
    assert sorted(m.id for m in later) == sorted([kept.id, theirs[0].id])


# -- partnerships and groups -----------------------------------------------------------------


def test_partnerships_end_ends_that_partnership_only(uow_factory):
    ana, ben, cem, dia = people(uow_factory, "ana", "ben", "cem", "dia")
    cohort = cohort_of(uow_factory, [ana, ben, cem, dia])
    with uow_factory() as uow:
        ended = uow.partnerships.add(cohort, [ana, ben], NOW)
        kept = uow.partnerships.add(cohort, [cem, dia], NOW)
        uow.commit()
    with uow_factory() as uow:
        uow.partnerships.end(ended, LATER)
        uow.commit()
    with uow_factory() as uow:
        assert uow.partnerships.get(ended).ended_at == LATER
        assert uow.partnerships.get(kept).ended_at is None
        assert uow.partnerships.of(ana) is None and uow.partnerships.of(ben) is None
        assert uow.partnerships.of(cem).id == kept
        assert [p.id for p in uow.partnerships.in_cohort(cohort)] == [ended, kept]  # kept
        assert uow.partnerships.pair_history([ana, ben]) == [(ana, ben, NOW)]  # history stays


def test_groups_leave_takes_the_person_out_of_that_cohorts_groups_only(uow_factory):
    ana, ben, cem = people(uow_factory, "ana", "ben", "cem")
    spring = cohort_of(uow_factory, [ana, ben, cem], "Spring")
    autumn = cohort_of(uow_factory, [ana, ben], "Autumn")
    with uow_factory() as uow:
        left = uow.groups.add(spring, "Group 1", [ana, ben, cem], NOW)
        other = uow.groups.add(autumn, "Group 1", [ana, ben], NOW)
        uow.commit()
    with uow_factory() as uow:
        assert uow.groups.leave(spring, ana, LATER) == 1
        assert uow.groups.leave(spring, ana, LATER) == 0  # once
        uow.commit()
    with uow_factory() as uow:
        assert ana not in uow.groups.get(left).members
        assert set(uow.groups.get(left).members) == {ben, cem}
        assert set(uow.groups.get(other).members) == {ana, ben}  # the other cohort's group
        assert uow.groups.of(ben) is not None


def test_groups_set_space_stores_that_groups_space_and_a_claim_then_keeps_it(uow_factory):
    ana, ben, cem, dia = people(uow_factory, "ana", "ben", "cem", "dia")
    cohort = cohort_of(uow_factory, [ana, ben, cem, dia])
    with uow_factory() as uow:
        first = uow.groups.add(cohort, "Group 1", [ana, ben], NOW)
        second = uow.groups.add(cohort, "Group 2", [cem, dia], NOW)
        uow.commit()
    with uow_factory() as uow:
        uow.groups.set_space(first, "G0FIRST")
        uow.commit()
    with uow_factory() as uow:
        assert uow.groups.get(first).space == "G0FIRST"
        assert uow.groups.get(second).space is None
        assert uow.groups.claim_space(first, "G0LATER") == "G0FIRST"  # the stored one wins
        assert uow.groups.claim_space(second, "G0SECOND") == "G0SECOND"
        uow.commit()
    with uow_factory() as uow:
        assert [g.space for g in uow.groups.in_cohort(cohort)] == ["G0FIRST", "G0SECOND"]


# -- advice rounds ---------------------------------------------------------------------------


def test_advice_delete_removes_that_round_only(uow_factory):
    ana, ben = people(uow_factory, "ana", "ben")
    cohort = cohort_of(uow_factory, [ana, ben])
    with uow_factory() as uow:
        group = uow.groups.add(cohort, "Group 1", [ana, ben], NOW)
        gone, kept = (
            uow.advice.add(AdviceRecord(group, who, {"round": {"case": who}}, "active", NOW, NOW))
            for who in (ana, ben)
        )
        uow.commit()
    with uow_factory() as uow:
        uow.advice.delete(gone.id)
        uow.commit()
    with uow_factory() as uow:
        assert uow.advice.get(gone.id) is None
        assert uow.advice.get(kept.id).state == {"round": {"case": ben}}
        assert [r.id for r in uow.advice.all()] == [kept.id]
        assert [r.id for r in uow.advice.in_group(group)] == [kept.id]


def test_deleting_a_round_that_is_not_there_changes_nothing(uow_factory):
    ana, ben = people(uow_factory, "ana", "ben")
    cohort = cohort_of(uow_factory, [ana, ben])
    with uow_factory() as uow:
        group = uow.groups.add(cohort, "Group 1", [ana, ben], NOW)
        kept = uow.advice.add(AdviceRecord(group, ana, {}, "active", NOW, NOW))
        uow.advice.delete(kept.id + 1000)
        uow.commit()
    with uow_factory() as uow:
        assert [r.id for r in uow.advice.all()] == [kept.id]
