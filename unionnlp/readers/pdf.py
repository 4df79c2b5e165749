"""PDF files with a text layer, read page by page with pdfplumber.

Pages are joined with ``"\\n"``. Within a page, the lines pdfplumber
reconstructs from glyph positions are joined back into paragraphs where the
layout shows a wrap (see :func:`_unwrap`): the structure parser reads one
paragraph per line, and a hard-wrapped fragment such as ``随着公司的发展，……需要``
would otherwise look like a title line. Two kinds of PDF are refused because
their text cannot be recovered here: scans (pages without a text layer) and
PDFs whose fonts have no Unicode map, whose text comes out as ``(cid:123)``
glyph codes. Pages without text inside an otherwise readable PDF are reported
in a ``pdf-pages-without-text`` notice.

示例::

    >>> source = read("plan.pdf")             # doctest: +SKIP
    >>> source.text.splitlines()[0]           # doctest: +SKIP
    '工会下半年工作计划'
"""

from __future__ import annotations

import io
import re
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ReaderError
from ..model import Notice, Source
from ._support import read_bytes

__all__ = ["CID_SHARE_LIMIT", "read"]

#: share of non-space characters inside ``(cid:NNN)`` markers above which a PDF is refused
CID_SHARE_LIMIT = 0.2
_CID = re.compile(r"\(cid:\d+\)")
_SPACE = re.compile(r"\s+")


def read(path: str | Path) -> Source:
    """Read the text layer of a PDF into a :class:`Source`.

    Raises:
        InputError: the file cannot be read.
        EmptyInputError: the file is empty.
        ReaderError: the file is not a readable PDF (damaged, truncated,
            password-protected, not a PDF), is image-only (OCR it first), its
            text is ``(cid:…)`` glyph codes, or pdfplumber is not installed.
    """
    path = Path(path)
    raw = read_bytes(path, format="PDF")
    if b"%PDF-" not in raw[:1024]:
        raise ReaderError.damaged(
            path,
            format="PDF",
            detail=f"there is no PDF header (%PDF-); the file starts with {raw[:8]!r}",
            hint="Check that the file is a PDF (the extension may be wrong) or download it again.",
        )
    pages = _page_texts(raw, path)
    if not pages:
        raise ReaderError.damaged(path, format="PDF", detail="the document has no pages")
    joined = "\n".join(pages)
    visible = len(_SPACE.sub("", joined))
    if visible == 0:
        raise ReaderError.image_only_pdf(path, pages=len(pages))
    in_markers = sum(len(_SPACE.sub("", m.group())) for m in _CID.finditer(joined))
    if in_markers / visible > CID_SHARE_LIMIT:
        raise ReaderError.cid_pdf(path, share=in_markers / visible)
    warnings = []
    blank = [str(number) for number, text in enumerate(pages, 1) if not text.strip()]
    if blank:
        warnings.append(
            Notice(
                "pdf-pages-without-text",
                f"page(s) {', '.join(blank)} of {len(pages)} have no text layer (scanned?);"
                " their content is missing",
            )
        )
    return Source.from_text(joined, path=str(path), format="pdf", raw=raw, warnings=warnings)


def _page_texts(raw: bytes, path: Path) -> list[str]:
    """The text of every page, in order.

    Raises:
        ReaderError: pdfplumber is missing or cannot read the document.
    """
    try:
        import pdfplumber
    except ImportError as err:
        raise ReaderError.missing_package(path, format="PDF", package="pdfplumber") from err
    texts: list[str] = []
    try:
        with pdfplumber.open(io.BytesIO(raw)) as pdf:
            for page in pdf.pages:
                lines = page.extract_text_lines(strip=True, return_chars=False)
                texts.append("\n".join(_unwrap([_Line.of(line) for line in lines])))
                page.close()  # drop the page's cached layout objects
    except Exception as err:
        # pdfminer raises anything from PSSyntaxError to TypeError or zlib.error on
        # damaged files; all of it means "this PDF cannot be read".
        raise _failure(err, path) from err
    return texts


def _failure(err: Exception, path: Path) -> ReaderError:
    chain: list[BaseException] = [err, *(a for a in err.args if isinstance(a, BaseException))]
    if err.__cause__ is not None:
        chain.append(err.__cause__)
    names = {type(e).__name__ for e in chain}
    if names & {"PDFPasswordIncorrect", "PDFEncryptionError", "PDFEncryptionWarning"}:
        return ReaderError.damaged(
            path,
            format="PDF",
            detail="it is password-protected",
            hint="Remove the password (for example qpdf --decrypt --password=… in.pdf out.pdf)"
            " and read the decrypted copy.",
        )
    inner = next((e for e in chain[1:] if str(e)), err)
    detail = str(inner) or type(inner).__name__
    return ReaderError.damaged(
        path,
        format="PDF",
        detail=f"the file is damaged or truncated ({type(inner).__name__}: {detail})",
        hint="Download it again or export it again from the original document.",
    )


# -- paragraphs from wrapped lines --------------------------------------------------

#: a line ending this close to the right edge of the text (in character heights) wrapped
_WRAP_SLACK = 3.5
#: a next line starting further in than this (in character heights) opens a paragraph
_INDENT = 1.2
_SENTENCE_END = tuple("。！？；：…”’」』）)!?;:")
# A line that starts like a numbered heading after a finished sentence is a new
# paragraph even when the sentence happened to fill the line.
_HEADING_START = re.compile(
    r"(?:[一二三四五六七八九十]+[、.．]|[（(][一二三四五六七八九十\d]+[)）]|\d+[、.．)]"
    r"|[\u2460-\u249b]|第[一二三四五六七八九十\d]+[章节条部分篇])"
)


@dataclass(frozen=True, slots=True)
class _Line:
    text: str
    x0: float
    x1: float
    height: float

    @classmethod
    def of(cls, line: Mapping[str, Any]) -> _Line:
        return cls(
            str(line["text"]),
            float(line["x0"]),
            float(line["x1"]),
            float(line["bottom"]) - float(line["top"]),
        )


def _unwrap(lines: Sequence[_Line]) -> list[str]:
    """Join the lines of one page back into paragraphs.

    A line continues into the next one when it reaches the right edge of the
    text block (within a few characters: Chinese line breaking moves
    punctuation down) and the next line is not indented. A page whose lines
    rarely reach the edge (headings, a table) is left as it is, and a finished
    sentence is never joined to a line that starts like a numbered heading.
    """
    if len(lines) < 2:
        return [line.text for line in lines]
    size = statistics.median(line.height for line in lines) or 1.0
    left = min(line.x0 for line in lines)
    right = max(line.x1 for line in lines)
    full = [line.x1 >= right - _WRAP_SLACK * size for line in lines]
    if right - left < 15 * size or sum(full) < max(3, 0.3 * len(lines)):
        return [line.text for line in lines]
    paragraphs = [lines[0].text]
    for index in range(1, len(lines)):
        before, line = lines[index - 1], lines[index]
        wrapped = (
            full[index - 1]
            and line.x0 <= left + _INDENT * size
            and not (before.text.endswith(_SENTENCE_END) and _HEADING_START.match(line.text))
        )
        if wrapped:
            paragraphs[-1] += _joiner(paragraphs[-1], line.text) + line.text
        else:
            paragraphs.append(line.text)
    return paragraphs


def _joiner(left: str, right: str) -> str:
    """A space between two Latin words, nothing between Chinese characters."""
    if left and right and left[-1].isascii() and left[-1].isalnum() and right[0].isascii():
        return " "
    return ""
