"""The Matrix adapter against a real Synapse (tests/support/synapse.py), driven by people
on matrix-nio's own client: commands and answers, bad input, invites, reactions as
buttons, a restart (the sync token), and a rate-limited burst."""

from __future__ import annotations

import pytest

from tests.support.matrix_world import Loop, MatrixBotRun, Person, eventually

pytestmark = pytest.mark.synapse


@pytest.fixture
def loop():
    people_loop = Loop()
    yield people_loop
    people_loop.close()


def person(synapse, loop, name=None) -> Person:
    account = synapse.register(name)
    synapse.unlimited(synapse.admin, account.user_id)
    return Person(synapse, account, loop)


@pytest.fixture
def bot(synapse, tmp_path):
    run = MatrixBotRun(synapse, synapse.register(), tmp_path).start()
    yield run
    run.stop()


def test_a_command_in_a_direct_room_is_answered_there(synapse, loop, bot):
    ana = person(synapse, loop)
    room = ana.direct_room_with(bot.user_id)
    ana.wait_for_member(room, bot.user_id)
    asked = ana.say(room, "!learn diary Tried a new way to give feedback")
    [answer] = eventually(lambda: ana.answers_to(room, bot.user_id, asked), "an answer")
    assert "Saved to your diary" in answer["content"]["body"]
