"""Migration 0021: tutors and communities that existed before the weekly digests get
their timers (due the next Monday 09:00 UTC); a tutor relation that ended gets none; a
downgrade takes them away again. On SQLite, and on PostgreSQL where one is named."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Engine

from bot.domain import Cohort, Community, Identity, Membership, Person, Platform, Role
from storage.migrate import _config, upgrade
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import NOW

FAR = datetime(2100, 1, 1, tzinfo=UTC)


def _before() -> str:
    """The revision 0021 follows (0018 here; whatever the chain puts before it)."""
    before = ScriptDirectory.from_config(_config()).get_revision("0021").down_revision
    assert isinstance(before, str)
    return before


def _migrate(engine: Engine, how: str, revision: str) -> None:
    config = _config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        getattr(command, how)(config, revision)


def test_existing_tutors_and_communities_get_their_digest_timers(engine: Engine) -> None:
    _migrate(engine, "downgrade", _before())
    db = SqlUnitOfWorkFactory(engine)
    with db() as uow:
        ids = {}
        for name in ("ana", "tom", "ida"):
            person = uow.people.add(
                Person(Identity(Platform.CONSOLE, "", name), name, "UTC", "en", NOW)
            )
            ids[name] = person.id
        cohort = uow.cohorts.add(Cohort("Spring", NOW))
        assert cohort.id is not None
        uow.memberships.add(Membership(cohort.id, ids["ana"], Role.LEARNER, NOW))
        uow.memberships.add(Membership(cohort.id, ids["tom"], Role.TUTOR, NOW, ids["ana"]))
        uow.memberships.add(
            Membership(cohort.id, ids["ida"], Role.TUTOR, NOW, ids["ana"], ended_at=NOW)
        )
        community = uow.communities.add(Community("facilitation", NOW, "console"))
        uow.commit()
    upgrade(engine)
    with db() as uow:
        timers = uow.timers.due(FAR, 100)
    assert {(t.kind, t.subject) for t in timers} == {
        ("nudges", str(ids["tom"])),
        ("cop-digest", str(community.id)),
    }
    for timer in timers:
        assert timer.due_at.weekday() == 0 and (timer.due_at.hour, timer.due_at.minute) == (9, 0)
    _migrate(engine, "downgrade", _before())
    with db() as uow:
        assert uow.timers.due(FAR, 100) == []
    upgrade(engine)
