"""Offset helpers shared by the steps of the structure stage.

Every step of :mod:`unionnlp.structure` works on offsets into the normalised
text; these move an offset over blanks and lead punctuation, find where a
title or a sentence ends, and scan a text with a pattern under the time budget.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import regex

from .errors import ProcessingTimeout, regex_timeout

SENTENCE_END = set("。！？!?；;")
CLOSERS = set('）)”」』》】’"')

# Sets of a few characters: the standard ``re`` tests a set in one lookup where
# ``regex`` tries its members one by one, and scans in about half the time.
_SENTENCE_SPLIT = re.compile(r"[。！？!?；;\n]")

_TITLE_STOP = re.compile(r"[。：:\n]")


def scan(
    pattern: regex.Pattern[str], text: str, budget: float, pos: int = 0, endpos: int | None = None
) -> Iterable[regex.Match[str]]:
    end = len(text) if endpos is None else endpos
    try:
        timeout = regex_timeout(pattern, end - pos, budget)
        # by position (keywords are slow): concurrent=False keeps the GIL, see README Speed
        yield from pattern.finditer(text, pos, end, False, False, False, timeout)
    except TimeoutError as err:
        raise ProcessingTimeout.during("structure", len(text), budget) from err


def line_rest(text: str, pos: int) -> str:
    """The rest of the line from ``pos``."""
    end = text.find("\n", pos)
    return text[pos : end if end >= 0 else len(text)]


def skip_lead(text: str, pos: int, limit: int) -> int:
    while pos < limit and text[pos] in " \t、，,.．:：":
        pos += 1
    return pos


def skip_space(text: str, pos: int, limit: int) -> int:
    while pos < limit and text[pos] in " \t\n":
        pos += 1
    return pos


def title_end(text: str, start: int, limit: int) -> int:
    stop = _TITLE_STOP.search(text, start, limit)
    end = stop.start() if stop else limit
    # A ':' inside a clock time (7:20) does not end a title.
    while (
        end < limit
        and text[end] in "：:"
        and end + 1 < limit
        and text[end + 1].isdigit()
        and end > start
        and text[end - 1].isdigit()
    ):
        stop = _TITLE_STOP.search(text, end + 1, limit)
        end = stop.start() if stop else limit
    while end > start and text[end - 1] in " \t、，,；;":
        end -= 1
    return end


def trim_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in " \t\n":
        end -= 1
    return end


def sentences(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
    """The sentences of ``text[lo:hi]`` (end punctuation kept, blanks trimmed), as offsets."""
    out = []
    start = lo
    for m in _SENTENCE_SPLIT.finditer(text, lo, hi):
        end = m.end()
        if end - start > 1:
            out.append((start, end))
        start = end
    if start < hi and text[start:hi].strip():
        out.append((start, hi))
    trimmed = []
    for a, b in out:
        while a < b and text[a] in " \t\n":
            a += 1
        while b > a and text[b - 1] in " \t\n":
            b -= 1
        if b > a:
            trimmed.append((a, b))
    return trimmed
