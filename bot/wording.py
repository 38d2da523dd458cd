"""Small helpers for the words of answers, kept in one place: a count with the noun
that fits it (through the catalogue's plural forms, never built by hand as
"1 managers"); a list of choices (`a, b or c`); dates, times and numbers as the
current language writes them (through Babel)."""

from __future__ import annotations

from datetime import date, datetime

from babel import dates as _dates
from babel import numbers as _numbers

from bot.i18n import _, current


def counted(n: int, singular: str, plural: str) -> str:
    """`n` with the English noun that fits it: "1 diary entry", "3 diary entries".
    English only: a text a person reads counts through `ngettext`
    (`ngettext("{n} milestone", "{n} milestones", n).format(n=n)`)."""
    return f"{n} {singular if n == 1 else plural}"


def alternatives(names: tuple[str, ...], quote: str = "`") -> str:
    """`a`, `a or b`, `a, b or c`: choices to offer, each quoted ("oder" in German)."""
    quoted = [f"{quote}{n}{quote}" for n in names]
    if len(quoted) <= 1:
        return "".join(quoted)
    return _("{earlier} or {last}").format(earlier=", ".join(quoted[:-1]), last=quoted[-1])


def together(names: list[str]) -> str:
    """`a`, `a and b`, `a, b and c` ("und" in German; no serial comma in either)."""
    if len(names) <= 1:
        return "".join(names)
    return _("{earlier} and {last}").format(earlier=", ".join(names[:-1]), last=names[-1])


def pattern(value: date | datetime, english: str) -> str:
    """`value` (local time already) by a CLDR date pattern: `english` (marked with
    `N_`, e.g. `N_("EEE dd MMM yyyy, HH:mm")`) is the English form as answers always
    wrote it, and its msgstr is the current language's (`EEE, d. MMM yyyy, HH:mm`)."""
    if isinstance(value, datetime):
        return _dates.format_datetime(value, format=_(english), locale=current())
    return _dates.format_date(value, format=_(english), locale=current())


def format_number(value: float | int) -> str:
    """`8,000` / `8.000`."""
    return _numbers.format_decimal(value, locale=current())


def one_decimal(value: float) -> str:
    """`3.5` / `3,5`."""
    return _numbers.format_decimal(value, format="0.0", locale=current())
