"""A generated cohort for the personnel-development report, whose true values are known.

Twenty learners in cohort "Spring" (opened eight weeks before NOW, a Monday), written
straight through the ports (so it is fast on every backend). Which learner does what is
drawn with a fixed seed; how many do it is fixed by construction, and `Truth` says so.
Two people were invited and never joined, and an outsider has data of every kind: none
of them may count anywhere.

What each learner has (all activity older than 14 days, except the recent diary entries):
- joined: 14 in week 0, 6 in week 1;
- check-ins in weeks 0-4, 20 a week: in week w, 15 - w answered, the rest missed;
- 10 partnerships, a co-coaching prompt each week 0-4, all answered; met: 5 in weeks 0-3,
  7 in week 4 (so week 4's "not met" is 3: that week is merged with week 3);
- two goals each (40); 12 of them reached;
- 16 plans committed (so 4 not: withheld); two milestones each (40); 25 reached, 18 of
  them on time;
- an initial self-assessment each (every trait 3); a follow-up for 15 learners changing
  the "personal" group by +1 (6), 0 (5), +2 (3), -1 (1) and the "social" group by 0;
- four learning groups of five; finished advice rounds: brainstorming 6, headstand 5,
  good advice 2, resonance 1 (the last three merge);
- community posts: 7 learners post once in week 2, one of them twice more in week 3;
- a diary entry three days before NOW for 12 learners (active in the last 14 days).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from bot.advice import AdviceConfig, AdviceRound, Mode, Phase, Status
from bot.assessments import Assessment
from bot.checkins import Checkin, CheckinStatus
from bot.competences import CompetenceModel
from bot.domain import (
    AdviceRecord,
    Cohort,
    CohortStatus,
    Community,
    CommunityPost,
    DiaryEntry,
    Identity,
    Membership,
    MembershipStatus,
    Person,
    Platform,
    Role,
)
from bot.goals import Goal, GoalStatus
from bot.plans import CoCoaching, CoCoachingOutcome, Milestone
from bot.ports import UnitOfWork, UnitOfWorkFactory

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # a Monday morning
OPENED = NOW - timedelta(weeks=8)  # Monday 2026-10-05
LEARNERS = 20


def week(n: int) -> date:
    return (OPENED + timedelta(weeks=n)).date()


@dataclass
class Truth:
    cohort_id: int = 0
    learners: int = LEARNERS
    names: list[str] = field(default_factory=list)
    joined_week0: int = 14
    checkins_answered: dict[date, int] = field(default_factory=dict)
    checkins: dict[date, int] = field(default_factory=dict)
    cocoaching_met: dict[date, int] = field(default_factory=dict)
    cocoaching: dict[date, int] = field(default_factory=dict)
    goals: int = 40
    goals_reached: int = 12
    plans_committed: int = 16
    milestones: int = 40
    milestones_done: int = 25
    milestones_on_time: int = 18
    assessed: int = 20
    reassessed: int = 15
    personal_changes: dict[int, int] = field(
        default_factory=lambda: {1: 6, 0: 5, 2: 3, -1: 1}
    )  # change in levels: learners
    social_changes: dict[int, int] = field(default_factory=lambda: {0: 15})
    advice: dict[str, int] = field(
        default_factory=lambda: {
            "brainstorming": 6,
            "headstand": 5,
            "good-advice": 2,
            "resonance": 1,
        }
    )
    community_posts: dict[date, int] = field(default_factory=dict)
    community_posters: int = 7
    active_now: int = 12


def _person(uow: UnitOfWork, name: str) -> int:
    person = uow.people.add(
        Person(
            identity=Identity(Platform.CONSOLE, "", name),
            display_name=name,
            timezone="Europe/Berlin",
            locale="en",
            created_at=OPENED - timedelta(days=3),
        )
    )
    assert person.id is not None
    return person.id


def _round(
    group_id: int, giver: int, members: tuple[int, ...], method: str, at: datetime, status: str
) -> AdviceRecord:
    """A colleague-advice round as the advice handler stores it, finished (or not)."""
    held = AdviceRound(
        mode=Mode.WRITTEN,
        case_giver=giver,
        case="a case",
        members=members,
        timezone="Europe/Berlin",
        config=AdviceConfig(),
        started_at=at - timedelta(days=2),
        phase=Phase.CLOSING,
        status=Status(status),
        phase_started_at=at - timedelta(hours=1),
        deadline=None,
        last_activity_at=at,
        moderator=members[1] if members[1] != giver else members[0],
        key_question="a key question",
        method_id=method,
        ended_at=at,
    )
    return AdviceRecord(
        group_id=group_id,
        case_giver_id=giver,
        state={"round": held.to_dict(), "posts": 0},
        status=status,
        created_at=at - timedelta(days=2),
        updated_at=at,
    )


def _give_data(uow: UnitOfWork, person_id: int, model: CompetenceModel, at: datetime) -> None:
    """An outsider's data of every kind (it must count nowhere)."""
    assessment = uow.assessments.add(Assessment(person_id, "initial", at))
    uow.assessments.rate(assessment.id, {t.id: 1 for t in model.traits()}, at)
    uow.assessments.complete(assessment.id, at)
    uow.goals.add(Goal(person_id, "learning", 1, 4, "outsider", person_id, at))
    uow.checkins.add(Checkin(person_id, at, CheckinStatus.ANSWERED, answered_at=at))
    uow.diary.add(
        DiaryEntry(author_id=person_id, text="outside", created_at=NOW - timedelta(days=1))
    )


def build(uow_factory: UnitOfWorkFactory, model: CompetenceModel, seed: int = 18) -> Truth:
    """Write the cohort; return what its report must say."""
    rng = random.Random(seed)
    truth = Truth()
    personal = [c.id for c in model.competences if c.group == "personal"]
    social = [c.id for c in model.competences if c.group == "social"]
    with uow_factory() as uow:
        cohort = uow.cohorts.add(Cohort(name="Spring", created_at=OPENED))
        assert cohort.id is not None
        truth.cohort_id = cohort.id
        names = [f"learner{i:02d}" for i in range(LEARNERS)]
        truth.names = names
        ids = [_person(uow, name) for name in names]
        for i, person_id in enumerate(ids):
            joined = OPENED + timedelta(days=1) if i < 14 else OPENED + timedelta(weeks=1, days=2)
            uow.memberships.add(Membership(cohort.id, person_id, Role.LEARNER, joined))
        for name in ("invited1", "invited2"):
            uow.memberships.add(
                Membership(
                    cohort.id,
                    _person(uow, name),
                    Role.LEARNER,
                    OPENED,
                    status=MembershipStatus.INVITED,
                )
            )
        _give_data(uow, _person(uow, "outsider"), model, OPENED + timedelta(days=2))
        order = ids[:]
        rng.shuffle(order)
        # check-ins: week w, 15 - w answered
        for w in range(5):
            due = OPENED + timedelta(weeks=w, days=1)
            answered = set(rng.sample(ids, 15 - w))
            truth.checkins_answered[week(w)] = 15 - w
            truth.checkins[week(w)] = LEARNERS
            for person_id in ids:
                status = CheckinStatus.ANSWERED if person_id in answered else CheckinStatus.MISSED
                uow.checkins.add(
                    Checkin(
                        person_id,
                        due,
                        status,
                        asked_at=due,
                        answered_at=due + timedelta(hours=1) if person_id in answered else None,
                    )
                )
        # partnerships and co-coaching
        pairs = [
            uow.partnerships.add(cohort.id, order[k : k + 2], OPENED + timedelta(weeks=1))
            for k in range(0, LEARNERS, 2)
        ]
        for w in range(5):
            met = 5 if w < 4 else 7
            truth.cocoaching_met[week(w)] = met
            truth.cocoaching[week(w)] = len(pairs)
            meeting = set(rng.sample(pairs, met))
            for pair in pairs:
                prompted = OPENED + timedelta(weeks=w, days=2)
                record = uow.cocoaching.add(CoCoaching(pair, prompted))
                assert record is not None
                record.outcome = (
                    CoCoachingOutcome.MET if pair in meeting else CoCoachingOutcome.NOT_MET
                )
                record.answered_at = prompted + timedelta(hours=2)
                uow.cocoaching.update(record)
        # goals: two each, 12 reached
        reached = set(rng.sample(ids, 12))
        for person_id in ids:
            for n, trait in enumerate(("learning", "feedback")):
                goal = uow.goals.add(
                    Goal(person_id, trait, 2, 4, "why", person_id, OPENED + timedelta(days=3))
                )
                if n == 0 and person_id in reached:
                    goal.status = GoalStatus.REACHED
                    uow.goals.update(goal)
        # plans: 16 committed; two milestones each, 25 reached, 18 on time
        committed = set(rng.sample(ids, 16))
        done = rng.sample([(p, n) for p in ids for n in range(2)], 25)
        on_time = set(done[:18])
        done_set = set(done)
        for person_id in ids:
            for n in range(2):
                key = (person_id, n)
                due_on = week(5) if key in on_time or key not in done_set else week(3)
                milestone = uow.plans.add_milestone(
                    Milestone(
                        person_id, f"step {n}", due_on, "evidence", OPENED + timedelta(days=4)
                    )
                )
                if key in done_set:
                    milestone.done_at = OPENED + timedelta(weeks=4, days=1)
                    uow.plans.update_milestone(milestone)
            if person_id in committed:
                uow.plans.commit(person_id, OPENED + timedelta(days=5))
        # assessments
        for person_id in ids:
            first = uow.assessments.add(
                Assessment(person_id, "initial", OPENED + timedelta(days=1))
            )
            uow.assessments.rate(
                first.id, {t.id: 3 for t in model.traits()}, OPENED + timedelta(days=1)
            )
            uow.assessments.complete(first.id, OPENED + timedelta(days=1))
        changes = [c for c, n in truth.personal_changes.items() for _ in range(n)]
        for person_id, change in zip(rng.sample(ids, 15), changes, strict=True):
            at = NOW - timedelta(days=20)
            again = uow.assessments.add(Assessment(person_id, "follow-up", at))
            ratings = {t: 3 + change for t in personal} | {t: 3 for t in social}
            uow.assessments.rate(again.id, ratings, at)
            uow.assessments.complete(again.id, at)
        # learning groups and advice rounds
        groups = [
            (
                uow.groups.add(
                    cohort.id, f"Group {k}", order[k * 5 : k * 5 + 5], OPENED + timedelta(weeks=1)
                ),
                order[k * 5 : k * 5 + 5],
            )
            for k in range(4)
        ]
        rounds = [m for m, n in truth.advice.items() for _ in range(n)]
        for r, method in enumerate(rounds):
            group_id, members = groups[r % 4]
            uow.advice.add(
                _round(
                    group_id,
                    members[r % 5],
                    tuple(members),
                    method,
                    OPENED + timedelta(weeks=3, days=r % 5),
                    "finished",
                )
            )
        # a round not finished (cancelled) counts nowhere
        open_round = _round(
            groups[0][0],
            groups[0][1][0],
            tuple(groups[0][1]),
            "brainstorming",
            OPENED + timedelta(weeks=3),
            "cancelled",
        )
        uow.advice.add(open_round)
        # community posts
        community = uow.communities.add(Community(name="Retros", created_at=OPENED))
        assert community.id is not None
        posters = rng.sample(ids, 7)
        for k, person_id in enumerate(posters):
            times = [OPENED + timedelta(weeks=2, days=1)]
            if k == 0:
                times += [OPENED + timedelta(weeks=3, days=1), OPENED + timedelta(weeks=3, days=2)]
            for at in times:
                entry = uow.diary.add(
                    DiaryEntry(author_id=person_id, text="a retro", created_at=at)
                )
                assert entry.id is not None
                uow.communities.add_post(
                    CommunityPost(community.id, entry.id, person_id, "post", at)
                )
        truth.community_posts = {week(2): 7, week(3): 2}
        # recent diary entries
        for person_id in rng.sample(ids, 12):
            uow.diary.add(
                DiaryEntry(author_id=person_id, text="recent", created_at=NOW - timedelta(days=3))
            )
        cohort.status = CohortStatus.LEARNING
        uow.cohorts.update(cohort)
        uow.commit()
    return truth
