"""The SQLAlchemy repositories and unit of work, on SQLite and (marked) on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select

from bot.domain import (
    Cohort,
    DiaryEntry,
    EntrySource,
    Membership,
    OutboxMessage,
    OutboxStatus,
    Person,
    Role,
    Visibility,
)
from storage.engine import make_engine, normalise_url
from storage.migrate import SchemaBehind, current_revision, head_revision, prepare
from storage.tables import diary_entries, metadata, people
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import NOW, console_identity


def _person(name: str) -> Person:
    return Person(console_identity(name), name, "Europe/Berlin", "de", NOW)


def test_schema_is_at_head_and_matches_the_tables_module(engine):
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []


def test_people_round_trip_and_identity_is_unique(engine):
    uow_factory = SqlUnitOfWorkFactory(engine)
    with uow_factory() as uow:
        ana = uow.people.add(_person("ana"))
        uow.commit()
    with uow_factory() as uow:
        loaded = uow.people.by_identity(console_identity("ana"))
        assert loaded == ana
        assert loaded.created_at.tzinfo is not None and loaded.created_at == NOW
        assert uow.people.find_in_workspace(console_identity("x"), "ANA") == [ana]
        twin = uow.people.add(_person("ana"))  # a second first contact: the same person
        assert twin == ana and uow.people.count() == 1


def test_a_unit_of_work_rolls_back_unless_committed(engine):
    uow_factory = SqlUnitOfWorkFactory(engine)
    with uow_factory() as uow:
        uow.people.add(_person("ana"))  # no commit
    with pytest.raises(RuntimeError), uow_factory() as uow:
        uow.people.add(_person("ben"))
        raise RuntimeError("boom")
    with uow_factory() as uow:
        assert uow.people.count() == 0


def test_diary_entries_keep_tags_visibility_source_and_order(engine):
    uow_factory = SqlUnitOfWorkFactory(engine)
    with uow_factory() as uow:
        ana = uow.people.add(_person("ana"))
        for i, visibility in enumerate(Visibility):
            uow.diary.add(
                DiaryEntry(
                    author_id=ana.id,
                    text=f"entry {i} — über #tags 🎉",
                    tags=("über", "tags"),
                    visibility=visibility,
                    source=EntrySource.CHECK_IN,
                    created_at=NOW + timedelta(minutes=i),
                )
            )
        uow.commit()
    with uow_factory() as uow:
        newest_first = uow.diary.by_author(ana.id, Visibility, limit=None)
        assert [e.visibility for e in newest_first] == list(reversed(Visibility))
        assert newest_first[0].text == f"entry {len(Visibility) - 1} — über #tags 🎉"
        assert newest_first[0].tags == ("über", "tags")
        assert newest_first[0].source is EntrySource.CHECK_IN
        shared = uow.diary.by_author(ana.id, {Visibility.GROUP, Visibility.TUTOR}, limit=1)
        assert [e.visibility for e in shared] == [Visibility.TUTOR]
        assert uow.diary.by_author(ana.id, [], limit=10) == []


def test_times_are_stored_as_utc_and_naive_times_are_refused(engine):
    uow_factory = SqlUnitOfWorkFactory(engine)
    berlin_morning = datetime(2026, 7, 1, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    with uow_factory() as uow:
        ana = uow.people.add(_person("ana"))
        uow.diary.add(DiaryEntry(author_id=ana.id, text="x", created_at=berlin_morning))
        uow.commit()
    with uow_factory() as uow:
        [entry] = uow.diary.by_author(ana.id, Visibility, None)
        assert entry.created_at == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)
        assert entry.created_at.utcoffset() == timedelta(0)
    with uow_factory() as uow, pytest.raises(Exception, match="naive"):
        uow.diary.add(DiaryEntry(author_id=ana.id, text="x", created_at=datetime(2026, 7, 1)))  # noqa: DTZ001


def test_relations_come_from_partnerships_groups_and_tutoring(engine):
    uow_factory = SqlUnitOfWorkFactory(engine)
    with uow_factory() as uow:
        ana, pat, gus, tia, zoe = (
            uow.people.add(_person(n)) for n in ("ana", "pat", "gus", "tia", "zoe")
        )
        cohort = uow.cohorts.add(Cohort(name="Spring", created_at=NOW))
        uow.memberships.add(Membership(cohort.id, tia.id, Role.TUTOR, NOW, ana.id))
        uow.partnerships.add(cohort.id, [ana.id, pat.id, zoe.id], NOW)  # a triad
        uow.groups.add(cohort.id, "G1", [ana.id, gus.id, pat.id], NOW)
        uow.commit()
    with uow_factory() as uow:
        circles = {c.kind: c for c in uow.memberships.circles_of(ana.id)}
        assert circles[Visibility.PARTNER].members == {ana.id, pat.id, zoe.id}
        assert circles[Visibility.GROUP].members == {ana.id, gus.id, pat.id}
        assert circles[Visibility.TUTOR].members == {ana.id, tia.id}
        assert circles[Visibility.TUTOR].learner_id == ana.id
        assert [c.kind for c in uow.memberships.circles_of(gus.id)] == [Visibility.GROUP]
        assert [m.role for m in uow.memberships.of(tia.id)] == [Role.TUTOR]
        assert uow.cohorts.get(cohort.id).name == "Spring"


def test_the_outbox_stores_each_idempotency_key_once(engine):
    uow_factory = SqlUnitOfWorkFactory(engine)

    def message(recipient_id: int) -> OutboxMessage:
        return OutboxMessage(
            recipient_id=recipient_id,
            payload='{"text": "time for your check-in"}',
            idempotency_key="checkin:1:2026-11-30T09:00",
            due_at=NOW,
            created_at=NOW,
        )

    with uow_factory() as uow:
        ana = uow.people.add(_person("ana"))
        assert uow.outbox.add(message(ana.id)) is True
        assert uow.outbox.add(message(ana.id)) is False  # the transaction survives this
        uow.diary.add(DiaryEntry(author_id=ana.id, text="same transaction", created_at=NOW))
        uow.commit()
    with uow_factory() as uow:
        [stored] = uow.outbox.for_recipient(ana.id)
        assert stored.status is OutboxStatus.PENDING and stored.due_at == NOW
        assert len(uow.diary.by_author(ana.id, Visibility, None)) == 1


def test_erasing_a_person_leaves_no_row_about_them(engine):
    uow_factory = SqlUnitOfWorkFactory(engine)
    with uow_factory() as uow:
        ana, ben = uow.people.add(_person("ana")), uow.people.add(_person("ben"))
        cohort = uow.cohorts.add(Cohort(name="Spring", created_at=NOW))
        uow.memberships.add(Membership(cohort.id, ana.id, Role.LEARNER, NOW))
        uow.memberships.add(Membership(cohort.id, ben.id, Role.TUTOR, NOW, ana.id))
        uow.partnerships.add(cohort.id, [ana.id, ben.id], NOW)
        uow.groups.add(cohort.id, "G", [ana.id, ben.id], NOW)
        uow.proposals.exclude(ben.id, ana.id)
        uow.diary.add(DiaryEntry(author_id=ana.id, text="a", created_at=NOW))
        uow.diary.add(DiaryEntry(author_id=ben.id, text="b", created_at=NOW))
        uow.outbox.add(OutboxMessage(ana.id, "{}", "k", NOW, NOW))
        uow.commit()
    with uow_factory() as uow:
        assert uow.diary.delete_by_author(ana.id) == 1
        assert uow.partnerships.delete_person(ana.id) == 1
        assert uow.groups.delete_person(ana.id) == 1
        assert uow.memberships.delete_person(ana.id) == 1
        assert uow.proposals.delete_person(ana.id) == 1  # ben's exclusion of her
        assert [m.accompanies for m in uow.memberships.of(ben.id)] == [None]  # ben stays
        assert uow.outbox.delete_for_recipient(ana.id) == 1
        uow.people.delete(ana.id)
        uow.commit()
    with engine.connect() as connection:
        assert connection.execute(select(people.c.user_id)).scalars().all() == ["ben"]
        assert connection.execute(select(diary_entries.c.text)).scalars().all() == ["b"]


def test_url_forms_all_mean_psycopg_3():
    assert normalise_url("postgresql://u@h/db").startswith("postgresql+psycopg://")
    assert normalise_url("postgres://u@h/db").startswith("postgresql+psycopg://")
    assert normalise_url("postgresql+psycopg://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert normalise_url("sqlite:///tandem.db") == "sqlite:///tandem.db"


def test_sqlite_runs_in_wal_mode_and_migrates_itself(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    prepare(engine)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


@pytest.mark.postgres
def test_a_postgresql_schema_behind_is_refused_not_migrated(postgres_schema_url):
    url, _ = postgres_schema_url
    from uuid import uuid4

    from sqlalchemy import text

    empty_schema = f"tandem_empty_{uuid4().hex[:8]}"
    admin = make_engine(url)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{empty_schema}"'))
    try:
        engine = make_engine(url, search_path=empty_schema)
        with pytest.raises(SchemaBehind, match="run `tandem migrate` first"):
            prepare(engine)
        assert current_revision(engine) is None  # nothing was created
        engine.dispose()
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{empty_schema}" CASCADE'))
        admin.dispose()


@pytest.mark.postgres
def test_two_first_contacts_of_one_person_at_once_make_one_person(postgres_engine):
    import threading

    from bot.clock import FixedClock
    from bot.policy import Policy
    from bot.service import Tandem

    tandem = Tandem(SqlUnitOfWorkFactory(postgres_engine), FixedClock(NOW), Policy())
    start = threading.Barrier(4, timeout=30)
    replies = []

    def first_contact(i: int) -> None:
        start.wait()
        replies.extend(tandem.handle(console_identity("ana"), f"/learn diary entry {i}"))

    threads = [threading.Thread(target=first_contact, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert [r.is_error for r in replies] == [False] * 4
    with postgres_engine.connect() as connection:
        assert connection.execute(select(people.c.user_id)).scalars().all() == ["ana"]
        assert len(connection.execute(select(diary_entries.c.id)).all()) == 4


def test_incoming_events_with_and_without_a_window(engine):
    uow_factory = SqlUnitOfWorkFactory(engine)
    window = timedelta(seconds=30)
    with uow_factory() as uow:
        assert uow.inbound.record("ev", NOW) is True
        assert uow.inbound.record("ev", NOW + timedelta(days=9)) is False
        assert uow.inbound.record("click", NOW, window) is True
        assert uow.inbound.record("click", NOW + timedelta(seconds=5), window) is False
        assert uow.inbound.record("click", NOW + timedelta(seconds=31), window) is True
        assert uow.inbound.record("click", NOW + timedelta(seconds=40), window) is False
        uow.commit()


def test_live_replicas_are_counted_and_the_gone_forgotten(engine):
    from storage.replicas import Replicas

    replicas = Replicas(engine)
    assert replicas.beat("a:1", NOW) == 1
    assert replicas.beat("b:2", NOW + timedelta(seconds=10)) == 2
    assert replicas.beat("a:1", NOW + timedelta(seconds=65)) == 2  # b beat 55 s ago: alive
    assert replicas.beat("a:1", NOW + timedelta(seconds=80)) == 1  # b is gone
    replicas.leave("a:1")
    assert replicas.beat("c:3", NOW + timedelta(seconds=81)) == 1


def test_incoming_event_keys_are_stored_as_digests_and_pruned(engine):
    from storage.tables import inbound_events

    uow_factory = SqlUnitOfWorkFactory(engine)
    with uow_factory() as uow:
        uow.inbound.record("slack:click:T1:U0ANA:message:D1:1.0:tandem:run:0:help", NOW)
        uow.inbound.record("old", NOW - timedelta(days=8))
        assert uow.inbound.prune(NOW - timedelta(days=7)) == 1
        uow.commit()
    with engine.connect() as connection:
        [key] = connection.execute(select(inbound_events.c.key)).scalars().all()
    assert "U0ANA" not in key and len(key) == 64


@pytest.mark.postgres
def test_a_postgresql_connection_gives_up_on_a_server_that_went_silent(postgres_schema_url):
    """libpq's TCP user timeout and keepalives, unless the URL sets its own: a server gone
    without closing the connection ends it within seconds, not the kernel's many minutes
    (the ack path has one inbox writer, storage/engine.py)."""
    url, _ = postgres_schema_url
    for given, expected in ((url, "10000"), (f"{url}?tcp_user_timeout=2500", "2500")):
        engine = make_engine(given)
        with engine.connect() as connection:
            parameters = connection.connection.driver_connection.info.get_parameters()
        engine.dispose()
        assert parameters["tcp_user_timeout"] == expected
        assert parameters["keepalives_idle"] == "30"
