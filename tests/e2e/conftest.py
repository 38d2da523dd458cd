"""What every story shares: the language its people read."""

from __future__ import annotations

import pytest


@pytest.fixture
def language() -> str:
    """The language the story's people read: English unless a test parametrizes it
    (`@pytest.mark.parametrize("language", ["en", "de"])`)."""
    return "en"
