"""Issue 13 items 6 and 7 (part): spaces that match the circle, a group cadence only for
those who accept it, no silent `agree` to a non-manager, private chart files."""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path
from typing import Any

import pytest
from discord.http import Route
from slack_sdk import WebClient

from adapters import chart_files
from adapters.charts import erase_chart_files, save_png
from adapters.console.sender import ConsoleSender
from adapters.discord.sender import DiscordSender
from adapters.pacing import Pacer
from adapters.slack.sender import SlackSender, channel_name
from bot.clock import FixedClock
from bot.delivery import Outcome, SpaceState
from bot.domain import Cohort, Identity, MembershipStatus, Person, Platform, Role, Thread
from bot.handlers import spaces
from bot.handlers.spaces import place_of
from bot.policy import Policy
from bot.replies import Audience, Chart, GroupSpace, Reply, Series
from bot.service import Tandem
from storage.unit_of_work import SqlUnitOfWorkFactory
from tests.conftest import NOW, console_identity
from tests.e2e.test_story_preliminary import ConsoleDriver
from tests.integration.test_discord_delivery import Bot as DiscordBot
from tests.service.test_goals_agreements import ANA, BEN, TIA, agreed_goal, make, one
from tests.service.test_kickoff import World
from tests.support.fake_discord import BOT_ID, FakeDiscord
from tests.support.fake_slack import BOT_USER, FakeSlack
from tests.support.fakes import FakeDatabase

ZED = console_identity("zed")

CHART = Chart(
    title="Progress",
    categories=("Communication",),
    series=(Series(name="now", values=(3.0,)),),
    alt_text="Communication: 3",
    filename="progress-2026-11-30.png",
)


# --- chart files ----------------------------------------------------------------------


def test_a_chart_file_is_private_unique_and_per_person(tmp_path: Path) -> None:
    first = save_png(CHART, "console:ana", tmp_path)
    second = save_png(CHART, "console:ana", tmp_path)
    bens = save_png(CHART, "console:ben", tmp_path)
    assert first != second  # one file per request, though the chart's name is the same
    assert first.parent == second.parent != bens.parent  # one directory per person
    for path in (first, second, bens):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
        assert path.read_bytes().startswith(b"\x89PNG")
    assert "ana" not in str(first)  # the directory does not carry the person's name


def test_a_planted_symlink_is_never_followed(tmp_path: Path) -> None:
    target = tmp_path / "victim"
    target.write_text("precious")
    folder = chart_files.person_directory("console:ana", tmp_path)
    for n in range(50):  # every name a request could take is taken by a link
        (folder / f"progress-2026-11-30-{n}.png").symlink_to(target)
    path = save_png(CHART, "console:ana", tmp_path)
    assert not path.is_symlink() and path.read_bytes().startswith(b"\x89PNG")
    assert target.read_text() == "precious"


def test_a_planted_person_directory_link_is_refused(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / chart_files._person_part("console:ana")).symlink_to(elsewhere)
    with pytest.raises(PermissionError):
        save_png(CHART, "console:ana", tmp_path)
    assert list(elsewhere.iterdir()) == []


def test_a_shared_base_directory_that_is_not_ours_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chart_files.tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(chart_files, "_fallback", None)
    planted = tmp_path / f"tandem-charts-{os.getuid()}"
    planted.symlink_to(tmp_path)  # someone planted a link where the base would be
    path = save_png(CHART, "console:ana")
    assert planted not in path.parents and tmp_path in path.parents
    assert stat.S_IMODE(path.parent.parent.stat().st_mode) == 0o700
    chart_files.discard_chart_files()


def test_chart_files_are_removed_after_the_console_and_erased_by_forget(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chart_files.discard_chart_files()  # what earlier tests in this process left
    monkeypatch.setattr(chart_files.tempfile, "tempdir", str(tmp_path))
    shown = save_png(CHART, "console:ana")
    kept = save_png(CHART, "console:ben")
    assert chart_files.discard_chart_files() == 2  # the console, as it exits
    assert not shown.exists() and not kept.exists()
    again = save_png(CHART, "console:ana")
    other = save_png(CHART, "console:ben")
    assert erase_chart_files("console:ana") == 1  # forget
    assert not again.exists() and other.exists()
    chart_files.discard_chart_files()


# --- `/learn agree` to someone who is not one's manager -------------------------------


@pytest.fixture(params=["fakes", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def uow_factory(request: pytest.FixtureRequest, fake_db: FakeDatabase) -> Any:
    """The use cases on the in-memory fakes, and on the database (SQLite, PostgreSQL)."""
    if request.param == "fakes":
        return fake_db
    return SqlUnitOfWorkFactory(request.getfixturevalue(f"{request.param}_engine"))


def _messages_to(uow_factory: Any, who: Identity) -> list[Reply]:
    with uow_factory() as uow:
        person = uow.people.by_identity(who)
        if person is None:
            return []
        return [Reply.model_validate_json(m.payload) for m in uow.outbox.for_recipient(person.id)]


def _agreements(uow_factory: Any, who: Identity) -> list[Any]:
    with uow_factory() as uow:
        person = uow.people.by_identity(who)
        return uow.agreements.for_learner(person.id) if person else []


def test_a_task_for_someone_who_is_not_the_manager_waits_for_the_learner(uow_factory: Any) -> None:
    tandem = make(uow_factory)
    agreed_goal(tandem)  # ben is ana's manager in the cohort; zed is no one's
    asked = one(tandem.handle(ANA, "/learn agree @zed run the team retro"))
    assert "zed is not your manager in the cohort; send it anyway?" in asked.text
    assert [b.label for b in asked.buttons] == ["Send", "Cancel"]
    assert _agreements(uow_factory, ANA) == []
    assert _messages_to(uow_factory, ZED) == []  # nothing reaches zed before ana confirms
    send, cancel = (b.command for b in asked.buttons)
    assert one(tandem.handle(ZED, send)).is_error  # not zed's question
    assert one(tandem.handle(BEN, cancel)).is_error
    assert "Cancelled" in one(tandem.handle(ANA, cancel)).text
    assert "already" in one(tandem.handle(ANA, send)).text  # a cancelled one stays cancelled
    assert _messages_to(uow_factory, ZED) == [] and _agreements(uow_factory, ANA) == []

    again = one(tandem.handle(ANA, "/learn agree @zed run the team retro"))
    sent = one(tandem.handle(ANA, again.buttons[0].command))
    assert "sent to zed" in sent.text
    [request] = _messages_to(uow_factory, ZED)
    assert "ana proposes a practical task" in request.text
    assert "already" in one(tandem.handle(ANA, again.buttons[0].command)).text  # acts once
    assert len(_agreements(uow_factory, ANA)) == 1 and len(_messages_to(uow_factory, ZED)) == 1


def test_a_named_manager_gets_the_task_at_once(uow_factory: Any) -> None:
    tandem = make(uow_factory)
    agreed_goal(tandem)
    sent = one(tandem.handle(ANA, "/learn agree @ben run the team retro"))
    assert "sent to ben" in sent.text and sent.buttons == ()
    assert "ana proposes a practical task" in _messages_to(uow_factory, BEN)[-1].text


def test_a_task_for_a_partner_group_mate_or_tutor_is_refused(uow_factory: Any) -> None:
    tandem = make(uow_factory)
    agreed_goal(tandem)  # tia is ana's tutor
    refused = one(tandem.handle(ANA, "/learn agree @tia run the team retro"))
    assert refused.is_error and "a manager never is" in refused.text
    assert _agreements(uow_factory, ANA) == [] and refused.buttons == ()
    assert not any("proposes a practical task" in m.text for m in _messages_to(uow_factory, TIA))


# --- a group's cadence applies to those who accept it ---------------------------------


def test_a_group_cadence_applies_only_to_who_accepts_and_keeps_checkin_off(
    uow_factory: Any,
) -> None:
    world = World(uow_factory)
    world.cohort_with(("ana", "ben", "cem", "dia"))
    world.say("fay", "/learn cohort groups --size 4-4")
    world.say("fay", "/learn cohort confirm groups")
    world.say("ben", "/learn checkin every mon 09:00")
    world.say("cem", "/learn checkin every tue 10:00")
    world.say("cem", "/learn checkin off")  # cem turned them off

    proposed = world.say("ana", "/learn group checkin every thu 16:00")
    assert [b.label for b in proposed.buttons] == ["Accept", "Keep mine"]

    def schedule(name: str) -> tuple[frozenset[int], str, bool] | None:
        person_id = world.person_id(name)
        with world.db() as uow:
            found = uow.schedules.get(person_id)
        return (found.weekdays, f"{found.wall_time:%H:%M}", found.enabled) if found else None

    assert schedule("ana") is None and schedule("cem") == (frozenset({1}), "10:00", False)
    asks = {name: world.dms(name)[-1] for name in ("ben", "cem", "dia")}
    assert all("ana proposes check-ins for" in a.text for a in asks.values())
    assert "Your check-ins now: off." in asks["cem"].sections[0].text
    accept, keep = (b.command for b in asks["ben"].buttons)

    # a non-member (and a member on someone else's button) is refused, nothing changes
    world.say("fay", "/learn cohort open Other")
    assert world.say("eve", accept).is_error
    assert world.say("dia", accept).is_error
    assert schedule("ben") == (frozenset({0}), "09:00", True)

    assert "follow" in world.say("ben", accept).text  # ben accepts
    assert "already" in world.say("ben", accept).text  # twice acts once
    assert "already" in world.say("ben", keep).text
    assert "Kept" in world.say("dia", asks["dia"].buttons[1].command).text  # dia keeps hers
    world.say("ana", proposed.buttons[0].command)  # the proposer accepts too

    assert schedule("ben") == (frozenset({3}), "16:00", True)
    assert schedule("ana") == (frozenset({3}), "16:00", True)
    assert schedule("dia") is None  # dia had none and keeps none
    assert schedule("cem") == (frozenset({1}), "10:00", False)  # cem's `checkin off` holds

    # a newer proposal replaces an open one; the old buttons no longer act
    world.say("ben", "/learn group checkin every fri 08:30")
    old = world.say("cem", asks["cem"].buttons[0].command)
    assert "newer proposal" in old.text and schedule("cem") == (frozenset({1}), "10:00", False)
    newer = world.dms("cem")[-1]
    assert "ben proposes" in newer.text
    world.say("cem", newer.buttons[0].command)  # cem chooses to take this one
    assert schedule("cem") == (frozenset({4}), "08:30", True)


# --- each group's rounds in a space of its own: Slack ---------------------------------


SHARED = {Platform.SLACK: "C0GROUPS", Platform.DISCORD: "1200000000000000001"}


def two_groups(platform: Platform, users: dict[str, str]) -> tuple[FakeDatabase, dict[str, int]]:
    """A cohort with groups A (ana, ben) and B (cem, dia); eve is in neither."""
    db = FakeDatabase()
    ids: dict[str, int] = {}
    with db() as uow:
        workspace = "T0TANDEM" if platform is Platform.SLACK else ""
        for name, user in users.items():
            person = uow.people.add(
                Person(Identity(platform, workspace, user), name, "UTC", "en", NOW)
            )
            assert person.id is not None
            ids[name] = person.id
        cohort = uow.cohorts.add(Cohort("Spring", NOW, space=SHARED[platform]))
        assert cohort.id is not None
        ids["A"] = uow.groups.add(cohort.id, "Spring group 1", [ids["ana"], ids["ben"]], NOW)
        ids["B"] = uow.groups.add(cohort.id, "Spring group 2", [ids["cem"], ids["dia"]], NOW)
        uow.commit()
    return db, ids


def post(db: FakeDatabase, group_id: int, text: str, round_id: int) -> Reply:
    with db() as uow:
        group = uow.groups.get(group_id)
        assert group is not None
        space = place_of(uow, group)
    return Reply(
        text=text,
        audience=Audience.THREAD,
        thread=Thread("C0GROUPS", f"advice:{round_id}"),
        space=space,
        recipient_id=group.members[0],
    )


SLACK_USERS = {n: f"U0{n.upper()}" for n in ("ana", "ben", "cem", "dia", "eve")}


@pytest.fixture
def fake_slack() -> Any:
    fake = FakeSlack().start()
    for name, user in SLACK_USERS.items():
        fake.add_user(user, name)
    yield fake
    fake.stop()


def slack_sender(fake: FakeSlack, db: FakeDatabase) -> SlackSender:
    client = WebClient(token="xoxb-test", base_url=fake.api_url)
    pacer = Pacer(100.0, 0.0, sleep=lambda s: None, monotonic=lambda: 0.0)
    return SlackSender(client, pacer, spaces=Tandem(db, FixedClock(NOW), Policy()))


def person(db: FakeDatabase, person_id: int) -> Person:
    with db() as uow:
        found = uow.people.get(person_id)
    assert found is not None
    return found


def test_on_slack_each_group_posts_in_a_private_channel_of_its_own(fake_slack: Any) -> None:
    db, ids = two_groups(Platform.SLACK, SLACK_USERS)
    sender = slack_sender(fake_slack, db)
    ana, cem = person(db, ids["ana"]), person(db, ids["cem"])
    assert sender.send(ana, post(db, ids["A"], "A's case", 1), "k1").outcome is Outcome.SENT
    assert sender.send(ana, post(db, ids["A"], "A's 2nd post", 1), "k2").outcome is Outcome.SENT
    assert sender.send(cem, post(db, ids["B"], "B's case", 2), "k3").outcome is Outcome.SENT

    created = fake_slack.calls_to("conversations.create")
    assert len(created) == 2  # once per group, not per post
    assert all(c.body.get("is_private") in (True, "true", "1") for c in created)
    assert "groups:write" in Path("deploy/slack-manifest.yaml").read_text()
    with db() as uow:
        a_channel = uow.groups.get(ids["A"]).space
        b_channel = uow.groups.get(ids["B"]).space
    assert a_channel and b_channel and a_channel != b_channel
    assert a_channel in fake_slack.private and b_channel in fake_slack.private
    members = fake_slack.channel_members
    assert sorted(members[a_channel]) == sorted([BOT_USER, "U0ANA", "U0BEN"])
    assert sorted(members[b_channel]) == sorted([BOT_USER, "U0CEM", "U0DIA"])
    texts = {c: [p["text"] for p in fake_slack.messages.get(c, [])] for c in (a_channel, b_channel)}
    assert texts == {a_channel: ["A's case", "A's 2nd post"], b_channel: ["B's case"]}
    assert "C0GROUPS" not in fake_slack.messages  # nothing in the shared channel
    root = fake_slack.messages[a_channel][0]["ts"]
    assert fake_slack.messages[a_channel][1]["thread_ts"] == root  # the round's thread


def test_on_slack_a_leaver_is_removed_and_a_newcomer_invited(fake_slack: Any) -> None:
    db, ids = two_groups(Platform.SLACK, SLACK_USERS)
    sender = slack_sender(fake_slack, db)
    ana = person(db, ids["ana"])
    sender.send(ana, post(db, ids["A"], "first", 1), "k1")
    with db() as uow:
        group = uow.groups.get(ids["A"])
        channel = group.space
        uow.groups.leave(group.cohort_id, ids["ben"], NOW)
        assert spaces.members_changed(uow, ids["A"], NOW, leaving=ids["ben"])
        [row] = [m for m in uow.outbox.for_recipient(ids["ana"])]
        uow.commit()
    change = Reply.model_validate_json(row.payload)
    assert change.audience is Audience.SPACE and change.space.group_id == ids["A"]
    assert sender.send(ana, change, row.idempotency_key).outcome is Outcome.SENT
    assert sorted(fake_slack.channel_members[channel]) == sorted([BOT_USER, "U0ANA"])
    assert [c.body["user"] for c in fake_slack.calls_to("conversations.kick")] == ["U0BEN"]
    # eve joins the group: invited before the next post
    db.state.groups[ids["A"]].members = (ids["ana"], ids["eve"])
    sender.send(ana, post(db, ids["A"], "second", 1), "k2")
    assert sorted(fake_slack.channel_members[channel]) == sorted([BOT_USER, "U0ANA", "U0EVE"])
    assert len(fake_slack.calls_to("conversations.create")) == 1


def test_on_slack_a_retry_after_a_crash_finds_the_channel_it_made(fake_slack: Any) -> None:
    """The channel was made, then the process died before it was stored: the next
    attempt gets name_taken and finds it among the bot's private channels."""
    db, ids = two_groups(Platform.SLACK, SLACK_USERS)
    with db() as uow:
        group = uow.groups.get(ids["A"])
        name = channel_name(place_of(uow, group))
    fake_slack.taken_names.add(name.replace("-g", "-x"))  # an unrelated name, not ours
    client = WebClient(token="xoxb-test", base_url=fake_slack.api_url)
    made = client.conversations_create(name=name, is_private=True)["channel"]["id"]
    sender = slack_sender(fake_slack, db)
    assert sender.send(person(db, ids["ana"]), post(db, ids["A"], "hi", 1), "k").outcome is (
        Outcome.SENT
    )
    assert db.state.groups[ids["A"]].space == made
    assert len(fake_slack.private) == 1
    # someone else's channel with the name: the next free name is used
    fake_slack.taken_names.add(channel_name(place_of_b := post(db, ids["B"], "x", 2).space))
    sender.send(person(db, ids["cem"]), post(db, ids["B"], "B", 2), "k2")
    assert fake_slack.private[db.state.groups[ids["B"]].space] == channel_name(place_of_b, 1)


def test_on_slack_a_second_replica_uses_the_channel_stored_first(fake_slack: Any) -> None:
    db, ids = two_groups(Platform.SLACK, SLACK_USERS)
    first, second = slack_sender(fake_slack, db), slack_sender(fake_slack, db)
    ana = person(db, ids["ana"])
    first.send(ana, post(db, ids["A"], "one", 1), "k1")
    second.send(ana, post(db, ids["A"], "two", 1), "k2")
    channel = db.state.groups[ids["A"]].space
    assert len(fake_slack.calls_to("conversations.create")) == 1
    assert [p["text"] for p in fake_slack.messages[channel]] == ["one", "two"]


# --- Discord: a private thread per group ----------------------------------------------

DISCORD_USERS = {n: f"30000000000000{i:04d}" for i, n in enumerate(SLACK_USERS, start=1)}


@pytest.fixture
def discord_bot(monkeypatch: pytest.MonkeyPatch) -> Any:
    fake = FakeDiscord().start()
    monkeypatch.setattr(Route, "BASE", fake.api_url)
    bot = DiscordBot(fake)
    yield fake, bot
    bot.close()
    fake.stop()


def discord_sender(bot: Any, db: FakeDatabase) -> DiscordSender:
    return DiscordSender(
        bot.http,
        bot.loop,
        Pacer(100.0, 0.0, sleep=lambda s: None, monotonic=lambda: 0.0),
        spaces=Tandem(db, FixedClock(NOW), Policy()),
    )


def test_on_discord_each_group_posts_in_a_private_thread_of_its_own(discord_bot: Any) -> None:
    fake, bot = discord_bot
    db, ids = two_groups(Platform.DISCORD, DISCORD_USERS)
    sender = discord_sender(bot, db)
    ana, cem = person(db, ids["ana"]), person(db, ids["cem"])
    for who, group, text, round_id in (
        (ana, "A", "A's case", 1),
        (ana, "A", "A's 2nd post", 1),
        (cem, "B", "B's case", 2),
    ):
        result = sender.send(who, post(db, ids[group], text, round_id), f"k:{text}")
        assert result.outcome is Outcome.SENT, result
    made = [b for b in fake.calls_to("/threads") if b.get("type") == 12]
    assert len(made) == 2 and all(b["invitable"] is False for b in made)  # once per group
    a_thread, b_thread = db.state.groups[ids["A"]].space, db.state.groups[ids["B"]].space
    assert a_thread and b_thread and a_thread != b_thread
    assert fake.threads[a_thread]["parent_id"] == SHARED[Platform.DISCORD]
    assert sorted(fake.thread_members(a_thread)) == sorted(
        [BOT_ID, DISCORD_USERS["ana"], DISCORD_USERS["ben"]]
    )
    assert sorted(fake.thread_members(b_thread)) == sorted(
        [BOT_ID, DISCORD_USERS["cem"], DISCORD_USERS["dia"]]
    )
    assert DISCORD_USERS["eve"] not in fake.thread_members(a_thread) + fake.thread_members(b_thread)
    a_posts = fake.messages[a_thread]
    assert "A's case" in json.dumps(a_posts[0]) and "B's case" not in json.dumps(a_posts)
    assert a_posts[0]["embeds"][-1]["footer"]["text"] == "tandem advice:1"  # names the round
    assert "footer" not in json.dumps(a_posts[1])
    assert SHARED[Platform.DISCORD] not in fake.messages  # nothing in the shared channel


def test_on_discord_a_leaver_is_removed_from_the_groups_thread(discord_bot: Any) -> None:
    fake, bot = discord_bot
    db, ids = two_groups(Platform.DISCORD, DISCORD_USERS)
    sender = discord_sender(bot, db)
    ana = person(db, ids["ana"])
    sender.send(ana, post(db, ids["A"], "first", 1), "k1")
    thread = db.state.groups[ids["A"]].space
    with db() as uow:
        uow.groups.leave(uow.groups.get(ids["A"]).cohort_id, ids["ben"], NOW)
        spaces.members_changed(uow, ids["A"], NOW, leaving=ids["ben"])
        [row] = uow.outbox.for_recipient(ids["ana"])
        uow.commit()
    result = sender.send(ana, Reply.model_validate_json(row.payload), row.idempotency_key)
    assert result.outcome is Outcome.SENT
    assert sorted(fake.thread_members(thread)) == sorted([BOT_ID, DISCORD_USERS["ana"]])
    # a second replica, with nothing cached, uses the stored thread and adds eve
    db.state.groups[ids["A"]].members = (ids["ana"], ids["eve"])
    discord_sender(bot, db).send(ana, post(db, ids["A"], "second", 1), "k2")
    assert sorted(fake.thread_members(thread)) == sorted(
        [BOT_ID, DISCORD_USERS["ana"], DISCORD_USERS["eve"]]
    )
    assert len([b for b in fake.calls_to("/threads") if b.get("type") == 12]) == 1
    assert "footer" not in json.dumps(fake.messages[thread][-1])  # the round was named before


# --- the console: a round's posts are printed to its group's members only -------------


class Spaces:
    """The core's side of group spaces, as the console sender asks it."""

    def __init__(self, members: dict[int, tuple[str, ...]]) -> None:
        self.members = members

    def space_of(self, group_id: int) -> SpaceState:
        names = self.members.get(group_id, ())
        return SpaceState(None, tuple(Identity(Platform.CONSOLE, "", n) for n in names))

    def keep_space(self, group_id: int, space: str) -> str:
        return space


def test_the_console_prints_a_round_only_to_its_groups_members() -> None:
    printed: list[str] = []
    present = ["eve"]
    sender = ConsoleSender(printed.append, Spaces({1: ("ana", "ben")}), lambda: present[0])
    ana = Person(Identity(Platform.CONSOLE, "", "ana"), "ana", "UTC", "en", NOW, id=1)
    space = GroupSpace(group_id=1, name="Spring group 1")
    round_post = Reply(
        text="Colleague advice for ana · phase 1 of 6: Casting",
        audience=Audience.THREAD,
        thread=Thread("console", "advice:3"),
        space=space,
        recipient_id=1,
    )
    assert sender.send(ana, round_post, "k1").outcome is Outcome.SENT
    assert printed == []  # eve is at the console: not hers to see
    sender.arrived("cem")  # nor cem's, of another group
    assert printed == []
    sender.arrived("ben")  # ben is in the group: it waited for him
    [shown] = printed
    assert "Casting" in shown and "for ana, ben" in shown
    sender.arrived("ana")  # shown once, not again
    assert len(printed) == 1
    present[0] = "ana"
    sender.send(ana, round_post.model_copy(update={"text": "Key question: how?"}), "k2")
    assert "Key question" in printed[-1] and "Spring group 1's space" in printed[-1]
    sender.send(ana, Reply(text="", audience=Audience.SPACE, space=space, recipient_id=1), "k3")
    assert len(printed) == 2  # a change of members prints nothing


def test_on_the_console_two_groups_rounds_are_addressed_to_their_own_members(
    tmp_path: Path,
) -> None:
    driver = ConsoleDriver(tmp_path)
    driver.command("fay", "/learn cohort open Spring")
    names = ("ana", "ben", "cem", "dia", "eli", "fin")
    driver.command("fay", "/learn cohort invite " + " ".join(f"@{n}" for n in names))
    for name in names:
        driver.command(name, "/learn cohort join 1")
    assert "2 groups proposed" in driver.command("fay", "/learn cohort groups --size 3-3")
    driver.command("fay", "/learn cohort confirm groups")
    mates = {}
    for name in names:
        said = driver.command(name, "/learn group")
        mates[name] = re.search(r"Spring group \d: ([^.]*)\.", said).group(1).split(", ")
    other = next(n for n in names if n not in mates["ana"])
    opened = driver.command("ana", "/learn advice My team misses deadlines")
    assert "Casting" in opened and f"for {', '.join(mates['ana'])}" in opened
    again = driver.command(other, "/learn advice Our releases slip")
    assert f"for {', '.join(mates[other])}" in again
    assert "misses deadlines" not in again and "Our releases slip" not in opened
    everything = driver.out.getvalue()
    for line in everything.splitlines():
        if "misses deadlines" in line and "in the thread" in line:
            assert other not in line.split("for ", 1)[1]


def test_leaving_the_cohort_or_being_forgotten_takes_one_out_of_the_groups_space() -> None:
    world = World()
    world.cohort_with(("ana", "ben", "cem", "dia", "eli", "fin"))
    world.say("fay", "/learn cohort groups --size 3-3")
    world.say("fay", "/learn cohort confirm groups")
    with world.db() as uow:
        group = uow.groups.of(world.person_id("ana"))
        assert group is not None and group.id is not None
        uow.groups.set_space(group.id, "G0SPACE")  # as the adapter stored it
        uow.commit()
    leaver, stayer, last = (
        n for n in ("ana", "ben", "cem", "dia", "eli", "fin") if world.person_id(n) in group.members
    )

    def space_rows(name: str) -> list[Reply]:
        return [r for r in world.dms(name) if r.audience is Audience.SPACE]

    world.say(leaver, f"/learn cohort leave {world.cohort_id()}")
    [row] = space_rows(stayer)
    assert row.space is not None and row.space.group_id == group.id and row.text == ""
    world.tandem.forget(console_identity(stayer))
    [after] = space_rows(last)
    assert after.space is not None and after.space.group_id == group.id


def test_on_discord_a_retry_finds_the_thread_an_earlier_attempt_made(discord_bot: Any) -> None:
    fake, bot = discord_bot
    db, ids = two_groups(Platform.DISCORD, DISCORD_USERS)
    discord_sender(bot, db).send(person(db, ids["ana"]), post(db, ids["A"], "one", 1), "k1")
    thread = db.state.groups[ids["A"]].space
    db.state.groups[ids["A"]].space = None  # as if the process died before storing it
    discord_sender(bot, db).send(person(db, ids["ana"]), post(db, ids["A"], "two", 1), "k2")
    assert db.state.groups[ids["A"]].space == thread
    assert len([b for b in fake.calls_to("/threads") if b.get("type") == 12]) == 1


def test_a_manager_who_left_the_cohort_is_no_longer_sent_a_task_unasked(fake_db: Any) -> None:
    tandem = make(fake_db)
    agreed_goal(tandem)
    with fake_db() as uow:
        ben = uow.people.by_identity(BEN)
        [cohort] = uow.cohorts.all()
        uow.memberships.set_status(cohort.id, ben.id, Role.MANAGER, MembershipStatus.LEFT)
        uow.commit()
    asked = one(tandem.handle(ANA, "/learn agree @ben run the team retro"))
    assert "ben is not your manager in the cohort" in asked.text
    assert not any("proposes" in m.text for m in _messages_to(fake_db, BEN))
