"""Two pattern helpers shared by the stages: a list of words as a trie, and a scan
that tries a pattern at chosen places only.

- :func:`word_trie`: an alternation of words written as a trie, the longest first
  (the deadline festivals and triggers, the party heads, the search for any head).
- :func:`matches_at`: ``finditer`` at chosen starts (the party slots at clause starts,
  the boilerplate rules anchored at line starts).
- :func:`first_chars`: what the first character of a match can be, as a pattern, so
  that places where no match can start need no try.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any

import regex

__all__ = ["LEADING_FLAGS", "first_chars", "matches_at", "may_begin", "word_trie"]


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

    A start whose character no match begins with (:func:`first_chars`) is not tried.
    The tries share ``timeout`` as ``finditer`` does (``None``: no time budget).
    """
    deadline = None if timeout is None else time.monotonic() + timeout
    first = first_chars(pattern)
    pos = 0  # like a scan, no match starts inside the previous one
    for p in starts:
        if p >= end:
            return
        if p < pos or (first is not None and not may_begin(first, text[p : p + 1])):
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


#: flags under which a character of a pattern may stand for other characters or none
#: (case folding, verbose white space), or its sets read otherwise (version 1), or the
#: match be read backwards or fuzzily
_FIRST_UNREAD = (
    regex.IGNORECASE
    | regex.FULLCASE
    | regex.VERBOSE
    | regex.V1
    | regex.REVERSE
    | regex.BESTMATCH
    | regex.ENHANCEMATCH
    | regex.POSIX
)
#: escapes that match one character, whatever surrounds it
_CLASS_ESCAPES = frozenset("dDsSwWtnrfv")
#: escapes that match no character (where they hold, the next item matches the first)
_ZERO_WIDTH_ESCAPES = frozenset("AZbB")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
#: :func:`first_chars` by pattern
_FIRST: dict[regex.Pattern[str], regex.Pattern[str] | None] = {}


def may_begin(first: regex.Pattern[str], ch: str) -> bool:
    """Whether a match may begin with the character ``ch`` (``""``: at the end of the
    text, where none does), for ``first`` of :func:`first_chars`."""
    seen = _SEEN.get(first)
    if seen is None:
        if len(_SEEN) >= 1024:
            _SEEN.clear()
        seen = _SEEN[first] = {"": False}
    may = seen.get(ch)
    if may is None:  # one character against a set: no scan to budget
        may = seen[ch] = first.match(ch) is not None
    return may


#: for a pattern of :func:`first_chars`: the characters met so far, and whether a match
#: may begin with each
_SEEN: dict[regex.Pattern[str], dict[str, bool]] = {}


class _Unreadable(Exception):
    """A construct :func:`first_chars` does not read."""


def first_chars(pattern: regex.Pattern[str]) -> regex.Pattern[str] | None:
    """A pattern that matches the first character of every match of ``pattern``, given
    that character alone; ``None`` when ``pattern`` may match the empty string, or uses
    a construct or flag this does not read.

    It is the alternation of the items a match can begin with (characters, escapes
    such as ``\\s``, sets, ``.``), compiled with the flags of ``pattern``: each matches
    a character by itself, whatever stands around it. Lookarounds and anchors are
    passed over, which only lets more characters through.
    """
    if pattern in _FIRST:
        return _FIRST[pattern]
    found: regex.Pattern[str] | None = None
    if not pattern.flags & _FIRST_UNREAD:
        try:
            items, empty = _FirstReader(pattern.pattern).read()
        except _Unreadable:
            items, empty = [], True
        if not empty and items:
            found = regex.compile("(?:" + "|".join(dict.fromkeys(items)) + ")", pattern.flags)
    if len(_FIRST) >= 1024:
        _FIRST.clear()  # (a caller compiling patterns without end keeps none alive)
    _FIRST[pattern] = found
    return found


class _FirstReader:
    """Reads a pattern into the items a match may begin with, and whether it may be empty."""

    def __init__(self, source: str) -> None:
        self.source = source
        # global flags first (``(?m)``) are the pattern's flags, read there
        self.pos = LEADING_FLAGS.match(source).end()  # type: ignore[union-attr]  # (empty)

    def read(self) -> tuple[list[str], bool]:
        result = self._alternation()
        if self.pos != len(self.source):
            raise _Unreadable(self.pos)
        return result

    def _peek(self) -> str:
        return self.source[self.pos : self.pos + 1]

    def _take(self) -> str:
        if self.pos >= len(self.source):
            raise _Unreadable(self.pos)
        self.pos += 1
        return self.source[self.pos - 1]

    def _alternation(self) -> tuple[list[str], bool]:
        items, empty = self._sequence()
        while self._peek() == "|":
            self.pos += 1
            more, more_empty = self._sequence()
            items += more
            empty = empty or more_empty
        return items, empty

    def _sequence(self) -> tuple[list[str], bool]:
        items: list[str] = []
        empty = True  # every item so far may match the empty string
        while self._peek() not in ("", "|", ")"):
            first, may_be_empty = self._quantified(self._atom())
            if empty:
                items += first
                empty = may_be_empty
        return items, empty

    def _atom(self) -> tuple[list[str], bool]:
        start = self.pos
        ch = self._take()
        if ch == "(":
            return self._group()
        if ch == "[":
            self._set()
            return [self.source[start : self.pos]], False
        if ch == "\\":
            return self._escape(start)
        if ch in "^$":
            return [], True
        if ch in "*+?{)":
            raise _Unreadable(start)
        return [self.source[start : self.pos]], False  # a character, or ``.``

    def _group(self) -> tuple[list[str], bool]:
        source = self.source
        zero_width = False
        if source.startswith(("?:", "?>"), self.pos):
            self.pos += 2
        elif source.startswith(("?=", "?!"), self.pos):
            self.pos, zero_width = self.pos + 2, True
        elif source.startswith(("?<=", "?<!"), self.pos):
            self.pos, zero_width = self.pos + 3, True
        elif source.startswith(("?P<", "?<"), self.pos):
            end = source.find(">", self.pos)
            name_at = self.pos + (3 if source.startswith("?P<", self.pos) else 2)
            if end < 0 or not source[name_at:end].isidentifier():
                raise _Unreadable(self.pos)
            self.pos = end + 1
        elif self._peek() == "?":
            raise _Unreadable(self.pos)  # inline flags, conditions, references…
        items, empty = self._alternation()
        if self._take() != ")":
            raise _Unreadable(self.pos)
        return ([], True) if zero_width else (items, empty)

    def _set(self) -> None:
        """Passes over a set (its ``[`` read); one without nested sets."""
        if self._peek() == "^":
            self.pos += 1
        if self._peek() == "]":
            raise _Unreadable(self.pos)
        while (ch := self._take()) != "]":
            if ch == "[":
                raise _Unreadable(self.pos)
            if ch == "\\":
                self._escape(self.pos - 1)

    def _escape(self, start: int) -> tuple[list[str], bool]:
        """Reads an escape (its backslash read)."""
        ch = self._take()
        if ch in _ZERO_WIDTH_ESCAPES:
            return [], True
        if ch in "xuU":
            digits = {"x": 2, "u": 4, "U": 8}[ch]
            hex_digits = self.source[self.pos : self.pos + digits]
            if len(hex_digits) != digits or not set(hex_digits) <= _HEX_DIGITS:
                raise _Unreadable(start)
            self.pos += digits
        elif ch in "pP":
            end = self.source.find("}", self.pos)
            if self._peek() != "{" or end < 0:
                raise _Unreadable(start)
            self.pos = end + 1
        elif ch.isascii() and ch.isalnum() and ch not in _CLASS_ESCAPES:
            raise _Unreadable(start)  # references, ``\\X``, ``\\N{…}``, ``\\G``…
        return [self.source[start : self.pos]], False

    def _quantified(self, atom: tuple[list[str], bool]) -> tuple[list[str], bool]:
        items, empty = atom
        ch = self._peek()
        if ch in ("?", "*"):
            self.pos += 1
            empty = True
        elif ch == "+":
            self.pos += 1
        elif ch == "{":
            bounds = _BOUNDS.match(self.source, self.pos)
            if bounds is None or not (bounds[1] or bounds[2]):
                raise _Unreadable(self.pos)
            self.pos = bounds.end()
            empty = empty or not int(bounds[1] or 0)
        else:
            return atom
        if self._peek() in ("?", "+"):  # lazy, possessive: the same first characters
            self.pos += 1
        return items, empty


#: inline flags at the start of a pattern (``(?m)``)
LEADING_FLAGS = re.compile(r"(?:\(\?[a-zA-Z]+\))*")
#: a repeat count: ``{n}``, ``{n,}``, ``{,m}``, ``{n,m}``
_BOUNDS = re.compile(r"\{(\d*)(?:,(\d*))?\}")
