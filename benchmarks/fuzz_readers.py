"""A coverage-guided fuzz target (atheris) for the readers: ``unionnlp.parse_file`` on
generated files of every format read without LibreOffice.

Run for a while with::

    make fuzz-readers    # or: .venv/bin/python benchmarks/fuzz_readers.py -max_total_time=300

The first byte of an input picks the extension (.txt, .html, .docx, .pdf), the
rest is the file. Anything but a :class:`~unionnlp.errors.UnionNLPError` is a
crash, written by libFuzzer as ``crash-*``; copy it to
``tests/cases/fuzz/readers/`` with the extension it was read as (the first
byte modulo 4 indexes :data:`EXTENSIONS`; drop that byte), so that
``tests/test_fuzz_regressions.py`` replays it forever. (.doc, .wps, .rtf and
.odt go through LibreOffice, seconds a file: ``tests/test_readers_fuzz.py``
covers them with a few examples.)
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import atheris  # type: ignore[import-not-found]

with atheris.instrument_imports():
    import unionnlp
    from unionnlp.errors import UnionNLPError

EXTENSIONS = (".txt", ".html", ".docx", ".pdf")
_FOLDER = Path(tempfile.mkdtemp(prefix="unionnlp-fuzz-readers-"))
atexit.register(shutil.rmtree, _FOLDER, True)


def test_one_input(data: bytes) -> None:
    if not data:
        return
    path = _FOLDER / f"input{EXTENSIONS[data[0] % len(EXTENSIONS)]}"
    path.write_bytes(data[1:])
    try:
        plans = unionnlp.parse_file(path)
    except UnionNLPError:
        return
    for plan in plans:
        assert plan.source is not None
        assert plan.span.end <= len(plan.source.text)
        for section in plan.sections:
            assert section.span.end <= len(plan.source.text)


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
