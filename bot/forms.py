"""Forms: what the core asks people to fill in, and how a submitted form becomes a command.

A platform shows a form as it can (Slack and Discord as a modal); the submitted values
come back by input name and are checked by the same rules as the typed grammar.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.commands import (
    MAX_DIARY_CHARS,
    MAX_SHORT_TEXT,
    AddMilestone,
    AnswerCheckin,
    AnswerTask,
    RateTraits,
    WriteDiary,
    extract_tags,
    normalise,
)
from bot.days import DAY_FORMS, read_day
from bot.domain import SHARE_CHOICES, Visibility
from bot.goals import Decision
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
            options=tuple(v.value for v in SHARE_CHOICES),
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
    if share not in {v.value for v in SHARE_CHOICES}:
        raise FormError("share", "Choose private, partner, group or tutor.")
    visibility = Visibility(share)
    return WriteDiary(text=text, tags=extract_tags(text), share=visibility)


def _reason_parser(decision: Decision) -> Callable[[dict[str, str], str], AnswerTask]:
    """A manager's reason for asking changes or declining; the form id carries which
    proposal and version (`agree-decline.12.2`), so the answer needs nothing in memory."""

    def parse_reason(values: dict[str, str], argument: str) -> AnswerTask:
        number, _, version = argument.partition(".")
        if not number.isdigit() or not version.isdigit():
            raise FormError("", "this form does not name a proposal")
        reason = normalise(values.get("reason") or "").strip()
        if not reason:
            raise FormError("reason", "Say in a few words why.")
        if len(reason) > MAX_SHORT_TEXT:
            raise FormError("reason", f"At most {MAX_SHORT_TEXT:,} characters, please.")
        return AnswerTask(
            agreement_id=int(number), version=int(version), decision=decision, reason=reason
        )

    return parse_reason


def milestone_from_form(values: dict[str, str]) -> AddMilestone:
    title = normalise(values.get("title") or "").strip()
    if not title:
        raise FormError("title", "Name the milestone.")
    try:
        due_on = read_day(values.get("due_on") or "")
    except ValueError:
        raise FormError("due_on", f"Write the date as {DAY_FORMS}, e.g. 2027-02-15.") from None
    goal = (values.get("goal") or "").strip().lstrip("#")
    if goal and not goal.isdigit():
        raise FormError("goal", "A goal's number, as `/learn goals` shows it.")
    return AddMilestone(
        title=title[:200],
        due_on=due_on,
        evidence=normalise(values.get("evidence") or "").strip()[:MAX_SHORT_TEXT],
        goal_id=int(goal) if goal else None,
    )


# What each form's submitted values become: the one place a form id is looked up. A form
# id is a name, and for forms about one thing, `name.argument` (no colons: Discord's
# modal custom_id uses them).
FormCommand = WriteDiary | AnswerCheckin | RateTraits | AnswerTask | AddMilestone

PARSERS: dict[str, Callable[[dict[str, str]], FormCommand]] = {
    DIARY.form_id: diary_from_form,
    CHECKIN.form_id: checkin_from_form,
    "assess": ratings_from_form,  # its inputs change with the model and the step
    "milestone": milestone_from_form,
}
PARSERS_WITH_ARGUMENT: dict[str, Callable[[dict[str, str], str], FormCommand]] = {
    "agree-changes": _reason_parser(Decision.CHANGES),
    "agree-decline": _reason_parser(Decision.DECLINE),
}


def command_from_form(form_id: str, values: dict[str, str]) -> FormCommand:
    name, dot, argument = form_id.partition(".")
    if dot and name in PARSERS_WITH_ARGUMENT:
        return PARSERS_WITH_ARGUMENT[name](values, argument)
    parser = PARSERS.get(form_id)
    if parser is None:
        raise FormError("", f"unknown form {form_id!r}")
    return parser(values)
