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


def rows(database, query):
    import sqlite3

    with sqlite3.connect(database) as connection:
        return connection.execute(query).fetchall()


def direct(synapse, loop, bot) -> tuple[Person, str]:
    ana = person(synapse, loop)
    room = ana.direct_room_with(bot.user_id)
    ana.wait_for_member(room, bot.user_id)
    return ana, room


def test_bad_input_gets_a_short_answer_and_changes_nothing(synapse, loop, bot):
    ana, room = direct(synapse, loop, bot)
    asked = ana.say(room, "!learn diray Tried something")
    [answer] = eventually(lambda: ana.answers_to(room, bot.user_id, asked), "an answer")
    body = answer["content"]["body"]
    assert body.startswith("⚠") and len(body) < 400, body
    assert rows(bot.database, "SELECT count(*) FROM diary_entries") == [(0,)]


def facilitator_and_bot(synapse, loop, folder) -> tuple[MatrixBotRun, Person, str]:
    """The bot with fay as its facilitator, and fay's direct room with it."""
    fay_account = synapse.register()
    synapse.unlimited(synapse.admin, fay_account.user_id)
    run = MatrixBotRun(
        synapse, synapse.register(), folder, TANDEM_FACILITATORS=f"matrix:{fay_account.user_id}"
    ).start()
    fay = Person(synapse, fay_account, loop)
    room = fay.direct_room_with(run.user_id)
    fay.wait_for_member(room, run.user_id)
    return run, fay, room


def test_a_person_is_named_by_matrix_id_or_pill(synapse, loop, tmp_path):
    run, fay, room = facilitator_and_bot(synapse, loop, tmp_path)
    try:
        ana, ben = person(synapse, loop), person(synapse, loop)
        opened = fay.say(room, "!learn cohort open Spring")
        eventually(lambda: fay.answers_to(room, run.user_id, opened), "the cohort opened")
        pill = f'<a href="https://matrix.to/#/{ben.user_id}">Ben</a>'
        invited = fay.say(
            room,
            f"!learn cohort invite {ana.user_id} Ben",
            format="org.matrix.custom.html",
            formatted_body=f"!learn cohort invite {ana.user_id} {pill}",
        )
        [answer] = eventually(lambda: fay.answers_to(room, run.user_id, invited), "an answer")
        assert not answer["content"]["body"].startswith("⚠"), answer["content"]["body"]
        people = {user for (user,) in rows(run.database, "SELECT user_id FROM people")}
        assert {ana.user_id, ben.user_id} <= people
    finally:
        run.stop()


def test_a_choice_is_a_reaction_that_acts_once(synapse, loop, bot):
    ana, room = direct(synapse, loop, bot)
    asked = ana.say(room, "!learn checkin now")
    eventually(lambda: ana.answers_to(room, bot.user_id, asked), "an answer")

    def checkin_dm():
        return [
            e
            for e in ana.from_bot(room, bot.user_id)
            if "org.tandem.choices" in e["content"] and "m.relates_to" not in e["content"]
        ]

    [dm] = eventually(checkin_dm, "the check-in DM")
    choices = dm["content"]["org.tandem.choices"]
    skip = next(n for n, command in enumerate(choices) if "skip" in command)

    def offered():
        ana.sync()
        mine = [
            e
            for e in ana.events.get(room, [])
            if e.get("type") == "m.reaction" and e["sender"] == bot.user_id
        ]
        return len(mine) == len(choices)

    eventually(offered, "the bot's own reactions, one per choice")
    key = "123456789"[skip] + "\ufe0f\u20e3"
    ana.react(room, dm["event_id"], key)
    ana.react(room, dm["event_id"], "1\ufe0f\u20e3")  # a second reaction: no second act
    [answer] = eventually(lambda: ana.answers_to(room, bot.user_id, dm["event_id"]), "an answer")
    assert rows(bot.database, "SELECT status FROM checkins") == [("skipped",)]
    later = ana.say(room, "!learn diary")  # the reactions are handled before this
    eventually(lambda: ana.answers_to(room, bot.user_id, later), "an answer")
    assert len(ana.answers_to(room, bot.user_id, dm["event_id"])) == 1


def test_a_restart_neither_replays_nor_skips(synapse, loop, bot):
    ana, room = direct(synapse, loop, bot)
    first = ana.say(room, "!learn diary Before the restart")
    eventually(lambda: ana.answers_to(room, bot.user_id, first), "an answer")
    bot.stop()
    [(token,)] = rows(bot.database, "SELECT token FROM sync_cursors")
    assert token
    second = ana.say(room, "!learn diary While the bot was away")
    bot.start()
    eventually(lambda: ana.answers_to(room, bot.user_id, second), "the answer after the restart")
    third = ana.say(room, "!learn diary")
    eventually(lambda: ana.answers_to(room, bot.user_id, third), "an answer")
    assert len(ana.answers_to(room, bot.user_id, first)) == 1  # not replayed
    assert len(ana.answers_to(room, bot.user_id, second)) == 1
    assert rows(bot.database, "SELECT text FROM diary_entries ORDER BY id") == [
        ("Before the restart",),
        ("While the bot was away",),
    ]


def test_invites_from_other_homeservers_are_declined(synapse, loop, tmp_path):
    run = MatrixBotRun(synapse, synapse.register(), tmp_path, MATRIX_SERVERS="example.org").start()
    try:
        ana = person(synapse, loop)
        room = ana.direct_room_with(run.user_id)

        def declined() -> bool:
            members = ana.loop.run(
                ana.client.room_get_state_event(room, "m.room.member", run.user_id)
            )
            return getattr(members, "content", {}).get("membership") == "leave"

        eventually(declined, "the invite declined")
    finally:
        run.stop()


def test_a_burst_waits_out_the_homeservers_rate_limit(synapse, loop, tmp_path, monkeypatch):
    from adapters.matrix import sender as matrix_sender
    from tests.support.synapse import MESSAGE_BURST

    results = []
    original = matrix_sender.MatrixSender.send

    def recording(self, recipient, reply, key, attempt=1):
        result = original(self, recipient, reply, key, attempt)
        results.append(result)
        return result

    monkeypatch.setattr(matrix_sender.MatrixSender, "send", recording)
    run, fay, room = facilitator_and_bot(synapse, loop, tmp_path)
    try:
        people = [person(synapse, loop) for _ in range(MESSAGE_BURST + 4)]
        opened = fay.say(room, "!learn cohort open Spring")
        eventually(lambda: fay.answers_to(room, run.user_id, opened), "the cohort opened")
        invited = fay.say(room, "!learn cohort invite " + " ".join(p.user_id for p in people))
        eventually(lambda: fay.answers_to(room, run.user_id, invited), "an answer", timeout=60)

        def delivered():
            sent = rows(run.database, "SELECT count(*) FROM outbox WHERE status = 'sent'")
            waiting = rows(run.database, "SELECT count(*) FROM outbox WHERE status != 'sent'")
            return sent[0][0] >= len(people) and waiting == [(0,)]

        eventually(delivered, "every invitation delivered", timeout=90)
        limited = [r for r in results if r.reason == "rate limited"]
        assert limited and all(r.retry_after is not None for r in limited)
        for someone in people:  # each got exactly one message, in its own direct room
            invites = eventually(
                lambda s=someone: (
                    s.sync() or [m for r in list(s.events) for m in s.from_bot(r, run.user_id)]
                ),
                "the invitation",
            )
            assert len(invites) == 1, invites
    finally:
        run.stop()
