"""Compiles the gettext catalogues (bot/locale/*/LC_MESSAGES/tandem.po -> .mo) whenever
the package is built or installed, editable installs included, so a fresh `pip install`
speaks German. Everything else about the package is in pyproject.toml."""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildWithCatalogues(build_py):
    def run(self) -> None:
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        source_root = Path(__file__).resolve().parent
        # an editable install reads the source tree; a wheel reads build_lib
        target_root = source_root if self.editable_mode else Path(self.build_lib)
        for po in sorted((source_root / "bot" / "locale").glob("*/LC_MESSAGES/*.po")):
            with po.open("rb") as handle:
                catalogue = read_po(handle, locale=po.parent.parent.name)
            mo = target_root / po.relative_to(source_root).with_suffix(".mo")
            mo.parent.mkdir(parents=True, exist_ok=True)
            with mo.open("wb") as handle:
                write_mo(handle, catalogue, use_fuzzy=False)


setup(cmdclass={"build_py": BuildWithCatalogues})
