"""Showing a plan: marks from spans, escaping, well-formed nesting, Jupyter, the command."""

from __future__ import annotations

import html
import sys
import types
from html.parser import HTMLParser
from pathlib import Path

import pytest

import unionnlp
from unionnlp.display import display, render, render_page, run_show
from unionnlp.model import Deadline, Measure, Party, Plan, Section, Source, Span, ThemeScore

TEXT = "机关工会工作计划\n一、加强组织建设\n1、3月底前完成换届，由办公室牵头。\n"


class _Walk(HTMLParser):
    """Checks nesting, and collects the marked kinds and the text outside labels and badges."""

    VOID = frozenset({"br", "meta", "img", "hr"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str]] = []
        self.kinds: list[tuple[str, str]] = []  # (class, text inside) for marks
        self.open_marks: list[list[str]] = []
        self.text: list[str] = []
        self.skip = 0
        self.in_text = 0
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.VOID:
            return
        cls = dict(attrs).get("class") or ""
        self.stack.append((tag, cls))
        if cls in ("un-label", "un-theme"):
            self.skip += 1
        if cls == "un-text":
            self.in_text += 1
        if tag == "mark":
            self.open_marks.append([cls, ""])

    def handle_endtag(self, tag: str) -> None:
        if tag in self.VOID:
            return
        if not self.stack or self.stack[-1][0] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:]}")
            return
        _, cls = self.stack.pop()
        if cls in ("un-label", "un-theme"):
            self.skip -= 1
        if cls == "un-text":
            self.in_text -= 1
        if tag == "mark":
            kind, inside = self.open_marks.pop()
            self.kinds.append((kind, inside))

    def handle_data(self, data: str) -> None:
        if self.skip:
            return
        for entry in self.open_marks:
            entry[1] += data
        if self.in_text:
            self.text.append(data)


def walk(markup: str) -> _Walk:
    walker = _Walk()
    walker.feed(markup)
    walker.close()
    assert not walker.errors, walker.errors
    assert not walker.stack, walker.stack
    return walker


@pytest.fixture(scope="module")
def plan() -> Plan:
    return unionnlp.parse(TEXT, source=Source.from_text(TEXT, path="plan.txt"))[0]


def test_marks_come_from_the_spans(plan: Plan) -> None:
    walker = walk(render(plan))
    marked = {(kind, inside) for kind, inside in walker.kinds}
    assert ("un-deadline", "3月底前") in marked
    assert ("un-lead", "办公室") in marked
    assert ("un-heading", "一、加强组织建设") in marked
    assert any(kind == "un-measure" and "完成换届" in inside for kind, inside in marked)
    # every character of the plan is shown once, in order, outside labels and badges
    assert "".join(walker.text) == plan.span.slice(TEXT)


def test_themes_are_badges_on_headings_and_a_legend(plan: Plan) -> None:
    markup = render(plan)
    names = {"思想政治引领", "自身建设", "其他", "民主管理", "维权", "帮扶服务"}
    theme = plan.sections[0].themes[0].label
    assert 'class="un-theme"' in markup and 'class="un-legend"' in markup
    assert any(name in markup for name in names)
    assert f"{theme} " in markup  # the label and score in the badge's tooltip
    for legend in ("章节标题", "措施", "时限", "牵头单位"):
        assert legend in markup


def test_everything_is_escaped() -> None:
    text = '工会工作计划\n一、<script>alert("x")</script>学习 & 团结\n1、开展<b>活动</b>。\n'
    plans = unionnlp.parse(text, source=Source.from_text(text, path='a"<b>.txt'))
    markup = render(plans[0], page=True)
    assert "<script" not in markup and "<b>" not in markup
    assert "&lt;script&gt;" in markup and "&amp;" in markup
    assert "a&quot;&lt;b&gt;.txt" in markup
    assert html.unescape("".join(walk(markup).text)).startswith("工会工作计划")


def test_crossing_spans_are_split_and_labelled_once() -> None:
    text = "工会工作计划\n一、由办公室三月底前完成\n"
    head = text.index("一")
    deadline = Span(text.index("室"), text.index("前") + 1)  # 室三月底前: crosses the party
    party = Span(text.index("办"), text.index("室") + 1)
    measure = Measure(
        text=text[head:-1],
        span=Span(head, len(text) - 1),
        deadlines=(Deadline(text[deadline.start : deadline.end], deadline, "by", "XXXX-03"),),
        parties=(Party("办公室", party, "lead"),),
    )
    section = Section(
        id="1", parent=None, level=1, marker="一、", number=1, title=text[head + 2 : -1],
        span=measure.span, title_span=Span(head + 2, len(text) - 1),
        marker_span=Span(head, head + 2), themes=(ThemeScore("self_building", 0.7),),
        measures=(measure,),
    )  # fmt: skip
    plan = Plan(
        index=0, span=Span(0, len(text)), sections=(section,), source=Source.from_text(text)
    )
    markup = render(plan)
    walker = walk(markup)
    assert "".join(walker.text) == text
    assert markup.count(">时限 XXXX-03<") == 1 and markup.count(">牵头<") == 1
    assert markup.count(">自身建设<") == 2  # the badge, and its legend entry


def test_plans_without_source_text_show_an_outline(plan: Plan) -> None:
    bare = Plan.from_dict(plan.to_dict(), source=Source.from_dict({"path": "plan.txt"}))
    markup = render(bare)
    walk(markup)
    assert "source text is not available" in markup
    assert "3月底前完成换届" in markup


def test_repr_html_and_display(plan: Plan, monkeypatch: pytest.MonkeyPatch) -> None:
    assert plan._repr_html_() == render(plan)
    assert unionnlp.display(plan, jupyter=False) == render(plan)
    assert "display" in unionnlp.__all__ and callable(unionnlp.display)
    shown: list[str] = []
    fake = types.ModuleType("IPython.display")
    fake.HTML = lambda data: data  # type: ignore[attr-defined]
    fake.display = shown.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython.display", fake)
    assert display(plan, jupyter=True) is None
    assert shown == [render(plan)]


def test_outside_a_notebook_display_returns_html(plan: Plan) -> None:
    assert isinstance(display(plan), str)


def test_render_page_is_a_document(plan: Plan) -> None:
    page = render_page([plan, plan], title="两篇")
    assert page.startswith("<!DOCTYPE html>") and page.count('class="unionnlp-plan"') == 2
    assert '<meta charset="utf-8">' in page and "<title>两篇</title>" in page


def test_run_show(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "plan.txt"
    source.write_text(TEXT, encoding="utf-8")
    out = tmp_path / "plan.html"
    assert run_show(str(source), str(out)) == 0
    assert "1 plan from" in capsys.readouterr().out
    walk(out.read_text(encoding="utf-8"))
    assert run_show(str(tmp_path / "missing.txt"), str(out)) == 1
    assert "no such file" in capsys.readouterr().err
    assert run_show(str(source), str(tmp_path / "no" / "dir" / "x.html")) == 2  # a failed write
