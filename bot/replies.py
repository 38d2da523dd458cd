"""The platform-neutral reply model: what the core wants said, and who should see it.

Adapters render these as Block Kit (Slack), embeds/views/modals (Discord) or text
(console). Replies are pydantic models so they round-trip through the outbox as JSON.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict


class Audience(StrEnum):
    ASKER = "asker"  # only the person who asked (Slack ephemeral, Discord ephemeral)
    CHANNEL = "channel"  # everyone in the channel where the command was given
    DM = "dm"  # a direct message to `Reply.recipient_id`
    THREAD = "thread"  # a thread, named by `Reply.thread_key`
    # A new post in a channel, `Reply.thread_key` = "<channel>|<name>": on Discord a forum
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


class Section(_Model):
    text: str
    title: str | None = None
    fields: tuple[Field, ...] = ()


class FormInput(_Model):
    name: str
    label: str
    multiline: bool = False
    required: bool = True
    max_length: int | None = None
    options: tuple[str, ...] = ()  # non-empty: a select


class Form(_Model):
    """Something to fill in: a Slack modal, a Discord modal, console prompts."""

    form_id: str
    title: str
    submit_label: str = "Submit"
    inputs: tuple[FormInput, ...] = ()


class Attachment(_Model):
    filename: str
    media_type: str
    content: str


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


class GroupSpace(_Model):
    """A place: a learning group's own space, readable by its present members only (on
    Slack a private channel, on Discord a private thread in the channel `cohort space`
    named, on the console its members' screens). The core says which group; the adapter
    makes the space once, keeps its members those of the group now, and posts there."""

    group_id: int
    name: str  # the group's name, to name the space by
    parent: str | None = None  # the channel `cohort space` named, if any


class Reply(_Model):
    text: str
    audience: Audience = Audience.ASKER
    sections: tuple[Section, ...] = ()
    buttons: tuple[Button, ...] = ()
    form: Form | None = None
    attachment: Attachment | None = None
    chart: Chart | None = None
    recipient_id: int | None = None  # the person a DM goes to
    thread_key: str | None = None
    space: GroupSpace | None = None  # a THREAD post (or SPACE) in a learning group's space
    is_error: bool = False


def private_error(message: str) -> Reply:
    """A short message about bad input that only the asker sees."""
    return Reply(text=message, audience=Audience.ASKER, is_error=True)


# The one answer to an unexpected error, on every platform (only the asker sees it). The
# adapters send it only where it is true: where the work's change did not commit.
UNEXPECTED = "Something went wrong; nothing was changed. Reference: {reference}"


def unexpected(reference: str) -> Reply:
    """What the asker is told when their request failed unexpectedly; `reference` is
    the id logged with the error, so an operator can find it."""
    return Reply(text=UNEXPECTED.format(reference=reference), is_error=True)
