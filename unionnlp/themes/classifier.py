"""The theme estimator: :class:`ThemeClassifier`, fitted with scikit-learn.

It follows the scikit-learn estimator contract (``__init__`` stores the
parameters, ``fit`` returns self, learned state ends in ``_``) without
importing scikit-learn at module load: only :meth:`ThemeClassifier.fit` does.
Its fitted weights become a :class:`~unionnlp.themes.scoring.ThemeModel`
(:meth:`ThemeClassifier.to_model`), which scores with numpy alone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from .features import FeatureSpace, _join, candidate_features
from .scoring import ThemeModel
from .taxonomy import Theme, is_generic, load_generic_terms, load_taxonomy

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["ThemeClassifier"]


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
