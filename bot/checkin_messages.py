"""What a check-in and its reminder say. Both go to the person's DM through the outbox."""

from __future__ import annotations

from bot import localized as content
from bot.checkins import Checkin
from bot.domain import Person
from bot.i18n import _, format_skeleton, weekday_name
from bot.localized import Localized, localized
from bot.replies import Audience, Button, ButtonStyle, Reply, Section

# Goals (and with them the competence a person works on) arrive with the preliminary
# phase; until then the question names the goal in general (German: in the dative the
# template asks for, "zu deinem Entwicklungsziel").
_THE_GOAL = localized("your development goal", "deinem Entwicklungsziel")


def questions_for(
    person: Person, template: tuple[Localized | str, ...], lang: str | None = None
) -> tuple[str, ...]:
    """The check-in's questions in `lang` (default: `current()`, the language of the
    person asked). They are stored with the check-in as asked."""
    lang = lang or content.current()
    return tuple(
        Localized.of(q).text(lang).format(competence=_THE_GOAL.text(lang)) for q in template
    )


def checkin_reply(person: Person, checkin: Checkin) -> Reply:
    assert person.id is not None
    return Reply(
        text=_(
            "Time for your check-in. Reply here in a few lines; "
            "your answer goes into your diary, private unless you share it."
        ),
        audience=Audience.DM,
        recipient_id=person.id,
        sections=tuple(Section(text=f"• {q}") for q in checkin.questions),
        buttons=(
            Button(label=_("Answer"), command="checkin answer", style=ButtonStyle.PRIMARY),
            Button(label=_("Snooze 2 h"), command="checkin snooze"),
            Button(label=_("Skip this one"), command="checkin skip"),
        ),
    )


def reminder_reply(person: Person, checkin: Checkin) -> Reply:
    assert person.id is not None and checkin.asked_at is not None
    asked = checkin.asked_at.astimezone(person.zone)
    return Reply(
        text=_(
            "A gentle reminder: your check-in from {day} {time} is still open. "
            "Just reply here; a few words are enough."
        ).format(day=weekday_name(asked.weekday()), time=format_skeleton("Hm", asked, person.zone)),
        audience=Audience.DM,
        recipient_id=person.id,
    )
