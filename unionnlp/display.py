"""Show a plan in its source text with its structure marked, in the manner of spaCy's displaCy.

:func:`render` returns HTML of the plan's source text (``plan.source.text``
within ``plan.span``) with section headings, measures, deadlines, responsible
parties and schedule months highlighted from their spans, the themes of each
section as badges on its heading, and a legend. Every piece of text is
escaped; styles are inline (they survive notebook sanitising) and nothing is
loaded from elsewhere. :func:`display` shows it in Jupyter, or returns the
HTML outside a notebook; ``Plan._repr_html_`` makes a plan show itself.

This module needs only the standard library (it is loaded with ``unionnlp``).

示例::

    >>> import unionnlp
    >>> plan = unionnlp.parse("工会工作计划\\n一、加强学习\\n1、3月底前完成换届。")[0]
    >>> "3月底前" in unionnlp.display(plan, jupyter=False)   # doctest: +SKIP
    True
"""

from __future__ import annotations

import html
import importlib
import itertools
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import UnionNLPError
from .model import Plan, Span

__all__ = ["display", "render", "render_page", "run_show"]

#: kind -> (label in the legend, background colour); the order breaks ties between equal spans
KINDS: dict[str, tuple[str, str]] = {
    "measure": ("措施 measure", "#eef4fc"),
    "heading": ("章节标题 section heading", "#ffe8a8"),
    "item": ("条目 numbered item", "#fff3cf"),
    "schedule": ("月份安排 schedule month", "#d4eef6"),
    "deadline": ("时限 deadline", "#c6efce"),
    "lead": ("牵头单位 lead party", "#f9c6d3"),
    "support": ("配合单位 supporting party", "#e2d2f6"),
}
_PRIORITY = {kind: n for n, kind in enumerate(KINDS)}
_THEME_COLOURS = (
    "#c0392b", "#2874a6", "#7d3c98", "#d35400", "#16a085", "#b7950b",
    "#c2185b", "#2e7d32", "#5d6d7e", "#6d4c41", "#455a64", "#00838f",
)  # fmt: skip

_FONT = "'Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif"
_ROOT_STYLE = f"font-family:{_FONT};line-height:2.3;color:#222;max-width:60em"
_TEXT_STYLE = (
    "white-space:pre-wrap;word-break:break-all;border:1px solid #ddd;border-radius:6px;"
    "padding:1em 1.2em;background:#fff"
)
_LABEL_STYLE = (
    "font-size:0.62em;font-weight:bold;line-height:1;margin-left:0.4em;vertical-align:middle;"
    "color:#444;letter-spacing:0.02em"
)
_BADGE_STYLE = (
    "display:inline-block;font-size:0.68em;font-weight:normal;line-height:1.5;color:#fff;"
    "border-radius:1em;padding:0 0.6em;margin-left:0.35em;vertical-align:middle;background:"
)


@dataclass(frozen=True)
class _Mark:
    """One highlighted span: its kind, the small label at its end and a tooltip."""

    start: int
    end: int
    kind: str
    label: str = ""
    title: str = ""
    badges: tuple[tuple[str, str, str], ...] = ()  # (name, colour, tooltip)

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.start, -self.end, _PRIORITY[self.kind])


def _mark_style(kind: str) -> str:
    colour = KINDS[kind][1]
    if kind == "measure":
        return f"background:{colour};border-bottom:2px solid #9db8de;padding:0.2em 0"
    weight = "font-weight:bold;" if kind == "heading" else ""
    return (
        f"background:{colour};{weight}padding:0.15em 0.3em;border-radius:0.35em;"
        "box-decoration-break:clone;-webkit-box-decoration-break:clone"
    )


def _theme_styles() -> dict[str, tuple[str, str]]:
    """Theme label -> (Chinese name, colour), in taxonomy order."""
    from .themes import load_taxonomy

    return {
        t.label: (t.name, _THEME_COLOURS[n % len(_THEME_COLOURS)])
        for n, t in enumerate(load_taxonomy())
    }


def _marks(plan: Plan, limit: Span, themes: dict[str, tuple[str, str]]) -> list[_Mark]:
    marks: list[_Mark] = []

    def add(
        span: Span | None,
        kind: str,
        *,
        label: str = "",
        title: str = "",
        badges: tuple[tuple[str, str, str], ...] = (),
    ) -> None:
        if span is None:
            return
        start, end = max(span.start, limit.start), min(span.end, limit.end)
        if start < end:
            marks.append(_Mark(start, end, kind, label, title, badges))

    parents = {s.parent for s in plan.sections}
    for sec in plan.sections:
        badges = tuple(
            (
                themes.get(t.label, (t.label, "#555"))[0],
                themes.get(t.label, (t.label, "#555"))[1],
                f"{t.label} {t.score:.2f}" + (f" · {'、'.join(t.evidence)}" if t.evidence else ""),
            )
            for t in sorted(sec.themes, key=lambda t: -t.score)
        )
        if sec.marker or sec.title:
            start = sec.marker_span.start if sec.marker else sec.title_span.start
            end = max(sec.title_span.end, sec.marker_span.end)
            kind = "heading" if sec.id in parents or not sec.measures else "item"
            add(Span(start, end), kind, title=f"{sec.id} · level {sec.level}", badges=badges)
        for n, measure in enumerate(sec.measures, start=1):
            add(measure.span, "measure", label="措施", title=f"measure {sec.id}/{n}")
            add(measure.schedule_span, "schedule", label="月份", title=measure.schedule or "")
            for d in measure.deadlines:
                tip = " · ".join(x for x in (d.kind, d.value, d.rrule, d.rule) if x)
                add(d.span, "deadline", label=f"时限 {d.value or ''}".strip(), title=tip)
            for p in measure.parties:
                if p.implicit:
                    continue
                tip = f"{p.role}" + (f" · {p.canonical}" if p.canonical else "")
                add(p.span, p.role, label="牵头" if p.role == "lead" else "配合", title=tip)
    return sorted(set(marks), key=lambda m: m.key)


def _open(mark: _Mark) -> str:
    title = f' title="{html.escape(mark.title)}"' if mark.title else ""
    return f'<mark class="un-{mark.kind}" style="{_mark_style(mark.kind)}"{title}>'


def _close(mark: _Mark, *, final: bool) -> str:
    out = []
    if final:
        if mark.label:
            out.append(
                f'<span class="un-label" style="{_LABEL_STYLE}">{html.escape(mark.label)}</span>'
            )
        out += [
            f'<span class="un-theme" style="{_BADGE_STYLE}{colour}" title="{html.escape(tip)}">'
            f"{html.escape(name)}</span>"
            for name, colour, tip in mark.badges
        ]
    out.append("</mark>")
    return "".join(out)


def _highlight(text: str, limit: Span, marks: Sequence[_Mark]) -> str:
    """HTML of ``text[limit]`` with ``marks`` nested; crossing marks are split, labelled once."""
    bounds = sorted({limit.start, limit.end} | {m.start for m in marks} | {m.end for m in marks})
    starting: dict[int, list[_Mark]] = {}
    for m in marks:
        starting.setdefault(m.start, []).append(m)
    out: list[str] = []
    stack: list[_Mark] = []
    active: list[_Mark] = []
    for a, b in itertools.pairwise(bounds):
        # The marks covering [a, b), outermost first (start, then longest, then kind).
        active = sorted([m for m in active if m.end > a] + starting.get(a, []), key=lambda m: m.key)
        common = 0
        while common < min(len(stack), len(active)) and stack[common] is active[common]:
            common += 1
        while len(stack) > common:
            mark = stack.pop()
            out.append(_close(mark, final=mark.end == a))
        for mark in active[common:]:
            out.append(_open(mark))
            stack.append(mark)
        out.append(html.escape(text[a:b]))
    while stack:
        mark = stack.pop()
        out.append(_close(mark, final=True))
    return "".join(out)


def _legend(marks: Sequence[_Mark], themes: dict[str, tuple[str, str]]) -> str:
    kinds = [k for k in KINDS if any(m.kind == k for m in marks)] or list(KINDS)
    items = [f'<mark style="{_mark_style(k)}">{html.escape(KINDS[k][0])}</mark>' for k in kinds]
    used = dict.fromkeys(name for m in marks for name, _, _ in m.badges)
    colours = {name: colour for name, colour in themes.values()}
    items += [
        f'<span style="{_BADGE_STYLE}{colours.get(name, "#555")}">{html.escape(name)}</span>'
        for name in used
    ]
    return (
        '<div class="un-legend" style="font-size:0.85em;margin:0.4em 0 0.8em;line-height:2.2">'
        + " ".join(items)
        + "</div>"
    )


def _header(plan: Plan) -> str:
    facts = [
        ("单位 unit", plan.unit),
        ("年份 year", str(plan.year) if plan.year is not None else None),
        ("期间 period", plan.period),
        ("文字 script", plan.script),
        ("来源 source", plan.source.path if plan.source else None),
    ]
    shown = " · ".join(f"{html.escape(k)}: {html.escape(v)}" for k, v in facts if v)
    title = html.escape(plan.title or "（无标题 untitled plan）")
    n_sections = sum(1 for s in plan.sections if s.marker)
    n_measures = sum(len(s.measures) for s in plan.sections)
    counts = f"{n_sections} sections · {n_measures} measures"
    return (
        f'<div style="font-size:1.15em;font-weight:bold">{title}</div>'
        f'<div style="font-size:0.85em;color:#555;line-height:1.6">{shown}<br>{counts}</div>'
    )


def _warnings(plan: Plan) -> str:
    if not plan.warnings:
        return ""
    items = "".join(
        f"<li><code>{html.escape(w.code)}</code> {html.escape(w.message)}</li>"
        for w in plan.warnings
    )
    return f'<ul style="font-size:0.8em;color:#8a4b00;line-height:1.5">{items}</ul>'


def _outline(plan: Plan, themes: dict[str, tuple[str, str]]) -> str:
    """Without source text: headings with their themes and the measures as normalised."""
    rows = []
    for sec in plan.sections:
        badges = "".join(
            f'<span style="{_BADGE_STYLE}{themes.get(t.label, (t.label, "#555"))[1]}">'
            f"{html.escape(themes.get(t.label, (t.label, '#555'))[0])}</span>"
            for t in sorted(sec.themes, key=lambda t: -t.score)
        )
        indent = 1.5 * max(sec.level - 1, 0)
        heading = html.escape(f"{sec.marker}{sec.title}")
        rows.append(
            f'<div style="margin-left:{indent}em"><mark style="{_mark_style("heading")}">'
            f"{heading}{badges}</mark></div>"
        )
        rows += [
            f'<div style="margin-left:{indent + 1.5}em">'
            f'<mark style="{_mark_style("measure")}">{html.escape(m.text)}</mark></div>'
            for m in sec.measures
        ]
    note = (
        '<p style="font-size:0.8em;color:#666">The source text is not available (plans read'
        " from JSON Lines carry none); showing the normalised outline. Parse the file to see"
        " the marks in the text.</p>"
    )
    return note + f'<div style="{_TEXT_STYLE}">' + "".join(rows) + "</div>"


def render(plan: Plan, *, page: bool = False) -> str:
    """HTML of a plan's source text with its sections, measures, deadlines and parties marked.

    Args:
        plan: a parsed plan; its source text is shown within ``plan.span``.
            A plan without source text (read from JSON Lines) is shown as an
            outline of its normalised headings and measures.
        page: return a whole HTML document rather than a fragment.

    示例: ``Path("plan.html").write_text(render(plan, page=True), encoding="utf-8")``.
    """
    themes = _theme_styles()
    text = plan.source.text if plan.source is not None else ""
    if text and plan.span.end <= len(text):
        marks = _marks(plan, plan.span, themes)
        body = (
            _legend(marks, themes)
            + f'<div class="un-text" style="{_TEXT_STYLE}">'
            + _highlight(text, plan.span, marks)
            + "</div>"
        )
    else:
        body = _legend([], themes) + _outline(plan, themes)
    fragment = (
        f'<div class="unionnlp-plan" style="{_ROOT_STYLE}">'
        + _header(plan)
        + _warnings(plan)
        + body
        + "</div>"
    )
    return _page([fragment], plan.title) if page else fragment


def render_page(plans: Sequence[Plan], *, title: str | None = None) -> str:
    """A whole HTML document showing every plan of ``plans`` (:func:`render` each)."""
    return _page([render(p) for p in plans], title)


def _page(fragments: Sequence[str], title: str | None) -> str:
    head = html.escape(title or "unionnlp")
    body = '<hr style="margin:2em 0">'.join(fragments)
    return (
        '<!DOCTYPE html>\n<html lang="zh-CN"><head><meta charset="utf-8">'
        f"<title>{head}</title></head>"
        f'<body style="margin:2em auto;max-width:64em;padding:0 1em">{body}</body></html>\n'
    )


def _in_notebook() -> bool:
    if "IPython" not in sys.modules:  # not inside IPython: nothing to show it in
        return False
    shell = sys.modules["IPython"].get_ipython()
    if shell is None:
        return False
    return type(shell).__name__ == "ZMQInteractiveShell" or "google.colab" in sys.modules


def display(plan: Plan, *, jupyter: bool | None = None) -> str | None:
    """Show a plan in Jupyter (returns ``None``), or return its HTML outside a notebook.

    Args:
        plan: the plan to show (see :func:`render`).
        jupyter: force showing through ``IPython.display`` (``True``) or
            returning the HTML (``False``); detected by default.
    """
    markup = render(plan)
    if jupyter is None:
        jupyter = _in_notebook()
    if not jupyter:
        return markup
    try:
        ipython_display = importlib.import_module("IPython.display")
    except ImportError as err:
        raise UnionNLPError("display(jupyter=True) needs IPython: pip install ipython") from err
    ipython_display.display(ipython_display.HTML(markup))
    return None


def run_show(path: str, output: str) -> int:
    """The ``unionnlp show`` command: parse a file and write its plans as one HTML page.

    Returns 0 on success, 1 when the file cannot be read or parsed, 2 when the
    page cannot be written (it is written under a temporary name and renamed,
    so a full disk leaves no partial page).
    """
    from . import parse
    from ._write import write_bytes
    from .readers import read

    try:
        source = read(path)
        plans = parse(source.text, source=source)
    except UnionNLPError as err:
        print(f"unionnlp: {err}", file=sys.stderr)
        return 1
    try:
        write_bytes(output, render_page(plans, title=Path(path).name).encode("utf-8"))
    except OSError as err:
        print(f"unionnlp: cannot write {output}: {err.strerror or err}", file=sys.stderr)
        return 2
    print(f"{output}: {len(plans)} plan{'s' if len(plans) != 1 else ''} from {path}")
    return 0
