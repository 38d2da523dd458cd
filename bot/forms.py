"""Forms: what the core asks people to fill in, and how a submitted form becomes a command.

A platform shows a form as it can (Slack and Discord as a modal); the submitted values
come back by input name and are checked by the same rules as the typed grammar.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.commands import (
    MAX_DIARY_CHARS,
    AnswerCheckin,
    RateTraits,
    WriteDiary,
    extract_tags,
    normalise,
)
from bot.domain import Visibility
from bot.replies import Form, FormInput, Reply

DIARY = Form(
    form_id="diary",
    title="Diary entry",
    submit_label="Save",
    inputs=(
        FormInput(
            name="text",
            label="What did you try, and what did you learn? (#tags link competences)",
            multiline=True,
            max_length=MAX_DIARY_CHARS,
        ),
        FormInput(
            name="share",
            label="Who may read it",
            options=tuple(v.value for v in Visibility),
            required=False,
        ),
    ),
)

CHECKIN = Form(
    form_id="checkin",
    title="Your check-in",
    submit_label="Save",
    inputs=(
        FormInput(
            name="text",
            label="What did you try, what did you learn, what comes next?",
            multiline=True,
            max_length=MAX_DIARY_CHARS,
        ),
    ),
)


class FormError(ValueError):
    """A submitted value the rules refuse; `field` names the input to show it at."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def diary_form_reply() -> Reply:
    return Reply(text="Write a diary entry", form=DIARY)


def ratings_from_form(values: dict[str, str]) -> RateTraits:
    """An assessment step: each input is a trait id, each value a level from 1 to 5."""
    ratings: dict[str, int] = {}
    for name, value in values.items():
        level = (value or "").strip()
        if level not in {"1", "2", "3", "4", "5"}:
            raise FormError(name, "Choose a level from 1 to 5.")
        ratings[name] = int(level)
    if not ratings:
        raise FormError("", "Nothing was rated.")
    return RateTraits(ratings=ratings)


def checkin_from_form(values: dict[str, str]) -> AnswerCheckin:
    text = normalise(values.get("text") or "").strip()
    if not text:
        raise FormError("text", "Write a few words about your week.")
    if len(text) > MAX_DIARY_CHARS:
        raise FormError("text", f"At most {MAX_DIARY_CHARS:,} characters, please.")
    return AnswerCheckin(text=text)


def diary_from_form(values: dict[str, str]) -> WriteDiary:
    text = normalise(values.get("text") or "").strip()
    if not text:
        raise FormError("text", "Write a few words about what you tried or learned.")
    if len(text) > MAX_DIARY_CHARS:
        raise FormError("text", f"At most {MAX_DIARY_CHARS:,} characters, please.")
    share = (values.get("share") or Visibility.PRIVATE.value).lower()
    try:
        visibility = Visibility(share)
    except ValueError:
        raise FormError("share", "Choose private, partner, group or tutor.") from None
    return WriteDiary(text=text, tags=extract_tags(text), share=visibility)


# What each form's submitted values become: the one place a form id is looked up.
FormCommand = WriteDiary | AnswerCheckin | RateTraits

PARSERS: dict[str, Callable[[dict[str, str]], FormCommand]] = {
    DIARY.form_id: diary_from_form,
    CHECKIN.form_id: checkin_from_form,
    "assess": ratings_from_form,  # its inputs change with the model and the step
}


def command_from_form(form_id: str, values: dict[str, str]) -> FormCommand:
    parser = PARSERS.get(form_id)
    if parser is None:
        raise FormError("", f"unknown form {form_id!r}")
    return parser(values)
