"""Tables for researchers' tools: one row per plan, and sections and measures × themes.

:func:`documents_table` is the shape quanteda and KH Coder read;
:func:`codes_table` is a clause-by-code matrix (one 0/1 column per theme).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from ..errors import InputError
from .corpus import UNLABELLED, PlansLike, _require, _section_text
from .loading import _corpus
from .profiles import _ordered_labels

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["codes_table", "documents_table"]


def documents_table(data: PlansLike) -> pd.DataFrame:
    """One row per plan: ``doc_id``, ``text`` and the metadata columns.

    The shape quanteda (``corpus(df, text_field = "text")``, ``readtext``) and
    KH Coder (import a CSV with one document per row) read directly; ``text``
    is the normalised plan text (:func:`plan_text`).
    """
    corpus = _corpus(data)
    frame = corpus.frame()
    frame.insert(1, "text", list(corpus.texts))
    return frame


def codes_table(
    data: PlansLike, *, level: Literal["sections", "measures", "both"] = "both"
) -> pd.DataFrame:
    """A clause-by-code matrix: one row per section or measure, one 0/1 column per theme.

    Columns: ``doc_id``, the plan metadata (``unit``, ``unit_type``,
    ``region``, ``year``), ``kind`` (``section``/``measure``), ``section``
    (id), ``measure`` (ordinal within the section), ``level``, ``marker``,
    ``title``, ``text``, ``start``, ``end`` (source offsets), then one column
    per theme label holding 1 when the theme is assigned (all assigned themes,
    not only the best).
    """
    _require("pandas")
    import pandas as pd

    if level not in ("sections", "measures", "both"):
        raise InputError(f"level must be 'sections', 'measures' or 'both', received {level!r}")
    corpus = _corpus(data)
    rows: list[dict[str, Any]] = []
    found: set[str] = set()
    meta_cols = ("unit", "unit_type", "region", "year")
    for plan, meta in zip(corpus.plans, corpus.metadata, strict=True):
        base = {"doc_id": meta["doc_id"], **{k: meta.get(k) for k in meta_cols}}
        for sec in plan.sections:
            if level in ("sections", "both"):
                labels = {t.label for t in sec.themes}
                found |= labels
                rows.append(
                    {
                        **base, "kind": "section", "section": sec.id, "measure": None,
                        "level": sec.level, "marker": sec.marker, "title": sec.title,
                        "text": _section_text(sec), "start": sec.span.start, "end": sec.span.end,
                        "_themes": labels,
                    }
                )  # fmt: skip
            if level in ("measures", "both"):
                for k, m in enumerate(sec.measures):
                    labels = {t.label for t in (m.themes or sec.themes)}
                    found |= labels
                    rows.append(
                        {
                            **base, "kind": "measure", "section": sec.id, "measure": k,
                            "level": sec.level, "marker": sec.marker, "title": sec.title,
                            "text": m.text, "start": m.span.start, "end": m.span.end,
                            "_themes": labels,
                        }
                    )  # fmt: skip
    codes = [lab for lab in _ordered_labels(found) if lab != UNLABELLED]
    for row in rows:
        themes = row.pop("_themes")
        row.update({lab: int(lab in themes) for lab in codes})
    columns = [
        "doc_id",
        *meta_cols,
        "kind",
        "section",
        "measure",
        "level",
        "marker",
        "title",
        "text",
        "start",
        "end",
        *codes,
    ]
    frame = pd.DataFrame(rows, columns=columns)
    frame["measure"] = frame["measure"].astype("Int64")
    frame["year"] = pd.to_numeric(frame["year"], errors="coerce").astype("Int64")
    return frame
