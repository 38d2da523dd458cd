"""The Matrix tests' world: a real Synapse, the bot (`adapters.matrix`) on it, and people
who use matrix-nio's own client against the same homeserver, as Element would.

`Person` is one account with its own AsyncClient, on a loop thread of its own; it syncs
to see what the bot sent. `MatrixBotRun` is the bot with its database, started and
stopped in a thread (a restart is a stop and a new run on the same database).
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
import uuid
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

from nio import AsyncClient, JoinResponse, RoomCreateResponse, RoomPreset, RoomSendResponse

from adapters.bootstrap import Application, build
from adapters.clock import ShiftableClock
from adapters.matrix.app import MatrixService
from adapters.settings import Settings
from bot.domain import Platform
from tests.support.synapse import Account, Synapse

T = TypeVar("T")
WAIT = 30.0


class Loop:
    """An event loop in a thread, for the people's clients."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, work: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(timeout)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def eventually(probe: Callable[[], T | None], what: str, timeout: float = WAIT) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = probe()
        if found:
            return found
        time.sleep(0.1)  # waiting for the homeserver to pass a message on, not a schedule
    raise AssertionError(f"{what} within {timeout:.0f} s")


class Person:
    def __init__(self, synapse: Synapse, account: Account, loop: Loop) -> None:
        self.account, self.loop = account, loop
        self.user_id = account.user_id
        self.client = AsyncClient(synapse.url, account.user_id, device_id=account.device_id)
        self.client.access_token = account.access_token
        self.client.user_id = account.user_id
        self.events: dict[str, list[dict[str, Any]]] = {}  # room -> timeline, in order
        self.token: str | None = None
        self.lock = threading.Lock()

    def sync(self) -> None:
        everything = {"room": {"timeline": {"limit": 200}}}  # a room joined late: all of it
        response = self.loop.run(
            self.client.sync(timeout=0, since=self.token, sync_filter=everything)
        )
        self.token = response.next_batch
        with self.lock:
            for room_id in response.rooms.invite:
                self.loop.run(self.client.join(room_id))
            for room_id, joined in response.rooms.join.items():
                self.events.setdefault(room_id, []).extend(e.source for e in joined.timeline.events)

    def direct_room_with(self, bot: str) -> str:
        created = self.loop.run(
            self.client.room_create(
                is_direct=True, invite=[bot], preset=RoomPreset.trusted_private_chat
            )
        )
        assert isinstance(created, RoomCreateResponse), created
        return created.room_id

    def join(self, room_id: str) -> None:
        assert isinstance(self.loop.run(self.client.join(room_id)), JoinResponse)

    def wait_for_member(self, room_id: str, user_id: str) -> None:
        def joined() -> bool:
            members = self.loop.run(self.client.joined_members(room_id))
            return user_id in {m.user_id for m in getattr(members, "members", [])}

        eventually(joined, f"{user_id} in the room")

    def say(self, room_id: str, body: str, **extra: Any) -> str:
        content = {"msgtype": "m.text", "body": body, **extra}
        sent = self.loop.run(self.client.room_send(room_id, "m.room.message", content))
        assert isinstance(sent, RoomSendResponse), sent
        return sent.event_id

    def react(self, room_id: str, event_id: str, key: str) -> str:
        relation = {"rel_type": "m.annotation", "event_id": event_id, "key": key}
        sent = self.loop.run(
            self.client.room_send(room_id, "m.reaction", {"m.relates_to": relation})
        )
        assert isinstance(sent, RoomSendResponse), sent
        return sent.event_id

    def from_bot(self, room_id: str, bot: str) -> list[dict[str, Any]]:
        """The bot's messages in the room, oldest first (after a sync)."""
        self.sync()
        with self.lock:
            return [
                e
                for e in self.events.get(room_id, [])
                if e.get("sender") == bot and e.get("type") == "m.room.message"
            ]

    def answers_to(self, room_id: str, bot: str, event_id: str) -> list[dict[str, Any]]:
        return [
            e
            for e in self.from_bot(room_id, bot)
            if e["content"].get("m.relates_to", {}).get("m.in_reply_to", {}).get("event_id")
            == event_id
        ]

    def close(self) -> None:
        self.loop.run(self.client.close())


class MatrixBotRun:
    """The bot on the homeserver, with its database in `folder`."""

    def __init__(self, synapse: Synapse, account: Account, folder: Path, **settings: str) -> None:
        self.database = folder / "tandem.db"
        self.settings = Settings(
            DATABASE_URL=f"sqlite:///{self.database}",
            MATRIX_HOMESERVER=synapse.url,
            MATRIX_USER=account.user_id,
            MATRIX_ACCESS_TOKEN=account.access_token,
            **settings,
        )
        self.user_id = account.user_id
        self.clock = ShiftableClock()
        self.app: Application | None = None
        self.service: MatrixService | None = None
        self.batches = 0
        self.wrap_sender: Callable[[Any], Any] | None = None

    def start(self) -> MatrixBotRun:
        self.app = build(self.settings, self.clock, platform=Platform.MATRIX)
        self.service = MatrixService(self.app, self.clock, on_batch=self._batch)
        self.service.start_in_thread()
        eventually(lambda: self.batches > 0, "the bot's first sync")
        return self

    def _batch(self) -> None:
        self.batches += 1

    def stop(self) -> None:
        if self.service is not None:
            self.service.join()
            self.service = None
        if self.app is not None:
            self.app.close()
            self.app = None


def text_of(event: dict[str, Any]) -> str:
    return str(event["content"].get("body", "")) + str(event["content"].get("formatted_body", ""))


class MatrixStory:
    """The shared stories' many-person driver on Matrix: each name is an account (display
    name = the name) on matrix-nio's client; `fay` facilitates. A command is typed in the
    person's direct room with the bot (or in `room`); its answer is the bot's reply to it
    there, or the private answer sent to the direct room naming it."""

    def __init__(self, synapse: Synapse, folder: Path, language: str = "en") -> None:
        from tests.support.received import said_in

        self.synapse, self.language, self.said_in = synapse, language, said_in
        self.loop = Loop()
        self.people: dict[str, Person] = {}
        self.dms: dict[str, str] = {}
        fay = self.person("fay")
        bot = synapse.register()
        synapse.unlimited(synapse.admin, bot.user_id)  # the stories are not about rate limits
        self.bot = MatrixBotRun(
            synapse,
            bot,
            folder,
            TANDEM_LOCALE=language,
            TANDEM_FACILITATORS=f"matrix:{fay.user_id}",
        ).start()
        self.database = self.bot.database

    def person(self, name: str) -> Person:
        if name not in self.people:
            account = self.synapse.register(f"{name}{uuid.uuid4().hex[:6]}")
            self.synapse.unlimited(self.synapse.admin, account.user_id)
            someone = Person(self.synapse, account, self.loop)
            self.loop.run(someone.client.set_displayname(name))
            self.people[name] = someone
        return self.people[name]

    def dm(self, who: str) -> str:
        if who not in self.dms:
            someone = self.person(who)
            self.dms[who] = someone.direct_room_with(self.bot.user_id)
            someone.wait_for_member(self.dms[who], self.bot.user_id)
        return self.dms[who]

    def line(self, line: str) -> str:
        """`/learn ...` as typed on Matrix: `!learn`, and `@name` as that person's ID."""
        named = re.sub(r"(?<!\S)@(\w+)\b(?!:)", lambda m: self.person(m.group(1)).user_id, line)
        return "!learn" + named.removeprefix("/learn")

    def _bot_messages(self, who: str) -> list[tuple[str, dict[str, Any]]]:
        someone = self.person(who)
        someone.sync()
        with someone.lock:
            return [
                (room, e)
                for room, events in someone.events.items()
                for e in events
                if e.get("sender") == self.bot.user_id and e.get("type") == "m.room.message"
            ]

    def _answers(self, who: str, event_id: str) -> list[dict[str, Any]]:
        return [
            e
            for _, e in self._bot_messages(who)
            if e["content"].get("org.tandem.answers") == event_id
            or e["content"].get("m.relates_to", {}).get("m.in_reply_to", {}).get("event_id")
            == event_id
        ]

    def command(self, who: str, line: str, room: str | None = None) -> str:
        asked = self.person(who).say(room or self.dm(who), self.line(line))
        answers = eventually(lambda: self._answers(who, asked), f"no answer to {line!r}")
        return "\n".join(text_of(a) for a in answers)

    def last_dm(self, who: str, containing: str) -> str:
        def found() -> list[str]:
            return [
                text_of(e)
                for room, e in self._bot_messages(who)
                if not self._is_group(who, room) and containing in text_of(e)
            ]

        return eventually(found, f"no DM saying {containing!r}")[-1]

    def form(self, who: str, line: str, values: Callable[[str], str]) -> str:
        """Type `line`, then answer each prompt of the form it opens with `values(input)`;
        the answers to the last one (the submission's)."""
        before = self._prompts(who)
        asked = self.person(who).say(self.dm(who), self.line(line))
        eventually(lambda: self._answers(who, asked), f"no answer to {line!r}")
        return self._fill(who, values, before)

    def _prompts(self, who: str) -> set[str]:
        return {
            e["event_id"] for _, e in self._bot_messages(who) if "org.tandem.input" in e["content"]
        }

    def _fill(self, who: str, values: Callable[[str], str], answered: set[str]) -> str:
        while True:

            def prompted() -> list[dict[str, Any]]:
                return [
                    e
                    for _, e in self._bot_messages(who)
                    if "org.tandem.input" in e["content"] and e["event_id"] not in answered
                ]

            prompt = eventually(prompted, "no prompt of the form")[-1]
            answered.update(e["event_id"] for e in prompted())
            name = prompt["content"]["org.tandem.input"]["input"]
            given = self.person(who).say(self.dm(who), values(name))

            def next_step(given: str = given) -> list[Any]:
                return self._answers(who, given) or prompted()

            step = eventually(next_step, "the form went nowhere")
            if "org.tandem.input" not in step[-1]["content"]:
                return "\n".join(text_of(a) for a in step)

    def picture(self, who: str) -> bytes:
        images = eventually(
            lambda: [
                e for _, e in self._bot_messages(who) if e["content"].get("msgtype") == "m.image"
            ],
            "no picture",
        )
        got = self.loop.run(self.person(who).client.download(mxc=images[-1]["content"]["url"]))
        return bytes(got.body)

    def click(self, who: str, label: str, values: Callable[[str], str] | None = None) -> str:
        from adapters.matrix.render import CHOICES, KEYCAPS

        label = self.said_in(self.language, label)

        def offered() -> list[tuple[str, dict[str, Any], int]]:
            return [
                (room, e, n)
                for room, e in self._bot_messages(who)
                if CHOICES in e["content"]
                for n in range(len(e["content"][CHOICES]))
                if f"{KEYCAPS[n]} {label}" in e["content"]["body"]
            ]

        room, message, number = eventually(offered, f"no {label} choice")[-1]
        before = self._prompts(who)
        self.person(who).react(room, message["event_id"], KEYCAPS[number])
        if values is not None:
            return self._fill(who, values, before)
        answers = eventually(lambda: self._answers(who, message["event_id"]), "no answer")
        return "\n".join(text_of(a) for a in answers)

    def _is_group(self, who: str, room: str) -> bool:
        """A room of several (named by its creator), not a direct room."""
        known = self.person(who).client.rooms.get(room)
        return known is not None and known.name is not None

    def group_messages(self, who: str = "ana") -> list[dict[str, Any]]:
        return [e for room, e in self._bot_messages(who) if self._is_group(who, room)]

    def received(self) -> list[str]:
        seen: dict[str, str] = {}
        for who in self.people:
            for _, e in self._bot_messages(who):
                seen[e["event_id"]] = str(e["content"]["body"])
        return list(seen.values())

    def close(self) -> None:
        self.bot.stop()
        for someone in self.people.values():
            someone.close()
        self.loop.close()
