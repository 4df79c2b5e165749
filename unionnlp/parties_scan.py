"""Parties: where the slots of ``data/parties.toml`` may match, found before they run.

The shortcuts that never change what a slot finds (see :mod:`unionnlp.parties`):
:class:`_Slot` (a slot ready to run), :class:`_Scan` (one Aho-Corasick pass for
the slots' ``requires``, and a search for the heads), :class:`_ClauseStarts` (where a
``{CLAUSE}`` may match), :func:`_before_hits` (the clause starts that reach a trigger before a
stop) and :func:`_standard` (a trigger run by the standard library's ``re``); the
slots are tried at chosen starts by :func:`unionnlp._patterns.matches_at`.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import regex

from ._patterns import word_trie
from .errors import regex_timeout
from .model import PartyRole
from .resources import Rule

#: in a pattern, once its sets and escapes are left out: a repeat without bound
_UNBOUNDED = regex.compile(r"[*+]|\{[0-9]*,\}")
_SETS_AND_ESCAPES = regex.compile(r"\[(?:\\.|[^\]\\])*\]|\\.")
#: escapes that ``re`` reads as ``regex`` does: of a character that is no letter or
#: digit, of a tab or a line break, and a character by its code (``\u3000``) (``\d``,
#: ``\s``, ``\w`` and ``\b`` follow each module's Unicode tables, which need not be the
#: same)
_PLAIN_ESCAPE = regex.compile(r"\\(?:[^0-9A-Za-z]|[tnr]|u[0-9A-Fa-f]{4})")

#: how far a text may still be the start of an item marker before all its positions
#: are tried (a text that starts with many spaces)
_MARKER_REACH = 32


@dataclass(frozen=True)
class _Slot:
    """A slot rule ready to run, with its shortcuts."""

    rule: Rule
    role: PartyRole
    #: this slot's bit in :meth:`_Scan.met`
    bit: int
    #: the bits of :meth:`_Scan.met` the slot needs: its own, and the bit of the heads
    #: when its names are built from them
    needs: int
    trigger: regex.Pattern[str] | None
    #: the trigger compiled by ``re`` (:func:`_standard`), which scans faster, or ``None``
    plain_trigger: re.Pattern[str] | None
    #: where matches may start, when the pattern begins with ``{CLAUSE}``
    clause: _ClauseStarts | None

    @cached_property
    def labelled(self) -> bool:
        """The pattern has a ``label`` group (``配合：X``)."""
        return "label" in self.rule.pattern.groupindex

    def trigger_spans(self, text: str, budget: float) -> list[tuple[int, int]]:
        """The spans of the trigger's ``finditer`` over ``text``, within ``budget`` seconds
        where :func:`~unionnlp.errors.regex_timeout` asks for one."""
        if self.plain_trigger is not None:
            return [m.span() for m in self.plain_trigger.finditer(text)]
        assert self.trigger is not None
        timeout = regex_timeout(self.trigger, len(text), budget)
        return [
            m.span() for m in self.trigger.finditer(text, None, None, False, False, False, timeout)
        ]

    def triggered(self, text: str, budget: float) -> bool:
        """Whether the trigger is found in ``text`` (``True`` for a slot without one), within
        ``budget`` seconds where :func:`~unionnlp.errors.regex_timeout` asks for one."""
        if self.plain_trigger is not None:
            return self.plain_trigger.search(text) is not None
        if self.trigger is None:
            return True
        timeout = regex_timeout(self.trigger, len(text), budget)
        return self.trigger.search(text, None, None, False, False, timeout) is not None


@dataclass(frozen=True)
class _Scan:
    """The one pass over a text that finds which slots' ``requires`` it meets."""

    #: an Aho-Corasick automaton: each required string -> bits of the slots requiring it
    #: (``None`` when no slot requires anything)
    automaton: Any
    #: bits of the slots that require nothing
    always: int
    #: a search for any of the words of the last bit (``None``: no such bit), see :meth:`of`
    any_word: re.Pattern[str] | None = None
    #: the bit ``any_word`` sets
    any_bit: int = 0

    @classmethod
    def of(cls, requires: list[tuple[str, ...]], any_of: Sequence[str] = ()) -> _Scan:
        """The scan for slots requiring ``requires[i]`` (empty: nothing) at bit ``i``, and,
        when ``any_of`` is given, for the next bit, which a text holding one of its words
        meets.

        The words of ``any_of`` (the heads and aliases: hundreds of words, over a hundred
        first characters) are searched apart, by ``re``, which stops at the first one: the
        automaton tries each character of a text against the first characters of all its
        words one by one, so that holding them would more than double what it reads.
        """
        import ahocorasick

        bits: dict[str, int] = {}
        for i, words in enumerate(requires):
            for word in words:
                bits[word] = bits.get(word, 0) | 1 << i
        automaton = None
        if bits:
            automaton = ahocorasick.Automaton()
            for word, slot_bits in bits.items():
                automaton.add_word(word, slot_bits)
            automaton.make_automaton()
        always = sum(1 << i for i, words in enumerate(requires) if not words)
        if not any_of:
            return cls(automaton, always)
        # longest first, a character per branch: ``re`` skips the places no word begins
        any_word = re.compile(word_trie(sorted(set(any_of))))
        return cls(automaton, always, any_word, 1 << len(requires))

    def met(self, text: str) -> int:
        """Bits of the slots whose ``requires`` ``text`` meets (or that require nothing)."""
        met = self.always
        if self.automaton is not None:
            for _end, bits in self.automaton.iter(text):
                met |= bits
        if self.any_word is not None and self.any_word.search(text) is not None:
            met |= self.any_bit
        return met


@dataclass(frozen=True)
class _ClauseStarts:
    """Where a clause may start: the data file's ``BREAK`` and ``MARKER``, compiled."""

    #: (run by ``re`` where :func:`_standard` allows: it scans faster)
    brk: regex.Pattern[str] | re.Pattern[str]
    marker: regex.Pattern[str]

    #: first characters of texts seen -> whether a marker may begin with it
    first: dict[str, bool] = field(default_factory=dict)

    def may_open(self, ch: str) -> bool:
        """Whether a text beginning with ``ch`` may begin with a marker."""
        known = self.first.get(ch)
        if known is None:  # one character against the pattern: no scan to budget
            known = self.first[ch] = self.marker.fullmatch(ch, partial=True) is not None
        return known

    def positions(self, text: str) -> tuple[Sequence[int], list[int]]:
        """Every position of ``text`` where ``{CLAUSE}`` may match, in order, and where
        the ``BREAK`` characters stand."""
        breaks = [m.start() for m in self.brk.finditer(text)]
        starts = [0]
        if not text or not self.may_open(text[0]):
            return starts + [b + 1 for b in breaks], breaks
        # ``(?<=^{MARKER})``: the ends of the whole markers that ``text`` begins with. A
        # text that is not even the start of a marker starts none longer than itself.
        for p in range(1, len(text) + 1):
            m = self.marker.fullmatch(text, 0, p, False, True)
            if m is None:
                break
            if p > _MARKER_REACH:
                return range(len(text) + 1), breaks
            if not m.partial:
                starts.append(p)
        after = [b + 1 for b in breaks]
        if len(starts) == 1:
            return starts + after, breaks
        return sorted({*starts, *after}), breaks


def _standard(pattern: regex.Pattern[str]) -> re.Pattern[str] | None:
    r"""``pattern`` compiled by the standard library's ``re``, or ``None`` where ``re``
    might read it otherwise.

    ``re`` tests a character against a set in one lookup where ``regex`` tries the set's
    members one by one, so it scans text for a trigger (which begins with the set of the
    last characters of heads) in about half the time. It is used only for a pattern with
    the default flags, with no escape but of punctuation, a tab, a line break or a
    character by its code (no ``\p{Han}``, no ``\s``), with no repeat without bound
    (``re`` runs without a time budget) and that it compiles without a warning (a set
    inside a set). The tests check that it finds what ``regex`` finds.
    """
    if pattern.flags != regex.compile("").flags:
        return None
    escapes = regex.findall(r"\\(?:u[0-9A-Fa-f]{4}|.)", pattern.pattern)
    if any(not _PLAIN_ESCAPE.fullmatch(e) for e in escapes):
        return None
    if _UNBOUNDED.search(_SETS_AND_ESCAPES.sub("", pattern.pattern)):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            return re.compile(pattern.pattern)
        except (re.error, Warning):
            return None


def _before_hits(starts: Sequence[int], hits: list[tuple[int, int]], stops: list[int]) -> list[int]:
    """The ``starts`` from which a trigger hit is reached before a stop (``stops``: the
    positions of ``STOP`` characters, in order).

    ``hits`` are the spans of the trigger's ``finditer``, which skips the hits that begin
    inside an earlier one: a start inside a hit is kept, whatever follows it. Any other
    start reaches a skipped hit only past the hit found before it.
    """
    kept: list[int] = []
    i = j = 0  # the first hit and the first stop at or after the start
    n, m = len(hits), len(stops)
    for p in starts:
        while i < n and hits[i][0] < p:
            i += 1
        if i and hits[i - 1][1] > p:
            kept.append(p)  # inside a hit: a hit that overlaps it may begin here
            continue
        if i == n:
            break  # no hit after this start, nor after the later ones
        while j < m and stops[j] < p:
            j += 1
        if j == m or hits[i][0] < stops[j]:
            kept.append(p)
    return kept
