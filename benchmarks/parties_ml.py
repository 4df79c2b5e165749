"""Parties by a learned candidate classifier against the rules, by grouped cross-validation.

An offline experiment for issue 14 (nothing of it runs in the pipeline; it writes
nothing). Run from the repository root; it needs ../shared/real and takes a few
minutes on a busy machine::

    .venv/bin/python benchmarks/parties_ml.py [--real DIR] [--real-only] [--words]
        [--fraction F] [--errors]

Setting. Files: ../shared/real (folds by site: :func:`unionnlp.evaluate.fold_of` of
the site in ``index.jsonl``) and the written sets corpora/dev, dev2, dev3 and seeds
(each file a group of its own; corpora/heldout is never read). Each file is parsed
once by the shipped pipeline, so the rules' parties are those ``unionnlp evaluate``
scores.

1. Candidates, in the stretches of each measure the rules read (no opening or
   指导思想 section, no closing paragraph): the rules' own finds
   (:meth:`PartyExtractor.find`, with the rule that made each) plus every left extent,
   up to ``MAX_LEFT`` characters within a clause, of every head noun of
   ``data/parties.toml`` (``heads`` and the body aliases) and of a few posts
   (``POSTS``). Label: the candidate's folded text is a gold party of its file.
2. Candidate recall ceiling: the share of gold parties whose folded text equals
   some candidate's (file level).
3. Two models, each a class-balanced logistic regression (liblinear) over hashed
   string features (head, first and last characters, 1-2 characters either side,
   length, the rule and its role, inside a rule's find, clause start, first line,
   slot words before and after, 各/全/本/我 prefixes, clause words in the name;
   ``--words``: the jieba words either side and slot words of the clause):

   - ``occ``: one row per candidate; the best extent of each head occurrence
     above a threshold is kept (a kept name inside a longer kept one goes);
   - ``names``: one row per distinct folded name of a plan, the bag of its
     occurrences' features plus their count and the count found by rules (the
     evaluator's own unit: distinct texts per document).

   Each is scored alone and added to the rules (``+rules``: every name the rules
   find stays, the model adds names). Roles: the rule's where a rule found the
   name, else support after 会同/协同/联合 or before 配合/协助/参与, else lead.
   Each fold is predicted by a model trained on the other four (real and
   written; ``--real-only``: real only; ``--fraction``: a stable sample of that
   share of their groups, for a learning curve).
4. The plans with the chosen parties go through
   :func:`unionnlp.evaluate.evaluate_plans`, as ``unionnlp evaluate`` scores
   the rules, summed over all real files, folds 0-2, folds 3-4 and the written
   sets. The threshold is chosen on the out-of-fold F1 of folds 0-2; its folds
   3-4 score is the evidence.

FINDINGS (2026-12-06, main at 986ab6c; real: 120 files, 257 gold parties, 116 of them
on folds 3-4; written sets: 27 files, 436 gold parties per document).

Candidate recall ceiling (gold parties equal to some candidate of their file / to
some rule find): all real 239/257 = 0.930 (rules 164 = 0.638); folds 0-2 133/141 =
0.943 (rules 0.723); folds 3-4 106/116 = 0.914 (rules 62 = 0.534); written 401/421 =
0.952 (rules 0.843). About 26,900 candidates, 10,200 of them on real files. The
generator is not what limits recall: deciding is.

Parties P/R/F1/role accuracy, every file scored out of fold, at the threshold with
the best folds 0-2 F1 (default run: trained on real and written files)::

    variant       t    all real             folds 0-2             folds 3-4
    rules         -    .819/.634/.715/.988  .878/.716/.789/1.000  .738/.534/.620/.968
    occ           .97  .819/.580/.679/.993  .852/.652/.739/1.000  .770/.491/.600/.982
    occ +rules    .97  .769/.646/.702/.988  .823/.723/.770/1.000  .696/.552/.615/.969
    names         .95  .827/.595/.692/.993  .881/.681/.768/1.000  .750/.491/.594/.982
    names +rules  .95  .809/.642/.716/.988  .864/.723/.788/1.000  .733/.543/.624/.968

Written sets, same runs (P/R/F1, role accuracy .99-1.00): rules .953/.839/.893, occ
.927/.695/.794, occ +rules .918/.846/.881, names .960/.761/.849, names +rules
.948/.839/.891.

``--real-only``: names +rules (t=.95) folds 3-4 .741/.543/.627/.968, names (t=.9)
.753/.474/.582, occ (t=.9) .659/.483/.557. ``--words``: names +rules (t=.97) .617,
names (t=.9) .582, occ (t=.97) .562. The best folds 3-4 F1 of any variant at any
threshold is .627 (names +rules, real only), +0.007 over the rules; lower
thresholds buy recall at a larger cost in precision (names t=.5: folds 3-4 P .600
R .621 F1 .610; occ t=.3: R .716 at P .346).

Learning curve (``--fraction``, folds 3-4 F1 at the threshold chosen on 0-2): a
quarter of the training groups: occ .552, names .623, names +rules .627; half:
.557, .567, .620; all: .600, .594, .624. No trend beyond the noise of 116 gold
names: more gold of this kind would not by itself lift this model.

Verdict: no variant beats the rules on folds 3-4 by the +0.03 F1 asked for, so none
was integrated. With 257 real gold parties over 97 sites, a linear model
over the local context of organisation noun phrases learns little that the slots do
not already encode: most gold parties are among the candidates (0.91 on the check
folds), but the same kinds of noun phrase stand far more often as targets,
background or the source of a document, and the characters and words around them
do not tell the two apart on sites never seen, with a quarter of the training
sites or all of them. What the numbers ask for is a better account of the clause
(which noun phrase acts: the subject of a measure's verb, the object of 由/配合),
not more candidates and not this model with more of the same gold.
"""

from __future__ import annotations

import argparse
import sys
import time
import zlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import regex

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from unionnlp import parse_file  # noqa: E402
from unionnlp.evaluate import (  # noqa: E402
    Gold,
    Score,
    _fold,
    corpus_groups,
    evaluate_plans,
    fold_of,
    load_gold,
)
from unionnlp.model import Party, PartyRole, Plan  # noqa: E402
from unionnlp.parties import PartyExtractor, _with_measures, _with_parties  # noqa: E402

WRITTEN = ("dev", "dev2", "dev3", "seeds")
MAX_LEFT = 10
POSTS = ("主席", "副主席", "校长", "副校长", "书记", "组长", "主任", "园长", "院长", "经理", "馆长")
#: characters no candidate crosses
BOUNDARY = frozenset("。；;！!？?：:，,、\n\r\t （）()“”\"'《》【】[]—…·")
BREAKS = frozenset("。；;！!？?\n：:，,")
SLOT_BEFORE = (
    "负责", "牵头", "由", "配合", "协助", "会同", "协同", "联合", "与", "和", "发挥", "依托",
    "指导", "要求", "责任单位", "配合单位", "督促", "组织", "支持",
)  # fmt: skip
SLOT_AFTER = (
    "负责", "牵头", "配合", "协助", "要", "将", "组织", "开展", "举办", "做好", "召开", "积极",
    "认真", "定期", "的", "和", "、", "与", "作用", "工作", "成员", "等",
)  # fmt: skip
CLAUSE_SLOTS = (
    "负责", "牵头", "配合", "协助", "由", "组织", "开展", "要", "将", "参加", "参与", "慰问",
    "为", "向", "对", "给",
)  # fmt: skip
MARKER = regex.compile(
    r"\s*(?:[0-9]{1,2}|[一二三四五六七八九十]{1,3}|[（(〔【\[][0-9一二三四五六七八九十]{1,3}[）)〕】\]]"
    r"|[①-⑳⑴-⒇⒈-⒛])[、.．,，]?\s*"
)
THRESHOLDS = (0.3, 0.5, 0.7, 0.8, 0.9, 0.95, 0.97)

EX = PartyExtractor()


@dataclass
class Cand:
    """A candidate party: a stretch of a plan's normalised text ending in a head."""

    file: int
    plan: int
    measure: tuple[int, int]  # (section index, measure index)
    start: int
    end: int
    name: str
    occurrence: tuple[int, int, int, int]  # file, plan, stretch, end: one head occurrence
    rule: str | None = None
    role: PartyRole = "lead"
    feats: list[str] = field(default_factory=list)
    label: int = 0


@dataclass
class File:
    corpus: str
    gold: Gold
    fold: int
    plans: list[Plan]
    group: str = ""
    parties: set[str] = field(default_factory=set)  # folded gold names

    def sampled(self, fraction: float) -> bool:
        """Whether the file's group is in a stable sample of ``fraction`` of the groups."""
        return zlib.crc32(self.group.encode("utf-8")) % 1000 < fraction * 1000


def _heads() -> dict[str, str]:
    """Head strings -> kind: ``H`` a head, ``B`` a body alias, ``P`` a post."""
    out = dict.fromkeys(EX._grammar.heads, "H")
    for alias in EX.canonical_names:
        out.setdefault(alias, "B")
    for post in POSTS:
        out.setdefault(post, "P")
    return out


HEADS = _heads()
HEAD_LENGTHS = sorted({len(h) for h in HEADS}, reverse=True)


def head_ends(text: str) -> list[tuple[int, int]]:
    """(start, end) of the longest head ending at each position of ``text``."""
    out = []
    for e in range(1, len(text) + 1):
        for n in HEAD_LENGTHS:
            if n <= e and text[e - n : e] in HEADS:
                out.append((e - n, e))
                break
    return out


def stretches(plan: Plan) -> list[tuple[int, int, int, int]]:
    """(section index, measure index, start, end) of the text the rules read."""
    norm = plan.require_normalized("parties")
    ranges = iter(norm.norm_ranges([m.span for sec in plan.sections for m in sec.measures]))
    opening = EX._scopes.get("opening")
    out: list[tuple[int, int, int, int]] = []
    for si, sec in enumerate(plan.sections):
        if not sec.measures:
            continue
        opens = bool(
            opening and EX._scope_scan.met(sec.title) & 4 and opening.pattern.match(sec.title)
        )
        for mi, _measure in enumerate(sec.measures):
            ns, ne = next(ranges)
            if not opens:
                out.extend((si, mi, a, b) for a, b in EX._readable(norm.text, ns, ne))
    return out


def features(
    text: str, s: int, e: int, hs: int, rule: Any, covered: bool, words: bool
) -> list[str]:
    """The string features of the candidate ``text[s:e]`` whose head starts at ``hs``."""
    name, head = text[s:e], text[hs:e]
    before, after = text[max(0, s - 6) : s], text[e : e + 4]
    prev = before.rstrip(" ")
    starts = not prev or prev[-1] in BREAKS or MARKER.fullmatch(text[:s]) is not None
    f = [
        "bias",
        f"h={head}",
        f"hk={HEADS.get(head, '?')}",
        f"l1={name[-1]}",
        f"f1={name[0]}",
        f"f2={name[:2]}",
        f"b1={before[-1:]}",
        f"b2={before[-2:]}",
        f"a1={after[:1]}",
        f"a2={after[:2]}",
        f"len={min(len(name), 10)}",
        f"mod={min(hs - s, 10)}",
        f"hlen={e - hs}",
        f"rule={rule.rule if rule else None}",
        f"rr={rule.role if rule else None}",
        f"cov={covered}",
        f"line0={chr(10) not in text[:s]}",
        f"h+a1={head}|{after[:1]}",
        f"h+b1={head}|{before[-1:]}",
        f"f1+h={name[0]}|{head}",
        f"cs={starts}",
        f"lb={'B' if not before or before[-1] in BOUNDARY else 'C'}",
        f"nh={min(len(EX._grammar.head_starts(name)), 3)}",
    ]
    f.extend(f"sb={w}" for w in SLOT_BEFORE if w in before)
    f.extend(f"sa={w}" for w in SLOT_AFTER if after.startswith(w))
    if name[0] in "各全本我该上":
        f.append(f"q={name[0]}")
    if EX._grammar.clause_end(name):
        f.append("clause")
    if words:
        import jieba

        left = jieba.lcut(text[max(0, s - 8) : s]) if s else []
        right = jieba.lcut(text[e : e + 8]) if e < len(text) else []
        f.append(f"wb={left[-1] if left else ''}")
        f.append(f"wa={right[0] if right else ''}")
        cs = max([text.rfind(ch, 0, s) for ch in BREAKS] + [-1]) + 1
        ce = min([x for x in (text.find(ch, e) for ch in BREAKS) if x >= 0] + [len(text)])
        f.extend(f"clb={w}" for w in CLAUSE_SLOTS if w in text[cs:s])
        f.extend(f"cla={w}" for w in CLAUSE_SLOTS if w in text[e:ce])
    return f


def role_of(text: str, s: int, e: int) -> PartyRole:
    """The role of a name no rule found, from the slot words next to it."""
    if text[e : e + 3].startswith(("配合", "协助", "参与", "协办")):
        return "support"
    if text[max(0, s - 4) : s].endswith(("会同", "协同", "联合")):
        return "support"
    return "lead"


def candidates(fi: int, pi: int, plan: Plan, words: bool) -> list[Cand]:
    """The rules' finds and every left extent of every head, in the text the rules read."""
    norm = plan.require_normalized("parties")
    out: list[Cand] = []
    for k, (si, mi, a, b) in enumerate(stretches(plan)):
        t = norm.text[a:b]
        rules = {(f.start, f.end): f for f in EX.find(t)}
        spans: dict[tuple[int, int], int] = {}  # (start, end) -> head start
        for hs, e in head_ends(t):
            lo = hs
            while lo > 0 and hs - lo < MAX_LEFT and t[lo - 1] not in BOUNDARY:
                lo -= 1
            spans.update(((s, e), hs) for s in range(lo, hs + 1) if e - s >= 2)
        for (s, e), found in rules.items():
            if (s, e) not in spans:
                starts = EX._grammar.head_starts(found.name)
                spans[(s, e)] = s + (starts[0] if starts else 0)
        for (s, e), hs in spans.items():
            rule = rules.get((s, e))
            covered = any(rs <= s and e <= re_ and (rs, re_) != (s, e) for rs, re_ in rules)
            out.append(
                Cand(
                    fi,
                    pi,
                    (si, mi),
                    a + s,
                    a + e,
                    t[s:e],
                    (fi, pi, k, e),
                    rule=rule.rule if rule else None,
                    role=rule.role if rule else role_of(t, s, e),
                    feats=features(t, s, e, hs, rule, covered, words),
                )
            )
    return out


def with_parties(plan: Plan, chosen: Iterable[Cand], add: bool) -> Plan:
    """``plan`` with ``chosen`` as the named parties of its measures (``add``: beside the
    rules' parties, table columns included)."""
    norm = plan.require_normalized("parties")
    by_measure: dict[tuple[int, int], list[Party]] = defaultdict(list)
    for c in chosen:
        by_measure[c.measure].append(Party(c.name, norm.span(c.start, c.end), c.role))
    sections = []
    for si, sec in enumerate(plan.sections):
        measures = []
        for mi, m in enumerate(sec.measures):
            named = by_measure.get((si, mi), [])
            if add:
                named = [*(p for p in m.parties if not p.implicit), *named]
            implicit = () if named else tuple(p for p in m.parties if p.implicit)
            measures.append(_with_parties(m, (*named, *implicit)))
        sections.append(_with_measures(sec, tuple(measures)))
    return replace(plan, sections=tuple(sections))


def fit_out_of_fold(rows: list[list[str]], y: Any, folds: Any, train_mask: Any) -> Any:
    """Each fold's probabilities from a model trained on the other folds."""
    import numpy as np
    from sklearn.feature_extraction import FeatureHasher
    from sklearn.linear_model import LogisticRegression

    x = FeatureHasher(n_features=2**18, input_type="string", alternate_sign=False).transform(rows)
    probs = np.zeros(len(rows))
    for k in range(5):
        test = folds == k
        train = ~test & train_mask
        model = LogisticRegression(class_weight="balanced", solver="liblinear")
        model.fit(x[train], y[train])
        probs[test] = model.predict_proba(x[test])[:, 1]
    return probs


def select_occurrences(cands: list[Cand], probs: Any, threshold: float) -> list[Cand]:
    """The best extent of each head occurrence at ``threshold`` or more, without a kept
    name inside a longer kept one of the same plan."""
    best: dict[tuple[int, int, int, int], tuple[float, Cand]] = {}
    for c, p in zip(cands, probs, strict=True):
        if p >= threshold and (c.occurrence not in best or p > best[c.occurrence][0]):
            best[c.occurrence] = (p, c)
    kept = [c for _, c in best.values()]
    by_plan: dict[tuple[int, int], list[Cand]] = defaultdict(list)
    for c in kept:
        by_plan[(c.file, c.plan)].append(c)
    return [
        c
        for c in kept
        if not any(
            o.start <= c.start and c.end <= o.end and o.end - o.start > c.end - c.start
            for o in by_plan[(c.file, c.plan)]
        )
    ]


Selection = dict[str, Callable[[File], bool]]
SETS: Selection = {
    "all real": lambda f: f.corpus == "real",
    "folds 0-2": lambda f: f.corpus == "real" and f.fold in (0, 1, 2),
    "folds 3-4": lambda f: f.corpus == "real" and f.fold in (3, 4),
    "written": lambda f: f.corpus != "real",
}


def score(
    files: list[File], chosen: dict[tuple[int, int], list[Cand]] | None, add: bool = False
) -> dict[str, Any]:
    """Parties and roles of every set, with ``chosen`` as the parties (None: the rules;
    ``add``: beside the rules')."""
    out: dict[str, tuple[Score, Score]] = {k: (Score(), Score()) for k in SETS}
    for fi, f in enumerate(files):
        plans = f.plans
        if chosen is not None:
            plans = [with_parties(p, chosen.get((fi, pi), ()), add) for pi, p in enumerate(plans)]
        res = evaluate_plans(f.gold, plans)
        for label, sel in SETS.items():
            if sel(f):
                out[label][0].add(res.scores["parties"])
                out[label][1].add(res.scores["party_roles"])
    return out


def show(name: str, scores: dict[str, Any]) -> None:
    for label, (pt, rl) in scores.items():
        print(
            f"{name:>22} {label:>9}: P {pt.precision:.3f} R {pt.recall:.3f} F1 {pt.f1:.3f}"
            f" role {rl.accuracy or 0:.3f} (tp {pt.tp}, pred {pt.n_pred}, gold {pt.n_gold})"
        )


def sweep(
    name: str, files: list[File], choose: Callable[[float], list[Cand]], add: bool = False
) -> None:
    """Scores at each threshold; the one best on folds 0-2 is named with its folds 3-4 F1."""
    best: tuple[float, float, float] = (-1.0, 0.0, 0.0)
    for t in THRESHOLDS:
        chosen: dict[tuple[int, int], list[Cand]] = defaultdict(list)
        for c in choose(t):
            chosen[(c.file, c.plan)].append(c)
        scores = score(files, chosen, add)
        show(f"{name} t={t}", scores)
        tune, check = scores["folds 0-2"][0].f1, scores["folds 3-4"][0].f1
        if tune > best[0]:
            best = (tune, t, check)
    print(
        f"{name}: threshold chosen on folds 0-2 {best[1]} (F1 {best[0]:.3f}) -> folds 3-4 F1"
        f" {best[2]:.3f}"
    )


def tuning_errors(files: list[File], chosen: Iterable[Cand]) -> None:
    """The names a model kept wrongly or left out, on the tuning folds 0-2 only."""
    kept: dict[int, set[str]] = defaultdict(set)
    for c in chosen:
        kept[c.file].add(_fold(c.name))
    spurious: Counter[str] = Counter()
    missed: Counter[str] = Counter()
    for fi, f in enumerate(files):
        if f.corpus == "real" and f.fold in (0, 1, 2):
            spurious.update(kept[fi] - f.parties)
            missed.update(f.parties - kept[fi])
    print("spurious (folds 0-2):", spurious.most_common(40))
    print("missed (folds 0-2):", missed.most_common(40))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--real", default=str(ROOT.parent / "shared" / "real"))
    ap.add_argument("--real-only", action="store_true", help="train on real files only")
    ap.add_argument("--words", action="store_true", help="jieba words and clause slot words")
    ap.add_argument("--fraction", type=float, default=1.0, help="train on this share of the groups")
    ap.add_argument("--errors", action="store_true", help="names model errors on folds 0-2")
    args = ap.parse_args()
    import numpy as np

    t0 = time.time()
    real = Path(args.real)
    if not real.is_dir():
        sys.exit(f"{real} not found: this experiment needs the real corpus")
    groups = corpus_groups(real)
    files: list[File] = []
    for path in sorted(real.glob("*.gold.json")):
        gold = load_gold(path)
        name = gold.source.name
        fold = fold_of(groups.get(name, name))
        files.append(File("real", gold, fold, parse_file(gold.source), groups.get(name, name)))
    for corpus in WRITTEN:
        for path in sorted((ROOT / "corpora" / corpus).rglob("*.gold.json")):
            gold = load_gold(path)
            fold = fold_of(f"{corpus}/{gold.source.name}")  # each file a group
            group = f"{corpus}/{gold.source.name}"
            files.append(File(corpus, gold, fold, parse_file(gold.source), group))
    cands: list[Cand] = []
    for fi, f in enumerate(files):
        f.parties = {
            _fold(str(p.get("name", ""))) for d in f.gold.documents for p in d.get("parties", ())
        }
        for pi, plan in enumerate(f.plans):
            for c in candidates(fi, pi, plan, args.words):
                c.label = int(_fold(c.name) in f.parties)
                cands.append(c)
    print(f"{len(files)} files, {len(cands)} candidates ({time.time() - t0:.0f}s)")

    for label, sel in SETS.items():
        by_file: dict[int, set[str]] = defaultdict(set)
        by_rule: dict[int, set[str]] = defaultdict(set)
        for c in cands:
            by_file[c.file].add(_fold(c.name))
            if c.rule:
                by_rule[c.file].add(_fold(c.name))
        chosen_files = [fi for fi, f in enumerate(files) if sel(f)]
        n = sum(len(files[fi].parties) for fi in chosen_files)
        hit = sum(len(files[fi].parties & by_file[fi]) for fi in chosen_files)
        rhit = sum(len(files[fi].parties & by_rule[fi]) for fi in chosen_files)
        print(
            f"ceiling {label}: gold {n}, equal to a candidate {hit} ({hit / max(n, 1):.3f}),"
            f" to a rule find {rhit} ({rhit / max(n, 1):.3f})"
        )
    show("rules", score(files, None))

    def usable(f: File) -> bool:
        return (f.corpus == "real" or not args.real_only) and f.sampled(args.fraction)

    train_mask = np.array([usable(files[c.file]) for c in cands])
    y = np.array([c.label for c in cands])
    folds = np.array([files[c.file].fold for c in cands])
    probs = fit_out_of_fold([c.feats for c in cands], y, folds, train_mask)
    sweep("occ", files, lambda t: select_occurrences(cands, probs, t))
    sweep("occ +rules", files, lambda t: select_occurrences(cands, probs, t), add=True)

    rows: dict[tuple[int, int, str], list[Cand]] = defaultdict(list)
    for c in cands:
        rows[(c.file, c.plan, _fold(c.name))].append(c)
    keys = list(rows)
    bags = []
    for key in keys:
        occ = rows[key]
        bag = {f for c in occ for f in c.feats}
        bag.add(f"n={min(len(occ), 5)}")
        bag.add(f"nrule={min(sum(1 for c in occ if c.rule), 3)}")
        bags.append(sorted(bag))
    y = np.array([int(k[2] in files[k[0]].parties) for k in keys])
    folds = np.array([files[k[0]].fold for k in keys])
    name_probs = fit_out_of_fold(bags, y, folds, np.array([usable(files[k[0]]) for k in keys]))
    print(f"{len(keys)} names, {int(y.sum())} gold ({time.time() - t0:.0f}s)")

    def names(t: float) -> list[Cand]:
        out = []
        for key, p in zip(keys, name_probs, strict=True):
            if p >= t:
                occ = rows[key]
                out.append(next((c for c in occ if c.rule), occ[0]))
        return out

    sweep("names", files, names)
    sweep("names +rules", files, names, add=True)
    if args.errors:
        tuning_errors(files, names(0.5))


if __name__ == "__main__":
    main()
