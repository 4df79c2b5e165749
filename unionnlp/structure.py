"""Structure: split a text into plans, numbered sections and measures.

Union plans follow the official numbering ladder (一、 > （一） > 1. > （1） > ①)
but scraped files break it in every way. :class:`StructureParser` works on the
normalised text (see :mod:`unionnlp.normalize`) and composes four steps, each
in its own module, passing typed data on:

1. **Markers** (:mod:`unionnlp.structure_markers`): ``MarkerScanner`` finds
   the numbering candidates and month headings (``data/markers.toml``) and
   passes a ``MarkerScan`` on.
2. **Documents** (:mod:`unionnlp.structure_documents`): ``DocumentSplitter``
   cuts the text at compilation markers (``篇一``, ``【第二篇】``) and plan title
   lines into ``Segment`` objects.
3. **Section tree** (:mod:`unionnlp.structure_tree`): ``SectionTreeBuilder``
   decides which candidates are sections and how they nest, and splits a
   segment where top-level numbering restarts at 一 (``DocDraft`` per plan).
4. **Measures** (:mod:`unionnlp.structure_measures`): the leaves, cut at
   month headings of schedules and into action sentences; table rows.

This module assembles the plans: titles and bodies (a title runs from the
marker to the first ``。``, ``：`` or line end, or to the next marker; the body
to the next sibling or ancestor), the writing unit, and the plan's year and
period. All offsets are computed on the normalised text and mapped back to
the original before they are stored.

示例::

    >>> from unionnlp.structure import StructureParser
    >>> from unionnlp.normalize import Normalizer
    >>> norm = Normalizer()("一、加强组织建设，提高水平1、明确分工。2、调整小组。")
    >>> [s.marker for s in StructureParser()(norm)[0].sections]
    ['一、', '1、', '2、']
"""

from __future__ import annotations

import bisect
import logging
from collections.abc import Iterable
from dataclasses import replace
from functools import cached_property
from itertools import islice, takewhile
from pathlib import Path
from typing import Any

import regex

from ._numerals import read_number
from ._structure_text import line_rest, scan, skip_lead, skip_space, title_end, trim_end
from .errors import DataFileError, scan_budget
from .model import Measure, Notice, Placeholder, Plan, Section, Source, Span, Table
from .normalize import NormalizedText
from .resources import Rule, load_toml
from .structure_documents import DocumentSplitter, PartRules, Segment
from .structure_markers import Family, MarkerScanner, MonthHeading, cn_to_int
from .structure_measures import find_measures, measures_from_table
from .structure_tree import DocDraft, SectionDraft, SectionTreeBuilder, continues, stated_levels

__all__ = ["StructureParser", "Table", "cn_to_int", "measures_from_table", "stated_levels"]

logger = logging.getLogger(__name__)

_FORTY_LETTERS = regex.compile(r"(?:\s*\S){40}")  # forty non-blank characters

#: an unnumbered stretch shorter than this (characters) beside numbered plans is a lead-in
#: (a page heading and a site's introduction), not an unnumbered plan
_INTRO_MAX = 200

#: the longest title of a bare list entry (a menu item, a contents line, a page title)
_BARE_LINE = 40

_SCHOOL_TERM = regex.compile(r"学年|学期")

_MONTH_PLAN = regex.compile(r"\d{1,2}月份?(?:工作)?(?:计划|安排)")

_YEAR_WORD = regex.compile(r"年|年度|全年")

# A self-reference to the writing unit (我院工会 names 院工会).
_SELF_UNIT = (
    r"我(?P<own>[院校局司所厂矿站处委部]|公司|项目部?|机关|中心|学校|医院|镇|区|县|街道)"
    r"工会"
)

# What may stand between a marker and the month that ends a range in its title.
_MONTH_RANGE_HEAD = regex.compile(
    r"[ \t]*(?:[0-9]{1,2}|[一二三四五六七八九十元]{1,2})月?份?[ \t]*[—\-~～至到]+[ \t]*"
)


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

    # -- the steps ----------------------------------------------------------
    @cached_property
    def _path(self) -> str | Path:
        return self.rules if self.rules is not None else "markers.toml"

    @cached_property
    def markers(self) -> MarkerScanner:
        """Step 1: the marker and month-heading scan."""
        return MarkerScanner(self._path)

    @cached_property
    def documents(self) -> DocumentSplitter:
        """Step 2: the cut into segments at compilation markers and plan titles."""
        return DocumentSplitter(self._path, self.markers)

    @cached_property
    def tree(self) -> SectionTreeBuilder:
        """Step 3: the section tree of each segment, split into plans."""
        return SectionTreeBuilder(self.markers, self.parts)

    @cached_property
    def parts(self) -> PartRules:
        """The rules telling a part of a plan from a new plan (steps 2 and 3)."""
        return PartRules(self._path)

    @property
    def families(self) -> list[Family]:
        """The marker families of the rules file (see :class:`MarkerScanner`)."""
        return self.markers.families

    @property
    def month_rules(self) -> list[Rule]:
        return self.markers.month_rules

    @property
    def document_rules(self) -> list[Rule]:
        return self.documents.document_rules

    @property
    def title_rules(self) -> list[Rule]:
        return self.documents.title_rules

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

    def __call__(self, norm: NormalizedText, *, source: Source | None = None) -> list[Plan]:
        """Parse ``norm`` into plans (spans index ``norm.original``)."""
        text = norm.text
        budget = scan_budget(len(text))
        segments = self.documents.split(text, budget)
        cands, months, junk = self.markers(text, budget)
        cand_starts = [c.start for c in cands]  # in reading order
        stated = stated_levels(norm, source)

        def parse(seg: Segment) -> list[DocDraft]:
            lo = bisect.bisect_left(cand_starts, seg.start)
            hi = bisect.bisect_left(cand_starts, seg.end)
            return self.tree.build(text, seg, cands[lo:hi], months, stated)

        parsed: list[tuple[Segment, list[DocDraft]]] = []
        for seg in segments:
            docs = parse(seg)
            if parsed and (
                continues(parsed[-1][1], seg, docs) or self._part_of(text, parsed[-1][1], seg)
            ):
                # A title-like line inside a plan (a heading that repeats the plan's words, a
                # quoted document, a wrapped line) after which the numbering runs on, or one
                # that heads a part of the plan (a sub-scheme, a closing table): no new plan.
                prev = parsed.pop()[0]
                seg = replace(prev, end=seg.end)
                docs = parse(seg)
            parsed.append((seg, docs))
        plans: list[Plan] = []
        untitled: list[int] = []  # unnumbered plans that no title or compilation marker opens
        outlines: list[int] = []  # numbered lists of bare lines (menus, contents, related pages)
        bodied = -1
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
            # A short unnumbered stretch right above a titled numbered plan is the page's
            # heading and lead-in (the last piece of a page cut off short stays a plan).
            heads_plan = k + 1 < len(parsed) and any(
                d.sections and d.start == d.segment.start and d.segment.title is not None
                for d in parsed[k + 1][1][:1]
            )
            # A compilation marker over a short introduction, then the piece's own title
            # and numbered body (`篇一` / intro / `2023年…计划` / `一、…`): the marker opens
            # that plan, its introduction is the lead-in.
            marks_plan = heads_plan and seg.compiled and not parsed[k + 1][0].compiled
            for doc_start, doc_end, secs, warnings, seg_title in docs:
                plan = self._build_plan(
                    norm, source, len(plans), doc_start, doc_end, secs, warnings, seg_title, months
                )
                if plan is not None:
                    short = len(text[doc_start:doc_end].strip()) < _INTRO_MAX
                    lead_in = heads_plan and short
                    if not secs and (
                        listed
                        or (
                            not seg.compiled
                            and (plan.title is None or plan.title in titles or lead_in)
                        )
                        or (marks_plan and short)
                        or (short and _teaser(self.parts, text, parsed, k))
                    ):
                        # (the page repeating a plan's title after it opens no plan either,
                        # nor a page heading over a short lead-in)
                        untitled.append(len(plans))
                    elif secs and not seg.compiled and _bare_list(text, secs):
                        outlines.append(len(plans))
                    elif secs:
                        bodied = len(plans)  # the last numbered plan with bodies
                    if plan.title is not None:
                        titles.add(plan.title)
                    plans.append(plan)
        # Above a plan whose sections have bodies, a list of bare lines is the page's chrome
        # (a menu, a table of contents, a list of related pages), not a plan.
        untitled += [k for k in outlines if k < bodied]
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

    def _part_of(self, text: str, before: list[DocDraft], seg: Segment) -> bool:
        """Whether ``seg``, cut at a title line, heads a part of the plan before it (a
        sub-scheme, a closing table, a report's next-year part: :class:`PartRules`).

        The plan before must be a real one: two top sections or more, and a title of
        its own or top headings that report on the past; numbered page chrome above
        a plan's title is no plan that the title could continue. Below a titled
        unnumbered plan, only a bare title (no unit, no 工会) heads a part of it.
        """
        if seg.compiled or seg.header_only or seg.title is None or not before:
            return False
        last = before[-1]
        top = [s for s in last.sections if s.depth == 0]
        title = last.segment.title if last.start == last.segment.start else None
        if not top and title is not None and _FORTY_LETTERS.match(text, last.start, last.end):
            # An unnumbered plan with a title of its own: a bare title inside it
            # (`2025年工作要点`, `下半年工作打算`) heads its next part.
            return self.parts.is_("bare_title", seg.title) and not self.parts.is_(
                "bare_title", title
            )
        if len(top) < 2:
            return False
        heads = "\n".join(line_rest(text, s.marker_end)[:30] for s in top)
        opening = line_rest(text, skip_space(text, seg.start, seg.end))
        return self.parts.part_title(seg.title, title, heads, opening)

    def _build_plan(
        self,
        norm: NormalizedText,
        source: Source | None,
        index: int,
        start: int,
        end: int,
        secs: list[SectionDraft],
        raw_warnings: list[Any],
        seg: Segment,
        months: list[MonthHeading],
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
            sec.title_start = skip_lead(text, sec.marker_end, nxt)
            sec.title_end = title_end(text, sec.title_start, nxt)
        # A section ends where the next section at its depth or above begins.
        open_secs: list[SectionDraft] = []
        for sec in secs:
            while open_secs and open_secs[-1].depth >= sec.depth:
                open_secs.pop().end = sec.start
            open_secs.append(sec)
        for sec in open_secs:
            sec.end = end
        for sec in secs:
            sec.end = trim_end(text, sec.start, sec.end)
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
                    leaf_measures = find_measures(
                        norm,
                        sec.start,
                        sec.end,
                        months,
                        title_end=sec.title_end,
                        marker_end=sec.marker_end,
                        floor=floor,
                    )
                elif first_child[i] > sec.title_end:
                    # The unnumbered body before the first child: its action sentences.
                    leaf_measures = find_measures(
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
        plan_span = norm.span(start, trim_end(text, start, end))
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
        self, norm: NormalizedText, start: int, end: int, months: list[MonthHeading]
    ) -> Section:
        """The one section of a plan without numbering (marker ``""``), split into sentences."""
        text = norm.text
        s0 = skip_space(text, start, end)
        e0 = trim_end(text, s0, end)
        measures = find_measures(norm, s0, e0, months, force_split=True) if e0 > s0 else []
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
            for m in scan(pattern, text, scan_budget(len(text))):
                if self_only and not m.group("self"):
                    continue
                return _unit_name(m)
        return None


def _teaser(
    parts: PartRules, text: str, parsed: list[tuple[Segment, list[DocDraft]]], k: int
) -> bool:
    """Whether the titled, unnumbered segment ``k`` is a link to another page: its
    text ends in a read-more link, or in an ellipsis as does a titled unnumbered
    neighbour's (a site's list of titles, each with the opening of its page)."""

    def cut(i: int) -> str | None:
        if not 0 <= i < len(parsed):
            return None
        seg, docs = parsed[i]
        if seg.title is None or seg.compiled or any(d.sections for d in docs):
            return None
        body = text[seg.start : seg.end].strip()
        if parts.is_("read_more", body):
            return "link"
        return "cut" if parts.is_("cut_off", body) else None

    own = cut(k)
    return own == "link" or (own == "cut" and (cut(k - 1) is not None or cut(k + 1) is not None))


def _bare_list(text: str, secs: list[SectionDraft]) -> bool:
    """Whether every section of ``secs`` is one short line with nothing under its title
    (a list of links or of contents, not a plan's headings and items)."""
    for i, sec in enumerate(secs):
        nxt = secs[i + 1].start if i + 1 < len(secs) else sec.end
        title = text[sec.title_start : sec.title_end]
        if len(title) > _BARE_LINE or "\n" in title or text[sec.title_end : nxt].strip(" \t\n"):
            return False
    return True


def _ordinal_ids(secs: list[SectionDraft]) -> list[str]:
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
#: a placeholder year (`20__年`, `20xx年`, `XX年`, a school year `20xx-20xx学年`): the title
#: states a year, unknown
_PLACEHOLDER_YEAR = regex.compile(r"(?:19|20)?(?:[xX×＿_]{2}|[xX×]{2})\s*学?年")
#: a title-like line of an opening (a plan's own heading the splitter left in its body), or
#: in run-on text the words before the first marker on the line (`2019小学工会工作计划 4、…`)
_TITLE_LINE = regex.compile(
    r"^[^\n。；;]{0,50}?(?:计划|要点|安排|方案|思路|规划|打算)(?:[^\n。；;]{0,20}$|"
    r"(?=[ \t]*(?:[一二三四五六七八九十]{1,3}、|[0-9]{1,2}[、.．](?![0-9])|"
    r"[（(][一二三四五六七八九十0-9]{1,3}[）)])))",
    regex.MULTILINE,
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
    lines = scan(_TITLE_LINE, opening, scan_budget(len(opening)))
    # the first two lines that start in the head (matches come in order: the scan stops
    # at the first one past it)
    near = takewhile(lambda m: m.start() < _HEAD_LINES_IN, lines)
    heads += [(m.group(), *m.span()) for m in islice(near, 2)]
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
    first numbered section (`2024年学校工会工作计划范文(精选6篇)`); for a plan with a
    title of its own, not another plan's title right over that plan's first
    heading. Without
    one, the year the body gives the plan's targets (`全面完成2011年度工作目标`),
    or the one year its measures name, more than once and no other
    (`2023年青年教师教学竞赛…2023年教职工篮球比赛`). A plan whose title or
    opening writes its year as a blank (`20__年`) keeps it unknown, and so does one
    whose own heading does, the last title-like line above it (`20xx年…计划(一)`
    under a page heading `2020年…计划`), taken for its title or not.
    """
    if all(plan.year is not None for plan in plans):
        return plans
    text = norm.text
    starts = [norm.norm_range(p.sections[0].span)[0] for p in plans if p.sections[0].marker]
    limit = min([*starts, _HEADING_READ, len(text)])
    # A plan's own title right over its first heading is no heading of the page for the
    # plans after it that carry titles of their own (`机关工会2021年工作计划` / `一、…`, then
    # `社区工会工作计划` / `一、…`: the second plan's year is unknown); an untitled plan after
    # it (the numbering restarting) and a title over a piece's marker (`2024年…计划范文` /
    # `【篇一】`) still give the page's year.
    owned = [
        (a, b)
        for p in plans
        if p.title_span is not None
        for a, b in [norm.norm_range(p.title_span)]
        if not text[b : norm.norm_range(p.sections[0].span)[0]].strip()
    ]
    heading_year = _heading_year(text, limit, [])
    page_year = _heading_year(text, limit, owned) if owned else heading_year
    out: list[Plan] = []
    above = 0  # where the text above the plan starts: the end of the plan before it
    for plan in plans:
        start, end = norm.norm_range(plan.span)
        if plan.year is None and not _blank_year(plan) and not _blank_heading(text, above, start):
            year = (page_year if plan.title else heading_year) or _body_year(text, start, end)
            if year is not None:
                plan = replace(plan, year=year, period=plan.period or "annual")
        out.append(plan)
        above = max(above, end)
    return out


def _heading_year(text: str, limit: int, owned: list[tuple[int, int]]) -> int | None:
    """The year of the first title-like line of ``text[:limit]`` holding one, the lines
    overlapping a range of ``owned`` left out."""
    for m in scan(_TITLE_LINE, text, scan_budget(limit), 0, limit):
        if _PLACEHOLDER_YEAR.search(m.group()) or any(
            a < m.end() and m.start() < b for a, b in owned
        ):
            continue
        year = _year_period(m.group(), "")[0]
        if year is not None:
            return year
    return None


def _blank_heading(text: str, start: int, end: int) -> bool:
    """The last title-like line of ``text[start:end]`` writes its year as a blank."""
    lines = list(scan(_TITLE_LINE, text, scan_budget(end - start), start, end))
    last = lines[-1].group() if lines else ""
    return _PLACEHOLDER_YEAR.search(last) is not None


def _body_year(text: str, start: int, end: int) -> int | None:
    """The year a plan's body gives itself (see :func:`_with_heading_year`), or None."""
    budget = scan_budget(end - start)
    targets = {int(m.group(1)) for m in scan(_TARGETS_YEAR, text, budget, start, end)}
    if len(targets) == 1:
        return targets.pop()
    named = [int(m.group(1)) for m in scan(_BODY_YEAR, text, budget, start, end)]
    if len(named) > 1 and len(set(named)) == 1:
        return named[0]
    return None


def _blank_year(plan: Plan) -> bool:
    """The plan writes its year as a blank (`20xx年…计划`, `20xx-20xx学年…计划`) in its
    title or opening."""
    if plan.title is not None and _PLACEHOLDER_YEAR.search(plan.title):
        return True
    body = next((s.span.start for s in plan.sections if s.marker), plan.span.end)
    return any(p.kind == "year" and p.span.start < body for p in plan.placeholders)
