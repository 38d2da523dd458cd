"""A fresh install speaks German: building the package compiles the catalogues into it."""

from __future__ import annotations

import gettext
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from bot import i18n

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_wheel_carries_compiled_catalogues_that_translate(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=280,
    )
    (wheel,) = tmp_path.glob("tandem-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        assert "bot/locale/de/LC_MESSAGES/tandem.po" in names
        assert "bot/locale/de/LC_MESSAGES/tandem.mo" in names
        compiled = tmp_path / "tandem.mo"
        compiled.write_bytes(archive.read("bot/locale/de/LC_MESSAGES/tandem.mo"))
    with compiled.open("rb") as handle:
        built = gettext.GNUTranslations(handle)
    # every German text of the source catalogue is in the compiled one, as written there
    german = i18n.translations("de")
    catalog = german._catalog  # type: ignore[attr-defined]
    assert catalog, "the German catalogue is empty"
    for key, text in catalog.items():
        if key and isinstance(key, str):
            assert built.gettext(key) == text
