"""Golden outputs: the whole JSON of `parse` on every plan of corpora/, kept as snapshots.

Any change of behaviour on the bundled corpus (a section found or lost, a
deadline's kind, a party's role, the shipped theme model's scores) shows as a
diff of a file under tests/__snapshots__/test_golden/ and fails here. When the
change is meant, accept it on purpose and review the diff before committing:

    make snapshots      # = pytest tests/test_golden.py --snapshot-update

Only corpora/ is snapshotted; ../shared/real holds third-party pages whose
texts must stay out of the repository.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

import unionnlp

from .conftest import CORPORA

SOURCES = sorted(p for p in CORPORA.glob("*/*.txt"))
#: Theme scores are floats from a dot product; the last places may differ between
#: BLAS builds, so they are kept to this many.
PLACES = 4


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, PLACES)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


@pytest.fixture
def snapshot_json(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


def test_every_set_of_the_corpus_is_covered() -> None:
    sets = {p.parent.name for p in SOURCES}
    assert {"seeds", "dev", "dev2", "dev3", "heldout"} <= sets
    assert len(SOURCES) >= 30


@pytest.mark.parametrize("path", SOURCES, ids=[f"{p.parent.name}-{p.stem}" for p in SOURCES])
def test_parse_matches_snapshot(path: Path, snapshot_json: SnapshotAssertion) -> None:
    plans = unionnlp.parse_file(path)
    output = {
        "file": path.relative_to(CORPORA).as_posix(),
        "plans": [_rounded(plan.to_dict(with_source=False)) for plan in plans],
    }
    assert output == snapshot_json
