"""The console's outbox sender: a direct message is printed, addressed to its person."""

from __future__ import annotations

from collections.abc import Callable

from adapters.console.render import render
from bot.delivery import SendResult
from bot.domain import Person
from bot.replies import Reply


class ConsoleSender:
    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write
        self._delivered: set[str] = set()  # a redelivery in this process prints nothing

    def send(
        self, recipient: Person, reply: Reply, idempotency_key: str, attempt: int = 1
    ) -> SendResult:
        if idempotency_key not in self._delivered:
            self._write(
                render(reply, recipient=recipient.display_name, owner=recipient.identity.ref)
            )
            self._delivered.add(idempotency_key)
        return SendResult.sent()
