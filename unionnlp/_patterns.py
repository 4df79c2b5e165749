"""Two pattern helpers shared by the stages: a list of words as a trie, and a scan
that tries a pattern at chosen places only.

- :func:`word_trie`: an alternation of words written as a trie, the longest first
  (the deadline festivals and triggers, the party heads, the search for any head).
- :func:`matches_at`: ``finditer`` at chosen starts (the party slots at clause starts,
  the boilerplate rules anchored at line starts).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import regex

__all__ = ["matches_at", "word_trie"]


def word_trie(words: Iterable[str], escape: Callable[[str], str] = re.escape) -> str:
    """An alternation of ``words`` (``""`` for none) written as a trie, each character
    written by ``escape`` (``re.escape``, or ``regex.escape`` for ``regex`` patterns).

    It matches what ``w1|w2|…`` (longest first) matches, in the same order: at a
    position, the words found there are prefixes of one another, and the trie tries
    the longer before the shorter. But it reads a character per branch where the
    plain alternation tries every word at every place.
    """
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}  # a word ends here

    def branch(node: dict[str, Any]) -> str:
        longer = [escape(ch) + branch(child) for ch, child in sorted(node.items()) if ch]
        if not longer:
            return ""
        body = longer[0] if len(longer) == 1 else "(?:" + "|".join(longer) + ")"
        return f"(?:{body})?" if "" in node else body  # greedy: the longer word first

    return branch(root)


def matches_at(
    pattern: regex.Pattern[str],
    text: str,
    starts: Sequence[int],
    end: int,
    timeout: float | None,
) -> Iterator[regex.Match[str]]:
    """``pattern.finditer(text)`` where matches begin only at ``starts`` (ascending) and
    before ``end``.

    The tries share ``timeout`` as ``finditer`` does (``None``: no time budget).
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    pos = 0  # like a scan, no match starts inside the previous one
    for p in starts:
        if p >= end:
            return
        if p < pos:
            continue
        left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
        # by position (keywords are slow): concurrent=False keeps the GIL, see README Speed
        m = pattern.match(text, p, None, False, False, left)
        if m is None:
            continue
        yield m
        pos = m.end()
        if pos == p:  # empty: ``finditer`` goes on from it by its own rule
            left = None if deadline is None else max(deadline - time.monotonic(), 0.0)
            rest = pattern.finditer(text, p, None, False, False, False, left)
            next(rest)
            yield from rest
            return
