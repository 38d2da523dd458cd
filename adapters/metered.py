"""The core, counted and timed per call (adapters/metrics.py's counters); the acking
process never imports it, only what builds a core does (adapters/bootstrap.py)."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from adapters.metrics import CHECKINS, COMMAND_SECONDS, COMMANDS
from bot.commands import Command
from bot.domain import Identity, Profile
from bot.outcome import Outcome
from bot.service import Tandem

log = logging.getLogger("tandem.metrics")


class MeteredTandem(Tandem):
    """The core, counted and timed per call; each call is one log line (kind, outcome,
    duration: nothing of what was written)."""

    _local = threading.local()

    def handle(
        self,
        identity: Identity,
        line: str,
        profile: Profile | None = None,
        event: Any = None,
        mentioned: Any = None,
        where: str | None = None,
    ) -> Outcome:
        self._local.executed = False
        start = time.perf_counter()
        replies = super().handle(identity, line, profile, event, mentioned, where)
        if not self._local.executed:  # the line was no command: answered before any work
            _observe("unparsed", replies, start)
        return replies

    def execute(
        self,
        identity: Identity,
        command: Command,
        profile: Profile | None = None,
        event: Any = None,
        mentioned: Any = None,
        where: str | None = None,
    ) -> Outcome:
        self._local.executed = True
        start = time.perf_counter()
        try:
            replies = super().execute(identity, command, profile, event, mentioned, where)
        except Exception:
            _observe(type(command).__name__, None, start)
            raise
        _observe(type(command).__name__, replies, start)
        if replies.checkin_answered:
            CHECKINS.labels("answered").inc()
        return replies

    def message(
        self,
        identity: Identity,
        text: str,
        profile: Profile | None = None,
        event: Any = None,
    ) -> Outcome:
        start = time.perf_counter()
        try:
            replies = super().message(identity, text, profile, event)
        except Exception:
            _observe("message", None, start)
            raise
        _observe("message", replies, start)
        if replies.checkin_answered:
            CHECKINS.labels("answered").inc()  # a DM that answered the check-in (or late)
        return replies


def _observe(kind: str, replies: Outcome | None, start: float) -> str:
    elapsed = time.perf_counter() - start
    if replies is None:
        outcome = "error"
    elif any(reply.is_error for reply in replies):
        outcome = "refused"
    else:
        outcome = "ok"
    COMMANDS.labels(kind, outcome).inc()
    COMMAND_SECONDS.labels(kind).observe(elapsed)
    log.info(
        "command handled",
        extra={"kind": kind, "outcome": outcome, "duration_ms": round(elapsed * 1000, 2)},
    )
    return outcome
