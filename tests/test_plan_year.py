"""The plan's year and period, and how the year reaches deadline values (cases/plan_years.toml)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from unionnlp.deadlines import DeadlineExtractor
from unionnlp.pipeline import Pipeline

CASES: list[dict[str, Any]] = tomllib.loads(
    (Path(__file__).parent / "cases" / "plan_years.toml").read_text(encoding="utf-8")
)["case"]


@pytest.fixture(scope="module")
def with_deadlines() -> Pipeline:
    return Pipeline(stages=[DeadlineExtractor()])


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_plan_year(case: dict[str, Any], with_deadlines: Pipeline) -> None:
    plans = with_deadlines.parse(case["text"])
    assert [p.year or 0 for p in plans] == case["years"]
    if "period" in case:
        assert plans[0].period == case["period"]
    found = {
        (d.text, d.value)
        for plan in plans
        for _, measure in plan.measures()
        for d in measure.deadlines
    }
    for text, value in case.get("values", ()):
        assert (text, value) in found, f"{text} -> {value} not in {sorted(found, key=str)}"
