"""The report of an evaluation: totals over files, as JSON or as tables for people.

:class:`EvalReport` holds each file's :class:`~unionnlp.evaluate.scoring.FileResult`
and the totals; :meth:`EvalReport.to_dict` is what ``unionnlp evaluate
--json`` prints, :meth:`EvalReport.table` the plain-text table, and
:meth:`EvalReport.error_lines` / :meth:`EvalReport.theme_error_lines` what
``--errors`` lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .scoring import FileResult, Score

__all__ = ["ACCURACY_ROWS", "EvalReport", "breakdown", "breakdown_dict"]

#: Rows of the report that are an accuracy over matched items (the others are P/R/F1).
ACCURACY_ROWS = (
    "levels",
    "titles",
    "deadline_values",
    "deadline_kinds",
    "party_roles",
    "themes_top1",
    "themes_top1_e2e",
)


@dataclass
class EvalReport:
    """Per-file results and totals; ``scores`` keys: documents, sections, levels, titles…"""

    files: list[FileResult]
    scores: dict[str, Score]
    macro_f1: float | None = None
    #: first gold label × top predicted label of the level-1 sections, as a table
    theme_confusion: str = ""
    #: level-1 sections whose top label is no gold label, or that were not found
    theme_misses: list[dict[str, str]] = field(default_factory=list)
    #: what the reader of the figures should know (e.g. training files not found)
    notes: list[str] = field(default_factory=list)
    #: a percentile interval of each row's figure (F1, or the accuracy of the accuracy
    #: rows), when asked for (:func:`~unionnlp.evaluate.intervals.bootstrap_intervals`)
    intervals: dict[str, tuple[float, float]] = field(default_factory=dict)
    #: the perturbation the sources were scored under (:mod:`~unionnlp.evaluate.perturb`),
    #: or None for the text as read
    perturbation: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "perturbation": self.perturbation,
            "themes_macro_f1": None if self.macro_f1 is None else round(self.macro_f1, 4),
            "files": [
                {
                    "path": f.path,
                    "documents": {"gold": f.n_docs_gold, "predicted": f.n_docs_pred},
                    "scores": {k: v.to_dict() for k, v in f.scores.items()},
                    "errors": f.errors,
                }
                for f in self.files
            ],
            "totals": {
                k: v.to_dict()
                | (
                    {"interval": [round(x, 4) for x in self.intervals[k]]}
                    if k in self.intervals
                    else {}
                )
                for k, v in self.scores.items()
            },
            "theme_misses": self.theme_misses,
            "notes": self.notes,
        }

    def table(self) -> str:
        """A plain-text table for people."""
        rows: list[tuple[str, ...]] = [("stage", "P", "R", "F1", "acc", "interval", "pred", "gold")]
        labels = {
            "documents": "plan splitting",
            "sections": "sections",
            "levels": "  level accuracy",
            "titles": "  exact titles",
            "deadlines": "deadlines",
            "deadline_values": "  value accuracy",
            "deadline_kinds": "  kind accuracy",
            "parties": "parties",
            "party_roles": "  role accuracy",
            "themes": "themes (micro)",
            "themes_top1": "  top-1 accuracy",
            "themes_top1_e2e": "  top-1, end to end",
            "baseline_themes": "baseline themes (micro)",
            "baseline_top1": "  top-1 accuracy",
        }
        for key, label in labels.items():
            if key not in self.scores:
                continue
            if key.startswith("baseline") and not self.scores["baseline_top1"].attr_n:
                continue
            s = self.scores[key]
            acc = "" if s.accuracy is None else f"{s.accuracy:.3f}"
            lo_hi = self.intervals.get(key)
            interval = "" if lo_hi is None else f"{lo_hi[0]:.3f}-{lo_hi[1]:.3f}"
            if key in ACCURACY_ROWS or key == "baseline_top1":
                rows.append((label, "", "", "", acc, interval, "", str(s.attr_n)))
            else:
                rows.append(
                    (
                        label,
                        f"{s.precision:.3f}",
                        f"{s.recall:.3f}",
                        f"{s.f1:.3f}",
                        acc,
                        interval,
                        str(s.n_pred),
                        str(s.n_gold),
                    )
                )
        if not self.intervals:  # the column only when asked for
            rows = [r[:5] + r[6:] for r in rows]
        lines = _aligned(rows)
        if self.macro_f1 is not None:
            lines.append(
                f"themes macro-F1: {self.macro_f1:.3f} (level-1 sections; a file is"
                " never scored by a model trained on it)"
            )
        lines.append(f"files: {len(self.files)}")
        if self.perturbation is not None:
            from .perturb import PERTURBATIONS

            change = PERTURBATIONS.get(self.perturbation)
            what = f" ({change.description})" if change else ""
            lines.append(
                f"perturbation: {self.perturbation}{what}; the sources' texts were perturbed"
                " before parsing, the gold files were not"
            )
        lines.extend(self.notes)
        return "\n".join(lines)

    def theme_error_lines(self) -> str:
        """The level-1 sections whose top label is no gold label, then the confusion table."""
        lines = []
        if self.theme_misses:
            lines.append("== themes: level-1 sections whose top label is no gold label")
            lines += [
                f"{m['file']}: {m['title'][:24]!r} gold {m['gold']}, predicted {m['predicted']}"
                for m in self.theme_misses
            ]
        if self.theme_confusion:
            lines += ["== themes: first gold label (rows) × top label", self.theme_confusion]
        return "\n".join(lines)

    def error_lines(self) -> str:
        """Each file's disagreements, a line each (texts folded).

        Documents and sections in reading order (gold and predicted interleaved),
        then deadlines and parties sorted by error and text.
        """
        order = {"documents": 0, "sections": 1}
        lines: list[str] = []
        for f in self.files:
            if not f.errors:
                continue
            lines.append(f"== {f.path}")
            for e in sorted(
                f.errors,
                key=lambda e: (
                    (order[e["stage"]], "", "", "")
                    if e["stage"] in order
                    else (2, e["stage"], e["error"], e["text"])
                ),
            ):
                line = f"{e['stage']:10} {e['error']:9} {e['text']}"
                if "gold" in e:
                    line += f"  gold {e['gold']!r}, predicted {e['predicted']!r}"
                lines.append(line)
        return "\n".join(lines)


#: the figures of :meth:`EvalReport.breakdown`: (column, row of the scores, accuracy row?)
_BREAKDOWN = (
    ("plans F1", "documents", False),
    ("sections F1", "sections", False),
    ("deadlines F1", "deadlines", False),
    ("parties F1", "parties", False),
    ("themes top-1", "themes_top1", True),
)


def _by_value(
    files: Iterable[FileResult], facet: Mapping[str, str]
) -> list[tuple[str, list[FileResult]]]:
    """The files grouped by their value of ``facet`` (``?``: not named), most files first."""
    by_value: dict[str, list[FileResult]] = {}
    for f in files:
        by_value.setdefault(facet.get(f.source, "?"), []).append(f)
    return sorted(by_value.items(), key=lambda kv: (-len(kv[1]), kv[0]))


def breakdown(files: Iterable[FileResult], facet: Mapping[str, str], name: str) -> str:
    """A table of the main figures for each value of a facet of the files (``unit_type``…).

    ``facet`` gives each file's value by its :attr:`~FileResult.source`; files it
    does not name count under ``?``. Each figure is followed by its gold count.
    """
    rows: list[tuple[str, ...]] = [(name, "files", *(column for column, _, _ in _BREAKDOWN))]
    for value, group in _by_value(files, facet):
        totals = _totals(group)
        cells = []
        for _, key, accuracy in _BREAKDOWN:
            s = totals.get(key, Score())
            n = s.attr_n if accuracy else s.n_gold
            figure = s.accuracy if accuracy else (s.f1 if s.n_gold or s.n_pred else None)
            cells.append("-" if figure is None else f"{figure:.3f} ({n})")
        rows.append((value, str(len(group)), *cells))
    lines = _aligned(rows)
    lines.append("(in brackets: gold items, or judged sections for themes)")
    return "\n".join(lines)


def breakdown_dict(files: Iterable[FileResult], facet: Mapping[str, str]) -> dict[str, Any]:
    """:func:`breakdown` as data: for each value of the facet, its number of files and
    the totals of every row (as in :meth:`EvalReport.to_dict`), most files first."""
    return {
        value: {
            "files": len(group),
            "totals": {k: v.to_dict() for k, v in _totals(group).items()},
        }
        for value, group in _by_value(files, facet)
    }


def _aligned(rows: list[tuple[str, ...]]) -> list[str]:
    """``rows`` as text columns (the first to the left, the others to the right), the
    header underlined."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = [
        "  ".join(
            c.ljust(w) if i == 0 else c.rjust(w)
            for i, (c, w) in enumerate(zip(r, widths, strict=True))
        )
        for r in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    return lines


def _totals(results: Iterable[FileResult]) -> dict[str, Score]:
    totals: dict[str, Score] = {}
    for result in results:
        for key, score in result.scores.items():
            totals.setdefault(key, Score()).add(score)
    return totals
