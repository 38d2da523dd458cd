"""Bad input gets a short, clear message only the asker sees, and changes nothing."""

from __future__ import annotations

import pytest

from bot.domain import Identity, Platform
from bot.replies import Audience
from tests.conftest import console_identity
from tests.support.backends import commits, snapshot

BAD = [
    ("/learn frobnicate", "I don't know the command `frobnicate`"),
    ("/learn dairy Learned a lot", "Did you mean `/learn diary`?"),
    ("/learn diary --share partner", "Your diary entry is empty"),
    ("/learn diary " + "ä" * 3001, "has 3,001 characters; the limit is 3,000"),
    ("/learn diary hi --share everyone", "`--share everyone` is not a circle I know"),
    ("/learn diary hi --share", "`--share` needs a value"),
    ("/learn goals --visibility group", "I don't know the option `--visibility`"),
    ("/learn diary hi --shaer group", "Did you mean `--share`?"),
    ("/learn privacy erase", "`/learn privacy forget`"),
    ("/learn diary --of @", "Name someone after `--of`"),
]


@pytest.mark.parametrize(("line", "message"), BAD, ids=[b[0][:40] for b in BAD])
def test_bad_input_is_answered_privately_and_stores_nothing(tandem, uow_factory, line, message):
    tandem.handle(console_identity("ana"), "/learn diary an earlier entry")  # something to keep
    before, committed = snapshot(uow_factory), commits(uow_factory)

    [reply] = tandem.handle(console_identity("ana"), line)

    assert message in reply.text
    assert reply.is_error and reply.audience is Audience.ASKER
    assert len(reply.text) < 200
    assert snapshot(uow_factory) == before and commits(uow_factory) == committed


def test_bad_input_from_a_newcomer_does_not_even_register_them(tandem, uow_factory):
    before = snapshot(uow_factory)
    [reply] = tandem.handle(Identity(Platform.SLACK, "T1", "U1"), "/learn diary --share boss hi")
    assert reply.is_error
    assert snapshot(uow_factory) == before and commits(uow_factory) in (0, None)


def test_asking_about_someone_unknown_reveals_nothing_and_stores_nothing(tandem, uow_factory):
    tandem.handle(console_identity("ana"), "/learn diary mine")
    tandem.handle(console_identity("ben"), "/learn diary bens")
    before = snapshot(uow_factory)
    [unknown] = tandem.handle(console_identity("ana"), "/learn diary --of @nobody")
    [known] = tandem.handle(console_identity("ana"), "/learn diary --of @ben")
    assert unknown.text == "nobody has shared no diary entries with you."
    assert known.text == "ben has shared no diary entries with you."  # the same shape: no tell
    assert snapshot(uow_factory) == before


def test_asking_by_user_id_does_not_give_away_the_display_name(uow_factory, clock):
    from bot.domain import Identity, Platform, Profile
    from bot.policy import Policy
    from bot.service import Tandem

    tandem = Tandem(uow_factory, clock, Policy())
    ana = Identity(Platform.SLACK, "T1", "U0ANA")
    tandem.handle(ana, "/learn diary private", Profile("Ana Silva"))
    [reply] = tandem.handle(Identity(Platform.SLACK, "T1", "U0BEN"), "/learn diary --of @U0ANA")
    assert reply.text == "U0ANA has shared no diary entries with you."
    assert "Ana Silva" not in reply.text
