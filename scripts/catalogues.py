"""Keep the catalogues in step with the source: extract, update, compile.

    python scripts/catalogues.py    # extract into tandem.pot, update every .po, compile

Then translate what is new in bot/locale/de/LC_MESSAGES/tandem.po (empty msgstr) and run
it again; tests/unit/test_i18n.py fails while a text is missing, fuzzy or out of date.

Babel's own command line does the work (`pybabel extract/update/compile`); this only
names the files and the keywords once, for people and for tests/unit/test_i18n.py.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.frontend import CommandLineInterface

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "bot" / "locale"
TEMPLATE = LOCALE / "tandem.pot"
KEYWORDS = ["-k", "N_", "-k", "pgettext:1c,2", "-k", "npgettext:1c,2,3"]


def extract(out: Path = TEMPLATE) -> None:
    CommandLineInterface().run(
        ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg"), *KEYWORDS,
         "--no-location", "--sort-output", "--project", "Tandem",
         "--copyright-holder", "Tandem", "-o", str(out), str(ROOT)]
    )


def update() -> None:
    CommandLineInterface().run(
        ["pybabel", "-q", "update", "-i", str(TEMPLATE), "-d", str(LOCALE), "-D", "tandem",
         "--no-fuzzy-matching", "--ignore-obsolete"]
    )


def compile_all() -> None:
    CommandLineInterface().run(
        ["pybabel", "-q", "compile", "-d", str(LOCALE), "-D", "tandem", "--statistics"]
    )


if __name__ == "__main__":
    extract()
    update()
    compile_all()
