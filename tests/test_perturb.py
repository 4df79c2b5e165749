"""Perturbations of a source's text: each changes only what the folded comparison ignores."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unionnlp.errors import InputError
from unionnlp.evaluate import PERTURBATIONS
from unionnlp.evaluate.matching import _fold
from unionnlp.evaluate.perturb import get_perturbation, perturb
from unionnlp.readers import read

from .conftest import CORPORA

#: perturbations that keep the lines, each holding what it held
LINE_KEEPING = ("traditional", "full-width", "crlf", "indent", "blank-lines")
#: perturbations that join the lines into one
JOINING = ("run-on", "run-on-tight")

#: pieces of plan text, in simplified script, with the breaks and blanks pages have
PIECES = st.sampled_from(
    [
        "一、",
        "（二）",
        "3.",
        "(4)",
        "①",
        "加强职工之家建设",
        "工会工作计划",
        "由工会牵头，3月底前完成",
        "于2024年5月10日前",
        "后勤保障",
        "干部培训",
        "发展会员",
        "征求意见",
        "“三八”节",
        "QC小组",
        "PDCA",
        "，",
        "。",
        "：",
        " ",
        "\u3000",
        "\t",
        "\n",
        "\r\n",
        "\n\n",
    ]
)
PLAN_TEXT = st.lists(PIECES, max_size=30).map("".join)


def _folded_lines(text: str) -> list[str]:
    return [f for line in text.splitlines() if (f := _fold(line))]


def _sources() -> list[str]:
    """The decoded text of every source of the written sets (corpora/)."""
    texts = []
    for gold in sorted(CORPORA.rglob("*.gold.json")):
        source = gold.parent / json.loads(gold.read_text(encoding="utf-8"))["source"]
        texts.append(read(source).text)
    return texts


def test_every_perturbation_has_a_name_and_a_description() -> None:
    assert list(PERTURBATIONS) == [*JOINING[:1], JOINING[1], "traditional", *LINE_KEEPING[1:]]
    for name, change in PERTURBATIONS.items():
        assert change.name == name and change.description and "\n" not in change.description


@pytest.mark.parametrize("name", sorted(PERTURBATIONS))
def test_the_written_sets_fold_to_the_same_text(name: str) -> None:
    # The sources of corpora/ (plans written for the project, simplified and
    # traditional): what their gold items fold to stays where it was.
    change = get_perturbation(name)
    changed = 0
    for text in _sources():
        perturbed = change(text)
        changed += perturbed != text
        assert _fold(perturbed) == _fold(text)
        if name in LINE_KEEPING:
            assert _folded_lines(perturbed) == _folded_lines(text)
        else:
            assert len(perturbed.splitlines()) == 1
    assert changed >= 10


@pytest.mark.parametrize("name", LINE_KEEPING)
@settings(max_examples=200, deadline=None)
@given(text=PLAN_TEXT)
def test_lines_fold_to_what_they_held(name: str, text: str) -> None:
    assert _folded_lines(perturb(text, name)) == _folded_lines(text)


@pytest.mark.parametrize("name", JOINING)
@settings(max_examples=200, deadline=None)
@given(text=PLAN_TEXT)
def test_joined_lines_fold_to_the_lines_folded_in_turn(name: str, text: str) -> None:
    perturbed = perturb(text, name)
    assert "\n" not in perturbed and "\r" not in perturbed
    assert _fold(perturbed) == "".join(_folded_lines(text))
    assert perturbed == perturbed.strip()


@pytest.mark.parametrize("name", ["full-width", "crlf", "indent", "blank-lines"])
@settings(max_examples=300, deadline=None)
@given(text=st.text())
def test_changes_of_width_and_white_space_fold_away_on_any_text(name: str, text: str) -> None:
    assert _fold(perturb(text, name)) == _fold(text)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("run-on", " 一、组织建设 \n\n1、调整小组。\r\n", "一、组织建设 1、调整小组。"),
        ("run-on-tight", " 一、组织建设 \n\n1、调整小组。\r\n", "一、组织建设1、调整小组。"),
        ("traditional", "一、加强学习\n二、关爱职工", "一、加強學習\n二、關愛職工"),
        ("full-width", "2024年Q1，第3季度", "２０２４年Ｑ１，第３季度"),
        ("crlf", "一、组织\n二、民主\r\n", "一、组织\r\n二、民主\r\n"),
        ("indent", "一、组织\n\n 1、小组", "\u3000\u3000一、组织  \n\n\u3000\u3000 1、小组  "),
        ("blank-lines", "一、组织\n二、民主\n三、宣传", "一、组织\n\n二、民主\n\n三、宣传"),
    ],
)
def test_each_perturbation_on_an_example(name: str, text: str, expected: str) -> None:
    assert perturb(text, name) == expected


def test_full_width_changes_ascii_digits_and_letters_only() -> None:
    ascii_chars = "".join(map(chr, range(0x20, 0x7F)))
    changed = {a: b for a, b in zip(ascii_chars, perturb(ascii_chars, "full-width"), strict=True)}
    moved = {a: b for a, b in changed.items() if a != b}
    assert "".join(moved) == "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    assert {ord(b) for b in moved.values()} == {
        *range(0xFF10, 0xFF1A),
        *range(0xFF21, 0xFF3B),
        *range(0xFF41, 0xFF5B),
    }
    assert perturb("（一）３月，　Ａ", "full-width") == "（一）３月，　Ａ"


@pytest.mark.parametrize("name", sorted(PERTURBATIONS))
def test_perturbations_are_pure(name: str) -> None:
    change: Callable[[str], str] = PERTURBATIONS[name]
    text = "一、组织建设\n1、3月底前调整小组。\n"
    assert change(text) == change(text) and text == "一、组织建设\n1、3月底前调整小组。\n"


def test_an_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(InputError, match="no perturbation is called 'runon'") as info:
        perturb("一、组织建设", "runon")
    assert all(name in str(info.value) for name in PERTURBATIONS)
    assert isinstance(info.value, ValueError)


def test_the_blanks_stripped_are_the_white_space_the_folding_removes() -> None:
    import regex

    from unionnlp.evaluate.perturb import _BLANKS

    assert set(_BLANKS) == {chr(c) for c in range(0x3001) if regex.match(r"\s", chr(c))}


def test_the_real_tuning_files_fold_to_the_same_text() -> None:
    """On the real plans (../shared/real) of the tuning folds, every perturbation folds
    to the same text. Half 4b, the check set, is not opened."""
    from unionnlp.evaluate import corpus_groups, fold_of, half_of

    from .floors import REAL

    if not REAL.is_dir():
        pytest.skip(f"the real corpus is not beside the project ({REAL}); see README")
    groups = corpus_groups(REAL)
    failures, read_files = [], 0
    for source in sorted(REAL.glob("*.txt")):
        group = groups.get(source.name, source.name)
        if fold_of(group) == 4 and half_of(group) == "b":
            continue
        text = read(source).text
        read_files += 1
        # compared as a flag: a failure names the file, never prints its text
        failures += [
            f"{source.name}: {name}"
            for name, change in PERTURBATIONS.items()
            if _fold(change(text)) != _fold(text)
        ]
    assert read_files >= 100 and not failures
