"""Content in several languages: a competence's name, an advice method's how-to, a
check-in question. Content is data, not catalogue strings: a company's model file gives
its own words, as a plain string (English) or as `{de: ..., en: ...}`.

`Localized.text(lang)` gives the text in `lang`, falling back to English, which every
text must have. `current()` is the language of the person being answered; everything
that renders content reads `.text(current())` or takes the language.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

from pydantic import GetCoreSchemaHandler
from pydantic_core import core_schema

from bot import i18n

ENGLISH = i18n.ENGLISH
LANGUAGES = i18n.LANGUAGES


def current() -> str:
    """The language of the person being answered: "en" or "de".

    The language `bot.i18n` speaks now (one language per answer, set where the person is
    known). Callers reach it through the module (`content.current()`, or `.text()`
    without a language), never by importing the name, so a test's patch is seen
    everywhere."""
    return i18n.current()


class Localized:
    """One text in each of some languages; English is always there."""

    __slots__ = ("_texts",)

    def __init__(self, texts: Mapping[str, str]) -> None:
        unknown = sorted(set(texts) - set(LANGUAGES), key=str)
        if unknown:
            raise ValueError(
                f"unknown language {', '.join(map(repr, unknown))} (use {', '.join(LANGUAGES)})"
            )
        if not isinstance(texts.get(ENGLISH), str) or not texts[ENGLISH].strip():
            raise ValueError("needs an English text (en)")
        for lang, text in texts.items():
            if not isinstance(text, str):
                raise ValueError(f"the {lang} text is not a string")
            if not text.strip():
                raise ValueError(f"the {lang} text is empty")
        self._texts = {lang: texts[lang] for lang in LANGUAGES if lang in texts}

    @classmethod
    def of(cls, value: str | Mapping[str, str] | Localized) -> Localized:
        """From a plain (English) string, a `{de:, en:}` mapping, or as it is."""
        if isinstance(value, Localized):
            return value
        if isinstance(value, str):
            return cls({ENGLISH: value})
        if isinstance(value, Mapping):
            return cls({str(k): v for k, v in value.items()})
        raise ValueError("a text is a string or a mapping of languages to strings (en, de)")

    def at_most(self, limit: int) -> Localized:
        """This text, refused (`ValueError`, for a model's validator) where a language's
        text is longer than `limit` characters."""
        for lang, words in self.texts.items():
            if len(words) > limit:
                raise ValueError(f"the {lang} text is longer than {limit} characters")
        return self

    def text(self, lang: str | None = None) -> str:
        """The text in `lang` (default: `current()`), else in English."""
        return self._texts.get(lang or current()) or self._texts[ENGLISH]

    @property
    def texts(self) -> Mapping[str, str]:
        return dict(self._texts)

    def all(self) -> tuple[str, ...]:
        """The text in every language it has, English first."""
        return tuple(self._texts.values())

    def to_data(self) -> str | dict[str, str]:
        """JSON-safe: a plain string when there is only English (as older rows have it)."""
        return self._texts[ENGLISH] if len(self._texts) == 1 else dict(self._texts)

    def __str__(self) -> str:
        return self.text()

    def __repr__(self) -> str:
        return f"Localized({self._texts!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Localized) and self._texts == other._texts

    def __hash__(self) -> int:
        return hash(tuple(sorted(self._texts.items())))

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            cls.of,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda v: v.to_data()),
        )


def localized(en: str, de: str) -> Localized:
    """A built-in text in both languages."""
    return Localized({"en": en, "de": de})


_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "_": "-", " ": "-"})


def fold(word: str) -> str:
    """A word as tags and names are compared: any case, umlauts as ae/oe/ue, ß as ss,
    spaces and underscores as dashes (`Konfliktlösung` = `konfliktloesung`)."""
    return unicodedata.normalize("NFC", word).casefold().translate(_FOLD)


def slug(name: str) -> str:
    """A name as one would write it as a #tag: lower case, dashes for spaces, umlauts
    kept (`Konfliktlösung` -> `konfliktlösung`, `Gute Ratschläge` -> `gute-ratschläge`)."""
    return "-".join(unicodedata.normalize("NFC", name).lower().split())
