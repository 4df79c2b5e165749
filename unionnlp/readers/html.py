"""Web pages (.html, .htm): the main text, found by trafilatura, with its tables.

The charset comes from the page (byte-order mark, ``<meta charset>``, XML
declaration); pages that lie about it (a ``gb2312`` label on UTF-8 bytes, a
Western label on Chinese bytes, bytes the label cannot decode) and pages with
no label are decoded by the Chinese-aware :func:`unionnlp.readers.text.decode`,
with a ``html-charset-mismatch`` notice when the label was overruled.

trafilatura runs recall-oriented (``favor_recall=True``, tables kept, comments
dropped): a plan is better with a stray line of boilerplate, which the
normaliser removes, than without a section. When it finds nothing, the whole
visible text of the page is used and a ``html-fallback`` notice says so. The
page's first ``<h1>`` is kept as the first line when trafilatura leaves it out
(it is usually the plan's title, with its unit and year). Tables become lines
``cell | cell | cell`` and :class:`~unionnlp.model.Table` objects; a table that
only lays out the page (nested tables, a single column) is read as text.

示例::

    >>> source = read("plan.html")          # doctest: +SKIP
    >>> source.encoding, source.text.splitlines()[0]   # doctest: +SKIP
    ('gb18030', '工会下半年工作计划')
"""

from __future__ import annotations

import codecs
import logging
import re
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ..errors import ReaderError
from ..model import ListLevel, Notice, Source, Span
from ._html_lists import ListItem, number_lists
from ._layout import CELL_SEPARATOR, TextBuilder, clean_cell
from ._support import read_bytes
from .text import decode

__all__ = ["read"]

logger = logging.getLogger(__name__)

# lxml elements: typed loosely because lxml ships no type information.
Element = Any

_SNIFF = 16_384
#: main text (characters) below which trafilatura falls back to its one-line baseline
_MIN_EXTRACTED = 40
_META_CHARSET = re.compile(rb"""<meta\s[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)""", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
_BOMS = (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
# Labels as Python names them -> the codec to use. GB2312/GBK pages hold GB18030
# characters; Big5 pages hold HKSCS ones; a UTF-16 label on a page whose label
# could be read as ASCII is wrong (the WHATWG rule), so it means UTF-8.
_CODEC_FOR = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "gb18030": "gb18030",
    "hz": "gb18030",
    "big5": "big5hkscs",
    "cp950": "big5hkscs",
    "big5hkscs": "big5hkscs",
    "utf-8": "utf-8",
    "utf-16": "utf-8",
    "utf-16-le": "utf-8",
    "utf-16-be": "utf-8",
    "utf-32": "utf-8",
}
# Labels a Chinese page often carries by mistake: any non-ASCII byte means the label is wrong.
_WESTERN = {"ascii", "latin-1", "iso8859-1", "cp1252", "iso8859-15"}


def read(path: str | Path) -> Source:
    """Read a web page into a :class:`Source` of its main text.

    Raises:
        InputError: the file cannot be read.
        EmptyInputError: the file is empty.
        DecodeError: the bytes are not text in a supported encoding.
        ReaderError: trafilatura or lxml is not installed.
    """
    path = Path(path)
    raw = read_bytes(path, format="HTML")
    text, encoding, confidence, warnings = _decode_page(raw, path)
    try:
        import lxml.html
        import trafilatura
    except ImportError as err:
        raise ReaderError.missing_package(path, format="HTML", package="trafilatura") from err
    markup = _XML_DECLARATION.sub("", text.replace("\x00", ""), count=1)
    page = _parse_html(markup, lxml.html)
    numbered: list[ListItem] = []
    if page is not None:
        numbered = number_lists(page)
        if numbered:  # trafilatura reads the page with its list numbers written in
            markup = lxml.html.tostring(page, encoding="unicode")
    builder = TextBuilder()
    main = _extract(markup, trafilatura)
    title = _first_heading(page)
    if main is not None and main.xpath("string()").strip():
        if title and title not in main.xpath("string()")[: len(title) + 200]:
            builder.line(title)
        _Walker(builder, _TRAFILATURA).render(main)
        fuller = _fuller_text(page, builder.text(), title)
        if fuller is not None:
            builder, held, shown = fuller
            warnings.append(
                Notice(
                    "html-main-text-short",
                    f"trafilatura's main text held {held} of the {shown} numbered lines the"
                    " page shows; the visible text of the part of the page that holds the"
                    " main text is used instead (navigation left out)",
                )
            )
    if not builder.text() and page is not None:
        body = page.find("body")
        _Walker(builder, _HTML).render(body if body is not None else page)
        if builder.text():
            warnings.append(
                Notice(
                    "html-fallback",
                    "trafilatura found no main text; the whole visible text of the page"
                    " is used, navigation and other boilerplate included",
                )
            )
    rendered = builder.text()
    return Source.from_text(
        rendered,
        path=str(path),
        format="html",
        encoding=encoding,
        encoding_confidence=confidence,
        raw=raw,
        warnings=warnings,
        tables=builder.tables,
        levels=_list_levels(rendered, numbered),
    )


# -- charset ------------------------------------------------------------------


def _declared_charset(raw: bytes) -> str | None:
    head = raw[:_SNIFF]
    match = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return match.group(1).decode("ascii").lower() if match else None


def _decode_page(raw: bytes, path: Path) -> tuple[str, str, float, list[Notice]]:
    """``(text, encoding, confidence, notices)`` of a page's bytes.

    Raises:
        DecodeError: no encoding gives Chinese-like text.
    """
    if raw.startswith(_BOMS):
        text, encoding, confidence = decode(raw, path=str(path))
        return text, encoding, confidence, []
    label = _declared_charset(raw)
    if label is None:
        text, encoding, confidence = decode(raw, path=str(path))
        return text, encoding, confidence, []
    try:
        name = codecs.lookup(label).name
    except LookupError:
        name = ""
    codec = _CODEC_FOR.get(name, name)
    ascii_only = raw.isascii()
    problem: str | None = None
    if not codec:
        problem = f"declares the unknown charset {label!r}"
    elif codec in _WESTERN and not ascii_only:
        problem = f"declares {label!r} but holds non-Latin bytes"
    elif codec != "utf-8" and not ascii_only and _is_utf8(raw):
        # Valid UTF-8 with non-ASCII bytes is almost never another encoding: the page
        # was converted and kept its old label.
        return raw.decode("utf-8"), "utf-8", 0.95, [_mismatch(label, "utf-8")]
    else:
        try:
            return raw.decode(codec), codec, 1.0, []
        except UnicodeDecodeError as err:
            problem = f"declares {label!r} but {err.reason} at byte {err.start}"
        except LookupError:
            problem = f"declares the unsupported charset {label!r}"
    text, encoding, confidence = decode(raw, path=str(path))
    logger.debug("%s: %s; decoded as %s", path, problem, encoding)
    return text, encoding, confidence, [_mismatch(label, encoding, problem)]


def _is_utf8(raw: bytes) -> bool:
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _mismatch(label: str, used: str, problem: str | None = None) -> Notice:
    detail = problem or f"declares {label!r}"
    return Notice("html-charset-mismatch", f"the page {detail}; decoded as {used}")


# -- parsing and extraction -------------------------------------------------------


def _parse_html(markup: str, lxml_html: Any) -> Element | None:
    from lxml import etree

    if not markup.strip():
        return None
    try:
        return lxml_html.document_fromstring(markup)
    except (etree.LxmlError, ValueError) as err:
        logger.debug("lxml cannot parse the page: %s", err)
        return None


def _extract(markup: str, trafilatura: Any) -> Element | None:
    """trafilatura's main text as its XML tree (``<main>``), or ``None``."""
    from lxml import etree
    from trafilatura.settings import use_config

    config = use_config()
    # trafilatura hands pages under 250 characters of main text to its baseline, which
    # flattens them into one line; 250 Chinese characters is a whole short plan.
    config["DEFAULT"]["MIN_EXTRACTED_SIZE"] = str(_MIN_EXTRACTED)
    try:
        xml = trafilatura.extract(
            markup,
            config=config,
            output_format="xml",
            favor_recall=True,
            include_tables=True,
            include_comments=False,
            include_images=False,
            include_links=False,
            include_formatting=False,
            with_metadata=False,
            deduplicate=False,
        )
    except Exception as err:  # any failure of the extractor means: use the fallback
        logger.debug("trafilatura failed: %s", err)
        return None
    if not xml:
        return None
    try:
        doc = etree.fromstring(xml.encode("utf-8"))
    except etree.LxmlError as err:
        logger.debug("trafilatura returned XML lxml cannot parse: %s", err)
        return None
    main = doc.find("main")
    return main if main is not None else doc


def _first_heading(page: Element | None) -> str:
    if page is None:
        return ""
    for heading in page.iter("h1"):
        text = clean_cell(heading.text_content())
        if text:
            return text
    return ""


# -- when the extractor keeps too little ------------------------------------------------

#: numbered lines of the page the main text may lack before the visible text is used
_MAX_NUMBERED_LOST = 0
_PROBE = 12  # characters of the main text's first and last lines that locate it in the page
# White space left out when the main text's lines are looked for in the page (XML text
# holds no form feed, so the XPath side has none).
_XPATH_SPACE = " \t\r\n\u00a0\u3000"
_NO_SPACE = str.maketrans("", "", _XPATH_SPACE + "\f")


def _fuller_text(
    page: Element | None, main_text: str, title: str
) -> tuple[TextBuilder, int, int] | None:
    """The visible text of the element holding the main text, when the main text lacks
    numbered lines the page shows; ``(text, numbered lines held, numbered lines shown)``.

    trafilatura sometimes keeps only part of a plain page (the last stretch of
    its paragraphs) or drops short heading lines; the plan's numbering tells.
    The element is the innermost one holding the main text's first and last
    lines; its text is read up to the main text's last line (what follows is
    mostly related links), navigation left out.
    """
    if page is None:
        return None
    lines = [
        line.translate(_NO_SPACE)
        for line in main_text.splitlines()
        if line.strip() and line != title and CELL_SEPARATOR not in line
    ]
    lines = [line for line in lines if line]
    if not lines:
        return None
    body = page.find("body")
    body = body if body is not None else page
    first, last = lines[0][:_PROBE], lines[-1][-_PROBE:]
    container = _innermost_holding(body, first, last)
    builder = TextBuilder()
    if title and title not in _squash_space(container.text_content())[: len(title) + 200]:
        builder.line(title)
    _Walker(builder, _CONTENT).render(container)
    shown_lines = builder.text().split("\n")
    for index in range(len(shown_lines) - 1, -1, -1):
        if last in shown_lines[index].translate(_NO_SPACE):
            builder.keep_lines(index + 1)
            break
    from ..structure import StructureParser

    families = [f for f in StructureParser().families if f.rank is not None]
    held, shown = _numbered_lines(main_text, families), _numbered_lines(builder.text(), families)
    if sum((shown - held).values()) <= _MAX_NUMBERED_LOST:
        return None
    return builder, sum(held.values()), sum(shown.values())


def _innermost_holding(body: Element, first: str, last: str) -> Element:
    """The deepest element whose text holds ``first`` and ``last`` (spaces ignored), or ``body``."""
    from lxml import etree

    space = f"translate(string(.), '{_XPATH_SPACE}', '')"
    try:
        found = body.xpath(
            f".//*[contains({space}, $first) and contains({space}, $last)]",
            first=first,
            last=last,
        )
    except etree.XPathError as err:
        logger.debug("cannot locate the main text in the page: %s", err)
        return body
    if not found:
        return body
    return max(found, key=lambda el: sum(1 for _ in el.iterancestors()))


def _squash_space(text: str) -> str:
    return _ASCII_SPACE.sub(" ", text).strip()


def _numbered_lines(text: str, families: list[Any]) -> Counter[str]:
    """How many lines of ``text`` open with a marker of ``families``, by family."""
    counts: Counter[str] = Counter()
    for line in text.splitlines():
        stripped = line.strip()
        for family in families:
            match = family.rule.pattern.match(stripped)
            if match is not None and match.start() == 0:
                counts[family.name] += 1
                break
    return counts


def _list_levels(text: str, numbered: list[ListItem]) -> list[ListLevel]:
    """The list level of each numbered item whose line is found in ``text``, in order.

    Items are looked for in order, each after the line of the one before; an
    item the extractor left out is skipped.
    """
    if not numbered:
        return []
    levels: list[ListLevel] = []
    starts: list[int] = []
    lines = text.split("\n")
    offset = 0
    for line in lines:
        starts.append(offset)
        offset += len(line) + 1
    bare = ["".join(line.split()) for line in lines]  # as the probes, without white space
    cursor = 0
    for item in numbered:
        for index in range(cursor, min(len(lines), cursor + _LIST_LOOKAHEAD)):
            if bare[index].startswith(item.probe):
                start = starts[index]
                levels.append(ListLevel(Span(start, start + len(item.label.rstrip())), item.level))
                cursor = index + 1
                break
    return levels


_LIST_LOOKAHEAD = 400  # lines an item's line is looked for past the previous item's


# -- rendering ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Vocabulary:
    """Tag names of one tree flavour (HTML, or trafilatura's XML)."""

    skip: frozenset[str]
    blocks: frozenset[str]
    breaks: frozenset[str]
    table: str
    row: str
    cells: frozenset[str]
    caption: str = "caption"
    skip_navigation: bool = False


_HTML = _Vocabulary(
    skip=frozenset(
        {
            *("script", "style", "noscript", "template", "head", "title", "iframe", "object"),
            *("embed", "svg", "math", "select", "option", "button", "textarea", "input"),
            *("canvas", "audio", "video", "map"),
        }
    ),
    blocks=frozenset(
        {
            *("html", "body", "address", "article", "aside", "blockquote", "center", "dd"),
            *("details", "dialog", "div", "dl", "dt", "fieldset", "figcaption", "figure"),
            *("footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup", "hr"),
            *("li", "main", "nav", "ol", "p", "pre", "section", "summary", "ul", "thead"),
            *("tbody", "tfoot"),
        }
    ),
    breaks=frozenset({"br"}),
    table="table",
    row="tr",
    cells=frozenset({"td", "th"}),
)
# The page's content without its navigation (menus, breadcrumbs, sidebars, footers).
_CONTENT = replace(_HTML, skip_navigation=True)
_TRAFILATURA = _Vocabulary(
    skip=frozenset({"comments", "graphic", "fw", "note"}),
    blocks=frozenset({"doc", "main", "p", "head", "list", "item", "quote", "code", "div", "ab"}),
    breaks=frozenset({"lb"}),
    table="table",
    row="row",
    cells=frozenset({"cell"}),
)
_ASCII_SPACE = re.compile(r"[ \t\n\r\f]+")


def _tag(element: Element) -> str | None:
    """Lower-case local tag name; ``None`` for comments and processing instructions."""
    tag = element.tag
    if not isinstance(tag, str):
        return None
    return tag.rsplit("}", 1)[-1].lower()


class _Walker:
    """Renders a tree into lines the way a browser breaks them (blocks, ``<br>``)."""

    def __init__(self, builder: TextBuilder | None, vocab: _Vocabulary) -> None:
        self.builder = builder
        self.vocab = vocab
        self.parts: list[str] = []

    def render(self, element: Element) -> None:
        self._visit(element, with_tail=False)
        self._newline()

    def flat_text(self, element: Element) -> str:
        """The text of ``element`` on one line (for a table cell)."""
        self._visit(element, with_tail=False)
        return clean_cell(" ".join(self.parts))

    def _newline(self) -> None:
        if self.builder is None:
            self.parts.append(" ")  # flat mode: a block boundary is a space
            return
        # HTML collapses runs of ASCII white space; &nbsp; and 　 survive inside a line.
        line = _ASCII_SPACE.sub(" ", "".join(self.parts)).strip()
        self.parts.clear()
        if line:
            self.builder.line(line)

    def _visit(self, element: Element, *, with_tail: bool = True) -> None:
        tag = _tag(element)
        vocab = self.vocab
        if tag is None or tag in vocab.skip or (vocab.skip_navigation and _navigation(element)):
            pass
        elif tag in vocab.breaks:
            self._newline()
        elif tag == vocab.table and self.builder is not None and _is_data_table(element, vocab):
            self._table(element)
        else:
            block = tag in vocab.blocks or tag in vocab.cells or tag in (vocab.row, vocab.table)
            if block:
                self._newline()
            if element.text:
                self.parts.append(element.text)
            for child in element:
                self._visit(child)
            if block:
                self._newline()
        if with_tail and element.tail:
            self.parts.append(element.tail)

    def _table(self, table: Element) -> None:
        assert self.builder is not None
        self._newline()
        for child in table:
            if _tag(child) == self.vocab.caption:
                _Walker(self.builder, self.vocab).render(child)
        rows = [
            [_Walker(None, self.vocab).flat_text(cell) for cell in cells]
            for cells in _rows(table, self.vocab)
        ]
        self.builder.table(rows)


_NAVIGATION_TAGS = frozenset({"nav", "aside", "footer"})
_NAVIGATION_ROLES = frozenset({"navigation", "banner", "contentinfo", "complementary", "search"})
# Words of class and id names that web pages give their navigation and page furniture.
_NAVIGATION_WORDS = frozenset(
    {
        *("nav", "navbar", "navigation", "menu", "breadcrumb", "breadcrumbs", "crumb"),
        *("crumbs", "sidebar", "footer", "share", "comment", "comments", "related"),
        *("pager", "pagination", "toolbar"),
    }
)
_NAME_WORD = re.compile(r"[a-z]+")


def _navigation(element: Element) -> bool:
    """Whether ``element`` is navigation or page furniture rather than content."""
    if _tag(element) in _NAVIGATION_TAGS:
        return True
    if (element.get("role") or "").strip().lower() in _NAVIGATION_ROLES:
        return True
    names = f"{element.get('class') or ''} {element.get('id') or ''}".lower()
    return any(word in _NAVIGATION_WORDS for word in _NAME_WORD.findall(names))


def _rows(table: Element, vocab: _Vocabulary) -> list[list[Element]]:
    """The rows of ``table`` (through thead/tbody/tfoot, not into nested tables)."""
    rows: list[list[Element]] = []

    def visit(parent: Element) -> None:
        for child in parent:
            tag = _tag(child)
            if tag == vocab.row:
                rows.append([c for c in child if _tag(c) in vocab.cells])
            elif tag is not None and tag not in (vocab.table, vocab.caption, *vocab.skip):
                visit(child)

    visit(table)
    return rows


def _is_data_table(table: Element, vocab: _Vocabulary) -> bool:
    """A table of data, as opposed to one that lays out the page."""
    if any(el is not table and _tag(el) == vocab.table for el in table.iter()):
        return False
    return any(len(cells) >= 2 for cells in _rows(table, vocab))
