"""Where ``parse`` without themes spends its instructions, by shared object.

Runs the parse over two corpus sizes under ``valgrind --tool=callgrind`` and
subtracts the smaller run from the larger, so start-up, imports and lazy loads
cancel out. Then it sums each shared object's own instructions (the Python
interpreter, the ``regex`` engine, OpenCC, numpy …).

Callgrind counts instructions, not seconds. The count repeats for the same
binary and input, whatever else the machine is doing. The share of the
``regex`` engine bounds what any amount of Python-level tuning can gain.

Needs valgrind (Debian's ``valgrind``). Takes a few minutes; ``make
instructions`` runs it.
"""

from __future__ import annotations

import argparse
import collections
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = """
import sys
sys.path.insert(0, {root!r}); sys.path.insert(0, {bench!r})
from bench import build_corpus
from unionnlp.pipeline import Pipeline
texts = build_corpus({size}, seed=11)
full = Pipeline.default()
no_themes = Pipeline(full.normalizer, full.structure, stages=full.stages[:2])
for text in texts[:50]:  # lazy loads happen here, in both runs alike
    no_themes.parse(text)
for text in texts:
    no_themes.parse(text)
"""

_NAME = re.compile(r"^c?ob=\((\d+)\)(?: (.+))?$")


def self_cost_by_object(path: Path) -> collections.Counter[str]:
    """Each shared object's own instructions in a callgrind output file."""
    names: dict[str, str] = {}
    cost: collections.Counter[str] = collections.Counter()
    current: str | None = None
    after_call = False
    with path.open(errors="replace") as lines:
        for line in lines:
            m = _NAME.match(line.rstrip("\n"))
            if m:
                number, name = m.groups()
                if name:
                    names[number] = name
                if line.startswith("ob="):
                    current = names.get(number, number)
                continue
            if line.startswith("calls="):
                after_call = True  # the next cost line is the call's inclusive cost
                continue
            if line[:1].isdigit() or line[:1] in "+-*":
                if after_call:
                    after_call = False
                    continue
                parts = line.split()
                if len(parts) >= 2 and current is not None:
                    cost[current] += int(parts[1])
    return cost


def run(size: int, out: Path) -> None:
    code = CHILD.format(root=str(ROOT), bench=str(ROOT / "benchmarks"), size=size)
    subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", sys.executable, "-c", code],
        check=True,
        capture_output=True,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kilobytes", type=int, nargs=2, default=(300, 900), metavar=("A", "B"))
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not installed: apt-get install valgrind", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as tmp:
        small, large = (Path(tmp) / f"{k}.out" for k in args.kilobytes)
        run(args.kilobytes[0] * 1000, small)
        run(args.kilobytes[1] * 1000, large)
        a, b = self_cost_by_object(small), self_cost_by_object(large)
    diff = {name: b[name] - a[name] for name in a.keys() | b.keys()}
    total = sum(diff.values())
    kb = args.kilobytes[1] - args.kilobytes[0]
    print(f"parse without themes, {kb} kB more text: {total / 1e6:.0f} M instructions")
    for name, n in sorted(diff.items(), key=lambda kv: -kv[1])[:8]:
        print(f"{n / total * 100:6.1f} %  {Path(name).name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
