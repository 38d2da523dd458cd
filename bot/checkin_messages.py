"""What a check-in and its reminder say. Both go to the person's DM through the outbox."""

from __future__ import annotations

from bot.checkins import Checkin
from bot.domain import Person
from bot.replies import Audience, Button, ButtonStyle, Reply, Section


def questions_for(person: Person, template: tuple[str, ...]) -> tuple[str, ...]:
    # Goals (and with them the competence a person works on) arrive with the preliminary
    # phase; until then the question names the goal in general.
    return tuple(q.format(competence="your development goal") for q in template)


def checkin_reply(person: Person, checkin: Checkin) -> Reply:
    assert person.id is not None
    return Reply(
        text="Time for your check-in. Reply here in a few lines; "
        "your answer goes into your diary, private unless you share it.",
        audience=Audience.DM,
        recipient_id=person.id,
        sections=tuple(Section(text=f"• {q}") for q in checkin.questions),
        buttons=(
            Button(label="Answer", command="checkin answer", style=ButtonStyle.PRIMARY),
            Button(label="Snooze 2 h", command="checkin snooze"),
            Button(label="Skip this one", command="checkin skip"),
        ),
    )


def reminder_reply(person: Person, checkin: Checkin) -> Reply:
    assert person.id is not None and checkin.asked_at is not None
    asked = checkin.asked_at.astimezone(person.zone)
    return Reply(
        text=f"A gentle reminder: your check-in from {asked:%A %H:%M} is still open. "
        "Just reply here; a few words are enough.",
        audience=Audience.DM,
        recipient_id=person.id,
    )
