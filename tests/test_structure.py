"""Structure: the case table, the seeds, and invariants on arbitrary text."""

from __future__ import annotations

import random
import re
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unionnlp.errors import EmptyInputError
from unionnlp.model import Plan, Span, Table
from unionnlp.normalize import Normalizer
from unionnlp.pipeline import Pipeline
from unionnlp.readers import read
from unionnlp.structure import StructureParser, cn_to_int, measures_from_table
from unionnlp.structure_markers import (
    _JUNK_LIMIT,
    _JUNK_WINDOW,
    _ROUGH_CHARS,
    _ROUGH_MARKER,
    MarkerScanner,
)

from .conftest import CORPORA, SEEDS

CASES: list[dict[str, Any]] = tomllib.loads(
    (Path(__file__).parent / "cases" / "structure.toml").read_text(encoding="utf-8")
)["case"]


def _rows(plans: list[Plan]) -> list[str]:
    return [f"{s.level}|{s.marker}|{s.title}" for p in plans for s in p.sections if s.marker]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case: dict[str, Any], pipeline: Pipeline) -> None:
    plans = pipeline.parse(case["text"])
    assert _rows(plans) == case["sections"]
    if "plans" in case:
        assert len(plans) == case["plans"]
    for code in case.get("warnings", ()):
        assert code in {w.code for p in plans for w in p.warnings}


def _check_invariants(text: str, plans: list[Plan]) -> None:
    assert plans
    for plan in plans:
        assert 0 <= plan.span.start <= plan.span.end <= len(text)
        ids = {s.id for s in plan.sections}
        by_id = {s.id: s for s in plan.sections}
        for sec in plan.sections:
            assert plan.span.contains(sec.span) or not sec.marker
            assert sec.span.contains(sec.marker_span)
            assert sec.span.contains(sec.title_span)
            if sec.parent is not None:
                assert sec.parent in ids
                parent = by_id[sec.parent]
                assert parent.span.contains(sec.span)
                assert sec.level == parent.level + 1
            for measure in sec.measures:
                assert sec.span.contains(measure.span)
                assert measure.text
        # reading order
        starts = [s.span.start for s in plan.sections]
        assert starts == sorted(starts)


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_seeds_parse_with_sound_spans(path: Path, pipeline: Pipeline) -> None:
    text = path.read_text(encoding="utf-8")
    plans = pipeline.parse(text)
    _check_invariants(text, plans)
    for plan in plans:
        for sec in plan.sections:
            if sec.marker:
                written = sec.marker_span.slice(text)
                # the marker as written: same numeral, maybe ASCII punctuation
                assert written.strip()[:1] == sec.marker.strip()[:1] or sec.marker[0] in "（(〔【["


def test_titles_slice_back_to_the_source_as_written(pipeline: Pipeline) -> None:
    text = SEEDS[0].read_text(encoding="utf-8")
    plan = pipeline.parse(text)[0]
    first = plan.sections[0]
    assert first.title == "加强政治学习，提升干部职工素养"
    # the span runs from the first to the last character of the title (glosses inside it
    # are part of the source as written; the one after the last character is not)
    assert first.title_span.slice(text) == "加強(qiáng)政治學(xué)習(xí),提升干部職工素養"
    assert first.marker_span.slice(text) == "一、"


def test_watermark_is_left_out_of_titles(pipeline: Pipeline) -> None:
    text = "二、加强评价精编资料,供您参考体系建设。三、其他"
    plans = pipeline.parse(text)
    assert plans[0].sections[0].title == "加强评价体系建设"
    assert "精编资料" in plans[0].sections[0].title_span.slice(text)


def test_plan_metadata(pipeline: Pipeline) -> None:
    text = (
        "XX学校2023-2024学年第一学期工会工作计划\n我校工会将围绕中心工作。\n"
        "一、加强师德建设\n二、关心教职工生活"
    )
    plan = pipeline.parse(text)[0]
    assert plan.title == "XX学校2023-2024学年第一学期工会工作计划"
    assert plan.year == 2023
    assert plan.period == "school_year"
    assert plan.unit == "校工会"
    assert plan.title_span is not None and plan.title_span.slice(text) == plan.title


def test_placeholder_year_stays_unknown(pipeline: Pipeline) -> None:
    plan = pipeline.parse("20__年机关工会工作计划\n一、加强学习\n二、关爱职工")[0]
    assert plan.year is None
    assert plan.unit == "机关工会"
    assert plan.placeholders and plan.placeholders[0].kind == "year"


def test_chinese_numeral_year(pipeline: Pipeline) -> None:
    plan = pipeline.parse("二〇二二年区总工会工作要点\n一、强化引领\n二、维护权益")[0]
    assert plan.year == 2022
    assert plan.unit == "区总工会"


def test_leaves_are_measures_with_schedule_months(pipeline: Pipeline) -> None:
    text = "六、活动安排\n3月份：1、三八节活动。2、选举代表。\n7月8月份：组织夏季旅游"
    plan = pipeline.parse(text)[0]
    measures = [m for _, m in plan.measures()]
    assert [m.schedule for m in measures] == ["3月份", "3月份", "7月8月份"]
    assert measures[-1].text == "组织夏季旅游"
    assert measures[-1].schedule_span is not None
    assert measures[-1].schedule_span.slice(text) == "7月8月份"


def test_a_month_alone_on_its_line_heads_a_schedule_whose_items_restart(
    pipeline: Pipeline,
) -> None:
    # A schedule whose months stand alone on their lines and whose ① items restart each
    # month is one plan, not one plan a month.
    text = (
        "街道总工会2025年工作安排\n\n1月\n①走访慰问困难职工。\n②编制经费预算。\n\n"
        "2月\n①举办职工游园活动。\n②召开年度工作会议。\n\n十二月份\n①开展年终考核。"
    )
    (plan,) = pipeline.parse(text)
    assert [s.marker for s in plan.sections] == ["①", "②", "①", "②", "①"]
    assert {s.level for s in plan.sections} == {1}
    measures = [m for _, m in plan.measures()]
    assert [m.schedule for m in measures] == ["1月", "1月", "2月", "2月", "十二月份"]
    assert measures[-1].schedule_span is not None
    assert measures[-1].schedule_span.slice(text) == "十二月份"


def test_a_numbered_month_heading_leaves_no_measure_of_its_marker(pipeline: Pipeline) -> None:
    # `1、一月份：…`: the item's marker before its month heading is no measure of its own,
    # and the month above does not spill onto the next item.
    text = "2024年工会工作安排\n1、一月份：召开工会委员会议。\n2、二月份：春节慰问。\n"
    (plan,) = pipeline.parse(text)
    measures = [m for _, m in plan.measures()]
    assert [m.text for m in measures] == ["召开工会委员会议。", "春节慰问。"]
    assert [m.schedule for m in measures] == ["一月份", "二月份"]


def test_a_bracketed_month_heading_ends_the_item_above_it(pipeline: Pipeline) -> None:
    text = "2024年工会工作安排\n【一月】\n1、召开委员会。\n2、走访慰问。\n【二月】\n1、组织联欢。"
    (plan,) = pipeline.parse(text)
    measures = [m for _, m in plan.measures()]
    assert [m.text for m in measures] == ["1、召开委员会。", "2、走访慰问。", "1、组织联欢。"]
    assert [m.schedule for m in measures] == ["一月", "一月", "二月"]
    assert measures[-1].schedule_span is not None
    assert measures[-1].schedule_span.slice(text) == "二月"


@pytest.mark.parametrize("joint", ["·篇", " —— 篇", " 第"])
def test_a_piece_marker_after_its_title_is_no_part_of_it(pipeline: Pipeline, joint: str) -> None:
    suffix = "篇" if joint == " 第" else ""
    text = "".join(
        f"学校工会工作计划{joint}{n}{suffix}\n一、加强学习\n二、开展活动\n" for n in "一二"
    )
    plans = pipeline.parse(text)
    assert [p.title for p in plans] == ["学校工会工作计划", "学校工会工作计划"]
    assert [len(p.sections) for p in plans] == [2, 2]


def test_long_unnumbered_body_is_split_into_action_sentences(pipeline: Pipeline) -> None:
    body = (
        "为此，我们深感责任重大。"
        + "要组织教职工认真学习工会章程。" * 3
        + "要举办工会干部培训班，提高履职能力。" * 4
    )
    plan = pipeline.parse("一、加强自身建设\n" + body)[0]
    measures = plan.sections[0].measures
    assert len(measures) == 7
    assert all(m.text.startswith("要") for m in measures)


def test_table_rows_become_measures() -> None:
    source = "序号 工作内容 责任单位 完成时限\n1 召开职代会 工会办公室 3月底前"
    cell = lambda s: (s, Span(source.index(s), source.index(s) + len(s)))  # noqa: E731
    table = Table(
        header=(cell("序号"), cell("工作内容"), cell("责任单位"), cell("完成时限")),
        rows=((cell("1"), cell("召开职代会"), cell("工会办公室"), cell("3月底前")),),
    )
    (measure,) = measures_from_table(table)
    assert measure.text == "召开职代会"
    assert measure.span.slice(source) == "召开职代会"
    assert dict(measure.columns)["责任单位"] == "工会办公室"
    assert dict(measure.columns)["完成时限"] == "3月底前"


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("二十三", 23),
        ("九十九", 99),
        ("两", 2),
        ("二三", 23),
        ("百", None),
        ("十十", None),
        ("〇一", None),
    ],
)
def test_cn_to_int(numeral: str, value: int | None) -> None:
    assert cn_to_int(numeral) == value


def test_empty_text_is_refused(pipeline: Pipeline) -> None:
    with pytest.raises(EmptyInputError):
        pipeline.parse("  \n")


MARKERISH = st.sampled_from(
    [
        "一、",
        "二、",
        "（一）",
        "(2)",
        "1、",
        "2.",
        "3、",
        "①",
        "⑵",
        "一是",
        "二要",
        "首先，",
        "——",
        "第一章",
        "1.1 ",
        "3月份：",
        "【第二篇】",
        "篇三\n",
        "工会工作计划\n",
        "。",
        "，",
        "\n",
        "加强",
        "组织建设",
        "3、8妇女节",
        "7:20",
        "4.6",
        "精编资料,供您参考",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(MARKERISH, st.text(max_size=6)), min_size=1, max_size=60).map("".join))
def test_any_text_gives_a_sound_tree(text: str) -> None:
    pipeline = _PIPELINE
    try:
        plans = pipeline.parse(text)
    except EmptyInputError:
        assert not text.strip()
        return
    _check_invariants(text, plans)


_PIPELINE = Pipeline()


def test_megabyte_of_marker_junk_is_fast(pipeline: Pipeline) -> None:
    junk = ("一、1、（一）(1)①一是3、8，4.6。7:20" * 40_000)[:1_000_000]
    started = time.process_time()
    plans = pipeline.structure(pipeline.normalizer(junk))
    elapsed = time.process_time() - started
    assert plans
    assert elapsed < 1.0, f"structure took {elapsed:.2f} s of CPU on 1 MB of junk"


# -- prefilters: the same findings as the scans they spare ---------------------


@pytest.fixture(scope="module")
def corpus_texts(normalizer: Normalizer) -> list[str]:
    return [normalizer(read(p).text).text for p in sorted(CORPORA.rglob("*.txt"))]


def test_line_filtered_rules_find_what_a_full_scan_finds(corpus_texts: list[str]) -> None:
    parser = StructureParser()
    rules = [r for r in parser.document_rules + parser.title_rules if r.get("line_has")]
    assert {r.name for r in rules} >= {"plan_title_line", "numbered_title"}
    edge_cases = [
        "通知如下。\n2024\n年工会工作计划\n一、加强学习",  # `\d{4}\s*年` over a line break
        "前言\n机关2023 \n\n 年度工作要点（试行）\n一、加强学习",
        "工会工作计划\n3\n一、加强学习",
        "  工会工作要点 12\n工会工作计划2023\n下半年工会工作计划（草案）范文  \n",
        "第一篇 工会工作计划\n篇二\n",
    ]
    for rule in rules:
        assert rule.pattern.pattern.startswith("(?m)^"), rule.name  # anchored at line starts
        for text in [*corpus_texts, *edge_cases, *rule.must_match, *rule.must_not_match]:
            expected = [m.span() for m in rule.pattern.finditer(text)]
            assert [m.span() for m in parser.documents.rule_matches(rule, text, 10.0)] == expected


def test_title_after_a_broken_year_line_still_opens_a_plan(pipeline: Pipeline) -> None:
    plans = pipeline.parse("通知如下。\n2024\n年工会工作计划\n一、加强学习\n二、关爱职工")
    assert plans[-1].title == "2024\n年工会工作计划"


def test_numbered_plan_titles_give_the_piece_its_title(pipeline: Pipeline) -> None:
    """A numbered title over a plan numbered above it names that piece (marker left out,
    its span slicing back to the title); a numbered list of titles above a plan's own
    title line leaves the plan its own title."""
    body = "\n一、加强学习\n组织职工读书。\n二、关爱职工\n走访困难职工。"
    text = "1、2024年车间工会工作计划" + body + "\n2、2024年机关工会工作计划" + body
    plans = pipeline.parse(text)
    assert [p.title for p in plans] == ["2024年车间工会工作计划", "2024年机关工会工作计划"]
    assert all(
        p.title_span and text[p.title_span.start : p.title_span.end] == p.title for p in plans
    )
    listed = (
        "热门范文\n1、2024年车间工会工作计划\n2、2024年机关工会工作计划\n2024年学校工会工作计划"
    )
    assert [p.title for p in pipeline.parse(listed + body)] == ["2024年学校工会工作计划"]


def test_compilation_piece_titles_slice_back_to_the_source(pipeline: Pipeline) -> None:
    """Titles a compilation marker gives its piece (`X计划2` on its own line, the text
    after `第二篇`) carry spans that slice back to them, indent and blanks left out."""
    body = "\n一、加强学习\n1、组织职工读书。\n二、关爱职工\n1、走访困难职工。\n"
    numbered = "  学校工会工作计划 1" + body + "  学校工会工作计划 2" + body
    after = "前言。第一篇　学校工会工作计划" + body + "第二篇：　机关工会工作要点 " + body
    for text, titles in (
        (numbered, ["学校工会工作计划", "学校工会工作计划"]),
        (after, ["机关工会工作要点"]),
    ):
        plans = pipeline.parse(text)
        titled = [p for p in plans if p.title]
        assert [p.title for p in titled] == titles
        assert all(p.title_span and p.title_span.slice(text) == p.title for p in titled)


@pytest.mark.parametrize(
    "chrome",
    [
        "您当前所在的位置： 首页 > 工会动态 > 通知公告",
        "首页>工会园地>队伍建设>文章内容>正文页面>列表第二页",
        "首页 | 范文大全 | 工作总结 | 心得体会 | 演讲稿 | 工作计划",
        "热门搜索：工会 活动方案 慰问信 述职报告 入党申请书",
    ],
)
def test_a_title_under_a_long_line_of_site_chrome_keeps_its_title(
    pipeline: Pipeline, chrome: str
) -> None:
    """A breadcrumb, a menu or a list of search words (20 characters or more, no sentence
    end) right above the title is no sentence that a hard line break cut: the title
    stands."""
    text = (
        chrome
        + "\n县总工会2022年度工作要点\n一、加强学习\n组织职工读书。\n二、关爱职工\n走访困难职工。"
    )
    (plan,) = pipeline.parse(text)
    assert plan.title == "县总工会2022年度工作要点"


@pytest.mark.parametrize(
    ("above", "wrapped"),
    [
        ("组织全体职工认真学习上级文件精神，全面落实", True),
        ("组织全体职工认真学习上级文件精神， 全面落实", True),  # one blank: still prose
        ("热门搜索：工会 活动方案 慰问信 述职报告", False),
        ("首页>工会园地>队伍建设>文章内容>正文页面", False),
        ("组织全体职工认真学习上级文件精神。", False),
    ],
)
def test_a_line_cut_by_a_hard_break_is_prose(above: str, wrapped: bool) -> None:
    from unionnlp.structure_documents import _wrapped

    text = above + "\n区总工会2025年工作计划\n"
    assert _wrapped(text, len(above) + 1) is wrapped


def test_a_piece_title_opening_with_its_year_is_the_pieces_title(pipeline: Pipeline) -> None:
    """`第1篇：2022年…计划`: the title after the piece's number opens with its year; the
    piece takes that title and year, not the page's heading (nor none at all)."""
    body = "\n一、加强学习\n组织职工读书。\n二、关爱职工\n走访困难职工。"
    text = (
        "企业工会工作计划范文\n第1篇：2022年车间工会工作计划"
        + body
        + "\n第2篇：20XX年机关工会工作计划"
        + body
    )
    plans = pipeline.parse(text)
    assert [(p.title, p.year) for p in plans] == [
        ("2022年车间工会工作计划", 2022),
        ("20XX年机关工会工作计划", None),
    ]
    assert all(p.title_span and p.title_span.slice(text) == p.title for p in plans)


@pytest.mark.parametrize(
    ("markers", "numbers"),
    [
        ([f"{chr(0x2160 + i)}、" for i in range(12)], list(range(1, 13))),  # Ⅰ to Ⅻ
        ([f"{chr(0x2170 + i)}." for i in range(12)], list(range(1, 13))),  # ⅰ to ⅻ
    ],
)
def test_roman_numerals_read_as_numbers(
    pipeline: Pipeline, markers: list[str], numbers: list[int]
) -> None:
    text = "工会工作计划\n" + "".join(f"{m}加强学习\n组织职工读书。\n" for m in markers)
    (plan,) = pipeline.parse(text)
    assert [s.number for s in plan.sections] == numbers
    assert [s.marker for s in plan.sections] == markers


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("【篇1】机关工会读书安排", "【篇2】车间工会读书安排"),  # the marker alone before the title
        ("范文一：机关工会读书安排", "精选范文二：车间工会读书安排"),  # a site's model texts
        ("机关工会读书安排 篇一", "车间工会读书安排 篇二"),  # a blank before the piece's number
    ],
)
def test_piece_markers_leave_the_title_whole_and_alone(
    pipeline: Pipeline, first: str, second: str
) -> None:
    """A piece's marker before or after its title on the title's line is no part of the
    title, which slices back to the source; each piece is a plan."""
    body = "\n一、加强学习\n组织职工读书。\n二、关爱职工\n走访困难职工。\n"
    text = first + body + second + body
    plans = pipeline.parse(text)
    assert [p.title for p in plans] == ["机关工会读书安排", "车间工会读书安排"]
    assert all(p.title_span and p.title_span.slice(text) == p.title for p in plans)


def test_a_run_on_compilation_splits_at_its_piece_numbers(pipeline: Pipeline) -> None:
    """Run-on text (the page lost its line breaks): `第二篇：` after a sentence's end opens
    the next piece, whose title ends where its first heading begins; no piece is lost,
    however short the rest of its line."""
    text = (
        "第一篇：机关工会读书安排 一、加强学习。组织职工读书。二、关爱职工。走访困难职工。"
        "第二篇：车间工会读书安排 一、加强学习。组织读书。二、关爱职工。"
    )
    plans = pipeline.parse(text)
    assert [p.title for p in plans] == ["机关工会读书安排", "车间工会读书安排"]
    assert [[s.marker for s in p.sections] for p in plans] == [["一、", "二、"], ["一、", "二、"]]
    assert all(p.title_span and p.title_span.slice(text) == p.title for p in plans)
    assert "第二篇" not in plans[0].span.slice(text)


@pytest.mark.parametrize("title", ["教代会工作计划", "女职工委员会工作要点", "职工之家建设安排"])
def test_a_title_naming_a_union_body_opens_a_plan(pipeline: Pipeline, title: str) -> None:
    """A line naming one of the union's bodies and a kind of plan is a plan's title, as
    one naming 工会 is, whatever list follows it; a line naming another body is not."""
    first = "学校工会工作计划\n一、加强学习\n组织职工读书。\n二、关爱职工\n走访困难职工。\n"
    second = "\n（一）加强学习\n组织职工读书。\n（二）关爱职工\n走访困难职工。\n"
    plans = pipeline.parse(first + title + second)
    assert [p.title for p in plans] == ["学校工会工作计划", title]
    assert [s.level for s in plans[1].sections] == [1, 1]
    (plan,) = pipeline.parse(first + "读书小组活动计划" + second)
    assert [s.level for s in plan.sections] == [1, 1, 2, 2]


def test_family_prefilters_change_no_candidate(corpus_texts: list[str], tmp_path: Path) -> None:
    markers = Path(__file__).parent.parent / "unionnlp" / "data" / "markers.toml"
    plain_rules = tmp_path / "markers.toml"
    plain_rules.write_text(
        re.sub(r"(?m)^requires = .*\n", "", markers.read_text(encoding="utf-8")), encoding="utf-8"
    )
    fast, plain = StructureParser(), StructureParser(rules=plain_rules)
    prefiltered = [f for f in fast.families if f.rule.get("requires")]
    assert {f.rule.name for f in prefiltered} >= {"dash", "bracket"}
    assert not any(f.rule.get("requires") for f in plain.families)
    examples = [e for f in fast.families for e in (*f.rule.must_match, *f.rule.must_not_match)]
    for text in [*corpus_texts, *examples, "一、加强学习\n——完善制度\n首先，学习【1】(2)第三，"]:
        for fam in prefiltered:
            for m in fam.rule.pattern.finditer(text):
                assert any(lit in m.group() for lit in fam.rule.get("requires")), m.group()
        assert _found(fast, text) == _found(plain, text)
        assert fast.markers.months(text, 5.0) == plain.markers.months(text, 5.0)


def _found(parser: StructureParser, text: str) -> list[tuple[Any, ...]]:
    cands, _ = parser.markers.candidates(text, 10.0)
    return [(c.start, c.end, c.family.name, c.num, c.word, c.marker, c.ctx) for c in cands]


def _junk_by_scanning_every_window(text: str) -> list[tuple[int, int]]:
    """The junk windows as found before the prefilter: every window scanned."""
    junk: list[tuple[int, int]] = []
    for w in range(0, len(text), _JUNK_WINDOW):
        if len(_ROUGH_MARKER.findall(text, w, w + _JUNK_WINDOW)) > _JUNK_LIMIT:
            if junk and junk[-1][1] >= w:
                junk[-1] = (junk[-1][0], min(len(text), w + _JUNK_WINDOW))
            else:
                junk.append((w, min(len(text), w + _JUNK_WINDOW)))
    return junk


def test_junk_windows_are_those_a_scan_of_every_window_finds(corpus_texts: list[str]) -> None:
    rng = random.Random(11)
    dense = ["——", "一、", "二.", "12、", "3)", "（四）", "【5】", "⑥", "⑺", "⒏", "五是", "六要"]
    texts = list(corpus_texts)
    for marker in dense:
        for repeat in (150, 210, 400):  # below, around and above the limit per window
            filler = rng.choice(["加强", "", "组织建设，"])
            texts.append("工会工作计划\n" + (marker + filler) * repeat + "\n一、加强学习")
    for _ in range(30):
        texts.append("".join(rng.choice([*dense, "加强学习。", "\n"]) for _ in range(3000)))
    found_junk = False
    for text in texts:
        for m in _ROUGH_MARKER.finditer(text):
            assert set(m.group()) & set(_ROUGH_CHARS), m.group()
        junk = MarkerScanner.junk_windows(text)
        assert junk == _junk_by_scanning_every_window(text)
        found_junk = found_junk or bool(junk)
    assert found_junk
