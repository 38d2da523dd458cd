"""Real parts the tests drive (Chromium, Ralph, Synapse): skip with a reason where one
cannot run, unless TANDEM_REQUIRE_REAL_PARTS=1 (set by .ci/run when CI=true): then fail.

Each part's tests carry the marker of its name (`chromium`, `ralph`, `synapse`). A run
with TANDEM_REQUIRE_REAL_PARTS=1 in which no test of a part passed fails as a whole
(tests/conftest.py), so a part cannot drop out silently through a skip or a deselection.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest

PARTS = ("chromium", "ralph", "synapse")


def required() -> bool:
    return os.environ.get("TANDEM_REQUIRE_REAL_PARTS") == "1"


def unavailable(part: str, reason: str) -> NoReturn:
    """Skip the test (or fail it, where real parts are required): `part` cannot run."""
    assert part in PARTS, part
    if required():
        pytest.fail(f"{part} is required here (TANDEM_REQUIRE_REAL_PARTS=1) but {reason}")
    pytest.skip(f"{part} is not available here: {reason}")
