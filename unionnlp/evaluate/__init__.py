"""Scores against gold files in the format of ANNOTATION.md (``*.gold.json``).

Both sides are converted to simplified script and width-folded before they
are compared. Documents are matched by their first section (or title when
they have none); sections are aligned in reading order by marker and title
prefix (the first eight characters count); deadlines and parties are compared
as sets of distinct texts per matched document.

The package (every name below is importable from ``unionnlp.evaluate`` as well):

- :mod:`~unionnlp.evaluate.gold`: :class:`Gold` and :func:`load_gold`.
- :mod:`~unionnlp.evaluate.matching`: the folded comparison keys
  (:func:`marker_key`, :func:`title_key`, :func:`section_key`) and the
  alignment of sections in reading order.
- :mod:`~unionnlp.evaluate.scoring`: :class:`Score` and
  :func:`evaluate_plans`, one file's plans scored stage by stage (documents,
  sections, levels, titles, deadlines, parties, themes).
- :mod:`~unionnlp.evaluate.folds`: grouped cross-validation
  (:func:`corpus_index`, :func:`corpus_groups`, :func:`fold_of`, :func:`half_of`) and
  :class:`ThemeScorer`, theme predictions never from a model that trained on the file.
- :mod:`~unionnlp.evaluate.report`: :class:`EvalReport`, totals as JSON and
  as tables for people.
- :mod:`~unionnlp.evaluate.run`: :func:`evaluate_dir`, a folder of gold files.
- :mod:`~unionnlp.evaluate.perturb`: :data:`PERTURBATIONS`, changes to the
  sources' texts that the folded comparison ignores (``evaluate_dir(perturb=...)``).
- :mod:`~unionnlp.evaluate.agreement`: :func:`agreement` between two
  annotation passes, :func:`cohen_kappa`.

Usage::

    >>> from unionnlp.evaluate import evaluate_dir
    >>> report = evaluate_dir("corpora/seeds")          # doctest: +SKIP
    >>> report.scores["sections"].f1                    # doctest: +SKIP
"""

from __future__ import annotations

from .agreement import agreement, cohen_kappa
from .folds import N_FOLDS, ThemeScorer, corpus_groups, corpus_index, fold_of, half_of
from .gold import Gold, load_gold
from .gold import _gold_sections as _gold_sections
from .matching import TITLE_PREFIX, marker_key, section_key, title_key
from .matching import _align as _align
from .matching import _fold as _fold
from .perturb import PERTURBATIONS, Perturbation
from .report import ACCURACY_ROWS, EvalReport
from .run import evaluate_dir
from .scoring import FileResult, Score, evaluate_plans

__all__ = [
    "ACCURACY_ROWS",
    "N_FOLDS",
    "PERTURBATIONS",
    "TITLE_PREFIX",
    "EvalReport",
    "FileResult",
    "Gold",
    "Perturbation",
    "Score",
    "ThemeScorer",
    "agreement",
    "cohen_kappa",
    "corpus_groups",
    "corpus_index",
    "evaluate_dir",
    "evaluate_plans",
    "fold_of",
    "half_of",
    "load_gold",
    "marker_key",
    "section_key",
    "title_key",
]
