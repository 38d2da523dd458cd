"""A start that cannot work, said in one line naming the setting, with its exit code.

Code 2: a configuration error; restarting would not mend it (the systemd unit does not
restart on it). Code 75 (EX_TEMPFAIL in sysexits.h): the PostgreSQL server could not be
reached or refused us; it may come up (at boot, after an outage): restart later. Used by
`tandem` itself (adapters/cli.py) and by Slack's worker process, whose start the acking
process reports the same way."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, OperationalError

from adapters.settings import Settings
from adapters.single_process import AlreadyRunning
from bot.i18n import _
from storage.migrate import SchemaBehind

CONFIGURATION_ERROR = 2
DATABASE_UNREACHABLE = 75


class CannotStart(Exception):
    """Raised by a start that said why in `line`; exit with `code`."""

    def __init__(self, line: str, code: int = CONFIGURATION_ERROR) -> None:
        super().__init__(line)
        self.line, self.code = line, code


def failure(error: BaseException, settings: Settings) -> tuple[str, int] | None:
    """The line (without the program's name) and exit code for a start that failed with
    `error`; None for an error that is not a known start failure (a bug: let it show)."""
    # Only a process that builds the core reads these files: the acking process of
    # `tandem slack` imports neither (nor YAML) to say why a start failed.
    from adapters.advice_config import AdviceConfigError
    from adapters.competence_model import ModelError

    if isinstance(error, CannotStart):
        return error.line, error.code
    if isinstance(error, SchemaBehind | AlreadyRunning):
        return f"DATABASE_URL: {error}", CONFIGURATION_ERROR
    if isinstance(error, AdviceConfigError):
        return f"TANDEM_ADVICE: {error}", CONFIGURATION_ERROR
    if isinstance(error, ModelError):
        return f"TANDEM_COMPETENCE_MODEL: {error}", CONFIGURATION_ERROR
    if isinstance(error, DBAPIError):  # unreachable, refused, bad credentials, no such file
        line = _("DATABASE_URL: cannot use the database: {reason}").format(reason=_reason(error))
        return line, _exit_code(error, settings)
    return None


def _exit_code(error: DBAPIError, settings: Settings) -> int:
    """A server that did not answer, or refused to connect, may come; a SQLite file that
    cannot be opened, or a statement the database refused, will not mend by itself."""
    on_sqlite = settings.database_url.startswith("sqlite")
    if isinstance(error, OperationalError) and not on_sqlite:
        return DATABASE_UNREACHABLE
    return CONFIGURATION_ERROR


def _reason(error: DBAPIError) -> str:
    """The driver's first line (libpq and SQLite name host, port or file, never a password)."""
    lines = str(error.orig).strip().splitlines() or [type(error.orig).__name__]
    return lines[0][:300]
