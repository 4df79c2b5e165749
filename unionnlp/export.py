"""Output records: the JSON Lines record of one source file, and failure records.

The record of a parsed file is ``{"schema", "source", "documents", "warnings"}``
(see ``data/plan.schema.json``); a file that could not be processed gives
``{"schema", "source": {"path"}, "failure": {"stage", "error", "message"}}``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

from .model import SCHEMA, Plan, Source

__all__ = ["dump_jsonl", "failure_record", "outline", "plan_record"]


def plan_record(source: Source, plans: Sequence[Plan]) -> dict[str, Any]:
    """The JSON record of one source file and its plans."""
    return {
        "schema": SCHEMA,
        "source": source.to_dict(),
        "documents": [p.to_dict() for p in plans],
        "warnings": [w.to_dict() for w in source.warnings],
    }


def failure_record(path: str, stage: str, error: BaseException) -> dict[str, Any]:
    """The record of an input that could not be processed: path, stage, error type, message."""
    return {
        "schema": SCHEMA,
        "source": {"path": path},
        "failure": {"stage": stage, "error": type(error).__name__, "message": str(error)},
    }


def dump_jsonl(record: dict[str, Any], stream: TextIO) -> None:
    """Write one record as one line of JSON (UTF-8 text, Chinese kept readable)."""
    stream.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
    stream.write("\n")


def outline(source: Source, plans: Sequence[Plan]) -> str:
    """A readable outline of the plans: titles, numbered sections, measures, warnings."""
    lines = [f"# {source.path or '<text>'}  ({len(plans)} plan{'s' if len(plans) != 1 else ''})"]
    for plan in plans:
        meta = ", ".join(
            f"{k}: {v}"
            for k, v in (
                ("unit", plan.unit),
                ("year", plan.year),
                ("period", plan.period),
                ("script", plan.script),
            )
            if v
        )
        lines.append("")
        lines.append(
            f"## {plan.index + 1}. {plan.title or '(untitled plan)'}"
            + (f"  [{meta}]" if meta else "")
        )
        for sec in plan.sections:
            indent = "  " * (sec.level - 1)
            label = f"{sec.marker}{sec.title}" if sec.marker else "(unnumbered text)"
            n = len(sec.measures)
            suffix = f"  ({n} measure{'s' if n != 1 else ''})" if n else ""
            lines.append(f"{indent}- {label}{suffix}")
        for warning in plan.warnings:
            lines.append(f"  ! {warning.code}: {warning.message}")
    return "\n".join(lines)
