"""xAPI against a real LRS: Ralph (ralph-malph, fs backend, served by its own ASGI app on
a free port; tests/support/ralph). The scripted journey (tests/support/xapi_journey.py)
runs on SQLite; its LRS lane is delivered by `LrsDelivery` through the HTTP sender the
bot uses (adapters/xapi.py), and what Ralph then holds is checked: exactly the consented
statements, each valid for Ralph (it stored them, and its own xAPI models accept them),
none with a word people wrote; after forget each of the person's is voided; with Ralph
stopped mid-journey no message to a person waits, and once it is back every statement
arrives once."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.xapi import HttpLrsSender
from bot.delivery import Delivery, SendResult
from bot.domain import OutboxStatus, Person
from bot.replies import Reply
from bot.xapi import VERBS, LrsDelivery, LrsRules
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.service.test_kickoff import who
from tests.support import ralph as ralph_part
from tests.support import real_parts
from tests.support.xapi_journey import (
    ANA_ONLY,
    CONSENTING,
    EXPECTED_KINDS,
    GROUP,
    WORDS,
    LrsWorld,
    first_half,
    kinds,
    second_half,
    set_up,
)

pytestmark = pytest.mark.ralph


@pytest.fixture
def ralph(tmp_path: Path) -> Iterator[ralph_part.Ralph]:
    reason = ralph_part.ensure_venv()
    if reason is not None:
        real_parts.unavailable("ralph", reason)
    lrs = ralph_part.Ralph(tmp_path)
    lrs.start()
    try:
        yield lrs
    finally:
        lrs.stop()


@pytest.fixture
def world(sqlite_engine: Any) -> LrsWorld:
    world = LrsWorld(SqlUnitOfWorkFactory(sqlite_engine))
    set_up(world)
    return world


def sender(lrs: ralph_part.Ralph) -> HttpLrsSender:
    return HttpLrsSender(lrs.url, ralph_part.USER, ralph_part.SECRET, timeout=10)


class People:
    """The platform side of the person messages: takes every one at once."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    def send(
        self, recipient: Person, reply: Reply, idempotency_key: str, attempt: int = 1
    ) -> SendResult:
        self.keys.append(idempotency_key)
        return SendResult.sent()


def outbox_left(world: LrsWorld) -> int:
    with world.db() as uow:
        ids = [p.id for p in (uow.people.by_identity(who(n)) for n in (*GROUP, "fay")) if p]
        return sum(
            1 for i in ids for m in uow.outbox.for_recipient(i) if m.status is OutboxStatus.PENDING
        )


def ours(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Without what Ralph adds when it stores (stored, authority)."""
    return [{k: v for k, v in s.items() if k not in ("stored", "authority")} for s in statements]


def test_ralph_holds_exactly_the_consented_statements_and_forget_voids_them(ralph, world):
    first_half(world)
    second_half(world)
    report = LrsDelivery(world.db, world.clock, "lrs-1").drain(sender(ralph))
    lane = world.statements()
    assert report.sent == len(lane) and report.retried == report.failed == 0, report.errors
    held = ralph.statements()
    assert sorted(s["id"] for s in held) == sorted(s["id"] for s in lane)
    assert sorted(json.dumps(s, sort_keys=True) for s in ours(held)) == sorted(
        json.dumps(s, sort_keys=True) for s in lane
    )  # stored as sent
    assert ralph.validate(held) == [] and ralph.validate(lane) == []  # Ralph's own models
    for name in GROUP:
        expected = (
            (EXPECTED_KINDS + (ANA_ONLY if name == "ana" else [])) if name in CONSENTING else []
        )
        assert kinds(held, who(name).ref) == sorted(expected), name
    everything = json.dumps(held, ensure_ascii=False)
    for words in WORDS:
        assert words not in everything, words

    ana = sorted(s["id"] for s in held if s["actor"]["account"]["name"] == who("ana").ref)
    world.say("ana", "/learn privacy forget confirm")
    assert LrsDelivery(world.db, world.clock, "lrs-1").drain(sender(ralph)).sent == len(ana)
    voiding = [s for s in ralph.statements() if s["verb"]["id"] == VERBS["voided"][0]]
    assert sorted(s["object"]["id"] for s in voiding) == ana  # each of hers, voided
    assert all(s["object"]["objectType"] == "StatementRef" for s in voiding)
    assert ralph.validate(voiding) == []
    assert who("ana").ref not in json.dumps(voiding)


def test_with_ralph_stopped_nothing_else_waits_and_every_statement_arrives_once(ralph, world):
    people = People()
    messages = Delivery(world.db, world.clock, "dm-1")
    lrs = LrsDelivery(world.db, world.clock, "lrs-1", LrsRules(batch=7))
    first_half(world)
    messages.drain(people)
    before = lrs.drain(sender(ralph))
    assert before.sent > 0 and before.retried == 0

    ralph.stop()  # the LRS goes away mid-journey
    second_half(world)
    down = lrs.drain(sender(ralph))
    assert down.sent == 0 and down.retried > 0
    assert all("unreachable" in e for e in down.errors), down.errors
    sent_to_people = messages.drain(people)
    assert sent_to_people.sent > 0 and outbox_left(world) == 0  # no person message waits
    world.say("ben", "/learn diary One more while the LRS is away")  # the bot works on
    assert messages.drain(people).retried == 0 and outbox_left(world) == 0

    ralph.start()  # back, on the same port with the same store
    world.clock.advance(LrsRules().max_backoff)  # past every backoff
    after = lrs.drain(sender(ralph))
    assert after.retried == after.failed == 0, after.errors
    lane = world.lane()
    assert all(s.status is OutboxStatus.SENT for s in lane)
    stored = Counter(s["id"] for s in ralph.stored())
    assert stored == Counter(s.statement_id for s in lane)  # every one, once
    assert before.sent + after.sent == len(lane)
    assert ralph.validate(ralph.statements()) == []
