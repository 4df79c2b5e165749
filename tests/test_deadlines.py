"""Deadlines: the case table, attachment to measures, the stage contract, and the trigger
scan that keeps sentences without a deadline from reaching the rules."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from unionnlp import deadlines
from unionnlp.deadlines import DeadlineExtractor
from unionnlp.deadlines import scan as deadline_scan
from unionnlp.errors import PipelineError
from unionnlp.model import Plan, Span
from unionnlp.normalize import Normalizer
from unionnlp.pipeline import Pipeline
from unionnlp.readers import read
from unionnlp.resources import Rule

CASES: list[dict[str, Any]] = tomllib.loads(
    (Path(__file__).parent / "cases" / "deadlines.toml").read_text(encoding="utf-8")
)["case"]
EXTRACTOR = DeadlineExtractor()


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_case(case: dict[str, Any]) -> None:
    found = EXTRACTOR.find(
        case["text"], year=case.get("year"), school_year=case.get("school_year", False)
    )
    got = [[f.text, f.kind, f.value or "", f.rrule or ""] for f in found]
    assert got == case["expected"]
    for f in found:
        assert case["text"][f.start : f.end] == f.text


def test_deadlines_attach_to_their_measures(pipeline: Pipeline) -> None:
    text = (
        "2023年机关工会工作计划\n一、组织建设\n1、调整工会小组。此项工作在3月底前完成。\n"
        "2、完善女职工档案。\n时限:4月;10月\n二、文体活动\n3月份：1、三八节活动。"
    )
    plan = Pipeline.default().parse(text)[0]
    by_title = {sec.title: sec for sec in plan.sections}
    (m1,) = by_title["调整工会小组"].measures
    assert [(d.text, d.value) for d in m1.deadlines] == [("3月底前", "2023-03")]
    (m2,) = by_title["完善女职工档案"].measures
    assert [d.text for d in m2.deadlines] == ["4月", "10月"]
    for d in m1.deadlines + m2.deadlines:
        assert d.span.slice(text) == d.text
    (m3,) = by_title["三八节活动"].measures
    assert [(d.text, d.kind, d.value) for d in m3.deadlines] == [
        ("3月份", "on", "2023-03"),
        ("三八节", "on", "2023-03-08"),
    ]
    assert m3.deadlines[0].span.slice(text) == "3月份"


def test_spans_point_into_traditional_source() -> None:
    text = "一、加強學習\n1、每季度集中學習一次，國慶節前完成總結。"
    plan = Pipeline.default().parse(text)[0]
    deadlines = [d for _, m in plan.measures() for d in m.deadlines]
    assert [d.span.slice(text) for d in deadlines] == ["每季度", "國慶節前"]
    assert [d.text for d in deadlines] == ["每季度", "国庆节前"]


def test_stage_needs_the_structure_stage() -> None:
    with pytest.raises(PipelineError, match="structure stage"):
        EXTRACTOR(Plan(index=0, span=Span(0, 0)))


def test_month_heading_belongs_only_to_the_items_under_it() -> None:
    text = "六、活动安排\n3月份：1、三八节活动。2、选举代表。\n4月份：1、职工运动会。"
    plan = Pipeline.default().parse(text)[0]
    by_title = {sec.title: sec for sec in plan.sections}
    (elect,) = by_title["选举代表"].measures
    assert [d.text for d in elect.deadlines] == ["3月份"]
    (games,) = by_title["职工运动会"].measures
    assert [(d.text, d.rule) for d in games.deadlines] == [("4月份", "schedule+month")]


def test_a_half_year_heading_leaves_its_festivals_in_the_plans_year() -> None:
    # 下半年 (2024-41) is no month 41: a festival under it is not moved to the next year.
    text = "2024年工会工作安排\n上半年：\n1、召开教代会。\n下半年：\n1、开展教师节慰问。"
    plan = Pipeline.default().parse(text)[0]
    measures = [m for _, m in plan.measures()]
    assert [(d.text, d.value) for d in measures[-1].deadlines] == [
        ("下半年", "2024-41"),
        ("教师节", "2024-09-10"),
    ]


def test_a_quarter_under_a_schedule_that_ran_into_the_next_year_is_of_that_year() -> None:
    text = (
        "2024年工会工作安排\n十一月：\n1、年终考核。\n十二月：\n1、评优。\n"
        "一月：\n1、第一季度前完成会费收缴。"
    )
    plan = Pipeline.default().parse(text)[0]
    last = [m for _, m in plan.measures()][-1]
    assert [(d.text, d.value) for d in last.deadlines] == [
        ("一月", "2025-01"),
        ("第一季度前", "2025-33"),
    ]


# -- the trigger scan: it may skip only work that could not find a deadline -------

RULES = EXTRACTOR.rules
CORPUS_TEXTS = sorted((Path(__file__).resolve().parent.parent / "corpora").rglob("*.txt"))
# Contexts for an expression: alone, first, last, inside a sentence, on a line of its own.
CONTEXTS = ["{}", "{}完成换届。", "认真组织{}", "各分会在{}前后开展活动", "一、工作\n{}\n二、其他"]
# Forms the normaliser leaves (fullwidth punctuation) or folds (fullwidth digits, traditional).
FULLWIDTH = str.maketrans("0123456789-.:~、", "０１２３４５６７８９－．：～，")


@pytest.fixture(scope="module")
def unfiltered() -> DeadlineExtractor:
    """An extractor whose trigger knows no needs: every rule runs on every text."""
    extractor = DeadlineExtractor()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(deadline_scan, "_needs", lambda pattern: ())  # where _Scan.of reads it
        assert extractor._scan.always == (1 << len(extractor.rules)) - 1
    return extractor


@pytest.fixture(scope="module")
def corpus_lines(normalizer: Normalizer) -> list[str]:
    """Every line of every corpus file, normalised as the stage sees it."""
    lines: list[str] = []
    for path in CORPUS_TEXTS:
        lines.extend(normalizer(read(path).text).text.splitlines())
    return [line for line in lines if line.strip()]


def _assert_same(unfiltered: DeadlineExtractor, text: str) -> None:
    for year, school_year in ((None, False), (2023, True)):
        got = EXTRACTOR.find(text, year=year, school_year=school_year)
        assert got == unfiltered.find(text, year=year, school_year=school_year), text


def test_every_rule_has_a_trigger() -> None:
    # A construct the analysis cannot read leaves its rule running on every text:
    # still exact, but the shipped grammar should never need it.
    for rule in RULES:
        assert deadlines._needs(rule.pattern), rule.name
    assert EXTRACTOR._scan.always == 0


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_every_match_holds_each_need(rule: Rule, corpus_lines: list[str]) -> None:
    # The needs are read from the pattern; check them on the text of real matches.
    needs = deadlines._needs(rule.pattern)
    texts = [c.format(e) for e in rule.must_match for c in CONTEXTS] + corpus_lines
    for text in texts:
        for m in rule.pattern.finditer(text):
            for need in needs:
                assert any(s in m.group() for s in need), (rule.name, m.group(), sorted(need))


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_trigger_keeps_every_example(
    rule: Rule, unfiltered: DeadlineExtractor, normalizer: Normalizer
) -> None:
    for example in rule.must_match:
        variants = {example, normalizer(example.translate(FULLWIDTH)).text}
        for variant in variants:
            for context in CONTEXTS:
                _assert_same(unfiltered, context.format(variant))


def test_trigger_keeps_every_festival(unfiltered: DeadlineExtractor) -> None:
    for alias in EXTRACTOR.festivals:
        for context in CONTEXTS:
            _assert_same(unfiltered, context.format(alias))
    # Dropped by an earlier hand-written trigger (no character of its list in them):
    assert [f.text for f in EXTRACTOR.find("开展3·8系列活动")] == ["3·8"]
    assert [f.text for f in EXTRACTOR.find("7·1前完成")] == ["7·1前"]


def test_trigger_keeps_every_corpus_deadline(
    unfiltered: DeadlineExtractor, corpus_lines: list[str]
) -> None:
    for line in corpus_lines:
        _assert_same(unfiltered, line)
    _assert_same(unfiltered, "\n".join(corpus_lines))


PIECES = st.sampled_from(
    [
        *(e for r in RULES for e in r.must_match),
        *(e for r in RULES for e in r.must_not_match),
        *EXTRACTOR.festivals,
        *"0123456789０１２３一二三四五六七八九十元正两月年日号份周季度半每个第最后前后初中底末旬"
        '至到-—－~～、,，和及从自起始即期间节“”"。；;:：\n 去过以来已上下全春夏秋冬学新开',
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, min_size=1, max_size=12).map("".join))
def test_trigger_on_random_text(unfiltered: DeadlineExtractor, text: str) -> None:
    _assert_same(unfiltered, text)


@pytest.mark.parametrize(
    ("pattern", "needs"),
    [
        ("ab|cd", [{"ab", "cd"}]),
        ("(?<!x)(?P<m>[12])月份?", [{"1月", "2月"}]),
        ("每(?:周|月)\\s*一次", [{"每周", "每月"}, {"一次"}]),
        ("a[^b]*c", [{"a"}, {"c"}]),
        ("a[^b]c", [{"a"}, {"c"}]),
        ("a.b", [{"a"}, {"b"}]),
        ("a{,2}b{2}", [{"b"}]),
        ("x?", []),
    ],
    # plain ids: a backslash or bracket in an id makes its node id unaddressable
    # (mutmut selects tests by node id)
    ids=[
        "alternation",
        "lookbehind_and_class",
        "group_and_space",
        "negated_class_star",
        "negated_class",
        "dot",
        "repeats",
        "optional",
    ],
)
def test_needs_of_a_pattern(pattern: str, needs: list[set[str]]) -> None:
    assert sorted(map(sorted, deadlines._needs(regex.compile(pattern)))) == sorted(
        map(sorted, needs)
    )


UNREAD = ["(?i)ab", "\\p{Han}月", "(?:ab){e<=1}", "a\\b", "[[:digit:]]月", "(a)\\1", "(?>ab)"]


@pytest.mark.parametrize(
    "pattern",
    [regex.compile(p) for p in UNREAD] + [regex.compile("ab", regex.IGNORECASE)],
    # plain ids: a backslash or bracket in an id makes its node id unaddressable
    # (mutmut selects tests by node id)
    ids=[
        "inline_flag",
        "unicode_property",
        "fuzzy",
        "word_boundary",
        "posix_class",
        "backreference",
        "atomic_group",
        "IGNORECASE",
    ],
)
def test_what_the_analysis_does_not_read_gives_no_needs(pattern: regex.Pattern[str]) -> None:
    # No needs: the rule runs on every text (the analysis never guesses).
    assert deadlines._needs(pattern) == ()


def test_rule_scans_keep_their_timeout() -> None:
    # Rules scan untrusted text with a timeout; it is passed by position (see _matches).
    pattern = regex.compile(r"(?<![3])(?:1|22)(?=[34])")
    with pytest.raises(TimeoutError):
        list(deadlines._matches(pattern, "12" * 100_000, 0, 200_000, 1e-6))


def test_a_window_is_read_with_its_context_visible() -> None:
    # Read from after the colon, 3、 is still part of a month set (its look-behind sees
    # the label), and offsets index the whole text.
    text = "时限：3、11月，其他时间另行通知"
    (found,) = EXTRACTOR.find(text, pos=3, endpos=8)
    assert (text[found.start : found.end], found.value) == ("3、11月", "{XXXX-03,XXXX-11}")
    assert EXTRACTOR.find("3、11月")[0].text == "11月"  # at the start: a marker and a month


def test_past_words_reach_twelve_characters_back_within_the_clause() -> None:
    filler = "组织职工开展各项活动工作"  # 12 characters, none of them a past word
    assert EXTRACTOR.find("去年" + filler[:10] + "3月召开") == []
    assert [f.text for f in EXTRACTOR.find("去年" + filler[:11] + "3月召开")] == ["3月"]
    assert [f.text for f in EXTRACTOR.find("去年总结。" + "3月召开")] == ["3月"]
    assert EXTRACTOR.find("3月以来") == [] and EXTRACTOR.find("3月 已召开") == []


def test_festival_alternation_prefers_the_longest_name_and_escapes_marks() -> None:
    # The festival names are one trie: the longest name starting at a place wins, as in
    # the flat alternation it replaced, and a mark like "." stays literal.
    names = ["三八", "三八节", "三.八", "五一", "五一国际劳动节"]
    pattern = regex.compile(deadlines._trie(names))
    assert pattern.match("三八节期间").group() == "三八节"
    assert pattern.match("五一国际劳动节").group() == "五一国际劳动节"
    assert pattern.match("五一国际").group() == "五一"
    assert pattern.match("三.八").group() == "三.八"
    assert pattern.match("三x八") is None
    assert regex.compile(deadlines._trie([])).search("三八") is None


def _dated_measures(text: str) -> dict[str, list[str]]:
    """Each measure of the first plan of ``text`` (stripped) with its deadlines' texts,
    every deadline's span checked against the text."""
    plan = Pipeline.default().parse(text)[0]
    for _, m in plan.measures():
        for d in m.deadlines:
            assert d.span.slice(text) == d.text
    return {m.text.strip(): [d.text for d in m.deadlines] for _, m in plan.measures()}


def test_a_heading_that_opens_with_a_time_dates_the_items_under_it() -> None:
    # 1. 第二季度：文体活动 is a schedule heading: its quarter goes to each item under it, up
    # to the next heading, and no further; a heading whose title only mentions a time has
    # text of its own and keeps it.
    text = (
        "一、工作安排\n1. 第二季度：文体活动\n- 组织春季长跑\n- 举办书画展\n"
        "2. 职工培训\n- 组织技能轮训\n二、12月：年终工作\n1、评选先进分会\n"
        "三、其他工作\n1、完成上级交办任务"
    )
    dated = _dated_measures(text)
    assert dated["- 组织春季长跑"] == ["第二季度"]
    assert dated["- 举办书画展"] == ["第二季度"]
    assert dated["- 组织技能轮训"] == []
    assert dated["1、评选先进分会"] == ["12月"]
    assert dated["1、完成上级交办任务"] == []


def test_a_time_in_a_heading_title_or_its_bracketed_note_dates_the_items_under_it() -> None:
    # A festival inside the title (一、做好三八节慰问) and an event's dates in brackets after
    # it (二、举办职工文化节（3月6日—30日）) say when the items under the heading are done;
    # before, only a time opening the title reached them, and these were lost.
    text = (
        "2024年工会工作计划\n一、做好三八节慰问\n1、走访女职工\n2、发放慰问品\n"
        "二、举办职工文化节（3月6日—30日）\n1、棋牌赛\n2、书画展\n"
        "三、其他工作\n1、完成上级交办任务"
    )
    dated = _dated_measures(text)
    assert dated["1、走访女职工"] == dated["2、发放慰问品"] == ["三八节"]
    assert dated["1、棋牌赛"] == dated["2、书画展"] == ["3月6日—30日"]
    assert dated["1、完成上级交办任务"] == []


def test_a_section_of_the_opening_gives_no_deadlines() -> None:
    # 一、指导思想 states the plan's purpose and period (下半年…在党总支领导下), as the text
    # before the first section does; the same words in a measure are a deadline.
    text = (
        "一、指导思想\n下半年，校工会在学校党总支领导下，服务教职工。\n"
        "二、主要工作\n1、下半年组织教职工健步走。"
    )
    plan = Pipeline.default().parse(text)[0]
    found = [(m.text.strip()[:4], d.text) for _, m in plan.measures() for d in m.deadlines]
    assert found == [("1、下半", "下半年")]


def test_a_month_line_above_the_first_section_dates_the_items_under_it() -> None:
    # A month table flattened: the first month stands alone on the line above 一、, where
    # the opening ends. It is the deadline of the items up to the next month line, not
    # opening text; a dated line there (2024年5月: when the page was written) is no heading,
    # and neither is a line holding more than the month.
    text = (
        "2024年职工文体活动安排\n三月份：\n\n一、举办春季健步走\n1、报名\n2、比赛\n"
        "四月份\n二、举办读书会\n1、分享会"
    )
    dated = _dated_measures(text)
    assert dated["1、报名"] == ["三月份"]
    assert dated["2、比赛"][0] == "三月份"  # (the 四月份 line after it is in its span)
    assert "三月份" not in dated["1、分享会"]
    for opening in ("2024年5月", "5月组织全体职工学习以下安排"):
        plan_text = f"工会工作计划\n{opening}\n一、举办春季健步走\n1、报名"
        assert _dated_measures(plan_text)["1、报名"] == []


@pytest.mark.parametrize(
    ("sentence", "kind"),
    [
        # an event held within the year: during it
        ("年内举办一次职工羽毛球联赛", "during"),
        ("年内安排两次疗休养", "during"),
        ("年内常规举办青年教师座谈会", "during"),
        ("年度内开展一次消防演练", "during"),
        ("本年内召开两次经审会议", "during"),
        # a result due by the year's end: by
        ("年内完成三个站点的改造", "by"),
        ("年内新建两个母婴室", "by"),
        ("年内评出十名岗位能手", "by"),
        ("年内组织会员认购助农产品五万元", "by"),  # 组织 here leads to a target
        ("本年内完成换届", "by"),
    ],
)
def test_within_the_year_is_during_for_events_and_by_for_results(sentence: str, kind: str) -> None:
    (found,) = EXTRACTOR.find(sentence)
    assert found.text in ("年内", "本年内", "年度内")
    assert found.kind == kind
