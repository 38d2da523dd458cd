"""What Slack is answered when a request cannot be taken: never a 500.

`NotSaved` (raised by a listener whose request could not be recorded) becomes HTTP 503,
so Slack retries an event. Anything else a listener raises means the request was not
one we can act on (a signed body missing what its kind must have): HTTP 400. Neither
logs the request: only the error's type."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Bolt is the acking side's: the worker process never answers Slack
    from slack_bolt.response import BoltResponse

log = logging.getLogger(__name__)


class NotSaved(Exception):
    """The request could not be recorded in the inbox."""


async def answer_error(error: Exception, **_: Any) -> BoltResponse:
    from slack_bolt.response import BoltResponse

    if isinstance(error, NotSaved):
        return BoltResponse(status=503, body="not saved, try again")
    log.warning("refused a request", extra={"error": type(error).__name__})
    return BoltResponse(status=400, body="bad request")


class Malformed(ValueError):
    """A signed request without what its kind must carry: answered 400."""


def require(*values: object) -> None:
    """Refuse (400, before anything is recorded) a request missing any of `values`."""
    if not all(isinstance(v, str) and v for v in values):
        raise Malformed
