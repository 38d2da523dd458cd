"""Checks that a text a person reads is in their language.

`english_left(text)` lists the English sentences of the catalogue (the msgids, cut at
their placeholders into runs of at least three words) that appear in `text` although the
German catalogue says them otherwise. A German answer with none left is German as far as
the catalogue knows; a text Tandem never put through gettext is caught by
`assert_german`'s second test: common English function words.
"""

from __future__ import annotations

import re
from functools import cache

from babel.messages.pofile import read_po

from bot import i18n

_PLACEHOLDER = re.compile(r"\{[^{}]*\}|`[^`]*`|\*+|_+|\n")
# words an English sentence hardly goes without, and a German one never has
_ENGLISH_WORDS = re.compile(
    r"\b(the|you|your|with|and|is|are|has|have|this|that|what|which|who|"
    r"nothing|here|there|when|for|not|yet|from)\b",
    re.IGNORECASE,
)


@cache
def _fragments() -> tuple[str, ...]:
    path = i18n.LOCALE_DIR / "de" / "LC_MESSAGES" / "tandem.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale="de")
    found: set[str] = set()
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        german = " ".join(s for s in strings if s)
        for english in ids:
            for piece in _PLACEHOLDER.split(english):
                piece = piece.strip(" .,:;!?()—-")
                if len(piece.split()) >= 3 and piece not in german:
                    found.add(piece)
    return tuple(sorted(found, key=len, reverse=True))


def english_left(text: str) -> list[str]:
    """The catalogue's English phrases still in `text` (none in a German answer)."""
    return [piece for piece in _fragments() if piece in text]


def _without_code(text: str) -> str:
    text = re.sub(r"```.*?```", " ", text, flags=re.DOTALL)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"<[^>]*>", " ", text)  # Slack's <@U1>, <!date^...>, Discord's <t:...>
    return re.sub(r"[@#/][\w.-]+", " ", text)  # names, tags, commands


def assert_german(text: str, allow: tuple[str, ...] = ()) -> None:
    """`text` (an answer a German speaker reads) has no English left in it: no phrase of
    the catalogue, and no English function word outside code, names, tags and `allow`."""
    left = english_left(text)
    assert not left, f"English left in a German answer: {left[:5]}\n---\n{text}"
    prose = _without_code(text)
    for word in allow:
        prose = prose.replace(word, " ")
    words = sorted({match.group(0).lower() for match in _ENGLISH_WORDS.finditer(prose)})
    assert not words, f"English words in a German answer: {words}\n---\n{text}"
