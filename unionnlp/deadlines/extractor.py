"""The deadline stage: :class:`DeadlineExtractor` and :func:`find_deadlines`.

The extractor loads the grammar (``data/deadlines.toml``, with the festival
names as variables), runs the trigger scan and the rules it lets through,
chooses among overlapping matches, reads each into a deadline (inherited from
:class:`~unionnlp.deadlines.interpret._Interpreter`) and, as a pipeline stage,
attaches the plan's deadlines to its measures.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from functools import cached_property, lru_cache
from pathlib import Path

import regex

from ..errors import regex_timeout, scan_budget
from ..model import Deadline, DeadlineKind, Plan, Span
from ..resources import Rule, load_rules
from .attach import _attach, _give_lead, _with_sections
from .context import (
    _CENTURIES,
    _QUOTE_SET,
    _hints,
    _in_time_column,
    _is_signature,
    _opens_quote,
    _quoted_whole,
    _told_otherwise,
)
from .festivals import _Festival
from .interpret import Found, _Interpreter
from .scan import _matches, _Raw, _Scan, _ScanRule, _trie

#: the value of a schedule's month heading: a month, or months as a period or a set
_MONTHS_VALUE = regex.compile(r"[{]?(?:(?:XXXX|\d{4})-(?:0[1-9]|1[0-2])[,/}]?)+")

#: spaces inside a date, as PDFs and spaced-out pages write one (2024 年 5 月 10 日 前):
#: after a number before its unit or a dash, after a number's unit or dash before a
#: number, and after a month's or day's unit before its part, suffix or dash
_DATE_SPACES = regex.compile(
    r"(?<=[0-9])[ \t]+(?=[年月日号至到—\-－~～])"
    r"|(?<=[0-9][ \t]*[年月]|[0-9][ \t]*(?:[月日号][ \t]*)?[至到—\-－~～])[ \t]+(?=[0-9])"
    r"|(?<=[0-9][ \t]*[月日号])[ \t]+(?=[底初末中上下前份起至到—\-－~～]|以[前后内])"
)


def _despaced(text: str) -> tuple[str, Callable[[int], int]] | None:
    """``text`` without the spaces inside its dates, and the map from an offset into it
    back to ``text``; ``None`` when it has none (the usual case)."""
    if " " not in text and "\t" not in text:
        return None
    timeout = regex_timeout(_DATE_SPACES, len(text))
    cuts = [m.span() for m in _DATE_SPACES.finditer(text, timeout=timeout)]
    if not cuts:
        return None
    parts: list[str] = []
    starts = [0]  # where each kept stretch begins in the text without the spaces
    shifts = [0]  # how many characters were cut before it
    last = kept = cut = 0
    for s, e in cuts:
        parts.append(text[last:s])
        kept += s - last
        cut += e - s
        starts.append(kept)
        shifts.append(cut)
        last = e
    parts.append(text[last:])

    def back(i: int) -> int:
        return i + shifts[bisect_right(starts, i) - 1]

    return "".join(parts), back


class DeadlineExtractor(_Interpreter):
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
    @property
    def festivals(self) -> dict[str, _Festival]:
        """The festival each alias names (``data/festivals.toml``)."""
        return self._festival_tables[0]

    @cached_property
    def rules(self) -> list[Rule]:
        table, quoted = self._festival_tables
        return load_rules(
            self.rules_path or "deadlines.toml",
            "rule",
            variables={"FESTIVALS": _trie(table), "QUOTED_FESTIVALS": _trie(quoted)},
        )

    @cached_property
    def opening_titles(self) -> list[Rule]:
        """Titles of sections that belong to the plan's opening (``[[opening]]``)."""
        return load_rules(self.rules_path or "deadlines.toml", "opening", optional=True)

    @cached_property
    def _scan(self) -> _Scan:
        return _Scan.of(self.rules)

    # -- finding ------------------------------------------------------------
    def find(
        self,
        text: str,
        *,
        year: int | None = None,
        school_year: bool = False,
        pos: int = 0,
        endpos: int | None = None,
    ) -> list[Found]:
        """Every deadline expression in ``text[pos:endpos]`` (offsets into ``text``), in order.

        The text around the window stays visible to the rules' look-behinds and
        to the background checks: ``时限：3、11月`` read from after the colon is
        still a month set, not a marker ``3、`` and a month. A whole text is read
        without the spaces inside its dates (``2024 年 5 月 底前`` reads as
        ``2024年5月底前``); each expression keeps its text as written.
        """
        if pos == 0 and endpos is None:
            spaced = _despaced(text)
            if spaced is not None:
                compact, back = spaced
                found = []
                for f in self._find(compact, year, school_year, 0, None):
                    start, end = back(f.start), back(f.end - 1) + 1
                    found.append(f._replace(start=start, end=end, text=text[start:end]))
                return found
        return self._find(text, year, school_year, pos, endpos)

    def _find(
        self, text: str, year: int | None, school_year: bool, pos: int, endpos: int | None
    ) -> list[Found]:
        """:meth:`find` as the rules read ``text``, spaces and all."""
        end_at = len(text) if endpos is None else endpos
        scan = self._scan
        search = scan.trigger.search
        # The whole text, the usual case, is searched without bounds: fewer arguments to
        # parse on the call that most sentences end with.
        hit = search(text) if pos == 0 and endpos is None else search(text, pos, end_at)
        if hit is None and not scan.always:
            return []  # no rule could match: most sentences of a plan
        met = scan.always
        meets = scan.meets
        while hit is not None:  # every place a needed string starts
            met |= meets[hit.group()]
            hit = search(text, hit.start() + 1, end_at)
        size = end_at - pos
        budget = scan_budget(size)
        raw: list[_Raw] = []
        while met:  # each rule whose trigger was met (their order is restored below)
            bit = met & -met
            met ^= bit
            order = bit.bit_length() - 1
            entry = scan.rules[order]
            for check in entry.checks:
                if check.search(text, pos, end_at) is None:
                    break
            else:
                pattern = entry.rule.pattern
                timeout = regex_timeout(pattern, size, budget)
                for m in _matches(pattern, text, pos, end_at, timeout):
                    start, end = m.span()
                    if end > start:
                        raw.append((start, start - end, order, m, entry))
        if not raw:
            return []  # needs met, but no rule matched
        raw.sort()  # by start, the longest first, then the order of the rules
        return self._select(raw, text, year, school_year)

    def _select(
        self, raw: list[_Raw], text: str, year: int | None, school_year: bool
    ) -> list[Found]:
        """The expressions among the matches ``raw`` (sorted), none overlapping another."""
        found: list[Found] = []
        spare: list[tuple[int, int, regex.Match[str], _ScanRule]] = []
        last_end = -1
        hints = _hints(text)
        for start, neg, _order, m, entry in raw:
            end = start - neg
            if entry.fallback:
                spare.append((start, end, m, entry))
                continue
            if start < last_end:
                continue
            if _told_otherwise(text, start, end, entry.kind == "every", hints):
                continue
            if text.startswith(_CENTURIES, start) and _is_signature(text, start, end):
                continue
            if entry.handler == "labelled":
                items = self._labelled(m, raw, text, year, school_year)
            else:
                items = self._interpret(entry, m, text, year, school_year)
                if items and items[0].kind == "on" and _in_time_column(text, start, end):
                    items = [f._replace(kind="by", rule=f"time_column+{f.rule}") for f in items]
            if items:
                if entry.kind == "every" and _opens_quote(text, start, end):
                    last_end = end  # “每天锻炼一小时…”: a slogan or a name, not a time
                    continue
                for f in items:  # quotation marks are rare: test for them in C first
                    found.append(f if _QUOTE_SET.isdisjoint(f.text) else _quoted_whole(f, text))
                last_end = end
        if spare:  # fallbacks fill only the places no other rule took
            taken = [(f.start, f.end) for f in found]
            for _, _, m, entry in sorted(spare, key=lambda x: x[0]):
                start, end = m.span("expr") if "expr" in m.re.groupindex else m.span()
                if any(s < end and start < e for s, e in taken):
                    continue
                if _told_otherwise(text, start, end, entry.kind == "every", hints):
                    continue
                items = self._interpret(entry, m, text, year, school_year)
                found.extend(items)
                taken.extend((f.start, f.end) for f in items)
            found.sort(key=lambda f: f.start)
        return found

    def _labelled(
        self,
        m: regex.Match[str],
        raw: list[_Raw],
        text: str,
        year: int | None,
        school_year: bool,
    ) -> list[Found]:
        """``时限:6月;12月`` gives two deadlines: the other rules' matches inside the body.

        The scan of the whole text already found them; they are chosen among as
        anywhere else, the body being their text.
        """
        body_start, body_end = m.span("body")
        inside = [
            r
            for r in raw
            if body_start <= r[0] and r[0] - r[1] <= body_end and r[4].handler != "labelled"
        ]
        out: list[Found] = []
        for f in self._select(inside, text, year, school_year):
            kind: DeadlineKind = "by" if f.kind == "on" else f.kind
            out.append(f._replace(kind=kind, rule=f"labelled_field+{f.rule}"))
        return out

    # -- the stage ----------------------------------------------------------
    def __call__(self, plan: Plan) -> Plan:
        """Find the plan's deadlines and attach each to the measure it governs."""
        norm = plan.require_normalized(self.name)
        ns, ne = norm.norm_range(plan.span)
        school = plan.period == "school_year"
        first_section = next((s for s in plan.sections if s.marker), None)
        lead: Deadline | None = None
        if first_section is not None:
            # The opening (指导思想…) states the plan's own period, not deadlines.
            first_start = norm.norm_range(first_section.span)[0]
            if first_start > ns:
                heading = self._lead_heading(norm.text, ns, first_start, plan.year, school)
                if heading is not None:
                    span = norm.span(heading.start, heading.end)
                    lead = heading.deadline(span, prefix="schedule+")
            ns = max(ns, first_start)
        text = norm.text[ns:ne]
        deadlines = [
            f.deadline(norm.span(ns + f.start, ns + f.end))
            for f in self.find(text, year=plan.year, school_year=school)
        ]
        if deadlines:
            # So does a section of the opening (一、指导思想), whatever its place.
            titles = [rule.pattern for rule in self.opening_titles]
            opening = [
                sec.span
                for sec in plan.sections
                if any(title.search(sec.title, None, None, False) for title in titles)
            ]
            if opening:
                deadlines = [d for d in deadlines if not any(o.contains(d.span) for o in opening)]
        attached = _attach(plan.sections, deadlines, self, plan.year, school, norm.original)
        if lead is not None:
            attached = _give_lead(attached, lead, deadlines, norm.original)
        return _with_sections(plan, attached)

    def _lead_heading(
        self, text: str, start: int, end: int, year: int | None, school: bool
    ) -> Found | None:
        """A schedule's first month heading, alone on the last line before the first section
        (``3月`` above ``一、举办…``, a month table flattened): a deadline of the items
        under it, not part of the opening. A month without its year, as the headings
        of a schedule are (a line ``2023年9月`` is a date the page was written)."""
        line_end = end
        while True:  # the last line with text on it (blank lines may come between)
            line_start = max(text.rfind("\n", start, line_end) + 1, start)
            if text[line_start:line_end].strip() or line_start == start:
                break
            line_end = line_start - 1
        line = text[line_start:line_end].strip().rstrip(":：")
        if not line:
            return None
        found = self.find(text, year=year, school_year=school, pos=line_start, endpos=line_end)
        if len(found) != 1 or found[0].text != line or "年" in line:
            return None
        value = found[0].value
        return found[0] if value is not None and _MONTHS_VALUE.fullmatch(value) else None


def find_deadlines(
    text: str, *, year: int | None = None, school_year: bool = False
) -> list[Deadline]:
    """Deadlines in ``text`` with spans into it (no normalisation; pass simplified text).

    示例: ``find_deadlines("每季度召开一次")[0].rrule == "FREQ=MONTHLY;INTERVAL=3"``.
    """
    return [
        f.deadline(Span(f.start, f.end))
        for f in _default_extractor().find(text, year=year, school_year=school_year)
    ]


@lru_cache(maxsize=1)
def _default_extractor() -> DeadlineExtractor:
    """One extractor for :func:`find_deadlines` (loading the grammar takes a while)."""
    return DeadlineExtractor()
