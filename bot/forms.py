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
    CommentGoal,
    RateTraits,
    WriteDiary,
    extract_tags,
    normalise,
)
from bot.days import DAY_FORMS, Day, read_day
from bot.domain import SHARE_CHOICES, Visibility
from bot.goals import Decision
from bot.i18n import N_, _
from bot.replies import Form, FormInput, Reply
from bot.wording import format_number

DIARY = Form(
    form_id="diary",
    title=N_("Diary entry"),
    submit_label=N_("Save"),
    inputs=(
        FormInput(
            name="text",
            label=N_("What did you try, and what did you learn? (#tags link competences)"),
            multiline=True,
            max_length=MAX_DIARY_CHARS,
        ),
        FormInput(
            name="share",
            label=N_("Who may read it"),
            options=tuple(v.value for v in SHARE_CHOICES),
            required=False,
        ),
    ),
)

CHECKIN = Form(
    form_id="checkin",
    title=N_("Your check-in"),
    submit_label=N_("Save"),
    inputs=(
        FormInput(
            name="text",
            label=N_("What did you try, what did you learn, what comes next?"),
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


def translated(form: Form) -> Form:
    """`form` (kept in English, its texts marked with `N_`) in the current language: its
    title, submit label and input labels; names and options stay (they are parsed)."""
    inputs = tuple(i.model_copy(update={"label": _(i.label)}) for i in form.inputs)
    return form.model_copy(
        update={"title": _(form.title), "submit_label": _(form.submit_label), "inputs": inputs}
    )


def diary_form_reply() -> Reply:
    return Reply(text=_("Write a diary entry"), form=translated(DIARY))


# Each input's own rule: the value as the command takes it, or `FormError` at that input.
# The same rules check a whole submission (below) and one answer at a time (`check_field`,
# for the console, which asks again for that input alone).
def _level(name: str, value: str) -> int:
    level = value.strip()
    if level not in {"1", "2", "3", "4", "5"}:
        raise FormError(name, _("Choose a level from 1 to 5."))
    return int(level)


def _at_most(limit: int) -> str:
    return _("At most {limit} characters, please.").format(limit=format_number(limit))


def _long_text(empty: str, limit: int = MAX_DIARY_CHARS) -> Callable[[str, str], str]:
    """The rule of a text of at most `limit` characters; `empty` (marked with `N_`) is
    said when there is none."""

    def check(name: str, value: str) -> str:
        text = normalise(value or "").strip()
        if not text:
            raise FormError(name, _(empty))
        if len(text) > limit:
            raise FormError(name, _at_most(limit))
        return text

    return check


def _share(name: str, value: str) -> Visibility:
    share = (value or Visibility.PRIVATE.value).strip().lower()
    if share not in {v.value for v in SHARE_CHOICES}:
        raise FormError(name, _("Choose private, partner, group or tutor."))
    return Visibility(share)


_reason = _long_text(N_("Say in a few words why."), MAX_SHORT_TEXT)
_comment = _long_text(N_("Write your comment."), MAX_SHORT_TEXT)


def _title(name: str, value: str) -> str:
    title = normalise(value or "").strip()
    if not title:
        raise FormError(name, _("Name the milestone."))
    return title[:200]


def _due_on(name: str, value: str) -> Day:
    try:
        return read_day(value or "")
    except ValueError:
        raise FormError(
            name, _("Write the date as {forms}, e.g. 2027-02-15.").format(forms=_(DAY_FORMS))
        ) from None


def _evidence(name: str, value: str) -> str:
    return normalise(value or "").strip()[:MAX_SHORT_TEXT]


def _goal(name: str, value: str) -> int | None:
    goal = (value or "").strip().lstrip("#")
    if goal and not goal.isdigit():
        raise FormError(name, _("A goal's number, as `/learn goals` shows it."))
    return int(goal) if goal else None


_diary_text = _long_text(N_("Write a few words about what you tried or learned."))
_checkin_text = _long_text(N_("Write a few words about your week."))

FieldRule = Callable[[str, str], object]
# The rule of each input, by form name (the part of a form id before its first dot);
# "*" is the rule of every input of a form whose inputs change (the assessment's traits).
FIELD_RULES: dict[str, dict[str, FieldRule]] = {
    "diary": {"text": _diary_text, "share": _share},
    "checkin": {"text": _checkin_text},
    "assess": {"*": _level},
    "milestone": {"title": _title, "due_on": _due_on, "evidence": _evidence, "goal": _goal},
    "agree-changes": {"reason": _reason},
    "agree-decline": {"reason": _reason},
    "goal-comment": {"text": _comment},
}


def check_field(form_id: str, name: str, value: str) -> str | None:
    """What is wrong with one answer to a form's input, or None when its rule takes it."""
    rules = FIELD_RULES.get(form_id.partition(".")[0], {})
    rule = rules.get(name) or rules.get("*")
    if rule is None:
        return None
    try:
        rule(name, value)
    except FormError as error:
        return str(error)
    return None


def form_errors(form_id: str, values: dict[str, str]) -> dict[str, str]:
    """Every refused input of a submission with its message (all at once, for a modal
    that shows each at its field); a refusal of the whole form is under ""."""
    errors = {
        name: message
        for name, value in values.items()
        if (message := check_field(form_id, name, value)) is not None
    }
    if not errors:
        try:
            command_from_form(form_id, values)
        except FormError as error:
            errors[error.field] = str(error)
    return errors


def ratings_from_form(values: dict[str, str]) -> RateTraits:
    """An assessment step: each input is a trait id, each value a level from 1 to 5."""
    ratings = {name: _level(name, value) for name, value in values.items()}
    if not ratings:
        raise FormError("", _("Nothing was rated."))
    return RateTraits(ratings=ratings)


def checkin_from_form(values: dict[str, str]) -> AnswerCheckin:
    return AnswerCheckin(text=_checkin_text("text", values.get("text") or ""))


def diary_from_form(values: dict[str, str]) -> WriteDiary:
    text = _diary_text("text", values.get("text") or "")
    visibility = _share("share", values.get("share") or "")
    return WriteDiary(text=text, tags=extract_tags(text), share=visibility)


def _reason_parser(decision: Decision) -> Callable[[dict[str, str], str], AnswerTask]:
    """A manager's reason for asking changes or declining; the form id carries which
    proposal (the learner's own number), its version and whose (the learner's user id:
    `agree-decline.1.2.U123`), so the answer needs nothing in memory."""

    def parse_reason(values: dict[str, str], argument: str) -> AnswerTask:
        number, _dot, rest = argument.partition(".")
        version, _dot, of = rest.partition(".")
        if not number.isdigit() or not version.isdigit():
            raise FormError("", _("This form does not name a proposal."))
        reason = _reason("reason", values.get("reason") or "")
        return AnswerTask(
            agreement_id=int(number),
            version=int(version),
            decision=decision,
            reason=reason,
            of=of or None,
        )

    return parse_reason


def _comment_parser(values: dict[str, str], argument: str) -> CommentGoal:
    """A comment on a goal; the form id carries the goal's number (the learner's own) and,
    for a tutor, whose it is (`goal-comment.2.U123`), so the answer needs nothing in
    memory."""
    number, _dot, of = argument.partition(".")
    if not number.isdigit():
        raise FormError("", _("This form does not name a goal."))
    return CommentGoal(
        goal_id=int(number), text=_comment("text", values.get("text") or ""), of=of or None
    )


def milestone_from_form(values: dict[str, str]) -> AddMilestone:
    return AddMilestone(
        title=_title("title", values.get("title") or ""),
        due_on=_due_on("due_on", values.get("due_on") or ""),
        evidence=_evidence("evidence", values.get("evidence") or ""),
        goal_id=_goal("goal", values.get("goal") or ""),
    )


# What each form's submitted values become: the one place a form id is looked up. A form
# id is a name, and for forms about one thing, `name.argument` (no colons: Discord's
# modal custom_id uses them).
FormCommand = WriteDiary | AnswerCheckin | RateTraits | AnswerTask | AddMilestone | CommentGoal

PARSERS: dict[str, Callable[[dict[str, str]], FormCommand]] = {
    DIARY.form_id: diary_from_form,
    CHECKIN.form_id: checkin_from_form,
    "assess": ratings_from_form,  # its inputs change with the model and the step
    "milestone": milestone_from_form,
}
PARSERS_WITH_ARGUMENT: dict[str, Callable[[dict[str, str], str], FormCommand]] = {
    "agree-changes": _reason_parser(Decision.CHANGES),
    "agree-decline": _reason_parser(Decision.DECLINE),
    "goal-comment": _comment_parser,
}


def command_from_form(form_id: str, values: dict[str, str]) -> FormCommand:
    name, dot, argument = form_id.partition(".")
    if dot and name in PARSERS_WITH_ARGUMENT:
        return PARSERS_WITH_ARGUMENT[name](values, argument)
    parser = PARSERS.get(form_id)
    if parser is None:
        raise FormError("", _("This form is not known here: {form}.").format(form=form_id[:40]))
    return parser(values)
