"""Small helpers for the words of answers, kept in one place so message catalogues can
take them over (a plural is chosen here, never built by hand as "1 managers")."""

from __future__ import annotations


def counted(n: int, singular: str, plural: str) -> str:
    """`n` with the noun that fits it: "1 diary entry", "3 diary entries"."""
    return f"{n} {singular if n == 1 else plural}"
