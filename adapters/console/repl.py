"""The console chat loop: read a line, hand `/learn ...` to the core, print the replies.

Console-only commands: `/as NAME` switches person, `/time [+2h|+3d|+1w|+30m]` shows or
moves the console's clock, `/quit` leaves (as does Ctrl-D). Works the same on a
terminal and on piped input; on piped input each line is echoed after its prompt so
the output reads as a transcript.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
from datetime import timedelta
from typing import TextIO

from adapters.clock import ShiftableClock
from adapters.console.render import render
from bot.domain import Identity, Platform, Profile
from bot.service import Tandem

log = logging.getLogger(__name__)

_NAME = re.compile(r"[^\s:@]{1,64}")
_SHIFT = re.compile(r"\+(\d{1,4})\s*([mhdw])", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def valid_name(name: str) -> bool:
    return _NAME.fullmatch(name) is not None


class Console:
    def __init__(
        self,
        tandem: Tandem,
        clock: ShiftableClock,
        name: str,
        stdin: TextIO = sys.stdin,
        stdout: TextIO = sys.stdout,
    ) -> None:
        self._tandem = tandem
        self._clock = clock
        self._name = name
        self._in = stdin
        self._out = stdout
        self._interactive = stdin.isatty()

    def run(self) -> int:
        if self._interactive:
            self._say(
                f"Tandem console. You are {self._name}. Type /learn help to start; "
                "/as NAME switches person, /time +1d moves the clock, Ctrl-D leaves."
            )
            with contextlib.suppress(ImportError):
                import readline  # noqa: F401  (line editing and history where available)
        while True:
            try:
                line = self._read()
            except (EOFError, KeyboardInterrupt):
                if self._interactive:
                    self._say("\nBye.")
                return 0
            if line is None:
                return 0
            if not self.handle_line(line):
                return 0

    def handle_line(self, line: str) -> bool:
        """Act on one typed line; False when the person asked to leave."""
        text = line.strip()
        if not text:
            return True
        lower = text.lower()
        if lower in ("/quit", "/exit"):
            return False
        if lower == "/as" or lower.startswith("/as "):
            self._switch(text[3:].strip())
        elif lower == "/time" or lower.startswith("/time "):
            self._time(text[5:].strip())
        elif lower == "/learn" or lower.startswith(("/learn ", "/learn\t")):
            self._learn(text)
        elif text.startswith("/"):
            self._say(
                f"Unknown console command {text.split()[0][:30]}. "
                "Use /learn ..., /as NAME, /time +1d or /quit."
            )
        else:
            self._say("Type /learn help to see what you can do.")
        return True

    def _read(self) -> str | None:
        prompt = f"{self._name}> "
        if self._interactive:
            return input(prompt)
        line = self._in.readline()
        if not line:
            return None
        self._say(prompt + line.rstrip("\n"))
        return line

    def _learn(self, text: str) -> None:
        identity = Identity(Platform.CONSOLE, "", self._name)
        try:
            replies = self._tandem.handle(identity, text, Profile(display_name=self._name))
        except Exception:
            log.exception("the core failed on a console command")
            self._say("tandem: something went wrong on my side; nothing was saved.")
            return
        for reply in replies:
            self._say(render(reply))

    def _switch(self, name: str) -> None:
        if not name:
            self._say(f"You are {self._name}. Switch with /as NAME.")
        elif not valid_name(name):
            self._say("A console name is one word without spaces, ':' or '@'.")
        else:
            self._name = name
            self._say(f"You are now {name}.")

    def _time(self, argument: str) -> None:
        if argument:
            match = _SHIFT.fullmatch(argument)
            if match is None:
                self._say("Move the clock forward like this: /time +30m, +2h, +3d or +1w.")
                return
            amount, unit = int(match.group(1)), match.group(2).lower()
            self._clock.shift(timedelta(**{_UNITS[unit]: amount}))
        self._say(f"Console time: {self._clock.now():%a %d %b %Y %H:%M} UTC")

    def _say(self, text: str) -> None:
        print(text, file=self._out, flush=True)
