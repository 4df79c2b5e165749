"""Mutation testing of the rule-heavy modules: the share of mutants the fast tests kill.

    make mutation                   # a sample of 200 mutants (MUTANTS=N to change it)
    MUTANTS=all make mutation       # every mutant (about 7,000: hours on 2 cores)

mutmut (configured under [tool.mutmut] in pyproject.toml: normalize, structure,
deadlines, parties and themes, with the fast tests of those modules) writes
every mutant into mutants/ and learns which tests reach which function. This
script then runs mutmut on a random sample of the mutants (a fixed seed, so a
rerun tries the same ones; ``--seed`` for another draw), and prints the share
killed and the survivors. A mutant no test reaches counts as a survivor; a
timeout counts as killed (the tests noticed). ``mutmut show NAME`` prints a
survivor's diff.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MUTANTS = ROOT / "mutants"
#: mutmut's exit codes of a mutant's test run (mutmut/stats.py) that count as killed.
KILLED = {1, 3, 24, -24, 36, 152, 255}
NOT_RUN = {None, 2, 34}


def mutmut(*args: str) -> int:
    command = [str(Path(sys.executable).with_name("mutmut")), "run", *args]
    return subprocess.run(command, cwd=ROOT, check=False).returncode


def exit_codes() -> dict[str, int | None]:
    codes: dict[str, int | None] = {}
    for meta in sorted(MUTANTS.rglob("*.py.meta")):
        codes.update(json.loads(meta.read_text(encoding="utf-8"))["exit_code_by_key"])
    return codes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sample", default="200", help="mutants to try, or `all`")
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--max-children", default="2", help="parallel mutant runs")
    parser.add_argument(
        "--report", action="store_true", help="only report the sample's results of the last run"
    )
    args = parser.parse_args()
    rc = 0
    if not args.report:
        # Generate the mutants and the map from tests to functions. The pattern names
        # no mutant, so mutmut stops (with an error) before running any.
        mutmut("--max-children", args.max_children, "unionnlp.no_such_module.*")
        if not exit_codes() or not (MUTANTS / "mutmut-stats.json").is_file():
            print("mutation: mutmut failed before running mutants", file=sys.stderr)
            return 1
    names = sorted(exit_codes())
    if args.sample != "all" and int(args.sample) < len(names):
        names = sorted(random.Random(args.seed).sample(names, int(args.sample)))
    if not args.report:
        print(f"mutation: running {len(names)} of {len(exit_codes())} mutants", flush=True)
        rc = mutmut("--max-children", args.max_children, *names)
    codes = exit_codes()
    tried = {n: codes.get(n) for n in names if codes.get(n) not in NOT_RUN}
    killed = [n for n, code in tried.items() if code in KILLED]
    survived = sorted(n for n, code in tried.items() if code not in KILLED)
    by_module = Counter(n.split(".")[1] for n in tried)
    killed_by_module = Counter(n.split(".")[1] for n in killed)
    print()
    for module, count in sorted(by_module.items()):
        print(f"  {module:10} {killed_by_module[module]}/{count} killed")
    print("survivors (`mutmut show NAME` prints the change):")
    for name in survived:
        print(f"  {name}  [exit {codes.get(name)}]")
    if not tried:
        print("mutation: no mutant was run", file=sys.stderr)
        return 1
    share = len(killed) / len(tried)
    print(f"mutation: {len(killed)} of {len(tried)} mutants killed ({share:.1%}); seed {args.seed}")
    return 0 if rc == 0 else rc


if __name__ == "__main__":
    sys.exit(main())
