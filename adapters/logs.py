"""Logging: JSON lines when stderr is not a terminal (a container, systemd, a file), the
usual one-line text on a terminal. The standard library's `logging`, with a formatter of
our own: structlog would add a dependency for what one small class does here.

What goes into a log line is ours to choose, and diary text, check-in answers, names and
platform user ids never do: log calls pass only kinds, counts and durations (as
`extra={...}` fields), and an exception's message, which can quote the input it choked on
(pydantic does), is written only for exception types that carry no user input (network
and database errors; the engine hides statement parameters). Everything else shows its
type and its stack, which is what an operator needs to find the line.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any, TextIO

from sqlalchemy.exc import SQLAlchemyError

# Exceptions whose message tells about the machine, not about what a person wrote.
SAFE_MESSAGES: tuple[type[BaseException], ...] = (OSError, TimeoutError, SQLAlchemyError)

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: time, level, logger, message, our `extra` fields, and for an
    exception its type, its stack, and its message where that is safe (SAFE_MESSAGES)."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                line[key] = value
        if record.exc_info and record.exc_info[1] is not None:
            line.update(describe_exception(record.exc_info[1]))
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """For a terminal: `LEVEL logger: message`, exceptions as `describe_exception` tells."""

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        exc_info, record.exc_info, record.exc_text = record.exc_info, None, None
        try:
            text = super().format(record)
        finally:
            record.exc_info = exc_info
        if exc_info and exc_info[1] is not None:
            described = describe_exception(exc_info[1])
            text += f"\n{described['error']}: {described['error_message']}\n{described['stack']}"
        return text


def describe_exception(error: BaseException) -> dict[str, str]:
    """The exception's type, stack and (where it carries no user input) message."""
    frames = traceback.extract_tb(error.__traceback__)
    message = str(error) if isinstance(error, SAFE_MESSAGES) else "(withheld: may quote input)"
    return {
        "error": f"{type(error).__module__}.{type(error).__qualname__}",
        "error_message": message.splitlines()[0][:500] if message else "",
        "stack": "".join(traceback.format_list(frames)).rstrip(),
    }


def configure(level: int = logging.WARNING, stream: TextIO | None = None) -> None:
    """Log to `stream` (stderr): JSON lines unless it is a terminal."""
    stream = stream or sys.stderr
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter() if not _is_terminal(stream) else TextFormatter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # chatter at INFO: alembic's "Context impl ...", APScheduler's every job run
    for chatty in ("alembic", "apscheduler"):
        logging.getLogger(chatty).setLevel(logging.WARNING)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class BoltScrub(logging.Filter):
    """Bolt's own log lines, made safe: its failed-signature line quotes the whole request
    body (user ids, what was typed), and its debug lines quote bodies too. The first is
    cut to its first words; the others are dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno <= logging.DEBUG:
            return False
        message = record.getMessage()
        if "Invalid request signature" in message:
            record.msg, record.args = "Invalid request signature detected", ()
        elif "body" in message or "user" in message:
            record.msg, record.args = message.split("(", 1)[0].split(":", 1)[0].strip(), ()
        return True


_SCRUB = BoltScrub()


def scrub_bolt_logs() -> None:
    """Put `BoltScrub` on every logger of Bolt's (a filter on a logger applies to that
    logger's own records only, so each one gets it; safe to call again)."""
    names = [n for n in logging.Logger.manager.loggerDict if n.startswith("slack_bolt")]
    names += ["slack_bolt", "slack_bolt.AsyncRequestVerification", "slack_bolt.RequestVerification"]
    for name in set(names):
        logger = logging.getLogger(name)
        if _SCRUB not in logger.filters:
            logger.addFilter(_SCRUB)
