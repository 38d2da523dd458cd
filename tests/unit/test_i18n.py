"""The language machinery: catalogues complete and in step with the source, plural
forms, the spoken language per context, Babel's formats."""

from __future__ import annotations

import re
import sys
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.messages.pofile import read_po

from bot import i18n

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"\{[^{}]*\}")


def _extracted(tmp_path: Path) -> set[tuple[str, str | None]]:
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import catalogues  # type: ignore[import-not-found]
    finally:
        sys.path.pop(0)
    template = tmp_path / "now.pot"
    catalogues.extract(template)
    with template.open("rb") as handle:
        return {
            (message.id[0] if isinstance(message.id, tuple) else message.id, message.context)
            for message in read_po(handle)
            if message.id
        }


def _german():
    with (i18n.LOCALE_DIR / "de" / "LC_MESSAGES" / "tandem.po").open("rb") as handle:
        return read_po(handle, locale="de")


def test_every_text_in_the_source_has_a_german_translation_that_is_not_fuzzy(tmp_path):
    german = _german()
    missing = []
    for key, context in _extracted(tmp_path):
        entry = german.get(key, context)
        strings = entry.string if entry is not None else None
        translated = all(strings) if isinstance(strings, tuple) else bool(strings)
        if entry is None or not translated or entry.fuzzy:
            missing.append(key)
    assert not missing, (
        f"{len(missing)} texts lack a German translation (run `python scripts/catalogues.py` "
        f"and translate them in bot/locale/de/LC_MESSAGES/tandem.po): {sorted(missing)[:20]}"
    )


def test_a_translation_keeps_the_placeholders_of_its_english():
    wrong = []
    for message in _german():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        expected = set(PLACEHOLDER.findall(ids[-1]))
        for string in strings:
            if string and set(PLACEHOLDER.findall(string)) != expected:
                wrong.append((ids[0], string))
    assert not wrong, wrong[:10]


def test_english_plurals_come_from_the_count():
    with i18n.speaking("en"):
        assert i18n.ngettext("{n} manager", "{n} managers", 1).format(n=1) == "1 manager"
        assert i18n.ngettext("{n} manager", "{n} managers", 2).format(n=2) == "2 managers"
        assert i18n.ngettext("{n} manager", "{n} managers", 0).format(n=0) == "0 managers"


def test_the_language_spoken_is_set_for_a_block_and_restored():
    assert i18n.current() == "en"
    with i18n.speaking("de-DE"):
        assert i18n.current() == "de"
        with i18n.speaking("en_GB"):
            assert i18n.current() == "en"
        assert i18n.current() == "de"
    assert i18n.current() == "en"
    with i18n.speaking("tlh"):  # a language Tandem does not speak: English
        assert i18n.current() == "en"


def test_platform_locales_are_read_as_languages():
    assert i18n.normalize("de-AT") == "de"
    assert i18n.normalize("de_CH.UTF-8") == "de"
    assert i18n.normalize("en-US") == "en"
    assert i18n.normalize("Deutsch") == "de"
    assert i18n.normalize("fr-FR") is None
    assert i18n.normalize("") is None
    assert i18n.normalize(None) is None


def test_dates_times_and_numbers_are_written_as_each_language_writes_them():
    day = date(2027, 6, 30)
    moment = datetime(2027, 6, 30, 7, 30, tzinfo=ZoneInfo("UTC"))
    with i18n.speaking("de"):
        assert i18n.format_date(day, "short") == "30.06.27"
        assert i18n.format_time(moment, ZoneInfo("Europe/Berlin")) == "09:30"
        assert i18n.format_number(1234.5) == "1.234,5"
        assert i18n.weekday_name(0) == "Montag"
        assert i18n.format_list(["Ana", "Ben", "Cy"]) == "Ana, Ben und Cy"
        assert i18n.language_name("de") == "Deutsch"
    with i18n.speaking("en"):
        assert i18n.format_date(day, "medium") == "Jun 30, 2027"
        assert i18n.format_number(1234.5) == "1,234.5"
        assert i18n.weekday_name(0) == "Monday"
        assert i18n.language_name("de") == "German"


def test_a_compiled_catalogue_older_than_its_source_is_not_used(tmp_path, monkeypatch):
    """A translation edited since the last build is what is said (compiled in memory),
    not the stale `.mo`; a `.mo` as new as its `.po` is used as it is."""
    import os

    from babel.messages.catalog import Catalog
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import write_po

    folder = tmp_path / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    old, new = Catalog(locale="de"), Catalog(locale="de")
    old.add("Saved.", "Alt.")
    new.add("Saved.", "Gespeichert.")
    with (folder / "tandem.mo").open("wb") as handle:
        write_mo(handle, old)
    with (folder / "tandem.po").open("wb") as handle:
        write_po(handle, new)
    os.utime(folder / "tandem.mo", (1_000_000, 1_000_000))  # built long before the edit
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    i18n.translations.cache_clear()
    try:
        assert i18n.translations("de").gettext("Saved.") == "Gespeichert."
        os.utime(folder / "tandem.po", (900_000, 900_000))  # now the .mo is the newer
        i18n.translations.cache_clear()
        assert i18n.translations("de").gettext("Saved.") == "Alt."
    finally:
        i18n.translations.cache_clear()
