"""The trigger scan: which deadline rules can match a text, read from their patterns.

The literal strings each rule's pattern needs are read from the pattern itself
(:func:`_needs`); :class:`_Scan` puts the most selective need of every rule in
one trie (:func:`_trie`, :func:`_literal_pattern`) so that a text where no rule
could match costs one pass, and :func:`_matches` runs a rule on a text.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

import regex

from .._patterns import word_trie
from ..model import DeadlineKind
from ..resources import Rule

logger = logging.getLogger(__name__)


# -- the trigger scan ---------------------------------------------------------
# Most sentences of a plan hold no time expression. One scan finds the literal
# strings the rules need, read from the rules' own patterns, and a rule runs only
# on text holding each of its needs: a text where no rule could match costs one
# C-level pass, and a rule is never skipped where it could match.

#: the most strings one set of alternatives may hold (a larger set gives way to
#: shorter, more common strings, which the scan finds just as exactly)
_MOST_STRINGS = 128
#: the most needs an alternation keeps (more: one weaker need stands for them)
_MOST_CLAUSES = 16
_CONTROL_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v"}
_BOUNDS = re.compile(r"\{(\d*)(?:(,)(\d*))?\}")
#: flags that change what the characters of a pattern mean
_FLAGS_UNREAD = regex.IGNORECASE | regex.FULLCASE | regex.VERBOSE | regex.V1


class _Unread(Exception):
    """A pattern construct the trigger analysis does not read (its rule always runs)."""


@dataclass(frozen=True)
class _Strings:
    """What is known of the strings a (part of a) pattern matches.

    ``exact`` is every one of them, when they are few; each set in ``needs``
    holds strings of which every match contains at least one.
    """

    exact: frozenset[str] | None = None
    needs: tuple[frozenset[str], ...] = ()

    def required(self) -> tuple[frozenset[str], ...]:
        """``needs``, and ``exact`` as one more need unless it holds the empty string."""
        if self.exact is None or "" in self.exact:
            return self.needs
        return (*self.needs, _minimal(self.exact))


_EMPTY_STRING = frozenset(("",))
_ANYTHING = _Strings()
_NOTHING = _Strings(_EMPTY_STRING)  # zero-width: lookarounds, anchors


def _minimal(strings: frozenset[str]) -> frozenset[str]:
    """``strings`` without those containing another of them (text holding one holds both)."""
    kept: list[str] = []
    for string in sorted(strings, key=len):
        if not any(shorter in string for shorter in kept):
            kept.append(string)
    return frozenset(kept)


def _clauses(needs: Iterable[frozenset[str]]) -> tuple[frozenset[str], ...]:
    """``needs`` without repeats, without large ones (weak, and each costs a check) and
    without those another implies (one whose every string contains a string of it)."""
    unique = list(dict.fromkeys(_minimal(n) for n in needs if len(n) <= _MOST_STRINGS))
    return tuple(
        n
        for n in unique
        if not any(m != n and all(any(t in s for t in n) for s in m) for m in unique)
    )


def _selectivity(need: frozenset[str]) -> tuple[int, int, list[str]]:
    """How rarely text holds ``need``, roughly: its shortest string, then fewer strings
    (then the strings themselves, so that ties always fall the same way)."""
    return min(map(len, need), default=0), -len(need), sorted(need)


def _concat(items: list[_Strings]) -> _Strings:
    """A sequence: exact while the product stays small, else the needs of its parts."""
    run = _EMPTY_STRING
    needs: list[frozenset[str]] = []
    whole = True
    for item in items:
        if item.exact is not None and len(run) * len(item.exact) <= _MOST_STRINGS:
            run = frozenset(a + b for a in run for b in item.exact)
            continue
        whole = False
        needs.extend(_Strings(run).required())
        needs.extend(item.needs)
        if item.exact is None:
            run = _EMPTY_STRING
            continue
        # Where the two meet: a last character before, a first one after.
        seam = frozenset(a[-1:] + b[:1] for a in run for b in item.exact)
        if "" not in seam:
            needs.append(seam)
        run = item.exact
    if whole:
        return _Strings(run)
    needs.extend(_Strings(run).required())
    return _Strings(needs=_clauses(needs))


def _either(branches: list[_Strings]) -> _Strings:
    """An alternation: the union of exact sets, else needs that each branch meets.

    (A1 and A2) or (B1 and B2) is (A1 or B1) and (A1 or B2) and (A2 or B1) and
    (A2 or B2); past :data:`_MOST_CLAUSES` such needs, one need (the union of
    each branch's most selective) stands for them all.
    """
    if len(branches) == 1:
        return branches[0]
    exact = [b.exact for b in branches if b.exact is not None]
    if len(exact) == len(branches):
        union = frozenset().union(*exact)
        if len(union) <= _MOST_STRINGS:
            return _Strings(union)
    required = [b.required() for b in branches]
    if not all(required):
        return _ANYTHING
    clauses: tuple[frozenset[str], ...] = required[0]
    for needs in required[1:]:
        if len(clauses) * len(needs) > _MOST_CLAUSES:
            picks = [max(needs, key=_selectivity) for needs in required]
            return _Strings(needs=_clauses([frozenset().union(*picks)]))
        clauses = _clauses(c | n for c in clauses for n in needs)
    return _Strings(needs=clauses)


def _repeat(item: _Strings, least: int, most: int | None) -> _Strings:
    """``item`` repeated ``least`` to ``most`` times (``None``: no limit)."""
    if least == 0:
        if most == 1 and item.exact is not None:
            return _Strings(item.exact | {""})
        return _ANYTHING
    return item if most == 1 else _Strings(needs=_clauses(item.required()))


class _PatternReader:
    """Reads the part of ``regex`` syntax the rules use into :class:`_Strings`.

    Literals, escapes, sets, groups, lookarounds, anchors, alternation and
    quantifiers; anything else (inline flags, backreferences, ``\\p{…}``,
    ``\\b``, fuzzy matching, nested sets…) raises :class:`_Unread`, so the
    analysis never guesses.
    """

    def __init__(self, source: str) -> None:
        self.source = source
        self.pos = 0

    def read(self) -> _Strings:
        strings = self._alternation()
        if self.pos != len(self.source):
            raise _Unread(f"unbalanced ')' at {self.pos}")
        return strings

    def _peek(self) -> str:
        return self.source[self.pos : self.pos + 1]

    def _take(self) -> str:
        if self.pos >= len(self.source):
            raise _Unread("unexpected end of pattern")
        self.pos += 1
        return self.source[self.pos - 1]

    def _alternation(self) -> _Strings:
        branches = [self._sequence()]
        while self._peek() == "|":
            self.pos += 1
            branches.append(self._sequence())
        return _either(branches)

    def _sequence(self) -> _Strings:
        items: list[_Strings] = []
        while self._peek() not in ("", "|", ")"):
            items.append(self._quantified(self._atom()))
        return _concat(items)

    def _atom(self) -> _Strings:
        ch = self._take()
        if ch == "(":
            return self._group()
        if ch == "[":
            return self._set()
        if ch == "\\":
            escaped = self._escaped()
            return _ANYTHING if escaped is None else _Strings(frozenset((escaped,)))
        if ch == ".":
            return _ANYTHING
        if ch in "^$":
            return _NOTHING
        if ch in "*+?{":
            raise _Unread(f"{ch!r} at {self.pos - 1}")
        return _Strings(frozenset((ch,)))

    def _group(self) -> _Strings:
        zero_width = False
        if self.source.startswith("?P<", self.pos):
            end = self.source.find(">", self.pos)
            if end < 0 or not self.source[self.pos + 3 : end].isidentifier():
                raise _Unread(f"group name at {self.pos}")
            self.pos = end + 1
        elif self.source.startswith("?:", self.pos):
            self.pos += 2
        elif self.source.startswith(("?=", "?!"), self.pos):
            self.pos, zero_width = self.pos + 2, True
        elif self.source.startswith(("?<=", "?<!"), self.pos):
            self.pos, zero_width = self.pos + 3, True
        elif self._peek() == "?":
            raise _Unread(f"group kind at {self.pos}")
        inner = self._alternation()
        if self._take() != ")":
            raise _Unread(f"unclosed group at {self.pos}")
        return _NOTHING if zero_width else inner

    def _set(self) -> _Strings:
        known = self._peek() != "^"  # a negated set: any of countless characters
        if not known:
            self.pos += 1
        if self._peek() == "]":
            raise _Unread(f"']' first in a set at {self.pos}")
        chars: set[str] = set()
        while (ch := self._take()) != "]":
            low = self._set_char(ch)
            if low is None:
                known = False
            elif self._peek() == "-" and self.source[self.pos + 1 : self.pos + 2] not in ("]", ""):
                self.pos += 1
                high = self._set_char(self._take())
                if high is None:
                    raise _Unread(f"a class ends a range at {self.pos}")
                # (a wide range stops one past the limit: too many to list)
                chars.update(
                    map(chr, range(ord(low), min(ord(high), ord(low) + _MOST_STRINGS) + 1))
                )
            else:
                chars.add(low)
        return _Strings(frozenset(chars)) if known and len(chars) <= _MOST_STRINGS else _ANYTHING

    def _set_char(self, ch: str) -> str | None:
        if ch == "[":
            raise _Unread(f"'[' in a set at {self.pos - 1}")
        return self._escaped() if ch == "\\" else ch

    def _escaped(self) -> str | None:
        """The character an escape stands for; ``None`` for a class (``\\d``, ``\\s``…)."""
        ch = self._take()
        if ch in "dswDSW":
            return None
        if ch in _CONTROL_ESCAPES:
            return _CONTROL_ESCAPES[ch]
        if ch.isascii() and ch.isalnum():
            raise _Unread(f"escape \\{ch} at {self.pos - 2}")
        return ch

    def _quantified(self, item: _Strings) -> _Strings:
        ch = self._peek()
        if ch in ("?", "*", "+"):
            self.pos += 1
            least, most = {"?": (0, 1), "*": (0, None), "+": (1, None)}[ch]
        elif ch == "{":
            bounds = _BOUNDS.match(self.source, self.pos)
            if bounds is None or not (bounds[1] or bounds[3]):
                raise _Unread(f"'{{' at {self.pos} is no repeat count")
            self.pos = bounds.end()
            least = int(bounds[1] or 0)
            most = None if bounds[2] and not bounds[3] else int(bounds[3] or bounds[1])
        else:
            return item
        if self._peek() in ("?", "+"):  # lazy, possessive: the same strings
            self.pos += 1
        return _repeat(item, least, most)


def _needs(pattern: regex.Pattern[str]) -> tuple[frozenset[str], ...]:
    """Sets of strings such that text where ``pattern`` matches holds one of each.

    Empty when nothing is known (a construct the analysis does not read): the
    pattern then runs on every text.
    """
    if pattern.flags & _FLAGS_UNREAD:
        return ()
    source = pattern.pattern
    if pattern.flags & regex.REVERSE:
        # A backward search matches the same strings: its needs are the forward pattern's.
        source = source.removeprefix("(?r)")
    try:
        return _PatternReader(source).read().required()
    except _Unread as err:
        logger.debug("no trigger for %r: %s", pattern.pattern, err)
        return ()


def _trie(strings: Iterable[str]) -> str:
    """A pattern matching any of ``strings``, the longest first, with common prefixes
    shared (a flat alternation is tried string by string at every place)."""
    return word_trie(strings) or "(?!)"


def _literal_pattern(strings: Iterable[str]) -> re.Pattern[str]:
    """Any of ``strings`` (the longest of those starting at one place), as a trie.

    Compiled with the standard ``re``: it scans a trie of literals several times
    faster than ``regex`` does. A literal trie cannot backtrack beyond its
    longest string, so the scan is linear and needs no timeout.
    """
    return re.compile(_trie(strings))


@dataclass(frozen=True)
class _ScanRule:
    """A rule ready to run: its handler, its default kind, what a text needs for it."""

    rule: Rule
    handler: str
    kind: DeadlineKind
    #: the needs besides the one the trigger looks for, each a pattern the text must hold
    checks: tuple[re.Pattern[str], ...]
    #: the group names in group order when every group has a name of its own (a match's
    #: ``groupdict()`` is then its ``groups()`` under these names, and much cheaper)
    names: tuple[str, ...] | None
    #: a fallback rule's match is kept only where no other rule's match overlaps it
    fallback: bool = False


#: a match of a rule as found by the scan: start, minus its length, the rule's order,
#: the match and the rule (sorting these puts the longest match at a place first)
_Raw = tuple[int, int, int, regex.Match[str], "_ScanRule"]


@dataclass(frozen=True)
class _Scan:
    """The trigger: which rules can match a text, found before any rule runs.

    Rule ``i`` has the bit ``1 << i``.
    """

    rules: tuple[_ScanRule, ...]
    #: the most selective need of every rule, in one pattern
    trigger: re.Pattern[str]
    #: a string the trigger finds -> the bits of the rules whose need holds it or one of
    #: its prefixes (at each place the trigger finds only the longest string there)
    meets: dict[str, int]
    #: the bits of the rules without needs, which run on every text
    always: int

    @classmethod
    def of(cls, rules: Sequence[Rule]) -> _Scan:
        """Read the needs of ``rules`` from their patterns."""
        table: list[_ScanRule] = []
        best: dict[int, frozenset[str]] = {}
        always = 0
        for order, rule in enumerate(rules):
            needs = sorted(set(_needs(rule.pattern)), key=_selectivity, reverse=True)
            if needs:
                best[1 << order] = needs[0]
            else:
                always |= 1 << order
            checks = tuple(_literal_pattern(need) for need in needs[1:])
            handler, kind = str(rule.get("handler", "month")), rule.get("kind", "on")
            index = rule.pattern.groupindex
            named = sorted(index.values()) == list(range(1, rule.pattern.groups + 1))
            names = tuple(sorted(index, key=index.__getitem__)) if named else None
            fallback = bool(rule.get("fallback", False))
            table.append(_ScanRule(rule, handler, kind, checks, names, fallback))
        strings = {s for need in best.values() for s in need}
        meets: dict[str, int] = {}
        for string in strings:
            prefixes = {string[:end] for end in range(1, len(string) + 1)}
            meets[string] = sum(bit for bit, need in best.items() if not need.isdisjoint(prefixes))
        return cls(tuple(table), _literal_pattern(strings), meets, always)


def _matches(
    pattern: regex.Pattern[str], text: str, pos: int, endpos: int, timeout: float | None
) -> Iterator[regex.Match[str]]:
    """``pattern.finditer(text, pos, endpos, concurrent=False, timeout=timeout)``, arguments
    given by position.

    ``regex`` reads keyword arguments slowly: half a microsecond a call, a good
    part of what a rule costs on a sentence.
    """
    return pattern.finditer(text, pos, endpos, False, False, False, timeout)
