"""Nudges before drift: the tutor's weekly digest and the learner's kind note, through the
core with a fixed clock, on the fakes, SQLite and PostgreSQL alike (`uow_factory`).

Each default rule at its boundary (2 vs 3 check-ins missed, 13 vs 14 quiet days, one vs
two "we didn't meet", 6 vs 7 days overdue); one digest per tutor per week, however many
heartbeats run; one note per drift; silenced by the learner's pause, by the learner's
leaving and by the tutor's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.checkins import Checkin, CheckinStatus
from bot.clock import FixedClock
from bot.domain import DiaryEntry, Visibility
from bot.plans import CoCoaching, CoCoachingOutcome, Milestone
from bot.policy import Policy
from bot.ports import UnitOfWorkFactory
from bot.privacy import write
from bot.replies import Reply
from bot.scheduling import DueWork
from bot.service import Tandem
from tests.conftest import NOW, console_identity
from tests.support.language import assert_german

# NOW is Monday 30 Nov 2026, 09:00 UTC. People's zone is Europe/Berlin (UTC+1 in
# winter): the digests fall on Mondays at 09:00 Berlin, 08:00 UTC.
FIRST = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
SECOND = FIRST + timedelta(days=7)
THIRD = SECOND + timedelta(days=7)


class World:
    def __init__(self, db: UnitOfWorkFactory) -> None:
        self.db = db
        self.clock = FixedClock(NOW)
        self.policy = Policy(
            facilitator_refs=frozenset({"console:fay"}), default_timezone="Europe/Berlin"
        )
        self.tandem = Tandem(db, self.clock, self.policy)
        self.due = DueWork(db, self.clock, self.policy)

    def say(self, name: str, line: str) -> Reply:
        replies = self.tandem.handle(console_identity(name), line)
        assert len(replies) == 1, replies
        return replies[0]

    def id(self, name: str) -> int:
        with self.db() as uow:
            person = uow.people.by_identity(console_identity(name))
            assert person is not None and person.id is not None
            return person.id

    def dms(self, name: str) -> list[Reply]:
        person_id = self.id(name)
        with self.db() as uow:
            return [
                Reply.model_validate_json(m.payload) for m in uow.outbox.for_recipient(person_id)
            ]

    def digests(self, name: str) -> list[Reply]:
        return [r for r in self.dms(name) if "drifting away" in r.text or "abdriften" in r.text]

    def notes(self, name: str) -> list[Reply]:
        """The kind notes `name` got (each is about one drift)."""
        marks = (
            "check-ins passed",
            "not heard from you",
            "did not manage to meet",
            "past its date",
            "Check-ins sind",
            "nichts von dir gehört",
            "nicht getroffen",
            "Datum",
        )
        return [r for r in self.dms(name) if any(m in r.text for m in marks)]

    def cohort(self, learners: tuple[str, ...] = ("ana", "ben")) -> int:
        self.say("fay", "/learn cohort open Spring")
        with self.db() as uow:
            cohort_id = uow.cohorts.all()[-1].id
        self.say("fay", "/learn cohort invite " + " ".join(f"@{n}" for n in learners))
        for name in learners:
            self.say(name, f"/learn cohort join {cohort_id}")
        for name in learners:
            assert (
                "Added to Spring"
                in self.say("fay", f"/learn cohort add @tom tutor --of @{name}").text
            )
        assert cohort_id is not None
        return cohort_id

    def at(self, moment: datetime) -> None:
        """Move the clock to `moment`, running the heartbeat at each due time on the way."""
        while (event := self.due.next_event_at()) is not None and event <= moment:
            self.clock.set(event)
            self.due.run()
        self.clock.set(moment)
        self.due.run()

    def missed(self, name: str, *due: datetime, answered: tuple[datetime, ...] = ()) -> None:
        person_id = self.id(name)
        with self.db() as uow:
            for moment in due:
                uow.checkins.add(Checkin(person_id, moment, CheckinStatus.MISSED))
            for moment in answered:
                uow.checkins.add(
                    Checkin(person_id, moment, CheckinStatus.ANSWERED, answered_at=moment)
                )
            uow.commit()

    def entry(self, name: str, at: datetime, visibility: Visibility = Visibility.TUTOR) -> None:
        person_id = self.id(name)
        with self.db() as uow:
            entry = DiaryEntry(
                author_id=person_id, text="tried it", created_at=at, visibility=visibility
            )
            write(uow, entry)
            uow.commit()


@pytest.fixture
def world(uow_factory: UnitOfWorkFactory) -> World:
    return World(uow_factory)


def _lines(reply: Reply) -> dict[str, str]:
    return {s.title or "": s.text for s in reply.sections}


def test_three_check_ins_missed_in_a_row_are_named_two_are_not(world: World) -> None:
    world.cohort()
    days = [FIRST - timedelta(days=d) for d in (1, 2, 3)]
    world.missed("ana", *days)  # three in a row
    world.missed("ben", *days[:2], answered=(days[2],))  # two, after an answer
    world.entry("ana", FIRST - timedelta(days=1))
    world.entry("ben", FIRST - timedelta(days=1))
    world.at(FIRST)
    (digest,) = world.digests("tom")
    assert _lines(digest) == {"ana": "• missed 3 check-ins in a row"}
    assert digest.text == "This week 1 of your learners may be drifting away:"
    assert [n.text.startswith("The last check-ins") for n in world.notes("ana")] == [True]
    assert world.notes("ben") == []


def test_quiet_for_fourteen_days_is_named_thirteen_days_is_not(world: World) -> None:
    world.cohort()
    world.entry("ana", THIRD - timedelta(days=14))  # exactly 14 days before the digest
    world.entry("ben", THIRD - timedelta(days=14) + timedelta(minutes=1))  # 13 d 23 h 59
    world.at(THIRD)
    (digest,) = world.digests("tom")
    assert _lines(digest) == {
        "ana": "• nothing you can see (a diary entry shared with you, a check-in answer, "
        "co-coaching) for 14 days"
    }
    (note,) = world.notes("ana")
    assert "not heard from you for 14 days" in note.text
    assert world.notes("ben") == []


def test_the_digest_tells_the_tutor_nothing_of_entries_not_shared_with_them(
    world: World,
) -> None:
    # ana writes private entries and one shared with her partner only; ben writes nothing.
    # For tom both are quiet alike (the digest made only of what tom may see): a private
    # entry's date must not show as a drift that ends, or as a count of quiet days.
    world.cohort(("ana", "ben"))
    world.entry("ana", THIRD - timedelta(days=2), Visibility.PRIVATE)
    world.entry("ana", THIRD - timedelta(days=9), Visibility.PARTNER)
    world.at(THIRD)  # 20 days after they joined
    (digest,) = world.digests("tom")
    said = "• nothing you can see (a diary entry shared with you, a check-in answer, co-coaching) for 20 days"
    assert _lines(digest) == {"ana": said, "ben": said}
    # the kind note is the learner's own: ana wrote two days ago and is not nudged
    assert world.notes("ana") == []
    assert (
        [n.text for n in world.notes("ben")]
        == [n.text for n in world.notes("ben") if "not heard from you for 20 days" in n.text]
        != []
    )


def test_someone_who_never_wrote_is_quiet_from_the_day_they_joined(world: World) -> None:
    world.cohort(("ana",))  # joined at NOW: 13 days 23 hours before the second digest
    world.at(SECOND)
    assert world.digests("tom") == []
    world.at(THIRD)  # 20 days
    (digest,) = world.digests("tom")
    assert "for 20 days" in _lines(digest)["ana"]


def test_we_did_not_meet_twice_is_named_once_is_not(world: World) -> None:
    cohort_id = world.cohort(("ana", "ben", "cem", "dia"))
    a, b, c, d = (world.id(n) for n in ("ana", "ben", "cem", "dia"))
    with world.db() as uow:
        ab = uow.partnerships.add(cohort_id, [a, b], NOW)
        cd = uow.partnerships.add(cohort_id, [c, d], NOW)
        for pid, outcomes in ((ab, ("not-met", "not-met")), (cd, ("met", "not-met"))):
            for days, outcome in zip((3, 1), outcomes, strict=True):
                record = uow.cocoaching.add(CoCoaching(pid, FIRST - timedelta(days=days)))
                assert record is not None
                record.outcome, record.answered_at = outcome, FIRST - timedelta(days=days)
                uow.cocoaching.update(record)
        uow.commit()
    world.at(FIRST)
    (digest,) = world.digests("tom")
    said = "• “we didn't meet” 2 times in a row in co-coaching"
    assert _lines(digest) == {"ana": said, "ben": said}
    assert len(world.notes("ana")) == len(world.notes("ben")) == 1
    assert world.notes("cem") == world.notes("dia") == []
    assert CoCoachingOutcome.NOT_MET == "not-met"


def test_a_milestone_seven_days_overdue_is_named_six_is_not(world: World) -> None:
    world.cohort()
    digest_day = date(2026, 12, 7)
    ids = {name: world.id(name) for name in ("ana", "ben")}
    with world.db() as uow:
        for name, late in (("ana", 7), ("ben", 6)):
            uow.plans.add_milestone(
                Milestone(
                    ids[name],
                    "Run a retro",
                    digest_day - timedelta(days=late),
                    "the team says so",
                    NOW,
                )
            )
        uow.commit()
    world.entry("ana", FIRST - timedelta(days=1))
    world.entry("ben", FIRST - timedelta(days=1))
    world.at(FIRST)
    (digest,) = world.digests("tom")
    assert _lines(digest) == {"ana": "• a milestone 7 days overdue"}
    assert "Run a retro" not in str(digest)  # the rule only
    assert len(world.notes("ana")) == 1 and world.notes("ben") == []


def test_the_digest_names_learners_and_rules_never_diary_text(world: World) -> None:
    world.cohort(("ana",))
    ana = world.id("ana")
    with world.db() as uow:
        write(uow, DiaryEntry(ana, "my secret doubts", NOW, visibility=Visibility.TUTOR))
        uow.commit()
    world.missed("ana", *(FIRST - timedelta(days=d) for d in (1, 2, 3)))
    world.at(FIRST)
    (digest,) = world.digests("tom")
    assert "secret" not in digest.model_dump_json()


def test_one_digest_a_week_and_one_note_per_drift(world: World) -> None:
    world.cohort(("ana",))
    world.missed("ana", *(FIRST - timedelta(days=d) for d in (1, 2, 3)))
    world.entry("ana", FIRST - timedelta(days=1))
    world.at(FIRST)
    world.at(SECOND - timedelta(days=1))
    world.entry("ana", SECOND - timedelta(days=1))
    world.at(SECOND)
    assert len(world.digests("tom")) == 2  # still drifting: named again a week later
    assert len(world.notes("ana")) == 1  # but told once
    world.missed("ana", answered=(SECOND + timedelta(days=1),))
    world.missed("ana", *(SECOND + timedelta(days=d) for d in (2, 3, 4)))
    world.at(THIRD)
    assert len(world.notes("ana")) == 2  # a new run of misses is a new drift


def test_two_heartbeats_write_one_digest(world: World) -> None:
    world.cohort(("ana",))
    world.missed("ana", *(FIRST - timedelta(days=d) for d in (1, 2, 3)))
    world.clock.set(FIRST)
    other = DueWork(world.db, world.clock, world.policy)  # a second replica
    world.due.run()
    other.run()
    world.due.run()
    assert len(world.digests("tom")) == 1
    assert len(world.notes("ana")) == 1


def test_a_paused_learner_is_left_out_of_both(world: World) -> None:
    world.cohort(("ana", "ben"))
    world.missed("ana", *(FIRST - timedelta(days=d) for d in (1, 2, 3)))
    world.missed("ben", *(FIRST - timedelta(days=d) for d in (1, 2, 3)))
    world.say("ana", "/learn checkin every mon 09:00")
    assert "paused" in world.say("ana", "/learn checkin pause 2w").text.lower()
    world.at(FIRST)
    (digest,) = world.digests("tom")
    assert set(_lines(digest)) == {"ben"}
    assert world.notes("ana") == []


def test_a_learner_who_left_is_no_longer_named(world: World) -> None:
    cohort_id = world.cohort(("ana", "ben"))
    for name in ("ana", "ben"):
        world.missed(name, *(FIRST - timedelta(days=d) for d in (1, 2, 3)))
    world.say("ana", f"/learn cohort leave {cohort_id}")
    world.at(FIRST)
    (digest,) = world.digests("tom")
    assert set(_lines(digest)) == {"ben"}
    assert world.notes("ana") == []


def test_a_tutor_who_left_gets_no_digest_and_their_learners_no_note(world: World) -> None:
    world.cohort(("ana",))
    world.missed("ana", *(FIRST - timedelta(days=d) for d in (1, 2, 3)))
    assert "closed" in world.say("fay", "/learn cohort close").text.lower()
    world.at(FIRST)
    assert world.digests("tom") == []
    assert world.notes("ana") == []
    with world.db() as uow:  # and their weekly timer ended
        assert [
            t for t in uow.timers.due(datetime(2100, 1, 1, tzinfo=UTC), 100) if t.kind == "nudges"
        ] == []


def test_nothing_to_say_writes_nothing(world: World) -> None:
    world.cohort(("ana",))
    world.entry("ana", FIRST - timedelta(days=1))
    world.at(FIRST)
    assert world.digests("tom") == [] and world.notes("ana") == []


def test_the_rules_are_settings(uow_factory: UnitOfWorkFactory) -> None:
    from bot.nudges import NudgeRules

    world = World(uow_factory)
    world.policy = Policy(
        facilitator_refs=frozenset({"console:fay"}),
        default_timezone="Europe/Berlin",
        nudges=NudgeRules(missed_checkins=2, quiet_days=0),
    )
    world.tandem = Tandem(uow_factory, world.clock, world.policy)
    world.due = DueWork(uow_factory, world.clock, world.policy)
    world.cohort(("ana",))
    world.missed("ana", *(FIRST - timedelta(days=d) for d in (1, 2)))
    world.at(FIRST)
    (digest,) = world.digests("tom")
    assert _lines(digest) == {"ana": "• missed 2 check-ins in a row"}


def test_a_german_tutor_reads_it_in_german_and_the_learner_in_english(world: World) -> None:
    world.cohort(("ana",))
    world.say("tom", "/learn language de")
    world.missed("ana", *(FIRST - timedelta(days=d) for d in (1, 2, 3)))
    world.at(FIRST)
    (digest,) = world.digests("tom")
    text = "\n".join([digest.text, *(s.text for s in digest.sections), digest.next_step or ""])
    assert_german(text, allow=("ana",))
    (note,) = world.notes("ana")
    assert note.text.startswith("The last check-ins")


def test_a_tutor_who_was_erased_leaves_no_timer_and_gets_nothing(world: World) -> None:
    world.cohort(("ana",))
    world.missed("ana", *(FIRST - timedelta(days=d) for d in (1, 2, 3)))
    world.say("tom", "/learn privacy forget")
    assert not world.say("tom", "/learn privacy forget confirm").is_error
    with world.db() as uow:
        timers = uow.timers.due(datetime(2100, 1, 1, tzinfo=UTC), 100)
        assert [t for t in timers if t.kind == "nudges"] == []
    world.at(FIRST)
    assert world.notes("ana") == []


def test_a_german_learner_gets_the_note_in_german(world: World) -> None:
    world.cohort(("ana",))
    world.say("ana", "/learn language de")
    world.missed("ana", *(FIRST - timedelta(days=d) for d in (1, 2, 3)))
    world.at(FIRST)
    (note,) = world.notes("ana")
    assert note.text.startswith("Die letzten Check-ins sind an dir vorbeigegangen.")
    assert_german(note.text)
