"""Replays every input the fuzzer (benchmarks/fuzz_parse.py) ever found."""

from __future__ import annotations

from pathlib import Path

import pytest

import unionnlp
from unionnlp.errors import EmptyInputError, ProcessingTimeout

CASES = sorted((Path(__file__).parent / "cases" / "fuzz").glob("*"))


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_fuzz_regression(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", errors="replace")
    try:
        plans = unionnlp.parse(text)
    except (EmptyInputError, ProcessingTimeout):
        return
    assert all(p.span.end <= len(text) for p in plans)
