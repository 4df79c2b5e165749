"""Bootstrap intervals of the evaluation's figures, drawing whole groups (source sites)."""

from __future__ import annotations

import json

import pytest

from unionnlp.cli import main
from unionnlp.evaluate import FileResult, Score
from unionnlp.evaluate.intervals import bootstrap_intervals

from .conftest import CORPORA


def _file(group: str, tp: int, pred: int, gold: int, ok: int = 0, judged: int = 0) -> FileResult:
    scores = {"parties": Score(tp, pred, gold), "party_roles": Score(attr_ok=ok, attr_n=judged)}
    return FileResult(f"{group}-{tp}{pred}{gold}.gold.json", scores, 1, 1, group=group)


def test_files_of_one_site_are_drawn_together() -> None:
    # each site's two files add up to F1 0.5 exactly; drawn file by file, resamples of the
    # good files only (or the bad ones only) would spread the interval from 0 to 1
    files = [f for site in "abcd" for f in (_file(site, 1, 1, 1), _file(site, 0, 1, 1))]
    assert bootstrap_intervals(files)["parties"] == (0.5, 0.5)
    alone = [FileResult(f.path, f.scores, 1, 1) for f in files]  # no group: each its own
    low, high = bootstrap_intervals(alone)["parties"]
    assert low < 0.3 and high > 0.7


def test_the_interval_holds_the_figure_and_narrows_with_more_sites() -> None:
    few = [_file(f"s{n}", tp, 4, 4, tp, tp) for n, tp in enumerate([4, 1, 3, 2])]
    many = [_file(f"s{n}", tp, 4, 4, tp, tp) for n, tp in enumerate([4, 1, 3, 2] * 10)]
    for files in (few, many):
        total = Score()
        for f in files:
            total.add(f.scores["parties"])
        low, high = bootstrap_intervals(files)["parties"]
        assert low < total.f1 < high
    assert (lambda a, b: a[1] - a[0] > b[1] - b[0])(
        bootstrap_intervals(few)["parties"], bootstrap_intervals(many)["parties"]
    )
    # accuracy rows: the share of judged items right (every judged item is right here)
    assert bootstrap_intervals(few)["party_roles"] == (1.0, 1.0)


def test_draws_are_seeded_and_rows_without_items_get_none() -> None:
    files = [_file(f"s{n}", tp, 3, 4) for n, tp in enumerate([3, 0, 2, 1, 3, 2, 0, 3, 1, 2])]
    assert bootstrap_intervals(files) == bootstrap_intervals(files)
    assert bootstrap_intervals(files, resamples=25, seed=1) != bootstrap_intervals(
        files, resamples=25, seed=2
    )
    assert "party_roles" not in bootstrap_intervals(files)  # no item was judged
    assert bootstrap_intervals([]) == {}
    with pytest.raises(ValueError, match="level"):
        bootstrap_intervals(files, level=95)
    with pytest.raises(ValueError, match="resamples"):
        bootstrap_intervals(files, resamples=0)


def test_evaluate_prints_intervals_only_when_asked(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(CORPORA / "seeds"), "--intervals"]) == 0
    out = capsys.readouterr().out
    header = out.splitlines()[0].split()
    assert header[5] == "interval" and "resamples of the 5 groups" in out  # no index: files
    row = next(line for line in out.splitlines() if line.startswith("sections"))
    _, _, _, f1, interval, _, _ = row.split()  # a P/R/F1 row has no accuracy
    low, high = (float(x) for x in interval.split("-"))
    assert 0 <= low <= float(f1) <= high <= 1  # around the row's F1
    assert main(["evaluate", str(CORPORA / "seeds"), "--json", "--intervals"]) == 0
    totals = json.loads(capsys.readouterr().out)["totals"]
    low, high = totals["sections"]["interval"]
    assert low <= totals["sections"]["f1"] <= high
    assert main(["evaluate", str(CORPORA / "seeds")]) == 0
    assert "interval" not in capsys.readouterr().out
