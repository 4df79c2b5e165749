"""Precision guards of the deadline stage: time words that say no deadline of a measure.

Each guard has must-not phrases (no deadline) and must phrases (the deadline
stays), all short invented phrases: past narrative (回顾…, 已于…, …举办了…), dates
inside book titles, signatures with the year in words, a month or quarter naming
pay, reports or an award, and periods naming a plan or a review.
"""

from __future__ import annotations

import pytest

from unionnlp.deadlines import DeadlineExtractor

EXTRACTOR = DeadlineExtractor()


def _texts(text: str, year: int | None = 2024) -> list[str]:
    return [f.text for f in EXTRACTOR.find(text, year=year)]


@pytest.mark.parametrize(
    "text",
    [
        "回顾一年来，工会在5月举办歌咏比赛。",
        "换届工作顺利完成。回顾上半年，工会在3月组织培训。",  # a look back after a sentence
        "第一部分\n回顾全年，工会在9月召开职代会。",  # and on a line of its own
        "工会已于3月完成换届选举。",
        "各分会已在4月底前上报名单。",
        "工会已经在6月份组织体检。",
        "我会于4月份成功举办了技能比赛。",
        "十月份，我们成功举办了运动会。",
        "在上半年，车间工会做了大量工作。",
        "5月份，工会组织开展了健步走活动，取得良好效果。",
        "开学初，校工会高度重视组建工作，起草了选举办法。",
        "3月份期间已完成换届。",  # a past word after the time (…期间已, …以来)
        "6月 以来，工会开展帮扶。",
        "3、十月份，工会举办了书画展。",  # an item's number before a time alone in its clause
        "十月份，我们成功举办了运动会",  # and with no stop at the end of the text
        "我会于4月份成功举办了技能比赛",
        "我会成功举办了5月份的职工运动会。",  # 了 before the time, in its clause
    ],
)
def test_past_narrative_is_no_deadline(text: str) -> None:
    assert _texts(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("为了3月底前完成任务，各组要抓紧。", ["3月底前"]),
        ("3月底前完成了解职工需求的调查。", ["3月底前"]),
        ("除了6月份的体检，还要安排疗养。", ["6月份"]),
        ("3月份组织体检，了解职工健康状况。", ["3月份"]),
        ("5月份，组织职工健步走，为了职工健康。", ["5月份"]),
        # a perfective 了 two clauses on, the time not alone in its clause: another time
        ("5月份组织健步走，让职工锻炼身体，做到了人人参与。", ["5月份"]),
        # 回顾 as a measure's verb, not opening a look back
        ("回顾总结上半年工作，7月召开总结会。", ["7月"]),
        ("工会将组织回顾，于7月召开总结会。", ["7月"]),
        # a recurrence with 了 tells of a practice that goes on
        ("每月开展了一次集中学习。", ["每月"]),
        # 上学期 is also the first term of a school year: no past word
        ("上学期9月份开展读书活动。", ["9月份"]),
        # a past word in the sentence before (；ends one) dates nothing after it
        ("去年工会完成换届；3月份组织培训。", ["3月份"]),
        # 了 in 罢了, 了了, 了结, 了如指掌, 了却, 一罚了之 tells of nothing done
        ("4月份的初赛只是热身罢了。", ["4月份"]),
        ("3月份为对新规不甚了了的职工办培训班。", ["3月份"]),
        ("3月底前了结遗留劳动争议案件。", ["3月底前"]),
        ("6月底前做到对困难职工情况了如指掌。", ["6月底前"]),
        ("年底前帮助困难职工了却心愿。", ["年底前"]),
        ("5月份对违规问题坚决纠正而非一罚了之。", ["5月份"]),
        # the clause is read a dozen characters back, not to its far start
        ("在争取了上级专项经费支持的职工书屋改造项目中9月份组织验收。", ["9月份"]),
        # only a time alone before a comma dates the rest of the sentence: not one on a
        # line of its own, nor one after other words of its clause
        ("6月份\n组织开展安康杯竞赛，做到了人人参与。", ["6月份"]),
        ("各分会于5月份，组织会员健步走，做到了人人参与。", ["5月份"]),
    ],
)
def test_plan_time_stays_beside_past_lookalikes(text: str, expected: list[str]) -> None:
    assert _texts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "组织学习《3月份工作通报》。",
        "认真贯彻《关于做好国庆节前安全检查的通知》精神。",
        "学习《第一季度工作简报》和《下半年重点任务清单》。",
    ],
)
def test_a_date_inside_a_book_title_is_no_deadline(text: str) -> None:
    assert _texts(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("学习《工会法》，3月份组织知识竞赛。", ["3月份"]),
        ("《劳动法》讲座于5月底前完成，《工会章程》另行安排。", ["5月底前"]),
        # a title mark left open on its line closes nothing
        ("学习《工会法\n3月份组织知识竞赛。", ["3月份"]),
        # a stray closing mark after a closed title, and a title mark left open before
        # another title, close nothing
        ("学习《工会法》，3月份组织知识竞赛，工会章程》另行安排。", ["3月份"]),
        ("学习《工会法，3月份组织学习《工会章程》。", ["3月份"]),
    ],
)
def test_a_date_beside_a_book_title_stays(text: str, expected: list[str]) -> None:
    assert _texts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "某某学校工会\n二〇二四年三月",
        "某某公司工会\n二零二四年一月十五日",
        "某某街道工会\n2024年3月8日",
        "某某街道工会\n2024年3月8号",
        "某某学校工会\n二○二四年三月",
    ],
)
def test_a_signature_date_with_its_year_in_words_is_no_deadline(text: str) -> None:
    assert _texts(text) == []


def test_a_signature_of_the_last_century_is_no_deadline() -> None:
    # (a plan of unknown year: the signature's year is no background time to it)
    assert _texts("某某工会\n1998年3月", year=None) == []


def test_a_dated_line_that_says_by_when_stays() -> None:
    assert _texts("完成时限：\n二〇二四年十二月底前") == ["二〇二四年十二月底前"]
    assert _texts("二零二四年十二月底前完成") == ["二零二四年十二月底前"]


@pytest.mark.parametrize(
    "text",
    [
        "按时发放10月份工资。",
        "补发9月份的绩效。",
        "按时报送3月份报表。",
        "评选第3季度之星。",
        "发放三季度的奖金。",
        "评选5月之星。",
    ],
)
def test_a_month_naming_pay_reports_or_an_award_is_no_deadline(text: str) -> None:
    assert _texts(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10月份发放工资。", ["10月份"]),
        ("第三季度评选优秀会员。", ["第三季度"]),
        ("三月份工作安排：", ["三月份"]),  # a schedule's month heading
    ],
)
def test_a_month_that_dates_pay_or_an_award_stays(text: str, expected: list[str]) -> None:
    assert _texts(text) == expected


@pytest.mark.parametrize("text", ["2024年下半年工会工作思路", "上半年工作回顾", "第二季度工作思路"])
def test_a_period_naming_a_plan_or_a_review_is_no_deadline(text: str) -> None:
    assert _texts(text) == []


@pytest.mark.parametrize(
    "text", ["纪念建校50周年。", "年满50周岁的女职工。", "职工工资增长3.8%。", "三八红旗手评选"]
)
def test_counts_ages_and_honours_are_no_deadlines(text: str) -> None:
    assert _texts(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "某某工会（2024年3月8日）",
        "（二〇二四年三月八日）",
        "发文日期：2024年3月8日",
        "印发时间：2024年3月",
        "成文日期：2024年3月8日",
        "落款日期：二〇二四年三月八日",
        "发文日期 ：2024年3月8日",
        "做好各项工作。 某某街道工会 2024年3月8日",  # run-on text: after the last sentence
        "认真做好全年各项工作任务！ 某某街道工会 2024年3月8日",  # (any sentence end)
    ],
)
def test_an_issue_date_in_brackets_or_after_its_label_is_no_deadline(text: str) -> None:
    assert _texts(text) == []


def test_a_labelled_time_limit_stays_whatever_its_line() -> None:
    assert _texts("完成时间：2024年3月8日") == ["2024年3月8日"]
    assert _texts("完成时间:2024年3月8日") == ["2024年3月8日"]  # (an ASCII colon)
    assert _texts("（2024年3月底前）") == ["2024年3月底前"]
    assert _texts("做好各项工作。2024年3月8日召开职代会") == ["2024年3月8日"]
    # a label of an issue date only right before the date
    assert _texts("印发时间：2024年3月1日；完成时间：2024年3月31日") == ["2024年3月31日"]


def test_a_signature_line_after_the_last_sentence_holds_at_most_25_characters() -> None:
    # (the line from after the sentence's end: a name of 15 characters, a space, the date)
    assert _texts("做好各项工作。 某某市某某区某某街道某社区工会 2024年3月8日") == []
    assert _texts("做好各项工作。 某某市某某区某某街道某某社区工会 2024年3月8日") == [
        "2024年3月8日"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "根据区总工会3月下发的通知，做好准备。",
        "按照市总工会3月5日印发的文件要求开展自查。",
        "学习9月召开的全会精神。",
        "落实2月28日会议精神。",
        "落实市总工会5月以通知形式印发的要求。",  # a few words between date and verb
        "认真落实上级4月转发的文件要求。",
        "学习6月举行的职代会精神。",
        "学习3月18日讲话精神。",
    ],
)
def test_the_date_of_a_document_or_a_meeting_referred_to_is_no_deadline(text: str) -> None:
    assert _texts(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3月份组织学习二十大精神。", ["3月份"]),
        ("5月召开职代会，学习大会精神。", ["5月"]),
        ("3月份发布招聘公告。", ["3月份"]),
        ("七一前夕走访老党员。", ["七一前夕"]),
    ],
)
def test_a_time_beside_a_document_or_a_spirit_stays(text: str, expected: list[str]) -> None:
    assert _texts(text) == expected


@pytest.mark.parametrize("text", ["七一勋章获得者", "五一劳动奖状"])
def test_an_honour_named_after_a_festival_is_no_deadline(text: str) -> None:
    assert _texts(text) == []


#: the stops that may close a time, full-width and ASCII (context.py's _CLAUSE_STOPS, and 。/.)
_STOPS = ["，", "；", "。", ",", ";", ".", "!", "！"]


@pytest.mark.parametrize("stop", _STOPS)
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # a time limit's field ends at a semicolon as at a comma: still `by`
        ("开展评比。完成时限：年底{}\n", [("年底", "by")]),
        ("组织学习，时限：5月底{}责任部门：分工会。\n", [("5月底", "by")]),
        # a season word closing its clause, ASCII full stop included
        ("组织职工暑期{}开展慰问。", [("暑期", "during")]),
        # a report's name (年底总结) is no deadline whatever closes it
        ("认真做好年底总结{}表彰先进。", []),
    ],
)
def test_a_stop_after_a_time_reads_alike_whichever_it_is(
    text: str, expected: list[tuple[str, str]], stop: str
) -> None:
    found = EXTRACTOR.find(text.format(stop), year=None)
    assert [(f.text, f.kind) for f in found] == expected
