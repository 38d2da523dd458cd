"""The heartbeat's batched writes, on the fakes, SQLite and PostgreSQL alike: many rows in
one statement, a row stored before left out (and its id not set), times kept aware UTC,
JSON and odd text kept as they were, a status changed only where it still was expected."""

from __future__ import annotations

from datetime import UTC, time, timedelta
from zoneinfo import ZoneInfo

from bot.checkins import Checkin, CheckinSchedule, CheckinStatus
from bot.domain import OutboxKind, OutboxMessage, Person
from bot.ports import UnitOfWorkFactory
from bot.timers import Timer
from tests.conftest import NOW, console_identity

ODD = 'tab\there, "quotes", back\\slash, {brace}, 🧭, Grüße, %(name)s, \u2028, $1'


def people(uow_factory: UnitOfWorkFactory, count: int) -> list[int]:
    with uow_factory() as uow:
        ids = [
            uow.people.add(Person(console_identity(f"p{i}"), f"p{i}", "UTC", "en", NOW)).id
            for i in range(count)
        ]
        uow.commit()
    return [i for i in ids if i is not None]


def test_check_ins_many_at_once_leave_out_those_stored_before(uow_factory):
    ana, ben, cem = people(uow_factory, 3)
    berlin = NOW.astimezone(ZoneInfo("Europe/Berlin"))  # an aware time in another zone
    with uow_factory() as uow:
        assert uow.checkins.add(Checkin(ben, NOW, CheckinStatus.ASKED, asked_at=NOW))
        uow.commit()
    given = [
        Checkin(ana, berlin, CheckinStatus.ASKED, questions=(ODD, "Wie lief es?"), asked_at=NOW),
        Checkin(ben, NOW, CheckinStatus.ASKED, asked_at=NOW),  # stored before
        Checkin(cem, NOW, CheckinStatus.SKIPPED, skip_reason=ODD),
        Checkin(ana, NOW + timedelta(days=7), CheckinStatus.SKIPPED),
    ]
    with uow_factory() as uow:
        stored = uow.checkins.add_many(given)
        uow.commit()
    assert stored == [given[0], given[2], given[3]]
    assert given[1].id is None and all(c.id is not None for c in stored)
    with uow_factory() as uow:
        [first, later] = uow.checkins.for_person(ana)
        [skipped] = uow.checkins.for_person(cem)
    assert first.id == given[0].id and first.due_at == NOW and first.due_at.tzinfo is not None
    assert first.questions == (ODD, "Wie lief es?") and first.asked_at == NOW
    assert later.status is CheckinStatus.SKIPPED and later.due_at == NOW + timedelta(days=7)
    assert skipped.skip_reason == ODD and skipped.remind_at is None
    with uow_factory() as uow:
        assert uow.checkins.add_many([]) == []


def test_a_status_changes_only_where_it_still_was_expected(uow_factory):
    ana, ben = people(uow_factory, 2)
    asked = Checkin(ana, NOW, CheckinStatus.ASKED, asked_at=NOW)
    answered = Checkin(ben, NOW, CheckinStatus.ANSWERED, asked_at=NOW, answered_at=NOW)
    with uow_factory() as uow:
        uow.checkins.add_many([asked, answered])
        uow.commit()
    assert asked.id is not None and answered.id is not None
    pending = [CheckinStatus.ASKED, CheckinStatus.REMINDED]
    with uow_factory() as uow:
        changed = uow.checkins.set_status_many(
            [asked.id, answered.id, asked.id], CheckinStatus.MISSED, pending
        )
        assert uow.checkins.set_status_many([], CheckinStatus.MISSED, pending) == set()
        uow.commit()
    assert changed == {asked.id}
    with uow_factory() as uow:
        assert uow.checkins.for_person(ana)[0].status is CheckinStatus.MISSED
        assert uow.checkins.for_person(ana)[0].asked_at == NOW  # the rest untouched
        assert uow.checkins.for_person(ben)[0].status is CheckinStatus.ANSWERED


def test_outbox_rows_many_at_once_leave_out_keys_stored_before(uow_factory):
    ana, ben = people(uow_factory, 2)

    def row(to: int, key: str, text: str = "Hello.") -> OutboxMessage:
        return OutboxMessage(
            recipient_id=to,
            payload=f'{{"text": {text!r}}}',
            idempotency_key=key,
            due_at=NOW,
            created_at=NOW,
            kind=OutboxKind.CHECKIN,
        )

    with uow_factory() as uow:
        assert uow.outbox.add(row(ana, "k:1"))
        uow.commit()
    given = [row(ana, "k:1"), row(ben, "k:2", ODD), row(ana, f"k:{ODD}")]
    with uow_factory() as uow:
        stored = uow.outbox.add_many(given)
        uow.commit()
    assert stored == given[1:] and given[0].id is None
    with uow_factory() as uow:
        [for_ben] = uow.outbox.for_recipient(ben)
        keys = [m.idempotency_key for m in uow.outbox.for_recipient(ana)]
    assert for_ben.payload == given[1].payload and for_ben.id == given[1].id
    assert for_ben.due_at == NOW and for_ben.kind is OutboxKind.CHECKIN
    assert keys == ["k:1", f"k:{ODD}"]


def test_schedules_many_at_once(uow_factory):
    ana, ben = people(uow_factory, 2)
    with uow_factory() as uow:
        for person in (ana, ben):
            uow.schedules.save(CheckinSchedule(person, frozenset({0}), time(9, 0), NOW))
        uow.commit()
    later = NOW + timedelta(days=7)
    changed = [
        CheckinSchedule(ana, frozenset({0, 4}), time(9, 30), NOW, next_due_at=later),
        CheckinSchedule(
            ben, frozenset({2}), time(17, 0), NOW, enabled=False, paused_until=later
        ),
    ]
    with uow_factory() as uow:
        uow.schedules.save_many(changed)
        uow.schedules.save_many([])
        uow.commit()
    with uow_factory() as uow:
        assert uow.schedules.get(ana) == changed[0]
        assert uow.schedules.get(ben) == changed[1]
        assert uow.schedules.get(ana).next_due_at.tzinfo is not None


def test_timers_many_at_once_only_those_still_due_when_they_were(uow_factory):
    with uow_factory() as uow:
        for subject in ("a", "b", "c"):
            uow.timers.set(Timer("bench", subject, NOW))
        uow.commit()
    with uow_factory() as uow:
        uow.timers.set(Timer("bench", "b", NOW + timedelta(hours=1)))  # moved meanwhile
        uow.timers.remove_many([Timer("bench", s, NOW) for s in ("a", "b")])
        uow.commit()
    with uow_factory() as uow:
        due = uow.timers.due(NOW + timedelta(days=1), 10)
    assert sorted((t.subject, t.due_at.astimezone(UTC)) for t in due) == [
        ("b", NOW + timedelta(hours=1)),
        ("c", NOW),
    ]


def test_inbox_items_many_at_once_record_each_key_once(uow_factory):
    from bot.domain import InboxItem

    def item(key: str, text: str = "diary write") -> InboxItem:
        return InboxItem(key=key, kind="slack.command", payload={"args": [text]}, created_at=NOW)

    with uow_factory() as uow:
        assert uow.inbox.add(item("slack:request:1"))
        uow.commit()
    given = [
        item("slack:request:1"),  # recorded before: a retry
        item("slack:request:2", ODD),
        item("slack:request:2"),  # the same request twice in one group (a double click)
        item(f"slack:request:{ODD}"),
    ]
    with uow_factory() as uow:
        stored = uow.inbox.add_many(given)
        assert uow.inbox.add_many([]) == []
        uow.commit()
    assert stored == [given[1], given[3]]
    assert given[0].id is None and given[2].id is None
    with uow_factory() as uow:
        [claimed] = uow.inbox.claim("w", NOW, NOW + timedelta(minutes=1), 10, ids=[given[1].id])
    assert claimed.payload == {"args": [ODD]} and claimed.created_at == NOW


def test_check_ins_written_back_many_at_once_only_where_still_expected(uow_factory):
    ana, ben = people(uow_factory, 2)
    asked = [Checkin(p, NOW, CheckinStatus.ASKED, asked_at=NOW) for p in (ana, ben)]
    with uow_factory() as uow:
        uow.checkins.add_many(asked)
        uow.commit()
    with uow_factory() as uow:  # ben answers meanwhile
        answered = uow.checkins.for_person(ben)[0]
        answered.status, answered.answered_at = CheckinStatus.ANSWERED, NOW
        assert uow.checkins.update(answered, [CheckinStatus.ASKED])
        uow.commit()
    later = NOW + timedelta(hours=4)
    for checkin in asked:
        checkin.status, checkin.reminded_at, checkin.skip_reason = (
            CheckinStatus.REMINDED,
            later,
            ODD,
        )
    with uow_factory() as uow:
        written = uow.checkins.update_many(asked, [CheckinStatus.ASKED])
        assert uow.checkins.update_many([], [CheckinStatus.ASKED]) == set()
        uow.commit()
    assert written == {asked[0].id}
    with uow_factory() as uow:
        [for_ana] = uow.checkins.for_person(ana)
        [for_ben] = uow.checkins.for_person(ben)
    assert for_ana.status is CheckinStatus.REMINDED and for_ana.reminded_at == later
    assert for_ana.skip_reason == ODD and for_ana.questions == ()
    assert for_ben.status is CheckinStatus.ANSWERED and for_ben.reminded_at is None
