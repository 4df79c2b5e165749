"""Themes: data files, the estimator contract, shipped weights, the stage."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unionnlp.errors import DataFileError
from unionnlp.pipeline import Pipeline
from unionnlp.resources import data_path, load_wordlist
from unionnlp.themes import (
    FeatureSpace,
    ThemeClassifier,
    ThemeModel,
    ThemeTagger,
    cross_validate,
    load_taxonomy,
    load_training_examples,
)
from unionnlp.tokenize import Tokenizer, tokenize

from .conftest import SEEDS

TAXONOMY = load_taxonomy()
LABELS = {
    "political_guidance", "rights_protection", "democratic_management", "worker_assistance",
    "culture_sports", "labor_competition", "women_workers", "self_building", "finance_audit",
    "safety_health", "other",
}  # fmt: skip


def test_taxonomy_matches_the_annotation_guide() -> None:
    assert {t.label for t in TAXONOMY} == LABELS
    for theme in TAXONOMY:
        assert theme.name and theme.definition and theme.keywords and theme.examples


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


def test_training_is_deterministic(tmp_path: Path) -> None:
    examples = load_training_examples()[:40]
    texts = [e.text for e in examples]
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
    text = "发挥经费审查委员会作用，做好经审工作"
    assert [t.label for t in again.assign(text)] == [t.label for t in model.assign(text)]


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


def _plain_keywords(text: str) -> dict[str, int]:
    return {
        t.label: sum(1 for k in t.keywords if k in text)
        for t in TAXONOMY
        if any(k in text for k in t.keywords)
    }


@settings(max_examples=200, deadline=None)
@given(
    st.text(alphabet=_ALPHABET, max_size=60),
    st.lists(st.tuples(st.integers(0, 60), st.integers(0, 60)), min_size=1, max_size=5),
)
def test_feature_counts_equal_slicing(text: str, raw: list[tuple[int, int]]) -> None:
    vocab = [*_VOCAB, *("k:" + t.label for t in TAXONOMY)]
    space = FeatureSpace(vocab, np.ones(len(vocab)), TAXONOMY)
    ranges = [(min(a, b, len(text)), min(max(a, b), len(text))) for a, b in raw]
    found = space.count(text, ranges)
    labels = [t.label for t in TAXONOMY]
    for r, (start, end) in enumerate(ranges):
        got = {
            vocab[f]: int(c)
            for row, f, c in zip(found.rows, found.features, found.counts, strict=True)
            if row == r
        }
        assert got == _plain_counts(text[start:end]), (text, start, end)
        keywords = {
            labels[j]: int(c)
            for row, j, c in zip(
                found.keyword_rows, found.keyword_labels, found.keyword_counts, strict=True
            )
            if row == r
        }
        assert keywords == _plain_keywords(text[start:end])


def test_feature_counts_survive_surrogates_and_astral_characters() -> None:
    space = FeatureSpace(["c:工会", "k:other"], [1.0, 1.0], TAXONOMY)
    text = "工会\ud800工会𠀀工会"
    found = space.count(text, [(0, len(text)), (3, 5)])
    assert found.rows.tolist() == [0, 1] and found.counts.tolist() == [3, 1]


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
        start, end = norm.norm_range(sec.span)
        assert sec.themes == tuple(model.assign(norm.text[start:end]))
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
def test_cross_validation_floor() -> None:
    scores = cross_validate(load_training_examples())
    assert scores["top1"] >= 0.85 and scores["micro_f1"] >= 0.75
