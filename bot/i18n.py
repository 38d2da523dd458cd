"""Languages: every word a person reads goes through here, in their language.

Texts are English in the source and translated through gettext catalogues kept with
Babel (`bot/locale/<lang>/LC_MESSAGES/tandem.po`, compiled to `.mo` when the package is
built or installed). Which language is spoken is a context variable: the service sets it
to the language of the person being answered (`speaking(...)`), and anything that
writes for someone else (a direct message, a queued check-in) speaks the recipient's
language while it builds their text. `_`, `ngettext` and `pgettext` translate at once;
`N_` only marks a text kept in a module-level table, translated where it is shown.

Dates, times and numbers are formatted by Babel in the current language.
"""

from __future__ import annotations

import gettext as _gettext
import io
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, time, tzinfo
from functools import cache
from pathlib import Path
from typing import Literal

from babel import Locale
from babel import dates as _dates
from babel import lists as _lists
from babel import numbers as _numbers

DOMAIN = "tandem"
LOCALE_DIR = Path(__file__).parent / "locale"
ENGLISH = "en"
GERMAN = "de"
LANGUAGES: tuple[str, ...] = (ENGLISH, GERMAN)

_speaking: ContextVar[str] = ContextVar("tandem_language", default=ENGLISH)


def normalize(value: str | None) -> str | None:
    """The language of a platform's or a person's locale ("de-DE", "de_AT.UTF-8",
    "EN", "Deutsch"), or None when it is none Tandem speaks."""
    if not value:
        return None
    text = value.strip().lower()
    words = {"deutsch": GERMAN, "german": GERMAN, "english": ENGLISH, "englisch": ENGLISH}
    if text in words:
        return words[text]
    base = text.split(".")[0].replace("-", "_").split("_")[0]
    return base if base in LANGUAGES else None


def current() -> str:
    """The language being spoken now: "en" or "de"."""
    return _speaking.get()


@contextmanager
def speaking(language: str | None) -> Iterator[str]:
    """Speak `language` (normalized; English when unknown) inside the block."""
    chosen = normalize(language) or ENGLISH
    token = _speaking.set(chosen)
    try:
        yield chosen
    finally:
        _speaking.reset(token)


@cache
def translations(language: str) -> _gettext.NullTranslations:
    """The compiled catalogue of `language`; English is the source and needs none.

    A missing `.mo` (a checkout whose catalogues were not built yet), or one older than
    its `.po` (a translation edited since the last build), is compiled in memory from the
    `.po`, so a developer never sees English or stale German where German was asked."""
    if language == ENGLISH:
        return _gettext.NullTranslations()
    folder = LOCALE_DIR / language / "LC_MESSAGES"
    compiled = folder / f"{DOMAIN}.mo"
    source = folder / f"{DOMAIN}.po"
    if compiled.exists() and (
        not source.exists() or compiled.stat().st_mtime >= source.stat().st_mtime
    ):
        with compiled.open("rb") as handle:
            return _gettext.GNUTranslations(handle)
    if not source.exists():
        raise LookupError(f"no catalogue for the language {language!r} in {folder}")
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with source.open("rb") as handle:
        catalogue = read_po(handle, locale=language, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalogue)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


def _(message: str) -> str:
    """`message` in the current language."""
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the current language (`{n}` is not
    filled in: format the result)."""
    return translations(current()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` in the current language where the same English word has two meanings."""
    return translations(current()).pgettext(context, message)


def npgettext(context: str, singular: str, plural: str, n: int) -> str:
    return translations(current()).npgettext(context, singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention, found by extraction
    """Mark `message` for the catalogue without translating it (translate where shown)."""
    return message


def locale() -> Locale:
    return Locale.parse(current())


def format_date(value: date | datetime, format: str = "medium") -> str:
    """A date as the current language writes it ("15 Feb 2027", "15.02.2027")."""
    return _dates.format_date(value, format=format, locale=current())


def format_time(value: time | datetime, zone: tzinfo | None = None, format: str = "short") -> str:
    """A time of day ("09:30"; in English "9:30 AM"), in `zone` when given."""
    return _dates.format_time(value, format=format, tzinfo=zone, locale=current())


def format_datetime(value: datetime, zone: tzinfo | None = None, format: str = "medium") -> str:
    return _dates.format_datetime(value, format=format, tzinfo=zone, locale=current())


def format_skeleton(skeleton: str, value: date | datetime, zone: tzinfo | None = None) -> str:
    """A date or time by a CLDR skeleton ("EEEdMMM" is "Mon, 15 Feb" / "Mo., 15. Feb.")."""
    return _dates.format_skeleton(skeleton, value, tzinfo=zone, locale=current())


def weekday_name(
    day: int, width: Literal["abbreviated", "narrow", "short", "wide"] = "wide"
) -> str:
    """The name of weekday `day` (0 is Monday) in the current language."""
    return str(_dates.get_day_names(width, locale=current())[day])


def format_number(value: float | int) -> str:
    return _numbers.format_decimal(value, locale=current())


def format_percent(value: float) -> str:
    return _numbers.format_percent(value, locale=current())


def format_list(
    items: list[str], style: Literal["standard", "or", "unit"] = "standard"
) -> str:
    """`a, b and c` / `a, b und c`."""
    return _lists.format_list(items, style=style, locale=current())


def language_name(language: str) -> str:
    """A language's own name in the current language ("German" / "Deutsch")."""
    return Locale.parse(language).get_display_name(current()) or language
