"""The shipped weights: :class:`ThemeModel` scores and assigns themes with numpy alone.

A model is its labels, vocabulary, IDF weights and one linear layer; scoring
a range of text is a sparse dot product over the features
:class:`~unionnlp.themes.features.FeatureSpace` finds in it. Weights are
saved as compressed NPZ (plain arrays, nothing pickled) and loaded with
``allow_pickle=False``; the shipped file is ``data/themes_model.npz``
(:data:`MODEL_FILE`).
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import DataFileError
from ..model import ThemeScore
from ..resources import data_path
from .features import FeatureSpace, _join, _lowest, _n_rows, _stretches
from .taxonomy import Theme, load_taxonomy

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["MODEL_FILE", "ThemeModel"]

MODEL_FILE = "themes_model.npz"


class ThemeModel:
    """Fitted weights and numpy scoring; no scikit-learn needed."""

    def __init__(
        self,
        *,
        labels: Sequence[str],
        vocabulary: Sequence[str],
        idf: Any,
        coef: Any,
        intercept: Any,
        params: dict[str, Any],
        sources: Sequence[str] = (),
        groups: Sequence[str] = (),
        corpora: Sequence[str] = (),
    ) -> None:
        import numpy as np

        self.labels = list(labels)
        self.params = dict(params)
        self.features = FeatureSpace(vocabulary, [float(v) for v in idf])
        self.coef = np.asarray(coef, dtype=np.float64)
        self._weights = np.ascontiguousarray(self.coef.T)  # features × labels, for gathering
        self.intercept = np.asarray(intercept, dtype=np.float64)
        #: sha256 of each training source file, and its group (site or file) for
        #: grouped cross-validation
        self.sources = tuple(sources)
        self.groups = tuple(groups) if groups else self.sources
        #: the gold folder of each training source, as given to :func:`train`
        self.corpora = tuple(corpora) if corpora else ("",) * len(self.sources)
        if not len(self.groups) == len(self.corpora) == len(self.sources):
            raise ValueError("a model needs one group and one corpus per training source")
        self.threshold = float(self.params.get("threshold", 0.5))
        self.abstain = float(self.params.get("abstain", 0.0))
        self.max_labels = int(self.params.get("max_labels", 3))
        fallback = {t.label for t in self.taxonomy if t.fallback}
        self._fallback = [j for j, label in enumerate(self.labels) if label in fallback]

    @cached_property
    def taxonomy(self) -> list[Theme]:
        return load_taxonomy(self.params.get("taxonomy"))

    def _matrix(
        self, text: str, ranges: Sequence[tuple[int, int]], rows: Sequence[int] | None = None
    ) -> tuple[
        npt.NDArray[np.float64],
        npt.NDArray[np.int64],
        npt.NDArray[np.int64],
        npt.NDArray[np.float64],
    ]:
        """Label scores of each row, its features' rows and columns, and what each adds.

        ``parts[i, j]`` is what the feature at ``rows[i], cols[i]`` adds to label ``j``.
        """
        import numpy as np

        n = _n_rows(ranges, rows)
        found_rows, cols, vals = self.features.weigh(self.features.count(text, ranges, rows), n)
        # ``take`` gathers rows an order of magnitude faster than ``_weights[cols]``
        parts = self._weights.take(cols, axis=0)
        parts *= vals[:, None]
        z = np.tile(self.intercept, (n, 1))
        if found_rows.size:
            per_row = np.bincount(found_rows, minlength=n)
            present = np.flatnonzero(per_row)
            z[present] += np.add.reduceat(parts, (np.cumsum(per_row) - per_row)[present])
        probs = 1.0 / (1.0 + np.exp(-z))
        if self._fallback:
            # the fallback label scores what the best topic leaves
            topics = np.delete(probs, self._fallback, axis=1)
            best = topics.max(axis=1) if topics.shape[1] else np.zeros(n)
            probs[:, self._fallback] = (1.0 - best)[:, None]
        return probs, found_rows, cols, parts

    def scores(self, text: str) -> npt.NDArray[np.float64]:
        """The score of every label for ``text`` (logistic, in label order).

        The fallback label (``other``) scores one minus the best topic's score.
        """
        probs: npt.NDArray[np.float64] = self._matrix(text, [(0, len(text))])[0][0]
        return probs

    def score_texts(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """Scores of many texts at once (one row each)."""
        joined, ranges = _join(texts)
        return self._matrix(joined, ranges)[0]

    def assign(self, text: str, *, evidence: int = 5) -> list[ThemeScore]:
        """Assigned labels (score >= threshold; at least the best; at most ``max_labels``).

        When no topic scores ``abstain`` or more, the fallback label alone.
        """
        return self.assign_ranges(text, [(0, len(text))], evidence=evidence)[0]

    def assign_texts(self, texts: Sequence[str], *, evidence: int = 5) -> list[list[ThemeScore]]:
        """:meth:`assign` for each of ``texts``, scored in one pass."""
        joined, ranges = _join(texts)
        return self.assign_ranges(joined, ranges, evidence=evidence)

    def assign_ranges(
        self,
        text: str,
        ranges: Sequence[tuple[int, int]],
        *,
        rows: Sequence[int] | None = None,
        evidence: int = 5,
    ) -> list[list[ThemeScore]]:
        """:meth:`assign` for each ``text[start:end]`` of ``ranges``, scored in one pass.

        ``rows`` gives each range's row instead (ranges of one row add up; one
        result per row). A row without any known feature gets no label. Each
        label carries the ``evidence`` terms that added most to its score.
        """
        import numpy as np

        probs, found_rows, cols, parts = self._matrix(text, ranges, rows)
        n = len(probs)
        ranked_probs = probs.copy()
        if self._fallback:
            # the fallback competes only where no topic reaches ``abstain``
            fb = self._fallback[0]
            ranked_probs[probs[:, fb] <= 1.0 - self.abstain, fb] = -1.0
        order = np.argsort(-ranked_probs, axis=1, kind="stable")[:, : self.max_labels]
        chosen = np.take_along_axis(ranked_probs, order, axis=1) >= self.threshold
        chosen[:, 0] = True
        per_row = np.bincount(found_rows, minlength=n)  # each row's features are one slice
        chosen &= (per_row > 0)[:, None]
        c_row, c_rank = np.nonzero(chosen)
        c_label = order[c_row, c_rank]
        # evidence: each chosen label's largest positive contributions in its row
        combo, pair = _stretches((np.cumsum(per_row) - per_row)[c_row], per_row[c_row])
        gain = parts.ravel()[pair * parts.shape[1] + c_label[combo]]
        positive = gain > 0
        combo, pair, gain = combo[positive], pair[positive], gain[positive]
        # by combination, then by falling gain: the order of combination - gain / (2 max gain)
        span = 2.0 * float(gain.max()) if gain.size else 1.0
        kept = _lowest(combo - gain / span, combo, evidence)
        terms = np.bincount(combo[kept], minlength=len(c_row)).tolist()
        readable = self.features.readable
        words = [readable[f] for f in cols[pair[kept]].tolist()]
        labels = self.labels
        out: list[list[ThemeScore]] = [[] for _ in range(n)]
        at = 0
        for r, j, p, k in zip(
            c_row.tolist(), c_label.tolist(), probs[c_row, c_label].tolist(), terms, strict=True
        ):
            out[r].append(ThemeScore(labels[j], p, tuple(words[at : at + k])))
            at += k
        return out

    # -- files --------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write the weights as compressed NPZ (plain arrays; nothing pickled)."""
        import numpy as np

        np.savez_compressed(
            path,
            labels=np.array(self.labels),
            vocabulary=np.array(self.features.vocabulary),
            idf=np.asarray(self.features.idf),
            coef=self.coef.astype(np.float32),
            intercept=self.intercept,
            params=np.array(json.dumps(self.params, sort_keys=True)),
            sources=np.array(list(self.sources)),
            groups=np.array(list(self.groups)),
            corpora=np.array(list(self.corpora)),
        )

    @classmethod
    def load(cls, path: str | Path | None = None) -> ThemeModel:
        """Read weights written by :meth:`save`; the shipped ones by default.

        Raises:
            DataFileError: the file is missing, corrupt or tampered with.
        """
        import numpy as np

        target = Path(path) if path is not None else data_path(MODEL_FILE)
        try:
            with np.load(target, allow_pickle=False) as data:
                labels = [str(x) for x in data["labels"]]
                vocabulary = [str(x) for x in data["vocabulary"]]
                idf, coef, intercept = data["idf"], data["coef"], data["intercept"]
                params = json.loads(str(data["params"]))
                sources = [str(x) for x in data["sources"]]
                groups = [str(x) for x in data["groups"]] if "groups" in data else []
                corpora = [str(x) for x in data["corpora"]] if "corpora" in data else []
        except FileNotFoundError as err:
            raise DataFileError(target, "the theme model is missing; run `unionnlp train`") from err
        except (OSError, ValueError, KeyError, json.JSONDecodeError, zipfile.BadZipFile) as err:
            raise DataFileError(target, f"not a valid theme model ({err})") from err
        if coef.shape != (len(labels), len(vocabulary)) or len(idf) != len(vocabulary):
            raise DataFileError(target, "array shapes do not agree (the file was altered)")
        try:
            return cls(
                labels=labels,
                vocabulary=vocabulary,
                idf=idf,
                coef=coef,
                intercept=intercept,
                params=params,
                sources=sources,
                groups=groups,
                corpora=corpora,
            )
        except ValueError as err:
            raise DataFileError(target, f"not a usable theme model ({err})") from err
