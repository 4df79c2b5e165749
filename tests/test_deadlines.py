"""Deadlines: the case table, attachment to measures, and the stage contract."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from unionnlp.deadlines import DeadlineExtractor
from unionnlp.errors import PipelineError
from unionnlp.model import Plan, Span
from unionnlp.pipeline import Pipeline

CASES: list[dict[str, Any]] = tomllib.loads(
    (Path(__file__).parent / "cases" / "deadlines.toml").read_text(encoding="utf-8")
)["case"]
EXTRACTOR = DeadlineExtractor()


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    found = EXTRACTOR.find(
        case["text"], year=case.get("year"), school_year=case.get("school_year", False)
    )
    got = [[f.text, f.kind, f.value or "", f.rrule or ""] for f in found]
    assert got == case["expected"]
    for f in found:
        assert case["text"][f.start : f.end] == f.text


def test_deadlines_attach_to_their_measures(pipeline: Pipeline) -> None:
    text = (
        "2023年机关工会工作计划\n一、组织建设\n1、调整工会小组。此项工作在3月底前完成。\n"
        "2、完善女职工档案。\n时限:4月;10月\n二、文体活动\n3月份：1、三八节活动。"
    )
    plan = Pipeline.default().parse(text)[0]
    by_title = {sec.title: sec for sec in plan.sections}
    (m1,) = by_title["调整工会小组"].measures
    assert [(d.text, d.value) for d in m1.deadlines] == [("3月底前", "2023-03")]
    (m2,) = by_title["完善女职工档案"].measures
    assert [d.text for d in m2.deadlines] == ["4月", "10月"]
    for d in m1.deadlines + m2.deadlines:
        assert d.span.slice(text) == d.text
    (m3,) = by_title["三八节活动"].measures
    assert [(d.text, d.kind, d.value) for d in m3.deadlines] == [
        ("3月份", "on", "2023-03"),
        ("三八节", "on", "2023-03-08"),
    ]
    assert m3.deadlines[0].span.slice(text) == "3月份"


def test_spans_point_into_traditional_source() -> None:
    text = "一、加強學習\n1、每季度集中學習一次，國慶節前完成總結。"
    plan = Pipeline.default().parse(text)[0]
    deadlines = [d for _, m in plan.measures() for d in m.deadlines]
    assert [d.span.slice(text) for d in deadlines] == ["每季度", "國慶節前"]
    assert [d.text for d in deadlines] == ["每季度", "国庆节前"]


def test_stage_needs_the_structure_stage() -> None:
    with pytest.raises(PipelineError, match="structure stage"):
        EXTRACTOR(Plan(index=0, span=Span(0, 0)))


def test_month_heading_belongs_only_to_the_items_under_it() -> None:
    text = "六、活动安排\n3月份：1、三八节活动。2、选举代表。\n4月份：1、职工运动会。"
    plan = Pipeline.default().parse(text)[0]
    by_title = {sec.title: sec for sec in plan.sections}
    (elect,) = by_title["选举代表"].measures
    assert [d.text for d in elect.deadlines] == ["3月份"]
    (games,) = by_title["职工运动会"].measures
    assert [(d.text, d.rule) for d in games.deadlines] == [("4月份", "schedule+month")]
