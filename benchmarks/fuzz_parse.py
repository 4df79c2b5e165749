"""A coverage-guided fuzz target (atheris) for ``unionnlp.parse``.

Run for a while with::

    make fuzz            # or: .venv/bin/python benchmarks/fuzz_parse.py -max_total_time=300

Any input that raises something other than the documented errors is written
by libFuzzer as ``crash-*`` (its raw bytes) and by this target as
``found-<sha1>.txt`` (the text that was parsed, UTF-8); a text that ran out of
its time budget is kept as ``timeout-<sha1>.txt`` and the run goes on. Copy the
``.txt`` to ``tests/cases/fuzz/`` with a line in its NOTES.md, so that
``tests/test_fuzz_regressions.py`` replays it forever (a timeout there fails).
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import atheris  # type: ignore[import-not-found]

with atheris.instrument_imports():
    import unionnlp
    from unionnlp.errors import EmptyInputError, ProcessingTimeout


def _keep(prefix: str, text: str) -> None:
    digest = hashlib.sha1(text.encode("utf-8")).hexdigest()
    Path(f"{prefix}-{digest}.txt").write_text(text, encoding="utf-8")


def test_one_input(data: bytes) -> None:
    text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))
    try:
        _check(text)
    except ProcessingTimeout:
        _keep("timeout", text)
    except BaseException:
        _keep("found", text)
        raise


def _check(text: str) -> None:
    try:
        plans = unionnlp.parse(text)
    except EmptyInputError:
        return
    for plan in plans:
        if any(w.code == "stage-timeout" for w in plan.warnings):
            _keep("timeout", text)
    for plan in plans:
        assert plan.span.end <= len(text)
        for section in plan.sections:
            assert section.span.end <= len(text)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
