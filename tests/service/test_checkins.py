"""Check-ins through the core with a fixed clock, on the fakes, SQLite and PostgreSQL alike:
schedules, asking, reminders, misses, answers, pauses, caps, quiet hours and the grace
window. No test sleeps."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from bot.checkins import CheckinRules, CheckinStatus
from bot.clock import FixedClock
from bot.domain import EntrySource, OutboxKind, OutboxMessage, Profile, Visibility
from bot.policy import Policy
from bot.ports import UnitOfWorkFactory
from bot.scheduling import DueWork
from bot.service import Tandem
from storage.outbox import SqlOutbox
from tests.conftest import console_identity
from tests.support.backends import snapshot
from tests.support.fakes import FakeDatabase, FakeOutbox

ANA = console_identity("ana")
# Monday 30 November 2026, 08:00 UTC = 09:00 in Berlin
MONDAY_0900_BERLIN = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


class Listener:
    def __init__(self) -> None:
        self.calls = 0

    def outbox_written(self) -> None:
        self.calls += 1


class World:
    """The core, its database (the fakes unless given), a clock and the heartbeat's use
    case, for one test. What is stored is read back through the ports."""

    def __init__(
        self,
        start: datetime,
        rules: CheckinRules | None = None,
        factory: UnitOfWorkFactory | None = None,
    ) -> None:
        self.db = factory or FakeDatabase()
        self.clock = FixedClock(start)
        self.listener = Listener()
        policy = Policy(default_timezone="Europe/Berlin", checkins=rules or CheckinRules())
        self.tandem = Tandem(self.db, self.clock, policy, self.listener)
        self.due = DueWork(self.db, self.clock, policy, self.listener)

    def say(self, line: str, who=ANA, profile: Profile | None = None):
        return self.tandem.handle(who, line, profile)

    def step_until(self, end: datetime) -> None:
        """Jump from event to event up to `end`, ticking at each, as the console does."""
        while (event := self.due.next_event_at()) is not None and event <= end:
            self.clock.set(max(event, self.clock.now()))
            self.due.run()
        self.clock.set(end)
        self.due.run()

    def messages(self, kind: OutboxKind | None = None) -> list[OutboxMessage]:
        person_id = self.person().id  # (one unit of work at a time: SQLite locks)
        with self.db() as uow:
            found = sorted(uow.outbox.for_recipient(person_id), key=lambda m: (m.due_at, m.id))
        return [m for m in found if kind is None or m.kind is kind]

    def checkins(self):
        person_id = self.person().id
        with self.db() as uow:
            return sorted(uow.checkins.for_person(person_id), key=lambda c: c.due_at)

    def schedule(self):
        person_id = self.person().id
        with self.db() as uow:
            return uow.schedules.get(person_id)

    def diary(self):
        with self.db() as uow:
            person = uow.people.by_identity(ANA)
            if person is None:
                return []
            return sorted(
                uow.diary.by_author(person.id, list(Visibility), None), key=lambda e: e.id
            )

    def berlin(self, moment: datetime) -> str:
        return f"{moment.astimezone(self.person().zone):%a %d %b %H:%M}"

    def person(self, name: str = "ana"):
        with self.db() as uow:
            found = uow.people.by_identity(console_identity(name))
        assert found is not None, name
        return found


@pytest.fixture
def world(uow_factory: UnitOfWorkFactory) -> World:
    return World(MONDAY_0900_BERLIN - timedelta(days=1), factory=uow_factory)  # Sunday morning


def fields(reply) -> dict[str, str]:
    return {f.label: f.value for s in reply.sections for f in s.fields}


def test_the_schedule_shows_the_next_three_due_times_in_local_time(world):
    [reply] = world.say("/learn checkin every mon,thu 09:00")
    assert reply.text == "Check-ins set."
    assert fields(reply) == {
        "When": "every mon,thu at 09:00 (Europe/Berlin)",
        "Next": "Mon 30 Nov 2026 09:00; Thu 03 Dec 2026 09:00; Mon 07 Dec 2026 09:00",
    }
    [shown] = world.say("/learn checkin")
    assert fields(shown)["Next"] == fields(reply)["Next"]


def test_without_a_schedule_checkin_says_how_to_start(world):
    [reply] = world.say("/learn checkin")
    assert "no check-ins yet" in reply.text and "checkin every mon,thu 09:00" in reply.text


def test_a_due_checkin_becomes_one_dm_in_the_same_transaction_as_the_advance(world):
    world.say("/learn checkin every mon,thu 09:00")
    world.step_until(MONDAY_0900_BERLIN)

    [message] = world.messages()
    payload = json.loads(message.payload)
    assert message.kind is OutboxKind.CHECKIN and message.due_at == MONDAY_0900_BERLIN
    assert payload["audience"] == "dm" and payload["recipient_id"] == world.person().id
    assert "What did you try this week" in json.dumps(payload)
    [checkin] = world.checkins()
    assert checkin.status is CheckinStatus.ASKED and checkin.due_at == MONDAY_0900_BERLIN
    schedule = world.schedule()
    assert world.berlin(schedule.next_due_at) == "Thu 03 Dec 09:00"
    assert world.listener.calls == 1  # delivery is woken at once

    world.due.run()  # a second tick at the same moment changes nothing
    assert len(world.messages()) == 1 and len(world.checkins()) == 1


def test_a_failing_tick_leaves_no_half_done_state(world, monkeypatch):
    world.say("/learn checkin every mon 09:00")
    before = snapshot(world.db)
    world.clock.set(MONDAY_0900_BERLIN)

    def broken(self, message):
        raise RuntimeError("database went away")

    for outbox in (FakeOutbox, SqlOutbox):  # the tick writes its rows in one statement
        monkeypatch.setattr(outbox, "add", broken)
        monkeypatch.setattr(outbox, "add_many", broken)
    with pytest.raises(RuntimeError):
        world.due.run()
    assert snapshot(world.db) == before  # the schedule did not advance, no check-in was recorded


def test_one_reminder_then_missed(world):
    world.say("/learn checkin every mon 09:00")
    world.step_until(MONDAY_0900_BERLIN + timedelta(days=3))

    assert [m.kind for m in world.messages()] == [OutboxKind.CHECKIN, OutboxKind.REMINDER]
    reminder = world.messages(OutboxKind.REMINDER)[0]
    assert world.berlin(reminder.due_at) == "Mon 30 Nov 13:00"  # four hours later
    assert "still open" in json.loads(reminder.payload)["text"]
    [checkin] = world.checkins()
    assert checkin.status is CheckinStatus.MISSED


def test_an_answer_becomes_a_check_in_diary_entry_and_stops_the_reminder(world):
    world.say("/learn checkin every mon 09:00")
    world.step_until(MONDAY_0900_BERLIN + timedelta(hours=1))
    [reply] = world.tandem.message(ANA, "Ran my first retro #moderation, it went well")

    assert "in your diary" in reply.text
    [entry] = world.diary()
    assert entry.source is EntrySource.CHECK_IN and entry.tags == ("moderation",)
    [checkin] = world.checkins()
    assert checkin.status is CheckinStatus.ANSWERED and checkin.entry_id == entry.id
    world.step_until(MONDAY_0900_BERLIN + timedelta(days=2))
    assert [m.kind for m in world.messages()] == [OutboxKind.CHECKIN]  # no reminder
    assert world.checkins()[0].status is CheckinStatus.ANSWERED


def test_a_message_with_nothing_pending_is_not_stored(world):
    [reply] = world.tandem.message(ANA, "hello?")
    assert "/learn help" in reply.text
    assert world.diary() == []


def test_reminders_never_fall_in_the_quiet_hours(world):
    world.say("/learn checkin every mon 18:00")
    world.step_until(MONDAY_0900_BERLIN + timedelta(days=1, hours=6))
    reminder = world.messages(OutboxKind.REMINDER)[0]
    assert world.berlin(reminder.due_at) == "Tue 01 Dec 07:00"  # not 22:00


def test_a_time_inside_the_quiet_hours_that_the_person_chose_is_kept(world):
    [reply] = world.say("/learn checkin every mon 21:30")
    assert "inside the quiet hours" in reply.sections[-1].text
    world.step_until(MONDAY_0900_BERLIN + timedelta(hours=13))
    [checkin] = world.messages(OutboxKind.CHECKIN)
    assert world.berlin(checkin.due_at) == "Mon 30 Nov 21:30"


def test_the_daily_cap_suppresses_the_reminder():
    world = World(MONDAY_0900_BERLIN - timedelta(hours=1), CheckinRules(daily_cap=1))
    world.say("/learn checkin every mon 09:00")
    world.step_until(MONDAY_0900_BERLIN + timedelta(days=2))
    assert [m.kind for m in world.messages()] == [OutboxKind.CHECKIN]
    assert world.checkins()[0].status is CheckinStatus.MISSED


def test_the_daily_cap_skips_a_check_in_and_records_why():
    world = World(MONDAY_0900_BERLIN - timedelta(hours=1), CheckinRules(daily_cap=2))
    world.say("/learn checkin every mon 09:00")
    person_id = world.person().id
    with world.db() as uow:  # two proactive messages went out earlier that day
        for hour in (6, 7):
            uow.outbox.add(
                OutboxMessage(
                    person_id,
                    "{}",
                    f"earlier-{hour}",
                    MONDAY_0900_BERLIN.replace(hour=hour),
                    MONDAY_0900_BERLIN,
                    kind=OutboxKind.REMINDER,
                )
            )
        uow.commit()
    world.step_until(MONDAY_0900_BERLIN)
    assert world.messages(OutboxKind.CHECKIN) == []
    [checkin] = world.checkins()
    assert checkin.status is CheckinStatus.SKIPPED and "daily cap" in checkin.skip_reason


def test_past_the_grace_window_a_check_in_is_skipped_not_sent_late(world):
    world.say("/learn checkin every mon 09:00")
    world.clock.set(MONDAY_0900_BERLIN + timedelta(hours=13))  # the bot was down
    report = world.due.run()
    assert report.asked == 0 and report.skipped == 1
    assert world.messages() == []
    [checkin] = world.checkins()
    assert checkin.status is CheckinStatus.SKIPPED and "grace" in checkin.skip_reason
    assert world.berlin(world.schedule().next_due_at) == "Mon 07 Dec 09:00"


def test_within_the_grace_window_a_late_check_in_is_still_asked(world):
    world.say("/learn checkin every mon 09:00")
    world.clock.set(MONDAY_0900_BERLIN + timedelta(hours=3))
    assert world.due.run().asked == 1


def test_a_late_check_in_is_not_pushed_into_the_quiet_hours(world):
    world.say("/learn checkin every mon 18:00")
    world.clock.set(MONDAY_0900_BERLIN + timedelta(hours=12))  # 21:00, three hours late
    report = world.due.run()
    assert report.asked == 0 and report.skipped == 1
    assert "quiet hours" in world.checkins()[0].skip_reason


def test_weeks_of_downtime_send_nothing_late_and_the_schedule_moves_on(world):
    world.say("/learn checkin every mon,thu 09:00")
    world.clock.set(MONDAY_0900_BERLIN + timedelta(weeks=3, hours=2))
    report = world.due.run()
    assert report.asked == 1  # only today's, two hours late; the rest are skipped
    assert report.skipped == 6
    assert len(world.messages()) == 1


def test_pause_for_two_weeks_resumes_by_itself(world):
    world.say("/learn checkin every mon 09:00")
    [reply] = world.say("/learn checkin pause 2w")
    assert reply.text.startswith("Check-ins paused until Sun 13 Dec 2026")
    assert fields(reply)["Next"].startswith("Mon 14 Dec 2026 09:00")
    world.step_until(MONDAY_0900_BERLIN + timedelta(weeks=3, hours=1))
    asked = [world.berlin(m.due_at) for m in world.messages(OutboxKind.CHECKIN)]
    assert asked == ["Mon 14 Dec 09:00", "Mon 21 Dec 09:00"]


def test_pause_until_a_date_and_resume(world):
    world.say("/learn checkin every mon 09:00")
    [paused] = world.say("/learn checkin pause until 2027-01-07")
    assert paused.text.startswith("Check-ins paused until Thu 07 Jan 2027 00:00")
    assert fields(paused)["Next"].startswith("Mon 11 Jan 2027 09:00")
    [resumed] = world.say("/learn checkin resume")
    assert resumed.text == "Check-ins resumed." and fields(resumed)["Next"].startswith(
        "Mon 30 Nov 2026"
    )
    [again] = world.say("/learn checkin resume")
    assert again.text == "Your check-ins are not paused."


def test_off_stops_check_ins(world):
    world.say("/learn checkin every mon 09:00")
    [reply] = world.say("/learn checkin off")
    assert "off" in reply.text
    world.step_until(MONDAY_0900_BERLIN + timedelta(weeks=2))
    assert world.messages() == []
    assert "Status" in fields(world.say("/learn checkin")[0])


def test_checkin_now_is_one_dm_and_a_private_pointer(world):
    [reply] = world.say("/learn checkin now")
    assert reply.audience == "asker" and "direct messages" in reply.text
    [message] = world.messages()
    assert message.kind is OutboxKind.CHECKIN_REQUESTED
    assert json.loads(message.payload)["audience"] == "dm"
    assert world.listener.calls == 1
    [again] = world.say("/learn checkin now")
    assert "already waiting" in again.text and len(world.messages()) == 1
    world.tandem.message(ANA, "an answer")
    assert world.checkins()[0].status is CheckinStatus.ANSWERED


def test_a_new_check_in_marks_the_unanswered_one_missed(world):
    world.say("/learn checkin every daily 09:00")
    world.step_until(MONDAY_0900_BERLIN + timedelta(days=1))
    statuses = [c.status for c in world.checkins()]
    assert statuses == [CheckinStatus.MISSED, CheckinStatus.ASKED]


def test_a_chosen_time_zone_moves_the_schedule_and_outlives_the_profile(world):
    world.say("/learn checkin every mon 09:00")
    [reply] = world.say("/learn checkin tz America/New_York")
    assert fields(reply)["Next"].startswith("Mon 30 Nov 2026 09:00")
    world.say("/learn checkin", profile=Profile("ana", "Europe/Berlin"))
    assert world.person().timezone == "America/New_York"
    world.step_until(datetime(2026, 11, 30, 14, 0, tzinfo=UTC))
    [message] = world.messages()
    assert message.due_at == datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # 09:00 in New York


def test_a_berlin_check_in_stays_at_09_00_across_the_clock_change():
    world = World(datetime(2027, 3, 21, 12, tzinfo=UTC))
    world.say("/learn checkin every mon 09:00")
    world.step_until(datetime(2027, 3, 30, tzinfo=UTC))
    assert [m.due_at for m in world.messages(OutboxKind.CHECKIN)] == [
        datetime(2027, 3, 22, 8, tzinfo=UTC),
        datetime(2027, 3, 29, 7, tzinfo=UTC),
    ]


BAD = [
    ("/learn checkin every funday 25:00", "`funday` is not a weekday"),
    ("/learn checkin every mon 9", "`9` is not a time of day"),
    ("/learn checkin every 09:00", "Say when"),
    ("/learn checkin pause until 2026-11-01", "is not in the future"),
    ("/learn checkin pause until 2026-11-29", "is not in the future"),  # today, begun
    ("/learn checkin pause until 1/7/2027", "is not a date"),
    ("/learn checkin pause 0w", "from one day to 26 weeks"),
    ("/learn checkin pause 1y", "Pause like this"),
    ("/learn checkin tz Mars/Olympus", "I don't know the time zone `Mars/Olympus`"),
    ("/learn checkin sometimes", "`/learn checkin` shows your schedule"),
]


@pytest.mark.parametrize(("line", "message"), BAD, ids=[b[0] for b in BAD])
def test_bad_checkin_input_changes_nothing(world, line, message):
    world.say("/learn checkin every mon,thu 09:00")
    before = snapshot(world.db)
    [reply] = world.say(line)
    assert message in reply.text and reply.is_error and reply.audience == "asker"
    assert snapshot(world.db) == before


def test_pausing_without_a_schedule_is_refused(world):
    [reply] = world.say("/learn checkin pause 2w")
    assert reply.is_error and "no check-ins to pause" in reply.text


def test_export_and_forget_cover_check_ins(world):
    world.say("/learn checkin every mon 09:00")
    world.step_until(MONDAY_0900_BERLIN + timedelta(hours=1))
    world.tandem.message(ANA, "answer")
    document = json.loads(world.tandem.export(ANA))
    assert document["checkin_schedule"]["weekdays"] == [0]
    assert document["checkins"][0]["status"] == "answered"
    ana = world.person().id
    counts = world.tandem.forget(ANA)
    assert counts["check-ins"] == 1
    with world.db() as uow:
        assert uow.schedules.get(ana) is None and uow.checkins.for_person(ana) == []
        assert uow.checkins.pending_for(ana) is None


def test_a_new_zone_from_the_platform_profile_moves_the_schedule(world):
    world.say("/learn checkin every mon 09:00")  # Berlin
    world.say("/learn checkin", profile=Profile("ana", "America/Los_Angeles"))
    world.step_until(datetime(2026, 12, 1, 12, tzinfo=UTC))
    la = [m.due_at.astimezone(world.person().zone) for m in world.messages(OutboxKind.CHECKIN)]
    assert [f"{t:%a %H:%M}" for t in la] == ["Mon 09:00"]  # once, at 09:00 in Los Angeles


@pytest.mark.parametrize("line", ["/learn checkin off", "/learn checkin pause 2w"])
def test_stopping_or_pausing_cancels_the_reminder_of_the_open_check_in(world, line):
    world.say("/learn checkin every mon 09:00")
    world.step_until(MONDAY_0900_BERLIN + timedelta(minutes=5))
    world.say(line)
    world.step_until(MONDAY_0900_BERLIN + timedelta(days=2))
    assert [m.kind for m in world.messages()] == [OutboxKind.CHECKIN]


def test_a_reminder_dropped_for_the_cap_says_why():
    world = World(MONDAY_0900_BERLIN - timedelta(hours=1), CheckinRules(daily_cap=1))
    world.say("/learn checkin every mon 09:00")
    world.step_until(MONDAY_0900_BERLIN + timedelta(hours=5))
    assert "daily cap" in world.checkins()[0].skip_reason


@pytest.mark.parametrize(
    "line", ["/learn checkin pause until 9999-12-31", "/learn checkin pause until 2027-07-01"]
)
def test_a_pause_until_a_far_date_is_refused(world, line):
    world.say("/learn checkin every mon 09:00")
    [reply] = world.say(line)
    assert reply.is_error and "at most 26 weeks" in reply.text


@pytest.mark.parametrize("name", ["localtime", "posixrules", "Factory", "Europe/Atlantis"])
def test_only_real_zones_are_taken(world, name):
    [reply] = world.say(f"/learn checkin tz {name}")
    assert reply.is_error


def test_the_check_in_dm_offers_answer_snooze_and_skip(world):
    world.say("/learn checkin now")
    payload = json.loads(world.messages()[0].payload)
    assert [b["command"] for b in payload["buttons"]] == [
        "checkin answer",
        "checkin snooze",
        "checkin skip",
    ]


def test_skip_closes_the_open_check_in_without_a_reminder(world):
    world.say("/learn checkin every mon 09:00")
    world.step_until(MONDAY_0900_BERLIN + timedelta(minutes=1))
    [reply] = world.say("/learn checkin skip")
    assert reply.text.startswith("Skipped.")
    world.step_until(MONDAY_0900_BERLIN + timedelta(days=2))
    assert [m.kind for m in world.messages()] == [OutboxKind.CHECKIN]
    assert world.checkins()[0].status is CheckinStatus.SKIPPED
    [again] = world.say("/learn checkin skip")
    assert again.is_error and "No check-in is waiting" in again.text


def test_snooze_asks_again_later_and_never_in_the_quiet_hours(world):
    world.say("/learn checkin every mon 09:00")
    world.step_until(MONDAY_0900_BERLIN + timedelta(minutes=1))
    [reply] = world.say("/learn checkin snooze 30m")
    assert reply.text == "I will ask again at Mon 30 Nov 2026 09:31."
    world.step_until(MONDAY_0900_BERLIN + timedelta(hours=1))
    reminder = world.messages(OutboxKind.REMINDER)[0]
    assert world.berlin(reminder.due_at) == "Mon 30 Nov 09:31"
    [late] = World(MONDAY_0900_BERLIN).say("/learn checkin snooze 13h")
    assert late.is_error and "10 minutes to 12 hours" in late.text


def test_answer_by_command_or_by_form(world):
    [nothing] = world.say("/learn checkin answer")
    assert nothing.is_error and "No check-in is waiting" in nothing.text
    world.say("/learn checkin now")
    [form] = world.say("/learn checkin answer")
    assert form.form is not None and form.form.form_id == "checkin"
    [done] = world.tandem.submit(ANA, "checkin", {"text": "Tried #feedback rounds"})
    assert "in your diary" in done.text
    [entry] = world.diary()
    assert entry.source is EntrySource.CHECK_IN and entry.text == "Tried #feedback rounds"
    world.clock.advance(timedelta(minutes=1))
    world.say("/learn checkin now")
    [typed] = world.say("/learn checkin answer Typed   on two\nlines")
    assert "in your diary" in typed.text
    assert sorted(e.text for e in world.diary())[-1] == "Typed   on two\nlines"
