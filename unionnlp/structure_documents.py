"""Structure, step 2: split a text into segments, one per plan title or compilation piece.

Compilation markers (``篇一``, ``【第二篇】``, ``…计划3``: ``[[document]]`` rules of
``data/markers.toml``) and plan title lines (naming 计划/要点/思路/安排/方案 with
工会 or a time: ``[[title]]`` rules) cut the text into :class:`Segment` objects.
A title-like line that is no plan's title does not cut: one that starts with a
marker (a section), continues a sentence a hard line break cut, or cites a
document (``《…要点》``) inside a plan. Whether a segment holds one plan or
several (numbering restarting at 一) is decided by :mod:`unionnlp.structure_tree`.
Lines that look like a new plan's title or opening but head a part of the plan in
force (a sub-scheme, a closing table, the next half of a report, a lead-in to the
next list) are told by :class:`PartRules` (``[[part]]`` rules).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import regex

from ._structure_text import CLOSERS, SENTENCE_END, scan
from .errors import DataFileError, ProcessingTimeout, regex_timeout
from .resources import Rule, load_rules
from .structure_markers import Family, MarkerScanner

__all__ = ["DocumentSplitter", "PartRules", "Segment"]

_TRAILING_NUMBER = regex.compile(r"\s*\d+$")

# Where a title after a piece's marker ends in run-on text: a sentence's end, or the
# first heading of the piece (一、 （一） 1、) after a blank.
_TITLE_AFTER_END = regex.compile(
    r"[。！？!?；;]|[ \t\u3000]+(?:[一二三四五六七八九十]{1,2}[、.．]"
    r"|[（(][一二三四五六七八九十]{1,2}[）)]|[0-9]{1,2}[、.．])"
)


def _stripped(text: str, start: int, end: int) -> tuple[int, int]:
    """``start`` and ``end`` moved past the blanks, colons and dashes or dots that join a
    title to its piece marker (`…计划·篇一`, `…计划 —— 篇二`) at both ends of that stretch."""
    chars = " \t:：·•・—–-"
    while start < end and text[start] in chars:
        start += 1
    while end > start and text[end - 1] in chars:
        end -= 1
    return start, end


_COUNT_HEADER = regex.compile(r"[0-9一二三四五六七八九十]+篇")

#: how many lines under a numbered title line are searched for the plan's first heading
_PIECE_LOOKAHEAD = 4

# A line that ends naming a kind of plan, as titles do.
_TITLE_LIKE = regex.compile(r"(?:计划|要点|安排|方案|思路|打算)[^\n。，,；;]{0,6}[ \t]*$")


@dataclass(slots=True)
class Segment:
    """A stretch of text opened by a plan title or a compilation marker (or the text
    before the first one), with the title's offsets."""

    start: int
    end: int
    title: str | None = None
    title_start: int | None = None
    title_end: int | None = None
    compiled: bool = False  # a compilation piece: restarts do not split it
    header_only: bool = False  # a compilation header (…5篇): gives no title


class DocumentSplitter:
    """Cuts a normalised text into segments at compilation markers and plan titles.

    Args:
        path: the markers file holding the ``[[document]]`` and ``[[title]]`` rules.
        markers: the marker scanner of the same file (to tell a section heading from a
            title).

    Raises (on first use):
        DataFileError: the markers file is invalid.
    """

    def __init__(self, path: str | Path, markers: MarkerScanner) -> None:
        self.path = path
        self.markers = markers
        self._compiled: dict[str, regex.Pattern[str]] = {}

    @cached_property
    def document_rules(self) -> list[Rule]:
        return load_rules(self.path, "document")

    @cached_property
    def title_rules(self) -> list[Rule]:
        return load_rules(self.path, "title")

    def split(self, text: str, budget: float) -> list[Segment]:
        """The segments of ``text``, in order; the first runs from the start to the first cut."""
        cuts: list[Segment] = []
        for rule in self.document_rules:
            for m in self.rule_matches(rule, text, budget):
                line_start = text.rfind("\n", 0, m.start()) + 1
                # Title: the text before the marker on its line (after the last sentence end).
                head_from = line_start
                for i in range(m.start() - 1, max(line_start, m.start() - 60) - 1, -1):
                    if text[i] in SENTENCE_END:
                        head_from = i + 1
                        break
                if m.start() - head_from > 60:
                    head_from = m.start()
                # (where the title stands: the piece's span of it slices the title)
                title_start, title_end = _stripped(text, head_from, m.start())
                line_end = text.find("\n", m.end())
                line_end = len(text) if line_end < 0 else line_end
                tail_start, tail_end = _stripped(text, m.end(), line_end)
                body_from = m.end()
                if rule.get("title_after") and title_start == title_end:
                    # 篇一：X, 【篇1】X: the rest of the line, up to a sentence's end or a
                    # first heading run on after it (…第二篇：X 一、…), is the title
                    stop = _TITLE_AFTER_END.search(text, tail_start, tail_end)
                    title_stop = tail_end if stop is None else stop.start()
                    if 0 < title_stop - tail_start <= 40:
                        title_start, title_end = _stripped(text, tail_start, title_stop)
                        body_from = line_end if stop is None else title_stop
                if rule.name == "numbered_title":  # X计划2: the line without its number
                    line = m.group()
                    title_start = m.start() + len(line) - len(line.lstrip())
                    title_end = title_start + len(_TRAILING_NUMBER.sub("", line.strip()))
                title = text[title_start:title_end]
                cuts.append(
                    Segment(
                        start=head_from,
                        end=body_from,
                        title=title or None,
                        title_start=title_start if title else None,
                        title_end=title_end if title else None,
                        compiled=True,
                    )
                )
        for rule in self.title_rules:
            for m in self.rule_matches(rule, text, budget):
                title = m.group("title").strip()
                title_from = m.start("title")
                lead = self.markers.leading_marker(title)
                piece = False
                if lead is not None:
                    if not self._piece_number(text, m.end(), lead[0]):
                        continue  # `第二部分 2024年工作要点` is a section, not a plan title
                    # `1、2024年机关工会工作计划` over a plan numbered 一、…: the number of a
                    # piece in a list of plans, not a heading above the plan's own ladder.
                    rest = title[lead[1] :]
                    title_from += len(m.group("title")) - len(m.group("title").lstrip())
                    title_from += lead[1] + len(rest) - len(rest.lstrip())
                    title = rest.strip()
                    piece = True
                    if not title:
                        continue
                if _wrapped(text, m.start("title")):
                    continue  # a sentence cut by a hard line break (`…根据\n2024年工作要点`)
                if "《" in title and self.markers.has_marker_text(text[: m.start()]):
                    continue  # a document the plan cites (`《市总工会2024年工作要点》`), inside it
                if any(c.start <= m.start() < max(c.end, c.start + 1) for c in cuts):
                    continue
                line_end = m.end()
                header_only = bool(_COUNT_HEADER.search(title))
                cuts.append(
                    Segment(
                        start=m.start("title"),
                        end=line_end,
                        title=None if header_only else title,
                        title_start=None if header_only else title_from,
                        title_end=None if header_only else title_from + len(title),
                        compiled=piece,
                        header_only=header_only,
                    )
                )
        cuts.sort(key=lambda c: c.start)
        # Merge a title line with a compilation marker right after it, and repeated titles.
        merged: list[Segment] = []
        for cut in cuts:
            if merged:
                prev = merged[-1]
                between = text[prev.end : cut.start]
                if not between.strip() and (
                    cut.compiled != prev.compiled or prev.header_only or cut.title == prev.title
                ):
                    # A page's title right over a piece's own titled marker (`2020年…计划` /
                    # `20xx年…计划（一）`): the piece's title is the plan's (ANNOTATION.md:
                    # the plan's own title line decides its year, not the page's label).
                    own = cut.compiled and not prev.compiled
                    if own:
                        prev.compiled = True
                    if cut.title and (
                        prev.title is None or prev.header_only or (own and cut.title != prev.title)
                    ):
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
                    and not self.markers.has_marker_text(between)
                ):
                    # The same title repeated after an intro paragraph: one plan.
                    continue
            merged.append(cut)
        segments: list[Segment] = []
        first_start = merged[0].start if merged else len(text)
        segments.append(Segment(start=0, end=first_start))
        for i, cut in enumerate(merged):
            nxt = merged[i + 1].start if i + 1 < len(merged) else len(text)
            segments.append(
                Segment(
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

    def _piece_number(self, text: str, line_end: int, family: Family) -> bool:
        """Whether a title line opened by a marker of ``family`` (ending at ``line_end``)
        numbers a piece of a list of plans: the first numbered line under it (within a few
        lines of opening) is a heading ranked above that marker (`1、…工作计划` over
        `一、…`), so the marker stands outside the plan's ladder."""
        if family.rank is None:
            return False
        pos = line_end
        for _ in range(_PIECE_LOOKAHEAD):
            if pos >= len(text):
                return False
            nxt = text.find("\n", pos + 1)
            nxt = len(text) if nxt < 0 else nxt
            line = text[pos:nxt].strip("\n")
            if _TITLE_LIKE.search(line):
                return False  # (a list of titles above a plan's own title line)
            lead = self.markers.leading_marker(line)
            if lead is not None:
                rank = lead[0].rank
                return rank is not None and rank < family.rank
            pos = nxt
        return False

    def rule_matches(self, rule: Rule, text: str, budget: float) -> Iterator[regex.Match[str]]:
        """The matches of a document or title rule in ``text``, in order.

        A rule with ``line_has`` (a pattern anchored at line starts whose
        every match starts on a line holding a match of one of the
        ``line_has`` patterns) is tried only at the starts of such lines: the
        same matches as a scan of the whole text, at a fraction of the cost
        (most lines hold no plan title).
        """
        line_has = self._line_has(rule)
        if not line_has:
            yield from scan(rule.pattern, text, budget)
            return
        lines = sorted(
            {
                text.rfind("\n", 0, m.start()) + 1
                for pattern in line_has
                for m in scan(pattern, text, budget)
            }
        )
        end = 0  # like a scan, no match starts inside the previous one
        timeout = regex_timeout(rule.pattern, len(text), budget)
        for line_start in lines:
            if line_start < end:
                continue
            try:
                # by position (keywords are slow): concurrent=False keeps the GIL, see README Speed
                m = rule.pattern.match(text, line_start, None, False, False, timeout)
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
            raise DataFileError(self.path, f"rule {rule.name!r}: 'line_has' must be strings")
        patterns = []
        for i, pattern in enumerate(sources):
            key = f"line_has:{rule.name}:{i}"
            if key not in self._compiled:
                try:
                    self._compiled[key] = regex.compile(pattern)
                except regex.error as err:
                    raise DataFileError(
                        self.path, f"rule {rule.name!r}: bad 'line_has' pattern ({err})"
                    ) from err
            patterns.append(self._compiled[key])
        return patterns


# A line that is no sentence: a breadcrumb's or a menu's separators, or two blanks or more
# between words (prose in Chinese sets none).
_NOT_PROSE = regex.compile(r"[>＞»|｜]|\S[ \t\u3000]+\S[^\n]*?\S[ \t\u3000]+\S")


def _wrapped(text: str, pos: int) -> bool:
    """Whether the line at ``pos`` continues a sentence that a hard line break cut.

    The line right above it (no blank line between) ends in a comma, or is a long
    line (20 or more characters) that ends without closing its sentence (an
    ellipsis closes it) and reads as prose: a site's breadcrumb or menu (`首页 > …`,
    `首页 | 范文 | …`) or a list of words set apart by blanks (`热门搜索：工会 方案 …`)
    is no sentence.
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
    if last == "…" or above.endswith("..."):
        return False  # (a line cut off with an ellipsis ends there: a teaser, a cut preview)
    return (
        len(above) >= 20
        and last not in SENTENCE_END
        and last not in CLOSERS
        and last not in "：:"
        and not _NOT_PROSE.search(above)
    )


class PartRules:
    """The ``[[part]]`` rules of a markers file: lines that head a part of the plan in
    force though they look like a new plan's title, or lead into a restart of its
    numbering (a sub-scheme, a closing table, a report's next-year part, a lead-in).

    A rule missing from the file never matches.

    Args:
        path: the markers file holding the ``[[part]]`` rules.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = path

    @cached_property
    def rules(self) -> dict[str, regex.Pattern[str]]:
        return {rule.name: rule.pattern for rule in load_rules(self.path, "part")}

    def is_(self, name: str, line: str | None) -> bool:
        """Whether the ``[[part]]`` rule ``name`` matches in ``line`` (one line)."""
        pattern = self.rules.get(name)
        return line is not None and pattern is not None and pattern.search(line) is not None

    def sub_scheme(self, line: str, plan_title: str | None) -> bool:
        """Whether ``line`` heads a scheme or table attached to a plan titled ``plan_title``:
        a scheme title (`…活动方案`, `…安排表`) under a plan titled as a plan (计划/要点),
        or any line opening with `附件：`."""
        if self.is_("attachment", line):
            return True
        return (
            self.is_("scheme_title", line)
            and not self.is_("plan_kind", line)
            and self.is_("plan_kind", plan_title)
            and not self.is_("scheme_title", plan_title)
        )

    def month_schedule(self, line: str, plan_title: str | None, opening: str) -> bool:
        """Whether ``line`` heads the month-by-month schedule of a plan titled
        ``plan_title``: a title naming no plan kind (`2025年工会工作安排`) whose body
        opens with a month (``opening``, its first line: `1、一月：…`, `三月份：…`),
        below a plan titled as a plan (计划/要点)."""
        return (
            self.is_("month_opening", opening)
            and not self.is_("plan_kind", line)
            and self.is_("plan_kind", plan_title)
        )

    def part_title(self, line: str, plan_title: str | None, heads: str, opening: str = "") -> bool:
        """Whether a title line ``line`` below a numbered plan (titled ``plan_title``,
        its top headings ``heads``, one a line) heads a part of that plan rather than
        a new plan; ``opening`` is the first line under the title."""
        if (
            self.is_("part_heading", line)
            or self.sub_scheme(line, plan_title)
            or self.month_schedule(line, plan_title, opening)
        ):
            return True
        if (
            self.is_("year_part", line)
            and plan_title is not None
            and not self.is_("year_part", plan_title)
        ):
            return True  # (`三月份工会活动安排` below `…2025年工作计划`)
        if not self.is_("bare_title", line) or self.is_("bare_title", plan_title):
            return False  # a bare title after another is the next piece of a compilation
        return plan_title is not None or self.is_("review", heads)
