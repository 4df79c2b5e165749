"""Readers: one module per format, each ``read(path) -> Source``.

:func:`read` picks the reader by file extension. Formats not yet supported
raise :class:`~unionnlp.errors.UnsupportedFormatError` listing what is.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import InputError, UnsupportedFormatError
from ..model import Source

__all__ = ["SUPPORTED", "read"]

Reader = Callable[[Path], Source]


def _text(path: Path) -> Source:
    from .text import read as read_text

    return read_text(path)


#: extension -> reader
SUPPORTED: dict[str, Reader] = {".txt": _text, ".text": _text, ".md": _text, ".markdown": _text}


def read(path: str | Path) -> Source:
    """Read ``path`` with the reader for its extension.

    Raises:
        InputError: the path does not exist or is a directory.
        UnsupportedFormatError: no reader handles the extension.
        DecodeError: a text file cannot be decoded.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(f"no such file: {str(path)!r}")
    if path.is_dir():
        raise InputError(f"{str(path)!r} is a folder; pass files, or use `unionnlp convert`")
    reader = SUPPORTED.get(path.suffix.lower())
    if reader is None:
        raise UnsupportedFormatError.for_path(path, SUPPORTED)
    return reader(path)
