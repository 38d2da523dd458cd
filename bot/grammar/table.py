"""Every `/learn` command, declared once: its words, its values and options, the roles
it is for, its help, and its handler. The text parser (`parse`), help and usage, the
handlers' lookup (`HANDLERS` in bot/service.py) and Discord's app-command tree
(adapters/discord/tree.py) are all made from `TABLE`; nothing else lists commands.

To add a command: its model in bot/commands.py, a `Verb` here, and its handler.
"""

from __future__ import annotations

import operator
from dataclasses import replace
from datetime import timedelta
from functools import reduce
from typing import Annotated, Any, cast

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

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
    CancelGroupMeeting,
    CancelMeeting,
    CheckinNow,
    CheckinsOff,
    ChooseLrs,
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
    MeetGroup,
    MeetPartner,
    MilestoneCalendar,
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
    ProposeLrs,
    ProposeTask,
    RateTraits,
    ReassessCohort,
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
    german,
)
from bot.grammar.spec import Group, Hidden, Param, Table, Verb
from bot.handlers import (
    advice,
    agreements,
    assessment,
    checkin,
    cockpit,
    cohort,
    community,
    diary,
    goals,
    guide,
    kickoff,
    language,
    lrs,
    meetings,
    overview,
    partner,
    plan,
    privacy,
    progress,
    reassess,
)
from bot.handlers.context import Context
from bot.i18n import N_, _
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
    N_("Which cohort"),
    option="cohort",
    de="kohorte",
)


def _cohort_too(help: str = N_("Which cohort (default: the open one)")) -> Param:
    """The cohort, after the words (`cohort close 2`) or as `--cohort 2`."""
    return Param(
        "cohort",
        CohortRef(span=Span.TEXT),
        help,
        option="cohort",
        de="kohorte",
        positional=True,
        required=False,
    )


def _mention_of(what: str, help: str, placeholder: str = "@learner") -> Param:
    return Param(
        "of", Mention(what=what, bare=True), help, option="of", de="von", placeholder=placeholder
    )


# -- help ------------------------------------------------------------------------------


def _canonical(word: str) -> str | None:
    """A command word or alias as its command's word (`check-in`: `checkin`)."""
    group = TABLE.group(word)
    return group.word if group is not None else None


HELP = Group(
    ("help",),
    N_("What you can do, for your roles"),
    N_("`/learn help` shows what you can do; `/learn help <command>` one command in full."),
    (
        Verb(
            Help,
            show_help,
            N_("what you can do; `help <command>`: one in full"),
            params=(
                Param(
                    "topic",
                    Known(lookup=_canonical),
                    N_("A command word, e.g. diary"),
                    required=False,
                ),
            ),
        ),
    ),
    de=("hilfe",),
)


NEXT = Group(
    ("next", "now"),
    N_("Where you stand and what to do now"),
    N_("`/learn next` (or `/learn` alone) shows where you stand and what to do now."),
    (Verb(ShowNext, guide.show, N_("where you stand and what to do now"), name="show"),),
    de=("weiter",),
)


# -- diary -----------------------------------------------------------------------------

_OF_ALONE = N_(
    "To read someone's shared entries, write only `/learn diary --of @name` "
    "(and `--page 2` for older ones)."
)
_PAGE_ALONE = N_("`--page` pages through your listing; write only `/learn diary --page 2`.")
_ENTRY_TEXT = Text(
    what=N_("Your entry"), limit=MAX_DIARY_CHARS, advice=N_("Split it into shorter entries.")
)


def _with_tags(model: type[WriteDiary] | type[EditDiaryEntry]) -> Any:
    return lambda values: model(**values, tags=extract_tags(values["text"]))


DIARY = Group(
    ("diary",),
    N_("Your project diary"),
    N_(
        "`/learn diary <text>` writes an entry; `diary` lists yours; `diary show|edit|delete <n>`; "
        "`diary new` opens a form."
    ),
    (
        Verb(
            WriteDiary,
            diary.write_entry,
            N_("write a diary entry (private unless you share it)"),
            name="write",
            params=(
                Param(
                    "text",
                    _ENTRY_TEXT,
                    N_("What you tried and learned; #tags link competences"),
                    missing=N_(
                        "Your diary entry is empty. Write what you learned after `/learn diary`."
                    ),
                ),
                Param(
                    "share",
                    Share(),
                    N_("Who else may read it (private by default)"),
                    option="share",
                    de="teilen",
                ),
            ),
            build=_with_tags(WriteDiary),
        ),
        Verb(
            ListDiary,
            diary.list_entries,
            N_("your entries, numbered, ten to a page (`--page 2` the ten before)"),
            name="list",
            params=(
                Param(
                    "of",
                    Who(),
                    N_("Read what this person shared with you"),
                    option="of",
                    de="von",
                    stray=_OF_ALONE,
                ),
                Param(
                    "page",
                    Page(),
                    N_("Which page (ten entries each, 1 = the newest)"),
                    option="page",
                    de="seite",
                    stray=_PAGE_ALONE,
                ),
            ),
            extra=lambda values: _(_OF_ALONE) if "of" in values else _(_PAGE_ALONE),
        ),
        Verb(
            ShowTags,
            diary.tags,
            N_("your #tags, most used first"),
            words=(("tags",),),
            de=(("tags",),),
        ),
        Verb(
            OpenDiaryForm,
            diary.open_form,
            N_("write a diary entry in a form"),
            words=(("new",),),
            de=(("neu",),),
        ),
        Verb(
            ShowDiaryEntry,
            diary.show_entry,
            N_("one entry in full, by its number in the listing"),
            words=(("show",),),
            de=(("zeigen",),),
            params=(
                Param(
                    "number", EntryNumber(action="show"), N_("The entry's number in the listing")
                ),
                Param(
                    "of", Who(), N_("An entry this person shared with you"), option="of", de="von"
                ),
            ),
            extra=N_(
                "Show one entry at a time: `/learn diary show 3` shows entry 3 of your "
                "listing in full."
            ),
        ),
        Verb(
            EditDiaryEntry,
            diary.edit_entry,
            N_("new text for an entry (who sees it stays)"),
            words=(("edit",),),
            de=(("ändern", "bearbeiten"),),
            params=(
                Param(
                    "number", EntryNumber(action="edit"), N_("The entry's number in the listing")
                ),
                Param(
                    "text",
                    Text(
                        what=N_("Your text"),
                        limit=MAX_DIARY_CHARS,
                        advice=N_("Split it into shorter entries."),
                    ),
                    N_("The new text"),
                    missing=lambda values: _(
                        "The new text is empty; write it after the number: "
                        "`/learn diary edit {number} <new text>`. To delete "
                        "the entry, use `/learn diary delete {number}`."
                    ).format(number=values.get("number", 3)),
                ),
            ),
            refuses={
                "share": N_(
                    "Editing keeps who sees the entry; write only the new text after "
                    "`/learn diary edit <n>`."
                )
            },
            build=_with_tags(EditDiaryEntry),
        ),
        Verb(
            DeleteDiaryEntry,
            diary.delete_entry,
            N_("delete one of your entries, after you confirm"),
            words=(("delete",),),
            de=(("löschen",),),
            params=(
                Param(
                    "number", EntryNumber(action="delete"), N_("The entry's number in the listing")
                ),
                Param(
                    "confirmed",
                    Keyword(word="confirm", de="bestätigen"),
                    N_("Delete without asking again"),
                    required=False,
                ),
            ),
            extra=N_(
                "Delete one entry at a time: `/learn diary delete 3` deletes your entry 3 "
                "(after you confirm)."
            ),
        ),
    ),
    de=("tagebuch",),
)

# -- privacy ---------------------------------------------------------------------------

PRIVACY = Group(
    ("privacy",),
    N_("Who sees what; export or erase your data"),
    N_(
        "Say `/learn privacy export` for your data, `/learn privacy forget` to erase it, "
        "`/learn privacy lrs on|off` for the learning record store."
    ),
    (
        Verb(
            ShowPrivacy,
            privacy.show_privacy,
            N_("who sees what, by name"),
            name="show",
        ),
        Verb(
            ExportMyData,
            privacy.export_mine,
            N_("everything Tandem keeps about you"),
            words=(("export",),),
            de=(("export", "exportieren"),),
        ),
        Verb(
            ForgetMe,
            privacy.forget_me,
            N_("erase everything about you"),  # short: the /learn tree is at 8,000
            words=(("forget",),),
            de=(("vergessen",),),
            params=(
                Param(
                    "confirmed",
                    Keyword(word="confirm", de="bestätigen"),
                    N_("Erase without asking again"),
                    required=False,
                ),
            ),
        ),
        Verb(
            ChooseLrs,
            lrs.choose,
            # short: Discord's /learn tree is at its 8,000 characters
            N_("to the LRS: on or off"),
            words=(("lrs",),),
            params=(
                Param(
                    "state",
                    Choice(
                        values={"on": "on", "off": "off"},
                        choices=("on", "off"),
                        placeholder="on|off",
                        refusal=N_(
                            "Say `/learn privacy lrs on` (with `results`: your assessment "
                            "levels too) or `/learn privacy lrs off`."
                        ),
                        de={"an": "on", "ein": "on", "aus": "off"},
                    ),
                    N_("on or off"),
                    field="choice",
                    de="stand",
                    missing=N_(
                        "Say `/learn privacy lrs on` (with `results`: your assessment "
                        "levels too) or `/learn privacy lrs off`."
                    ),
                ),
                Param(
                    "levels",
                    Keyword(word="results", de="ergebnisse"),
                    N_("With levels"),
                    field="results",
                    required=False,
                    de="stufen",
                ),
            ),
        ),
    ),
    de=("datenschutz",),
)

# -- language --------------------------------------------------------------------------

LANGUAGE = Group(
    ("language",),
    N_("Your language: Deutsch or English"),
    N_("`/learn language de` or `/learn language en`; `/learn language` says which one you have."),
    (
        Verb(
            Language,
            language.language,
            # short: Discord's /learn tree is at its 8,000 characters
            N_("your language"),
            more=N_("Without a word, it says which one Tandem speaks with you"),
            params=(
                Param(
                    "lang",
                    Choice(
                        values={"de": "de", "en": "en", "german": "de", "english": "en"},
                        choices=("de", "en"),
                        placeholder="de|en",
                        refusal=N_(
                            "Tandem speaks de (Deutsch) and en (English): "
                            "`/learn language de` or `/learn language en`."
                        ),
                        de={"deutsch": "de", "englisch": "en"},
                    ),
                    N_("de or en"),
                    field="language",
                    required=False,
                    de="sprache",
                ),
            ),
        ),
    ),
    de=("sprache",),
)

# -- check-ins -------------------------------------------------------------------------

_CHECKIN_USAGE = N_(
    "`/learn checkin` shows your schedule; `checkin every mon,thu 09:00`, `checkin pause 2w`, "
    "`checkin pause until 2027-01-07`, `checkin resume`, `checkin now`, `checkin off`, "
    "`checkin answer <text>`, `checkin skip`, `checkin snooze 2h`, `checkin tz Europe/Berlin`."
)
_DAYS = Param(
    "days",
    Weekdays(),
    N_("Weekdays: mon,thu / weekdays / mon-fri"),
    field="weekdays",
    missing=N_("Say when, e.g. `/learn checkin every mon,thu 09:00`."),
)
_AT = Param(
    "time",
    WallTime(),
    N_("Your local time of day: 09:00, 17:30 or 9am"),
    field="wall_time",
    missing=N_("Say when, e.g. `/learn checkin every mon,thu 09:00`."),
)

CHECKIN = Group(
    ("checkin", "check-in", "checkins"),
    N_("Your check-ins: when, pause, now, answer"),
    _CHECKIN_USAGE,
    (
        Verb(
            ShowCheckins,
            checkin.show,
            N_("your check-in schedule and the next three times"),
            name="show",
        ),
        Verb(
            ScheduleCheckins,
            checkin.set_schedule,
            N_("check-ins on those weekdays at your local time"),
            words=(("every",),),
            de=(("jeden",),),
            params=(_DAYS, _AT),
        ),
        Verb(
            PauseCheckins,
            checkin.pause,
            N_("pause check-ins; they resume by themselves"),
            words=(("pause",),),
            de=(("pause", "pausieren"),),
            params=(
                Param(
                    "duration",
                    Duration(
                        usage=N_(
                            "Pause like this: `checkin pause 2w`, `pause 3d` or "
                            "`pause until 2027-01-07`."
                        ),
                        bounds=N_("A pause lasts from one day to 26 weeks."),
                        placeholder="2w",
                    ),
                    N_("How long: 3d, 2w"),
                ),
            ),
        ),
        Verb(
            PauseCheckins,
            checkin.pause,
            N_("pause your check-ins until that date"),
            words=(("pause",), ("until",)),
            de=(("pause", "pausieren"), ("bis",)),
            params=(Param("until", Date(example="2027-01-07"), N_("The day they start again")),),
        ),
        Verb(
            ResumeCheckins,
            checkin.resume,
            N_("resume early"),
            words=(("resume",),),
            de=(("fortsetzen",),),
        ),
        Verb(
            CheckinNow, checkin.ask_now, N_("be asked at once"), words=(("now",),), de=(("jetzt",),)
        ),
        Verb(
            CheckinsOff,
            checkin.turn_off,
            N_("stop your check-ins"),
            words=(("off",),),
            de=(("aus",),),
        ),
        Verb(
            AnswerCheckin,
            checkin.answer_command,
            N_("answer the open check-in (or reply in the DM)"),
            more=N_("Without text, it opens a form"),
            words=(("answer",),),
            de=(("antworten", "antwort"),),
            params=(
                Param(
                    "text",
                    Text(what=N_("Your answer"), limit=MAX_DIARY_CHARS),
                    N_("What you tried, learned, and do next"),
                    required=False,
                ),
            ),
        ),
        Verb(
            SkipCheckin,
            checkin.skip,
            N_("skip the open check-in"),
            words=(("skip",),),
            de=(("überspringen",),),
        ),
        Verb(
            SnoozeCheckin,
            checkin.snooze,
            N_("be asked again later (2 h unless you say)"),
            words=(("snooze",),),
            de=(("später",),),
            params=(
                Param(
                    "delay",
                    Duration(
                        units=("m", "min", "h", "hr", "hour", "hours"),
                        shortest=timedelta(minutes=10),
                        longest=timedelta(hours=12),
                        usage=N_(
                            "Snooze like this: `checkin snooze`, `snooze 30m` or `snooze 3h`."
                        ),
                        bounds=N_("A snooze lasts from 10 minutes to 12 hours."),
                        placeholder="2h",
                    ),
                    N_("How long: 30m, 3h"),
                    required=False,
                ),
            ),
        ),
        Verb(
            SetTimezone,
            checkin.set_timezone,
            N_("your time zone (else the platform's)"),
            words=(("tz", "timezone", "zone"),),
            de=(("zeitzone",),),
            params=(
                Param("zone", TimeZone(), N_("A city or zone: Berlin, New York, Europe/Berlin")),
            ),
        ),
    ),
    de=("checkin",),
)

# -- assessment, goals, agreements, progress -------------------------------------------

ASSESS = Group(
    ("assess",),
    N_("Your self-assessment, five at a time"),
    N_("`/learn assess` takes nothing after it; it opens the next step."),
    (
        Verb(
            Assess,
            assessment.next_step,
            N_("rate yourself on each competence, five at a time"),
            more=N_("Stop after any step and go on later"),
        ),
    ),
    de=("einschätzen", "selbsteinschätzung"),
)

_GOALS_USAGE = N_(
    "Goals: `/learn goals`, `goals add [@learner] <competence> 2→4 <why> [--by 2027-06-30]`, "
    "`goals comment|reached|drop <n> ... [--of @learner]`, `goals --of @learner`."
)
# A tutor names a learner's goal by the learner's own number, and whose it is.
_THEIR_GOAL = _mention_of("the learner", N_("Tutors: whose goal"))
_GOAL_ADD = N_(
    "Add a goal like this: `/learn goals add @ana communication 2→4 leads the weekly review`."
)

GOALS = Group(
    ("goals", "goal"),
    N_("Your development goals; tutors: a learner's"),
    _GOALS_USAGE,
    (
        Verb(
            ShowGoals,
            goals.show,
            N_("your development goals (a tutor: a learner's)"),
            name="show",
            params=(_mention_of("the learner", N_("A learner you accompany as their tutor")),),
        ),
        Verb(
            AddGoal,
            goals.add,
            N_("record a goal (a tutor: with a learner)"),
            words=(("add",),),
            de=(("neu",),),
            params=(
                Param(
                    "learner",
                    Mention(what="the learner"),
                    N_("Tutors: the learner the goal is for"),
                    required=False,
                    placeholder="@learner",
                ),
                Param(
                    "competence",
                    Word(placeholder="<competence>"),
                    N_("The competence or value, e.g. communication"),
                    field="trait",
                    missing=_GOAL_ADD,
                ),
                Param("levels", Levels(example=_GOAL_ADD), N_("From which level to which")),
                Param(
                    "why",
                    Text(what=N_("The why"), limit=MAX_SHORT_TEXT),
                    N_("Why this goal matters"),
                    missing=N_("Say why this goal matters, after the levels."),
                ),
                Param(
                    "by",
                    Date(),
                    N_("By when: 30.06.2027, friday, in 2 weeks"),
                    field="due_by",
                    option="by",
                    de="bis",
                    stray=N_("`--by` belongs to `goals add`."),
                ),
            ),
        ),
        Verb(
            CommentGoal,
            goals.comment,
            N_("comment on a goal; the other side hears of it"),
            words=(("comment",),),
            de=(("kommentieren", "kommentar"),),
            params=(
                Param("goal", Number(what="goal"), N_("The goal's number"), field="goal_id"),
                Param(
                    "text",
                    Text(what=N_("Your text"), limit=MAX_SHORT_TEXT),
                    N_("Your comment (else a form asks)"),
                    required=False,
                ),
                _THEIR_GOAL,
            ),
        ),
        Verb(
            CloseGoal,
            goals.close,
            N_("a goal reached, with a note if you like"),
            words=(("reached",),),
            de=(("erreicht",),),
            fixed={"reached": True},
            params=(
                Param("goal", Number(what="goal"), N_("The goal's number"), field="goal_id"),
                Param(
                    "note",
                    Text(what=N_("Your text"), limit=MAX_SHORT_TEXT),
                    N_("A note"),
                    required=False,
                ),
                _THEIR_GOAL,
            ),
        ),
        Verb(
            CloseGoal,
            goals.close,
            N_("a goal dropped, and why"),
            words=(("drop",),),
            de=(("verwerfen",),),
            fixed={"reached": False},
            params=(
                Param("goal", Number(what="goal"), N_("The goal's number"), field="goal_id"),
                Param(
                    "why",
                    Text(what=N_("Your text"), limit=MAX_SHORT_TEXT),
                    N_("Why it is dropped"),
                    field="note",
                    missing=N_(
                        "Say in a few words why the goal is dropped: `goals drop <n> <why>`."
                    ),
                ),
                _THEIR_GOAL,
            ),
        ),
    ),
    de=("ziele", "ziel"),
)

_AGREE_USAGE = N_(
    "`/learn agree @manager <task> [--goals 1,2]` proposes a task; `agree yes|changes|decline "
    "<n> [why] --of @learner` answers one (the learner's own number); `agree revise <n> "
    "<task>` changes yours."
)


def _answer(decision: Decision, words: tuple[str, ...], help: str, de: tuple[str, ...]) -> Verb:
    return Verb(
        AnswerTask,
        agreements.answer,
        help,
        words=(words,),
        de=(de,),
        fixed={"decision": decision},
        roles=MANAGER,
        params=(
            Param(
                "proposal",
                Versioned(),
                N_("The proposal's number"),
                field=("agreement_id", "version"),
            ),
            Param(
                "reason",
                Text(what=N_("The reason"), limit=MAX_SHORT_TEXT),
                N_("Why (else a form asks)"),
                required=False,
            ),
            _mention_of("the learner", N_("Whose proposal")),
        ),
    )


AGREE = Group(
    ("agree",),
    N_("Practical tasks agreed with your manager"),
    _AGREE_USAGE,
    (
        Verb(
            ShowAgreements,
            agreements.show,
            N_("your proposals (a manager: what waits for you)"),
            name="list",
        ),
        Verb(
            ProposeTask,
            agreements.propose,
            N_("propose a practical task to your manager"),
            name="propose",
            params=(
                Param(
                    "manager",
                    Mention(what="your manager"),
                    N_("Your manager, who agrees the task with you"),
                    placeholder="@manager",
                ),
                Param(
                    "task",
                    Text(what=N_("The task"), limit=MAX_TASK_CHARS),
                    N_("The practical task, in a sentence or two"),
                    placeholder="<task>",
                    missing=N_("Describe the practical task after the manager's name."),
                ),
                Param(
                    "goals",
                    NumberList(what="goal"),
                    N_("The goals it serves, e.g. 1,2 (default: all open)"),
                    field="goal_ids",
                    option="goals",
                    de="ziele",
                    stray=N_(
                        "`--goals` belongs to a proposal: "
                        "`/learn agree @manager <task> --goals 1,2`."
                    ),
                ),
            ),
        ),
        Verb(
            ConfirmTask,
            agreements.confirm,
            N_("send a proposal to someone not named your manager"),
            words=(("send",),),
            de=(("senden",),),
            fixed={"send": True},
            params=(
                Param(
                    "question", Number(what="question"), N_("The question's number"), field="ask_id"
                ),
            ),
            extra=N_("Say which one: `/learn agree send <n>`."),
        ),
        Verb(
            ConfirmTask,
            agreements.confirm,
            N_("keep such a proposal unsent"),
            words=(("cancel",),),
            de=(("abbrechen",),),
            fixed={"send": False},
            params=(
                Param(
                    "question", Number(what="question"), N_("The question's number"), field="ask_id"
                ),
            ),
            extra=N_("Say which one: `/learn agree cancel <n>`."),
        ),
        Verb(
            ReviseTask,
            agreements.revise,
            N_("a changed proposal goes round again"),
            words=(("revise",),),
            de=(("überarbeiten",),),
            params=(
                Param(
                    "proposal",
                    Number(what="proposal"),
                    N_("The proposal's number"),
                    field="agreement_id",
                ),
                Param(
                    "task",
                    Text(what=N_("The task"), limit=MAX_TASK_CHARS),
                    N_("The changed task"),
                    missing=N_("Revise like this: `/learn agree revise <n> <the changed task>`."),
                ),
            ),
        ),
        _answer(
            Decision.AGREE,
            ("yes", "ok", "accept"),
            N_("agree a proposed task"),
            ("ja", "zustimmen"),
        ),
        _answer(
            Decision.CHANGES,
            ("changes", "change"),
            N_("ask for changes, saying which"),
            ("änderungen",),
        ),
        _answer(
            Decision.DECLINE,
            ("decline", "no"),
            N_("decline a proposed task, saying why"),
            ("ablehnen", "nein"),
        ),
    ),
    de=("vereinbarung", "vereinbaren"),
)

PROGRESS = Group(
    ("progress",),
    N_("Your assessments against your goals, as a chart"),
    N_("`/learn progress` shows yours; tutors add `--of @learner`."),
    (
        Verb(
            ShowProgress,
            progress.show,
            N_("your assessments against your goals, with a chart"),
            params=(_mention_of("the learner", N_("A learner you accompany as their tutor")),),
        ),
    ),
    de=("fortschritt",),
)

# -- cohorts ---------------------------------------------------------------------------

_COHORT_USAGE = N_(
    "`/learn cohort`, `cohort open|kickoff|close`, `cohort add @person learner|tutor|manager "
    "[--of @learner]`, `cohort invite @a @b`, `cohort pair|groups|swap|confirm|report|space`, "
    "`cohort join|leave`; `--cohort <n>` names one."
)


def _check_add(values: dict[str, Any]) -> None:
    role, of = values.get("role"), values.get("of")
    if of is not None and role not in (Role.TUTOR, Role.MANAGER):
        raise CommandError(_("`--of @learner` names the learner a tutor or manager accompanies."))
    if role is Role.TUTOR and of is None:
        raise CommandError(_("Say whom the tutor accompanies: `--of @learner`."))


def _swap(values: dict[str, Any]) -> BaseModel:
    groups = values.pop("groups", False)
    return SwapInProposal(**values, circles="groups" if groups else "pairs")


_COHORT_DE = {
    "kickoff": "kick-off",
    "close": "schließen",
    "join": "beitreten",
    "decline": "ablehnen",
    "leave": "verlassen",
}


def _move(to: str, help: str) -> Verb:
    return Verb(
        MoveCohort,
        cohort.move,
        help,
        words=((to,),),
        de=((_COHORT_DE[to],),),
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
        de=((_COHORT_DE[action],),),
        fixed={"action": action},
        params=(
            Param(
                "cohort",
                CohortRef(),
                N_("Which cohort (number)"),
                option="cohort",
                de="kohorte",
                positional=True,
                required=False,
            ),
        ),
        extra=lambda values: _("`/learn cohort {action} <cohort number>`.").format(
            action=_COHORT_DE[action] if german() else action
        ),
    )


_ROLE = Choice(
    values={"learner": Role.LEARNER, "tutor": Role.TUTOR, "manager": Role.MANAGER},
    refusal=N_("A cohort role is learner, tutor or manager."),
    de={
        "lernende": "learner",
        "lernender": "learner",
        "tutor": "tutor",
        "tutorin": "tutor",
        "führungskraft": "manager",
    },
)
_FRESH = Param(
    "fresh",
    Flag(),
    N_("Propose anew, keeping nothing confirmed"),
    option="fresh",
    de="neu",
)

_CIRCLES = Choice(
    values={"pairs": "pairs", "groups": "groups"},
    refusal=N_("Confirm with `/learn cohort confirm pairs` or `confirm groups`."),
    de={"paare": "pairs", "tandems": "pairs", "gruppen": "groups"},
)

COHORT_GROUP = Group(
    ("cohort", "cohorts"),
    N_("Cohorts: invite, roles, pairs, groups"),
    _COHORT_USAGE,
    (
        Verb(
            ShowCohorts,
            cohort.show,
            N_("your cohorts and roles (facilitators: every cohort)"),
            name="list",
        ),
        Verb(
            OpenCohort,
            cohort.open_cohort,
            N_("open a cohort"),
            words=(("open",),),
            de=(("eröffnen",),),
            roles=FACILITATOR,
            params=(
                Param(
                    "name",
                    Text(what=N_("The name"), limit=200),
                    N_("The cohort's name, e.g. Spring 2027"),
                    missing=N_("Name the cohort: `/learn cohort open Spring 2027`."),
                ),
            ),
        ),
        Verb(
            AddToCohort,
            cohort.add,
            N_("give someone a role in the cohort"),
            words=(("add",),),
            de=(("hinzufügen",),),
            roles=FACILITATOR,
            params=(
                Param(
                    "person", Mention(what="the person"), N_("Whom to add"), placeholder="@person"
                ),
                Param("role", _ROLE, N_("Their role in the cohort")),
                _mention_of(
                    "the learner",
                    N_("The learner a tutor or manager accompanies"),
                    placeholder="@learner",
                ),
                Param(
                    "team",
                    Word(placeholder="<team>", lower=False),
                    N_("Their team (pairing spreads teams)"),
                    option="team",
                ),
                COHORT,
            ),
            check=_check_add,
        ),
        _move("kickoff", N_("start the learning phase; the roster is fixed")),
        _move("close", N_("close the cohort: its circles end")),
        Verb(
            InviteToCohort,
            kickoff.invite,
            N_("ask each to join (a DM with Join / Decline)"),
            words=(("invite",),),
            de=(("einladen",),),
            roles=FACILITATOR,
            params=(
                Param(
                    "person",
                    Mentions(what="each person"),
                    N_("Whom to invite"),
                    field="people",
                    placeholder="@a @b ...",
                    missing=N_("Invite people by name: `/learn cohort invite @ana @ben`."),
                ),
                Param(
                    "team",
                    Word(placeholder="<team>", lower=False),
                    N_("Their team (pairing spreads teams)"),
                    option="team",
                ),
                COHORT,
            ),
        ),
        _answer_invitation("join", N_("join the cohort you were invited to")),
        _answer_invitation("decline", N_("decline an invitation")),
        _answer_invitation("leave", N_("leave a cohort; your partner is paired again")),
        Verb(
            ProposeCircles,
            kickoff.propose,
            N_("propose learning partnerships"),
            words=(("pair", "pairs"),),
            de=(("paare", "tandems"),),
            fixed={"circles": "pairs"},
            roles=FACILITATOR,
            params=(_FRESH, COHORT),
            refuses={"size": N_("`--size` is for `cohort groups`.")},
        ),
        Verb(
            ProposeCircles,
            kickoff.propose,
            N_("propose learning groups"),
            words=(("groups",),),
            de=(("gruppen",),),
            fixed={"circles": "groups"},
            roles=FACILITATOR,
            params=(
                Param(
                    "size",
                    Sizes(),
                    N_("Group sizes, e.g. 4-6"),
                    field=("min_size", "max_size"),
                    option="size",
                    de="größe",
                ),
                _FRESH,
                COHORT,
            ),
        ),
        Verb(
            SwapInProposal,
            kickoff.swap,
            N_("two people change places in the proposal"),
            words=(("swap",),),
            de=(("tauschen",),),
            roles=FACILITATOR,
            params=(
                Param(
                    "person",
                    Mention(what="the first person"),
                    N_("One of the two"),
                    field="first",
                    placeholder="@a",
                ),
                Param(
                    "other",
                    Mention(what="the second person"),
                    N_("The other"),
                    field="second",
                    placeholder="@b",
                ),
                Param(
                    "groups",
                    Flag(),
                    N_("In the groups' proposal (default: pairs)"),
                    option="groups",
                    de="gruppen",
                ),
                COHORT,
            ),
            build=_swap,
            extra=N_("Swap two people: `/learn cohort swap @ana @ben [--groups]`."),
        ),
        Verb(
            ConfirmProposal,
            kickoff.confirm,
            N_("the proposal becomes partnerships or groups"),
            words=(("confirm",),),
            de=(("bestätigen",),),
            roles=FACILITATOR,
            params=(
                Param("circles", _CIRCLES, N_("Which proposal")),
                Param(
                    "replace",
                    Flag(),
                    N_("End the confirmed ones not kept"),
                    option="replace",
                    de="ersetzen",
                ),
                COHORT,
            ),
            extra=N_(
                "Confirm with `/learn cohort confirm pairs` or `confirm groups`; "
                "`--replace` ends confirmed ones the proposal does not keep."
            ),
        ),
        Verb(
            ShowProposal,
            guide.show_proposal,
            N_("pairs or groups awaiting confirmation"),
            words=(("proposal", "proposals"),),
            de=(("vorschlag", "vorschläge"),),
            roles=FACILITATOR,
            params=(
                Param("circles", _CIRCLES, N_("Which proposal (default: both)"), required=False),
                COHORT,
            ),
        ),
        Verb(
            CohortReport,
            cockpit.report,
            N_("learners (tutors), figures"),
            more=N_("Tutors: the cockpit of your learners. Facilitators: the cohort's figures"),
            words=(("report",),),
            de=(("bericht",),),
            roles=TUTOR | FACILITATOR,
            params=(COHORT,),
        ),
        Verb(
            ReassessCohort,
            reassess.invite,
            N_("ask all to assess again"),
            words=(("reassess",),),
            de=(("erneut", "neueinschätzung"),),
            roles=FACILITATOR,
            params=(COHORT,),
        ),
        Verb(
            ProposeLrs,
            lrs.propose,
            N_("propose the LRS"),
            words=(("lrs",),),
            roles=FACILITATOR,
            params=(COHORT,),
        ),
        Verb(
            SetCohortSpace,
            advice.set_space,
            N_("typed where groups meet: rounds get threads there"),
            words=(("space",),),
            de=(("raum",),),
            roles=FACILITATOR,
            params=(COHORT,),
            place=True,
            extra=N_("Type `/learn cohort space` in the channel the groups meet in."),
        ),
    ),
    de=("kohorte", "kohorten"),
)

# -- plan, partner, group --------------------------------------------------------------

_PLAN_USAGE = N_(
    "Your plan: `/learn plan`, `plan add 2027-02-15 <milestone> | <how you will know> "
    "[--goal 1]`, `plan commit`, `plan done <n> <what you learned>`."
)

PLAN = Group(
    ("plan",),
    N_("Your learning plan and milestones"),
    _PLAN_USAGE,
    (
        Verb(
            ShowPlan,
            plan.show,
            N_("your milestones (or your partner's, a learner's)"),
            name="show",
            params=(_mention_of("the person", N_("Your partner or your learner"), "@name"),),
        ),
        Verb(
            OpenMilestoneForm,
            plan.open_form,
            N_("add a milestone in a form"),
            words=(("add",),),
            de=(("neu",),),
        ),
        Verb(
            AddMilestone,
            plan.add,
            N_("a milestone with its date"),
            words=(("add",),),
            de=(("neu",),),
            params=(
                Param(
                    "date",
                    Date(example="2027-02-15", span=Span.PATTERN),
                    N_("Date: 2027-02-15, friday"),
                    field="due_on",
                ),
                Param(
                    "milestone",
                    Split(
                        first=Text(what=N_("The milestone"), limit=MAX_TITLE),
                        second=Text(what=N_("How you will know"), limit=MAX_SHORT_TEXT),
                        first_name="title",
                        second_name="evidence",
                        first_help=N_("The milestone"),
                        second_help=N_("How you will know"),
                        second_needed=False,
                        usage=N_(
                            "Name the milestone after its date: `plan add 2027-02-15 <title>`."
                        ),
                        placeholder="<milestone> [| <how you will know>]",
                    ),
                    N_("The milestone"),
                    field=("title", "evidence"),
                ),
                Param(
                    "goal",
                    Number(what="goal"),
                    N_("The goal it serves"),
                    field="goal_id",
                    option="goal",
                    de="ziel",
                ),
            ),
        ),
        Verb(
            CommitPlan,
            plan.commit,
            N_("commit to your plan"),
            words=(("commit",),),
            de=(("festlegen",),),
        ),
        Verb(
            MilestoneCalendar,
            meetings.milestone,
            N_("into your calendar"),
            words=(("calendar",),),
            de=(("kalender",),),
            params=(
                Param(
                    "milestone",
                    Number(what="milestone"),
                    N_("Its number"),
                    field="milestone_id",
                ),
            ),
        ),
        Verb(
            MilestoneDone,
            plan.done,
            N_("a milestone reached (your reflection goes to the diary)"),
            words=(("done",),),
            de=(("erledigt", "geschafft"),),
            params=(
                Param(
                    "milestone",
                    Number(what="milestone"),
                    N_("Its number"),
                    field="milestone_id",
                ),
                Param(
                    "reflection",
                    Text(what=N_("Your reflection"), limit=MAX_DIARY_CHARS),
                    N_("What you learned"),
                    missing=N_("Say what you learned: `/learn plan done <n> <reflection>`."),
                ),
            ),
        ),
    ),
    de=("plan",),
)


def _meeting_verbs(
    meet: tuple[type[Command], Any, str], cancel: tuple[type[Command], Any], word: str
) -> tuple[Verb, Verb]:
    """`<word> meet <date> <time>` and `<word> meet cancel` (`partner`, `group`): a
    meeting's day and time on the asker's clock, and its cancellation."""
    say_when = (
        N_("Say when: `/learn partner meet 2027-03-28 17:30`.")
        if word == "partner"
        else N_("Say when: `/learn group meet 2027-03-28 17:30`.")
    )
    when = (
        Param(
            "date",
            Date(example="2027-03-28"),
            N_("Day: 2027-03-28, friday"),
            field="on",
            missing=say_when,
        ),
        Param(
            "time", WallTime(), N_("Local time: 17:30, 9am"), field="wall_time", missing=say_when
        ),
    )
    (meet_model, meet_handler, help), (cancel_model, cancel_handler) = meet, cancel
    return (
        Verb(meet_model, meet_handler, help, words=(("meet",),), de=(("treffen",),), params=when),
        Verb(
            cancel_model,
            cancel_handler,
            N_("cancel the session"),
            words=(("meet",), ("cancel",)),
            de=(("treffen",), ("absagen",)),
        ),
    )


PARTNER = Group(
    ("partner",),
    N_("Your learning partner; co-coaching"),
    N_(
        "`/learn partner` shows your learning partner; `partner meet 2027-03-28 17:30` sends "
        "you both a calendar invite; `partner not-with @name` keeps you apart; "
        "`partner met <n>` / `partner missed <n>` answers a co-coaching prompt."
    ),
    (
        Verb(
            ShowPartner,
            partner.show,
            N_("your partner, co-coaching"),
            name="show",
        ),
        Verb(
            NotWith,
            partner.not_with,
            N_("never be paired with someone (no one is told)"),
            words=(("not-with", "notwith"),),
            de=(("nicht-mit",),),
            params=(
                Param(
                    "person",
                    Mention(what="the person"),
                    N_("Whom to stay apart from"),
                    field="other",
                ),
            ),
        ),
        *_meeting_verbs(
            (MeetPartner, meetings.meet, N_("invite to co-coaching")),
            (CancelMeeting, meetings.cancel),
            "partner",
        ),
        Verb(
            CoCoachingAnswer,
            partner.answer,
            N_("you met for co-coaching"),
            words=(("met",),),
            de=(("getroffen",),),
            fixed={"met": True},
            params=(
                Param(
                    "prompt",
                    Number(what="co-coaching"),
                    N_("Its number"),
                    field="record_id",
                ),
            ),
        ),
        Verb(
            CoCoachingAnswer,
            partner.answer,
            N_("you did not meet"),
            words=(("missed",),),
            de=(("verpasst",),),
            fixed={"met": False},
            params=(
                Param(
                    "prompt",
                    Number(what="co-coaching"),
                    N_("Its number"),
                    field="record_id",
                ),
            ),
        ),
    ),
    de=("lernpartner",),
)


def _group_cadence(accept: bool, word: str, help: str, de: str) -> Verb:
    return Verb(
        AnswerGroupCadence,
        partner.answer_cadence,
        help,
        words=(("checkin", "check-in"), (word,)),
        de=(("checkin",), (de,)),
        fixed={"accept": accept},
        params=(Param("proposal", Number(what="proposal"), N_("Its number"), field="ask_id"),),
    )


GROUP = Group(
    ("group",),
    N_("Your learning group"),
    N_(
        "`/learn group` shows your learning group; `group checkin every thu 16:00` gives it a "
        "check-in cadence; `group meet 2027-03-28 15:00` invites it to a live advice round."
    ),
    (
        Verb(ShowGroup, partner.show_group, N_("your learning group"), name="show"),
        Verb(
            GroupCheckins,
            partner.group_checkins,
            N_("propose a cadence"),
            more=N_("Each member accepts it or keeps their own check-ins"),
            words=(("checkin", "check-in"), ("every",)),
            de=(("checkin",), ("jeden",)),
            params=(_DAYS, replace(_AT, help=N_("Local time: 17:30, 9am"))),  # (shorter)
            build=lambda values: GroupCheckins(schedule=ScheduleCheckins(**values)),
        ),
        *_meeting_verbs(
            (MeetGroup, meetings.meet_group, N_("invite to an advice round")),
            (CancelGroupMeeting, meetings.cancel_group),
            "group",
        ),
        _group_cadence(True, "accept", N_("take the group's cadence"), "annehmen"),
        _group_cadence(False, "keep", N_("keep your own check-ins"), "behalten"),
    ),
    de=("gruppe", "lerngruppe"),
)

# -- colleague advice ------------------------------------------------------------------

_CASE = N_("Say what the case is: `/learn advice <your case in a sentence>`.")


# The German word of each move of a round (`/learn beratung weiter`).
_STEP_DE = {
    "say": "sagen",
    "next": "weiter",
    "moderator": "moderation",
    "key": "schlüsselfrage",
    "method": "methode",
    "helped": "geholfen",
    "pause": "pause",
    "resume": "fortsetzen",
    "cancel": "abbrechen",
    "file": "ablegen",
}


def _step(action: str, help: str, text: Param | None = None, more: str = "") -> Verb:
    return Verb(
        AdviceStep,
        advice.step,
        help,
        words=((action,),),
        de=((_STEP_DE[action],),),
        fixed={"action": action},
        params=(text,) if text is not None else (),
        more=more,
    )


def _step_text(name: str, help: str, missing: str | None = None) -> Param:
    return Param(
        name,
        Text(what=N_("Your text"), limit=MAX_DIARY_CHARS),
        help,
        field="text",
        required=missing is not None,
        missing=missing,
    )


ADVICE = Group(
    ("advice",),
    N_("Colleague advice in your learning group"),
    N_(
        "`/learn advice <your case in a sentence>` starts a round; `/learn advice help` shows "
        "the moves of a round."
    ),
    (
        Verb(ShowAdvice, advice.show, N_("the round open in your group"), name="show"),
        Verb(
            StartAdvice,
            advice.start,
            N_("start a colleague-advice round in your group's thread"),
            name="start",
            params=(
                Param(
                    "case",
                    Text(
                        what=N_("Your case"),
                        limit=MAX_DIARY_CHARS,
                        words=2,
                        too_short=N_(
                            "A case is a sentence or two: `/learn advice <your case>`. "
                            "`/learn advice help` shows the moves of a round."
                        ),
                    ),
                    N_("Your case, in a sentence or two"),
                    placeholder="<case>",
                    missing=_CASE,
                ),
                Param(
                    "written",
                    Flag(),
                    N_("In writing, over days (default: live)"),
                    option="written",
                    de="schriftlich",
                ),
                Param(
                    "moderator",
                    Mention(what="the moderator"),
                    N_("Who moderates (default: who moderated least)"),
                    option="moderator",
                    de="moderation",
                ),
            ),
        ),
        _step(
            "say",
            N_("contribute to the round's current phase"),
            _step_text(
                "text",
                N_("Your idea or question"),
                N_("Say what: `/learn advice say <your idea>`."),
            ),
            more=N_("On Slack, just reply in the thread"),
        ),
        _step("next", N_("the moderator moves on to the next phase")),
        _step(
            "moderator",
            N_("choose the moderator (nobody named: the fair choice)"),
            Param(
                "person",
                Mention(what="the moderator", bare=True),
                N_("Who moderates"),
                field="text",
                required=False,
            ),
        ),
        _step(
            "key",
            N_("the key question of the case"),
            _step_text(
                "question",
                N_("The key question"),
                N_("Give the question: `/learn advice key <the key question>`."),
            ),
        ),
        _step(
            "method",
            N_("the method for the consultation; without one, the list"),
            Param(
                "method",
                Word(placeholder="<method>", lower=False),
                N_("The method's id"),
                field="text",
                required=False,
            ),
        ),
        _step(
            "helped",
            N_("the closing: which ideas helped, and what you take away"),
            _step_text(
                "takeaway",
                N_("The ideas' numbers, then your takeaway: 2,5 ask first"),
                N_("Name what helped: `/learn advice helped 2,5 <what you take away>`."),
            ),
        ),
        _step("pause", N_("pause the round")),
        _step("resume", N_("resume it")),
        _step(
            "cancel",
            N_("cancel the round, with a note if you like"),
            _step_text("note", N_("A note for the group")),
        ),
        _step("file", N_("file your own ideas in your diary")),
    ),
    de=("beratung",),
)

# -- communities of practice -----------------------------------------------------------

_COP_USAGE = N_(
    "Communities of practice: `/learn cop` lists them; "
    "`cop join <name>`, `cop leave <name>`, "
    "`cop posts <name>`, `cop share <name> <title> | <experience>`; facilitators "
    "`cop open <name>` in the channel it lives in. Names may have spaces."
)


_COMMUNITY_DE = {"open": "eröffnen", "join": "beitreten", "leave": "verlassen", "posts": "beiträge"}


def _community(model: type[BaseModel], verb: str, handler: Any, help: str, **more: Any) -> Verb:
    return Verb(
        model,
        handler,
        help,
        words=((verb,),),
        de=((_COMMUNITY_DE[verb],),),
        params=(
            Param(
                "community",
                CommunityName(verb=verb),
                N_("The community's name (spaces are fine: code review)"),
                field="name",
            ),
        ),
        **more,
    )


COP = Group(
    ("cop", "cops", "community"),
    N_("Communities of practice: join, share, read"),
    _COP_USAGE,
    (
        Verb(
            ShowCommunities,
            community.show,
            N_("the communities of practice, and which are yours"),
            name="list",
        ),
        _community(
            OpenCommunity,
            "open",
            community.open_community,
            N_("open one where it is to live (on Discord a forum)"),
            roles=FACILITATOR,
            place=True,
        ),
        _community(JoinCommunity, "join", community.join, N_("join a community")),
        _community(
            LeaveCommunity,
            "leave",
            community.leave,
            N_("leave it; you no longer read what is shared there"),
        ),
        _community(
            ShowCommunityPosts,
            "posts",
            community.posts,
            N_("members: what was shared, newest first"),
        ),
        Verb(
            ShareExperience,
            community.share,
            N_("share an experience there (filed in your diary)"),
            words=(("share",),),
            de=(("teilen",),),
            params=(
                Param(
                    "community",
                    CommunityName(verb="share", span=Span.PATTERN),
                    N_("The community's name (spaces are fine: code review)"),
                    field="name",
                ),
                Param(
                    "post",
                    Split(
                        first=Text(what=N_("The title"), limit=MAX_POST_TITLE),
                        second=Text(what=N_("Your experience"), limit=MAX_DIARY_CHARS),
                        first_name="title",
                        second_name="experience",
                        first_help=N_("The title of your post"),
                        second_help=N_("What happened and what you learned"),
                        usage=N_(
                            "Share like this: "
                            "`/learn cop share <community> <title> | <your experience>`."
                        ),
                    ),
                    N_("Your post"),
                    field=("title", "text"),
                ),
            ),
            build=lambda values: ShareExperience(
                **values, tags=extract_tags(f"{values['title']} {values['text']}")
            ),
        ),
    ),
    de=("gemeinschaft", "praxisgemeinschaft"),
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
        Role.TUTOR: N_(
            "As a tutor you read the entries your learners share with their tutor, "
            "their goals, assessments, plans and progress (`--of @learner`), and `cohort report`."
        ),
        Role.MANAGER: N_(
            "As a manager you answer practical tasks with Agree, Ask for changes or "
            "Decline; you never see anyone's diary."
        ),
        Role.FACILITATOR: N_(
            "As a facilitator you run cohorts (`--cohort <n>` names one when "
            "several are open) and open communities of practice."
        ),
    },
)

HANDLERS = TABLE.handlers()
MODELS: tuple[type[BaseModel], ...] = tuple(HANDLERS)
# Every command by its `kind`, for commands stored as JSON (a typed platform's inbox rows).
_ANY_COMMAND: Any = Annotated[reduce(operator.or_, MODELS), Field(discriminator="kind")]
# Built on first use (only typed platforms' inboxes need it), like each command's model.
command_adapter: TypeAdapter[Command] = TypeAdapter(
    _ANY_COMMAND, config=ConfigDict(defer_build=True)
)


def parse(line: str) -> Command:
    """One `/learn` line (with or without the leading `/learn`) as its command object."""
    return cast(Command, parser.parse(line, TABLE))
