"""Deadlines: time expressions of plans -> EDTF values and RFC 5545 recurrences.

The grammar lives in ``data/deadlines.toml`` (named ``regex`` rules with
examples) and the festival table in ``data/festivals.toml``; this module turns
each match into a :class:`~unionnlp.model.Deadline`:

- ``kind``: ``by`` (due by: ``3月底前``), ``on`` (held at: ``9月份``, ``教师节``),
  ``during`` (a period: ``上半年``, ``4月至5月``) or ``every`` (``每季度``);
- ``value``: EDTF / ISO 8601-2 with ``X`` for unknown digits: ``XXXX-03-25``,
  ``XXXX-03``, ``XXXX-33`` (first quarter), ``XXXX-40``/``XXXX-41`` (half
  years), ``XXXX-22`` (summer), intervals ``A/B``, open ``A/..``, sets ``{A,B}``;
- ``rrule``: RFC 5545 for recurrences (``FREQ=WEEKLY;BYDAY=MO,WE,FR``).

Relative expressions resolve against the plan's own year (its title or
opening; for school-year plans months before September fall in the next
year); never against the clock. Unknown stays ``XXXX``.

示例::

    >>> from unionnlp.deadlines import find_deadlines
    >>> [(d.text, d.kind, d.value) for d in find_deadlines("此项工作在3月底前完成", year=2024)]
    [('3月底前', 'by', '2024-03')]
"""

from __future__ import annotations

import bisect
import calendar
import datetime
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

import regex

from ._numerals import read_number
from .errors import DataFileError, scan_budget
from .model import Deadline, DeadlineKind, Measure, Plan, Section, Span, replacer
from .resources import Rule, load_rules, load_toml

__all__ = ["DeadlineExtractor", "find_deadlines"]

logger = logging.getLogger(__name__)

_MONTH_WORDS = {"元": 1, "正": 1}
#: A third of a month (旬) as its first and last day; 0 is the month's last day.
_DEKADS: dict[str, tuple[int, int]] = {"上旬": (1, 10), "中旬": (11, 20), "下旬": (21, 0)}

_BEFORE = ("前", "之前", "以前", "前夕")
_WEEKDAYS = {
    "一": "MO",
    "二": "TU",
    "三": "WE",
    "四": "TH",
    "五": "FR",
    "六": "SA",
    "日": "SU",
    "天": "SU",
}
_WEEK_ORDER = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
_DIGITS = re.compile(r"[0-9]+")
# EDTF season codes; 高温(期间) is the summer's heat
_SEASONS = {"春季": "21", "夏季": "22", "秋季": "23", "冬季": "24", "高温": "22"}
# School holidays are months, not seasons: the summer one July and August, the winter
# one January and February (of the school year's second calendar year).
_HOLIDAYS = {"暑假": (7, 8), "暑期": (7, 8), "寒假": (1, 2)}
# Past and background time (去年…, …以来): not deadlines of the plan. A past word
# counts in the 12 characters before an expression, back to the clause's start.
_PAST_WORDS = "去年|前年|过去|上年度?|以往|曾经|截至|截止"
_SINCE_WORDS = "以来|来|期间已|已经|已"
_PAST_BEFORE = re.compile(rf"(?:{_PAST_WORDS})[^。；;！？!?\n]*\Z")
_PAST_BEFORE_REACH = 12
_PAST_AFTER = re.compile(rf"\s*(?:{_SINCE_WORDS})")
#: either check's words: a text without one holds no background time
_PAST_ANY = re.compile(f"{_PAST_WORDS}|{_SINCE_WORDS}")
_QUOTES = "“”\"‘’'「」"
_QUOTE_SET = frozenset(_QUOTES)
_new_tuple = tuple.__new__
_CENTURIES = ("19", "20")  # a signature date's year begins so
_OPENING_QUOTES = "“‘「\"'"
_CLOSING_QUOTES = "”’」\"'"
# A date alone on a short line (a signature or publication date), not a deadline.
_SIGNATURE_LINE = 25
_SIGNATURE_YEAR = re.compile(r"(?:19|20)\d{2} ?年")
_WEEKLY_TOKEN = regex.compile(r"[一二三四五六日天]|至|到|-")
_NTH_MARK = regex.compile(r"[第个]")
_YEAR_MONTH = re.compile(r"(\d{4})-(\d{2})")


@lru_cache(maxsize=4096)
def _number(token: str | None) -> int | None:
    """Read ``12``, ``十二``, ``二十三``, ``元`` (the first month), ``二〇二四``."""
    return read_number(token, extra=_MONTH_WORDS)


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
    trie: dict[str, Any] = {}
    for string in strings:
        node = trie
        for ch in string:
            node = node.setdefault(ch, {})
        node[""] = {}  # a string ends here

    def branches(node: dict[str, Any]) -> str:
        alternatives = [re.escape(ch) + branches(sub) for ch, sub in sorted(node.items()) if ch]
        if not alternatives:
            return ""
        body = alternatives[0] if len(alternatives) == 1 else f"(?:{'|'.join(alternatives)})"
        return f"(?:{body})?" if "" in node else body  # greedy: the longer string first

    return branches(trie) or "(?!)"


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


class Found(NamedTuple):
    """One time expression in a text, with offsets into that text.

    (A named tuple, not a frozen dataclass: one is made for every expression
    found, and a named tuple is several times cheaper to make.)
    """

    start: int
    end: int
    text: str
    kind: DeadlineKind
    value: str | None
    rrule: str | None
    rule: str

    def deadline(self, span: Span, *, prefix: str = "") -> Deadline:
        """This expression as a :class:`Deadline` at ``span`` (``prefix`` names its context)."""
        return Deadline(self.text, span, self.kind, self.value, self.rrule, prefix + self.rule)


@dataclass(frozen=True)
class _Festival:
    name: str
    solar: str | None
    lunar: str | None
    month: str | None
    #: the last day of its public holiday (month-day), by year and otherwise
    holiday_end: str | None = None
    holiday_ends: tuple[tuple[str, str], ...] = ()

    def last_day(self, date: str) -> str:
        """The last day of the holiday around ``date`` (``date`` itself without one)."""
        if self.holiday_end is None or date.startswith("XXXX"):
            return date
        year = date[:4]
        return f"{year}-{dict(self.holiday_ends).get(year, self.holiday_end)}"

    @property
    def nominal_month(self) -> int:
        """The month it falls in, roughly (a lunar date runs about a month behind)."""
        if self.solar:
            return int(self.solar[:2])
        if self.lunar:
            return int(self.lunar[:2]) + 1
        return int(self.month or 0)


class DeadlineExtractor:
    """A pipeline stage that finds deadlines and attaches them to measures.

    Args:
        rules: a grammar file replacing ``data/deadlines.toml``.
        festivals: a festival table replacing ``data/festivals.toml``.

    The stage needs plans from the structure stage (with their normalised
    text); it raises :class:`~unionnlp.errors.PipelineError` otherwise.
    """

    name = "deadlines"

    def __init__(
        self, *, rules: str | Path | None = None, festivals: str | Path | None = None
    ) -> None:
        self.rules_path = rules
        self.festivals_path = festivals

    # -- resources ----------------------------------------------------------
    @cached_property
    def _festival_tables(self) -> tuple[dict[str, _Festival], dict[str, _Festival]]:
        """The festival of each alias, and of each form named only in quotes (“十一”)."""
        path = self.festivals_path or "festivals.toml"
        data = load_toml(path)
        table: dict[str, _Festival] = {}
        quoted: dict[str, _Festival] = {}
        for entry in data.get("festival", ()):
            try:
                fest = _Festival(
                    str(entry["name"]),
                    entry.get("solar"),
                    entry.get("lunar"),
                    entry.get("month"),
                    entry.get("holiday_end"),
                    tuple((str(y), str(d)) for y, d in entry.get("holiday_ends", {}).items()),
                )
                aliases = [str(a) for a in entry["aliases"]]
                quoted_forms = [str(a) for a in entry.get("quoted", ())]
            except (KeyError, TypeError) as err:
                raise DataFileError(path, f"festival entry {entry!r} lacks {err}") from err
            for alias in aliases + quoted_forms:
                if alias in table or alias in quoted:
                    raise DataFileError(path, f"alias {alias!r} given twice")
                (table if alias in aliases else quoted)[alias] = fest
        return table, quoted

    @property
    def festivals(self) -> dict[str, _Festival]:
        """The festival each alias names (``data/festivals.toml``)."""
        return self._festival_tables[0]

    @cached_property
    def rules(self) -> list[Rule]:
        table, quoted = self._festival_tables
        return load_rules(
            self.rules_path or "deadlines.toml",
            "rule",
            variables={"FESTIVALS": _trie(table), "QUOTED_FESTIVALS": _trie(quoted)},
        )

    @cached_property
    def _scan(self) -> _Scan:
        return _Scan.of(self.rules)

    # -- finding ------------------------------------------------------------
    def find(
        self,
        text: str,
        *,
        year: int | None = None,
        school_year: bool = False,
        pos: int = 0,
        endpos: int | None = None,
    ) -> list[Found]:
        """Every deadline expression in ``text[pos:endpos]`` (offsets into ``text``), in order.

        The text around the window stays visible to the rules' look-behinds and
        to the background checks: ``时限：3、11月`` read from after the colon is
        still a month set, not a marker ``3、`` and a month.
        """
        end_at = len(text) if endpos is None else endpos
        scan = self._scan
        search = scan.trigger.search
        # The whole text, the usual case, is searched without bounds: fewer arguments to
        # parse on the call that most sentences end with.
        hit = search(text) if pos == 0 and endpos is None else search(text, pos, end_at)
        if hit is None and not scan.always:
            return []  # no rule could match: most sentences of a plan
        met = scan.always
        meets = scan.meets
        while hit is not None:  # every place a needed string starts
            met |= meets[hit.group()]
            hit = search(text, hit.start() + 1, end_at)
        timeout = scan_budget(end_at - pos)
        raw: list[_Raw] = []
        while met:  # each rule whose trigger was met (their order is restored below)
            bit = met & -met
            met ^= bit
            order = bit.bit_length() - 1
            entry = scan.rules[order]
            for check in entry.checks:
                if check.search(text, pos, end_at) is None:
                    break
            else:
                for m in _matches(entry.rule.pattern, text, pos, end_at, timeout):
                    start, end = m.span()
                    if end > start:
                        raw.append((start, start - end, order, m, entry))
        if not raw:
            return []  # needs met, but no rule matched
        raw.sort()  # by start, the longest first, then the order of the rules
        return self._select(raw, text, year, school_year)

    def _select(
        self, raw: list[_Raw], text: str, year: int | None, school_year: bool
    ) -> list[Found]:
        """The expressions among the matches ``raw`` (sorted), none overlapping another."""
        found: list[Found] = []
        spare: list[tuple[int, int, regex.Match[str], _ScanRule]] = []
        last_end = -1
        # Without a past word anywhere, no expression is background: one scan, not one each.
        may_be_past = _PAST_ANY.search(text) is not None
        for start, neg, _order, m, entry in raw:
            end = start - neg
            if entry.fallback:
                spare.append((start, end, m, entry))
                continue
            if start < last_end:
                continue
            if may_be_past and _is_background(text, start, end):
                continue
            if text.startswith(_CENTURIES, start) and _is_signature(text, start, end):
                continue
            if entry.handler == "labelled":
                items = self._labelled(m, raw, text, year, school_year)
            else:
                items = self._interpret(entry, m, text, year, school_year)
            if items:
                for f in items:  # quotation marks are rare: test for them in C first
                    found.append(f if _QUOTE_SET.isdisjoint(f.text) else _quoted_whole(f, text))
                last_end = end
        if spare:  # fallbacks fill only the places no other rule took
            taken = [(f.start, f.end) for f in found]
            for _, _, m, entry in sorted(spare, key=lambda x: x[0]):
                start, end = m.span("expr") if "expr" in m.re.groupindex else m.span()
                if any(s < end and start < e for s, e in taken):
                    continue
                if may_be_past and _is_background(text, start, end):
                    continue
                items = self._interpret(entry, m, text, year, school_year)
                found.extend(items)
                taken.extend((f.start, f.end) for f in items)
            found.sort(key=lambda f: f.start)
        return found

    def _interpret(
        self, entry: _ScanRule, m: regex.Match[str], text: str, year: int | None, school_year: bool
    ) -> list[Found]:
        rule, handler, kind = entry.rule, entry.handler, entry.kind
        g = (
            m.groupdict()
            if entry.names is None
            # as many names as groups, by construction: the strict check would cost a third
            else dict(zip(entry.names, m.groups(), strict=False))
        )
        y = _number(g.get("y")) or year
        if g.get("next"):  # 次年: the year after the plan's
            y = None if year is None else year + 1

        def ystr(month: int | None = None) -> str:
            if y is None:
                return "XXXX"
            stated = g.get("y") or g.get("next")  # a year written out is not shifted
            if school_year and month is not None and month < 9 and not stated:
                return str(y + 1)
            return str(y)

        value: str | None = None
        rrule: str | None = None
        suf = g.get("suf") or ""
        if handler in ("month", "date"):
            month = _number(g.get("m"))
            if month is None or not 1 <= month <= 12:
                return []
            value = f"{ystr(month)}-{month:02d}"
            dekad = _DEKADS.get(g.get("part") or "")
            if dekad is not None:  # 上旬/中旬/下旬: the days of that third of the month
                first_day, last_day = dekad
                if last_day == 0:
                    known = ystr(month)  # 2001: no leap year, when the year is unknown
                    last_day = calendar.monthrange(int(known) if known.isdigit() else 2001, month)[
                        1
                    ]
                value = f"{value}-{first_day:02d}/{value}-{last_day:02d}"
            if handler == "date":
                day = _number(g.get("d"))
                if day is None or not 1 <= day <= 31:
                    return []
                value += f"-{day:02d}"
            if suf in _BEFORE:
                kind = "by"
            elif suf in ("期间", "前后"):
                kind = "during"
            elif suf == "左右":  # about then: EDTF's approximate mark
                value += "~"
        elif handler == "date_range":
            month, day = _number(g.get("m")), _number(g.get("d"))
            month2 = _number(g.get("m2")) if g.get("m2") else month
            day2 = _number(g.get("d2"))
            if not (month and month2 and day and day2) or not (
                1 <= month <= month2 <= 12 and 1 <= day <= 31 and 1 <= day2 <= 31
            ):
                return []
            if (month, day) >= (month2, day2):
                return []
            value = f"{ystr(month)}-{month:02d}-{day:02d}/{ystr(month2)}-{month2:02d}-{day2:02d}"
        elif handler == "month_pair":
            m1, m2 = _number(g.get("m1")), _number(g.get("m2"))
            if not m1 or not m2 or not (1 <= m1 < m2 <= 12):
                return []
            if m2 == m1 + 1:  # two months in a row: one period
                value = f"{ystr(m1)}-{m1:02d}/{ystr(m2)}-{m2:02d}"
                kind = "during"
            elif g.get("own"):  # 三月、九月: each month written out
                value = f"{{{ystr(m1)}-{m1:02d},{ystr(m2)}-{m2:02d}}}"
            else:  # 三、八月份: a marker 三、 and 八月份, more likely than a set
                return []
        elif handler == "month_range":
            m1 = _number(g.get("m1") or g.get("m1b"))
            m2 = _number(g.get("m2") or g.get("m2b"))
            if not m1 or not m2 or not (1 <= m1 <= 12 and 1 <= m2 <= 12) or m1 > m2:
                return []
            start, end = f"{ystr(m1)}-{m1:02d}", f"{ystr(m2)}-{m2:02d}"
            # An end given by its third of a month (7月中旬至8月中旬) is that day.
            opening = _DEKADS.get(g.get("p1") or "")
            if opening is not None:
                start += f"-{opening[0]:02d}"
            closing = _DEKADS.get(g.get("p2") or "")
            if closing is not None:
                known = ystr(m2)  # 2001: no leap year, when the year is unknown
                days = calendar.monthrange(int(known) if known.isdigit() else 2001, m2)[1]
                end += f"-{closing[1] or days:02d}"
            value = f"{start}/{end}"
        elif handler == "open_until":
            month = _number(g.get("m"))
            if not month or month > 12:
                return []
            end = f"{ystr(month)}-{month:02d}"
            if g.get("d"):
                end += f"-{_number(g.get('d')) or 0:02d}"
            value = f"../{end}"
        elif handler == "from_month":
            month = _number(g.get("m"))
            if not month or month > 12:
                return []
            value = f"{ystr(month)}-{month:02d}/.."
        elif handler == "year_part":
            part = g.get("part") or ""
            if part == "年中" and g.get("y"):
                return []  # 2023年中: in 2023, not the middle of it
            if part in ("上半年", "下半年"):
                value = f"{ystr()}-{'40' if part == '上半年' else '41'}"
                kind = "by" if suf in _BEFORE or suf == "末" else "during"
            elif part in ("年底", "年末", "年终", "岁末", "年末岁尾", "年终岁尾"):
                value, kind = f"{ystr()}-12", ("by" if suf in _BEFORE else "on")
            elif part == "年初":
                value, kind = f"{ystr()}-01", ("by" if suf in _BEFORE else "on")
            elif part == "年中":
                value, kind = f"{ystr()}-06", ("by" if suf in _BEFORE else "on")
            elif part == "全年":
                value, kind = ystr(), "during"
            else:  # 年内, 年度内: within the year, so due by its end
                value, kind = ystr(), "by"
        elif handler == "quarter":
            q = _number(g.get("q"))
            if not q or q > 4:
                return []
            value = f"{ystr()}-{32 + q}"
            kind = "by" if suf in ("末", *_BEFORE) else ("during" if suf == "内" else "on")
        elif handler == "quarter_set":
            q1, q2 = _number(g.get("q1")), _number(g.get("q2"))
            if not q1 or not q2 or q1 > 4 or q2 > 4:
                return []
            value = f"{{{ystr()}-{32 + q1},{ystr()}-{32 + q2}}}"
        elif handler == "month_set":
            months = [int(x) for x in _DIGITS.findall(g.get("ms") or "")]  # every month
            if not all(1 <= x <= 12 for x in months) or len(set(months)) < len(months):
                return []
            value = "{" + ",".join(f"{ystr(x)}-{x:02d}" for x in months) + "}"
        elif handler == "season":
            season = g.get("season") or g.get("season2") or ""
            suf = suf or g.get("suf2") or ""
            if season == "高温" and not suf:
                return []  # the heat itself (高温慰问): a period only as 高温期间
            if season in _SEASONS:
                value = f"{ystr()}-{_SEASONS[season]}"
            elif season in _HOLIDAYS:
                first_m, last_m = _HOLIDAYS[season]
                value = f"{ystr(first_m)}-{first_m:02d}"  # before the holiday: by its start
                if suf not in _BEFORE:
                    value += f"/{ystr(last_m)}-{last_m:02d}"
            elif season in ("学期末", "学年末", "期末"):
                kind = "by"
            else:
                kind = "on"
            if suf in _BEFORE:
                kind = "by"
            elif suf == "期间":
                kind = "during"
        elif handler == "festival":
            school_year = school_year and not g.get("y")  # (2024年春节: that year's)
            first = self._festival_date(g.get("f1"), y, school_year)
            if g.get("f2") and not self._one_period(m, g):
                # “五一”劳动节和“端午节”, 春节、端午节期间: two festivals, a deadline each
                at, to = m.span()
                cut, resume = m.span("join")
                second = self._festival_date(g.get("f2"), y, school_year)
                later, later_value = _festival_kind(kind, suf, second)
                return [
                    Found(at, cut, text[at:cut], kind, first, None, rule.name),
                    Found(resume, to, text[resume:to], later, later_value, None, rule.name),
                ]
            if g.get("f2"):
                # The period holds both days, to the end of the later one's holiday
                # (中秋国庆期间: 中秋 to the last day of the National Day holiday).
                second = self._festival_date(g.get("f2"), y, school_year)
                if first and second:
                    last = self._festival(g.get("f2")).last_day(second)
                    lo, hi = min(first, second), max(first, last)
                    value = f"{lo}/{hi}" if lo != hi else lo
                kind = "during"
            else:
                kind, value = _festival_kind(kind, suf, first)
        elif handler == "every_weekdays":
            rrule = _weekly(g.get("days") or "")
            if rrule is None:
                return []
        elif handler == "every_nth_weekday":
            nth = g.get("nth") or ""
            weekday = _WEEKDAYS.get(g.get("day") or "")
            if weekday is None:
                return []
            n = -1 if nth.startswith("最后") else (_number(_NTH_MARK.sub("", nth)) or 1)
            every = "FREQ=MONTHLY;INTERVAL=2" if g.get("bi") else "FREQ=MONTHLY"
            rrule = f"{every};BYDAY={n}{weekday}"
        elif handler == "every_monthday":
            day = _number(g.get("d"))
            if day is None or not 1 <= day <= 31:
                return []
            rrule = f"FREQ=MONTHLY;BYMONTHDAY={day}"
        elif handler == "every":
            rrule = _every(g)
            if rrule is None:
                return []
        elif handler == "period":  # an event's period: when it falls is not written
            # The match holds the clause boundary before the expression.
            expr_start, expr_end = m.span("expr")
            return [Found(expr_start, expr_end, m.group("expr"), kind, None, None, rule.name)]
        else:
            raise DataFileError(
                self.rules_path or "deadlines.toml",
                f"rule {rule.name!r}: unknown handler {handler!r}",
            )
        at, to = m.span()
        # tuple.__new__ skips the named tuple's Python-level __new__: half the cost, same tuple.
        return [_new_tuple(Found, (at, to, text[at:to], kind, value, rrule, rule.name))]

    def _labelled(
        self,
        m: regex.Match[str],
        raw: list[_Raw],
        text: str,
        year: int | None,
        school_year: bool,
    ) -> list[Found]:
        """``时限:6月;12月`` gives two deadlines: the other rules' matches inside the body.

        The scan of the whole text already found them; they are chosen among as
        anywhere else, the body being their text.
        """
        body_start, body_end = m.span("body")
        inside = [
            r
            for r in raw
            if body_start <= r[0] and r[0] - r[1] <= body_end and r[4].handler != "labelled"
        ]
        out: list[Found] = []
        for f in self._select(inside, text, year, school_year):
            kind: DeadlineKind = "by" if f.kind == "on" else f.kind
            out.append(f._replace(kind=kind, rule=f"labelled_field+{f.rule}"))
        return out

    def _one_period(self, m: regex.Match[str], g: dict[str, Any]) -> bool:
        """Two festivals in one expression make one period (中秋国庆期间, 中秋、国庆).

        Written together or joined by 暨, they do; joined by 和/与, only with a
        period word after them (元旦和春节期间); joined by a list comma, only when
        the second follows the first within a month or so (中秋、国庆, not 春节、端午)
        and the list goes no further (元旦、春节、职工生日: three occasions).
        """
        join = g.get("join") or ""
        if join in ("", "暨") or join.isspace() or m.group().endswith("双节"):
            return True
        if join in ("和", "与"):
            return bool(g.get("suf"))
        if m.string.startswith("、", m.end()):
            return False  # 元旦、春节、职工生日…: a list of occasions, not a pair
        months = [self._festival(a).nominal_month for a in (g.get("f1"), g.get("f2")) if a]
        return len(months) == 2 and 0 <= months[1] - months[0] <= 1

    def _festival(self, alias: str | None) -> _Festival:
        """The festival ``alias`` names (an alias the grammar matched)."""
        table, quoted = self._festival_tables
        return table.get(alias or "") or quoted[alias or ""]

    def _festival_date(self, alias: str | None, year: int | None, school_year: bool) -> str | None:
        if not alias:
            return None
        table, quoted = self._festival_tables
        fest = table.get(alias) or quoted.get(alias)
        if fest is None:
            return None
        if fest.solar:
            month = int(fest.solar[:2])
            y = "XXXX" if year is None else str(year + 1 if school_year and month < 9 else year)
            return f"{y}-{fest.solar}"
        if fest.month:
            return f"{'XXXX' if year is None else year}-{fest.month}"
        if fest.lunar and year is not None:
            lunar_year = year + 1 if school_year and int(fest.lunar[:2]) < 6 else year
            return _lunar_to_solar(lunar_year, int(fest.lunar[:2]), int(fest.lunar[3:]))
        return None

    # -- the stage ----------------------------------------------------------
    def __call__(self, plan: Plan) -> Plan:
        """Find the plan's deadlines and attach each to the measure it governs."""
        norm = plan.require_normalized(self.name)
        ns, ne = norm.norm_range(plan.span)
        first_section = next((s for s in plan.sections if s.marker), None)
        if first_section is not None:
            # The opening (指导思想…) states the plan's own period, not deadlines.
            ns = max(ns, norm.norm_range(first_section.span)[0])
        text = norm.text[ns:ne]
        school = plan.period == "school_year"
        deadlines = [
            f.deadline(norm.span(ns + f.start, ns + f.end))
            for f in self.find(text, year=plan.year, school_year=school)
        ]
        return _with_sections(plan, _attach(plan.sections, deadlines, self, plan.year, school))


def _attach(
    sections: Sequence[Section],
    deadlines: Sequence[Deadline],
    extractor: DeadlineExtractor,
    year: int | None,
    school: bool,
) -> tuple[Section, ...]:
    """Give each deadline to the measure that holds it (else the nearest one before it).

    A month heading of a schedule is the deadline of the items under it: as the
    scan of the whole text read it where that is longer than the heading
    (`七、八月份` over a heading `八月份`), else read from the heading alone.
    """
    slots: list[tuple[int, int, int, int]] = []  # span start, end, section index, measure index
    for si, sec in enumerate(sections):
        for mi, measure in enumerate(sec.measures):
            slots.append((measure.span.start, measure.span.end, si, mi))
    slots.sort()
    starts = [s[0] for s in slots]
    bucket: dict[tuple[int, int], list[Deadline]] = {}
    # A month heading of a schedule is the deadline of the items under it (added below),
    # not of the measure that happens to precede it.
    headings = sorted(
        {m.schedule_span for sec in sections for m in sec.measures if m.schedule_span is not None}
    )
    heading_starts = [h.start for h in headings]
    #: a heading -> the longer expression the whole scan read over it (七、八月份 over 八月份)
    covering: dict[Span, Deadline] = {}
    for d in deadlines:
        h = bisect.bisect_right(heading_starts, d.span.start) - 1
        near = headings[max(h, 0) : h + 2] if headings else []
        over = [x for x in near if x.start < d.span.end and d.span.start < x.end]
        if over:
            for x in over:
                if d.span.start <= x.start and x.end <= d.span.end and d.span != x:
                    covering[x] = d
            continue
        k = bisect.bisect_right(starts, d.span.start) - 1
        target: tuple[int, int] | None = None
        if k >= 0:
            s, e, si, mi = slots[k]
            if (s <= d.span.start and d.span.end <= e) or sections[si].span.contains(d.span):
                target = (si, mi)  # (or a 时限 line after the measure it belongs to)
        if target is None:
            continue
        bucket.setdefault(target, []).append(d)
    out: list[Section] = []
    # A schedule whose months fall back (九月…十二月, then 一月) runs into the next year.
    last_month: int | None = None
    next_year = False
    given = {si for si, _ in bucket}
    for si, sec in enumerate(sections):
        if si not in given and not any(
            m.deadlines or (m.schedule and m.schedule_span is not None) for m in sec.measures
        ):
            out.append(sec)  # nothing to give and nothing to take: most sections
            continue
        measures: list[Measure] = []
        for mi, measure in enumerate(sec.measures):
            found = list(bucket.get((si, mi), ()))
            if measure.schedule and measure.schedule_span is not None:
                whole = covering.get(measure.schedule_span)
                if whole is not None:
                    heads = [replace(whole, rule="schedule+" + whole.rule)]
                else:
                    heads = [
                        f.deadline(measure.schedule_span, prefix="schedule+")
                        for f in extractor.find(measure.schedule, year=year, school_year=school)
                    ]
                month = _YEAR_MONTH.match(heads[0].value or "") if heads else None
                if month is not None and not school:
                    if last_month is not None and int(month[2]) <= last_month - _FALL_BACK:
                        next_year = True
                    last_month = int(month[2])
                found[:0] = heads[::-1]
                if year is not None and next_year:
                    found = [_in_year(d, extractor, year + 1) for d in found]
                elif year is not None and heads:
                    found = [_coming(d, heads[0], extractor, year, school) for d in found]
            deadlines = tuple(found)
            # An unchanged record stays as it is (a rebuild costs more than the comparison).
            same = deadlines == measure.deadlines
            measures.append(measure if same else _with_deadlines(measure, deadlines))
        same = all(new is old for new, old in zip(measures, sec.measures, strict=True))
        out.append(sec if same else _with_measures(sec, tuple(measures)))
    return tuple(out)


#: how far a schedule's month must fall below the one before it to start the next year
#: (十二月 then 一月; not a month repeated or put back by one)
_FALL_BACK = 6


def _in_year(d: Deadline, extractor: DeadlineExtractor, year: int) -> Deadline:
    """``d`` read again in ``year`` (a schedule entry after the schedule ran into it)."""
    if not d.value or not _YEAR_MONTH.match(d.value):
        return d
    again = extractor.find(d.text, year=year)
    return replace(d, value=again[0].value) if again and again[0].text == d.text else d


#: months between a schedule's month and a festival named in it from which the festival is
#: the coming one, of the next year (元旦 in 十二月: 9 or more months before December)
_COMING_GAP = 9


def _coming(
    d: Deadline, heading: Deadline, extractor: DeadlineExtractor, year: int, school: bool
) -> Deadline:
    """A festival named under a month late in the year is the coming one (元旦 in 十二月).

    Read again in the next year when it falls :data:`_COMING_GAP` months or more
    before the month of the schedule entry it is named in.
    """
    if not d.rule.endswith("festival") or not _YEAR_MONTH.match(d.value or ""):
        return d
    month = _YEAR_MONTH.match(heading.value or "")
    if month is None:
        return d
    at = int(month[1]) * 12 + int(month[2])
    fest = _YEAR_MONTH.match(d.value or "")
    if fest is None or at - (int(fest[1]) * 12 + int(fest[2])) < _COMING_GAP:
        return d
    again = extractor.find(d.text, year=year + 1, school_year=school)
    return replace(d, value=again[0].value) if again else d


_with_deadlines: Callable[[Measure, tuple[Deadline, ...]], Measure] = replacer(Measure, "deadlines")
_with_measures: Callable[[Section, tuple[Measure, ...]], Section] = replacer(Section, "measures")
_with_sections: Callable[[Plan, tuple[Section, ...]], Plan] = replacer(Plan, "sections")


def _matches(
    pattern: regex.Pattern[str], text: str, pos: int, endpos: int, timeout: float
) -> Iterator[regex.Match[str]]:
    """``pattern.finditer(text, pos, endpos, timeout=timeout)``, arguments given by position.

    ``regex`` reads keyword arguments slowly: half a microsecond a call, a good
    part of what a rule costs on a sentence.
    """
    return pattern.finditer(text, pos, endpos, False, None, False, timeout)


def _is_background(text: str, start: int, end: int) -> bool:
    """Past or background time: 去年…, 过去五年, …以来 (see :data:`_PAST_BEFORE`)."""
    if _PAST_BEFORE.search(text, max(0, start - _PAST_BEFORE_REACH), start):
        return True
    return _PAST_AFTER.match(text, end, end + 4) is not None


def _is_signature(text: str, start: int, end: int) -> bool:
    """A date with its year on a short line of its own (``…工会\n2023年9月``).

    Not when a label introduces it (``完成时限：2024年10月底前``) or it says
    ``…前``/``…底``: those are deadlines, however short their line.
    """
    if not (text.startswith(_CENTURIES, start) and _SIGNATURE_YEAR.match(text, start, end)):
        return False
    if text.endswith(("前", "底", "末"), start, end):
        return False
    line_start = text.rfind("\n", 0, start) + 1
    if text[line_start:start].rstrip().endswith((":", "：")):
        return False
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    line = text[line_start:line_end].strip()
    return len(line) <= _SIGNATURE_LINE and line.endswith(text[start:end].strip()[-2:])


def _festival_kind(
    kind: DeadlineKind, suffix: str, value: str | None
) -> tuple[DeadlineKind, str | None]:
    """The kind and value of a festival followed by ``suffix`` (期间, 前夕, 前…)."""
    if suffix in ("期间", "前后"):
        return "during", value
    if suffix == "前夕":  # the eve: the day before
        return "on", _day_before(value)
    if suffix in ("前", "之前"):
        return "by", value
    return kind, value


def _day_before(value: str | None) -> str | None:
    """The EDTF day before ``value`` (``XXXX-05-01`` -> ``XXXX-04-30``); None if not a day."""
    if value is None or len(value) != 10:
        return None
    year = value[:4]
    try:
        day = datetime.date.fromisoformat(("2001" if year == "XXXX" else year) + value[4:])
    except ValueError:
        return None
    before = day - datetime.timedelta(days=1)
    out = before.isoformat()
    return "XXXX" + out[4:] if year == "XXXX" else out


def _quoted_whole(f: Found, text: str) -> Found:
    """An expression with its quotation marks balanced: a quoted name stays whole.

    “三八”节 and “五一”国际劳动节 keep both marks, the opening one taken in from
    before the match; a mark at an edge with no partner inside is left out
    (“三八” -> 三八, 三八” -> 三八).
    """
    start, end, expr = f.start, f.end, f.text
    while expr and expr[0] in _QUOTES and not _closes_inside(expr[1:]):
        expr, start = expr[1:], start + 1
    while expr and expr[-1] in _QUOTES and not _opens_inside(expr[:-1]):
        expr, end = expr[:-1], end - 1
    first = next((ch for ch in expr if ch in _QUOTES), "")
    # (a straight mark first in the expression opens it: "十一")
    if first and first in _CLOSING_QUOTES and not expr.startswith(first):
        # the name's opening mark is before the match
        if start > 0 and text[start - 1] in _OPENING_QUOTES:
            expr, start = text[start - 1] + expr, start - 1  # “三八”节: the opening mark too
        else:  # a stray closing mark: keep the name before it
            cut = min(i for i, ch in enumerate(expr) if ch in _QUOTES)
            expr, end = expr[:cut], start + cut
    if start == f.start and end == f.end:
        return f
    return f._replace(start=start, end=end, text=expr)


def _closes_inside(expr: str) -> bool:
    return any(ch in _CLOSING_QUOTES for ch in expr)


def _opens_inside(expr: str) -> bool:
    return any(ch in _OPENING_QUOTES for ch in expr)


def _weekly(days: str) -> str | None:
    codes: list[str] = []
    chars = _WEEKLY_TOKEN.findall(days)
    i = 0
    while i < len(chars):
        ch = chars[i]
        if ch in ("至", "到", "-") and codes and i + 1 < len(chars):
            a = _WEEK_ORDER.index(codes[-1])
            b = _WEEK_ORDER.index(_WEEKDAYS[chars[i + 1]])
            codes.extend(_WEEK_ORDER[a + 1 : b + 1])
            i += 2
            continue
        if ch in _WEEKDAYS:
            codes.append(_WEEKDAYS[ch])
        i += 1
    if not codes:
        return None
    ordered = sorted(set(codes), key=_WEEK_ORDER.index)
    return "FREQ=WEEKLY;BYDAY=" + ",".join(ordered)


_UNITS = {
    "月": "FREQ=MONTHLY",
    "个月": "FREQ=MONTHLY",
    "季度": "FREQ=MONTHLY;INTERVAL=3",
    "个季度": "FREQ=MONTHLY;INTERVAL=3",
    "季": "FREQ=MONTHLY;INTERVAL=3",
    "半年": "FREQ=MONTHLY;INTERVAL=6",
    "半月": "FREQ=WEEKLY;INTERVAL=2",
    "年": "FREQ=YEARLY",
    "年度": "FREQ=YEARLY",
    "周": "FREQ=WEEKLY",
    "星期": "FREQ=WEEKLY",
    "双周": "FREQ=WEEKLY;INTERVAL=2",
    "两周": "FREQ=WEEKLY;INTERVAL=2",
    "两个月": "FREQ=MONTHLY;INTERVAL=2",
    "两月": "FREQ=MONTHLY;INTERVAL=2",
    "二个月": "FREQ=MONTHLY;INTERVAL=2",
    "双月": "FREQ=MONTHLY;INTERVAL=2",
    "二月": "FREQ=MONTHLY;INTERVAL=2",
    "两年": "FREQ=YEARLY;INTERVAL=2",
    "二年": "FREQ=YEARLY;INTERVAL=2",
    "天": "FREQ=DAILY",
    "日": "FREQ=DAILY",
    "学期": "FREQ=MONTHLY;INTERVAL=6",
    "学年": "FREQ=YEARLY",
}


def _every(g: dict[str, Any]) -> str | None:
    if g.get("twice"):
        return "FREQ=WEEKLY;INTERVAL=2"
    if g.get("yearly"):
        return "FREQ=YEARLY"
    if g.get("biyear"):
        return "FREQ=YEARLY;INTERVAL=2"
    if g.get("ytimes"):
        return "FREQ=YEARLY" if g["ytimes"] == "一次" else "FREQ=MONTHLY;INTERVAL=6"
    if g.get("bimonth"):
        return "FREQ=MONTHLY;INTERVAL=2"
    unit = g.get("unit") or g.get("unit2") or g.get("unit3") or g.get("half")
    if unit is None:
        return None
    base = _UNITS.get(unit)
    if base is None:
        return None
    times = g.get("times") or g.get("times3") or ""
    if unit in ("年", "年度") and times in ("两次", "二次"):
        return "FREQ=MONTHLY;INTERVAL=6"
    if unit in ("月", "个月") and times in ("两次", "二次"):
        return "FREQ=WEEKLY;INTERVAL=2"
    return base


@lru_cache(maxsize=1024)
def _lunar_to_solar(year: int, month: int, day: int) -> str | None:
    try:
        from lunardate import LunarDate
    except ImportError:  # pragma: no cover - lunardate is a core dependency
        return None
    try:
        solar = LunarDate(year, month, day).to_solar_date()
    except (ValueError, AttributeError):
        try:
            solar = LunarDate(year, month, day).toSolarDate()
        except ValueError:
            return None
    return f"{solar.year:04d}-{solar.month:02d}-{solar.day:02d}"


def find_deadlines(
    text: str, *, year: int | None = None, school_year: bool = False
) -> list[Deadline]:
    """Deadlines in ``text`` with spans into it (no normalisation; pass simplified text).

    示例: ``find_deadlines("每季度召开一次")[0].rrule == "FREQ=MONTHLY;INTERVAL=3"``.
    """
    return [
        f.deadline(Span(f.start, f.end))
        for f in _default_extractor().find(text, year=year, school_year=school_year)
    ]


@lru_cache(maxsize=1)
def _default_extractor() -> DeadlineExtractor:
    """One extractor for :func:`find_deadlines` (loading the grammar takes a while)."""
    return DeadlineExtractor()
