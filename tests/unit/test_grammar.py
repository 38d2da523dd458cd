"""The `/learn` grammar, table-driven: each line in, the command object (or error) out."""

from __future__ import annotations

from datetime import date

import pytest

from bot.commands import (
    MAX_DIARY_CHARS,
    AddGoal,
    AddToCohort,
    AdviceStep,
    AnswerTask,
    CloseGoal,
    CommandError,
    CommentGoal,
    ExportMyData,
    ForgetMe,
    Help,
    ListDiary,
    MoveCohort,
    OpenCohort,
    ProposeTask,
    ReviseTask,
    SetCohortSpace,
    ShowAdvice,
    ShowAgreements,
    ShowCohorts,
    ShowCommunities,
    ShowGoals,
    ShowNext,
    ShowPrivacy,
    ShowProgress,
    StartAdvice,
    WriteDiary,
    extract_tags,
)
from bot.domain import Role, Visibility
from bot.goals import Decision
from bot.grammar.table import command_adapter, parse

P, PA, G, T = Visibility.PRIVATE, Visibility.PARTNER, Visibility.GROUP, Visibility.TUTOR

PARSES = [
    ("", ShowNext()),  # `/learn` alone: where you stand and what to do now
    ("/learn", ShowNext()),
    ("help", Help()),
    ("/learn help", Help()),
    ("HELP", Help()),
    ("diary", ListDiary()),
    ("/learn diary", ListDiary()),
    ("diary --of @ana", ListDiary(of="@ana")),
    ("diary --of=ben", ListDiary(of="ben")),
    ("diary hi", WriteDiary(text="hi")),
    (
        "/learn diary Learned to give feedback #communication --share partner",
        WriteDiary(
            text="Learned to give feedback #communication", tags=("communication",), share=PA
        ),
    ),
    ("diary --share group tried a retro", WriteDiary(text="tried a retro", share=G)),
    ("diary tried it --share=TUTOR", WriteDiary(text="tried it", share=T)),
    ("diary kept it --share private", WriteDiary(text="kept it", share=P)),
    # macOS and phones turn "--" into an em or en dash: still the option
    ("diary asked for help \u2014share partner", WriteDiary(text="asked for help", share=PA)),
    ("diary asked \u2013share group", WriteDiary(text="asked", share=G)),
    # the tags: in order, each once, lower-cased, Unicode letters, trailing '-' dropped
    (
        "diary #Feedback and #feedback, #Kommunikation-; #über #1 a#b",
        WriteDiary(
            text="#Feedback and #feedback, #Kommunikation-; #über #1 a#b",
            tags=("feedback", "kommunikation", "über"),
        ),
    ),
    # text keeps its lines; zero-width characters go; NFC composes
    ("diary line one\nline two", WriteDiary(text="line one\nline two")),
    ("diary hi\u200b there", WriteDiary(text="hi there")),
    ("diary cafe\u0301", WriteDiary(text="caf\u00e9")),
    ("diary a -- b is fine", WriteDiary(text="a -- b is fine")),
    ("diary " + "x" * MAX_DIARY_CHARS, WriteDiary(text="x" * MAX_DIARY_CHARS)),
    ("privacy", ShowPrivacy()),
    ("privacy export", ExportMyData()),
    ("privacy forget", ForgetMe()),
    ("privacy forget confirm", ForgetMe(confirmed=True)),
    ("cop", ShowCommunities()),
    ("advice my case", StartAdvice(case="my case")),
    (
        "advice late again --written --moderator @ben",
        StartAdvice(case="late again", written=True, moderator="ben"),
    ),
    ("advice", ShowAdvice()),
    ("advice say - one\n- two", AdviceStep(action="say", text="- one\n- two")),
    ("advice helped 2,5 ask first", AdviceStep(action="helped", text="2,5 ask first")),
    ("cohort space", SetCohortSpace()),
    ("goals", ShowGoals()),
    ("goals --of @ana", ShowGoals(of="ana")),
    (
        "goals add @ana communication 2→4 leads the review",
        AddGoal(learner="ana", trait="communication", current=2, target=4, why="leads the review"),
    ),
    (
        "goals add #Teamwork 1 -> 3 more pairing --by 2027-06-30",
        AddGoal(
            trait="teamwork", current=1, target=3, why="more pairing", due_by=date(2027, 6, 30)
        ),
    ),
    ("goals comment 7 sounds right", CommentGoal(goal_id=7, text="sounds right")),
    ("goals reached #7", CloseGoal(goal_id=7, reached=True)),
    ("goals drop 7 no longer needed", CloseGoal(goal_id=7, reached=False, note="no longer needed")),
    ("agree", ShowAgreements()),
    (
        "agree @U123 run the retro --goals 1,2",
        ProposeTask(manager="U123", task="run the retro", goal_ids=(1, 2)),
    ),
    ("agree yes 4/2", AnswerTask(agreement_id=4, version=2, decision=Decision.AGREE)),
    (
        "agree decline 4 no budget",
        AnswerTask(agreement_id=4, decision=Decision.DECLINE, reason="no budget"),
    ),
    ("agree changes 4/1", AnswerTask(agreement_id=4, version=1, decision=Decision.CHANGES)),
    ("agree revise 4 run two retros", ReviseTask(agreement_id=4, task="run two retros")),
    ("progress", ShowProgress()),
    ("progress --of @ana", ShowProgress(of="ana")),
    ("cohort", ShowCohorts()),
    ("cohort open Spring 2027", OpenCohort(name="Spring 2027")),
    (
        "cohort add @tia tutor --of @ana",
        AddToCohort(person="tia", role=Role.TUTOR, of="ana"),
    ),
    (
        "cohort add @ben manager --cohort 2",
        AddToCohort(person="ben", role=Role.MANAGER, cohort="2"),
    ),
    ("cohort kickoff", MoveCohort(to="kickoff")),
    ("cohort close Spring", MoveCohort(to="close", cohort="Spring")),
]


@pytest.mark.parametrize(("line", "expected"), PARSES, ids=[repr(p[0])[:40] for p in PARSES])
def test_parses(line: str, expected: object) -> None:
    assert parse(line) == expected


ERRORS = [
    ("dairy hi", "Did you mean `/learn diary`"),
    ("frobnicate", "I don't know the command `frobnicate`"),
    ("diary --share", "`--share` needs a value"),
    ("diary --share", "needs a value"),
    ("diary hi --share boss", "`--share boss` is not a circle"),
    ("diary hi --share partner --share group", "given twice"),
    ("diary hi --shar partner", "Did you mean `--share`"),
    ("diary --share partner", "entry is empty"),
    ("diary --share partner   ", "entry is empty"),
    ("diary " + "x" * (MAX_DIARY_CHARS + 1), "the limit is 3,000"),
    ("diary --of ana and text", "only `/learn diary --of @name`"),
    ("privacy delete", "`/learn privacy forget`"),
    ("goals add @ana communication 4→2 less", "must be above"),
    ("goals add @ana communication 2→7 more", "from→to, 1 to 5"),
    ("goals add communication 2→4", "Say why"),
    ("goals add communication 2→4 why --by 12/31/2027", "is not a date"),
    ("goals comment x hi", "not a goal number"),
    ("goals drop 3", "why the goal is dropped"),
    ("goals frobnicate", "Goals:"),
    ("agree ben do the thing", "Name your manager with @, e.g. `/learn agree @ben"),
    ("agree frobnicate", "`/learn agree @manager <task>"),
    ("agree @ben", "Describe the practical task"),
    ("agree yes", "Say which proposal"),
    ("agree yes 4/x", "not a proposal number"),
    ("agree revise 4", "Revise like this"),
    ("progress of ana", "tutors add `--of @learner`"),
    ("cohort open", "Name the cohort"),
    ("cohort add @ana boss", "learner, tutor or manager"),
    ("advice say", "Say what"),
    ("advice next now", "takes nothing after it"),
    ("advice --written", "Say what the case is"),
    ("cohort add @ana tutor", "Say whom the tutor accompanies"),
    ("cohort add @ana learner --of @ben", "names the learner a tutor or manager accompanies"),
    ("cohort add ana learner", "Name the person with @"),
]


@pytest.mark.parametrize(("line", "message"), ERRORS, ids=[repr(e[0])[:40] for e in ERRORS])
def test_refuses(line: str, message: str) -> None:
    with pytest.raises(CommandError) as caught:
        parse(line)
    assert message in str(caught.value)
    assert len(str(caught.value)) < 200  # short: it is read in a chat


def test_a_long_unknown_word_is_not_echoed_whole() -> None:
    with pytest.raises(CommandError) as caught:
        parse("x" * 5000)
    assert len(str(caught.value)) < 200


def test_commands_round_trip_through_json() -> None:
    command = WriteDiary(text="hi #a", tags=("a",), share=G)
    assert command_adapter.validate_json(command_adapter.dump_json(command)) == command


def test_extract_tags_ignores_headings_and_urls() -> None:
    assert extract_tags("see https://x.test/#anchor and ##double #ok (#also)") == ("ok", "also")
