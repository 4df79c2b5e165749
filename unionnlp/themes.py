"""Themes: a multi-label linear classifier for sections and measures, with evidence.

- :func:`load_taxonomy` reads the labels, names, definitions, seed keywords
  and examples (``data/taxonomy.toml``, or a user's file of the same shape).
- :class:`ThemeClassifier` is a scikit-learn estimator (``fit`` returns self,
  learned state ends in ``_``, ``get_params`` works). Its features are our
  own and need no scikit-learn to compute: character 2- and 3-grams, the
  words of four or more characters that the private jieba tokenizer (with
  the union-domain dictionary) finds in the training text, TF-IDF weighted
  and L2 normalised, plus one keyword feature per label from the taxonomy (a
  prior for rare labels); the taxonomy's examples join the training data. One
  logistic regression per label is fitted with scikit-learn (``liblinear``,
  deterministic).
- Scoring does not segment: :class:`FeatureSpace` finds the vocabulary where
  it occurs (n-grams and words through numpy tables of character ids), so a
  whole plan is featurised in one pass and every section and measure is a
  range of it.
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

import json
import logging
import zipfile
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import regex

from .errors import DataFileError, UnionNLPError
from .model import Measure, Plan, Section, Span, ThemeScore, replacer
from .resources import data_path, load_toml

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from .normalize import NormalizedText

__all__ = [
    "FeatureSpace",
    "Theme",
    "ThemeClassifier",
    "ThemeModel",
    "ThemeTagger",
    "cross_validate",
    "examples_from_gold",
    "fit_examples",
    "gold_files_under",
    "load_taxonomy",
    "section_document",
    "train",
]

logger = logging.getLogger(__name__)

MODEL_FILE = "themes_model.npz"
_HAN_RUN = regex.compile(r"\p{Han}+")


@dataclass(frozen=True)
class Theme:
    """One label of the taxonomy."""

    label: str
    name: str
    definition: str
    keywords: tuple[str, ...]
    examples: tuple[str, ...]
    #: The label of abstention (``other``): assigned when no topic scores, never learned.
    fallback: bool = False


def load_generic_terms(path: str | Path | None = None) -> tuple[str, ...]:
    """The taxonomy file's ``generic`` words: words of every plan that name no theme.

    Raises:
        DataFileError: the list is not a list of strings of two characters or more.
    """
    source = path if path is not None else "taxonomy.toml"
    words = load_toml(source).get("generic", [])
    if not isinstance(words, list) or not all(isinstance(w, str) and len(w) >= 2 for w in words):
        raise DataFileError(source, "'generic' must list words of two characters or more")
    return tuple(words)


def is_generic(term: str, words: Collection[str]) -> bool:
    """Whether ``term`` lies inside a run of generic ``words`` (so it says nothing of a theme).

    True when ``term`` is inside one of the words, or is the end of one word,
    whole words, then the start of one (some parts may be missing)::

        >>> is_generic("强工作", ["加强", "工作"])
        True
        >>> is_generic("送温暖", ["加强", "工作"])
        False
    """
    if any(term in w for w in words):
        return True
    starts = {i for w in words for i in range(1, len(w) + 1) if term.endswith(w[:i])}
    # reach[i]: term[:i] is the end of a word followed by whole words
    reach = [False] * (len(term) + 1)
    for w in words:
        for i in range(1, len(w) + 1):
            if term.startswith(w[-i:]):
                reach[i] = True
    for i in range(1, len(term) + 1):
        if not reach[i]:
            continue
        if i == len(term) or len(term) - i in starts:
            return True
        for w in words:
            if term.startswith(w, i):
                reach[i + len(w)] = True
    return False


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
                fallback=bool(entry.get("fallback", False)),
            )
        except (KeyError, TypeError) as err:
            raise DataFileError(source, f"theme entry {entry!r} lacks {err}") from err
        if theme.label in seen:
            raise DataFileError(source, f"duplicate label {theme.label!r}")
        if len(set(theme.keywords)) != len(theme.keywords):
            raise DataFileError(source, f"duplicate keywords under {theme.label!r}")
        if theme.fallback and (theme.keywords or theme.examples):
            raise DataFileError(
                source,
                f"the fallback label {theme.label!r} is assigned when no topic scores;"
                " it takes no keywords or examples",
            )
        seen.add(theme.label)
        themes.append(theme)
    if not themes:
        raise DataFileError(source, "no [[theme]] entries")
    if sum(t.fallback for t in themes) > 1:
        raise DataFileError(source, "more than one fallback label")
    return themes


# ---------------------------------------------------------------------------
# features
#
# A model's features are strings of its vocabulary: ``c:`` character 2- and
# 3-grams of Han runs, ``w:`` words of four or more characters that jieba finds
# in the training text (the union-domain user dictionary included), and one
# ``k:`` feature per label (the share of its taxonomy keywords present). jieba
# chooses the words when a model is trained; scoring does not segment: tables
# of character ids find every vocabulary string where it occurs
# (overlapping), and each range of the text (a section, a measure) counts the
# matches inside it. Character n-gram counts are exactly those of slicing the
# Han runs; a word counts wherever it occurs, in training and scoring alike.

NGRAMS = (2, 3)
MIN_WORD = 4  # shorter words are already character n-grams


def candidate_features(text: str) -> set[str]:
    """The vocabulary candidates of a training text: its n-grams and long jieba words."""
    from .tokenize import tokenize

    found = {"w:" + w for w in tokenize(text) if len(w) >= MIN_WORD and _HAN_RUN.fullmatch(w)}
    for run in _HAN_RUN.findall(text):
        for n in NGRAMS:
            found.update("c:" + run[i : i + n] for i in range(len(run) - n + 1))
    return found


@dataclass(frozen=True)
class RowFeatures:
    """Raw occurrence counts of several text ranges, as coordinate arrays sorted by row."""

    rows: npt.NDArray[np.int64]
    features: npt.NDArray[np.int64]
    counts: npt.NDArray[np.int64]


class FeatureSpace:
    """A vocabulary, its IDF weights and the tables that find it in text.

    Every character becomes an id (0 for characters of no feature); 2-grams are
    then found through a dense table of id pairs, 3-grams and words by a
    binary search where their first two characters begin one.

    Args:
        vocabulary: feature strings (``c:…`` character n-grams, ``w:…`` words).
        idf: one weight per feature.

    Raises:
        ValueError: a feature of another kind or given twice (a model made by
            another version, or altered).
    """

    def __init__(self, vocabulary: Sequence[str], idf: Any) -> None:
        import numpy as np

        self.vocabulary = list(vocabulary)
        self.readable = [feature.partition(":")[2] for feature in self.vocabulary]
        self.idf = np.asarray(idf, dtype=np.float64)
        grams: dict[str, int] = {}
        words: dict[str, int] = {}
        for i, feature in enumerate(self.vocabulary):
            kind, _, value = feature.partition(":")
            if kind == "c" and len(value) in NGRAMS and value not in grams:
                grams[value] = i
            elif kind == "w" and len(value) >= MIN_WORD and value not in words:
                words[value] = i
            else:
                raise ValueError(f"unknown or repeated feature {feature!r}")
        self.word_feature = np.asarray(list(words.values()), dtype=np.int64)
        self.word_length = np.asarray([len(w) for w in words], dtype=np.int64)
        self._index(grams, list(words))

    def _index(self, grams: dict[str, int], words: list[str]) -> None:
        """Tables for :meth:`_find`: character ids, 2-grams, 3-grams and words by their prefix."""
        import numpy as np

        chars = sorted({ch for text in (*grams, *words) for ch in text})
        self._width = width = len(chars) + 1  # id 0: a character of no feature
        self._char_id = np.zeros(max(map(ord, chars), default=0) + 1, dtype=np.int64)
        self._char_id[[ord(ch) for ch in chars]] = np.arange(1, width)

        def key(text: str) -> int:
            value = 0
            for ch in text:
                value = value * width + int(self._char_id[ord(ch)])
            return value

        self._bigram = np.full(width * width, -1, dtype=np.int64)
        for gram, feature in grams.items():
            if len(gram) == 2:
                self._bigram[key(gram)] = feature
        # one entry per first three characters of a 3-gram or of words: the 3-gram's
        # feature (-1: none) and the words that begin so (a slice of the words sorted
        # by this key, their characters as ids in rows padded with -1)
        starting = sorted({w[:3] for w in words} | {g for g in grams if len(g) == 3}, key=key)
        entry = {prefix: e for e, prefix in enumerate(starting)}
        self._prefix = np.zeros(width * width, dtype=bool)
        self._prefix[[key(prefix[:2]) for prefix in starting]] = True
        self._table = _KeyTable([key(prefix) for prefix in starting])
        self._entry_trigram = np.asarray([grams.get(p, -1) for p in starting], dtype=np.int64)
        order = sorted(range(len(words)), key=lambda k: entry[words[k][:3]])
        self._word_order = np.asarray(order, dtype=np.int64)
        held = np.bincount([entry[words[k][:3]] for k in order], minlength=len(starting))
        self._entry_words = held.astype(np.int64)
        self._entry_first_word = np.cumsum(self._entry_words) - self._entry_words
        longest = max(map(len, words), default=MIN_WORD)
        self._word_chars = np.full((len(words), longest), -1, dtype=np.int64)
        for row, k in enumerate(order):
            self._word_chars[row, : len(words[k])] = [self._char_id[ord(ch)] for ch in words[k]]

    def _find(
        self, text: str
    ) -> list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]]:
        """Starts, ends (ascending) and features of the vocabulary in ``text``, by kind.

        Exact: a match is a vocabulary string wherever it occurs, overlapping
        ones included. A 2-gram is one lookup of its id pair; 3-grams and words
        are searched only where their first two characters begin one.
        """
        import numpy as np

        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
        limit = len(self._char_id) - 1
        ids = np.where(codes <= limit, self._char_id.take(codes, mode="clip"), 0)
        if len(ids) < 2:
            return []
        pair = ids[:-1] * self._width + ids[1:]
        feature = self._bigram[pair]
        starts = np.flatnonzero(feature >= 0)
        found = [(starts, starts + 2, feature[starts])]
        if len(ids) < 3:
            return found
        # the positions whose first two characters begin a 3-gram or a word
        candidates = np.flatnonzero(self._prefix[pair[:-1]])
        entry = self._table.find(pair[candidates] * self._width + ids[candidates + 2])
        candidates, entry = candidates[entry >= 0], entry[entry >= 0]
        trigram = self._entry_trigram[entry]
        hit = trigram >= 0
        found.append((candidates[hit], candidates[hit] + 3, trigram[hit]))
        which, slot = _stretches(self._entry_first_word[entry], self._entry_words[entry])
        if slot.size:
            # the rest of each word, against the text (-2 past its end; -1 past the word's)
            longest = self._word_chars.shape[1]
            padded = np.concatenate([ids, np.full(longest, -2, dtype=ids.dtype)])
            at = candidates[which]
            want = self._word_chars[slot, 3:]
            got = padded[at[:, None] + np.arange(3, longest)]
            hit = ((want == got) | (want < 0)).all(axis=1)
            words = self._word_order[slot[hit]]
            starts = at[hit]
            ends = starts + self.word_length[words]
            order = np.argsort(ends, kind="stable")
            found.append((starts[order], ends[order], self.word_feature[words[order]]))
        return found

    def count(
        self,
        text: str,
        ranges: Sequence[tuple[int, int]],
        rows: Sequence[int] | None = None,
    ) -> RowFeatures:
        """Raw feature counts of each ``text[start:end]`` of ``ranges`` (one row each).

        ``rows`` gives each range's row instead: ranges of one row add up (a
        section's title counted once more beside its whole text).
        """
        import numpy as np

        bounds = np.asarray(ranges, dtype=np.int64).reshape(-1, 2)
        found_rows: list[npt.NDArray[np.int64]] = [np.zeros(0, dtype=np.int64)]
        features: list[npt.NDArray[np.int64]] = [np.zeros(0, dtype=np.int64)]
        for starts, ends, feature in self._find(text):
            row, hit = _within(starts, ends, bounds)
            found_rows.append(row)
            features.append(feature[hit])
        width = max(len(self.vocabulary), 1)
        row_all = np.concatenate(found_rows)
        if rows is not None:
            row_all = np.asarray(rows, dtype=np.int64)[row_all]
        cells = row_all * width + np.concatenate(features)
        if _n_rows(ranges, rows) * width < 2**31:
            cells = cells.astype(np.int32)  # sorts in about half the time
        cells, counts = np.unique(cells, return_counts=True)
        cells = cells.astype(np.int64)
        return RowFeatures(
            rows=cells // width, features=cells % width, counts=counts.astype(np.int64)
        )

    def weigh(
        self, found: RowFeatures, n_rows: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Rows, columns and values of the TF-IDF matrix, L2-normalised per row.

        Term frequency is sublinear (1 + log count).
        """
        import numpy as np

        values = (1.0 + np.log(found.counts)) * self.idf[found.features]
        norms = np.sqrt(np.bincount(found.rows, values * values, minlength=n_rows))
        norms[norms == 0] = 1.0
        return found.rows, found.features, values / norms[found.rows]


# ---------------------------------------------------------------------------
# the estimator


class ThemeClassifier:
    """Multi-label theme classifier following the scikit-learn estimator contract.

    One class-balanced logistic regression per topic label over TF-IDF
    features (character 2- and 3-grams of Han runs, jieba words of four
    characters or more). The taxonomy's keywords join the training data as
    short texts of their label (weighed ``lexicon_weight``): a prior that
    teaches the model what a title of a few characters says, without a
    feature that generic words could feed. The taxonomy's fallback label
    (``other``) gets no regression: it is assigned when no topic scores
    ``abstain`` or more.

    Args:
        C: inverse regularisation strength of each label's logistic regression.
        min_df: features seen in fewer training texts are dropped.
        lexicon_weight: weight of each taxonomy keyword as a training text.
        threshold: score from which a further label is assigned (the best label always is).
        abstain: the fallback label is assigned when no topic scores this much.
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
        lexicon_weight: float = 0.3,
        threshold: float = 0.4,
        abstain: float = 0.25,
        max_labels: int = 3,
        taxonomy: str | None = None,
        use_examples: bool = True,
    ) -> None:
        self.C = C
        self.min_df = min_df
        self.lexicon_weight = lexicon_weight
        self.threshold = threshold
        self.abstain = abstain
        self.max_labels = max_labels
        self.taxonomy = taxonomy
        self.use_examples = use_examples

    # scikit-learn's parameter protocol, without importing scikit-learn at module load
    _PARAMS = (
        "C",
        "min_df",
        "lexicon_weight",
        "threshold",
        "abstain",
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

    def fit(
        self,
        X: Sequence[str],
        y: Sequence[Sequence[str]],
        sample_weight: Sequence[float] | None = None,
    ) -> ThemeClassifier:
        """Fit on texts ``X`` and their label lists ``y``; returns ``self``.

        ``sample_weight`` weighs each text in the logistic regressions (the
        taxonomy's examples weigh 1, its keywords ``lexicon_weight``).

        Raises:
            ValueError: ``X``, ``y`` and ``sample_weight`` differ in length, or a
                label is not in the taxonomy.
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
        weights = [1.0] * len(texts) if sample_weight is None else [float(w) for w in sample_weight]
        if len(weights) != len(texts):
            raise ValueError(f"X has {len(X)} texts but sample_weight has {len(weights)} weights")
        for theme in taxonomy:
            extra = [(e, 1.0) for e in theme.examples] if self.use_examples else []
            extra += [(k, self.lexicon_weight) for k in theme.keywords if self.lexicon_weight > 0]
            for text, weight in extra:
                texts.append(text)
                targets.append([theme.label])
                weights.append(weight)
        df: Counter[str] = Counter()
        for text in texts:
            df.update(candidate_features(text))
        generic = load_generic_terms(self.taxonomy)
        vocab = sorted(
            f for f, n in df.items() if n >= self.min_df and not is_generic(f[2:], generic)
        )
        n_docs = len(texts)
        space = FeatureSpace(vocab, np.ones(len(vocab)))
        joined, ranges = _join(texts)
        found = space.count(joined, ranges)
        # document frequency as scoring will see it: a word counts wherever it occurs
        df_found = np.bincount(found.features, minlength=len(vocab))
        idf = np.log((1 + n_docs) / (1 + df_found)) + 1.0
        space.idf = idf
        rows, cols, vals = space.weigh(found, n_docs)
        matrix = sparse.csr_matrix((vals, (rows, cols)), shape=(n_docs, len(vocab)))
        coef = np.zeros((len(labels), len(vocab)))
        intercept = np.full(len(labels), -5.0)
        for j, theme in enumerate(taxonomy):
            target = np.array([theme.label in t for t in targets], dtype=int)
            if theme.fallback or target.sum() == 0 or target.sum() == len(target):
                continue
            model = LogisticRegression(
                C=self.C, class_weight="balanced", solver="liblinear", random_state=0
            )
            model.fit(matrix, target, sample_weight=np.asarray(weights))
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
        return self.to_model().score_texts(list(X))

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
        parts = self._weights[cols]
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


def _stretches(
    starts: npt.NDArray[np.int64], sizes: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Every index of the stretches ``[starts[i], starts[i] + sizes[i])``, with its ``i``.

    Negative sizes count as empty. Returns (stretch number, index), stretch by stretch.
    """
    import numpy as np

    sizes = np.maximum(sizes, 0)
    owner = np.repeat(np.arange(len(starts), dtype=np.int64), sizes)
    index = np.arange(int(sizes.sum()), dtype=np.int64) - np.repeat(
        np.cumsum(sizes) - sizes - starts, sizes
    )
    return owner, index


class _KeyTable:
    """Non-negative integer keys -> their index, for many keys at once (open addressing)."""

    _MULTIPLIER = 0x9E3779B97F4A7C15  # Fibonacci hashing: the top bits of key * this

    def __init__(self, keys: Sequence[int]) -> None:
        import numpy as np

        self._bits = max(3, (4 * len(keys)).bit_length())  # at most a quarter full
        size = 1 << self._bits
        slot_key, slot_index = [-1] * size, [-1] * size
        homes = self._home(np.asarray(keys, dtype=np.int64)).tolist()
        for index, (key, slot) in enumerate(zip(keys, homes, strict=True)):
            if key < 0:
                raise ValueError(f"negative key {key}")
            while slot_key[slot] != -1:
                if slot_key[slot] == key:
                    raise ValueError(f"key {key} given twice")
                slot = (slot + 1) & (size - 1)
            slot_key[slot], slot_index[slot] = key, index
        self._key = np.asarray(slot_key, dtype=np.int64)
        self._index = np.asarray(slot_index, dtype=np.int64)

    def _home(self, keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        import numpy as np

        product = keys.astype(np.uint64) * np.uint64(self._MULTIPLIER)  # modulo 2**64
        home: npt.NDArray[np.int64] = (product >> np.uint64(64 - self._bits)).astype(np.int64)
        return home

    def find(self, keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The index of each of ``keys``, -1 for keys not in the table."""
        import numpy as np

        found = np.full(len(keys), -1, dtype=np.int64)
        todo, slot = np.arange(len(keys)), self._home(keys)
        while todo.size:
            held = self._key[slot]
            hit = held == keys[todo]
            found[todo[hit]] = self._index[slot[hit]]
            probe = ~hit & (held >= 0)  # an occupied slot of another key: look at the next
            todo, slot = todo[probe], (slot[probe] + 1) & (len(self._key) - 1)
        return found


def _lowest(
    keys: npt.NDArray[np.float64], groups: npt.NDArray[np.int64], k: int
) -> npt.NDArray[np.int64]:
    """Indices of the ``k`` lowest ``keys`` of each group (ties: the earlier), lowest first.

    ``groups`` must be ascending (from 0) and the keys of a group below those of the
    next, so that sorting ``keys`` (stably) sorts by group first. Only each
    group's keys up to its ``k``-th lowest distinct one are sorted.
    """
    import numpy as np

    if k <= 0 or not keys.size:
        return np.zeros(0, dtype=np.int64)
    if np.bincount(groups).max() > k:
        new = np.empty(len(groups), dtype=bool)
        new[0] = True
        np.not_equal(groups[1:], groups[:-1], out=new[1:])
        starts = np.flatnonzero(new)
        owner = np.cumsum(new) - 1
        rest = keys.copy()
        for _ in range(k):
            low = np.minimum.reduceat(rest, starts)[owner]
            rest[rest <= low] = np.inf
        candidates = np.flatnonzero(keys <= low)
    else:
        candidates = np.arange(len(keys))
    ranked = candidates[np.argsort(keys[candidates], kind="stable")]
    group = groups[ranked]
    sizes = np.bincount(group)
    rank = np.arange(len(ranked)) - (np.cumsum(sizes) - sizes)[group]
    kept: npt.NDArray[np.int64] = ranked[rank < k]
    return kept


def _within(
    starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64], bounds: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Every (range, match) pair where match ``[starts[i], ends[i])`` lies inside the range.

    ``ends`` must be ascending. Returns the range index and the match index of each pair.
    """
    import numpy as np

    lo = np.searchsorted(ends, bounds[:, 0], side="right")
    row, hit = _stretches(lo, np.searchsorted(ends, bounds[:, 1], side="right") - lo)
    inside = starts[hit] >= bounds[row, 0]
    return row[inside], hit[inside]


def _n_rows(ranges: Sequence[tuple[int, int]], rows: Sequence[int] | None) -> int:
    if rows is None:
        return len(ranges)
    if len(rows) != len(ranges):
        raise ValueError(f"{len(ranges)} ranges but {len(rows)} rows")
    return max(rows, default=-1) + 1


def _join(texts: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """``texts`` joined by newlines (no feature spans one) and the range of each."""
    ranges, pos = [], 0
    for text in texts:
        ranges.append((pos, pos + len(text)))
        pos += len(text) + 1
    return "\n".join(texts), ranges


# ---------------------------------------------------------------------------
# training data


@dataclass(frozen=True)
class Example:
    """A training text: a level-1 section of an annotated plan and its labels.

    ``text`` is the section from its marker to its end; ``document`` is what the
    model reads (:func:`section_document`: the title, then the text).
    """

    text: str
    labels: tuple[str, ...]
    source: str  # sha256 of the source file
    #: the source's group for grouped cross-validation: its site where the
    #: corpus has an index (template sites repeat text), else the file name
    group: str = ""
    #: the gold folder it came from, as given to :func:`train`
    corpus: str = ""
    title: str = ""

    @property
    def document(self) -> str:
        return f"{self.title}\n{self.text}"

    @property
    def fold(self) -> tuple[str, int]:
        """The corpus and the fold of this example's group (:func:`unionnlp.evaluate.fold_of`).

        Folds are drawn within each corpus: leaving out one fold of real pages
        keeps every written plan, which shares no site with them.
        """
        from .evaluate import fold_of

        return self.corpus, fold_of(self.group or self.source)


def fit_examples(
    examples: Sequence[Example], *, exclude: tuple[str, int] | None = None, **params: Any
) -> ThemeModel:
    """Fit a classifier on ``examples`` (minus one fold of one corpus) and return its model."""
    chosen = [e for e in examples if exclude is None or e.fold != exclude]
    clf = ThemeClassifier(**params).fit(
        [e.document for e in chosen], [list(e.labels) for e in chosen]
    )
    model = clf.to_model()
    by_source = {e.source: e for e in chosen}
    model.sources = tuple(sorted(by_source))
    model.groups = tuple(by_source[sha].group or sha for sha in model.sources)
    model.corpora = tuple(by_source[sha].corpus for sha in model.sources)
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
        return self.batch([plan])[0]

    def batch(self, plans: Sequence[Plan]) -> list[Plan]:
        """Label the plans of one text together: one scoring pass over their text.

        The same labels as one plan at a time (each range is scored on its own);
        a text's plans share its normalised text, so the fixed cost of a pass is
        paid once. Plans from different texts are labelled text by text.
        """
        out: list[Plan] = []
        start = 0
        while start < len(plans):
            norm = plans[start].require_normalized(self.name)
            stop = start + 1
            while stop < len(plans) and plans[stop].normalized is norm:
                stop += 1
            out.extend(self._label(plans[start:stop], norm))
            start = stop
        return out

    def _label(self, plans: Sequence[Plan], norm: NormalizedText) -> list[Plan]:
        spans: list[Span] = []
        sizes: list[tuple[int, int]] = []  # each plan's sections and measures
        for plan in plans:
            measure_spans = (
                [m.span for sec in plan.sections for m in sec.measures] if self.measures else []
            )
            section_spans = [sec.span for sec in plan.sections]
            titles = [sec.title_span for sec in plan.sections]
            spans += [plan.span, *section_spans, *measure_spans, *titles]
            sizes.append((len(section_spans), len(measure_spans)))
        # one pass over the plans' normalised text; every section and measure is a range
        # of it, kept inside its own plan; a section's title is counted once more in its
        # row (what section_document reads)
        mapped = norm.norm_ranges(spans)
        lo = min(a for a, _ in mapped)
        hi = max(b for _, b in mapped)
        ranges: list[tuple[int, int]] = []
        rows: list[int] = []
        at = row = 0
        for n_sections, n_measures in sizes:
            p_lo, p_hi = mapped[at]
            own = n_sections + n_measures
            inside = mapped[at + 1 : at + 1 + own + n_sections]
            ranges += [(max(a, p_lo) - lo, max(min(b, p_hi), p_lo) - lo) for a, b in inside]
            rows += [*range(row, row + own), *range(row, row + n_sections)]
            at += 1 + own + n_sections
            row += own
        assigned = iter(
            self.model.assign_ranges(norm.text[lo:hi], ranges, rows=rows) if ranges else ()
        )
        labelled: list[Plan] = []
        for plan in plans:
            themes = [tuple(next(assigned)) for _ in plan.sections]  # sections come first
            sections: list[Section] = []
            for sec, sec_themes in zip(plan.sections, themes, strict=True):
                measures = sec.measures
                if self.measures:
                    measures = tuple(_with_themes(m, tuple(next(assigned))) for m in measures)
                sections.append(_with_themes_and_measures(sec, sec_themes, measures))
            labelled.append(replace(plan, sections=tuple(sections)) if plan.sections else plan)
        return labelled


_with_themes: Callable[[Measure, tuple[ThemeScore, ...]], Measure] = replacer(Measure, "themes")
_with_themes_and_measures: Callable[
    [Section, tuple[ThemeScore, ...], tuple[Measure, ...]], Section
] = replacer(Section, "themes", "measures")


def require_sklearn() -> None:
    """Raise a clear error when training is asked for without scikit-learn."""
    try:
        import sklearn  # noqa: F401
    except ImportError as err:  # pragma: no cover - scikit-learn is a core dependency
        raise UnionNLPError("training themes needs scikit-learn: pip install scikit-learn") from err


def section_document(norm: NormalizedText, section: Section) -> str:
    """What the theme model reads of a section: its title, then its whole text.

    The title says what a section is about and counts twice (it opens the
    text too). Training examples, the tagger (through ranges of the text) and
    evaluation all read this.
    """
    return "\n".join(_title_and_text(norm, section))


def _title_and_text(norm: NormalizedText, section: Section) -> tuple[str, str]:
    ts, te = norm.norm_range(section.title_span)
    ss, se = norm.norm_range(section.span)
    return norm.text[ts:te], norm.text[ss:se]


def examples_from_gold(gold_files: Iterable[str | Path], *, corpus: str = "") -> list[Example]:
    """Training examples from gold files: each level-1 section with themes, as parsed.

    The section text is the normalised text of the parsed section that the
    gold section aligns with (marker and title prefix, in reading order), so
    training sees exactly what the tagger will see. Each example's group is
    its source's site where the corpus folder has an ``index.jsonl``
    (:func:`unionnlp.evaluate.corpus_groups`), else its file name.
    """

    from .evaluate import _align, _gold_sections, corpus_groups, load_gold, section_key
    from .pipeline import Pipeline
    from .readers import read

    structure_only = Pipeline()
    groups: dict[Path, dict[str, str]] = {}
    examples: list[Example] = []
    for path in sorted(Path(p) for p in gold_files):
        gold = load_gold(path)
        folder = gold.source.parent
        if folder not in groups:
            groups[folder] = corpus_groups(folder)
        group = groups[folder].get(gold.source.name, gold.source.name)
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
            title, text = _title_and_text(plan.require_normalized("training"), sec)
            examples.append(Example(text, labels, source.sha256, group, corpus, title))
    return examples


def gold_files_under(
    roots: Iterable[str | Path], *, exclude_dirs: Collection[str] = ()
) -> list[Path]:
    """The ``*.gold.json`` files under each root (a file stands for itself).

    Files under a folder named in ``exclude_dirs`` (``heldout``) are left out.
    """
    files: list[Path] = []
    for root in map(Path, roots):
        if root.is_file():
            files.append(root)
            continue
        files += [
            p
            for p in sorted(root.rglob("*.gold.json"))
            if not set(p.relative_to(root).parts[:-1]) & set(exclude_dirs)
        ]
    return files


def train(
    corpora: Sequence[str | Path],
    output_dir: str | Path,
    *,
    exclude_dirs: Collection[str] = ("heldout",),
    **params: Any,
) -> tuple[ThemeModel, list[Example]]:
    """Fit the model on the gold files under ``corpora`` and write it to ``output_dir``.

    Only the weights are written (``themes_model.npz``): never the training
    texts, which may be third-party pages. The model records each training
    source by its sha256 and group, and the ``corpora`` as given, so that
    evaluation can rebuild the examples and refit without the fold of the
    file it scores. Deterministic: the same gold files give identical weights.

    Raises:
        UnionNLPError: no level-1 section with themes in the gold files.
    """
    require_sklearn()
    examples: list[Example] = []
    n_files = 0
    for root in corpora:
        files = gold_files_under([root], exclude_dirs=exclude_dirs)
        n_files += len(files)
        examples += examples_from_gold(files, corpus=str(root))
    if not examples:
        raise UnionNLPError(
            f"no level-1 sections with themes in the {n_files} gold files under"
            f" {', '.join(map(str, corpora))}"
        )
    model = fit_examples(examples, **params)
    model.params["corpora"] = [str(c) for c in corpora]
    model.params["exclude_dirs"] = sorted(exclude_dirs)
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    model.save(out / MODEL_FILE)
    return model, examples


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
