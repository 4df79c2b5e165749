"""Many files in, one record or one failure record per input out.

- :func:`iter_inputs` expands files and folders (recursively, include and
  exclude globs) in a deterministic order.
- :func:`process_file` turns one path into a record and never raises for a
  bad input: it returns a failure record (path, stage, error type, message).
- :func:`convert` runs :func:`process_file` over many inputs, in worker
  processes (models and dictionaries load once per worker), journals every
  record durably as it arrives (so ``resume=True`` after a kill skips what is
  done, by content hash), and finally writes the output atomically (a
  temporary file renamed into place) in the kind its extension names:
  ``.jsonl`` (the records), ``.parquet`` (a folder of tables: plans,
  sections, measures, deadlines, parties, failures), ``.csv`` (a flat
  measures table), ``.xlsx`` (the measures table plus one sheet per table),
  ``.sqlite`` (the tables). Record order follows input order.
- :func:`convert_dask` runs the same per-file function on a Dask cluster and
  writes partitioned Parquet.
"""

from __future__ import annotations

import csv
import fnmatch
import hashlib
import itertools
import json
import logging
import os
import signal
import sys
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TextIO

from .batch_tables import _atomic, _check_writer, _write, tables_from_records
from .errors import InputError, UnionNLPError, WorkerCrash
from .export import failure_record, jsonl_line, plan_record

if TYPE_CHECKING:
    from .readers.libreoffice import Handout

__all__ = [
    "OUTPUT_KINDS",
    "Progress",
    "Summary",
    "convert",
    "convert_dask",
    "iter_inputs",
    "load_manifest",
    "process_file",
    "tables_from_records",
]

logger = logging.getLogger(__name__)

#: output kinds by extension
OUTPUT_KINDS = (".jsonl", ".parquet", ".csv", ".xlsx", ".sqlite")
_JOURNAL_SUFFIX = ".journal"
MANIFEST_COLUMNS = ("path", "unit", "unit_type", "region", "year")


def iter_inputs(
    inputs: Sequence[str | Path],
    *,
    include: Sequence[str] = (),
    exclude: Sequence[str] = (),
    unhandled: list[Path] | None = None,
) -> Iterator[Path]:
    """Files named in ``inputs`` and, for folders, the files below them (sorted).

    ``include``/``exclude`` are glob patterns matched against file names; a
    path named explicitly is always kept (and fails in :func:`process_file`
    when no reader handles it). Below a folder, files of a type no reader
    handles (gold ``.json``, ``.csv``, images…) are left out and, when
    ``unhandled`` is given, appended to it.

    Raises:
        InputError: an input does not exist.
    """
    from .readers import SUPPORTED

    for item in inputs:
        path = Path(item)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                name = child.name
                if include and not any(fnmatch.fnmatch(name, g) for g in include):
                    continue
                if any(fnmatch.fnmatch(name, g) for g in exclude):
                    continue
                if child.suffix.lower() not in SUPPORTED:
                    if unhandled is not None:
                        unhandled.append(child)
                    continue
                yield child
        elif path.exists() or path.is_symlink():
            yield path
        else:
            raise InputError(f"no such file or folder: {str(path)!r}")


def _sha256_of(path: Path) -> str | None:
    try:
        digest = hashlib.sha256()
        with path.open("rb") as stream:
            for block in iter(lambda: stream.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()
    except OSError:
        return None


def process_file(
    path: str | Path,
    metadata: dict[str, Any] | None = None,
    *,
    theme_model: str | None = None,
) -> dict[str, Any]:
    """Read and parse one file; a failure becomes a failure record, never an exception.

    ``metadata`` (from a manifest) is stored in the record and overrides what
    was inferred (``unit`` and ``year`` of every plan). ``theme_model`` is a
    model file written by ``unionnlp train`` (default: the shipped one).
    """
    from .pipeline import default_pipeline
    from .readers import read

    parse = default_pipeline(theme_model).parse

    stage = "read"
    try:
        source = read(path)
        stage = "parse"
        plans = parse(source.text, source=source)
        record = plan_record(source, plans)
    except (UnionNLPError, OSError, ValueError, MemoryError, RecursionError) as err:
        logger.info("failed on %s at %s: %s", path, stage, err)
        record = failure_record(str(path), stage, err)
        sha = _sha256_of(Path(path))
        if sha:
            record["source"]["sha256"] = sha
        return record
    if metadata:
        record["metadata"] = {k: v for k, v in metadata.items() if k != "path" and v}
        for doc in record["documents"]:
            if metadata.get("unit"):
                doc["unit"] = metadata["unit"]
            year = str(metadata.get("year") or "")
            if year.isdigit():  # load_manifest reads the year as written; warned there if not
                doc["year"] = int(year)
    return record


def load_manifest(path: str | Path) -> dict[str, dict[str, Any]]:
    """A manifest CSV (path, unit, unit_type, region, year) keyed by resolved path.

    Years are read as people write them (``2023``, ``2023年``, ``二〇二三年``,
    ``2023-2024学年``) and stored as digits; a year cell that is not a year is
    logged as a warning naming its line and left out (the plan keeps the year
    read from its text).

    Raises:
        InputError: the file is missing or lacks a ``path`` column.
    """
    from ._numerals import YearReader

    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as stream:
            rows = list(csv.DictReader(stream))
    except (OSError, UnicodeDecodeError) as err:
        reason = err.strerror if isinstance(err, OSError) else f"not UTF-8 ({err.reason})"
        raise InputError(f"cannot read the manifest {str(path)!r}: {reason}") from err
    if rows and "path" not in rows[0]:
        raise InputError(
            f"the manifest {str(path)!r} needs a 'path' column (columns: "
            f"{', '.join(MANIFEST_COLUMNS)})"
        )
    read_year = YearReader()
    table: dict[str, dict[str, Any]] = {}
    for line, row in enumerate(rows, start=2):
        key = str((path.parent / row["path"]).resolve()) if row.get("path") else ""
        if not key:
            continue
        cells = {k: (v.strip() if isinstance(v, str) else v) for k, v in row.items()}
        written = str(cells.get("year") or "")
        if written:
            cells["year"] = read_year.manifest_cell(written, str(path), line, logger)
        table[key] = cells
    return table


# ---------------------------------------------------------------------------
# summary and progress


@dataclass
class Summary:
    """What a batch run found: counts of files, plans, sections, measures and failures."""

    files: int = 0
    plans: int = 0
    sections: int = 0
    measures: int = 0
    skipped: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    #: files left out of a folder walk because no reader handles them, by extension
    unhandled: Counter[str] = field(default_factory=Counter)

    def add(self, record: dict[str, Any]) -> None:
        self.add_done(_Done.of(record, serialise=False))

    def add_done(self, done: _Done) -> None:
        """Count a converted file by its :class:`_Done` digest."""
        self.files += 1
        if done.failure is not None:
            self.failures[done.failure] += 1
            return
        self.plans += done.plans
        self.sections += done.sections
        self.measures += done.measures

    def text(self) -> str:
        failed = sum(self.failures.values())
        lines = [
            f"files: {self.files} ({self.files - failed} converted, {failed} failed"
            + (f", {self.skipped} already done" if self.skipped else "")
            + ")",
            f"plans: {self.plans}, numbered sections: {self.sections}, measures: {self.measures}",
        ]
        for error, count in sorted(self.failures.items()):
            lines.append(f"  failed with {error}: {count}")
        if self.unhandled:
            n = sum(self.unhandled.values())
            kinds = ", ".join(f"{ext} {count}" for ext, count in sorted(self.unhandled.items()))
            lines.append(
                f"skipped {n} file{'s' if n != 1 else ''} of a type no reader handles ({kinds})"
            )
        return "\n".join(lines)


class Progress:
    """A one-line progress bar on a terminal: counts, rate and ETA (silent otherwise)."""

    def __init__(self, total: int, *, stream: TextIO | None = None, enabled: bool = True) -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and self.stream.isatty()
        self.done = 0
        self.failed = 0
        self.started = time.monotonic()
        self._last = 0.0

    def update(self, *, failed: bool) -> None:
        self.done += 1
        self.failed += failed
        now = time.monotonic()
        if not self.enabled or (now - self._last < 0.2 and self.done < self.total):
            return
        self._last = now
        elapsed = max(now - self.started, 1e-9)
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate else 0.0
        width = 30
        filled = int(width * self.done / self.total) if self.total else width
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(
            f"\r[{bar}] {self.done}/{self.total} files, {self.failed} failed,"
            f" {rate:.1f}/s, ETA {eta:.0f}s "
        )
        self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")
            self.stream.flush()


# ---------------------------------------------------------------------------
# conversion


def _journal_path(output: Path) -> Path:
    return output.with_name(output.name + _JOURNAL_SUFFIX)


def _read_journal(path: Path) -> list[dict[str, Any]]:
    """Complete records of a journal.

    A line cut short by a kill or a full disk is dropped, even when the cut fell
    inside a character: lines are decoded one by one, complete ones only.
    """
    records: list[dict[str, Any]] = []
    if not path.exists():
        return records
    with path.open("rb") as stream:
        for line in stream:
            if not line.endswith(b"\n"):
                break
            try:
                records.append(json.loads(line))
            except (json.JSONDecodeError, UnicodeDecodeError):
                break
    return records


@dataclass(frozen=True, slots=True)
class _Done:
    """A converted file as the parent process handles it: its record as one JSON line
    (serialised in the worker) and the counts the summary and the progress bar need."""

    path: str
    line: bytes  # UTF-8 JSON, newline included
    failure: str | None
    plans: int
    sections: int
    measures: int

    @classmethod
    def of(cls, record: dict[str, Any], *, serialise: bool = True) -> _Done:
        """The digest of ``record`` (its JSON line left empty unless ``serialise``)."""
        failure = record["failure"]["error"] if "failure" in record else None
        documents = record.get("documents", ())
        return cls(
            path=str(record["source"]["path"]),
            line=jsonl_line(record).encode("utf-8") if serialise else b"",
            failure=failure,
            plans=len(documents),
            sections=sum(1 for d in documents for s in d["sections"] if s["marker"]),
            measures=sum(len(s["measures"]) for d in documents for s in d["sections"]),
        )


def _process(job: Job) -> _Done:
    path, metadata, theme_model = job
    return _Done.of(process_file(path, metadata, theme_model=theme_model))


def _warm_worker(theme_model: str | None = None) -> None:
    # Load the pipeline (rules, tables, OpenCC, the theme model) once per worker.
    from .pipeline import default_pipeline

    default_pipeline(theme_model).warm()


_PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h): a signal for when the parent dies
_PARENT_POLL_SECONDS = 1.0


def _init_worker(
    parent: int,
    warm: bool,
    office: bool = False,
    theme_model: str | None = None,
    handout: Handout | None = None,
) -> None:
    """Start of a worker process: die with ``parent``, keep a LibreOffice, load the pipeline.

    The LibreOffice converts the worker's legacy office files for the rest of its
    life and stops when it ends (:func:`.readers.libreoffice.share_for_process`):
    one the parent started for it (taken from ``handout``), else its own, set
    starting first when the run has such files (``office``), so that it starts
    while the pipeline loads (if ``warm``).

    A ``kill -9`` of ``convert`` must not leave its workers running: on Linux
    the kernel kills the worker when the parent dies (``PR_SET_PDEATHSIG``);
    elsewhere a thread watches the parent. Ctrl-C is the parent's to handle:
    the worker ignores SIGINT and is ended by the parent.
    """
    _ignore_interrupts()
    if not _die_with_parent(parent):
        threading.Thread(
            target=_watch_parent, args=(parent,), name="unionnlp-parent-watch", daemon=True
        ).start()
    from .readers.libreoffice import share_for_process

    converter = share_for_process(handout.take() if handout is not None else None)
    if office:
        converter.start()
    if warm:
        _warm_worker(theme_model)


def _die_with_parent(parent: int) -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; whether it was set."""
    if sys.platform != "linux":
        return False
    import ctypes

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return False
    if prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        return False
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)
    return True


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL_SECONDS)
    os._exit(1)


def _is_office_file(job: Job) -> bool:
    from .readers.office import FORMATS

    return Path(job[0]).suffix.lower() in FORMATS


def _chunks(jobs: Sequence[Job], size: int) -> Iterator[list[Job]]:
    """``jobs`` in chunks of up to ``size``, in order; a legacy office file goes alone.

    LibreOffice takes tens of milliseconds over each legacy file, so the pool's
    round trip for a chunk of one costs little next to it, and the worker that is
    free takes the next file: no worker waits at the end on another's last few.
    """
    chunk: list[Job] = []
    for job in jobs:
        if _is_office_file(job):
            if chunk:
                yield chunk
                chunk = []
            yield [job]
            continue
        chunk.append(job)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_SYNC_SECONDS = 1.0  # the journal is flushed after every record, synced at most this often


def convert(
    inputs: Iterable[Path],
    output: str | Path,
    *,
    workers: int = 1,
    resume: bool = False,
    manifest: dict[str, dict[str, Any]] | None = None,
    progress: bool = True,
    on_record: Callable[[dict[str, Any]], None] | None = None,
    theme_model: str | Path | None = None,
) -> Summary:
    """Convert every input to a record and write ``output`` (kind by its extension).

    ``theme_model`` is a model file written by ``unionnlp train`` (default: the
    shipped one); every worker loads it.

    Work is journalled next to the output (``<output>.journal``): every
    record is flushed as it arrives (a killed run loses nothing) and synced to
    disk at least once a second; ``resume=True`` keeps the journalled records
    of unchanged files. Workers serialise their records themselves, so the
    parent process only writes bytes.

    Every file is converted in a worker process, one process for ``workers=1``
    too, so a file that kills its process (a native crash, the OOM killer)
    costs one :class:`WorkerCrash` failure record, not the run. On
    ``KeyboardInterrupt`` the workers are stopped and the journal keeps what
    was done for ``resume=True``.

    Raises:
        InputError: the output kind is not supported, a needed package is
            missing, or ``workers`` is below 1.
    """
    if workers < 1:
        raise InputError(f"workers must be 1 or more (worker processes), got {workers}")
    output = Path(output)
    kind = output.suffix.lower()
    if kind not in OUTPUT_KINDS:
        raise InputError(
            f"cannot write {str(output)!r}: supported outputs are {', '.join(OUTPUT_KINDS)}"
        )
    _check_writer(kind)
    paths = list(inputs)
    output.parent.mkdir(parents=True, exist_ok=True)
    journal = _journal_path(output)
    # Records already done, by (path, content hash): a changed file is done again.
    done: dict[tuple[str, str], dict[str, Any]] = {}
    if resume:
        previous = _read_journal(journal)
        if not previous and kind == ".jsonl":
            previous = _read_journal(output)
        for record in previous:
            sha = record.get("source", {}).get("sha256")
            if sha:
                done[(str(record["source"]["path"]), sha)] = record
    elif journal.exists():
        journal.unlink()
    summary = Summary()
    todo: list[tuple[int, Path]] = []
    for i, path in enumerate(paths):
        sha = _sha256_of(path) if resume else None
        if sha is not None and (str(path), sha) in done:
            summary.skipped += 1
        else:
            todo.append((i, path))
    # Where each path's record sits in the journal, and its counts: memory stays flat
    # in the number of files, and the output is written in input order at the end.
    index: dict[str, tuple[int, _Done]] = {}
    at = written = 0

    def append(stream: BinaryIO, item: _Done) -> None:
        nonlocal at, written
        stream.write(item.line)
        index[item.path] = (at, replace(item, line=b""))
        at += len(item.line)
        written += 1

    # Rewrite the journal with the complete records kept, then append as work arrives.
    with journal.open("wb") as stream:
        for record in done.values():
            append(stream, _Done.of(record))
    bar = Progress(len(todo), enabled=progress)
    model = None if theme_model is None else str(theme_model)
    jobs = [(str(p), (manifest or {}).get(str(Path(p).resolve())), model) for _, p in todo]
    try:
        with journal.open("ab") as stream:
            synced = time.monotonic()
            for item in _run(jobs, workers):
                append(stream, item)
                stream.flush()
                if time.monotonic() - synced >= _SYNC_SECONDS:
                    os.fsync(stream.fileno())
                    synced = time.monotonic()
                bar.update(failed=item.failure is not None)
                if on_record is not None:
                    on_record(json.loads(item.line))
            stream.flush()
            os.fsync(stream.fileno())
    finally:
        bar.close()  # an interruption's message starts on a line of its own
    chosen = [index[str(p)] for p in paths if str(p) in index]
    for _, item in chosen:
        summary.add_done(item)
    offsets = [offset for offset, _ in chosen]
    if kind == ".jsonl" and len(offsets) == written and offsets == sorted(set(offsets)):
        os.replace(journal, output)  # the journal already holds every record, in input order
    elif kind == ".jsonl":
        _copy_lines(journal, output, offsets)
    else:

        def ordered() -> Iterator[dict[str, Any]]:
            with journal.open("rb") as stream:
                for offset, _ in chosen:
                    stream.seek(offset)
                    yield json.loads(stream.readline())

        _write(kind, output, ordered())
    journal.unlink(missing_ok=True)
    return summary


def _copy_lines(journal: Path, output: Path, offsets: Sequence[int]) -> None:
    """Write the journal's lines at ``offsets``, in that order, atomically to ``output``."""
    tmp, commit = _atomic(output)
    try:
        with journal.open("rb") as source, tmp.open("wb") as target:
            for offset in offsets:
                source.seek(offset)
                target.write(source.readline())
            target.flush()
            os.fsync(target.fileno())
        commit()
    finally:
        tmp.unlink(missing_ok=True)


#: a file to convert: its path, its manifest metadata, the theme model to use
Job = tuple[str, dict[str, Any] | None, str | None]


def _process_chunk(jobs: Sequence[Job]) -> list[_Done]:
    return [_process(job) for job in jobs]


def _ignore_interrupts() -> None:
    # A terminal's Ctrl-C goes to the whole process group: the parent stops the workers
    # and says so once, instead of every worker printing a KeyboardInterrupt traceback.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop(pool: Any) -> None:
    """Stop ``pool`` now: cancel what has not started, end the workers' processes."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    # Python 3.11's exit hook wakes the pool's manager thread without its lock; a thread
    # still closing its wake-up pipe then prints an EBADF traceback. Let it finish first.
    manager = getattr(pool, "_executor_manager_thread", None)  # (shutdown forgets it)
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(5)
    if manager is not None:
        manager.join(5)


def _run(jobs: list[Job], workers: int) -> Iterator[_Done]:
    """Convert ``jobs`` in input order in ``workers`` processes (one process for ``workers=1``).

    Files go out a few at a time (fewer round trips for the parent) once there
    are enough that the last chunks cannot leave a worker idle for long, legacy
    office files one at a time (:func:`_chunks`), and only a few chunks are in
    flight at once (memory stays flat). A worker that
    dies (a native crash, the OOM killer) does not stop the run: the files
    that were in flight are redone one at a time, each in a process of its
    own, until the one that kills its process is found; it gets a
    :class:`WorkerCrash` failure record. When the parent is interrupted
    (``KeyboardInterrupt``) the workers are ended at once, not waited for.
    """
    if not jobs:
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    office = any(_is_office_file(job) for job in jobs)
    theme_model = jobs[0][2]  # one model for the whole run
    handout: Handout | None = None
    if sys.platform == "linux":
        if office:
            # One LibreOffice per worker starts first, here, while the pipeline loads
            # here once (below); each forked worker takes one and inherits the pipeline.
            from .readers.libreoffice import Handout

            handout = Handout(workers)
        context, warm = multiprocessing.get_context("fork"), False
    else:
        context, warm = multiprocessing.get_context("spawn"), True
    size = 4 if len(jobs) >= 32 * workers else 1
    window = 4 * workers  # chunks in flight

    def executor(n: int, handout: Handout | None = None) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            n,
            mp_context=context,
            initializer=_init_worker,
            initargs=(os.getpid(), warm, office, theme_model, handout),
        )

    def let_go() -> None:
        # The LibreOffices started here are killed (those whose workers ended are gone);
        # pools made after a crash have workers that start their own.
        nonlocal handout
        if handout is not None:
            handout.close()
            handout = None

    start = 0  # jobs before this one are done
    try:
        if not warm:  # forked workers inherit a pipeline loaded once here
            _warm_worker(theme_model)
        while start < len(jobs):
            pool = executor(workers, handout)
            chunks = _chunks(jobs[start:], size)
            pending: deque[Any] = deque()
            try:
                for chunk in itertools.islice(chunks, window):
                    pending.append(pool.submit(_process_chunk, chunk))
                    if handout is not None:
                        handout.release()  # the first submit forked every worker
                while pending:
                    items = pending.popleft().result()
                    for chunk in itertools.islice(chunks, 1):
                        pending.append(pool.submit(_process_chunk, chunk))
                    for item in items:
                        start += 1
                        yield item
                pool.shutdown(wait=True)
                return
            except BrokenProcessPool:
                logger.warning("a worker process died; finding the file that killed it")
                pool.shutdown(wait=True, cancel_futures=True)
                let_go()
            except BaseException:  # Ctrl-C, or the caller stopped reading: end the workers now
                _stop(pool)
                raise
            for _ in range(min(len(jobs) - start, window * size)):
                single = executor(1)
                try:
                    item = single.submit(_process, jobs[start]).result()
                except BrokenProcessPool:
                    single.shutdown(wait=True, cancel_futures=True)
                    path = jobs[start][0]
                    crash = WorkerCrash(f"the process converting {path!r} died")
                    item = _Done.of(failure_record(path, "parse", crash))
                    start += 1
                    yield item
                    break
                except BaseException:
                    _stop(single)
                    raise
                single.shutdown(wait=True)
                start += 1
                yield item
    finally:
        let_go()


def convert_dask(
    inputs: Iterable[Path],
    output: str | Path,
    *,
    scheduler: str = "local",
    workers: int = 2,
    manifest: dict[str, dict[str, Any]] | None = None,
    partition_size: int = 500,
    theme_model: str | Path | None = None,
) -> Summary:
    """Run :func:`process_file` on a Dask cluster and write partitioned Parquet.

    ``scheduler`` is ``"local"`` (a ``LocalCluster`` of ``workers`` processes)
    or the address of a running scheduler (``tcp://host:8786``). ``output`` is
    a folder; each table gets a sub-folder with one Parquet file per partition
    of ``partition_size`` inputs.

    Raises:
        InputError: ``output`` names a file (``x.jsonl``, an existing file), or
            Dask is not installed.
    """
    import importlib

    out = Path(output)
    suffix = out.suffix.lower()
    if (suffix in OUTPUT_KINDS and suffix != ".parquet") or out.is_file():
        raise InputError(
            f"cannot write {str(out)!r} with Dask: --dask writes a folder of partitioned"
            f" Parquet tables (plans/part-00000.parquet, …); name a folder, for example"
            f" -o {str(out.with_suffix('')) if suffix else str(out) + '_tables'}"
        )

    try:
        distributed: Any = importlib.import_module("dask.distributed")
    except ImportError as err:
        raise InputError("--dask needs dask[distributed]: pip install 'unionnlp[dask]'") from err
    _check_writer(".parquet")
    import pandas as pd

    paths = [str(p) for p in inputs]
    out.mkdir(parents=True, exist_ok=True)
    cluster = None
    if scheduler == "local":
        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True)
        client = distributed.Client(cluster)
    else:
        client = distributed.Client(scheduler)
    summary = Summary()
    try:
        for part, start in enumerate(range(0, len(paths), partition_size)):
            chunk = paths[start : start + partition_size]
            futures = client.map(
                process_file,
                chunk,
                [(manifest or {}).get(str(Path(p).resolve())) for p in chunk],
                theme_model=None if theme_model is None else str(theme_model),
                pure=False,
            )
            records = client.gather(futures)
            for record in records:
                summary.add(record)
            for name, rows in tables_from_records(records).items():
                folder = out / name
                folder.mkdir(exist_ok=True)
                tmp = folder / f".part-{part:05d}.parquet.tmp"
                pd.DataFrame(rows).to_parquet(tmp, index=False)
                os.replace(tmp, folder / f"part-{part:05d}.parquet")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return summary
