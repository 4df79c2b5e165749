"""Replays every input the fuzzers (benchmarks/fuzz_parse.py, fuzz_readers.py) ever found."""

from __future__ import annotations

from pathlib import Path

import pytest

import unionnlp
from unionnlp.errors import EmptyInputError, ProcessingTimeout, UnionNLPError

FOLDER = Path(__file__).parent / "cases" / "fuzz"
CASES = sorted(p for p in FOLDER.glob("*") if p.is_file())
FILE_CASES = sorted(p for p in (FOLDER / "readers").glob("*") if p.is_file())


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_fuzz_regression(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", errors="replace")
    try:
        plans = unionnlp.parse(text)
    except (EmptyInputError, ProcessingTimeout):
        return
    assert all(p.span.end <= len(text) for p in plans)


@pytest.mark.parametrize("path", FILE_CASES, ids=lambda p: p.name)
def test_reader_fuzz_regression(path: Path) -> None:
    try:
        plans = unionnlp.parse_file(path)  # read as its extension says
    except UnionNLPError:
        return
    for plan in plans:
        assert plan.source is not None and plan.span.end <= len(plan.source.text)
