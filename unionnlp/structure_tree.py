"""Structure, step 3: decide which marker candidates are sections, and how they nest.

A candidate (:mod:`unionnlp.structure_markers`) is a section only if it fits
the numbering in force: it continues a list (``n == last + 1``, also in the
other style of the same numerals: ``一、`` then ``（二）``), opens a list one level
down (``n == 1``), or restarts a list after a heading. Mid-line
candidates (run-on text) must continue a sequence, or open a child list right
after a heading whose title has not ended yet (``…工作水平1、明确…``). Marker
families take levels in order of first appearance (the real nesting); ranked
families never nest under inline ones (``一是``, ``首先``); gaps, repeats and odd
starts become warnings. A restart of top-level numbering at 一 inside a segment
that is not a compilation piece starts a new plan (:class:`DocDraft`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import regex

from ._structure_text import SENTENCE_END, line_rest, skip_space
from .model import Source
from .normalize import NormalizedText
from .structure_documents import PartRules, Segment
from .structure_markers import Candidate, MarkerScanner, MonthHeading, marker_variant

__all__ = ["DocDraft", "SectionDraft", "SectionTreeBuilder", "continues", "stated_levels"]

_TITLE_END = set("。：:\n！？!?；;")

# Lines that open a plan (its guiding idea, its year): they belong to the plan that follows.
_OPENING = regex.compile(
    r"指导思想|总体要求|总体思路|工作思路|现制定|如下[:：]?$|工作(?:计划|要点)|"
    r"^\s*\S{0,8}(?:年|\d{4})[，,]|年是"
)


@dataclass(slots=True)
class SectionDraft:
    """A section as the numbering pass finds it (offsets into the normalised text; the
    title and end are filled in when the plan is assembled)."""

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
class _Frame:
    """An open list while the numbering is read: its family and last number."""

    family: str
    group: str
    rank: float | None
    last: int | None
    sec: int
    variant: str
    level: int | None = None  # the list level the file states for the marker, if any
    mixed: bool = False  # a bracketed item continuing a 、-list (一、 then （二）): see _decide


class DocDraft(NamedTuple):
    """A plan as the numbering pass leaves it: its offsets, its sections in reading
    order, its raw warnings (code, marker, start, end) and the segment it came from."""

    start: int
    end: int
    sections: list[SectionDraft]
    warnings: list[Any]
    segment: Segment


def continues(before: list[DocDraft], seg: Segment, docs: list[DocDraft]) -> bool:
    """Whether ``seg``, cut at a title-like line, only continues the plan before it.

    A new plan numbers afresh; when the first section after the line continues a
    list of the plan before it (``二、`` … title-like line … ``三、``; ``1、`` …
    ``2、``), the line is a heading, a quoted document or a wrapped line inside that
    plan. Compilation pieces (``篇二``) are new plans whatever their numbering.
    """
    if seg.compiled or seg.header_only or not docs or not docs[0][2] or not before:
        return False
    first = docs[0][2][0]
    if first.num is not None and first.num >= 2:
        last = next((s for s in reversed(before[-1][2]) if s.family == first.family), None)
        if last is not None and last.num is not None and first.num == last.num + 1:
            return True
    # A sub-list under the line (`下半年工作安排` then `1、2、`), after which the top
    # numbering of the plan before runs on (`一、` … line … `1、2、` … `二、`): the line
    # heads a part of that plan's last section.
    top = [s for s in before[-1][2] if s.depth == 0]
    head = top[-1] if top else None
    head_num = head.num if head is not None else None
    if head is None or head_num is None:
        return False
    for sec in docs[0][2]:
        if sec.family == head.family:
            return sec.num == head_num + 1 and sec is not first
        if sec.rank is None or head.rank is None or sec.rank <= head.rank:
            return False  # (a list ranked with the top one or above it opens the new plan)
    return False


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


class SectionTreeBuilder:
    """Reads the sections of a segment out of its marker candidates.

    Args:
        markers: the marker scanner whose families the candidates come from.
        parts: the rules telling a part of a plan from a new plan (none: every restart
            of the top numbering at 一 opens a new plan).
    """

    def __init__(self, markers: MarkerScanner, parts: PartRules | None = None) -> None:
        self.markers = markers
        self.parts = parts

    def build(
        self,
        text: str,
        seg: Segment,
        cands: list[Candidate],
        months: list[MonthHeading],
        stated: dict[int, int] | None = None,
    ) -> list[DocDraft]:
        """The plans of ``seg`` with their sections, from its candidates in reading order.

        ``stated`` maps a candidate's start to the list level the file states for it
        (:func:`stated_levels`); such a level outranks what marker shapes suggest.
        """
        docs: list[DocDraft] = []
        secs: list[SectionDraft] = []
        warns: list[Any] = []
        stack: list[_Frame] = []
        doc_start = seg.start
        month_ends = {m[1] for m in months if seg.start <= m[0] < seg.end}

        closed: dict[str, int | None] = {}

        def close_doc(end: int) -> None:
            nonlocal secs, warns, stack
            docs.append(DocDraft(doc_start, end, secs, warns, seg))
            secs, warns, stack = [], [], []
            closed.clear()

        body_start = skip_space(text, seg.start, seg.end)
        run_on = _RunOnLines(text)
        for c in cands:
            if c.ctx in ("se", "sp") and run_on(c.start):
                c.ctx = "ls"  # (a sentence end or a blank in run-on text: a lost line break)
        for i, c in enumerate(cands):
            level = stated.get(c.start) if stated else None
            if c.start == body_start and seg.title is not None:
                c.ctx = "ls"  # right after a plan title run together with it
            elif not stack and c.ctx in ("gl", "sp") and _list_goes_on(cands, i):
                c.ctx = "ls"  # a first heading run on after a title or a site's line
            action = self._decide(text, c, stack, secs, month_ends, closed)
            if c.family.continues_only and (
                action is None
                or action[0] != "continue"
                or action[1] != len(stack) - 1
                or stack[-1].family != c.family.name
            ):
                action = None  # (such a marker only ever continues the innermost list)
            if level is not None:
                action = _place_stated(level, stack, action)
            if action is None:
                continue
            kind, depth = action
            # (a list that mixed the two styles stays mixed while it continues)
            mixed = kind == "mixed" or (
                kind == "continue" and depth < len(stack) and stack[depth].mixed
            )
            if kind == "mixed":
                kind = "continue"
            if kind == "ladder":
                # A list ranked above the top one (（一） under 1、2、) opens a new top level,
                # or a new plan, unless the top list resumes after it (3、): then the page
                # writes the ladder the other way round, and the new list nests under the
                # item in force (ANNOTATION.md: levels follow the real nesting). So it does
                # where the same list already nested under an earlier item of the top list
                # (1. （一）（二） 2. （一）: the ladder the page writes is known by then).
                if _resumes(cands, i, stack[0]) or any(
                    s.family == c.family.name and s.depth > 0 for s in secs
                ):
                    kind, depth = "child", len(stack)
                else:
                    kind = "restart_top"
            if (
                kind == "restart_top"
                and not seg.compiled
                and secs
                and self._opens_plan(text, seg, secs, c)
            ):
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
            sec = SectionDraft(
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
                    marker_variant(c.marker),
                    level,
                    mixed,
                )
            )
        close_doc(seg.end)
        return docs

    def _decide(
        self,
        text: str,
        c: Candidate,
        stack: list[_Frame],
        secs: list[SectionDraft],
        month_ends: set[int],
        closed: dict[str, int | None],
    ) -> tuple[str, int] | None:
        after_month = c.start in month_ends or _after_month(text, c.start, month_ends)
        # Blanks after a word stand for a line break, unless the marker is a bare numeral
        # (`一 加强`), which blanks alone make a marker.
        strong = (
            c.ctx in ("ls", "se")
            or after_month
            or (c.ctx == "sp" and marker_variant(c.marker) != "")
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
                    # list of 1、2、… restarting is the same plan's next list, and so is an
                    # inline run of 一是、二是… restarting under the plan's next part).
                    if after_month or fam.rank is None or fam.rank >= 3:
                        return ("restart", 0)
                    return ("restart_top", 0)
                if (
                    not after_month
                    and c.ctx == "ls"
                    and not self._heading_between(text, secs[stack[idx].sec].start, c.start)
                    and marker_variant(c.marker) != frame.variant
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
        # 2b. a bracketed Han numeral continuing the 、-list in force (一、 then （二）（三）,
        #     二、 1. 2. then （三）): the page mixed the two styles of one list, since no （一）
        #     opened a list of its own; and the 、-style again after such a mixed item
        #     (（三） then 四、). (Not （一）（二） then 三、 otherwise: as likely a page that
        #     starts under a 二、 it lost.)
        if c.num is not None and c.ctx == "ls" and fam.group in ("cn", "cn_paren"):
            for idx in range(len(stack) - 1, -1, -1):
                frame = stack[idx]
                if frame.group in ("cn", "cn_paren"):  # the innermost Han list decides
                    if (
                        frame.group != fam.group
                        and (fam.group == "cn_paren" or frame.mixed)
                        and frame.last is not None
                        and c.num == frame.last + 1
                    ):
                        return ("mixed", idx)
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
                # The official ladder: 一、 cannot sit below 1、; it opens a list above it
                # (unless the list in force resumes after it: `ladder`, see build).
                for idx in range(depth):
                    rank = stack[idx].rank
                    if rank is not None and rank > fam.rank:
                        if idx == 0 and strong and secs:
                            return ("ladder", 0)
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
        # 4. a list that starts at an odd number at the start of a line (a page that starts
        #    mid-list, at whatever rank: `（2）…（3）…2、…三、`)
        if c.ctx == "ls" and fam.rank is not None and c.num is not None and not stack:
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

    def _opens_plan(self, text: str, seg: Segment, secs: list[SectionDraft], c: Candidate) -> bool:
        """Whether top numbering restarting at ``c`` opens a new plan (ANNOTATION.md: it
        does after an earlier sequence), or runs on in the plan of ``secs``.

        Not a new plan: a heading repeated right after the first one (a scrape that
        doubles `一、指导思想`: no sequence before it); the body after a list of only
        opening headings (指导思想, 工作目标) unless it opens with one itself; a
        restart right under a line that heads a part of the plan (`下篇`, `下半年`, a bare
        `2025年工作要点`, a sub-scheme or attachment, a lead-in `具体安排如下：`), even
        when the part opens with a heading that opens plans (工作目标).
        Each asks for a complete sequence of the same family before the restart, so
        that numbered page chrome above a plan is never taken for its start.
        """
        parts = self.parts
        if parts is None:
            return True
        top = [s for s in secs if s.depth == 0]
        if not top or top[-1].family != c.family.name:
            return True  # (`1、2、` then `一、`: a list above the plan so far)
        if (top[-1].num or 0) < 2:
            return False
        lead = _lead_line(text, secs[-1].start, c.start)
        if lead and (
            parts.is_("part_heading", lead)
            or parts.is_("bare_title", lead)
            or parts.is_("lead_in", lead)
            or parts.sub_scheme(lead, seg.title)
        ):
            return False  # (its next part, even when it opens with 工作目标)
        title = line_rest(text, c.end)
        if parts.is_("preamble", title):
            return True
        if all(parts.is_("preamble", line_rest(text, s.marker_end)) for s in top):
            return False
        if secs[-1] is top[-1] and _bare_heading(text, top[-1].marker_end, c.start):
            # A top heading with nothing under it (`四、主要工作`) whose items restart the top
            # numbering: its list, not a new plan, unless the plan so far is a list of bare
            # headings only (a table of contents above the plan).
            ends = [s.start for s in secs[1:]] + [c.start]
            if not all(
                _bare_heading(text, s.marker_end, e) for s, e in zip(secs, ends, strict=True)
            ):
                return False
        return True

    @staticmethod
    def _heading_between(text: str, start: int, end: int) -> bool:
        """Whether a short unnumbered heading line (措施, 工作任务) stands between two offsets."""
        for line in text[start:end].split("\n")[1:]:
            stripped = line.strip()
            if 0 < len(stripped) <= 15 and stripped[-1] not in "。；;，,":
                return True
        return False

    def _opening_start(self, text: str, secs: list[SectionDraft], restart: int) -> int:
        """Where a plan that restarts numbering at ``restart`` begins: at its opening lines."""
        limit = secs[-1].marker_end if secs else 0
        start = restart
        line_end = text.rfind("\n", limit, restart)
        while line_end > limit:
            line_start = max(text.rfind("\n", limit, line_end) + 1, limit)
            line = text[line_start:line_end]
            if (
                line_start > limit
                and _OPENING.search(line)
                and not self.markers.starts_with_marker(line)
            ):
                start = line_start
                line_end = line_start - 1
                continue
            break
        return start


#: the shortest line read as run-on text (a page that lost its line breaks)
_RUN_ON = 150


class _RunOnLines:
    """Whether the line at an offset of ``text`` is run-on text: :data:`_RUN_ON` characters
    or more. The line last asked about is kept: candidates come in reading order, many to
    a line, and a huge page on one line is not searched again for each."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.start = self.end = -1
        self.long = False

    def __call__(self, pos: int) -> bool:
        if not self.start <= pos <= self.end:
            text = self.text
            self.start = text.rfind("\n", 0, pos) + 1
            end = text.find("\n", pos)
            self.end = len(text) if end < 0 else end
            self.long = self.end - self.start >= _RUN_ON
        return self.long


#: the longest heading that stands alone on its line, with nothing under it
_BARE_HEADING = 20


def _list_goes_on(cands: list[Candidate], at: int) -> bool:
    """Whether ``cands[at]``, a ranked family's numbered marker, opens a list (or a page's
    list, mid-way): the next candidate of its family carries the next number, wherever it
    stands (run-on text glues items to the words before them: `…募捐（二）…`).

    Inline families (`一是`, `首先`) are left out: prose words them without any list."""
    c = cands[at]
    if c.num is None or c.family.rank is None:
        return False
    for n in cands[at + 1 :]:
        if n.family.name == c.family.name:
            return n.num == c.num + 1
    return False


def _resumes(cands: list[Candidate], at: int, top: _Frame) -> bool:
    """Whether the top list ``top`` goes on after ``cands[at]``: the next candidate of its
    family at a line start carries the number after its last (`1、2、（一）（二）3、`)."""
    if top.last is None:
        return False
    for c in cands[at + 1 :]:
        if c.family.name == top.family and c.ctx == "ls":
            return c.num == top.last + 1
    return False


def _bare_heading(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is a heading's title alone: one short line, no sentence."""
    rest = text[start:end].strip()
    return (
        len(rest) <= _BARE_HEADING
        and "\n" not in rest
        and not any(ch in SENTENCE_END for ch in rest)
    )


def _lead_line(text: str, after: int, pos: int) -> str:
    """The last non-blank line above the line of ``pos`` and below the line of ``after``."""
    first = text.rfind("\n", 0, after) + 1
    end = text.rfind("\n", first, pos)
    while end > first:
        start = text.rfind("\n", first, end) + 1
        if start <= first:
            break
        line = text[start:end].strip()
        if line:
            return line
        end = start - 1
    return ""


def _after_month(text: str, pos: int, month_ends: set[int]) -> bool:
    """Whether only blanks, a colon or line breaks stand between a month heading and ``pos``."""
    i = pos
    while i > 0 and text[i - 1] in " \t\u3000\r\n：:":
        i -= 1
        if i in month_ends:
            return True
    return False


def _title_open(text: str, secs: list[SectionDraft], stack: list[_Frame], pos: int) -> bool:
    """Whether the innermost open section's title has not ended before ``pos``."""
    if not stack:
        return False
    sec = secs[stack[-1].sec]
    between = text[sec.marker_end : pos]
    if len(between.strip()) < 2:
        return False
    return not any(ch in _TITLE_END for ch in between)
