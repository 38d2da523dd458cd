"""Debian's headless Chromium, driven over the DevTools protocol by Playwright (no
browser download: `executable_path` is the system's). `.ci/parts/chromium.sh` installs
it in CI; elsewhere a test skips with a reason (tests/support/real_parts.py)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support import real_parts

CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def executable() -> str | None:
    """The Chromium to drive: TANDEM_CHROMIUM, else Debian's, else one on PATH."""
    chosen = os.environ.get("TANDEM_CHROMIUM")
    if chosen:
        return chosen if Path(chosen).exists() else None
    for candidate in CANDIDATES:
        if Path(candidate).exists():
            return candidate
    return shutil.which("chromium")


@contextmanager
def browser() -> Iterator[Any]:
    """A headless Chromium (a Playwright `Browser`), or the test is skipped (failed in CI)."""
    path = executable()
    if path is None:
        real_parts.unavailable("chromium", "no /usr/bin/chromium (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        real_parts.unavailable("chromium", "playwright is not installed (pip install -e '.[test]')")
    with sync_playwright() as driver:
        try:
            launched = driver.chromium.launch(
                executable_path=path,
                headless=True,
                # root in a container has no user namespace for the sandbox
                args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
            )
        except Exception as error:
            real_parts.unavailable("chromium", f"{path} does not start: {error}".splitlines()[0])
        try:
            yield launched
        finally:
            launched.close()
