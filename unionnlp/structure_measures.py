"""Structure, step 4: measures, the leaves of a plan, with their schedule months and tables.

A leaf section's body is cut at month headings of schedules (each piece
carries its month); a piece holding three or more action sentences gives one
measure per action sentence. A plan table (序号 | 工作内容 | 责任单位 | 完成时限)
gives one measure per row (:func:`measures_from_table`).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from ._structure_text import sentences, skip_lead, skip_space, trim_end
from .model import Measure, Table
from .normalize import NormalizedText
from .structure_markers import MonthHeading

__all__ = ["find_measures", "measures_from_table", "month_pieces"]

#: the verbs of an action sentence (``re``: a list of words, which it reads alike and
#: scans faster than ``regex``)
_ACTION = re.compile(
    r"开展|组织|举办|做好|加强|建立|完善|推进|落实|召开|实施|推动|发放|慰问|评选|参加|制定|坚持|"
    r"深化|健全|提高|抓好|搞好|办好|维护|引导|培训|宣传|督促|检查|表彰|选举|收缴|申报|发挥|建设|"
    r"配合|协助|牵头|负责|完成|确保|力争|争取|打造|筹备|成立|增强|关心|帮助|走访|规范|创建|"
    r"要|将|把"
)

#: brackets that open a month heading (`【三月】`): the piece before it ends without them
_OPENS_HEADING = "【["

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


def month_pieces(
    start: int, end: int, months: list[MonthHeading], floor: int
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


def find_measures(
    norm: NormalizedText,
    start: int,
    end: int,
    months: list[MonthHeading],
    *,
    title_end: int | None = None,
    marker_end: int | None = None,
    floor: int | None = None,
    force_split: bool = False,
    only_actions: bool = False,
) -> list[Measure]:
    """Measures of a leaf ``[start, end)``.

    The leaf is cut at month headings of schedules (each piece carries its
    month; a leaf right after a month heading inherits it); a piece whose
    body holds three or more action sentences gives one measure per action
    sentence (the heading itself is the section's title, not a measure). A piece
    that holds no more than the leaf's marker (ending by ``marker_end``: the ``1、``
    of ``1、一月份：…`` before its month heading) is no measure.
    """
    text = norm.text
    pieces = month_pieces(start, end, months, start if floor is None else floor)
    measures: list[Measure] = []
    for ps, pe, label, mspan in pieces:
        ps = skip_space(text, ps, pe)
        pe = trim_end(text, ps, pe)
        while pe > ps and text[pe - 1] in _OPENS_HEADING:  # the `【` of the next `【三月】`
            pe = trim_end(text, ps, pe - 1)
        if pe <= ps or (len(pieces) > 1 and marker_end is not None and pe <= marker_end):
            continue
        body_from = title_end if title_end is not None and ps <= title_end < pe else ps
        spans = [(a, b) for a, b in sentences(text, body_from, pe) if b - a >= 6]
        # Action sentences decide only when splitting is forced or there are three of them.
        if only_actions or force_split or len(spans) >= 3:
            spans = [(a, b) for a, b in spans if _ACTION.search(text, a, b)]
        if not (only_actions or (force_split and spans) or len(spans) >= 3):
            spans = [(ps, pe)]
        schedule_span = norm.span(*mspan) if mspan else None
        for a, b in spans:
            a = skip_lead(text, a, b)
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
