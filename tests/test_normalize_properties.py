"""Property tests: normalisation never raises on text and its offset map is sound."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from unionnlp.errors import EmptyInputError
from unionnlp.normalize import Normalizer

NORMALIZER = Normalizer()

PIECES = st.sampled_from(
    [
        "工會(huì)",
        "一、",
        "（一）",
        "1、",
        "(1)",
        "①",
        "精编资料,供您参考",
        "当前位置:首页 >\n",
        "20__年",
        "**区",
        "\n",
        "，",
        ",",
        ":",
        "?",
        "。",
        "ㄒ",
        "ブ",
        "\u3000",
        "\u200b",
        "\x00",
        "３",
        "計劃",
        "經(jīng)?;⑿",
        "#### ",
        "**粗体**",
        "以上就是计划的全部内容\n",
        "乾縣",
    ]
)
MIXED = st.lists(st.one_of(PIECES, st.text(max_size=8)), max_size=40).map("".join)


def _check(text: str) -> None:
    try:
        result = NORMALIZER(text)
    except EmptyInputError:
        assert not text.strip()
        return
    n_orig = len(text)
    assert len(result.starts) == len(result.text) == len(result.ends)
    for i in range(len(result.text)):
        span = result.span(i, i + 1)
        assert 0 <= span.start < span.end <= n_orig
    if result.text:
        whole = result.span(0, len(result.text))
        assert 0 <= whole.start <= whole.end <= n_orig
    # spans are monotone: later normalised characters never map before earlier ones
    starts = list(result.starts)
    assert starts == sorted(starts)
    for ph in result.placeholders:
        assert ph.span.end <= n_orig


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text(text: str) -> None:
    _check(text)


@settings(max_examples=300, deadline=None)
@given(MIXED)
def test_mixed_plan_like_text(text: str) -> None:
    _check(text)


@settings(max_examples=100, deadline=None)
@given(MIXED)
def test_unchanged_characters_slice_back_to_themselves(text: str) -> None:
    try:
        result = NORMALIZER(text)
    except EmptyInputError:
        return
    for i, ch in enumerate(result.text):
        span = result.span(i, i + 1)
        if len(span) == 1 and "\u4e00" <= ch <= "\u9fff" and result.conversion is None:
            assert text[span.start] == ch
