"""Normalised text and its offset map: :class:`NormalizedText` and the edits that carry the map.

Every step of the :class:`~unionnlp.normalize.Normalizer` that changes the
text does so through edits (``(start, end, replacement)``, :data:`Edit`)
applied by :func:`_apply_edits`, which carries ``starts``/``ends`` (the
original characters each normalised character came from) along; :func:`_map`
turns a range of the text at any step back into a span of the original.
:func:`_scan` is the timed regex scan the steps share, and :class:`RuleStep`
the rule table the rule-driven steps load once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import regex

from .._patterns import LEADING_FLAGS, first_chars, matches_at, may_begin
from ..errors import ProcessingTimeout, regex_timeout
from ..model import Notice, Placeholder, Script, Span
from ..resources import Rule, load_rules

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    IntArray = npt.NDArray[np.int64]
    CodeArray = npt.NDArray[np.uint32]
    BoolArray = npt.NDArray[np.bool_]

__all__ = ["Edit", "NormalizedText", "Removal"]


@dataclass(frozen=True, slots=True)
class Removal:
    """A stretch of the original removed as boilerplate, with the rule that removed it."""

    rule: str
    span: Span


@dataclass(frozen=True, eq=False)
class NormalizedText:
    """Normalised text with an offset map into the original.

    ``starts[i]``/``ends[i]`` give the original characters that normalised
    character ``i`` came from; :meth:`span` maps a normalised range back.
    """

    original: str
    text: str
    starts: IntArray = field(repr=False)
    ends: IntArray = field(repr=False)
    script: Script = "unknown"
    conversion: str | None = None
    warnings: tuple[Notice, ...] = ()
    placeholders: tuple[Placeholder, ...] = ()
    removed: tuple[Removal, ...] = ()

    def span(self, start: int, end: int, *, anchor: str = "next") -> Span:
        """Map the normalised range ``[start, end)`` to a span of the original.

        An empty range maps to an empty span at the original position of the
        next character (``anchor="next"``) or right after the previous one
        (``anchor="previous"``); the two differ where removed text lies between.
        """
        n = len(self.text)
        if not (0 <= start <= end <= n):
            raise IndexError(f"range [{start}, {end}) outside normalised text of length {n}")
        if start < end:
            return Span(self.starts.item(start), self.ends.item(end - 1))
        if (anchor == "previous" and start > 0) or start == n:
            pos = self.ends.item(start - 1) if start > 0 else 0
        else:
            pos = self.starts.item(start)
        return Span(pos, pos)

    def norm_range(self, span: Span) -> tuple[int, int]:
        """The normalised range ``[start, end)`` whose characters came from ``span``."""
        import numpy as np

        start = int(np.searchsorted(self.starts, span.start, side="left"))
        end = int(np.searchsorted(self.starts, span.end, side="left"))
        return start, max(start, end)

    def norm_ranges(self, spans: Sequence[Span]) -> list[tuple[int, int]]:
        """``[self.norm_range(span) for span in spans]`` in one numpy call.

        Stages map every measure of a plan at once: a call a measure costs more
        than the work most measures need.
        """
        import numpy as np

        edges = [x for span in spans for x in (span.start, span.end)]
        found: list[int] = np.searchsorted(self.starts, edges, side="left").tolist()
        # (a, max(a, b)), the builtin's call written out
        return [(a, b if b > a else a) for a, b in zip(found[::2], found[1::2], strict=True)]

    def original_text(self, start: int, end: int) -> str:
        """The original characters behind the normalised range ``[start, end)``."""
        return self.span(start, end).slice(self.original)


Edit = tuple[int, int, str]


def _code_points(text: str) -> CodeArray:
    """The code points of ``text`` (lone surrogates included) as a read-only array."""
    import numpy as np

    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def _apply_edits(
    text: str, starts: IntArray, ends: IntArray, edits: Sequence[Edit]
) -> tuple[str, IntArray, IntArray]:
    """Apply sorted ``(start, end, replacement)`` edits, carrying the map.

    Of two overlapping edits the earlier one wins. Many deletions (pinyin
    glosses) are applied in one vectorised pass, which costs about as much as
    a hundred edits applied one by one.
    """
    import numpy as np

    if not edits:
        return text, starts, ends
    if len(edits) * 100 > len(text) and not any(repl for _, _, repl in edits):
        return _delete(text, starts, ends, edits)
    pieces: list[str] = []
    new_starts: list[IntArray] = []
    new_ends: list[IntArray] = []
    pos = 0
    n = len(text)
    for s, e, repl in edits:
        if s < pos:  # overlapping edit: the earlier one wins
            continue
        if s > pos:
            pieces.append(text[pos:s])
            new_starts.append(starts[pos:s])
            new_ends.append(ends[pos:s])
        if repl:
            if e > s:
                o_s, o_e = int(starts[s]), int(ends[e - 1])
            else:
                o_s = int(starts[s]) if s < n else (int(ends[n - 1]) if n else 0)
                o_e = o_s
            pieces.append(repl)
            new_starts.append(np.full(len(repl), o_s, dtype=np.int64))
            new_ends.append(np.full(len(repl), o_e, dtype=np.int64))
        pos = e
    if pos < n:
        pieces.append(text[pos:])
        new_starts.append(starts[pos:])
        new_ends.append(ends[pos:])
    if not new_starts:
        empty = np.zeros(0, dtype=np.int64)
        return "", empty, empty.copy()
    return "".join(pieces), np.concatenate(new_starts), np.concatenate(new_ends)


def _delete(
    text: str, starts: IntArray, ends: IntArray, edits: Sequence[Edit]
) -> tuple[str, IntArray, IntArray]:
    """:func:`_apply_edits` for deletions: one mask over the text instead of a piece per edit."""
    import numpy as np

    lo: list[int] = []
    hi: list[int] = []
    pos = 0
    for s, e, _ in edits:
        if s >= pos:  # overlapping edit: the earlier one wins
            lo.append(s)
            hi.append(e)
            pos = e
    n = len(text)
    depth = np.cumsum(np.bincount(lo, minlength=n + 1) - np.bincount(hi, minlength=n + 1))
    keep = depth[:n] == 0
    kept = _code_points(text)[keep].tobytes().decode("utf-32-le", "surrogatepass")
    return kept, starts[keep], ends[keep]


def _map(starts: IntArray, ends: IntArray, s: int, e: int, n_orig: int) -> Span:
    """The span of the original behind the range ``[s, e)`` of a text with this map.

    An empty range maps to an empty span at the original position of the next
    character (the end of the original past the last one).
    """
    if s >= e:
        pos = int(starts[s]) if s < len(starts) else n_orig
        return Span(pos, pos)
    return Span(int(starts[s]), int(ends[e - 1]))


def _scan(
    pattern: regex.Pattern[str],
    text: str,
    budget: float,
    stage: str,
    *,
    lines: dict[str, list[int]] | None = None,
) -> Iterator[regex.Match[str]]:
    """``pattern.finditer(text)`` within ``budget`` seconds, or :class:`ProcessingTimeout`
    (:func:`~unionnlp.errors.regex_timeout` says when no budget is needed).

    With ``lines`` (:func:`_lines_by_first` of ``text``), a pattern that
    :func:`_line_anchored` finds anchored is tried at the starts of lines only
    (:func:`_at_line_starts`): the same matches.
    """
    try:
        timeout = regex_timeout(pattern, len(text), budget)
        if lines is not None and _line_anchored(pattern):
            yield from _at_line_starts(pattern, text, timeout, lines)
            return
        # by position (keywords are slow): concurrent=False keeps the GIL, see README Speed
        yield from pattern.finditer(text, None, None, False, False, False, timeout)
    except TimeoutError as err:
        raise ProcessingTimeout.during(f"normalisation ({stage})", len(text), budget) from err


_NEWLINE = re.compile("\n")
#: verdicts of :func:`_line_anchored` by pattern
_ANCHORED: dict[regex.Pattern[str], bool] = {}


def _line_anchored(pattern: regex.Pattern[str]) -> bool:
    """Whether every match of ``pattern`` starts where a line does: it is multi-line and
    begins with ``^`` (after inline flags), and no ``|`` outside its groups and sets
    offers a start without it."""
    known = _ANCHORED.get(pattern)
    if known is not None:
        return known
    source = pattern.pattern
    at = LEADING_FLAGS.match(source).end()  # type: ignore[union-attr]  # (matches empty)
    # (``regex``'s WORD flag would make other line breaks end lines too)
    multiline = pattern.flags & (regex.MULTILINE | regex.WORD) == regex.MULTILINE
    anchored = multiline and source.startswith("^", at)
    depth = 0
    in_set = False
    i = at
    while anchored and i < len(source):
        ch = source[i]
        if ch == "\\":
            i += 2
            continue
        if in_set:
            in_set = ch != "]"
        elif ch == "[":
            in_set = True
            i += 2 if source.startswith("^", i + 1) else 1
            if source.startswith("]", i):
                i += 1  # a ``]`` that opens a set is one of its members
            continue
        elif ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            anchored = False
        i += 1
    if len(_ANCHORED) >= 1024:
        _ANCHORED.clear()  # (a caller compiling patterns without end keeps none alive)
    _ANCHORED[pattern] = anchored
    return anchored


def _at_line_starts(
    pattern: regex.Pattern[str],
    text: str,
    timeout: float | None,
    lines: dict[str, list[int]] | None = None,
) -> Iterator[regex.Match[str]]:
    """``pattern.finditer(text)`` for a pattern whose matches all start where a line does
    (:func:`_line_anchored`), tried at those places only.

    A multi-line ``^`` holds only at the start of the text and after ``\\n``; a
    ``finditer`` of such a pattern tries every other place in vain, and each try costs
    about what a whole line costs here. Of the lines, only those whose first character
    may begin a match (:func:`~unionnlp._patterns.first_chars`) are tried. The tries
    share ``timeout`` as ``finditer`` does. ``lines`` is :func:`_lines_by_first` of ``text``
    (read here when not given: the rules of a step read one text one after another, and
    the step reads its lines once).
    """
    if lines is None:
        lines = _lines_by_first(text)
    first = first_chars(pattern)
    if first is None:
        starts = lines[""]
    else:
        starts = []
        for ch, at in lines.items():
            if ch and may_begin(first, ch):
                starts += at
        starts.sort()
    return matches_at(pattern, text, starts, len(text) + 1, timeout)


def _lines_by_first(text: str) -> dict[str, list[int]]:
    """The starts of the lines of ``text`` (``0`` and after each ``\\n``) by their first
    character (a line at the end of the text has none); ``""``: all of them."""
    starts = [0, *[m.end() for m in _NEWLINE.finditer(text)]]
    lines: dict[str, list[int]] = {"": starts}
    for p in starts:
        ch = text[p : p + 1]
        if ch:
            at = lines.get(ch)
            if at is None:
                lines[ch] = [p]
            else:
                at.append(p)
    return lines


class RuleStep:
    """A step driven by one table of the rules file, loaded on first use.

    Args:
        rules_path: the rules file (``normalize.toml`` names the shipped one).
    """

    #: the table of the rules file the step runs, and the regex flags it compiles with
    table: str = "rule"
    flags: int = 0

    def __init__(self, rules_path: str | Path) -> None:
        self.rules_path = rules_path

    @cached_property
    def rules(self) -> list[Rule]:
        return load_rules(self.rules_path, self.table, flags=self.flags)
