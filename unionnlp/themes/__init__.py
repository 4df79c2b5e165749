"""Themes: a multi-label linear classifier for sections and measures, with evidence.

The package, one concept a module (every name below is importable from
``unionnlp.themes`` as well):

- :mod:`~unionnlp.themes.taxonomy`: :func:`load_taxonomy` reads the labels,
  names, definitions, seed keywords and examples (``data/taxonomy.toml``, or a
  user's file of the same shape), and its ``generic`` words
  (:func:`load_generic_terms`, :func:`is_generic`).
- :mod:`~unionnlp.themes.features`: the features, our own and computed
  without scikit-learn: character 2- and 3-grams and the words of four or more
  characters that the private jieba tokenizer (with the union-domain
  dictionary) finds in the training text, TF-IDF weighted and L2 normalised.
  Scoring does not segment: :class:`FeatureSpace` finds the vocabulary where
  it occurs (n-grams and words through numpy tables of character ids), so a
  whole plan is featurised in one pass and every section and measure is a
  range of it.
- :mod:`~unionnlp.themes.classifier`: :class:`ThemeClassifier`, a
  scikit-learn estimator (``fit`` returns self, learned state ends in ``_``,
  ``get_params`` works): one class-balanced logistic regression per label
  (``liblinear``, deterministic); the taxonomy's examples and keywords join
  the training data.
- :mod:`~unionnlp.themes.scoring`: :class:`ThemeModel`, the weights as plain
  data (``data/themes_model.npz``, loaded with ``allow_pickle=False``), so
  scoring is a sparse dot product in numpy.
- :mod:`~unionnlp.themes.training`: :func:`examples_from_gold`,
  :func:`fit_examples` and :func:`train` (the model records its training
  sources so that evaluation can refit without the file it scores), and
  :func:`section_document`, what the model reads of a section.
- :mod:`~unionnlp.themes.validation`: :func:`cross_validate`, grouped by site.
- :mod:`~unionnlp.themes.tagger`: :class:`ThemeTagger`, the pipeline stage: it
  labels every section and measure with its assigned themes (score >=
  threshold, at least the best one, at most three), each carrying the terms
  that weighed most.

示例::

    >>> from unionnlp.themes import ThemeModel
    >>> model = ThemeModel.load()                      # doctest: +SKIP
    >>> model.assign("开展送温暖活动，慰问困难职工")[0].label  # doctest: +SKIP
    'worker_assistance'
"""

from __future__ import annotations

import logging

from .classifier import ThemeClassifier
from .features import MIN_WORD, NGRAMS, FeatureSpace, RowFeatures, candidate_features
from .features import _join as _join
from .features import _KeyTable as _KeyTable
from .features import _lowest as _lowest
from .features import _stretches as _stretches
from .features import _within as _within
from .scoring import MODEL_FILE, ThemeModel
from .tagger import ThemeTagger
from .taxonomy import Theme, is_generic, load_generic_terms, load_taxonomy
from .training import (
    Example,
    examples_from_gold,
    fit_examples,
    gold_files_under,
    require_sklearn,
    section_document,
    train,
)
from .validation import cross_validate

__all__ = [
    "MIN_WORD",
    "MODEL_FILE",
    "NGRAMS",
    "Example",
    "FeatureSpace",
    "RowFeatures",
    "Theme",
    "ThemeClassifier",
    "ThemeModel",
    "ThemeTagger",
    "candidate_features",
    "cross_validate",
    "examples_from_gold",
    "fit_examples",
    "gold_files_under",
    "is_generic",
    "load_generic_terms",
    "load_taxonomy",
    "require_sklearn",
    "section_document",
    "train",
]

logger = logging.getLogger(__name__)
