"""How far a figure could move with other plans from other sites: bootstrap intervals.

A figure on a few dozen plans is uncertain: 60 gold parties move F1 by several
points with a handful of plans more or less. And the plans of one source site
share a template, so they are not independent draws: resampling single files
would make the intervals too narrow. :func:`bootstrap_intervals` resamples
whole groups (the source sites of :func:`~unionnlp.evaluate.corpus_groups`)
with replacement, adds up the counts of each resample and takes the
percentile interval of the figure (F1 for the P/R/F1 rows, the accuracy for
the accuracy rows of :data:`~unionnlp.evaluate.ACCURACY_ROWS`).

示例::

    >>> from unionnlp.evaluate import evaluate_dir
    >>> from unionnlp.evaluate.intervals import bootstrap_intervals
    >>> report = evaluate_dir("../shared/real")                 # doctest: +SKIP
    >>> bootstrap_intervals(report.files)["parties"]            # doctest: +SKIP
    (0.78, 0.87)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .report import ACCURACY_ROWS
from .scoring import FileResult

__all__ = ["RESAMPLES", "bootstrap_intervals", "groups_of"]

#: resamples drawn by default (the percentiles move by well under 0.01 beyond this)
RESAMPLES = 2000


def bootstrap_intervals(
    files: Sequence[FileResult],
    *,
    level: float = 0.95,
    resamples: int = RESAMPLES,
    seed: int = 0,
) -> dict[str, tuple[float, float]]:
    """The ``level`` percentile interval of each figure, resampling groups of files.

    Files with the same :attr:`~unionnlp.evaluate.FileResult.group` are drawn
    together; a file without one is a group of its own. A row counted in no file
    (no gold and no prediction anywhere) gets no interval. The draws are seeded:
    the same files give the same intervals.

    Raises:
        ValueError: ``level`` is not between 0 and 1, or ``resamples`` < 1.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1, not {level}")
    if resamples < 1:
        raise ValueError(f"resamples must be at least 1, not {resamples}")
    if not files:
        return {}
    member = groups_of(files)
    rng = np.random.default_rng(seed)
    n_groups = max(member) + 1
    # how often each group is drawn in each resample (resamples x groups)
    weights = rng.multinomial(n_groups, np.full(n_groups, 1 / n_groups), size=resamples)
    keys = sorted({key for f in files for key in f.scores})
    low, high = (1 - level) / 2 * 100, (1 + level) / 2 * 100
    out: dict[str, tuple[float, float]] = {}
    for key in keys:
        counts = np.zeros((n_groups, 5))
        for f, g in zip(files, member, strict=True):
            s = f.scores.get(key)
            if s is not None:
                counts[g] += (s.tp, s.n_pred, s.n_gold, s.attr_ok, s.attr_n)
        tp, n_pred, n_gold, ok, n_attr = (weights @ counts).T
        if key in ACCURACY_ROWS or key == "baseline_top1":
            if not counts[:, 4].any():
                continue
            # a resample drawing no judged item has no accuracy: it is left out
            figure = ok[n_attr > 0] / n_attr[n_attr > 0]
        else:
            if not counts[:, 1:3].any():
                continue
            figure = _f1(tp, n_pred, n_gold)
        lo, hi = np.percentile(figure, [low, high])
        out[key] = (float(lo), float(hi))
    return out


def groups_of(files: Sequence[FileResult]) -> list[int]:
    """The group number of each file, the groups numbered in order of first appearance: files
    with the same :attr:`~unionnlp.evaluate.FileResult.group`, or a file without one alone."""
    index: dict[str, int] = {}
    return [index.setdefault(f.group or f"\0{n}", len(index)) for n, f in enumerate(files)]


def _f1(tp: np.ndarray, n_pred: np.ndarray, n_gold: np.ndarray) -> np.ndarray:
    """F1 as :class:`~unionnlp.evaluate.Score` computes it, for arrays of counts."""
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(n_pred > 0, tp / n_pred, np.where(n_gold > 0, 0.0, 1.0))
        recall = np.where(n_gold > 0, tp / n_gold, 1.0)
        total = precision + recall
        return np.where(total > 0, 2 * precision * recall / total, 0.0)
