"""The corpus every comparison reads: plans with one metadata row each.

:class:`Corpus` holds the plans and their metadata (the columns of
:data:`BASE_COLUMNS` and any a manifest adds), computes each plan's text
(:func:`plan_text`) and tokens on first use, and labels plans by a metadata
column. Also here: the constants and the optional-dependency check the
other modules of :mod:`unionnlp.compare` share, and the domain knowledge of
``data/compare.toml`` (unit-type keywords, quantity rules), loaded on first use.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import regex

from ..errors import DataFileError, InputError, UnionNLPError
from ..model import Plan, Section
from ..resources import load_rules, load_toml

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "BASE_COLUMNS",
    "MANIFEST_COLUMNS",
    "UNKNOWN",
    "UNLABELLED",
    "Corpus",
    "PlansLike",
    "plan_text",
]


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


def _group_order(groups: Iterable[str]) -> list[str]:
    unique = set(groups)
    return sorted(unique - {UNKNOWN}) + ([UNKNOWN] if UNKNOWN in unique else [])
