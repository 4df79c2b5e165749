"""Loading plans and their metadata into a :class:`~unionnlp.compare.corpus.Corpus`.

:func:`load_corpus` reads ``unionnlp convert``/``parse`` output (JSON Lines
records, or the Parquet, SQLite and Excel tables of ``convert``), plan files,
folders of them, or :class:`~unionnlp.model.Plan` objects; a manifest CSV
(:func:`read_manifest`) overrides what is inferred, matched on the source
path; ``unit_type`` is inferred from the unit name when nobody gives it
(:func:`infer_unit_type`).
"""

from __future__ import annotations

import csv
import json
import logging
import math
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import closing, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError, UnionNLPError
from ..model import Plan, Section, Source, ThemeScore
from .corpus import (
    MANIFEST_COLUMNS,
    UNKNOWN,
    Corpus,
    PlansLike,
    _lexicon,
    _require,
)

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["infer_unit_type", "load_corpus", "read_manifest"]

logger = logging.getLogger(__name__)


def infer_unit_type(unit: str | None, title: str | None = None) -> str:
    """The kind of union body a unit name names, ``"unknown"`` when none is recognised.

    The unit name decides; the plan title is consulted only when the unit
    says nothing (keywords in ``data/compare.toml``).

    示例: ``infer_unit_type("校工会") == "school"``,
    ``infer_unit_type("区总工会") == "federation"``,
    ``infer_unit_type(None, "县人民医院工会2023年工作计划") == "hospital"``.
    """
    for name in (unit, title):
        if not name:
            continue
        for keyword, kind in _lexicon().unit_types:
            if keyword in name:
                return kind
    return UNKNOWN


# -- manifests ----------------------------------------------------------------


class _Manifest:
    """Manifest rows indexed by path (resolved, and as written) and by file name."""

    def __init__(self, path: Path, rows: Sequence[dict[str, str]]) -> None:
        self.path = path
        self.by_key: dict[str, list[int]] = {}
        self.by_name: dict[str, list[int]] = {}
        self.rows = tuple(rows)
        self.used: set[int] = set()
        for n, row in enumerate(self.rows):
            if not row.get("path"):
                continue
            for key in _path_keys(row["path"], path.parent):
                self.by_key.setdefault(key, []).append(n)
            self.by_name.setdefault(Path(row["path"]).name, []).append(n)

    def values(self, source_path: str | None, index: int) -> dict[str, str]:
        """The merged manifest values for plan ``index`` of the file at ``source_path``."""
        if not source_path:
            return {}
        found = {n for key in _path_keys(source_path, Path.cwd()) for n in self.by_key.get(key, ())}
        if not found:  # the longest matching tail of the path (`dev/a.txt`, then `a.txt`)
            parts = Path(source_path).parts
            tails: dict[int, set[int]] = {}
            for n in self.by_name.get(Path(source_path).name, ()):
                row_parts = Path(self.rows[n]["path"]).parts
                if len(row_parts) <= len(parts) and parts[-len(row_parts) :] == row_parts:
                    tails.setdefault(len(row_parts), set()).add(n)
            found = tails[max(tails)] if tails else set()
        chosen = [n for n in sorted(found) if not self.rows[n].get("plan")]
        # A row with `plan` applies to that plan only, and wins over a row for the whole file.
        chosen += [n for n in sorted(found) if self.rows[n].get("plan") == str(index)]
        merged: dict[str, str] = {}
        for n in chosen:
            self.used.add(n)
            merged.update(
                {k: v for k, v in self.rows[n].items() if v and k not in ("path", "plan")}
            )
        return merged


def read_manifest(path: str | Path) -> list[dict[str, str]]:
    """The rows of a manifest CSV (UTF-8, with or without BOM), values stripped.

    Columns: ``path`` (required; relative paths are relative to the manifest's
    folder), ``unit``, ``unit_type``, ``region``, ``year``; ``plan`` (a plan
    index, 0-based) limits a row to one plan of a file; any further column
    becomes a metadata column. Empty cells override nothing. Years are read
    as people write them (``2023``, ``2023年``, ``二〇二三年``,
    ``2023-2024学年``) and given as digits; a year cell that is not a year is
    logged as a warning naming its line and emptied.

    Raises:
        InputError: the file cannot be read, lacks a ``path`` column, or a
            ``plan`` cell is not a whole number.
    """
    from .._numerals import YearReader

    target = Path(path)
    try:
        with target.open(encoding="utf-8-sig", newline="") as stream:
            reader = csv.DictReader(stream)
            fields = [f.strip() for f in reader.fieldnames or []]
            rows = [
                {(k or "").strip(): (v or "").strip() for k, v in row.items() if k is not None}
                for row in reader
            ]
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read the manifest {str(target)!r}: {err}") from err
    if "path" not in fields:
        raise InputError(
            f"the manifest {str(target)!r} has no 'path' column (found: {', '.join(fields)});"
            f" expected columns {', '.join(MANIFEST_COLUMNS)}"
        )
    read_year = YearReader()
    for n, row in enumerate(rows, start=2):
        plan = row.get("plan", "")
        if plan and not plan.isdigit():
            raise InputError(
                f"the manifest {str(target)!r}, line {n}: plan must be a whole number (a plan"
                f" index from 0), found {plan!r}"
            )
        written = row.get("year", "")
        if written:
            row["year"] = read_year.manifest_cell(written, str(target), n, logger)
    return rows


def _path_keys(path: str, base: Path) -> set[str]:
    keys = {Path(path).as_posix()}
    for root in (base, Path.cwd()):
        with suppress(OSError):  # an unresolvable path keeps its text key only
            keys.add(str((root / path).resolve()))
    return keys


# -- loading ------------------------------------------------------------------

_SOURCE_SKIP = {".md", ".markdown"}


def _plans_from_jsonl(
    path: Path, failures: list[tuple[str, str]]
) -> Iterator[tuple[Plan, dict[str, Any]]]:
    try:
        with path.open(encoding="utf-8") as stream:
            lines = list(enumerate(stream, start=1))
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read {str(path)!r}: {err}") from err
    for n, line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as err:
            raise InputError(
                f"{str(path)!r}, line {n}: not a JSON record ({err.msg}); expected the output"
                " of `unionnlp convert` or `unionnlp parse --format json`"
            ) from err
        if not isinstance(record, dict):
            raise InputError(f"{str(path)!r}, line {n}: expected a JSON object")
        src = record.get("source") or {}
        if "failure" in record:
            failure = record["failure"]
            failures.append(
                (str(src.get("path")), f"{failure.get('stage')}: {failure.get('message')}")
            )
            continue
        if "documents" not in record:
            raise InputError(f"{str(path)!r}, line {n}: a record without 'documents'")
        source = Source.from_dict(src)
        extra = record.get("metadata") or {}
        for doc in record["documents"]:
            try:
                plan = Plan.from_dict(doc, source=source)
            except (KeyError, TypeError, ValueError) as err:
                raise InputError(f"{str(path)!r}, line {n}: a malformed plan ({err})") from err
            yield plan, dict(extra)


def _plans_from_file(path: Path, failures: list[tuple[str, str]]) -> list[Plan]:
    from .. import parse
    from ..readers import read

    try:
        source = read(path)
        return parse(source.text, source=source)
    except (UnionNLPError, OSError) as err:
        logger.info("cannot parse %s: %s", path, err)
        failures.append((str(path), str(err)))
        return []


#: the tables of ``unionnlp convert`` that :func:`_plans_from_tables` rebuilds plans from
_PLAN_TABLES = ("plans", "sections", "measures", "deadlines", "parties", "failures")
_TABLE_KINDS = ".parquet folder, .sqlite, .xlsx"


def _parquet_tables(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The tables of a ``convert -o X.parquet`` folder (``plans.parquet``, …) or of a
    ``convert --dask`` folder (``plans/part-00000.parquet``, …: the parts are read in order)."""
    _require("pandas", "pyarrow")
    import pandas as pd

    tables: dict[str, list[dict[str, Any]]] = {}
    for name in _PLAN_TABLES:
        single, parts = path / f"{name}.parquet", path / name
        files = [single] if single.is_file() else sorted(parts.glob("*.parquet"))
        frames = [pd.read_parquet(f) for f in files]
        # a partition without rows has no columns either
        tables[name] = [row for frame in frames if len(frame.columns) for row in _rows(frame)]
    return tables


def _sqlite_tables(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The tables of a ``convert -o X.sqlite`` database."""
    import sqlite3

    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            db.row_factory = sqlite3.Row
            names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            return {
                name: [dict(row) for row in db.execute(f'SELECT * FROM "{name}"')]
                for name in _PLAN_TABLES
                if name in names
            }
    except sqlite3.DatabaseError as err:
        raise InputError(
            f"cannot read {str(path)!r} as SQLite ({err}); expected the output of"
            " `unionnlp convert -o X.sqlite`"
        ) from err


def _xlsx_tables(path: Path) -> dict[str, list[dict[str, Any]]]:
    """The table sheets of a ``convert -o X.xlsx`` workbook (the flat sheet is not needed)."""
    _require("pandas", "openpyxl")
    import pandas as pd

    try:
        sheets = pd.read_excel(path, sheet_name=None)
    except (OSError, ValueError, KeyError) as err:
        raise InputError(
            f"cannot read {str(path)!r} as an Excel workbook ({err}); expected the output of"
            " `unionnlp convert -o X.xlsx`"
        ) from err
    return {name: _rows(sheets[name]) for name in _PLAN_TABLES if name in sheets}


def _rows(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict("records")]


def _cell(v: Any) -> Any:
    """A table cell as a plain value: empty cells (NaN, None) are ``None``."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return v.item() if hasattr(v, "item") else v


def _text_cell(v: Any) -> str:
    value = _cell(v)
    return "" if value is None else str(value)


def _id_cell(v: Any) -> str | None:
    """A section id as written (``"1.2"``), whether the table kept it as text or a number."""
    value = _cell(v)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def _plans_from_tables(
    path: Path, tables: Mapping[str, list[dict[str, Any]]], failures: list[tuple[str, str]]
) -> Iterator[tuple[Plan, dict[str, Any]]]:
    """Plans rebuilt from the tables of ``unionnlp convert`` (Parquet, SQLite or Excel).

    The tables keep what the comparison needs: titles, units, years, sections
    with levels and themes, measures with their deadlines, parties and themes,
    and every span; not the plans' warnings nor the source text.
    """
    from ..model import Deadline, Measure, Party, Span

    plans = [r for r in tables.get("plans", ()) if _cell(r.get("plan")) is not None]
    if not plans and not tables.get("failures"):
        raise InputError(
            f"{str(path)!r} holds no plans table; expected an output of `unionnlp convert`"
            f" ({_TABLE_KINDS} or .jsonl)"
        )
    for row in tables.get("failures", ()):
        failures.append(
            (_text_cell(row.get("path")), f"{_cell(row.get('stage'))}: {_cell(row.get('message'))}")
        )

    def plan_key(row: Mapping[str, Any]) -> tuple[str, int]:
        return _text_cell(row.get("path")), int(row["plan"])

    def themes(cell: Any) -> tuple[ThemeScore, ...]:
        labels = [x for x in _text_cell(cell).split(";") if x]
        return tuple(ThemeScore(lab, 1.0 - i / 10) for i, lab in enumerate(labels))

    def span(row: Mapping[str, Any]) -> Span:
        return Span(int(_cell(row.get("start")) or 0), int(_cell(row.get("end")) or 0))

    by_measure: dict[str, dict[tuple[Any, ...], list[dict[str, Any]]]] = {}
    for name in ("deadlines", "parties"):
        grouped = by_measure.setdefault(name, {})
        for row in tables.get(name, ()):
            at = (*plan_key(row), _id_cell(row.get("section")), int(row["measure"]))
            grouped.setdefault(at, []).append(row)
    measures: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in tables.get("measures", ()):
        measures.setdefault((*plan_key(row), _id_cell(row.get("section"))), []).append(row)
    sections: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for row in tables.get("sections", ()):
        sections.setdefault(plan_key(row), []).append(row)
    for prow in plans:
        key = plan_key(prow)
        secs = []
        for s in sections.get(key, []):
            sid = _id_cell(s.get("section"))
            ms = []
            for m in sorted(measures.get((*key, sid), []), key=lambda r: int(r["measure"])):
                mkey = (*key, sid, int(m["measure"]))
                ms.append(
                    Measure(
                        text=_text_cell(m.get("text")),
                        span=span(m),
                        deadlines=tuple(
                            Deadline(
                                text=_text_cell(d.get("text")),
                                span=span(d),
                                kind=_cell(d.get("kind")) or "by",
                                value=_cell(d.get("value")),
                                rrule=_cell(d.get("rrule")),
                                rule=_text_cell(d.get("rule")),
                            )
                            for d in by_measure["deadlines"].get(mkey, [])
                        ),
                        parties=tuple(
                            Party(
                                name=_text_cell(p.get("name")),
                                span=span(p),
                                role=_cell(p.get("role")) or "lead",
                                canonical=_cell(p.get("canonical")),
                                implicit=bool(_cell(p.get("implicit"))),
                            )
                            for p in by_measure["parties"].get(mkey, [])
                        ),
                        themes=themes(m.get("themes")),
                    )
                )
            where = span(s)
            secs.append(
                Section(
                    id=sid or "",
                    parent=_id_cell(s.get("parent")),
                    level=int(s["level"]),
                    marker=_text_cell(s.get("marker")),
                    number=None,
                    title=_text_cell(s.get("title")),
                    span=where,
                    title_span=where,
                    marker_span=Span(where.start, where.start),
                    themes=themes(s.get("themes")),
                    measures=tuple(ms),
                )
            )
        year = _cell(prow.get("year"))
        plan = Plan(
            index=key[1],
            span=span(prow),
            title=_cell(prow.get("title")),
            unit=_cell(prow.get("unit")),
            year=int(year) if year is not None else None,
            period=_cell(prow.get("period")),
            script=_cell(prow.get("script")) or "unknown",
            sections=tuple(secs),
            source=Source(text="", path=key[0], sha256=_text_cell(prow.get("sha256"))),
        )
        extra = {k: _cell(prow.get(k)) for k in ("unit_type", "region") if _cell(prow.get(k))}
        yield plan, extra


def _is_table_folder(path: Path) -> bool:
    return (path / "plans.parquet").is_file() or any((path / "plans").glob("*.parquet"))


_FLAT_CSV = (
    "{path!r} is a CSV file. `unionnlp compare` needs the plans' structure (sections,"
    " measures, deadlines, parties), which the flat measures table of `convert -o X.csv` does"
    " not keep (and a manifest goes after --manifest). Convert again with -o plans.jsonl (or"
    " .parquet, .sqlite, .xlsx) and compare that."
)


def _expand(
    item: str | os.PathLike[str], failures: list[tuple[str, str]]
) -> Iterator[tuple[Plan, dict[str, Any]]]:
    path = Path(item)
    if not path.exists():
        raise InputError(f"no such file or folder: {str(path)!r}")
    suffix = path.suffix.lower()
    if path.is_dir() and _is_table_folder(path):
        yield from _plans_from_tables(path, _parquet_tables(path), failures)
        return
    if path.is_dir():
        from ..readers import SUPPORTED

        for child in sorted(p for p in path.rglob("*") if p.is_file()):
            child_suffix = child.suffix.lower()
            if child_suffix == ".jsonl":
                yield from _plans_from_jsonl(child, failures)
            elif child_suffix in SUPPORTED and child_suffix not in _SOURCE_SKIP:
                yield from ((p, {}) for p in _plans_from_file(child, failures))
        return
    if suffix in (".jsonl", ".ndjson"):
        yield from _plans_from_jsonl(path, failures)
    elif suffix in (".sqlite", ".sqlite3", ".db"):
        yield from _plans_from_tables(path, _sqlite_tables(path), failures)
    elif suffix in (".xlsx", ".xlsm"):
        yield from _plans_from_tables(path, _xlsx_tables(path), failures)
    elif suffix == ".csv":
        raise InputError(_FLAT_CSV.format(path=str(path)))
    elif suffix == ".parquet":
        raise InputError(
            f"{str(path)!r} is a single Parquet file; pass the folder `unionnlp convert -o"
            " X.parquet` wrote (it holds plans.parquet, sections.parquet, …)"
        )
    else:
        yield from ((p, {}) for p in _plans_from_file(path, failures))


def load_corpus(inputs: PlansLike, *, manifest: str | Path | None = None) -> Corpus:
    """Gather plans and their metadata into a :class:`Corpus`.

    Args:
        inputs: a :class:`Corpus`, a :class:`~unionnlp.model.Plan`, a path, or
            an iterable of plans and paths. A path may name a JSON Lines file
            of ``unionnlp convert`` / ``parse --format json`` records, the
            tables ``convert`` writes (a ``-o X.parquet`` folder, a ``--dask``
            folder of partitioned Parquet, ``-o X.sqlite``, ``-o X.xlsx``), a
            plan file (parsed), or a folder (its ``.jsonl`` files are read and
            its plan files parsed; Markdown files are skipped unless named).
            The flat ``-o X.csv`` table does not hold the plans and is refused
            with a message naming the outputs to use instead.
        manifest: a manifest CSV overriding the inferred metadata
            (:func:`read_manifest`).

    Records' ``metadata`` (written by ``convert --manifest``) is kept;
    the manifest given here overrides it; ``unit_type`` is inferred last
    (:func:`infer_unit_type`) when still unknown. Files that cannot be read are
    listed in ``corpus.failures``.

    Raises:
        InputError: a path does not exist, a file is not a record file, the
            manifest is invalid, or no plan was found.

    示例: ``load_corpus(["build/corpus.jsonl"], manifest="units.csv")``.
    """
    failures: list[tuple[str, str]] = []
    pairs: list[tuple[Plan, dict[str, Any]]] = []
    if isinstance(inputs, Corpus):
        pairs = [(p, dict(m)) for p, m in zip(inputs.plans, inputs.metadata, strict=True)]
        failures = list(inputs.failures)
    else:
        items: Iterable[Plan | str | os.PathLike[str]]
        items = [inputs] if isinstance(inputs, Plan | str | os.PathLike) else inputs
        for item in items:
            if isinstance(item, Plan):
                pairs.append((item, {}))
            elif isinstance(item, str | os.PathLike):
                pairs.extend(_expand(item, failures))
            else:
                raise InputError(
                    "load_corpus() expects plans, paths or a Corpus, received"
                    f" {type(item).__name__}"
                )
    if not pairs:
        detail = ""
        if failures:
            reasons = "; ".join(f"{path}: {message}" for path, message in failures[:3])
            more = f" (and {len(failures) - 3} more)" if len(failures) > 3 else ""
            s = "s" if len(failures) > 1 else ""
            detail = f"; {len(failures)} input{s} failed: {reasons}{more}"
        raise InputError(f"no plans found in the inputs given{detail}")
    table = _Manifest(Path(manifest), read_manifest(manifest)) if manifest else None
    metadata = _metadata(pairs, table, keep_ids=isinstance(inputs, Corpus))
    if table is not None and len(table.used) < len(table.rows):
        unused = [r.get("path", "") for n, r in enumerate(table.rows) if n not in table.used]
        logger.warning(
            "%d manifest rows match no plan (first: %s)", len(unused), ", ".join(unused[:3])
        )
    return Corpus([p for p, _ in pairs], metadata, failures=failures)


def _metadata(
    pairs: Sequence[tuple[Plan, dict[str, Any]]], manifest: _Manifest | None, *, keep_ids: bool
) -> list[dict[str, Any]]:
    per_path = Counter(p.source.path if p.source else None for p, _ in pairs)
    rows: list[dict[str, Any]] = []
    for n, (plan, extra) in enumerate(pairs):
        path = plan.source.path if plan.source else None
        row: dict[str, Any] = {
            "doc_id": None,
            "path": path,
            "plan": plan.index,
            "title": plan.title,
            "unit": plan.unit,
            "unit_type": None,
            "region": None,
            "year": plan.year,
        }
        row.update({k: v for k, v in extra.items() if v not in (None, "")})
        if manifest is not None:
            row.update(manifest.values(path, plan.index))
        year = str(row.get("year") or "").strip()
        row["year"] = int(year) if year.isdigit() else None
        if not row.get("unit_type") or row["unit_type"] == UNKNOWN:
            row["unit_type"] = infer_unit_type(row.get("unit"), row.get("title"))
        if not keep_ids or not row.get("doc_id"):
            if path:
                stem = Path(path).stem
                row["doc_id"] = stem if per_path[path] == 1 else f"{stem}#{plan.index + 1}"
            else:
                row["doc_id"] = f"plan{n + 1}"
        rows.append(row)
    seen: Counter[str] = Counter()
    for row in rows:  # two files with one name in different folders
        seen[row["doc_id"]] += 1
        if seen[row["doc_id"]] > 1:
            row["doc_id"] = f"{row['doc_id']}~{seen[row['doc_id']]}"
    return rows


def _corpus(data: PlansLike) -> Corpus:
    return data if isinstance(data, Corpus) else load_corpus(data)
