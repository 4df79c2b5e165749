"""Comparing plans across units: themes, concreteness, distinctive terms, similarity.

The input is a :class:`Corpus`: plans with one row of metadata each
(``doc_id``, ``path``, ``plan``, ``title``, ``unit``, ``unit_type``,
``region``, ``year`` and any further manifest columns). :func:`load_corpus`
builds one from ``unionnlp convert``/``parse`` output (JSON Lines records, or
the Parquet, SQLite and Excel tables of ``convert``), from plan files, folders
of them, or :class:`~unionnlp.model.Plan` objects; a manifest CSV (columns
``path, unit, unit_type, region, year``, optionally ``plan`` and more)
overrides what is inferred, matched on the source path.
``unit_type`` is inferred from the unit name when nobody gives it
(:func:`infer_unit_type`: 校工会 -> school, 医院 -> hospital, 公司 -> enterprise,
机关 -> government, 区总工会 -> federation).

Every analysis takes a corpus (or anything :func:`load_corpus` accepts) and
a metadata column to group by, and returns a pandas DataFrame:

- :func:`theme_profile`: share of measures (or level-1 sections) per theme
  per group, by each item's best theme (shares sum to 1 per group), with
  counts and adjusted standardised residuals of the chi-square test of
  independence (:func:`chi_square`, :func:`theme_test`).
- :func:`concreteness`: measures per plan and the share of measures with a
  deadline, an explicit responsible party and a quantitative target
  (``95%``, ``4场``, ``10名``), and the depth of the numbering tree.
- :func:`distinctive_terms`: the words of each group against the rest, by
  weighted log-odds with an informative Dirichlet prior (Monroe, Colaresi and
  Quinn 2008, :func:`log_odds`) or by keyness (log-likelihood G², :func:`keyness`).
- :func:`similarity`, :func:`near_duplicates`, :func:`clusters`: TF-IDF cosine
  between plans, pairs above a threshold (template text), agglomerative
  clusters on ``1 - cosine``.
- :func:`documents_table` (one row per plan for quanteda / KH Coder) and
  :func:`codes_table` (one row per section and measure, one 0/1 column per theme).

:func:`write_report` writes all tables (CSV and Parquet), PNG charts and one
self-contained ``report.html``. Charts need a CJK font (Debian:
``fonts-noto-cjk``); without one they are refused rather than drawn as boxes.

The package separates what is computed from how it is shown:

- :mod:`~unionnlp.compare.corpus`: :class:`Corpus` (plans and metadata rows),
  :func:`plan_text`, the shared constants and the ``compare.toml`` lexicon;
- :mod:`~unionnlp.compare.loading`: :func:`load_corpus`, :func:`read_manifest`,
  :func:`infer_unit_type` (records, tables, plan files, manifests);
- :mod:`~unionnlp.compare.profiles`: theme counts, profiles and chi-square tests;
- :mod:`~unionnlp.compare.concreteness`: concreteness and quantitative targets;
- :mod:`~unionnlp.compare.terms`: distinctive terms (log-odds, keyness);
- :mod:`~unionnlp.compare.similarity`: TF-IDF similarity, near-duplicates, clusters;
- :mod:`~unionnlp.compare.exports`: tables for quanteda / KH Coder;
- :mod:`~unionnlp.compare.charts`: matplotlib charts and the CJK font;
- :mod:`~unionnlp.compare.report`: :func:`write_report` and the ``unionnlp compare`` command.

Every public name is importable from ``unionnlp.compare`` itself.

pandas, scipy, scikit-learn and matplotlib are imported on first use
(``pip install 'unionnlp[compare]'``).

示例::

    >>> from unionnlp import compare
    >>> corpus = compare.load_corpus("build/corpus.jsonl")        # doctest: +SKIP
    >>> compare.theme_profile(corpus, by="unit_type")             # doctest: +SKIP
    >>> compare.write_report(corpus, "report/", by="unit_type")   # doctest: +SKIP
"""

from .charts import CJK_FAMILIES as CJK_FAMILIES
from .charts import (
    FontInfo,
    find_cjk_font,
    plot_concreteness,
    plot_similarity,
    plot_terms,
    plot_theme_heatmap,
)
from .concreteness import (
    concreteness,
    quantitative_targets,
)
from .corpus import BASE_COLUMNS as BASE_COLUMNS
from .corpus import MANIFEST_COLUMNS as MANIFEST_COLUMNS
from .corpus import UNKNOWN as UNKNOWN
from .corpus import UNLABELLED as UNLABELLED
from .corpus import (
    Corpus,
    plan_text,
)
from .corpus import PlansLike as PlansLike
from .exports import (
    codes_table,
    documents_table,
)
from .loading import (
    infer_unit_type,
    load_corpus,
    read_manifest,
)
from .profiles import (
    ChiSquare,
    chi_square,
    theme_counts,
    theme_profile,
    theme_test,
)
from .report import (
    run_compare,
    write_report,
)
from .similarity import (
    clusters,
    near_duplicates,
    similarity,
)
from .terms import (
    distinctive_terms,
    keyness,
    log_odds,
)

__all__ = [
    "ChiSquare",
    "Corpus",
    "FontInfo",
    "chi_square",
    "clusters",
    "codes_table",
    "concreteness",
    "distinctive_terms",
    "documents_table",
    "find_cjk_font",
    "infer_unit_type",
    "keyness",
    "load_corpus",
    "log_odds",
    "near_duplicates",
    "plan_text",
    "plot_concreteness",
    "plot_similarity",
    "plot_terms",
    "plot_theme_heatmap",
    "quantitative_targets",
    "read_manifest",
    "run_compare",
    "similarity",
    "theme_counts",
    "theme_profile",
    "theme_test",
    "write_report",
]
