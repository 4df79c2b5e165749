"""Many files in, one record or one failure record per input out.

:func:`iter_inputs` expands files and folders (recursively, with include and
exclude globs) in a deterministic order; :func:`process_file` turns one path
into a record and never raises for a bad input; :func:`convert` writes the
records of many inputs to a JSON Lines file atomically (a killed run never
leaves a half-written output) and returns a :class:`Summary`.
"""

from __future__ import annotations

import fnmatch
import logging
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError, UnionNLPError
from .export import dump_jsonl, failure_record, plan_record

__all__ = ["Summary", "convert", "iter_inputs", "process_file"]

logger = logging.getLogger(__name__)


def iter_inputs(
    inputs: Sequence[str | Path],
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
) -> Iterator[Path]:
    """Files named in ``inputs`` and, for folders, the files below them (sorted).

    ``include``/``exclude`` are glob patterns matched against file names; a
    path named explicitly is always kept.

    Raises:
        InputError: an input does not exist.
    """
    for item in inputs:
        path = Path(item)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                name = child.name
                if include and not any(fnmatch.fnmatch(name, g) for g in include):
                    continue
                if any(fnmatch.fnmatch(name, g) for g in exclude):
                    continue
                yield child
        elif path.exists() or path.is_symlink():
            yield path
        else:
            raise InputError(f"no such file or folder: {str(path)!r}")


def process_file(path: str | Path) -> dict[str, Any]:
    """Read and parse one file; a failure becomes a failure record, never an exception."""
    from . import parse
    from .readers import read

    stage = "read"
    try:
        source = read(path)
        stage = "parse"
        plans = parse(source.text, source=source)
        return plan_record(source, plans)
    except (UnionNLPError, OSError, ValueError, MemoryError, RecursionError) as err:
        logger.info("failed on %s at %s: %s", path, stage, err)
        return failure_record(str(path), stage, err)


@dataclass
class Summary:
    """What a batch run found: counts of files, plans, sections, measures and failures."""

    files: int = 0
    plans: int = 0
    sections: int = 0
    measures: int = 0
    failures: Counter[str] = field(default_factory=Counter)

    def add(self, record: dict[str, Any]) -> None:
        self.files += 1
        if "failure" in record:
            self.failures[record["failure"]["error"]] += 1
            return
        for doc in record["documents"]:
            self.plans += 1
            self.sections += sum(1 for s in doc["sections"] if s["marker"])
            self.measures += sum(len(s["measures"]) for s in doc["sections"])

    def text(self) -> str:
        failed = sum(self.failures.values())
        lines = [
            f"files: {self.files} ({self.files - failed} converted, {failed} failed)",
            f"plans: {self.plans}, numbered sections: {self.sections}, measures: {self.measures}",
        ]
        for error, count in sorted(self.failures.items()):
            lines.append(f"  failed with {error}: {count}")
        return "\n".join(lines)


def convert(
    inputs: Iterable[Path],
    output: str | Path,
    *,
    on_record: Callable[[dict[str, Any]], None] | None = None,
) -> Summary:
    """Convert every input to a record in the JSON Lines file ``output``.

    The file is written to a temporary name beside ``output`` and renamed when
    complete, so an interrupted run leaves either the old file or the new one.
    """
    output = Path(output)
    if output.suffix.lower() not in (".jsonl", ".json"):
        raise InputError(f"cannot write {str(output)!r}: output kinds supported so far are .jsonl")
    output.parent.mkdir(parents=True, exist_ok=True)
    summary = Summary()
    fd, tmp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".part", dir=output.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            for path in inputs:
                record = process_file(path)
                dump_jsonl(record, stream)
                summary.add(record)
                if on_record is not None:
                    on_record(record)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(tmp, output)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return summary
