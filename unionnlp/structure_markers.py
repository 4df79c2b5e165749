"""Structure, step 1: scan the normalised text for numbering markers and month headings.

The rules come from ``data/markers.toml``: each ``[[family]]`` is one kind of
marker (``一、``, ``（一）``, ``1.``, ``①``, ``一是``, dash items…), each
``[[month]]`` a month heading of a schedule (``3月份：``). :class:`MarkerScanner`
turns a text into a :class:`MarkerScan`: the candidates in reading order
(overlaps resolved, each with the context it stands in), the month headings,
and the stretches too dense with marker-like strings to be numbering. Which
candidates are sections is decided later (:mod:`unionnlp.structure_tree`).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import regex

from ._numerals import read_number
from ._structure_text import CLOSERS, SENTENCE_END, scan
from .errors import DataFileError
from .resources import Rule, load_rules, load_toml

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "Candidate",
    "Family",
    "MarkerScan",
    "MarkerScanner",
    "MonthHeading",
    "cn_to_int",
    "marker_variant",
]

_WORD_NUMBERS = {"首先": 1, "其次": 2, "再次": 3, "再者": 3, "然后": 3, "最后": None}

# Hostile input: a window holding marker-like strings at several times the density of
# any real plan (real plans stay under 4 per 100 characters) is junk, not numbering.
_ROUGH_MARKER = regex.compile(
    r"[一二三四五六七八九十]\s*[、.．，,。]|(?<![0-9])[0-9]{1,2}\s*[、.．，,)）]"
    r"|[（(〔【\[][一二三四五六七八九十0-9]{1,2}[）)〕】\]]|[①-⑳⑴-⒇⒈-⒛]"
    r"|[一二三四五六七八九十](?:是|要)|——"
)

# Every match of _ROUGH_MARKER holds one of these (a numeral, an enclosed number, a dash),
# so a window holding at most _JUNK_LIMIT of them cannot be junk.
_ROUGH_CHARS = "0123456789一二三四五六七八九十—" + "".join(map(chr, range(0x2460, 0x249C)))

_JUNK_WINDOW = 2048

_JUNK_LIMIT = 200

_DIGITS_OF_MARKER = str.maketrans(
    "",
    "",
    "0123456789一二三四五六七八九十〇零两ⅠⅡⅢⅣⅤⅥⅦⅧⅨⅩⅪⅫⅰⅱⅲⅳⅴⅵⅶⅷⅸⅹⅺⅻ"
    "㈠㈡㈢㈣㈤㈥㈦㈧㈨㈩①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇⒈⒉⒊⒋⒌⒍⒎⒏⒐⒑⒒⒓⒔⒕⒖⒗⒘⒙⒚⒛",
)

_DECIMAL_DOT = regex.compile(r"[.．]")

# A character of a word (not a numeral) that a half-width full stop may close a sentence after.
_HAN_WORD = regex.compile(r"(?![一二三四五六七八九十〇零两])\p{Han}")

_ITEM_AFTER_MONTH = regex.compile(r"[1-9][0-9]?[ \t]*[、.．](?![0-9])")


@functools.cache
def _rough_table() -> npt.NDArray[np.bool_]:
    """Indexed by code point below U+FFFF (all of :data:`_ROUGH_CHARS` are): True for them."""
    import numpy as np

    table = np.zeros(0x10000, dtype=np.bool_)
    table[[ord(ch) for ch in _ROUGH_CHARS]] = True
    return table


@functools.lru_cache(maxsize=4096)
def cn_to_int(numeral: str) -> int | None:
    """Read a Chinese numeral from 〇 to 九十九 (``"十二"`` -> 12); ``None`` if it is not one.

    示例: ``cn_to_int("二十三") == 23``.
    """
    if not numeral or numeral.isdigit() or len(numeral) > 3:
        return None
    if len(numeral) == 2 and "十" not in numeral and numeral[0] in "〇零○":
        return None
    value = read_number(numeral)
    return value if value is not None and value <= 99 else None


@dataclass(frozen=True)
class Family:
    """One kind of marker (a ``[[family]]`` of the markers file) and how to read it."""

    name: str  # key for levels: aliases share it (⑴ is (1))
    rule: Rule
    rank: float | None
    numeral: str
    group: str
    line_only: bool
    strong_only: bool = False  # only at a line start, after a sentence end or a month heading
    under_heading: bool = False  # only inside a numbered section (never a plan's first marker)
    continues_only: bool = False  # only as the next number of the innermost list in force


@dataclass(slots=True)
class Candidate:
    """A string that may be a numbering marker, where it stands and in what context."""

    start: int
    end: int
    family: Family
    num: int | None
    word: str
    marker: str
    # "ls" line start, "se" after sentence end, "cm" after comma, "gl" glued, "sp" after
    # blanks that follow a word (text whose line breaks became spaces, as in PDF previews)
    ctx: str


class MonthHeading(NamedTuple):
    """A month heading of a schedule (``3月份：``): where the month starts, where the
    heading ends (its colon included), and the month as written."""

    start: int
    end: int
    label: str


class MarkerScan(NamedTuple):
    """What the scan passes on: candidates in reading order, month headings (sorted),
    and the junk stretches (``(start, end)``) that were not read for markers."""

    candidates: list[Candidate]
    months: list[MonthHeading]
    junk: list[tuple[int, int]]


class MarkerScanner:
    """Finds marker candidates and month headings with the rules of a markers file.

    Args:
        path: the markers file (``markers.toml`` of ``unionnlp/data`` or a path).

    Raises (on first use):
        DataFileError: the markers file is invalid.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = path
        self._compiled: dict[str, regex.Pattern[str]] = {}

    def __call__(self, text: str, budget: float) -> MarkerScan:
        """The candidates, month headings and junk stretches of ``text``."""
        months = self.months(text, budget)
        cands, junk = self.candidates(text, budget)
        if months:
            cands = self.split_month_cells(text, cands, months)
        return MarkerScan(cands, months, junk)

    @cached_property
    def families(self) -> list[Family]:
        families = []
        for rule in load_rules(self.path, "family"):
            families.append(
                Family(
                    name=str(rule.get("family_alias", rule.name)),
                    rule=rule,
                    rank=rule.get("rank"),
                    numeral=str(rule.get("numeral", "arabic")),
                    group=str(rule.get("group", rule.name)),
                    line_only=bool(rule.get("line_only", False)),
                    strong_only=bool(rule.get("strong_only", False)),
                    under_heading=bool(rule.get("under_heading", False)),
                    continues_only=bool(rule.get("continues_only", False)),
                )
            )
        return families

    @cached_property
    def month_rules(self) -> list[Rule]:
        return load_rules(self.path, "month")

    def has_marker_text(self, text: str) -> bool:
        return any(
            f.rank is not None and f.rule.pattern.search(text) is not None
            for f in self.families
            if f.rank in (0, 1)
        )

    def starts_with_marker(self, line: str) -> bool:
        return self.leading_marker(line) is not None

    def leading_marker(self, line: str) -> tuple[Family, int] | None:
        """The family of the marker that opens ``line`` (after blanks) and the offset in
        ``line`` where the marker ends; the longest marker when several families match."""
        stripped = line.lstrip()
        lead = len(line) - len(stripped)
        best: tuple[Family, int] | None = None
        for f in self.families:
            # by position (keywords are slow): concurrent=False keeps the GIL, see README Speed
            m = f.rule.pattern.match(stripped, None, None, False)
            if m is not None and m.start() == 0 and (best is None or m.end() + lead > best[1]):
                best = (f, m.end() + lead)
        return best

    def _festival(self, fam: Family) -> regex.Pattern[str]:
        key = f"festival:{fam.rule.name}"
        if key not in self._compiled:
            source = fam.rule.get("festival", "(?!)")
            self._compiled[key] = regex.compile(
                source.replace("{FEST}", self._vars().get("FEST", "(?!)"))
            )
        return self._compiled[key]

    def _vars(self) -> dict[str, str]:
        data = load_toml(self.path)
        return {str(k): str(v) for k, v in data.get("vars", {}).items()}

    def months(self, text: str, budget: float) -> list[MonthHeading]:
        found = []
        for rule in self.month_rules:
            if not rule.may_match(text):
                continue
            for m in scan(rule.pattern, text, budget):
                # (from the month itself: a rule may take the blanks before it)
                found.append(MonthHeading(m.start("month"), m.end(), m.group("month")))
        found.sort()
        return found

    def split_month_cells(
        self, text: str, cands: list[Candidate], months: list[MonthHeading]
    ) -> list[Candidate]:
        """The candidates with the item number after a month cell read on its own.

        In a flattened month table the month cell runs into the item number of its
        first row (``31、`` is month 3, item 1、; ``101、`` is month 10, item 1、).
        """
        family = next((f for f in self.families if f.numeral == "arabic"), None)
        by_start = {c.start: c for c in cands}
        changed = False
        for ms, me, _ in months:
            m = _ITEM_AFTER_MONTH.match(text, me)
            if family is None or m is None or not text[ms:me].isdigit():
                continue
            c = by_start.pop(ms, None)
            fam = c.family if c is not None and c.family.numeral == "arabic" else family
            marker = m.group().rstrip()
            num = int(marker.rstrip("、.．， \t"))
            by_start[me] = Candidate(me, me + len(marker), fam, num, "", marker, "gl")
            changed = True
        return sorted(by_start.values(), key=attrgetter("start")) if changed else cands

    @staticmethod
    def junk_windows(text: str) -> list[tuple[int, int]]:
        """Stretches whose density of marker-like strings no real plan reaches.

        Only windows holding more than :data:`_JUNK_LIMIT` of :data:`_ROUGH_CHARS`
        (counted at once, vectorised) can be junk; only those are scanned.
        """
        import numpy as np

        junk: list[tuple[int, int]] = []
        if not text:
            return junk
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        rough = _rough_table().take(codes, mode="clip")
        counts = np.add.reduceat(rough, np.arange(0, len(text), _JUNK_WINDOW), dtype=np.int64)
        for w in (np.flatnonzero(counts > _JUNK_LIMIT) * _JUNK_WINDOW).tolist():
            if len(_ROUGH_MARKER.findall(text, w, w + _JUNK_WINDOW)) > _JUNK_LIMIT:
                if junk and junk[-1][1] >= w:
                    junk[-1] = (junk[-1][0], min(len(text), w + _JUNK_WINDOW))
                else:
                    junk.append((w, min(len(text), w + _JUNK_WINDOW)))
        return junk

    def candidates(self, text: str, budget: float) -> tuple[list[Candidate], list[tuple[int, int]]]:
        """Marker candidates in reading order (overlaps resolved), and the junk stretches."""
        raw: list[Candidate] = []
        junk = self.junk_windows(text)
        stretches: list[tuple[int, int]] = []
        pos = 0
        for js, je in junk:
            if js > pos:
                stretches.append((pos, js))
            pos = je
        if pos < len(text):
            stretches.append((pos, len(text)))
        for fam, matches in self._family_matches(text, budget, stretches):
            has_num = "num" in fam.rule.pattern.groupindex
            digit_rule = bool(fam.rule.get("digit_after_only_at_line_start"))
            for m in matches:
                num: int | None
                word = ""
                token = m.group("num") if has_num else None
                if fam.numeral == "none":
                    num = None
                elif token is None:
                    continue
                elif fam.numeral == "cn":
                    num = cn_to_int(token) if not token.isdigit() else int(token)
                elif fam.numeral == "arabic":
                    num = int(token)
                elif fam.numeral == "circled":
                    num = ord(token) - 0x245F
                elif fam.numeral == "paren_circled":
                    num = ord(token) - 0x2473
                elif fam.numeral == "paren_ideograph":
                    num = ord(token) - 0x321F
                elif fam.numeral == "dotted":
                    num = ord(token) - 0x2487
                elif fam.numeral == "decimal":
                    num = int(_DECIMAL_DOT.split(token)[-1])
                elif fam.numeral == "word":
                    word = token
                    num = _WORD_NUMBERS.get(token)
                elif fam.numeral == "roman":
                    num = (ord(token) - 0x215F) if token < "\u2170" else (ord(token) - 0x216F)
                else:
                    raise DataFileError(self.path, f"family {fam.name!r}: unknown numeral")
                if num is None and fam.numeral not in ("none", "word"):
                    continue
                start, end = m.span()
                ctx = _context(text, start)
                if fam.line_only and ctx != "ls":
                    continue
                if (
                    ctx != "ls"
                    and digit_rule
                    and end < len(text)
                    and text[end].isdigit()
                    and not self._festival(fam).match(text, end)
                ):
                    continue
                marker = m.group().rstrip()
                fam_key = fam
                if fam.numeral == "decimal" and token is not None:
                    depth = len(_DECIMAL_DOT.findall(token))
                    fam_key = Family(
                        name=f"decimal{depth}",
                        rule=fam.rule,
                        rank=fam.rank,
                        numeral=fam.numeral,
                        group=f"decimal{depth}",
                        line_only=True,
                    )
                raw.append(Candidate(start, start + len(marker), fam_key, num, word, marker, ctx))
        # reading order, the longer of two candidates at one offset first (sorts are stable)
        raw.sort(key=lambda c: c.start - c.end)
        raw.sort(key=attrgetter("start"))
        cands: list[Candidate] = []
        last_end = -1
        for c in raw:
            if c.start < last_end:
                continue
            cands.append(c)
            last_end = c.end
        return cands, junk

    def _family_matches(
        self, text: str, budget: float, stretches: list[tuple[int, int]]
    ) -> Iterator[tuple[Family, list[regex.Match[str]]]]:
        """Each family with its matches in the stretches (in order)."""
        for fam in self.families:
            matches: list[regex.Match[str]] = []
            if not fam.rule.may_match(text):
                yield fam, matches
                continue
            for a, b in stretches:
                matches.extend(scan(fam.rule.pattern, text, budget, a, b))
            yield fam, matches


def _context(text: str, pos: int) -> str:
    i = pos - 1
    while i >= 0 and text[i] in " \t":
        i -= 1
    # Leading punctuation at the start of a line (`:一、…`) still counts as a line start.
    j = i
    while j >= 0 and text[j] in ":：,，.。、" and (j == 0 or text[j - 1] == "\n" or j == i):
        if j == 0 or text[j - 1] == "\n":
            return "ls"
        j -= 1
    if i < 0 or text[i] == "\n":
        return "ls"
    ch = text[i]
    if ch in SENTENCE_END or ch in "：:":
        return "se"
    if ch in ".．" and i > 0 and _HAN_WORD.match(text[i - 1]):
        return "se"  # a half-width full stop after a word (`…信心.（一）`), not after `二.`
    if ch in CLOSERS:
        return "se"
    if ch in "、，,":
        return "cm"
    return "sp" if i < pos - 1 else "gl"


def marker_variant(marker: str) -> str:
    """The marker without its digits (``（一）`` -> ``（）``): its punctuation style."""
    return marker.translate(_DIGITS_OF_MARKER)
