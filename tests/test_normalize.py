"""The normaliser on the seeds and on the cases the foundation issue names."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from unionnlp._regex_bounds import bounded
from unionnlp.errors import DataFileError, EmptyInputError, InputError, InputTypeError
from unionnlp.evaluate import _fold
from unionnlp.normalize import Normalizer

from .conftest import SEEDS

GLOSS = regex.compile(r"[(（][a-zü]*[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ][a-zü]*[)）]")


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_no_pinyin_gloss_survives(path: Path, normalizer: Normalizer) -> None:
    original = path.read_text(encoding="utf-8")
    result = normalizer(original)
    assert not GLOSS.search(result.text)


def test_seed_000_glosses_are_removed_where_they_stand(normalizer: Normalizer) -> None:
    original = SEEDS[0].read_text(encoding="utf-8")
    assert "工會(huì)" in original and "為_(kāi)_群島" in original
    result = normalizer(original)
    assert "工会" in result.text
    assert "为__群岛" in result.text
    # glosses inside numbering lines too: the heading reads clean
    assert "\n一、加强政治学习，提升干部职工素养。" in result.text


@pytest.mark.parametrize(
    ("seed", "gone"),
    [
        ("000", ["小编整理了", "一起来看看吧"]),
        (
            "001",
            ["当前位置", "工作计划 >工会工作计划 >", "标签", "转载请注明", "wjfww.com", "\n专题"],
        ),
        ("002", ["接下来小编", "大家都尝试过写作吧"]),
        ("003", ["文章未完", "请继续阅读", "以上就是", "时间:2022-07-02", "分类"]),
        ("004", ["精编资料", "供您参考", "前言导读", "为您分享整理", "喜欢就分享给朋友们"]),
    ],
)
def test_boilerplate_is_removed(seed: str, gone: list[str], normalizer: Normalizer) -> None:
    path = next(p for p in SEEDS if p.name.startswith(seed))
    original = path.read_text(encoding="utf-8")
    text = normalizer(original).text
    for phrase in gone:
        if phrase.startswith("\n"):  # a line of its own
            assert phrase.strip() not in text.splitlines(), phrase
        else:
            assert _fold(phrase) not in _fold(text), phrase
    # every removal maps back to original characters that start with its match
    for removal in normalizer(original).removed:
        assert removal.span.slice(original).strip()


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_all_plan_text_is_kept(path: Path, normalizer: Normalizer) -> None:
    """Every annotated section title (plan text) survives normalisation."""
    gold = json.loads(path.with_suffix(".gold.json").read_text(encoding="utf-8"))
    folded = _fold(normalizer(path.read_text(encoding="utf-8")).text)
    titles = [s["title"] for d in gold["documents"] for s in d["sections"]]
    assert titles
    missing = [t for t in titles if _fold(GLOSS.sub("", t)) not in folded]
    assert not missing


def test_traditional_is_converted_to_simplified(normalizer: Normalizer) -> None:
    for path in SEEDS[:2]:
        result = normalizer(path.read_text(encoding="utf-8"))
        assert result.script == "traditional"
        assert result.conversion == "t2s"
        assert "工会" in result.text and "工會" not in result.text
        assert "計劃" not in result.text


def test_simplified_is_left_alone(normalizer: Normalizer) -> None:
    result = normalizer(SEEDS[2].read_text(encoding="utf-8"))
    assert result.script == "simplified"
    assert result.conversion is None


def test_conversion_is_selectable() -> None:
    assert Normalizer(convert="s2t")("工会工作计划").text == "工會工作計劃"
    assert Normalizer(convert=None)("工會工作").text == "工會工作"
    with pytest.raises(InputError, match="convert="):
        Normalizer(convert="x2y")


def test_protected_terms_are_not_converted() -> None:
    text = "乾縣總工會在乾县召开会议。"
    assert "在乾县召开" in Normalizer()(text).text
    assert "在干县召开" in Normalizer(protected_terms=())(text).text


def test_corrupted_runs_in_seed_000_are_reported(normalizer: Normalizer) -> None:
    original = SEEDS[0].read_text(encoding="utf-8")
    result = normalizer(original)
    runs = [w for w in result.warnings if w.code == "corrupted-run"]
    assert len(runs) >= 5
    for run in runs:
        assert run.span is not None
        covered = run.span.slice(original)
        assert regex.search(r"[?\p{Katakana}\p{Hiragana}]|[^\p{Han}\p{P}]", covered), covered
    # a known run: 經(jīng)?;⑿⌒突? in 經常化、小型化
    assert any("⑿" in r.span.slice(original) for r in runs if r.span)


def test_kana_inside_chinese_is_reported(normalizer: Normalizer) -> None:
    result = normalizer("招募一批有一定组织能力、オ艺特长、乐于奉献的公司成员")
    assert [w.code for w in result.warnings] == ["corrupted-run"]


def test_gbk_read_one_byte_off_is_repaired(normalizer: Normalizer) -> None:
    good = "（一）增強三個意識"
    raw = b"\xa1" + good.encode("gbk")
    garbled = raw.decode("gbk", errors="ignore")  # what a misaligned scrape shows
    assert garbled.startswith("。ㄒ唬")
    text = "工作要点 " + garbled + "，提高认识。"
    result = Normalizer(convert=None)(text)
    assert "（一）增強三個意識" in result.text
    repaired = [w for w in result.warnings if w.code == "repaired-run"]
    assert repaired and repaired[0].span is not None
    assert repaired[0].span.slice(text).startswith("。ㄒ唬")


def test_question_mark_after_particle_is_not_corruption(normalizer: Normalizer) -> None:
    result = normalizer("大家想知道怎么写吗?接下来我们看看。")
    assert not result.warnings


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("20__年工会工作计划", "year"),
        ("20xx年工作要点", "year"),
        ("XX年校工会", "year"),
        ("200x年计划", "year"),
        ("**区职工之家", "name"),
        ("职工***住院", "blank"),
        ("学习__大精神", "name"),
    ],
)
def test_placeholders_are_kept_and_flagged(text: str, kind: str, normalizer: Normalizer) -> None:
    result = normalizer(text)
    assert result.text.replace("，", ",") == text.replace("，", ",")
    assert [p.kind for p in result.placeholders][:1] == [kind]
    ph = result.placeholders[0]
    assert ph.span.slice(text) == ph.text


def test_width_and_punctuation_are_canonical(normalizer: Normalizer) -> None:
    text = "一、加强学习,提高素质:做到３点;完成ＡＢ任务\u3000\u200b(试行)"
    result = normalizer(text)
    assert result.text == "一、加强学习，提高素质：做到3点；完成AB任务 （试行）"
    # one-for-one replacements keep offsets
    assert result.span(0, 5).slice(text) == "一、加强学"


def test_markdown_marks_are_removed(normalizer: Normalizer) -> None:
    text = "#### 一、加强组织建设\n1. **调整工会小组**，推选组长。"
    result = normalizer(text)
    assert result.text == "一、加强组织建设\n1. 调整工会小组，推选组长。"
    start = result.text.index("调整")
    assert result.span(start, start + 6).slice(text) == "调整工会小组"


def test_spans_map_back_through_every_step(normalizer: Normalizer) -> None:
    original = SEEDS[0].read_text(encoding="utf-8")
    result = normalizer(original)
    i = result.text.index("加强政治学习")
    assert result.span(i, i + 6).slice(original) == "加強(qiáng)政治學(xué)習"


def test_bytes_are_refused_with_advice(normalizer: Normalizer) -> None:
    with pytest.raises(InputTypeError, match="decode"):
        normalizer("工会".encode())  # type: ignore[arg-type]


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_text_is_refused(text: str, normalizer: Normalizer) -> None:
    with pytest.raises(EmptyInputError):
        normalizer(text)


def test_nul_bytes_are_removed_with_a_warning(normalizer: Normalizer) -> None:
    text = "一、加强\x00组织建设\x00"
    result = normalizer(text)
    assert result.text == "一、加强组织建设"
    assert [w.code for w in result.warnings] == ["nul-bytes"]


def test_boilerplate_only_text_warns(normalizer: Normalizer) -> None:
    result = normalizer("当前位置:首页 > 范文 >\n标签: 工会")
    assert any(w.code == "empty-after-normalisation" for w in result.warnings)


@pytest.mark.slow
def test_twenty_megabyte_single_line_finishes(normalizer: Normalizer) -> None:
    text = ("工会工作计划一、加强组织建设1、明确分工，" * 800_000)[: 20_000_000 // 3]
    result = normalizer(text)
    assert len(result.text) == len(text)


def test_shipped_common_characters_match_opencc(monkeypatch: pytest.MonkeyPatch) -> None:
    from unionnlp import _chars, resources

    shipped = _chars.CharProfile().common
    assert shipped == _chars.build_common()
    assert {"工", "會", "扎", "紮"} <= shipped and "ア" not in shipped
    monkeypatch.setattr(resources, "data_path", lambda name: Path("/nonexistent") / name)
    with pytest.raises(DataFileError, match="common_chars"):
        _ = _chars.CharProfile().common


def test_module_example_runs() -> None:
    import doctest
    import importlib

    module = importlib.import_module("unionnlp.normalize")  # unionnlp.normalize is the function
    result = doctest.testmod(module)
    assert result.attempted >= 5 and result.failed == 0


_OLD_PUNCT = (  # the pattern before the ? branch's right context moved into _full_width
    r"[,:;!](?<=[\p{Han}”’」』》）].)(?=[ \t]?[\p{Han}“‘「『《（])"
    r"|[?](?<=[\p{Han}”’」』》）].)(?=[ \t]*(?:\n|$|[”’」』》]))"
    r"|[(](?=[\p{Han}][^()\n]{0,40}[)])"
    r"|[)](?<=[(（][^()\n]{0,40}[\p{Han}].)"
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("是否按时完成?", "是否按时完成？"),  # at the end of the text
        ("是否按时完成?  \n二、宣传", "是否按时完成？  \n二、宣传"),  # past blanks, a line end
        ("“谁来牵头?”", "“谁来牵头？”"),  # before a closing quote
        ("网址?id=3", "网址?id=3"),  # inside a line: kept
        ("工会? 宣传", "工会? 宣传"),
        ("工会?\t\t宣传", "工会?\t\t宣传"),
        ("a? \n", "a? \n"),  # no Han before it
    ],
)
def test_a_question_mark_is_made_full_width_only_at_a_clause_end(text: str, expected: str) -> None:
    from unionnlp.normalize.marks import _PUNCT_BETWEEN_HAN, full_width_punctuation

    assert full_width_punctuation(text, 1.0) == expected
    assert bounded(_PUNCT_BETWEEN_HAN)  # scans ordinary texts without a time budget


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="工会?？,:;!() \t\n”」a", max_size=30))
def test_full_width_punctuation_agrees_with_the_old_pattern(text: str) -> None:
    from unionnlp.normalize.marks import _HALF_TO_FULL, full_width_punctuation

    old = regex.compile(_OLD_PUNCT).sub(lambda m: _HALF_TO_FULL[m.group()], text)
    assert full_width_punctuation(text, 1.0) == old
