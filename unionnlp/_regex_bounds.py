"""Whether a pattern's tries are bounded: no repetition without an upper count.

A pattern with no ``*``, no ``+`` and no ``{m,}`` anywhere (lookarounds
included) reads at most a fixed number of characters on each try, whatever
the text: scanning a text with it costs time in proportion to the text, and
no input can make it run away. :func:`unionnlp.errors.regex_timeout` lets
such patterns scan texts of ordinary size without ``regex``'s time budget,
whose clock reads cost a system call each, every few hundred steps of a search.

The check reads the pattern's source, which is far cheaper than parsing it
again (a third of a second for the shipped patterns, against a first
``parse`` of half a second). Whatever it cannot read with certainty counts as
unbounded: that costs a clock read, never safety. The tests hold it to
``regex``'s own parser on every shipped pattern.
"""

from __future__ import annotations

import importlib
import itertools
import pkgutil
import random
import sys
from collections.abc import Callable
from typing import Any

import regex

__all__ = ["bounded", "bounded_source", "hostile_inputs", "shipped_patterns"]

# A counted repeat: {m}, {m,n}, {,n}, or {m,} and {,} (no upper count).
_COUNT = regex.compile(r"\{(\d*)(,(\d*))?\}")
# Group openers that recurse into a group or the whole pattern:
# (?R) (?1) (?-1) (?+1) (?&name) (?P>name)
_RECURSION = regex.compile(r"\(\?(?:R|[-+]?\d|&|P>)")
# Escapes followed by a braced or angled argument: \p{Han} \N{…} \x{…} \L<list> \g<name>
_BRACED = frozenset("pPNx")

#: verdicts by pattern; emptied when it holds :data:`_CACHE_SIZE` (a caller compiling
#: patterns without end must not keep them all alive)
_CACHE: dict[regex.Pattern[str], bool] = {}
_CACHE_SIZE = 4096


def bounded(pattern: regex.Pattern[str]) -> bool:
    """Whether every try of ``pattern`` reads at most a fixed number of characters."""
    known = _CACHE.get(pattern)
    if known is None:
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.clear()
        known = _CACHE[pattern] = bounded_source(pattern.pattern, pattern.flags)
    return known


def bounded_source(source: str, flags: int = 0) -> bool:
    """:func:`bounded` for a pattern's ``source`` and ``flags``.

    ``False`` for any repetition without an upper count, recursion, fuzzy
    matching, verbose patterns (whose comments could hide anything) and
    whatever else the reader is not sure of.
    """
    if flags & regex.VERBOSE or "(?x" in source or _RECURSION.search(source):
        return False
    n = len(source)
    i = 0
    after_atom = False  # the last token can take a quantifier
    after_quantifier = False  # the last token was a quantifier (a ``+`` now makes it possessive)
    while i < n:
        ch = source[i]
        if ch == "\\":
            if i + 1 >= n:
                return False
            nxt = source[i + 1]
            if nxt in _BRACED and i + 2 < n and source[i + 2] == "{":
                close = source.find("}", i + 3)
                if close < 0:
                    return False
                i = close + 1
            elif nxt in "Lg" and i + 2 < n and source[i + 2] == "<":
                close = source.find(">", i + 3)
                if close < 0:
                    return False
                i = close + 1
            else:
                i += 2
            after_atom, after_quantifier = True, False
        elif ch == "[":
            end = _class_end(source, i, bool(flags & regex.VERSION1) or "(?V1" in source)
            if end < 0:
                return False
            i = end
            after_atom, after_quantifier = True, False
        elif ch == "(":
            if source.startswith("(?#", i):
                close = source.find(")", i)
                if close < 0:
                    return False
                i = close + 1
                continue
            if source.startswith("(*", i):
                return False  # a verb: not worth reading
            i += 2 if source.startswith("(?", i) else 1
            after_atom = after_quantifier = False
        elif ch == "|":
            i += 1
            after_atom = after_quantifier = False
        elif ch == "*":
            return False
        elif ch == "+":
            if not after_quantifier:
                return False  # one or more: unbounded
            i += 1  # possessive
            after_atom = after_quantifier = False
        elif ch == "?":
            i += 1
            if after_atom:
                after_atom, after_quantifier = False, True
            else:
                after_quantifier = False  # lazy or possessive marker, or a group's ``?``
        elif ch == "{":
            m = _COUNT.match(source, i)
            if m is None:
                return False  # a literal brace or a fuzzy constraint: not sure
            if m.group(2) and not m.group(3):
                return False  # {m,}: no upper count
            i = m.end()
            after_atom, after_quantifier = False, True
        else:
            i += 1
            after_atom, after_quantifier = True, False
    return True


def _class_end(source: str, start: int, nested: bool) -> int:
    """The index after the set that opens at ``source[start]`` (``[``), or -1.

    ``nested``: version 1 sets, where ``[`` opens a nested set.
    """
    n = len(source)
    i = start + 1
    if i < n and source[i] == "^":
        i += 1
    if i < n and source[i] == "]":
        i += 1  # a leading ] is a member
    depth = 1
    while i < n:
        ch = source[i]
        if ch == "\\":
            if i + 2 < n and source[i + 1] in _BRACED and source[i + 2] == "{":
                close = source.find("}", i + 3)
                if close < 0:
                    return -1
                i = close + 1
            else:
                i += 2
            continue
        if ch == "[":
            if source.startswith("[:", i):
                close = source.find(":]", i + 2)
                if close >= 0:
                    i = close + 2
                    continue
            if nested:
                depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return -1


def shipped_patterns() -> list[regex.Pattern[str]]:
    """Every compiled pattern reachable from unionnlp's modules and a warmed default
    pipeline (its data files' rules included), for the tests and the audit."""
    import unionnlp
    from unionnlp.pipeline import Pipeline

    for info in pkgutil.walk_packages(unionnlp.__path__, "unionnlp."):
        if info.name.endswith(("__main__", "_uno_bridge")):
            continue
        importlib.import_module(info.name)
    found: dict[tuple[str, int], regex.Pattern[str]] = {}
    seen: set[int] = set()
    roots: list[Any] = [Pipeline.default().warm()]
    roots += [vars(m) for name, m in sys.modules.items() if name.startswith("unionnlp")]
    stack = [(root, 0) for root in roots]
    while stack:
        obj, depth = stack.pop()
        if depth > 10 or id(obj) in seen:
            continue
        seen.add(id(obj))
        if isinstance(obj, regex.Pattern):
            found[(obj.pattern, obj.flags)] = obj
            continue
        if isinstance(obj, dict):
            children = list(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            children = list(obj)
        elif getattr(type(obj), "__module__", "").startswith("unionnlp") or (
            isinstance(obj, type) and obj.__module__.startswith("unionnlp")
        ):
            children = list(getattr(obj, "__dict__", {}).values())
            children += [getattr(obj, s, None) for s in getattr(type(obj), "__slots__", ())]
        else:
            continue
        stack.extend((child, depth + 1) for child in children)
    return list(found.values())


_BASE = list("工会组织开展1２二、，。；：（）() \n\t-.a年月日前")
_WORD = regex.compile(r"\p{Han}{2,6}")


def _alphabet(source: str) -> list[str]:
    """The pattern's own characters that could be text, and a few of every plan's."""
    own = {ch for ch in source if not ch.isascii() or ch in "()-.,;:、 "}
    return sorted(own | set(_BASE))


def hostile_inputs(source: str, longest: int) -> list[Callable[[int], str]]:
    """Makers of inputs of a given length (up to ``longest``) that make backtracking
    patterns slow, for the pattern ``source``: one of its characters, a pair or a word
    of its own repeated, random strings of its characters (``benchmarks/regex_audit.py``
    and the tests)."""
    alphabet = _alphabet(source)
    makers = [_repeat(a) for a in alphabet]
    pairs = itertools.islice(itertools.combinations(alphabet, 2), 0, 4000, 7)
    makers += [_repeat(a + b) for a, b in pairs]
    for word in sorted(set(_WORD.findall(source)))[:40]:
        makers += [_repeat(word + sep) for sep in ("，", "、", " ", "工", "", "\n")]
    for seed in range(30):
        rnd = random.Random(seed)
        makers.append(_prefix("".join(rnd.choice(alphabet) for _ in range(longest))))
    return makers


def _repeat(unit: str) -> Callable[[int], str]:
    """``unit`` repeated to ``n`` characters."""

    def make(n: int) -> str:
        return (unit * (n // len(unit) + 1))[:n]

    return make


def _prefix(text: str) -> Callable[[int], str]:
    """The first ``n`` characters of ``text``."""

    def make(n: int) -> str:
        return text[:n]

    return make
