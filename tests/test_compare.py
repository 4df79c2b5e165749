"""Comparing plans across units: statistics with known answers, the report, the charts' font."""

from __future__ import annotations

import base64
import contextlib
import csv
import io
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

pd = pytest.importorskip("pandas")
pytest.importorskip("scipy")
pytest.importorskip("matplotlib")
pytest.importorskip("pyarrow")

from unionnlp import compare  # noqa: E402
from unionnlp.errors import InputError, UnionNLPError  # noqa: E402
from unionnlp.export import dump_jsonl, failure_record, plan_record  # noqa: E402
from unionnlp.model import (  # noqa: E402
    Deadline,
    Measure,
    Party,
    Plan,
    Section,
    Source,
    Span,
    ThemeScore,
)
from unionnlp.resources import load_rules, load_toml  # noqa: E402
from unionnlp.themes import load_taxonomy  # noqa: E402

from .conftest import CORPORA  # noqa: E402
from .strict_skips import MISSING  # noqa: E402

# ---------------------------------------------------------------------------
# hand-made plans


@dataclass(frozen=True)
class Item:
    text: str
    theme: str = "other"
    deadline: str | None = None  # a substring of text marked as a deadline
    party: str | None = None  # a substring of text marked as an explicit lead party


def make_plan(
    unit: str,
    items: Sequence[Item],
    *,
    path: str,
    index: int = 0,
    year: int | None = None,
    section_theme: str = "other",
) -> Plan:
    """A plan `一、重点工作` with one numbered item (and one measure) per item, spans exact."""
    text = f"{unit}工作计划\n"
    head = len(text)
    text += "一、重点工作\n"
    children: list[Section] = []
    for n, item in enumerate(items, start=1):
        start = len(text)
        marker = f"{n}、"
        line = marker + item.text
        text += line + "\n"
        body = start + len(marker)
        deadlines: tuple[Deadline, ...] = ()
        parties: tuple[Party, ...] = (
            Party(unit, Span(start, start + len(line)), "lead", implicit=True),
        )
        if item.deadline:
            at = body + item.text.index(item.deadline)
            deadlines = (
                Deadline(item.deadline, Span(at, at + len(item.deadline)), "by", "XXXX-03"),
            )
        if item.party:
            at = body + item.text.index(item.party)
            parties = (Party(item.party, Span(at, at + len(item.party)), "lead"),)
        span = Span(start, start + len(line))
        theme = (ThemeScore(item.theme, 0.9),)
        measure = Measure(line, span, deadlines=deadlines, parties=parties, themes=theme)
        children.append(
            Section(
                id=f"1.{n}", parent="1", level=2, marker=marker, number=n, title=item.text,
                span=span, title_span=Span(body, span.end), marker_span=Span(start, body),
                themes=theme, measures=(measure,),
            )
        )  # fmt: skip
    top = Section(
        id="1", parent=None, level=1, marker="一、", number=1, title="重点工作",
        span=Span(head, len(text)), title_span=Span(head + 2, head + 6),
        marker_span=Span(head, head + 2), themes=(ThemeScore(section_theme, 0.8),),
    )  # fmt: skip
    return Plan(
        index=index,
        span=Span(0, len(text)),
        title=f"{unit}工作计划",
        title_span=Span(0, len(unit) + 4),
        unit=unit,
        year=year,
        sections=(top, *children),
        source=Source.from_text(text, path=path),
    )


def ascii_words(text: str) -> list[str]:
    return re.findall(r"[a-z]+", text)


@pytest.fixture(scope="module")
def themed() -> compare.Corpus:
    """Two schools (3 x political_guidance, 1 x culture_sports) and two hospitals (the reverse)."""
    school = [Item("a", "political_guidance")] * 3 + [Item("b", "culture_sports")]
    hospital = [Item("c", "political_guidance")] + [Item("d", "culture_sports")] * 3
    plans = [
        make_plan("校工会", school, path="s1.txt", section_theme="political_guidance"),
        make_plan("校工会", school, path="s2.txt", section_theme="political_guidance"),
        make_plan("医院工会", hospital, path="h1.txt", section_theme="culture_sports"),
        make_plan("医院工会", hospital, path="h2.txt", section_theme="political_guidance"),
    ]
    return compare.load_corpus(plans)


# ---------------------------------------------------------------------------
# data file: unit types and quantity rules


def test_unit_type_examples() -> None:
    examples = load_toml("compare.toml")["unit_type_examples"]
    assert examples
    for name, expected in examples.items():
        assert compare.infer_unit_type(name) == expected, name


def test_unit_type_falls_back_to_the_title() -> None:
    assert compare.infer_unit_type(None, "县人民医院工会2023年工作计划") == "hospital"
    assert compare.infer_unit_type("分工会", "城南实验中学工会工作计划") == "school"
    assert compare.infer_unit_type(None, None) == "unknown"


QUANTITY_RULES = load_rules("compare.toml", "quantity")


@pytest.mark.parametrize("rule", QUANTITY_RULES, ids=[r.name for r in QUANTITY_RULES])
def test_quantity_rule_examples(rule: Any) -> None:
    assert rule.must_match
    for example in rule.must_match:
        assert rule.pattern.search(example), f"{rule.name} should match {example!r}"
    for example in rule.must_not_match:
        assert rule.pattern.search(example) is None, f"{rule.name} should not match {example!r}"


def test_quantitative_targets_in_reading_order() -> None:
    assert compare.quantitative_targets("举办4场讲座，参与率95%，慰问金2000元") == [
        "4场",
        "95%",
        "2000元",
    ]
    assert compare.quantitative_targets("3月底前召开第2次会议") == []


# ---------------------------------------------------------------------------
# themes and the chi-square test


def test_chi_square_agresti_table() -> None:
    # Agresti, Categorical Data Analysis (2002), table 3.2: party identification by gender.
    table = pd.DataFrame(
        [[762, 327, 468], [484, 239, 477]],
        index=["female", "male"],
        columns=["democrat", "independent", "republican"],
    )
    result = compare.chi_square(table)
    assert result.statistic == pytest.approx(30.07, abs=0.01)
    assert result.dof == 2
    assert result.pvalue == pytest.approx(2.95e-7, rel=0.01)
    assert result.residuals.loc["female"].tolist() == pytest.approx([4.50, 0.70, -5.32], abs=0.01)
    assert result.residuals.loc["male"].tolist() == pytest.approx([-4.50, -0.70, 5.32], abs=0.01)
    assert result.n == 2757


def test_chi_square_two_by_two_without_correction() -> None:
    # E = [[12, 18], [28, 42]]: X2 = 4/12 + 4/18 + 4/28 + 4/42
    result = compare.chi_square([[10, 20], [30, 40]], simulate=2000, seed=1)
    assert result.statistic == pytest.approx(4 / 12 + 4 / 18 + 4 / 28 + 4 / 42)
    assert result.pvalue == pytest.approx(0.3730, abs=1e-3)
    assert result.cramers_v == pytest.approx(math.sqrt(result.statistic / 100))
    # With the margins fixed the first cell is hypergeometric; the exact conditional
    # P(X2 >= observed) is 0.5045 (two-sided Fisher), which the simulation approaches.
    assert result.simulated_pvalue == pytest.approx(0.5045, abs=0.03)
    again = compare.chi_square([[10, 20], [30, 40]], simulate=2000, seed=1)
    assert again.simulated_pvalue == result.simulated_pvalue  # seeded: reproducible


def test_chi_square_drops_empty_rows_and_columns() -> None:
    table = pd.DataFrame([[10, 0, 20], [0, 0, 0], [30, 0, 40]])
    result = compare.chi_square(table)
    assert result.statistic == pytest.approx(compare.chi_square([[10, 20], [30, 40]]).statistic)
    assert result.residuals.iloc[1].isna().all() and result.residuals[1].isna().all()


def test_chi_square_of_one_row_is_undefined() -> None:
    result = compare.chi_square([[1, 2, 3]])
    assert math.isnan(result.statistic) and math.isnan(result.pvalue)


def test_theme_profile_shares_and_counts(themed: compare.Corpus) -> None:
    profile = compare.theme_profile(themed, by="unit_type")
    assert set(profile["unit_type"]) == {"school", "hospital"}
    sums = profile.groupby("unit_type")["share"].sum()
    assert sums.tolist() == pytest.approx([1.0, 1.0])
    school = profile[profile["unit_type"] == "school"].set_index("theme")
    assert school.loc["political_guidance", "count"] == 6
    assert school.loc["political_guidance", "share"] == pytest.approx(0.75)
    assert school.loc["culture_sports", "share"] == pytest.approx(0.25)
    assert school.loc["women_workers", "count"] == 0
    assert school.loc["political_guidance", "name"] == "思想政治引领"
    # residuals: the school over-represents political guidance, the hospital the reverse
    assert school.loc["political_guidance", "residual"] > 0
    assert math.isnan(school.loc["women_workers", "residual"])
    hospital = profile[profile["unit_type"] == "hospital"].set_index("theme")
    assert hospital.loc["political_guidance", "residual"] == pytest.approx(
        -school.loc["political_guidance", "residual"]
    )


def test_theme_profile_of_level_one_sections(themed: compare.Corpus) -> None:
    profile = compare.theme_profile(themed, by="unit_type", level="sections")
    hospital = profile[profile["unit_type"] == "hospital"].set_index("theme")
    assert hospital["total"].iloc[0] == 2
    assert hospital.loc["culture_sports", "share"] == pytest.approx(0.5)
    with pytest.raises(InputError, match="level"):
        compare.theme_profile(themed, level="clauses")  # type: ignore[arg-type]


def test_theme_test_agrees_with_chi_square(themed: compare.Corpus) -> None:
    test = compare.theme_test(themed, by="unit_type", simulate=500)
    assert test.loc[0, "n"] == 16
    # the 2 x 2 core: [[2, 6], [6, 2]] (hospital first)
    assert test.loc[0, "chi2"] == pytest.approx(compare.chi_square([[2, 6], [6, 2]]).statistic)
    assert test.loc[0, "dof"] == 1
    assert 0 < test.loc[0, "p_simulated"] <= 1


def test_unknown_group_column_is_refused(themed: compare.Corpus) -> None:
    with pytest.raises(InputError, match=r"cannot group by 'sector'.*unit_type"):
        compare.theme_profile(themed, by="sector")


# ---------------------------------------------------------------------------
# concreteness


def test_concreteness_per_plan_and_group() -> None:
    items = [
        Item("3月底前举办4场讲座", deadline="3月底前", party=None),
        Item("由办公室牵头培训10名骨干", party="办公室"),
        Item("加强学习"),
        Item("3月底前由办公室完成换届", deadline="3月底前", party="办公室"),
    ]
    plans = [
        make_plan("校工会", items, path="a.txt"),
        make_plan("校工会", items[:2], path="b.txt"),
    ]
    per_plan = compare.concreteness(plans).set_index("doc_id")
    a = per_plan.loc["a"]
    assert (a["measures"], a["with_deadline"], a["with_party"], a["with_target"]) == (4, 2, 2, 2)
    assert a["share_deadline"] == pytest.approx(0.5)
    assert a["depth"] == 2 and a["sections"] == 5
    groups = compare.concreteness(plans, by="unit_type")
    row = groups.iloc[0]
    assert row["unit_type"] == "school" and row["plans"] == 2 and row["measures"] == 6
    assert row["measures_per_plan"] == pytest.approx(3.0)
    assert row["share_deadline"] == pytest.approx(3 / 6)  # pooled over measures
    assert row["share_party"] == pytest.approx(3 / 6)
    assert row["share_target"] == pytest.approx(4 / 6)


# ---------------------------------------------------------------------------
# distinctive terms


@pytest.fixture(scope="module")
def worded() -> compare.Corpus:
    school = [Item("book book book staff"), Item("book meeting")]
    hospital = [Item("safety safety safety staff"), Item("safety meeting")]
    return compare.load_corpus(
        [
            make_plan("校工会", school, path="s1.txt"),
            make_plan("校工会", school, path="s2.txt"),
            make_plan("医院工会", hospital, path="h1.txt"),
            make_plan("医院工会", hospital, path="h2.txt"),
        ]
    )


def test_log_odds_sign_and_rank(worded: compare.Corpus) -> None:
    terms = compare.distinctive_terms(worded, by="unit_type", tokenizer=ascii_words, min_count=1)
    school = terms[terms["unit_type"] == "school"]
    assert school.iloc[0]["term"] == "book" and school.iloc[0]["rank"] == 1
    assert school.iloc[0]["z"] > 1.96
    assert set(school["term"]) == {"book"}  # only over-represented words are kept
    hospital = terms[terms["unit_type"] == "hospital"]
    assert hospital.iloc[0]["term"] == "safety"
    everything = compare.distinctive_terms(
        worded, by="unit_type", tokenizer=ascii_words, min_count=1, top=None
    )
    z = everything[everything["unit_type"] == "school"].set_index("term")["z"]
    assert z["safety"] < -1.96
    assert z["staff"] == pytest.approx(0.0, abs=1e-9)  # same rate in both groups
    assert z["meeting"] == pytest.approx(0.0, abs=1e-9)


def test_log_odds_formula_and_symmetry() -> None:
    target = {"a": 10, "b": 5, "c": 1}
    reference = {"a": 2, "b": 5, "c": 9}
    scored = compare.log_odds(target, reference)
    # by hand, with the pooled counts as prior: a_w = 12, a_0 = 32, n_i = 16, n_j = 16
    delta = math.log(22 / (16 + 32 - 22)) - math.log(14 / (16 + 32 - 14))
    se = math.sqrt(1 / 22 + 1 / 14)
    assert scored.loc["a", "delta"] == pytest.approx(delta)
    assert scored.loc["a", "z"] == pytest.approx(delta / se)
    assert scored.index[0] == "a" and scored.index[-1] == "c"
    mirrored = compare.log_odds(reference, target)
    assert mirrored.loc["a", "z"] == pytest.approx(-scored.loc["a", "z"])
    assert scored.loc["b", "z"] == pytest.approx(0.0, abs=1e-12)
    weaker = compare.log_odds(target, reference, prior_strength=10.0)
    assert abs(weaker.loc["a", "delta"]) < abs(scored.loc["a", "delta"])  # stronger shrinkage


def test_keyness_log_likelihood() -> None:
    target = {"w": 10, "x": 90}
    reference = {"w": 10, "x": 990}
    scored = compare.keyness(target, reference)
    e1, e2 = 100 * 20 / 1100, 1000 * 20 / 1100
    g2 = 2 * (10 * math.log(10 / e1) + 10 * math.log(10 / e2))
    assert scored.loc["w", "g2"] == pytest.approx(g2)
    assert scored.loc["w", "log_ratio"] == pytest.approx(math.log2((10 / 100) / (10 / 1000)))
    assert scored.loc["x", "g2"] < 0  # relatively rarer in the target
    assert scored.index[0] == "w"


def test_keyness_option_of_distinctive_terms(worded: compare.Corpus) -> None:
    terms = compare.distinctive_terms(
        worded, by="unit_type", method="keyness", tokenizer=ascii_words, min_count=1
    )
    assert terms.loc[terms["unit_type"] == "school", "term"].iloc[0] == "book"
    assert {"g2", "p", "log_ratio", "score"} <= set(terms.columns)


def test_distinctive_terms_with_jieba_tokens(real: compare.Corpus) -> None:
    terms = compare.distinctive_terms(real, by="unit_type", top=10)
    school = terms.loc[terms["unit_type"] == "school", "term"].tolist()
    assert "教职工" in school[:5]
    hospital = terms.loc[terms["unit_type"] == "hospital", "term"].tolist()
    assert "医院" in hospital or "医师" in hospital


# ---------------------------------------------------------------------------
# similarity


def test_identical_plans_are_near_duplicates() -> None:
    same = [Item("safety training staff"), Item("safety drill monthly")]
    other = [Item("book club reading"), Item("choir singing festival")]
    plans = [
        make_plan("车间工会", same, path="x/a.txt"),
        make_plan("车间工会", same, path="y/b.txt"),
        make_plan("校工会", other, path="c.txt"),
    ]
    sims = compare.similarity(plans, tokenizer=ascii_words)
    assert sims.loc["a", "b"] == pytest.approx(1.0)
    assert sims.loc["a", "a"] == pytest.approx(1.0)
    assert sims.loc["a", "c"] == pytest.approx(0.0)
    pairs = compare.near_duplicates(sims, threshold=0.8)
    assert pairs[["doc_a", "doc_b"]].values.tolist() == [["a", "b"]]
    assert pairs.loc[0, "similarity"] == pytest.approx(1.0)
    groups = compare.clusters(sims).set_index("doc_id")
    assert groups.loc["a", "cluster"] == groups.loc["b", "cluster"] == 1
    assert groups.loc["c", "cluster"] == 2 and groups.loc["a", "size"] == 2
    assert sorted(groups["order"]) == [0, 1, 2]


def test_near_duplicates_from_a_corpus_name_the_files() -> None:
    same = [Item("safety training staff")]
    corpus = compare.load_corpus(
        [make_plan("车间工会", same, path="t.txt", index=i) for i in range(2)]
    )
    pairs = compare.near_duplicates(corpus)  # our jieba tokens by default
    assert pairs.loc[0, ["doc_a", "doc_b"]].tolist() == ["t#1", "t#2"]
    assert bool(pairs.loc[0, "same_file"]) is True


# ---------------------------------------------------------------------------
# metadata: JSON Lines input and the manifest


def write_jsonl(path: Path, plans: Sequence[Plan], *, failure: bool = False) -> None:
    with path.open("w", encoding="utf-8") as stream:
        for plan in plans:
            assert plan.source is not None
            dump_jsonl(plan_record(plan.source, [plan]), stream)
        if failure:
            dump_jsonl(failure_record("broken.txt", "read", ValueError("bad bytes")), stream)


def test_jsonl_input_and_manifest(tmp_path: Path) -> None:
    plans = [
        make_plan("校工会", [Item("a")], path="corpus/dev/one.txt", year=2023),
        make_plan("某单位工会", [Item("b")], path="corpus/dev/two.txt"),
        make_plan("机关工会", [Item("c")], path="corpus/held/three.txt"),
    ]
    records = tmp_path / "plans.jsonl"
    write_jsonl(records, plans, failure=True)
    manifest = tmp_path / "manifest.csv"
    with manifest.open("w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream)
        writer.writerow(["path", "unit", "unit_type", "region", "year", "sector"])
        writer.writerow(["corpus/dev/one.txt", "", "", "east", "", "education"])
        writer.writerow(["two.txt", "城南医院工会", "", "west", "2021", "health"])  # by file name
    corpus = compare.load_corpus(records, manifest=manifest)
    assert corpus.failures == (("broken.txt", "read: bad bytes"),)
    frame = corpus.frame().set_index("doc_id")
    assert frame.loc["one", "unit_type"] == "school" and frame.loc["one", "region"] == "east"
    assert frame.loc["one", "year"] == 2023 and frame.loc["one", "sector"] == "education"
    # the manifest's unit decides the unit type when none is given
    assert (
        frame.loc["two", "unit"] == "城南医院工会" and frame.loc["two", "unit_type"] == "hospital"
    )
    assert frame.loc["two", "year"] == 2021
    assert frame.loc["three", "unit_type"] == "government"
    assert pd.isna(frame.loc["three", "region"])
    assert corpus.groups("region") == ["east", "west", "unknown"]
    assert compare.concreteness(corpus, by="sector")["sector"].tolist() == [
        "education",
        "health",
        "unknown",
    ]


def test_manifest_rows_for_one_plan_and_unmatched_rows(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    plans = [make_plan("分工会", [Item("a")], path="multi.txt", index=i) for i in range(2)]
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "path,plan,unit_type,region\n"
        "multi.txt,,enterprise,north\n"
        "multi.txt,1,school,\n"
        "elsewhere.txt,,hospital,\n",
        encoding="utf-8",
    )
    with caplog.at_level("WARNING", logger="unionnlp.compare"):
        corpus = compare.load_corpus(plans, manifest=manifest)
    assert corpus.groups("unit_type") == ["enterprise", "school"]
    assert corpus.groups("region") == ["north", "north"]
    assert "1 manifest rows match no plan (first: elsewhere.txt)" in caplog.text


def test_manifest_without_path_column_is_refused(tmp_path: Path) -> None:
    manifest = tmp_path / "m.csv"
    manifest.write_text("file,unit\na.txt,校工会\n", encoding="utf-8")
    with pytest.raises(InputError, match="no 'path' column"):
        compare.read_manifest(manifest)
    manifest.write_text("path,plan\na.txt,first\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2: plan"):
        compare.read_manifest(manifest)


def test_manifest_years_as_written_and_a_bad_cell_is_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    plans = [make_plan("校工会", [Item("a")], path=f"{name}.txt") for name in "abcd"]
    manifest = tmp_path / "m.csv"
    manifest.write_text(
        "path,year\na.txt,二〇二三\nb.txt,2023-2024学年\nc.txt,２０２２年\nd.txt,明年\n",
        encoding="utf-8",
    )
    with caplog.at_level("WARNING", logger="unionnlp.compare"):
        corpus = compare.load_corpus(plans, manifest=manifest)
    assert corpus.frame()["year"].tolist()[:3] == [2023, 2023, 2022]
    assert pd.isna(corpus.frame()["year"].tolist()[3])
    warned = [r.getMessage() for r in caplog.records if "明年" in r.getMessage()]
    assert len(warned) == 1 and "line 5" in warned[0]


def test_load_corpus_refuses_what_is_not_there(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        compare.load_corpus(tmp_path / "missing.jsonl")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="no plans"):
        compare.load_corpus(empty)
    bad = tmp_path / "bad.jsonl"
    bad.write_text("not json\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 1"):
        compare.load_corpus(bad)


def test_parquet_folder_input(tmp_path: Path) -> None:
    from unionnlp import batch

    if ".parquet" not in getattr(batch, "OUTPUT_KINDS", ()):
        pytest.skip("this version of `convert` writes no Parquet")
    files = sorted((CORPORA / "dev").glob("dev_0[12]*.txt"))
    batch.convert(files, tmp_path / "plans.parquet")
    from_parquet = compare.load_corpus(tmp_path / "plans.parquet")
    from_files = compare.load_corpus(files)
    assert from_parquet.doc_ids == from_files.doc_ids
    a = compare.concreteness(from_parquet)
    b = compare.concreteness(from_files)
    assert a["measures"].tolist() == b["measures"].tolist()
    assert a["with_deadline"].tolist() == b["with_deadline"].tolist()
    assert (
        compare.theme_counts(from_parquet).to_numpy().tolist()
        == compare.theme_counts(from_files).to_numpy().tolist()
    )


# ---------------------------------------------------------------------------
# exports


def test_documents_and_codes_tables(themed: compare.Corpus) -> None:
    docs = compare.documents_table(themed)
    assert docs.columns[:2].tolist() == ["doc_id", "text"]
    assert {"unit", "unit_type", "region", "year", "path"} <= set(docs.columns)
    assert docs.loc[0, "text"].startswith("校工会工作计划\n一、重点工作\n1、a")
    codes = compare.codes_table(themed)
    assert set(codes["kind"]) == {"section", "measure"}
    assert len(codes) == 4 * (1 + 4) + 4 * 4  # sections (top + items) and measures
    labels = [t.label for t in load_taxonomy()]
    assert codes.columns[-len(labels) :].tolist() == labels
    assert set(codes[labels].to_numpy().ravel()) <= {0, 1}
    measures = codes[codes["kind"] == "measure"]
    assert measures["political_guidance"].sum() == 8 and measures["culture_sports"].sum() == 8


# ---------------------------------------------------------------------------
# charts: the font


def _cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_cjk_font_is_found_and_covers_chinese() -> None:
    from matplotlib import ft2font

    font = compare.find_cjk_font()
    assert "CJK" in font.name or "Han" in font.name or "WenQuanYi" in font.name
    face = ft2font.FT2Font(font.path)
    charmap = face.get_charmap()
    assert all(ord(ch) in charmap for ch in "工会工作计划思想政治引领帮扶服务维权特征词")


def test_chart_labels_use_a_font_with_the_characters(themed: compare.Corpus) -> None:
    import warnings

    from matplotlib import font_manager
    from matplotlib.text import Text

    fig = compare.plot_theme_heatmap(compare.theme_profile(themed), by="unit_type")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a missing glyph warns; it must not happen
        fig.savefig(io.BytesIO(), format="png")  # outside the chart style: fonts were fixed
    texts = [t for t in fig.findobj(Text) if _cjk(t.get_text())]
    assert any("思想政治引领" in t.get_text() for t in texts)
    for text in texts:
        found = font_manager.findfont(text.get_fontproperties(), fallback_to_default=False)
        face = font_manager.get_font(found)
        charmap = face.get_charmap()
        missing = [ch for ch in text.get_text() if not ch.isspace() and ord(ch) not in charmap]
        assert not missing, (text.get_text(), face.family_name)
        assert "DejaVu" not in face.family_name


def test_missing_cjk_font_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib import font_manager

    compare.find_cjk_font.cache_clear()
    monkeypatch.setattr(compare.charts, "CJK_FAMILIES", ("No Such Font SC",))
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    try:
        with pytest.raises(UnionNLPError, match="fonts-noto-cjk"):
            compare.find_cjk_font()
        with pytest.raises(UnionNLPError, match="fonts-noto-cjk"):
            compare.plot_concreteness(pd.DataFrame({"g": ["a"]}), by="g")
    finally:
        monkeypatch.undo()
        compare.find_cjk_font.cache_clear()


# ---------------------------------------------------------------------------
# the report


@pytest.fixture(scope="module")
def real() -> compare.Corpus:
    files = sorted((CORPORA / "dev").glob("*.txt")) + sorted((CORPORA / "heldout").glob("*.txt"))
    return compare.load_corpus(files)


@pytest.fixture(scope="module")
def report(real: compare.Corpus, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return compare.write_report(real, tmp_path_factory.mktemp("report"), by="unit_type")


TABLES = (
    "plans", "theme_profile_measures", "theme_profile_sections", "theme_tests", "concreteness",
    "distinctive_terms", "keyness", "similarity", "near_duplicates", "clusters", "documents",
    "codes",
)  # fmt: skip


def test_report_writes_every_file(report: Path, real: compare.Corpus) -> None:
    out = report.parent
    assert report.name == "report.html"
    for name in TABLES:
        assert (out / f"{name}.csv").stat().st_size > 0, name
        frame = pd.read_parquet(out / f"{name}.parquet")
        assert len(frame.columns) > 0, name
    groups = sorted(set(real.groups("unit_type")))
    charts = [
        "theme_heatmap_measures.png", "theme_heatmap_sections.png", "concreteness.png",
        "similarity.png", *(f"terms_{k:02d}.png" for k in range(1, len(groups) + 1)),
    ]  # fmt: skip
    for name in charts:
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
    docs = pd.read_csv(out / "documents.csv")
    assert len(docs) == len(real) and docs.columns[:2].tolist() == ["doc_id", "text"]
    profile = pd.read_parquet(out / "theme_profile_measures.parquet")
    assert profile.groupby("unit_type")["share"].sum().tolist() == pytest.approx(
        [1.0] * len(groups)
    )


class _Resources(HTMLParser):
    """Every URL the page would load or link to, and the tags used."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[tuple[str, str, str]] = []
        self.tags: set[str] = set()
        self.inline_styles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        for name, value in attrs:
            if name in ("src", "href", "srcset", "data", "poster", "action") and value:
                self.urls.append((tag, name, value))
            if name == "style" and value:
                self.inline_styles.append(value)


def test_report_html_is_self_contained(report: Path) -> None:
    page = report.read_text(encoding="utf-8")
    parser = _Resources()
    parser.feed(page)
    assert not parser.tags & {"script", "link", "iframe", "object", "embed", "base"}
    assert "url(" not in page and "@import" not in page
    images = [u for u in parser.urls if u[0] == "img"]
    assert len(images) >= 5
    for tag, attr, url in parser.urls:
        assert url.startswith("data:image/png;base64,"), (tag, attr, url[:60])
        data = base64.b64decode(url.split(",", 1)[1], validate=True)
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert "思想政治引领" in page and '<meta charset="utf-8">' in page


def test_run_compare_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plans = [
        make_plan("校工会", [Item("举办4场讲座", "culture_sports")], path="a.txt"),
        make_plan("医院工会", [Item("慰问困难职工", "worker_assistance")], path="b.txt"),
    ]
    records = tmp_path / "plans.jsonl"
    write_jsonl(records, plans)
    assert compare.run_compare([str(records)], str(tmp_path / "out"), "unit_type", None) == 0
    assert (tmp_path / "out" / "report.html").exists()
    assert "report:" in capsys.readouterr().out
    assert compare.run_compare([str(records)], str(tmp_path / "o2"), "sector", None) == 2
    assert "cannot group by 'sector'" in capsys.readouterr().err
    assert (
        compare.run_compare([str(tmp_path / "nope.jsonl")], str(tmp_path / "o3"), "unit_type", None)
        == 2
    )
    write_jsonl(records, plans, failure=True)
    assert compare.run_compare([str(records)], str(tmp_path / "o4"), "unit_type", None) == 1
    assert "skipped broken.txt" in capsys.readouterr().err


def test_importing_unionnlp_loads_no_analysis_packages() -> None:
    code = (
        "import sys, unionnlp, unionnlp.compare, unionnlp.display\n"
        "heavy = [m for m in ('pandas', 'matplotlib', 'scipy', 'sklearn', 'jieba', 'IPython')"
        " if m in sys.modules]\n"
        "print(heavy)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# ---------------------------------------------------------------------------
# the report in a real browser


def _chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


class _DevTools:
    """The Chrome DevTools protocol over ``--remote-debugging-pipe`` (fds 3 and 4)."""

    def __init__(self, binary: str, profile: Path, log: Path) -> None:
        to_child_r, to_child_w = os.pipe()
        from_child_r, from_child_w = os.pipe()
        # Move the child's ends above 10 so that dup2 onto 3 and 4 cannot clobber them.
        import fcntl

        child_in = fcntl.fcntl(to_child_r, fcntl.F_DUPFD_CLOEXEC, 10)
        child_out = fcntl.fcntl(from_child_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(to_child_r)
        os.close(from_child_w)

        def wire() -> None:  # in the child, before exec
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        args = [
            binary, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
            "--no-first-run", "--disable-background-networking", "--disable-component-update",
            "--disable-sync", "--disable-extensions", "--hide-scrollbars", "--mute-audio",
            f"--user-data-dir={profile}", "--remote-debugging-pipe", "--enable-logging=stderr",
            "--v=0", "about:blank",
        ]  # fmt: skip
        self.log = log.open("wb")
        self.proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=self.log,
            preexec_fn=wire,  # the test process runs no threads that could deadlock
            close_fds=False,
        )
        os.close(child_in)
        os.close(child_out)
        self.write = to_child_w
        self.read = from_child_r
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def _message(self, deadline: float) -> dict[str, Any]:
        import select

        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no answer from chromium")
            ready, _, _ = select.select([self.read], [], [], left)
            if ready:
                chunk = os.read(self.read, 1 << 20)
                if not chunk:
                    raise RuntimeError("chromium closed the DevTools pipe")
                self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def call(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> dict[str, Any]:
        self.next_id += 1
        request: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            request["sessionId"] = session
        os.write(self.write, json.dumps(request).encode() + b"\0")
        deadline = time.monotonic() + 60
        while True:
            message = self._message(deadline)
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result
            self.events.append(message)

    def wait_for(self, method: str, timeout: float = 60) -> dict[str, Any]:
        for event in self.events:
            if event.get("method") == method:
                return event
        deadline = time.monotonic() + timeout
        while True:
            message = self._message(deadline)
            self.events.append(message)
            if message.get("method") == method:
                return message

    def close(self) -> None:
        with contextlib.suppress(OSError, RuntimeError, TimeoutError):
            self.call("Browser.close")
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        os.close(self.write)
        os.close(self.read)
        self.log.close()


def _console_errors(events: Sequence[dict[str, Any]]) -> list[str]:
    errors = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            errors.append(json.dumps(params.get("exceptionDetails", {}), ensure_ascii=False))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            errors.append(json.dumps(params.get("args", []), ensure_ascii=False))
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            errors.append(params["entry"].get("text", ""))
    return errors


IMAGES_LOADED = (
    "document.images.length + ':' +"
    " [...document.images].every(i => i.complete && i.naturalWidth > 0)"
)


def test_report_renders_in_headless_chromium(report: Path, tmp_path: Path) -> None:
    binary = _chromium()
    if binary is None:
        pytest.skip(f"{MISSING}chromium (Debian: apt-get install chromium); CI installs it")
    np = pytest.importorskip("numpy")
    image_module = pytest.importorskip("PIL.Image")
    browser = _DevTools(binary, tmp_path / "profile", tmp_path / "chromium.log")
    try:
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Runtime", "Log", "Page", "Network"):
            browser.call(f"{domain}.enable", session=session)
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            {"width": 1280, "height": 2400, "deviceScaleFactor": 1, "mobile": False},
            session=session,
        )
        browser.call("Page.navigate", {"url": report.as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired")
        shot = browser.call("Page.captureScreenshot", {"format": "png"}, session=session)
        images = browser.call(
            "Runtime.evaluate",
            {"expression": IMAGES_LOADED},
            session=session,
        )["result"]["value"]
    finally:
        browser.close()
    png = base64.b64decode(shot["data"])
    (tmp_path / "report.png").write_bytes(png)
    pixels = np.asarray(image_module.open(io.BytesIO(png)).convert("L"), dtype=float)
    assert pixels.shape[0] >= 1000 and pixels.shape[1] >= 1000
    assert pixels.var() > 100, "the screenshot is blank"
    assert (pixels < 128).mean() > 0.005, "hardly any dark pixels: text did not render"
    count, loaded = images.split(":")
    assert int(count) >= 5 and loaded == "true", "embedded charts did not load"
    errors = _console_errors(browser.events)
    assert not errors, errors
    requested = [
        e["params"]["request"]["url"]
        for e in browser.events
        if e.get("method") == "Network.requestWillBeSent"
    ]
    assert all(u.startswith(("file:", "data:")) for u in requested), requested


def test_chromium_reports_console_errors(tmp_path: Path) -> None:
    """The check above can fail: a page with a broken image and a script error is caught."""
    binary = _chromium()
    if binary is None:
        pytest.skip(f"{MISSING}chromium (Debian: apt-get install chromium); CI installs it")
    page = tmp_path / "bad.html"
    page.write_text(
        '<html><body><img src="missing.png"><script>console.error("boom"); nope();</script>'
        "</body></html>",
        encoding="utf-8",
    )
    browser = _DevTools(binary, tmp_path / "profile", tmp_path / "chromium.log")
    try:
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})[
            "sessionId"
        ]
        for domain in ("Runtime", "Log", "Page"):
            browser.call(f"{domain}.enable", session=session)
        browser.call("Page.navigate", {"url": page.as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired")
        browser.call("Runtime.evaluate", {"expression": "1"}, session=session)
    finally:
        browser.close()
    errors = _console_errors(browser.events)
    assert len(errors) >= 2, errors


# ---------------------------------------------------------------------------
# every output of `convert` that holds the plans reads back (issue 18, item 1)


@pytest.fixture(scope="module")
def dev_pair() -> list[Path]:
    return sorted((CORPORA / "dev").glob("dev_0[12]*.txt"))


@pytest.fixture(scope="module")
def from_jsonl(dev_pair: list[Path], tmp_path_factory: pytest.TempPathFactory) -> compare.Corpus:
    from unionnlp import batch

    out = tmp_path_factory.mktemp("jsonl") / "plans.jsonl"
    batch.convert(dev_pair, out, progress=False)
    return compare.load_corpus(out)


def _same_corpus(got: compare.Corpus, want: compare.Corpus) -> None:
    assert got.doc_ids == want.doc_ids
    columns = ["path", "plan", "title", "unit", "unit_type", "year"]
    assert got.frame()[columns].to_dict("records") == want.frame()[columns].to_dict("records")
    a, b = compare.concreteness(got), compare.concreteness(want)
    for column in ("measures", "with_deadline", "with_party", "depth"):
        assert a[column].tolist() == b[column].tolist(), column
    assert [compare.plan_text(p) for p in got.plans] == [compare.plan_text(p) for p in want.plans]


@pytest.mark.parametrize("kind", [".sqlite", ".xlsx", ".parquet"])
def test_compare_reads_the_table_outputs_of_convert(
    kind: str, dev_pair: list[Path], from_jsonl: compare.Corpus, tmp_path: Path
) -> None:
    from unionnlp import batch

    out = tmp_path / f"plans{kind}"
    batch.convert(dev_pair, out, progress=False)
    _same_corpus(compare.load_corpus(out), from_jsonl)


def test_compare_reads_a_partitioned_parquet_folder(
    dev_pair: list[Path], from_jsonl: compare.Corpus, tmp_path: Path
) -> None:
    """The layout `convert --dask` writes: one folder per table, one file per partition."""
    from unionnlp import batch

    out = tmp_path / "out"
    for part, path in enumerate(dev_pair):
        for name, rows in batch.tables_from_records([batch.process_file(path)]).items():
            (out / name).mkdir(parents=True, exist_ok=True)
            pd.DataFrame(rows).to_parquet(out / name / f"part-{part:05d}.parquet", index=False)
    _same_corpus(compare.load_corpus(out), from_jsonl)


@pytest.mark.slow
def test_compare_reads_what_convert_dask_writes(
    dev_pair: list[Path], from_jsonl: compare.Corpus, tmp_path: Path
) -> None:
    pytest.importorskip("dask.distributed")
    from unionnlp import batch

    batch.convert_dask(dev_pair, tmp_path / "out", workers=1, partition_size=1)
    _same_corpus(compare.load_corpus(tmp_path / "out"), from_jsonl)


def test_compare_says_which_output_to_use_for_the_flat_csv(
    dev_pair: list[Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from unionnlp import batch

    out = tmp_path / "plans.csv"
    batch.convert(dev_pair, out, progress=False)
    with pytest.raises(InputError, match=r"flat measures table.*-o plans\.jsonl"):
        compare.load_corpus(out)
    assert compare.run_compare([str(out)], str(tmp_path / "report"), "unit_type", None) == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "-o plans.jsonl" in err
    assert not (tmp_path / "report").exists()


def test_no_plans_found_gives_the_reasons(tmp_path: Path) -> None:
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"not a pdf")
    with pytest.raises(InputError, match=r"no plans found.*scan\.pdf"):
        compare.load_corpus(bad)


def test_a_failed_write_leaves_no_partial_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import errno

    plans = [
        make_plan("校工会", [Item("举办4场讲座", "culture_sports")], path="a.txt"),
        make_plan("医院工会", [Item("慰问困难职工", "worker_assistance")], path="b.txt"),
    ]
    records = tmp_path / "plans.jsonl"
    write_jsonl(records, plans)
    real_png = compare.report._png
    calls = []

    def full_disk(fig: Any) -> bytes:  # the tables are written by now, the charts not all
        calls.append(fig)
        if len(calls) > 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_png(fig)

    monkeypatch.setattr(compare.report, "_png", full_disk)
    out = tmp_path / "reports" / "report"
    assert compare.run_compare([str(records)], str(out), "unit_type", None) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"unionnlp: cannot write the report to {out}: No space left on device"]
    assert not out.exists() and list(out.parent.iterdir()) == []
    # a report already there is kept as it was
    monkeypatch.setattr(compare.report, "_png", real_png)
    assert compare.run_compare([str(records)], str(out), "unit_type", None) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    calls.clear()
    monkeypatch.setattr(compare.report, "_png", full_disk)
    assert compare.run_compare([str(records)], str(out), "unit_type", None) == 2
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert [p.name for p in out.parent.iterdir()] == ["report"]
