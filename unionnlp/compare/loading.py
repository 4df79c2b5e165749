"""Comparing plans across units: themes, concreteness, distinctive terms, similarity.

The input is a :class:`Corpus`: plans with one row of metadata each
(``doc_id``, ``path``, ``plan``, ``title``, ``unit``, ``unit_type``,
``region``, ``year`` and any further manifest columns). :func:`load_corpus`
builds one from ``unionnlp convert``/``parse`` output (JSON Lines records, or
the Parquet, SQLite and Excel tables of ``convert``), from plan files, folders
of them, or :class:`~unionnlp.model.Plan` objects; a manifest CSV (columns
``path, unit, unit_type, region, year``, optionally ``plan`` and more)
overrides what is inferred, matched on the source path.
``unit_type`` is inferred from the unit name when nobody gives it
(:func:`infer_unit_type`: 校工会 -> school, 医院 -> hospital, 公司 -> enterprise,
机关 -> government, 区总工会 -> federation).

Every analysis takes a corpus (or anything :func:`load_corpus` accepts) and
a metadata column to group by, and returns a pandas DataFrame:

- :func:`theme_profile`: share of measures (or level-1 sections) per theme
  per group, by each item's best theme (shares sum to 1 per group), with
  counts and adjusted standardised residuals of the chi-square test of
  independence (:func:`chi_square`, :func:`theme_test`).
- :func:`concreteness`: measures per plan and the share of measures with a
  deadline, an explicit responsible party and a quantitative target
  (``95%``, ``4场``, ``10名``), and the depth of the numbering tree.
- :func:`distinctive_terms`: the words of each group against the rest, by
  weighted log-odds with an informative Dirichlet prior (Monroe, Colaresi and
  Quinn 2008, :func:`log_odds`) or by keyness (log-likelihood G², :func:`keyness`).
- :func:`similarity`, :func:`near_duplicates`, :func:`clusters`: TF-IDF cosine
  between plans, pairs above a threshold (template text), agglomerative
  clusters on ``1 - cosine``.
- :func:`documents_table` (one row per plan for quanteda / KH Coder) and
  :func:`codes_table` (one row per section and measure, one 0/1 column per theme).

:func:`write_report` writes all tables (CSV and Parquet), PNG charts and one
self-contained ``report.html``. Charts need a CJK font (Debian:
``fonts-noto-cjk``); without one they are refused rather than drawn as boxes.

pandas, scipy, scikit-learn and matplotlib are imported on first use
(``pip install 'unionnlp[compare]'``).

示例::

    >>> from unionnlp import compare
    >>> corpus = compare.load_corpus("build/corpus.jsonl")        # doctest: +SKIP
    >>> compare.theme_profile(corpus, by="unit_type")             # doctest: +SKIP
    >>> compare.write_report(corpus, "report/", by="unit_type")   # doctest: +SKIP
"""

from __future__ import annotations

import base64
import csv
import html
import io
import json
import logging
import math
import os
import sys
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager, suppress
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import regex

from .._write import staged_folder
from ..errors import DataFileError, InputError, ProcessingTimeout, UnionNLPError
from ..model import Plan, Section, Source, ThemeScore
from ..resources import load_rules, load_toml

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd
    from matplotlib.figure import Figure

__all__ = [
    "ChiSquare",
    "Corpus",
    "FontInfo",
    "chi_square",
    "clusters",
    "codes_table",
    "concreteness",
    "distinctive_terms",
    "documents_table",
    "find_cjk_font",
    "infer_unit_type",
    "keyness",
    "load_corpus",
    "log_odds",
    "near_duplicates",
    "plan_text",
    "plot_concreteness",
    "plot_similarity",
    "plot_terms",
    "plot_theme_heatmap",
    "quantitative_targets",
    "read_manifest",
    "run_compare",
    "similarity",
    "theme_counts",
    "theme_profile",
    "theme_test",
    "write_report",
]

logger = logging.getLogger(__name__)

DATA_FILE = "compare.toml"
#: metadata columns every corpus has, in this order (manifests may add more)
BASE_COLUMNS = ("doc_id", "path", "plan", "title", "unit", "unit_type", "region", "year")
#: columns a manifest may override (``plan`` selects one plan of a file)
MANIFEST_COLUMNS = ("path", "unit", "unit_type", "region", "year")
UNKNOWN = "unknown"
UNLABELLED = "unlabelled"
_REGEX_TIMEOUT = 2.0

Level = Literal["measures", "sections"]
Tokenizer = Callable[[str], Sequence[str]]


def _require(*modules: str) -> None:
    """Raise a clear error when an optional dependency of the comparison is missing."""
    import importlib.util

    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        raise UnionNLPError(
            f"comparing plans needs {', '.join(missing)}, which is not installed:"
            " pip install 'unionnlp[compare]'"
        )


# ---------------------------------------------------------------------------
# domain knowledge (data/compare.toml), loaded on first use


@dataclass(frozen=True)
class _Lexicon:
    unit_types: tuple[tuple[str, str], ...]  # (keyword, type) in order of precedence
    quantity: tuple[regex.Pattern[str], ...]


@lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    data = load_toml(DATA_FILE)
    pairs: list[tuple[str, str]] = []
    for entry in data.get("unit_type", ()):
        kind = entry.get("type")
        keywords = entry.get("keywords")
        if not isinstance(kind, str) or not isinstance(keywords, list):
            raise DataFileError(DATA_FILE, "each [[unit_type]] needs 'type' and 'keywords'")
        pairs.extend((str(k), kind) for k in keywords)
    rules = load_rules(DATA_FILE, "quantity")
    return _Lexicon(tuple(pairs), tuple(r.pattern for r in rules))


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


def quantitative_targets(text: str) -> list[str]:
    """The quantitative targets written in ``text`` (``95%``, ``4场``, ``10名``, ``2000元``).

    示例: ``quantitative_targets("举办4场讲座，参与率95%") == ["95%", "4场"]``.

    Raises:
        ProcessingTimeout: the scan of a pathological text ran out of time.
    """
    found: list[tuple[int, str]] = []
    try:
        for pattern in _lexicon().quantity:
            found.extend(
                (m.start(), m.group()) for m in pattern.finditer(text, timeout=_REGEX_TIMEOUT)
            )
    except TimeoutError as err:
        raise ProcessingTimeout.during("quantity scan", len(text), _REGEX_TIMEOUT) from err
    return [s for _, s in sorted(found)]


@lru_cache(maxsize=1)
def _theme_names() -> dict[str, str]:
    from ..themes import load_taxonomy

    return {t.label: t.name for t in load_taxonomy()}


# ---------------------------------------------------------------------------
# the corpus


def plan_text(plan: Plan) -> str:
    """The normalised text of a plan: its title, then every section's measures or heading.

    This is the text the comparisons read (simplified script, boilerplate
    removed), rebuilt from the plan so that it works on plans loaded from JSON
    Lines, which carry no source text.

    示例: ``plan_text(unionnlp.parse("工会工作计划\\n一、加强学习")[0])``
    gives ``"工会工作计划\\n一、加强学习"``.
    """
    parts: list[str] = [plan.title] if plan.title else []
    for sec in plan.sections:
        heading = f"{sec.marker}{sec.title}"
        if sec.measures:
            first = sec.measures[0].text
            if heading.strip() and not first.startswith(heading[: max(1, len(sec.marker))]):
                parts.append(heading)
            parts.extend(m.text for m in sec.measures)
        elif heading.strip():
            parts.append(heading)
    return "\n".join(parts)


def _section_text(sec: Section) -> str:
    if sec.measures:
        return "\n".join(m.text for m in sec.measures)
    return f"{sec.marker}{sec.title}"


class Corpus:
    """Plans with one metadata row each: what every comparison reads.

    Args:
        plans: the plans, in order.
        metadata: one mapping per plan (``doc_id`` and the columns of
            :data:`BASE_COLUMNS`; further keys become further columns).
        failures: ``(path, message)`` of inputs that could not be read.

    Build one with :func:`load_corpus`. Texts and tokens are computed on first
    use and kept on the instance.
    """

    def __init__(
        self,
        plans: Sequence[Plan],
        metadata: Sequence[Mapping[str, Any]],
        *,
        failures: Sequence[tuple[str, str]] = (),
    ) -> None:
        if len(plans) != len(metadata):
            raise ValueError(f"{len(plans)} plans but {len(metadata)} metadata rows")
        self.plans = tuple(plans)
        self.metadata = tuple(dict(m) for m in metadata)
        self.failures = tuple(failures)
        ids = [str(m.get("doc_id")) for m in self.metadata]
        if len(set(ids)) != len(ids):
            raise ValueError("doc_id values must be unique")

    def __len__(self) -> int:
        return len(self.plans)

    def __repr__(self) -> str:
        return f"Corpus({len(self)} plans, columns={self.columns})"

    @property
    def doc_ids(self) -> list[str]:
        return [str(m["doc_id"]) for m in self.metadata]

    @property
    def columns(self) -> list[str]:
        """The metadata columns, base columns first."""
        extra: dict[str, None] = {}
        for m in self.metadata:
            extra.update((k, None) for k in m if k not in BASE_COLUMNS)
        return [*BASE_COLUMNS, *extra]

    @cached_property
    def texts(self) -> tuple[str, ...]:
        """The normalised text of every plan (:func:`plan_text`)."""
        return tuple(plan_text(p) for p in self.plans)

    @cached_property
    def _default_tokens(self) -> tuple[tuple[str, ...], ...]:
        from ..tokenize import tokenize

        return tuple(tuple(tokenize(t)) for t in self.texts)

    def tokens(self, tokenizer: Tokenizer | None = None) -> tuple[tuple[str, ...], ...]:
        """The tokens of every plan (our jieba tokenizer, stop words dropped, by default)."""
        if tokenizer is None:
            return self._default_tokens
        return tuple(tuple(tokenizer(t)) for t in self.texts)

    def groups(self, by: str) -> list[str]:
        """The group label of every plan under metadata column ``by`` (``"unknown"`` if empty).

        Raises:
            InputError: ``by`` is not a metadata column.
        """
        if by not in self.columns:
            raise InputError(
                f"cannot group by {by!r}: it is not a metadata column. Columns:"
                f" {', '.join(self.columns)} (add more with a manifest CSV)"
            )
        return [_label(m.get(by)) for m in self.metadata]

    def frame(self) -> pd.DataFrame:
        """The metadata as a DataFrame, one row per plan."""
        _require("pandas")
        import pandas as pd

        cols = self.columns
        df = pd.DataFrame([{c: m.get(c) for c in cols} for m in self.metadata], columns=cols)
        df["plan"] = df["plan"].astype("Int64")
        df["year"] = pd.to_numeric(df["year"], errors="coerce").astype("Int64")
        return df


def _label(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return UNKNOWN
    text = str(value).strip()
    return text or UNKNOWN


PlansLike: TypeAlias = (
    "Corpus | Plan | str | os.PathLike[str] | Iterable[Plan | str | os.PathLike[str]]"
)


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
            year = read_year(written)
            if year is None:
                logger.warning(
                    "the manifest %r, line %d: year %r is not a year (write 2023, 2023年,"
                    " 二〇二三年 or 2023-2024学年); that plan keeps the year of its text",
                    str(target),
                    n,
                    written,
                )
            row["year"] = str(year) if year is not None else ""
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


# ---------------------------------------------------------------------------
# themes


def _theme_items(plan: Plan, level: Level) -> list[tuple[str, ...]]:
    """The theme labels of each item (best first) of a plan at ``level``."""
    out: list[tuple[str, ...]] = []
    if level == "measures":
        for sec, measure in plan.measures():
            themes = measure.themes or sec.themes
            out.append(tuple(t.label for t in sorted(themes, key=lambda t: -t.score)))
    elif level == "sections":
        for sec in plan.sections:
            if sec.level == 1:
                out.append(tuple(t.label for t in sorted(sec.themes, key=lambda t: -t.score)))
    else:
        raise InputError(f"level must be 'measures' or 'sections', received {level!r}")
    return out


def _ordered_labels(found: Iterable[str]) -> list[str]:
    present = set(found)
    labels = list(_theme_names())  # every taxonomy label, so that tables keep one shape
    labels += sorted(present - set(labels) - {UNLABELLED})
    if UNLABELLED in present:
        labels.append(UNLABELLED)
    return labels


def _group_order(groups: Iterable[str]) -> list[str]:
    unique = set(groups)
    return sorted(unique - {UNKNOWN}) + ([UNKNOWN] if UNKNOWN in unique else [])


def theme_counts(
    data: PlansLike, *, by: str = "unit_type", level: Level = "measures"
) -> pd.DataFrame:
    """Counts of items per group (rows) and best theme (columns, taxonomy order).

    Every measure (``level="measures"``) or level-1 section (``"sections"``)
    counts once, under its best-scoring theme; items without themes count as
    ``unlabelled``.
    """
    _require("pandas")
    import pandas as pd

    corpus = _corpus(data)
    groups = corpus.groups(by)
    counts: Counter[tuple[str, str]] = Counter()
    for plan, group in zip(corpus.plans, groups, strict=True):
        for labels in _theme_items(plan, level):
            counts[(group, labels[0] if labels else UNLABELLED)] += 1
    rows = _group_order(groups)
    cols = _ordered_labels(t for _, t in counts)
    table = pd.DataFrame(
        [[counts[(g, t)] for t in cols] for g in rows],
        index=pd.Index(rows, name=by),
        columns=pd.Index(cols, name="theme"),
    )
    return table


@dataclass(frozen=True, eq=False)
class ChiSquare:
    """A chi-square test of independence on a table of counts.

    ``residuals`` are adjusted standardised residuals
    (``(O - E) / sqrt(E (1 - row share) (1 - column share))``), roughly
    standard normal under independence: beyond ±1.96 a cell departs from
    independence at the 5 % level. ``simulated_pvalue`` is a Monte Carlo
    p-value with the margins fixed (set when ``simulate`` > 0), to prefer when
    many expected counts are below 5 (``low_expected``).
    """

    statistic: float
    dof: int
    pvalue: float
    n: int
    cramers_v: float
    min_expected: float
    low_expected: float
    simulated_pvalue: float | None
    simulations: int
    observed: pd.DataFrame = field(repr=False)
    expected: pd.DataFrame = field(repr=False)
    residuals: pd.DataFrame = field(repr=False)

    def summary(self) -> dict[str, Any]:
        """The scalar results as a dict (one row of a table)."""
        return {
            "chi2": self.statistic,
            "dof": self.dof,
            "p": self.pvalue,
            "p_simulated": self.simulated_pvalue,
            "simulations": self.simulations,
            "n": self.n,
            "cramers_v": self.cramers_v,
            "min_expected": self.min_expected,
            "share_expected_below_5": self.low_expected,
        }


def chi_square(table: pd.DataFrame | Any, *, simulate: int = 0, seed: int = 0) -> ChiSquare:
    """Pearson's chi-square test of independence (no continuity correction).

    Rows and columns that are all zero are dropped first (they carry no
    information and would make expected counts zero); their residuals are NaN.

    Args:
        table: counts (a DataFrame, or anything ``numpy.asarray`` takes).
        simulate: draw this many tables with the same margins for a Monte
            Carlo p-value (0: none).
        seed: seed of the simulation (results are reproducible).

    示例: ``chi_square([[762, 327, 468], [484, 239, 477]]).statistic`` is 30.07
    (Agresti, *Categorical Data Analysis*, table 3.2).
    """
    _require("pandas", "scipy")
    import numpy as np
    import pandas as pd
    from scipy.stats import chi2_contingency

    frame = table if isinstance(table, pd.DataFrame) else pd.DataFrame(np.asarray(table))
    observed = frame.astype(float)
    if (observed.to_numpy() < 0).any():
        raise InputError("chi_square() needs counts (no negative cells)")
    keep_rows = observed.sum(axis=1) > 0
    keep_cols = observed.sum(axis=0) > 0
    core = observed.loc[keep_rows, keep_cols]
    obs = core.to_numpy()
    n = int(obs.sum().round())
    expected = pd.DataFrame(np.nan, index=observed.index, columns=observed.columns)
    residuals = pd.DataFrame(np.nan, index=observed.index, columns=observed.columns)
    if obs.shape[0] < 2 or obs.shape[1] < 2:
        return ChiSquare(
            math.nan, 0, math.nan, n, math.nan, math.nan, math.nan, None, 0,
            observed=frame, expected=expected, residuals=residuals,
        )  # fmt: skip
    # unpacked, as every scipy version returns (statistic, p, dof, expected) in this order
    stat, pvalue, dof, expected_freq = chi2_contingency(obs, correction=False)
    exp = np.asarray(expected_freq, dtype=float)
    row_share = obs.sum(axis=1, keepdims=True) / n
    col_share = obs.sum(axis=0, keepdims=True) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        adjusted = (obs - exp) / np.sqrt(exp * (1 - row_share) * (1 - col_share))
    adjusted = np.where(np.isfinite(adjusted), adjusted, 0.0)
    expected.loc[keep_rows, keep_cols] = exp
    residuals.loc[keep_rows, keep_cols] = adjusted
    statistic = float(stat)
    k = min(obs.shape) - 1
    simulated = None
    if simulate > 0:
        simulated = _simulate(obs, exp, statistic, simulate, seed)
    return ChiSquare(
        statistic=statistic,
        dof=int(dof),
        pvalue=float(pvalue),
        n=n,
        cramers_v=math.sqrt(statistic / (n * k)) if n and k else math.nan,
        min_expected=float(exp.min()),
        low_expected=float((exp < 5).mean()),
        simulated_pvalue=simulated,
        simulations=simulate,
        observed=frame,
        expected=expected,
        residuals=residuals,
    )


def _simulate(
    obs: npt.NDArray[np.float64],
    exp: npt.NDArray[np.float64],
    statistic: float,
    draws: int,
    seed: int,
) -> float:
    import numpy as np

    rows, cols = obs.shape
    cells = np.repeat(np.arange(rows * cols), obs.astype(int).ravel())
    r, c = np.divmod(cells, cols)
    rng = np.random.default_rng(seed)
    exceed = 0
    for _ in range(draws):
        table = np.bincount(r * cols + rng.permutation(c), minlength=rows * cols)
        sim = float((((table.reshape(rows, cols) - exp) ** 2) / exp).sum())
        exceed += sim >= statistic - 1e-9
    return (exceed + 1) / (draws + 1)


def theme_profile(
    data: PlansLike, *, by: str = "unit_type", level: Level = "measures"
) -> pd.DataFrame:
    """Share of items per theme per group, with counts and standardised residuals.

    One row per group and theme: ``count``, ``total`` (items of the group),
    ``share`` (sums to 1 per group), ``expected`` (under independence),
    ``residual`` (adjusted standardised residual of :func:`chi_square`) and the
    theme's Chinese ``name``.

    示例: ``theme_profile(corpus, by="unit_type", level="sections")``.
    """
    import pandas as pd

    counts = theme_counts(data, by=by, level=level)
    test = chi_square(counts)
    names = _theme_names()
    rows = []
    for group in counts.index:
        total = int(counts.loc[group].sum())
        for theme in counts.columns:
            count = int(counts.loc[group, theme])
            rows.append(
                {
                    by: group,
                    "theme": theme,
                    "name": names.get(theme, theme),
                    "count": count,
                    "total": total,
                    "share": count / total if total else math.nan,
                    "expected": float(test.expected.loc[group, theme]),
                    "residual": float(test.residuals.loc[group, theme]),
                }
            )
    return pd.DataFrame(
        rows, columns=[by, "theme", "name", "count", "total", "share", "expected", "residual"]
    )


def theme_test(
    data: PlansLike,
    *,
    by: str = "unit_type",
    level: Level = "measures",
    simulate: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """The chi-square test of groups × best theme, as a one-row DataFrame.

    Columns: ``level``, ``by``, ``groups``, ``chi2``, ``dof``, ``p``,
    ``p_simulated`` (Monte Carlo with ``simulate`` draws), ``n``,
    ``cramers_v``, ``min_expected``, ``share_expected_below_5``.
    """
    import pandas as pd

    counts = theme_counts(data, by=by, level=level)
    result = chi_square(counts, simulate=simulate, seed=seed)
    row = {"level": level, "by": by, "groups": len(counts.index), **result.summary()}
    return pd.DataFrame([row])


# ---------------------------------------------------------------------------
# concreteness


def concreteness(data: PlansLike, *, by: str | None = None) -> pd.DataFrame:
    """How concrete plans are: measures, deadlines, explicit parties, targets, depth.

    Without ``by``, one row per plan: ``sections`` (numbered), ``measures``,
    ``with_deadline``, ``with_party`` (an explicit responsible party, not the
    implicit author unit), ``with_target`` (a quantitative target, see
    :func:`quantitative_targets`), the matching ``share_*`` columns, and
    ``depth`` (deepest level of the numbering tree, 0 without numbering).

    With ``by``, one row per group: ``plans``, ``measures``,
    ``measures_per_plan`` (mean), the ``share_*`` columns pooled over the
    group's measures, ``depth_mean`` and ``depth_max``.
    """
    _require("pandas")
    import pandas as pd

    corpus = _corpus(data)
    rows = []
    for plan, meta in zip(corpus.plans, corpus.metadata, strict=True):
        measures = [m for _, m in plan.measures()]
        n = len(measures)
        deadline = sum(1 for m in measures if m.deadlines)
        party = sum(1 for m in measures if any(not p.implicit for p in m.parties))
        target = sum(1 for m in measures if quantitative_targets(m.text))
        numbered = [s.level for s in plan.sections if s.marker]
        rows.append(
            {
                "doc_id": meta["doc_id"],
                "sections": len(numbered),
                "measures": n,
                "with_deadline": deadline,
                "with_party": party,
                "with_target": target,
                "share_deadline": deadline / n if n else math.nan,
                "share_party": party / n if n else math.nan,
                "share_target": target / n if n else math.nan,
                "depth": max(numbered, default=0),
            }
        )
    per_plan = pd.DataFrame(rows)
    if by is None:
        return per_plan
    per_plan.insert(1, by, corpus.groups(by))
    out = []
    for group in _group_order(per_plan[by]):
        part = per_plan[per_plan[by] == group]
        n = int(part["measures"].sum())
        out.append(
            {
                by: group,
                "plans": len(part),
                "measures": n,
                "measures_per_plan": float(part["measures"].mean()),
                "share_deadline": float(part["with_deadline"].sum()) / n if n else math.nan,
                "share_party": float(part["with_party"].sum()) / n if n else math.nan,
                "share_target": float(part["with_target"].sum()) / n if n else math.nan,
                "depth_mean": float(part["depth"].mean()),
                "depth_max": int(part["depth"].max()),
            }
        )
    return pd.DataFrame(out)


# ---------------------------------------------------------------------------
# distinctive terms


def log_odds(
    target: Mapping[str, int],
    reference: Mapping[str, int],
    *,
    prior: Mapping[str, float] | None = None,
    prior_strength: float = 1.0,
) -> pd.DataFrame:
    """Weighted log-odds ratios with an informative Dirichlet prior (Monroe et al. 2008).

    For each word w with counts ``y_i`` (target) and ``y_j`` (reference),
    totals ``n_i``, ``n_j``, prior ``a_w`` (sum ``a_0``)::

        delta = log((y_i + a_w) / (n_i + a_0 - y_i - a_w))
              - log((y_j + a_w) / (n_j + a_0 - y_j - a_w))
        z     = delta / sqrt(1 / (y_i + a_w) + 1 / (y_j + a_w))

    Args:
        target, reference: word counts.
        prior: prior counts per word; by default the pooled counts of target
            and reference (the corpus as background, as in Monroe et al. §3.5).
        prior_strength: factor on the prior counts (smaller trusts the data more).

    Returns a DataFrame indexed by ``term`` with ``count``, ``count_rest``,
    ``delta``, ``se`` and ``z`` (positive: over-represented in the target),
    sorted by ``z`` descending.

    示例: ``log_odds({"书屋": 9, "职工": 5}, {"安全": 9, "职工": 5})``.
    """
    _require("pandas")
    import numpy as np
    import pandas as pd

    if prior_strength <= 0:
        raise InputError(f"prior_strength must be positive, received {prior_strength}")
    vocab = sorted(set(target) | set(reference))
    yi = np.array([target.get(w, 0) for w in vocab], dtype=float)
    yj = np.array([reference.get(w, 0) for w in vocab], dtype=float)
    if prior is None:
        alpha = (yi + yj) * prior_strength
    else:
        alpha = np.array([prior.get(w, 0.0) for w in vocab], dtype=float) * prior_strength
    if (alpha <= 0).any():
        missing = [w for w, a in zip(vocab, alpha, strict=True) if a <= 0][:5]
        raise InputError(f"the prior needs a positive count for every word (missing: {missing})")
    ni, nj, a0 = yi.sum(), yj.sum(), alpha.sum()
    delta = np.log((yi + alpha) / (ni + a0 - yi - alpha)) - np.log(
        (yj + alpha) / (nj + a0 - yj - alpha)
    )
    se = np.sqrt(1.0 / (yi + alpha) + 1.0 / (yj + alpha))
    frame = pd.DataFrame(
        {
            "count": yi.astype(int),
            "count_rest": yj.astype(int),
            "delta": delta,
            "se": se,
            "z": delta / se,
        },
        index=pd.Index(vocab, name="term"),
    )
    return frame.sort_values(["z", "count"], ascending=[False, False], kind="stable")


def keyness(target: Mapping[str, int], reference: Mapping[str, int]) -> pd.DataFrame:
    """Keyness by log-likelihood (G², Rayson and Garside 2000), signed, with log ratio.

    ``g2`` is positive when the word is relatively more frequent in the target,
    negative when less; ``p`` is its chi-square (1 df) p-value; ``log_ratio``
    is Hardie's binary log of the ratio of relative frequencies (0.5 added to
    zero counts). Sorted by ``g2`` descending.
    """
    _require("pandas", "scipy")
    import numpy as np
    import pandas as pd
    from scipy.stats import chi2

    vocab = sorted(set(target) | set(reference))
    a = np.array([target.get(w, 0) for w in vocab], dtype=float)
    b = np.array([reference.get(w, 0) for w in vocab], dtype=float)
    c, d = a.sum(), b.sum()
    e1 = c * (a + b) / (c + d)
    e2 = d * (a + b) / (c + d)
    with np.errstate(divide="ignore", invalid="ignore"):
        t1 = np.where(a > 0, a * np.log(a / e1), 0.0)
        t2 = np.where(b > 0, b * np.log(b / e2), 0.0)
    g2 = 2 * (t1 + t2)
    sign = np.where(a / max(c, 1) >= b / max(d, 1), 1.0, -1.0)
    ratio = np.log2((np.where(a > 0, a, 0.5) / max(c, 1)) / (np.where(b > 0, b, 0.5) / max(d, 1)))
    frame = pd.DataFrame(
        {
            "count": a.astype(int),
            "count_rest": b.astype(int),
            "g2": sign * g2,
            "p": chi2.sf(g2, 1),
            "log_ratio": ratio,
        },
        index=pd.Index(vocab, name="term"),
    )
    return frame.sort_values(["g2", "count"], ascending=[False, False], kind="stable")


def distinctive_terms(
    data: PlansLike,
    *,
    by: str = "unit_type",
    method: Literal["log_odds", "keyness"] = "log_odds",
    top: int | None = 20,
    min_count: int = 3,
    prior_strength: float = 1.0,
    tokenizer: Tokenizer | None = None,
) -> pd.DataFrame:
    """The words that distinguish each group from the rest of the corpus.

    Tokens come from :func:`unionnlp.tokenize.tokenize` (jieba with our user
    dictionary, stop words dropped) unless ``tokenizer`` is given.

    Args:
        by: the metadata column whose groups are compared (each against all others).
        method: ``"log_odds"`` (:func:`log_odds`, score ``z``) or ``"keyness"``
            (:func:`keyness`, score ``g2``).
        top: keep the ``top`` over-represented words of each group (``None``: all words).
        min_count: ignore words seen fewer times in the whole corpus.

    Returns one row per group and word: ``by``, ``rank``, ``term``,
    ``count``, ``count_rest``, ``per_1000``, ``per_1000_rest`` and the
    method's columns (``delta``, ``se``, ``z`` or ``g2``, ``p``,
    ``log_ratio``), plus ``score`` (``z`` or ``g2``).

    示例: ``distinctive_terms(corpus, by="unit_type", top=10)``.
    """
    _require("pandas")
    import pandas as pd

    if method not in ("log_odds", "keyness"):
        raise InputError(f"method must be 'log_odds' or 'keyness', received {method!r}")
    corpus = _corpus(data)
    groups = corpus.groups(by)
    tokens = corpus.tokens(tokenizer)
    per_group: dict[str, Counter[str]] = {g: Counter() for g in _group_order(groups)}
    for group, toks in zip(groups, tokens, strict=True):
        per_group[group].update(toks)
    total: Counter[str] = Counter()
    for counts in per_group.values():
        total.update(counts)
    keep = {w for w, n in total.items() if n >= min_count}
    frames = []
    for group, counts in per_group.items():
        if len(per_group) < 2:
            logger.info("one group only (%s); nothing to compare against", group)
            break
        rest = total - counts
        target = {w: counts[w] for w in keep if counts[w]}
        reference = {w: rest[w] for w in keep if rest[w]}
        if not target or not reference:
            continue
        if method == "log_odds":
            scored = log_odds(target, reference, prior_strength=prior_strength)
            scored["score"] = scored["z"]
        else:
            scored = keyness(target, reference)
            scored["score"] = scored["g2"]
        n_target = max(sum(counts.values()), 1)
        n_rest = max(sum(rest.values()), 1)
        scored["per_1000"] = scored["count"] / n_target * 1000
        scored["per_1000_rest"] = scored["count_rest"] / n_rest * 1000
        if top is not None:
            scored = scored[scored["score"] > 0].head(top)
        scored = scored.reset_index()
        scored.insert(0, "rank", range(1, len(scored) + 1))
        scored.insert(0, by, group)
        frames.append(scored)
    specific = ["delta", "se", "z"] if method == "log_odds" else ["g2", "p", "log_ratio"]
    columns = [
        by,
        "rank",
        "term",
        "count",
        "count_rest",
        "per_1000",
        "per_1000_rest",
        *specific,
        "score",
    ]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


# ---------------------------------------------------------------------------
# similarity


def similarity(data: PlansLike, *, tokenizer: Tokenizer | None = None) -> pd.DataFrame:
    """TF-IDF cosine similarity between plans (a square DataFrame indexed by ``doc_id``).

    Words from our tokenizer, sublinear term frequency, smoothed IDF, L2
    normalised (scikit-learn's ``TfidfVectorizer``). Identical plans score 1.
    """
    _require("pandas", "sklearn")
    import numpy as np
    import pandas as pd
    from sklearn.feature_extraction.text import TfidfVectorizer

    corpus = _corpus(data)
    docs = [list(t) for t in corpus.tokens(tokenizer)]
    ids = pd.Index(corpus.doc_ids, name="doc_id")
    if not any(docs):
        return pd.DataFrame(np.zeros((len(ids), len(ids))), index=ids, columns=ids.rename(None))
    vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, lowercase=False)
    matrix = vectorizer.fit_transform(docs)
    sims = np.asarray((matrix @ matrix.T).toarray(), dtype=float)
    sims = np.clip(sims, 0.0, 1.0)
    return pd.DataFrame(sims, index=ids, columns=ids.rename(None))


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def _similarity_of(data: PlansLike | pd.DataFrame) -> tuple[pd.DataFrame, Corpus | None]:
    import pandas as pd

    if isinstance(data, pd.DataFrame):
        if data.shape[0] != data.shape[1]:
            raise InputError("expected a square similarity matrix (see similarity())")
        return data, None
    corpus = _corpus(data)
    return similarity(corpus), corpus


def near_duplicates(data: PlansLike | pd.DataFrame, *, threshold: float = 0.8) -> pd.DataFrame:
    """Pairs of plans with cosine similarity ≥ ``threshold`` (template text, copies).

    ``data`` is a corpus (or anything :func:`load_corpus` takes) or a matrix
    from :func:`similarity`. Columns: ``doc_a``, ``doc_b``, ``similarity``
    and, from a corpus, ``path_a``, ``path_b`` and ``same_file``; sorted by
    similarity, highest first.
    """
    import pandas as pd

    sims, corpus = _similarity_of(data)
    ids = [str(i) for i in sims.index]
    values = sims.to_numpy()
    paths = {str(m["doc_id"]): m.get("path") for m in corpus.metadata} if corpus else {}
    rows = []
    for i in range(len(ids)):
        for j in range(i + 1, len(ids)):
            if values[i, j] >= threshold:
                row: dict[str, Any] = {
                    "doc_a": ids[i],
                    "doc_b": ids[j],
                    "similarity": float(values[i, j]),
                }
                if corpus is not None:
                    pa, pb = paths.get(ids[i]), paths.get(ids[j])
                    row.update(path_a=pa, path_b=pb, same_file=pa is not None and pa == pb)
                rows.append(row)
    columns = ["doc_a", "doc_b", "similarity"] + (
        ["path_a", "path_b", "same_file"] if corpus else []
    )
    frame = pd.DataFrame(rows, columns=columns)
    return frame.sort_values("similarity", ascending=False, kind="stable").reset_index(drop=True)


def clusters(
    data: PlansLike | pd.DataFrame,
    *,
    distance: float = 0.8,
    n_clusters: int | None = None,
    method: Literal["average", "complete", "single", "weighted"] = "average",
) -> pd.DataFrame:
    """Agglomerative clusters of plans on ``1 - cosine`` (scipy's hierarchy).

    Args:
        distance: merge clusters closer than this (``average`` linkage: mean
            ``1 - cosine`` between members); ignored when ``n_clusters`` is given.
        n_clusters: cut the tree into at most this many clusters instead.
        method: the linkage.

    Returns one row per plan: ``doc_id``, ``cluster`` (1, 2, … by size),
    ``size`` and ``order`` (position in the dendrogram, for plotting).
    """
    _require("pandas", "scipy")
    import numpy as np
    import pandas as pd
    from scipy.cluster.hierarchy import fcluster, leaves_list, linkage
    from scipy.spatial.distance import squareform

    sims, _ = _similarity_of(data)
    ids = [str(i) for i in sims.index]
    if len(ids) < 2:
        return pd.DataFrame(
            {
                "doc_id": ids,
                "cluster": [1] * len(ids),
                "size": [1] * len(ids),
                "order": list(range(len(ids))),
            }
        )
    dist = 1.0 - sims.to_numpy(dtype=float)
    dist = np.clip((dist + dist.T) / 2, 0.0, None)
    np.fill_diagonal(dist, 0.0)
    tree = linkage(squareform(dist, checks=False), method=method)
    if n_clusters is not None:
        raw = fcluster(tree, t=n_clusters, criterion="maxclust")
    else:
        raw = fcluster(tree, t=distance, criterion="distance")
    order = np.empty(len(ids), dtype=int)
    order[leaves_list(tree)] = np.arange(len(ids))
    sizes = Counter(int(c) for c in raw)
    # Number clusters by size (largest first), then by first appearance in the dendrogram.
    first: dict[int, int] = {}
    for i, c in enumerate(raw):
        first[int(c)] = min(first.get(int(c), len(ids)), int(order[i]))
    ranking = sorted(sizes, key=lambda c: (-sizes[c], first[c]))
    renumber = {c: k + 1 for k, c in enumerate(ranking)}
    return pd.DataFrame(
        {
            "doc_id": ids,
            "cluster": [renumber[int(c)] for c in raw],
            "size": [sizes[int(c)] for c in raw],
            "order": order.tolist(),
        }
    )


# ---------------------------------------------------------------------------
# exports for researchers' tools


def documents_table(data: PlansLike) -> pd.DataFrame:
    """One row per plan: ``doc_id``, ``text`` and the metadata columns.

    The shape quanteda (``corpus(df, text_field = "text")``, ``readtext``) and
    KH Coder (import a CSV with one document per row) read directly; ``text``
    is the normalised plan text (:func:`plan_text`).
    """
    corpus = _corpus(data)
    frame = corpus.frame()
    frame.insert(1, "text", list(corpus.texts))
    return frame


def codes_table(
    data: PlansLike, *, level: Literal["sections", "measures", "both"] = "both"
) -> pd.DataFrame:
    """A clause-by-code matrix: one row per section or measure, one 0/1 column per theme.

    Columns: ``doc_id``, the plan metadata (``unit``, ``unit_type``,
    ``region``, ``year``), ``kind`` (``section``/``measure``), ``section``
    (id), ``measure`` (ordinal within the section), ``level``, ``marker``,
    ``title``, ``text``, ``start``, ``end`` (source offsets), then one column
    per theme label holding 1 when the theme is assigned (all assigned themes,
    not only the best).
    """
    _require("pandas")
    import pandas as pd

    if level not in ("sections", "measures", "both"):
        raise InputError(f"level must be 'sections', 'measures' or 'both', received {level!r}")
    corpus = _corpus(data)
    rows: list[dict[str, Any]] = []
    found: set[str] = set()
    meta_cols = ("unit", "unit_type", "region", "year")
    for plan, meta in zip(corpus.plans, corpus.metadata, strict=True):
        base = {"doc_id": meta["doc_id"], **{k: meta.get(k) for k in meta_cols}}
        for sec in plan.sections:
            if level in ("sections", "both"):
                labels = {t.label for t in sec.themes}
                found |= labels
                rows.append(
                    {
                        **base, "kind": "section", "section": sec.id, "measure": None,
                        "level": sec.level, "marker": sec.marker, "title": sec.title,
                        "text": _section_text(sec), "start": sec.span.start, "end": sec.span.end,
                        "_themes": labels,
                    }
                )  # fmt: skip
            if level in ("measures", "both"):
                for k, m in enumerate(sec.measures):
                    labels = {t.label for t in (m.themes or sec.themes)}
                    found |= labels
                    rows.append(
                        {
                            **base, "kind": "measure", "section": sec.id, "measure": k,
                            "level": sec.level, "marker": sec.marker, "title": sec.title,
                            "text": m.text, "start": m.span.start, "end": m.span.end,
                            "_themes": labels,
                        }
                    )  # fmt: skip
    codes = [lab for lab in _ordered_labels(found) if lab != UNLABELLED]
    for row in rows:
        themes = row.pop("_themes")
        row.update({lab: int(lab in themes) for lab in codes})
    columns = [
        "doc_id",
        *meta_cols,
        "kind",
        "section",
        "measure",
        "level",
        "marker",
        "title",
        "text",
        "start",
        "end",
        *codes,
    ]
    frame = pd.DataFrame(rows, columns=columns)
    frame["measure"] = frame["measure"].astype("Int64")
    frame["year"] = pd.to_numeric(frame["year"], errors="coerce").astype("Int64")
    return frame


# ---------------------------------------------------------------------------
# charts

#: CJK font families, in order of preference (matplotlib names)
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans CJK TC",
    "Noto Sans CJK JP",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "Source Han Sans",
    "Noto Serif CJK SC",
    "Noto Serif CJK TC",
    "Noto Serif CJK JP",
    "Source Han Serif SC",
    "Source Han Serif CN",
    "Source Han Serif",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Sarasa Gothic SC",
    "PingFang SC",
    "Hiragino Sans GB",
    "Microsoft YaHei",
    "SimHei",
)
_CJK_FILE_HINTS = ("notosanscjk", "notoserifcjk", "sourcehan", "wqy", "wenquanyi")
_CJK_PROBE = "工会工作计划主题措施职工帮扶维权"


@dataclass(frozen=True)
class FontInfo:
    """The CJK font the charts use: its family name and file."""

    name: str
    path: str


def _covers(fname: Any, text: str) -> bool:
    from matplotlib import font_manager

    try:
        charmap = font_manager.get_font(fname).get_charmap()
    except (OSError, RuntimeError, ValueError):
        return False
    return all(ord(ch) in charmap for ch in text)


def _find_family(names: Sequence[str]) -> FontInfo | None:
    from matplotlib import font_manager

    available = {f.name for f in font_manager.fontManager.ttflist}
    for name in names:
        if name not in available:
            continue
        try:
            found = font_manager.findfont(
                font_manager.FontProperties(family=name), fallback_to_default=False
            )
        except ValueError:
            continue
        if _covers(found, _CJK_PROBE):
            return FontInfo(name, str(found))
    return None


@lru_cache(maxsize=1)
def find_cjk_font() -> FontInfo:
    """The CJK font matplotlib will use for Chinese labels (Noto, Source Han, WenQuanYi …).

    Looks in matplotlib's font list, then among the system fonts matplotlib
    has not indexed yet (fonts installed after its cache was built), and
    checks that the font covers Chinese characters.

    Raises:
        UnionNLPError: no CJK font is installed (Debian/Ubuntu:
            ``apt-get install fonts-noto-cjk``).
    """
    _require("matplotlib")
    from matplotlib import font_manager

    found = _find_family(CJK_FAMILIES)
    if found is None:
        for fname in font_manager.findSystemFonts():
            if any(h in Path(fname).name.lower().replace("-", "") for h in _CJK_FILE_HINTS):
                try:
                    font_manager.fontManager.addfont(fname)
                except (OSError, RuntimeError, ValueError):  # pragma: no cover - broken files
                    continue
        found = _find_family(CJK_FAMILIES)
    if found is None:
        raise UnionNLPError(
            "charts with Chinese labels need a CJK font, and none was found (looked for "
            + ", ".join(CJK_FAMILIES[:4])
            + ", WenQuanYi …). Install one, for example `apt-get install fonts-noto-cjk`"
            " on Debian/Ubuntu (`fonts-noto-cjk` also on Fedora as google-noto-sans-cjk-fonts),"
            " then run again; unionnlp does not draw Chinese as empty boxes."
        )
    return found


@contextmanager
def _chart_style() -> Iterator[FontInfo]:
    """matplotlib settings for one chart: the CJK font, and missing glyphs as errors."""
    import matplotlib

    font = find_cjk_font()
    with (
        matplotlib.rc_context(
            {
                "font.family": [font.name, "DejaVu Sans"],
                "axes.unicode_minus": False,
                "figure.dpi": 100,
                "savefig.dpi": 110,
                "axes.titlesize": 11,
            }
        ),
        warnings.catch_warnings(),
    ):
        warnings.filterwarnings("error", message=r"Glyph .* missing from", category=UserWarning)
        try:
            yield font
        except UserWarning as err:
            raise UnionNLPError(
                f"a chart label has characters the font {font.name} ({font.path}) lacks: {err};"
                " install fonts-noto-cjk"
            ) from err


def _new_figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _finish(fig: Figure) -> Figure:
    # Draw once inside the style so that every text (tick labels are made at draw
    # time) takes the CJK font; later savefig calls keep it.
    fig.canvas.draw()
    return fig


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    with _chart_style():
        fig.savefig(buffer, format="png", facecolor="white")
    return buffer.getvalue()


def plot_theme_heatmap(
    profile: pd.DataFrame, *, by: str | None = None, title: str | None = None
) -> Figure:
    """A heatmap of theme shares per group (from :func:`theme_profile`).

    Cells show the share and, below it, the adjusted residual when it is
    beyond ±1.96 (a departure from independence at the 5 % level).
    """
    import numpy as np

    by = by or str(profile.columns[0])
    shares = profile.pivot(index=by, columns="theme", values="share")
    resid = profile.pivot(index=by, columns="theme", values="residual")
    names = dict(zip(profile["theme"], profile["name"], strict=False))
    groups = list(dict.fromkeys(profile[by]))
    themes = list(dict.fromkeys(profile["theme"]))
    shares = shares.loc[groups, themes]
    resid = resid.loc[groups, themes]
    with _chart_style():
        fig = _new_figure(max(6.0, 0.75 * len(themes) + 2.5), max(2.5, 0.5 * len(groups) + 2.0))
        ax = fig.add_subplot()
        values = shares.to_numpy(dtype=float)
        residuals = resid.to_numpy(dtype=float)
        image = ax.imshow(
            np.nan_to_num(values),
            cmap="Blues",
            aspect="auto",
            vmin=0,
            vmax=max(0.01, float(np.nanmax(values))),
        )
        ax.set_xticks(
            range(len(themes)),
            labels=[str(names.get(t, t)) for t in themes],
            rotation=40,
            ha="right",
        )
        ax.set_yticks(range(len(groups)), labels=[str(g) for g in groups])
        top = float(np.nanmax(values)) if values.size else 0.0
        for i in range(len(groups)):
            for j in range(len(themes)):
                share, r = values[i, j], float(residuals[i, j])
                if math.isnan(share):
                    continue
                label = f"{share:.0%}"
                if not math.isnan(r) and abs(r) >= 1.96:
                    label += f"\n({r:+.1f})"
                ax.text(j, i, label, ha="center", va="center", fontsize=7,
                        color="white" if share > 0.6 * top else "black")  # fmt: skip
        fig.colorbar(image, ax=ax, label="份额 share", shrink=0.8)
        ax.set_title(title or f"主题份额 theme shares by {by}")
        return _finish(fig)


def plot_concreteness(table: pd.DataFrame, *, by: str | None = None) -> Figure:
    """Bars of the concreteness measures per group (from ``concreteness(by=...)``)."""
    by = by or str(table.columns[0])
    panels = [
        ("measures_per_plan", "每篇措施数\nmeasures per plan", False),
        ("share_deadline", "有时限的措施\nwith deadline", True),
        ("share_party", "有明确责任单位\nexplicit party", True),
        ("share_target", "有量化目标\nquantitative target", True),
        ("depth_mean", "编号层级深度\nnumbering depth", False),
    ]
    groups = [str(g) for g in table[by]]
    with _chart_style():
        fig = _new_figure(max(8.0, 1.0 + 0.45 * len(groups) * len(panels)), 3.6)
        axes = fig.subplots(1, len(panels))
        colors = [f"C{i % 10}" for i in range(len(groups))]
        for ax, (column, label, share) in zip(axes, panels, strict=True):
            values = [float(v) for v in table[column]]
            ax.bar(range(len(groups)), values, color=colors)
            ax.set_xticks(range(len(groups)), labels=groups, rotation=45, ha="right", fontsize=8)
            ax.set_title(label, fontsize=9)
            if share:
                ax.set_ylim(0, 1)
                ax.yaxis.set_major_formatter("{x:.0%}")
        fig.suptitle(f"具体程度 concreteness by {by}")
        return _finish(fig)


def plot_terms(terms: pd.DataFrame, group: str, *, by: str | None = None, top: int = 15) -> Figure:
    """Horizontal bars of a group's most distinctive words (from :func:`distinctive_terms`)."""
    by = by or str(terms.columns[0])
    part = terms[terms[by].astype(str) == str(group)].head(top)
    with _chart_style():
        fig = _new_figure(5.5, max(2.0, 0.28 * len(part) + 1.2))
        ax = fig.add_subplot()
        labels = [str(t) for t in part["term"]][::-1]
        ax.barh(range(len(labels)), [float(s) for s in part["score"]][::-1], color="C0")
        ax.set_yticks(range(len(labels)), labels=labels)
        score = "z (log-odds)" if "z" in part.columns else "G²"
        ax.set_xlabel(score)
        ax.set_title(f"{group}：特征词 distinctive terms")
        if not labels:
            ax.text(0.5, 0.5, "（无 none）", ha="center", va="center", transform=ax.transAxes)
        return _finish(fig)


def plot_similarity(sims: pd.DataFrame, *, order: Sequence[str] | None = None) -> Figure:
    """A heatmap of plan-to-plan similarity (from :func:`similarity`), in ``order``."""
    import numpy as np

    ids = list(order) if order is not None else [str(i) for i in sims.index]
    matrix = sims.loc[ids, ids].to_numpy(dtype=float)
    size = min(14.0, max(4.5, 0.22 * len(ids) + 2.5))
    with _chart_style():
        fig = _new_figure(size + 1.0, size)
        ax = fig.add_subplot()
        # Scale colours to the plan-to-plan values: the diagonal (1) would wash them out.
        off = matrix[~np.eye(len(ids), dtype=bool)]
        top = min(1.0, max(0.2, float(off.max()) if off.size else 1.0))
        image = ax.imshow(matrix, cmap="viridis", vmin=0, vmax=top)
        if len(ids) <= 80:
            fontsize = 7 if len(ids) <= 40 else 5
            ax.set_xticks(range(len(ids)), labels=ids, rotation=90, fontsize=fontsize)
            ax.set_yticks(range(len(ids)), labels=ids, fontsize=fontsize)
        else:
            ax.set_xticks([])
            ax.set_yticks([])
        fig.colorbar(image, ax=ax, label="余弦相似度 cosine (TF-IDF)", shrink=0.8)
        ax.set_title("文本相似度 similarity between plans")
        return _finish(fig)


# ---------------------------------------------------------------------------
# the report


def _write_table(frame: pd.DataFrame, out: Path, name: str, written: list[Path]) -> None:
    csv_path = out / f"{name}.csv"
    frame.to_csv(csv_path, index=False, encoding="utf-8")
    parquet_path = out / f"{name}.parquet"
    frame.to_parquet(parquet_path, index=False)
    written.extend([csv_path, parquet_path])


def _html_table(frame: pd.DataFrame, *, limit: int = 60) -> str:
    shown = frame.head(limit).astype(object)
    shown = shown.where(shown.notna(), None)
    body = shown.to_html(
        index=False,
        escape=True,
        border=0,
        classes="data",
        na_rep="",
        float_format=lambda x: f"{x:.3g}",
    )
    if len(frame) > limit:
        body += f'<p class="note">first {limit} of {len(frame)} rows; all rows in the CSV file</p>'
    return f'<div class="scroll">{body}</div>'


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


_CSS = """
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", sans-serif;
       margin: 2em auto; max-width: 1200px; color: #222; line-height: 1.5; padding: 0 1em; }
h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; margin-top: 2em; }
table.data { border-collapse: collapse; font-size: 0.85em; margin: 0.5em 0 1em; }
table.data th, table.data td { border: 1px solid #ddd; padding: 2px 6px; text-align: left;
                               white-space: nowrap; }
.scroll { overflow-x: auto; max-width: 100%; }
table.data th { background: #f3f3f3; }
img { max-width: 100%; height: auto; border: 1px solid #eee; margin: 0.5em 0; }
.note { color: #666; font-size: 0.85em; } code { background: #f5f5f5; padding: 0 3px; }
.terms { display: flex; flex-wrap: wrap; gap: 1em; } .terms figure { margin: 0; flex: 0 1 48%; }
"""


def write_report(
    plans_or_path: PlansLike,
    out_dir: str | Path,
    *,
    by: str = "unit_type",
    manifest: str | Path | None = None,
    near_duplicate_threshold: float = 0.8,
    top_terms: int = 20,
) -> Path:
    """Write the comparison of plans by ``by`` into ``out_dir`` and return ``report.html``.

    Writes, as CSV (UTF-8) and Parquet: ``plans`` (metadata and per-plan
    concreteness), ``theme_profile_measures``, ``theme_profile_sections``,
    ``theme_tests``, ``concreteness``, ``distinctive_terms`` (log-odds),
    ``keyness`` (G²), ``similarity`` (matrix), ``near_duplicates``,
    ``clusters``, ``documents`` (for quanteda / KH Coder) and ``codes``
    (sections and measures × themes); PNG charts (``theme_heatmap_*.png``,
    ``concreteness.png``, ``terms_NN.png`` per group, ``similarity.png``); and
    ``report.html``, self-contained (charts embedded, no scripts, no external
    resources).

    The files are written in a temporary folder beside ``out_dir`` and moved
    into place when all are written, so a failure leaves no partial report
    (files already in ``out_dir`` that the report does not replace are kept).

    Raises:
        InputError: no plans, or ``by`` is not a metadata column.
        UnionNLPError: a needed package or a CJK font is missing.
        OSError: the report cannot be written (a full disk, no permission).

    示例: ``write_report("build/corpus.jsonl", "report", by="unit_type")``.
    """
    _require("pandas", "pyarrow", "scipy", "sklearn", "matplotlib")
    corpus = load_corpus(plans_or_path, manifest=manifest)
    corpus.groups(by)  # refuse an unknown column before any work
    find_cjk_font()  # and a machine without a CJK font
    target = Path(out_dir)
    # Written in a folder beside, renamed into place when complete: a full disk or an
    # error half-way leaves no partial report.
    with staged_folder(target) as out:
        _write_report_files(corpus, out, by, near_duplicate_threshold, top_terms)
    return target / "report.html"


def _write_report_files(
    corpus: Corpus, out: Path, by: str, near_duplicate_threshold: float, top_terms: int
) -> None:
    import pandas as pd

    written: list[Path] = []

    meta = corpus.frame()
    per_plan = concreteness(corpus)
    plans_table = meta.merge(per_plan, on="doc_id", how="left")
    _write_table(plans_table, out, "plans", written)

    profiles = {
        level: theme_profile(corpus, by=by, level=level) for level in ("measures", "sections")
    }
    for level, profile in profiles.items():
        _write_table(profile, out, f"theme_profile_{level}", written)
    tests = pd.concat(
        [theme_test(corpus, by=by, level=lv) for lv in ("measures", "sections")], ignore_index=True
    )
    _write_table(tests, out, "theme_tests", written)
    by_group = concreteness(corpus, by=by)
    _write_table(by_group, out, "concreteness", written)
    terms = distinctive_terms(corpus, by=by, top=top_terms)
    _write_table(terms, out, "distinctive_terms", written)
    key = distinctive_terms(corpus, by=by, method="keyness", top=top_terms)
    _write_table(key, out, "keyness", written)
    sims = similarity(corpus)
    _write_table(sims.reset_index(), out, "similarity", written)
    dups = near_duplicates(corpus, threshold=near_duplicate_threshold)
    _write_table(dups, out, "near_duplicates", written)
    groups_of_docs = clusters(sims)
    _write_table(groups_of_docs, out, "clusters", written)
    _write_table(documents_table(corpus), out, "documents", written)
    _write_table(codes_table(corpus), out, "codes", written)

    charts: dict[str, bytes] = {}
    for level, profile in profiles.items():
        what = "措施 measures" if level == "measures" else "一级条目 level-1 sections"
        fig = plot_theme_heatmap(profile, by=by, title=f"主题份额 theme shares of {what} by {by}")
        charts[f"theme_heatmap_{level}.png"] = _png(fig)
    charts["concreteness.png"] = _png(plot_concreteness(by_group, by=by))
    term_charts: list[tuple[str, str]] = []
    for k, group in enumerate(_group_order(corpus.groups(by)), start=1):
        name = f"terms_{k:02d}.png"
        charts[name] = _png(plot_terms(terms, group, by=by))
        term_charts.append((group, name))
    order = groups_of_docs.sort_values("order")["doc_id"].tolist()
    charts["similarity.png"] = _png(plot_similarity(sims, order=order))
    for name, png in charts.items():
        (out / name).write_bytes(png)
        written.append(out / name)

    report = out / "report.html"
    report.write_text(
        _report_html(
            corpus,
            by,
            plans_table,
            profiles,
            tests,
            by_group,
            terms,
            dups,
            groups_of_docs,
            charts,
            term_charts,
            written,
            near_duplicate_threshold,
        ),
        encoding="utf-8",
    )


def _report_html(
    corpus: Corpus,
    by: str,
    plans_table: pd.DataFrame,
    profiles: Mapping[str, pd.DataFrame],
    tests: pd.DataFrame,
    by_group: pd.DataFrame,
    terms: pd.DataFrame,
    dups: pd.DataFrame,
    groups_of_docs: pd.DataFrame,
    charts: Mapping[str, bytes],
    term_charts: Sequence[tuple[str, str]],
    written: Sequence[Path],
    threshold: float,
) -> str:
    esc = html.escape
    sizes = Counter(corpus.groups(by))
    group_list = ", ".join(f"{esc(g)} ({sizes[g]})" for g in _group_order(sizes))
    parts = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{esc(f'unionnlp: plans compared by {by}')}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>工会工作计划比较 · plans compared by <code>{esc(by)}</code></h1>",
        f"<p>{len(corpus)} plans in {len(sizes)} groups: {group_list}.</p>",
    ]
    if corpus.failures:
        items = "".join(f"<li><code>{esc(p)}</code>: {esc(msg)}</li>" for p, msg in corpus.failures)
        parts.append(f"<p>{len(corpus.failures)} inputs could not be read:</p><ul>{items}</ul>")
    parts.append("<h2>Themes 主题</h2>")
    parts.append(
        '<p class="note">Each measure (and each level-1 section) counts once, under its best'
        " theme; shares sum to 1 per group. Numbers in brackets are adjusted standardised"
        " residuals beyond ±1.96. Chi-square test of independence of group and theme"
        " (p_simulated: Monte Carlo with fixed margins, preferable when many expected counts"
        " are below 5):</p>"
    )
    parts.append(_html_table(tests))
    for level, profile in profiles.items():
        parts.append(_img(charts[f"theme_heatmap_{level}.png"], f"theme shares of {level} by {by}"))
        wide = profile.pivot(index=by, columns="name", values="count")
        parts.append(f"<p>Counts of {esc(level)}:</p>" + _html_table(wide.reset_index()))
    parts.append("<h2>Concreteness 具体程度</h2>")
    parts.append(
        '<p class="note">Shares are of the group\'s measures: with a deadline, with an explicit'
        " responsible party (not the implicit author unit), with a quantitative target"
        " (95%, 4场, 10名, 2000元); depth is the deepest numbering level.</p>"
    )
    parts += [_img(charts["concreteness.png"], f"concreteness by {by}"), _html_table(by_group)]
    parts.append("<h2>Distinctive terms 特征词</h2>")
    parts.append(
        '<p class="note">Weighted log-odds with an informative Dirichlet prior (Monroe, Colaresi'
        " and Quinn 2008), each group against all others; z above 1.96 is distinctive at the"
        " 5 % level. Keyness (G²) in keyness.csv.</p>"
    )
    figures = "".join(
        f"<figure>{_img(charts[name], f'distinctive terms of {group}')}"
        f"<figcaption>{esc(group)}</figcaption></figure>"
        for group, name in term_charts
    )
    parts.append(f'<div class="terms">{figures}</div>')
    parts.append(_html_table(terms[[by, "rank", "term", "count", "count_rest", "z"]], limit=100))
    parts.append("<h2>Similarity 相似度</h2>")
    parts.append(
        '<p class="note">TF-IDF cosine between plans, ordered by average-linkage clusters on'
        f" 1 − cosine. Near-duplicate pairs (≥ {threshold:g}) point to shared template text.</p>"
    )
    parts.append(_img(charts["similarity.png"], "similarity between plans"))
    parts.append(f"<p>{len(dups)} near-duplicate pairs:</p>" + _html_table(dups))
    sized = groups_of_docs[groups_of_docs["size"] > 1].sort_values(["cluster", "order"])
    parts.append(f"<p>Clusters with more than one plan ({sized['cluster'].nunique()}):</p>")
    parts.append(_html_table(sized[["cluster", "size", "doc_id"]], limit=200))
    shown = [c for c in plans_table.columns if c not in ("path", "title", "plan")]
    parts += ["<h2>Plans 计划</h2>", _html_table(plans_table[shown], limit=200)]
    parts.append("<h2>Files 文件</h2><ul>")
    parts += [f"<li><code>{esc(p.name)}</code></li>" for p in written if p.suffix == ".csv"]
    parts.append(
        '</ul><p class="note">Each table also as Parquet. documents.csv (doc_id, text, metadata)'
        " reads into quanteda and KH Coder; codes.csv is the section/measure × theme matrix.</p>"
    )
    parts.append("</body></html>")
    return "\n".join(parts)


def run_compare(inputs: list[str], out_dir: str, by: str, manifest: str | None) -> int:
    """The ``unionnlp compare`` command: write the report and say where it is.

    Returns 0 on success, 1 when some inputs failed or the report could not be
    made (a missing package or font), 2 for usage errors (missing inputs, an
    unknown ``--by`` column, a bad manifest) and for a report that could not be
    written (nothing of it is left behind).
    """
    try:
        corpus = load_corpus(inputs, manifest=manifest)
        report = write_report(corpus, out_dir, by=by)
    except InputError as err:
        print(f"unionnlp: {err}", file=sys.stderr)
        return 2
    except UnionNLPError as err:
        print(f"unionnlp: {err}", file=sys.stderr)
        return 1
    except OSError as err:
        reason = err.strerror or str(err)
        print(f"unionnlp: cannot write the report to {out_dir}: {reason}", file=sys.stderr)
        return 2
    for path, message in corpus.failures:
        print(f"unionnlp: skipped {path}: {message}", file=sys.stderr)
    print(f"{len(corpus)} plans compared by {by}; report: {report}")
    return 1 if corpus.failures else 0
