"""The `/learn` grammar, table-driven: each line in, the command object (or error) out."""

from __future__ import annotations

import pytest

from bot.commands import (
    MAX_DIARY_CHARS,
    CommandError,
    ExportMyData,
    ForgetMe,
    Help,
    ListDiary,
    NotYetAvailable,
    ShowPrivacy,
    WriteDiary,
    command_adapter,
    extract_tags,
    parse,
)
from bot.domain import Visibility

P, PA, G, T = Visibility.PRIVATE, Visibility.PARTNER, Visibility.GROUP, Visibility.TUTOR

PARSES = [
    ("", Help()),
    ("/learn", Help()),
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
    ("goals", NotYetAvailable(word="goals")),
    ("cohort open Spring", NotYetAvailable(word="cohort")),
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
