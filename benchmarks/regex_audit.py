"""How slow can a shipped pattern be made, on the scans that run without a time budget?

``unionnlp.errors.regex_timeout`` leaves ``regex``'s time budget (and its clock
read at every try) out of two kinds of scan:

- any pattern on at most ``UNTIMED_CHARS`` characters;
- a bounded pattern (no repetition without an upper count, see
  ``unionnlp._regex_bounds``) on at most ``UNTIMED_BOUNDED_CHARS``.

This audit feeds every shipped pattern the inputs that make backtracking
patterns slow (one character, a pair or a word of the pattern's own repeated,
random strings of its characters) and reports the worst time found:

- for unbounded patterns, on ``UNTIMED_CHARS`` characters;
- for bounded ones, per character on ``--length`` characters, scaled to
  ``UNTIMED_BOUNDED_CHARS`` (a bounded pattern's time grows with the text
  alone; the growth from a quarter of ``--length`` is shown too).

Each is set against the smallest budget a timed scan would get
(``SCAN_SECONDS``). It exits 1 when the worst case comes within ``--margin``
times of it. Run it after changing a pattern::

    make regex-audit     # or: .venv/bin/python benchmarks/regex_audit.py
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import regex

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from unionnlp import errors
from unionnlp._regex_bounds import bounded, hostile_inputs, shipped_patterns


def _cost(pattern: regex.Pattern[str], text: str) -> float:
    """The best of two full ``finditer`` scans, in seconds."""
    best = float("inf")
    for _ in range(2):
        started = time.perf_counter()
        try:
            for _match in pattern.finditer(text, timeout=30.0):
                pass
        except TimeoutError:
            return 30.0
        best = min(best, time.perf_counter() - started)
    return best


def audit(length: int) -> list[tuple[float, bool, float, str]]:
    """``(worst seconds on its untimed scan, bounded, growth, source)`` per shipped pattern."""
    rows = []
    for pattern in shipped_patterns():
        is_bounded = bounded(pattern)
        n = length if is_bounded else errors.UNTIMED_CHARS
        makers = hostile_inputs(pattern.pattern, n)
        worst = max(makers, key=lambda make: _cost(pattern, make(n)))
        seconds = _cost(pattern, worst(n))
        growth = seconds / max(_cost(pattern, worst(n // 4)), 1e-7)
        if is_bounded:
            seconds *= errors.UNTIMED_BOUNDED_CHARS / n
        rows.append((seconds, is_bounded, growth, pattern.pattern))
    return sorted(rows, reverse=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--length", type=int, default=2000, help="bounded patterns' input length")
    parser.add_argument("--margin", type=float, default=4.0, help="needed budget ÷ worst case")
    parser.add_argument("--top", type=int, default=10, help="rows shown of each kind")
    args = parser.parse_args(argv)

    rows = audit(args.length)
    ok = True
    for kind, scan in ((True, errors.UNTIMED_BOUNDED_CHARS), (False, errors.UNTIMED_CHARS)):
        mine = [r for r in rows if r[1] == kind]
        name = "bounded" if kind else "unbounded"
        print(f"{len(mine)} {name} patterns, worst on an untimed scan of {scan:,} characters:")
        for seconds, _, growth, source in mine[: args.top]:
            shown = source[:70].replace("\n", "\\n")
            print(f"  {seconds * 1000:9.2f} ms  (x{growth:4.1f} from a quarter)  {shown}")
        worst = mine[0][0] if mine else 0.0
        ratio = errors.SCAN_SECONDS / max(worst, 1e-9)
        verdict = "ok" if ratio >= args.margin else "TOO CLOSE"
        print(f"  budget {errors.SCAN_SECONDS:g} s ÷ worst: x{ratio:,.0f} ({verdict})\n")
        ok &= ratio >= args.margin
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
