"""Replays every input the fuzzers (benchmarks/fuzz_parse.py, fuzz_readers.py) ever found.

Each case file is named in tests/cases/fuzz/NOTES.md with what it found. A stored
text must parse within the stage budgets: a ``ProcessingTimeout`` on one fails
(it was a hang once, and the fix must hold).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import unionnlp
from unionnlp.errors import EmptyInputError, UnionNLPError

FOLDER = Path(__file__).parent / "cases" / "fuzz"
NOTES = FOLDER / "NOTES.md"
CASES = sorted(p for p in FOLDER.glob("*") if p.is_file() and p != NOTES)
FILE_CASES = sorted(p for p in (FOLDER / "readers").glob("*") if p.is_file())


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.name)
def test_fuzz_regression(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", errors="replace")
    try:
        plans = unionnlp.parse(text)
    except EmptyInputError:
        return
    assert all(p.span.end <= len(text) for p in plans)
    for plan in plans:
        slowed = [w.code for w in plan.warnings if "timeout" in w.code]
        assert not slowed, f"{path.name}: a stage gave up ({slowed})"


@pytest.mark.parametrize("path", FILE_CASES, ids=lambda p: p.name)
def test_reader_fuzz_regression(path: Path) -> None:
    try:
        plans = unionnlp.parse_file(path)  # read as its extension says
    except UnionNLPError:
        return
    for plan in plans:
        assert plan.source is not None and plan.span.end <= len(plan.source.text)


def test_every_case_has_a_note() -> None:
    notes = NOTES.read_text(encoding="utf-8")
    unnoted = [p.relative_to(FOLDER).as_posix() for p in [*CASES, *FILE_CASES]]
    unnoted = [name for name in unnoted if f"`{name}`" not in notes]
    assert not unnoted, f"say in {NOTES.name} what these cases found: {unnoted}"
