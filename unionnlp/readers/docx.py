"""Word .docx files: paragraphs with their automatic numbering, and tables, in document order.

Each paragraph of the body becomes one line, prefixed with the list number
Word would show (``一、``, ``（一）``, ``1.``; see :mod:`._word_numbering`),
because python-docx leaves that number out and the structure parser needs it.
Tables stand where they are in the document, one line per row
(``cell | cell | cell``), and are returned as :class:`~unionnlp.model.Table`
objects whose cell spans index the rendered text. Content controls
(``w:sdt``), tracked insertions, hyperlinks and field results are read;
deleted text, field codes, headers, footers, footnotes and text boxes are not.

示例::

    >>> source = read("plan.docx")            # doctest: +SKIP
    >>> source.text.splitlines()[1]           # doctest: +SKIP
    '一、积极提升工会影响力'
"""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path
from typing import Any, NamedTuple

from ..errors import ReaderError
from ..model import ListLevel, Notice, Source, Table
from ._layout import TextBuilder
from ._support import read_bytes
from ._word_numbering import MC, Element, Numbering, W

__all__ = ["Rendered", "read", "render"]

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_RT_NUMBERING = f"{_RELS}/numbering"
_RT_STYLES = f"{_RELS}/styles"

# Inside a paragraph: subtrees whose text is not shown (deleted or moved-away text,
# properties), is shown elsewhere (text boxes), or duplicates another branch (the
# fallback of mc:AlternateContent).
_SKIP_INLINE = frozenset(
    W + tag for tag in ("del", "moveFrom", "pPr", "rPr", "txbxContent", "instrText", "delText")
) | {MC + "Fallback"}
# Block containers whose children are paragraphs and tables.
_BLOCK_WRAPPERS = frozenset(W + tag for tag in ("sdt", "sdtContent", "customXml", "ins"))
_ROW_WRAPPERS = frozenset(W + tag for tag in ("sdt", "sdtContent", "customXml"))


class Rendered(NamedTuple):
    """A .docx rendered as plan text: the text, its tables, reader warnings and list levels."""

    text: str
    tables: list[Table]
    warnings: list[Notice]
    levels: list[ListLevel]


def read(path: str | Path) -> Source:
    """Read a .docx file into a :class:`Source`.

    Raises:
        InputError: the file cannot be read.
        EmptyInputError: the file is empty.
        ReaderError: the file is not a readable .docx (damaged, truncated, a
            legacy .doc or a password-protected file under a .docx name), or
            python-docx is not installed.
    """
    path = Path(path)
    raw = read_bytes(path, format="docx")
    rendered = render(raw, path=path)
    return Source.from_text(
        rendered.text,
        path=str(path),
        format="docx",
        raw=raw,
        warnings=rendered.warnings,
        tables=rendered.tables,
        levels=rendered.levels,
    )


def render(raw: bytes, *, path: Path, format: str = "docx") -> Rendered:
    """Render the bytes of a .docx package; ``path`` and ``format`` name it in errors.

    Raises:
        ReaderError: as for :func:`read`.
    """
    body, numbering_xml, styles_xml = _open(raw, path=path, format=format)
    numbering = Numbering(numbering_xml, styles_xml)
    builder = TextBuilder()
    _Renderer(numbering, builder).blocks(body)
    warnings: list[Notice] = []
    if numbering.unknown_formats:
        formats = ", ".join(sorted(numbering.unknown_formats))
        warnings.append(
            Notice(
                "docx-numbering-format",
                f"list numbers in format(s) {formats} were rendered as decimal numbers",
            )
        )
    return Rendered(builder.text(), builder.tables, warnings, builder.levels)


def _open(raw: bytes, *, path: Path, format: str) -> tuple[Element, Element | None, Element | None]:
    """The body, numbering and styles elements of the package in ``raw``."""
    if raw.startswith(_OLE2):
        raise ReaderError.damaged(
            path,
            format=format,
            detail="it is an OLE2 compound file, i.e. a Word 97-2003 document or a"
            " password-protected .docx, not a .docx package",
            hint="Rename a Word 97-2003 file to .doc so it is converted with LibreOffice;"
            " remove the password of a protected file in Word first.",
        )
    if not raw.startswith(b"PK"):
        raise ReaderError.damaged(
            path,
            format=format,
            detail=f"it is not a ZIP package (a .docx is a ZIP of XML parts); it starts with"
            f" {raw[:8]!r}",
        )
    try:
        import docx
        from docx.opc.exceptions import PackageNotFoundError
        from lxml import etree
    except ImportError as err:
        raise ReaderError.missing_package(path, format=format, package="python-docx") from err
    damaged: tuple[type[BaseException], ...] = (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        EOFError,
        KeyError,
        ValueError,
        NotImplementedError,
        PackageNotFoundError,
        etree.LxmlError,
    )
    try:
        document = docx.Document(io.BytesIO(raw))
        part: Any = document.part
        numbering = _related_element(part, _RT_NUMBERING)
        styles = _related_element(part, _RT_STYLES)
        body = document.element.body
    except damaged as err:
        detail = str(err) or type(err).__name__
        raise ReaderError.damaged(
            path,
            format=format,
            detail=f"the package is damaged or truncated ({type(err).__name__}: {detail})",
        ) from err
    return body, numbering, styles


def _related_element(part: Any, reltype: str) -> Element | None:
    """The XML root of the part related to ``part`` by ``reltype``, if there is one."""
    try:
        related = part.part_related_by(reltype)
    except KeyError:
        return None
    return getattr(related, "element", None)


class _Renderer:
    """Walks the body in document order, feeding lines and tables to the builder."""

    def __init__(self, numbering: Numbering, builder: TextBuilder) -> None:
        self.numbering = numbering
        self.builder = builder

    def blocks(self, container: Element) -> None:
        for child in container:
            tag = child.tag
            if tag == W + "p":
                label, level, text = self.numbered(child)
                if label and level is not None:
                    self.builder.numbered_line(label, text, level)
                else:
                    self.builder.line(text)
            elif tag == W + "tbl":
                self.builder.table(self.table_rows(child))
            elif tag in _BLOCK_WRAPPERS:
                self.blocks(child)

    def paragraph(self, p: Element) -> str:
        """The paragraph's text with its list number, as Word shows it."""
        label, _, text = self.numbered(p)
        return (label or "") + text

    def numbered(self, p: Element) -> tuple[str | None, int | None, str]:
        """``(list number, list level w:ilvl, text)`` of a paragraph (``None`` when unnumbered)."""
        text = _inline_text(p)
        numbered = self.numbering.numbering_of(p)
        if numbered is None:
            return None, None, text
        label = self.numbering.label(*numbered)
        return (label, numbered[1], text) if label else (None, None, text)

    def table_rows(self, tbl: Element) -> list[list[str]]:
        return [[self.cell(tc) for tc in _children(tr, "tc")] for tr in _children(tbl, "tr")]

    def cell(self, tc: Element) -> str:
        """A cell's paragraphs (and nested tables) as one run of text."""
        parts: list[str] = []
        self._cell_text(tc, parts)
        return " ".join(p for p in parts if p.strip())

    def _cell_text(self, container: Element, parts: list[str]) -> None:
        for child in container:
            tag = child.tag
            if tag == W + "p":
                parts.append(self.paragraph(child))
            elif tag == W + "tbl":
                for row in self.table_rows(child):
                    parts.extend(row)
            elif tag in _BLOCK_WRAPPERS:
                self._cell_text(child, parts)


def _children(parent: Element, tag: str) -> list[Element]:
    """Children named ``w:tag``, looking through content controls and custom XML."""
    found: list[Element] = []
    for child in parent:
        if child.tag == W + tag:
            found.append(child)
        elif child.tag in _ROW_WRAPPERS:
            found.extend(_children(child, tag))
    return found


def _inline_text(p: Element) -> str:
    parts: list[str] = []
    _collect(p, parts)
    return "".join(parts)


def _collect(element: Element, parts: list[str]) -> None:
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIP_INLINE:
            continue
        if tag == W + "t":
            parts.append(child.text or "")
        elif tag in (W + "tab", W + "ptab"):
            parts.append("\t")
        elif tag in (W + "br", W + "cr"):
            parts.append("\n")
        elif tag == W + "noBreakHyphen":
            parts.append("-")
        elif tag == W + "sym":
            parts.append(_symbol(child))
        elif tag == W + "p":
            continue  # a paragraph nested in a drawing or object: not part of this line
        else:
            _collect(child, parts)


def _symbol(sym: Element) -> str:
    """A ``w:sym`` character; symbol-font glyphs (private use area) are dropped, and so
    are code points that are no character (surrogates, beyond U+10FFFF)."""
    try:
        code = int(str(sym.get(W + "char") or ""), 16)
    except ValueError:
        return ""
    if 0xE000 <= code <= 0xF8FF or 0xD800 <= code <= 0xDFFF or not 0 < code <= 0x10FFFF:
        return ""
    return chr(code)
