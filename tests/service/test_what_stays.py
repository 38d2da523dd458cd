"""What a person wrote stays (issue 14, item 5): a snooze after the reminder asks again;
a late reply to a missed check-in is kept, marked late; Slack links keep their URL; one's
diary can be read in full, paged, corrected and pruned, and only one's own.

The use cases run on the fakes, on SQLite and on PostgreSQL alike, with a fixed clock;
the heartbeat and the delivery loop are driven by hand, so nothing sleeps.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from hypothesis import assume, given
from hypothesis import strategies as st
from sqlalchemy import Engine, text

from adapters.slack.identity import plain_text
from bot.checkins import CheckinStatus
from bot.clock import FixedClock
from bot.commands import (
    MAX_DIARY_CHARS,
    CommandError,
    DeleteDiaryEntry,
    EditDiaryEntry,
    ListDiary,
    ShowDiaryEntry,
    WriteDiary,
)
from bot.delivery import Delivery, SendResult
from bot.domain import (
    Cohort,
    DiaryEntry,
    EntrySource,
    Incoming,
    Membership,
    OutboxKind,
    OutboxMessage,
    Person,
    Role,
)
from bot.domain import Visibility as V
from bot.grammar.table import parse
from bot.policy import Policy
from bot.ports import UnitOfWorkFactory
from bot.replies import Reply
from bot.scheduling import DueWork
from bot.service import NOTHING_PENDING, Tandem
from storage.engine import make_engine
from storage.migrate import _config
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import console_identity
from tests.support.fakes import FakeDatabase

ANA, BEN, PAT, MAX = (console_identity(n) for n in ("ana", "ben", "pat", "max"))
# Monday 30 November 2026, 08:00 UTC = 09:00 in Berlin
MONDAY_0900 = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@pytest.fixture(params=["fake", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def factory(request: pytest.FixtureRequest) -> UnitOfWorkFactory:
    """The same use-case tests over the fakes, SQLite and PostgreSQL."""
    if request.param == "fake":
        return FakeDatabase()
    return SqlUnitOfWorkFactory(request.getfixturevalue(f"{request.param}_engine"))


class RecordingSender:
    """The adapter's side of delivery: records each message it is handed, once per key."""

    def __init__(self) -> None:
        self.sent: dict[str, Reply] = {}

    def send(
        self, recipient: Person, reply: Reply, idempotency_key: str, attempt: int = 1
    ) -> SendResult:
        self.sent.setdefault(idempotency_key, reply)
        return SendResult.sent()


class World:
    """The core, the heartbeat's use case and the delivery loop on one database and clock."""

    def __init__(self, factory: UnitOfWorkFactory, start: datetime) -> None:
        self.factory = factory
        self.clock = FixedClock(start)
        policy = Policy(
            default_timezone="Europe/Berlin", facilitator_refs=frozenset({"console:fay"})
        )
        self.tandem = Tandem(factory, self.clock, policy)
        self.due = DueWork(factory, self.clock, policy)
        self.delivery = Delivery(factory, self.clock, "test-worker")
        self.sender = RecordingSender()

    def say(self, line: str, who=ANA) -> Reply:
        [reply] = self.tandem.handle(who, line)
        return reply

    def dm(self, text: str, who=ANA) -> Reply:
        [reply] = self.tandem.message(who, text)
        return reply

    def step_until(self, end: datetime) -> None:
        """From event to event up to `end`: tick, then deliver what the tick queued."""
        while (event := self.due.next_event_at()) is not None and event <= end:
            self.clock.set(max(event, self.clock.now()))
            self.due.run()
            self.delivery.drain(self.sender)
        self.clock.set(end)
        self.due.run()
        self.delivery.drain(self.sender)

    def messages(self) -> list[OutboxMessage]:
        with self.factory() as uow:
            person = uow.people.by_identity(ANA)
            return sorted(uow.outbox.for_recipient(person.id), key=lambda m: (m.due_at, m.id))

    def delivered(self) -> list[str]:
        return [reply.text for reply in self.sender.sent.values()]

    def checkins(self):
        with self.factory() as uow:
            person = uow.people.by_identity(ANA)
            return uow.checkins.for_person(person.id)

    def entries(self, who=ANA) -> list[DiaryEntry]:
        with self.factory() as uow:
            person = uow.people.by_identity(who)
            if person is None:
                return []
            return uow.diary.by_author(person.id, V, None)


# -- 1. a snooze after the reminder asks again --------------------------------------------


def test_a_snooze_after_the_reminder_asks_again_once(factory):
    world = World(factory, MONDAY_0900 - timedelta(days=1))
    world.say("/learn checkin every mon 09:00")
    world.step_until(MONDAY_0900 + timedelta(hours=4, minutes=1))
    asked, reminded = world.delivered()
    assert asked.startswith("Time for your check-in") and asked != reminded
    assert "A gentle reminder" in reminded

    snoozed = world.say("/learn checkin snooze 1h")
    assert snoozed.text == "I will ask again at Mon 30 Nov 2026 14:01."
    world.step_until(MONDAY_0900 + timedelta(hours=5, minutes=30))
    assert len(world.delivered()) == 3  # the re-ask went out, as a message of its own
    assert "A gentle reminder" in world.delivered()[2]
    world.due.run()  # another tick at the same moment sends nothing more
    world.delivery.drain(world.sender)
    assert len(world.delivered()) == 3

    world.say("/learn checkin snooze 2h")  # a second snooze asks a third time: asked
    world.step_until(MONDAY_0900 + timedelta(hours=8))  # for, so past the daily cap of 3
    assert len(world.delivered()) == 4
    assert len(set(world.sender.sent)) == 4  # four keys: each real ask is delivered once
    kinds = [m.kind for m in world.messages()]
    assert kinds == [
        OutboxKind.CHECKIN,
        OutboxKind.REMINDER,
        OutboxKind.SNOOZED,
        OutboxKind.SNOOZED,
    ]


# -- 2. a late reply to a missed check-in is kept -----------------------------------------


def _missed(world: World) -> None:
    world.say("/learn checkin every mon 09:00")
    world.step_until(MONDAY_0900 + timedelta(days=1, hours=1))  # past the answer window
    [checkin] = world.checkins()
    assert checkin.status is CheckinStatus.MISSED


def test_a_reply_after_the_check_in_was_missed_is_kept_as_a_late_entry(factory):
    world = World(factory, MONDAY_0900 - timedelta(days=1))
    _missed(world)
    reply = world.dm("Sorry, I was ill. I tried #feedback rounds after all.")
    assert reply.text.startswith("Saved as a late answer to Monday's check-in")
    assert not reply.is_error
    [entry] = world.entries()
    assert entry.text == "Sorry, I was ill. I tried #feedback rounds after all."
    assert entry.source is EntrySource.LATE_CHECK_IN and entry.visibility is V.PRIVATE
    [checkin] = world.checkins()
    assert checkin.status is CheckinStatus.MISSED and checkin.entry_id == entry.id

    again = world.dm("And one more thing.")  # a second message is kept too
    assert again.text.startswith("Saved as a late answer")
    assert [e.text for e in world.entries()] == ["And one more thing.", entry.text]
    assert world.checkins()[0].entry_id == entry.id  # the check-in keeps its first answer
    listing = world.say("/learn diary")
    assert "late check-in answer" in listing.sections[0].title

    # the check-in form submitted late is kept as well, not refused
    [form] = world.tandem.submit(ANA, "checkin", {"text": "From the form, late"})
    assert form.text.startswith("Saved as a late answer")
    assert len(world.entries()) == 3


def test_an_empty_late_reply_is_refused_and_stores_nothing(factory):
    world = World(factory, MONDAY_0900 - timedelta(days=1))
    _missed(world)
    reply = world.dm("   ")
    assert reply.is_error and "empty" in reply.text
    too_long = world.dm("x" * (MAX_DIARY_CHARS + 1))
    assert too_long.is_error and "limit" in too_long.text
    assert world.entries() == []


def test_a_message_is_no_late_answer_without_a_recent_missed_check_in(factory):
    world = World(factory, MONDAY_0900 - timedelta(days=1))
    assert world.dm("hello").text == NOTHING_PENDING  # never asked anything
    assert world.entries() == []
    _missed(world)
    world.clock.advance(timedelta(days=8))  # a week after the expiry: no longer an answer
    assert world.dm("hello again").text == NOTHING_PENDING
    assert world.entries() == []


def test_an_answer_in_time_is_not_marked_late(factory):
    world = World(factory, MONDAY_0900 - timedelta(days=1))
    world.say("/learn checkin every mon 09:00")
    world.step_until(MONDAY_0900 + timedelta(minutes=5))
    assert world.dm("On time").text.startswith("Thank you.")
    [entry] = world.entries()
    assert entry.source is EntrySource.CHECK_IN


# -- 3. Slack links keep their URL ---------------------------------------------------------

LINKS = [
    ("Read <https://x.y|this article>", "Read this article (https://x.y)"),
    ("Read <https://x.y>", "Read https://x.y"),
    ("<https://x.y/a?b=1&amp;c=2|A &amp; B>", "A & B (https://x.y/a?b=1&c=2)"),
    ("<https://x.y/p|left | right>", "left | right (https://x.y/p)"),
    ("<https://x.y|a|b|c>", "a|b|c (https://x.y)"),
    (
        "<https://de.wikipedia.org/wiki/Kollegiale_Beratung|Kollegiale Beratung – „so geht’s“ 🧑‍🤝‍🧑>",
        "Kollegiale Beratung – „so geht’s“ 🧑‍🤝‍🧑 (https://de.wikipedia.org/wiki/Kollegiale_Beratung)",
    ),
    ("<https://例え.jp/パス|日本語のラベル>", "日本語のラベル (https://例え.jp/パス)"),
    ("<https://x.y/%7Cpipe|עברית ‏mixed‎ RTL>", "עברית ‏mixed‎ RTL (https://x.y/%7Cpipe)"),
    ("<http://x.y/doc|x.y/doc>", "http://x.y/doc"),  # Slack's auto-link of a typed x.y/doc
    ("<mailto:ana@x.y|ana@x.y>", "ana@x.y"),
    ("<mailto:ana@x.y|write to Ana>", "write to Ana (mailto:ana@x.y)"),
    ("two <https://a.b|one> and <https://c.d|two>", "two one (https://a.b) and two (https://c.d)"),
    ("<@U123> and <@W9|ana> in <#C1|general> and <#C2>", "@U123 and @W9 in #general and #C2"),
    ("a &lt;b&gt; &amp;amp; c", "a <b> &amp; c"),
    ("<!here> stays", "<!here> stays"),
]


@pytest.mark.parametrize(("slack", "stored"), LINKS, ids=[s for s, _ in LINKS])
def test_slack_text_keeps_link_label_and_url(slack: str, stored: str) -> None:
    assert plain_text(slack) == stored


_LABELS = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="<>&"), min_size=1
).filter(lambda label: label.strip() != "")
_PATHS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-._~%/?=#äöü€", max_size=30)


@given(label=_LABELS, path=_PATHS)
def test_any_label_and_url_both_survive(label: str, path: str) -> None:
    url = f"https://x.y/{path}"
    assume(label.strip() not in (url, url.removeprefix("https://")))
    assert plain_text(f"see <{url}|{label}> now") == f"see {label.strip()} ({url}) now"


def test_a_slack_link_in_a_diary_entry_is_stored_with_its_url(factory):
    world = World(factory, MONDAY_0900)
    line = plain_text("diary Found <https://x.y/guide|this | guide 📘> #feedback")
    assert "Saved to your diary" in world.say(line).text
    [entry] = world.entries()
    assert entry.text == "Found this | guide 📘 (https://x.y/guide) #feedback"


# -- 4. show, pages, edit, delete ----------------------------------------------------------


def _write(world: World, count: int, who=ANA, length: int = 20) -> None:
    for i in range(1, count + 1):
        world.clock.advance(timedelta(minutes=1))
        body = f"entry {i} " + "x" * max(0, length - 10)
        assert "Saved" in world.say(f"/learn diary {body}", who).text


def test_pages_of_ten_newest_first_numbered_per_author(factory):
    world = World(factory, MONDAY_0900)
    _write(world, 3, who=BEN)  # Ben's entries do not move Ana's numbers
    _write(world, 23)
    first = world.say("/learn diary")
    *entries, footer = first.sections
    assert [s.title.split(" · ")[0] for s in entries] == [f"Entry {n}" for n in range(23, 13, -1)]
    assert footer.text == "Page 1 of 3. `/learn diary --page 2` shows older entries."
    second = world.say("/learn diary --page 2")
    assert second.sections[0].title.startswith("Entry 13 ·")
    last = world.say("/learn diary --page 3")
    *entries, footer = last.sections
    assert [s.text.split(" x")[0] for s in entries] == ["entry 3", "entry 2", "entry 1"]
    assert footer.text == "Page 3 of 3, the oldest entries."
    beyond = world.say("/learn diary --page 4")
    assert beyond.is_error and "There are 3 pages" in beyond.text


def test_show_gives_an_entry_in_full_and_a_cut_listing_says_how(factory):
    world = World(factory, MONDAY_0900)
    _write(world, 1)
    world.clock.advance(timedelta(minutes=1))
    long_text = "Ünïcødé ✓ " + "long reflection " * 180
    world.say(f"/learn diary {long_text.strip()} #feedback --share tutor")
    listing = world.say("/learn diary")
    cut = listing.sections[0].text
    assert cut.endswith("… `/learn diary show 2` for all of it.")
    assert "for all of it" not in listing.sections[1].text  # a short entry is shown whole
    shown = world.say("/learn diary show 2")
    assert shown.text == "Diary entry 2"
    assert shown.sections[0].text == f"{long_text.strip()} #feedback"
    assert "tutor" in shown.sections[0].title and "#feedback" in shown.sections[0].title
    assert world.say("/learn diary show #1").sections[0].text.startswith("entry 1")


def test_the_home_tab_says_how_to_read_a_cut_entry(factory):
    world = World(factory, MONDAY_0900)
    _write(world, 1, length=400)
    _write(world, 1, length=100)
    home = world.tandem.home(ANA)
    long, short = [s for s in home.sections if s.title and s.title.startswith("Entry ")][::-1]
    assert long.title.startswith("Entry 1 · ") and short.title.startswith("Entry 2 · ")
    assert long.text.endswith("… `/learn diary show 1` for all of it.")
    assert "for all of it" not in short.text


def test_edit_changes_the_text_and_keeps_who_sees_it(factory):
    world = World(factory, MONDAY_0900)
    _pair_ana_with_pat(world)
    world.say("/learn diary Tried the thing --share partner")
    reply = world.say("/learn diary edit 1 Tried the #feedback thing, twice")
    assert reply.text.startswith("Changed diary entry 1.") and not reply.is_error
    [entry] = world.entries()
    assert entry.text == "Tried the #feedback thing, twice"
    assert entry.visibility is V.PARTNER and entry.number == 1
    assert world.say("/learn diary --of @ana", PAT).sections[0].text == entry.text
    assert world.say("/learn diary --of @ana", MAX).text == (
        "ana has shared no diary entries with you."
    )


def test_delete_asks_first_and_the_confirmed_command_acts_once(factory):
    world = World(factory, MONDAY_0900)
    _write(world, 3)
    asked = world.say("/learn diary delete 2")
    assert "Delete diary entry 2 for good?" in asked.text
    assert [(b.label, b.command) for b in asked.buttons] == [
        ("Delete entry 2", "diary delete 2 confirm"),
        ("Keep it", "diary show 2"),
    ]
    assert len(world.entries()) == 3  # asking deletes nothing

    click = Incoming(key="click:ana:message-1:delete")
    [done] = world.tandem.handle(ANA, asked.buttons[0].command, event=click)
    assert done.text.startswith("Deleted diary entry 2.")
    assert world.tandem.handle(ANA, asked.buttons[0].command, event=click) == []  # double click
    again = world.say("diary delete 2 confirm")  # a later click of the same button
    assert again.is_error and again.text == world.say("/learn diary show 2").text
    assert [e.number for e in world.entries()] == [3, 1]

    world.say("/learn diary a new one")  # numbers are never given again
    assert [e.number for e in world.entries()] == [4, 3, 1]
    assert world.say("/learn diary show 2").is_error


def test_deleting_an_answer_or_a_shared_experience_takes_its_references_along(factory):
    world = World(factory, MONDAY_0900 - timedelta(days=1))
    world.say("/learn checkin every mon 09:00")
    world.step_until(MONDAY_0900 + timedelta(minutes=5))
    world.dm("my answer")
    world.say("/learn cop open craft", console_identity("fay"))
    world.say("/learn cop join craft")
    assert "Shared in craft" in world.say("/learn cop share craft T | my experience").text
    assert [e.number for e in world.entries()] == [2, 1]
    for n in (1, 2):
        assert world.say(f"/learn diary delete {n} confirm").text.startswith("Deleted")
    assert world.entries() == []
    assert world.checkins()[0].entry_id is None
    posts = world.say("/learn cop posts craft")
    assert "my experience" not in json.dumps(posts.model_dump())


def _pair_ana_with_pat(world: World) -> None:
    for who in (ANA, PAT, MAX):
        world.say("/learn help", who)
    with world.factory() as uow:
        ids = {p: uow.people.by_identity(p).id for p in (ANA, PAT, MAX)}
        cohort = uow.cohorts.add(Cohort(name="Spring", created_at=MONDAY_0900))
        for who in (ANA, PAT):
            uow.memberships.add(Membership(cohort.id, ids[who], Role.LEARNER, MONDAY_0900))
        uow.memberships.add(Membership(cohort.id, ids[MAX], Role.MANAGER, MONDAY_0900))
        uow.partnerships.add(cohort.id, [ids[ANA], ids[PAT]], MONDAY_0900)
        uow.commit()


def test_someone_elses_entry_is_refused_like_a_missing_one(factory):
    world = World(factory, MONDAY_0900)
    _write(world, 1)
    _write(world, 2, who=BEN)
    missing = world.say("/learn diary show 99").text
    assert missing == "You have no diary entry 99. `/learn diary` lists yours with their numbers."
    for line in (
        "diary show 2",
        "diary edit 2 hijacked",
        "diary delete 2",
        "diary delete 2 confirm",
    ):
        reply = world.say(line)
        assert reply.is_error and reply.text == missing.replace("99", "2"), line
    assert [e.text for e in world.entries(BEN)] == ["entry 2 xxxxxxxxxx", "entry 1 xxxxxxxxxx"]


def test_numbered_entries_keep_the_audience_fixed_when_written(factory):
    """With trust circles (issue 13): show, edit and delete by number see the entry's fixed
    audience; a later partner reads none of it; a delete takes its readers along."""
    world = World(factory, MONDAY_0900)
    _pair_ana_with_pat(world)
    world.say("/learn diary For my partner --share partner")
    with world.factory() as uow:
        ids = {p: uow.people.by_identity(p).id for p in (ANA, PAT, MAX)}
        entry = uow.diary.by_number(ids[ANA], 1)
        assert [r.person_id for r in entry.audience] == [ids[PAT]]
    edited = world.say("/learn diary edit 1 For my partner, corrected")
    assert edited.text.endswith("You and your learning partner pat can see it.")
    with world.factory() as uow:
        assert [r.person_id for r in uow.diary.by_number(ids[ANA], 1).audience] == [ids[PAT]]
        [cohort] = uow.cohorts.all()
        [old] = uow.partnerships.in_cohort(cohort.id)
        uow.partnerships.end(old.id, MONDAY_0900 + timedelta(minutes=1))
        uow.memberships.add(Membership(cohort.id, ids[MAX], Role.LEARNER, MONDAY_0900))
        uow.partnerships.add(cohort.id, [ids[ANA], ids[MAX]], MONDAY_0900)
        uow.commit()
    world.clock.advance(timedelta(minutes=2))
    for reader in (PAT, MAX):  # pat's partnership ended; max joined after it was written
        assert world.say("/learn diary --of @ana", reader).text == (
            "ana has shared no diary entries with you."
        )
        assert world.say("/learn diary show 1 --of @ana", reader).is_error
    world.say("/learn diary For my new partner --share partner")
    assert world.say("/learn diary show 1 --of @ana", MAX).sections[0].text == (
        "For my new partner"
    )
    for n in (1, 2):
        assert world.say(f"/learn diary delete {n} confirm").text.startswith("Deleted")
    assert world.entries() == []
    if isinstance(factory, SqlUnitOfWorkFactory):
        with factory.engine.connect() as connection:
            left = connection.execute(text("SELECT count(*) FROM entry_readers")).scalar_one()
        assert left == 0


def test_shared_entries_are_numbered_among_what_the_reader_may_read(factory):
    world = World(factory, MONDAY_0900)
    _pair_ana_with_pat(world)
    for n, share in enumerate(("", "--share partner", "", "--share partner", "--share tutor")):
        world.clock.advance(timedelta(minutes=1))
        world.say(f"/learn diary ana {n} {'y' * 600} {share}".strip())
    listing = world.say("/learn diary --of @ana", PAT)
    assert [s.title.split(" · ")[0] for s in listing.sections] == ["Entry 2", "Entry 1"]
    assert listing.sections[0].text.endswith("`/learn diary show 2 --of @ana` for all of it.")
    shown = world.say("/learn diary show 2 --of @ana", PAT)
    assert shown.text == "ana's diary entry 2" and shown.sections[0].text.startswith("ana 3 ")
    assert world.say("/learn diary show 1 --of @ana", PAT).sections[0].text.startswith("ana 1 ")
    refused = "ana has shared no diary entry 3 with you."
    assert world.say("/learn diary show 3 --of @ana", PAT).text == refused
    assert world.say("/learn diary show 1 --of @ana", MAX).text == refused.replace("3", "1")
    nobody = world.say("/learn diary show 1 --of @nobody", PAT)
    assert nobody.is_error and nobody.text == "nobody has shared no diary entry 1 with you."
    assert world.say("/learn diary --of @ana --page 2", PAT).is_error
    # one's own entries through --of are one's own numbers
    assert world.say("/learn diary show 5 --of @ana").sections[0].text.startswith("ana 4 ")


PARSED = [
    ("diary", ListDiary()),
    ("diary --page 2", ListDiary(page=2)),
    ("diary --of @ana --page 3", ListDiary(of="@ana", page=3)),
    ("diary show 3", ShowDiaryEntry(number=3)),
    ("diary show #3 --of @ana", ShowDiaryEntry(number=3, of="@ana")),
    (
        "diary edit 3 new #text\nline two",
        EditDiaryEntry(number=3, text="new #text\nline two", tags=("text",)),
    ),
    ("diary delete 3", DeleteDiaryEntry(number=3)),
    ("diary delete 3 confirm", DeleteDiaryEntry(number=3, confirmed=True)),
    ("diary showing off today", WriteDiary(text="showing off today")),
]


@pytest.mark.parametrize(("line", "command"), PARSED, ids=[p[0] for p in PARSED])
def test_the_grammar(line, command):
    assert parse(line) == command


BAD = [
    ("diary show", "Say which entry"),
    ("diary show three", "`three` is not one"),
    ("diary show 0", "Say which entry"),
    ("diary show 1 2", "one entry at a time"),
    ("diary edit", "Say which entry"),
    ("diary edit 3", "The new text is empty"),
    ("diary edit 3    ", "The new text is empty"),
    ("diary edit x new text", "`x` is not one"),
    ("diary edit 3 new text --share group", "Editing keeps who sees the entry"),
    ("diary edit 3 " + "z" * (MAX_DIARY_CHARS + 1), "the limit is 3,000"),
    ("diary delete", "Say which entry"),
    ("diary delete 3 4", "one entry at a time"),
    ("diary --page 0", "pages start at 1"),
    ("diary --page two", "not a page number"),
    ("diary --page", "needs a value"),
    ("diary hello --page 2", "write only `/learn diary --page 2`"),
]


@pytest.mark.parametrize(("line", "message"), BAD, ids=[b[0][:40] for b in BAD])
def test_bad_input_is_refused_and_changes_nothing(factory, line, message):
    world = World(factory, MONDAY_0900)
    _write(world, 2)
    before = [(e.number, e.text, e.visibility) for e in world.entries()]
    with pytest.raises(CommandError) as caught:
        parse(line)
    assert message in str(caught.value) and len(str(caught.value)) < 300
    reply = world.say(line)
    assert reply.is_error and message in reply.text
    assert [(e.number, e.text, e.visibility) for e in world.entries()] == before


@pytest.mark.parametrize("line", ["diary show 7", "diary edit 7 text", "diary delete 7"])
def test_a_number_out_of_range_changes_nothing(factory, line):
    world = World(factory, MONDAY_0900)
    _write(world, 2)
    before = [(e.number, e.text) for e in world.entries()]
    reply = world.say(line)
    assert reply.is_error and reply.text.startswith("You have no diary entry 7.")
    assert [(e.number, e.text) for e in world.entries()] == before


def test_help_names_the_new_diary_commands(factory):
    world = World(factory, MONDAY_0900)
    shown = json.dumps(world.say("/learn help").model_dump())
    for words in ("diary show <n>", "diary edit <n> <text>", "diary delete <n>", "--page 2"):
        assert words in shown


# -- storage: numbering existing entries ---------------------------------------------------


@pytest.fixture
def unmigrated_sqlite(tmp_path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    yield engine
    engine.dispose()


def test_the_migration_numbers_existing_entries_per_author_in_order(unmigrated_sqlite):
    config = _config()
    script = ScriptDirectory.from_config(config)
    [mine] = [r for r in script.walk_revisions() if r.path.endswith("_diary_numbers.py")]
    with unmigrated_sqlite.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, str(mine.down_revision))
        for user in ("ana", "ben"):
            connection.execute(
                text(
                    "INSERT INTO people (id, platform, workspace, user_id, display_name, "
                    "timezone, locale, is_facilitator, created_at, timezone_chosen) "
                    "SELECT :id, 'console', '', :user, :user, 'UTC', 'en', 0, :at, 0 "
                    "WHERE NOT EXISTS (SELECT 1 FROM people WHERE user_id = :user)"
                ),
                {"id": 1 if user == "ana" else 2, "user": user, "at": MONDAY_0900},
            )
        for entry_id, author, minute in ((10, 1, 3), (11, 2, 2), (12, 1, 1), (13, 1, 1)):
            connection.execute(
                text(
                    "INSERT INTO diary_entries (id, author_id, text, tags, visibility, source, "
                    "created_at) VALUES (:id, :author, 't', '[]', 'private', 'command', :at)"
                ),
                {"id": entry_id, "author": author, "at": MONDAY_0900 + timedelta(minutes=minute)},
            )
        command.upgrade(config, "head")
        numbers = connection.execute(text("SELECT id, number FROM diary_entries ORDER BY id")).all()
        counters = connection.execute(text("SELECT id, diary_numbered FROM people ORDER BY id"))
        assert numbers == [(10, 3), (11, 1), (12, 1), (13, 2)]
        assert counters.all() == [(1, 3), (2, 1)]
    factory = SqlUnitOfWorkFactory(unmigrated_sqlite)
    world = World(factory, MONDAY_0900 + timedelta(hours=1))
    world.say("/learn diary the next one")
    with factory() as uow:
        assert uow.diary.by_number(1, 4).text == "the next one"


@pytest.mark.postgres
def test_two_entries_written_at_once_get_numbers_of_their_own(postgres_engine):
    factory = SqlUnitOfWorkFactory(postgres_engine)
    World(factory, MONDAY_0900).say("/learn help")  # ana exists
    with factory() as uow:
        ana = uow.people.by_identity(ANA).id
    numbers: list[int | None] = []

    def write(label: str) -> None:
        with factory() as other:
            entry = other.diary.add(DiaryEntry(author_id=ana, text=label, created_at=MONDAY_0900))
            other.commit()
            numbers.append(entry.number)

    with factory() as first:  # holds the author's counter until it commits
        mine = first.diary.add(DiaryEntry(author_id=ana, text="first", created_at=MONDAY_0900))
        second = threading.Thread(target=write, args=("second",))
        second.start()  # waits for the row lock (or runs after the commit): never the same
        first.commit()
    second.join(30)
    assert sorted([mine.number, *numbers]) == [1, 2]
