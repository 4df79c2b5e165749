"""unionnlp: Chinese trade-union work plans (工会工作计划) as structured, span-anchored data.

Public entry points (nothing heavy runs at import; data and models load on first use)::

    >>> import unionnlp
    >>> plans = unionnlp.parse("工会工作计划\\n一、加强组织建设\\n1、调整工会小组。")
    >>> plans[0].sections[0].title
    '加强组织建设'
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

# Load the normalize and display modules now (they are light: nothing is read until first
# use) so that the functions below, not the modules, are what `unionnlp.normalize` and
# `unionnlp.display` name.
from . import display as _display_module  # noqa: F401
from . import normalize as _normalize_module  # noqa: F401
from .errors import (
    DataFileError,
    DecodeError,
    EmptyInputError,
    InputError,
    InputTypeError,
    PipelineError,
    ProcessingTimeout,
    ReaderError,
    UnionNLPError,
    UnsupportedFormatError,
    WorkerCrash,
)
from .model import (
    SCHEMA,
    Deadline,
    Measure,
    Notice,
    Party,
    Placeholder,
    Plan,
    Section,
    Source,
    Span,
    Table,
    ThemeScore,
)

if TYPE_CHECKING:
    from types import ModuleType

    from . import compare
    from .normalize import NormalizedText

__all__ = [
    "SCHEMA",
    "DataFileError",
    "Deadline",
    "DecodeError",
    "EmptyInputError",
    "InputError",
    "InputTypeError",
    "Measure",
    "Notice",
    "Party",
    "PipelineError",
    "Placeholder",
    "Plan",
    "ProcessingTimeout",
    "ReaderError",
    "Section",
    "Source",
    "Span",
    "Table",
    "ThemeScore",
    "UnionNLPError",
    "UnsupportedFormatError",
    "WorkerCrash",
    "__version__",
    "compare",
    "display",
    "normalize",
    "parse",
    "parse_file",
    "read",
]

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

#: submodules that are public names of the package, imported when first used
_LAZY_MODULES = ("compare",)


def __getattr__(name: str) -> ModuleType:
    # `unionnlp.compare` (as the README writes it) without paying for it at import.
    if name in _LAZY_MODULES:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *_LAZY_MODULES})


def display(plan: Plan, *, jupyter: bool | None = None) -> str | None:
    """Show a plan with its sections, measures, deadlines, parties and themes marked.

    In Jupyter the plan is shown (and ``None`` returned); elsewhere the HTML is
    returned (see :func:`unionnlp.display.render`). 示例: ``unionnlp.display(plans[0])``.
    """
    from .display import display as _display

    return _display(plan, jupyter=jupyter)


def normalize(text: str) -> NormalizedText:
    """Normalise ``text`` with the default :class:`~unionnlp.normalize.Normalizer`.

    Returns the normalised text with its offset map, script, warnings and
    placeholders. 示例: ``unionnlp.normalize("工會(huì)").text == "工会"``.
    """
    from .pipeline import default_pipeline

    return default_pipeline().normalizer(text)


def parse(text: str, *, source: Source | None = None) -> list[Plan]:
    """Parse plan text into :class:`Plan` objects (one per plan found in the text).

    Args:
        text: the decoded text; spans in the result index into it.
        source: the :class:`Source` the text came from (kept on each plan).

    Raises:
        InputTypeError: ``text`` is not ``str``.
        EmptyInputError: ``text`` is empty or white space only.
    """
    from .pipeline import default_pipeline

    return default_pipeline().parse(text, source=source)


def read(path: str | Path) -> Source:
    """Read a file into a :class:`Source` (format and encoding detected)."""
    from .readers import read as _read

    return _read(path)


def parse_file(path: str | Path) -> list[Plan]:
    """Read a file and parse it; spans index into ``plan.source.text``.

    Raises:
        UnsupportedFormatError, DecodeError, ReaderError: the file cannot be read.
    """
    source = read(path)
    return parse(source.text, source=source)
