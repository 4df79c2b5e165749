"""Grouped cross-validation of a theme parameter setting on training examples."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .training import Example, fit_examples

__all__ = ["cross_validate"]


def cross_validate(examples: Sequence[Example], **params: Any) -> dict[str, float]:
    """Grouped cross-validation of a parameter setting on ``examples``.

    Each fold's examples are scored by a model fitted without that fold of
    their corpus (:attr:`Example.fold`; groups never straddle folds). Returns
    top-1 accuracy (the best label is a gold label) and micro-F1 of the
    assigned label sets.
    """
    top1 = n = tp = n_pred = n_gold = 0
    for fold in sorted({e.fold for e in examples}):
        held = [e for e in examples if e.fold == fold]
        model = fit_examples(examples, exclude=fold, **params)
        for e, predicted in zip(held, model.assign_texts([e.document for e in held]), strict=True):
            labels = [t.label for t in predicted]
            n += 1
            top1 += int(bool(labels) and labels[0] in e.labels)
            tp += len(set(labels) & set(e.labels))
            n_pred += len(labels)
            n_gold += len(e.labels)
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {
        "top1": top1 / n if n else 0.0,
        "micro_f1": 2 * p * r / (p + r) if p + r else 0.0,
        "precision": p,
        "recall": r,
    }
