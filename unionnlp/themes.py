"""Themes: a multi-label linear classifier for sections and measures, with evidence.

- :func:`load_taxonomy` reads the labels, names, definitions, seed keywords
  and examples (``data/taxonomy.toml``, or a user's file of the same shape).
- :class:`ThemeClassifier` is a scikit-learn estimator (``fit`` returns self,
  learned state ends in ``_``, ``get_params`` works). Its features are our
  own and need no scikit-learn to compute: jieba words and word bigrams from
  the private tokenizer, character 2- and 3-grams, TF-IDF weighted and L2
  normalised, plus one keyword feature per label from the taxonomy (a prior
  for rare labels); the taxonomy's examples join the training data. One
  logistic regression per label is fitted with scikit-learn (``liblinear``,
  deterministic).
- Weights ship as plain data (``data/themes_model.npz``, loaded with
  ``allow_pickle=False``), so scoring is a sparse dot product in numpy; the
  training examples ship beside them (``data/themes_train.jsonl``) so that
  evaluation can refit without the file it scores.
- :class:`ThemeTagger` is the pipeline stage: it labels every section and
  measure with its assigned themes (score >= threshold, at least the best
  one, at most three), each carrying the terms that weighed most.

示例::

    >>> from unionnlp.themes import ThemeModel
    >>> model = ThemeModel.load()                      # doctest: +SKIP
    >>> model.assign("开展送温暖活动，慰问困难职工")[0].label  # doctest: +SKIP
    'worker_assistance'
"""

from __future__ import annotations

import itertools
import json
import logging
import math
import zipfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import regex

from .errors import DataFileError, UnionNLPError
from .model import Measure, Plan, Section, Span, ThemeScore
from .resources import data_path, load_toml

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = [
    "Theme",
    "ThemeClassifier",
    "ThemeModel",
    "ThemeTagger",
    "load_taxonomy",
    "load_training_examples",
]

logger = logging.getLogger(__name__)

MODEL_FILE = "themes_model.npz"
TRAIN_FILE = "themes_train.jsonl"
_HAN_RUN = regex.compile(r"\p{Han}+")


@dataclass(frozen=True)
class Theme:
    """One label of the taxonomy."""

    label: str
    name: str
    definition: str
    keywords: tuple[str, ...]
    examples: tuple[str, ...]


def load_taxonomy(path: str | Path | None = None) -> list[Theme]:
    """The theme taxonomy; raises :class:`DataFileError` on a malformed file."""
    source = path if path is not None else "taxonomy.toml"
    data = load_toml(source)
    themes: list[Theme] = []
    seen: set[str] = set()
    for entry in data.get("theme", ()):
        try:
            theme = Theme(
                label=str(entry["label"]),
                name=str(entry["name"]),
                definition=str(entry.get("definition", "")),
                keywords=tuple(str(k) for k in entry.get("keywords", ())),
                examples=tuple(str(e) for e in entry.get("examples", ())),
            )
        except (KeyError, TypeError) as err:
            raise DataFileError(source, f"theme entry {entry!r} lacks {err}") from err
        if theme.label in seen:
            raise DataFileError(source, f"duplicate label {theme.label!r}")
        if len(set(theme.keywords)) != len(theme.keywords):
            raise DataFileError(source, f"duplicate keywords under {theme.label!r}")
        seen.add(theme.label)
        themes.append(theme)
    if not themes:
        raise DataFileError(source, "no [[theme]] entries")
    return themes


# ---------------------------------------------------------------------------
# features


def feature_counts(text: str) -> Counter[str]:
    """Feature counts of ``text``: jieba words, word bigrams, character 2- and 3-grams."""
    from .tokenize import tokenize

    counts: Counter[str] = Counter()
    words = tokenize(text)
    counts.update("w:" + w for w in words)
    counts.update(f"b:{a}_{b}" for a, b in itertools.pairwise(words))
    for run in _HAN_RUN.findall(text):
        for n in (2, 3):
            counts.update("c:" + run[i : i + n] for i in range(len(run) - n + 1))
    return counts


def keyword_hits(text: str, taxonomy: Sequence[Theme]) -> dict[str, float]:
    """One feature per label: the share (capped at three) of its seed keywords in ``text``."""
    keywords = {
        "k:" + theme.label: min(3, sum(1 for k in theme.keywords if k in text)) / 3.0
        for theme in taxonomy
    }
    return {k: v for k, v in keywords.items() if v}


def analyze(text: str, taxonomy: Sequence[Theme]) -> tuple[Counter[str], dict[str, float]]:
    """Feature counts of ``text`` and its keyword hits."""
    return feature_counts(text), keyword_hits(text, taxonomy)


class _Features:
    """TF-IDF over a fixed vocabulary, L2 normalised; keyword features appended as they are."""

    def __init__(self, vocabulary: Sequence[str], idf: Sequence[float]) -> None:
        self.vocabulary = list(vocabulary)
        self.index = {f: i for i, f in enumerate(self.vocabulary)}
        self.idf = list(idf)

    def vector(
        self, counts: Counter[str], keywords: dict[str, float]
    ) -> tuple[list[int], list[float]]:
        idx: list[int] = []
        val: list[float] = []
        for feature, count in counts.items():
            i = self.index.get(feature)
            if i is not None and not feature.startswith("k:"):
                idx.append(i)
                val.append((1.0 + math.log(count)) * self.idf[i])
        norm = math.sqrt(sum(v * v for v in val)) or 1.0
        val = [v / norm for v in val]
        for feature, value in keywords.items():
            i = self.index.get(feature)
            if i is not None:
                idx.append(i)
                val.append(value)
        return idx, val


# ---------------------------------------------------------------------------
# the estimator


class ThemeClassifier:
    """Multi-label theme classifier following the scikit-learn estimator contract.

    Args:
        C: inverse regularisation strength of each label's logistic regression.
        min_df: features seen in fewer training texts are dropped.
        keyword_weight: scale of the taxonomy keyword features.
        threshold: score from which a label is assigned (the best label always is).
        max_labels: labels assigned at most.
        taxonomy: path of a taxonomy file (default ``data/taxonomy.toml``).
        use_examples: add the taxonomy's examples to the training data.

    Learned attributes (after :meth:`fit`): ``classes_``, ``vocabulary_``,
    ``idf_``, ``coef_`` (labels × features), ``intercept_``.
    """

    def __init__(
        self,
        C: float = 4.0,
        min_df: int = 2,
        keyword_weight: float = 3.0,
        threshold: float = 0.5,
        max_labels: int = 3,
        taxonomy: str | None = None,
        use_examples: bool = True,
    ) -> None:
        self.C = C
        self.min_df = min_df
        self.keyword_weight = keyword_weight
        self.threshold = threshold
        self.max_labels = max_labels
        self.taxonomy = taxonomy
        self.use_examples = use_examples

    # scikit-learn's parameter protocol, without importing scikit-learn at module load
    _PARAMS = (
        "C",
        "min_df",
        "keyword_weight",
        "threshold",
        "max_labels",
        "taxonomy",
        "use_examples",
    )

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._PARAMS}

    def set_params(self, **params: Any) -> ThemeClassifier:
        for name, value in params.items():
            if name not in self._PARAMS:
                raise ValueError(f"invalid parameter {name!r} for ThemeClassifier")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"ThemeClassifier({args})"

    def __sklearn_tags__(self) -> Any:  # pragma: no cover - consulted by scikit-learn only
        from sklearn.utils import Tags, TargetTags

        return Tags(estimator_type="classifier", target_tags=TargetTags(required=True))

    def _taxonomy(self) -> list[Theme]:
        return load_taxonomy(self.taxonomy)

    def fit(self, X: Sequence[str], y: Sequence[Sequence[str]]) -> ThemeClassifier:
        """Fit on texts ``X`` and their label lists ``y``; returns ``self``.

        Raises:
            ValueError: ``X`` and ``y`` differ in length, or a label is not in the taxonomy.
        """
        import numpy as np
        from scipy import sparse
        from sklearn.linear_model import LogisticRegression

        if len(X) != len(y):
            raise ValueError(f"X has {len(X)} texts but y has {len(y)} label lists")
        taxonomy = self._taxonomy()
        labels = [t.label for t in taxonomy]
        unknown = {lab for labs in y for lab in labs} - set(labels)
        if unknown:
            raise ValueError(f"labels not in the taxonomy: {sorted(unknown)}")
        texts, targets = list(X), [list(labs) for labs in y]
        if self.use_examples:
            for theme in taxonomy:
                for example in theme.examples:
                    texts.append(example)
                    targets.append([theme.label])
        analysed = [analyze(t, taxonomy) for t in texts]
        df: Counter[str] = Counter()
        for counts, _ in analysed:
            df.update(counts.keys())
        vocab = sorted(f for f, n in df.items() if n >= self.min_df)
        vocab += ["k:" + lab for lab in labels]
        n_docs = len(texts)
        idf = [math.log((1 + n_docs) / (1 + df.get(f, 0))) + 1.0 for f in vocab]
        features = _Features(vocab, idf)
        rows, cols, vals = [], [], []
        for r, (counts, keywords) in enumerate(analysed):
            scaled = {k: v * self.keyword_weight for k, v in keywords.items()}
            idx, val = features.vector(counts, scaled)
            rows.extend([r] * len(idx))
            cols.extend(idx)
            vals.extend(val)
        matrix = sparse.csr_matrix((vals, (rows, cols)), shape=(n_docs, len(vocab)))
        coef = np.zeros((len(labels), len(vocab)))
        intercept = np.full(len(labels), -5.0)
        for j, lab in enumerate(labels):
            target = np.array([lab in t for t in targets], dtype=int)
            if target.sum() == 0 or target.sum() == len(target):
                continue
            model = LogisticRegression(
                C=self.C, class_weight="balanced", solver="liblinear", random_state=0
            )
            model.fit(matrix, target)
            coef[j] = model.coef_[0]
            intercept[j] = model.intercept_[0]
        self.classes_ = np.array(labels)
        self.vocabulary_ = vocab
        self.idf_ = np.array(idf)
        self.coef_ = coef
        self.intercept_ = intercept
        return self

    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            from sklearn.exceptions import NotFittedError

            raise NotFittedError("this ThemeClassifier is not fitted yet; call fit() first")

    def to_model(self) -> ThemeModel:
        """The fitted weights as a :class:`ThemeModel` (numpy-only scoring)."""
        self._check_fitted()
        return ThemeModel(
            labels=[str(c) for c in self.classes_],
            vocabulary=list(self.vocabulary_),
            idf=self.idf_,
            coef=self.coef_,
            intercept=self.intercept_,
            params=self.get_params(),
        )

    def predict_proba(self, X: Iterable[str]) -> npt.NDArray[np.float64]:
        """Scores in [0, 1], one column per label of ``classes_``."""
        import numpy as np

        model = self.to_model()
        return np.array([model.scores(text) for text in X])

    def predict(self, X: Iterable[str]) -> list[list[str]]:
        """Assigned labels of each text (best first)."""
        model = self.to_model()
        return [[s.label for s in model.assign(text)] for text in X]


# ---------------------------------------------------------------------------
# the shipped weights


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
    ) -> None:
        import numpy as np

        self.labels = list(labels)
        self.features = _Features(vocabulary, [float(v) for v in idf])
        self.coef = np.asarray(coef, dtype=np.float64)
        self.intercept = np.asarray(intercept, dtype=np.float64)
        self.params = dict(params)
        self.sources = tuple(sources)
        self.threshold = float(self.params.get("threshold", 0.5))
        self.max_labels = int(self.params.get("max_labels", 3))
        self.keyword_weight = float(self.params.get("keyword_weight", 1.0))

    @cached_property
    def taxonomy(self) -> list[Theme]:
        return load_taxonomy(self.params.get("taxonomy"))

    def scores(self, text: str) -> npt.NDArray[np.float64]:
        """The score of every label for ``text`` (logistic, in label order)."""
        import numpy as np

        counts, keywords = analyze(text, self.taxonomy)
        idx, val = self.features.vector(
            counts, {k: v * self.keyword_weight for k, v in keywords.items()}
        )
        z = self.intercept + (self.coef[:, idx] @ np.asarray(val) if idx else 0.0)
        return np.asarray(1.0 / (1.0 + np.exp(-z)), dtype=np.float64)

    def assign(self, text: str, *, evidence: int = 5) -> list[ThemeScore]:
        """Assigned labels (score >= threshold; at least the best; at most ``max_labels``)."""
        if not text.strip():
            return []
        return self.assign_features(
            feature_counts(text), keyword_hits(text, self.taxonomy), evidence=evidence
        )

    def assign_features(
        self, counts: Counter[str], keywords: dict[str, float], *, evidence: int = 5
    ) -> list[ThemeScore]:
        """:meth:`assign` from precomputed features (see :func:`feature_counts`)."""
        import numpy as np

        if not counts and not keywords:
            return []
        idx, val = self.features.vector(
            counts, {k: v * self.keyword_weight for k, v in keywords.items()}
        )
        values = np.asarray(val)
        z = self.intercept + (self.coef[:, idx] @ values if idx else 0.0)
        probs = 1.0 / (1.0 + np.exp(-z))
        order = np.argsort(-probs, kind="stable")
        chosen = [j for j in order[: self.max_labels] if probs[j] >= self.threshold]
        if not chosen:
            chosen = [int(order[0])]
        out = []
        for j in chosen:
            contributions = self.coef[j, idx] * values if idx else np.zeros(0)
            top = np.argsort(-contributions, kind="stable")[:evidence]
            terms = [
                _readable(self.features.vocabulary[idx[k]]) for k in top if contributions[k] > 0
            ]
            out.append(ThemeScore(self.labels[j], float(probs[j]), tuple(dict.fromkeys(terms))))
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
        except FileNotFoundError as err:
            raise DataFileError(target, "the theme model is missing; run `unionnlp train`") from err
        except (OSError, ValueError, KeyError, json.JSONDecodeError, zipfile.BadZipFile) as err:
            raise DataFileError(target, f"not a valid theme model ({err})") from err
        if coef.shape != (len(labels), len(vocabulary)) or len(idf) != len(vocabulary):
            raise DataFileError(target, "array shapes do not agree (the file was altered)")
        return cls(
            labels=labels,
            vocabulary=vocabulary,
            idf=idf,
            coef=coef,
            intercept=intercept,
            params=params,
            sources=sources,
        )


def _readable(feature: str) -> str:
    kind, _, value = feature.partition(":")
    if kind == "b":
        return value.replace("_", "")
    if kind == "k":
        return f"关键词({value})"
    return value


# ---------------------------------------------------------------------------
# training data


@dataclass(frozen=True)
class Example:
    """A training text: a level-1 section of an annotated plan and its labels."""

    text: str
    labels: tuple[str, ...]
    source: str  # sha256 of the source file


def load_training_examples(path: str | Path | None = None) -> list[Example]:
    """The shipped training examples (``data/themes_train.jsonl``)."""
    target = Path(path) if path is not None else data_path(TRAIN_FILE)
    examples = []
    try:
        lines = target.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise DataFileError(target, f"cannot be read ({err})") from err
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
            examples.append(Example(str(data["text"]), tuple(data["labels"]), str(data["source"])))
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise DataFileError(target, f"bad training example ({err})", line=n) from err
    return examples


def fit_examples(
    examples: Sequence[Example], *, exclude_source: str | None = None, **params: Any
) -> ThemeModel:
    """Fit a classifier on ``examples`` (minus one source file) and return its model."""
    chosen = [e for e in examples if e.source != exclude_source]
    clf = ThemeClassifier(**params).fit([e.text for e in chosen], [list(e.labels) for e in chosen])
    model = clf.to_model()
    model.sources = tuple(sorted({e.source for e in chosen}))
    return model


# ---------------------------------------------------------------------------
# the stage


class ThemeTagger:
    """A pipeline stage that labels every section and measure with its themes.

    Args:
        model: a weights file replacing the shipped ``data/themes_model.npz``.
        measures: label measures too (sections always are).
    """

    name = "themes"

    def __init__(self, *, model: str | Path | None = None, measures: bool = True) -> None:
        self.model_path = model
        self.measures = measures

    @cached_property
    def model(self) -> ThemeModel:
        return ThemeModel.load(self.model_path)

    def __call__(self, plan: Plan) -> Plan:
        norm = plan.require_normalized(self.name)

        def text_of(start: int, end: int) -> str:
            ns, ne = norm.norm_range(Span(start, end))
            return norm.text[ns:ne]

        model = self.model
        taxonomy = model.taxonomy
        # Each stretch of text is tokenized once: a measure's features serve the measure
        # and every section above it; a section adds its title when no measure holds it.
        measure_counts = {
            (i, k): feature_counts(m.text)
            for i, sec in enumerate(plan.sections)
            for k, m in enumerate(sec.measures)
        }
        index = {sec.id: i for i, sec in enumerate(plan.sections)}
        totals: list[Counter[str]] = [Counter() for _ in plan.sections]
        for i in range(len(plan.sections) - 1, -1, -1):  # children come after parents
            sec = plan.sections[i]
            total = totals[i]
            for k, _ in enumerate(sec.measures):
                total.update(measure_counts[(i, k)])
            if not any(m.span.start <= sec.span.start for m in sec.measures):
                total.update(feature_counts(text_of(sec.span.start, sec.title_span.end)))
            if sec.parent is not None and sec.parent in index:
                totals[index[sec.parent]].update(total)
        sections: list[Section] = []
        for i, sec in enumerate(plan.sections):
            keywords = keyword_hits(text_of(sec.span.start, sec.span.end), taxonomy)
            themes = tuple(model.assign_features(totals[i], keywords))
            measures: tuple[Measure, ...] = sec.measures
            if self.measures:
                measures = tuple(
                    replace(
                        m,
                        themes=tuple(
                            model.assign_features(
                                measure_counts[(i, k)], keyword_hits(m.text, taxonomy)
                            )
                        ),
                    )
                    for k, m in enumerate(sec.measures)
                )
            sections.append(replace(sec, themes=themes, measures=measures))
        return replace(plan, sections=tuple(sections))


def require_sklearn() -> None:
    """Raise a clear error when training is asked for without scikit-learn."""
    try:
        import sklearn  # noqa: F401
    except ImportError as err:  # pragma: no cover - scikit-learn is a core dependency
        raise UnionNLPError("training themes needs scikit-learn: pip install scikit-learn") from err


def examples_from_gold(gold_files: Iterable[str | Path]) -> list[Example]:
    """Training examples from gold files: each level-1 section with themes, as parsed.

    The section text is the normalised text of the parsed section that the
    gold section aligns with (marker and title prefix, in reading order), so
    training sees exactly what the tagger will see.
    """

    from .evaluate import _align, _gold_sections, load_gold, section_key
    from .pipeline import Pipeline
    from .readers import read

    structure_only = Pipeline()
    examples: list[Example] = []
    for path in sorted(Path(p) for p in gold_files):
        gold = load_gold(path)
        source = read(gold.source)
        plans = structure_only.parse(source.text, source=source)
        g_secs = [s for d in gold.documents for s in _gold_sections(d)]
        p_secs = [(plan, s) for plan in plans for s in plan.sections if s.marker]
        pairs = _align(
            [section_key(str(s.get("marker", "")), str(s.get("title", ""))) for s in g_secs],
            [section_key(s.marker, s.title) for _, s in p_secs],
        )
        for gi, pi in pairs:
            labels = tuple(g_secs[gi].get("themes") or ())
            if not labels:
                continue
            plan, sec = p_secs[pi]
            norm = plan.require_normalized("training")
            ns, ne = norm.norm_range(sec.span)
            examples.append(Example(norm.text[ns:ne], labels, source.sha256))
    return examples


def train(
    gold_files: Iterable[str | Path], output_dir: str | Path | None = None, **params: Any
) -> tuple[ThemeModel, list[Example]]:
    """Build the training examples and the model from gold files, and write both.

    Deterministic: the same gold files give byte-identical outputs.
    """
    require_sklearn()
    examples = examples_from_gold(gold_files)
    if not examples:
        raise UnionNLPError("no level-1 sections with themes in the gold files given")
    model = fit_examples(examples, **params)
    out = Path(output_dir) if output_dir is not None else data_path("")
    out.mkdir(parents=True, exist_ok=True)
    with (out / TRAIN_FILE).open("w", encoding="utf-8") as stream:
        for e in examples:
            record = {"text": e.text, "labels": list(e.labels), "source": e.source}
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    model.save(out / MODEL_FILE)
    return model, examples


def cross_validate(examples: Sequence[Example], **params: Any) -> dict[str, float]:
    """Leave-one-source-file-out scores of a parameter setting on ``examples``.

    Returns top-1 accuracy (the best label is a gold label) and micro-F1 of
    the assigned label sets.
    """
    sources = sorted({e.source for e in examples})
    top1 = n = tp = n_pred = n_gold = 0
    for source in sources:
        model = fit_examples(examples, exclude_source=source, **params)
        for e in examples:
            if e.source != source:
                continue
            predicted = [t.label for t in model.assign(e.text)]
            n += 1
            top1 += int(bool(predicted) and predicted[0] in e.labels)
            tp += len(set(predicted) & set(e.labels))
            n_pred += len(predicted)
            n_gold += len(e.labels)
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {
        "top1": top1 / n if n else 0.0,
        "micro_f1": 2 * p * r / (p + r) if p + r else 0.0,
        "precision": p,
        "recall": r,
    }
