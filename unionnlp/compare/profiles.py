"""Theme profiles: best-theme counts and shares per group, and their chi-square test.

:func:`theme_counts` counts measures (or level-1 sections) per group and
best theme; :func:`theme_profile` gives shares, expected counts and adjusted
standardised residuals; :func:`chi_square` is Pearson's test of independence
(with a Monte Carlo p-value on request) and :func:`theme_test` applies it to
groups × themes.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from ..model import Plan
from .corpus import UNLABELLED, Level, PlansLike, _group_order, _require
from .loading import _corpus

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

__all__ = ["ChiSquare", "chi_square", "theme_counts", "theme_profile", "theme_test"]


@lru_cache(maxsize=1)
def _theme_names() -> dict[str, str]:
    from ..themes import load_taxonomy

    return {t.label: t.name for t in load_taxonomy()}


def _theme_items(plan: Plan, level: Level) -> list[tuple[str, ...]]:
    """The theme labels of each item (best first) of a plan at ``level``."""
    out: list[tuple[str, ...]] = []
    if level == "measures":
        for sec, measure in plan.measures():
            themes = measure.themes or sec.themes
            out.append(tuple(t.label for t in sorted(themes, key=lambda t: -t.score)))
    elif level == "sections":
        for sec in plan.sections:
            if sec.level == 1:
                out.append(tuple(t.label for t in sorted(sec.themes, key=lambda t: -t.score)))
    else:
        raise InputError(f"level must be 'measures' or 'sections', received {level!r}")
    return out


def _ordered_labels(found: Iterable[str]) -> list[str]:
    present = set(found)
    labels = list(_theme_names())  # every taxonomy label, so that tables keep one shape
    labels += sorted(present - set(labels) - {UNLABELLED})
    if UNLABELLED in present:
        labels.append(UNLABELLED)
    return labels


def theme_counts(
    data: PlansLike, *, by: str = "unit_type", level: Level = "measures"
) -> pd.DataFrame:
    """Counts of items per group (rows) and best theme (columns, taxonomy order).

    Every measure (``level="measures"``) or level-1 section (``"sections"``)
    counts once, under its best-scoring theme; items without themes count as
    ``unlabelled``.
    """
    _require("pandas")
    import pandas as pd

    corpus = _corpus(data)
    groups = corpus.groups(by)
    counts: Counter[tuple[str, str]] = Counter()
    for plan, group in zip(corpus.plans, groups, strict=True):
        for labels in _theme_items(plan, level):
            counts[(group, labels[0] if labels else UNLABELLED)] += 1
    rows = _group_order(groups)
    cols = _ordered_labels(t for _, t in counts)
    table = pd.DataFrame(
        [[counts[(g, t)] for t in cols] for g in rows],
        index=pd.Index(rows, name=by),
        columns=pd.Index(cols, name="theme"),
    )
    return table


@dataclass(frozen=True, eq=False)
class ChiSquare:
    """A chi-square test of independence on a table of counts.

    ``residuals`` are adjusted standardised residuals
    (``(O - E) / sqrt(E (1 - row share) (1 - column share))``), roughly
    standard normal under independence: beyond ±1.96 a cell departs from
    independence at the 5 % level. ``simulated_pvalue`` is a Monte Carlo
    p-value with the margins fixed (set when ``simulate`` > 0), to prefer when
    many expected counts are below 5 (``low_expected``).
    """

    statistic: float
    dof: int
    pvalue: float
    n: int
    cramers_v: float
    min_expected: float
    low_expected: float
    simulated_pvalue: float | None
    simulations: int
    observed: pd.DataFrame = field(repr=False)
    expected: pd.DataFrame = field(repr=False)
    residuals: pd.DataFrame = field(repr=False)

    def summary(self) -> dict[str, Any]:
        """The scalar results as a dict (one row of a table)."""
        return {
            "chi2": self.statistic,
            "dof": self.dof,
            "p": self.pvalue,
            "p_simulated": self.simulated_pvalue,
            "simulations": self.simulations,
            "n": self.n,
            "cramers_v": self.cramers_v,
            "min_expected": self.min_expected,
            "share_expected_below_5": self.low_expected,
        }


def chi_square(table: pd.DataFrame | Any, *, simulate: int = 0, seed: int = 0) -> ChiSquare:
    """Pearson's chi-square test of independence (no continuity correction).

    Rows and columns that are all zero are dropped first (they carry no
    information and would make expected counts zero); their residuals are NaN.

    Args:
        table: counts (a DataFrame, or anything ``numpy.asarray`` takes).
        simulate: draw this many tables with the same margins for a Monte
            Carlo p-value (0: none).
        seed: seed of the simulation (results are reproducible).

    示例: ``chi_square([[762, 327, 468], [484, 239, 477]]).statistic`` is 30.07
    (Agresti, *Categorical Data Analysis*, table 3.2).
    """
    _require("pandas", "scipy")
    import numpy as np
    import pandas as pd
    from scipy.stats import chi2_contingency

    frame = table if isinstance(table, pd.DataFrame) else pd.DataFrame(np.asarray(table))
    observed = frame.astype(float)
    if (observed.to_numpy() < 0).any():
        raise InputError("chi_square() needs counts (no negative cells)")
    keep_rows = observed.sum(axis=1) > 0
    keep_cols = observed.sum(axis=0) > 0
    core = observed.loc[keep_rows, keep_cols]
    obs = core.to_numpy()
    n = int(obs.sum().round())
    expected = pd.DataFrame(np.nan, index=observed.index, columns=observed.columns)
    residuals = pd.DataFrame(np.nan, index=observed.index, columns=observed.columns)
    if obs.shape[0] < 2 or obs.shape[1] < 2:
        return ChiSquare(
            math.nan, 0, math.nan, n, math.nan, math.nan, math.nan, None, 0,
            observed=frame, expected=expected, residuals=residuals,
        )  # fmt: skip
    # unpacked, as every scipy version returns (statistic, p, dof, expected) in this order
    stat, pvalue, dof, expected_freq = chi2_contingency(obs, correction=False)
    exp = np.asarray(expected_freq, dtype=float)
    row_share = obs.sum(axis=1, keepdims=True) / n
    col_share = obs.sum(axis=0, keepdims=True) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        adjusted = (obs - exp) / np.sqrt(exp * (1 - row_share) * (1 - col_share))
    adjusted = np.where(np.isfinite(adjusted), adjusted, 0.0)
    expected.loc[keep_rows, keep_cols] = exp
    residuals.loc[keep_rows, keep_cols] = adjusted
    statistic = float(stat)
    k = min(obs.shape) - 1
    simulated = None
    if simulate > 0:
        simulated = _simulate(obs, exp, statistic, simulate, seed)
    return ChiSquare(
        statistic=statistic,
        dof=int(dof),
        pvalue=float(pvalue),
        n=n,
        cramers_v=math.sqrt(statistic / (n * k)) if n and k else math.nan,
        min_expected=float(exp.min()),
        low_expected=float((exp < 5).mean()),
        simulated_pvalue=simulated,
        simulations=simulate,
        observed=frame,
        expected=expected,
        residuals=residuals,
    )


def _simulate(
    obs: npt.NDArray[np.float64],
    exp: npt.NDArray[np.float64],
    statistic: float,
    draws: int,
    seed: int,
) -> float:
    import numpy as np

    rows, cols = obs.shape
    cells = np.repeat(np.arange(rows * cols), obs.astype(int).ravel())
    r, c = np.divmod(cells, cols)
    rng = np.random.default_rng(seed)
    exceed = 0
    for _ in range(draws):
        table = np.bincount(r * cols + rng.permutation(c), minlength=rows * cols)
        sim = float((((table.reshape(rows, cols) - exp) ** 2) / exp).sum())
        exceed += sim >= statistic - 1e-9
    return (exceed + 1) / (draws + 1)


def theme_profile(
    data: PlansLike, *, by: str = "unit_type", level: Level = "measures"
) -> pd.DataFrame:
    """Share of items per theme per group, with counts and standardised residuals.

    One row per group and theme: ``count``, ``total`` (items of the group),
    ``share`` (sums to 1 per group), ``expected`` (under independence),
    ``residual`` (adjusted standardised residual of :func:`chi_square`) and the
    theme's Chinese ``name``.

    示例: ``theme_profile(corpus, by="unit_type", level="sections")``.
    """
    import pandas as pd

    counts = theme_counts(data, by=by, level=level)
    test = chi_square(counts)
    names = _theme_names()
    rows = []
    for group in counts.index:
        total = int(counts.loc[group].sum())
        for theme in counts.columns:
            count = int(counts.loc[group, theme])
            rows.append(
                {
                    by: group,
                    "theme": theme,
                    "name": names.get(theme, theme),
                    "count": count,
                    "total": total,
                    "share": count / total if total else math.nan,
                    "expected": float(test.expected.loc[group, theme]),
                    "residual": float(test.residuals.loc[group, theme]),
                }
            )
    return pd.DataFrame(
        rows, columns=[by, "theme", "name", "count", "total", "share", "expected", "residual"]
    )


def theme_test(
    data: PlansLike,
    *,
    by: str = "unit_type",
    level: Level = "measures",
    simulate: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """The chi-square test of groups × best theme, as a one-row DataFrame.

    Columns: ``level``, ``by``, ``groups``, ``chi2``, ``dof``, ``p``,
    ``p_simulated`` (Monte Carlo with ``simulate`` draws), ``n``,
    ``cramers_v``, ``min_expected``, ``share_expected_below_5``.
    """
    import pandas as pd

    counts = theme_counts(data, by=by, level=level)
    result = chi_square(counts, simulate=simulate, seed=seed)
    row = {"level": level, "by": by, "groups": len(counts.index), **result.summary()}
    return pd.DataFrame([row])
