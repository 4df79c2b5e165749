"""Folds of grouped cross-validation, and theme predictions that never saw their file.

A corpus may group its files by source site (``index.jsonl``,
:func:`corpus_groups`); :func:`fold_of` puts each group in a stable fold.
:class:`ThemeScorer` scores a file's themes with the shipped model when it
never trained on the file, else with a model refitted without the file's
fold; the plain baseline (:class:`_Baseline`) is fitted on the same folds.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from functools import cached_property
from pathlib import Path
from typing import Any

from ..errors import DataFileError
from .gold import Gold
from .scoring import Score

__all__ = ["N_FOLDS", "ThemeScorer", "corpus_groups", "corpus_index", "fold_of", "half_of"]

#: Folds of grouped cross-validation (by source site where the corpus has an index).
N_FOLDS = 5


def corpus_index(root: str | Path) -> dict[str, dict[str, str]]:
    """The rows of the corpus's ``index.jsonl`` (beside ``root``), by source file.

    One JSON object a line with ``file`` and what is known of it (../shared/real
    gives ``site``, ``batch``, ``unit_type``, ``script``). Keys are source paths
    relative to ``root`` (``b1-r01.txt``); values hold each field as a string.
    No index: an empty dict.

    Raises:
        DataFileError: the index is not JSON Lines, or a line names no ``file``.
    """
    base = Path(root)
    index = (base if base.is_dir() else base.parent) / "index.jsonl"
    rows: dict[str, dict[str, str]] = {}
    if not index.exists():
        return rows
    for n, line in enumerate(index.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            rows[str(row["file"])] = {str(k): str(v) for k, v in row.items() if v is not None}
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as err:
            raise DataFileError(index, f"bad index line ({err})", line=n) from err
    return rows


def corpus_groups(root: str | Path) -> dict[str, str]:
    """The group of each source file under ``root``, for grouped cross-validation.

    A corpus may carry an ``index.jsonl`` (:func:`corpus_index`): files of one
    ``site`` (else ``batch``) form one group, so template pages that repeat one
    another never sit on both sides of a split. Files the index does not name
    are groups of their own. Keys are source paths relative to ``root``
    (``b1-r01.txt``); values are group names.

    Raises:
        DataFileError: the index is not JSON Lines.
    """
    return {
        name: row.get("site") or row.get("batch") or name
        for name, row in corpus_index(root).items()
    }


def fold_of(group: str, n_folds: int = N_FOLDS) -> int:
    """The fold of a group: a stable hash, so adding files never moves the others.

    >>> fold_of("xiaowenxue.com") == fold_of("xiaowenxue.com")
    True
    """
    return _hash(group) % n_folds


def half_of(group: str, n_folds: int = N_FOLDS) -> str:
    """The half of its fold a group falls in, ``"a"`` or ``"b"``: the next digit of the
    same hash, so a fold's sites can be split in two (one half tuned on, the other kept
    as the check set) without moving any site to another fold.

    >>> half_of("xiaowenxue.com") in ("a", "b")
    True
    """
    return "ab"[_hash(group) // n_folds % 2]


def _hash(group: str) -> int:
    import hashlib

    return int(hashlib.sha1(group.encode("utf-8")).hexdigest(), 16)


class ThemeScorer:
    """Theme predictions for evaluation, never from a model that trained on the file.

    A file the model did not train on is scored by the model itself (the
    pipeline's own output). A file it trained on is scored by a model refitted
    without the file's fold: grouped cross-validation, where a group is the
    file's site (``index.jsonl``) or the file itself, so template pages of one
    site never sit on both sides. The refits train on the examples rebuilt from
    the gold folders the model records (``unionnlp train`` never writes their
    texts) and the folders being evaluated.

    Args:
        model: a model file (default: the shipped one).
        corpora: the gold folders being evaluated (they may hold training files).
        baseline: also score the plain baseline (character 1-3-gram TF-IDF and
            class-balanced logistic regression, untuned) on the same folds and
            sections.
    """

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        corpora: Sequence[str | Path] = (),
        baseline: bool = False,
    ) -> None:
        from ..themes import ThemeModel

        self.shipped = ThemeModel.load(model)
        shipped = self.shipped
        #: sha256 of each training file -> its (corpus, group)
        self.trained_on = {
            sha: (corpus, group)
            for sha, corpus, group in zip(
                shipped.sources, shipped.corpora, shipped.groups, strict=True
            )
        }
        self.corpora = [Path(c) for c in corpora]
        self.baseline = baseline
        self.labels: dict[str, Score] = {}
        #: (first gold label, top predicted label or None when the section was not found)
        self.confusion: Counter[tuple[str, str | None]] = Counter()
        #: the level-1 sections whose top label is no gold label (or that were not found)
        self.misses: list[dict[str, str]] = []
        self.notes: list[str] = []
        self._refits: dict[tuple[str, int], Any] = {}
        self._baselines: dict[tuple[str, int] | None, _Baseline] = {}
        self._sha: dict[Path, str] = {}

    def start_report(self) -> None:
        """Clear the per-report tallies (labels, confusion, misses)."""
        self.labels = {}
        self.confusion = Counter()
        self.misses = []

    def fold_for(self, gold: Gold) -> tuple[str, int] | None:
        """The (corpus, fold) left out for ``gold``'s file; None when the model never saw it."""
        if gold.source not in self._sha:
            self._sha[gold.source] = hashlib.sha256(gold.source.read_bytes()).hexdigest()
        seen = self.trained_on.get(self._sha[gold.source])
        return None if seen is None else (seen[0], fold_of(seen[1]))

    @cached_property
    def pool(self) -> list[Any]:
        """The model's training examples, rebuilt from the gold folders found here."""
        from ..themes import examples_from_gold, gold_files_under

        recorded = [str(c) for c in self.shipped.params.get("corpora", ())]
        roots = [*self.corpora, *(r for r in map(_resolve_corpus, recorded) if r is not None)]
        exclude = self.shipped.params.get("exclude_dirs", ())
        files = {p.resolve(): p for p in gold_files_under(roots, exclude_dirs=exclude)}
        # each example's corpus and group as the model recorded them at training
        examples = [
            replace(e, corpus=self.trained_on[e.source][0], group=self.trained_on[e.source][1])
            for e in examples_from_gold(files.values())
            if e.source in self.trained_on
        ]
        missing = len(self.trained_on.keys() - {e.source for e in examples})
        if missing:
            self.notes.append(
                f"themes: {missing} of the model's {len(self.trained_on)} training files were"
                f" not found (it trained on {', '.join(recorded) or 'unrecorded folders'});"
                " the refits that score its training files train without them"
            )
        return examples

    def model_for(self, gold: Gold) -> Any:
        fold = self.fold_for(gold)
        if fold is None:
            return self.shipped
        if fold not in self._refits:
            from ..themes import ThemeClassifier, fit_examples

            params = {k: v for k, v in self.shipped.params.items() if k in ThemeClassifier._PARAMS}
            self._refits[fold] = fit_examples(self.pool, exclude=fold, **params)
        return self._refits[fold]

    def baseline_predict(self, gold: Gold, text: str) -> list[str]:
        """The plain baseline's labels for ``text``, fitted without ``gold``'s fold."""
        fold = self.fold_for(gold)
        if fold not in self._baselines:
            self._baselines[fold] = _Baseline(
                [e for e in self.pool if fold is None or e.fold != fold]
            )
        return self._baselines[fold].predict(text)

    def record(
        self, gold: Gold, section: dict[str, Any], labels: Sequence[str], pred: Sequence[str] | None
    ) -> None:
        """Count one level-1 section (``pred`` None: the pipeline did not find it)."""
        self.confusion[(labels[0], pred[0] if pred else None)] += 1
        if pred is None or not pred or pred[0] not in labels:
            self.misses.append(
                {
                    "file": str(gold.path),
                    "title": str(section.get("title", "")),
                    "gold": ",".join(labels),
                    "predicted": "(section not found)" if pred is None else ",".join(pred),
                }
            )
        if pred is None:
            return
        for label in set(labels) | set(pred):
            score = self.labels.setdefault(label, Score())
            score.tp += int(label in labels and label in pred)
            score.n_gold += int(label in labels)
            score.n_pred += int(label in pred)

    def macro_f1(self) -> float | None:
        if not self.labels:
            return None
        return sum(s.f1 for s in self.labels.values()) / len(self.labels)

    def confusion_table(self) -> str:
        """First gold label (rows) against the top predicted label (columns)."""
        golds = sorted({g for g, _ in self.confusion})
        preds = sorted({p for _, p in self.confusion if p is not None})
        short = {label: label[:8] for label in {*golds, *preds}}
        head = ["gold \\ top", *(short[p] for p in preds), "not found"]
        rows = [head]
        for g in golds:
            cells = [str(self.confusion.get((g, p), 0) or ".") for p in preds]
            rows.append([g, *cells, str(self.confusion.get((g, None), 0) or ".")])
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        return "\n".join(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
            for r in rows
        )


def _resolve_corpus(name: str) -> Path | None:
    """A recorded training folder, relative to the working directory or the project root."""
    for base in (Path.cwd(), Path(__file__).resolve().parents[2]):
        path = base / name
        if path.is_dir():
            return path
    return None


class _Baseline:
    """The plain anchor: character 1-3-gram TF-IDF, class-balanced logistic regression.

    scikit-learn with its defaults, no tuning: one regression per label; the
    best label, then any other scoring 0.5 or more (three at most).
    """

    def __init__(self, examples: Sequence[Any]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.preprocessing import MultiLabelBinarizer

        self.vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        self.binarizer = MultiLabelBinarizer()
        y = self.binarizer.fit_transform([e.labels for e in examples])
        x = self.vectorizer.fit_transform([e.text for e in examples])
        self.model = OneVsRestClassifier(
            LogisticRegression(class_weight="balanced", max_iter=1000)
        ).fit(x, y)

    def predict(self, text: str) -> list[str]:
        import numpy as np

        probs = self.model.predict_proba(self.vectorizer.transform([text]))[0]
        order = np.argsort(-probs, kind="stable")[:3]
        labels = [str(c) for c in self.binarizer.classes_]
        return [labels[j] for i, j in enumerate(order) if i == 0 or probs[j] >= 0.5]
