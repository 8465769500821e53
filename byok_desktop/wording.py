"""Counted nouns in messages: "1 request", "3 requests", never "request(s)"."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` and ``noun``, the plural (``noun`` + "s" unless given) when not 1."""
    word = noun if count == 1 else (plural or f"{noun}s")
    return f"{count:,} {word}"


def match_count(shown: int, total: int, noun: str) -> str:
    """How many of ``total`` match a search: "2 of 5 requests match", "1 of 5 requests
    matches", "No match in 1 request", and when all do, just the count ("1 request")."""
    if shown == total:
        return counted(total, noun)
    if shown == 0:
        return f"No match in {counted(total, noun)}"
    verb = "matches" if shown == 1 else "match"
    return f"{shown:,} of {counted(total, noun)} {verb}"
