"""How concrete plans are: measures, deadlines, explicit parties, quantitative targets, depth.

:func:`quantitative_targets` finds ``95%``, ``4场``, ``10名`` in a text (rules in
``data/compare.toml``); :func:`concreteness` counts per plan or per group.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..errors import ProcessingTimeout
from .corpus import _REGEX_TIMEOUT, PlansLike, _group_order, _lexicon, _require
from .loading import _corpus

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["concreteness", "quantitative_targets"]


def quantitative_targets(text: str) -> list[str]:
    """The quantitative targets written in ``text`` (``95%``, ``4场``, ``10名``, ``2000元``).

    示例: ``quantitative_targets("举办4场讲座，参与率95%") == ["95%", "4场"]``.

    Raises:
        ProcessingTimeout: the scan of a pathological text ran out of time.
    """
    found: list[tuple[int, str]] = []
    try:
        for pattern in _lexicon().quantity:
            found.extend(
                (m.start(), m.group()) for m in pattern.finditer(text, timeout=_REGEX_TIMEOUT)
            )
    except TimeoutError as err:
        raise ProcessingTimeout.during("quantity scan", len(text), _REGEX_TIMEOUT) from err
    return [s for _, s in sorted(found)]


def concreteness(data: PlansLike, *, by: str | None = None) -> pd.DataFrame:
    """How concrete plans are: measures, deadlines, explicit parties, targets, depth.

    Without ``by``, one row per plan: ``sections`` (numbered), ``measures``,
    ``with_deadline``, ``with_party`` (an explicit responsible party, not the
    implicit author unit), ``with_target`` (a quantitative target, see
    :func:`quantitative_targets`), the matching ``share_*`` columns, and
    ``depth`` (deepest level of the numbering tree, 0 without numbering).

    With ``by``, one row per group: ``plans``, ``measures``,
    ``measures_per_plan`` (mean), the ``share_*`` columns pooled over the
    group's measures, ``depth_mean`` and ``depth_max``.
    """
    _require("pandas")
    import pandas as pd

    corpus = _corpus(data)
    rows = []
    for plan, meta in zip(corpus.plans, corpus.metadata, strict=True):
        measures = [m for _, m in plan.measures()]
        n = len(measures)
        deadline = sum(1 for m in measures if m.deadlines)
        party = sum(1 for m in measures if any(not p.implicit for p in m.parties))
        target = sum(1 for m in measures if quantitative_targets(m.text))
        numbered = [s.level for s in plan.sections if s.marker]
        rows.append(
            {
                "doc_id": meta["doc_id"],
                "sections": len(numbered),
                "measures": n,
                "with_deadline": deadline,
                "with_party": party,
                "with_target": target,
                "share_deadline": deadline / n if n else math.nan,
                "share_party": party / n if n else math.nan,
                "share_target": target / n if n else math.nan,
                "depth": max(numbered, default=0),
            }
        )
    per_plan = pd.DataFrame(rows)
    if by is None:
        return per_plan
    per_plan.insert(1, by, corpus.groups(by))
    out = []
    for group in _group_order(per_plan[by]):
        part = per_plan[per_plan[by] == group]
        n = int(part["measures"].sum())
        out.append(
            {
                by: group,
                "plans": len(part),
                "measures": n,
                "measures_per_plan": float(part["measures"].mean()),
                "share_deadline": float(part["with_deadline"].sum()) / n if n else math.nan,
                "share_party": float(part["with_party"].sum()) / n if n else math.nan,
                "share_target": float(part["with_target"].sum()) / n if n else math.nan,
                "depth_mean": float(part["depth"].mean()),
                "depth_max": int(part["depth"].max()),
            }
        )
    return pd.DataFrame(out)
