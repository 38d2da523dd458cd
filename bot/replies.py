"""The platform-neutral reply model: what the core wants said, and who should see it.

Adapters render these as Block Kit (Slack), embeds/views/modals (Discord) or text
(console). Replies are pydantic models so they round-trip through the outbox as JSON.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, PlainSerializer
from pydantic import Field as ModelField

from bot.domain import GroupSpace, Thread
from bot.i18n import N_, _
from bot.report_model import CohortFigures

__all__ = ["GroupSpace", "Thread"]  # the places a reply goes to (bot.domain) with it


class Audience(StrEnum):
    ASKER = "asker"  # only the person who asked (Slack ephemeral, Discord ephemeral)
    CHANNEL = "channel"  # everyone in the channel where the command was given
    DM = "dm"  # a direct message to `Reply.recipient_id`
    THREAD = "thread"  # a post in the thread `Reply.thread` (in `Reply.space`, if set)
    # A new post in the channel of `Reply.thread`, under its name: on Discord a forum
    # post (a thread titled `Reply.text`), on Slack a message in the channel.
    POST = "post"
    # Nothing to say: make the group space of `Reply.space` match the group's present
    # members (invite who joined, remove who left).
    SPACE = "space"


class ButtonStyle(StrEnum):
    DEFAULT = "default"
    PRIMARY = "primary"
    DANGER = "danger"


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Button(_Model):
    """A choice. `command` is the `/learn` command line that clicking it runs."""

    label: str
    command: str
    style: ButtonStyle = ButtonStyle.DEFAULT


class Field(_Model):
    """A label and its value, shown side by side where the platform can."""

    label: str
    value: str


class FormInput(_Model):
    name: str
    label: str
    multiline: bool = False
    required: bool = True
    max_length: int | None = None
    options: tuple[str, ...] = ()  # non-empty: a select


SUBMIT = N_("Submit")


class Form(_Model):
    """Something to fill in: a Slack modal, a Discord modal, console prompts."""

    form_id: str
    title: str
    # "Submit" in the language spoken where the form is made.
    submit_label: str = ModelField(default_factory=lambda: _(SUBMIT))
    inputs: tuple[FormInput, ...] = ()


class Attachment(_Model):
    filename: str
    media_type: str
    content: str


class Invite(_Model):
    """A calendar invite for one recipient: adapters/invites.py makes it an `.ics` file
    (RFC 5545, with a VTIMEZONE for `timezone`) and sends it as a file in the DM.

    The core decides everything in it: who gets it, in which language and zone, its UID
    (the same for every version of one meeting) and its SEQUENCE (one more with each
    change). `start`/`end` are aware UTC; `timezone` is the recipient's own zone, in
    which the file states them. A milestone is a day (`day`), with no times."""

    uid: str
    sequence: int = 0
    method: Literal["REQUEST", "CANCEL", "PUBLISH"] = "REQUEST"
    summary: str
    description: str = ""
    start: datetime | None = None
    end: datetime | None = None
    day: date | None = None
    timezone: str = "UTC"
    stamp: datetime  # when the core made it (DTSTAMP), aware UTC
    filename: str = "invite.ics"


class Series(_Model):
    """One row of a chart: a value per category, None where there is none."""

    name: str
    values: tuple[float | None, ...]


class Chart(_Model):
    """A bar chart to draw as a picture where the platform can show one (the adapters
    render it); `alt_text` says the same in words for screen readers."""

    title: str
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    alt_text: str
    filename: str = "chart.png"
    max_value: float = 5


def _thread_as_text(thread: Thread) -> str:
    return f"{thread.channel}|{thread.name}"


def _thread_from_text(value: object) -> object:
    if isinstance(value, str):
        channel, _bar, name = value.rpartition("|")
        return Thread(channel=channel, name=name)
    return value


# A thread as an outbox row stores it, inside the reply's JSON: "<channel>|<name>" under
# "thread_key" (the format rows had before places were a type). This is the one place
# that text is made and read; everywhere else a thread is a `Thread`.
StoredThread = Annotated[
    Thread, BeforeValidator(_thread_from_text), PlainSerializer(_thread_as_text, return_type=str)
]


class Section(_Model):
    text: str
    title: str | None = None
    fields: tuple[Field, ...] = ()
    # Where what the section is about is on the platform (a community's post): the
    # adapters link to it as the place allows (a Slack permalink, a Discord jump URL).
    place: StoredThread | None = None
    url: str | None = None  # the link to `place`, as the adapter that found it made it


class Reply(_Model):
    model_config = ConfigDict(
        frozen=True, extra="forbid", validate_by_name=True, serialize_by_alias=True
    )

    text: str
    audience: Audience = Audience.ASKER
    sections: tuple[Section, ...] = ()
    buttons: tuple[Button, ...] = ()
    form: Form | None = None
    attachment: Attachment | None = None
    chart: Chart | None = None
    invite: Invite | None = None  # a calendar invite, sent as an .ics file in the DM
    # A cohort's personnel-development report: the adapter draws it as an HTML file (or
    # CSV) and sends it with the text (Slack: into the DM; Discord: as an attachment).
    report: CohortFigures | None = None
    recipient_id: int | None = None  # the person a DM goes to
    thread: StoredThread | None = ModelField(default=None, alias="thread_key")
    space: GroupSpace | None = None  # a THREAD post (or SPACE) in a learning group's space
    is_error: bool = False
    # The asker's next step, shown after everything else ("Next: `/learn plan commit`: ...").
    next_step: str | None = None


def private_error(message: str) -> Reply:
    """A short message about bad input that only the asker sees."""
    return Reply(text=message, audience=Audience.ASKER, is_error=True)


# The one answer to an unexpected error, on every platform (only the asker sees it). The
# adapters send it only where it is true: where the work's change did not commit.
UNEXPECTED = N_("Something went wrong; nothing was changed. Reference: {reference}")


def unexpected(reference: str) -> Reply:
    """What the asker is told when their request failed unexpectedly; `reference` is
    the id logged with the error, so an operator can find it."""
    return Reply(text=_(UNEXPECTED).format(reference=reference), is_error=True)
