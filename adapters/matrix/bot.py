"""The Matrix bot's inbound side: the sync loop and what each event means.

- `!learn ...` (or `/learn ...`, where a client passes it through) is a command. In the
  person's direct room the answer is posted there, as a reply to the command; typed in
  another room, what only the asker may see goes to their direct room instead.
- Any other message in a direct room is a message to the bot (a check-in's answer).
- A message in a thread (`m.thread`) whose root the bot posted with a Tandem thread name
  is a contribution to that thread's round.
- A reaction 1️⃣..9️⃣ to one of the bot's messages with choices runs that choice's
  command, once per person and message (the first reaction acts; see render.py).
- Invites are accepted from people of the configured homeservers only; an invite marked
  `is_direct` makes that room the person's direct room.
- People are named by Matrix ID (`@ana:example.org`) or by a mention pill; either
  reaches the core as `@@ana:example.org`, which the grammar reads as that ID.
- Each event is handled once: the core records its id (`Incoming`), and the sync token
  is stored after a batch is handled, so a restart neither replays nor skips.
- End-to-end encrypted rooms are not read: the bot says so there, once, in one line.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Callable
from typing import Any

from nio import SyncError, SyncResponse

from adapters.bootstrap import Application
from adapters.matrix.client import Account, SyncCursor
from adapters.matrix.forms import CANCEL, Filling
from adapters.matrix.render import CHOICES, KEYCAPS, THREAD, content
from adapters.unexpected import logged
from bot.clock import Clock
from bot.domain import Identity, Incoming, Platform, Profile, Thread
from bot.forms import FormError
from bot.i18n import _, speaking
from bot.outcome import Outcome
from bot.replies import Audience, unexpected

log = logging.getLogger(__name__)

MXID = re.compile(r"(?<![\w@])@[a-z0-9._=/+\-]+:[A-Za-z0-9.\-]+(?::\d+)?")
PILL = re.compile(r'<a href="https://matrix\.to/#/(@[^"?]+)[^"]*">.*?</a>', re.IGNORECASE)
COMMAND = re.compile(r"^\s*[!/]learn(?:\s|$)", re.IGNORECASE)
ENCRYPTED_NOTE = "org.tandem.encryption-note"
# Up to this many events of a room per sync (Synapse's default is 10: a busy room between
# two syncs would come back "limited", its older events left out).
TIMELINE = {"room": {"timeline": {"limit": 500}}}
INPUT = "org.tandem.input"  # on a form's prompt: which form and input it asks
ANSWERS = "org.tandem.answers"  # on a private answer sent to the direct room: the event


def line_of(event_content: dict[str, Any]) -> str:
    """The command as typed, `!learn` made `/learn`, each person named as `@@mxid`."""
    formatted = event_content.get("formatted_body")
    if event_content.get("format") == "org.matrix.custom.html" and isinstance(formatted, str):
        text = PILL.sub(lambda m: m.group(1), formatted)
        text = re.sub(r"<br\s*/?>", "\n", text)
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
    else:
        text = str(event_content.get("body", ""))
    text = COMMAND.sub("/learn ", text, count=1).strip()
    return MXID.sub(lambda m: "@" + m.group(0), text)


def server_of(user_id: str) -> str:
    return user_id.split(":", 1)[1] if ":" in user_id else ""


class MatrixBot:
    def __init__(
        self,
        app: Application,
        account: Account,
        servers: frozenset[str],
        clock: Clock,
        on_batch: Callable[[], None] | None = None,
    ) -> None:
        self.app = app
        self.clock = clock
        self.account = account
        self.servers = servers  # invites are accepted from people of these homeservers
        self.cursor = SyncCursor(app.engine, account.user_id)
        self._noted: set[str] = set()  # encrypted rooms told, in this process
        self._forms: dict[str, Filling] = {}  # person -> the form they are filling in
        self._stopping = asyncio.Event()
        self._on_batch = on_batch

    @property
    def client(self) -> Any:
        return self.account.client

    def stop(self) -> None:
        self._stopping.set()

    async def run(self) -> None:
        """Sync until stopped; each batch handled, then its token stored."""
        await self.account.load_direct()
        token = await asyncio.to_thread(self.cursor.load)
        first = token is None  # a first start ever takes the present as its start
        while not self._stopping.is_set():
            sync = asyncio.ensure_future(
                self.client.sync(
                    timeout=0 if first else 10_000,
                    since=token,
                    full_state=first,
                    sync_filter=TIMELINE,
                )
            )
            stopping = asyncio.ensure_future(self._stopping.wait())
            done, _ = await asyncio.wait({sync, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if sync not in done:
                sync.cancel()
                return
            stopping.cancel()
            response = sync.result()
            if isinstance(response, SyncError) or not isinstance(response, SyncResponse):
                log.warning("sync failed: %s", getattr(response, "message", response))
                await asyncio.sleep(2)  # backing off from the homeserver, not a schedule
                continue
            await self.handle(response, history=first)
            token = response.next_batch
            await asyncio.to_thread(self.cursor.save, token, self.clock.now())
            first = False
            if self._on_batch is not None:
                self._on_batch()

    async def handle(self, response: SyncResponse, history: bool = False) -> None:
        for room_id, invited in response.rooms.invite.items():
            # nio moves an invite event's content out of its source: put it back
            state = [
                {**e.source, "content": getattr(e, "content", None) or e.source.get("content", {})}
                for e in invited.invite_state
            ]
            await self._invited(room_id, state)
        if history:
            return  # what was said before the bot's first start is not acted on
        for room_id, joined in response.rooms.join.items():
            if joined.timeline.limited:
                log.warning("the sync of %s left events out (a limited timeline)", room_id)
            for event in joined.timeline.events:
                source = event.source
                if source.get("sender") == self.account.user_id:
                    continue
                try:
                    await self._event(room_id, source)
                except Exception as error:  # one bad event must not stop the sync
                    logged(log, "a Matrix event failed", error)

    async def _invited(self, room_id: str, state: list[dict[str, Any]]) -> None:
        mine = [
            e
            for e in state
            if e.get("type") == "m.room.member" and e.get("state_key") == self.account.user_id
        ]
        if not mine:
            return
        inviter = str(mine[-1].get("sender", ""))
        if server_of(inviter) not in self.servers:
            log.info("an invite from %s (another homeserver) was declined", inviter)
            await self.client.room_leave(room_id)
            return
        await self.client.join(room_id)
        if mine[-1].get("content", {}).get("is_direct"):
            await self.account.mark_direct(inviter, room_id)

    async def _event(self, room_id: str, source: dict[str, Any]) -> None:
        kind = source.get("type")
        sender = str(source.get("sender", ""))
        body = source.get("content") or {}
        if kind == "m.room.encrypted":
            await self._encrypted(room_id, source)
        elif kind == "m.reaction":
            await self._reaction(room_id, sender, body)
        elif kind == "m.room.message" and isinstance(body.get("body"), str):
            if body.get("msgtype") == "m.notice":
                return  # bots do not answer bots
            relation = body.get("m.relates_to") or {}
            filling = self._forms.get(sender)
            if (
                filling is not None
                and filling.room == room_id
                and await self._form_answer(room_id, source, filling)
            ):
                return
            if COMMAND.match(body["body"]):
                await self._command(room_id, source, line_of(body))
            elif relation.get("rel_type") == "m.thread":
                await self._in_thread(room_id, source, str(relation.get("event_id", "")))
            elif self._is_direct(room_id, sender):
                await self._message(room_id, source)

    def _is_direct(self, room_id: str, user: str) -> bool:
        if self.account.direct.get(user) == room_id:
            return True
        room = self.client.rooms.get(room_id)
        if room is not None and room.member_count == 2 and user in room.users:
            # a room of two the person opened without marking it direct: theirs now
            self.account.direct.put(user, room_id)
            return True
        return False

    def identity(self, user: str) -> Identity:
        return Identity(Platform.MATRIX, "", user)

    def profile(self, room_id: str, user: str) -> Profile:
        room = self.client.rooms.get(room_id)
        member = room.users.get(user) if room is not None else None
        name = (member.display_name if member is not None else None) or user
        return Profile(display_name=name)

    async def _mentioned(self, room_id: str, line: str) -> dict[str, Profile]:
        """The people a line names, as the homeserver knows them (their display names)."""
        named: dict[str, Profile] = {}
        for mention in re.findall(r"@@\S+", line)[:50]:
            user = mention[1:]
            profile = self.profile(room_id, user)
            if profile.display_name == user:  # not in this room: ask the homeserver
                answer = await self.client.get_displayname(user)
                name = getattr(answer, "displayname", None)
                profile = Profile(display_name=name or user)
            named[user] = profile
        return named

    async def _answer(
        self,
        room_id: str,
        source: dict[str, Any],
        use_case: Callable[[Identity, Profile, Incoming], Outcome],
    ) -> None:
        """Run one event's use case as its sender, keyed by the event; say its answers."""
        sender = source["sender"]
        identity = self.identity(sender)
        profile = self.profile(room_id, sender)
        event = Incoming(f"matrix:event:{source['event_id']}")
        outcome = await self._core(identity, lambda: use_case(identity, profile, event))
        await self.say(room_id, source, outcome)

    async def _command(self, room_id: str, source: dict[str, Any], line: str) -> None:
        mentioned = await self._mentioned(room_id, line)
        await self._answer(
            room_id,
            source,
            lambda who, profile, event: self.app.tandem.handle(
                who, line, profile, event=event, mentioned=mentioned, where=room_id
            ),
        )

    async def _message(self, room_id: str, source: dict[str, Any]) -> None:
        text = str(source["content"]["body"])
        await self._answer(
            room_id,
            source,
            lambda who, profile, event: self.app.tandem.message(who, text, profile, event=event),
        )

    async def _in_thread(self, room_id: str, source: dict[str, Any], root_id: str) -> None:
        root = await self.account.event(room_id, root_id)
        name = (root.get("content") or {}).get(THREAD)
        if root.get("sender") != self.account.user_id or not isinstance(name, str):
            return  # not a thread Tandem started
        text, thread = str(source["content"]["body"]), Thread(room_id, name)
        await self._answer(
            room_id,
            source,
            lambda who, profile, event: self.app.tandem.thread_message(
                who, thread, text, profile, event=event
            ),
        )

    async def _reaction(self, room_id: str, sender: str, body: dict[str, Any]) -> None:
        relation = body.get("m.relates_to") or {}
        key, target = relation.get("key"), str(relation.get("event_id", ""))
        if relation.get("rel_type") != "m.annotation" or key not in KEYCAPS:
            return
        message = await self.account.event(room_id, target)
        choices = (message.get("content") or {}).get(CHOICES)
        number = KEYCAPS.index(key)
        if message.get("sender") != self.account.user_id or not isinstance(choices, list):
            return
        if number >= len(choices):
            return
        identity = self.identity(sender)
        line = "/learn " + str(choices[number])
        outcome = await self._core(
            identity,
            lambda: self.app.tandem.handle(
                identity,
                line,
                self.profile(room_id, sender),
                # one act per person and message: a second reaction, any number, is a repeat
                event=Incoming(f"matrix:choice:{room_id}:{target}:{sender}"),
            ),
        )
        await self.say(room_id, {"event_id": target, "sender": sender}, outcome)

    async def _encrypted(self, room_id: str, source: dict[str, Any]) -> None:
        if room_id in self._noted:
            return
        self._noted.add(room_id)
        sender = source["sender"]
        language = await asyncio.to_thread(
            self.app.tandem.language_for, self.identity(sender), self.profile(room_id, sender)
        )
        with speaking(language):
            note = _(
                "This room is end-to-end encrypted and Tandem cannot read encrypted rooms yet: "
                "please talk to me in a room without encryption."
            )
        await self.account.answer(
            room_id, {"msgtype": "m.notice", "body": note}, f"{ENCRYPTED_NOTE}:{room_id}"
        )

    async def _core(self, identity: Identity, use_case: Callable[[], Outcome]) -> Outcome:
        try:
            return await asyncio.to_thread(use_case)
        except Exception as error:  # the core rolled back: nothing of it was kept
            reference = logged(log, "the core failed on a Matrix event", error)
            language = await asyncio.to_thread(self.app.tandem.language_for, identity)
            with speaking(language):
                return Outcome([unexpected(reference)], language=language)

    async def say(self, room_id: str, source: dict[str, Any], outcome: Outcome) -> None:
        """Post the core's answers: in the room as replies to the event, except what only
        the asker may see, typed outside their direct room: that goes to the direct room."""
        sender = source["sender"]
        language = outcome.language or await asyncio.to_thread(
            self.app.tandem.language_for, self.identity(sender)
        )
        private = not self._is_direct(room_id, sender)
        for number, reply in enumerate(outcome):
            where = room_id
            if private and reply.audience is Audience.ASKER:
                where = await self.account.direct_room(sender)
            with speaking(language):
                message = content(reply)
            if reply.form is not None:  # before the form is seen, so an answer finds it
                self._forms[sender] = Filling.of(reply.form, where)
            if where == room_id:
                message["m.relates_to"] = {"m.in_reply_to": {"event_id": source["event_id"]}}
            else:  # what it answers, for clients and tests that look
                message[ANSWERS] = source["event_id"]
            sent = await self.account.answer(
                where, message, f"answer:{source['event_id']}:{number}"
            )
            if sent is not None and reply.buttons:
                await self.offer(where, sent, len(message.get(CHOICES, ())))
            if sent is not None and reply.chart is not None:
                try:
                    await self.account.send_chart(where, reply.chart, sent)
                except Exception as error:  # the text alternative was said already
                    log.warning("a chart could not be posted in %s: %s", where, error)
            if reply.form is not None:
                filling = self._forms[sender]
                with speaking(language):
                    intro = f"{filling.intro()}\n{filling.prompt()}"
                    await self._notice(where, intro, source, filling)

    async def _notice(
        self, room_id: str, text: str, source: dict[str, Any], filling: Filling | None = None
    ) -> None:
        """One line of the bot's own; with `filling`, its prompt says which input it asks
        (`org.tandem.input`, for clients that fill forms themselves)."""
        message: dict[str, Any] = {"msgtype": "m.notice", "body": text}
        if filling is not None and filling.asking:
            message[INPUT] = {"form": filling.form.form_id, "input": filling.asking[0].name}
        await self.account.answer(room_id, message, f"notice:{source['event_id']}:{text[:40]}")

    async def _form_answer(self, room_id: str, source: dict[str, Any], filling: Filling) -> bool:
        """An answer to the form being filled in; False when the message leaves the form
        to be handled as usual (a command)."""
        sender, text = source["sender"], str(source["content"]["body"]).strip()
        identity, profile = self.identity(sender), self.profile(room_id, sender)
        language = await asyncio.to_thread(self.app.tandem.language_for, identity, profile)
        with speaking(language):
            if COMMAND.match(text):
                del self._forms[sender]
                command = " ".join(text.split()[:2])[:30]
                left = _("Left the form, nothing saved, to run {command}.")
                await self._notice(room_id, left.format(command=command), source)
                return False
            if text.lower() in CANCEL:
                del self._forms[sender]
                await self._notice(room_id, _("Cancelled; nothing was saved."), source)
                return True
            problem = filling.take(text)
            if problem is not None or filling.asking:
                said = f"{problem}\n" if problem else ""
                await self._notice(room_id, said + filling.prompt(), source, filling)
                return True
        try:
            outcome = await asyncio.to_thread(
                self.app.tandem.submit,
                identity,
                filling.form.form_id,
                dict(filling.values),
                profile,
                Incoming(f"matrix:event:{source['event_id']}"),
            )
        except FormError as error:
            with speaking(language):
                again = filling.ask_again(error.field)
                await self._notice(
                    room_id,
                    str(error) + (f"\n{filling.prompt()}" if again else ""),
                    source,
                    filling if again else None,
                )
            if not again:
                del self._forms[sender]
            return True
        except Exception as error:  # the core rolled back: nothing of it was kept
            del self._forms[sender]
            reference = logged(log, "the core failed on a Matrix form", error)
            with speaking(language):
                outcome = Outcome([unexpected(reference)], language=language)
        else:
            del self._forms[sender]
        await self.say(room_id, source, outcome)
        return True

    async def offer(self, room_id: str, event_id: str, count: int) -> None:
        """The bot's own reactions 1️⃣..n under a message with choices: one tap to choose."""
        for number in range(count):
            await self._react(room_id, event_id, number)

    async def _react(self, room_id: str, event_id: str, number: int) -> None:
        reaction = {
            "m.relates_to": {
                "rel_type": "m.annotation",
                "event_id": event_id,
                "key": KEYCAPS[number],
            }
        }
        try:
            await self.account.send_event(
                room_id, "m.reaction", reaction, f"offer:{event_id}:{number}"
            )
        except Exception as error:  # the choice can still be made by reacting by hand
            log.info("could not offer choice %d on %s: %s", number + 1, event_id, error)
