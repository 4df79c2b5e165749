"""`unionnlp agreement`: two annotation passes of one source (issue 18, item 8)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from unionnlp.cli import main
from unionnlp.errors import DataFileError, InputError
from unionnlp.evaluate import agreement, load_gold

from .conftest import CORPORA

SEED = CORPORA / "seeds" / "004_ac45cb97727a9843.gold.json"
PASS2 = CORPORA / "agreement" / "004_ac45cb97727a9843.pass2.json"
OTHER = CORPORA / "seeds" / "000_d11fa13cd2ca6845.gold.json"


def _gold(folder: Path, name: str, source: str, sections: list[dict[str, object]]) -> Path:
    path = folder / name
    doc = {"title": "工会工作计划", "year": None, "unit": "院工会", "sections": sections}
    path.write_text(json.dumps({"source": source, "documents": [doc]}), encoding="utf-8")
    return path


def test_two_passes_of_one_source_agree_in_figures(capsys: pytest.CaptureFixture[str]) -> None:
    result = agreement(load_gold(SEED), load_gold(PASS2))
    assert 0 < result["sections"]["f1"] <= 1 and result["sections"]["tp"] > 0
    assert main(["agreement", str(SEED), str(PASS2)]) == 0
    assert "sections   F1 " in capsys.readouterr().out


def test_annotations_of_different_sources_are_refused(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(InputError, match="different sources"):
        agreement(load_gold(SEED), load_gold(OTHER))
    assert main(["agreement", str(SEED), str(OTHER)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and "000_d11fa13cd2ca6845.txt" in lines[0]
    assert "004_ac45cb97727a9843.txt" in lines[0]


def test_one_source_copied_into_two_folders_is_the_same_source(tmp_path: Path) -> None:
    source = SEED.with_name("004_ac45cb97727a9843.txt")
    for folder in ("first", "second"):
        (tmp_path / folder).mkdir()
        shutil.copy(source, tmp_path / folder / source.name)
        shutil.copy(SEED, tmp_path / folder / SEED.name)
    result = agreement(
        load_gold(tmp_path / "first" / SEED.name), load_gold(tmp_path / "second" / SEED.name)
    )
    assert result["sections"]["f1"] == 1.0


def test_empty_sets_are_not_perfect_agreement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(SEED.with_name("004_ac45cb97727a9843.txt"), tmp_path / "plan.txt")
    sections = [{"level": 1, "marker": "一、", "title": "加强工会组织建设"}]
    a = _gold(tmp_path, "a.gold.json", "plan.txt", sections)
    b = _gold(tmp_path, "b.gold.json", "plan.txt", sections)
    result = agreement(load_gold(a), load_gold(b))
    assert result["sections"]["f1"] == 1.0
    for key in ("deadlines", "parties"):
        assert result[key]["f1"] is None and result[key]["precision"] is None, key
    assert main(["agreement", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "deadlines  n/a (none in either pass)" in out
    assert "parties    n/a (none in either pass)" in out
    assert "roles      agreement n/a" in out
    # one pass marks what the other does not: F1 0, not n/a
    c = tmp_path / "c.gold.json"
    data = json.loads(b.read_text(encoding="utf-8"))
    data["documents"][0]["deadlines"] = [{"text": "3月底前", "kind": "by"}]
    c.write_text(json.dumps(data), encoding="utf-8")
    assert agreement(load_gold(a), load_gold(c))["deadlines"]["f1"] == 0.0


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not UTF-8"),
        (b"plain text, not JSON", "JSON syntax error"),
        (b"[1, 2]", "needs 'source' and 'documents'"),
        (None, "cannot read"),
    ],
    ids=["binary", "text", "json-list", "missing"],
)
def test_bad_files_are_clear_errors(
    content: bytes | None, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.gold.json"
    if content is not None:
        bad.write_bytes(content)
    with pytest.raises(DataFileError, match=message):
        load_gold(bad)
    assert main(["agreement", str(SEED), str(bad)]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and "Traceback" not in captured.err
