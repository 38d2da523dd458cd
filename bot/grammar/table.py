"""Every `/learn` command, declared once: its words, its values and options, the roles
it is for, its help, and its handler. The text parser (`parse`), help and usage, the
handlers' lookup (`HANDLERS` in bot/service.py) and Discord's app-command tree
(adapters/discord/tree.py) are all made from `TABLE`; nothing else lists commands.

To add a command: its model in bot/commands.py, a `Verb` here, and its handler.
"""

from __future__ import annotations

import operator
from datetime import timedelta
from functools import reduce
from typing import Annotated, Any, cast

from pydantic import BaseModel, Field, TypeAdapter

from bot.commands import (
    MAX_DIARY_CHARS,
    MAX_POST_TITLE,
    MAX_SHORT_TEXT,
    MAX_TASK_CHARS,
    MAX_TITLE,
    AddGoal,
    AddMilestone,
    AddToCohort,
    AdviceStep,
    AnswerCheckin,
    AnswerGroupCadence,
    AnswerInvitation,
    AnswerTask,
    Assess,
    CheckinNow,
    CheckinsOff,
    CloseGoal,
    CoCoachingAnswer,
    CohortReport,
    Command,
    CommandError,
    CommentGoal,
    CommitPlan,
    ConfirmProposal,
    ConfirmTask,
    DeleteDiaryEntry,
    EditDiaryEntry,
    ExportMyData,
    ForgetMe,
    GroupCheckins,
    Help,
    InviteToCohort,
    JoinCommunity,
    Language,
    LeaveCommunity,
    ListDiary,
    MilestoneDone,
    MoveCohort,
    NotWith,
    NotYetAvailable,
    OpenCohort,
    OpenCommunity,
    OpenDiaryForm,
    OpenMilestoneForm,
    PauseCheckins,
    ProposeCircles,
    ProposeTask,
    RateTraits,
    ResumeCheckins,
    ReviseTask,
    ScheduleCheckins,
    SetCohortSpace,
    SetTimezone,
    ShareExperience,
    ShowAdvice,
    ShowAgreements,
    ShowCheckins,
    ShowCohorts,
    ShowCommunities,
    ShowCommunityPosts,
    ShowDiaryEntry,
    ShowGoals,
    ShowGroup,
    ShowNext,
    ShowPartner,
    ShowPlan,
    ShowPrivacy,
    ShowProgress,
    ShowProposal,
    ShowTags,
    SkipCheckin,
    SnoozeCheckin,
    StartAdvice,
    SwapInProposal,
    WriteDiary,
    extract_tags,
)
from bot.domain import Role
from bot.goals import Decision
from bot.grammar import helptext, parser
from bot.grammar.convert import (
    Choice,
    CohortRef,
    CommunityName,
    Date,
    Duration,
    EntryNumber,
    Flag,
    Keyword,
    Known,
    Levels,
    Mention,
    Mentions,
    Number,
    NumberList,
    Page,
    Share,
    Sizes,
    Span,
    Split,
    Text,
    TimeZone,
    Versioned,
    WallTime,
    Weekdays,
    Who,
    Word,
)
from bot.grammar.spec import Group, Hidden, Param, Table, Verb
from bot.handlers import (
    advice,
    agreements,
    assessment,
    checkin,
    cohort,
    community,
    diary,
    goals,
    guide,
    kickoff,
    language,
    overview,
    partner,
    plan,
    privacy,
    progress,
    report,
)
from bot.handlers.context import Context
from bot.replies import Reply

TUTOR = frozenset({Role.TUTOR})
MANAGER = frozenset({Role.MANAGER})
FACILITATOR = frozenset({Role.FACILITATOR})


def show_help(ctx: Context, command: Help) -> list[Reply]:
    """`/learn help [<word>]`: what the asker can do, for the roles they hold."""
    return helptext.help_replies(TABLE, ctx.roles(), command.topic)


# -- values several commands take ------------------------------------------------------

COHORT = Param(
    "cohort",
    CohortRef(),
    "Which cohort (number or name)",
    option="cohort",
)


def _cohort_too(help: str = "Which cohort (default: the open one)") -> Param:
    """The cohort, after the words (`cohort close 2`) or as `--cohort 2`."""
    return Param(
        "cohort", CohortRef(span=Span.TEXT), help, option="cohort", positional=True, required=False
    )


def _mention_of(what: str, help: str, placeholder: str = "@learner") -> Param:
    return Param("of", Mention(what=what, bare=True), help, option="of", placeholder=placeholder)


# -- help ------------------------------------------------------------------------------


def _canonical(word: str) -> str | None:
    """A command word or alias as its command's word (`check-in`: `checkin`)."""
    group = TABLE.group(word)
    return group.word if group is not None else None


HELP = Group(
    ("help",),
    "What you can do, for your roles",
    "`/learn help` shows what you can do; `/learn help <command>` one command in full.",
    (
        Verb(
            Help,
            show_help,
            "what you can do; `help <command>`: one in full",
            params=(
                Param(
                    "topic",
                    Known(lookup=_canonical),
                    "A command word, e.g. diary",
                    required=False,
                ),
            ),
        ),
    ),
)


NEXT = Group(
    ("next", "now"),
    "Where you stand and what to do now",
    "`/learn next` (or `/learn` alone) shows where you stand and what to do now.",
    (Verb(ShowNext, guide.show, "where you stand and what to do now", name="show"),),
)


# -- diary -----------------------------------------------------------------------------

_OF_ALONE = (
    "To read someone's shared entries, write only `/learn diary --of @name` "
    "(and `--page 2` for older ones)."
)
_PAGE_ALONE = "`--page` pages through your listing; write only `/learn diary --page 2`."
_ENTRY_TEXT = Text(
    what="Your entry", limit=MAX_DIARY_CHARS, advice="Split it into shorter entries."
)


def _with_tags(model: type[WriteDiary] | type[EditDiaryEntry]) -> Any:
    return lambda values: model(**values, tags=extract_tags(values["text"]))


DIARY = Group(
    ("diary",),
    "Your project diary",
    "`/learn diary <text>` writes an entry; `diary` lists yours; `diary show|edit|delete <n>`; "
    "`diary new` opens a form.",
    (
        Verb(
            WriteDiary,
            diary.write_entry,
            "write a diary entry (private unless you share it)",
            name="write",
            params=(
                Param(
                    "text",
                    _ENTRY_TEXT,
                    "What you tried and learned; #tags link competences",
                    missing="Your diary entry is empty. Write what you learned after "
                    "`/learn diary`.",
                ),
                Param(
                    "share",
                    Share(),
                    "Who else may read it (private by default)",
                    option="share",
                ),
            ),
            build=_with_tags(WriteDiary),
        ),
        Verb(
            ListDiary,
            diary.list_entries,
            "your entries, numbered, ten to a page (`--page 2` the ten before)",
            name="list",
            params=(
                Param(
                    "of",
                    Who(),
                    "Read what this person shared with you",
                    option="of",
                    stray=_OF_ALONE,
                ),
                Param(
                    "page",
                    Page(),
                    "Which page (ten entries each, 1 = the newest)",
                    option="page",
                    stray=_PAGE_ALONE,
                ),
            ),
            extra=lambda values: _OF_ALONE if "of" in values else _PAGE_ALONE,
        ),
        Verb(
            ShowTags,
            diary.tags,
            "your #tags, most used first: what your diary is about",
            words=(("tags",),),
        ),
        Verb(
            OpenDiaryForm,
            diary.open_form,
            "write a diary entry in a form",
            words=(("new",),),
        ),
        Verb(
            ShowDiaryEntry,
            diary.show_entry,
            "one entry in full, by its number in the listing",
            words=(("show",),),
            params=(
                Param("number", EntryNumber(action="show"), "The entry's number in the listing"),
                Param("of", Who(), "An entry this person shared with you", option="of"),
            ),
            extra="Show one entry at a time: `/learn diary show 3` shows entry 3 of your "
            "listing in full.",
        ),
        Verb(
            EditDiaryEntry,
            diary.edit_entry,
            "new text for an entry (who sees it stays)",
            words=(("edit",),),
            params=(
                Param("number", EntryNumber(action="edit"), "The entry's number in the listing"),
                Param(
                    "text",
                    Text(
                        what="Your text",
                        limit=MAX_DIARY_CHARS,
                        advice="Split it into shorter entries.",
                    ),
                    "The new text",
                    missing=lambda values: (
                        "The new text is empty; write it after the number: "
                        f"`/learn diary edit {values.get('number', 3)} <new text>`. To delete "
                        f"the entry, use `/learn diary delete {values.get('number', 3)}`."
                    ),
                ),
            ),
            refuses={
                "share": "Editing keeps who sees the entry; write only the new text after "
                "`/learn diary edit <n>`."
            },
            build=_with_tags(EditDiaryEntry),
        ),
        Verb(
            DeleteDiaryEntry,
            diary.delete_entry,
            "delete one of your entries, after you confirm",
            words=(("delete",),),
            params=(
                Param("number", EntryNumber(action="delete"), "The entry's number in the listing"),
                Param(
                    "confirmed",
                    Keyword(word="confirm"),
                    "Delete without asking again",
                    required=False,
                ),
            ),
            extra="Delete one entry at a time: `/learn diary delete 3` deletes your entry 3 "
            "(after you confirm).",
        ),
    ),
)

# -- privacy ---------------------------------------------------------------------------

PRIVACY = Group(
    ("privacy",),
    "Who sees what; export or erase your data",
    "Say `/learn privacy export` for your data or `/learn privacy forget` to erase it.",
    (
        Verb(
            ShowPrivacy,
            privacy.show_privacy,
            "who sees what, by name",
            name="show",
        ),
        Verb(
            ExportMyData,
            privacy.export_mine,
            "everything Tandem keeps about you",
            words=(("export",),),
        ),
        Verb(
            ForgetMe,
            privacy.forget_me,
            "erase everything about you, after you confirm",
            words=(("forget",),),
            params=(
                Param(
                    "confirmed",
                    Keyword(word="confirm"),
                    "Erase without asking again",
                    required=False,
                ),
            ),
        ),
    ),
)

# -- language --------------------------------------------------------------------------

LANGUAGE = Group(
    ("language", "sprache"),
    "Your language: Deutsch or English",
    "`/learn language de` or `/learn language en`; `/learn language` says which one you have.",
    (
        Verb(
            Language,
            language.language,
            # short: Discord's /learn tree is at its 8,000 characters
            "your language",
            more="Without a word, it says which one Tandem speaks with you",
            params=(
                Param(
                    "lang",
                    Choice(
                        values={
                            "de": "de",
                            "en": "en",
                            "deutsch": "de",
                            "german": "de",
                            "english": "en",
                            "englisch": "en",
                        },
                        choices=("de", "en"),
                        placeholder="de|en",
                        refusal="Tandem speaks de (Deutsch) and en (English): "
                        "`/learn language de` or `/learn language en`.",
                    ),
                    "de or en",
                    field="language",
                    required=False,
                ),
            ),
        ),
    ),
)

# -- check-ins -------------------------------------------------------------------------

_CHECKIN_USAGE = (
    "`/learn checkin` shows your schedule; `checkin every mon,thu 09:00`, `checkin pause 2w`, "
    "`checkin pause until 2027-01-07`, `checkin resume`, `checkin now`, `checkin off`, "
    "`checkin answer <text>`, `checkin skip`, `checkin snooze 2h`, `checkin tz Europe/Berlin`."
)
_DAYS = Param(
    "days",
    Weekdays(),
    "Weekdays: mon,thu / weekdays / mon-fri",
    field="weekdays",
    missing="Say when, e.g. `/learn checkin every mon,thu 09:00`.",
)
_AT = Param(
    "time",
    WallTime(),
    "Your local time of day: 09:00, 17:30 or 9am",
    field="wall_time",
    missing="Say when, e.g. `/learn checkin every mon,thu 09:00`.",
)

CHECKIN = Group(
    ("checkin", "check-in", "checkins"),
    "Your check-ins: when, pause, now, answer",
    _CHECKIN_USAGE,
    (
        Verb(
            ShowCheckins,
            checkin.show,
            "your check-in schedule and the next three times",
            name="show",
        ),
        Verb(
            ScheduleCheckins,
            checkin.set_schedule,
            "check-ins on those weekdays at your local time",
            words=(("every",),),
            params=(_DAYS, _AT),
        ),
        Verb(
            PauseCheckins,
            checkin.pause,
            "pause check-ins; they resume by themselves",
            words=(("pause",),),
            params=(
                Param(
                    "duration",
                    Duration(
                        usage="Pause like this: `checkin pause 2w`, `pause 3d` or "
                        "`pause until 2027-01-07`.",
                        bounds="A pause lasts from one day to 26 weeks.",
                        placeholder="2w",
                    ),
                    "How long: 3d, 2w",
                ),
            ),
        ),
        Verb(
            PauseCheckins,
            checkin.pause,
            "pause your check-ins until that date",
            words=(("pause",), ("until",)),
            params=(Param("until", Date(example="2027-01-07"), "The day they start again"),),
        ),
        Verb(ResumeCheckins, checkin.resume, "resume early", words=(("resume",),)),
        Verb(CheckinNow, checkin.ask_now, "be asked at once", words=(("now",),)),
        Verb(CheckinsOff, checkin.turn_off, "stop your check-ins", words=(("off",),)),
        Verb(
            AnswerCheckin,
            checkin.answer_command,
            "answer the open check-in (or reply in the DM)",
            more="Without text, it opens a form",
            words=(("answer",),),
            params=(
                Param(
                    "text",
                    Text(what="Your answer", limit=MAX_DIARY_CHARS),
                    "What you tried, learned, and do next",
                    required=False,
                ),
            ),
        ),
        Verb(SkipCheckin, checkin.skip, "skip the open check-in", words=(("skip",),)),
        Verb(
            SnoozeCheckin,
            checkin.snooze,
            "be asked again later (2 h unless you say)",
            words=(("snooze",),),
            params=(
                Param(
                    "delay",
                    Duration(
                        units=("m", "min", "h", "hr", "hour", "hours"),
                        shortest=timedelta(minutes=10),
                        longest=timedelta(hours=12),
                        usage="Snooze like this: `checkin snooze`, `snooze 30m` or `snooze 3h`.",
                        bounds="A snooze lasts from 10 minutes to 12 hours.",
                        placeholder="2h",
                    ),
                    "How long: 30m, 3h",
                    required=False,
                ),
            ),
        ),
        Verb(
            SetTimezone,
            checkin.set_timezone,
            "your time zone (else the platform's)",
            words=(("tz", "timezone", "zone"),),
            params=(Param("zone", TimeZone(), "A city or zone: Berlin, New York, Europe/Berlin"),),
        ),
    ),
)

# -- assessment, goals, agreements, progress -------------------------------------------

ASSESS = Group(
    ("assess",),
    "Your self-assessment, five at a time",
    "`/learn assess` takes nothing after it; it opens the next step.",
    (
        Verb(
            Assess,
            assessment.next_step,
            "rate yourself on each competence, five at a time",
            more="Stop after any step and go on later",
        ),
    ),
)

_GOALS_USAGE = (
    "Goals: `/learn goals`, `goals add [@learner] <competence> 2→4 <why> [--by 2027-06-30]`, "
    "`goals comment|reached|drop <n> ...`, `goals --of @learner`."
)
_GOAL_ADD = (
    "Add a goal like this: `/learn goals add @ana communication 2→4 leads the weekly review`."
)

GOALS = Group(
    ("goals", "goal"),
    "Your development goals; tutors: a learner's",
    _GOALS_USAGE,
    (
        Verb(
            ShowGoals,
            goals.show,
            "your development goals (a tutor: a learner's)",
            name="show",
            params=(_mention_of("the learner", "A learner you accompany as their tutor"),),
        ),
        Verb(
            AddGoal,
            goals.add,
            "record a goal (a tutor: with a learner)",
            words=(("add",),),
            params=(
                Param(
                    "learner",
                    Mention(what="the learner"),
                    "Tutors: the learner the goal is for",
                    required=False,
                    placeholder="@learner",
                ),
                Param(
                    "competence",
                    Word(placeholder="<competence>"),
                    "The competence or value, e.g. communication",
                    field="trait",
                    missing=_GOAL_ADD,
                ),
                Param("levels", Levels(example=_GOAL_ADD), "From which level to which"),
                Param(
                    "why",
                    Text(what="The why", limit=MAX_SHORT_TEXT),
                    "Why this goal matters",
                    missing="Say why this goal matters, after the levels.",
                ),
                Param(
                    "by",
                    Date(),
                    "By when: 30.06.2027, friday, next friday, in 2 weeks",
                    field="due_by",
                    option="by",
                    stray="`--by` belongs to `goals add`.",
                ),
            ),
        ),
        Verb(
            CommentGoal,
            goals.comment,
            "comment on a goal; the other side hears of it",
            words=(("comment",),),
            params=(
                Param("goal", Number(what="goal"), "The goal's number", field="goal_id"),
                Param(
                    "text",
                    Text(what="Your text", limit=MAX_SHORT_TEXT),
                    "Your comment",
                    missing="Write your comment after the goal's number.",
                ),
            ),
        ),
        Verb(
            CloseGoal,
            goals.close,
            "a goal reached, with a note if you like",
            words=(("reached",),),
            fixed={"reached": True},
            params=(
                Param("goal", Number(what="goal"), "The goal's number", field="goal_id"),
                Param(
                    "note",
                    Text(what="Your text", limit=MAX_SHORT_TEXT),
                    "A note",
                    required=False,
                ),
            ),
        ),
        Verb(
            CloseGoal,
            goals.close,
            "a goal dropped, and why",
            words=(("drop",),),
            fixed={"reached": False},
            params=(
                Param("goal", Number(what="goal"), "The goal's number", field="goal_id"),
                Param(
                    "why",
                    Text(what="Your text", limit=MAX_SHORT_TEXT),
                    "Why it is dropped",
                    field="note",
                    missing="Say in a few words why the goal is dropped: `goals drop <n> <why>`.",
                ),
            ),
        ),
    ),
)

_AGREE_USAGE = (
    "`/learn agree @manager <task> [--goals 1,2]` proposes a task; `agree yes|changes|decline "
    "<n> [why]` answers one; `agree revise <n> <task>` changes yours."
)


def _answer(decision: Decision, words: tuple[str, ...], help: str) -> Verb:
    return Verb(
        AnswerTask,
        agreements.answer,
        help,
        words=(words,),
        fixed={"decision": decision},
        roles=MANAGER,
        params=(
            Param(
                "proposal", Versioned(), "The proposal's number", field=("agreement_id", "version")
            ),
            Param(
                "reason",
                Text(what="The reason", limit=MAX_SHORT_TEXT),
                "Why (without it, a form asks)",
                required=False,
            ),
        ),
    )


AGREE = Group(
    ("agree",),
    "Practical tasks agreed with your manager",
    _AGREE_USAGE,
    (
        Verb(
            ShowAgreements,
            agreements.show,
            "your proposals (a manager: what waits for you)",
            name="list",
        ),
        Verb(
            ProposeTask,
            agreements.propose,
            "propose a practical task to your manager",
            name="propose",
            params=(
                Param(
                    "manager",
                    Mention(what="your manager"),
                    "Your manager, who agrees the task with you",
                    placeholder="@manager",
                ),
                Param(
                    "task",
                    Text(what="The task", limit=MAX_TASK_CHARS),
                    "The practical task, in a sentence or two",
                    placeholder="<task>",
                    missing="Describe the practical task after the manager's name.",
                ),
                Param(
                    "goals",
                    NumberList(what="goal"),
                    "The goals it serves, e.g. 1,2 (default: all open)",
                    field="goal_ids",
                    option="goals",
                    stray="`--goals` belongs to a proposal: "
                    "`/learn agree @manager <task> --goals 1,2`.",
                ),
            ),
        ),
        Verb(
            ConfirmTask,
            agreements.confirm,
            "send a proposal to someone not named your manager",
            words=(("send",),),
            fixed={"send": True},
            params=(
                Param("question", Number(what="question"), "The question's number", field="ask_id"),
            ),
            extra="Say which one: `/learn agree send <n>`.",
        ),
        Verb(
            ConfirmTask,
            agreements.confirm,
            "keep such a proposal unsent",
            words=(("cancel",),),
            fixed={"send": False},
            params=(
                Param("question", Number(what="question"), "The question's number", field="ask_id"),
            ),
            extra="Say which one: `/learn agree cancel <n>`.",
        ),
        Verb(
            ReviseTask,
            agreements.revise,
            "a changed proposal goes round again",
            words=(("revise",),),
            params=(
                Param(
                    "proposal",
                    Number(what="proposal"),
                    "The proposal's number",
                    field="agreement_id",
                ),
                Param(
                    "task",
                    Text(what="The task", limit=MAX_TASK_CHARS),
                    "The changed task",
                    missing="Revise like this: `/learn agree revise <n> <the changed task>`.",
                ),
            ),
        ),
        _answer(Decision.AGREE, ("yes", "ok", "accept"), "agree a proposed task"),
        _answer(Decision.CHANGES, ("changes", "change"), "ask for changes, saying which"),
        _answer(Decision.DECLINE, ("decline", "no"), "decline a proposed task, saying why"),
    ),
)

PROGRESS = Group(
    ("progress",),
    "Your assessments against your goals, as a chart",
    "`/learn progress` shows yours; tutors add `--of @learner`.",
    (
        Verb(
            ShowProgress,
            progress.show,
            "your assessments against your goals, with a chart",
            params=(_mention_of("the learner", "A learner you accompany as their tutor"),),
        ),
    ),
)

# -- cohorts ---------------------------------------------------------------------------

_COHORT_USAGE = (
    "`/learn cohort`, `cohort open|kickoff|close`, `cohort add @person learner|tutor|manager "
    "[--of @learner]`, `cohort invite @a @b`, `cohort pair|groups|swap|confirm|report|space`, "
    "`cohort join|leave`; `--cohort <n>` names one."
)


def _check_add(values: dict[str, Any]) -> None:
    role, of = values.get("role"), values.get("of")
    if of is not None and role not in (Role.TUTOR, Role.MANAGER):
        raise CommandError("`--of @learner` names the learner a tutor or manager accompanies.")
    if role is Role.TUTOR and of is None:
        raise CommandError("Say whom the tutor accompanies: `--of @learner`.")


def _swap(values: dict[str, Any]) -> BaseModel:
    groups = values.pop("groups", False)
    return SwapInProposal(**values, circles="groups" if groups else "pairs")


def _move(to: str, help: str) -> Verb:
    return Verb(
        MoveCohort,
        cohort.move,
        help,
        words=((to,),),
        fixed={"to": to},
        roles=FACILITATOR,
        params=(_cohort_too(),),
    )


def _answer_invitation(action: str, help: str, roles: frozenset[Role] = frozenset()) -> Verb:
    return Verb(
        AnswerInvitation,
        kickoff.answer,
        help,
        words=((action,),),
        fixed={"action": action},
        params=(
            Param(
                "cohort",
                CohortRef(),
                "Which cohort (number)",
                option="cohort",
                positional=True,
                required=False,
            ),
        ),
        extra=f"`/learn cohort {action} <cohort number>`.",
    )


_ROLE = Choice(
    values={"learner": Role.LEARNER, "tutor": Role.TUTOR, "manager": Role.MANAGER},
    refusal="A cohort role is learner, tutor or manager.",
)
_CIRCLES = Choice(
    values={"pairs": "pairs", "groups": "groups"},
    refusal="Confirm with `/learn cohort confirm pairs` or `confirm groups`.",
)

COHORT_GROUP = Group(
    ("cohort", "cohorts"),
    "Cohorts: open, invite, roles, pairs, groups",
    _COHORT_USAGE,
    (
        Verb(
            ShowCohorts,
            cohort.show,
            "your cohorts and roles (facilitators: every cohort)",
            name="list",
        ),
        Verb(
            OpenCohort,
            cohort.open_cohort,
            "open a cohort",
            words=(("open",),),
            roles=FACILITATOR,
            params=(
                Param(
                    "name",
                    Text(what="The name", limit=200),
                    "The cohort's name, e.g. Spring 2027",
                    missing="Name the cohort: `/learn cohort open Spring 2027`.",
                ),
            ),
        ),
        Verb(
            AddToCohort,
            cohort.add,
            "give someone a role in the cohort",
            words=(("add",),),
            roles=FACILITATOR,
            params=(
                Param("person", Mention(what="the person"), "Whom to add", placeholder="@person"),
                Param("role", _ROLE, "Their role in the cohort"),
                _mention_of(
                    "the learner",
                    "The learner a tutor or manager accompanies",
                    placeholder="@learner",
                ),
                Param(
                    "team",
                    Word(placeholder="<team>", lower=False),
                    "Their team (pairing spreads teams)",
                    option="team",
                ),
                COHORT,
            ),
            check=_check_add,
        ),
        _move("kickoff", "start the cohort's learning phase: the roster is fixed"),
        _move("close", "close the cohort: its circles end"),
        Verb(
            InviteToCohort,
            kickoff.invite,
            "ask each to join (a DM with Join / Decline)",
            words=(("invite",),),
            roles=FACILITATOR,
            params=(
                Param(
                    "person",
                    Mentions(what="each person"),
                    "Whom to invite",
                    field="people",
                    placeholder="@a @b ...",
                    missing="Invite people by name: `/learn cohort invite @ana @ben`.",
                ),
                Param(
                    "team",
                    Word(placeholder="<team>", lower=False),
                    "Their team (pairing spreads teams)",
                    option="team",
                ),
                COHORT,
            ),
        ),
        _answer_invitation("join", "join the cohort you were invited to"),
        _answer_invitation("decline", "decline an invitation"),
        _answer_invitation("leave", "leave a cohort; your partner is paired again"),
        Verb(
            ProposeCircles,
            kickoff.propose,
            "propose learning partnerships",
            words=(("pair", "pairs"),),
            fixed={"circles": "pairs"},
            roles=FACILITATOR,
            params=(COHORT,),
            refuses={"size": "`--size` is for `cohort groups`."},
        ),
        Verb(
            ProposeCircles,
            kickoff.propose,
            "propose learning groups",
            words=(("groups",),),
            fixed={"circles": "groups"},
            roles=FACILITATOR,
            params=(
                Param(
                    "size",
                    Sizes(),
                    "Group sizes, e.g. 4-6",
                    field=("min_size", "max_size"),
                    option="size",
                ),
                COHORT,
            ),
        ),
        Verb(
            SwapInProposal,
            kickoff.swap,
            "two people change places in the proposal",
            words=(("swap",),),
            roles=FACILITATOR,
            params=(
                Param(
                    "person",
                    Mention(what="the first person"),
                    "One of the two",
                    field="first",
                    placeholder="@a",
                ),
                Param(
                    "other",
                    Mention(what="the second person"),
                    "The other",
                    field="second",
                    placeholder="@b",
                ),
                Param(
                    "groups", Flag(), "In the groups' proposal (default: pairs)", option="groups"
                ),
                COHORT,
            ),
            build=_swap,
            extra="Swap two people: `/learn cohort swap @ana @ben [--groups]`.",
        ),
        Verb(
            ConfirmProposal,
            kickoff.confirm,
            "the proposal becomes partnerships or groups",
            words=(("confirm",),),
            roles=FACILITATOR,
            params=(Param("circles", _CIRCLES, "Which proposal"), COHORT),
            extra="Confirm with `/learn cohort confirm pairs` or `confirm groups`.",
        ),
        Verb(
            ShowProposal,
            guide.show_proposal,
            "the proposal of pairs or groups waiting for confirmation",
            words=(("proposal", "proposals"),),
            roles=FACILITATOR,
            params=(
                Param("circles", _CIRCLES, "Which proposal (default: both)", required=False),
                COHORT,
            ),
        ),
        Verb(
            CohortReport,
            report.report,
            "tutors: your learners; facilitators: the figures",
            words=(("report",),),
            roles=TUTOR | FACILITATOR,
            params=(COHORT,),
        ),
        Verb(
            SetCohortSpace,
            advice.set_space,
            "typed where the groups are to meet: rounds get threads there",
            words=(("space",),),
            roles=FACILITATOR,
            params=(COHORT,),
            place=True,
            extra="Type `/learn cohort space` in the channel the groups meet in.",
        ),
    ),
)

# -- plan, partner, group --------------------------------------------------------------

_PLAN_USAGE = (
    "Your plan: `/learn plan`, `plan add 2027-02-15 <milestone> | <how you will know> "
    "[--goal 1]`, `plan commit`, `plan done <n> <what you learned>`."
)

PLAN = Group(
    ("plan",),
    "Your learning plan and milestones",
    _PLAN_USAGE,
    (
        Verb(
            ShowPlan,
            plan.show,
            "your milestones (or your partner's, a learner's)",
            name="show",
            params=(
                _mention_of(
                    "the person", "Your learning partner or a learner you accompany", "@name"
                ),
            ),
        ),
        Verb(OpenMilestoneForm, plan.open_form, "add a milestone in a form", words=(("add",),)),
        Verb(
            AddMilestone,
            plan.add,
            "a milestone: its date, what, and how you will know",
            words=(("add",),),
            params=(
                Param(
                    "date",
                    Date(example="2027-02-15", span=Span.PATTERN),
                    "Its date: 2027-02-15, 15.02.2027, in 2 weeks, friday",
                    field="due_on",
                ),
                Param(
                    "milestone",
                    Split(
                        first=Text(what="The milestone", limit=MAX_TITLE),
                        second=Text(what="How you will know", limit=MAX_SHORT_TEXT),
                        first_name="title",
                        second_name="evidence",
                        first_help="The milestone",
                        second_help="How you will know you reached it",
                        second_needed=False,
                        usage="Name the milestone after its date: `plan add 2027-02-15 <title>`.",
                        placeholder="<milestone> [| <how you will know>]",
                    ),
                    "The milestone",
                    field=("title", "evidence"),
                ),
                Param(
                    "goal",
                    Number(what="goal"),
                    "The goal it serves",
                    field="goal_id",
                    option="goal",
                ),
            ),
        ),
        Verb(CommitPlan, plan.commit, "commit to your plan", words=(("commit",),)),
        Verb(
            MilestoneDone,
            plan.done,
            "a milestone reached (your reflection goes to the diary)",
            words=(("done",),),
            params=(
                Param(
                    "milestone",
                    Number(what="milestone"),
                    "The milestone's number",
                    field="milestone_id",
                ),
                Param(
                    "reflection",
                    Text(what="Your reflection", limit=MAX_DIARY_CHARS),
                    "What you learned",
                    missing="Say what you learned: `/learn plan done <n> <reflection>`.",
                ),
            ),
        ),
    ),
)

PARTNER = Group(
    ("partner",),
    "Your learning partner; co-coaching",
    "`/learn partner` shows your learning partner; `partner not-with @name` keeps you apart; "
    "`partner met <n>` / `partner missed <n>` answers a co-coaching prompt.",
    (
        Verb(
            ShowPartner,
            partner.show,
            "who your learning partner is, how co-coaching went",
            name="show",
        ),
        Verb(
            NotWith,
            partner.not_with,
            "never be paired with someone (no one is told)",
            words=(("not-with", "notwith"),),
            params=(
                Param(
                    "person", Mention(what="the person"), "Whom to stay apart from", field="other"
                ),
            ),
        ),
        Verb(
            CoCoachingAnswer,
            partner.answer,
            "you met your partner for co-coaching",
            words=(("met",),),
            fixed={"met": True},
            params=(
                Param(
                    "prompt", Number(what="co-coaching"), "The prompt's number", field="record_id"
                ),
            ),
        ),
        Verb(
            CoCoachingAnswer,
            partner.answer,
            "you did not meet",
            words=(("missed",),),
            fixed={"met": False},
            params=(
                Param(
                    "prompt", Number(what="co-coaching"), "The prompt's number", field="record_id"
                ),
            ),
        ),
    ),
)


def _group_cadence(accept: bool, word: str, help: str) -> Verb:
    return Verb(
        AnswerGroupCadence,
        partner.answer_cadence,
        help,
        words=(("checkin", "check-in"), (word,)),
        fixed={"accept": accept},
        params=(
            Param("proposal", Number(what="proposal"), "The proposal's number", field="ask_id"),
        ),
    )


GROUP = Group(
    ("group",),
    "Your learning group",
    "`/learn group` shows your learning group; `group checkin every thu 16:00` gives it a "
    "check-in cadence.",
    (
        Verb(ShowGroup, partner.show_group, "your learning group", name="show"),
        Verb(
            GroupCheckins,
            partner.group_checkins,
            "propose a check-in cadence to your group",
            more="Each member accepts it or keeps their own check-ins",
            words=(("checkin", "check-in"), ("every",)),
            params=(_DAYS, _AT),
            build=lambda values: GroupCheckins(schedule=ScheduleCheckins(**values)),
        ),
        _group_cadence(True, "accept", "take the group's check-in cadence"),
        _group_cadence(False, "keep", "keep your own check-ins"),
    ),
)

# -- colleague advice ------------------------------------------------------------------

_CASE = "Say what the case is: `/learn advice <your case in a sentence>`."


def _step(action: str, help: str, text: Param | None = None, more: str = "") -> Verb:
    return Verb(
        AdviceStep,
        advice.step,
        help,
        words=((action,),),
        fixed={"action": action},
        params=(text,) if text is not None else (),
        more=more,
    )


def _step_text(name: str, help: str, missing: str | None = None) -> Param:
    return Param(
        name,
        Text(what="Your text", limit=MAX_DIARY_CHARS),
        help,
        field="text",
        required=missing is not None,
        missing=missing,
    )


ADVICE = Group(
    ("advice",),
    "Colleague advice in your learning group",
    "`/learn advice <your case in a sentence>` starts a round; `/learn advice help` shows "
    "the moves of a round.",
    (
        Verb(ShowAdvice, advice.show, "the round open in your group", name="show"),
        Verb(
            StartAdvice,
            advice.start,
            "start a colleague-advice round in your group's thread",
            name="start",
            params=(
                Param(
                    "case",
                    Text(
                        what="Your case",
                        limit=MAX_DIARY_CHARS,
                        words=2,
                        too_short="A case is a sentence or two: `/learn advice <your case>`. "
                        "`/learn advice help` shows the moves of a round.",
                    ),
                    "Your case, in a sentence or two",
                    placeholder="<case>",
                    missing=_CASE,
                ),
                Param("written", Flag(), "In writing, over days (default: live)", option="written"),
                Param(
                    "moderator",
                    Mention(what="the moderator"),
                    "Who moderates (default: who moderated least)",
                    option="moderator",
                ),
            ),
        ),
        _step(
            "say",
            "contribute to the round's current phase",
            _step_text(
                "text", "Your idea or question", "Say what: `/learn advice say <your idea>`."
            ),
            more="On Slack, just reply in the thread",
        ),
        _step("next", "the moderator moves on to the next phase"),
        _step(
            "moderator",
            "choose the moderator (nobody named: the fair choice)",
            Param(
                "person",
                Mention(what="the moderator", bare=True),
                "Who moderates",
                field="text",
                required=False,
            ),
        ),
        _step(
            "key",
            "the key question of the case",
            _step_text(
                "question",
                "The key question",
                "Give the question: `/learn advice key <the key question>`.",
            ),
        ),
        _step(
            "method",
            "the method for the consultation; without one, the list",
            Param(
                "method",
                Word(placeholder="<method>", lower=False),
                "The method's id",
                field="text",
                required=False,
            ),
        ),
        _step(
            "helped",
            "the closing: which ideas helped, and what you take away",
            _step_text(
                "takeaway",
                "The ideas' numbers, then your takeaway: 2,5 ask first",
                "Name what helped: `/learn advice helped 2,5 <what you take away>`.",
            ),
        ),
        _step("pause", "pause the round"),
        _step("resume", "resume it"),
        _step(
            "cancel",
            "cancel the round, with a note if you like",
            _step_text("note", "A note for the group"),
        ),
        _step("file", "file your own ideas in your diary"),
    ),
)

# -- communities of practice -----------------------------------------------------------

_COP_USAGE = (
    "Communities of practice: `/learn cop` lists them; "
    "`cop join <name>`, `cop leave <name>`, "
    "`cop posts <name>`, `cop share <name> <title> | <experience>`; facilitators "
    "`cop open <name>` in the channel it lives in. Names may have spaces."
)


def _community(model: type[BaseModel], verb: str, handler: Any, help: str, **more: Any) -> Verb:
    return Verb(
        model,
        handler,
        help,
        words=((verb,),),
        params=(
            Param(
                "community",
                CommunityName(verb=verb),
                "The community's name (spaces are fine: code review)",
                field="name",
            ),
        ),
        **more,
    )


COP = Group(
    ("cop", "cops", "community"),
    "Communities of practice: join, share, read",
    _COP_USAGE,
    (
        Verb(
            ShowCommunities,
            community.show,
            "the communities of practice, and which are yours",
            name="list",
        ),
        _community(
            OpenCommunity,
            "open",
            community.open_community,
            "open one where it is to live (on Discord a forum)",
            roles=FACILITATOR,
            place=True,
        ),
        _community(JoinCommunity, "join", community.join, "join a community"),
        _community(
            LeaveCommunity,
            "leave",
            community.leave,
            "leave it; you no longer read what is shared there",
        ),
        _community(
            ShowCommunityPosts, "posts", community.posts, "members: what was shared, newest first"
        ),
        Verb(
            ShareExperience,
            community.share,
            "share an experience there (filed in your diary)",
            words=(("share",),),
            params=(
                Param(
                    "community",
                    CommunityName(verb="share", span=Span.PATTERN),
                    "The community's name (spaces are fine: code review)",
                    field="name",
                ),
                Param(
                    "post",
                    Split(
                        first=Text(what="The title", limit=MAX_POST_TITLE),
                        second=Text(what="Your experience", limit=MAX_DIARY_CHARS),
                        first_name="title",
                        second_name="experience",
                        first_help="The title of your post",
                        second_help="What happened and what you learned",
                        usage="Share like this: "
                        "`/learn cop share <community> <title> | <your experience>`.",
                    ),
                    "Your post",
                    field=("title", "text"),
                ),
            ),
            build=lambda values: ShareExperience(
                **values, tags=extract_tags(f"{values['title']} {values['text']}")
            ),
        ),
    ),
)

TABLE = Table(
    groups=(
        HELP,
        NEXT,
        DIARY,
        CHECKIN,
        ASSESS,
        GOALS,
        AGREE,
        PROGRESS,
        PLAN,
        PARTNER,
        GROUP,
        ADVICE,
        COP,
        PRIVACY,
        LANGUAGE,
        COHORT_GROUP,
    ),
    hidden=(
        Hidden(RateTraits, assessment.rate, "a submitted step of the assessment form"),
        Hidden(NotYetAvailable, overview.not_yet_available, "a word planned for later"),
    ),
    empty="next",
    role_notes={
        Role.TUTOR: "As a tutor you read the entries your learners share with their tutor, "
        "their goals, assessments, plans and progress (`--of @learner`), and `cohort report`.",
        Role.MANAGER: "As a manager you answer practical tasks with Agree, Ask for changes or "
        "Decline; you never see anyone's diary.",
        Role.FACILITATOR: "As a facilitator you run cohorts (`--cohort <n>` names one when "
        "several are open) and open communities of practice.",
    },
)

HANDLERS = TABLE.handlers()
MODELS: tuple[type[BaseModel], ...] = tuple(HANDLERS)
# Every command by its `kind`, for commands stored as JSON (a typed platform's inbox rows).
_ANY_COMMAND: Any = Annotated[reduce(operator.or_, MODELS), Field(discriminator="kind")]
command_adapter: TypeAdapter[Command] = TypeAdapter(_ANY_COMMAND)


def parse(line: str) -> Command:
    """One `/learn` line (with or without the leading `/learn`) as its command object."""
    return cast(Command, parser.parse(line, TABLE))
