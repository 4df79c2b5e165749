"""Deadline extraction: unionnlp against JioNLP's ``extract_time``, side by side.

Both run in this process on the same normalised (simplified) sentences of
every annotated file in ``corpora/``; both are scored against the gold
deadline texts of each file as sets of distinct texts (as ``unionnlp
evaluate`` does); throughput is measured over the same sentences, after one
warm-up pass of each (so dictionary loading is not counted).

Run with ``make bench`` (installs the ``bench`` extra) or::

    python benchmarks/deadlines_vs_jionlp.py [--json out.json]

JioNLP is imported lazily; without it the script reports unionnlp alone.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import regex

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from unionnlp.deadlines import DeadlineExtractor  # noqa: E402
from unionnlp.evaluate import _fold, load_gold  # noqa: E402
from unionnlp.normalize import Normalizer  # noqa: E402
from unionnlp.readers import read  # noqa: E402

SENTENCE = regex.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")


class JioNLPTime:
    """JioNLP's ``extract_time`` as ``sentence -> [time texts]``, as the benchmarks run it.

    A fixed time base, not the clock. A sentence it raises on yields nothing and
    counts in ``errors``. Its logging (a traceback for every string it cannot
    parse) is silenced during the call, so that its time is extraction, not
    log writing.

    Raises:
        ImportError: JioNLP is not installed (``pip install 'unionnlp[bench]'``).
    """

    def __init__(self) -> None:
        import jionlp  # type: ignore[import-not-found]

        self._extract = jionlp.ner.extract_time
        self._base = time.mktime((2024, 1, 1, 0, 0, 0, 0, 0, -1))
        self.errors = 0

    def __call__(self, sentence: str) -> list[str]:
        logging.disable(logging.CRITICAL)
        try:
            found = self._extract(sentence, time_base=self._base, with_parsing=False)
        except Exception:
            self.errors += 1
            return []
        finally:
            logging.disable(logging.NOTSET)
        return [item["text"] for item in found]


def _sentences(text: str) -> list[str]:
    return [m.group() for m in SENTENCE.finditer(text) if m.group().strip()]


def _score(gold: set[str], pred: set[str]) -> tuple[int, int, int]:
    return len(gold & pred), len(pred), len(gold)


def _prf(tp: int, n_pred: int, n_gold: int) -> dict[str, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=str(ROOT / "corpora"))
    parser.add_argument("--json", help="also write the results as JSON to this file")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes (best is kept)")
    args = parser.parse_args(argv)

    normalizer = Normalizer()
    extractor = DeadlineExtractor()
    files: list[tuple[set[str], list[str]]] = []
    for path in sorted(Path(args.corpus).rglob("*.gold.json")):
        gold = load_gold(path)
        text = normalizer(read(gold.source).text).text
        gold_texts = {_fold(d["text"]) for doc in gold.documents for d in doc.get("deadlines", ())}
        files.append((gold_texts, _sentences(text)))
    sentences = [s for _, ss in files for s in ss]
    n_chars = sum(len(s) for s in sentences)

    def ours(sentence: str) -> list[str]:
        return [f.text for f in extractor.find(sentence)]

    systems: dict[str, Any] = {"unionnlp": ours}
    try:
        systems["jionlp"] = JioNLPTime()
    except ImportError:
        print("jionlp is not installed: pip install 'unionnlp[bench]'", file=sys.stderr)

    results: dict[str, Any] = {"sentences": len(sentences), "characters": n_chars}
    for name, system in systems.items():
        for s in sentences[:50]:  # warm-up: dictionaries and models load here
            system(s)
        best = float("inf")
        for _ in range(args.repeat):
            if isinstance(system, JioNLPTime):
                system.errors = 0
            started = time.perf_counter()
            for s in sentences:
                system(s)
            best = min(best, time.perf_counter() - started)
        tp = n_pred = n_gold = 0
        for gold_texts, file_sentences in files:
            pred = {_fold(t) for s in file_sentences for t in system(s)}
            a, b, c = _score(gold_texts, pred)
            tp, n_pred, n_gold = tp + a, n_pred + b, n_gold + c
        results[name] = {
            **_prf(tp, n_pred, n_gold),
            "seconds": round(best, 4),
            "chars_per_second": round(n_chars / best),
            "errors": getattr(system, "errors", 0),
        }
    if "jionlp" in results:
        results["ratio"] = {
            "f1": round(results["unionnlp"]["f1"] / max(results["jionlp"]["f1"], 1e-9), 2),
            "speed": round(
                results["unionnlp"]["chars_per_second"] / results["jionlp"]["chars_per_second"], 1
            ),
        }
    print(f"{len(sentences)} sentences, {n_chars:,} characters from {len(files)} annotated files")
    print(f"{'system':10} {'P':>6} {'R':>6} {'F1':>6} {'chars/s':>12} {'errors':>7}")
    for name in systems:
        r = results[name]
        print(
            f"{name:10} {r['precision']:6.3f} {r['recall']:6.3f} {r['f1']:6.3f}"
            f" {r['chars_per_second']:12,} {r['errors']:7}"
        )
    if "ratio" in results:
        print(
            f"unionnlp / jionlp: F1 x{results['ratio']['f1']}, speed x{results['ratio']['speed']}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
