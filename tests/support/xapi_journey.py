"""A scripted learning journey for the xAPI tests (tests/service/test_xapi.py on the three
backends, tests/e2e/test_xapi_ralph.py against a real Ralph): a cohort of five in one
learning group and in partnerships; each learner's LRS choice differs; every kind of
learning event happens to each. `WORDS` are what people wrote: none may leave."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta
from typing import Any

from bot.domain import LrsStatement
from bot.scheduling import DueWork
from tests.service.test_kickoff import World, who

GROUP = ("ana", "ben", "cem", "dia", "eli")

# The LRS choice of each: ana says yes with results, ben yes without, dia yes and then
# no, cem and eli never (the facilitator's proposal reaches them and changes nothing).
CHOICES = {
    "ana": ["/learn privacy lrs on results"],
    "ben": ["/learn privacy lrs on"],
    "dia": ["/learn privacy lrs on", "/learn privacy lrs off"],
    "cem": [],
    "eli": [],
}
CONSENTING = ("ana", "ben")

DIARY = "Tried silent feedback rounds with the team, felt awkward at first"
CASE = "My team misses deadlines since the reorg"
KEY = "How do I get commitments that hold?"
ADVICE = {
    "cem": "Never write anything down",
    "dia": "Keep everyone guessing who decides",
    "eli": "Skip the retro entirely",
}
TAKEAWAY = "Write decisions down and name who decides"
GOAL_WHY = "Reviews drift without a moderator"
MILESTONE = "Moderate three reviews"
EVIDENCE = "The team asks me again"
REFLECTION = "Silence first made the loud ones wait"
POST_TITLE = "Silent start"
POST_TEXT = "We began each review with five minutes of silent writing"
# What people wrote, none of which may be in a statement (the post's title may: its
# author chose it to be shown; a free tag is a word too).
WORDS = (
    DIARY,
    CASE,
    KEY,
    *ADVICE.values(),
    TAKEAWAY,
    GOAL_WHY,
    MILESTONE,
    EVIDENCE,
    REFLECTION,
    POST_TEXT,
    "secretplan",
)


class LrsWorld(World):
    """The kickoff tests' world with an LRS connected (`Policy.lrs_enabled`)."""

    def __init__(self, uow_factory: Any = None) -> None:
        super().__init__(uow_factory)
        self.tandem.policy = replace(self.tandem.policy, lrs_enabled=True)
        self.due = DueWork(self.db, self.clock, self.tandem.policy)

    def lane(self) -> list[LrsStatement]:
        with self.db() as uow:
            return uow.lrs.all()

    def statements(self) -> list[dict[str, Any]]:
        return [json.loads(s.body) for s in self.lane()]

    def assess(self, name: str, level: str = "4") -> None:
        for _ in range(10):
            [step] = self.tandem.handle(who(name), "/learn assess")
            if step.form is None:
                return
            [saved] = self.tandem.submit(
                who(name), "assess", {i.name: level for i in step.form.inputs}
            )
            if "Saved." not in saved.text:
                return
        raise AssertionError("the assessment did not finish")


def set_up(world: LrsWorld) -> None:
    """The cohort, its learning group and partnerships, and everyone's LRS choice."""
    world.cohort_with(GROUP)
    world.tandem.handle(who("fay"), "/learn cohort space", where="C0GROUPS")
    world.say("fay", "/learn cohort groups --size 5-5")
    world.say("fay", "/learn cohort confirm groups")
    world.say("fay", "/learn cohort pair")
    world.say("fay", "/learn cohort confirm pairs")
    for name, lines in CHOICES.items():
        for line in lines:
            world.say(name, line)
    world.say("fay", "/learn cohort lrs")  # a proposal: it switches nobody on


def first_half(world: LrsWorld) -> None:
    """Assessments, goals, plans, milestones, diary entries: each learner the same."""
    for name in GROUP:
        world.assess(name)
        world.say(name, f"/learn goals add communication 2→4 {GOAL_WHY}")
        world.say(name, f"/learn plan add 2027-02-15 {MILESTONE} | {EVIDENCE} --goal 1")
        world.say(name, "/learn plan commit")
        world.say(name, f"/learn diary {DIARY} #communication #secretplan")


def second_half(world: LrsWorld) -> None:
    """Goals reached, milestones done, co-coaching met, a community post, an advice round."""
    for name in GROUP:
        world.say(name, "/learn goals reached 1")
        world.say(name, f"/learn plan done 1 {REFLECTION}")
    world.clock.advance(timedelta(days=14, hours=1))
    world.due.run()  # the co-coaching prompts
    for name in GROUP:
        prompts = [d for d in world.dms(name) if d.buttons and "met" in d.buttons[0].label]
        if prompts:
            world.say(name, prompts[-1].buttons[0].command)
    world.say("fay", "/learn cop open facilitation")
    world.say("ana", "/learn cop join facilitation")
    world.say("ana", f"/learn cop share facilitation {POST_TITLE} | {POST_TEXT} #communication")
    advice_round(world)


def advice_round(world: LrsWorld) -> None:
    world.tandem.handle(who("ana"), f"/learn advice {CASE}")
    world.say("ben", "/learn advice moderator @ben")
    world.say("ben", "/learn advice next")  # -> case account
    world.say("ben", "/learn advice next")  # -> key question
    world.say("ana", f"/learn advice key {KEY}")
    world.say("ben", "/learn advice next")  # -> method choice
    world.say("ben", "/learn advice method headstand")
    world.say("ben", "/learn advice next")  # -> consultation
    for name, said in ADVICE.items():
        world.say(name, f"/learn advice say {said}")
    world.say("ben", "/learn advice next")  # -> closing
    world.say("ana", f"/learn advice helped 1 {TAKEAWAY}")
    world.say("cem", "/learn advice file")


# What each consenting learner's statements are: (verb, activity type), one each.
EXPECTED_KINDS = sorted(
    [
        ("completed", "assessment"),
        ("defined", "objective"),
        ("registered", "learning-plan"),
        ("wrote", "diary-entry"),
        ("satisfied", "objective"),
        ("completed", "milestone"),
        ("attended", "meeting"),  # co-coaching
        ("attended", "meeting"),  # the advice round
    ]
)
ANA_ONLY = [("shared", "experience")]  # only ana shares in a community


def kinds(statements: list[dict[str, Any]], ref: str) -> list[tuple[str, str]]:
    """(verb, activity type) of `ref`'s statements, by the last part of each IRI."""
    found = [
        (
            s["verb"]["id"].rsplit("/", 1)[-1].rsplit(":", 1)[-1],
            s["object"]["definition"]["type"].rsplit("/", 1)[-1].rsplit(":", 1)[-1],
        )
        for s in statements
        if s["actor"].get("account", {}).get("name") == ref
    ]
    return sorted(found)
