"""The console's outbox sender: a direct message is printed, addressed to its person.

A post in a learning group's space (an advice round) is printed only to the group's
members: addressed to them, and only while one of them is at the console (`/as NAME`).
Made while someone else is at the console, it waits and is printed when the first
member comes back; others never see it."""

from __future__ import annotations

from collections.abc import Callable

from adapters.console.render import render
from bot.delivery import GroupSpaces, SendResult
from bot.domain import Person, Platform
from bot.i18n import _
from bot.replies import Audience, Reply


class ConsoleSender:
    def __init__(
        self,
        write: Callable[[str], None],
        spaces: GroupSpaces | None = None,
        present: Callable[[], str] | None = None,
    ) -> None:
        self._write = write
        self._spaces = spaces
        self._present = present  # the name of who is at the console now
        self._delivered: set[str] = set()  # a redelivery in this process prints nothing
        self._held: list[tuple[frozenset[str], str]] = []  # (members, text) for members

    def send(
        self, recipient: Person, reply: Reply, idempotency_key: str, attempt: int = 1
    ) -> SendResult:
        if idempotency_key in self._delivered:
            return SendResult.sent()
        self._delivered.add(idempotency_key)
        if reply.audience is Audience.SPACE:
            return SendResult.sent()  # a space's members are read when a post is printed
        if reply.space is not None and self._spaces is not None:
            state = self._spaces.space_of(reply.space.group_id)
            members = [i.user_id for i in state.members if i.platform is Platform.CONSOLE]
            text = render(
                reply,
                recipient=recipient.display_name,
                owner=recipient.identity.ref,
                space=_("{name}'s space, for {members}").format(
                    name=reply.space.name, members=", ".join(members) or _("no one")
                ),
            )
            if self._present is None or self._present() in members:
                self._write(text)
            elif members:
                self._held.append((frozenset(members), text))
            return SendResult.sent()
        self._write(render(reply, recipient=recipient.display_name, owner=recipient.identity.ref))
        return SendResult.sent()

    def arrived(self, name: str) -> None:
        """`name` is at the console now: print what waited for them (as a group member)."""
        mine = [text for members, text in self._held if name in members]
        self._held = [(members, text) for members, text in self._held if name not in members]
        for text in mine:
            self._write(text)
