"""`tandem`: the one program. Thin entry points; the work is in the core and adapters.

What it says to the person at the terminal (a refused start, the forget confirmation) is
in the deployment's language (`TANDEM_LOCALE`); its JSON output stays as it is."""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import logging
import os
import re
import signal
import sys
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from pydantic import ValidationError

from adapters import logs, startup
from adapters.settings import Settings
from adapters.single_process import hold_sqlite
from bot.i18n import LANGUAGES, _, ngettext, normalize, pgettext, speaking

if TYPE_CHECKING:
    from bot.domain import Identity

# Each sub-command imports what it needs when it runs: `tandem slack`'s acking process
# builds no core and imports none (tests/unit/test_lean_imports.py), and no command
# pays for another's imports (the console's start: bench/startup.py).


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tandem", description="Social blended learning bot.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    console = commands.add_parser(
        "console", help="the whole bot in the terminal (SQLite, no tokens)"
    )
    console.add_argument("--as", dest="name", help="who you are (default: your login name)")
    console.add_argument(
        "--lang",
        metavar="LANG",
        help="your language: de or en (default: LANG, LC_ALL or LC_MESSAGES, else TANDEM_LOCALE)",
    )
    commands.add_parser("migrate", help="apply database migrations")
    for name, text in (("export", "print a person's data as JSON"), ("forget", "erase a person")):
        sub = commands.add_parser(name, help=text)
        sub.add_argument(
            "--user",
            required=True,
            metavar="REF",
            help="slack:TEAM:USER, discord:USER, matrix:@USER:SERVER or console:NAME",
        )
        if name == "forget":
            sub.add_argument(
                "--yes", action="store_true", help="erase without asking first (for scripts)"
            )
    report = commands.add_parser(
        "report",
        help="write a cohort's personnel-development report (HTML or CSV)",
    )
    report.add_argument(
        "--cohort", type=int, required=True, metavar="N", help="the cohort's number"
    )
    report.add_argument("--format", choices=("html", "csv"), default="html")
    report.add_argument(
        "--out", required=True, metavar="PATH", help="the file to write ('-': stdout)"
    )
    report.add_argument("--lang", metavar="LANG", help="de or en (default: TANDEM_LOCALE)")
    slack = commands.add_parser("slack", help="run on Slack (HTTP mode, or Socket Mode)")
    slack.add_argument("--port", type=int, default=3000)
    slack.add_argument("--host", default="0.0.0.0")
    slack.add_argument(
        "--one-process",
        action="store_true",
        help="HTTP mode: do the work in this process too, not in a worker process "
        "(about half the memory; acks wait behind the work in a burst)",
    )
    commands.add_parser("matrix", help="run on Matrix (MATRIX_HOMESERVER, MATRIX_USER, ...)")
    discord = commands.add_parser("discord", help="run on Discord (the gateway)")
    discord.add_argument(
        "--sync", action="store_true", help="register /learn with Discord, then exit"
    )
    discord.add_argument("--guild", type=int, help="with --sync: in this guild only (at once)")
    discord.add_argument(
        "--shards", help="shard ids this process runs, e.g. 0-3 (shard 0 gets the DMs)"
    )
    discord.add_argument(
        "--shard-count", type=int, help="all shards of the bot, over all processes"
    )
    discord.add_argument(
        "--metrics-port", type=int, help="serve /metrics and /healthz on this port"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logs.configure(logging.WARNING)  # JSON lines unless stderr is a terminal
    try:
        settings = Settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        print(f"tandem: bad setting: {problems}", file=sys.stderr)
        return 2
    with speaking(settings.locale):
        return _main(args, settings)


def _main(args: argparse.Namespace, settings: Settings) -> int:
    try:
        return _run(args, settings)
    except BrokenPipeError:  # `tandem export ... | head`: the reader left; end quietly
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as error:
        # A start that cannot work stops with one line naming the setting, and exit code
        # 2 (the systemd unit does not restart on it: a restart would not mend it); a
        # database server that cannot be reached, with 75 (the unit restarts: it may come).
        known = startup.failure(error, settings)
        if known is None:
            raise
        print(f"tandem: {known[0]}", file=sys.stderr)
        return known[1]


# Exit codes (adapters/startup.py says when each is used).
CONFIGURATION_ERROR = startup.CONFIGURATION_ERROR
DATABASE_UNREACHABLE = startup.DATABASE_UNREACHABLE


def _run(args: argparse.Namespace, settings: Settings) -> int:
    if args.command == "migrate":
        from storage.engine import make_engine
        from storage.migrate import current_revision, upgrade

        engine = make_engine(settings.database_url)
        upgrade(engine)
        print(_("tandem: database schema at {revision}").format(revision=current_revision(engine)))
        engine.dispose()
        return 0
    if args.command == "console":
        return _console(args, settings)
    if args.command in ("export", "forget"):
        return _export_or_forget(args, settings)
    if args.command == "report":
        return _report(args, settings)
    if args.command == "slack":
        return _slack(args, settings)
    if args.command == "matrix":
        return _matrix(settings)
    return _discord(args, settings)


def _slack(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from adapters.slack.app import MissingSetting, check_settings
    from adapters.slack.serve import serve

    try:
        check_settings(settings)
    except MissingSetting as error:
        print(f"tandem slack: {error}", file=sys.stderr)
        return 2
    logging.getLogger().setLevel(logging.INFO)
    hold_sqlite(settings.database_url)
    try:
        code = asyncio.run(serve(settings, args.port, args.host, work_here=args.one_process))
    except MissingSetting as error:
        print(f"tandem slack: {error}", file=sys.stderr)
        return 2
    # Stopped within its bound, with everything handed back and closed: leave now. The
    # interpreter's own teardown (garbage collection of sessions, pools, queues) was
    # seen to hang past any bound after a stop; there is nothing left for it to do. (The
    # worker process is a plain subprocess: no multiprocessing exit work to run first.)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _matrix(settings: Settings) -> int:
    from adapters.bootstrap import build
    from adapters.clock import SystemClock
    from adapters.matrix.app import MissingSetting, run
    from bot.domain import Platform

    logging.getLogger().setLevel(logging.INFO)
    hold_sqlite(settings.database_url)
    app = build(settings, SystemClock(), platform=Platform.MATRIX)
    try:
        run(app, SystemClock())
    except MissingSetting as error:
        print(f"tandem matrix: {error}", file=sys.stderr)
        return 2
    finally:
        app.close()
    return 0


def _discord(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from adapters.bootstrap import build
    from adapters.clock import SystemClock
    from adapters.discord.app import DELIVERY, MissingSetting, run, sync
    from bot.domain import Platform

    shard_ids = None
    if args.shards:
        if args.shard_count is None:
            print(
                _("tandem discord: --shards needs --shard-count (all shards, over all processes)"),
                file=sys.stderr,
            )
            return 2
        shard_ids = shard_range(args.shards)
        if shard_ids is None:
            print(
                _(
                    "tandem discord: --shards {value}: not a shard id or a range of them, "
                    "such as 0 or 0-3"
                ).format(value=repr(args.shards)),
                file=sys.stderr,
            )
            return 2
        if args.shard_count < 1 or max(shard_ids) >= args.shard_count:
            print(_("tandem discord: --shards must lie within 0..shard-count-1"), file=sys.stderr)
            return 2
    if settings.discord_token is None:
        print(_("tandem discord: DISCORD_TOKEN is not set"), file=sys.stderr)
        return 2
    logging.getLogger().setLevel(logging.INFO)
    if not args.sync:
        hold_sqlite(settings.database_url)
    app = build(settings, SystemClock(), platform=Platform.DISCORD, delivery_rules=DELIVERY)
    try:
        if args.sync:
            count = asyncio.run(sync(app, args.guild))
            synced = ngettext(
                "tandem discord: {n} command group synced",
                "tandem discord: {n} command groups synced",
                count,
            )
            print(synced.format(n=count))
            return 0
        run(app, shard_ids, args.shard_count, args.metrics_port)
    except MissingSetting as error:
        print(f"tandem discord: {error}", file=sys.stderr)
        return 2
    finally:
        app.close()
    return 0


def shard_range(text: str) -> list[int] | None:
    """`0-3` as [0, 1, 2, 3], `5` as [5]; None if it is neither (or runs backwards)."""
    match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", text)
    if match is None:
        return None
    first = int(match[1])
    last = int(match[2]) if match[2] is not None else first
    return list(range(first, last + 1)) or None


def _console(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.bootstrap import build
    from adapters.clock import ShiftableClock
    from adapters.console.repl import Console, valid_name
    from bot.domain import Platform

    name = args.name or _login_name()
    if not valid_name(name):
        print(_("tandem: --as takes one word without spaces, ':' or '@'."), file=sys.stderr)
        return 2
    if args.lang is not None and normalize(args.lang) is None:
        print(
            f"tandem: --lang {args.lang[:40]!r}: Tandem speaks {' or '.join(LANGUAGES)}.",
            file=sys.stderr,
        )
        return 2
    clock = ShiftableClock()
    signal.signal(signal.SIGTERM, _leave)  # stop the background work, close, exit 0
    hold_sqlite(settings.database_url)
    app = build(settings, clock, console=True, platform=Platform.CONSOLE)
    try:
        return Console(app, clock, name, locale=console_locale(args.lang, os.environ)).run()
    finally:
        app.close()


def console_locale(chosen: str | None, environment: Mapping[str, str]) -> str | None:
    """The console person's locale, as a platform would report it: `--lang`, else the
    terminal's (the first of LC_ALL, LC_MESSAGES, LANG that is set, as gettext reads
    them; `C` and `POSIX` say nothing). None: the default (TANDEM_LOCALE) applies."""
    if chosen:
        return chosen
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environment.get(name, "").strip()
        if value:
            return None if value.split(".")[0] in ("C", "POSIX") else value
    return None


def _leave(signum: int, frame: object) -> None:
    raise SystemExit(0)


def _export_or_forget(args: argparse.Namespace, settings: Settings) -> int:
    from adapters.bootstrap import build
    from adapters.clock import SystemClock
    from bot.domain import BadReference, parse_ref
    from bot.service import UnknownPerson

    try:
        identity = parse_ref(args.user)
    except BadReference as error:
        print(f"tandem: {error}", file=sys.stderr)
        return 2
    app = build(settings, SystemClock())
    try:
        if args.command == "export":
            print(app.tandem.export(identity))
        else:
            would = None if args.yes else app.tandem.forget(identity, rehearse=True)
            if would is not None and not _confirmed(identity, would):
                print(_("tandem: nothing was erased."), file=sys.stderr)
                return 1
            counts = app.tandem.forget(identity)
            print(json.dumps({"erased": identity.ref, **counts}))
    except UnknownPerson:
        print(_("tandem: no one is stored as {ref}").format(ref=identity.ref), file=sys.stderr)
        return 1
    finally:
        app.close()
    return 0


def _report(args: argparse.Namespace, settings: Settings) -> int:
    """`tandem report`: the operator asks (whoever runs it can read the database anyway);
    the report is the one a facilitator gets, under the same rules for figures."""
    from adapters.bootstrap import build
    from adapters.clock import SystemClock
    from adapters.report import render as render_report
    from bot.service import UnknownCohort

    language = normalize(args.lang) if args.lang else None
    if args.lang and language is None:
        print(
            _("tandem: unknown language {lang} (de or en)").format(lang=args.lang), file=sys.stderr
        )
        return 2
    app = build(settings, SystemClock())
    try:
        figures = app.tandem.cohort_report(args.cohort, language)
    except UnknownCohort:
        print(_("tandem: there is no cohort {n}").format(n=args.cohort), file=sys.stderr)
        return 1
    finally:
        app.close()
    data = render_report(figures, args.format)
    if args.out == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return 0
    try:
        with open(args.out, "wb") as file:
            file.write(data)
    except OSError as error:
        print(
            _("tandem: cannot write {path}: {error}").format(path=args.out, error=error.strerror),
            file=sys.stderr,
        )
        return 1
    print(
        _("tandem: report of cohort {n} written to {path}").format(n=args.cohort, path=args.out),
        file=sys.stderr,
    )
    return 0


def _confirmed(identity: Identity, counts: dict[str, int]) -> bool:
    """Say what the erasure would take and ask (on stderr, so stdout stays the JSON)."""
    from bot.handlers.privacy import erased_list

    listed = erased_list(counts)
    if listed:
        said = _("This erases {ref} and {listed} for good.").format(ref=identity.ref, listed=listed)
    else:
        said = _("This erases {ref} for good.").format(ref=identity.ref)
    print(said, file=sys.stderr)
    print(_("Type yes to erase: "), end="", file=sys.stderr, flush=True)
    answer = sys.stdin.readline().strip().lower()
    # "yes" always works; the translated word too ("ja")
    return answer == "yes" or answer == pgettext("the word that confirms forget", "yes")


def _login_name() -> str:
    from adapters.console.repl import valid_name

    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        return "me"
    return name if valid_name(name) else "me"


if __name__ == "__main__":
    sys.exit(main())
