"""Structure: split a text into plans, numbered sections and measures.

Union plans follow the official numbering ladder (一、 > （一） > 1. > （1） > ①)
but scraped files break it in every way. The parser works on the normalised
text (see :mod:`unionnlp.normalize`) in four passes:

1. **Documents.** Compilation markers (``篇一``, ``【第二篇】``, ``…计划3``) and
   plan title lines (naming 计划/要点/思路/安排/方案 with 工会 or a time) cut
   the text into segments; a restart of top-level numbering at 一 inside a
   segment that is not a compilation piece starts a new plan.
2. **Markers.** Candidates come from the rules in ``data/markers.toml``; a
   candidate is a section only if it fits the numbering in force: it
   continues a list (``n == last + 1``), opens a list one level down
   (``n == 1``), or restarts a list after a heading. Mid-line candidates
   (run-on text) must continue a sequence, or open a child list right after a
   heading whose title has not ended yet (``…工作水平1、明确…``).
3. **Hierarchy.** Marker families take levels in order of first appearance
   (the real nesting); ranked families never nest under inline ones
   (``一是``, ``首先``); gaps, repeats and odd starts become warnings.
4. **Titles, bodies, measures.** A title runs from the marker to the first
   ``。``, ``：`` or line end, or to the next marker; the body runs to the next
   sibling or ancestor. Measures are the leaves, with month headings of
   schedules (``3月份：``) and long unnumbered bodies split further.

All offsets are computed on the normalised text and mapped back to the
original before they are stored.

示例::

    >>> from unionnlp.structure import StructureParser
    >>> from unionnlp.normalize import Normalizer
    >>> norm = Normalizer()("一、加强组织建设，提高水平1、明确分工。2、调整小组。")
    >>> [s.marker for s in StructureParser()(norm)[0].sections]
    ['一、', '1、', '2、']
"""

from __future__ import annotations

import bisect
import functools
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import regex

from ._numerals import read_number
from .errors import DataFileError, ProcessingTimeout, scan_budget
from .model import Measure, Notice, Placeholder, Plan, Section, Source, Span, Table
from .normalize import NormalizedText
from .resources import Rule, load_rules, load_toml

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["StructureParser", "Table", "cn_to_int", "measures_from_table"]

logger = logging.getLogger(__name__)

_WORD_NUMBERS = {"首先": 1, "其次": 2, "再次": 3, "再者": 3, "然后": 3, "最后": None}
_SENTENCE_END = set("。！？!?；;")
_CLOSERS = set('）)”」』》】’"')
_TITLE_END = set("。：:\n！？!?；;")
_ACTION = regex.compile(
    r"开展|组织|举办|做好|加强|建立|完善|推进|落实|召开|实施|推动|发放|慰问|评选|参加|制定|坚持|"
    r"深化|健全|提高|抓好|搞好|办好|维护|引导|培训|宣传|督促|检查|表彰|选举|收缴|申报|发挥|建设|"
    r"配合|协助|牵头|负责|完成|确保|力争|争取|打造|筹备|成立|增强|关心|帮助|走访|规范|创建|"
    r"要|将|把"
)
# Lines that open a plan (its guiding idea, its year): they belong to the plan that follows.
_OPENING = regex.compile(
    r"指导思想|总体要求|总体思路|工作思路|现制定|如下[:：]?$|工作(?:计划|要点)|"
    r"^\s*\S{0,8}(?:年|\d{4})[，,]|年是"
)
_FORTY_LETTERS = regex.compile(r"(?:\s*\S){40}")  # forty non-blank characters
_SCHOOL_TERM = regex.compile(r"学年|学期")
_MONTH_PLAN = regex.compile(r"\d{1,2}月份?(?:工作)?(?:计划|安排)")
_YEAR_WORD = regex.compile(r"年|年度|全年")
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
_SENTENCE_SPLIT = regex.compile(r"[。！？!?；;\n]")
_TITLE_STOP = regex.compile(r"[。：:\n]")
# A self-reference to the writing unit (我院工会 names 院工会).
_SELF_UNIT = (
    r"我(?P<own>[院校局司所厂矿站处委部]|公司|项目部?|机关|中心|学校|医院|镇|区|县|街道)"
    r"工会"
)
_DIGITS_OF_MARKER = str.maketrans(
    "",
    "",
    "0123456789一二三四五六七八九十〇零两①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳⑴⑵⑶⑷⑸⑹⑺⑻⑼⑽⑾⑿⒀⒁⒂⒃⒄⒅⒆⒇⒈⒉⒊⒋⒌⒍⒎⒏⒐⒑⒒⒓⒔⒕⒖⒗⒘⒙⒚⒛",
)
_DECIMAL_DOT = regex.compile(r"[.．]")
_TRAILING_NUMBER = regex.compile(r"\s*\d+$")
_COUNT_HEADER = regex.compile(r"[0-9一二三四五六七八九十]+篇")


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


# ---------------------------------------------------------------------------
# Rules


@dataclass(frozen=True)
class _Family:
    name: str  # key for levels: aliases share it (⑴ is (1))
    rule: Rule
    rank: float | None
    numeral: str
    group: str
    line_only: bool
    strong_only: bool = False  # only at a line start, after a sentence end or a month heading
    under_heading: bool = False  # only inside a numbered section (never a plan's first marker)


@dataclass(slots=True)
class _Cand:
    start: int
    end: int
    family: _Family
    num: int | None
    word: str
    marker: str
    # "ls" line start, "se" after sentence end, "cm" after comma, "gl" glued, "sp" after
    # blanks that follow a word (text whose line breaks became spaces, as in PDF previews)
    ctx: str


@dataclass(slots=True)
class _Frame:
    family: str
    group: str
    rank: float | None
    last: int | None
    sec: int
    variant: str
    level: int | None = None  # the list level the file states for the marker, if any


@dataclass(slots=True)
class _Sec:
    start: int
    marker_end: int
    family: str
    num: int | None
    marker: str
    depth: int
    parent: int | None
    rank: float | None = None
    title_start: int = 0
    title_end: int = 0
    end: int = 0


@dataclass(slots=True)
class _Segment:
    start: int
    end: int
    title: str | None = None
    title_start: int | None = None
    title_end: int | None = None
    compiled: bool = False  # a compilation piece: restarts do not split it
    header_only: bool = False  # a compilation header (…5篇): gives no title


#: a plan as the numbering pass leaves it: start, end, sections, raw warnings, its segment
_Doc = tuple[int, int, list[_Sec], list[Any], _Segment]


def _continues(before: list[_Doc], seg: _Segment, docs: list[_Doc]) -> bool:
    """Whether ``seg``, cut at a title-like line, only continues the plan before it.

    A new plan numbers afresh; when the first section after the line continues a
    list of the plan before it (``二、`` … title-like line … ``三、``; ``1、`` …
    ``2、``), the line is a heading, a quoted document or a wrapped line inside that
    plan. Compilation pieces (``篇二``) are new plans whatever their numbering.
    """
    if seg.compiled or seg.header_only or not docs or not docs[0][2] or not before:
        return False
    first = docs[0][2][0]
    if first.num is None or first.num < 2:
        return False
    last = next((s for s in reversed(before[-1][2]) if s.family == first.family), None)
    return last is not None and last.num is not None and first.num == last.num + 1


_COLUMN_ROLES = {
    "task": (
        "工作内容",
        "工作任务",
        "任务",
        "内容",
        "活动内容",
        "工作项目",
        "项目",
        "措施",
        "工作事项",
    ),
    "party": (
        "责任单位",
        "责任部门",
        "牵头单位",
        "牵头部门",
        "负责部门",
        "负责人",
        "责任人",
        "牵头",
        "配合单位",
        "协办单位",
    ),
    "deadline": ("完成时限", "完成时间", "时限", "时间", "时间安排", "进度安排", "日期"),
}


def measures_from_table(table: Table) -> list[Measure]:
    """Turn a plan table (序号 | 工作内容 | 责任单位 | 完成时限) into measures.

    The task column gives the measure's text and span; every cell is kept in
    ``Measure.columns`` under its header for the deadline and party stages.
    Rows without a task cell are skipped.
    """
    names = [text.strip() for text, _ in table.header]
    task_col = _find_column(names, "task")
    measures: list[Measure] = []
    for row in table.rows:
        if task_col is None or task_col >= len(row):
            continue
        text, span = row[task_col]
        if not text.strip():
            continue
        columns = tuple(
            (names[i] if i < len(names) else f"col{i + 1}", cell.strip())
            for i, (cell, _) in enumerate(row)
        )
        measures.append(Measure(text=text.strip(), span=span, columns=columns))
    return measures


def _find_column(names: Sequence[str], role: str) -> int | None:
    for i, name in enumerate(names):
        if any(key in name for key in _COLUMN_ROLES[role]):
            return i
    return None


# ---------------------------------------------------------------------------
# List levels the file states


def stated_levels(norm: NormalizedText, source: Source | None) -> dict[int, int]:
    """The list levels ``source`` states (:attr:`Source.levels`), by normalised offset.

    A reader that renders list numbers (Word's automatic numbering, HTML
    ``<ol>``) knows each number's list level; the key is where the number
    starts in ``norm.text``. Numbers the normaliser removed are left out.
    """
    if source is None or not source.levels or source.text != norm.original:
        return {}
    ranges = norm.norm_ranges([hint.span for hint in source.levels])
    return {
        start: hint.level
        for hint, (start, end) in zip(source.levels, ranges, strict=True)
        if end > start
    }


def _place_stated(
    level: int, stack: list[_Frame], guessed: tuple[str, int] | None
) -> tuple[str, int]:
    """Where a marker goes whose list level the file states: the stated level outranks
    what marker shapes suggest (``1.`` items under ``1.`` headings, told apart by
    ``w:ilvl`` only).

    Under an open item of a lower stated level, the marker is its child; next to
    one of the same or a higher level, it replaces that item and closes what is
    under it. The first item of a list (no stated level open) goes where the
    marker shapes put it (``guessed``), or below everything open.
    """
    for idx, frame in enumerate(stack):
        if frame.level is not None and frame.level >= level:
            return ("child", idx)
    inside = [idx for idx, frame in enumerate(stack) if frame.level is not None]
    if inside:
        return ("child", inside[-1] + 1)
    return guessed if guessed is not None else ("child", len(stack))


# ---------------------------------------------------------------------------


class StructureParser:
    """Split normalised text into :class:`Plan` objects with sections and measures.

    Args:
        rules: a markers file replacing ``data/markers.toml``.
        split_sentences_over: a leaf body longer than this many characters is
            split into one measure per action sentence.

    Raises (on first use):
        DataFileError: the markers file is invalid.
    """

    def __init__(self, *, rules: str | Path | None = None, split_sentences_over: int = 200) -> None:
        self.rules = rules
        self.split_sentences_over = split_sentences_over
        self._compiled: dict[str, regex.Pattern[str]] = {}

    # -- resources --------------------------------------------------------
    @cached_property
    def _path(self) -> str | Path:
        return self.rules if self.rules is not None else "markers.toml"

    @cached_property
    def families(self) -> list[_Family]:
        families = []
        for rule in load_rules(self._path, "family"):
            families.append(
                _Family(
                    name=str(rule.get("family_alias", rule.name)),
                    rule=rule,
                    rank=rule.get("rank"),
                    numeral=str(rule.get("numeral", "arabic")),
                    group=str(rule.get("group", rule.name)),
                    line_only=bool(rule.get("line_only", False)),
                    strong_only=bool(rule.get("strong_only", False)),
                    under_heading=bool(rule.get("under_heading", False)),
                )
            )
        return families

    @cached_property
    def month_rules(self) -> list[Rule]:
        return load_rules(self._path, "month")

    @cached_property
    def document_rules(self) -> list[Rule]:
        return load_rules(self._path, "document")

    @cached_property
    def title_rules(self) -> list[Rule]:
        return load_rules(self._path, "title")

    @cached_property
    def unit_names(self) -> tuple[str, ...]:
        data = load_toml("units.toml")
        names = data.get("suffixes")
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise DataFileError("units.toml", "'suffixes' must be a list of strings")
        return tuple(sorted(names, key=len, reverse=True))

    @cached_property
    def _unit_pattern(self) -> regex.Pattern[str]:
        names = "|".join(regex.escape(n) for n in self.unit_names)
        return regex.compile(r"(?P<self>" + _SELF_UNIT + r")|(?P<name>" + names + r")")

    @cached_property
    def _self_unit_pattern(self) -> regex.Pattern[str]:
        return regex.compile(_SELF_UNIT)

    # -- entry point --------------------------------------------------------
    def __call__(self, norm: NormalizedText, *, source: Source | None = None) -> list[Plan]:
        """Parse ``norm`` into plans (spans index ``norm.original``)."""
        text = norm.text
        budget = scan_budget(len(text))
        segments = self._segments(text, budget)
        months = self._months(text, budget)
        cands, junk = self._candidates(text, budget)
        if months:
            cands = self._split_month_cells(text, cands, months)
        cand_starts = [c.start for c in cands]  # in reading order
        stated = stated_levels(norm, source)

        def parse(seg: _Segment) -> list[_Doc]:
            lo = bisect.bisect_left(cand_starts, seg.start)
            hi = bisect.bisect_left(cand_starts, seg.end)
            return self._parse_segment(text, seg, cands[lo:hi], months, stated)

        parsed: list[tuple[_Segment, list[_Doc]]] = []
        for seg in segments:
            docs = parse(seg)
            if parsed and _continues(parsed[-1][1], seg, docs):
                # A title-like line inside a plan (a heading that repeats the plan's words, a
                # quoted document, a wrapped line) after which the numbering runs on: no new plan.
                prev = parsed.pop()[0]
                seg = replace(prev, end=seg.end)
                docs = parse(seg)
            parsed.append((seg, docs))
        plans: list[Plan] = []
        untitled: list[int] = []  # unnumbered plans that no title or compilation marker opens
        titles: set[str] = set()
        for k, (seg, docs) in enumerate(parsed):
            before = parsed[k - 1][0] if k else None
            # A title right under another one with nothing between is an entry of a list of
            # titles (related pages, a table of contents): without numbering it opens no plan.
            listed = (
                before is not None
                and before.title is not None
                and not text[before.start : before.end].strip()
            )
            for doc_start, doc_end, secs, warnings, seg_title in docs:
                plan = self._build_plan(
                    norm, source, len(plans), doc_start, doc_end, secs, warnings, seg_title, months
                )
                if plan is not None:
                    if not secs and (
                        listed
                        or (not seg.compiled and (plan.title is None or plan.title in titles))
                    ):
                        # (the page repeating a plan's title after it opens no plan either)
                        untitled.append(len(plans))
                    if plan.title is not None:
                        titles.add(plan.title)
                    plans.append(plan)
        if untitled and len(untitled) < len(plans):
            # Beside numbered or titled plans, such a stretch is the page around them (a
            # site header, a cover letter, a lead-in), not a plan of its own.
            plans = [
                replace(plan, index=i)
                for i, plan in enumerate(p for k, p in enumerate(plans) if k not in untitled)
            ]
        if not plans:
            plans.append(self._fallback_plan(norm, source))
        plans = _with_heading_year(plans, norm)
        if junk:
            notices = tuple(
                Notice(
                    "marker-junk",
                    "a stretch dense with marker-like strings was not read as"
                    " numbering (no real plan is that dense)",
                    norm.span(js, je),
                )
                for js, je in junk
            )
            plans[0] = replace(plans[0], warnings=plans[0].warnings + notices)
        return plans

    # -- pass 1: segments -----------------------------------------------------
    def _segments(self, text: str, budget: float) -> list[_Segment]:
        cuts: list[_Segment] = []
        for rule in self.document_rules:
            for m in self._rule_matches(rule, text, budget):
                line_start = text.rfind("\n", 0, m.start()) + 1
                # Title: the text before the marker on its line (after the last sentence end).
                head_from = line_start
                for i in range(m.start() - 1, max(line_start, m.start() - 60) - 1, -1):
                    if text[i] in _SENTENCE_END:
                        head_from = i + 1
                        break
                if m.start() - head_from > 60:
                    head_from = m.start()
                title = text[head_from : m.start()].strip(" \t:：")
                line_end = text.find("\n", m.end())
                line_end = len(text) if line_end < 0 else line_end
                tail = text[m.end() : line_end].strip(" \t:：")
                if rule.name == "compilation_prefix" and tail and len(tail) <= 40:
                    title = tail
                    body_from = line_end
                elif rule.name in ("compilation_suffix", "numbered_title"):
                    body_from = m.end()
                else:
                    body_from = m.end()
                if rule.name == "numbered_title":
                    title = m.group().strip()
                    title = _TRAILING_NUMBER.sub("", title)
                cuts.append(
                    _Segment(
                        start=head_from,
                        end=body_from,
                        title=title or None,
                        title_start=head_from if title else None,
                        title_end=(head_from + len(text[head_from : m.start()].rstrip()))
                        if title
                        else None,
                        compiled=True,
                    )
                )
        for rule in self.title_rules:
            for m in self._rule_matches(rule, text, budget):
                title = m.group("title").strip()
                if self._starts_with_marker(title):
                    continue  # `第二部分 2024年工作要点` is a section, not a plan title
                if _wrapped(text, m.start("title")):
                    continue  # a sentence cut by a hard line break (`…根据\n2024年工作要点`)
                if "《" in title and self._has_marker_text(text[: m.start()]):
                    continue  # a document the plan cites (`《市总工会2024年工作要点》`), inside it
                if any(c.start <= m.start() < max(c.end, c.start + 1) for c in cuts):
                    continue
                line_end = m.end()
                header_only = bool(_COUNT_HEADER.search(title))
                cuts.append(
                    _Segment(
                        start=m.start("title"),
                        end=line_end,
                        title=None if header_only else title,
                        title_start=None if header_only else m.start("title"),
                        title_end=None if header_only else m.start("title") + len(title),
                        header_only=header_only,
                    )
                )
        cuts.sort(key=lambda c: c.start)
        # Merge a title line with a compilation marker right after it, and repeated titles.
        merged: list[_Segment] = []
        for cut in cuts:
            if merged:
                prev = merged[-1]
                between = text[prev.end : cut.start]
                if not between.strip() and (
                    cut.compiled != prev.compiled or prev.header_only or cut.title == prev.title
                ):
                    if cut.compiled and not prev.compiled:
                        prev.compiled = True
                    if cut.title and (prev.title is None or prev.header_only):
                        prev.title, prev.title_start, prev.title_end = (
                            cut.title,
                            cut.title_start,
                            cut.title_end,
                        )
                        prev.header_only = False
                    prev.end = cut.end
                    continue
                if (
                    cut.title is not None
                    and cut.title == prev.title
                    and not cut.compiled
                    and not self._has_marker_text(between)
                ):
                    # The same title repeated after an intro paragraph: one plan.
                    continue
            merged.append(cut)
        segments: list[_Segment] = []
        first_start = merged[0].start if merged else len(text)
        segments.append(_Segment(start=0, end=first_start))
        for i, cut in enumerate(merged):
            nxt = merged[i + 1].start if i + 1 < len(merged) else len(text)
            segments.append(
                _Segment(
                    start=cut.end,
                    end=nxt,
                    title=cut.title,
                    title_start=cut.title_start,
                    title_end=cut.title_end,
                    compiled=cut.compiled,
                    header_only=cut.header_only,
                )
            )
        return segments

    def _rule_matches(self, rule: Rule, text: str, budget: float) -> Iterator[regex.Match[str]]:
        """The matches of a document or title rule in ``text``, in order.

        A rule with ``line_has`` (a pattern anchored at line starts whose
        every match starts on a line holding a match of one of the
        ``line_has`` patterns) is tried only at the starts of such lines: the
        same matches as a scan of the whole text, at a fraction of the cost
        (most lines hold no plan title).
        """
        line_has = self._line_has(rule)
        if not line_has:
            yield from _scan(rule.pattern, text, budget)
            return
        lines = sorted(
            {
                text.rfind("\n", 0, m.start()) + 1
                for pattern in line_has
                for m in _scan(pattern, text, budget)
            }
        )
        end = 0  # like a scan, no match starts inside the previous one
        for line_start in lines:
            if line_start < end:
                continue
            try:
                m = rule.pattern.match(text, line_start, timeout=budget)
            except TimeoutError as err:
                raise ProcessingTimeout.during("structure", len(text), budget) from err
            if m is not None:
                end = m.end()
                yield m

    def _line_has(self, rule: Rule) -> list[regex.Pattern[str]]:
        """The compiled ``line_has`` patterns of ``rule`` (a string or a list of them)."""
        source = rule.get("line_has", [])
        sources = [source] if isinstance(source, str) else source
        if not isinstance(sources, list) or not all(isinstance(p, str) for p in sources):
            raise DataFileError(self._path, f"rule {rule.name!r}: 'line_has' must be strings")
        patterns = []
        for i, pattern in enumerate(sources):
            key = f"line_has:{rule.name}:{i}"
            if key not in self._compiled:
                try:
                    self._compiled[key] = regex.compile(pattern)
                except regex.error as err:
                    raise DataFileError(
                        self._path, f"rule {rule.name!r}: bad 'line_has' pattern ({err})"
                    ) from err
            patterns.append(self._compiled[key])
        return patterns

    def _has_marker_text(self, text: str) -> bool:
        return any(
            f.rank is not None and f.rule.pattern.search(text) is not None
            for f in self.families
            if f.rank in (0, 1)
        )

    # -- pass 2: candidates -------------------------------------------------
    def _festival(self, fam: _Family) -> regex.Pattern[str]:
        key = f"festival:{fam.rule.name}"
        if key not in self._compiled:
            source = fam.rule.get("festival", "(?!)")
            self._compiled[key] = regex.compile(
                source.replace("{FEST}", self._vars().get("FEST", "(?!)"))
            )
        return self._compiled[key]

    def _vars(self) -> dict[str, str]:
        data = load_toml(self._path)
        return {str(k): str(v) for k, v in data.get("vars", {}).items()}

    def _months(self, text: str, budget: float) -> list[tuple[int, int, str]]:
        found = []
        for rule in self.month_rules:
            if not rule.may_match(text):
                continue
            for m in _scan(rule.pattern, text, budget):
                # (from the month itself: a rule may take the blanks before it)
                found.append((m.start("month"), m.end(), m.group("month")))
        found.sort()
        return found

    def _split_month_cells(
        self, text: str, cands: list[_Cand], months: list[tuple[int, int, str]]
    ) -> list[_Cand]:
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
            by_start[me] = _Cand(me, me + len(marker), fam, num, "", marker, "gl")
            changed = True
        return sorted(by_start.values(), key=attrgetter("start")) if changed else cands

    @staticmethod
    def _junk_windows(text: str) -> list[tuple[int, int]]:
        """Stretches whose density of marker-like strings no real plan reaches.

        Only windows holding more than :data:`_JUNK_LIMIT` of :data:`_ROUGH_CHARS`
        (counted at once, vectorised) can be junk; only those are scanned.
        """
        import numpy as np

        junk: list[tuple[int, int]] = []
        if not text:
            return junk
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        rough = _rough_table()[np.minimum(codes, 0xFFFF)]
        counts = np.add.reduceat(rough, np.arange(0, len(text), _JUNK_WINDOW), dtype=np.int64)
        for w in (np.flatnonzero(counts > _JUNK_LIMIT) * _JUNK_WINDOW).tolist():
            if len(_ROUGH_MARKER.findall(text, w, w + _JUNK_WINDOW)) > _JUNK_LIMIT:
                if junk and junk[-1][1] >= w:
                    junk[-1] = (junk[-1][0], min(len(text), w + _JUNK_WINDOW))
                else:
                    junk.append((w, min(len(text), w + _JUNK_WINDOW)))
        return junk

    def _candidates(self, text: str, budget: float) -> tuple[list[_Cand], list[tuple[int, int]]]:
        """Marker candidates in reading order (overlaps resolved), and the junk stretches."""
        raw: list[_Cand] = []
        junk = self._junk_windows(text)
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
                elif fam.numeral == "dotted":
                    num = ord(token) - 0x2487
                elif fam.numeral == "decimal":
                    num = int(_DECIMAL_DOT.split(token)[-1])
                elif fam.numeral == "word":
                    word = token
                    num = _WORD_NUMBERS.get(token)
                else:
                    raise DataFileError(self._path, f"family {fam.name!r}: unknown numeral")
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
                    fam_key = _Family(
                        name=f"decimal{depth}",
                        rule=fam.rule,
                        rank=fam.rank,
                        numeral=fam.numeral,
                        group=f"decimal{depth}",
                        line_only=True,
                    )
                raw.append(_Cand(start, start + len(marker), fam_key, num, word, marker, ctx))
        # reading order, the longer of two candidates at one offset first (sorts are stable)
        raw.sort(key=lambda c: c.start - c.end)
        raw.sort(key=attrgetter("start"))
        cands: list[_Cand] = []
        last_end = -1
        for c in raw:
            if c.start < last_end:
                continue
            cands.append(c)
            last_end = c.end
        return cands, junk

    def _family_matches(
        self, text: str, budget: float, stretches: list[tuple[int, int]]
    ) -> Iterator[tuple[_Family, list[regex.Match[str]]]]:
        """Each family with its matches in the stretches (in order)."""
        for fam in self.families:
            matches: list[regex.Match[str]] = []
            if not fam.rule.may_match(text):
                yield fam, matches
                continue
            for a, b in stretches:
                matches.extend(_scan(fam.rule.pattern, text, budget, a, b))
            yield fam, matches

    # -- pass 3: hierarchy ----------------------------------------------------
    def _parse_segment(
        self,
        text: str,
        seg: _Segment,
        cands: list[_Cand],
        months: list[tuple[int, int, str]],
        stated: dict[int, int] | None = None,
    ) -> list[_Doc]:
        docs: list[_Doc] = []
        secs: list[_Sec] = []
        warns: list[Any] = []
        stack: list[_Frame] = []
        doc_start = seg.start
        month_ends = {m[1] for m in months if seg.start <= m[0] < seg.end}

        closed: dict[str, int | None] = {}

        def close_doc(end: int) -> None:
            nonlocal secs, warns, stack
            docs.append((doc_start, end, secs, warns, seg))
            secs, warns, stack = [], [], []
            closed.clear()

        body_start = _skip_space(text, seg.start, seg.end)
        for c in cands:
            level = stated.get(c.start) if stated else None
            if c.start == body_start and seg.title is not None:
                c.ctx = "ls"  # right after a plan title run together with it
            action = self._decide(text, c, stack, secs, month_ends, closed)
            if level is not None:
                action = _place_stated(level, stack, action)
            if action is None:
                continue
            kind, depth = action
            if kind == "restart_top" and not seg.compiled and secs:
                new_start = self._opening_start(text, secs, c.start)
                close_doc(new_start)
                doc_start = new_start
                kind, depth = "child", 0
            elif kind == "restart_top":
                kind = "restart"
            if kind == "lift":
                # The plan so far sits one level below the heading found above it.
                for s in secs:
                    s.depth += 1
                kind = "odd"
            if kind in ("gap", "odd", "repeat", "restart") and kind != "restart":
                warns.append((f"numbering-{kind}", c.marker, c.start, c.end))
            for frame in stack[depth:]:
                closed[frame.family] = frame.last
            del stack[depth:]
            parent = stack[-1].sec if stack else None
            sec = _Sec(
                start=c.start,
                marker_end=c.end,
                family=c.family.name,
                num=c.num,
                marker=c.marker,
                depth=depth,
                parent=parent,
                rank=c.family.rank,
            )
            secs.append(sec)
            stack.append(
                _Frame(
                    c.family.name,
                    c.family.group,
                    c.family.rank,
                    c.num,
                    len(secs) - 1,
                    _variant(c.marker),
                    level,
                )
            )
        close_doc(seg.end)
        return docs

    def _decide(
        self,
        text: str,
        c: _Cand,
        stack: list[_Frame],
        secs: list[_Sec],
        month_ends: set[int],
        closed: dict[str, int | None],
    ) -> tuple[str, int] | None:
        after_month = c.start in month_ends or _after_month(text, c.start, month_ends)
        # Blanks after a word stand for a line break, unless the marker is a bare numeral
        # (`一 加强`), which blanks alone make a marker.
        strong = (
            c.ctx in ("ls", "se") or after_month or (c.ctx == "sp" and _variant(c.marker) != "")
        )
        fam = c.family
        if (fam.strong_only and not strong) or (fam.under_heading and not stack):
            return None
        first = 1
        # 1. the family is open: continue, restart or gap
        for idx in range(len(stack) - 1, -1, -1):
            frame = stack[idx]
            if frame.family != fam.name:
                continue
            if fam.numeral == "none" or (c.word == "最后"):
                return ("continue", idx) if c.ctx in ("ls", "se", "cm") or after_month else None
            if frame.last is not None and c.num == frame.last + 1:
                if (
                    c.ctx == "gl"
                    and idx == 0
                    and len(stack) > 1
                    and not _title_open(text, secs, stack, c.start)
                ):
                    # A glued top-level continuation is plausible only in run-on text.
                    pass
                return ("continue", idx)
            if c.num == first and strong:
                if idx == 0:
                    # Under a month heading of a schedule, the top list restarts each month;
                    # a plan starts anew where its top numbering restarts at 一 (an item
                    # list of 1、2、… restarting is the same plan's next list).
                    if after_month or (fam.rank is not None and fam.rank >= 3):
                        return ("restart", 0)
                    return ("restart_top", 0)
                if (
                    not after_month
                    and c.ctx == "ls"
                    and not self._heading_between(text, secs[stack[idx].sec].start, c.start)
                    and _variant(c.marker) != frame.variant
                ):
                    return ("restart_top", 0)
                return ("restart", idx)
            if c.ctx == "ls" and frame.last is not None and c.num is not None:
                if frame.last + 1 < c.num <= frame.last + 3:
                    return ("gap", idx)
                if c.num == frame.last:
                    return ("repeat", idx)
            return None
        # 2. a mixed-style continuation of the list in force
        if c.num is not None and fam.group == "arabic":
            for idx in range(len(stack) - 1, -1, -1):
                frame = stack[idx]
                if frame.group == fam.group and frame.last is not None and c.num == frame.last + 1:
                    if idx == len(stack) - 1:
                        return ("continue", idx)
                    break
        # 3. a new list one level down (or one continuing the numbering of the list
        #    closed under the previous heading: 一、 1、2、 二、 3、4、)
        continues_closed = (
            c.num is not None
            and closed.get(fam.name) is not None
            and c.num == (closed[fam.name] or 0) + 1
            and c.ctx == "ls"
        )
        if c.num == first or fam.numeral == "none" or c.word == "首先" or continues_closed:
            depth = len(stack)
            if fam.rank is not None:
                while depth > 0 and stack[depth - 1].rank is None:
                    depth -= 1
                # The official ladder: 一、 cannot sit below 1、; it opens a list above it.
                for idx in range(depth):
                    rank = stack[idx].rank
                    if rank is not None and rank > fam.rank:
                        if idx == 0 and strong and secs:
                            return ("restart_top", 0)
                        depth = idx
                        break
            if strong:
                return ("child", depth)
            if c.ctx in ("gl", "sp", "cm") and stack and _title_open(text, secs, stack, c.start):
                return ("child", depth)
            if c.ctx == "cm" and fam.rank is None and stack:
                # Inline lists open after a comma inside a body: `…学习内容，一要…二要…`.
                return ("child", depth)
            return None
        # 4. a list that starts at an odd number at the start of a line
        if (
            c.ctx == "ls"
            and fam.rank is not None
            and fam.rank <= 3
            and c.num is not None
            and not stack
        ):
            return ("odd", 0)
        # 5. a page that starts mid-list (`4、…` then `四、…`): a heading ranked above every
        #    family of the plan so far, at the start of a line, is the real top level.
        if (
            c.ctx == "ls"
            and fam.rank is not None
            and fam.rank <= 3
            and c.num is not None
            and any(s.rank is not None for s in secs)
            and all(s.rank is None or s.rank > fam.rank for s in secs)
        ):
            return ("lift", 0)
        return None

    @staticmethod
    def _heading_between(text: str, start: int, end: int) -> bool:
        """Whether a short unnumbered heading line (措施, 工作任务) stands between two offsets."""
        for line in text[start:end].split("\n")[1:]:
            stripped = line.strip()
            if 0 < len(stripped) <= 15 and stripped[-1] not in "。；;，,":
                return True
        return False

    def _opening_start(self, text: str, secs: list[_Sec], restart: int) -> int:
        """Where a plan that restarts numbering at ``restart`` begins: at its opening lines."""
        limit = secs[-1].marker_end if secs else 0
        start = restart
        line_end = text.rfind("\n", limit, restart)
        while line_end > limit:
            line_start = max(text.rfind("\n", limit, line_end) + 1, limit)
            line = text[line_start:line_end]
            if line_start > limit and _OPENING.search(line) and not self._starts_with_marker(line):
                start = line_start
                line_end = line_start - 1
                continue
            break
        return start

    def _starts_with_marker(self, line: str) -> bool:
        stripped = line.lstrip()
        return any(
            (m := f.rule.pattern.match(stripped)) is not None and m.start() == 0
            for f in self.families
        )

    @staticmethod
    def _month_pieces(
        start: int, end: int, months: list[tuple[int, int, str]], floor: int
    ) -> list[tuple[int, int, str | None, tuple[int, int] | None]]:
        """``[start, end)`` cut at month headings: ``(start, end, month, month span)`` pieces.

        A piece before the first heading inherits the last heading since ``floor``.
        """
        if not months:
            return [(start, end, None, None)]
        current: tuple[str | None, tuple[int, int] | None] = (None, None)
        # (offset,) sorts before every month heading at that offset
        lo = bisect.bisect_left(months, (floor,))
        hi = bisect.bisect_left(months, (end,))
        pieces: list[tuple[int, int, str | None, tuple[int, int] | None]] = []
        cut = start
        for ms, me, label in months[lo:hi]:
            if ms < start:
                if me <= start:
                    current = (label, (ms, ms + len(label)))
                continue
            if ms == start and me >= end:
                continue
            if ms > cut:
                pieces.append((cut, ms, current[0], current[1]))
            current = (label, (ms, ms + len(label)))
            cut = me
        pieces.append((cut, end, current[0], current[1]))
        return pieces

    # -- pass 4: plan assembly ------------------------------------------------
    def _build_plan(
        self,
        norm: NormalizedText,
        source: Source | None,
        index: int,
        start: int,
        end: int,
        secs: list[_Sec],
        raw_warnings: list[Any],
        seg: _Segment,
        months: list[tuple[int, int, str]],
    ) -> Plan | None:
        text = norm.text
        title = seg.title if start == seg.start else None
        if (
            not secs
            and not _FORTY_LETTERS.match(text, start, end)
            and not (title and seg.compiled and text[start:end].strip())
        ):
            # (a compilation piece cut off after its first words is still a plan)
            return None
        warnings: list[Notice] = []
        for code, marker, s, e in raw_warnings:
            warnings.append(
                Notice(code, f"numbering out of sequence at {marker!r}", norm.span(s, e))
            )
        # titles and ends
        month_starts = [m[0] for m in months if start <= m[0] < end]  # months are sorted
        for i, sec in enumerate(secs, 1):
            nxt = secs[i].start if i < len(secs) else end
            if month_starts:
                k = bisect.bisect_right(month_starts, sec.marker_end)
                # A month range that is the heading's own title (`一、1——2月`) does not end it.
                while k < len(month_starts) and _MONTH_RANGE_HEAD.fullmatch(
                    text, sec.marker_end, month_starts[k]
                ):
                    k += 1
                if k < len(month_starts):
                    nxt = min(nxt, month_starts[k])
            sec.title_start = _skip_lead(text, sec.marker_end, nxt)
            sec.title_end = _title_end(text, sec.title_start, nxt)
        # A section ends where the next section at its depth or above begins.
        open_secs: list[_Sec] = []
        for sec in secs:
            while open_secs and open_secs[-1].depth >= sec.depth:
                open_secs.pop().end = sec.start
            open_secs.append(sec)
        for sec in open_secs:
            sec.end = end
        for sec in secs:
            sec.end = _trim_end(text, sec.start, sec.end)
            sec.title_end = min(sec.title_end, sec.end)
            sec.title_start = min(sec.title_start, sec.title_end)
        sections: list[Section] = []
        if not secs:
            warnings.append(
                Notice(
                    "no-numbering",
                    "no numbered sections found; the plan is one unnumbered section",
                    norm.span(start, end),
                )
            )
            sections.append(self._unnumbered_section(norm, start, end, months))
        else:
            ids = _ordinal_ids(secs)
            has_child = {s.parent for s in secs if s.parent is not None}
            first_child: dict[int, int] = {}
            for sec in secs:
                if sec.parent is not None:
                    first_child.setdefault(sec.parent, sec.start)
            for i, sec in enumerate(secs):
                leaf_measures: list[Measure] = []
                floor = secs[sec.parent].marker_end if sec.parent is not None else start
                if i not in has_child:
                    leaf_measures = self._measures(
                        norm, sec.start, sec.end, months, title_end=sec.title_end, floor=floor
                    )
                elif first_child[i] > sec.title_end:
                    # The unnumbered body before the first child: its action sentences.
                    leaf_measures = self._measures(
                        norm,
                        sec.title_end,
                        first_child[i],
                        months,
                        floor=floor,
                        force_split=True,
                        only_actions=True,
                    )
                sections.append(
                    Section(
                        id=ids[i],
                        parent=ids[sec.parent] if sec.parent is not None else None,
                        level=sec.depth + 1,
                        marker=sec.marker,
                        number=sec.num,
                        title=text[sec.title_start : sec.title_end].strip(),
                        span=norm.span(sec.start, sec.end),
                        title_span=norm.span(sec.title_start, sec.title_end, anchor="previous"),
                        marker_span=norm.span(sec.start, sec.marker_end),
                        measures=tuple(leaf_measures),
                    )
                )
        opening_end = secs[0].start if secs else min(end, start + 300)
        unit = self._unit(title, text[start:opening_end], text[start:end])
        year, period = _year_period(title, text[start:opening_end][:_OPENING_READ])
        plan_span = norm.span(start, _trim_end(text, start, end))
        title_span = None
        if title is not None and seg.title_start is not None and seg.title_end is not None:
            title_span = norm.span(seg.title_start, seg.title_end)
            plan_span = Span(min(plan_span.start, title_span.start), plan_span.end)
        placeholders: tuple[Placeholder, ...] = tuple(
            p for p in norm.placeholders if plan_span.start <= p.span.start < plan_span.end
        )
        return Plan(
            index=index,
            span=plan_span,
            title=title,
            title_span=title_span,
            unit=unit,
            year=year,
            period=period,
            script=norm.script,
            sections=tuple(sections),
            warnings=tuple(warnings),
            placeholders=placeholders,
            source=source,
            normalized=norm,
        )

    def _unnumbered_section(
        self, norm: NormalizedText, start: int, end: int, months: list[tuple[int, int, str]]
    ) -> Section:
        """The one section of a plan without numbering (marker ``""``), split into sentences."""
        text = norm.text
        s0 = _skip_space(text, start, end)
        e0 = _trim_end(text, s0, end)
        measures = self._measures(norm, s0, e0, months, force_split=True) if e0 > s0 else []
        return Section(
            id="1",
            parent=None,
            level=1,
            marker="",
            number=None,
            title="",
            span=norm.span(s0, e0),
            title_span=norm.span(s0, s0),
            marker_span=norm.span(s0, s0),
            measures=tuple(measures),
        )

    def _fallback_plan(self, norm: NormalizedText, source: Source | None) -> Plan:
        section = self._unnumbered_section(norm, 0, len(norm.text), [])
        return Plan(
            index=0,
            span=section.span,
            script=norm.script,
            sections=(section,),
            warnings=(
                Notice(
                    "no-numbering",
                    "no plan structure found; the text is one section",
                    section.span,
                ),
            ),
            placeholders=norm.placeholders,
            source=source,
            normalized=norm,
        )

    def _unit(self, title: str | None, opening: str, body: str) -> str | None:
        """The writing unit: named in the title, by self-reference (我院工会), or in the opening."""
        pattern = self._unit_pattern
        for text, self_only in ((title or "", False), (body, True), (opening, False)):
            if self_only and not self._self_unit_pattern.search(text):
                continue  # no self-reference anywhere: scanning for one would find none
            for m in _scan(pattern, text, scan_budget(len(text))):
                if self_only and not m.group("self"):
                    continue
                return _unit_name(m)
        return None

    def _measures(
        self,
        norm: NormalizedText,
        start: int,
        end: int,
        months: list[tuple[int, int, str]],
        *,
        title_end: int | None = None,
        floor: int | None = None,
        force_split: bool = False,
        only_actions: bool = False,
    ) -> list[Measure]:
        """Measures of a leaf ``[start, end)``.

        The leaf is cut at month headings of schedules (each piece carries its
        month; a leaf right after a month heading inherits it); a piece whose
        body holds three or more action sentences gives one measure per action
        sentence (the heading itself is the section's title, not a measure).
        """
        text = norm.text
        pieces = self._month_pieces(start, end, months, start if floor is None else floor)
        measures: list[Measure] = []
        for ps, pe, label, mspan in pieces:
            ps = _skip_space(text, ps, pe)
            pe = _trim_end(text, ps, pe)
            if pe <= ps:
                continue
            body_from = title_end if title_end is not None and ps <= title_end < pe else ps
            spans = [(a, b) for a, b in _sentences(text, body_from, pe) if b - a >= 6]
            # Action sentences decide only when splitting is forced or there are three of them.
            if only_actions or force_split or len(spans) >= 3:
                spans = [(a, b) for a, b in spans if _ACTION.search(text, a, b)]
            if not (only_actions or (force_split and spans) or len(spans) >= 3):
                spans = [(ps, pe)]
            schedule_span = norm.span(*mspan) if mspan else None
            for a, b in spans:
                a = _skip_lead(text, a, b)
                measure_text = text[a:b].strip()
                if measure_text:
                    measures.append(
                        Measure(
                            text=measure_text,
                            span=norm.span(a, b),
                            schedule=label,
                            schedule_span=schedule_span,
                        )
                    )
        return measures


# ---------------------------------------------------------------------------
# helpers


def _scan(
    pattern: regex.Pattern[str], text: str, budget: float, pos: int = 0, endpos: int | None = None
) -> Iterable[regex.Match[str]]:
    try:
        yield from pattern.finditer(
            text, pos, len(text) if endpos is None else endpos, timeout=budget
        )
    except TimeoutError as err:
        raise ProcessingTimeout.during("structure", len(text), budget) from err


# What may stand between a marker and the month that ends a range in its title.
_MONTH_RANGE_HEAD = regex.compile(
    r"[ \t]*(?:[0-9]{1,2}|[一二三四五六七八九十元]{1,2})月?份?[ \t]*[—\-~～至到]+[ \t]*"
)
_ITEM_AFTER_MONTH = regex.compile(r"[1-9][0-9]?[ \t]*[、.．](?![0-9])")


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
    if ch in _SENTENCE_END or ch in "：:":
        return "se"
    if ch in _CLOSERS:
        return "se"
    if ch in "、，,":
        return "cm"
    return "sp" if i < pos - 1 else "gl"


def _wrapped(text: str, pos: int) -> bool:
    """Whether the line at ``pos`` continues a sentence that a hard line break cut.

    The line right above it (no blank line between) ends in a comma, or is a long
    line (20 or more characters) that ends without closing its sentence.
    """
    line_start = text.rfind("\n", 0, pos) + 1
    if line_start == 0:
        return False
    above = text[text.rfind("\n", 0, line_start - 1) + 1 : line_start - 1].strip()
    if not above:
        return False
    last = above[-1]
    if last in "，,、":
        return True
    return (
        len(above) >= 20
        and last not in _SENTENCE_END
        and last not in _CLOSERS
        and last not in "：:"
    )


def _variant(marker: str) -> str:
    return marker.translate(_DIGITS_OF_MARKER)


def _after_month(text: str, pos: int, month_ends: set[int]) -> bool:
    """Whether only blanks, a colon or line breaks stand between a month heading and ``pos``."""
    i = pos
    while i > 0 and text[i - 1] in " \t\u3000\r\n：:":
        i -= 1
        if i in month_ends:
            return True
    return False


def _title_open(text: str, secs: list[_Sec], stack: list[_Frame], pos: int) -> bool:
    """Whether the innermost open section's title has not ended before ``pos``."""
    if not stack:
        return False
    sec = secs[stack[-1].sec]
    between = text[sec.marker_end : pos]
    if len(between.strip()) < 2:
        return False
    return not any(ch in _TITLE_END for ch in between)


def _skip_lead(text: str, pos: int, limit: int) -> int:
    while pos < limit and text[pos] in " \t、，,.．:：":
        pos += 1
    return pos


def _skip_space(text: str, pos: int, limit: int) -> int:
    while pos < limit and text[pos] in " \t\n":
        pos += 1
    return pos


def _title_end(text: str, start: int, limit: int) -> int:
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


def _trim_end(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1] in " \t\n":
        end -= 1
    return end


def _sentences(text: str, lo: int, hi: int) -> list[tuple[int, int]]:
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


def _ordinal_ids(secs: list[_Sec]) -> list[str]:
    ids: list[str] = []
    counters: dict[int | None, int] = {}
    for sec in secs:
        counters[sec.parent] = counters.get(sec.parent, 0) + 1
        prefix = ids[sec.parent] + "." if sec.parent is not None else ""
        ids.append(f"{prefix}{counters[sec.parent]}")
    return ids


def _unit_name(m: regex.Match[str]) -> str:
    if m.group("self"):
        return m.group("own") + "工会"
    return m.group("name")


# -- the plan's year and period ---------------------------------------------------
# ANNOTATION.md: the year the plan's own title line states; else the year its opening
# gives for itself; else a year in the page or compilation heading above it. Sites
# relabel old plans with a new year (`2020年工作计划范文` over `2013年是…`): a title
# that carries a site's label gives way to the opening's own words.

#: how much of a plan's opening is read for its year
_OPENING_READ = 400
#: how far into the opening a title-like line counts as the plan's own heading
_HEAD_LINES_IN = 200
#: a year written with 年 (a range of years: its first, `2024—2026年`; a school year
#: `2022-2023学年`: the year it starts in)
_YEAR = regex.compile(
    r"(?<![0-9])((?:19|20)\d{2})\s*(?:学?年|[-—－~～至]+\s*(?:19|20)?\d{2}\s*学?年)"
)
_CN_YEAR = regex.compile(r"([一二][〇零○一二三四五六七八九]{3})年")
#: a year without 年 in a title line (`局工会2023工作计划`, `工作计划2022`); not a count
#: or an amount (`2000元`, `1500人`)
_BARE_YEAR = regex.compile(
    r"(?<![0-9.．])((?:19|20)\d{2})(?![0-9.．%％]|\s*[万亿元人名个件次项届期位余多])"
)
#: a placeholder year (`20__年`, `20xx年`, `XX年`): the title states a year, unknown
_PLACEHOLDER_YEAR = regex.compile(r"(?:19|20)?(?:[xX×＿_]{2}|[xX×]{2})\s*年")
#: a title-like line of an opening (a plan's own heading the splitter left in its body)
_TITLE_LINE = regex.compile(
    r"^[^\n。；;]{0,50}?(?:计划|要点|安排|方案|思路|规划|打算)[^\n。；;]{0,20}$", regex.MULTILINE
)
#: a site's label on a title (a template or compilation page, not the plan's own words);
#: a count of pieces (`优秀6篇`, `【三篇】`), not a piece's number (`…2022篇1`)
_SITE_LABEL = regex.compile(
    r"范文|范本|模板|模版|精选|大全|合集|样本|例文|格式|"
    r"(?<![0-9一二三四五六七八九十])[0-9两一二三四五六七八九十]{1,2}篇(?![0-9一二三四五六七八九十])"
)
#: the opening naming its own year (`2013年是…的关键之年`, `20XX年机关工会的总体任务是`)
_SELF_YEAR = regex.compile(
    r"(?<![0-9])(?:(?P<y>(?:19|20)\d{2})|(?:19|20)?[xX×＿_]{2})\s*年度?[,，]?"
    r"[^。，,；;：:\n0-9]{0,16}?是"
)
#: a school year's second term (Feb to July of the school year's second calendar year);
#: with a calendar year only, 下学期 may be the autumn one: only 春季学期 says spring
_SECOND_TERM = regex.compile(r"第二学期|下学期|春季学期|春学期")
_SPRING_TERM = regex.compile(r"春季学期|春学期")
_SCHOOL_YEAR_RANGE = regex.compile(r"(?:19|20)\d{2}\s*[-—－~～至]+\s*(?:19|20)?\d{2}\s*学年")


def _title_year(line: str) -> int | None:
    """The year a title line states: `2009年…`, `二〇二二年…`, `局工会2023工作计划`.

    A school year's second term falls in its second year (`2014-2015学年第二学期`: 2015).
    """
    m = _YEAR.search(line)
    if m:
        second_term = _SECOND_TERM.search(line) and _SCHOOL_YEAR_RANGE.search(line)
        return int(m.group(1)) + (1 if second_term else 0)
    cm = _CN_YEAR.search(line)
    if cm:
        return read_number(cm.group(1))
    bare = _BARE_YEAR.search(line)
    return int(bare.group(1)) if bare else None


def _year_period(title: str | None, opening: str) -> tuple[int | None, str | None]:
    """The plan's year and period from its title line and the start of its opening.

    The year, in this order: the plan's own title line (its title, or a
    title-like line opening its text), with or without 年 (`局工会2023工作计划`);
    else what the opening says of itself (`2013年是…`, `2015年,…总体思路是`; a
    blank `20XX年…是` keeps it unknown); else a site's or compilation's heading
    (a title carrying a site's label: `…范文`, `…(精选27篇)`); else the first
    year the opening names. A blank (`20__年`) states no year.

    School years start in September: `2014-2015学年第二学期` and `2024年春季学期`
    (February to July) are the first half of 2015 and 2024; other school-year
    plans keep the year they start in and period ``school_year`` (months before
    September fall in the next year).

    示例: ``_year_period("2014——2015学年度第二学期工会工作计划", "") == (2015, "first_half")``
    """
    heads = [(title, 0, 0)] if title else []
    lines = _scan(_TITLE_LINE, opening, scan_budget(len(opening)))
    heads += [(m.group(), *m.span()) for m in lines if m.start() < _HEAD_LINES_IN][:2]
    labelled = [h for h in heads if _SITE_LABEL.search(h[0])]
    year = _heads_year(h for h in heads if h not in labelled)
    if year is None:
        rest = opening
        for _, s, e in heads[1 if title else 0 :]:
            rest = rest[:s] + " " * (e - s) + rest[e:]  # the opening without its head lines
        self_year = _SELF_YEAR.search(rest)
        if self_year:
            year = int(self_year.group("y")) if self_year.group("y") else None
        else:
            year = _heads_year(labelled) or _first_year(rest)
    return year, _period(title, opening, year)


def _heads_year(heads: Iterable[tuple[str, int, int]]) -> int | None:
    """The year of the first of ``heads`` that states one (a blank `20__年` states none)."""
    for line, _, _ in heads:
        if not _PLACEHOLDER_YEAR.search(line):
            year = _title_year(line)
            if year is not None:
                return year
    return None


def _first_year(text: str) -> int | None:
    """The first year with 年 that ``text`` names."""
    m = _YEAR.search(text)
    if m:
        return int(m.group(1))
    cm = _CN_YEAR.search(text)
    return read_number(cm.group(1)) if cm else None


def _period(title: str | None, opening: str, year: int | None) -> str | None:
    """The plan's period (see :class:`~unionnlp.model.Plan`): the title's, else the opening's."""
    for probe in (title or "", opening[:120]):
        if "上半年" in probe:
            return "first_half"
        if "下半年" in probe:
            return "second_half"
        if _SCHOOL_TERM.search(probe):
            if _SPRING_TERM.search(probe) or (
                _SECOND_TERM.search(probe) and _SCHOOL_YEAR_RANGE.search(probe)
            ):
                return "first_half"
            return "school_year"
        if _MONTH_PLAN.search(probe):
            return "month"
    if _YEAR_WORD.search(title or "") or year is not None:
        return "annual"
    return None


#: how far into a page its heading may stand (the lines before the first numbered section)
_HEADING_READ = 1500
#: a year a plan's body names (`2023年教职工篮球比赛`; not `1980年代`)
_BODY_YEAR = regex.compile(r"(?<![0-9])((?:19|20)\d{2})\s*年(?!代)")
#: the body naming the plan's targets by their year (`全面完成2011年度工作目标`)
_TARGETS_YEAR = regex.compile(r"完成((?:19|20)\d{2})\s*年度?(?:的)?(?:各项)?(?:工作)?(?:目标|任务)")


def _with_heading_year(plans: list[Plan], norm: NormalizedText) -> list[Plan]:
    """Plans whose title and opening state no year: the page heading's, else the body's.

    The heading is the first title-like line holding a year before the page's
    first numbered section (`2024年小学工会工作计划范文(精选27篇)`). Without
    one, the year the body gives the plan's targets (`全面完成2011年度工作目标`),
    or the one year its measures name, more than once and no other
    (`2023年青年教师教学竞赛…2023年教职工篮球比赛`). A plan whose title or
    opening writes its year as a blank (`20__年`) keeps it unknown.
    """
    if all(plan.year is not None for plan in plans):
        return plans
    text = norm.text
    starts = [norm.norm_range(p.sections[0].span)[0] for p in plans if p.sections[0].marker]
    limit = min([*starts, _HEADING_READ, len(text)])
    heading_year: int | None = None
    for m in _scan(_TITLE_LINE, text, scan_budget(limit), 0, limit):
        if _PLACEHOLDER_YEAR.search(m.group()):
            continue
        heading_year = _year_period(m.group(), "")[0]
        if heading_year is not None:
            break
    out: list[Plan] = []
    for plan in plans:
        if plan.year is None and not _blank_year(plan):
            year = heading_year or _body_year(text, *norm.norm_range(plan.span))
            if year is not None:
                plan = replace(plan, year=year, period=plan.period or "annual")
        out.append(plan)
    return out


def _body_year(text: str, start: int, end: int) -> int | None:
    """The year a plan's body gives itself (see :func:`_with_heading_year`), or None."""
    budget = scan_budget(end - start)
    targets = {int(m.group(1)) for m in _scan(_TARGETS_YEAR, text, budget, start, end)}
    if len(targets) == 1:
        return targets.pop()
    named = [int(m.group(1)) for m in _scan(_BODY_YEAR, text, budget, start, end)]
    if len(named) > 1 and len(set(named)) == 1:
        return named[0]
    return None


def _blank_year(plan: Plan) -> bool:
    """The plan writes its year as a blank (`20xx年…计划`) in its title or opening."""
    body = next((s.span.start for s in plan.sections if s.marker), plan.span.end)
    return any(p.kind == "year" and p.span.start < body for p in plan.placeholders)
