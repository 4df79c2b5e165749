"""Dates written with spaces inside them (PDF text, Word's spacing of Latin digits in
Chinese: ``2024 年 5 月 10 日前``) read as the same dates written without, and keep their
text and span as written."""

from __future__ import annotations

import pytest

from unionnlp.deadlines import find_deadlines

YEAR = 2024

CASES = [
    # (sentence, deadline text as written, kind, value)
    ("工会5 月 底前完成换届。", "5 月 底前", "by", "2024-05"),
    ("工会2024 年5月底前完成换届。", "2024 年5月底前", "by", "2024-05"),
    ("工会2024 年 5 月 底前完成换届。", "2024 年 5 月 底前", "by", "2024-05"),
    ("各分会5 月 10 日 前上报材料。", "5 月 10 日 前", "by", "2024-05-10"),
    ("各分会2024 年5月10日前上报材料。", "2024 年5月10日前", "by", "2024-05-10"),
    ("5 月 中旬组织培训。", "5 月 中旬", "on", "2024-05-11/2024-05-20"),
    ("5 月至 6 月开展读书月活动。", "5 月至 6 月", "during", "2024-05/2024-06"),
    ("5 月—6 月开展读书月活动。", "5 月—6 月", "during", "2024-05/2024-06"),
    (
        "9 月 1 日 至 9 月 30 日开展安全检查。",
        "9 月 1 日 至 9 月 30 日",
        "during",
        "2024-09-01/2024-09-30",
    ),
    ("5月 开展培训。", "5月", "on", "2024-05"),
]


@pytest.mark.parametrize(("sentence", "text", "kind", "value"), CASES)
def test_a_spaced_date_reads_as_written_without_the_spaces(
    sentence: str, text: str, kind: str, value: str
) -> None:
    found = find_deadlines(sentence, year=YEAR)
    assert [(d.text, d.kind, d.value) for d in found] == [(text, kind, value)]
    assert sentence[found[0].span.start : found[0].span.end] == text


def test_a_spaced_signature_date_is_no_deadline() -> None:
    # the date a plan was signed, on its own line with its year, as without the spaces
    assert find_deadlines("某某公司工会\n2024 年3月8日", year=YEAR) == []
    assert find_deadlines("某某公司工会\n2024年3月8日", year=YEAR) == []


def test_spaces_between_other_words_stay() -> None:
    # a space next to a number that is no date is no part of any deadline
    found = find_deadlines("发展会员 50 名，6 月 底前完成。", year=YEAR)
    assert [(d.text, d.value) for d in found] == [("6 月 底前", "2024-06")]
    assert [d.span.start for d in found] == [len("发展会员 50 名，")]


def test_a_month_after_an_items_number_at_a_lines_start_is_read() -> None:
    # 2.6月底前: the dot is the item number's, not a decimal point; mid-line, 2.6月 is not
    found = find_deadlines("1.发展会员。\n2.6月底前完成换届。\n增长2.6月均值。", year=YEAR)
    assert [(d.text, d.kind, d.value) for d in found] == [("6月底前", "by", "2024-06")]
