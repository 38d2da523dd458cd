"""The weekly digest of a community of practice: each present member gets the week's new
posts of the others (title, author, where the post is), in their language; nothing when
there is nothing new; nothing for someone who left. On the fakes, SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain import Thread
from bot.ports import UnitOfWorkFactory
from bot.replies import Reply
from bot.scheduling import DueWork
from tests.conftest import NOW
from tests.service.test_nudges import FIRST, SECOND, World
from tests.support.language import assert_german


class Cop(World):
    def digests(self, name: str) -> list[Reply]:  # type: ignore[override]
        return [r for r in self.dms(name) if r.text.startswith(("New in", "Neu in"))]

    def community(self, *members: str) -> None:
        assert "is open" in self.say("fay", "/learn cop open facilitation").text
        for name in members:
            assert "Welcome" in self.say(name, "/learn cop join facilitation").text

    def share(self, name: str, title: str) -> None:
        said = self.say(name, f"/learn cop share facilitation {title} | what I learned")
        assert "Shared in facilitation" in said.text


@pytest.fixture
def cop(uow_factory: UnitOfWorkFactory) -> Cop:
    return Cop(uow_factory)


def test_members_get_the_weeks_new_posts_of_the_others(cop: Cop) -> None:
    cop.community("ana", "ben", "cem")
    cop.clock.set(NOW + timedelta(hours=1))
    cop.share("ana", "Silent start")
    cop.clock.set(NOW + timedelta(hours=2))
    cop.share("ben", "Timebox the check-out")
    cop.at(FIRST)
    (digest,) = cop.digests("cem")
    assert digest.text == "New in facilitation this week: 2 posts."
    assert [(s.title, s.text) for s in digest.sections] == [
        ("Silent start", "by ana"),
        ("Timebox the check-out", "by ben"),
    ]
    assert all(
        isinstance(s.place, Thread) and s.place.channel == "console" for s in digest.sections
    )
    assert "what I learned" not in digest.model_dump_json()  # titles, not the texts
    (to_ana,) = cop.digests("ana")  # her own post is not news to her
    assert [s.title for s in to_ana.sections] == ["Timebox the check-out"]


def test_a_week_with_nothing_new_sends_nothing(cop: Cop) -> None:
    cop.community("ana", "ben")
    cop.share("ana", "Silent start")
    cop.at(FIRST)
    assert len(cop.digests("ben")) == 1
    assert cop.digests("ana") == []  # only her own post
    cop.at(SECOND)
    assert len(cop.digests("ben")) == 1  # nothing new: no second digest


def test_a_member_who_left_gets_none(cop: Cop) -> None:
    cop.community("ana", "ben", "cem")
    cop.share("ana", "Silent start")
    assert "You left" in cop.say("cem", "/learn cop leave facilitation").text
    cop.at(FIRST)
    assert len(cop.digests("ben")) == 1
    assert cop.digests("cem") == []


def test_two_heartbeats_send_one_digest(cop: Cop) -> None:
    cop.community("ana", "ben")
    cop.share("ana", "Silent start")
    cop.clock.set(FIRST)
    other = DueWork(cop.db, cop.clock, cop.policy)
    cop.due.run()
    other.run()
    cop.due.run()
    assert len(cop.digests("ben")) == 1


def test_a_german_member_reads_it_in_german(cop: Cop) -> None:
    cop.community("ana", "ben")
    cop.say("ben", "/learn language de")
    cop.share("ana", "Silent start")
    cop.at(FIRST)
    (digest,) = cop.digests("ben")
    assert digest.text == "Neu in facilitation diese Woche: 1 Beitrag."
    assert digest.sections[0].text == "von ana"
    assert_german(
        "\n".join([digest.text, digest.sections[0].text, digest.next_step or ""]),
        allow=("facilitation", "ana"),
    )
