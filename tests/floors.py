"""The quality floors of tests/quality_floors.json, measured and written by a script.

Every figure ``unionnlp evaluate`` prints for the pipeline (precision, recall and
F1 of the set stages, every accuracy row, themes macro-F1) has a floor per gold
set, and the number of files and of gold items per stage is pinned, so that a
deleted gold file shows. tests/test_evaluate.py measures with :func:`figures`,
the same function this script writes from.

    python tests/floors.py                 # measure, show what would change
    python tests/floors.py --write         # raise floors (truncated to 3 places)
    python tests/floors.py --write --lower dev.parties.f1 \\
        --why "gold convention for 工会小组 changed in d2_03"

``make floors`` runs it with ``--write``. A floor is never lowered, nor a count
changed downwards, unless ``--lower SET.KEY`` names it and ``--why`` says why;
the reason is printed for the commit message. ``real`` is ../shared/real (left
as it is where the folder is absent); themes are scored by grouped
cross-validation (:class:`unionnlp.evaluate.ThemeScorer`).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from unionnlp.evaluate import ACCURACY_ROWS, EvalReport, ThemeScorer, evaluate_dir

ROOT = Path(__file__).resolve().parent.parent
CORPORA = ROOT / "corpora"
#: The real scraped plans (third-party pages, never copied into the repository).
REAL = ROOT.parent / "shared" / "real"
FLOORS_PATH = Path(__file__).resolve().parent / "quality_floors.json"

#: Rows of the table with precision, recall and F1 (the others are accuracies).
SET_STAGES = ("documents", "sections", "deadlines", "parties", "themes")
#: Rows that are an accuracy over matched items.
ACCURACY_STAGES = ACCURACY_ROWS
#: Keys of pinned counts start with this; they must equal the measured value.
COUNT = "count."
PLACES = 3


def truncate(value: float, places: int = PLACES) -> float:
    """``value`` cut (not rounded) to ``places`` decimals: a floor never above the value.

    (``round(…, 6)`` first, so that 0.29 stored as 0.28999… stays 0.29.)
    """
    scale = 10**places
    return math.floor(round(value * scale, 6)) / scale


def figures(report: EvalReport) -> dict[str, float]:
    """Every floored figure and pinned count of one report, by key (``stage.metric``)."""
    out: dict[str, float] = {}
    for stage in SET_STAGES:
        score = report.scores.get(stage)
        if score is None or not (score.n_gold or score.n_pred):
            continue
        out[f"{stage}.precision"] = score.precision
        out[f"{stage}.recall"] = score.recall
        out[f"{stage}.f1"] = score.f1
    for stage in ACCURACY_STAGES:
        score = report.scores.get(stage)
        if score is not None and score.accuracy is not None:
            out[f"{stage}.accuracy"] = score.accuracy
    if report.macro_f1 is not None:
        out["themes.macro_f1"] = report.macro_f1
    out[f"{COUNT}files"] = len(report.files)
    for stage in SET_STAGES:
        score = report.scores.get(stage)
        if score is not None:
            out[f"{COUNT}{stage}"] = score.n_gold
    return out


def gold_sets() -> dict[str, Path]:
    """The gold sets by name: ``real`` when ../shared/real exists, then each set of corpora/."""
    sets = {"real": REAL} if REAL.is_dir() else {}
    for folder in sorted(CORPORA.iterdir()):
        if folder.is_dir() and any(folder.glob("*.gold.json")):
            sets[folder.name] = folder
    return sets


def theme_scorer() -> ThemeScorer:
    """One scorer for every set, as the test builds it (refits are fitted once)."""
    return ThemeScorer(corpora=[REAL, CORPORA] if REAL.is_dir() else [CORPORA])


def measure(sets: dict[str, Path], scorer: ThemeScorer) -> dict[str, dict[str, float]]:
    return {name: figures(evaluate_dir(path, themes=scorer)) for name, path in sets.items()}


def update(
    floors: dict[str, dict[str, float]],
    measured: dict[str, dict[str, float]],
    lower: Iterable[str] = (),
) -> tuple[dict[str, dict[str, float]], list[str], list[str]]:
    """New floors from measured figures: (floors, changes, refusals).

    A floor rises to the truncated value; a count follows the measured one. A
    figure below its floor (or a count that fell, or a figure no longer
    measured) is a refusal unless its ``set.key`` is in ``lower``.
    """
    allowed = set(lower)
    new = {name: dict(keys) for name, keys in floors.items()}
    changes: list[str] = []
    refusals: list[str] = []
    for name, values in measured.items():
        old = floors.get(name, {})
        target = new.setdefault(name, {})
        for key, value in values.items():
            value = value if key.startswith(COUNT) else truncate(value)
            before = old.get(key)
            if before is not None and value < before and f"{name}.{key}" not in allowed:
                refusals.append(f"{name}.{key}: measured {value} < floor {before}")
                continue
            if before != value:
                changes.append(f"{name}.{key}: {before} -> {value}")
                target[key] = value
        for key in old.keys() - values.keys():
            if f"{name}.{key}" in allowed:
                changes.append(f"{name}.{key}: {old[key]} -> (removed)")
                del target[key]
            else:
                refusals.append(f"{name}.{key}: no longer measured")
    return new, changes, refusals


def _ordered(floors: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    """Figures by key, then the pinned counts: a stable order for reviewing diffs."""
    return {
        name: dict(sorted(keys.items(), key=lambda kv: (kv[0].startswith(COUNT), kv[0])))
        for name, keys in floors.items()
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="write tests/quality_floors.json")
    parser.add_argument(
        "--lower",
        action="append",
        default=[],
        metavar="SET.KEY",
        help="allow this floor to fall (e.g. dev.parties.f1); needs --why",
    )
    parser.add_argument("--why", help="why the floors named by --lower may fall")
    parser.add_argument("sets", nargs="*", help="only these sets (default: every one found)")
    args = parser.parse_args(argv)
    if args.lower and not args.why:
        parser.error("--lower needs --why: say why the floor may fall (it goes in the commit)")
    found = gold_sets()
    unknown = set(args.sets) - found.keys()
    if unknown:
        parser.error(f"no gold set named {', '.join(sorted(unknown))}; found {', '.join(found)}")
    sets = {k: v for k, v in found.items() if not args.sets or k in args.sets}
    floors = json.loads(FLOORS_PATH.read_text(encoding="utf-8"))
    measured = measure(sets, theme_scorer())
    new, changes, refusals = update(floors, measured, args.lower)
    for line in changes:
        print(line)
    if refusals:
        print("refused (pass --lower SET.KEY --why '…' when the fall is on purpose):")
        for line in refusals:
            print(f"  {line}")
        return 1
    if not changes:
        print("floors unchanged")
    elif args.write:
        FLOORS_PATH.write_text(json.dumps(_ordered(new), indent=2) + "\n", "utf-8")
        print(f"wrote {FLOORS_PATH.relative_to(ROOT)}")
        if args.lower:
            print(f"for the commit message: lowered {', '.join(args.lower)}: {args.why}")
    else:
        print("(not written: pass --write)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
