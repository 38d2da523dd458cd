"""The .ics files adapters/invites.py makes: they parse with icalendar, and with vobject, a
second parser that shares no code with it (it reads the file's own VTIMEZONE through
dateutil), and both read the same instants, checked in UTC, for meetings on the days the
clocks change: 2027-03-28 and 2027-10-31 in Europe/Berlin, 2027-03-14 and 2027-11-07 in
America/New_York, each stated in the recipient's own zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import vobject

from adapters.invites import ics_bytes
from bot.replies import Invite

STAMP = datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
BERLIN, NEW_YORK = ZoneInfo("Europe/Berlin"), ZoneInfo("America/New_York")


def invite(start: datetime, zone: str, **changes: object) -> Invite:
    values: dict[str, object] = {
        "uid": "cocoaching-7@tandem.invalid",
        "summary": "Co-coaching with ben",
        "description": "Your co-coaching session with ben.",
        "start": start.astimezone(UTC),
        "end": start.astimezone(UTC) + timedelta(minutes=45),
        "timezone": zone,
        "stamp": STAMP,
    }
    values.update(changes)
    return Invite.model_validate(values)


def read_icalendar(data: bytes) -> tuple[icalendar.Calendar, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(data)
    [event] = calendar.walk("VEVENT")
    return calendar, event


def read_vobject(data: bytes):  # noqa: ANN201
    calendar = vobject.readOne(data.decode())
    return calendar, calendar.vevent


# (the local wall time asked for: year, month, day, hour, minute; its zone; its instant)
ACROSS_CHANGES = [
    # Berlin: summer time from 02:00 on 28 March 2027, winter time from 03:00 on 31 October
    ((2027, 3, 28, 1, 30), "Europe/Berlin", datetime(2027, 3, 28, 0, 30, tzinfo=UTC)),
    ((2027, 3, 28, 10, 0), "Europe/Berlin", datetime(2027, 3, 28, 8, 0, tzinfo=UTC)),
    ((2027, 10, 31, 10, 0), "Europe/Berlin", datetime(2027, 10, 31, 9, 0, tzinfo=UTC)),
    ((2027, 10, 30, 10, 0), "Europe/Berlin", datetime(2027, 10, 30, 8, 0, tzinfo=UTC)),
    # New York: daylight time from 02:00 on 14 March 2027, standard time from 7 November
    ((2027, 3, 14, 10, 0), "America/New_York", datetime(2027, 3, 14, 14, 0, tzinfo=UTC)),
    ((2027, 3, 13, 10, 0), "America/New_York", datetime(2027, 3, 13, 15, 0, tzinfo=UTC)),
    ((2027, 11, 7, 10, 0), "America/New_York", datetime(2027, 11, 7, 15, 0, tzinfo=UTC)),
    ((2027, 10, 31, 10, 0), "America/New_York", datetime(2027, 10, 31, 14, 0, tzinfo=UTC)),
]


@pytest.mark.parametrize(("wall", "zone", "instant"), ACROSS_CHANGES)
def test_both_parsers_read_the_right_instant_across_a_change_of_the_clocks(
    wall: tuple[int, int, int, int, int], zone: str, instant: datetime
) -> None:
    data = ics_bytes(invite(datetime(*wall, tzinfo=ZoneInfo(zone)), zone))
    calendar, event = read_icalendar(data)
    start = event.decoded("dtstart")
    assert start.astimezone(UTC) == instant
    assert event.decoded("dtend").astimezone(UTC) == instant + timedelta(minutes=45)
    assert event["dtstart"].params["TZID"] == zone  # stated on the recipient's own clock
    assert start.timetuple()[:5] == wall
    [timezone] = calendar.walk("VTIMEZONE")
    assert timezone["tzid"] == zone
    second, vevent = read_vobject(data)
    assert vevent.dtstart.value.astimezone(UTC) == instant
    assert vevent.dtend.value.astimezone(UTC) == instant + timedelta(minutes=45)
    assert second.method.value == "REQUEST"


def test_the_second_parser_takes_the_zone_from_the_file_not_from_its_own_database() -> None:
    """vobject turns the file's VTIMEZONE into a tzinfo of its own: renaming the zone to a
    name no tz database has changes nothing, so the rules in the file are right."""
    data = ics_bytes(invite(datetime(2027, 10, 31, 10, 0, tzinfo=BERLIN), "Europe/Berlin"))
    renamed = data.replace(b"Europe/Berlin", b"Tandem-Test/Nowhere")
    _calendar, vevent = read_vobject(renamed)
    assert vevent.dtstart.value.astimezone(UTC) == datetime(2027, 10, 31, 9, 0, tzinfo=UTC)
    summer = data.replace(b"20271031T100000", b"20271030T100000").replace(
        b"Europe/Berlin", b"Tandem-Test/Nowhere"
    )
    _calendar, vevent = read_vobject(summer)
    assert vevent.dtstart.value.astimezone(UTC) == datetime(2027, 10, 30, 8, 0, tzinfo=UTC)


def test_one_meeting_in_two_zones_is_the_same_instant() -> None:
    start = datetime(2027, 3, 28, 10, 0, tzinfo=BERLIN)
    there = ics_bytes(invite(start, "Europe/Berlin"))
    here = ics_bytes(invite(start, "America/New_York"))
    _c, berlin = read_icalendar(there)
    _c, new_york = read_icalendar(here)
    assert berlin.decoded("dtstart").timetuple()[:5] == (2027, 3, 28, 10, 0)
    assert new_york.decoded("dtstart").timetuple()[:5] == (2027, 3, 28, 4, 0)
    assert berlin.decoded("dtstart") == new_york.decoded("dtstart")
    assert read_vobject(here)[1].dtstart.value == read_vobject(there)[1].dtstart.value


def test_uid_sequence_method_and_status_are_the_invites() -> None:
    start = datetime(2027, 3, 28, 10, 0, tzinfo=BERLIN)
    request = ics_bytes(invite(start, "Europe/Berlin", sequence=2))
    cancel = ics_bytes(invite(start, "Europe/Berlin", sequence=3, method="CANCEL"))
    calendar, event = read_icalendar(request)
    assert calendar["method"] == "REQUEST" and event["status"] == "CONFIRMED"
    assert str(event["uid"]) == "cocoaching-7@tandem.invalid" and event.decoded("sequence") == 2
    calendar, event = read_icalendar(cancel)
    assert calendar["method"] == "CANCEL" and event["status"] == "CANCELLED"
    assert str(event["uid"]) == "cocoaching-7@tandem.invalid" and event.decoded("sequence") == 3
    second, vevent = read_vobject(cancel)
    assert second.method.value == "CANCEL" and vevent.sequence.value == "3"
    assert vevent.uid.value == "cocoaching-7@tandem.invalid"
    assert event.decoded("dtstamp") == STAMP
    # no one's address is known: no ORGANIZER, no ATTENDEE (adapters/invites.py)
    assert "ORGANIZER" not in event and "ATTENDEE" not in event


def test_a_milestone_is_a_whole_day() -> None:
    day = Invite(
        uid="milestone-3@tandem.invalid",
        method="PUBLISH",
        summary="Milestone: first retro",
        day=date(2027, 10, 31),
        timezone="Europe/Berlin",
        stamp=STAMP,
    )
    data = ics_bytes(day)
    calendar, event = read_icalendar(data)
    assert calendar["method"] == "PUBLISH"
    assert event.decoded("dtstart") == date(2027, 10, 31)
    assert event.decoded("dtend") == date(2027, 11, 1)
    _second, vevent = read_vobject(data)
    assert vevent.dtstart.value == date(2027, 10, 31)


def test_german_words_survive_the_file() -> None:
    data = ics_bytes(
        invite(
            datetime(2027, 3, 28, 10, 0, tzinfo=BERLIN),
            "Europe/Berlin",
            summary="Co-Coaching mit Jürgen; Treffen, später",
            description="Eure Sitzung; `/learn lernpartner treffen absagen` sagt sie ab.",
        )
    )
    _calendar, event = read_icalendar(data)
    assert str(event["summary"]) == "Co-Coaching mit Jürgen; Treffen, später"
    _second, vevent = read_vobject(data)
    assert vevent.summary.value == "Co-Coaching mit Jürgen; Treffen, später"
    assert "lernpartner treffen absagen" in vevent.description.value
