"""Attaching: each deadline given to the measure it governs, schedules' months to their items.

:func:`_attach` gives a deadline to the measure holding it (else the nearest
one before it in its section); a month heading of a schedule is the deadline of
the items under it, and a schedule that runs past December, or names a festival
of the coming year, is read again in the next year (:func:`_in_year`, :func:`_coming`).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from ..model import Deadline, Measure, Plan, Section, Span, replacer

if TYPE_CHECKING:
    from .extractor import DeadlineExtractor

#: a value in a month of a known year (2024-03, 2024-03-08); not a quarter's or a half
#: year's 2024-33 or 2024-40, which stand for no month
_YEAR_MONTH = re.compile(r"(\d{4})-(0[1-9]|1[0-2])(?!\d)")
#: a value in a known year, of a month, day or part of the year
_OF_YEAR = re.compile(r"\d{4}-\d{2}")


def _attach(
    sections: Sequence[Section],
    deadlines: Sequence[Deadline],
    extractor: DeadlineExtractor,
    year: int | None,
    school: bool,
    source: str = "",
) -> tuple[Section, ...]:
    """Give each deadline to the measure that holds it (else the nearest one before it).

    A month heading of a schedule is the deadline of the items under it: as the
    scan of the whole text read it where that is longer than the heading
    (`七、八月份` over a heading `八月份`), else read from the heading alone. So is
    a time in the title of a section with items under it and no text of its own
    (`1. 第一季度：迎新与动员`, `二、5月：读书月`, `一、做好三八节慰问`), or in brackets
    after it (`一、举办文化节（3月6日—30日）`), as a schedule's month heading does:
    every measure under the heading gets it (:func:`_heading_lines`,
    :func:`_dates_heading`). ``source`` is the text the spans point into.
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
    head_lines = _heading_lines(sections, source)
    head_starts = [h[0] for h in head_lines]
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
        if target is None and head_lines:
            h = bisect.bisect_right(head_starts, d.span.start) - 1
            if h >= 0 and _dates_heading(head_lines[h], d.span, source):
                # A heading's time: the deadline of every measure under the heading, up to
                # a schedule's month heading under it (the items after that are its own).
                below = bisect.bisect_left(starts, d.span.end)
                while below < len(slots) and slots[below][0] < head_lines[h][3]:
                    si, mi = slots[below][2:]
                    under = sections[si].measures[mi].schedule_span
                    if under is not None and under.start >= d.span.end:
                        break
                    bucket.setdefault((si, mi), []).append(d)
                    below += 1
            continue
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


def _give_lead(
    sections: tuple[Section, ...], lead: Deadline, deadlines: Sequence[Deadline], source: str
) -> tuple[Section, ...]:
    """A schedule's first month heading (above the first section) given to the measures
    under it: those up to the next month heading alone on its line (or the plan's end)."""
    bound: int | None = None
    for d in deadlines:  # the next heading: an expression that is its line
        line_start = source.rfind("\n", 0, d.span.start) + 1
        line_end = source.find("\n", d.span.end)
        line = source[line_start : len(source) if line_end < 0 else line_end]
        if line.strip().rstrip(":：") == d.text and d.span.start > lead.span.end:
            bound = d.span.start
            break
    out: list[Section] = []
    for sec in sections:
        if not sec.measures or (bound is not None and sec.span.start >= bound):
            out.append(sec)
            continue
        measures = tuple(
            _with_deadlines(m, (lead, *m.deadlines))
            if (bound is None or m.span.start < bound) and lead not in m.deadlines
            else m
            for m in sec.measures
        )
        out.append(_with_measures(sec, measures))
    return tuple(out)


#: a heading line: its start, where its title starts, its end (the line's end, or the first
#: item under it when that comes sooner), the end of its section and where its title ends
_HeadLine = tuple[int, int, int, int, int]
#: brackets that open a note after a heading's title (`…文化节（3月6日—30日）`)
_NOTE_OPENS = ("(", "（")


def _heading_lines(sections: Sequence[Section], source: str) -> list[_HeadLine]:
    """The heading lines of sections without measures of their own, in order.

    Only the heading line: a paragraph between a heading and its items says things
    of its own.
    """
    out: list[_HeadLine] = []
    for si, sec in enumerate(sections):
        if sec.measures or not source:
            continue
        start = sec.span.start
        line_end = source.find("\n", start, sec.span.end)
        end = sec.span.end if line_end < 0 else line_end
        if si + 1 < len(sections) and sections[si + 1].span.start < end:
            end = sections[si + 1].span.start
        out.append((start, sec.title_span.start, end, sec.span.end, sec.title_span.end))
    return out


def _dates_heading(line: _HeadLine, span: Span, source: str) -> bool:
    """A time at ``span`` dates the items under the heading ``line``: it stands in the
    heading's title, or in brackets after it on its line (the event's dates)."""
    _, title_start, end, _, title_end = line
    if span.start < title_start or span.end > end:
        return False
    return span.end <= title_end or source[title_start : span.start].rstrip().endswith(_NOTE_OPENS)


#: how far a schedule's month must fall below the one before it to start the next year
#: (十二月 then 一月; not a month repeated or put back by one)
_FALL_BACK = 6


def _in_year(d: Deadline, extractor: DeadlineExtractor, year: int) -> Deadline:
    """``d`` read again in ``year`` (a schedule entry after the schedule ran into it)."""
    if not d.value or not _OF_YEAR.match(d.value):
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
