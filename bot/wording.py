"""Small helpers for answers' wording, in one place so the language catalogues can take
them over: a list of choices (`a, b or c`)."""

from __future__ import annotations


def alternatives(names: tuple[str, ...], quote: str = "`") -> str:
    """`a`, `a or b`, `a, b or c`: choices to offer, each quoted."""
    quoted = [f"{quote}{n}{quote}" for n in names]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]
