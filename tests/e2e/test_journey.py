"""The way through, per role: a whole cohort (a facilitator, two learners, a tutor, a
manager) through every phase, typed as a newcomer would, following the bot. Every
answer in it either names a next command valid for the asker at that moment (parsed
with the command table's parser, its roles checked against the asker's roles then) or
is a refusal; nobody has to read the README to find the way.
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
    def __init__(self, driver: Driver) -> None:
        self.driver = driver
        self.answers: list[tuple[str, str, str]] = []

    def say(self, who: str, line: str) -> str:
        answer = html.unescape(self.driver.command(who, line))  # Slack's `&lt;` as `<`
        self.answers.append((who, line, answer))
        return answer

    def form(self, who: str, line: str) -> str:
        answer = html.unescape(self.driver.form(who, line, levels))
        self.answers.append((who, line, answer))
        return answer

    def private(self, answer: str) -> str | None:
        """What only the asker sees (on the console, not the DMs to others printed after
        it; None if the answer was not private)."""
        if not isinstance(self.driver, ConsoleDriver):
            return answer
        said = answer.split("\ntandem (direct message", 1)[0]
        return said if "only you see this" in said else None


@pytest.fixture(autouse=True)
def _everyone(monkeypatch):  # noqa: ANN001, ANN202
    """The drivers' platforms know the journey's five people (fay facilitates)."""
    monkeypatch.setattr(preliminary, "PEOPLE", ("fay", "ana", "tia", "ben", "cem"))


@pytest.fixture(params=["console", "slack", "discord"])
def journey(request, tmp_path) -> Journey:  # noqa: ANN001
    if request.param == "console":
        return Journey(ConsoleDriver(tmp_path))
    if request.param == "discord":
        return Journey(DiscordDriver(request.getfixturevalue("discord_harness")))
    return Journey(SlackDriver(*request.getfixturevalue("slack_world")))


def test_every_role_is_guided_through_every_phase(journey: Journey):
    j, d = journey, journey.driver
    # preparation: the facilitator is led from nothing to a cohort with people in it
    assert "`/learn cohort open <name>`" in j.say("fay", "/learn")
    assert "`/learn cohort invite @a @b`" in j.say("fay", "/learn cohort open Spring")
    assert "What to do now" in j.say("fay", "/learn cohort")
    j.say("fay", "/learn cohort invite @ana")  # one at a time: Discord picks one user
    assert "Next: `/learn cohort add @person tutor" in j.say("fay", "/learn cohort invite @cem")
    j.say("fay", "/learn cohort add @tia tutor --of @ana")
    j.say("fay", "/learn cohort add @tia tutor --of @cem")
    assert "Next: `/learn cohort kickoff`" in j.say(
        "fay", "/learn cohort add @ben manager --of @ana"
    )

    # the learners find their invitation from `/learn` alone
    assert "`/learn cohort join 1`" in j.say("ana", "/learn")
    j.say("ana", "/learn cohort join 1")
    j.say("cem", "/learn cohort join 1")

    # kickoff tells every member what happens now for them
    kicked = j.say("fay", "/learn cohort kickoff")
    assert "each member was told" in kicked and "Next: `/learn cohort pair`" in kicked
    assert "`/learn assess`" in d.last_dm("ana", "has started its learning phases")
    assert "`/learn goals add @ana" in d.last_dm("tia", "has started its learning").lower()
    assert "`/learn agree`" in d.last_dm("ben", "has started its learning phases")

    # the learner's preliminary steps, each answer pointing at the next
    for _ in range(4):
        j.form("ana", "/learn assess")
    assert "`/learn goals add" in j.form("ana", "/learn assess")
    assert "`/learn goals add @ana" in j.say("tia", "/learn").lower()
    assert (
        "next: `/learn goals add @cem"
        in j.say(  # her other learner's turn
            "tia", "/learn goals add @ana communication 2→4 leads the weekly review"
        ).lower()
    )
    assert "`/learn agree @manager <task>`" in j.say("ana", "/learn")
    j.say("ana", "/learn agree @ben run the team retro for a quarter")
    assert "1 practical task waits" in j.say("ben", "/learn")
    number = re.search(r"Proposal (\d+)", j.answers[-2][2])
    assert number is not None
    j.say("ben", f"/learn agree yes {number.group(1)}")
    assert "`/learn plan add`" in j.say("ana", "/learn")
    assert "Next: `/learn plan commit`" in j.say(
        "ana", "/learn plan add 2027-02-15 run the first retro | the team asks for a second"
    )
    j.say("ana", "/learn plan commit")

    # pairs and groups: the facilitator sees and confirms what is proposed
    j.say("fay", "/learn cohort pair")
    shown = j.say("fay", "/learn cohort proposal")
    assert "ana + cem" in shown.lower() and "`/learn cohort confirm pairs`" in shown
    assert "Next: `/learn cohort groups`" in j.say("fay", "/learn cohort confirm pairs")
    j.say("fay", "/learn cohort groups --size 2-4")
    assert "Next: `/learn cohort space`" in j.say("fay", "/learn cohort confirm groups")
    assert "`/learn partner`" in j.say("ana", "/learn")
    j.say("ana", "/learn partner")
    j.say("ana", "/learn diary Ran the first retro #communication --share partner")

    # a partnership breaks and a group drops below four: one digest, not a message each
    j.say("cem", "/learn cohort leave")
    if isinstance(d, ConsoleDriver):  # the console's clock moves on: the digest goes out
        d.console.handle_line("/time +1d")
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
