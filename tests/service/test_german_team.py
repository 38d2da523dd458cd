"""The cohort's and the facilitator's words in German (issue 17, item 1): a facilitator
whose platform speaks German opens a cohort, invites, adds a tutor, kicks off, proposes
and confirms pairs and groups, looks at the waiting proposal and closes the cohort, and
every answer she reads is German; a German learner's `/learn` and `/learn next` are
German. What is said to someone else (the invitation, the tutor's and the learner's
notes, the kickoff, the introductions, the co-coaching prompt, the facilitators' digest)
is built in the recipient's language: German for German people, the English of before
for English ones, whoever acted.

Through the real commands, on the fakes and on SQLite (and PostgreSQL when there is one).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import FixedClock
from bot.domain import Identity, Profile
from bot.policy import Policy
from bot.ports import UnitOfWorkFactory
from bot.replies import Reply
from bot.scheduling import DueWork
from bot.service import Tandem
from tests.conftest import NOW, console_identity
from tests.service.test_kickoff import MODEL
from tests.support.fakes import FakeDatabase
from tests.support.language import assert_german

FAY = console_identity("fay")  # a facilitator, English
UTA = console_identity("uta")  # a facilitator whose platform speaks German
ANA = console_identity("ana")  # German learners
CEM = console_identity("cem")
BEN = console_identity("ben")  # English learners
DIA = console_identity("dia")
TOM = console_identity("tom")  # a German tutor
GERMAN = {who: Profile(display_name=who.user_id, locale="de-DE") for who in (UTA, ANA, CEM, TOM)}
# The command words and parsed values an answer names as they are typed.
COMMAND_WORDS = ("tutor", "manager", "pairs", "groups")


class World:
    def __init__(self, factory: UnitOfWorkFactory | None = None) -> None:
        self.db = factory or FakeDatabase()
        self.clock = FixedClock(NOW)
        self.policy = Policy(
            competences=MODEL,
            facilitator_refs=frozenset({"console:fay", "console:uta"}),
            default_timezone="Europe/Berlin",
        )
        self.tandem = Tandem(self.db, self.clock, self.policy)

    def say(self, who: Identity, line: str) -> Reply:
        replies = self.tandem.handle(who, line, GERMAN.get(who))
        assert len(replies) == 1, replies
        return replies[0]

    def cohort(self) -> int:
        with self.db() as uow:
            found = uow.cohorts.all()[-1].id
        assert found is not None
        return found

    def messages(self, who: Identity, prefix: str) -> list[Reply]:
        """What was queued for `who` under keys starting with `prefix`, oldest first."""
        with self.db() as uow:
            person = uow.people.by_identity(who)
            assert person is not None and person.id is not None
            rows = uow.outbox.for_recipient(person.id)
        return [
            Reply.model_validate_json(r.payload)
            for r in rows
            if r.idempotency_key.startswith(prefix)
        ]

    def known(self) -> None:
        """Everyone has written to Tandem once: their platforms' languages are known."""
        for who in (UTA, FAY, ANA, CEM, BEN, DIA, TOM):
            self.say(who, "/learn")

    def joined(self, facilitator: Identity = UTA) -> int:
        """A cohort of ana, ben, cem and dia (joined), tom ana's tutor."""
        self.known()
        self.say(facilitator, "/learn cohort open Frühling")
        self.say(facilitator, "/learn cohort invite @ana @ben @cem @dia")
        self.say(facilitator, "/learn cohort add @tom tutor --of @ana")
        cohort = self.cohort()
        for who in (ANA, BEN, CEM, DIA):
            self.say(who, f"/learn cohort join {cohort}")
        return cohort


@pytest.fixture
def world(uow_factory: UnitOfWorkFactory) -> World:
    return World(uow_factory)


def said(reply: Reply) -> str:
    """Everything of `reply` a person reads: text, sections, buttons, the next step."""
    parts = [reply.text]
    for section in reply.sections:
        parts += [section.title or "", section.text]
        parts += [f"{f.label}: {f.value}" for f in section.fields]
    parts += [b.label for b in reply.buttons]
    parts.append(reply.next_step or "")
    return "\n".join(p for p in parts if p)


def german(reply: Reply) -> str:
    text = said(reply)
    assert_german(text, allow=COMMAND_WORDS)
    return text


def test_a_german_facilitator_runs_a_cohort_in_german(world):
    world.known()
    opened = german(world.say(UTA, "/learn cohort open Frühling"))
    assert "Frühling ist zur Vorbereitung offen" in opened
    invited = german(world.say(UTA, "/learn cohort invite @ana @ben @cem @dia"))
    assert invited.startswith("In Frühling eingeladen: ana, ben, cem, dia.")
    again = german(world.say(UTA, "/learn cohort invite @ana"))
    assert "niemand Neues" in again and "Schon dabei oder eingeladen: ana." in again
    added = german(world.say(UTA, "/learn cohort add @tom tutor --of @ana"))
    assert added.startswith("Zu Frühling hinzugefügt: tom als Tutor:in von ana.")
    cohort = world.cohort()
    for who in (ANA, BEN, CEM, DIA):
        world.say(who, f"/learn cohort join {cohort}")

    listed = german(world.say(UTA, "/learn cohort"))
    assert "in Vorbereitung" in listed and "4 Lernende, 1 Tutor:in" in listed
    assert "Was jetzt ansteht" in listed
    kicked = german(world.say(UTA, "/learn cohort kickoff"))
    assert "ist in ihren Lernphasen" in kicked

    proposed = german(world.say(UTA, "/learn cohort pair"))
    assert "Vorgeschlagene Tandems für Frühling" in proposed
    assert "2 Tandems vorgeschlagen. Pass sie mit" in proposed
    waiting = german(world.say(UTA, "/learn cohort proposal"))
    assert "Was in Frühling auf deine Bestätigung wartet:" in waiting
    assert "Bestätige mit `/learn cohort confirm pairs`." in waiting
    confirmed = german(world.say(UTA, "/learn cohort confirm pairs"))
    assert confirmed.startswith("2 Tandems in Frühling bestätigt; alle wurden informiert.")
    again = german(world.say(UTA, "/learn cohort pair"))
    assert "Jede bestätigte Lernpartnerschaft in Frühling passt noch" in again

    groups = german(world.say(UTA, "/learn cohort groups"))
    assert "1 Lerngruppe vorgeschlagen" in groups
    grouped = german(world.say(UTA, "/learn cohort confirm groups"))
    assert grouped.startswith("1 Lerngruppe in Frühling bestätigt")
    closed = german(world.say(UTA, "/learn cohort close"))
    assert closed.startswith("Kohorte Frühling ist abgeschlossen.")
    listed = german(world.say(UTA, "/learn cohort"))
    assert "abgeschlossen" in listed


def test_a_german_facilitators_refusals_are_german(world):
    world.known()
    world.say(UTA, "/learn cohort open Frühling")
    refused = world.say(UTA, "/learn cohort open Frühling")
    assert refused.is_error
    assert german(refused) == "Eine Kohorte namens Frühling ist schon offen."
    refused = world.say(UTA, "/learn cohort confirm pairs")
    assert german(refused) == ("Es gibt keinen Vorschlag für Tandems, den du bestätigen kannst.")
    refused = world.say(UTA, "/learn cohort add @nobody tutor --of @zed")
    assert "Ich kenne hier niemanden namens @zed" in german(refused)
    refused = world.say(ANA, "/learn cohort open Sommer")  # no facilitator
    assert german(refused).startswith("Nur Programmverantwortliche leiten Kohorten.")


def test_a_german_learners_way_through_is_german(world):
    world.joined(FAY)  # an English facilitator: she reads her own language still
    stand = german(world.say(ANA, "/learn"))
    assert stand.startswith("Wo du stehst (Lernende:r):")
    assert "Frühling (in Vorbereitung): Lernende:r" in stand
    assert "Was jetzt ansteht" in stand and "`/learn assess`" in stand
    nxt = german(world.say(ANA, "/learn next"))
    assert nxt == stand
    partner = german(world.say(ANA, "/learn partner"))
    assert "Du hast noch keine Lernpartner:in" in partner
    cohorts = german(world.say(ANA, "/learn cohort"))
    assert cohorts.startswith("Deine Kohorten\nFrühling: Lernende:r")
    # the English learner and facilitator read the English of before
    assert world.say(BEN, "/learn").text == "Where you stand (learner):"
    assert world.say(FAY, "/learn cohort").text == "Cohorts"


def test_each_member_hears_of_the_cohort_in_their_own_language(world):
    cohort = world.joined(UTA)  # a German facilitator invites English people too
    [invitation] = world.messages(ANA, f"cohort:{cohort}:invite:")
    assert "uta lädt dich in die Lernkohorte Frühling ein." in german(invitation)
    assert [b.label for b in invitation.buttons] == ["Beitreten", "Ablehnen"]
    [english] = world.messages(BEN, f"cohort:{cohort}:invite:")
    assert english.text == "uta invites you to the learning cohort Frühling."
    assert [b.label for b in english.buttons] == ["Join", "Decline"]
    [tutor] = world.messages(TOM, f"cohort:{cohort}:member:")
    assert "als Tutor:in von ana hinzugefügt" in german(tutor)
    [sees] = world.messages(ANA, f"cohort:{cohort}:tutor-sees:")
    assert german(sees).startswith("tom ist deine Tutor:in in Frühling.")

    world.say(UTA, "/learn cohort kickoff")
    [started] = world.messages(ANA, f"cohort:{cohort}:kickoff:")
    assert "Frühling hat ihre Lernphasen begonnen." in german(started)
    assert "Du lernst jetzt in deiner eigenen Arbeit" in said(started)
    [tutor] = world.messages(TOM, f"cohort:{cohort}:kickoff:")
    assert "Du begleitest jetzt deine Lernenden" in german(tutor)
    [english] = world.messages(BEN, f"cohort:{cohort}:kickoff:")
    assert english.text == "Frühling has started its learning phases."
    assert english.sections[1].title == "What to do now"

    world.say(UTA, "/learn cohort pair")
    world.say(UTA, "/learn cohort confirm pairs")
    [intro] = world.messages(ANA, "partnership:")
    assert "Alle zwei Wochen bekommst du einen Co-Coaching-Impuls" in german(intro)
    [intro] = world.messages(BEN, "partnership:")
    assert intro.text.startswith("Your learning partner: ")
    world.say(UTA, "/learn cohort groups")
    world.say(UTA, "/learn cohort confirm groups")
    [group] = world.messages(CEM, "group:")
    assert german(group).startswith("Deine Lerngruppe in Frühling: ")
    [group] = world.messages(DIA, "group:")
    assert group.text.startswith("Your learning group in Frühling: ")

    # the co-coaching prompt, due after the interval, in each partner's language
    world.clock.advance(world.policy.cocoaching_every + timedelta(days=1))
    DueWork(world.db, world.clock, world.policy).run()
    [prompt] = world.messages(ANA, "cocoaching:")
    assert "Zeit für Co-Coaching mit " in german(prompt)
    assert [b.label for b in prompt.buttons] == ["Wir haben uns getroffen", "Hat nicht geklappt"]
    [prompt] = world.messages(BEN, "cocoaching:")
    assert prompt.text.startswith("Time for co-coaching with ")

    world.say(UTA, "/learn cohort close")
    [ended] = world.messages(ANA, "partnership:ended:")
    assert "uta hat die Kohorte abgeschlossen" in german(ended)
    [ended] = world.messages(BEN, "partnership:ended:")
    assert "uta closed the cohort" in ended.text


def test_the_digest_is_in_each_facilitators_language(world):
    world.joined(UTA)
    world.say(DIA, "/learn cohort leave")
    [mine] = world.messages(UTA, "digest:")
    text = german(mine)
    assert text.startswith("Was heute in deinen Kohorten passiert ist:")
    assert "• ana ist Frühling beigetreten." in text
    assert "• dia ist Frühling beigetreten." in text
    [theirs] = world.messages(FAY, "digest:")
    assert theirs.text == "What happened in your cohorts today:"
    assert "• ana joined Frühling." in theirs.sections[0].text.split("\n")


def test_the_cohorts_counts_use_the_plural_forms_in_both_languages(world):
    world.known()
    world.say(UTA, "/learn cohort open Frühling")
    world.say(UTA, "/learn cohort invite @ana")
    world.say(ANA, f"/learn cohort join {world.cohort()}")
    world.say(UTA, "/learn cohort add @tom manager --of @ana")
    listed = german(world.say(UTA, "/learn cohort"))
    assert "1 Lernende:r, 1 Führungskraft" in listed
    english = said(world.say(FAY, "/learn cohort"))
    assert "1 learner, 1 manager" in english


def test_a_german_tutor_is_refused_alike_whether_or_not_the_learner_exists(world):
    """The refusal names no one: a learner who exists (and is not theirs) and one who
    does not get the same words, in the asker's language."""
    world.joined(UTA)
    nobody = world.say(TOM, "/learn goals add @zed communication 2->4 matters")
    someone = world.say(TOM, "/learn goals add @ben communication 2->4 matters")
    assert nobody.is_error and someone.is_error
    assert nobody.text == someone.text
    assert german(nobody).startswith("Du siehst Ziele, Einschätzungen und Fortschritt")
    english = world.say(BEN, "/learn goals add @zed communication 2->4 matters")
    assert english.text.startswith("You see the goals, assessments and progress")
