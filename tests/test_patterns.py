"""The pattern helpers of ``unionnlp._patterns``: what a match's first character can be."""

from __future__ import annotations

import pytest
import regex
from hypothesis import given, settings
from hypothesis import strategies as st

from unionnlp._patterns import first_chars, matches_at
from unionnlp.deadlines import DeadlineExtractor
from unionnlp.readers import read
from unionnlp.resources import data_path, load_rules

from .conftest import CORPORA

TEXTS = [read(p).text for p in sorted(CORPORA.rglob("*.txt"))]


def _shipped_patterns() -> list[regex.Pattern[str]]:
    patterns = [
        rule.pattern
        for table in ("boilerplate", "gloss", "placeholder")
        for rule in load_rules(data_path("normalize.toml"), table, flags=regex.MULTILINE)
    ]
    return patterns + [rule.pattern for rule in DeadlineExtractor().rules]


def _first_of_every_match(pattern: regex.Pattern[str], text: str) -> None:
    first = first_chars(pattern)
    if first is None:
        return
    for m in pattern.finditer(text, overlapped=True):
        assert m.end() > m.start(), pattern.pattern  # (None for patterns matching "")
        assert first.match(text[m.start()]) is not None, (pattern.pattern, m.start())


def test_first_chars_of_the_shipped_rules_hold_on_the_corpora() -> None:
    for pattern in _shipped_patterns():
        for text in TEXTS:
            _first_of_every_match(pattern, text)


@pytest.mark.parametrize(
    ("source", "flags", "first"),
    [
        (r"(?m)^[ \t]*[\-–]x", 0, r"(?:[ \t]|[\-–])"),
        (r"^\s*(?:时间|日期)\s*:", regex.MULTILINE, r"(?:\s|时|日)"),
        (r"(?<=a)(?=b)b+c", 0, r"(?:b)"),
        (r"(?:a?|b)c", 0, r"(?:a|b|c)"),
        (r"a{0,3}b", 0, r"(?:a|b)"),
        (r"a{2,3}?b", 0, r"(?:a)"),
        (r"(?P<n>\p{Han}|\u4e00)x", 0, r"(?:\p{Han}|\u4e00)"),
        (r"\bx", 0, r"(?:x)"),
        (r"[^\]x]y", 0, r"(?:[^\]x])"),
        (r"[^]x]y", 0, None),  # (a ``]`` first in a set: not read)
        (r"x*", 0, None),  # matches the empty string
        (r"(?m)^$", 0, None),
        (r"a|", 0, None),
        (r"(?i)a", 0, None),  # case folding
        (r"(?x) a", 0, None),  # verbose
        (r"(a)\1", 0, None),  # a reference
        (r"(?i:a)b", 0, None),  # scoped flags
        (r"\Xa", 0, None),
        (r"a{,}", 0, None),
    ],
)
def test_first_chars(source: str, flags: int, first: str | None) -> None:
    found = first_chars(regex.compile(source, flags))
    assert (found.pattern if found is not None else None) == first


_PIECES = ["a", "b", "\n", " ", "工", "会", "[ab]", "[^a\n]", r"\s", r"\d", ".", "^", "$", r"\b"]


@st.composite
def _patterns(draw: st.DrawFn, depth: int = 2) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        if depth and draw(st.booleans()):
            inner = "|".join(draw(st.lists(_patterns(depth - 1), min_size=1, max_size=3)))
            kind = draw(st.sampled_from(["(?:", "(", "(?=", "(?!", "(?<=", "(?<!", "(?>"]))
            if kind.startswith("(?<"):
                inner = draw(st.sampled_from(["a", "工", "\n", "[ab]"]))
            part = kind + inner + ")"
        else:
            part = draw(st.sampled_from(_PIECES))
        if part not in ("^", "$", r"\b"):
            part += draw(st.sampled_from(["", "?", "*", "+", "{0,2}", "{1,2}", "*?", "++"]))
        parts.append(part)
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(_patterns(), st.text(alphabet="ab\n 工会1x", max_size=30))
def test_first_chars_hold_for_any_match(source: str, text: str) -> None:
    _first_of_every_match(regex.compile(source, regex.MULTILINE), text)
    _first_of_every_match(regex.compile(source), text)


@settings(max_examples=300, deadline=None)
@given(_patterns(), st.text(alphabet="ab\n 工会1x", max_size=30))
def test_matches_at_every_start_is_a_scan(source: str, text: str) -> None:
    # the starts no match begins with are skipped: the matches of a scan all the same
    pattern = regex.compile(source, regex.MULTILINE)
    expected = [m.span() for m in pattern.finditer(text)]
    found = [m.span() for m in matches_at(pattern, text, range(len(text) + 1), len(text) + 1, None)]
    assert found == expected
