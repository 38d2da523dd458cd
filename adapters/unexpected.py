"""An unexpected error: logged once with its traceback and a short reference, which the
asker is given (bot.replies.unexpected), so what they quote finds the log line."""

from __future__ import annotations

import logging
import secrets
from typing import Any


def reference() -> str:
    """A short id for one failure: 8 hex digits, unguessable, nothing personal in it."""
    return secrets.token_hex(4)


def logged(logger: logging.Logger, message: str, error: BaseException, **extra: Any) -> str:
    """Log `error` with its traceback under a new reference; return the reference."""
    ref = reference()
    logger.error(message, exc_info=error, extra={"reference": ref, **extra})
    return ref
