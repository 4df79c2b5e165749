"""Evaluating a folder: parse the source of every gold file and score it (:func:`evaluate_dir`)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path

from ..errors import InputError
from ..model import Plan
from .folds import ThemeScorer, corpus_groups, fold_of, half_of
from .gold import load_gold
from .report import EvalReport, _totals
from .scoring import FileResult, evaluate_plans

__all__ = ["evaluate_dir"]


def evaluate_dir(
    gold_dir: str | Path,
    *,
    parse_file: Callable[[Path], list[Plan]] | None = None,
    progress: Callable[[str], None] | None = None,
    themes: bool | ThemeScorer = True,
    folds: Collection[int | str] | None = None,
) -> EvalReport:
    """Run the pipeline on the source of every ``*.gold.json`` under ``gold_dir`` and score it.

    Args:
        parse_file: the parser (default :func:`unionnlp.parse_file`).
        progress: called with each gold file's path before it is scored.
        themes: score themes (``True``: with a :class:`ThemeScorer` of the
            shipped model); a scorer may be shared by several calls so that
            its refits are fitted once.
        folds: score only the files whose group (:func:`corpus_groups`) falls in
            these folds of :func:`fold_of` (a fold number, or ``"4a"``, ``"4b"``
            for a half of one: :func:`half_of`); the others are skipped. Rules
            tuned on some folds are checked on the rest.

    Raises:
        InputError: ``gold_dir`` holds no gold files.
    """
    root = Path(gold_dir)
    if not root.exists():
        raise InputError(f"no gold files: {str(root)!r} does not exist")
    paths = sorted(root.rglob("*.gold.json")) if root.is_dir() else [root]
    if not paths:
        raise InputError(
            f"no gold files (*.gold.json) under {str(root)!r}; point evaluate at a folder"
            " holding sources and their gold files (see ANNOTATION.md)"
        )
    if parse_file is None:
        from .. import parse_file as default_parse_file

        parse_file = default_parse_file
    groups = corpus_groups(root)
    scorer = themes if isinstance(themes, ThemeScorer) else None
    if themes is True:
        scorer = ThemeScorer(corpora=[root])
    if scorer is not None:
        scorer.start_report()
    results: list[FileResult] = []
    for path in paths:
        gold = load_gold(path)
        group = groups.get(gold.source.name, gold.source.name)
        if folds is not None:
            fold = fold_of(group)
            if fold not in folds and f"{fold}{half_of(group)}" not in folds:
                continue
        if progress:
            progress(str(path))
        plans = parse_file(gold.source)
        result = evaluate_plans(gold, plans, themes=scorer)
        result.group, result.source = group, gold.source.name
        results.append(result)
    totals = _totals(results)
    report = EvalReport(files=results, scores=totals)
    if scorer is not None:
        report.macro_f1 = scorer.macro_f1()
        report.theme_confusion = scorer.confusion_table() if scorer.confusion else ""
        report.theme_misses = list(scorer.misses)
        report.notes = list(scorer.notes)
    return report
