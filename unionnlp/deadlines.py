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
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import regex

from ._numerals import read_number
from .errors import DataFileError
from .model import Deadline, DeadlineKind, Measure, Plan, Section, Span
from .resources import Rule, load_rules, load_toml

__all__ = ["DeadlineExtractor", "find_deadlines"]

logger = logging.getLogger(__name__)

_MONTH_WORDS = {"元": 1, "正": 1}
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
_SEASONS = {
    "春季": "21",
    "夏季": "22",
    "暑假": "22",
    "暑期": "22",
    "秋季": "23",
    "冬季": "24",
    "寒假": "24",
}
# Past and background time (去年…, …以来): not deadlines of the plan.
_PAST_BEFORE = regex.compile(r"去年|前年|过去|上年度?|以往|曾经|截至|截止")
_PAST_AFTER = regex.compile(r"^\s*(?:以来|来|期间已|已经|已)")
_CLAUSE_END = set("。；;！？!?\n")
# Every rule needs one of these characters (a month, a year part, a recurrence, a
# festival, a label); text without any of them holds no deadline.
_TRIGGER = regex.compile(
    r"[月年季周节每假期日天旬元宵端午中秋国庆重阳八一五四六教师时限即春夏秋冬暑寒学植护医母]"
)
_QUOTES = "“”\"‘’'「」"
# A date alone on a short line (a signature or publication date), not a deadline.
_SIGNATURE_LINE = 25


def _number(token: str | None) -> int | None:
    """Read ``12``, ``十二``, ``二十三``, ``元`` (the first month), ``二〇二四``."""
    return read_number(token, extra=_MONTH_WORDS)


@dataclass(frozen=True)
class Found:
    """One time expression in a text, with offsets into that text."""

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
    def festivals(self) -> dict[str, _Festival]:
        path = self.festivals_path or "festivals.toml"
        data = load_toml(path)
        table: dict[str, _Festival] = {}
        for entry in data.get("festival", ()):
            try:
                fest = _Festival(
                    str(entry["name"]), entry.get("solar"), entry.get("lunar"), entry.get("month")
                )
                aliases = [str(a) for a in entry["aliases"]]
            except (KeyError, TypeError) as err:
                raise DataFileError(path, f"festival entry {entry!r} lacks {err}") from err
            for alias in aliases:
                if alias in table:
                    raise DataFileError(path, f"alias {alias!r} given twice")
                table[alias] = fest
        return table

    @cached_property
    def rules(self) -> list[Rule]:
        names = sorted(self.festivals, key=len, reverse=True)
        alternation = "|".join(regex.escape(n) for n in names)
        return load_rules(
            self.rules_path or "deadlines.toml", "rule", variables={"FESTIVALS": alternation}
        )

    @cached_property
    def _combined(self) -> list[tuple[Rule, regex.Pattern[str]]]:
        return [(rule, rule.pattern) for rule in self.rules]

    # -- finding ------------------------------------------------------------
    def find(self, text: str, *, year: int | None = None, school_year: bool = False) -> list[Found]:
        """Every deadline expression in ``text`` (offsets into ``text``), in order."""
        if not _TRIGGER.search(text):
            return []  # no character any rule needs: most sentences of a plan
        raw: list[tuple[int, int, int, Rule, regex.Match[str]]] = []
        for order, (rule, pattern) in enumerate(self._combined):
            for m in pattern.finditer(text, timeout=2.0 + len(text) / 500_000):
                if m.end() > m.start():
                    raw.append((m.start(), -(m.end() - m.start()), order, rule, m))
        raw.sort(key=lambda r: (r[0], r[1], r[2]))
        found: list[Found] = []
        last_end = -1
        for start, _neg, _order, rule, m in raw:
            if start < last_end:
                continue
            if _is_background(text, m.start(), m.end()) or _is_signature(text, m.start(), m.end()):
                continue
            items = [
                _strip_quotes(f)
                for f in self._interpret(rule, m, text, year=year, school_year=school_year)
            ]
            if items:
                found.extend(items)
                last_end = m.end()
        return found

    def _interpret(
        self, rule: Rule, m: regex.Match[str], text: str, *, year: int | None, school_year: bool
    ) -> list[Found]:
        handler = str(rule.get("handler", "month"))
        kind: DeadlineKind = rule.get("kind", "on")
        g = m.groupdict()
        if handler == "labelled":
            return self._labelled(m, text, year=year, school_year=school_year)
        y = _number(g.get("y")) or year

        def ystr(month: int | None = None) -> str:
            if y is None:
                return "XXXX"
            if school_year and month is not None and month < 9 and g.get("y") is None:
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
            if handler == "date":
                day = _number(g.get("d"))
                if day is None or not 1 <= day <= 31:
                    return []
                value += f"-{day:02d}"
            if suf in _BEFORE:
                kind = "by"
        elif handler == "month_range":
            m1 = _number(g.get("m1") or g.get("m1b"))
            m2 = _number(g.get("m2") or g.get("m2b"))
            if not m1 or not m2 or not (1 <= m1 <= 12 and 1 <= m2 <= 12) or m1 > m2:
                return []
            value = f"{ystr(m1)}-{m1:02d}/{ystr(m2)}-{m2:02d}"
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
            if part in ("上半年", "下半年"):
                value = f"{ystr()}-{'40' if part == '上半年' else '41'}"
                kind = "by" if suf in _BEFORE or suf == "末" else "during"
            elif part in ("年底", "年末", "年终", "岁末"):
                value, kind = f"{ystr()}-12", ("by" if suf in _BEFORE else "on")
            elif part == "年初":
                value, kind = f"{ystr()}-01", ("by" if suf in _BEFORE else "on")
            elif part == "年中":
                value, kind = f"{ystr()}-06", ("by" if suf in _BEFORE else "on")
            else:  # 年内, 年度内, 全年
                value, kind = ystr(), "during"
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
            m1, m2 = _number(g.get("m1")), _number(g.get("m2"))
            if not m1 or not m2 or m1 > 12 or m2 > 12:
                return []
            value = f"{{{ystr(m1)}-{m1:02d},{ystr(m2)}-{m2:02d}}}"
        elif handler == "season":
            season = g.get("season") or ""
            if season in _SEASONS:
                value = f"{ystr()}-{_SEASONS[season]}"
            elif season in ("学期末", "期末"):
                kind = "by"
            else:
                kind = "on"
        elif handler == "festival":
            first = self._festival_date(g.get("f1"), y, school_year)
            second = self._festival_date(g.get("f2"), y, school_year) if g.get("f2") else None
            if g.get("f2") and first and second:
                value = f"{first}/{second}" if first <= second else first
            elif g.get("f2"):
                value = None
            else:
                value = first
            if suf == "期间" or g.get("f2"):
                kind = "during"
            elif suf in ("前", "之前", "前夕"):
                kind = "by"
        elif handler == "every_weekdays":
            rrule = _weekly(g.get("days") or "")
            if rrule is None:
                return []
        elif handler == "every_nth_weekday":
            nth = g.get("nth") or ""
            weekday = _WEEKDAYS.get(g.get("day") or "")
            if weekday is None:
                return []
            n = -1 if nth.startswith("最后") else (_number(regex.sub(r"[第个]", "", nth)) or 1)
            rrule = f"FREQ=MONTHLY;BYDAY={n}{weekday}"
        elif handler == "every":
            rrule = _every(g)
            if rrule is None:
                return []
        else:
            raise DataFileError(
                self.rules_path or "deadlines.toml",
                f"rule {rule.name!r}: unknown handler {handler!r}",
            )
        return [Found(m.start(), m.end(), m.group(), kind, value, rrule, rule.name)]

    def _labelled(
        self, m: regex.Match[str], text: str, *, year: int | None, school_year: bool
    ) -> list[Found]:
        """``时限:6月;12月`` gives two deadlines; the body is read by the other rules."""
        body_start = m.start("body")
        out: list[Found] = []
        for f in self.find(m.group("body"), year=year, school_year=school_year):
            kind: DeadlineKind = "by" if f.kind == "on" else f.kind
            out.append(
                replace(
                    f,
                    start=body_start + f.start,
                    end=body_start + f.end,
                    kind=kind,
                    rule=f"labelled_field+{f.rule}",
                )
            )
        return out

    def _festival_date(self, alias: str | None, year: int | None, school_year: bool) -> str | None:
        if not alias:
            return None
        fest = self.festivals.get(alias)
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
        return replace(plan, sections=_attach(plan.sections, deadlines, self, plan.year, school))


def _attach(
    sections: Sequence[Section],
    deadlines: Sequence[Deadline],
    extractor: DeadlineExtractor,
    year: int | None,
    school: bool,
) -> tuple[Section, ...]:
    """Give each deadline to the measure that holds it (else the nearest one before it)."""
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
    for d in deadlines:
        h = bisect.bisect_right(heading_starts, d.span.start) - 1
        near = headings[max(h, 0) : h + 2] if headings else []
        if any(x.start < d.span.end and d.span.start < x.end for x in near):
            continue
        k = bisect.bisect_right(starts, d.span.start) - 1
        target: tuple[int, int] | None = None
        while k >= 0:
            s, e, si, mi = slots[k]
            if s <= d.span.start and d.span.end <= e:
                target = (si, mi)
                break
            if sections[si].span.contains(d.span):
                target = (si, mi)  # a 时限 line after the measure it belongs to
                break
            break
        if target is None:
            continue
        bucket.setdefault(target, []).append(d)
    out: list[Section] = []
    for si, sec in enumerate(sections):
        measures: list[Measure] = []
        for mi, measure in enumerate(sec.measures):
            found = list(bucket.get((si, mi), ()))
            if measure.schedule and measure.schedule_span is not None:
                for f in extractor.find(measure.schedule, year=year, school_year=school):
                    found.insert(0, f.deadline(measure.schedule_span, prefix="schedule+"))
            measures.append(replace(measure, deadlines=tuple(found)))
        out.append(replace(sec, measures=tuple(measures)))
    return tuple(out)


def _is_background(text: str, start: int, end: int) -> bool:
    """Past or background time: 去年…, 过去五年, …以来."""
    left = start
    while left > 0 and start - left < 12 and text[left - 1] not in _CLAUSE_END:
        left -= 1
    if _PAST_BEFORE.search(text, left, start):
        return True
    return bool(_PAST_AFTER.match(text[end : end + 4]))


def _is_signature(text: str, start: int, end: int) -> bool:
    """A date with its year on a short line of its own (``…工会\n2023年9月``)."""
    if not regex.match(r"(?:19|20)\d{2}年", text[start:end]):
        return False
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    line_end = len(text) if line_end < 0 else line_end
    line = text[line_start:line_end].strip()
    return len(line) <= _SIGNATURE_LINE and line.endswith(text[start:end].strip()[-2:])


def _strip_quotes(f: Found) -> Found:
    """Leave quotation marks around a festival name out of the expression (“三八” -> 三八)."""
    start, end, text = f.start, f.end, f.text
    while text and text[0] in _QUOTES:
        text, start = text[1:], start + 1
    while text and text[-1] in _QUOTES:
        text, end = text[:-1], end - 1
    if "“" in text or "”" in text or '"' in text:
        # A quote inside (“五一”国际劳动节): keep the name before it.
        cut = min(i for i, ch in enumerate(text) if ch in _QUOTES)
        text, end = text[:cut], start + cut
    return replace(f, start=start, end=end, text=text)


def _weekly(days: str) -> str | None:
    codes: list[str] = []
    chars = regex.findall(r"[一二三四五六日天]|至|到|-", days)
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
    "年": "FREQ=YEARLY",
    "年度": "FREQ=YEARLY",
    "周": "FREQ=WEEKLY",
    "星期": "FREQ=WEEKLY",
    "双周": "FREQ=WEEKLY;INTERVAL=2",
    "两周": "FREQ=WEEKLY;INTERVAL=2",
    "两个月": "FREQ=MONTHLY;INTERVAL=2",
    "两月": "FREQ=MONTHLY;INTERVAL=2",
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
    if g.get("ytimes"):
        return "FREQ=YEARLY" if g["ytimes"] == "一次" else "FREQ=MONTHLY;INTERVAL=6"
    if g.get("bimonth"):
        return "FREQ=MONTHLY;INTERVAL=2"
    unit = g.get("unit")
    if unit is None:
        return None
    base = _UNITS.get(unit)
    if base is None:
        return None
    times = g.get("times") or ""
    if unit in ("年", "年度") and times in ("两次", "二次"):
        return "FREQ=MONTHLY;INTERVAL=6"
    if unit in ("月", "个月") and times in ("两次", "二次"):
        return "FREQ=WEEKLY;INTERVAL=2"
    return base


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
    extractor = DeadlineExtractor()
    return [
        f.deadline(Span(f.start, f.end))
        for f in extractor.find(text, year=year, school_year=school_year)
    ]
