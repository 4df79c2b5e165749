"""Distinctive terms: the words of each group against the rest.

:func:`log_odds` (weighted log-odds with an informative Dirichlet prior,
Monroe, Colaresi and Quinn 2008) and :func:`keyness` (log-likelihood G²)
score two word counts; :func:`distinctive_terms` applies either to each
group of a corpus.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Literal

from ..errors import InputError
from .corpus import PlansLike, Tokenizer, _group_order, _require
from .loading import _corpus

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["distinctive_terms", "keyness", "log_odds"]

logger = logging.getLogger(__name__)


def log_odds(
    target: Mapping[str, int],
    reference: Mapping[str, int],
    *,
    prior: Mapping[str, float] | None = None,
    prior_strength: float = 1.0,
) -> pd.DataFrame:
    """Weighted log-odds ratios with an informative Dirichlet prior (Monroe et al. 2008).

    For each word w with counts ``y_i`` (target) and ``y_j`` (reference),
    totals ``n_i``, ``n_j``, prior ``a_w`` (sum ``a_0``)::

        delta = log((y_i + a_w) / (n_i + a_0 - y_i - a_w))
              - log((y_j + a_w) / (n_j + a_0 - y_j - a_w))
        z     = delta / sqrt(1 / (y_i + a_w) + 1 / (y_j + a_w))

    Args:
        target, reference: word counts.
        prior: prior counts per word; by default the pooled counts of target
            and reference (the corpus as background, as in Monroe et al. §3.5).
        prior_strength: factor on the prior counts (smaller trusts the data more).

    Returns a DataFrame indexed by ``term`` with ``count``, ``count_rest``,
    ``delta``, ``se`` and ``z`` (positive: over-represented in the target),
    sorted by ``z`` descending.

    示例: ``log_odds({"书屋": 9, "职工": 5}, {"安全": 9, "职工": 5})``.
    """
    _require("pandas")
    import numpy as np
    import pandas as pd

    if prior_strength <= 0:
        raise InputError(f"prior_strength must be positive, received {prior_strength}")
    vocab = sorted(set(target) | set(reference))
    yi = np.array([target.get(w, 0) for w in vocab], dtype=float)
    yj = np.array([reference.get(w, 0) for w in vocab], dtype=float)
    if prior is None:
        alpha = (yi + yj) * prior_strength
    else:
        alpha = np.array([prior.get(w, 0.0) for w in vocab], dtype=float) * prior_strength
    if (alpha <= 0).any():
        missing = [w for w, a in zip(vocab, alpha, strict=True) if a <= 0][:5]
        raise InputError(f"the prior needs a positive count for every word (missing: {missing})")
    ni, nj, a0 = yi.sum(), yj.sum(), alpha.sum()
    delta = np.log((yi + alpha) / (ni + a0 - yi - alpha)) - np.log(
        (yj + alpha) / (nj + a0 - yj - alpha)
    )
    se = np.sqrt(1.0 / (yi + alpha) + 1.0 / (yj + alpha))
    frame = pd.DataFrame(
        {
            "count": yi.astype(int),
            "count_rest": yj.astype(int),
            "delta": delta,
            "se": se,
            "z": delta / se,
        },
        index=pd.Index(vocab, name="term"),
    )
    return frame.sort_values(["z", "count"], ascending=[False, False], kind="stable")


def keyness(target: Mapping[str, int], reference: Mapping[str, int]) -> pd.DataFrame:
    """Keyness by log-likelihood (G², Rayson and Garside 2000), signed, with log ratio.

    ``g2`` is positive when the word is relatively more frequent in the target,
    negative when less; ``p`` is its chi-square (1 df) p-value; ``log_ratio``
    is Hardie's binary log of the ratio of relative frequencies (0.5 added to
    zero counts). Sorted by ``g2`` descending.
    """
    _require("pandas", "scipy")
    import numpy as np
    import pandas as pd
    from scipy.stats import chi2

    vocab = sorted(set(target) | set(reference))
    a = np.array([target.get(w, 0) for w in vocab], dtype=float)
    b = np.array([reference.get(w, 0) for w in vocab], dtype=float)
    c, d = a.sum(), b.sum()
    e1 = c * (a + b) / (c + d)
    e2 = d * (a + b) / (c + d)
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = np.where(a > 0, a * np.log(a / e1), 0.0)
        t2 = np.where(b > 0, b * np.log(b / e2), 0.0)
    g2 = 2 * (t1 + t2)
    sign = np.where(a / max(c, 1) >= b / max(d, 1), 1.0, -1.0)
    ratio = np.log2((np.where(a > 0, a, 0.5) / max(c, 1)) / (np.where(b > 0, b, 0.5) / max(d, 1)))
    frame = pd.DataFrame(
        {
            "count": a.astype(int),
            "count_rest": b.astype(int),
            "g2": sign * g2,
            "p": chi2.sf(g2, 1),
            "log_ratio": ratio,
        },
        index=pd.Index(vocab, name="term"),
    )
    return frame.sort_values(["g2", "count"], ascending=[False, False], kind="stable")


def distinctive_terms(
    data: PlansLike,
    *,
    by: str = "unit_type",
    method: Literal["log_odds", "keyness"] = "log_odds",
    top: int | None = 20,
    min_count: int = 3,
    prior_strength: float = 1.0,
    tokenizer: Tokenizer | None = None,
) -> pd.DataFrame:
    """The words that distinguish each group from the rest of the corpus.

    Tokens come from :func:`unionnlp.tokenize.tokenize` (jieba with our user
    dictionary, stop words dropped) unless ``tokenizer`` is given.

    Args:
        by: the metadata column whose groups are compared (each against all others).
        method: ``"log_odds"`` (:func:`log_odds`, score ``z``) or ``"keyness"``
            (:func:`keyness`, score ``g2``).
        top: keep the ``top`` over-represented words of each group (``None``: all words).
        min_count: ignore words seen fewer times in the whole corpus.

    Returns one row per group and word: ``by``, ``rank``, ``term``,
    ``count``, ``count_rest``, ``per_1000``, ``per_1000_rest`` and the
    method's columns (``delta``, ``se``, ``z`` or ``g2``, ``p``,
    ``log_ratio``), plus ``score`` (``z`` or ``g2``).

    示例: ``distinctive_terms(corpus, by="unit_type", top=10)``.
    """
    _require("pandas")
    import pandas as pd

    if method not in ("log_odds", "keyness"):
        raise InputError(f"method must be 'log_odds' or 'keyness', received {method!r}")
    corpus = _corpus(data)
    groups = corpus.groups(by)
    tokens = corpus.tokens(tokenizer)
    per_group: dict[str, Counter[str]] = {g: Counter() for g in _group_order(groups)}
    for group, toks in zip(groups, tokens, strict=True):
        per_group[group].update(toks)
    total: Counter[str] = Counter()
    for counts in per_group.values():
        total.update(counts)
    keep = {w for w, n in total.items() if n >= min_count}
    frames = []
    for group, counts in per_group.items():
        if len(per_group) < 2:
            logger.info("one group only (%s); nothing to compare against", group)
            break
        rest = total - counts
        target = {w: counts[w] for w in keep if counts[w]}
        reference = {w: rest[w] for w in keep if rest[w]}
        if not target or not reference:
            continue
        if method == "log_odds":
            scored = log_odds(target, reference, prior_strength=prior_strength)
            scored["score"] = scored["z"]
        else:
            scored = keyness(target, reference)
            scored["score"] = scored["g2"]
        n_target = max(sum(counts.values()), 1)
        n_rest = max(sum(rest.values()), 1)
        scored["per_1000"] = scored["count"] / n_target * 1000
        scored["per_1000_rest"] = scored["count_rest"] / n_rest * 1000
        if top is not None:
            scored = scored[scored["score"] > 0].head(top)
        scored = scored.reset_index()
        scored.insert(0, "rank", range(1, len(scored) + 1))
        scored.insert(0, by, group)
        frames.append(scored)
    specific = ["delta", "se", "z"] if method == "log_odds" else ["g2", "p", "log_ratio"]
    columns = [
        by,
        "rank",
        "term",
        "count",
        "count_rest",
        "per_1000",
        "per_1000_rest",
        *specific,
        "score",
    ]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]
