"""Exports: JSON Lines records, failure records, text outlines and iCalendar.

The record of a parsed file is ``{"schema", "source", "documents", "warnings"}``
(see ``data/plan.schema.json``); a file that could not be processed gives
``{"schema", "source": {"path"}, "failure": {"stage", "error", "message"}}``.

The iCalendar export (:func:`to_ics`) writes one VTODO per dated measure:
``summary`` is the measure's first clause, ``due`` the end of its deadline
(EDTF resolved to a date), ``categories`` the section's themes,
``description`` the section path and the parties, RRULE for recurrences. A
deadline whose year is unknown (``XXXX``) takes the plan's year or one passed
by the caller; without one the measure is listed as skipped, never dated by
the clock. It uses the ``icalendar`` package (``pip install 'unionnlp[calendar]'``).
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from .errors import UnionNLPError
from .model import SCHEMA, Deadline, Measure, Plan, Section, Source

__all__ = [
    "Skipped",
    "dump_jsonl",
    "failure_record",
    "format_skipped",
    "jsonl_line",
    "outline",
    "plan_record",
    "resolve_value",
    "to_ics",
]


def plan_record(source: Source, plans: Sequence[Plan]) -> dict[str, Any]:
    """The JSON record of one source file and its plans."""
    return {
        "schema": SCHEMA,
        "source": source.to_dict(),
        "documents": [p.to_dict(with_source=False) for p in plans],
        "warnings": [w.to_dict() for w in source.warnings],
    }


def failure_record(path: str, stage: str, error: BaseException) -> dict[str, Any]:
    """The record of an input that could not be processed: path, stage, error type, message."""
    return {
        "schema": SCHEMA,
        "source": {"path": path},
        "failure": {"stage": stage, "error": type(error).__name__, "message": str(error)},
    }


def jsonl_line(record: dict[str, Any]) -> str:
    """One record as one line of JSON, newline included (Chinese kept readable)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n"


def dump_jsonl(record: dict[str, Any], stream: TextIO) -> None:
    """Write one record as one line of JSON (UTF-8 text, Chinese kept readable)."""
    stream.write(jsonl_line(record))


def outline(source: Source, plans: Sequence[Plan]) -> str:
    """A readable outline of the plans: titles, numbered sections, measures, warnings."""
    lines = [f"# {source.path or '<text>'}  ({len(plans)} plan{'s' if len(plans) != 1 else ''})"]
    for plan in plans:
        meta = ", ".join(
            f"{k}: {v}"
            for k, v in (
                ("unit", plan.unit),
                ("year", plan.year),
                ("period", plan.period),
                ("script", plan.script),
            )
            if v
        )
        lines.append("")
        lines.append(
            f"## {plan.index + 1}. {plan.title or '(untitled plan)'}"
            + (f"  [{meta}]" if meta else "")
        )
        for sec in plan.sections:
            indent = "  " * (sec.level - 1)
            label = f"{sec.marker}{sec.title}" if sec.marker else "(unnumbered text)"
            n = len(sec.measures)
            suffix = f"  ({n} measure{'s' if n != 1 else ''})" if n else ""
            lines.append(f"{indent}- {label}{suffix}")
        for warning in plan.warnings:
            lines.append(f"  ! {warning.code}: {warning.message}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------
# iCalendar

_PRODID = "-//unionnlp//unionnlp calendar export//ZH"
_QUARTER_END = {33: (3, 31), 34: (6, 30), 35: (9, 30), 36: (12, 31)}
_QUARTER_START = {33: 1, 34: 4, 35: 7, 36: 10}
_SEASON = {21: (3, 5), 22: (6, 8), 23: (9, 11), 24: (12, 12)}  # start month, end month


@dataclass(frozen=True)
class Skipped:
    """A dated measure left out of the calendar, and why."""

    plan: int
    section: str
    text: str
    deadline: str
    reason: str
    #: the source file of the plan (``None`` for a plan parsed from a string)
    path: str | None = None


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, _calendar.monthrange(year, month)[1])


def resolve_value(value: str, year: int | None) -> tuple[dt.date | None, dt.date | None] | None:
    """The (start, end) dates an EDTF value covers; ``X`` years take ``year``.

    ``None`` when the value cannot be dated (unknown year and none given).
    An open end gives ``None`` on that side.
    """
    if "/" in value:
        left, right = value.split("/", 1)
        start = resolve_value(left, year) if left and left != ".." else (None, None)
        end = resolve_value(right, year) if right and right != ".." else (None, None)
        if start is None or end is None:
            return None
        return start[0], end[1]
    if value.startswith("XXXX"):
        if year is None:
            return None
        value = f"{year:04d}" + value[4:]
    parts = value.split("-")
    try:
        y = int(parts[0])
        if len(parts) == 1:
            return dt.date(y, 1, 1), dt.date(y, 12, 31)
        code = int(parts[1])
        if len(parts) == 3:
            day = dt.date(y, code, int(parts[2]))
            return day, day
        if 1 <= code <= 12:
            return dt.date(y, code, 1), _month_end(y, code)
        if code in _QUARTER_END:
            m, d = _QUARTER_END[code]
            return dt.date(y, _QUARTER_START[code], 1), dt.date(y, m, d)
        if code == 40:
            return dt.date(y, 1, 1), dt.date(y, 6, 30)
        if code == 41:
            return dt.date(y, 7, 1), dt.date(y, 12, 31)
        if code in _SEASON:
            first, last = _SEASON[code]
            return dt.date(y, first, 1), _month_end(y, last)
    except ValueError:
        return None
    return None


def _summary(measure: Measure) -> str:
    text = measure.text
    for stop in ("。", "；", "\n"):
        if stop in text:
            text = text.split(stop, 1)[0]
    return text[:80]


def _description(plan: Plan, section: Section, measure: Measure) -> str:
    path = " > ".join(f"{s.marker}{s.title}" for s in plan.path(section) if s.marker)
    parties = "、".join(
        f"{p.name}（{'牵头' if p.role == 'lead' else '配合'}）" for p in measure.parties
    )
    lines = [f"计划：{plan.title or '（无标题）'}"]
    if path:
        lines.append(f"章节：{path}")
    if parties:
        lines.append(f"责任单位：{parties}")
    return "\n".join(lines)


def _uid(plan: Plan, section: Section, measure: Measure, deadline: Deadline) -> str:
    key = f"{plan.source.sha256 if plan.source else ''}|{plan.index}|{section.id}|"
    key += f"{measure.span.start}|{deadline.span.start}|{deadline.text}"
    return hashlib.sha1(key.encode("utf-8")).hexdigest() + "@unionnlp"


def to_ics(plans: Iterable[Plan], *, year: int | None = None) -> tuple[bytes, list[Skipped]]:
    """An iCalendar file of the plans' dated measures, and the measures left out.

    Args:
        plans: parsed plans (deadline stage included).
        year: the year for plans whose own year is unknown.

    Raises:
        UnionNLPError: the ``icalendar`` package is not installed.
    """
    try:
        import icalendar
    except ImportError as err:
        raise UnionNLPError(
            "calendar export needs the icalendar package: pip install 'unionnlp[calendar]'"
        ) from err
    cal = icalendar.Calendar()
    cal.add("prodid", _PRODID)
    cal.add("version", "2.0")
    skipped: list[Skipped] = []
    for plan in plans:
        plan_year = plan.year if plan.year is not None else year
        for section, measure in plan.measures():
            for deadline in measure.deadlines:
                todo = _todo(icalendar, plan, section, measure, deadline, plan_year, skipped)
                if todo is not None:
                    cal.add_component(todo)
    return cal.to_ical(), skipped


def _todo(
    icalendar: Any,
    plan: Plan,
    section: Section,
    measure: Measure,
    deadline: Deadline,
    year: int | None,
    skipped: list[Skipped],
) -> Any:
    def skip(reason: str) -> None:
        path = plan.source.path if plan.source else None
        skipped.append(
            Skipped(plan.index, section.id, _summary(measure), deadline.text, reason, path)
        )

    todo = icalendar.Todo()
    todo.add("uid", _uid(plan, section, measure, deadline))
    whole_item = bool(section.marker) and measure.text.startswith(section.marker)
    todo.add("summary", section.title if whole_item and section.title else _summary(measure))
    todo.add("description", _description(plan, section, measure))
    todo.add("dtstamp", dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    themes = [t.label for t in section.themes] or [t.label for t in measure.themes]
    if themes:
        todo.add("categories", themes)
    if deadline.kind == "every":
        if not deadline.rrule:
            skip("recurrence without a rule")
            return None
        if year is None:
            skip("recurrence in a plan of unknown year (pass --year)")
            return None
        todo.add("dtstart", dt.date(year, 1, 1))
        rule = icalendar.vRecur.from_ical(deadline.rrule)
        rule["UNTIL"] = dt.date(year, 12, 31)
        todo.add("rrule", rule)
        return todo
    value = deadline.value
    if value is None:
        # In a plan of unknown year, a lunar festival has no date yet: read its text again
        # with the year given, or with any year to tell it from words without a date.
        from .deadlines import find_deadlines

        again = (
            find_deadlines(deadline.text, year=year if year is not None else 2000)
            if plan.year is None
            else []
        )
        found = again[0].value if again else None
        if found is None:
            skip("no fixed calendar date")
            return None
        if year is None:
            skip("a lunar festival: its date depends on the year, which is not known (pass --year)")
            return None
        value = found
    values = value.strip("{}").split(",") if value.startswith("{") else [value]
    resolved = resolve_value(values[-1], year)
    if resolved is None:
        skip("unknown year (pass --year)" if "XXXX" in value else "value not datable")
        return None
    start, end = resolved
    if end is None:
        skip("open-ended period")
        return None
    if deadline.kind in ("on", "during") and start is not None and start != end:
        todo.add("dtstart", start)
    todo.add("due", end)
    return todo


def format_skipped(skipped: Sequence[Skipped]) -> str:
    """A readable list of skipped measures, one line each, naming the file."""
    return "\n".join(
        f"skipped {s.path + ', ' if s.path else ''}plan {s.plan + 1} section {s.section}:"
        f" {s.deadline!r} in {s.text!r} ({s.reason})"
        for s in skipped
    )
