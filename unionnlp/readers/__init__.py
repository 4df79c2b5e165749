"""Readers: one module per format, each ``read(path) -> Source``.

:func:`read` picks the reader by file extension: text and Markdown
(:mod:`.text`), web pages (:mod:`.html`), Word .docx (:mod:`.docx`), legacy
office files through LibreOffice (:mod:`.office`: .doc, .wps, .rtf, .odt;
:mod:`.libreoffice` keeps one LibreOffice running for many files) and PDF
(:mod:`.pdf`). Other extensions raise
:class:`~unionnlp.errors.UnsupportedFormatError` listing what is supported.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import InputError, UnsupportedFormatError
from ..model import Source

__all__ = ["SUPPORTED", "read"]

Reader = Callable[[Path], Source]


# Each reader is imported on first use: its third-party library (trafilatura,
# python-docx, pdfplumber) costs import time that plain-text runs should not pay.


def _text(path: Path) -> Source:
    from .text import read as read_text

    return read_text(path)


def _html(path: Path) -> Source:
    from .html import read as read_html

    return read_html(path)


def _docx(path: Path) -> Source:
    from .docx import read as read_docx

    return read_docx(path)


def _office(path: Path) -> Source:
    from .office import read as read_office

    return read_office(path)


def _pdf(path: Path) -> Source:
    from .pdf import read as read_pdf

    return read_pdf(path)


#: extension -> reader
SUPPORTED: dict[str, Reader] = {
    ".txt": _text,
    ".text": _text,
    ".md": _text,
    ".markdown": _text,
    ".html": _html,
    ".htm": _html,
    ".docx": _docx,
    ".doc": _office,
    ".wps": _office,
    ".rtf": _office,
    ".odt": _office,
    ".pdf": _pdf,
}


def read(path: str | Path) -> Source:
    """Read ``path`` with the reader for its extension.

    Raises:
        InputError: the path does not exist or is a directory.
        UnsupportedFormatError: no reader handles the extension.
        EmptyInputError: a binary document (docx, PDF, office, HTML) is empty.
        DecodeError: a text file or web page cannot be decoded.
        ReaderError: a document is damaged, image-only, or needs a missing tool.
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
