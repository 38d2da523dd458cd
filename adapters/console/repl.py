"""The console chat loop: read a line, hand it to the core, print the replies and whatever
falls due.

`/learn ...` lines are commands; any other line is a message to the bot in your DM (the
answer to a waiting check-in). Console-only commands: `/as NAME` switches person,
`/time [+30m|+2h|+3d|+1w]` shows or moves the console's clock (stepping through every
check-in, reminder and expiry on the way, so a week passes in a moment), `/quit` leaves
(as does Ctrl-D). On piped input each line is echoed after its prompt so the output reads
as a transcript, and due work runs after each line; on a terminal it also runs in the
background, so check-ins appear as they fall due.
"""

from __future__ import annotations

import contextlib
import logging
import re
import sys
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TextIO

from adapters.bootstrap import Application
from adapters.chart_files import discard_chart_files
from adapters.clock import ShiftableClock
from adapters.console.render import render
from adapters.console.sender import ConsoleSender
from adapters.scheduler import BackgroundWork
from bot.domain import Identity, Platform, Profile
from bot.forms import FormError
from bot.replies import Form, Reply, private_error

log = logging.getLogger(__name__)

_NAME = re.compile(r"[^\s:@]{1,64}")
_SHIFT = re.compile(r"\+(\d{1,5})\s*([mhdw])", re.IGNORECASE)
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
MAX_SHIFT = timedelta(weeks=8)


def valid_name(name: str) -> bool:
    return _NAME.fullmatch(name) is not None


class Console:
    def __init__(
        self,
        app: Application,
        clock: ShiftableClock,
        name: str,
        stdin: TextIO = sys.stdin,
        stdout: TextIO = sys.stdout,
    ) -> None:
        self._app = app
        self._clock = clock
        self._name = name
        self._in = stdin
        self._out = stdout
        self._interactive = stdin.isatty()
        self._print_lock = threading.Lock()
        self._sender = ConsoleSender(self._say, app.tandem, lambda: self._name)

    def run(self) -> int:
        background = None
        if self._interactive:
            self._say(
                f"Tandem console. You are {self._name}. Type /learn help to start; "
                "/as NAME switches person, /time +1d moves the clock, Ctrl-D leaves."
            )
            with contextlib.suppress(ImportError):
                import readline  # noqa: F401  (line editing and history where available)
            background = BackgroundWork(
                self._app.due_work,
                self._app.delivery,
                self._sender,
                self._app.signal,
                tick_every=timedelta(seconds=5),
                poll_every=timedelta(seconds=2),
            )
            background.start()
        else:
            self._catch_up()  # what fell due while no console ran
        try:
            self._loop()
        finally:
            if background is not None:
                background.stop()
            discard_chart_files()  # the pictures shown in this session go with it
        return 0

    def _loop(self) -> None:
        while True:
            try:
                line = self._read()
            except (EOFError, KeyboardInterrupt):
                if self._interactive:
                    self._say("\nBye.")
                return
            if line is None or not self.handle_line(line):
                return

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
        elif lower.split(maxsplit=1)[0] == "/learn":  # any whitespace after it
            self._call(lambda: self._app.tandem.handle(self._identity(), text, self._profile()))
        elif text.startswith("/"):
            self._say(
                f"Unknown console command {text.split()[0][:30]}. "
                "Use /learn ..., /as NAME, /time +1d or /quit."
            )
        else:
            self._call(lambda: self._app.tandem.message(self._identity(), text, self._profile()))
        self._catch_up()
        return True

    def _identity(self) -> Identity:
        return Identity(Platform.CONSOLE, "", self._name)

    def _profile(self) -> Profile:
        return Profile(display_name=self._name)

    def _read(self) -> str | None:
        prompt = f"{self._name}> "
        if self._interactive:
            return input(prompt)
        line = self._in.readline()
        if not line:
            return None
        self._say(prompt + line.rstrip("\n"))
        return line

    def _call(self, use_case: Callable[[], list[Reply]]) -> None:
        try:
            replies = use_case()
        except Exception:
            log.exception("the core failed on a console line")
            self._say("tandem: something went wrong on my side; nothing was saved.")
            return
        for reply in replies:
            self._say(render(reply, owner=self._identity().ref))
            if reply.form is not None:
                self._fill(reply.form)

    def _fill(self, form: Form) -> None:
        """A form as prompts, one per input (on piped input: the next lines)."""
        self._say(f"tandem (only you see this): {form.title}. An empty line cancels.")
        values: dict[str, str] = {}
        for field in form.inputs:
            choices = (
                f" ({' / '.join(field.options)}; Enter: {field.options[0]})"
                if field.options
                else ""
            )
            answer = self._ask(f"  {field.label}{choices}: ")
            if answer is None:
                self._say("tandem (only you see this): Cancelled; nothing was saved.")
                return
            if not answer and field.options:
                answer = field.options[0]
            elif not answer:
                self._say("tandem (only you see this): Cancelled; nothing was saved.")
                return
            values[field.name] = answer
        try:
            replies = self._app.tandem.submit(
                self._identity(), form.form_id, values, self._profile()
            )
        except FormError as error:
            self._say(render(private_error(str(error))))
            return
        for reply in replies:
            self._say(render(reply, owner=self._identity().ref))

    def _ask(self, prompt: str) -> str | None:
        if self._interactive:
            try:
                return input(prompt).strip()
            except (EOFError, KeyboardInterrupt):
                return None
        line = self._in.readline()
        if not line:
            return None
        self._say(prompt + line.rstrip("\n"))
        return line.strip()

    def _catch_up(self) -> None:
        """Run what is due now and deliver what is queued (the console is its own worker)."""
        try:
            report = self._app.due_work.run()
            self._app.delivery.drain(self._sender)
        except Exception:
            log.exception("due work failed in the console")
            return
        notes = [
            f"{n} check-in{'s' if n > 1 else ''} {what}"
            for n, what in ((report.missed, "marked missed"), (report.skipped, "skipped"))
            if n
        ]
        if notes:
            self._say(f"(tandem: {'; '.join(notes)})")

    def _switch(self, name: str) -> None:
        if not name:
            self._say(f"You are {self._name}. Switch with /as NAME.")
        elif not valid_name(name):
            self._say("A console name is one word without spaces, ':' or '@'.")
        else:
            self._name = name
            self._say(f"You are now {name}.")
            self._sender.arrived(name)  # posts of their group's space that waited for them

    def _time(self, argument: str) -> None:
        if argument:
            match = _SHIFT.fullmatch(argument)
            if match is None:
                self._say("Move the clock forward like this: /time +30m, +2h, +3d or +1w.")
                return
            amount, unit = int(match.group(1)), match.group(2).lower()
            shift = timedelta(**{_UNITS[unit]: amount})
            if shift > MAX_SHIFT:
                self._say("Move the clock at most eight weeks at a time.")
                return
            self._travel(self._clock.now() + shift)
        self._say(f"Console time: {self._clock.now():%a %d %b %Y %H:%M} UTC")

    def _travel(self, target: datetime) -> None:
        """Step the clock from event to event up to `target`, running due work at each."""
        while (event := self._app.due_work.next_event_at()) is not None and event <= target:
            self._clock.set(event)
            self._catch_up()
        self._clock.set(target)
        self._catch_up()

    def _say(self, text: str) -> None:
        with self._print_lock:
            print(text, file=self._out, flush=True)
