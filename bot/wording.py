"""Small helpers for the words of answers, kept in one place so message catalogues can
take them over: a plural chosen here, never built by hand as "1 managers"; a list of
choices (`a, b or c`)."""

from __future__ import annotations


def counted(n: int, singular: str, plural: str) -> str:
    """`n` with the noun that fits it: "1 diary entry", "3 diary entries"."""
    return f"{n} {singular if n == 1 else plural}"


def alternatives(names: tuple[str, ...], quote: str = "`") -> str:
    """`a`, `a or b`, `a, b or c`: choices to offer, each quoted."""
    quoted = [f"{quote}{n}{quote}" for n in names]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]
