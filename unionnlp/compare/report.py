"""The comparison report: every table (CSV, Parquet), PNG charts and one ``report.html``.

:func:`write_report` runs every analysis of :mod:`unionnlp.compare` and
writes the files in a staged folder (a failure leaves no partial report);
:func:`run_compare` is the ``unionnlp compare`` command.
"""

from __future__ import annotations

import base64
import html
import sys
from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from .._write import staged_folder
from ..errors import InputError, UnionNLPError
from .charts import (
    _png,
    find_cjk_font,
    plot_concreteness,
    plot_similarity,
    plot_terms,
    plot_theme_heatmap,
)
from .concreteness import concreteness
from .corpus import Corpus, PlansLike, _group_order, _require
from .exports import codes_table, documents_table
from .loading import load_corpus
from .profiles import theme_profile, theme_test
from .similarity import clusters, near_duplicates, similarity
from .terms import distinctive_terms

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["run_compare", "write_report"]


def _write_table(frame: pd.DataFrame, out: Path, name: str, written: list[Path]) -> None:
    csv_path = out / f"{name}.csv"
    frame.to_csv(csv_path, index=False, encoding="utf-8")
    parquet_path = out / f"{name}.parquet"
    frame.to_parquet(parquet_path, index=False)
    written.extend([csv_path, parquet_path])


def _html_table(frame: pd.DataFrame, *, limit: int = 60) -> str:
    shown = frame.head(limit).astype(object)
    shown = shown.where(shown.notna(), None)
    body = shown.to_html(
        index=False,
        escape=True,
        border=0,
        classes="data",
        na_rep="",
        float_format=lambda x: f"{x:.3g}",
    )
    if len(frame) > limit:
        body += f'<p class="note">first {limit} of {len(frame)} rows; all rows in the CSV file</p>'
    return f'<div class="scroll">{body}</div>'


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


_CSS = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", sans-serif;
       margin: 2em auto; max-width: 1200px; color: #222; line-height: 1.5; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
table.data { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1em; }
table.data th, table.data td { border: 1px solid #ddd; padding: 2px 6px; text-align: left;
                               white-space: nowrap; }
.scroll { overflow-x: auto; max-width: 100%; }
table.data th { background: #f3f3f3; }
img { max-width: 100%; height: auto; border: 1px solid #eee; margin: 0.5em 0; }
.note { color: #666; font-size: 0.85em; } code { background: #f5f5f5; padding: 0 3px; }
.terms { display: flex; flex-wrap: wrap; gap: 1em; } .terms figure { margin: 0; flex: 0 1 48%; }
"""


def write_report(
    plans_or_path: PlansLike,
    out_dir: str | Path,
    *,
    by: str = "unit_type",
    manifest: str | Path | None = None,
    near_duplicate_threshold: float = 0.8,
    top_terms: int = 20,
) -> Path:
    """Write the comparison of plans by ``by`` into ``out_dir`` and return ``report.html``.

    Writes, as CSV (UTF-8) and Parquet: ``plans`` (metadata and per-plan
    concreteness), ``theme_profile_measures``, ``theme_profile_sections``,
    ``theme_tests``, ``concreteness``, ``distinctive_terms`` (log-odds),
    ``keyness`` (G²), ``similarity`` (matrix), ``near_duplicates``,
    ``clusters``, ``documents`` (for quanteda / KH Coder) and ``codes``
    (sections and measures × themes); PNG charts (``theme_heatmap_*.png``,
    ``concreteness.png``, ``terms_NN.png`` per group, ``similarity.png``); and
    ``report.html``, self-contained (charts embedded, no scripts, no external
    resources).

    The files are written in a temporary folder beside ``out_dir`` and moved
    into place when all are written, so a failure leaves no partial report
    (files already in ``out_dir`` that the report does not replace are kept).

    Raises:
        InputError: no plans, or ``by`` is not a metadata column.
        UnionNLPError: a needed package or a CJK font is missing.
        OSError: the report cannot be written (a full disk, no permission).

    示例: ``write_report("build/corpus.jsonl", "report", by="unit_type")``.
    """
    _require("pandas", "pyarrow", "scipy", "sklearn", "matplotlib")
    corpus = load_corpus(plans_or_path, manifest=manifest)
    corpus.groups(by)  # refuse an unknown column before any work
    find_cjk_font()  # and a machine without a CJK font
    target = Path(out_dir)
    # Written in a folder beside, renamed into place when complete: a full disk or an
    # error half-way leaves no partial report.
    with staged_folder(target) as out:
        _write_report_files(corpus, out, by, near_duplicate_threshold, top_terms)
    return target / "report.html"


def _write_report_files(
    corpus: Corpus, out: Path, by: str, near_duplicate_threshold: float, top_terms: int
) -> None:
    import pandas as pd

    written: list[Path] = []

    meta = corpus.frame()
    per_plan = concreteness(corpus)
    plans_table = meta.merge(per_plan, on="doc_id", how="left")
    _write_table(plans_table, out, "plans", written)

    profiles = {
        level: theme_profile(corpus, by=by, level=level) for level in ("measures", "sections")
    }
    for level, profile in profiles.items():
        _write_table(profile, out, f"theme_profile_{level}", written)
    tests = pd.concat(
        [theme_test(corpus, by=by, level=lv) for lv in ("measures", "sections")], ignore_index=True
    )
    _write_table(tests, out, "theme_tests", written)
    by_group = concreteness(corpus, by=by)
    _write_table(by_group, out, "concreteness", written)
    terms = distinctive_terms(corpus, by=by, top=top_terms)
    _write_table(terms, out, "distinctive_terms", written)
    key = distinctive_terms(corpus, by=by, method="keyness", top=top_terms)
    _write_table(key, out, "keyness", written)
    sims = similarity(corpus)
    _write_table(sims.reset_index(), out, "similarity", written)
    dups = near_duplicates(corpus, threshold=near_duplicate_threshold)
    _write_table(dups, out, "near_duplicates", written)
    groups_of_docs = clusters(sims)
    _write_table(groups_of_docs, out, "clusters", written)
    _write_table(documents_table(corpus), out, "documents", written)
    _write_table(codes_table(corpus), out, "codes", written)

    charts: dict[str, bytes] = {}
    for level, profile in profiles.items():
        what = "措施 measures" if level == "measures" else "一级条目 level-1 sections"
        fig = plot_theme_heatmap(profile, by=by, title=f"主题份额 theme shares of {what} by {by}")
        charts[f"theme_heatmap_{level}.png"] = _png(fig)
    charts["concreteness.png"] = _png(plot_concreteness(by_group, by=by))
    term_charts: list[tuple[str, str]] = []
    for k, group in enumerate(_group_order(corpus.groups(by)), start=1):
        name = f"terms_{k:02d}.png"
        charts[name] = _png(plot_terms(terms, group, by=by))
        term_charts.append((group, name))
    order = groups_of_docs.sort_values("order")["doc_id"].tolist()
    charts["similarity.png"] = _png(plot_similarity(sims, order=order))
    for name, png in charts.items():
        (out / name).write_bytes(png)
        written.append(out / name)

    report = out / "report.html"
    report.write_text(
        _report_html(
            corpus,
            by,
            plans_table,
            profiles,
            tests,
            by_group,
            terms,
            dups,
            groups_of_docs,
            charts,
            term_charts,
            written,
            near_duplicate_threshold,
        ),
        encoding="utf-8",
    )


def _report_html(
    corpus: Corpus,
    by: str,
    plans_table: pd.DataFrame,
    profiles: Mapping[str, pd.DataFrame],
    tests: pd.DataFrame,
    by_group: pd.DataFrame,
    terms: pd.DataFrame,
    dups: pd.DataFrame,
    groups_of_docs: pd.DataFrame,
    charts: Mapping[str, bytes],
    term_charts: Sequence[tuple[str, str]],
    written: Sequence[Path],
    threshold: float,
) -> str:
    esc = html.escape
    sizes = Counter(corpus.groups(by))
    group_list = ", ".join(f"{esc(g)} ({sizes[g]})" for g in _group_order(sizes))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{esc(f'unionnlp: plans compared by {by}')}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>工会工作计划比较 · plans compared by <code>{esc(by)}</code></h1>",
        f"<p>{len(corpus)} plans in {len(sizes)} groups: {group_list}.</p>",
    ]
    if corpus.failures:
        items = "".join(f"<li><code>{esc(p)}</code>: {esc(msg)}</li>" for p, msg in corpus.failures)
        parts.append(f"<p>{len(corpus.failures)} inputs could not be read:</p><ul>{items}</ul>")
    parts.append("<h2>Themes 主题</h2>")
    parts.append(
        '<p class="note">Each measure (and each level-1 section) counts once, under its best'
        " theme; shares sum to 1 per group. Numbers in brackets are adjusted standardised"
        " residuals beyond ±1.96. Chi-square test of independence of group and theme"
        " (p_simulated: Monte Carlo with fixed margins, preferable when many expected counts"
        " are below 5):</p>"
    )
    parts.append(_html_table(tests))
    for level, profile in profiles.items():
        parts.append(_img(charts[f"theme_heatmap_{level}.png"], f"theme shares of {level} by {by}"))
        wide = profile.pivot(index=by, columns="name", values="count")
        parts.append(f"<p>Counts of {esc(level)}:</p>" + _html_table(wide.reset_index()))
    parts.append("<h2>Concreteness 具体程度</h2>")
    parts.append(
        '<p class="note">Shares are of the group\'s measures: with a deadline, with an explicit'
        " responsible party (not the implicit author unit), with a quantitative target"
        " (95%, 4场, 10名, 2000元); depth is the deepest numbering level.</p>"
    )
    parts += [_img(charts["concreteness.png"], f"concreteness by {by}"), _html_table(by_group)]
    parts.append("<h2>Distinctive terms 特征词</h2>")
    parts.append(
        '<p class="note">Weighted log-odds with an informative Dirichlet prior (Monroe, Colaresi'
        " and Quinn 2008), each group against all others; z above 1.96 is distinctive at the"
        " 5 % level. Keyness (G²) in keyness.csv.</p>"
    )
    figures = "".join(
        f"<figure>{_img(charts[name], f'distinctive terms of {group}')}"
        f"<figcaption>{esc(group)}</figcaption></figure>"
        for group, name in term_charts
    )
    parts.append(f'<div class="terms">{figures}</div>')
    parts.append(_html_table(terms[[by, "rank", "term", "count", "count_rest", "z"]], limit=100))
    parts.append("<h2>Similarity 相似度</h2>")
    parts.append(
        '<p class="note">TF-IDF cosine between plans, ordered by average-linkage clusters on'
        f" 1 − cosine. Near-duplicate pairs (≥ {threshold:g}) point to shared template text.</p>"
    )
    parts.append(_img(charts["similarity.png"], "similarity between plans"))
    parts.append(f"<p>{len(dups)} near-duplicate pairs:</p>" + _html_table(dups))
    sized = groups_of_docs[groups_of_docs["size"] > 1].sort_values(["cluster", "order"])
    parts.append(f"<p>Clusters with more than one plan ({sized['cluster'].nunique()}):</p>")
    parts.append(_html_table(sized[["cluster", "size", "doc_id"]], limit=200))
    shown = [c for c in plans_table.columns if c not in ("path", "title", "plan")]
    parts += ["<h2>Plans 计划</h2>", _html_table(plans_table[shown], limit=200)]
    parts.append("<h2>Files 文件</h2><ul>")
    parts += [f"<li><code>{esc(p.name)}</code></li>" for p in written if p.suffix == ".csv"]
    parts.append(
        '</ul><p class="note">Each table also as Parquet. documents.csv (doc_id, text, metadata)'
        " reads into quanteda and KH Coder; codes.csv is the section/measure × theme matrix.</p>"
    )
    parts.append("</body></html>")
    return "\n".join(parts)


def run_compare(inputs: list[str], out_dir: str, by: str, manifest: str | None) -> int:
    """The ``unionnlp compare`` command: write the report and say where it is.

    Returns 0 on success, 1 when some inputs failed or the report could not be
    made (a missing package or font), 2 for usage errors (missing inputs, an
    unknown ``--by`` column, a bad manifest) and for a report that could not be
    written (nothing of it is left behind).
    """
    try:
        corpus = load_corpus(inputs, manifest=manifest)
        report = write_report(corpus, out_dir, by=by)
    except InputError as err:
        print(f"unionnlp: {err}", file=sys.stderr)
        return 2
    except UnionNLPError as err:
        print(f"unionnlp: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        reason = err.strerror or str(err)
        print(f"unionnlp: cannot write the report to {out_dir}: {reason}", file=sys.stderr)
        return 2
    for path, message in corpus.failures:
        print(f"unionnlp: skipped {path}: {message}", file=sys.stderr)
    print(f"{len(corpus)} plans compared by {by}; report: {report}")
    return 1 if corpus.failures else 0
