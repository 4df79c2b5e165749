"""Fuzzing the readers: generated and damaged files of every format through ``parse_file``.

Whatever the bytes, ``parse_file`` returns plans or raises a
:class:`~unionnlp.errors.UnionNLPError` (a failure record in a batch), and it
comes back: a hang would stop a batch run. The default run tries a few
examples of each kind; ``-m slow`` tries many more.
"""

from __future__ import annotations

import io
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import unionnlp
from unionnlp.errors import UnionNLPError, scan_budget
from unionnlp.readers import office

from .strict_skips import needs_command
from .test_readers import W_NS, make_docx
from .test_robustness import HOSTILE

FIXTURES = Path(__file__).resolve().parent / "fixtures"
# A file of a few kilobytes that takes longer than this has hung (LibreOffice excepted:
# it has its own time limit, office.DEFAULT_TIMEOUT).
HANG_SECONDS = 4 * scan_budget(100_000) + 30

# -- generated files ---------------------------------------------------------------

ENCODINGS = ("utf-8", "utf-8-sig", "gb18030", "gbk", "big5hkscs", "utf-16", "utf-16-le")


@st.composite
def text_files(draw: st.DrawFn) -> bytes:
    """Plan-like text in a Chinese encoding (or not quite: cut, with stray bytes)."""
    text = draw(HOSTILE)
    data = text.encode(draw(st.sampled_from(ENCODINGS)), errors="ignore")
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]  # cut inside a character
    if draw(st.booleans()):
        data += draw(st.binary(max_size=8))
    return data


TAGS = st.sampled_from(
    [
        "<p>", "</p>", "<div>", "</div>", "<br>", "<ol>", '<ol type="i" start="-3">',
        '<ol style="list-style: cjk-ideographic">', "<ol reversed>", "</ol>", "<ul>", "</ul>",
        "<li>", '<li value="x">', "</li>", "<table>", "<tr>", "<td>", "</td>", "</table>",
        "<h1>", "</h1>", "<nav>", "</nav>", "<script>", "</script>", "<style>ol{list-style",
        "</style>", '<meta charset="gbk">', '<meta charset="nonsense">', "<?xml version='1.0'?>",
        "<!--", "-->", "<![CDATA[", "&nbsp;", "&#0;", "&#xD800;", "<", ">", "\x00",
    ]
)  # fmt: skip


@st.composite
def html_files(draw: st.DrawFn) -> bytes:
    parts = draw(st.lists(st.one_of(TAGS, HOSTILE), max_size=40))
    markup = "<html><body>" + "".join(parts) if draw(st.booleans()) else "".join(parts)
    return markup.encode(draw(st.sampled_from(ENCODINGS)), errors="ignore")


def _docx_bytes() -> bytes:
    return (FIXTURES / "plan.docx").read_bytes()


@st.composite
def damaged(draw: st.DrawFn, original: bytes) -> bytes:
    """``original`` cut short, with bytes overwritten, or both."""
    data = bytearray(original)
    for _ in range(draw(st.integers(0, 8))):
        at = draw(st.integers(0, len(data) - 1))
        data[at] = draw(st.integers(0, 255))
    if draw(st.booleans()):
        del data[draw(st.integers(0, len(data))) :]
    return bytes(data)


@st.composite
def docx_packages(draw: st.DrawFn) -> bytes:
    """A .docx package whose parts hold generated XML (or none of the right parts)."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w") as package,
        zipfile.ZipFile(FIXTURES / "plan.docx") as original,
    ):
        for name in original.namelist():
            data = original.read(name)
            if name.endswith(".xml") and draw(st.integers(0, 3)) == 0:
                data = draw(damaged(data))
            if draw(st.integers(0, 9)) > 0:
                package.writestr(name, data)
    return buffer.getvalue()


def _xml_text(text: str) -> str:
    return "".join(
        ch if ch.isprintable() and ch not in '<>&"' else f"&#{ord(ch)};"
        for ch in text
        if ch in "\t\n" or ord(ch) >= 0x20
    )


NUMBER_FORMATS = st.sampled_from(
    ["decimal", "chineseCounting", "upperRoman", "lowerLetter", "bullet", "none", "custom",
     "decimalEnclosedCircle", "ideographTraditional", "someFutureFormat", ""]
)  # fmt: skip
LEVEL_TEXTS = st.one_of(
    st.sampled_from(["%1、", "（%2）", "%1.%2.%3", "%9", "第%1章", "", "%"]),
    st.text(alphabet="%0123456789、.（）", max_size=6),
)
# w:sym code points: surrogates, private use (symbol fonts), beyond Unicode, anything
SYMBOLS = st.one_of(
    st.integers(0xD800, 0xDFFF),
    st.integers(0xE000, 0xF8FF),
    st.sampled_from([0, 0x0B, 0xFFFE, 0x110000]),
    st.integers(-1, 0x110010),
)
NUMBERS = st.one_of(st.integers(-5, 12), st.integers(), st.text(max_size=3)).map(str)


@st.composite
def numbering_parts(draw: st.DrawFn) -> str:
    levels = "".join(
        f'<w:lvl w:ilvl="{draw(NUMBERS)}"><w:start w:val="{draw(NUMBERS)}"/>'
        f'<w:numFmt w:val="{draw(NUMBER_FORMATS)}"/>'
        + (f'<w:lvlRestart w:val="{draw(NUMBERS)}"/>' if draw(st.booleans()) else "")
        + f'<w:lvlText w:val="{_xml_text(draw(LEVEL_TEXTS))}"/></w:lvl>'
        for _ in range(draw(st.integers(0, 4)))
    )
    override = (
        f'<w:lvlOverride w:ilvl="{draw(NUMBERS)}"><w:startOverride w:val="{draw(NUMBERS)}"/>'
        "</w:lvlOverride>"
        if draw(st.booleans())
        else ""
    )
    return (
        f'<w:numbering xmlns:w="{W_NS}"><w:abstractNum w:abstractNumId="1">{levels}'
        f'</w:abstractNum><w:num w:numId="1"><w:abstractNumId w:val="1"/>{override}</w:num>'
        f'<w:num w:numId="2"><w:abstractNumId w:val="{draw(NUMBERS)}"/></w:num></w:numbering>'
    )


@st.composite
def paragraphs(draw: st.DrawFn) -> str:
    runs = "".join(
        draw(
            st.one_of(
                HOSTILE.map(lambda t: f"<w:r><w:t>{_xml_text(t)}</w:t></w:r>"),
                SYMBOLS.map(lambda c: f'<w:r><w:sym w:char="{c:X}"/></w:r>'),
                st.sampled_from(["<w:r><w:tab/></w:r>", "<w:r><w:br/></w:r>", "<w:ins/>"]),
            )
        )
        for _ in range(draw(st.integers(0, 4)))
    )
    numbered = draw(st.booleans())
    props = (
        f'<w:pPr><w:numPr><w:ilvl w:val="{draw(NUMBERS)}"/>'
        f'<w:numId w:val="{draw(st.sampled_from(["0", "1", "2", "9", "x"]))}"/></w:numPr></w:pPr>'
        if numbered
        else ""
    )
    paragraph = f"<w:p>{props}{runs}</w:p>"
    if draw(st.integers(0, 5)) == 0:
        return f"<w:tbl><w:tr><w:tc>{paragraph}</w:tc><w:tc>{paragraph}</w:tc></w:tr></w:tbl>"
    return paragraph


@st.composite
def docx_documents(draw: st.DrawFn) -> bytes:
    """A .docx written from generated paragraphs, symbols, tables and list definitions."""
    body = "".join(draw(st.lists(paragraphs(), max_size=12)))
    buffer = io.BytesIO()
    make_docx(buffer, body, draw(numbering_parts()) if draw(st.booleans()) else "")  # type: ignore[arg-type]
    return buffer.getvalue()


def _headed(header: bytes) -> st.SearchStrategy[bytes]:
    return st.binary(max_size=400).map(lambda tail: header + tail)


KINDS: dict[str, Callable[[], st.SearchStrategy[bytes]]] = {
    ".txt": lambda: st.one_of(text_files(), st.binary(max_size=300)),
    ".html": lambda: st.one_of(html_files(), st.binary(max_size=300)),
    ".docx": lambda: st.one_of(
        docx_documents(),
        docx_packages(),
        damaged(_docx_bytes()),
        _headed(b"PK\x03\x04"),
        _headed(b"\xd0\xcf\x11\xe0"),
    ),
    ".pdf": lambda: st.one_of(
        damaged((FIXTURES / "plan.pdf").read_bytes()), _headed(b"%PDF-1.4\n")
    ),
}
OFFICE_KINDS: dict[str, Callable[[], st.SearchStrategy[bytes]]] = {
    ".doc": lambda: st.one_of(_headed(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), st.binary(max_size=50)),
    ".rtf": lambda: st.one_of(_headed(b"{\\rtf1\\ansi "), st.binary(max_size=50)),
}


def _parse_bytes(suffix: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory(prefix="unionnlp-fuzz-") as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        started = time.monotonic()
        try:
            plans = unionnlp.parse_file(path)
        except UnionNLPError:
            plans = []
        limit = office.DEFAULT_TIMEOUT + 30 if suffix in OFFICE_KINDS else HANG_SECONDS
        assert time.monotonic() - started < limit, f"{suffix} input hung"
        for plan in plans:
            assert plan.source is not None
            n = len(plan.source.text)
            assert 0 <= plan.span.start <= plan.span.end <= n
            for section in plan.sections:
                assert section.span.end <= n and section.title_span.end <= n


def _fuzzer(suffix: str, strategy: st.SearchStrategy[bytes], examples: int) -> Callable[[], None]:
    @settings(
        max_examples=examples,
        derandomize=examples < 100,  # the default run tries the same few examples each time
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(strategy)
    def run(data: bytes) -> None:
        _parse_bytes(suffix, data)

    return run


@pytest.mark.parametrize("suffix", KINDS)
def test_readers_raise_only_unionnlp_errors(suffix: str) -> None:
    _fuzzer(suffix, KINDS[suffix](), examples=12)()


needs_soffice = needs_command("soffice", "LibreOffice (apt-get install libreoffice-writer-nogui)")


@needs_soffice
@pytest.mark.parametrize("suffix", OFFICE_KINDS)
def test_office_readers_raise_only_unionnlp_errors(suffix: str) -> None:
    _fuzzer(suffix, OFFICE_KINDS[suffix](), examples=2)()  # LibreOffice takes seconds a file


@pytest.mark.slow
@pytest.mark.parametrize("suffix", KINDS)
def test_readers_raise_only_unionnlp_errors_many_examples(suffix: str) -> None:
    _fuzzer(suffix, KINDS[suffix](), examples=300)()


@pytest.mark.slow
@needs_soffice
@pytest.mark.parametrize("suffix", OFFICE_KINDS)
def test_office_readers_raise_only_unionnlp_errors_many_examples(suffix: str) -> None:
    _fuzzer(suffix, OFFICE_KINDS[suffix](), examples=25)()


def test_a_docx_symbol_that_is_no_character_is_dropped(tmp_path: Path) -> None:
    # Found by the fuzzing above: w:sym D800 (a surrogate) crashed the normaliser.
    body = "".join(
        f'<w:p><w:r><w:t>{text}</w:t></w:r><w:r><w:sym w:char="{code}"/></w:r></w:p>'
        for text, code in (("一、加强组织建设", "D800"), ("二、关心职工", "2605"))
    )
    source = unionnlp.read(make_docx(tmp_path / "symbols.docx", body))
    assert source.text == "一、加强组织建设\n二、关心职工★\n"
    assert [s.marker for s in unionnlp.parse(source.text, source=source)[0].sections] == [
        "一、",
        "二、",
    ]
