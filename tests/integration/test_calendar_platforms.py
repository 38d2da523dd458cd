"""Calendar invites from the core to each platform's DM as a file: the console prints the
path of a private .ics file, Slack gets it through files.uploadV2 (the fake Web API keeps
the bytes), Discord as an attachment of the DM (the fake REST API keeps them). On each,
the files parse with icalendar and with vobject and carry the instant the asker meant
across the change to winter time (31 October 2027, Berlin; one partner in New York),
checked in UTC; an update keeps the UID with SEQUENCE + 1; a cancellation is METHOD:CANCEL;
a German partner's invite is in German."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import icalendar
import pytest
import vobject
from discord.http import Route
from slack_sdk import WebClient

from adapters.chart_files import erase_chart_files
from adapters.console.sender import ConsoleSender
from adapters.discord.sender import DiscordSender
from adapters.pacing import Pacer
from adapters.slack.sender import SlackSender
from bot.clock import FixedClock
from bot.delivery import Delivery, Sender
from bot.domain import Identity, Platform, Profile
from bot.policy import Policy
from bot.service import Tandem
from tests.conftest import NOW
from tests.integration.test_discord_delivery import Bot, NoSleep
from tests.integration.test_slack_delivery import Sleeps
from tests.support.fake_discord import FakeDiscord
from tests.support.fake_slack import FakeSlack
from tests.support.fakes import FakeDatabase
from tests.support.language import assert_german

# 10:00 in Berlin on the day winter time begins is 09:00 UTC, 05:00 in New York (still
# summer time there, until 7 November); ben moves it to 04:00 on the 30th, his clock: 08:00
# UTC, 10:00 in Berlin (still summer time there).
FIRST = datetime(2027, 10, 31, 9, 0, tzinfo=UTC)
MOVED = datetime(2027, 10, 30, 8, 0, tzinfo=UTC)


def identities(platform: Platform) -> dict[str, Identity]:
    users = {"fay": "900000000000000011", "ana": "900000000000000012", "ben": "900000000000000013"}
    if platform is Platform.SLACK:
        return {n: Identity(platform, "T0TANDEM", f"U0{n.upper()}") for n in users}
    if platform is Platform.DISCORD:
        return {n: Identity(platform, "", user) for n, user in users.items()}
    return {n: Identity(platform, "", n) for n in users}


def journey(platform: Platform, deliver: Callable[[FakeDatabase], None]) -> None:
    """ana (Berlin, English) and ben (New York, German) are paired; ana sets a session on
    31 October, ben moves it to the 30th (typed on his own clock), ana cancels it; each step
    is delivered."""
    who = identities(platform)
    db, clock = FakeDatabase(), FixedClock(NOW)
    policy = Policy(facilitator_refs=frozenset({who["fay"].ref}), default_timezone="Europe/Berlin")
    tandem = Tandem(db, clock, policy)

    named = {who[n].user_id: Profile(n) for n in ("ana", "ben")}

    def say(name: str, line: str) -> str:
        [reply] = tandem.handle(who[name], line, mentioned=named)
        assert not reply.is_error, reply.text
        return reply.text

    say("fay", "/learn cohort open Spring")
    # a platform's mention reaches the core as `@<user id>` (the adapters translate it)
    say("fay", f"/learn cohort invite @{who['ana'].user_id} @{who['ben'].user_id}")
    with db() as uow:
        cohort = uow.cohorts.all()[-1].id
    for name in ("ana", "ben"):
        say(name, f"/learn cohort join {cohort}")
    say("ben", "/learn checkin tz America/New_York")
    say("ben", "/learn language de")
    say("fay", "/learn cohort pair")
    say("fay", "/learn cohort confirm pairs")
    deliver(db)  # the invitations and pairings
    say("ana", "/learn partner meet 2027-10-31 10:00")
    deliver(db)
    say("ben", "/learn lernpartner treffen 30.10.2027 4:00")  # his clock: 10:00 in Berlin
    deliver(db)
    say("ana", "/learn partner meet cancel")
    deliver(db)


def check(files: dict[str, list[bytes]]) -> None:
    """Each partner got three files: the invite, its update, its cancellation."""
    zones = {"ana": ("Europe/Berlin", "Co-coaching with ben"), "ben": ("America/New_York", "")}
    uids = set()
    for name, got in files.items():
        zone, summary = zones[name]
        assert len(got) == 3, (name, len(got))
        read = [icalendar.Calendar.from_ical(data) for data in got]
        events = [next(iter(c.walk("VEVENT"))) for c in read]
        assert [c["method"] for c in read] == ["REQUEST", "REQUEST", "CANCEL"]
        assert [e.decoded("sequence") for e in events] == [0, 1, 2]
        assert [e.decoded("dtstart").astimezone(UTC) for e in events] == [FIRST, MOVED, MOVED]
        assert all(e["dtstart"].params["TZID"] == zone for e in events)
        assert [str(t["tzid"]) for c in read for t in c.walk("VTIMEZONE")] == [zone] * 3
        uids |= {str(e["uid"]) for e in events}
        second = [vobject.readOne(data.decode()) for data in got]
        assert [c.vevent.dtstart.value.astimezone(UTC) for c in second] == [FIRST, MOVED, MOVED]
        assert [c.method.value for c in second] == ["REQUEST", "REQUEST", "CANCEL"]
        if summary:
            assert str(events[0]["summary"]) == summary
        else:  # ben reads German
            assert str(events[0]["summary"]) == "Co-Coaching mit ana"
            assert_german(str(events[0]["description"]))
            assert str(events[2]["summary"]) == "Abgesagt: Co-Coaching"
    assert len(uids) == 1  # one session, every version of it


def test_on_the_console_each_partner_gets_a_file_whose_path_is_printed(tmp_path: Path) -> None:
    printed: list[str] = []
    sender = ConsoleSender(printed.append)

    def deliver(db: FakeDatabase) -> None:
        Delivery(db, FixedClock(NOW), "w1").drain(sender)

    try:
        journey(Platform.CONSOLE, deliver)
        files: dict[str, list[bytes]] = {"ana": [], "ben": []}
        for text in printed:
            found = re.search(r"(?:calendar invite|Kalendereinladung): (\S+\.ics)", text)
            if found is None:
                continue
            name = "ben" if "an ben" in text or "to ben" in text else "ana"
            path = Path(found.group(1))
            assert path.stat().st_mode & 0o077 == 0  # the reader's own file
            files[name].append(path.read_bytes())
        check(files)
        assert any("Co-Coaching mit ana" in t for t in printed)  # ben reads German
    finally:
        for name in ("ana", "ben"):
            erase_chart_files(identities(Platform.CONSOLE)[name].ref)


@pytest.fixture
def slack():
    fake = FakeSlack().start()
    yield fake
    fake.stop()


def test_on_slack_the_file_is_uploaded_into_the_dm(slack: FakeSlack) -> None:
    for user, name in (("U0FAY", "fay"), ("U0ANA", "ana"), ("U0BEN", "ben")):
        slack.add_user(user, name)
    sleeps = Sleeps()
    client = WebClient(token="xoxb-test", base_url=slack.api_url)
    sender = SlackSender(client, Pacer(10.0, 1.0, sleep=sleeps.sleep, monotonic=sleeps.monotonic))

    def deliver(db: FakeDatabase) -> None:
        Delivery(db, FixedClock(NOW), "w1").drain(sender)

    journey(Platform.SLACK, deliver)
    dm = {"D0ANA": "ana", "D0BEN": "ben"}  # the fake's DM channel of U0ANA, U0BEN
    files: dict[str, list[bytes]] = {"ana": [], "ben": []}
    for file_id, info in sorted(slack.files.items()):
        assert info["filename"] == "co-coaching.ics" and info.get("done")
        files[dm[info["channel"]]].append(slack.uploads[file_id])
    check(files)


@pytest.fixture
def discord_fake(monkeypatch: pytest.MonkeyPatch):
    fake = FakeDiscord().start()
    monkeypatch.setattr(Route, "BASE", fake.api_url)
    yield fake
    fake.stop()


def test_on_discord_the_file_is_attached_to_the_dm(discord_fake: FakeDiscord) -> None:
    bot = Bot(discord_fake)
    try:
        pace = NoSleep()
        sender: Sender = DiscordSender(
            bot.http, bot.loop, Pacer(50.0, 1.0, sleep=pace.sleep, monotonic=pace.monotonic)
        )

        def deliver(db: FakeDatabase) -> None:
            Delivery(db, FixedClock(NOW), "w1").drain(sender)

        journey(Platform.DISCORD, deliver)
    finally:
        bot.close()
    who = identities(Platform.DISCORD)
    files: dict[str, list[bytes]] = {"ana": [], "ben": []}
    for channel, filename, data in discord_fake.files:
        assert filename == "co-coaching.ics"
        owner = next(n for n in ("ana", "ben") if channel.endswith(who[n].user_id[-17:]))
        files[owner].append(data)
    check(files)
