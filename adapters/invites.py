"""Calendar invites as `.ics` files (RFC 5545), made with the icalendar library from the
core's `Invite` (bot/replies.py): the core decided who gets it, in which zone and
language, its UID and SEQUENCE; this module only writes the file.

- METHOD is the invite's (REQUEST for a proposal or a change, CANCEL for a cancellation,
  PUBLISH for a milestone one adds to one's own calendar). One VEVENT, its UID the
  invite's, SEQUENCE the invite's, DTSTAMP when the core made it.
- A meeting's DTSTART/DTEND are stated in the recipient's own zone (TZID=Europe/Berlin),
  and the file carries that zone's VTIMEZONE (icalendar's `add_missing_timezones`, for
  the years around the meeting), so a calendar shows the right instant even across a
  change to or from daylight-saving time. A milestone is a whole day (VALUE=DATE).
- No ORGANIZER or ATTENDEE: Tandem keeps no one's e-mail address (Slack would give it
  only with the `users:read.email` scope, Discord never gives one to a bot), and both
  properties need one (a `mailto:` address). The people are named in the description.
"""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.replies import Invite

PRODID = "-//Tandem//social blended learning//EN"
MEDIA_TYPE = "text/calendar"


def ics_bytes(invite: Invite) -> bytes:
    """`invite` as the bytes of an .ics file."""
    import icalendar  # imported when an invite is made, not at every start

    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", invite.method)
    event = icalendar.Event()
    event.add("uid", invite.uid)
    event.add("sequence", invite.sequence)
    event.add("dtstamp", invite.stamp)
    event.add("summary", invite.summary)
    if invite.description:
        event.add("description", invite.description)
    if invite.day is not None:
        event.add("dtstart", invite.day)
        event.add("dtend", invite.day + timedelta(days=1))
        event.add("transp", "TRANSPARENT")  # a milestone keeps no one busy
        first = invite.day
    else:
        assert invite.start is not None and invite.end is not None, "a meeting has times"
        zone = ZoneInfo(invite.timezone)
        event.add("dtstart", invite.start.astimezone(zone))
        event.add("dtend", invite.end.astimezone(zone))
        first = invite.start.date()
    if invite.method == "CANCEL":
        event.add("status", "CANCELLED")
    elif invite.method == "REQUEST":
        event.add("status", "CONFIRMED")
    calendar.add_component(event)
    # The zone's rules for the years around the event, not 1970 to 2038: a small file.
    calendar.add_missing_timezones(
        first_date=date(first.year - 1, 1, 1), last_date=date(first.year + 2, 1, 1)
    )
    return calendar.to_ical()


def filename(invite: Invite) -> str:
    """The file's name as the DM shows it."""
    return invite.filename if invite.filename.endswith(".ics") else f"{invite.filename}.ics"
