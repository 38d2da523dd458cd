"""xAPI with consent through the core, on the fakes, SQLite and PostgreSQL alike: the
consent matrix over a scripted journey (tests/support/xapi_journey.py), deterministic
statement ids, no words people wrote, forget voiding what left, `lrs off` stopping what
has not, the facilitator's proposal switching nobody on, bad input, and the LRS lane's
delivery (batches, 429 and 5xx obeyed, a refused batch split, exactly once). The same
journey runs against a real Ralph in tests/e2e/test_xapi_ralph.py."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

import pytest

from bot import xapi
from bot.delivery import SendResult
from bot.domain import OutboxStatus
from bot.events import GoalSet
from bot.ports import UnitOfWorkFactory
from bot.scope import Scope
from bot.xapi import EXTENSIONS, LrsDelivery, LrsRules
from tests.service.test_kickoff import who
from tests.support.backends import snapshot
from tests.support.language import assert_german
from tests.support.xapi_journey import (
    ANA_ONLY,
    CONSENTING,
    DIARY,
    EXPECTED_KINDS,
    GROUP,
    POST_TITLE,
    WORDS,
    LrsWorld,
    first_half,
    kinds,
    second_half,
    set_up,
)


class RecordingLrs:
    """An LRS sender that keeps what it is given, answering as told (`answers`, in turn;
    then "sent")."""

    def __init__(self, *answers: SendResult) -> None:
        self.answers = list(answers)
        self.batches: list[list[dict[str, Any]]] = []
        self.stored: dict[str, dict[str, Any]] = {}

    def send(self, statements: list[dict[str, Any]]) -> SendResult:
        self.batches.append(statements)
        result = self.answers.pop(0) if self.answers else SendResult.sent()
        if result.outcome.value == "sent":
            for statement in statements:
                self.stored.setdefault(statement["id"], statement)
        return result


@pytest.fixture
def world(uow_factory: UnitOfWorkFactory) -> LrsWorld:
    world = LrsWorld(uow_factory)
    set_up(world)
    return world


def ref(name: str) -> str:
    return who(name).ref


def test_the_journey_writes_exactly_the_consented_statements(world):
    first_half(world)
    second_half(world)
    statements = world.statements()
    assert kinds(statements, ref("ana")) == sorted(EXPECTED_KINDS + ANA_ONLY)
    assert kinds(statements, ref("ben")) == EXPECTED_KINDS
    for name in set(GROUP) - set(CONSENTING):  # dia said no again; cem, eli never yes
        assert kinds(statements, ref(name)) == [], name
    assert {s["actor"]["account"]["name"] for s in statements} == {ref("ana"), ref("ben")}
    # levels only with "results": ana's assessment and goals carry them, ben's do not
    levels = EXTENSIONS["levels"]
    [ana_assessment] = [
        s
        for s in statements
        if s["actor"]["account"]["name"] == ref("ana") and "assessment" in s["object"]["id"]
    ]
    assert set(ana_assessment["result"]["extensions"][levels].values()) == {4}
    [ben_assessment] = [
        s
        for s in statements
        if s["actor"]["account"]["name"] == ref("ben") and "assessment" in s["object"]["id"]
    ]
    assert "extensions" not in ben_assessment["result"]
    ben_goals = [
        s
        for s in statements
        if s["actor"]["account"]["name"] == ref("ben") and ":goal:" in s["object"]["id"]
    ]
    assert len(ben_goals) == 2 and all(
        EXTENSIONS["target-level"] not in json.dumps(s) for s in ben_goals
    )
    ana_goals = [
        s
        for s in statements
        if s["actor"]["account"]["name"] == ref("ana") and ":goal:" in s["object"]["id"]
    ]
    assert all(s["result"]["extensions"][EXTENSIONS["target-level"]] == 4 for s in ana_goals)
    # a diary entry goes as its competence tags only: no text, no free tag
    [diary] = [
        s
        for s in statements
        if s["actor"]["account"]["name"] == ref("ana") and "diary-entry" in s["object"]["id"]
    ]
    assert diary["context"]["extensions"][EXTENSIONS["competences"]] == ["communication"]
    # the advice round: roles and the method, never a word said in it
    rounds = [s for s in statements if ":advice-round:" in s["object"]["id"]]
    roles = {
        s["actor"]["account"]["name"]: s["context"]["extensions"][EXTENSIONS["role"]]
        for s in rounds
    }
    assert roles == {ref("ana"): "case-giver", ref("ben"): "moderator"}
    assert {s["context"]["extensions"][EXTENSIONS["method"]] for s in rounds} == {"headstand"}
    # the community post: its title, which its author chose to show, and nothing else
    [shared] = [s for s in statements if s["verb"]["id"].endswith("/shared")]
    assert shared["object"]["definition"]["name"] == {"und": POST_TITLE}
    everything = json.dumps(statements, ensure_ascii=False)
    for words in WORDS:
        assert words not in everything, words
    assert all(set(s["actor"]) == {"objectType", "account"} for s in statements)  # no name


def test_statement_ids_are_deterministic_and_stored_once(world, uow_factory):
    world.say("ana", "/learn goals add communication 2→4 Reviews drift")
    [row] = world.lane()
    statement = json.loads(row.body)
    goal_id = int(statement["object"]["id"].rsplit(":", 1)[-1])
    expected = uuid.uuid5(xapi.NAMESPACE, f"{ref('ana')}/goal/defined/{goal_id}")
    assert row.statement_id == statement["id"] == str(expected)
    # the same event again (a retry, a second look): the same statement, stored once
    ana = world.person_id("ana")
    with uow_factory() as uow:
        scope = Scope(
            uow=uow, now=world.clock.now() + timedelta(hours=1), policy=world.tandem.policy
        )
        xapi.goal_set(GoalSet(ana, goal_id), scope)
        uow.commit()
    assert [r.statement_id for r in world.lane()] == [row.statement_id]


def test_forget_voids_each_statement_that_left_and_drops_the_link(world):
    first_half(world)
    lrs = RecordingLrs()
    LrsDelivery(world.db, world.clock, "w1").drain(lrs)
    ana_sent = sorted(
        s["id"] for s in lrs.stored.values() if s["actor"]["account"]["name"] == ref("ana")
    )
    assert len(ana_sent) == 4
    world.say("ana", f"/learn diary {DIARY} #communication")  # not sent yet: never left
    unsent = [s.statement_id for s in world.lane() if s.status is OutboxStatus.PENDING]
    assert len(unsent) == 1
    preview = world.say("ana", "/learn privacy forget")
    assert "4 statements at the learning record store (voided there)" in preview.text
    world.say("ana", "/learn privacy forget confirm")
    lane = world.lane()
    voiding = [s for s in lane if s.voids is not None]
    assert sorted(s.voids for s in voiding) == ana_sent  # the unsent one is not voided
    assert all(s.person_id is None for s in voiding)
    assert unsent[0] not in {s.statement_id for s in lane}
    bodies = json.dumps([json.loads(s.body) for s in voiding])
    assert ref("ana") not in bodies  # sent on Tandem's behalf: the link is dropped
    for s in voiding:
        body = json.loads(s.body)
        assert body["verb"]["id"] == "http://adlnet.gov/expapi/verbs/voided"
        assert body["object"] == {"objectType": "StatementRef", "id": s.voids}
        assert body["actor"] == xapi.TANDEM_AGENT
    assert all(ref("ana") not in s.body for s in lane)
    assert len([s for s in lane if s.person_id is not None]) == 4  # ben's stay
    LrsDelivery(world.db, world.clock, "w1").drain(lrs)
    assert {s["object"]["id"] for s in lrs.batches[-1]} == set(ana_sent)


def test_lrs_off_stops_new_statements_and_drops_what_has_not_left(world):
    world.say("ben", f"/learn diary {DIARY}")
    assert len(world.lane()) == 1
    said = world.say("ben", "/learn privacy lrs off")
    assert "Nothing more goes" in said.text and "1 statement not sent yet was dropped" in said.text
    world.say("ben", f"/learn diary {DIARY} again")
    world.say("ben", "/learn goals add communication 2→4 Reviews drift")
    assert world.lane() == []
    shown = world.say("ben", "/learn privacy")
    assert any(
        "do not go to your company's learning record store" in s.text for s in shown.sections
    )


def test_the_proposal_switches_nobody_on_and_only_a_facilitator_makes_it(world, uow_factory):
    with world.db() as uow:
        people = {n: uow.people.by_identity(who(n)) for n in GROUP}
    assert {n for n, p in people.items() if p.lrs} == {"ana", "ben"}
    [asked] = [
        d for d in world.dms("cem") if d.buttons and d.buttons[0].command == "privacy lrs on"
    ]
    assert "nothing goes until you say yes" in asked.text
    assert not [
        d for d in world.dms("ana") if d.buttons and d.buttons[0].command == "privacy lrs on"
    ]
    shown = world.say("cem", "/learn privacy")
    assert any("proposes it; nothing goes until you say yes" in s.text for s in shown.sections)
    before = snapshot(uow_factory)
    refused = world.say("ana", "/learn cohort lrs")
    assert refused.is_error
    assert snapshot(uow_factory) == before
    assert "From now on your learning events go" in world.say("cem", asked.buttons[0].command).text
    with world.db() as uow:
        assert uow.people.by_identity(who("cem")).lrs  # his own yes, by the button


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("/learn privacy lrs maybe", "Say `/learn privacy lrs on`"),
        ("/learn privacy lrs", "Say `/learn privacy lrs on`"),
        ("/learn privacy lrs off please", "privacy lrs"),
    ],
)
def test_bad_lrs_input_changes_nothing(world, uow_factory, line, message):
    before = snapshot(uow_factory)
    [reply] = world.tandem.handle(who("cem"), line)
    assert reply.is_error and message in reply.text, reply.text
    assert snapshot(uow_factory) == before


def test_in_german(world):
    world.say("cem", "/learn sprache de")
    said = world.say("cem", "/learn datenschutz lrs an ergebnisse")
    assert_german(said.text, allow=("LRS",))
    with world.db() as uow:
        cem = uow.people.by_identity(who("cem"))
    assert cem.lrs and cem.lrs_results
    shown = world.say("cem", "/learn datenschutz")
    assert_german("\n".join(s.text for s in shown.sections), allow=("LRS",))
    assert_german(world.say("cem", "/learn datenschutz lrs aus").text, allow=("LRS",))


def test_export_shows_the_choice_and_the_statements(world):
    world.say("ana", f"/learn diary {DIARY} #communication")
    [reply] = world.tandem.handle(who("ana"), "/learn privacy export")
    assert reply.attachment is not None
    document = json.loads(reply.attachment.content)
    assert document["person"]["lrs"] is True and document["person"]["lrs_results"] is True
    [kept] = document["learning_record_store"]
    assert kept["status"] == "pending" and kept["statement"]["object"]["id"].startswith(
        "urn:tandem:xapi:activity:diary-entry:"
    )


# -- the lane's delivery ---------------------------------------------------------------


def four_pending(world: LrsWorld) -> None:
    world.say("ana", f"/learn diary {DIARY} one")
    world.say("ana", f"/learn diary {DIARY} two")
    world.say("ben", f"/learn diary {DIARY} three")
    world.say("ben", f"/learn diary {DIARY} four")


def test_batches_go_once_and_a_retry_sends_the_same_statements(world):
    four_pending(world)
    delivery = LrsDelivery(world.db, world.clock, "w1", LrsRules(batch=3))
    lrs = RecordingLrs(SendResult.retry("LRS answered 503", timedelta(seconds=90)))
    first = delivery.drain(lrs)
    assert first.retried == 3 and first.sent == 0  # the LRS is not taking any: wait
    assert delivery.drain(lrs).sent == 1  # the fourth was not in the refused batch
    world.clock.advance(timedelta(seconds=89))
    assert delivery.drain(lrs).claimed == 0  # Retry-After obeyed
    world.clock.advance(timedelta(seconds=2))
    assert delivery.drain(lrs).sent == 3
    assert lrs.batches[0] == lrs.batches[2]  # the same statements, byte for byte
    assert len(lrs.stored) == 4 and all(s.status is OutboxStatus.SENT for s in world.lane())
    assert delivery.drain(lrs).claimed == 0  # nothing goes twice


def test_a_429_counts_no_attempt_and_a_5xx_backs_off(world):
    four_pending(world)
    delivery = LrsDelivery(world.db, world.clock, "w1")
    lrs = RecordingLrs(
        SendResult.rate_limited(timedelta(seconds=20)), SendResult.retry("LRS answered 500")
    )
    delivery.run_once(lrs)
    assert {s.attempts for s in world.lane()} == {0}
    world.clock.advance(timedelta(seconds=21))
    delivery.run_once(lrs)
    assert {s.attempts for s in world.lane()} == {1}
    assert {s.due_at for s in world.lane()} == {world.clock.now() + LrsRules().backoff(1)}
    world.clock.advance(LrsRules().backoff(1))
    assert delivery.drain(lrs).sent == 4


def test_a_refused_batch_is_split_so_one_bad_statement_holds_up_no_other(world):
    four_pending(world)
    delivery = LrsDelivery(world.db, world.clock, "w1")
    refused = SendResult.failed("LRS answered 400: bad")
    lrs = RecordingLrs(refused, SendResult.sent(), refused, SendResult.sent(), SendResult.sent())
    report = delivery.run_once(lrs)
    assert report.sent == 3 and report.failed == 1
    assert [len(b) for b in lrs.batches] == [4, 1, 1, 1, 1]
    assert sorted(s.status.value for s in world.lane()) == ["failed", "sent", "sent", "sent"]


def test_no_statement_without_a_connected_lrs(uow_factory):
    world = LrsWorld(uow_factory)
    world.tandem.policy = world.tandem.policy.__class__(
        **{**world.tandem.policy.__dict__, "lrs_enabled": False}
    )
    world.say("ana", "/learn privacy lrs on")
    said = world.say("ana", f"/learn diary {DIARY}")
    assert said.text
    assert world.lane() == []
    shown = world.say("ana", "/learn privacy")
    assert any("No LRS is connected here yet" in s.text for s in shown.sections)


def test_two_workers_never_send_the_same_statement(world):
    four_pending(world)
    second = LrsDelivery(world.db, world.clock, "w2")
    seen_by_second: list[int] = []

    class Meanwhile(RecordingLrs):
        def send(self, statements: list[dict[str, Any]]) -> SendResult:
            seen_by_second.append(second.run_once(RecordingLrs()).claimed)  # while w1 holds them
            return super().send(statements)

    first = Meanwhile()
    assert LrsDelivery(world.db, world.clock, "w1").run_once(first).sent == 4
    assert seen_by_second == [0] and len(first.stored) == 4


def test_the_lane_has_its_own_thread(world):
    from adapters.xapi import LrsWork
    from tests.support.processes import eventually

    four_pending(world)
    lrs = RecordingLrs()
    work = LrsWork(LrsDelivery(world.db, world.clock, "w1"), lrs, poll_every=timedelta(seconds=30))
    work.start()
    try:
        eventually(lambda: len(lrs.stored) == 4, "the lane's thread to send")
        world.say("ben", f"/learn diary {DIARY} five")
        work.wake()  # not the poll: woken, it sends at once
        eventually(lambda: len(lrs.stored) == 5, "the woken thread to send")
    finally:
        assert work.stop(timeout=10)
