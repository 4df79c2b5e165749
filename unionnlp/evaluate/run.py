"""Evaluating a folder: parse the source of every gold file and score it (:func:`evaluate_dir`)."""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path

from ..errors import InputError
from ..model import Plan, Source
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
    perturb: str | None = None,
    parse: Callable[..., list[Plan]] | None = None,
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
        perturb: score perturbed copies of the sources (a name of
            :data:`~unionnlp.evaluate.perturb.PERTURBATIONS`, e.g. ``"run-on"``):
            each source is read as :func:`unionnlp.parse_file` reads it, its text
            perturbed and parsed by ``parse``. The gold files stay as they are;
            the folding of :mod:`~unionnlp.evaluate.matching` makes them match.
            Tables, list levels and located warnings of the reader are left
            out (their spans point into the text as read); a note says how many
            files had any.
            Themes are still scored by a model that never trained on the file:
            :class:`ThemeScorer` knows a file by its bytes on disk.
        parse: the text parser used with ``perturb``, called as
            ``parse(text, source=source)`` (default :func:`unionnlp.parse`; pass a
            :meth:`Pipeline.parse <unionnlp.pipeline.Pipeline.parse>` for other
            pipeline options). ``parse_file`` reads a file, so it cannot parse a
            perturbed text: it may not be given with ``perturb``.

    Raises:
        InputError: ``gold_dir`` holds no gold files; ``perturb`` names no
            perturbation; ``perturb`` is given with ``parse_file``.
    """
    change = None
    if perturb is not None:
        from .perturb import get_perturbation

        change = get_perturbation(perturb)
        if parse_file is not None:
            raise InputError(
                "evaluate_dir(perturb=...) parses the perturbed text itself: pass a text"
                " parser as parse= (e.g. Pipeline.parse), not parse_file="
            )
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
    if parse is None:
        from .. import parse as default_parse

        parse = default_parse
    groups = corpus_groups(root)
    scorer = themes if isinstance(themes, ThemeScorer) else None
    if themes is True:
        scorer = ThemeScorer(corpora=[root])
    if scorer is not None:
        scorer.start_report()
    results: list[FileResult] = []
    dropped = 0
    for path in paths:
        gold = load_gold(path)
        group = groups.get(gold.source.name, gold.source.name)
        if folds is not None:
            fold = fold_of(group)
            if fold not in folds and f"{fold}{half_of(group)}" not in folds:
                continue
        if progress:
            progress(str(path))
        if change is None:
            plans = parse_file(gold.source)
        else:
            source, hints = _perturbed(gold.source, change)
            dropped += hints
            plans = parse(source.text, source=source)
        result = evaluate_plans(gold, plans, themes=scorer)
        result.group, result.source = group, gold.source.name
        results.append(result)
    totals = _totals(results)
    report = EvalReport(files=results, scores=totals, perturbation=perturb)
    if dropped:
        report.notes.append(
            f"perturb: what the reader found with spans into the text as read (tables, list"
            f" levels, located warnings) was left out of {dropped}"
            f" file{'s' if dropped > 1 else ''}"
        )
    if scorer is not None:
        report.macro_f1 = scorer.macro_f1()
        report.theme_confusion = scorer.confusion_table() if scorer.confusion else ""
        report.theme_misses = list(scorer.misses)
        report.notes = list(scorer.notes) + report.notes
    return report


def _perturbed(path: Path, change: Callable[[str], str]) -> tuple[Source, int]:
    """The source of ``path`` read as :func:`unionnlp.parse_file` reads it, with its text
    changed; and 1 when reader hints with spans into the text as read were left out, else 0."""
    from .. import read

    source = read(path)
    hints = bool(source.tables or source.levels or any(w.span for w in source.warnings))
    perturbed = Source.from_text(
        change(source.text),
        path=source.path,
        format=source.format,
        encoding=source.encoding,
        encoding_confidence=source.encoding_confidence,
        warnings=[w for w in source.warnings if w.span is None],
    )
    return perturbed, int(hints)
