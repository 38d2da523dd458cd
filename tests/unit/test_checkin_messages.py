"""A check-in and its reminder, as the recipient's DM says them: in German for a German
reader (its words, buttons and the time it was asked), in English unchanged."""

from __future__ import annotations

from bot.checkin_messages import checkin_reply, reminder_reply
from bot.checkins import Checkin, CheckinStatus
from bot.domain import Person
from bot.i18n import speaking
from tests.conftest import NOW, console_identity
from tests.support.language import assert_german

ANA = Person(console_identity("ana"), "ana", "Europe/Berlin", "de", NOW, id=1)
ASKED = Checkin(
    person_id=1,
    due_at=NOW,
    status=CheckinStatus.ASKED,
    questions=("Was hast du ausprobiert?",),
    asked_at=NOW,  # Monday 09:00 UTC, 10:00 in Berlin
)


def test_a_check_in_for_a_german_reader_is_german():
    with speaking("de"):
        reply = checkin_reply(ANA, ASKED)
    assert reply.text.startswith("Zeit für deinen Check-in.")
    labels = [b.label for b in reply.buttons]
    assert labels == ["Antworten", "In 2 Std. erinnern", "Diesmal überspringen"]
    assert [b.command for b in reply.buttons] == [
        "checkin answer",
        "checkin snooze",
        "checkin skip",
    ]
    assert_german("\n".join([reply.text, *labels]))


def test_a_reminder_for_a_german_reader_names_the_day_in_german():
    with speaking("de"):
        reply = reminder_reply(ANA, ASKED)
    assert "Dein Check-in von Montag, 10:00 Uhr, ist noch offen" in reply.text
    assert_german(reply.text)


def test_in_english_both_say_what_they_said():
    with speaking("en"):
        asked, reminded = checkin_reply(ANA, ASKED), reminder_reply(ANA, ASKED)
    assert asked.text == (
        "Time for your check-in. Reply here in a few lines; "
        "your answer goes into your diary, private unless you share it."
    )
    assert [b.label for b in asked.buttons] == ["Answer", "Snooze 2 h", "Skip this one"]
    assert reminded.text == (
        "A gentle reminder: your check-in from Monday 10:00 is still open. "
        "Just reply here; a few words are enough."
    )
