"""Scores against gold files in the format of ANNOTATION.md (``*.gold.json``).

Both sides are converted to simplified script and width-folded before they
are compared. Documents are matched by their first section (or title when
they have none); sections are aligned in reading order by marker and title
prefix (the first eight characters count); deadlines and parties are compared
as sets of distinct texts per matched document.

Usage::

    >>> from unionnlp.evaluate import evaluate_dir
    >>> report = evaluate_dir("corpora/seeds")          # doctest: +SKIP
    >>> report.scores["sections"].f1                    # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import regex

from .errors import DataFileError, InputError
from .model import Plan, Section

__all__ = [
    "EvalReport",
    "Gold",
    "Score",
    "corpus_groups",
    "evaluate_dir",
    "fold_of",
    "load_gold",
    "section_key",
]

TITLE_PREFIX = 8
#: Folds of grouped cross-validation (by source site where the corpus has an index).
N_FOLDS = 5
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
class Score:
    """Counts behind precision, recall and F1, plus optional attribute accuracy."""

    tp: int = 0
    n_pred: int = 0
    n_gold: int = 0
    attr_ok: int = 0
    attr_n: int = 0

    @property
    def precision(self) -> float:
        return self.tp / self.n_pred if self.n_pred else (1.0 if not self.n_gold else 0.0)

    @property
    def recall(self) -> float:
        return self.tp / self.n_gold if self.n_gold else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def accuracy(self) -> float | None:
        return self.attr_ok / self.attr_n if self.attr_n else None

    def add(self, other: Score) -> None:
        self.tp += other.tp
        self.n_pred += other.n_pred
        self.n_gold += other.n_gold
        self.attr_ok += other.attr_ok
        self.attr_n += other.attr_n

    def to_dict(self) -> dict[str, Any]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "accuracy": None if self.accuracy is None else round(self.accuracy, 4),
            "tp": self.tp,
            "predicted": self.n_pred,
            "gold": self.n_gold,
        }


@dataclass(frozen=True)
class Gold:
    """One gold file: the source path and its annotated documents."""

    path: Path
    source: Path
    documents: tuple[dict[str, Any], ...]


_GOLD_HINT = "Fix the gold file (see ANNOTATION.md for the format)."


def load_gold(path: str | Path) -> Gold:
    """Read a gold file; the source file is resolved next to it.

    Raises:
        DataFileError: the file is not valid gold JSON or its source is missing.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise DataFileError(
            path, f"JSON syntax error: {err.msg}", line=err.lineno, hint=_GOLD_HINT
        ) from err
    except UnicodeDecodeError as err:
        raise DataFileError(
            path, f"not UTF-8 JSON ({err.reason} at byte {err.start})", hint=_GOLD_HINT
        ) from err
    except OSError as err:
        raise DataFileError(path, f"cannot read it ({err.strerror})", hint=_GOLD_HINT) from err
    if not isinstance(data, dict) or "source" not in data or "documents" not in data:
        raise DataFileError(path, "a gold file needs 'source' and 'documents'", hint=_GOLD_HINT)
    source = path.parent / str(data["source"])
    if not source.exists():
        raise DataFileError(
            path, f"its source {str(data['source'])!r} is not beside it", hint=_GOLD_HINT
        )
    docs = data["documents"]
    if not isinstance(docs, list):
        raise DataFileError(path, "'documents' must be a list", hint=_GOLD_HINT)
    return Gold(path=path, source=source, documents=tuple(docs))


def corpus_groups(root: str | Path) -> dict[str, str]:
    """The group of each source file under ``root``, for grouped cross-validation.

    A corpus may carry an ``index.jsonl`` (one JSON object a line with ``file``
    and ``site``, as ../shared/real does): files of one site form one group, so
    template pages that repeat one another never sit on both sides of a split.
    Files the index does not name are groups of their own. Keys are source
    paths relative to ``root`` (``b1-r01.txt``); values are group names.

    Raises:
        DataFileError: the index is not JSON Lines.
    """
    base = Path(root)
    index = (base if base.is_dir() else base.parent) / "index.jsonl"
    groups: dict[str, str] = {}
    if not index.exists():
        return groups
    for n, line in enumerate(index.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            groups[str(row["file"])] = str(row.get("site") or row.get("batch") or row["file"])
        except (json.JSONDecodeError, KeyError, TypeError) as err:
            raise DataFileError(index, f"bad index line ({err})", line=n) from err
    return groups


def fold_of(group: str, n_folds: int = N_FOLDS) -> int:
    """The fold of a group: a stable hash, so adding files never moves the others.

    >>> fold_of("xiaowenxue.com") == fold_of("xiaowenxue.com")
    True
    """
    import hashlib

    return int(hashlib.sha1(group.encode("utf-8")).hexdigest(), 16) % n_folds


# ---------------------------------------------------------------------------
# normalisation of compared strings


class _Folder:
    @cached_property
    def t2s(self) -> Any:
        import opencc

        return opencc.OpenCC("t2s")

    def __call__(self, text: str | None) -> str:
        if not text:
            return ""
        folded = unicodedata.normalize("NFKC", self.t2s.convert(text))
        # Quotation marks are not part of what is compared (“三八”节 == 三八节).
        return regex.sub(r"[\s“”\"‘’'「」]+", "", folded)


_fold = _Folder()

_CIRCLED = {chr(0x2460 + i): f"c{i + 1}" for i in range(20)}


def marker_key(marker: str) -> str:
    """A comparison key for markers.

    ``（一）`` == ``(一)``, ``1.`` == ``1、``, ``一要`` == ``一是``.
    """
    m = "".join(_CIRCLED.get(ch, ch) for ch in marker.strip())
    m = _fold(m)
    m = m.replace("〔", "(").replace("〕", ")").replace("【", "(").replace("】", ")")
    m = m.replace("[", "(").replace("]", ")")
    m = regex.sub(r"[、,，.．。:：\s]+$", "", m)
    m = regex.sub(r"(?<=[一二三四五六七八九十])(?:是要|要|则)$", "是", m)
    return m


def title_key(title: str | None) -> str:
    t = _fold(title)
    t = regex.sub(r"^[、,，.．:：\s]+", "", t)
    return t[:TITLE_PREFIX]


def section_key(marker: str, title: str) -> tuple[str, str]:
    return marker_key(marker), title_key(title)


def _titles_match(a: str, b: str) -> bool:
    if not a or not b:
        return a == b
    n = min(len(a), len(b), TITLE_PREFIX)
    return a[:n] == b[:n]


def _align(
    gold: Sequence[tuple[str, str]],
    pred: Sequence[tuple[str, str]],
) -> list[tuple[int, int]]:
    """Longest common subsequence of section keys (marker equal, title prefix equal)."""
    n, m = len(gold), len(pred)
    if n == 0 or m == 0:
        return []
    width = m + 1
    table = [0] * ((n + 1) * width)
    for i in range(n - 1, -1, -1):
        gm, gt = gold[i]
        for j in range(m - 1, -1, -1):
            pm, pt = pred[j]
            if gm == pm and _titles_match(gt, pt):
                table[i * width + j] = table[(i + 1) * width + j + 1] + 1
            else:
                a = table[(i + 1) * width + j]
                b = table[i * width + j + 1]
                table[i * width + j] = a if a >= b else b
    pairs = []
    i = j = 0
    while i < n and j < m:
        gm, gt = gold[i]
        pm, pt = pred[j]
        if (
            gm == pm
            and _titles_match(gt, pt)
            and table[i * width + j] == table[(i + 1) * width + j + 1] + 1
        ):
            pairs.append((i, j))
            i += 1
            j += 1
        elif table[(i + 1) * width + j] >= table[i * width + j + 1]:
            i += 1
        else:
            j += 1
    return pairs


# ---------------------------------------------------------------------------


@dataclass
class FileResult:
    path: str
    scores: dict[str, Score]
    n_docs_gold: int
    n_docs_pred: int
    #: Disagreements, each a dict with ``stage`` (``documents``, ``sections``,
    #: ``deadlines``, ``parties``), ``error`` (``missed``, ``spurious`` or the
    #: attribute that differs: ``level``, ``kind``, ``value``, ``role``), ``text``
    #: (a section or document as ``marker title``), and ``gold`` / ``predicted``
    #: where they differ. Documents and sections come in reading order.
    errors: list[dict[str, str]] = field(default_factory=list)


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

    def to_dict(self) -> dict[str, Any]:
        return {
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
            "totals": {k: v.to_dict() for k, v in self.scores.items()},
            "theme_misses": self.theme_misses,
            "notes": self.notes,
        }

    def table(self) -> str:
        """A plain-text table for people."""
        rows = [("stage", "P", "R", "F1", "acc", "pred", "gold")]
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
            if key in ACCURACY_ROWS or key == "baseline_top1":
                rows.append((label, "", "", "", acc, "", str(s.attr_n)))
            else:
                rows.append(
                    (
                        label,
                        f"{s.precision:.3f}",
                        f"{s.recall:.3f}",
                        f"{s.f1:.3f}",
                        acc,
                        str(s.n_pred),
                        str(s.n_gold),
                    )
                )
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        lines = [
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
            for r in rows
        ]
        lines.insert(1, "-" * len(lines[0]))
        if self.macro_f1 is not None:
            lines.append(
                f"themes macro-F1: {self.macro_f1:.3f} (level-1 sections; a file is"
                " never scored by a model trained on it)"
            )
        lines.append(f"files: {len(self.files)}")
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


def _gold_sections(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in doc.get("sections", ()) if isinstance(s, dict)]


def _pred_sections(plan: Plan) -> list[tuple[str, str, int]]:
    return [(s.marker, s.title, s.level) for s in plan.sections if s.marker]


def _doc_key(first_section: tuple[str, str] | None, title: str | None) -> tuple[str, str]:
    if first_section is not None:
        return first_section
    return ("", title_key(title))


def evaluate_plans(
    gold: Gold, plans: Sequence[Plan], *, themes: ThemeScorer | None = None
) -> FileResult:
    """Score one file's plans against its gold documents.

    ``themes`` scores the level-1 sections' themes (with a model that never
    trained on this file); without it the theme rows stay empty.
    """
    scores = {
        k: Score()
        for k in (
            "documents",
            "sections",
            "levels",
            "titles",
            "deadlines",
            "deadline_values",
            "deadline_kinds",
            "parties",
            "party_roles",
            "themes_top1",
            "themes_top1_e2e",
            "themes",
            "baseline_top1",
            "baseline_themes",
        )
    }
    # sections over the whole file, in reading order
    g_secs: list[tuple[tuple[str, str], int, str]] = []
    g_doc_keys: list[tuple[str, str]] = []
    for doc in gold.documents:
        secs = _gold_sections(doc)
        for s in secs:
            g_secs.append(
                (
                    section_key(str(s.get("marker", "")), str(s.get("title", ""))),
                    int(s.get("level", 0)),
                    _fold(str(s.get("title", ""))),
                )
            )
        first = (
            section_key(str(secs[0].get("marker", "")), str(secs[0].get("title", "")))
            if secs
            else None
        )
        g_doc_keys.append(_doc_key(first, doc.get("title")))
    p_secs: list[tuple[tuple[str, str], int, str]] = []
    p_doc_keys: list[tuple[str, str]] = []
    for plan in plans:
        pred = _pred_sections(plan)
        for marker, title, level in pred:
            p_secs.append((section_key(marker, title), level, _fold(title)))
        p_first = section_key(pred[0][0], pred[0][1]) if pred else None
        p_doc_keys.append(_doc_key(p_first, plan.title))
    pairs = _align([k for k, _, _ in g_secs], [k for k, _, _ in p_secs])
    sec = scores["sections"]
    sec.tp, sec.n_gold, sec.n_pred = len(pairs), len(g_secs), len(p_secs)
    errors: list[dict[str, str]] = []
    for gi, pi in pairs:
        scores["levels"].attr_n += 1
        scores["levels"].attr_ok += int(g_secs[gi][1] == p_secs[pi][1])
        scores["titles"].attr_n += 1
        gt = regex.sub(r"^[、,，.．:：]+|[、,，.．:：;；]+$", "", g_secs[gi][2])
        pt = regex.sub(r"^[、,，.．:：]+|[、,，.．:：;；]+$", "", p_secs[pi][2])
        scores["titles"].attr_ok += int(gt == pt)
    # documents: keys aligned in order
    docs = scores["documents"]
    doc_pairs = _align(g_doc_keys, p_doc_keys)
    docs.tp, docs.n_gold, docs.n_pred = len(doc_pairs), len(g_doc_keys), len(p_doc_keys)
    _listed_errors("documents", g_doc_keys, p_doc_keys, doc_pairs, errors)
    _listed_errors(
        "sections",
        [(k, lv) for k, lv, _ in g_secs],
        [(k, lv) for k, lv, _ in p_secs],
        pairs,
        errors,
    )
    # each gold document is compared with the plan holding most of its matched sections
    g_owner = [d for d, doc in enumerate(gold.documents) for _ in _gold_sections(doc)]
    p_owner = [i for i, plan in enumerate(plans) for _ in _pred_sections(plan)]
    votes: dict[int, Counter[int]] = {}
    for gi, pi in pairs:
        votes.setdefault(g_owner[gi], Counter())[p_owner[pi]] += 1
    for gd, pd in doc_pairs:
        votes.setdefault(gd, Counter())[pd] += 1
    matched = {gd: c.most_common(1)[0][0] for gd, c in votes.items()}
    _score_items(gold, plans, matched, scores, errors)
    if themes is not None:
        _score_themes(gold, plans, pairs, scores, themes)
    return FileResult(
        path=str(gold.path),
        scores=scores,
        n_docs_gold=len(gold.documents),
        n_docs_pred=len(plans),
        errors=errors,
    )


def _listed_errors(
    stage: str,
    gold: Sequence[Any],
    pred: Sequence[Any],
    pairs: Sequence[tuple[int, int]],
    errors: list[dict[str, str]],
) -> None:
    """Missed and spurious items of an alignment (and levels that differ), in reading order.

    Items are keys ``(marker, title)`` or, for sections, ``((marker, title), level)``.
    """

    def text(item: Any) -> str:
        key = item[0] if isinstance(item[0], tuple) else item
        return f"{key[0]} {key[1]}".strip()

    def level(item: Any) -> str:
        return f"L{item[1]} " if isinstance(item[0], tuple) else ""

    gi = pi = 0
    for ga, pa in [*pairs, (len(gold), len(pred))]:
        errors.extend(
            {"stage": stage, "error": "missed", "text": level(g) + text(g)} for g in gold[gi:ga]
        )
        errors.extend(
            {"stage": stage, "error": "spurious", "text": level(p) + text(p)} for p in pred[pi:pa]
        )
        if ga < len(gold) and isinstance(gold[ga][0], tuple) and gold[ga][1] != pred[pa][1]:
            errors.append(
                {
                    "stage": stage,
                    "error": "level",
                    "text": text(gold[ga]),
                    "gold": str(gold[ga][1]),
                    "predicted": str(pred[pa][1]),
                }
            )
        gi, pi = ga + 1, pa + 1


def _section_text(plan: Plan, sec: Section) -> str:
    """A section's text from its marker to its end (what the plain baseline reads)."""
    norm = plan.normalized
    if norm is None:
        return sec.title
    ns, ne = norm.norm_range(sec.span)
    return str(norm.text[ns:ne])


def _label_score(gold: Sequence[str], pred: Sequence[str]) -> Score:
    g, p = set(gold), set(pred)
    return Score(tp=len(g & p), n_pred=len(p), n_gold=len(g))


def _score_themes(
    gold: Gold,
    plans: Sequence[Plan],
    pairs: Sequence[tuple[int, int]],
    scores: dict[str, Score],
    themes: ThemeScorer,
) -> None:
    """Themes of the gold level-1 sections: on the sections found, and end to end."""
    g_all = [s for doc in gold.documents for s in _gold_sections(doc)]
    p_all = [(plan, s) for plan in plans for s in plan.sections if s.marker]
    found = dict(pairs)
    model = themes.model_for(gold)
    for gi, gsec in enumerate(g_all):
        labels = [str(x) for x in gsec.get("themes") or ()]
        if gsec.get("level") != 1 or not labels:
            continue
        scores["themes_top1_e2e"].attr_n += 1
        if gi not in found:
            themes.record(gold, gsec, labels, None)
            continue
        plan, psec = p_all[found[gi]]
        if model is themes.shipped and psec.themes:
            # The pipeline's own output: the shipped model never saw this file.
            predicted = [t.label for t in psec.themes]
        else:
            from .themes import section_document

            norm = plan.require_normalized("evaluation")
            predicted = [t.label for t in model.assign(section_document(norm, psec))]
        ok = int(bool(predicted) and predicted[0] in labels)
        scores["themes_top1"].attr_n += 1
        scores["themes_top1"].attr_ok += ok
        scores["themes_top1_e2e"].attr_ok += ok
        scores["themes"].add(_label_score(labels, predicted))
        themes.record(gold, gsec, labels, predicted)
        if themes.baseline:
            base = themes.baseline_predict(gold, _section_text(plan, psec))
            scores["baseline_top1"].attr_n += 1
            scores["baseline_top1"].attr_ok += int(bool(base) and base[0] in labels)
            scores["baseline_themes"].add(_label_score(labels, base))


class ThemeScorer:
    """Theme predictions for evaluation, never from a model that trained on the file.

    A file the model did not train on is scored by the model itself (the
    pipeline's own output). A file it trained on is scored by a model refitted
    without the file's fold: grouped cross-validation, where a group is the
    file's site (``index.jsonl``) or the file itself, so template pages of one
    site never sit on both sides. The refits train on the examples rebuilt from
    the gold folders the model records (``unionnlp train`` never writes their
    texts) and the folders being evaluated.

    Args:
        model: a model file (default: the shipped one).
        corpora: the gold folders being evaluated (they may hold training files).
        baseline: also score the plain baseline (character 1-3-gram TF-IDF and
            class-balanced logistic regression, untuned) on the same folds and
            sections.
    """

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        corpora: Sequence[str | Path] = (),
        baseline: bool = False,
    ) -> None:
        from .themes import ThemeModel

        self.shipped = ThemeModel.load(model)
        shipped = self.shipped
        #: sha256 of each training file -> its (corpus, group)
        self.trained_on = {
            sha: (corpus, group)
            for sha, corpus, group in zip(
                shipped.sources, shipped.corpora, shipped.groups, strict=True
            )
        }
        self.corpora = [Path(c) for c in corpora]
        self.baseline = baseline
        self.labels: dict[str, Score] = {}
        #: (first gold label, top predicted label or None when the section was not found)
        self.confusion: Counter[tuple[str, str | None]] = Counter()
        #: the level-1 sections whose top label is no gold label (or that were not found)
        self.misses: list[dict[str, str]] = []
        self.notes: list[str] = []
        self._refits: dict[tuple[str, int], Any] = {}
        self._baselines: dict[tuple[str, int] | None, _Baseline] = {}
        self._sha: dict[Path, str] = {}

    def start_report(self) -> None:
        """Clear the per-report tallies (labels, confusion, misses)."""
        self.labels = {}
        self.confusion = Counter()
        self.misses = []

    def fold_for(self, gold: Gold) -> tuple[str, int] | None:
        """The (corpus, fold) left out for ``gold``'s file; None when the model never saw it."""
        if gold.source not in self._sha:
            self._sha[gold.source] = hashlib.sha256(gold.source.read_bytes()).hexdigest()
        seen = self.trained_on.get(self._sha[gold.source])
        return None if seen is None else (seen[0], fold_of(seen[1]))

    @cached_property
    def pool(self) -> list[Any]:
        """The model's training examples, rebuilt from the gold folders found here."""
        from .themes import examples_from_gold, gold_files_under

        recorded = [str(c) for c in self.shipped.params.get("corpora", ())]
        roots = [*self.corpora, *(r for r in map(_resolve_corpus, recorded) if r is not None)]
        exclude = self.shipped.params.get("exclude_dirs", ())
        files = {p.resolve(): p for p in gold_files_under(roots, exclude_dirs=exclude)}
        # each example's corpus and group as the model recorded them at training
        examples = [
            replace(e, corpus=self.trained_on[e.source][0], group=self.trained_on[e.source][1])
            for e in examples_from_gold(files.values())
            if e.source in self.trained_on
        ]
        missing = len(self.trained_on.keys() - {e.source for e in examples})
        if missing:
            self.notes.append(
                f"themes: {missing} of the model's {len(self.trained_on)} training files were"
                f" not found (it trained on {', '.join(recorded) or 'unrecorded folders'});"
                " the refits that score its training files train without them"
            )
        return examples

    def model_for(self, gold: Gold) -> Any:
        fold = self.fold_for(gold)
        if fold is None:
            return self.shipped
        if fold not in self._refits:
            from .themes import ThemeClassifier, fit_examples

            params = {k: v for k, v in self.shipped.params.items() if k in ThemeClassifier._PARAMS}
            self._refits[fold] = fit_examples(self.pool, exclude=fold, **params)
        return self._refits[fold]

    def baseline_predict(self, gold: Gold, text: str) -> list[str]:
        """The plain baseline's labels for ``text``, fitted without ``gold``'s fold."""
        fold = self.fold_for(gold)
        if fold not in self._baselines:
            self._baselines[fold] = _Baseline(
                [e for e in self.pool if fold is None or e.fold != fold]
            )
        return self._baselines[fold].predict(text)

    def record(
        self, gold: Gold, section: dict[str, Any], labels: Sequence[str], pred: Sequence[str] | None
    ) -> None:
        """Count one level-1 section (``pred`` None: the pipeline did not find it)."""
        self.confusion[(labels[0], pred[0] if pred else None)] += 1
        if pred is None or not pred or pred[0] not in labels:
            self.misses.append(
                {
                    "file": str(gold.path),
                    "title": str(section.get("title", "")),
                    "gold": ",".join(labels),
                    "predicted": "(section not found)" if pred is None else ",".join(pred),
                }
            )
        if pred is None:
            return
        for label in set(labels) | set(pred):
            score = self.labels.setdefault(label, Score())
            score.tp += int(label in labels and label in pred)
            score.n_gold += int(label in labels)
            score.n_pred += int(label in pred)

    def macro_f1(self) -> float | None:
        if not self.labels:
            return None
        return sum(s.f1 for s in self.labels.values()) / len(self.labels)

    def confusion_table(self) -> str:
        """First gold label (rows) against the top predicted label (columns)."""
        golds = sorted({g for g, _ in self.confusion})
        preds = sorted({p for _, p in self.confusion if p is not None})
        short = {label: label[:8] for label in {*golds, *preds}}
        head = ["gold \\ top", *(short[p] for p in preds), "not found"]
        rows = [head]
        for g in golds:
            cells = [str(self.confusion.get((g, p), 0) or ".") for p in preds]
            rows.append([g, *cells, str(self.confusion.get((g, None), 0) or ".")])
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        return "\n".join(
            "  ".join(
                c.ljust(w) if i == 0 else c.rjust(w)
                for i, (c, w) in enumerate(zip(r, widths, strict=True))
            )
            for r in rows
        )


def _resolve_corpus(name: str) -> Path | None:
    """A recorded training folder, relative to the working directory or the project root."""
    for base in (Path.cwd(), Path(__file__).resolve().parent.parent):
        path = base / name
        if path.is_dir():
            return path
    return None


class _Baseline:
    """The plain anchor: character 1-3-gram TF-IDF, class-balanced logistic regression.

    scikit-learn with its defaults, no tuning: one regression per label; the
    best label, then any other scoring 0.5 or more (three at most).
    """

    def __init__(self, examples: Sequence[Any]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.multiclass import OneVsRestClassifier
        from sklearn.preprocessing import MultiLabelBinarizer

        self.vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True)
        self.binarizer = MultiLabelBinarizer()
        y = self.binarizer.fit_transform([e.labels for e in examples])
        x = self.vectorizer.fit_transform([e.text for e in examples])
        self.model = OneVsRestClassifier(
            LogisticRegression(class_weight="balanced", max_iter=1000)
        ).fit(x, y)

    def predict(self, text: str) -> list[str]:
        import numpy as np

        probs = self.model.predict_proba(self.vectorizer.transform([text]))[0]
        order = np.argsort(-probs, kind="stable")[:3]
        labels = [str(c) for c in self.binarizer.classes_]
        return [labels[j] for i, j in enumerate(order) if i == 0 or probs[j] >= 0.5]


def _first_by_text(items: Iterable[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for text, attr in items:
        out.setdefault(_fold(text), attr)
    return out


def _score_items(
    gold: Gold,
    plans: Sequence[Plan],
    matched: dict[int, int],
    scores: dict[str, Score],
    errors: list[dict[str, str]],
) -> None:
    """Deadlines and parties as sets of distinct texts per matched document."""
    used: set[int] = set()
    for gd, doc in enumerate(gold.documents):
        g_dl = _first_by_text(
            (str(d.get("text", "")), (d.get("kind"), d.get("value")))
            for d in doc.get("deadlines", ())
        )
        g_pt = _first_by_text(
            (str(p.get("name", "")), (p.get("role"),)) for p in doc.get("parties", ())
        )
        pd = matched.get(gd)
        p_dl: dict[str, Any] = {}
        p_pt: dict[str, Any] = {}
        if pd is not None and pd not in used:
            used.add(pd)
            p_dl, p_pt = _predicted_items(plans[pd])
        _add_set(
            scores,
            "deadlines",
            g_dl,
            p_dl,
            values=("deadline_kinds", "deadline_values"),
            errors=errors,
        )
        _add_set(scores, "parties", g_pt, p_pt, values=("party_roles",), errors=errors)
    for pd, plan in enumerate(plans):
        if pd not in used:  # a plan no gold document matched: all its items are spurious
            for key, items in zip(("deadlines", "parties"), _predicted_items(plan), strict=True):
                _add_set(scores, key, {}, items, errors=errors)


def _predicted_items(plan: Plan) -> tuple[dict[str, Any], dict[str, Any]]:
    measures = [m for _, m in plan.measures()]
    deadlines = _first_by_text((d.text, (d.kind, d.value)) for m in measures for d in m.deadlines)
    parties = _first_by_text(
        (p.name, (p.role,)) for m in measures for p in m.parties if not p.implicit
    )
    return deadlines, parties


def _add_set(
    scores: dict[str, Score],
    key: str,
    gold: dict[str, Any],
    pred: dict[str, Any],
    *,
    values: tuple[str, ...] = (),
    errors: list[dict[str, str]] | None = None,
) -> None:
    score = scores[key]
    shared = gold.keys() & pred.keys()
    score.tp += len(shared)
    score.n_gold += len(gold)
    score.n_pred += len(pred)
    for text in shared:
        for i, name in enumerate(values):
            g, p = gold[text][i], pred[text][i]
            scores[name].attr_n += 1
            same = _fold(str(g)) == _fold(str(p))
            scores[name].attr_ok += int(same)
            if not same and errors is not None:
                attr = name.rsplit("_", 1)[-1].removesuffix("s")  # deadline_kinds -> kind
                errors.append(
                    {"stage": key, "error": attr, "text": text, "gold": str(g), "predicted": str(p)}
                )
    if errors is not None:
        errors.extend(
            {"stage": key, "error": "missed", "text": t} for t in gold.keys() - pred.keys()
        )
        errors.extend(
            {"stage": key, "error": "spurious", "text": t} for t in pred.keys() - gold.keys()
        )


def evaluate_dir(
    gold_dir: str | Path,
    *,
    parse_file: Callable[[Path], list[Plan]] | None = None,
    progress: Callable[[str], None] | None = None,
    themes: bool | ThemeScorer = True,
    folds: Collection[int] | None = None,
) -> EvalReport:
    """Run the pipeline on the source of every ``*.gold.json`` under ``gold_dir`` and score it.

    Args:
        parse_file: the parser (default :func:`unionnlp.parse_file`).
        progress: called with each gold file's path before it is scored.
        themes: score themes (``True``: with a :class:`ThemeScorer` of the
            shipped model); a scorer may be shared by several calls so that
            its refits are fitted once.
        folds: score only the files whose group (:func:`corpus_groups`) falls in
            these folds of :func:`fold_of`; the others are skipped. Rules tuned
            on some folds are checked on the rest.

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
        from . import parse_file as default_parse_file

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
        if folds is not None:
            name = gold.source.name
            if fold_of(groups.get(name, name)) not in folds:
                continue
        if progress:
            progress(str(path))
        plans = parse_file(gold.source)
        results.append(evaluate_plans(gold, plans, themes=scorer))
    totals = _totals(results)
    report = EvalReport(files=results, scores=totals)
    if scorer is not None:
        report.macro_f1 = scorer.macro_f1()
        report.theme_confusion = scorer.confusion_table() if scorer.confusion else ""
        report.theme_misses = list(scorer.misses)
        report.notes = list(scorer.notes)
    return report


def _totals(results: Iterable[FileResult]) -> dict[str, Score]:
    totals: dict[str, Score] = {}
    for result in results:
        for key, score in result.scores.items():
            totals.setdefault(key, Score()).add(score)
    return totals


# ---------------------------------------------------------------------------
# agreement between two annotation passes


def _set_score(gold: Iterable[str], pred: Iterable[str]) -> Score:
    g, p = {_fold(x) for x in gold if x}, {_fold(x) for x in pred if x}
    return Score(tp=len(g & p), n_pred=len(p), n_gold=len(g))


def cohen_kappa(a: Sequence[str], b: Sequence[str]) -> float | None:
    """Cohen's kappa of two label sequences of equal length (``None`` when empty)."""
    if len(a) != len(b):
        raise ValueError("kappa needs two sequences of equal length")
    n = len(a)
    if n == 0:
        return None
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    labels = set(a) | set(b)
    expected = sum((a.count(lab) / n) * (b.count(lab) / n) for lab in labels)
    if expected == 1.0:
        return 1.0
    return (observed - expected) / (1 - expected)


def _same_source(a: Path, b: Path) -> bool:
    """One source file, or two copies of it (equal bytes)."""
    if a.resolve() == b.resolve():
        return True
    try:
        return a.stat().st_size == b.stat().st_size and a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def _agreement_figures(score: Score) -> dict[str, Any]:
    """:meth:`Score.to_dict`, with ``None`` for ratios of empty sets: two passes that
    mark nothing agree on nothing, which is not an F1 of 1."""
    figures = score.to_dict()
    if not score.n_pred:
        figures["precision"] = None
    if not score.n_gold:
        figures["recall"] = None
    if not score.n_pred and not score.n_gold:
        figures["f1"] = None
    return figures


def agreement(first: Gold, second: Gold) -> dict[str, Any]:
    """Agreement between two annotations of the same source.

    Documents and sections are aligned as in :func:`evaluate_plans` (the first
    pass plays gold); deadlines and parties are compared as sets of distinct
    texts per aligned document, with role agreement on the shared parties;
    themes by Cohen's kappa on the first label of the level-1 sections both
    passes share, and by the share of those sections with equal label sets.
    Precision, recall and F1 are ``None`` where neither pass marked anything
    (and precision or recall alone where one side is empty).

    Raises:
        InputError: the two annotations are of different sources (neither the same
            file nor copies of it).
    """
    if not _same_source(first.source, second.source):
        raise InputError(
            f"{str(first.path)!r} and {str(second.path)!r} annotate different sources"
            f" ({str(first.source)!r} and {str(second.source)!r}); agreement compares two"
            " annotations of one source"
        )

    def sections(gold: Gold) -> list[tuple[int, dict[str, Any]]]:
        return [(i, s) for i, d in enumerate(gold.documents) for s in _gold_sections(d)]

    def key(sec: dict[str, Any]) -> tuple[str, str]:
        return section_key(str(sec.get("marker", "")), str(sec.get("title", "")))

    sa, sb = sections(first), sections(second)
    pairs = _align([key(s) for _, s in sa], [key(s) for _, s in sb])
    sec = Score(tp=len(pairs), n_pred=len(sb), n_gold=len(sa))
    levels = Score()
    theme_a: list[str] = []
    theme_b: list[str] = []
    same_sets = 0
    doc_pairs: dict[int, int] = {}
    for i, j in pairs:
        (da, x), (db, y) = sa[i], sb[j]
        doc_pairs.setdefault(da, db)
        levels.attr_n += 1
        levels.attr_ok += int(x.get("level") == y.get("level"))
        if x.get("level") == 1 and y.get("level") == 1 and x.get("themes") and y.get("themes"):
            theme_a.append(x["themes"][0])
            theme_b.append(y["themes"][0])
            same_sets += int(set(x["themes"]) == set(y["themes"]))
    deadlines, parties, roles = Score(), Score(), Score()
    for da, db in doc_pairs.items():
        a_doc, b_doc = first.documents[da], second.documents[db]
        deadlines.add(
            _set_score(
                (d.get("text", "") for d in a_doc.get("deadlines", ())),
                (d.get("text", "") for d in b_doc.get("deadlines", ())),
            )
        )
        a_roles = {_fold(p.get("name")): p.get("role") for p in a_doc.get("parties", ())}
        b_roles = {_fold(p.get("name")): p.get("role") for p in b_doc.get("parties", ())}
        parties.add(_set_score(a_roles, b_roles))
        for name in a_roles.keys() & b_roles.keys():
            roles.attr_n += 1
            roles.attr_ok += int(a_roles[name] == b_roles[name])
    kappa = cohen_kappa(theme_a, theme_b)
    return {
        "documents": {"first": len(first.documents), "second": len(second.documents)},
        "sections": _agreement_figures(sec),
        "levels": levels.to_dict(),
        "deadlines": _agreement_figures(deadlines),
        "parties": _agreement_figures(parties),
        "party_roles": roles.to_dict(),
        "themes": {
            "kappa_first_label": None if kappa is None else round(kappa, 4),
            "same_label_set": round(same_sets / len(theme_a), 4) if theme_a else None,
            "sections": len(theme_a),
        },
    }
