"""Gold files in the format of ANNOTATION.md (``*.gold.json``): :func:`load_gold`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import DataFileError

__all__ = ["Gold", "load_gold"]


@dataclass(frozen=True)
class Gold:
    """One gold file: the source path and its annotated documents."""

    path: Path
    source: Path
    documents: tuple[dict[str, Any], ...]


_GOLD_HINT = "Fix the gold file (see ANNOTATION.md for the format)."


def load_gold(path: str | Path) -> Gold:
    """Read a gold file; the source file is resolved next to it.

    Raises:
        DataFileError: the file is not valid gold JSON or its source is missing.
    """
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as err:
        raise DataFileError(
            path, f"JSON syntax error: {err.msg}", line=err.lineno, hint=_GOLD_HINT
        ) from err
    except UnicodeDecodeError as err:
        raise DataFileError(
            path, f"not UTF-8 JSON ({err.reason} at byte {err.start})", hint=_GOLD_HINT
        ) from err
    except OSError as err:
        raise DataFileError(path, f"cannot read it ({err.strerror})", hint=_GOLD_HINT) from err
    if not isinstance(data, dict) or "source" not in data or "documents" not in data:
        raise DataFileError(path, "a gold file needs 'source' and 'documents'", hint=_GOLD_HINT)
    source = path.parent / str(data["source"])
    if not source.exists():
        raise DataFileError(
            path, f"its source {str(data['source'])!r} is not beside it", hint=_GOLD_HINT
        )
    docs = data["documents"]
    if not isinstance(docs, list):
        raise DataFileError(path, "'documents' must be a list", hint=_GOLD_HINT)
    return Gold(path=path, source=source, documents=tuple(docs))


def _gold_sections(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in doc.get("sections", ()) if isinstance(s, dict)]
