"""Each person's language (issue 17, item 2): chosen with `/learn language de|en`, else
their platform's locale, else TANDEM_LOCALE; refusals made before the person is known in
it; and what the outbox carries to someone in the recipient's language, not the
sender's. On the fakes, SQLite and PostgreSQL alike (the `uow_factory` fixture)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from bot import i18n
from bot.checkin_messages import checkin_reply
from bot.checkins import Checkin
from bot.clock import FixedClock
from bot.commands import CommandError
from bot.domain import Identity, OutboxKind, Person, Profile
from bot.forms import FormError
from bot.policy import Policy
from bot.replies import Reply
from bot.scheduling import DueWork
from bot.scope import Scope
from bot.service import Tandem
from tests.conftest import NOW, console_identity
from tests.service.test_advice_wiring import grouped
from tests.service.test_kickoff import World
from tests.support.language import assert_german

ANA = console_identity("ana")
BEN = console_identity("ben")


def _person(locale: str, language: str | None = None) -> Person:
    return Person(ANA, "ana", "UTC", locale, NOW, language=language)


def test_the_chosen_language_comes_before_the_platform_and_the_default():
    policy = Policy(default_locale="de")
    assert policy.language_of(_person("en-US", language="de")) == "de"
    assert policy.language_of(_person("de-DE", language="en")) == "en"
    assert policy.language_of(_person("de-AT")) == "de"  # the platform's
    assert policy.language_of(_person("fr-FR")) == "de"  # none Tandem speaks: the default
    assert policy.language_of(None) == "de"
    assert Policy().language_of(_person("fr-FR")) == "en"
    # someone not stored yet: their profile's, else the default
    assert policy.language_for(None, Profile("x", locale="en-GB")) == "en"
    assert policy.language_for(None, Profile("x")) == "de"
    assert policy.language_for(_person("en-US", language="de"), Profile("x", "UTC", "en")) == "de"


def stored(uow_factory, identity: Identity = ANA) -> Person:  # noqa: ANN001
    with uow_factory() as uow:
        person = uow.people.by_identity(identity)
    assert person is not None
    return person


def test_language_alone_says_the_current_one_and_the_choices(tandem):
    [reply] = tandem.handle(ANA, "/learn language")
    assert reply.text.startswith("Tandem speaks English with you")
    assert "`/learn language de` (Deutsch)" in reply.text
    assert "`/learn language en` (English)" in reply.text
    assert not reply.is_error


def test_choosing_german_is_stored_and_answered_in_german(tandem, uow_factory):
    [chosen] = tandem.handle(ANA, "/learn language de")
    assert stored(uow_factory).language == "de"
    assert chosen.text.startswith("Ab jetzt spricht Tandem Deutsch mit dir.")
    assert "`/learn sprache en`" in chosen.text
    assert_german(chosen.text, allow=("English",))
    [shown] = tandem.handle(ANA, "/learn sprache")  # the German word too
    assert shown.text.startswith("Tandem spricht Deutsch mit dir, so wie du es gewählt hast.")
    assert_german(shown.text, allow=("English",))
    # and back; English words always work, and the answer is English again
    [back] = tandem.handle(ANA, "/learn sprache english")
    assert back.text.startswith("From now on Tandem speaks English with you.")
    assert stored(uow_factory).language == "en"


def test_a_platform_locale_is_used_until_a_language_is_chosen(tandem, uow_factory):
    german = Profile(display_name="Ana", locale="de-DE")
    [reply] = tandem.handle(ANA, "/learn language", german)
    assert reply.text.startswith(
        "Tandem spricht Deutsch mit dir; das ist die Sprache deiner Plattform."
    )
    assert stored(uow_factory).locale == "de-DE" and stored(uow_factory).language is None
    tandem.handle(ANA, "/learn language en", german)
    [reply] = tandem.handle(ANA, "/learn language", german)  # the choice outlasts the platform
    assert reply.text.startswith("Tandem speaks English with you: you chose it.")


def test_the_default_is_tandem_locale(uow_factory, clock: FixedClock):
    tandem = Tandem(uow_factory, clock, Policy(default_locale="de"))
    [reply] = tandem.handle(ANA, "/learn language")
    assert reply.text.startswith(
        "Tandem spricht Deutsch mit dir; das ist hier die Standardsprache."
    )


@pytest.mark.parametrize("word", ["fr", "klingon", "de en"])
def test_an_unknown_language_is_refused_and_changes_nothing(tandem, uow_factory, word):
    tandem.handle(ANA, "/learn language de")
    [reply] = tandem.handle(ANA, f"/learn language {word}")
    # said in German (she chose it): the command words in German, the English ones work too
    assert reply.is_error and "`/learn sprache en`" in reply.text
    assert stored(uow_factory).language == "de"


def test_a_refusal_before_the_person_is_known_is_made_in_their_language(
    tandem, uow_factory, monkeypatch
):
    """The parser's and a form's refusals are made inside the asker's language: the
    stored person's (chosen, else their platform's), else the profile's, else the
    default. (What the refusal says is the grammar's; here it says the language.)"""

    def refuse(line: str):  # noqa: ANN202
        raise CommandError(f"refused in {i18n.current()}")

    def refuse_form(form_id: str, values: dict):  # noqa: ANN202
        raise FormError("text", f"refused in {i18n.current()}")

    tandem.handle(ANA, "/learn language de")  # stored, chosen
    tandem.handle(BEN, "/learn diary hello", Profile("Ben", locale="en-US"))  # stored, platform
    monkeypatch.setattr("bot.service.parse", refuse)
    monkeypatch.setattr("bot.service.command_from_form", refuse_form)
    english = Profile("Ana", locale="en-US")
    assert tandem.handle(ANA, "/learn x", english)[0].text == "refused in de"
    assert tandem.handle(BEN, "/learn x", Profile("Ben", locale="de-DE"))[0].text == (
        "refused in de"  # the profile now says de-DE: it is refreshed when the line runs
    )
    assert tandem.handle(BEN, "/learn x")[0].text == "refused in en"  # stored: en-US
    newcomer = console_identity("cem")
    assert tandem.handle(newcomer, "/learn x", Profile("Cem", locale="de"))[0].text == (
        "refused in de"
    )
    assert tandem.handle(newcomer, "/learn x")[0].text == "refused in en"  # the default
    with pytest.raises(FormError, match="refused in de"):
        tandem.submit(ANA, "diary", {"text": "x"}, english)
    with pytest.raises(FormError, match="refused in de"):
        tandem.submit(newcomer, "diary", {"text": "x"}, Profile("Cem", locale="de-CH"))


def test_a_builder_runs_in_the_recipients_language(uow_factory):
    """`Scope.notify` and `send_later` run a builder inside the recipient's language,
    whatever the sender speaks; a prebuilt reply stays as it was made."""
    policy = Policy()
    with uow_factory() as uow:
        ana = uow.people.add(_person("en-US", language="de"))
        ben = uow.people.add(Person(BEN, "ben", "UTC", "en-GB", NOW))
        scope = Scope(uow=uow, now=NOW, policy=policy)
        with i18n.speaking("de"):  # a German sender
            scope.notify(ben.id, lambda: Reply(text=f"to ben in {i18n.current()}"), key="k1")
            scope.notify(ben.id, Reply(text=f"prebuilt in {i18n.current()}"), key="k2")
        with i18n.speaking("en"):
            scope.send_later(
                lambda: Reply(text=f"to ana in {i18n.current()}"),
                key="k3",
                kind=OutboxKind.MESSAGE,
                due_at=NOW,
                to=ana.id,
            )
            with pytest.raises(AssertionError, match="recipient"):
                scope.send_later(lambda: Reply(text="x"), "k4", OutboxKind.MESSAGE, NOW)
        uow.commit()
    with uow_factory() as uow:
        to_ben = [Reply.model_validate_json(m.payload) for m in uow.outbox.for_recipient(ben.id)]
        to_ana = [Reply.model_validate_json(m.payload) for m in uow.outbox.for_recipient(ana.id)]
    assert sorted(r.text for r in to_ben) == ["prebuilt in de", "to ben in en"]
    assert [r.text for r in to_ana] == ["to ana in de"]
    assert to_ana[0].recipient_id == ana.id


def _offers(world: World, name: str) -> list[Reply]:
    return [d for d in world.dms(name) if d.buttons and d.buttons[0].command == "advice file"]


@pytest.mark.parametrize(("actor", "recipient"), [("de", "en"), ("en", "de")])
def test_the_outbox_speaks_the_recipients_language_not_the_senders(
    uow_factory, actor: str, recipient: str
):
    """The moderator closes a colleague-advice round: each adviser is offered to file
    their contributions, in a DM through the outbox. A German moderator's closing tells
    an English adviser in English, and an English one's a German adviser in German."""
    world = grouped(World(uow_factory))
    world.say("ben", f"/learn language {actor}")  # the moderator
    world.say("cem", f"/learn language {recipient}")  # an adviser
    world.say("ana", "/learn advice Our reviews stall --moderator @ben")
    world.say("ben", "/learn advice next")  # to the case account
    world.say("ben", "/learn advice next")  # to the key question
    world.say("ana", "/learn advice key Who owns a review?")
    world.say("ben", "/learn advice next")  # to the method choice
    world.say("ben", "/learn advice method brainstorming")
    world.say("ben", "/learn advice next")  # to the consultation
    world.say("cem", "/learn advice say Ask who decides")
    world.say("cem", "/learn advice say Write it down")
    world.say("dia", "/learn advice say One owner per review")
    world.say("ben", "/learn advice next")  # the closing
    world.say("ana", "/learn advice helped 1 Name an owner")
    world.say("ben", "/learn advice next")  # closed: the offers go out
    [to_cem] = _offers(world, "cem")
    [to_dia] = _offers(world, "dia")  # dia chose nothing: the default, English
    assert to_dia.text == (
        "Thank you for advising ana. File your 1 contribution in your diary (your group sees it)?"
    )  # one contribution: the singular (it said "File your 1 contributions")
    if recipient == "en":
        assert to_cem.text == (
            "Thank you for advising ana. File your 2 contributions in your diary "
            "(your group sees them)?"
        )
        assert to_cem.buttons[0].label == "File in my diary"
    else:
        assert to_cem.text == (
            "Danke, dass du ana beraten hast. 2 Beiträge sind von dir: Möchtest du sie in "
            "deinem Projekttagebuch ablegen (deine Lerngruppe sieht sie)?"
        )
        assert to_cem.buttons[0].label == "Im Projekttagebuch ablegen"
        assert_german(to_cem.text)
    assert to_cem.buttons[0].command == "advice file"  # command words stay as they are


def test_a_check_in_is_asked_in_the_recipients_language(uow_factory, clock, monkeypatch):
    """What the heartbeat queues is built per recipient: the check-in's builder runs in
    the person's language, not in whatever language the tick happens to speak."""
    tandem = Tandem(uow_factory, clock, Policy(default_timezone="Europe/Berlin"))
    tandem.handle(ANA, "/learn language de")
    tandem.handle(BEN, "/learn language en")
    for person in (ANA, BEN):
        tandem.handle(person, "/learn checkin every mon,tue,wed,thu,fri 10:00")
    seen: dict[int, str] = {}

    def spy(person: Person, checkin: Checkin) -> Reply:
        seen[person.id] = i18n.current()
        return checkin_reply(person, checkin)

    monkeypatch.setattr("bot.scheduling.checkin_reply", spy)
    clock.advance(timedelta(days=1))
    with i18n.speaking("en"):
        assert DueWork(uow_factory, clock, tandem.policy).run().asked == 2
    assert seen == {stored(uow_factory, ANA).id: "de", stored(uow_factory, BEN).id: "en"}


def test_the_chosen_language_is_exported_and_erased_with_the_person(tandem, uow_factory):
    tandem.handle(ANA, "/learn language de")
    exported = json.loads(tandem.export(ANA))
    assert exported["person"]["language"] == "de"
    tandem.forget(ANA)
    with uow_factory() as uow:
        assert uow.people.by_identity(ANA) is None


def test_someone_named_before_they_came_follows_the_deployments_language(uow_factory):
    """Invited on the console (no platform profile), zed is stored with no locale of
    their own: the deployment's language reaches them, also after TANDEM_LOCALE changes."""
    english = Tandem(
        uow_factory, FixedClock(NOW), Policy(facilitator_refs=frozenset({"console:fay"}))
    )
    english.handle(console_identity("fay"), "/learn cohort open Spring")
    english.handle(console_identity("fay"), "/learn cohort invite @zed")
    zed = stored(uow_factory, console_identity("zed"))
    assert zed.locale == ""
    german = Policy(default_locale="de", facilitator_refs=frozenset({"console:fay"}))
    assert german.language_of(zed) == "de"
