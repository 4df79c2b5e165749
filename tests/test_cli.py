"""The command line: parse, convert, evaluate, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from unionnlp.cli import main

from .conftest import CORPORA, SEEDS


def test_parse_json_lines_in_input_order(
    capsys: pytest.CaptureFixture[str], record_validator
) -> None:  # type: ignore[no-untyped-def]
    paths = [str(SEEDS[3]), str(SEEDS[1])]
    assert main(["parse", *paths, "--format", "json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2
    records = [json.loads(line) for line in lines]
    assert [r["source"]["path"] for r in records] == paths
    for record in records:
        record_validator.validate(record)
        for doc in record["documents"]:
            for sec in doc["sections"]:
                assert {"level", "marker", "title", "span", "themes", "measures"} <= set(sec)


def test_parse_text_outline(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["parse", str(SEEDS[4]), "--format", "text"]) == 0
    out = capsys.readouterr().out
    assert "## 1. 工会工作计划" in out
    assert "- 一、加强工会组织建设，提高整体工作水平" in out
    assert "  - 1、明确工会委员分工，制订工作计划和工作规章" in out


def test_parse_bad_file_reports_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    assert main(["parse", str(empty), str(SEEDS[3])]) == 1
    captured = capsys.readouterr()
    records = [json.loads(line) for line in captured.out.splitlines()]
    assert records[0]["failure"]["error"] == "EmptyInputError"
    assert records[1]["documents"]
    assert "empty" in captured.err


def test_convert_writes_one_record_per_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(SEEDS[3].read_text(encoding="utf-8"), encoding="utf-8")
    (folder / "b.txt").write_bytes(b"")
    (folder / "c.bin").write_bytes(b"\x00\x01")
    out = tmp_path / "out.jsonl"
    code = main(["convert", str(folder), "-o", str(out), "--exclude", "*.bin"])
    assert code == 1  # b.txt is empty
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [Path(r["source"]["path"]).name for r in records] == ["a.txt", "b.txt"]
    assert "failure" in records[1]
    assert "files: 2 (1 converted, 1 failed)" in capsys.readouterr().out
    assert (
        main(
            ["convert", str(folder), "-o", str(out), "--exclude", "*.bin", "--allow-failures", "-q"]
        )
        == 0
    )


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as info:
        main(["parse"])
    assert info.value.code == 2
    assert main(["convert", str(tmp_path / "missing"), "-o", str(tmp_path / "o.jsonl")]) == 2


def test_evaluate_prints_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(CORPORA / "seeds")]) == 0
    out = capsys.readouterr().out
    assert "plan splitting" in out and "sections" in out and "level accuracy" in out


def test_evaluate_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(CORPORA / "dev"), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["totals"]) >= {"documents", "sections", "levels"}


def test_evaluate_errors_are_listed_by_file(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(CORPORA / "dev"), "--errors"]) == 0
    out = capsys.readouterr().out
    table, _, errors = out.partition("\n== ")
    assert "deadlines" in table and errors  # the table first, then one block per file
    blocks = ("== " + errors).split("\n== ")
    per_file = [b for b in blocks if not b.lstrip("= ").startswith("themes:")]
    lines = [line for b in per_file for line in b.splitlines()[1:]]
    assert lines and all(line.split()[0] in ("deadlines", "parties") for line in lines)
    assert all(line.split()[1] in ("missed", "spurious", "kind", "value", "role") for line in lines)
    # then the themes: the level-1 sections missed, and first gold label against top label
    assert any(b.startswith("themes: first gold label") for b in blocks)
