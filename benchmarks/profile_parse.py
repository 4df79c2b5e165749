"""Where ``parse`` spends its time: a pyinstrument profile over the benchmark corpus.

Builds the same corpus as ``bench.py`` (smaller by default), parses all of
it once so that every lazy load happens, then profiles a second pass and
writes an HTML call tree (``--html``) besides printing the text one. Run
with ``make profile``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench import build_corpus  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megabytes", type=float, default=2.0, help="size of the corpus")
    parser.add_argument("--html", help="also write the call tree as HTML here")
    args = parser.parse_args(argv)
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("pyinstrument is not installed: pip install 'unionnlp[bench]'", file=sys.stderr)
        return 2
    from unionnlp.pipeline import Pipeline

    texts = build_corpus(int(args.megabytes * 1e6))
    pipeline = Pipeline.default()
    for text in texts:  # lazy loads (some only on rare input) happen here, not in the profile
        pipeline.parse(text)
    profiler = Profiler(interval=0.0005)
    with profiler:
        for text in texts:
            pipeline.parse(text)
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html:
        Path(args.html).write_text(profiler.output_html(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
