"""The kickoff through the core with a fixed clock, on the fakes, SQLite and PostgreSQL
alike (the `world` fixture): cohort lifecycle and invitations, learning plans and
milestone reminders, pairing and groups as the facilitator proposes, swaps and confirms
them, co-coaching prompts falling due, leaving and re-pairing, reports. What is stored is
read back through the ports."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from adapters.competence_model import load
from bot.clock import FixedClock
from bot.domain import EntrySource, MembershipStatus, Role, Visibility
from bot.policy import Policy
from bot.ports import UnitOfWorkFactory
from bot.replies import Reply
from bot.scheduling import DueWork
from bot.service import Tandem
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import NOW, console_identity
from tests.support.backends import snapshot
from tests.support.fakes import FakeDatabase

MODEL = load()
FAY = console_identity("fay")
LEARNERS = ("ana", "ben", "cem", "dia", "eli", "fin", "gus")
FAR = datetime(2100, 1, 1, tzinfo=UTC)  # every timer is due by then


def who(name: str):  # noqa: ANN201
    return console_identity(name)


class World:
    def __init__(self, uow_factory=None, now: datetime = NOW) -> None:  # noqa: ANN001
        self.db = uow_factory or FakeDatabase()
        self.clock = FixedClock(now)
        policy = Policy(
            competences=MODEL,
            facilitator_refs=frozenset({"console:fay"}),
            default_timezone="Europe/Berlin",
        )
        self.tandem = Tandem(self.db, self.clock, policy)
        self.due = DueWork(self.db, self.clock, policy)

    def say(self, name: str, line: str) -> Reply:
        replies = self.tandem.handle(who(name) if name != "fay" else FAY, line)
        assert len(replies) == 1, replies
        return replies[0]

    def dms(self, name: str) -> list[Reply]:
        with self.db() as uow:
            person = uow.people.by_identity(who(name))
            return [
                Reply.model_validate_json(m.payload) for m in uow.outbox.for_recipient(person.id)
            ]

    def person_id(self, name: str) -> int:
        with self.db() as uow:
            return uow.people.by_identity(who(name)).id

    def cohort_with(self, names=LEARNERS) -> None:  # noqa: ANN001
        assert "is open" in self.say("fay", "/learn cohort open Spring").text
        invited = self.say("fay", "/learn cohort invite " + " ".join(f"@{n}" for n in names))
        assert invited.text.startswith("Invited to Spring")
        for name in names:
            assert (
                "Welcome to Spring" in self.say(name, f"/learn cohort join {self.cohort_id()}").text
            )

    def cohort_id(self) -> int:
        with self.db() as uow:
            return uow.cohorts.all()[-1].id

    # what is stored, read through the ports (one unit of work at a time: SQLite locks)

    def goals(self, name: str):  # noqa: ANN201
        person = self.person_id(name)
        with self.db() as uow:
            return uow.goals.for_learner(person)

    def milestones(self, name: str):  # noqa: ANN201
        person = self.person_id(name)
        with self.db() as uow:
            return uow.plans.get(person).milestones

    def timers(self):  # noqa: ANN201
        with self.db() as uow:
            return uow.timers.due(FAR, 1000)

    def diary(self, name: str):  # noqa: ANN201
        person = self.person_id(name)
        with self.db() as uow:
            return uow.diary.by_author(person, list(Visibility), None)

    def partnerships(self):  # noqa: ANN201
        cohort = self.cohort_id()
        with self.db() as uow:
            return uow.partnerships.in_cohort(cohort)

    def groups(self):  # noqa: ANN201
        cohort = self.cohort_id()
        with self.db() as uow:
            return uow.groups.in_cohort(cohort)

    def proposal(self, kind: str):  # noqa: ANN201
        cohort = self.cohort_id()
        with self.db() as uow:
            return uow.proposals.get(cohort, kind)

    def names(self) -> dict[int, str]:
        with self.db() as uow:
            cohort = uow.cohorts.all()[-1].id
            people = uow.people.get_many(m.person_id for m in uow.memberships.members(cohort))
        return {i: p.display_name for i, p in people.items()}


@pytest.fixture
def world(uow_factory: UnitOfWorkFactory) -> World:
    return World(uow_factory)


# --- cohort lifecycle -----------------------------------------------------------------


def test_invitations_join_decline_and_history(world):
    world.say("fay", "/learn cohort open Spring")
    world.say("fay", "/learn cohort invite @ana @ben --team Sales")
    [invitation] = world.dms("ana")
    assert "invites you to the learning cohort Spring" in invitation.text
    assert [b.label for b in invitation.buttons] == ["Join", "Decline"]
    cohort = world.cohort_id()
    world.say("ana", invitation.buttons[0].command)
    assert "You declined" in world.say("ben", f"/learn cohort decline {cohort}").text
    with world.db() as uow:
        members = {m.person_id: m for m in uow.memberships.members(cohort)}
    assert members[world.person_id("ana")].status is MembershipStatus.ACTIVE
    assert members[world.person_id("ana")].team == "Sales"
    assert members[world.person_id("ben")].status is MembershipStatus.DECLINED
    # answering twice, or without an invitation, changes nothing
    assert "already" in world.say("ana", f"/learn cohort join {cohort}").text
    refused = world.say("cem", f"/learn cohort join {cohort}")
    assert refused.is_error and "no invitation" in refused.text
    # kickoff, close; a closed cohort takes no one; the history stays
    world.say("fay", "/learn cohort kickoff")
    world.say("fay", "/learn cohort close")
    assert world.say("fay", "/learn cohort invite @cem").is_error
    assert "Spring: learner" in world.say("ana", "/learn cohort").sections[0].text
    world.say("fay", "/learn cohort open Autumn")  # a person can be in several cohorts
    world.say("fay", "/learn cohort invite @ana")
    world.say("ana", f"/learn cohort join {world.cohort_id()}")
    assert "Autumn: learner" in world.say("ana", "/learn cohort").sections[0].text


def test_only_facilitators_invite_pair_and_confirm(world):
    world.cohort_with(("ana", "ben"))
    for line in ("/learn cohort invite @cem", "/learn cohort pair", "/learn cohort confirm pairs"):
        refused = world.say("ana", line)
        assert refused.is_error and "Only facilitators" in refused.text


# --- learning plans -------------------------------------------------------------------


def test_plan_milestones_reminder_and_reflection(world):
    world.cohort_with(("ana", "ben"))
    world.say("ana", "/learn goals add communication 2→4 lead reviews")
    [goal] = world.goals("ana")
    goal_id = goal.id
    refused = world.say("ana", f"/learn plan add 2026-12-15 Run it --goal {goal.number + 1}")
    assert refused.is_error and "not one of your open goals" in refused.text
    assert world.milestones("ana") == []
    added = world.say(
        "ana",
        f"/learn plan add 2026-12-15 Run the first retro | the team picks an action --goal {goal.number}",
    )
    assert "Milestone" in added.text and "reminder the day before" in added.text
    [milestone] = world.milestones("ana")
    assert (milestone.due_on, milestone.goal_id, milestone.evidence) == (
        date(2026, 12, 15),
        goal_id,
        "the team picks an action",
    )
    # the reminder: 09:00 in Berlin the day before, through the heartbeat
    [timer] = world.timers()
    assert timer.due_at == datetime(2026, 12, 14, 8, 0, tzinfo=UTC)
    world.clock.set(datetime(2026, 12, 14, 7, 59, tzinfo=UTC))
    assert world.due.run().timers == 0
    world.clock.set(datetime(2026, 12, 14, 8, 0, tzinfo=UTC))
    assert world.due.run().timers == 1
    assert "falls due tomorrow" in world.dms("ana")[-1].text
    assert world.due.run().timers == 0  # once
    # commit: partner and tutor hear of it (nobody yet: nothing queued to others)
    assert "committed to your plan of 1 milestone." in world.say("ana", "/learn plan commit").text
    done = world.say("ana", f"/learn plan done {milestone.number} the team chose to pair more")
    assert "in your diary" in done.text
    entry = next(e for e in world.diary("ana") if e.source is EntrySource.PLAN)  # the newest
    assert "Run the first retro" in entry.text and entry.visibility.value == "private"
    assert world.say("ana", f"/learn plan done {milestone.number} again").is_error
    shown = world.say("ana", "/learn plan")
    assert "committed" in shown.text and "reached" in shown.sections[0].title


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/learn plan add 2026-11-01 Too late", "is not in the window for a date in your plan"),
        ("/learn plan add 2030-01-01 Too far", "is not in the window for a date in your plan"),
        ("/learn plan add 15/12/2026 Wrong date", "is not a date"),
        ("/learn plan commit", "Add milestones before"),
        ("/learn plan done 99 nothing", "You have no milestone 99"),
    ],
)
def test_bad_plan_input_changes_nothing(world, line, message):
    before = snapshot(world.db)
    refused = world.say("ana", line)
    assert refused.is_error and message in refused.text
    assert snapshot(world.db) == before


def test_the_milestone_form(world):
    [reply] = world.tandem.handle(who("ana"), "/learn plan add")
    assert reply.form is not None and [i.name for i in reply.form.inputs] == [
        "title",
        "due_on",
        "evidence",
        "goal",
    ]
    world.tandem.submit(
        who("ana"),
        "milestone",
        {"title": "Demo", "due_on": "2027-01-20", "evidence": "", "goal": ""},
    )
    [milestone] = world.milestones("ana")
    assert milestone.title == "Demo" and milestone.due_on == date(2027, 1, 20)


# --- pairing through the cohort -------------------------------------------------------


def paired(world: World) -> list[tuple[str, ...]]:
    names = world.names()
    return sorted(
        tuple(sorted(names[m] for m in p.members))
        for p in world.partnerships()
        if p.ended_at is None
    )


def test_pairs_are_proposed_swapped_and_confirmed_with_an_odd_count_as_one_triad(world):
    world.cohort_with()  # seven learners
    world.say("ana", "/learn partner not-with @ben")
    proposal = world.say("fay", "/learn cohort pair")
    assert "3 pairs proposed" in proposal.text
    lines = proposal.sections[0].text.splitlines()
    assert len(lines) == 3 and sum(line.count("+") for line in lines) == 4  # two pairs, a triad
    assert all(not ("ana" in line and "ben" in line) for line in lines)  # a hard rule
    assert world.partnerships() == []  # nothing happens before confirmation
    refused = world.say("fay", "/learn cohort swap @ana @ana")
    assert refused.is_error
    confirmed = world.say("fay", "/learn cohort confirm pairs")
    assert "Confirmed 3 pairs" in confirmed.text
    circles = paired(world)
    assert sorted(len(c) for c in circles) == [2, 2, 3]
    assert {n for c in circles for n in c} == set(LEARNERS)  # nobody left out
    assert not any({"ana", "ben"} <= set(c) for c in circles)
    intro = [d for d in world.dms("ana") if "Your learning partner" in d.text]
    assert len(intro) == 1 and "co-coaching" in intro[0].text
    assert "Your learning partner" in world.say("ana", "/learn partner").text


def test_a_swap_that_breaks_a_not_with_is_refused(world):
    world.cohort_with(("ana", "ben", "cem", "dia"))
    world.say("ana", "/learn partner not-with @ben")
    world.say("fay", "/learn cohort pair")
    circles, _ = world.proposal("pairs")
    ana = world.person_id("ana")
    partner_of_ana = next(p for c in circles if ana in c for p in c if p != ana)
    # swapping ana's partner with ben would put ana with ben
    names = world.names()
    refused = world.say("fay", f"/learn cohort swap @{names[partner_of_ana]} @ben")
    # it does not say whose rule it breaks: that would tell who excluded whom
    assert (
        refused.is_error and refused.text == "That swap breaks a rule of the pairing; try another."
    )
    assert world.proposal("pairs")[0] == circles


def test_earlier_partners_are_not_paired_again_when_there_is_another_way(world):
    world.cohort_with(("ana", "ben", "cem", "dia"))
    world.say("fay", "/learn cohort pair")
    world.say("fay", "/learn cohort confirm pairs")
    first = paired(world)
    world.clock.advance(timedelta(days=30))
    # a re-pairing of everyone: `--fresh` keeps no confirmed pair, `--replace` ends them
    world.say("fay", "/learn cohort pair --fresh")
    world.say("fay", "/learn cohort confirm pairs --replace")
    second = paired(world)
    assert not set(first) & set(second)
    assert len([p for p in world.partnerships() if p.ended_at is not None]) == 2


def test_groups_are_within_their_bounds(world):
    world.cohort_with()
    proposal = world.say("fay", "/learn cohort groups --size 3-4")
    assert "2 groups proposed" in proposal.text
    world.say("fay", "/learn cohort confirm groups")
    sizes = sorted(len(g.members) for g in world.groups())
    assert sizes == [3, 4]
    assert "Your learning group in Spring" in world.dms("gus")[-1].text
    assert world.say("gus", "/learn group").text.startswith("Spring group")


def test_co_coaching_prompts_fall_due_and_are_answered_once(world):
    world.cohort_with(("ana", "ben"))
    world.say("fay", "/learn cohort pair")
    world.say("fay", "/learn cohort confirm pairs")
    world.clock.advance(timedelta(days=13, hours=23))
    assert world.due.run().timers == 0
    world.clock.advance(timedelta(hours=2))
    assert world.due.run().timers == 1
    prompt = world.dms("ana")[-1]
    assert "Time for co-coaching with ben" in prompt.text and "GROW" in prompt.sections[0].title
    assert [b.label for b in prompt.buttons] == ["We met", "We didn't"]
    assert "We met" in prompt.buttons[0].label
    assert "noted that you met" in world.say("ana", prompt.buttons[0].command).text
    assert "Noted already" in world.say("ben", prompt.buttons[0].command).text
    refused = world.say("cem", prompt.buttons[0].command)
    assert refused.is_error
    # the next prompt is two weeks on
    [timer] = world.timers()
    assert timer.due_at - world.clock.now() > timedelta(days=13)


def test_leaving_re_pairs_the_partner(world):
    world.cohort_with(("ana", "ben", "cem", "dia"))
    world.say("fay", "/learn cohort pair")
    world.say("fay", "/learn cohort confirm pairs")
    before = paired(world)
    left = world.say("ana", f"/learn cohort leave {world.cohort_id()}")
    assert "You left Spring" in left.text and "new partner" in left.text
    after = paired(world)
    assert len(after) == 1 and len(after[0]) == 3  # the orphan joined the other pair
    assert "ana" not in after[0]
    orphan = next(n for c in before if "ana" in c for n in c if n != "ana")
    assert orphan in after[0]
    assert any("Your learning partner" in d.text for d in world.dms(orphan)[1:])


def test_confirming_new_pairs_tells_the_old_partners_first_and_moves_the_co_coaching(world):
    """Ending and starting partnerships are events; their handlers keep the old order: the
    end of the old partnership is told before the new partner is introduced, and the
    co-coaching prompts follow the partnerships (the old ones' stop, the new ones' start)."""
    world.cohort_with(("ana", "ben", "cem", "dia"))
    world.say("fay", "/learn cohort pair")
    world.say("fay", "/learn cohort confirm pairs")
    old = {p.id for p in world.partnerships()}
    assert {t.subject for t in world.timers() if t.kind == "cocoaching"} == {str(i) for i in old}
    world.clock.advance(timedelta(hours=1))
    world.say("fay", "/learn cohort pair --fresh")  # earlier partners are not paired again
    world.say("fay", "/learn cohort confirm pairs --replace")
    new = {p.id for p in world.partnerships() if p.ended_at is None}
    assert new and not new & old
    assert {t.subject for t in world.timers() if t.kind == "cocoaching"} == {str(i) for i in new}
    for name in ("ana", "ben", "cem", "dia"):
        said = [
            "ended" if "has ended" in d.text else "intro"
            for d in world.dms(name)
            if "has ended" in d.text or "Your learning partner" in d.text
        ]
        assert said == ["intro", "ended", "intro"], (name, said)


def test_a_partner_no_one_can_be_paired_with_hears_it_ended_when_the_other_leaves(world):
    world.cohort_with(("ana", "ben"))
    world.say("fay", "/learn cohort pair")
    world.say("fay", "/learn cohort confirm pairs")
    [partnership] = world.partnerships()
    left = world.say("ana", f"/learn cohort leave {world.cohort_id()}")
    assert "new partner" in left.text  # there was a partner: they are looked after
    assert paired(world) == []
    told = world.dms("ben")[-1].text
    assert "has ended: your partner left the cohort" in told
    assert ("cocoaching", str(partnership.id)) not in {(t.kind, t.subject) for t in world.timers()}


# --- reports --------------------------------------------------------------------------


def test_the_tutors_report_and_the_facilitators_figures(world):
    world.cohort_with(("ana", "ben", "cem", "dia"))
    world.say("fay", "/learn cohort add @tia tutor --of @ana")
    assert world.say("fay", "/learn cohort report").text.endswith("so no one can be singled out.")
    world.say("fay", "/learn cohort invite @eli")
    world.say("eli", f"/learn cohort join {world.cohort_id()}")
    figures = world.say("fay", "/learn cohort report")
    assert "figures over 5 learners" in figures.text
    world.say("fay", "/learn cohort pair")
    world.say("fay", "/learn cohort confirm pairs")
    world.clock.advance(timedelta(days=15))
    world.due.run()
    prompt = world.dms("ana")[-1]
    world.say("ana", prompt.buttons[1].command)  # we didn't
    ana = world.person_id("ana")
    with world.db() as uow:  # a DM that could not reach ana (closed DMs), as delivery marks it
        now = world.clock.now()
        claimed = uow.outbox.claim("w", now, now + timedelta(minutes=1), 1000)
        message = next(m for m in claimed if m.recipient_id == ana)
        uow.outbox.mark_failed(message.id, "w", "cannot_dm: closed")
        uow.outbox.release_all("w")  # the rest go back, undelivered
        uow.commit()
    report = world.say("tia", "/learn cohort report")
    fields = {f.label: f.value for f in report.sections[0].fields}
    assert report.sections[0].title == "ana" and len(report.sections) == 1
    assert fields["Co-coaching"] == "met 0, not met 1, of 1 prompt"
    assert fields["Messages that could not reach them"] == "1 (cannot_dm)"
    assert "diar" not in json.dumps(report.model_dump()).replace("diaries stay theirs", "")
    refused = world.say("ben", "/learn cohort report")
    assert refused.is_error


def test_plans_are_seen_by_partners_and_tutors_only(world):
    world.cohort_with(("ana", "ben", "cem"))
    world.say("fay", "/learn cohort add @tia tutor --of @ana")
    world.say("ana", "/learn plan add 2027-01-10 Pair on the parser")
    world.say("fay", "/learn cohort pair")
    world.say("fay", "/learn cohort confirm pairs")
    partner = next(n for c in paired(world) if "ana" in c for n in c if n != "ana")
    outsider = "dia"
    assert "Pair on the parser" in world.say(partner, "/learn plan --of @ana").sections[0].title
    assert "Pair on the parser" in world.say("tia", "/learn plan --of @ana").sections[0].title
    for name in (outsider, "fay"):
        refused = world.say(name, "/learn plan --of @ana")
        assert refused.is_error and "Pair on the parser" not in refused.text


# --- storage --------------------------------------------------------------------------


def test_kickoff_in_storage(engine):
    world = World(SqlUnitOfWorkFactory(engine))
    world.cohort_with(("ana", "ben", "cem"))
    world.say("ana", "/learn partner not-with @ben")
    world.say("ana", "/learn plan add 2026-12-20 Demo | it runs")
    world.say("fay", "/learn cohort pair")
    world.say("fay", "/learn cohort confirm pairs")
    world.say("fay", "/learn cohort groups --size 2-3")
    world.say("fay", "/learn cohort confirm groups")
    world.clock.advance(timedelta(days=20))
    report = world.due.run()
    assert report.timers == 2  # the milestone reminder and the co-coaching prompt
    with world.db() as uow:
        ana = uow.people.by_identity(who("ana")).id
        cohort = uow.cohorts.all()[-1].id
        # ana will not be with ben, so no triad: ana pairs with cem, ben is not placed
        [partnership] = uow.partnerships.in_cohort(cohort)
        cem = uow.people.by_identity(who("cem")).id
        assert partnership.members == tuple(sorted((ana, cem)))
        assert uow.partnerships.of(ana) == partnership
        [group] = uow.groups.in_cohort(cohort)
        assert len(group.members) == 3 and uow.groups.of(ana).id == group.id
        assert uow.proposals.exclusions([ana])[ana] == {uow.people.by_identity(who("ben")).id}
        [record] = uow.cocoaching.for_partnerships([partnership.id])
        assert record.outcome is None
        assert len(uow.partnerships.pair_history(partnership.members)) == 1
        assert uow.plans.get(ana).milestones[0].title == "Demo"
        assert {m.status for m in uow.memberships.members(cohort)} == {MembershipStatus.ACTIVE}
        assert all(m.role is Role.LEARNER for m in uow.memberships.members(cohort))
    document = json.loads(world.tandem.export(who("ana")))
    assert document["learning_plan"]["milestones"][0]["title"] == "Demo"
    counts = world.tandem.forget(who("ana"))
    assert counts["cohort and group records"] >= 3 and counts["milestones"] == 1


def schedules_of(world: World) -> dict:
    ids = [world.person_id(n) for n in ("ana", "ben", "cem", "dia")]
    with world.db() as uow:
        found = {i: uow.schedules.get(i) for i in ids}
    return {i: s for i, s in found.items() if s is not None}


def test_a_group_gets_its_own_check_in_cadence(world):
    world.cohort_with(("ana", "ben", "cem", "dia"))
    with world.db() as uow:
        dia = uow.people.by_identity(who("dia"))
        dia.timezone = "America/New_York"
        uow.people.update(dia)
        uow.commit()
    world.say("fay", "/learn cohort groups --size 4-4")
    world.say("fay", "/learn cohort confirm groups")
    said = world.say("ana", "/learn group checkin every thu 16:00")
    assert "each in their own time zone" in said.text and "applies to those who accept" in said.text
    assert schedules_of(world) == {}  # proposed, not applied
    world.say("ana", said.buttons[0].command)
    world.say("dia", world.dms("dia")[-1].buttons[0].command)
    schedules = schedules_of(world)
    assert {s.weekdays for s in schedules.values()} == {frozenset({3})}
    ana, dia = schedules[world.person_id("ana")], schedules[world.person_id("dia")]
    assert ana.next_due_at == datetime(2026, 12, 3, 15, 0, tzinfo=UTC)  # 16:00 in Berlin
    assert dia.next_due_at == datetime(2026, 12, 3, 21, 0, tzinfo=UTC)  # 16:00 in New York
    assert "ana proposes check-ins for" in world.dms("ben")[-1].text
    assert world.person_id("ben") not in schedules  # ben has not accepted
    refused = world.say("fay", "/learn group checkin every thu 16:00")
    assert refused.is_error and "no learning group" in refused.text
    assert world.say("ana", "/learn group checkin every someday 16:00").is_error
