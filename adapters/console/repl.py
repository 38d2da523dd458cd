"""The console chat loop: read a line, hand it to the core, print the replies and whatever
falls due.

`/learn ...` lines are commands; any other line is a message to the bot in your DM (the
answer to a waiting check-in). Console-only commands: `/as NAME` switches person,
`/time [+30m|+2h|+3d|+1w]` shows or moves the console's clock (stepping through every
check-in, reminder and expiry on the way, so a week passes in a moment), `/quit` leaves
(as does Ctrl-D). On piped input each line is echoed after its prompt so the output reads
as a transcript, and due work runs after each line; on a terminal it also runs in the
background, so check-ins appear as they fall due.

Everything is said in the language of the person at the console (`/as` switches it with
the person): the core's answers come in it, and the console's own words (prompts, notes,
the clock) are spoken in it too.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TextIO

from adapters.bootstrap import Application
from adapters.chart_files import discard_chart_files
from adapters.clock import ShiftableClock
from adapters.console.render import render, who
from adapters.console.sender import ConsoleSender
from adapters.scheduler import BackgroundWork
from adapters.unexpected import logged
from bot.domain import Identity, Platform, Profile
from bot.forms import FormError, check_field
from bot.i18n import _, format_datetime, ngettext, pgettext, speaking
from bot.outcome import Outcome
from bot.replies import Audience, Form, FormInput, Reply, private_error, unexpected

log = logging.getLogger(__name__)

_NAME = re.compile(r"[^\s:@]{1,64}")
_MENTION = re.compile(r"(?<![^\s])@([^\s:@]{1,64})")  # `@ana` in a typed line
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
        locale: str | None = None,
    ) -> None:
        self._app = app
        self._clock = clock
        self._name = name
        # The terminal's language (`--lang`, LANG), reported as a platform reports its
        # user's locale: `/learn language` still overrides it, per person.
        self._locale = locale
        self._in = stdin
        self._out = stdout
        self._interactive = stdin.isatty()
        self._print_lock = threading.Lock()
        self._closed = False  # the output went away (a closed pipe): end quietly
        self._sender = ConsoleSender(self._say, app.tandem, lambda: self._name)
        self._language: str | None = None  # of the person at the console, once asked

    def language(self) -> str:
        """The language of the person at the console (the core's answers say it)."""
        if self._language is None:
            try:
                self._language = self._app.tandem.language_for(self._identity(), self._profile())
            except Exception:  # the database went away: the deployment's language for now
                log.warning("could not look up the console person's language")
                return self._app.tandem.policy.language_of(None)
        return self._language

    def _tell(self, text: str) -> None:
        """Say one of the console's own notes to the person at the console, privately."""
        self._say(f"tandem ({who(Audience.ASKER)}): {text}")

    def run(self) -> int:
        background = None
        with speaking(self.language()):
            greeting = _(
                "Tandem console. You are {name}. Type /learn help to start; "
                "/as NAME switches person, /time +1d moves the clock, Ctrl-D leaves."
            ).format(name=self._name)
            note = self._clock_note()
        if self._interactive:
            self._say(greeting)
            self._say(note)
            with contextlib.suppress(ImportError):
                import readline  # noqa: F401  (line editing and history where available)
            background = BackgroundWork(
                self._app.due_work,
                self._app.delivery,
                self._sender,
                self._app.signal,
                tick_every=timedelta(seconds=5),
                poll_every=timedelta(seconds=2),
                lrs=self._app.lrs,
            )
            background.start()
        else:
            self._say(f"({note})")
            self._catch_up()  # what fell due while no console ran
        try:
            self._loop()
        finally:
            if background is not None:
                background.stop()
            discard_chart_files()  # the pictures shown in this session go with it
        return 0

    def _clock_note(self) -> str:
        """The console's clock is not kept between runs: say so, so that what an earlier
        run wrote "three weeks later" is not a surprise."""
        return _(
            "Console time starts at the real time on every run: {time} UTC. "
            "/time +1d moves it, for this run only."
        ).format(time=self._now())

    def _now(self) -> str:
        """The console's clock as the person at the console reads it (always in UTC)."""
        pattern = pgettext("a CLDR date pattern: the console's clock", "EEE dd MMM yyyy HH:mm")
        return format_datetime(self._clock.now(), UTC, pattern)

    def _loop(self) -> None:
        while True:
            try:
                line = self._read()
            except (EOFError, KeyboardInterrupt):
                if self._interactive:
                    with speaking(self.language()):
                        self._say("\n" + _("Bye."))
                return
            if line is None or not self.handle_line(line) or self._closed:
                return  # left, or the output was closed: stop quietly

    def handle_line(self, line: str) -> bool:
        """Act on one typed line; False when the person asked to leave."""
        text = line.strip()
        if not text:
            return True
        lower = text.lower()
        if lower in ("/quit", "/exit"):
            return False
        pending: str | None = None
        if lower == "/as" or lower.startswith("/as "):
            self._switch(text[3:].strip())
        elif lower == "/time" or lower.startswith("/time "):
            self._time(text[5:].strip())
        elif lower.split(maxsplit=1)[0] == "/learn":  # any whitespace after it
            pending = self._call(
                lambda: self._app.tandem.handle(
                    self._identity(), text, self._profile(), mentioned=self._mentioned(text)
                )
            )
        elif text.startswith("/"):
            with speaking(self.language()):
                self._say(
                    _(
                        "Unknown console command {command}. "
                        "Use /learn ..., /as NAME, /time +1d or /quit."
                    ).format(command=text.split()[0][:30])
                )
        else:
            pending = self._call(
                lambda: self._app.tandem.message(self._identity(), text, self._profile())
            )
        self._catch_up()
        return True if pending is None else self.handle_line(pending)

    def _identity(self) -> Identity:
        return Identity(Platform.CONSOLE, "", self._name)

    def _profile(self) -> Profile:
        return Profile(display_name=self._name, locale=self._locale)

    def _mentioned(self, line: str) -> dict[str, Profile]:
        """The people `line` names with @, as the terminal knows them: everyone typed here
        reads this terminal, so someone named before they ever typed is told things in
        its language (`--lang`, LANG) too, as Slack's profile of a mentioned person would."""
        if self._locale is None:
            return {}
        return {
            name: Profile(display_name=name, locale=self._locale) for name in _MENTION.findall(line)
        }

    def _read(self) -> str | None:
        prompt = f"{self._name}> "
        if self._interactive:
            return input(prompt)
        line = self._in.readline()
        if not line:
            return None
        self._say(prompt + line.rstrip("\n"))
        return line

    def _call(self, use_case: Callable[[], list[Reply]]) -> str | None:
        """Run a use case and print its replies; a line typed to leave a form it showed
        comes back, to be run next."""
        try:
            replies = use_case()
        except Exception as error:  # the core rolled back: nothing of it was kept
            reference = logged(log, "the core failed on a console line", error)
            with speaking(self.language()):
                self._say(render(unexpected(reference)))
            return None
        self._heard(replies)
        with speaking(self.language()):
            for reply in replies:
                self._say(render(reply, owner=self._identity().ref))
                if reply.form is not None:
                    return self._fill(reply.form)
        return None

    def _heard(self, replies: list[Reply]) -> None:
        """The core answered in the person's language (it may just have changed)."""
        if isinstance(replies, Outcome) and replies.language is not None:
            self._language = replies.language

    def _fill(self, form: Form) -> str | None:
        """A form as prompts, one per input (on piped input: the next lines). Each answer
        is checked as it is given, and a refused one is asked again, keeping the others;
        Enter skips an optional input and never picks a value. A slash command leaves the
        form and is returned, to be run."""
        self._tell(
            _("{title}. Enter skips an optional question; /cancel leaves the form.").format(
                title=form.title
            )
        )
        values: dict[str, str] = {}
        asking = list(form.inputs)
        while True:
            for field in asking:
                answer = self._answer(form, field)
                if answer is None:
                    self._tell(_("Cancelled; nothing was saved."))
                    return None
                if answer.startswith("/"):
                    return self._leave_form(answer)
                if answer:
                    values[field.name] = answer
                else:
                    values.pop(field.name, None)
            try:
                replies = self._app.tandem.submit(
                    self._identity(), form.form_id, values, self._profile()
                )
            except FormError as error:
                self._say(render(private_error(str(error))))
                asking = [f for f in form.inputs if f.name == error.field]
                if not asking:
                    return None
                continue
            except Exception as error:  # the core rolled back: nothing of it was kept
                reference = logged(log, "the core failed on a console form", error)
                self._say(render(unexpected(reference)))
                return None
            self._heard(replies)
            with speaking(self.language()):
                for reply in replies:
                    self._say(render(reply, owner=self._identity().ref))
            return None

    def _answer(self, form: Form, field: FormInput) -> str | None:
        """One input's answer, asked until its rule takes it: "" for a skipped optional
        input, a line starting with "/" to leave the form, None at the end of input."""
        if field.options:
            hint = " / ".join(field.options)
            hint += _("; Enter skips") if not field.required else ""
        else:
            hint = _("optional, Enter skips") if not field.required else ""
        prompt = f"  {field.label}{f' ({hint})' if hint else ''}: "
        while True:
            answer = self._ask(prompt)
            if answer is None or answer.startswith("/"):
                return answer
            if not answer:
                if not field.required:
                    return ""
                self._say(render(private_error(_("This one needs an answer (or /cancel)."))))
                continue
            with speaking(self._app.tandem.language_for(self._identity(), self._profile())):
                problem = check_field(form.form_id, field.name, answer)
            if problem is None:
                return answer
            again = _("{problem} Try again (or /cancel).").format(problem=problem)
            self._say(render(private_error(again)))

    def _leave_form(self, line: str) -> str | None:
        if line.split()[0].lower() == "/cancel":
            self._tell(_("Cancelled; nothing was saved."))
            return None
        self._tell(
            _("Left the form, nothing saved, to run {command}.").format(
                command=line.split()[0][:30]
            )
        )
        return line

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
            if self._app.lrs is not None:  # after the messages: they never wait on the LRS
                self._app.lrs.delivery.drain(self._app.lrs.sender)
        except Exception:
            log.exception("due work failed in the console")
            return
        with speaking(self.language()):
            notes = [
                text.format(n=n)
                for n, text in (
                    (
                        report.missed,
                        ngettext(
                            "{n} check-in marked missed",
                            "{n} check-ins marked missed",
                            report.missed,
                        ),
                    ),
                    (
                        report.skipped,
                        ngettext("{n} check-in skipped", "{n} check-ins skipped", report.skipped),
                    ),
                )
                if n
            ]
        if notes:
            self._say(f"(tandem: {'; '.join(notes)})")

    def _switch(self, name: str) -> None:
        if not name:
            with speaking(self.language()):
                self._say(_("You are {name}. Switch with /as NAME.").format(name=self._name))
        elif not valid_name(name):
            with speaking(self.language()):
                self._say(_("A console name is one word without spaces, ':' or '@'."))
        else:
            self._name = name
            self._language = None  # the new person's, asked when next needed
            with speaking(self.language()):
                self._say(_("You are now {name}.").format(name=name))
            self._sender.arrived(name)  # posts of their group's space that waited for them

    def _time(self, argument: str) -> None:
        if argument:
            match = _SHIFT.fullmatch(argument)
            if match is None:
                with speaking(self.language()):
                    self._say(_("Move the clock forward like this: /time +30m, +2h, +3d or +1w."))
                return
            amount, unit = int(match.group(1)), match.group(2).lower()
            shift = timedelta(**{_UNITS[unit]: amount})
            if shift > MAX_SHIFT:
                with speaking(self.language()):
                    self._say(_("Move the clock at most eight weeks at a time."))
                return
            self._travel(self._clock.now() + shift)
        with speaking(self.language()):
            self._say(_("Console time: {time} UTC").format(time=self._now()))

    def _travel(self, target: datetime) -> None:
        """Step the clock from event to event up to `target`, running due work at each."""
        while (event := self._app.due_work.next_event_at()) is not None and event <= target:
            self._clock.set(event)
            self._catch_up()
        self._clock.set(target)
        self._catch_up()

    def _say(self, text: str) -> None:
        with self._print_lock:
            if self._closed:
                return
            try:
                print(text, file=self._out, flush=True)
            except BrokenPipeError:  # `tandem console ... | head`: no one reads on
                self._closed = True
                with contextlib.suppress(OSError, ValueError):
                    # what Python still holds for stdout goes nowhere, not into a traceback
                    os.dup2(os.open(os.devnull, os.O_WRONLY), self._out.fileno())
