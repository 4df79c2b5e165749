"""Themes: data files, the estimator contract, shipped weights, the stage."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import example as hypothesis_example
from hypothesis import given, settings
from hypothesis import strategies as st

from unionnlp.errors import DataFileError
from unionnlp.pipeline import Pipeline
from unionnlp.resources import data_path, load_wordlist
from unionnlp.themes import (
    Example,
    FeatureSpace,
    ThemeClassifier,
    ThemeModel,
    ThemeTagger,
    _KeyTable,
    _lowest,
    _within,
    cross_validate,
    examples_from_gold,
    gold_files_under,
    is_generic,
    load_generic_terms,
    load_taxonomy,
    section_document,
    train,
)
from unionnlp.tokenize import Tokenizer, tokenize

from .conftest import CORPORA, SEEDS

TAXONOMY = load_taxonomy()
LABELS = {
    "political_guidance", "rights_protection", "democratic_management", "worker_assistance",
    "culture_sports", "labor_competition", "women_workers", "self_building", "finance_audit",
    "safety_health", "other",
}  # fmt: skip


def test_taxonomy_matches_the_annotation_guide() -> None:
    assert {t.label for t in TAXONOMY} == LABELS
    assert [t.label for t in TAXONOMY if t.fallback] == ["other"]
    for theme in TAXONOMY:
        assert theme.name and theme.definition
        # topics are taught by keywords and examples; the fallback by none (it abstains)
        assert bool(theme.keywords and theme.examples) != theme.fallback


def test_fallback_label_takes_no_keywords(tmp_path: Path) -> None:
    bad = tmp_path / "tax.toml"
    bad.write_text(
        '[[theme]]\nlabel = "other"\nname = "其他"\nfallback = true\nkeywords = ["其他"]\n',
        encoding="utf-8",
    )
    with pytest.raises(DataFileError, match="fallback"):
        load_taxonomy(bad)


def test_taxonomy_rejects_duplicates(tmp_path: Path) -> None:
    bad = tmp_path / "tax.toml"
    bad.write_text(
        '[[theme]]\nlabel = "a"\nname = "甲"\n[[theme]]\nlabel = "a"\nname = "乙"\n',
        encoding="utf-8",
    )
    with pytest.raises(DataFileError, match="duplicate label"):
        load_taxonomy(bad)


def test_user_dictionary_loads_without_duplicates() -> None:
    words = [line.split()[0] for line in load_wordlist(data_path("userdict.txt"))]
    assert len(words) == len(set(words))
    assert tokenize("开展送温暖活动，慰问困难职工") == ["送温暖", "活动", "慰问", "困难职工"]


def test_tokenizer_is_private() -> None:
    import jieba

    Tokenizer().cut("职代会")
    assert "职代会" not in jieba.dt.FREQ  # the global segmenter was not touched


@pytest.mark.parametrize("theme", TAXONOMY, ids=lambda t: t.label)
def test_examples_classify_as_declared(theme) -> None:  # type: ignore[no-untyped-def]
    model = ThemeModel.load()
    for example in theme.examples:
        assigned = model.assign(example)
        assert assigned[0].label == theme.label, (example, assigned)
        assert assigned[0].evidence


def test_estimator_contract() -> None:
    from sklearn.base import clone

    clf = ThemeClassifier(C=2.0, threshold=0.4)
    params = clf.get_params()
    assert params["C"] == 2.0 and params["threshold"] == 0.4
    twin = clone(clf)
    assert twin.get_params() == params and twin is not clf
    assert clf.set_params(C=3.0) is clf and clf.C == 3.0
    assert not [a for a in vars(clf) if a.endswith("_")]  # nothing learned in __init__
    with pytest.raises(ValueError):
        clf.set_params(nonsense=1)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        clf.predict(["开展劳动竞赛"])
    texts = ["开展劳动竞赛和技能比武", "慰问困难职工，送温暖", "组织职工运动会", "召开职代会"]
    labels = [
        ["labor_competition"],
        ["worker_assistance"],
        ["culture_sports"],
        ["democratic_management"],
    ]
    fitted = clf.fit(texts, labels)
    assert fitted is clf
    assert list(clf.classes_) == [t.label for t in TAXONOMY]
    assert clf.coef_.shape == (len(TAXONOMY), len(clf.vocabulary_))
    proba = clf.predict_proba(["组织职工篮球比赛"])
    assert proba.shape == (1, len(TAXONOMY)) and np.all((proba >= 0) & (proba <= 1))
    assert clf.predict(["召开职代会审议方案"])[0][0] == "democratic_management"
    with pytest.raises(ValueError, match="not in the taxonomy"):
        ThemeClassifier().fit(["x"], [["no_such_label"]])


@pytest.fixture(scope="module")
def written_examples() -> list[Example]:
    """Training examples of the written sets (the held-out set left out), as train builds them."""
    return examples_from_gold(
        gold_files_under([CORPORA], exclude_dirs=("heldout",)), corpus="corpora"
    )


def test_training_is_deterministic(written_examples: list[Example]) -> None:
    examples = written_examples[:40]
    texts = [e.document for e in examples]
    labels = [list(e.labels) for e in examples]
    a = ThemeClassifier().fit(texts, labels)
    b = ThemeClassifier().fit(texts, labels)
    assert a.vocabulary_ == b.vocabulary_
    assert np.array_equal(a.coef_, b.coef_)


def test_model_round_trips_through_npz(tmp_path: Path) -> None:
    model = ThemeModel.load()
    path = tmp_path / "model.npz"
    model.save(path)
    again = ThemeModel.load(path)
    assert again.features.vocabulary == model.features.vocabulary
    assert np.array_equal(again.features.idf, model.features.idf)
    # weights are stored as float32: scores agree to float32 precision
    assert np.allclose(again.coef, model.coef, atol=1e-6)
    assert np.array_equal(again.intercept, model.intercept)
    assert (again.sources, again.groups, again.corpora) == (
        model.sources,
        model.groups,
        model.corpora,
    )
    assert again.params == model.params
    texts = ["发挥经费审查委员会作用，做好经审工作", "组织职工运动会", "召开教代会"]
    assert np.allclose(again.score_texts(texts), model.score_texts(texts), atol=1e-6)


def _save_with_vocabulary(path: Path, model: ThemeModel, vocabulary: list[str]) -> None:
    """``model`` written as NPZ with another vocabulary (as a tampered file would be)."""
    np.savez_compressed(
        path,
        labels=np.array(model.labels),
        vocabulary=np.array(vocabulary),
        idf=np.asarray(model.features.idf),
        coef=model.coef,
        intercept=model.intercept,
        params=np.array(json.dumps(model.params)),
        sources=np.array([]),
    )


def test_tampered_model_gives_data_file_error(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    path.write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(DataFileError, match=r"model\.npz"):
        ThemeModel.load(path)
    model = ThemeModel.load()
    _save_with_vocabulary(tmp_path / "short.npz", model, model.features.vocabulary[:10])
    with pytest.raises(DataFileError, match="shapes"):
        ThemeModel.load(tmp_path / "short.npz")


def test_stage_labels_sections_and_measures() -> None:
    text = (
        "一、丰富职工文化生活\n1、组织职工运动会和读书活动。\n"
        "二、维护女职工特殊权益\n1、三八妇女节期间组织女职工座谈。"
    )
    plan = Pipeline.default().parse(text)[0]
    top = plan.children()
    assert top[0].themes[0].label == "culture_sports"
    assert top[1].themes[0].label == "women_workers"
    for sec in plan.sections:
        scores = [t.score for t in sec.themes]
        assert scores == sorted(scores, reverse=True) and 1 <= len(scores) <= 3
        for measure in sec.measures:
            assert measure.themes


def test_prediction_needs_neither_scikit_learn_nor_jieba() -> None:
    # jieba chooses the words when a model is trained; scoring only looks them up.
    code = (
        "import sys, unionnlp; unionnlp.parse('一、组织职工运动会\\n二、慰问困难职工'); "
        "print('sklearn' in sys.modules, 'jieba' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


# -- the feature matcher against a plain re-implementation ----------------------

_ALPHABET = "工会职代之家女困难送温暖竞赛安全，、。 1a"
_VOCAB = sorted(
    {"c:工会", "c:职代", "c:代会", "c:女职", "c:困难", "c:送温", "c:温暖", "c:工会职", "c:会会会"}
    | {"c:竞赛", "w:职工之家", "w:送温暖工", "w:会会会会"}
    # words that begin alike (one longer than the other), that begin as a 3-gram does,
    # and whose characters are in no n-gram
    | {"w:会会会会会", "w:工会职代", "w:安全竞赛"}
)


def _plain_counts(text: str) -> dict[str, int]:
    """Every vocabulary string counted wherever it occurs (overlapping), by slicing."""
    counts: dict[str, int] = {}
    for feature in _VOCAB:
        value = feature[2:]
        n = sum(text[i : i + len(value)] == value for i in range(len(text)))
        if n:
            counts[feature] = n
    return counts


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=_ALPHABET, max_size=60),
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), min_size=1, max_size=5),
)
# every word, overlapping and cut by the ranges (random text rarely holds one)
@hypothesis_example(
    "职工之家会会会会会会工会职代会会安全竞赛。送温暖工", [(0, 25), (2, 9), (4, 10), (10, 16)]
)
@hypothesis_example("安全竞赛会会会会", [(0, 8), (0, 7), (1, 8)])
def test_feature_counts_equal_slicing(text: str, raw: list[tuple[int, int]]) -> None:
    space = FeatureSpace(_VOCAB, np.ones(len(_VOCAB)))
    ranges = [(min(a, b, len(text)), min(max(a, b), len(text))) for a, b in raw]
    found = space.count(text, ranges)
    for r, (start, end) in enumerate(ranges):
        got = {
            _VOCAB[f]: int(c)
            for row, f, c in zip(found.rows, found.features, found.counts, strict=True)
            if row == r
        }
        assert got == _plain_counts(text[start:end]), (text, start, end)


def test_feature_counts_survive_surrogates_and_astral_characters() -> None:
    space = FeatureSpace(["c:工会"], [1.0])
    text = "工会\ud800工会𠀀工会"
    found = space.count(text, [(0, len(text)), (3, 5)])
    assert found.rows.tolist() == [0, 1] and found.counts.tolist() == [3, 1]


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 40), st.integers(1, 5)), max_size=30),
    st.lists(st.tuples(st.integers(-3, 45), st.integers(-3, 45)), max_size=6),
    st.booleans(),
)
def test_matches_within_ranges_are_those_inside_each(
    raw: list[tuple[int, int]], bounds: list[tuple[int, int]], one_length: bool
) -> None:
    # matches of one length take the shortcut of their ends; the others are filtered
    pairs = sorted((end, end - (raw[0][1] if one_length else size)) for end, size in raw)
    ends = np.asarray([end for end, _ in pairs], dtype=np.int64)
    starts = np.asarray([start for _, start in pairs], dtype=np.int64)
    row, hit = _within(starts, ends, np.asarray(bounds, dtype=np.int64).reshape(-1, 2))
    expected = [
        (r, i)
        for r, (a, b) in enumerate(bounds)
        for i in range(len(pairs))
        if a <= starts[i] and ends[i] <= b
    ]
    assert list(zip(row.tolist(), hit.tolist(), strict=True)) == expected
    assert row.dtype == hit.dtype == np.int64


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 2**40), max_size=40), st.lists(st.integers(0, 2**40), max_size=40))
def test_key_table_finds_what_a_dict_finds(keys: list[int], queries: list[int]) -> None:
    unique = list(dict.fromkeys(keys))
    index = {key: i for i, key in enumerate(unique)}
    asked = unique + queries
    found = _KeyTable(unique).find(np.asarray(asked, dtype=np.int64))
    assert found.tolist() == [index.get(key, -1) for key in asked]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 6), st.sampled_from([0.0, 0.1, 0.25, 0.3, 0.5]))),
    st.integers(0, 4),
)
def test_lowest_keys_are_those_of_a_full_stable_sort(raw: list[tuple[int, float]], k: int) -> None:
    # keys of group g lie in [g - 0.5, g], as the evidence ranking makes them; repeats tie
    raw.sort(key=lambda pair: pair[0])
    groups = np.asarray([g for g, _ in raw], dtype=np.int64)
    keys = np.asarray([g - x for g, x in raw], dtype=np.float64)
    expected: list[int] = []
    for i in np.argsort(keys, kind="stable").tolist():
        if sum(groups[j] == groups[i] for j in expected) < k:
            expected.append(i)
    assert _lowest(keys, groups, k).tolist() == expected


def test_model_with_unknown_features_gives_data_file_error(tmp_path: Path) -> None:
    model = ThemeModel.load()
    vocabulary = list(model.features.vocabulary)
    vocabulary[0] = "b:职工_之家"  # a word-bigram feature of an older model
    _save_with_vocabulary(tmp_path / "old.npz", model, vocabulary)
    with pytest.raises(DataFileError, match=r"old\.npz.*b:职工_之家"):
        ThemeModel.load(tmp_path / "old.npz")


def test_stage_scores_each_section_on_its_own_text() -> None:
    text = (
        "2024年工会工作计划\n一、丰富职工文化生活\n1、组织职工运动会和读书活动。\n"
        "二、维护女职工特殊权益\n1、三八妇女节期间组织女职工座谈。\n2、开展女职工体检。"
    )
    plan = Pipeline.default().parse(text)[0]
    model = ThemeModel.load()
    norm = plan.require_normalized("test")
    for sec in plan.sections:
        # a section is read as its title, then its whole text (the title counts twice)
        document = section_document(norm, sec)
        assert document.startswith(sec.title + "\n")
        assert sec.themes == tuple(model.assign(document))
        for m in sec.measures:
            start, end = norm.norm_range(m.span)
            assert m.themes == tuple(model.assign(norm.text[start:end]))


def test_a_texts_plans_are_labelled_together_as_one_at_a_time() -> None:
    # Seed 002 is a compilation of seven pieces: batch labelling must give each plan
    # what labelling it alone gives.
    plans = Pipeline().parse(SEEDS[2].read_text(encoding="utf-8"))
    assert len(plans) > 3
    tagger = ThemeTagger()
    together = tagger.batch(plans)
    one_by_one = [tagger(plan) for plan in plans]
    assert together == one_by_one
    assert all(sec.themes for plan in together for sec in plan.sections if sec.marker)


@pytest.mark.slow
def test_cross_validation_floor(written_examples: list[Example]) -> None:
    # the written sets alone, five folds of files; ../shared/real is floored in
    # tests/quality_floors.json through `unionnlp evaluate`
    scores = cross_validate(written_examples)
    assert scores["top1"] >= 0.85 and scores["micro_f1"] >= 0.75


# -- generic words, abstention -------------------------------------------------

GENERIC = load_generic_terms()


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(GENERIC), min_size=1, max_size=8), st.sampled_from(["", "，", "、"])
)
def test_generic_words_never_carry_a_label_alone(words: list[str], sep: str) -> None:
    text = sep.join(words)
    assert ThemeModel.load().assign(text) == [], text


def test_generic_words_are_no_features_of_the_shipped_model() -> None:
    model = ThemeModel.load()
    assert not [f for f in model.features.vocabulary if is_generic(f[2:], GENERIC)]
    assert {"c:工作", "c:开展", "c:加强"}.isdisjoint(model.features.vocabulary)


@pytest.mark.parametrize(
    "entry",
    [
        'generic = ["工作", "开"]',  # a word of one character
        '[generic]\n"工作" = 1',  # a table, whose keys would pass for words
        'generic = "工作"',  # one string, not a list
    ],
    ids=["one_character", "table", "string"],
)
def test_generic_terms_must_be_a_list_of_words(tmp_path: Path, entry: str) -> None:
    bad = tmp_path / "tax.toml"
    bad.write_text(entry + "\n", encoding="utf-8")
    with pytest.raises(DataFileError, match="two characters"):
        load_generic_terms(bad)


@pytest.mark.parametrize(
    ("term", "generic"),
    [
        ("工作", True),  # a whole word
        ("强工", True),  # across two words (加强+工作)
        ("一步加强", True),  # the end of one, then another whole
        ("送温暖", False),
        ("组织建设", False),  # 建设 is no generic word
        ("工会", False),
    ],
)
def test_is_generic(term: str, generic: bool) -> None:
    assert is_generic(term, ["加强", "工作", "进一步", "开展"]) is generic


def test_other_is_an_abstention_not_a_learned_label() -> None:
    model = ThemeModel.load()
    other = model.labels.index("other")
    assert not model.coef[other].any()  # never learned: no weight feeds it
    for text in ("完成上级交办的其他工作任务", "出租房屋登记", "组织职工运动会"):
        scores = model.scores(text)
        topics = np.delete(scores, other)
        assigned = [t.label for t in model.assign(text)]
        # other scores what the best topic leaves, and is assigned exactly when no
        # topic reaches the abstention line
        assert scores[other] == pytest.approx(1.0 - topics.max())
        assert (assigned == ["other"]) == (topics.max() < model.abstain), (text, assigned)


def test_short_titles_are_labelled_by_the_lexicon() -> None:
    # a title is often all there is: the taxonomy keywords teach what a few characters say
    model = ThemeModel.load()
    for title, label in [
        ("指导思想", "political_guidance"),
        ("职工体检", "worker_assistance"),
        ("工会经费", "finance_audit"),
        ("安康杯竞赛", "safety_health"),
    ]:
        assert model.assign(title)[0].label == label, title


# -- training writes weights only; evaluation refits without the scored fold ----


def _tiny_corpus(root: Path, sites: dict[str, str]) -> None:
    texts = {
        "a": ("一、组织职工运动会\n二、慰问困难职工", ["culture_sports", "worker_assistance"]),
        "b": ("一、召开教代会\n二、开展劳动竞赛", ["democratic_management", "labor_competition"]),
        "c": ("一、女职工体检\n二、工会经费审查", ["women_workers", "finance_audit"]),
        "d": ("一、安康杯竞赛\n二、政治理论学习", ["safety_health", "political_guidance"]),
    }
    root.mkdir(parents=True)
    index = []
    for name, (text, labels) in texts.items():
        (root / f"{name}.txt").write_text(text, encoding="utf-8")
        lines = text.split("\n")
        sections = [
            {"level": 1, "marker": line[:2], "title": line[2:], "themes": [label]}
            for line, label in zip(lines, labels, strict=True)
        ]
        gold = {"source": f"{name}.txt", "documents": [{"sections": sections}]}
        (root / f"{name}.gold.json").write_text(json.dumps(gold, ensure_ascii=False), "utf-8")
        index.append(json.dumps({"file": f"{name}.txt", "site": sites[name]}))
    (root / "index.jsonl").write_text("\n".join(index) + "\n", encoding="utf-8")


def test_train_writes_weights_never_texts(tmp_path: Path) -> None:
    corpus = tmp_path / "real"
    _tiny_corpus(corpus, {"a": "x.org", "b": "x.org", "c": "y.org", "d": "z.org"})
    model, examples = train([corpus], tmp_path / "out", min_df=1)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["themes_model.npz"]
    with np.load(tmp_path / "out" / "themes_model.npz", allow_pickle=False) as data:
        stored = " ".join(str(x) for key in data.files for x in np.atleast_1d(data[key]))
    for e in examples:
        assert e.text not in stored  # vocabulary n-grams, never a section's text
    assert len(examples) == 8
    assert set(model.groups) == {"x.org", "y.org", "z.org"}
    assert set(model.corpora) == {str(corpus)}
    assert model.params["corpora"] == [str(corpus)]


def test_evaluation_refits_without_the_fold_of_the_scored_site(tmp_path: Path) -> None:
    from unionnlp.evaluate import ThemeScorer, fold_of, load_gold

    corpus = tmp_path / "real"
    # a and b share a site: the refit that scores a must not have trained on b either
    _tiny_corpus(corpus, {"a": "x.org", "b": "x.org", "c": "y.org", "d": "z.org"})
    train([corpus], tmp_path / "out", min_df=1)
    scorer = ThemeScorer(tmp_path / "out" / "themes_model.npz", corpora=[corpus])
    gold = load_gold(corpus / "a.gold.json")
    assert scorer.fold_for(gold) == (str(corpus), fold_of("x.org"))
    refit = scorer.model_for(gold)
    assert refit is not scorer.shipped
    kept = dict(zip(refit.sources, refit.groups, strict=True))
    assert "x.org" not in kept.values()
    assert all(fold_of(g) != fold_of("x.org") for g in kept.values())
    assert len(scorer.pool) == 8  # every training file found again
    stranger = tmp_path / "other"
    _tiny_corpus(stranger, {"a": "q.org", "b": "q.org", "c": "q.org", "d": "q.org"})
    (stranger / "a.txt").write_text("一、组织职工篮球赛\n二、慰问困难职工", encoding="utf-8")
    # a file the model never saw is scored by the model itself
    assert scorer.model_for(load_gold(stranger / "a.gold.json")) is scorer.shipped


def test_a_model_trained_elsewhere_is_used_by_parse_convert_and_evaluate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from unionnlp.cli import main

    corpus = tmp_path / "odd"
    _tiny_corpus(corpus, {"a": "x.org", "b": "y.org", "c": "z.org", "d": "w.org"})
    # a model taught that sports meetings are about dues: only it would say so
    gold = json.loads((corpus / "a.gold.json").read_text("utf-8"))
    gold["documents"][0]["sections"][0]["themes"] = ["finance_audit"]
    (corpus / "a.gold.json").write_text(json.dumps(gold, ensure_ascii=False), "utf-8")
    assert main(["train", str(corpus), "-o", str(tmp_path / "m")]) == 0
    model = str(tmp_path / "m" / "themes_model.npz")
    plan = tmp_path / "plan.txt"
    plan.write_text("一、组织职工运动会\n二、慰问困难职工", encoding="utf-8")
    capsys.readouterr()

    def first_theme(record: dict[str, Any]) -> str:
        return str(record["documents"][0]["sections"][0]["themes"][0]["label"])

    assert main(["parse", str(plan)]) == 0
    assert first_theme(json.loads(capsys.readouterr().out)) == "culture_sports"
    assert main(["parse", str(plan), "--model", model]) == 0
    assert first_theme(json.loads(capsys.readouterr().out)) == "finance_audit"
    out = tmp_path / "out.jsonl"
    assert main(["convert", str(plan), "-o", str(out), "-q", "--model", model]) == 0
    assert first_theme(json.loads(out.read_text("utf-8").splitlines()[0])) == "finance_audit"
    # a model file that is not there is a usage error, before any work
    assert main(["parse", str(plan), "--model", str(tmp_path / "none.npz")]) == 2
    assert main(["convert", str(plan), "-o", str(out), "--model", "none.npz"]) == 2
    assert "none.npz" in capsys.readouterr().err
