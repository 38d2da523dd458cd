"""The way through, per role: a whole cohort (a facilitator, two learners, a tutor, a
manager) through every phase, typed as a newcomer would, following the bot. Every
answer in it either names a next command valid for the asker at that moment (parsed
with the command table's parser, its roles checked against the asker's roles then) or
is a refusal; nobody has to read the README to find the way. In English and in German:
German people type the German command words (`German`), and what anyone is sent is
German (checked at the end); the English words each answer is checked for are checked
in English only.
"""

from __future__ import annotations

import html
import re
import sqlite3

import pytest

import tests.e2e.test_story_preliminary as preliminary
from bot.commands import CommandError
from bot.domain import Role
from bot.grammar import parser
from bot.grammar.table import TABLE
from tests.e2e.test_story_preliminary import (  # noqa: F401 - the drivers' fixtures
    ConsoleDriver,
    DiscordDriver,
    Driver,
    SlackDriver,
    discord_harness,
    levels,
    slack_world,
)
from tests.support.received import assert_all_german

# The journey's lines in German command words: the longest English beginning first.
GERMAN_WORDS = (
    ("/learn cohort confirm pairs", "/learn kohorte bestätigen paare"),
    ("/learn cohort confirm groups", "/learn kohorte bestätigen gruppen"),
    ("/learn cohort open", "/learn kohorte eröffnen"),
    ("/learn cohort invite", "/learn kohorte einladen"),
    ("/learn cohort add", "/learn kohorte hinzufügen"),
    ("/learn cohort join", "/learn kohorte beitreten"),
    ("/learn cohort kickoff", "/learn kohorte kick-off"),
    ("/learn cohort pair", "/learn kohorte paare"),
    ("/learn cohort proposal", "/learn kohorte vorschlag"),
    ("/learn cohort groups", "/learn kohorte gruppen"),
    ("/learn cohort leave", "/learn kohorte verlassen"),
    ("/learn cohort report", "/learn kohorte bericht"),
    ("/learn cohort close", "/learn kohorte schließen"),
    ("/learn cohort", "/learn kohorte"),
    ("/learn assess", "/learn einschätzen"),
    ("/learn goals add", "/learn ziele neu"),
    ("/learn agree yes", "/learn vereinbarung ja"),
    ("/learn agree", "/learn vereinbarung"),
    ("/learn plan add", "/learn plan neu"),
    ("/learn plan commit", "/learn plan festlegen"),
    ("/learn partner", "/learn lernpartner"),
    ("/learn diary", "/learn tagebuch"),
)
GERMAN_OPTIONS = (
    (" tutor --of ", " tutor --von "),
    (" manager --of ", " führungskraft --von "),
    ("--size", "--größe"),
    ("--share partner", "--teilen partner"),
    ("2027-02-15", "15.02.2027"),
)


def in_german(line: str) -> str:
    """`line` as a German speaker types it: German command words, options and dates."""
    for english, german_words in GERMAN_WORDS:
        if line == english or line.startswith(english + " "):
            line = german_words + line[len(english) :]
            break
    for english, german_words in GERMAN_OPTIONS:
        line = line.replace(english, german_words)
    return line


# What each person is, as the journey goes: the facilitator is a learner too (everyone
# is), the tutor and the manager are given their roles before anything else happens.
ROLES = {
    "fay": {Role.LEARNER, Role.FACILITATOR},
    "ana": {Role.LEARNER},
    "cem": {Role.LEARNER},
    "tia": {Role.LEARNER, Role.TUTOR},
    "ben": {Role.LEARNER, Role.MANAGER},
}
_NAMED = re.compile(r"`(/learn [^`]+)`")


def named_commands(answer: str) -> list[str]:
    """The `/learn` commands an answer names (JSON's escaped quotes undone)."""
    return [c.replace('\\"', '"') for c in _NAMED.findall(answer)]


def guide_problems(who: str, answer: str) -> list[str]:
    """What is wrong with `answer` as a guide: it names no command `who` may type now,
    or a command it names does not parse."""
    named = named_commands(answer)
    if not named:
        return [f"{who} is not told what comes next:\n{answer}"]
    problems, valid = [], []
    for line in named:
        try:
            read = parser.read(line, TABLE)
        except CommandError as error:
            problems.append(f"{line!r} does not parse ({error}):\n{answer}")
            continue
        if read.verb.roles & ROLES[who]:
            valid.append(line)
    if not valid:
        problems.append(f"nothing {who} may do is named:\n{answer}")
    return problems


class Journey:
    def __init__(self, driver: Driver, language: str = "en") -> None:
        self.driver, self.language = driver, language
        self.answers: list[tuple[str, str, str]] = []

    def typed(self, line: str) -> str:
        return in_german(line) if self.language == "de" else line

    def say(self, who: str, line: str) -> str:
        line = self.typed(line)
        answer = html.unescape(self.driver.command(who, line))  # Slack's `&lt;` as `<`
        self.answers.append((who, line, answer))
        return answer

    def form(self, who: str, line: str) -> str:
        line = self.typed(line)
        answer = html.unescape(self.driver.form(who, line, levels))
        self.answers.append((who, line, answer))
        return answer

    def shows(self, words: str, answer: str) -> bool:
        """`words` (English) are in `answer`; in German what the answer says is checked
        as German at the end instead."""
        return self.language != "en" or words in answer

    def private(self, answer: str) -> str | None:
        """What only the asker sees (on the console, not the DMs to others printed after
        it; None if the answer was not private)."""
        if not isinstance(self.driver, ConsoleDriver):
            return answer
        from tests.support.received import said_in

        said = answer.split(f"\ntandem ({said_in(self.language, 'direct message')}", 1)[0]
        return said if said_in(self.language, "only you see this") in said else None


@pytest.fixture(autouse=True)
def _everyone(monkeypatch):  # noqa: ANN001, ANN202
    """The drivers' platforms know the journey's five people (fay facilitates)."""
    monkeypatch.setattr(preliminary, "PEOPLE", ("fay", "ana", "tia", "ben", "cem"))


@pytest.fixture(params=["console", "slack", "discord"])
def journey(request, tmp_path, language) -> Journey:  # noqa: ANN001
    if request.param == "console":
        return Journey(ConsoleDriver(tmp_path, language), language)
    if request.param == "discord":
        return Journey(
            DiscordDriver(request.getfixturevalue("discord_harness"), language), language
        )
    return Journey(SlackDriver(*request.getfixturevalue("slack_world"), language), language)


@pytest.mark.parametrize("language", ["en", "de"])
def test_every_role_is_guided_through_every_phase(journey: Journey, language: str):
    j, d = journey, journey.driver
    en = language == "en"
    # preparation: the facilitator is led from nothing to a cohort with people in it
    assert j.shows("`/learn cohort open <name>`", j.say("fay", "/learn"))
    assert j.shows("`/learn cohort invite @a @b`", j.say("fay", "/learn cohort open Spring"))
    assert j.shows("What to do now", j.say("fay", "/learn cohort"))
    j.say("fay", "/learn cohort invite @ana")  # one at a time: Discord picks one user
    invited = j.say("fay", "/learn cohort invite @cem")
    assert j.shows("Next: `/learn cohort add @person tutor", invited)
    j.say("fay", "/learn cohort add @tia tutor --of @ana")
    j.say("fay", "/learn cohort add @tia tutor --of @cem")
    added = j.say("fay", "/learn cohort add @ben manager --of @ana")
    assert j.shows("Next: `/learn cohort kickoff`", added)

    # the learners find their invitation from `/learn` alone
    assert j.shows("`/learn cohort join 1`", j.say("ana", "/learn"))
    j.say("ana", "/learn cohort join 1")
    j.say("cem", "/learn cohort join 1")

    # kickoff tells every member what happens now for them
    kicked = j.say("fay", "/learn cohort kickoff")
    assert j.shows("each member was told", kicked)
    assert j.shows("Next: `/learn cohort pair`", kicked)
    started = "has started its learning phases" if en else "Spring"
    assert j.shows("`/learn assess`", d.last_dm("ana", started))
    assert j.shows("`/learn goals add @ana", d.last_dm("tia", started).lower())
    assert j.shows("`/learn agree`", d.last_dm("ben", started))

    # the learner's preliminary steps, each answer pointing at the next
    for _ in range(4):
        j.form("ana", "/learn assess")
    assert j.shows("`/learn goals add", j.form("ana", "/learn assess"))
    assert j.shows("`/learn goals add @ana", j.say("tia", "/learn").lower())
    goal = "communication 2→4 leads the weekly review" if en else "kommunikation 2→4 leitet"
    next_goal = j.say("tia", f"/learn goals add @ana {goal}").lower()
    assert j.shows("next: `/learn goals add @cem", next_goal)  # her other learner's turn
    assert j.shows("`/learn agree @manager <task>`", j.say("ana", "/learn"))
    task = "run the team retro for a quarter" if en else "leitet ein Quartal lang die Retro"
    j.say("ana", f"/learn agree @ben {task}")
    assert j.shows("1 practical task waits", j.say("ben", "/learn"))
    with sqlite3.connect(d.database) as connection:
        [(number,)] = connection.execute("SELECT id FROM agreements").fetchall()
    assert j.shows(f"Proposal {number}", j.answers[-2][2])
    j.say("ben", f"/learn agree yes {number}")
    assert j.shows("`/learn plan add`", j.say("ana", "/learn"))
    milestone = (
        "run the first retro | the team asks for a second"
        if en
        else "die erste Retro leiten | das Team wünscht sich eine zweite"
    )
    planned = j.say("ana", f"/learn plan add 2027-02-15 {milestone}")
    assert j.shows("Next: `/learn plan commit`", planned)
    j.say("ana", "/learn plan commit")

    # pairs and groups: the facilitator sees and confirms what is proposed
    j.say("fay", "/learn cohort pair")
    shown = j.say("fay", "/learn cohort proposal")
    assert "ana + cem" in shown.lower() and j.shows("`/learn cohort confirm pairs`", shown)
    assert j.shows("Next: `/learn cohort groups`", j.say("fay", "/learn cohort confirm pairs"))
    j.say("fay", "/learn cohort groups --size 2-4")
    assert j.shows("Next: `/learn cohort space`", j.say("fay", "/learn cohort confirm groups"))
    assert j.shows("`/learn partner`", j.say("ana", "/learn"))
    j.say("ana", "/learn partner")
    entry = (
        "Ran the first retro #communication" if en else "Die erste Retro geleitet #kommunikation"
    )
    j.say("ana", f"/learn diary {entry} --share partner")

    # a partnership breaks and a group drops below four: one digest, not a message each
    j.say("cem", "/learn cohort leave")
    if isinstance(d, ConsoleDriver):  # the console's clock moves on: the digest goes out
        d.console.handle_line("/time +1d")
        if en:
            digest = d.last_dm("fay", "What happened in your cohorts today")
            assert "ana joined Spring" in digest and "cem joined Spring" in digest
            assert "partnership of ana and cem" in digest and "fewer than 4" in digest

    # the last phase: the figures, then the cohort closes
    j.say("fay", "/learn cohort report")
    j.say("tia", "/learn cohort report")
    j.say("fay", "/learn cohort close")

    problems = [
        problem
        for who, _, answer in j.answers
        if (private := j.private(answer)) is not None
        for problem in guide_problems(who, private)
    ]
    assert not problems, "\n\n".join(problems)

    with sqlite3.connect(d.database) as connection:
        keys = [
            key
            for (key,) in connection.execute(
                "SELECT idempotency_key FROM outbox WHERE idempotency_key LIKE 'digest:%'"
            )
        ]
    # one digest per facilitator per day, however much happened (the day the cohort closed
    # has one of its own where its ending circles are still to be told)
    assert keys and len(keys) == len({key.rsplit(":", 1)[1] for key in keys}), keys
    if not en:  # nothing anyone was sent is English
        assert_all_german(d.received(), allow=("Spring", "Tandem"))
