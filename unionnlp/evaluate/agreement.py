"""Agreement between two annotation passes of one source (:func:`agreement`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError
from .gold import Gold, _gold_sections
from .matching import _align, _fold, section_key
from .scoring import Score

__all__ = ["agreement", "cohen_kappa"]


def _set_score(gold: Iterable[str], pred: Iterable[str]) -> Score:
    g, p = {_fold(x) for x in gold if x}, {_fold(x) for x in pred if x}
    return Score(tp=len(g & p), n_pred=len(p), n_gold=len(g))


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Cohen's kappa of two label sequences of equal length (``None`` when empty)."""
    if len(a) != len(b):
        raise ValueError("kappa needs two sequences of equal length")
    n = len(a)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    labels = set(a) | set(b)
    expected = sum((a.count(lab) / n) * (b.count(lab) / n) for lab in labels)
    if expected == 1.0:
        return 1.0
    return (observed - expected) / (1 - expected)


def _same_source(a: Path, b: Path) -> bool:
    """One source file, or two copies of it (equal bytes)."""
    if a.resolve() == b.resolve():
        return True
    try:
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def _agreement_figures(score: Score) -> dict[str, Any]:
    """:meth:`Score.to_dict`, with ``None`` for ratios of empty sets: two passes that
    mark nothing agree on nothing, which is not an F1 of 1."""
    figures = score.to_dict()
    if not score.n_pred:
        figures["precision"] = None
    if not score.n_gold:
        figures["recall"] = None
    if not score.n_pred and not score.n_gold:
        figures["f1"] = None
    return figures


def agreement(first: Gold, second: Gold) -> dict[str, Any]:
    """Agreement between two annotations of the same source.

    Documents and sections are aligned as in :func:`evaluate_plans` (the first
    pass plays gold); deadlines and parties are compared as sets of distinct
    texts per aligned document, with role agreement on the shared parties;
    themes by Cohen's kappa on the first label of the level-1 sections both
    passes share, and by the share of those sections with equal label sets.
    Precision, recall and F1 are ``None`` where neither pass marked anything
    (and precision or recall alone where one side is empty).

    Raises:
        InputError: the two annotations are of different sources (neither the same
            file nor copies of it).
    """
    if not _same_source(first.source, second.source):
        raise InputError(
            f"{str(first.path)!r} and {str(second.path)!r} annotate different sources"
            f" ({str(first.source)!r} and {str(second.source)!r}); agreement compares two"
            " annotations of one source"
        )

    def sections(gold: Gold) -> list[tuple[int, dict[str, Any]]]:
        return [(i, s) for i, d in enumerate(gold.documents) for s in _gold_sections(d)]

    def key(sec: dict[str, Any]) -> tuple[str, str]:
        return section_key(str(sec.get("marker", "")), str(sec.get("title", "")))

    sa, sb = sections(first), sections(second)
    pairs = _align([key(s) for _, s in sa], [key(s) for _, s in sb])
    sec = Score(tp=len(pairs), n_pred=len(sb), n_gold=len(sa))
    levels = Score()
    theme_a: list[str] = []
    theme_b: list[str] = []
    same_sets = 0
    doc_pairs: dict[int, int] = {}
    for i, j in pairs:
        (da, x), (db, y) = sa[i], sb[j]
        doc_pairs.setdefault(da, db)
        levels.attr_n += 1
        levels.attr_ok += int(x.get("level") == y.get("level"))
        if x.get("level") == 1 and y.get("level") == 1 and x.get("themes") and y.get("themes"):
            theme_a.append(x["themes"][0])
            theme_b.append(y["themes"][0])
            same_sets += int(set(x["themes"]) == set(y["themes"]))
    deadlines, parties, roles = Score(), Score(), Score()
    for da, db in doc_pairs.items():
        a_doc, b_doc = first.documents[da], second.documents[db]
        deadlines.add(
            _set_score(
                (d.get("text", "") for d in a_doc.get("deadlines", ())),
                (d.get("text", "") for d in b_doc.get("deadlines", ())),
            )
        )
        a_roles = {_fold(p.get("name")): p.get("role") for p in a_doc.get("parties", ())}
        b_roles = {_fold(p.get("name")): p.get("role") for p in b_doc.get("parties", ())}
        parties.add(_set_score(a_roles, b_roles))
        for name in a_roles.keys() & b_roles.keys():
            roles.attr_n += 1
            roles.attr_ok += int(a_roles[name] == b_roles[name])
    kappa = cohen_kappa(theme_a, theme_b)
    return {
        "documents": {"first": len(first.documents), "second": len(second.documents)},
        "sections": _agreement_figures(sec),
        "levels": levels.to_dict(),
        "deadlines": _agreement_figures(deadlines),
        "parties": _agreement_figures(parties),
        "party_roles": roles.to_dict(),
        "themes": {
            "kappa_first_label": None if kappa is None else round(kappa, 4),
            "same_label_set": round(same_sets / len(theme_a), 4) if theme_a else None,
            "sections": len(theme_a),
        },
    }
