"""Serve Ralph's own LRS app (ralph.api:app) on the fs backend, for the tests. Run with
the Python of Ralph's venv: `python launch.py HOST PORT`; Ralph's settings come from
the environment (RALPH_AUTH_FILE, RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH).

Ralph 5.1's fs LRS backend writes with operation type CREATE, which refuses a file that
exists: it accepts the first POST and answers every later one with HTTP 500
("Statements bulk indexation failed"). APPEND adds each batch to the one JSON-lines
file instead, as an LRS must."""

import os
import sys

os.environ.setdefault("RALPH_RUNSERVER_BACKEND", "fs")

import uvicorn  # noqa: E402
from ralph.backends.data.base import BaseOperationType  # noqa: E402
from ralph.backends.lrs.fs import FSLRSBackend  # noqa: E402

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

if __name__ == "__main__":
    host, port = sys.argv[1], int(sys.argv[2])
    uvicorn.run("ralph.api:app", host=host, port=port, log_level="warning")
