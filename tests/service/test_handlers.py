"""The use cases, driven through `Tandem` with a fixed clock, on the fakes, SQLite and
PostgreSQL alike (the `uow_factory` fixture); what is stored is read back through the ports."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.clock import FixedClock
from bot.commands import NotYetAvailable
from bot.domain import EntrySource, Identity, Platform, Profile, Visibility
from bot.policy import Policy
from bot.ports import UnitOfWorkFactory
from bot.replies import Audience
from bot.service import Tandem
from tests.conftest import NOW, console_identity

ANA = console_identity("ana")


def entries_of(factory: UnitOfWorkFactory, name: str):
    with factory() as uow:
        person = uow.people.by_identity(console_identity(name))
        return [] if person is None else uow.diary.by_author(person.id, list(Visibility), None)


def test_a_diary_entry_is_stored_with_tags_visibility_source_and_time(tandem, uow_factory):
    [reply] = tandem.handle(
        ANA, "/learn diary Learned to give feedback #communication --share partner"
    )

    [entry] = entries_of(uow_factory, "ana")
    assert entry.text == "Learned to give feedback #communication"
    assert entry.tags == ("communication",)
    assert entry.visibility is Visibility.PARTNER
    assert entry.source is EntrySource.COMMAND
    assert entry.created_at == NOW
    assert reply.audience is Audience.ASKER
    assert "#communication" in reply.text and "partner" in reply.text
    assert not reply.is_error


def test_entries_are_private_by_default(tandem, uow_factory):
    tandem.handle(ANA, "/learn diary just for me")
    [entry] = entries_of(uow_factory, "ana")
    assert entry.visibility is Visibility.PRIVATE


def test_listing_shows_the_newest_first_in_the_askers_time_zone(tandem, clock: FixedClock):
    tandem.handle(ANA, "/learn diary first")
    clock.advance(timedelta(hours=1))
    tandem.handle(ANA, "/learn diary second --share group")

    [reply] = tandem.handle(ANA, "/learn diary")

    assert [s.text for s in reply.sections] == ["second", "first"]
    # NOW is 09:00 UTC; the fixture's default zone is Europe/Berlin (UTC+1 in winter)
    assert reply.sections[0].title == "Entry 2 · Mon 30 Nov 2026, 11:00 · group"
    assert reply.sections[1].title == "Entry 1 · Mon 30 Nov 2026, 10:00 · private"


def test_listing_is_capped_and_long_entries_are_shortened(tandem, clock):
    for i in range(12):
        clock.advance(timedelta(minutes=1))
        tandem.handle(ANA, f"/learn diary entry {i} " + "y" * 800)
    [reply] = tandem.handle(ANA, "/learn diary")
    *entries, footer = reply.sections
    assert len(entries) == 10 and footer.text.startswith("Page 1 of 2.")
    assert entries[0].text.startswith("entry 11 ")
    preview, hint = entries[0].text.split("… ")
    assert len(preview) == 500 and hint == "`/learn diary show 12` for all of it."


def test_an_empty_diary_says_how_to_start(tandem):
    [reply] = tandem.handle(ANA, "/learn diary")
    assert "empty" in reply.text and "/learn diary <text>" in reply.text


def test_a_person_is_registered_once_and_their_profile_kept_fresh(tandem, uow_factory):
    slack = Identity(Platform.SLACK, "T1", "U1")
    tandem.handle(slack, "/learn help", Profile("Ana", "America/New_York", "en-US"))
    tandem.handle(slack, "/learn help", Profile("Ana B.", "Europe/Berlin", None))
    with uow_factory() as uow:
        assert uow.people.count() == 1
        person = uow.people.by_identity(slack)
    assert (person.display_name, person.timezone, person.locale) == (
        "Ana B.",
        "Europe/Berlin",
        "en-US",
    )
    assert person.created_at == NOW


def test_an_unknown_platform_time_zone_falls_back_to_the_default(tandem, uow_factory):
    tandem.handle(ANA, "/learn help", Profile("ana", "Mars/Olympus_Mons"))
    with uow_factory() as uow:
        person = uow.people.by_identity(ANA)
    assert person.timezone == "Europe/Berlin"
    [reply] = tandem.handle(ANA, "/learn diary")  # and local times still render
    assert not reply.is_error


def test_help_names_the_askers_roles(uow_factory, clock):
    policy = Policy(facilitator_refs=frozenset({"slack:T1:UF"}))
    tandem = Tandem(uow_factory, clock, policy)
    [learner] = tandem.handle(Identity(Platform.SLACK, "T1", "U2"), "help")
    [facilitator] = tandem.handle(Identity(Platform.SLACK, "T1", "UF"), "help")
    assert "Your roles: learner." in learner.text
    assert "Your roles: learner, facilitator." in facilitator.text
    assert any(f.label == "/learn diary <text>" for s in learner.sections for f in s.fields)


def test_on_the_console_the_first_person_of_an_empty_database_facilitates(uow_factory, clock):
    tandem = Tandem(uow_factory, clock, Policy(first_person_is_facilitator=True))
    [first] = tandem.handle(console_identity("ana"), "help")
    [second] = tandem.handle(console_identity("ben"), "help")
    assert "facilitator" in first.text
    assert "facilitator" not in second.text


def test_planned_commands_say_they_are_not_available_yet(tandem):
    [reply] = tandem.execute(ANA, NotYetAvailable(word="later"))
    assert "not available in this version yet" in reply.text
    [cop] = tandem.handle(ANA, "/learn cop")  # communities of practice are here now
    assert "not available" not in cop.text


def test_export_contains_everything_about_the_asker_and_nobody_else(tandem):
    tandem.handle(ANA, "/learn diary mine #x")
    tandem.handle(console_identity("ben"), "/learn diary bens secret")
    [reply] = tandem.handle(ANA, "/learn privacy export")
    assert reply.audience is Audience.ASKER
    assert reply.attachment is not None
    document = json.loads(reply.attachment.content)
    assert document["person"]["ref"] == "console:ana"
    assert [e["text"] for e in document["diary"]] == ["mine #x"]
    assert "bens secret" not in reply.attachment.content


def test_forget_asks_first_and_erases_only_after_confirmation(tandem, uow_factory):
    tandem.handle(ANA, "/learn diary one")
    tandem.handle(console_identity("ben"), "/learn diary bens")

    [ask] = tandem.handle(ANA, "/learn privacy forget")
    assert "1 diary entries" in ask.text or "all 1 diary" in ask.text
    assert [b.command for b in ask.buttons] == ["privacy forget confirm", "privacy export"]
    assert len(entries_of(uow_factory, "ana")) == 1  # nothing erased yet

    [done] = tandem.handle(ANA, "/learn privacy forget confirm")
    assert "Erased" in done.text
    with uow_factory() as uow:
        assert uow.people.by_identity(ANA) is None and uow.people.count() == 1
        assert [e.text for e in uow.diary.containing(["one", "bens"])] == ["bens"]


def test_the_operators_export_and_forget(tandem, uow_factory):
    tandem.handle(ANA, "/learn diary one")
    assert json.loads(tandem.export(ANA))["diary"][0]["text"] == "one"
    assert tandem.forget(ANA)["diary entries"] == 1
    with uow_factory() as uow:
        assert uow.people.count() == 0 and uow.diary.containing(["one"]) == []


def test_a_double_click_acts_once_and_a_later_click_again(tandem, uow_factory, clock):
    from bot.domain import Incoming

    click = Incoming(
        "slack:click:T1:U1:message:D1:1.0:tandem:run:0:diary clicked", timedelta(seconds=30)
    )
    assert tandem.handle(ANA, "diary clicked", event=click)
    assert tandem.handle(ANA, "diary clicked", event=click) == []  # the double click
    clock.advance(timedelta(seconds=31))
    assert tandem.handle(ANA, "diary clicked", event=click)  # a deliberate click, later
    assert len(entries_of(uow_factory, "ana")) == 2


def test_an_event_without_a_window_acts_once_ever(tandem, uow_factory, clock):
    from bot.domain import Incoming

    event = Incoming("slack:event:Ev1")
    assert tandem.handle(ANA, "diary from an event", event=event)
    clock.advance(timedelta(days=30))
    assert tandem.handle(ANA, "diary from an event", event=event) == []
    assert len(entries_of(uow_factory, "ana")) == 1


def test_reading_commands_are_not_guarded(tandem):
    from bot.domain import Incoming

    show = Incoming("slack:click:same", timedelta(seconds=30))
    assert tandem.handle(ANA, "help", event=show)
    assert tandem.handle(ANA, "help", event=show)  # a second look is wanted, not a duplicate


def test_export_names_the_bonds_but_not_the_others(tandem, uow_factory):
    from bot.domain import Cohort, Membership, Role

    for name in ("ana", "pat", "tia"):
        tandem.handle(console_identity(name), "/learn help")
    with uow_factory() as uow:
        ana, pat, tia = (
            uow.people.by_identity(console_identity(n)).id for n in ("ana", "pat", "tia")
        )
        cohort = uow.cohorts.add(Cohort(name="Spring", created_at=NOW))
        for learner in (ana, pat):
            uow.memberships.add(Membership(cohort.id, learner, Role.LEARNER, NOW))
        uow.partnerships.add(cohort.id, [ana, pat], NOW)
        uow.memberships.add(Membership(cohort.id, tia, Role.TUTOR, NOW, accompanies=ana))
        uow.commit()
    document = json.loads(tandem.export(ANA))
    assert document["relations"] == {"learning_partners": 1, "learning_group_mates": 0, "tutors": 1}
    assert "pat" not in json.dumps(document) and "tia" not in json.dumps(document)


def test_forgetting_a_learner_keeps_their_tutor_in_the_cohort(tandem, uow_factory):
    from bot.domain import Cohort, Membership, Role

    for name in ("ana", "tia"):
        tandem.handle(console_identity(name), "/learn help")
    with uow_factory() as uow:
        ana, tia = (uow.people.by_identity(console_identity(n)).id for n in ("ana", "tia"))
        cohort = uow.cohorts.add(Cohort(name="Spring", created_at=NOW))
        uow.memberships.add(Membership(cohort.id, tia, Role.TUTOR, NOW, accompanies=ana))
        uow.commit()
    tandem.forget(ANA)
    with uow_factory() as uow:
        [membership] = uow.memberships.members(cohort.id)
    assert membership.person_id == tia and membership.accompanies is None
