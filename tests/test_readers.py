"""Readers for web pages, Word, legacy office files and PDF.

The fixtures in ``tests/fixtures`` hold one plan (seed 003, 篇4) in every
format; ``make_fixtures.py`` regenerates them. Every format must give the plan
structure of the plain-text version.
"""

from __future__ import annotations

import hashlib
import io
import os
import random
import re
import stat
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import unionnlp
from unionnlp.errors import DecodeError, EmptyInputError, ReaderError
from unionnlp.model import Source, Span, Table
from unionnlp.readers import SUPPORTED, office, pdf, read
from unionnlp.readers import html as html_reader
from unionnlp.readers._word_numbering import Numbering, format_number

from .conftest import SEEDS, process_running, seed_id
from .strict_skips import needs_command

FIXTURES = Path(__file__).resolve().parent / "fixtures"
HEADER = ("工作任务", "主要形式", "完成时间")
OUTLINE = [
    ("一、", "积极提升工会影响力", 1),
    ("1、", "积极宣传", 2),
    ("2、", "成立工会义工队", 2),
    ("3、", "开展活动，凝聚人心", 2),
    ("二、", "健全工会体系", 1),
    ("1、", "建立工会组织体系", 2),
    ("2、", "建立工会制度体系", 2),
    ("3、", "建立工会工作体系", 2),
]

needs_soffice = needs_command(
    "soffice", "LibreOffice (apt-get install libreoffice-writer-nogui; `make test` installs it)"
)


def outline(source: Source) -> list[tuple[str | None, str | None, int]]:
    plans = unionnlp.parse(source.text, source=source)
    return [(s.marker, s.title, s.level) for plan in plans for s in plan.sections]


def assert_cells_slice_back(source: Source) -> None:
    for table in source.tables:
        assert table.span is not None
        for text, span in (*table.header, *(cell for row in table.rows for cell in row)):
            assert span.slice(source.text) == text
            assert table.span.contains(span)


@pytest.fixture(scope="module")
def reference() -> Source:
    return read(FIXTURES / "plan.txt")


_READ: dict[str, Source] = {}


def read_fixture(name: str) -> Source:
    """Read a fixture once per test run (each LibreOffice conversion takes seconds)."""
    if name not in _READ:
        _READ[name] = read(FIXTURES / name)
    return _READ[name]


def test_reference_outline(reference: Source) -> None:
    assert outline(reference) == OUTLINE


# -- every format, same plan ---------------------------------------------------------

FORMATS = [
    pytest.param("plan.html", "html", id="html"),
    pytest.param("plan.docx", "docx", id="docx"),
    pytest.param("plan.doc", "doc", id="doc", marks=needs_soffice),
    pytest.param("plan.wps", "wps", id="wps", marks=needs_soffice),
    pytest.param("plan.rtf", "rtf", id="rtf", marks=needs_soffice),
    pytest.param("plan.odt", "odt", id="odt", marks=needs_soffice),
    pytest.param("plan.pdf", "pdf", id="pdf"),
    pytest.param("plan_gbk.txt", "text", id="gbk"),
    pytest.param("plan_big5.txt", "text", id="big5"),
    pytest.param("plan_utf16.txt", "text", id="utf16"),
]


@pytest.mark.parametrize(("name", "fmt"), FORMATS)
def test_every_format_gives_the_plain_text_structure(name: str, fmt: str) -> None:
    path = FIXTURES / name
    source = read_fixture(name)
    assert source.format == fmt
    assert source.path == str(path)
    assert source.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert outline(source) == OUTLINE
    assert_cells_slice_back(source)


@pytest.mark.parametrize(
    "name",
    [
        "plan.html",
        "plan.docx",
        pytest.param("plan.doc", marks=needs_soffice),
        pytest.param("plan.rtf", marks=needs_soffice),
        pytest.param("plan.odt", marks=needs_soffice),
    ],
)
def test_structured_formats_render_the_reference_text(name: str, reference: Source) -> None:
    source = read_fixture(name)
    if name in ("plan.html", "plan.docx"):
        assert source.text == reference.text
    else:  # LibreOffice versions may differ in white space, not in lines
        lines = [line.strip() for line in source.text.splitlines() if line.strip()]
        assert lines == reference.text.splitlines()
    (table,) = source.tables
    assert [c[0] for c in table.header] == list(HEADER)
    assert [c[0] for c in table.rows[1]] == [
        "成立工会义工队",
        "招募义工，成立义工服务队",
        "9月底前",
    ]
    assert table.span is not None
    assert table.span.slice(source.text).splitlines()[0] == " | ".join(HEADER)
    assert Table.from_dict(table.to_dict()) == table


def test_legacy_encodings_decode(reference: Source) -> None:
    assert read(FIXTURES / "plan_gbk.txt").text == reference.text
    assert read(FIXTURES / "plan_utf16.txt").text == reference.text
    big5 = read(FIXTURES / "plan_big5.txt")
    assert big5.encoding == "big5hkscs" and "積極提升工會影響力" in big5.text


def test_all_formats_are_registered() -> None:
    for ext in (".html", ".htm", ".docx", ".doc", ".wps", ".rtf", ".odt", ".pdf"):
        assert ext in SUPPORTED


def test_readers_import_their_libraries_lazily() -> None:
    code = (
        "import sys, unionnlp, unionnlp.readers\n"
        "print([m for m in ('docx', 'trafilatura', 'pdfplumber', 'lxml') if m in sys.modules])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# -- HTML -------------------------------------------------------------------------------


def test_html_drops_boilerplate_and_keeps_title() -> None:
    source = read(FIXTURES / "plan.html")
    assert source.encoding == "gb18030" and source.encoding_confidence == 1.0
    assert source.text.startswith("工会下半年工作计划\n一、积极提升工会影响力")
    for junk in ("当前位置", "版权所有", "相关文章", "广告"):
        assert junk not in source.text
    assert source.warnings == ()


PAGE = (
    "<html><head>{meta}<title>计划</title></head><body><h1>工会工作计划</h1>"
    "<div><p>一、加强组织建设，推选工会小组长，完善工会组织网络。</p>"
    "<p>二、关心职工生活，做好送温暖工作，走访慰问困难职工家庭。</p></div></body></html>"
)


@pytest.mark.parametrize(
    ("meta", "codec", "expected", "notice"),
    [
        pytest.param('<meta charset="gb2312">', "gbk", "gb18030", False, id="meta-gb2312"),
        pytest.param(
            '<meta http-equiv="Content-Type" content="text/html; charset=big5">',
            "big5",
            "big5hkscs",
            False,
            id="http-equiv-big5",
        ),
        pytest.param("", "gbk", "gb18030", False, id="no-meta"),
        pytest.param('<meta charset="gbk">', "utf-8", "utf-8", True, id="gbk-label-utf8-bytes"),
        pytest.param('<meta charset="utf-8">', "gbk", "gb18030", True, id="utf8-label-gbk-bytes"),
        pytest.param('<meta charset="iso-8859-1">', "gbk", "gb18030", True, id="latin1-label"),
        pytest.param('<meta charset="utf-8">', "utf-8-sig", "utf-8", False, id="bom"),
    ],
)
def test_html_charset(tmp_path: Path, meta: str, codec: str, expected: str, notice: bool) -> None:
    text = PAGE.format(meta=meta)
    if codec == "big5":
        import opencc

        text = opencc.OpenCC("s2tw").convert(text)
    path = tmp_path / "page.html"
    path.write_bytes(text.encode(codec))
    source = read(path)
    assert source.encoding == expected
    assert source.text.splitlines()[0] in ("工会工作计划", "工會工作計劃")
    assert [line[:2] for line in source.text.splitlines()[1:]] == ["一、", "二、"]
    assert any(w.code == "html-charset-mismatch" for w in source.warnings) == notice


def test_html_fallback_when_extraction_is_empty(monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura

    monkeypatch.setattr(trafilatura, "extract", lambda *args, **kwargs: None)
    source = read(FIXTURES / "plan.html")
    assert [w.code for w in source.warnings] == ["html-fallback"]
    assert "当前位置" in source.text  # the whole visible text, boilerplate included
    assert "var slot" not in source.text and "font-size" not in source.text  # no script/style
    assert outline(source) == OUTLINE
    (table,) = source.tables
    assert [c[0] for c in table.header] == list(HEADER)
    assert_cells_slice_back(source)


def test_html_layout_tables_are_read_as_text(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import trafilatura

    monkeypatch.setattr(trafilatura, "extract", lambda *args, **kwargs: None)
    page = (
        "<html><body><table><tr><td><table><tr><td>导航</td></tr></table></td>"
        "<td>一、加强组织建设<br>二、关心职工生活</td></tr></table>"
        "<table><tr><td>单列表格一行</td></tr><tr><td>单列表格二行</td></tr></table>"
        "</body></html>"
    )
    path = tmp_path / "layout.htm"
    path.write_text(page, encoding="utf-8")
    source = read(path)
    assert source.tables == ()
    assert source.text.splitlines() == [
        "导航",
        "一、加强组织建设",
        "二、关心职工生活",
        "单列表格一行",
        "单列表格二行",
    ]


def _sections(plans: list[unionnlp.Plan]) -> list[tuple[str, str, int]]:
    return [(s.marker, s.title[:12], s.level) for plan in plans for s in plan.sections]


def _plain_page(text: str, charset: str) -> str:
    """``text`` as a plain web page: its lines as paragraphs of one ``div``."""
    import html

    paragraphs = "\n".join(f"<p>{html.escape(line)}</p>" for line in text.splitlines())
    return (
        f'<html><head><meta charset="{charset}"><title>计划</title></head><body>'
        f'<div class="nav"><a href="/">首页</a> 1、通知公告 2、工作动态</div>'
        f"<div>{paragraphs}</div></body></html>"
    )


@pytest.mark.parametrize("seed", SEEDS, ids=seed_id)
def test_every_encoding_and_the_html_form_give_the_same_sections(
    seed: Path, tmp_path: Path
) -> None:
    text = seed.read_text(encoding="utf-8")
    expected = _sections(unionnlp.parse_file(seed))
    forms = {
        "gb18030.txt": text.encode("gb18030"),
        "utf16.txt": text.encode("utf-16"),
        "utf8.html": _plain_page(text, "utf-8").encode("utf-8"),
        "gbk.html": _plain_page(text, "gbk").encode("gb18030"),
    }
    for name, data in forms.items():
        path = tmp_path / name
        path.write_bytes(data)
        assert _sections(unionnlp.parse_file(path)) == expected, name


def test_html_main_text_that_lacks_numbered_lines_gives_way_to_the_visible_text(
    tmp_path: Path,
) -> None:
    seed = next(p for p in SEEDS if p.name.startswith("000"))
    path = tmp_path / "plain.html"
    path.write_text(_plain_page(seed.read_text(encoding="utf-8"), "utf-8"), encoding="utf-8")
    source = read(path)
    (notice,) = [w for w in source.warnings if w.code == "html-main-text-short"]
    held, shown = (int(n) for n in re.findall(r"\d+", notice.message)[:2])
    assert held < shown
    assert "通知公告" not in source.text  # the navigation is still left out


def test_html_visible_text_is_that_of_the_main_texts_container() -> None:
    import lxml.html

    page = lxml.html.document_fromstring(
        "<html><body><div class='menu'>1、首页 2、动态</div>"
        "<div class='main'><div class='article'><h1>工会工作计划</h1>"
        "<p>一、加强组织建设</p><p>1、健全基层组织</p><p>二、关心职工生活</p>"
        "<p>1、走访慰问困难职工</p><p>　　做好送温暖工作。</p>"
        "<div class='more'><p>1、相关文章一</p><p>2、相关文章二</p></div></div>"
        "<div id='sidebar'><p>1、热门排行</p></div></div></body></html>"
    )
    # what trafilatura kept: the last stretch of the plan only
    main = "1、走访慰问困难职工\n做好送温暖工作。\n"
    fuller = html_reader._fuller_text(page, main, "工会工作计划")
    assert fuller is not None
    builder, held, shown = fuller
    assert builder.text() == (
        "工会工作计划\n一、加强组织建设\n1、健全基层组织\n二、关心职工生活\n"
        "1、走访慰问困难职工\n做好送温暖工作。\n"
    )  # no menu, no sidebar, nothing after the main text's last line
    assert (held, shown) == (1, 4)
    whole = "".join(f"{line}\n" for line in builder.text().splitlines()[1:])
    assert html_reader._fuller_text(page, whole, "工会工作计划") is None  # nothing lacking


LISTS_PAGE = """<html><head><meta charset="utf-8">{style}</head><body>
<nav><ol><li>首页</li><li>通知公告</li></ol></nav>
<div class="plan"><h1>2024年工会工作计划</h1>
<p>为做好今年的工会工作，现制定计划如下。</p>
<ol{outer}>
<li>加强组织建设<ol{inner}><li><p>健全基层工会组织，按期完成换届选举。</p></li>
<li>完善工会工作制度，规范会费收缴管理。</li></ol></li>
<li>关心职工生活<ol{inner}><li>节日期间走访慰问困难职工家庭。</li>
<li>组织开展职工健康体检活动。</li></ol></li>
<li>加强工会自身建设<ol{inner}><li>组织工会干部参加业务培训。</li></ol></li>
</ol></div></body></html>"""
LISTS_TEXT = """2024年工会工作计划
为做好今年的工会工作，现制定计划如下。
一、加强组织建设
1. 健全基层工会组织，按期完成换届选举。
2. 完善工会工作制度，规范会费收缴管理。
二、关心职工生活
1. 节日期间走访慰问困难职工家庭。
2. 组织开展职工健康体检活动。
三、加强工会自身建设
1. 组织工会干部参加业务培训。
"""


@pytest.mark.parametrize(
    ("style", "outer", "inner"),
    [
        pytest.param(
            "",
            ' style="list-style-type: cjk-ideographic"',
            ' style="list-style: decimal"',
            id="inline",
        ),
        pytest.param(
            "<style>.plan > ol { list-style-type: cjk-ideographic } ol ol { color: red }</style>",
            "",
            "",
            id="sheet",
        ),
        pytest.param("", ' class="cn" type="1"', ' type="1"', id="sheet-over-type"),
    ],
)
def test_html_list_numbers_are_rendered_with_their_levels(
    style: str, outer: str, inner: str, tmp_path: Path
) -> None:
    if "cn" in outer:
        style = "<style>ol.cn { list-style-type: cjk-ideographic; }</style>"
    path = tmp_path / "lists.html"
    path.write_text(LISTS_PAGE.format(style=style, outer=outer, inner=inner), encoding="utf-8")
    source = read(path)
    assert source.text == LISTS_TEXT
    assert [(h.span.slice(source.text), h.level) for h in source.levels] == [
        ("一、", 0), ("1.", 1), ("2.", 1), ("二、", 0), ("1.", 1), ("2.", 1), ("三、", 0),
        ("1.", 1),
    ]  # fmt: skip
    plans = unionnlp.parse(source.text, source=source)
    assert _sections(plans) == _sections(unionnlp.parse(LISTS_TEXT))
    assert [(s.marker, s.level) for s in plans[0].sections][:3] == [
        ("一、", 1),
        ("1.", 2),
        ("2.", 2),
    ]


def test_html_nested_lists_of_one_style_nest_by_their_level(tmp_path: Path) -> None:
    path = tmp_path / "decimal.html"
    path.write_text(LISTS_PAGE.format(style="", outer="", inner=""), encoding="utf-8")
    source = read(path)
    assert source.text.splitlines()[2:4] == [
        "1. 加强组织建设",
        "1. 健全基层工会组织，按期完成换届选举。",
    ]
    plans = unionnlp.parse(source.text, source=source)
    assert len(plans) == 1
    assert [(s.id, s.marker, s.level) for s in plans[0].sections] == [
        ("1", "1.", 1), ("1.1", "1.", 2), ("1.2", "2.", 2), ("2", "2.", 1), ("2.1", "1.", 2),
        ("2.2", "2.", 2), ("3", "3.", 1), ("3.1", "1.", 2),
    ]  # fmt: skip


def test_html_list_counters() -> None:
    import lxml.html

    from unionnlp.readers._html_lists import number_lists

    page = lxml.html.document_fromstring(
        "<html><body>"
        '<ol start="3" type="a"><li>甲</li><li value="26">乙</li><li>丙</li></ol>'
        '<ol reversed><li>一</li><li>二</li><li type="I">三</li></ol>'
        '<ol style="list-style-type: simp-chinese-formal"><li>壹</li></ol>'
        '<ol style="list-style-type: cjk-heavenly-stem" start="2"><li>乙</li></ol>'
        '<ul><li>点</li></ul><ul style="list-style-type: decimal"><li>数</li></ul>'
        '<ol style="list-style: none"><li>无</li></ol>'
        '<ol style="list-style-type: unknown-style" start="11"><li>未知</li></ol>'
        '<ol style="list-style-type: cjk-ideographic" start="11"><li>十一</li></ol>'
        "</body></html>"
    )
    assert [item.label for item in number_lists(page)] == [
        "c. ", "z. ", "aa. ", "3. ", "2. ", "I. ", "壹、", "乙、", "1. ", "11. ", "十一、",
    ]  # fmt: skip


def test_html_table_spans() -> None:
    import lxml.html

    from unionnlp.readers._layout import TextBuilder

    page = (
        "<html><body><table><caption>任务分解表</caption><thead><tr><th>工作内容</th>"
        "<th>责任 单位</th></tr></thead><tbody><tr><td><p>送温暖</p><p>慰问</p></td>"
        "<td>工会|办公室</td></tr><tr><td></td><td></td></tr></tbody></table></body></html>"
    )
    root = html_reader._parse_html(page, lxml.html)
    builder = TextBuilder()
    html_reader._Walker(builder, html_reader._HTML).render(root.find("body"))
    text = builder.text()
    assert text == "任务分解表\n工作内容 | 责任 单位\n送温暖 慰问 | 工会|办公室\n"
    (table,) = builder.tables
    assert table.header == (("工作内容", Span(6, 10)), ("责任 单位", Span(13, 18)))
    assert [c[0] for c in table.rows[0]] == ["送温暖 慰问", "工会|办公室"]
    for cell_text, span in (*table.header, *table.rows[0]):
        assert span.slice(text) == cell_text


# -- Word numbering -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "fmt", "expected"),
    [
        (1, "chineseCounting", "一"),
        (10, "chineseCounting", "十"),
        (11, "chineseCounting", "十一"),
        (20, "chineseCounting", "二十"),
        (35, "chineseCountingThousand", "三十五"),
        (105, "chineseCountingThousand", "一百零五"),
        (110, "chineseCountingThousand", "一百一十"),
        (1005, "chineseCountingThousand", "一千零五"),
        (10_005, "chineseCountingThousand", "一万零五"),
        (12, "chineseLegalSimplified", "壹拾贰"),
        (10, "ideographDigital", "一〇"),
        (3, "ideographTraditional", "丙"),
        (1, "decimalEnclosedCircle", "①"),
        (20, "decimalEnclosedCircle", "⑳"),
        (21, "decimalEnclosedCircle", "㉑"),
        (3, "decimalEnclosedParen", "⑶"),
        (21, "decimalEnclosedParen", "(21)"),
        (1, "upperLetter", "A"),
        (27, "upperLetter", "AA"),
        (2, "lowerLetter", "b"),
        (4, "upperRoman", "IV"),
        (14, "upperRoman", "XIV"),
        (9, "lowerRoman", "ix"),
        (7, "decimal", "7"),
        (7, "decimalZero", "07"),
        (7, "decimalFullWidth", "７"),
        (7, "someFutureFormat", "7"),
    ],
)
def test_format_number(value: int, fmt: str, expected: str) -> None:
    assert format_number(value, fmt) == expected


W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def lvl(ilvl: int, fmt: str, text: str, *, extra: str = "", suff: str = "nothing") -> str:
    return (
        f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>{extra}'
        f'<w:suff w:val="{suff}"/><w:lvlText w:val="{text}"/></w:lvl>'
    )


def numbering_xml(*abstracts: str, nums: str = "") -> str:
    return f'<w:numbering xmlns:w="{W_NS}">{"".join(abstracts)}{nums}</w:numbering>'


LADDER = (
    '<w:abstractNum w:abstractNumId="1">'
    + lvl(0, "chineseCounting", "%1、")
    + lvl(1, "chineseCounting", "（%2）")
    + lvl(2, "decimal", "%3.", suff="tab")
    + lvl(3, "decimal", "（%4）")
    + lvl(4, "decimalEnclosedCircle", "%5")
    + "</w:abstractNum>"
)


def element(xml: str) -> object:
    from lxml import etree

    return etree.fromstring(xml.encode("utf-8"))


def labels(numbering: Numbering, sequence: list[tuple[str, int]]) -> list[str | None]:
    return [numbering.label(num_id, ilvl) for num_id, ilvl in sequence]


def test_numbering_ladder_and_restart() -> None:
    numbering = Numbering(
        element(
            numbering_xml(LADDER, nums='<w:num w:numId="5"><w:abstractNumId w:val="1"/></w:num>')
        )
    )
    sequence = [("5", 0), ("5", 1), ("5", 1), ("5", 2), ("5", 2), ("5", 3), ("5", 4)]
    sequence += [("5", 0), ("5", 1), ("5", 2), ("5", 4)]
    assert labels(numbering, sequence) == [
        "一、",
        "（一）",
        "（二）",
        "1. ",  # a tab after an ASCII "1." becomes a space: "1.5" must not appear
        "2. ",
        "（1）",
        "①",
        "二、",  # a higher level restarts every deeper counter
        "（一）",
        "1. ",
        "①",
    ]


def test_numbering_lvl_restart_and_legal() -> None:
    abstract = (
        '<w:abstractNum w:abstractNumId="2">'
        + lvl(0, "chineseCounting", "第%1章")
        + lvl(1, "decimal", "%1.%2", extra='<w:lvlRestart w:val="0"/><w:isLgl/>')
        + "</w:abstractNum>"
    )
    numbering = Numbering(
        element(
            numbering_xml(abstract, nums='<w:num w:numId="1"><w:abstractNumId w:val="2"/></w:num>')
        )
    )
    assert labels(numbering, [("1", 0), ("1", 1), ("1", 0), ("1", 1)]) == [
        "第一章",
        "1.1",
        "第二章",
        "2.2",  # lvlRestart 0: never restarts; isLgl: level 1 written as a decimal
    ]


def test_numbering_overrides_and_shared_counters() -> None:
    nums = (
        '<w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num>'
        '<w:num w:numId="2"><w:abstractNumId w:val="1"/></w:num>'  # continues the list
        '<w:num w:numId="3"><w:abstractNumId w:val="1"/>'
        '<w:lvlOverride w:ilvl="0"><w:startOverride w:val="1"/></w:lvlOverride></w:num>'
        '<w:num w:numId="4"><w:abstractNumId w:val="1"/><w:lvlOverride w:ilvl="0">'
        '<w:lvl w:ilvl="0"><w:start w:val="5"/><w:numFmt w:val="upperRoman"/>'
        '<w:suff w:val="nothing"/><w:lvlText w:val="%1、"/></w:lvl></w:lvlOverride></w:num>'
    )
    numbering = Numbering(element(numbering_xml(LADDER, nums=nums)))
    assert labels(numbering, [("1", 0), ("1", 0), ("2", 0), ("3", 0), ("3", 0)]) == [
        "一、",
        "二、",
        "三、",
        "一、",  # startOverride restarts the list
        "二、",
    ]
    assert numbering.label("4", 0) == "III、"  # the override replaces the level, not the count
    assert numbering.label("99", 0) is None  # unknown numId


def paragraph(xml: str) -> object:
    return element(f'<w:p xmlns:w="{W_NS}">{xml}</w:p>')


def test_numbering_through_styles() -> None:
    styles = element(
        f'<w:styles xmlns:w="{W_NS}">'
        '<w:style w:type="paragraph" w:styleId="Heading1"><w:pPr><w:numPr>'
        '<w:numId w:val="1"/></w:numPr></w:pPr></w:style>'
        '<w:style w:type="paragraph" w:styleId="Heading2"><w:basedOn w:val="Heading1"/>'
        '<w:pPr><w:numPr><w:ilvl w:val="1"/></w:numPr></w:pPr></w:style>'
        '<w:style w:type="paragraph" w:styleId="MyHeading"><w:basedOn w:val="Heading2"/></w:style>'
        "</w:styles>"
    )
    numbering = Numbering(
        element(
            numbering_xml(LADDER, nums='<w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num>')
        ),
        styles,
    )
    h1 = paragraph('<w:pPr><w:pStyle w:val="Heading1"/></w:pPr>')
    h2 = paragraph('<w:pPr><w:pStyle w:val="MyHeading"/></w:pPr>')
    removed = paragraph(
        '<w:pPr><w:pStyle w:val="Heading1"/><w:numPr><w:numId w:val="0"/></w:numPr></w:pPr>'
    )
    plain = paragraph("<w:r><w:t>正文</w:t></w:r>")
    assert numbering.numbering_of(h1) == ("1", 0)
    assert numbering.numbering_of(h2) == ("1", 1)  # ilvl from Heading2, numId from Heading1
    assert numbering.numbering_of(removed) is None
    assert numbering.numbering_of(plain) is None


# A .docx written by hand, to reach what python-docx cannot build.
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels"'
    ' ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    '<Override PartName="/word/numbering.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/></Types>'
)
PACKAGE_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
DOCUMENT_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/numbering" Target="numbering.xml"/></Relationships>'
)


def make_docx(path: Path, body: str, numbering: str = "") -> Path:
    document = f'<w:document xmlns:w="{W_NS}"><w:body>{body}</w:body></w:document>'
    with zipfile.ZipFile(path, "w") as package:
        package.writestr("[Content_Types].xml", CONTENT_TYPES)
        package.writestr("_rels/.rels", PACKAGE_RELS)
        package.writestr("word/document.xml", document)
        if numbering:
            package.writestr("word/_rels/document.xml.rels", DOCUMENT_RELS)
            package.writestr("word/numbering.xml", numbering)
    return path


def p(text: str, *, num: tuple[int, int] | None = None, inner: str = "") -> str:
    ppr = (
        f'<w:pPr><w:numPr><w:ilvl w:val="{num[1]}"/><w:numId w:val="{num[0]}"/></w:numPr></w:pPr>'
        if num
        else ""
    )
    return f"<w:p>{ppr}<w:r><w:t>{text}</w:t></w:r>{inner}</w:p>"


def test_docx_numbering_content_controls_and_revisions(tmp_path: Path) -> None:
    body = (
        p("工会工作计划")
        + p("加强组织建设", num=(1, 0))
        + p("健全组织", num=(1, 1))
        + "<w:sdt><w:sdtContent>"
        + p("完善制度", num=(1, 1))
        + "</w:sdtContent></w:sdt>"
        + p("按时换届", num=(1, 2))
        + p(
            "关心职工",
            num=(1, 0),
            inner="<w:ins><w:r><w:t>生活</w:t></w:r></w:ins>"
            "<w:del><w:r><w:delText>（已删除）</w:delText></w:r></w:del>"
            "<w:hyperlink><w:r><w:t>，送温暖</w:t></w:r></w:hyperlink>"
            "<w:r><w:instrText> PAGE </w:instrText></w:r>"
            "<w:r><w:br/><w:t>第二行</w:t></w:r>",
        )
        + p("做好慰问", num=(1, 1))
        + "<w:sectPr/>"
    )
    numbering = numbering_xml(
        LADDER, nums='<w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num>'
    )
    source = read(make_docx(tmp_path / "crafted.docx", body, numbering))
    assert source.text.splitlines() == [
        "工会工作计划",
        "一、加强组织建设",
        "（一）健全组织",
        "（二）完善制度",
        "1. 按时换届",
        "二、关心职工生活，送温暖",
        "第二行",
        "（一）做好慰问",
    ]
    assert [(s.marker, s.level) for s in unionnlp.parse(source.text)[0].sections][:4] == [
        ("一、", 1),
        ("（一）", 2),
        ("（二）", 2),
        ("1.", 3),
    ]


def test_docx_list_levels_outrank_marker_shapes(tmp_path: Path) -> None:
    # LibreOffice writes multi-level lists with `1.` at two levels, told apart only by
    # w:ilvl (and indentation): the level the file states decides the nesting.
    same_style = (
        '<w:abstractNum w:abstractNumId="7">'
        + lvl(0, "decimal", "%1.", suff="tab", extra='<w:pPr><w:ind w:left="360"/></w:pPr>')
        + lvl(1, "decimal", "%2.", suff="tab", extra='<w:pPr><w:ind w:left="720"/></w:pPr>')
        + "</w:abstractNum>"
    )
    numbering = numbering_xml(
        same_style, nums='<w:num w:numId="3"><w:abstractNumId w:val="7"/></w:num>'
    )
    items = [
        ("加强组织建设", 0),
        ("健全基层组织，按期完成换届", 1),
        ("完善工会工作制度", 1),
        ("关心职工生活", 0),
        ("节日期间走访慰问困难职工", 1),
        ("开展职工文体活动", 1),
        ("加强工会自身建设", 0),
        ("组织工会干部参加业务培训", 1),
    ]
    body = p("工会工作计划") + "".join(p(text, num=(3, ilvl)) for text, ilvl in items)
    source = read(make_docx(tmp_path / "levels.docx", body + "<w:sectPr/>", numbering))
    assert source.text.splitlines()[1:4] == [
        "1. 加强组织建设",
        "1. 健全基层组织，按期完成换届",
        "2. 完善工会工作制度",
    ]
    assert [(source.text[h.span.start : h.span.end], h.level) for h in source.levels][:3] == [
        ("1.", 0),
        ("1.", 0 + 1),
        ("2.", 1),
    ]
    plans = unionnlp.parse(source.text, source=source)
    assert len(plans) == 1
    sections = plans[0].sections
    assert [(s.title, s.level) for s in sections] == [(text, ilvl + 1) for text, ilvl in items]
    assert [s.id for s in sections] == ["1", "1.1", "1.2", "2", "2.1", "2.2", "3", "3.1"]
    # Without the stated levels the shapes alone cannot tell headings from items: a
    # `1.` list restarting at 1 goes on in the same plan, one flat list.
    flat = unionnlp.parse(source.text)
    assert [(s.title, s.level) for plan in flat for s in plan.sections] == [
        (text, 1) for text, _ in items
    ]


def test_docx_tables_stand_in_place(tmp_path: Path) -> None:
    def tc(text: str, props: str = "") -> str:
        return f"<w:tc>{props}{p(text) if text else '<w:p/>'}</w:tc>"

    nested = "<w:tbl><w:tr>" + tc("甲") + tc("乙") + "</w:tr></w:tbl>"
    table = (
        "<w:tbl>"
        + "<w:tr>"
        + tc("工作内容")
        + tc("责任单位")
        + "</w:tr>"
        + "<w:tr>"
        + tc("送温暖", '<w:tcPr><w:vMerge w:val="restart"/></w:tcPr>')
        + f"<w:tc>{p('工会')}{p('办公室')}</w:tc></w:tr>"
        + "<w:tr>"
        + tc("", "<w:tcPr><w:vMerge/></w:tcPr>")
        + f"<w:tc>{nested}<w:p/></w:tc></w:tr>"
        + "</w:tbl>"
    )
    body = p("一、前言") + table + p("二、后记") + "<w:p/>"
    source = read(make_docx(tmp_path / "table.docx", body))
    assert source.text == (
        "一、前言\n工作内容 | 责任单位\n送温暖 | 工会 办公室\n | 甲 乙\n二、后记\n"
    )
    (table_obj,) = source.tables
    assert [c[0] for c in table_obj.header] == ["工作内容", "责任单位"]
    assert [[c[0] for c in row] for row in table_obj.rows] == [
        ["送温暖", "工会 办公室"],
        ["", "甲 乙"],
    ]
    row_start = source.text.index("\n | 甲 乙") + 1
    assert table_obj.rows[1][0] == ("", Span(row_start, row_start))  # the merged-away cell
    assert_cells_slice_back(source)
    assert table_obj.span is not None
    assert table_obj.span.slice(source.text).endswith(" | 甲 乙")


# -- PDF line joining -------------------------------------------------------------------


def line(text: str, x0: float = 90.0, x1: float | None = None) -> pdf._Line:
    return pdf._Line(text, x0, x1 if x1 is not None else x0 + 11 * len(text), 11.0)


def test_pdf_unwrap_joins_wrapped_lines_only() -> None:
    full = 90 + 11 * 38
    lines = [
        line("一、积极提升工会影响力"),
        line("工会成立,广大员工对其职能还不太了解,参与度和认可度较低,为了", x1=full),
        line("更好地开展工作,首要任务是积极提升工会影响力,同时也积极提升", x1=full - 20),
        line("我公司工会的影响力。"),
        line("1、积极宣传。通过公司内部会议、活动、宣传海报、横幅等形式进行宣传。", x1=full),
        line("2、成立工会义工队。"),  # a full sentence before it: not joined
        line("    缩进的新段落", x0=120),
    ]
    assert pdf._unwrap(lines) == [
        "一、积极提升工会影响力",
        "工会成立,广大员工对其职能还不太了解,参与度和认可度较低,为了"
        "更好地开展工作,首要任务是积极提升工会影响力,同时也积极提升我公司工会的影响力。",
        "1、积极宣传。通过公司内部会议、活动、宣传海报、横幅等形式进行宣传。",
        "2、成立工会义工队。",
        "    缩进的新段落",
    ]


def test_pdf_unwrap_leaves_pages_of_short_lines() -> None:
    lines = [line("一、加强组织建设"), line("二、关心职工生活"), line("三、开展文体活动")]
    assert pdf._unwrap(lines) == ["一、加强组织建设", "二、关心职工生活", "三、开展文体活动"]


# -- bad input ------------------------------------------------------------------------------

RANDOM = random.Random(20240601).randbytes(4000)


@pytest.mark.parametrize("ext", [".txt", ".html", ".docx", ".doc", ".wps", ".rtf", ".odt", ".pdf"])
def test_empty_file_is_refused(tmp_path: Path, ext: str) -> None:
    path = tmp_path / f"empty{ext}"
    path.write_bytes(b"")
    with pytest.raises(EmptyInputError, match="empty"):
        unionnlp.parse_file(path)


@pytest.mark.parametrize(
    ("ext", "error", "message"),
    [
        (".txt", DecodeError, "cannot decode"),
        (".html", DecodeError, "cannot decode"),
        (".docx", ReaderError, "not a ZIP package"),
        (".pdf", ReaderError, "no PDF header"),
        (".doc", ReaderError, "OLE2"),
        (".wps", ReaderError, "OLE2"),
        (".rtf", ReaderError, r"\{\\rtf"),
        (".odt", ReaderError, "ZIP package"),
    ],
)
def test_random_bytes_are_refused(
    tmp_path: Path, ext: str, error: type[Exception], message: str
) -> None:
    path = tmp_path / f"random{ext}"
    path.write_bytes(RANDOM)
    with pytest.raises(error, match=message) as info:
        read(path)
    assert str(path) in str(info.value)


def rewrite_zip(source: Path, target: Path, change: Callable[[str, bytes], bytes | None]) -> Path:
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w") as copy:
        for info in original.infolist():
            data = change(info.filename, original.read(info))
            if data is not None:
                copy.writestr(info, data)
    return target


def test_damaged_docx_is_refused(tmp_path: Path) -> None:
    good = FIXTURES / "plan.docx"
    raw = good.read_bytes()
    truncated = tmp_path / "truncated.docx"
    truncated.write_bytes(raw[: len(raw) // 2])
    no_body = rewrite_zip(
        good, tmp_path / "no_body.docx", lambda n, d: None if n == "word/document.xml" else d
    )
    broken_xml = rewrite_zip(
        good,
        tmp_path / "broken_xml.docx",
        lambda n, d: d[: len(d) // 2] if n == "word/document.xml" else d,
    )
    legacy = tmp_path / "legacy.docx"
    legacy.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + RANDOM)
    for path in (truncated, no_body, broken_xml):
        with pytest.raises(ReaderError, match="damaged or truncated") as info:
            read(path)
        assert str(path) in str(info.value)
    with pytest.raises(ReaderError, match="Word 97-2003"):
        read(legacy)


def test_damaged_pdf_is_refused(tmp_path: Path) -> None:
    raw = (FIXTURES / "plan.pdf").read_bytes()
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(raw[: len(raw) // 3])
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"%PDF-1.4\n" + RANDOM)
    for path in (truncated, garbage):
        with pytest.raises(ReaderError, match="damaged or truncated"):
            read(path)


def test_image_only_pdf_is_refused() -> None:
    with pytest.raises(ReaderError, match=r"image-only PDF: no text layer; OCR it first"):
        read(FIXTURES / "image_only.pdf")


def minimal_pdf(content: bytes, font: bytes = b"") -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    resources = b"/Resources << /Font << /F1 4 0 R >> >>" if font else b""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] "
        + resources
        + b" /Contents 5 0 R >>",
        font or b"<< >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NoMap /CIDSystemInfo"
        b" << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor 7 0 R >>",
        b"<< /Type /FontDescriptor /FontName /NoMap /Flags 4 /FontBBox [0 0 1000 1000]"
        b" /ItalicAngle 0 /Ascent 880 /Descent -120 /CapHeight 700 /StemV 80 >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    )
    return out.getvalue()


def test_pdf_without_text_is_image_only(tmp_path: Path) -> None:
    path = tmp_path / "blank.pdf"
    path.write_bytes(minimal_pdf(b"0 0 m 100 100 l S"))
    with pytest.raises(ReaderError, match="image-only PDF"):
        read(path)


def test_pdf_of_glyph_codes_is_refused(tmp_path: Path) -> None:
    font = (
        b"<< /Type /Font /Subtype /Type0 /BaseFont /NoMap /Encoding /Identity-H"
        b" /DescendantFonts [6 0 R] >>"
    )
    path = tmp_path / "cid.pdf"
    path.write_bytes(minimal_pdf(b"BT /F1 12 Tf 20 200 Td <0102030405060708090A> Tj ET", font))
    with pytest.raises(ReaderError, match=r"PDF text is \(cid:…\) glyph codes"):
        read(path)


def test_web_page_under_doc_name_is_read_as_html(tmp_path: Path, reference: Source) -> None:
    path = tmp_path / "plan.doc"
    path.write_bytes((FIXTURES / "plan.html").read_bytes())
    source = read(path)
    assert source.format == "doc" and source.text == reference.text


# -- LibreOffice ------------------------------------------------------------------------------


def fake_soffice(folder: Path, script: str) -> Path:
    folder.mkdir(exist_ok=True)
    command = folder / "soffice"
    command.write_text("#!/bin/sh\n" + script, encoding="utf-8")
    command.chmod(command.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return command


def test_missing_soffice_names_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ReaderError, match="libreoffice-writer-nogui") as info:
        read(FIXTURES / "plan.doc")
    assert "plan.doc" in str(info.value)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="process groups and /proc")
def test_hung_soffice_is_killed_by_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pidfile = tmp_path / "child.pid"
    # soffice is a launcher that starts soffice.bin: a child that must die too.
    fake_soffice(tmp_path / "bin", f"sleep 60 &\necho $! > {pidfile}\nwait\n")
    monkeypatch.setenv("PATH", str(tmp_path / "bin") + os.pathsep + os.environ["PATH"])
    started = time.monotonic()
    with pytest.raises(ReaderError, match="hung") as info:
        office.read(FIXTURES / "plan.doc", timeout=1.0)
    assert time.monotonic() - started < 15
    assert "1 s" in str(info.value)
    child = int(pidfile.read_text(encoding="ascii"))
    deadline = time.monotonic() + 5
    while process_running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not process_running(child)


def test_failed_conversion_reports_soffice_output(tmp_path: Path) -> None:
    failing = fake_soffice(
        tmp_path / "a", "echo 'Error: source file could not be loaded' >&2\nexit 3\n"
    )
    silent = fake_soffice(tmp_path / "b", "exit 0\n")
    with pytest.raises(ReaderError, match=r"status 3.*could not be loaded"):
        office.read(FIXTURES / "plan.doc", soffice=str(failing))
    with pytest.raises(ReaderError, match="produced no document"):
        office.read(FIXTURES / "plan.doc", soffice=str(silent))


@needs_soffice
def test_corrupt_doc_is_refused(tmp_path: Path) -> None:
    raw = (FIXTURES / "plan.doc").read_bytes()
    path = tmp_path / "corrupt.doc"
    path.write_bytes(raw[:512] + RANDOM + raw[512 + len(RANDOM) :])
    with pytest.raises(ReaderError, match="LibreOffice could not convert") as info:
        read(path)
    assert "corrupt.doc" in str(info.value)


@needs_soffice
def test_parallel_conversions_do_not_collide(reference: Source) -> None:
    names = ["plan.doc", "plan.rtf", "plan.odt", "plan.doc"]
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        sources = list(pool.map(lambda n: read(FIXTURES / n), names))
    for source in sources:
        assert outline(source) == OUTLINE
    assert not list(FIXTURES.glob(".~lock*"))  # nothing written next to the inputs


def test_docx_unknown_number_format_is_reported(tmp_path: Path) -> None:
    abstract = (
        '<w:abstractNum w:abstractNumId="1">' + lvl(0, "koreanCounting", "%1.") + "</w:abstractNum>"
    )
    numbering = numbering_xml(
        abstract, nums='<w:num w:numId="1"><w:abstractNumId w:val="1"/></w:num>'
    )
    source = read(make_docx(tmp_path / "korean.docx", p("组织建设", num=(1, 0)), numbering))
    assert source.text == "1.组织建设\n"
    assert [w.code for w in source.warnings] == ["docx-numbering-format"]
    assert "koreanCounting" in source.warnings[0].message
