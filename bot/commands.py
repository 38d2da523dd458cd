"""The `/learn` command grammar: one line of text in, one typed command object out.

The same grammar serves every platform. Slack sends the slash command's text, the
console a typed line, Discord's options are joined back into a line by its adapter.
Bad input raises `CommandError` with a short message meant for the asker's eyes only.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from datetime import date, time, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from bot.domain import SHARE_CHOICES, Role, Visibility, is_known_timezone
from bot.goals import Decision
from bot.recurrence import WEEKDAY_NAMES

MAX_DIARY_CHARS = 3000

# Words of the grammar in DESIGN.md that later versions fill in. They are recognised,
# so a person gets "not available yet" rather than "unknown command".
PLANNED_WORDS: tuple[str, ...] = ()
AVAILABLE_WORDS = (
    "help",
    "diary",
    "checkin",
    "assess",
    "goals",
    "agree",
    "progress",
    "plan",
    "partner",
    "group",
    "advice",
    "privacy",
    "cohort",
    "cop",
)


class CommandError(ValueError):
    """The asker typed something the grammar cannot take. `str(error)` is the message."""


class _Command(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    def changes_state(self) -> bool:
        """False for commands that only read or show (a form, a list): a platform's
        duplicate of such a request needs no guarding, and a second click is wanted."""
        return True


class _Reading(_Command):
    def changes_state(self) -> bool:
        return False


class Help(_Reading):
    kind: Literal["help"] = "help"


class WriteDiary(_Command):
    kind: Literal["diary.write"] = "diary.write"
    text: str = Field(min_length=1, max_length=MAX_DIARY_CHARS)
    tags: tuple[str, ...] = ()
    share: Visibility = Visibility.PRIVATE


class ListDiary(_Reading):
    """List diary entries: the asker's own, or those `of` someone that the asker may read;
    ten to a page, newest first (`diary --page 2` the ten before)."""

    kind: Literal["diary.list"] = "diary.list"
    of: str | None = None
    page: int = Field(default=1, ge=1)


class ShowDiaryEntry(_Reading):
    """`diary show <n>`: one entry in full, `n` as numbered in the listing."""

    kind: Literal["diary.show"] = "diary.show"
    number: int = Field(ge=1)
    of: str | None = None


class EditDiaryEntry(_Command):
    """`diary edit <n> <text>`: new text for one of the asker's own entries."""

    kind: Literal["diary.edit"] = "diary.edit"
    number: int = Field(ge=1)
    text: str = Field(min_length=1, max_length=MAX_DIARY_CHARS)
    tags: tuple[str, ...] = ()


class DeleteDiaryEntry(_Command):
    """`diary delete <n>`; without `confirmed` it only asks for confirmation."""

    kind: Literal["diary.delete"] = "diary.delete"
    number: int = Field(ge=1)
    confirmed: bool = False

    def changes_state(self) -> bool:
        return self.confirmed


class OpenDiaryForm(_Reading):
    """`diary new`: the diary entry as a form (a modal where the platform has one)."""

    kind: Literal["diary.form"] = "diary.form"


class ShowPrivacy(_Reading):
    kind: Literal["privacy"] = "privacy"


class ExportMyData(_Reading):
    kind: Literal["privacy.export"] = "privacy.export"


class ForgetMe(_Command):
    """Erase the asker's data; without `confirmed` it only asks for confirmation."""

    kind: Literal["privacy.forget"] = "privacy.forget"
    confirmed: bool = False

    def changes_state(self) -> bool:
        return self.confirmed


class ShowCheckins(_Reading):
    kind: Literal["checkin"] = "checkin"


class ScheduleCheckins(_Command):
    """`checkin every mon,thu 09:00`: weekdays (0 = Monday) and a local wall time."""

    kind: Literal["checkin.every"] = "checkin.every"
    weekdays: frozenset[int] = Field(min_length=1)
    wall_time: time


class PauseCheckins(_Command):
    """`checkin pause 2w` (`duration`) or `checkin pause until 2027-01-07` (`until`)."""

    kind: Literal["checkin.pause"] = "checkin.pause"
    duration: timedelta | None = None
    until: date | None = None


class ResumeCheckins(_Command):
    kind: Literal["checkin.resume"] = "checkin.resume"


class CheckinNow(_Command):
    kind: Literal["checkin.now"] = "checkin.now"


class CheckinsOff(_Command):
    kind: Literal["checkin.off"] = "checkin.off"


class AnswerCheckin(_Command):
    """`checkin answer <text>`; without text, the answer as a form."""

    kind: Literal["checkin.answer"] = "checkin.answer"
    text: str | None = None

    def changes_state(self) -> bool:
        return self.text is not None  # without text it only opens the form


class SkipCheckin(_Command):
    kind: Literal["checkin.skip"] = "checkin.skip"


class SnoozeCheckin(_Command):
    """`checkin snooze [30m|2h]`: ask again later about the open check-in (2 h by default)."""

    kind: Literal["checkin.snooze"] = "checkin.snooze"
    delay: timedelta = timedelta(hours=2)


class SetTimezone(_Command):
    kind: Literal["checkin.tz"] = "checkin.tz"
    zone: str


class Assess(_Command):
    """`/learn assess`: the next step of the self-assessment (a new one once the last is done)."""

    kind: Literal["assess"] = "assess"


class RateTraits(_Command):
    """A submitted assessment step: trait id -> level 1..5."""

    kind: Literal["assess.rate"] = "assess.rate"
    ratings: dict[str, int]


MAX_SHORT_TEXT = 1000  # a goal's why, a comment, a reason
MAX_TASK_CHARS = 2000


class ShowGoals(_Reading):
    """`goals`: your goals; `goals --of @learner`: a learner's (their tutor only)."""

    kind: Literal["goals"] = "goals"
    of: str | None = None


class AddGoal(_Command):
    """`goals add [@learner] <competence> <from>→<to> <why> [--by YYYY-MM-DD]`."""

    kind: Literal["goals.add"] = "goals.add"
    learner: str | None = None  # None: the asker's own goal
    trait: str
    current: int = Field(ge=1, le=5)
    target: int = Field(ge=1, le=5)
    why: str = Field(min_length=1, max_length=MAX_SHORT_TEXT)
    due_by: date | None = None


class CommentGoal(_Command):
    kind: Literal["goals.comment"] = "goals.comment"
    goal_id: int
    text: str = Field(min_length=1, max_length=MAX_SHORT_TEXT)


class CloseGoal(_Command):
    """`goals reached <n> [note]` or `goals drop <n> [why]`."""

    kind: Literal["goals.close"] = "goals.close"
    goal_id: int
    reached: bool
    note: str = Field(default="", max_length=MAX_SHORT_TEXT)


class ShowAgreements(_Reading):
    kind: Literal["agree"] = "agree"


class ProposeTask(_Command):
    """`agree @manager <task> [--goals 3,4]`: no goals named links all open goals."""

    kind: Literal["agree.propose"] = "agree.propose"
    manager: str
    task: str = Field(min_length=1, max_length=MAX_TASK_CHARS)
    goal_ids: tuple[int, ...] = ()


class ConfirmTask(_Command):
    """`agree send <n>` / `agree cancel <n>`: the learner's answer to "x is not your
    manager in the cohort; send it anyway?"."""

    kind: Literal["agree.confirm"] = "agree.confirm"
    ask_id: int
    send: bool


class AnswerTask(_Command):
    """The manager's `agree yes|changes|decline <n>[/version] [reason]`. Changes and
    decline need a reason; without one they open a form for it."""

    kind: Literal["agree.answer"] = "agree.answer"
    agreement_id: int
    decision: Decision
    version: int | None = None  # from a button: an older version's button no longer acts
    reason: str | None = Field(default=None, max_length=MAX_SHORT_TEXT)

    def changes_state(self) -> bool:
        return self.decision is Decision.AGREE or bool(self.reason)


class ReviseTask(_Command):
    """`agree revise <n> <new task>`: the learner's changed proposal goes round again."""

    kind: Literal["agree.revise"] = "agree.revise"
    agreement_id: int
    task: str = Field(min_length=1, max_length=MAX_TASK_CHARS)


class ShowProgress(_Reading):
    kind: Literal["progress"] = "progress"
    of: str | None = None


class ShowCohorts(_Reading):
    kind: Literal["cohort"] = "cohort"


class OpenCohort(_Command):
    kind: Literal["cohort.open"] = "cohort.open"
    name: str = Field(min_length=1, max_length=200)


class AddToCohort(_Command):
    """`cohort add @person learner|tutor|manager [--of @learner] [--cohort NAME]`."""

    kind: Literal["cohort.add"] = "cohort.add"
    person: str
    role: Role
    of: str | None = None  # the learner a tutor accompanies (or a manager manages)
    cohort: str | None = None  # None: the one cohort not closed
    team: str | None = None


class MoveCohort(_Command):
    """`cohort kickoff [NAME]` / `cohort close [NAME]`."""

    kind: Literal["cohort.move"] = "cohort.move"
    to: Literal["kickoff", "close"]
    cohort: str | None = None


class InviteToCohort(_Command):
    """`cohort invite @a @b ... [--team Sales] [--cohort N]`: each is asked to join."""

    kind: Literal["cohort.invite"] = "cohort.invite"
    people: tuple[str, ...] = Field(min_length=1, max_length=500)
    team: str | None = None
    cohort: str | None = None


class AnswerInvitation(_Command):
    """`cohort join <n>` / `cohort decline <n>`, `cohort leave [<n>]`."""

    kind: Literal["cohort.answer"] = "cohort.answer"
    action: Literal["join", "decline", "leave"]
    cohort: str | None = None


class ProposeCircles(_Command):
    """`cohort pair` or `cohort groups [--size 4-6]`: a proposal for the facilitator."""

    kind: Literal["cohort.propose"] = "cohort.propose"
    circles: Literal["pairs", "groups"]
    min_size: int = 4
    max_size: int = 6
    cohort: str | None = None


class SwapInProposal(_Command):
    """`cohort swap @a @b [--groups]`: a and b change places in the proposal."""

    kind: Literal["cohort.swap"] = "cohort.swap"
    first: str
    second: str
    circles: Literal["pairs", "groups"] = "pairs"
    cohort: str | None = None


class ConfirmProposal(_Command):
    """`cohort confirm pairs|groups`: the proposal becomes partnerships or groups."""

    kind: Literal["cohort.confirm"] = "cohort.confirm"
    circles: Literal["pairs", "groups"]
    cohort: str | None = None


class CohortReport(_Reading):
    """`cohort report`: tutors, their learners' progress; facilitators, cohort figures."""

    kind: Literal["cohort.report"] = "cohort.report"
    cohort: str | None = None


MAX_TITLE = 200


class ShowPlan(_Reading):
    kind: Literal["plan"] = "plan"
    of: str | None = None


class OpenMilestoneForm(_Reading):
    kind: Literal["plan.form"] = "plan.form"


class AddMilestone(_Command):
    """`plan add 2027-02-15 <title> [| <how I will know>] [--goal N]`."""

    kind: Literal["plan.add"] = "plan.add"
    due_on: date
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    evidence: str = Field(default="", max_length=MAX_SHORT_TEXT)
    goal_id: int | None = None


class CommitPlan(_Command):
    kind: Literal["plan.commit"] = "plan.commit"


class MilestoneDone(_Command):
    """`plan done <n> <reflection>`: the reflection becomes a diary entry."""

    kind: Literal["plan.done"] = "plan.done"
    milestone_id: int
    reflection: str = Field(min_length=1, max_length=MAX_DIARY_CHARS)


class ShowPartner(_Reading):
    kind: Literal["partner"] = "partner"


class NotWith(_Command):
    """`partner not-with @name`: never to be paired with them."""

    kind: Literal["partner.not-with"] = "partner.not-with"
    other: str


class CoCoachingAnswer(_Command):
    """`partner met <n>` / `partner missed <n>`: the one-tap answer to a co-coaching prompt."""

    kind: Literal["partner.met"] = "partner.met"
    record_id: int
    met: bool


class ShowGroup(_Reading):
    kind: Literal["group"] = "group"


class GroupCheckins(_Command):
    """`group checkin every thu 16:00`: the group's own check-in cadence, for each member
    at that time of their own day (each can change theirs afterwards)."""

    kind: Literal["group.checkin"] = "group.checkin"
    schedule: ScheduleCheckins


class AnswerGroupCadence(_Command):
    """`group checkin accept <n>` / `group checkin keep <n>`: a member's answer to the
    group's proposed check-in cadence."""

    kind: Literal["group.cadence"] = "group.cadence"
    ask_id: int
    accept: bool


class SetCohortSpace(_Command):
    """`cohort space`, typed in the channel where the cohort's groups are to meet."""

    kind: Literal["cohort.space"] = "cohort.space"
    cohort: str | None = None


class StartAdvice(_Command):
    """`advice <case> [--written] [--moderator @name]` in one's learning group."""

    kind: Literal["advice.start"] = "advice.start"
    case: str = Field(min_length=1, max_length=MAX_DIARY_CHARS)
    written: bool = False
    moderator: str | None = None


class ShowAdvice(_Reading):
    kind: Literal["advice"] = "advice"


class AdviceStep(_Command):
    """A move in the group's open round: `advice say <text>`, `next`, `moderator [@x]`,
    `key <question>`, `method [<id>]`, `helped 1,3 <takeaway>`, `pause`, `resume`,
    `cancel [note]`, `file` (an advisor files their ideas in their diary)."""

    kind: Literal["advice.step"] = "advice.step"
    action: Literal[
        "say", "next", "moderator", "key", "method", "helped", "pause", "resume", "cancel", "file"
    ]
    text: str = Field(default="", max_length=MAX_DIARY_CHARS)

    def changes_state(self) -> bool:
        return not (self.action == "method" and not self.text)


class ShowCommunities(_Reading):
    """`cop`: the communities of practice, how many belong to each, which are yours."""

    kind: Literal["cop"] = "cop"


MAX_COMMUNITY_NAME = 40
MAX_POST_TITLE = 100  # Discord's limit for a thread's (a forum post's) name
COMMUNITY_NAME = re.compile(r"[^\W_][\w-]*\Z")


class OpenCommunity(_Command):
    """`cop open <name>`, typed in the channel the community lives in (facilitators)."""

    kind: Literal["cop.open"] = "cop.open"
    name: str = Field(min_length=1, max_length=MAX_COMMUNITY_NAME)


class JoinCommunity(_Command):
    kind: Literal["cop.join"] = "cop.join"
    name: str = Field(min_length=1, max_length=MAX_COMMUNITY_NAME)


class LeaveCommunity(_Command):
    kind: Literal["cop.leave"] = "cop.leave"
    name: str = Field(min_length=1, max_length=MAX_COMMUNITY_NAME)


class ShareExperience(_Command):
    """`cop share <name> <title> | <experience>`: filed in the diary, posted in the space."""

    kind: Literal["cop.share"] = "cop.share"
    name: str = Field(min_length=1, max_length=MAX_COMMUNITY_NAME)
    title: str = Field(min_length=1, max_length=MAX_POST_TITLE)
    text: str = Field(min_length=1, max_length=MAX_DIARY_CHARS)
    tags: tuple[str, ...] = ()


class ShowCommunityPosts(_Reading):
    """`cop posts <name>`: the experiences shared in a community (its members only)."""

    kind: Literal["cop.posts"] = "cop.posts"
    name: str = Field(min_length=1, max_length=MAX_COMMUNITY_NAME)


class NotYetAvailable(_Reading):
    kind: Literal["planned"] = "planned"
    word: str


Command = Annotated[
    Help
    | WriteDiary
    | ListDiary
    | ShowDiaryEntry
    | EditDiaryEntry
    | DeleteDiaryEntry
    | OpenDiaryForm
    | ShowPrivacy
    | ExportMyData
    | ForgetMe
    | ShowCheckins
    | ScheduleCheckins
    | PauseCheckins
    | ResumeCheckins
    | CheckinNow
    | CheckinsOff
    | AnswerCheckin
    | SkipCheckin
    | SnoozeCheckin
    | SetTimezone
    | Assess
    | RateTraits
    | ShowGoals
    | AddGoal
    | CommentGoal
    | CloseGoal
    | ShowAgreements
    | ProposeTask
    | ConfirmTask
    | AnswerGroupCadence
    | AnswerTask
    | ReviseTask
    | ShowProgress
    | ShowCohorts
    | OpenCohort
    | AddToCohort
    | MoveCohort
    | InviteToCohort
    | AnswerInvitation
    | ProposeCircles
    | SwapInProposal
    | ConfirmProposal
    | CohortReport
    | ShowPlan
    | OpenMilestoneForm
    | AddMilestone
    | CommitPlan
    | MilestoneDone
    | ShowPartner
    | NotWith
    | CoCoachingAnswer
    | ShowGroup
    | GroupCheckins
    | SetCohortSpace
    | StartAdvice
    | ShowAdvice
    | AdviceStep
    | ShowCommunities
    | OpenCommunity
    | JoinCommunity
    | LeaveCommunity
    | ShareExperience
    | ShowCommunityPosts
    | NotYetAvailable,
    Field(discriminator="kind"),
]
command_adapter: TypeAdapter[Command] = TypeAdapter(Command)

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_OPTION = re.compile(r"--([A-Za-z][\w-]*)(?:=(.*))?\Z", re.DOTALL)
# A tag starts a word (after a space, the line's start or an opening bracket or quote),
# so `a#b`, `##x` and `https://x/#anchor` are not tags.
_TAG = re.compile(r"(?<![^\s(\[{\"'\u201c\u2018])#([^\W\d_][\w-]*)")
_TOKEN = re.compile(r"\S+")
_FIRST_WORD = re.compile(r"(\S+)\s*(.*)\Z", re.DOTALL)


def normalise(line: str) -> str:
    """NFC-normalise, drop zero-width characters, and turn a dash that a phone or macOS
    made of `--` (em dash, en dash, minus sign) back into `--` before an option name."""
    text = unicodedata.normalize("NFC", line).translate(_INVISIBLE)
    return re.sub(r"(?<!\S)[\u2014\u2013\u2212]-?(?=[A-Za-z])", "--", text)


def parse(line: str) -> Command:
    """Parse one `/learn` line (with or without the leading `/learn`)."""
    text = normalise(line).strip()
    if text.lower() == "/learn" or text.lower().startswith(("/learn ", "/learn\n")):
        text = text[len("/learn") :].strip()
    if not text:
        return Help()
    first = _FIRST_WORD.match(text)
    assert first is not None  # text is non-empty and stripped
    word, rest = first.group(1).lower(), first.group(2)
    if word == "help":
        return Help()
    if word == "diary":
        return _parse_diary(rest)
    if word == "privacy":
        return _parse_privacy(rest)
    if word in ("checkin", "check-in", "checkins"):
        return _parse_checkin(rest)
    if word == "assess":
        if rest.strip():
            raise CommandError("`/learn assess` takes nothing after it; it opens the next step.")
        return Assess()
    if word in ("goals", "goal"):
        return _parse_goals(rest)
    if word == "agree":
        return _parse_agree(rest)
    if word == "progress":
        return _parse_progress(rest)
    if word in ("cohort", "cohorts"):
        return _parse_cohort(rest)
    if word == "plan":
        return _parse_plan(rest)
    if word == "partner":
        return _parse_partner(rest)
    if word == "advice":
        return _parse_advice(rest)
    if word == "group":
        words = rest.split()
        if not words:
            return ShowGroup()
        if len(words) > 1 and words[0].lower() == "checkin" and words[1].lower() == "every":
            return GroupCheckins(schedule=_parse_every(words[2:]))
        if (
            len(words) == 3
            and words[0].lower() == "checkin"
            and words[1].lower()
            in (
                "accept",
                "keep",
            )
        ):
            return AnswerGroupCadence(
                ask_id=_number(words[2], "proposal"), accept=words[1].lower() == "accept"
            )
        raise CommandError(
            "`/learn group` shows your learning group; `group checkin every thu 16:00` "
            "gives it a check-in cadence."
        )
    if word in ("cop", "cops", "community"):
        return _parse_cop(rest)
    if word in PLANNED_WORDS:
        return NotYetAvailable(word=word)
    raise CommandError(_unknown_word_message(word))


def _unknown_word_message(word: str) -> str:
    shown = word if len(word) <= 30 else word[:30] + "…"
    close = difflib.get_close_matches(word, AVAILABLE_WORDS + PLANNED_WORDS, n=1, cutoff=0.6)
    hint = f" Did you mean `/learn {close[0]}`?" if close else ""
    return f"I don't know the command `{shown}`.{hint} Type `/learn help` to see what you can do."


def _split_options(rest: str, known: dict[str, bool]) -> tuple[str, dict[str, str]]:
    """Take `--name value` / `--name=value` options out of `rest`, keeping the other text as typed.

    `known` maps an option's name to whether it takes a value. An unknown `--word`
    is an error rather than text, so a typo never silently changes who sees an entry.
    """
    options: dict[str, str] = {}
    cut: list[tuple[int, int]] = []
    tokens = list(_TOKEN.finditer(rest))
    i = 0
    while i < len(tokens):
        match = _OPTION.match(tokens[i].group())
        if match is None:
            i += 1
            continue
        name, inline_value = match.group(1).lower(), match.group(2)
        if name not in known:
            close = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
            hint = f" Did you mean `--{close[0]}`?" if close else ""
            raise CommandError(f"I don't know the option `--{name[:30]}`.{hint}")
        if name in options:
            raise CommandError(f"`--{name}` is given twice; give it once.")
        start, end = tokens[i].span()
        value = inline_value or ""
        if known[name] and not value:
            if i + 1 >= len(tokens):
                raise CommandError(f"`--{name}` needs a value.")
            value = tokens[i + 1].group()
            end = tokens[i + 1].end()
            i += 1
        options[name] = value
        cut.append((start, end))
        i += 1
    kept, last = [], 0
    for start, end in cut:
        kept.append(rest[last:start])
        last = end
    kept.append(rest[last:])
    text = "".join(kept)
    text = re.sub(r"[ \t]{2,}", " ", text) if cut else text
    return text.strip(), options


def extract_tags(text: str) -> tuple[str, ...]:
    """`#tag` words in order of appearance, lower-cased, each once."""
    seen: dict[str, None] = {}
    for match in _TAG.finditer(text):
        seen.setdefault(match.group(1).rstrip("-").casefold(), None)
    return tuple(seen)


def _parse_share(value: str) -> Visibility:
    try:
        chosen = Visibility(value.lower())
    except ValueError:
        choices = ", ".join(v.value for v in SHARE_CHOICES if v is not Visibility.PRIVATE)
        raise CommandError(
            f"`--share {value[:30]}` is not a circle I know. Share with one of: {choices}."
        ) from None
    if chosen not in SHARE_CHOICES:
        raise CommandError(
            "To share with a community of practice, use "
            "`/learn cop share <community> <title> | <experience>`."
        )
    return chosen


DiaryCommand = (
    WriteDiary | ListDiary | ShowDiaryEntry | EditDiaryEntry | DeleteDiaryEntry | OpenDiaryForm
)
_ENTRY_ACTIONS = ("show", "edit", "delete")
_ENTRY_NUMBER = re.compile(r"#?(\d{1,9})\Z")
_ENTRY_USAGE = {
    "show": "`/learn diary show 3` shows entry 3 of your listing in full",
    "edit": "`/learn diary edit 3 <new text>` replaces the text of your entry 3",
    "delete": "`/learn diary delete 3` deletes your entry 3 (after you confirm)",
}


def _parse_diary(rest: str) -> DiaryCommand:
    if rest.strip().lower() == "new":
        return OpenDiaryForm()
    first = _FIRST_WORD.match(rest.strip())
    if first is not None and first.group(1).lower() in _ENTRY_ACTIONS:
        return _parse_diary_entry(first.group(1).lower(), first.group(2))
    text, options = _split_options(rest, {"share": True, "of": True, "page": True})
    page = _parse_page(options["page"]) if "page" in options else 1
    if "of" in options:
        if text or "share" in options:
            raise CommandError(
                "To read someone's shared entries, write only `/learn diary --of @name` "
                "(and `--page 2` for older ones)."
            )
        return ListDiary(of=options["of"], page=page)
    if "page" in options and (text or "share" in options):
        raise CommandError(
            "`--page` pages through your listing; write only `/learn diary --page 2`."
        )
    if not text:
        if "share" in options:
            raise CommandError(
                "Your diary entry is empty. Write what you learned after `/learn diary`."
            )
        return ListDiary(page=page)
    if len(text) > MAX_DIARY_CHARS:
        raise CommandError(
            f"Your entry has {len(text):,} characters; the limit is {MAX_DIARY_CHARS:,}. "
            "Split it into shorter entries."
        )
    share = _parse_share(options["share"]) if "share" in options else Visibility.PRIVATE
    return WriteDiary(text=text, tags=extract_tags(text), share=share)


def _parse_page(value: str) -> int:
    match = re.fullmatch(r"\d{1,6}", value.strip())
    if match is None or int(value) < 1:
        raise CommandError(
            f"`--page {value[:20]}` is not a page number; pages start at 1: `--page 2`."
        )
    return int(value)


def _entry_number(action: str, word: str | None) -> int:
    match = _ENTRY_NUMBER.match(word or "")
    if match is None or int(match.group(1)) < 1:
        shown = f" (`{word[:20]}` is not one)" if word else ""
        raise CommandError(
            f"Say which entry by its number in `/learn diary`{shown}: {_ENTRY_USAGE[action]}. "
            "To write an entry that starts with that word, use `/learn diary new`."
        )
    return int(match.group(1))


def _parse_diary_entry(
    action: str, tail: str
) -> ShowDiaryEntry | EditDiaryEntry | DeleteDiaryEntry:
    if action == "show":
        text, options = _split_options(tail, {"of": True})
        words = text.split()
        if len(words) > 1:
            raise CommandError(f"Show one entry at a time: {_ENTRY_USAGE['show']}.")
        number = _entry_number(action, words[0] if words else None)
        return ShowDiaryEntry(number=number, of=options.get("of"))
    first = _FIRST_WORD.match(tail.strip())
    number = _entry_number(action, first.group(1) if first else None)
    after = first.group(2).strip() if first else ""
    if action == "delete":
        if after.lower() == "confirm":
            return DeleteDiaryEntry(number=number, confirmed=True)
        if after:
            raise CommandError(f"Delete one entry at a time: {_ENTRY_USAGE['delete']}.")
        return DeleteDiaryEntry(number=number)
    text, options = _split_options(after, {"share": True})
    if "share" in options:
        raise CommandError(
            "Editing keeps who sees the entry; write only the new text after "
            f"`/learn diary edit {number}`."
        )
    if not text:
        raise CommandError(
            f"The new text is empty; write it after the number: {_ENTRY_USAGE['edit']}. "
            f"To delete the entry, use `/learn diary delete {number}`."
        )
    if len(text) > MAX_DIARY_CHARS:
        raise CommandError(
            f"Your text has {len(text):,} characters; the limit is {MAX_DIARY_CHARS:,}. "
            "Split it into shorter entries."
        )
    return EditDiaryEntry(number=number, text=text, tags=extract_tags(text))


def _parse_privacy(rest: str) -> ShowPrivacy | ExportMyData | ForgetMe:
    words = rest.lower().split()
    if not words:
        return ShowPrivacy()
    if words == ["export"]:
        return ExportMyData()
    if words == ["forget"]:
        return ForgetMe()
    if words == ["forget", "confirm"]:
        return ForgetMe(confirmed=True)
    raise CommandError(
        "Say `/learn privacy export` for your data or `/learn privacy forget` to erase it."
    )


MAX_PAUSE = timedelta(weeks=26)
_CHECKIN_USAGE = (
    "`/learn checkin` shows your schedule; `checkin every mon,thu 09:00`, `checkin pause 2w`, "
    "`checkin pause until 2027-01-07`, `checkin resume`, `checkin now`, `checkin off`, "
    "`checkin answer <text>`, `checkin skip`, `checkin snooze 2h`, `checkin tz Europe/Berlin`."
)
_DAY_WORDS = {name: i for i, name in enumerate(WEEKDAY_NAMES)} | {
    full: i
    for i, full in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    )
}
_DAY_GROUPS = {
    "daily": frozenset(range(7)),
    "weekdays": frozenset(range(5)),
    "workdays": frozenset(range(5)),
}
_WALL_TIME = re.compile(r"([01]?\d|2[0-3])[:.h]([0-5]\d)")
_DURATION = re.compile(r"(\d{1,3})\s*(d|day|days|w|wk|week|weeks)")


def _parse_checkin(rest: str) -> Command:
    words = rest.split()
    if not words:
        return ShowCheckins()
    action, arguments = words[0].lower(), words[1:]
    simple: dict[str, type[ResumeCheckins | CheckinNow | CheckinsOff | SkipCheckin]] = {
        "resume": ResumeCheckins,
        "now": CheckinNow,
        "off": CheckinsOff,
        "skip": SkipCheckin,
    }
    if action in simple and not arguments:
        return simple[action]()
    if action == "answer":
        text = rest.strip()[len("answer") :].strip()
        if len(text) > MAX_DIARY_CHARS:
            raise CommandError(
                f"Your answer has {len(text):,} characters; the limit is {MAX_DIARY_CHARS:,}."
            )
        return AnswerCheckin(text=text or None)
    if action == "snooze":
        return _parse_snooze(arguments)
    if action == "every":
        return _parse_every(arguments)
    if action == "pause":
        return _parse_pause(arguments)
    if action in ("tz", "timezone", "zone") and len(arguments) == 1:
        if not is_known_timezone(arguments[0]):
            raise CommandError(
                f"I don't know the time zone `{arguments[0][:40]}`. "
                "Use a name like Europe/Berlin or America/New_York."
            )
        return SetTimezone(zone=arguments[0])
    raise CommandError(_CHECKIN_USAGE)


_SNOOZE = re.compile(r"(\d{1,3})\s*(m|min|h|hr|hours?)")


def _parse_snooze(arguments: list[str]) -> SnoozeCheckin:
    if not arguments:
        return SnoozeCheckin()
    match = _SNOOZE.fullmatch(" ".join(arguments).lower())
    if match is None:
        raise CommandError("Snooze like this: `checkin snooze`, `snooze 30m` or `snooze 3h`.")
    amount = int(match.group(1))
    delay = timedelta(minutes=amount) if match.group(2).startswith("m") else timedelta(hours=amount)
    if not timedelta(minutes=10) <= delay <= timedelta(hours=12):
        raise CommandError("A snooze lasts from 10 minutes to 12 hours.")
    return SnoozeCheckin(delay=delay)


def _parse_every(arguments: list[str]) -> ScheduleCheckins:
    if len(arguments) < 2:
        raise CommandError("Say when, e.g. `/learn checkin every mon,thu 09:00`.")
    *day_words, clock = arguments
    problems = []
    days: set[int] = set()
    for word in ",".join(day_words).lower().replace(";", ",").split(","):
        if not word:
            continue
        if word in _DAY_GROUPS:
            days |= _DAY_GROUPS[word]
        elif "-" in word and all(part in _DAY_WORDS for part in word.split("-", 1)):
            first, last = (_DAY_WORDS[part] for part in word.split("-", 1))
            days |= {d % 7 for d in range(first, last + 1 if last >= first else last + 8)}
        elif word in _DAY_WORDS:
            days.add(_DAY_WORDS[word])
        else:
            problems.append(f"`{word[:20]}` is not a weekday (use mon, tue, ... sun, or weekdays)")
    match = _WALL_TIME.fullmatch(clock)
    if match is None:
        problems.append(f"`{clock[:20]}` is not a time of day (use 24-hour HH:MM, e.g. 09:00)")
    if problems:
        message = "; ".join(problems)
        raise CommandError(message[0].upper() + message[1:] + ".")
    if not days:
        raise CommandError("Name at least one weekday, e.g. `every mon,thu 09:00`.")
    assert match is not None
    return ScheduleCheckins(
        weekdays=frozenset(days), wall_time=time(int(match.group(1)), int(match.group(2)))
    )


def _parse_pause(arguments: list[str]) -> PauseCheckins:
    if len(arguments) == 2 and arguments[0].lower() == "until":
        try:
            return PauseCheckins(until=date.fromisoformat(arguments[1]))
        except ValueError:
            raise CommandError(
                f"`{arguments[1][:20]}` is not a date; write it as YYYY-MM-DD, e.g. 2027-01-07."
            ) from None
    match = _DURATION.fullmatch(" ".join(arguments).lower())
    if match is None:
        raise CommandError(
            "Pause like this: `checkin pause 2w`, `pause 3d` or `pause until 2027-01-07`."
        )
    amount, unit = int(match.group(1)), match.group(2)
    duration = timedelta(weeks=amount) if unit.startswith("w") else timedelta(days=amount)
    if not timedelta(days=1) <= duration <= MAX_PAUSE:
        raise CommandError("A pause lasts from one day to 26 weeks.")
    return PauseCheckins(duration=duration)


_LEVELS = re.compile(r"([1-5])\s*(?:→|->|=>|>|to)\s*([1-5])\s*(.*)\Z", re.DOTALL | re.IGNORECASE)
_GOALS_USAGE = (
    "Goals: `/learn goals`, `goals add [@learner] <competence> 2→4 <why> [--by 2027-06-30]`, "
    "`goals comment|reached|drop <n> ...`, `goals --of @learner`."
)


def _mention(word: str, what: str) -> str:
    if not word.startswith("@") or len(word) < 2:
        raise CommandError(f"Name {what} with @, e.g. `@ana`.")
    return word[1:]


def _number(word: str, what: str) -> int:
    digits = word.removeprefix("#")
    if not digits.isdigit() or len(digits) > 12:
        raise CommandError(
            f"`{word[:20]}` is not a {what} number; use the number shown in the list."
        )
    return int(digits)


def _parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"`{value[:20]}` is not a date; write it as YYYY-MM-DD, e.g. 2027-06-30."
        ) from None


def _parse_goals(rest: str) -> Command:
    text, options = _split_options(rest, {"of": True, "by": True})
    words = text.split(maxsplit=1)
    if not words:
        if "by" in options:
            raise CommandError(_GOALS_USAGE)
        of = (
            _mention(
                options["of"] if options["of"].startswith("@") else "@" + options["of"],
                "the learner",
            )
            if "of" in options
            else None
        )
        return ShowGoals(of=of)
    action, tail = words[0].lower(), (words[1] if len(words) > 1 else "")
    if "of" in options:
        raise CommandError(_GOALS_USAGE)
    if action == "add":
        return _parse_goal_add(tail, options.get("by"))
    if "by" in options:
        raise CommandError("`--by` belongs to `goals add`.")
    if action in ("comment", "reached", "drop"):
        parts = tail.split(maxsplit=1)
        if not parts:
            raise CommandError(f"Say which goal: `/learn goals {action} <n>`.")
        goal_id = _number(parts[0], "goal")
        note = _limit(parts[1].strip() if len(parts) > 1 else "", "Your text")
        if action == "comment":
            if not note:
                raise CommandError("Write your comment after the goal's number.")
            return CommentGoal(goal_id=goal_id, text=note)
        if action == "drop" and not note:
            raise CommandError(
                "Say in a few words why the goal is dropped: `goals drop <n> <why>`."
            )
        return CloseGoal(goal_id=goal_id, reached=action == "reached", note=note)
    raise CommandError(_GOALS_USAGE)


def _limit(text: str, what: str, limit: int = MAX_SHORT_TEXT) -> str:
    if len(text) > limit:
        raise CommandError(f"{what} has {len(text):,} characters; the limit is {limit:,}.")
    return text


def _parse_goal_add(tail: str, by: str | None) -> AddGoal:
    usage = (
        "Add a goal like this: `/learn goals add @ana communication 2→4 leads the weekly review`."
    )
    learner = None
    words = tail.split(maxsplit=1)
    if words and words[0].startswith("@"):
        learner = _mention(words[0], "the learner")
        words = words[1].split(maxsplit=1) if len(words) > 1 else []
    if len(words) < 2:
        raise CommandError(usage)
    trait, remainder = words[0].lstrip("#").lower(), words[1]
    match = _LEVELS.match(remainder.strip())
    if match is None:
        raise CommandError(f"Give the levels as from→to, 1 to 5 (e.g. 2→4). {usage}")
    current, target, why = int(match.group(1)), int(match.group(2)), match.group(3).strip()
    if target <= current:
        raise CommandError("The target level must be above the current one.")
    if not why:
        raise CommandError("Say why this goal matters, after the levels.")
    return AddGoal(
        learner=learner,
        trait=trait,
        current=current,
        target=target,
        why=_limit(why, "The why"),
        due_by=_parse_date(by) if by else None,
    )


_AGREE_USAGE = (
    "`/learn agree @manager <task> [--goals 1,2]` proposes a task; `agree yes|changes|decline "
    "<n> [why]` answers one; `agree revise <n> <task>` changes yours."
)
_DECISION_WORDS = {
    "yes": Decision.AGREE,
    "ok": Decision.AGREE,
    "accept": Decision.AGREE,
    "changes": Decision.CHANGES,
    "change": Decision.CHANGES,
    "decline": Decision.DECLINE,
    "no": Decision.DECLINE,
}
_VERSIONED = re.compile(r"#?(\d{1,12})(?:/(\d{1,6}))?\Z")


def _parse_agree(rest: str) -> Command:
    text, options = _split_options(rest, {"goals": True})
    words = text.split(maxsplit=1)
    if not words:
        if options:
            raise CommandError(_AGREE_USAGE)
        return ShowAgreements()
    first, tail = words[0], (words[1].strip() if len(words) > 1 else "")
    if first.startswith("@"):
        manager = _mention(first, "your manager")
        if not tail:
            raise CommandError("Describe the practical task after the manager's name.")
        goal_ids: tuple[int, ...] = ()
        if "goals" in options:
            goal_ids = tuple(
                _number(w, "goal") for w in options["goals"].replace(";", ",").split(",") if w
            )
        return ProposeTask(
            manager=manager, task=_limit(tail, "The task", MAX_TASK_CHARS), goal_ids=goal_ids
        )
    if options:
        raise CommandError(
            "`--goals` belongs to a proposal: `/learn agree @manager <task> --goals 1,2`."
        )
    action = first.lower()
    parts = tail.split(maxsplit=1)
    if action in ("send", "cancel"):
        if len(parts) != 1:
            raise CommandError(f"Say which one: `/learn agree {action} <n>`.")
        return ConfirmTask(ask_id=_number(parts[0], "question"), send=action == "send")
    if action == "revise":
        if len(parts) < 2:
            raise CommandError("Revise like this: `/learn agree revise <n> <the changed task>`.")
        return ReviseTask(
            agreement_id=_number(parts[0], "proposal"),
            task=_limit(parts[1].strip(), "The task", MAX_TASK_CHARS),
        )
    if action in _DECISION_WORDS:
        if not parts:
            raise CommandError(f"Say which proposal: `/learn agree {action} <n>`.")
        match = _VERSIONED.fullmatch(parts[0])
        if match is None:
            raise CommandError(f"`{parts[0][:20]}` is not a proposal number; use the number shown.")
        reason = _limit(parts[1].strip(), "The reason") if len(parts) > 1 else ""
        return AnswerTask(
            agreement_id=int(match.group(1)),
            version=int(match.group(2)) if match.group(2) else None,
            decision=_DECISION_WORDS[action],
            reason=reason or None,
        )
    if tail and len(first) <= 40:
        raise CommandError(f"Name your manager with @, e.g. `/learn agree @{first} {{task}}`.")
    raise CommandError(_AGREE_USAGE)


def _parse_progress(rest: str) -> ShowProgress:
    text, options = _split_options(rest, {"of": True})
    if text:
        raise CommandError("`/learn progress` shows yours; tutors add `--of @learner`.")
    if "of" in options:
        value = options["of"]
        return ShowProgress(
            of=_mention(value if value.startswith("@") else "@" + value, "the learner")
        )
    return ShowProgress()


_COHORT_USAGE = (
    "`/learn cohort`, `cohort open|kickoff|close`, `cohort add @person learner|tutor|manager "
    "[--of @learner]`, `cohort invite @a @b`, `cohort pair|groups|swap|confirm|report`."
)


_COHORT_OPTIONS = {
    "add": {"of", "cohort", "team"},
    "invite": {"cohort", "team"},
    "pair": {"cohort"},
    "pairs": {"cohort"},
    "groups": {"cohort", "size"},
    "swap": {"cohort", "groups"},
    "confirm": {"cohort"},
    "report": {"cohort"},
    "space": {"cohort"},
}


def _parse_cohort(rest: str) -> Command:
    text, options = _split_options(
        rest, {"of": True, "cohort": True, "team": True, "size": True, "groups": False}
    )
    words = text.split()
    allowed = _COHORT_OPTIONS.get(words[0].lower() if words else "", set())
    stray = sorted(set(options) - allowed)
    if stray:
        raise CommandError(f"`--{stray[0]}` does not go with that. {_COHORT_USAGE}")
    if not words:
        if options:
            raise CommandError(_COHORT_USAGE)
        return ShowCohorts()
    action = words[0].lower()
    if action == "open":
        name = text.split(maxsplit=1)[1].strip() if len(words) > 1 else ""
        if not name or options:
            raise CommandError("Name the cohort: `/learn cohort open Spring 2027`.")
        return OpenCohort(name=_limit(name, "The name", 200))
    if action == "invite":
        opts = options
        named = words[1:]
        if not named:
            raise CommandError("Invite people by name: `/learn cohort invite @ana @ben`.")
        return InviteToCohort(
            people=tuple(_mention(w, "each person") for w in named[:500]),
            team=opts.get("team"),
            cohort=opts.get("cohort"),
        )
    if action in ("join", "decline", "leave"):
        if options or len(words) > 2:
            raise CommandError(f"`/learn cohort {action} <cohort number>`.")
        return AnswerInvitation(action=action, cohort=words[1] if len(words) > 1 else None)
    if action in ("pair", "pairs", "groups"):
        opts = options
        if len(words) > 1:
            raise CommandError(_COHORT_USAGE)
        if action != "groups":
            if "size" in opts:
                raise CommandError("`--size` is for `cohort groups`.")
            return ProposeCircles(circles="pairs", cohort=opts.get("cohort"))
        low, high = 4, 6
        if "size" in opts:
            match = re.fullmatch(r"(\d{1,2})\s*[-–]\s*(\d{1,2})", opts["size"])
            if match is None:
                raise CommandError("Give group sizes as `--size 4-6`.")
            low, high = int(match.group(1)), int(match.group(2))
            if not 2 <= low <= high <= 12:
                raise CommandError("Groups are between 2 and 12 people; e.g. `--size 4-6`.")
        return ProposeCircles(
            circles="groups", min_size=low, max_size=high, cohort=opts.get("cohort")
        )
    if action == "swap":
        opts = options
        named = words[1:]
        if len(named) != 2:
            raise CommandError("Swap two people: `/learn cohort swap @ana @ben [--groups]`.")
        return SwapInProposal(
            first=_mention(named[0], "the first person"),
            second=_mention(named[1], "the second person"),
            circles="groups" if "groups" in opts else "pairs",
            cohort=opts.get("cohort"),
        )
    if action == "confirm":
        what = words[1].lower() if len(words) > 1 else ""
        if what not in ("pairs", "groups") or len(words) > 2:
            raise CommandError("Confirm with `/learn cohort confirm pairs` or `confirm groups`.")
        return ConfirmProposal(circles=what, cohort=options.get("cohort"))
    if action == "space":
        if len(words) > 1:
            raise CommandError("Type `/learn cohort space` in the channel the groups meet in.")
        return SetCohortSpace(cohort=options.get("cohort"))
    if action == "report":
        if len(words) > 1:
            raise CommandError(_COHORT_USAGE)
        return CohortReport(cohort=options.get("cohort"))
    if action in ("kickoff", "close"):
        if options:
            raise CommandError(_COHORT_USAGE)
        cohort_name = text.split(maxsplit=1)[1].strip() if len(words) > 1 else None
        return MoveCohort(to=action, cohort=cohort_name)
    if action == "add":
        if len(words) != 3:
            raise CommandError(_COHORT_USAGE)
        person = _mention(words[1], "the person")
        try:
            role = Role(words[2].lower())
        except ValueError:
            role = None
        if role is None or role is Role.FACILITATOR:
            raise CommandError("A cohort role is learner, tutor or manager.")
        of = options.get("of")
        if of is not None and role not in (Role.TUTOR, Role.MANAGER):
            raise CommandError("`--of @learner` names the learner a tutor or manager accompanies.")
        if role is Role.TUTOR and of is None:
            raise CommandError("Say whom the tutor accompanies: `--of @learner`.")
        return AddToCohort(
            person=person,
            role=role,
            of=_mention(of if of.startswith("@") else "@" + of, "the learner") if of else None,
            cohort=options.get("cohort"),
            team=options.get("team"),
        )
    raise CommandError(_COHORT_USAGE)


_PLAN_USAGE = (
    "Your plan: `/learn plan`, `plan add 2027-02-15 <milestone> | <how you will know> "
    "[--goal 1]`, `plan commit`, `plan done <n> <what you learned>`."
)


def _parse_plan(rest: str) -> Command:
    text, options = _split_options(rest, {"of": True, "goal": True})
    words = text.split(maxsplit=1)
    if not words:
        if "goal" in options:
            raise CommandError(_PLAN_USAGE)
        if "of" in options:
            value = options["of"]
            return ShowPlan(
                of=_mention(value if value.startswith("@") else "@" + value, "the person")
            )
        return ShowPlan()
    if "of" in options:
        raise CommandError(_PLAN_USAGE)
    action, tail = words[0].lower(), (words[1].strip() if len(words) > 1 else "")
    if action == "add":
        if not tail:
            if options:
                raise CommandError(_PLAN_USAGE)
            return OpenMilestoneForm()
        when, _, what = tail.partition(" ")
        title, _, evidence = what.partition("|")
        if not title.strip():
            raise CommandError("Name the milestone after its date: `plan add 2027-02-15 <title>`.")
        return AddMilestone(
            due_on=_parse_date(when),
            title=_limit(title.strip(), "The milestone", MAX_TITLE),
            evidence=_limit(evidence.strip(), "How you will know"),
            goal_id=_number(options["goal"], "goal") if "goal" in options else None,
        )
    if options:
        raise CommandError(_PLAN_USAGE)
    if action == "commit" and not tail:
        return CommitPlan()
    if action == "done":
        parts = tail.split(maxsplit=1)
        if len(parts) < 2:
            raise CommandError("Say what you learned: `/learn plan done <n> <reflection>`.")
        return MilestoneDone(
            milestone_id=_number(parts[0], "milestone"),
            reflection=_limit(parts[1].strip(), "Your reflection", MAX_DIARY_CHARS),
        )
    raise CommandError(_PLAN_USAGE)


def _parse_partner(rest: str) -> Command:
    words = rest.split()
    if not words:
        return ShowPartner()
    action = words[0].lower()
    if action in ("not-with", "notwith") and len(words) == 2:
        return NotWith(other=_mention(words[1], "the person"))
    if action in ("met", "missed") and len(words) == 2:
        return CoCoachingAnswer(record_id=_number(words[1], "co-coaching"), met=action == "met")
    raise CommandError(
        "`/learn partner` shows your learning partner; `partner not-with @name` keeps you "
        "apart; `partner met <n>` / `partner missed <n>` answers a co-coaching prompt."
    )


_ADVICE_ACTIONS = (
    "say",
    "next",
    "moderator",
    "key",
    "method",
    "helped",
    "pause",
    "resume",
    "cancel",
    "file",
)


def _parse_advice(rest: str) -> Command:
    text = rest.strip()
    if not text:
        return ShowAdvice()
    first, _, tail = text.partition(" ")
    action = first.lower()
    if action in _ADVICE_ACTIONS:
        tail = tail.strip()
        if action in ("say", "key", "helped") and not tail:
            raise CommandError(
                {
                    "say": "Say what: `/learn advice say <your idea>`.",
                    "key": "Give the question: `/learn advice key <the key question>`.",
                    "helped": "Name what helped: `/learn advice helped 2,5 <what you take away>`.",
                }[action]
            )
        if action in ("next", "pause", "resume", "file") and tail:
            raise CommandError(f"`/learn advice {action}` takes nothing after it.")
        return AdviceStep(action=action, text=_limit(tail, "Your text", MAX_DIARY_CHARS))
    case, options = _split_options(text, {"written": False, "moderator": True})
    if not case:
        raise CommandError("Say what the case is: `/learn advice <your case in a sentence>`.")
    moderator = options.get("moderator")
    return StartAdvice(
        case=_limit(case, "Your case", MAX_DIARY_CHARS),
        written="written" in options,
        moderator=_mention(moderator, "the moderator") if moderator else None,
    )


_COP_USAGE = (
    "Communities of practice: `/learn cop` lists them; `cop join <name>`, `cop leave <name>`, "
    "`cop posts <name>`, `cop share <name> <title> | <experience>`; facilitators "
    "`cop open <name>` in the channel it lives in."
)


def _community_name(word: str, verb: str) -> str:
    if not word:
        raise CommandError(f"Name the community: `/learn cop {verb} <name>`.")
    if len(word) > MAX_COMMUNITY_NAME:
        raise CommandError(
            f"A community's name has at most {MAX_COMMUNITY_NAME} characters; "
            f"`{word[:30]}…` has {len(word):,}."
        )
    if not COMMUNITY_NAME.match(word):
        raise CommandError(
            "A community's name is one word of letters, digits and dashes, e.g. `facilitation`."
        )
    return word


def _parse_cop(rest: str) -> Command:
    text = rest.strip()
    if not text:
        return ShowCommunities()
    verb, _, tail = text.partition(" ")
    verb = verb.lower()
    tail = tail.strip()
    if verb in ("open", "join", "leave", "posts"):
        words = tail.split()
        if len(words) > 1:
            raise CommandError(
                f"`/learn cop {verb}` takes one name, a single word (e.g. `facilitation`)."
            )
        name = _community_name(words[0] if words else "", verb)
        models: dict[str, type[OpenCommunity | JoinCommunity | LeaveCommunity | ShowCommunityPosts]]
        models = {
            "open": OpenCommunity,
            "join": JoinCommunity,
            "leave": LeaveCommunity,
            "posts": ShowCommunityPosts,
        }
        return models[verb](name=name)
    if verb == "share":
        usage = "Share like this: `/learn cop share <community> <title> | <your experience>`."
        name_word, _, shared = tail.partition(" ")
        name = _community_name(name_word, "share")
        title, bar, experience = shared.partition("|")
        title, experience = title.strip(), experience.strip()
        if not bar or not title or not experience:
            raise CommandError(usage)
        _limit(title, "The title", MAX_POST_TITLE)
        _limit(experience, "Your experience", MAX_DIARY_CHARS)
        return ShareExperience(
            name=name, title=title, text=experience, tags=extract_tags(f"{title} {experience}")
        )
    raise CommandError(_COP_USAGE)
