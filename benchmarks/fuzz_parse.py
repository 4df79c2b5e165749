"""A coverage-guided fuzz target (atheris) for ``unionnlp.parse``.

Run for a while with::

    make fuzz            # or: .venv/bin/python benchmarks/fuzz_parse.py -max_total_time=300

Any input that raises something other than the documented errors is written
by libFuzzer as ``crash-*``; add it to ``tests/cases/fuzz/`` so that
``tests/test_fuzz_regressions.py`` replays it forever.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import atheris  # type: ignore[import-not-found]

with atheris.instrument_imports():
    import unionnlp
    from unionnlp.errors import EmptyInputError, ProcessingTimeout


def test_one_input(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))
    try:
        plans = unionnlp.parse(text)
    except (EmptyInputError, ProcessingTimeout):
        return
    for plan in plans:
        assert plan.span.end <= len(text)
        for section in plan.sections:
            assert section.span.end <= len(text)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
