"""Parties: the case table, the stage, implicit author units."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from unionnlp.errors import PipelineError
from unionnlp.model import Plan, Span
from unionnlp.parties import PartyExtractor
from unionnlp.pipeline import Pipeline

CASES: list[dict[str, Any]] = tomllib.loads(
    (Path(__file__).parent / "cases" / "parties.toml").read_text(encoding="utf-8")
)["case"]
EXTRACTOR = PartyExtractor()


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    found = EXTRACTOR.find(case["text"])
    assert [[f.name, f.role] for f in found] == case["expected"]
    for f in found:
        assert case["text"][f.start : f.end] == f.name


def test_canonical_names_come_from_the_lexicon() -> None:
    (party,) = EXTRACTOR.find("由县总工会女职委负责。")
    assert party.name == "县总工会女职委"
    assert party.canonical == "县总工会女职工委员会"


def test_stage_attaches_parties_and_implicit_unit() -> None:
    text = "2023年机关工会工作计划\n一、组织建设\n1、由院办牵头开展评议。\n2、调整工会小组。"
    plan = Pipeline.default().parse(text)[0]
    first, second = (sec for sec in plan.sections if sec.level == 2)
    (party,) = first.measures[0].parties
    assert (party.name, party.role, party.implicit) == ("院办", "lead", False)
    assert party.span.slice(text) == "院办"
    (implicit,) = second.measures[0].parties
    assert (implicit.name, implicit.implicit) == ("机关工会", True)
    assert implicit.span == second.measures[0].span


def test_spans_point_into_traditional_source() -> None:
    text = "一、加強學習\n1、配合機關黨委抓好理論學習。"
    plan = Pipeline.default().parse(text)[0]
    (party,) = [p for _, m in plan.measures() for p in m.parties]
    assert party.name == "机关党委" and party.span.slice(text) == "機關黨委"


def test_stage_needs_the_structure_stage() -> None:
    with pytest.raises(PipelineError, match="structure stage"):
        EXTRACTOR(Plan(index=0, span=Span(0, 0)))


def test_table_rows_become_measures_with_their_columns() -> None:
    from unionnlp.model import Source, Table

    text = (
        "2024年机关工会工作计划\n一、重点工作\n序号 | 工作内容 | 责任单位 | 完成时限\n"
        "1 | 召开职代会 | 工会办公室 | 3月底前\n"
        "2 | 组织运动会 | 各分工会、人事科 | 10月\n二、其他工作\n"
    )

    def cell(value: str, after: str) -> tuple[str, Span]:
        i = text.index(value, text.index(after))
        return value, Span(i, i + len(value))

    header = tuple(cell(v, "序号") for v in ("序号", "工作内容", "责任单位", "完成时限"))
    rows = (
        tuple(cell(v, "1 |") for v in ("1", "召开职代会", "工会办公室", "3月底前")),
        tuple(cell(v, "2 |") for v in ("2", "组织运动会", "各分工会、人事科", "10月")),
    )
    table = Table(header, rows, Span(text.index("序号"), text.index("二、") - 1))
    plan = Pipeline.default().parse(text, source=Source.from_text(text, tables=[table]))[0]
    first = plan.sections[0]
    assert [m.text for m in first.measures] == ["召开职代会", "组织运动会"]
    assert [[(p.name, p.role) for p in m.parties] for m in first.measures] == [
        [("工会办公室", "lead")],
        [("各分工会", "lead"), ("人事科", "lead")],
    ]
    assert [[d.value for d in m.deadlines] for m in first.measures] == [["2024-03"], ["2024-10"]]
    for m in first.measures:
        for p in m.parties:
            assert p.span.slice(text) == p.name
