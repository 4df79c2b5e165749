"""Scoring one file's plans against its gold documents, stage by stage.

:func:`evaluate_plans` matches documents by their first section (or title
when they have none) and aligns sections in reading order
(:mod:`~unionnlp.evaluate.matching`); deadlines and parties are compared as
sets of distinct texts per matched document (documents neither side's
sections tie together are paired in reading order when as many are left on
each side: :func:`_pair_leftovers`); the themes of the level-1
sections are scored by a :class:`~unionnlp.evaluate.folds.ThemeScorer`.
Counts land in :class:`Score` records, one per row of the report, and the
disagreements in the :class:`FileResult`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import regex

from ..model import Plan, Section
from .gold import Gold, _gold_sections
from .matching import _align, _fold, section_key, title_key

if TYPE_CHECKING:
    from .folds import ThemeScorer

__all__ = ["FileResult", "Score", "evaluate_plans"]


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
    #: the group the file belongs to (its source site, :func:`~unionnlp.evaluate.corpus_groups`;
    #: ``""``: a group of its own), which :mod:`~unionnlp.evaluate.intervals` resamples whole
    group: str = ""
    #: the source file, relative to the evaluated folder (``b1-r01.txt``; ``""``: not known)
    source: str = ""


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
    _pair_leftovers(len(gold.documents), len(plans), matched)
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


def _pair_leftovers(n_gold: int, n_pred: int, matched: dict[int, int]) -> None:
    """Pair, in reading order, the gold documents that ``matched`` leaves out with the
    plans no gold document took, when as many are left on each side.

    A document whose sections tie to none of the plan's (a table page whose rows the
    parser reads as no sections, a first section that differs) is missed on the plan
    splitting row already; its deadlines and parties are still compared with those of
    the plan that stands where it does, instead of all counting as missed and spurious
    a second time. Where the numbers left differ, which goes with which is unclear, and
    nothing is paired.
    """
    taken = set(matched.values())
    gold_left = [d for d in range(n_gold) if d not in matched]
    pred_left = [p for p in range(n_pred) if p not in taken]
    if gold_left and len(gold_left) == len(pred_left):
        matched.update(zip(gold_left, pred_left, strict=True))


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
            from ..themes import section_document

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
