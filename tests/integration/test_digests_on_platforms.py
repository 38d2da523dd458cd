"""The tutor's weekly digest, the learner's kind note and a community's digest as Slack
and Discord show them: made by the core with a fixed clock, delivered by each platform's
sender against its local fake (Slack's Web API, Discord's REST API through discord.py's
own HTTP client). A community digest links each post where the platform keeps it: a
Slack permalink (`chat.getPermalink`), a Discord jump URL. In English and German."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from slack_sdk import WebClient

from adapters.discord.sender import DiscordSender
from adapters.pacing import Pacer
from adapters.slack.sender import SlackSender
from bot.checkins import Checkin, CheckinStatus
from bot.clock import FixedClock
from bot.delivery import Delivery
from bot.domain import Cohort, Identity, Membership, Platform, Profile, Role
from bot.policy import Policy
from bot.scheduling import DueWork
from bot.service import Tandem
from bot.timers import Timer
from tests.conftest import NOW
from tests.integration.test_discord_delivery import (  # noqa: F401  (fixtures)
    Bot,
    NoSleep,
    bot,
    fake,
)
from tests.integration.test_slack_delivery import Sleeps
from tests.service.test_nudges import FIRST
from tests.support.fake_discord import GUILD, FakeDiscord
from tests.support.fake_slack import FakeSlack
from tests.support.fakes import FakeDatabase
from tests.support.language import assert_german

TEAM = "T0TANDEM"
FORUM = "1500000000000000001"


class World:
    """The core over the fakes, with people of one platform."""

    def __init__(self, platform: Platform, users: dict[str, str], facilitator: str) -> None:
        self.platform, self.users = platform, users
        self.db, self.clock = FakeDatabase(), FixedClock(NOW)
        workspace = TEAM if platform is Platform.SLACK else ""
        self.identities = {n: Identity(platform, workspace, u) for n, u in users.items()}
        self.policy = Policy(
            facilitator_refs=frozenset({self.identities[facilitator].ref}),
            default_timezone="Europe/Berlin",
        )
        self.tandem = Tandem(self.db, self.clock, self.policy)
        self.due = DueWork(self.db, self.clock, self.policy)
        for name in users:
            self.say(name, "/learn help")

    def say(self, name: str, line: str, where: str | None = None) -> str:
        identity, profile = self.identities[name], Profile(display_name=name)
        return "\n".join(r.text for r in self.tandem.handle(identity, line, profile, where=where))

    def id(self, name: str) -> int:
        with self.db() as uow:
            person = uow.people.by_identity(self.identities[name])
            assert person is not None and person.id is not None
            return person.id

    def drifting(self) -> None:
        """ana, accompanied by tom, missed her last three check-ins."""
        ana, tom = self.id("ana"), self.id("tom")
        with self.db() as uow:
            cohort = uow.cohorts.add(Cohort("Spring", NOW))
            assert cohort.id is not None
            uow.memberships.add(Membership(cohort.id, ana, Role.LEARNER, NOW))
            uow.memberships.add(Membership(cohort.id, tom, Role.TUTOR, NOW, accompanies=ana))
            uow.timers.set(Timer("nudges", str(tom), FIRST))
            for days in (1, 2, 3):
                uow.checkins.add(Checkin(ana, FIRST - timedelta(days=days), CheckinStatus.MISSED))
            uow.commit()

    def community(self, channel: str) -> None:
        assert "is open" in self.say("fay", "/learn cop open facilitation", where=channel)
        for name in ("ana", "ben"):
            self.say(name, "/learn cop join facilitation")
        shared = self.say("ana", "/learn cop share facilitation Silent start | what I learned")
        assert "Shared in facilitation" in shared

    def deliver(self, sender) -> None:  # noqa: ANN001
        Delivery(self.db, self.clock, "w1").drain(sender)

    def at_first_digest(self, sender) -> None:  # noqa: ANN001
        self.deliver(sender)  # what was said before (the community's post is there)
        self.clock.set(FIRST)
        self.due.run()
        self.deliver(sender)


# -- Slack -----------------------------------------------------------------------------


@pytest.fixture
def slack():
    api = FakeSlack().start()
    yield api
    api.stop()


def slack_world(api: FakeSlack, german: str = "") -> tuple[World, SlackSender]:
    users = {n: f"U0{n.upper()}" for n in ("fay", "ana", "ben", "tom")}
    for name, user in users.items():
        api.add_user(user, name)
    world = World(Platform.SLACK, users, "fay")
    if german:
        world.say(german, "/learn language de")
    sleeps = Sleeps()
    client = WebClient(token="xoxb-test", base_url=api.api_url)
    return world, SlackSender(
        client, Pacer(10.0, 1.0, sleep=sleeps.sleep, monotonic=sleeps.monotonic)
    )


def slack_dms(api: FakeSlack, name: str) -> list[str]:
    return [
        (m.get("text") or "") + json.dumps(m.get("blocks"), ensure_ascii=False)
        for m in api.messages.get(f"D0{name.upper()}", [])
    ]


def test_on_slack_the_tutor_gets_the_digest_and_the_learner_a_kind_note(slack) -> None:
    world, sender = slack_world(slack)
    world.drifting()
    world.at_first_digest(sender)
    [digest] = [m for m in slack_dms(slack, "tom") if "drifting away" in m]
    assert "*ana*" in digest and "missed 3 check-ins in a row" in digest
    [note] = [m for m in slack_dms(slack, "ana") if "check-ins passed you by" in m]
    assert "/learn checkin pause 2w" in note


def test_on_slack_a_german_tutor_reads_the_digest_in_german(slack) -> None:
    world, sender = slack_world(slack, german="tom")
    world.drifting()
    world.at_first_digest(sender)
    [digest] = [m for m in slack_dms(slack, "tom") if "abdriften" in m]
    assert "3 Check-ins in Folge verpasst" in digest
    assert "missed" not in digest


def test_on_slack_the_community_digest_links_each_post_by_its_permalink(slack) -> None:
    world, sender = slack_world(slack, german="ben")
    world.community("C0FORUM")
    world.at_first_digest(sender)
    [post] = slack.messages["C0FORUM"]
    link = f"https://tandem-test.slack.com/archives/C0FORUM/p{post['ts'].replace('.', '')}"
    [digest] = [m for m in slack_dms(slack, "ben") if "Neu in facilitation" in m]
    assert f"<{link}|Silent start>" in digest and "von ana" in digest
    assert slack.calls_to("chat.getPermalink")
    assert not [m for m in slack_dms(slack, "ana") if "facilitation" in m and "Neu" in m]


# -- Discord ---------------------------------------------------------------------------


def discord_world(client: Bot, german: str = "") -> tuple[World, DiscordSender]:
    users = {n: f"30000000000000{i:04d}" for i, n in enumerate(("fay", "ana", "ben", "tom"), 1)}
    world = World(Platform.DISCORD, users, "fay")
    if german:
        world.say(german, "/learn language de")
    no_sleep = NoSleep()
    sender = DiscordSender(
        client.http, client.loop, Pacer(5, 0.0, sleep=no_sleep.sleep, monotonic=no_sleep.monotonic)
    )
    return world, sender


def discord_dms(api: FakeDiscord, world: World, name: str) -> list[str]:
    channel = "7" + world.users[name][-17:]
    return [json.dumps(m, ensure_ascii=False) for m in api.messages.get(channel, [])]


def test_on_discord_the_tutor_gets_the_digest_and_the_learner_a_kind_note(fake, bot) -> None:  # noqa: F811
    world, sender = discord_world(bot)
    world.drifting()
    world.at_first_digest(sender)
    [digest] = [m for m in discord_dms(fake, world, "tom") if "drifting away" in m]
    embed = json.loads(digest)["embeds"][0]
    assert embed["title"] == "ana" and "missed 3 check-ins in a row" in embed["description"]
    assert [m for m in discord_dms(fake, world, "ana") if "passed you by" in m]


def test_on_discord_a_german_tutor_reads_the_digest_in_german(fake, bot) -> None:  # noqa: F811
    world, sender = discord_world(bot, german="tom")
    world.drifting()
    world.at_first_digest(sender)
    [digest] = [m for m in discord_dms(fake, world, "tom") if "abdriften" in m]
    message = json.loads(digest)
    words = [message["content"], *(e.get("description") or "" for e in message["embeds"])]
    words += [e["footer"]["text"] for e in message["embeds"] if e.get("footer")]
    assert_german("\n".join(words), allow=("ana",))


def test_on_discord_the_community_digest_links_each_post_by_its_jump_url(fake, bot) -> None:  # noqa: F811
    fake.forums.add(FORUM)
    world, sender = discord_world(bot)
    world.community(FORUM)
    world.at_first_digest(sender)
    [post] = fake.forum_posts(FORUM)
    [digest] = [m for m in discord_dms(fake, world, "ben") if "New in facilitation" in m]
    [embed] = json.loads(digest)["embeds"]
    assert embed["title"] == "Silent start" and embed["description"] == "by ana"
    assert embed["url"] == f"https://discord.com/channels/{GUILD}/{post['id']}"
