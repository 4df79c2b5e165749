"""Writing records as tables: the flat measures CSV, SQLite, Excel and a Parquet folder.

:func:`tables_from_records` turns plan records (:func:`.export.plan_record`) and
failure records into flat tables (plans, sections, measures, deadlines, parties,
failures); :func:`_write` writes them in the kind an output's extension names,
atomically (a temporary file renamed into place). :mod:`.batch` calls these at
the end of a run; JSON Lines is copied from the run's journal instead.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from .errors import InputError

__all__ = ["tables_from_records"]


def _check_writer(kind: str) -> None:
    needs = {
        ".parquet": ("pandas", "pyarrow"),
        ".xlsx": ("pandas", "openpyxl"),
        ".csv": (),
        ".sqlite": (),
        ".jsonl": (),
    }[kind]
    for module in needs:
        try:
            __import__(module)
        except ImportError as err:
            raise InputError(
                f"writing {kind} needs the {module} package: pip install 'unionnlp[export]'"
            ) from err


def _atomic(path: Path) -> tuple[Path, Callable[[], None]]:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp makes 0600; outputs are ordinary files

    def commit() -> None:
        os.replace(tmp_path, path)

    return tmp_path, commit


def _write(kind: str, output: Path, records: Iterable[dict[str, Any]]) -> None:
    """Write a CSV, SQLite, Parquet or Excel output (JSON Lines is copied from the journal)."""
    if kind == ".csv":
        tmp, commit = _atomic(output)
        try:
            _write_csv(
                tmp, (row for r in records for row in _flat_measures(tables_from_records([r])))
            )
            commit()
        finally:
            tmp.unlink(missing_ok=True)
    elif kind == ".sqlite":
        _write_sqlite(output, records)
    elif kind == ".xlsx":
        _write_xlsx(output, tables_from_records(records))
    elif kind == ".parquet":
        _write_parquet_dir(output, tables_from_records(records))


# ---------------------------------------------------------------------------
# tables


def tables_from_records(records: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Flat tables (plans, sections, measures, deadlines, parties, failures) from records."""
    tables: dict[str, list[dict[str, Any]]] = {
        "plans": [], "sections": [], "measures": [], "deadlines": [], "parties": [],
        "failures": [],
    }  # fmt: skip
    for record in records:
        src = record.get("source", {})
        path = src.get("path")
        if "failure" in record:
            tables["failures"].append({"path": path, **record["failure"]})
            continue
        meta = record.get("metadata", {})
        for doc in record["documents"]:
            key = {"path": path, "plan": doc["index"]}
            by_id = {s["id"]: s for s in doc["sections"]}
            tables["plans"].append({
                **key, "sha256": src.get("sha256"), "title": doc["title"], "unit": doc["unit"],
                "unit_type": meta.get("unit_type"), "region": meta.get("region"),
                "year": doc["year"], "period": doc["period"], "script": doc["script"],
                "sections": sum(1 for s in doc["sections"] if s["marker"]),
                "measures": sum(len(s["measures"]) for s in doc["sections"]),
                "start": doc["span"]["start"], "end": doc["span"]["end"],
            })  # fmt: skip
            for sec in doc["sections"]:
                chain, cur = [], sec
                while cur is not None:
                    chain.append(f"{cur['marker']}{cur['title']}")
                    cur = by_id.get(cur["parent"]) if cur["parent"] else None
                section_path = " > ".join(reversed(chain))
                themes = ";".join(t["label"] for t in sec["themes"])
                tables["sections"].append({
                    **key, "section": sec["id"], "parent": sec["parent"], "level": sec["level"],
                    "marker": sec["marker"], "title": sec["title"], "themes": themes,
                    "start": sec["span"]["start"], "end": sec["span"]["end"],
                })  # fmt: skip
                for mi, m in enumerate(sec["measures"]):
                    mkey = {**key, "section": sec["id"], "measure": mi}
                    explicit = [p for p in m["parties"] if not p.get("implicit")]
                    tables["measures"].append({
                        **mkey, "title": doc["title"], "unit": doc["unit"],
                        "section_path": section_path, "text": m["text"],
                        "schedule": m.get("schedule"),
                        "deadlines": "；".join(d["text"] for d in m["deadlines"]),
                        "deadline_values": "；".join(d["value"] or "" for d in m["deadlines"]),
                        "parties": "；".join(
                            f"{p['name']}({p['role']})" for p in (explicit or m["parties"])
                        ),
                        "themes": ";".join(t["label"] for t in m["themes"]) or themes,
                        "start": m["span"]["start"], "end": m["span"]["end"],
                    })  # fmt: skip
                    for d in m["deadlines"]:
                        tables["deadlines"].append({
                            **mkey, "text": d["text"], "kind": d["kind"], "value": d["value"],
                            "rrule": d["rrule"], "rule": d.get("rule", ""),
                            "start": d["span"]["start"], "end": d["span"]["end"],
                        })  # fmt: skip
                    for p in m["parties"]:
                        tables["parties"].append({
                            **mkey, "name": p["name"], "canonical": p.get("canonical"),
                            "role": p["role"], "implicit": bool(p.get("implicit")),
                            "start": p["span"]["start"], "end": p["span"]["end"],
                        })  # fmt: skip
    return tables


_FLAT_COLUMNS = (
    "path",
    "plan",
    "title",
    "unit",
    "section",
    "section_path",
    "measure",
    "text",
    "schedule",
    "deadlines",
    "deadline_values",
    "parties",
    "themes",
)


def _flat_measures(tables: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    return [{k: row.get(k) for k in _FLAT_COLUMNS} for row in tables["measures"]]


def _write_csv(path: Path, rows: Iterable[dict[str, Any]]) -> None:
    # utf-8-sig so that Excel opens Chinese text correctly
    with path.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.DictWriter(stream, fieldnames=list(_FLAT_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)


def _write_sqlite(output: Path, records: Iterable[dict[str, Any]]) -> None:
    """One table per kind, filled record by record (columns from the first row of each)."""
    import sqlite3

    tmp, commit = _atomic(output)
    try:
        tmp.unlink()
        with sqlite3.connect(tmp) as db:
            columns: dict[str, list[str]] = {}
            for record in records:
                for name, rows in tables_from_records([record]).items():
                    if not rows:
                        continue
                    if name not in columns:
                        columns[name] = list(rows[0])
                        quoted = ", ".join(f'"{c}"' for c in columns[name])
                        db.execute(f'CREATE TABLE "{name}" ({quoted})')
                    cols = columns[name]
                    db.executemany(
                        f'INSERT INTO "{name}" VALUES ({", ".join("?" for _ in cols)})',
                        [tuple(row.get(c) for c in cols) for row in rows],
                    )
            for name in ("plans", "sections", "measures", "deadlines", "parties", "failures"):
                if name not in columns:
                    db.execute(f'CREATE TABLE "{name}" ("path")')
        commit()
    finally:
        tmp.unlink(missing_ok=True)


def _write_xlsx(output: Path, tables: dict[str, list[dict[str, Any]]]) -> None:
    import pandas as pd

    tmp, commit = _atomic(output)
    try:
        with pd.ExcelWriter(tmp, engine="openpyxl") as writer:
            pd.DataFrame(_flat_measures(tables), columns=list(_FLAT_COLUMNS)).to_excel(
                writer, sheet_name="measures (flat)", index=False
            )
            for name, rows in tables.items():
                pd.DataFrame(rows).to_excel(writer, sheet_name=name, index=False)
        commit()
    finally:
        tmp.unlink(missing_ok=True)


def _write_parquet_dir(output: Path, tables: dict[str, list[dict[str, Any]]]) -> None:
    """A folder ``OUT.parquet/`` holding one Parquet file per table, swapped in atomically."""
    import shutil

    import pandas as pd

    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.", dir=output.parent))
    try:
        for name, rows in tables.items():
            pd.DataFrame(rows).to_parquet(staging / f"{name}.parquet", index=False)
        if output.exists():
            old = output.with_name(f".{output.name}.old")
            shutil.rmtree(old, ignore_errors=True)
            os.replace(output, old)
            os.replace(staging, output)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(staging, output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


# ---------------------------------------------------------------------------
# Dask
