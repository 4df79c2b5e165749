"""iCalendar export, validated by parsing it back with the icalendar library."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from unionnlp.cli import main
from unionnlp.export import resolve_value, to_ics
from unionnlp.pipeline import Pipeline

icalendar = pytest.importorskip("icalendar")

PLAN = (
    "2024年机关工会工作计划\n一、组织建设\n1、调整工会小组，3月底前完成。\n"
    "2、每季度召开一次工会委员会议。\n3、三八妇女节期间组织女职工座谈。\n4、中秋节慰问困难职工。"
)


def _todos(data: bytes) -> list[object]:
    cal = icalendar.Calendar.from_ical(data)
    return [c for c in cal.walk() if c.name == "VTODO"]


def test_dated_measures_become_todos() -> None:
    plan = Pipeline.default().parse(PLAN)[0]
    data, skipped = to_ics([plan])
    todos = _todos(data)
    assert not skipped
    by_summary = {str(t["SUMMARY"]): t for t in todos}
    assert by_summary["调整工会小组，3月底前完成"]["DUE"].dt == dt.date(2024, 3, 31)
    rrule = by_summary["每季度召开一次工会委员会议"]["RRULE"]
    assert rrule["FREQ"] == ["MONTHLY"] and rrule["INTERVAL"] == [3]
    assert by_summary["三八妇女节期间组织女职工座谈"]["DUE"].dt == dt.date(2024, 3, 8)
    assert by_summary["中秋节慰问困难职工"]["DUE"].dt == dt.date(2024, 9, 17)
    assert "机关工会" in str(by_summary["调整工会小组，3月底前完成"]["DESCRIPTION"])
    assert len({str(t["UID"]) for t in todos}) == len(todos)


def test_unknown_year_is_skipped_not_guessed() -> None:
    plan = Pipeline.default().parse(PLAN.replace("2024年", "20__年"))[0]
    data, skipped = to_ics([plan])
    assert not _todos(data)
    assert {s.deadline for s in skipped} >= {"3月底前", "每季度", "三八妇女节期间"}
    data, skipped = to_ics([plan], year=2025)
    assert len(_todos(data)) == 4 and not skipped
    assert plan.to_ics(year=2025) == data


@pytest.mark.parametrize(
    ("value", "start", "end"),
    [
        ("XXXX-03-25", dt.date(2023, 3, 25), dt.date(2023, 3, 25)),
        ("XXXX-02", dt.date(2023, 2, 1), dt.date(2023, 2, 28)),
        ("2024-33", dt.date(2024, 1, 1), dt.date(2024, 3, 31)),
        ("XXXX-41", dt.date(2023, 7, 1), dt.date(2023, 12, 31)),
        ("XXXX-04/XXXX-05", dt.date(2023, 4, 1), dt.date(2023, 5, 31)),
        ("XXXX", dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
    ],
)
def test_resolve_value(value: str, start: dt.date, end: dt.date) -> None:
    assert resolve_value(value, 2023) == (start, end)


def test_resolve_value_needs_a_year() -> None:
    assert resolve_value("XXXX-03", None) is None


def test_calendar_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "plan.txt"
    source.write_text(PLAN, encoding="utf-8")
    out = tmp_path / "plan.ics"
    assert main(["calendar", str(source), "-o", str(out)]) == 0
    assert len(_todos(out.read_bytes())) == 4
    assert "4 to-dos from 1 plans; 0 skipped" in capsys.readouterr().out
