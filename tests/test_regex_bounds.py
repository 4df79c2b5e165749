"""Bounded patterns (no repetition without an upper count) scan without a time budget.

``bounded_source`` reads a pattern's source; a mistake that calls an unbounded
pattern bounded would let it scan without a clock, so it is held here to
hand-made cases and to ``regex``'s own parser on every pattern unionnlp ships.
"""

from __future__ import annotations

from typing import Any

import pytest
import regex

from unionnlp._regex_bounds import bounded, bounded_source, hostile_inputs, shipped_patterns

BOUNDED = [
    r"[一二三]{1,3}、",
    r"\p{Han}{2,8}",
    r"(?:由|请)[^\P{Han}、]{2,8}?(?:牵头|负责)",
    r"x{3}",
    r"x{,4}",
    r"x{2,5}+",  # possessive
    r"a?+b??",
    r"(?:a{1,2}){1,3}",
    r"(?P<n>a)b?(?P=n)",
    r"(?<=[，,])工会(?!\p{Han}{0,2}主席)",
    r"[*+{]",  # quantifier characters inside a set
    r"\*\+\{",  # and escaped
    r"[]*]",  # a leading ] is a member
    r"[^]+]",
    r"[[:alpha:]]{2}",
    r"[[:alpha:]*]",  # the set ends after the POSIX class's own ]
    r"\N{CJK UNIFIED IDEOGRAPH-4E00}{2}",
    r"(?#a comment with * and +)a",
    r"(?i)tags?",
    r"^(?:一|二)、$",
]

UNBOUNDED = [
    r"a*",
    r"a+",
    r"a{2,}",
    r"a{,}",
    r"a*+",  # possessive, still unbounded
    r"a++",
    r"\p{Han}+",
    r"[ab]]*",  # the set ends at the first ], the * repeats the literal ]
    r"(?=a+)b",  # inside a lookahead
    r"(?<=^\s*)x",  # inside a lookbehind
    r"[[:alpha:]]+",
    r"(a)(?1)",  # recursion
    r"(?R)?x",
    r"(?&name)",
    r"(?:abc){e<=1}",  # fuzzy
    r"a{",  # a literal brace: not read with certainty
    r"(*SKIP)a",
]


@pytest.mark.parametrize("source", BOUNDED)
def test_bounded_patterns(source: str) -> None:
    assert bounded_source(source) is True
    assert bounded(regex.compile(source)) is True


@pytest.mark.parametrize("source", UNBOUNDED)
def test_unbounded_patterns(source: str) -> None:
    assert bounded_source(source) is False


def test_the_verdicts_kept_are_bounded_in_number(monkeypatch: pytest.MonkeyPatch) -> None:
    from unionnlp import _regex_bounds

    monkeypatch.setattr(_regex_bounds, "_CACHE", {})
    monkeypatch.setattr(_regex_bounds, "_CACHE_SIZE", 3)
    patterns = [regex.compile(f"工会{i}{{1,2}}") for i in range(7)]
    assert all(bounded(p) for p in patterns)
    assert 0 < len(_regex_bounds._CACHE) <= 3
    assert patterns[-1] in _regex_bounds._CACHE


def test_flags_that_hide_repetition_count_as_unbounded() -> None:
    assert bounded_source("a # * is a comment here", regex.VERBOSE) is False
    assert bounded_source("(?x)a") is False
    assert bounded_source("[a[b]]*", regex.V1) is False  # nested set: the * follows it
    assert bounded_source("[a[b]]{2}", regex.V1) is True
    assert bounded_source("[a[b]*]", regex.V1) is True  # the * is a member of the outer set


# -- the reader against regex's own parser ------------------------------------------


def _parsed(pattern: regex.Pattern[str]) -> Any:
    core = pytest.importorskip("regex._regex_core")
    if not hasattr(core, "_parse_pattern"):
        pytest.skip("this regex version has no _regex_core._parse_pattern to check against")
    flags = pattern.flags
    while True:
        source = core.Source(pattern.pattern)
        info = core.Info(flags, source.char_type, {})
        source.ignore_space = bool(info.flags & regex.VERBOSE)
        try:
            return core._parse_pattern(source, info)
        except core._UnscopedFlagSet:
            flags = info.global_flags


def _unbounded_node(node: Any) -> bool:
    """Whether ``regex``'s parse tree holds a repeat without an upper count."""
    repeats = ("GreedyRepeat", "LazyRepeat", "PossessiveRepeat")
    if type(node).__name__ in repeats and node.max_count is None:
        return True
    children: list[Any] = []
    for attr in ("subpattern", "yes_item", "no_item"):
        if hasattr(node, attr):
            children.append(getattr(node, attr))
    for attr in ("items", "branches"):
        children.extend(getattr(node, attr, ()))
    return any(_unbounded_node(child) for child in children)


def test_the_reader_agrees_with_regex_on_every_shipped_pattern() -> None:
    patterns = shipped_patterns()
    assert len(patterns) > 150  # the data files' rules are among them
    disagree = [
        p.pattern[:80]
        for p in patterns
        if bounded_source(p.pattern, p.flags) != (not _unbounded_node(_parsed(p)))
    ]
    assert not disagree
    # both verdicts occur, so the comparison says something
    verdicts = {bounded(p) for p in patterns}
    assert verdicts == {True, False}


# -- no pattern runs away on a few dozen characters ---------------------------------


def _runs_away(pattern: regex.Pattern[str], length: int = 32) -> bool:
    """Whether some hostile input of ``length`` characters keeps ``pattern`` busy half a
    second: a pattern whose time doubles with each character does, at this length."""
    for make in hostile_inputs(pattern.pattern, length):
        try:
            for _match in pattern.finditer(make(length), timeout=0.5):
                pass
        except TimeoutError:
            return True
    return False


@pytest.mark.parametrize(
    ("source", "runs_away"),
    [
        (r"(a|aa)+b", True),  # two ways to read each run: regex's guards do not help
        (r"(?:工|工工)+会$", True),
        (r"(?:工作|工)*(?:计划|要点)", False),  # one way each
        (r"(?:a+)+b", False),  # nested, but regex's guards keep it polynomial
    ],
)
def test_the_check_finds_patterns_that_backtrack_exponentially(
    source: str, runs_away: bool
) -> None:
    assert _runs_away(regex.compile(source)) is runs_away


def test_no_shipped_pattern_backtracks_exponentially() -> None:
    # Scans of up to UNTIMED_CHARS run without a time budget (errors.regex_timeout):
    # that is safe only while no pattern's time grows exponentially with its input.
    patterns = shipped_patterns()
    assert not [p.pattern[:60] for p in patterns if _runs_away(p)]
