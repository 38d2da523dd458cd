"""The command objects: what one `/learn` command asks the core to do, typed.

Each is made by the grammar (bot/grammar: a line of text in, one of these out), by a
typed platform's options (Discord's, through the same table), by a form, or from JSON
(a stored request). Bad input raises `CommandError` with a short message meant for the
asker's eyes only. Which words make which command, and which handler runs it, is
declared once, in bot/grammar/table.py.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import time, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from bot.days import Day
from bot.domain import Role, Visibility
from bot.goals import Decision

MAX_DIARY_CHARS = 3000
MAX_PAUSE = timedelta(weeks=26)


class CommandError(ValueError):
    """The asker typed something the grammar cannot take. `str(error)` is the message."""


class Command(BaseModel):
    """A command object; each kind names itself in `kind` (its JSON's discriminator)."""

    # Each command's validator is built when it is first used, not when this module is
    # imported: there are over a hundred, and building them all took most of the start.
    model_config = ConfigDict(frozen=True, extra="forbid", defer_build=True)
    kind: str

    def changes_state(self) -> bool:
        """False for commands that only read or show (a form, a list): a platform's
        duplicate of such a request needs no guarding, and a second click is wanted."""
        return True


class _Reading(Command):
    def changes_state(self) -> bool:
        return False


class Help(_Reading):
    """`help`, or `help <word>` (`<word> help`): one command in full."""

    kind: Literal["help"] = "help"
    topic: str | None = None


class ShowNext(_Reading):
    """`/learn` alone, `next`: where the asker stands and what to do now."""

    kind: Literal["next"] = "next"


class WriteDiary(Command):
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


class EditDiaryEntry(Command):
    """`diary edit <n> <text>`: new text for one of the asker's own entries."""

    kind: Literal["diary.edit"] = "diary.edit"
    number: int = Field(ge=1)
    text: str = Field(min_length=1, max_length=MAX_DIARY_CHARS)
    tags: tuple[str, ...] = ()


class DeleteDiaryEntry(Command):
    """`diary delete <n>`; without `confirmed` it only asks for confirmation."""

    kind: Literal["diary.delete"] = "diary.delete"
    number: int = Field(ge=1)
    confirmed: bool = False

    def changes_state(self) -> bool:
        return self.confirmed


class ShowTags(_Reading):
    """`diary tags`: the asker's #tags, and in how many of their entries each is."""

    kind: Literal["diary.tags"] = "diary.tags"


class OpenDiaryForm(_Reading):
    """`diary new`: the diary entry as a form (a modal where the platform has one)."""

    kind: Literal["diary.form"] = "diary.form"


class ShowPrivacy(_Reading):
    kind: Literal["privacy"] = "privacy"


class ExportMyData(_Reading):
    kind: Literal["privacy.export"] = "privacy.export"


class ChooseLrs(Command):
    """`privacy lrs on [results]` / `privacy lrs off`: whether the asker's learning events
    go to the company's learning record store (with `results`: assessment levels too)."""

    kind: Literal["privacy.lrs"] = "privacy.lrs"
    choice: Literal["on", "off"]
    results: bool = False


class ProposeLrs(Command):
    """`cohort lrs`: the facilitator proposes to a cohort's learners that they send their
    learning events to the LRS; each still decides (nobody is switched on)."""

    kind: Literal["cohort.lrs"] = "cohort.lrs"
    cohort: str | None = None


class ForgetMe(Command):
    """Erase the asker's data; without `confirmed` it only asks for confirmation."""

    kind: Literal["privacy.forget"] = "privacy.forget"
    confirmed: bool = False

    def changes_state(self) -> bool:
        return self.confirmed


class ShowCheckins(_Reading):
    kind: Literal["checkin"] = "checkin"


class ScheduleCheckins(Command):
    """`checkin every mon,thu 09:00`: weekdays (0 = Monday) and a local wall time."""

    kind: Literal["checkin.every"] = "checkin.every"
    weekdays: frozenset[int] = Field(min_length=1)
    wall_time: time


class PauseCheckins(Command):
    """`checkin pause 2w` (`duration`) or `checkin pause until 2027-01-07` (`until`)."""

    kind: Literal["checkin.pause"] = "checkin.pause"
    duration: timedelta | None = None
    until: Day | None = None


class ResumeCheckins(Command):
    kind: Literal["checkin.resume"] = "checkin.resume"


class CheckinNow(Command):
    kind: Literal["checkin.now"] = "checkin.now"


class CheckinsOff(Command):
    kind: Literal["checkin.off"] = "checkin.off"


class AnswerCheckin(Command):
    """`checkin answer <text>`; without text, the answer as a form."""

    kind: Literal["checkin.answer"] = "checkin.answer"
    text: str | None = None

    def changes_state(self) -> bool:
        return self.text is not None  # without text it only opens the form


class SkipCheckin(Command):
    kind: Literal["checkin.skip"] = "checkin.skip"


class SnoozeCheckin(Command):
    """`checkin snooze [30m|2h]`: ask again later about the open check-in (2 h by default)."""

    kind: Literal["checkin.snooze"] = "checkin.snooze"
    delay: timedelta = timedelta(hours=2)


class SetTimezone(Command):
    kind: Literal["checkin.tz"] = "checkin.tz"
    zone: str


class Language(Command):
    """`/learn language`: which language Tandem speaks with the asker, and the choices;
    `/learn language de|en`: the asker's language from now on, before their platform's."""

    kind: Literal["language"] = "language"
    language: Literal["de", "en"] | None = None

    def changes_state(self) -> bool:
        return self.language is not None


class Assess(Command):
    """`/learn assess`: the next step of the self-assessment (a new one once the last is done)."""

    kind: Literal["assess"] = "assess"


class RateTraits(Command):
    """A submitted assessment step: trait id -> level 1..5."""

    kind: Literal["assess.rate"] = "assess.rate"
    ratings: dict[str, int]


MAX_SHORT_TEXT = 1000  # a goal's why, a comment, a reason
MAX_TASK_CHARS = 2000


class ShowGoals(_Reading):
    """`goals`: your goals; `goals --of @learner`: a learner's (their tutor only)."""

    kind: Literal["goals"] = "goals"
    of: str | None = None


class AddGoal(Command):
    """`goals add [@learner] <competence> <from>→<to> <why> [--by YYYY-MM-DD]`."""

    kind: Literal["goals.add"] = "goals.add"
    learner: str | None = None  # None: the asker's own goal
    trait: str
    current: int = Field(ge=1, le=5)
    target: int = Field(ge=1, le=5)
    why: str = Field(min_length=1, max_length=MAX_SHORT_TEXT)
    due_by: Day | None = None


class CommentGoal(Command):
    """`goals comment <n> <text> [--of @learner]`: <n> is the learner's own goal number
    (1 = their first), the asker's own without `--of` (a tutor names the learner); without
    a text, a form asks for it."""

    kind: Literal["goals.comment"] = "goals.comment"
    goal_id: int  # the learner's own number, never a database id
    of: str | None = None
    # None: a form asks for it (the cockpit's and the goals' Comment buttons)
    text: str | None = Field(default=None, min_length=1, max_length=MAX_SHORT_TEXT)

    def changes_state(self) -> bool:
        return self.text is not None


class CloseGoal(Command):
    """`goals reached <n> [note]` or `goals drop <n> [why]`, `--of @learner` for a tutor."""

    kind: Literal["goals.close"] = "goals.close"
    goal_id: int  # the learner's own number
    of: str | None = None
    reached: bool
    note: str = Field(default="", max_length=MAX_SHORT_TEXT)


class ShowAgreements(_Reading):
    kind: Literal["agree"] = "agree"


class ProposeTask(Command):
    """`agree @manager <task> [--goals 1,2]`: no goals named links all open goals."""

    kind: Literal["agree.propose"] = "agree.propose"
    manager: str
    task: str = Field(min_length=1, max_length=MAX_TASK_CHARS)
    goal_ids: tuple[int, ...] = ()  # the learner's own goal numbers


class ConfirmTask(Command):
    """`agree send <n>` / `agree cancel <n>`: the learner's answer to "x is not your
    manager in the cohort; send it anyway?"."""

    kind: Literal["agree.confirm"] = "agree.confirm"
    ask_id: int
    send: bool


class AnswerTask(Command):
    """The manager's `agree yes|changes|decline <n>[/version] [reason]`. Changes and
    decline need a reason; without one they open a form for it. <n> is the learner's own
    proposal number; `--of @learner` says whose (needed when proposals of several wait)."""

    kind: Literal["agree.answer"] = "agree.answer"
    agreement_id: int  # the learner's own proposal number
    of: str | None = None
    decision: Decision
    version: int | None = None  # from a button: an older version's button no longer acts
    reason: str | None = Field(default=None, max_length=MAX_SHORT_TEXT)

    def changes_state(self) -> bool:
        return self.decision is Decision.AGREE or bool(self.reason)


class ReviseTask(Command):
    """`agree revise <n> <new task>`: the learner's changed proposal goes round again."""

    kind: Literal["agree.revise"] = "agree.revise"
    agreement_id: int  # the learner's own proposal number
    task: str = Field(min_length=1, max_length=MAX_TASK_CHARS)


class ShowProgress(_Reading):
    kind: Literal["progress"] = "progress"
    of: str | None = None


class ShowCohorts(_Reading):
    kind: Literal["cohort"] = "cohort"


class ShowProposal(_Reading):
    """`cohort proposal [pairs|groups]`: the proposal waiting for confirmation."""

    kind: Literal["cohort.proposal"] = "cohort.proposal"
    circles: Literal["pairs", "groups"] | None = None
    cohort: str | None = None


class OpenCohort(Command):
    kind: Literal["cohort.open"] = "cohort.open"
    name: str = Field(min_length=1, max_length=200)


class AddToCohort(Command):
    """`cohort add @person learner|tutor|manager [--of @learner] [--cohort NAME]`."""

    kind: Literal["cohort.add"] = "cohort.add"
    person: str
    role: Role
    of: str | None = None  # the learner a tutor accompanies (or a manager manages)
    cohort: str | None = None  # None: the one cohort not closed
    team: str | None = None


class MoveCohort(Command):
    """`cohort kickoff [NAME]` / `cohort close [NAME]`."""

    kind: Literal["cohort.move"] = "cohort.move"
    to: Literal["kickoff", "close"]
    cohort: str | None = None


class InviteToCohort(Command):
    """`cohort invite @a @b ... [--team Sales] [--cohort N]`: each is asked to join."""

    kind: Literal["cohort.invite"] = "cohort.invite"
    people: tuple[str, ...] = Field(min_length=1, max_length=500)
    team: str | None = None
    cohort: str | None = None


class AnswerInvitation(Command):
    """`cohort join <n>` / `cohort decline <n>`, `cohort leave [<n>]`."""

    kind: Literal["cohort.answer"] = "cohort.answer"
    action: Literal["join", "decline", "leave"]
    cohort: str | None = None


class ProposeCircles(Command):
    """`cohort pair` or `cohort groups [--size 4-6]`: a proposal for the facilitator. It
    keeps the confirmed circles that still fit and the swaps made on the last proposal;
    `--fresh` keeps nothing."""

    kind: Literal["cohort.propose"] = "cohort.propose"
    circles: Literal["pairs", "groups"]
    min_size: int = 4
    max_size: int = 6
    fresh: bool = False
    cohort: str | None = None


class SwapInProposal(Command):
    """`cohort swap @a @b [--groups]`: a and b change places in the proposal."""

    kind: Literal["cohort.swap"] = "cohort.swap"
    first: str
    second: str
    circles: Literal["pairs", "groups"] = "pairs"
    cohort: str | None = None


class ConfirmProposal(Command):
    """`cohort confirm pairs|groups [--replace]`: the proposal becomes partnerships or
    groups; confirmed ones it does not keep end only with `--replace`."""

    kind: Literal["cohort.confirm"] = "cohort.confirm"
    circles: Literal["pairs", "groups"]
    replace: bool = False
    cohort: str | None = None


class CohortReport(_Reading):
    """`cohort report`: tutors, their learners' progress; facilitators, cohort figures."""

    kind: Literal["cohort.report"] = "cohort.report"
    cohort: str | None = None


class ReassessCohort(Command):
    """`cohort reassess [--cohort <n>]`: facilitators invite the cohort's learners to
    assess themselves again; a reminder follows to those who have not."""

    kind: Literal["cohort.reassess"] = "cohort.reassess"
    cohort: str | None = None


MAX_TITLE = 200


class ShowPlan(_Reading):
    kind: Literal["plan"] = "plan"
    of: str | None = None


class OpenMilestoneForm(_Reading):
    kind: Literal["plan.form"] = "plan.form"


class AddMilestone(Command):
    """`plan add 2027-02-15 <title> [| <how I will know>] [--goal N]`."""

    kind: Literal["plan.add"] = "plan.add"
    due_on: Day
    title: str = Field(min_length=1, max_length=MAX_TITLE)
    evidence: str = Field(default="", max_length=MAX_SHORT_TEXT)
    goal_id: int | None = None  # the learner's own goal number


class CommitPlan(Command):
    kind: Literal["plan.commit"] = "plan.commit"


class MilestoneDone(Command):
    """`plan done <n> <reflection>`: the reflection becomes a diary entry."""

    kind: Literal["plan.done"] = "plan.done"
    milestone_id: int  # the learner's own milestone number
    reflection: str = Field(min_length=1, max_length=MAX_DIARY_CHARS)


class ShowPartner(_Reading):
    kind: Literal["partner"] = "partner"


class NotWith(Command):
    """`partner not-with @name`: never to be paired with them."""

    kind: Literal["partner.not-with"] = "partner.not-with"
    other: str


class CoCoachingAnswer(Command):
    """`partner met <n>` / `partner missed <n>`: the one-tap answer to a co-coaching prompt."""

    kind: Literal["partner.met"] = "partner.met"
    record_id: int  # the partnership's own prompt number (1 = its first prompt)
    met: bool


class _MeetAt(Command):
    """A meeting's day and time, on the asker's own clock."""

    on: Day
    wall_time: time


class MeetPartner(_MeetAt):
    """`partner meet <date> <time>`: a co-coaching session with one's partner(s);
    everyone in the partnership gets a calendar invite."""

    kind: Literal["partner.meet"] = "partner.meet"


class CancelMeeting(Command):
    """`partner meet cancel`: the partnership's coming session is off (a CANCEL invite)."""

    kind: Literal["partner.meet.cancel"] = "partner.meet.cancel"


class MeetGroup(_MeetAt):
    """`group meet <date> <time>`: a live colleague-advice round of one's learning group,
    set for later; every member gets a calendar invite."""

    kind: Literal["group.meet"] = "group.meet"


class CancelGroupMeeting(Command):
    """`group meet cancel`: the group's live round set for later is off."""

    kind: Literal["group.meet.cancel"] = "group.meet.cancel"


class MilestoneCalendar(Command):
    """`plan calendar <n>`: one's milestone n as a day in one's own calendar."""

    kind: Literal["plan.calendar"] = "plan.calendar"
    milestone_id: int  # the learner's own milestone number


class ShowGroup(_Reading):
    kind: Literal["group"] = "group"


class GroupCheckins(Command):
    """`group checkin every thu 16:00`: the group's own check-in cadence, for each member
    at that time of their own day (each can change theirs afterwards)."""

    kind: Literal["group.checkin"] = "group.checkin"
    schedule: ScheduleCheckins


class AnswerGroupCadence(Command):
    """`group checkin accept <n>` / `group checkin keep <n>`: a member's answer to the
    group's proposed check-in cadence."""

    kind: Literal["group.cadence"] = "group.cadence"
    ask_id: int
    accept: bool


class SetCohortSpace(Command):
    """`cohort space`, typed in the channel where the cohort's groups are to meet."""

    kind: Literal["cohort.space"] = "cohort.space"
    cohort: str | None = None


class StartAdvice(Command):
    """`advice <case> [--written] [--moderator @name]` in one's learning group."""

    kind: Literal["advice.start"] = "advice.start"
    case: str = Field(min_length=1, max_length=MAX_DIARY_CHARS)
    written: bool = False
    moderator: str | None = None


class ShowAdvice(_Reading):
    kind: Literal["advice"] = "advice"


class AdviceStep(Command):
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
# Words of letters, digits and dashes, one space between them (`code review`).
COMMUNITY_NAME = re.compile(r"[^\W_][\w-]*(?: [^\W_][\w-]*)*\Z")


class OpenCommunity(Command):
    """`cop open <name>`, typed in the channel the community lives in (facilitators)."""

    kind: Literal["cop.open"] = "cop.open"
    name: str = Field(min_length=1, max_length=MAX_COMMUNITY_NAME)


class JoinCommunity(Command):
    kind: Literal["cop.join"] = "cop.join"
    name: str = Field(min_length=1, max_length=MAX_COMMUNITY_NAME)


class LeaveCommunity(Command):
    kind: Literal["cop.leave"] = "cop.leave"
    name: str = Field(min_length=1, max_length=MAX_COMMUNITY_NAME)


class ShareExperience(Command):
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


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
# A tag starts a word (after a space, the line's start or an opening bracket or quote),
# so `a#b`, `##x` and `https://x/#anchor` are not tags.
_TAG = re.compile(r"(?<![^\s(\[{\"'\u201c\u2018])#([^\W\d_][\w-]*)")


def normalise(line: str) -> str:
    """NFC-normalise, drop zero-width characters, and turn a dash that a phone or macOS
    made of `--` (em dash, en dash, minus sign) back into `--` before an option name."""
    text = unicodedata.normalize("NFC", line).translate(_INVISIBLE)
    return re.sub(r"(?<!\S)[\u2014\u2013\u2212]-?(?=[A-Za-z])", "--", text)


def extract_tags(text: str) -> tuple[str, ...]:
    """`#tag` words in order of appearance, lower-cased, each once."""
    seen: dict[str, None] = {}
    for match in _TAG.finditer(text):
        seen.setdefault(match.group(1).rstrip("-").casefold(), None)
    return tuple(seen)
