"""The normaliser's shortcuts skip only work that could not change the result.

Each shortcut is checked two ways: against what it relies on (the rules'
matches, OpenCC's dictionaries) and end to end, against the same normaliser
without the shortcut, on texts where the skipped work is needed.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import regex

from unionnlp._chars import _HAN_BLOCKS, _UNLIKE, CharProfile, _every_code_point, _matched
from unionnlp.normalize import Normalizer, _apply_edits, _canonical_chars, _delete
from unionnlp.normalize.text import _at_line_starts, _line_anchored
from unionnlp.readers import read
from unionnlp.resources import data_path, load_rules

from .conftest import CORPORA

RULES = data_path("normalize.toml")
TEXTS = [read(p).text for p in sorted(CORPORA.rglob("*.txt"))]
PREFILTERED = [
    (table, rule)
    for table in ("gloss", "boilerplate", "placeholder")
    for rule in load_rules(RULES, table, flags=regex.MULTILINE)
    if rule.get("requires") is not None
]


def _without(pattern: str, tmp_path: Path) -> Path:
    """A copy of normalize.toml with the lines (or the table) ``pattern`` matches removed."""
    text = RULES.read_text(encoding="utf-8")
    path = tmp_path / "normalize.toml"
    path.write_text(re.sub(pattern, "", text), encoding="utf-8")
    return path


def _same(a: Any, b: Any) -> None:
    """Two normalisation results are identical (text, offset map and every finding)."""
    assert a.text == b.text
    assert a.starts.tolist() == b.starts.tolist()
    assert a.ends.tolist() == b.ends.tolist()
    assert (a.script, a.conversion) == (b.script, b.conversion)
    assert (a.warnings, a.placeholders, a.removed) == (b.warnings, b.placeholders, b.removed)


# -- `requires` prefilters ---------------------------------------------------


def test_some_rules_are_prefiltered() -> None:
    assert {rule.name for _, rule in PREFILTERED} >= {"pinyin_gloss", "copyright", "year"}


@pytest.fixture(scope="module")
def scanned(normalizer: Normalizer) -> list[str]:
    """Texts to scan with each rule: the corpora as read and as normalised."""
    return [*TEXTS, *(normalizer(t).text for t in TEXTS)]


@pytest.mark.parametrize(("table", "rule"), PREFILTERED, ids=[r.name for _, r in PREFILTERED])
def test_every_match_holds_a_required_literal(table: str, rule: Any, scanned: list[str]) -> None:
    required = rule.get("requires")
    examples = [*rule.must_match, "COPYRIGHT 2020", "CopyRight", "版权所有"]
    for text in [*examples, *scanned]:
        for m in rule.pattern.finditer(text):
            assert any(literal in m.group() for literal in required), (rule.name, m.group())
    for example in rule.must_match:
        assert any(literal in example for literal in required), (rule.name, example)


def test_prefilters_change_nothing(tmp_path: Path) -> None:
    plain = Normalizer(rules=_without(r"(?m)^requires = .*\n", tmp_path))
    assert all(r.get("requires") is None for r in plain.boilerplate_rules)
    fast = Normalizer()
    examples = [
        f"工会工作计划\n{example}\n一、加强组织建设。"
        for _, rule in PREFILTERED
        for example in rule.must_match
    ]
    for text in [*TEXTS, *examples, "COPYRIGHT © 2021 某网\n一、加强学习", "工會(huì)计划"]:
        _same(fast(text), plain(text))


def test_upper_case_copyright_is_still_removed() -> None:
    result = Normalizer()("一、加强学习。\nCOPYRIGHT 2021 某某范文网\n二、关爱职工。")
    assert "COPYRIGHT" not in result.text
    assert [r.rule for r in result.removed] == ["copyright"]


# -- OpenCC t2s is not run on text it would leave unchanged -------------------


def _reference_script(normalizer: Normalizer, text: str) -> str:
    """Script detection as it was before the shortcut: both conversions, always."""
    sample = text[:200_000]
    if not regex.search(r"\p{Han}", sample):
        return "unknown"
    to_simp = normalizer._converter("t2s").convert(sample)
    to_trad = normalizer._converter("s2t").convert(sample)
    trad = sum(a != b for a, b in zip(sample, to_simp, strict=False))
    simp = sum(a != b for a, b in zip(sample, to_trad, strict=False))
    if trad + simp == 0:
        return "simplified"
    share = trad / (trad + simp)
    return "traditional" if share >= 0.9 else "simplified" if share <= 0.1 else "mixed"


def _t2s_dictionaries() -> list[tuple[str, list[str]]]:
    """Every entry of the dictionaries OpenCC t2s uses, dumped with the bundled opencc_dict."""
    opencc = pytest.importorskip("opencc")
    clib = Path(opencc.__file__).parent / "clib"
    share, tool = clib / "share" / "opencc", clib / "bin" / "opencc_dict"
    if not (share / "t2s.json").exists() or shutil.which(str(tool)) is None:
        pytest.skip("OpenCC's dictionaries or opencc_dict are not installed")
    config = json.loads((share / "t2s.json").read_text(encoding="utf-8"))

    def files(node: Any) -> list[str]:
        if isinstance(node, dict):
            own = [node["file"]] if node.get("type") == "ocd2" else []
            return own + [f for value in node.values() for f in files(value)]
        if isinstance(node, list):
            return [f for item in node for f in files(item)]
        return []

    entries: list[tuple[str, list[str]]] = []
    for name in sorted(set(files(config))):
        out = subprocess.run(
            [str(tool), "-i", str(share / name), "-o", "/dev/stdout", "-f", "ocd2", "-t", "text"],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
        for line in out.splitlines():
            key, values = line.split("\t")
            entries.append((key, values.split(" ")))
    assert len(entries) > 5000
    return entries


def test_every_t2s_dictionary_change_is_seen() -> None:
    normalizer = Normalizer()
    for key, values in _t2s_dictionaries():
        codes = np.array([ord(ch) for ch in key], dtype=np.uint32)
        if values[0] != key:  # OpenCC writes the first value
            assert normalizer._t2s_may_change(key, codes), key
        elif not normalizer._t2s_may_change(key, codes):
            assert normalizer._converter("t2s").convert(key) == key


def _phrases(normalizer: Normalizer) -> list[str]:
    shortcut = normalizer._t2s_shortcut
    assert shortcut is not None
    return [phrase for group in shortcut[1].values() for phrase, _ in group]


def test_phrase_only_changes_are_detected() -> None:
    normalizer = Normalizer()
    phrases = _phrases(normalizer)
    assert "打坏" in phrases and "反覆" in phrases
    for phrase in phrases:
        for text in (f"今年我们要{phrase}，全面覆盖基层工会。", phrase, f"沈阳覆盖{phrase}"):
            assert normalizer(text).script == _reference_script(normalizer, text), text
    # t2s reads 打坏 as traditional for 打坯: the text counts as mixed and is converted
    assert normalizer("打坏").script == "mixed"
    assert normalizer("打坏").text == "打坯"
    assert normalizer("全面覆盖，打破坏习惯").script == "simplified"


def test_script_detection_matches_running_opencc_always(tmp_path: Path) -> None:
    always = Normalizer(rules=_without(r"(?ms)^# -+\n# Script detection.*", tmp_path))
    assert always._t2s_shortcut is None
    fast = Normalizer()
    phrases = _phrases(fast)
    rng = random.Random(5)
    pieces = [*phrases, "計劃", "覆盖", "坏", "沈阳", "了解", "明了", "工會", "乾縣"]
    texts = list(TEXTS)
    for _ in range(200):
        base = rng.choice(TEXTS)
        at = rng.randrange(len(base))
        texts.append(base[at : at + 200] + rng.choice(pieces) + base[at + 200 : at + 300])
    for text in texts:
        _same(fast(text), always(text))
        assert fast(text).script == _reference_script(fast, text)


# -- vectorised steps ----------------------------------------------------------


def test_character_step_matches_the_regex_and_translate_it_replaces() -> None:
    delete = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\r\u00ad\u200b-\u200d\u2060\ufeff]")
    table = str.maketrans(
        {
            0x00A0: " ",
            0x3000: " ",
            **{cp: " " for cp in range(0x2002, 0x200B)},
            **{cp: chr(cp - 0xFEE0) for cp in (*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B))},
            **{cp: chr(cp - 0xFEE0) for cp in range(0xFF41, 0xFF5B)},
        }
    )
    every = "".join(chr(cp) for cp in range(0x10000) if not 0xD800 <= cp < 0xE000)
    for text in [every, every + "\U00020000\U0001f600\r\n", "工会", "\u3000ＡＢ\u200b３"]:
        result, starts, ends, surrogates = _canonical_chars(text)
        assert not len(surrogates)
        kept = [i for i, ch in enumerate(text) if not delete.match(ch)]
        assert result == delete.sub("", text).translate(table)
        assert starts.tolist() == kept
        assert ends.tolist() == [i + 1 for i in kept]


def test_many_deletions_apply_like_one_by_one() -> None:
    rng = random.Random(3)
    text = "工会工作计划一、加强组织建设" * 20
    starts = np.arange(len(text), dtype=np.int64) * 2
    ends = starts + 1
    for _ in range(200):
        edits = sorted(
            (s, min(len(text), s + rng.randint(0, 4)), "")
            for s in (rng.randrange(len(text) + 1) for _ in range(rng.randint(1, 60)))
        )
        fast = _delete(text, starts, ends, edits)
        # one by one: edits with a replacement take the piecewise path
        marked = [(s, e, "\x00") for s, e, _ in edits]
        slow_text, slow_starts, slow_ends = _apply_edits(text, starts, ends, marked)
        keep = [i for i, ch in enumerate(slow_text) if ch != "\x00"]
        assert fast[0] == "".join(slow_text[i] for i in keep)
        assert fast[1].tolist() == [slow_starts[i] for i in keep]
        assert fast[2].tolist() == [slow_ends[i] for i in keep]
        assert _apply_edits(text, starts, ends, edits)[0] == fast[0]


def test_signal_table_agrees_with_the_patterns() -> None:
    profile = CharProfile()
    # every code point at its own offset (lone surrogates, which cannot be encoded, as spaces)
    every = "".join(" " if 0xD800 <= cp < 0xE000 else chr(cp) for cp in range(0x110000))
    odd, rare = profile.signal_positions(every)
    assert odd == [m.start() for m in profile.odd_char.finditer(every)]
    common = profile.common
    assert rare == [
        cp for lo, hi in _HAN_BLOCKS for cp in range(lo, hi + 1) if chr(cp) not in common
    ]


def test_matched_runs_are_the_matches_one_by_one() -> None:
    # the likeness table marks what its pattern matches, read off runs of matches
    every = _every_code_point()
    for pattern in (_UNLIKE, CharProfile().odd_char, regex.compile("[会a-c]")):
        mask = _matched(pattern, every)
        assert np.flatnonzero(mask).tolist() == [m.start() for m in pattern.finditer(every)]
    assert _matched(_UNLIKE, "工会ア?").tolist() == [True, True, True, False]


def _likeness_one_by_one(profile: CharProfile, text: str) -> float:
    """The definition of :meth:`CharProfile.likeness`, a character at a time."""
    good = bad = 0
    for ch in text:
        if ch in profile.common:
            good += 1
        elif ch.isascii():
            good += ch.isalpha()
            bad += ch == "?"
        elif regex.match(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Bopomofo}]", ch) or regex.match(
            r"[\p{So}\p{Co}\p{Cn}\uFFFD]", ch
        ):
            bad += 1
    return good / (good + bad) if good + bad else 0.0


def test_likeness_table_agrees_with_the_definition() -> None:
    profile = CharProfile()
    rng = random.Random(16)
    # ASCII and symbols, CJK and kana, Han beyond the BMP, private use and unassigned planes
    pools = [(0x20, 0x3000), (0x3000, 0xA000), (0x20000, 0x32000), (0xE000, 0x110000)]
    texts = ["工会工作计划", "?;⑿ブ", "\U000e0001\U000f0000\U00100000工", "abc?", ""]
    for _ in range(300):
        texts.append(
            "".join(chr(rng.randrange(*rng.choice(pools))) for _ in range(rng.randint(1, 60)))
        )
    for text in texts:
        assert profile.likeness(text) == pytest.approx(_likeness_one_by_one(profile, text))


# -- rules tried at the starts of lines ----------------------------------------


def test_line_start_rules_match_at_line_starts_alike() -> None:
    # `line_start = true`: the rule is tried where lines start only, with the same matches
    rules = [
        rule
        for rule in load_rules(RULES, "boilerplate", flags=regex.MULTILINE)
        if rule.get("line_start")
    ]
    assert {rule.name for rule in rules} >= {"site_footer", "breadcrumb", "publication_stamp"}
    for rule in rules:
        assert _line_anchored(rule.pattern), rule.name
        examples = ["\n".join(rule.must_match), "\n\n".join([*rule.must_not_match, "x"])]
        for text in [*TEXTS, *examples, *rule.must_match]:
            expected = [(m.span(), m.groups()) for m in rule.pattern.finditer(text)]
            found = [(m.span(), m.groups()) for m in _at_line_starts(rule.pattern, text, None)]
            assert found == expected, rule.name


@pytest.mark.parametrize(
    ("source", "flags", "anchored"),
    [
        (r"^a|b", regex.MULTILINE, False),  # b may start anywhere
        (r"(?m)^(?:a|b)", 0, True),
        (r"(?m)^a|b", 0, False),
        (r"^[]|]a", regex.MULTILINE, True),  # (a set's members)
        (r"^[^]|]a|b", regex.MULTILINE, False),
        (r"^\|a", regex.MULTILINE, True),
        (r"^a", 0, False),  # ^ holds at the start of the text only
        (r"(?w)(?m)^a", 0, False),  # lines end at other breaks too
        (r"x^a", regex.MULTILINE, False),
    ],
)
def test_line_anchored(source: str, flags: int, anchored: bool) -> None:
    assert _line_anchored(regex.compile(source, flags)) is anchored


def test_line_starts_give_the_matches_of_a_scan() -> None:
    # empty matches and matches running over lines, as finditer gives them
    for source in (r"(?m)^\s*x?", r"(?m)^a\n?", r"(?m)^(?:a|$)"):
        pattern = regex.compile(source)
        for text in ("", "a\n\na\nxa\n", "\n\n x\na", "aa\na"):
            expected = [m.span() for m in pattern.finditer(text)]
            assert [m.span() for m in _at_line_starts(pattern, text, None)] == expected
