"""Step 5 of normalisation: scraped-site boilerplate removed (``[[boilerplate]]`` rules).

Each rule of ``data/normalize.toml`` (or a user's rules file) removes its
match (``scope = "inline"``), the line holding it (``"line"``, up to
``max_len`` characters) or the sentence around it (``"sentence"``, within
``reach`` characters). Every removal is recorded with its rule, so that the
normalised text can say what it dropped (:class:`~unionnlp.normalize.Removal`).
"""

from __future__ import annotations

from collections.abc import Iterable

import regex

from .text import Edit, RuleStep, _lines_by_first, _scan

__all__ = ["BoilerplateFinder"]

_SENTENCE_END = "。！？!?\n"


class BoilerplateFinder(RuleStep):
    """Finds the stretches the boilerplate rules remove (step 5)."""

    table = "boilerplate"
    flags = regex.MULTILINE

    def __call__(self, text: str, budget: float) -> tuple[list[Edit], list[tuple[str, int, int]]]:
        """The deletions to make (merged) and each removal as ``(rule, start, end)``."""
        ranges: list[tuple[int, int]] = []
        removals: list[tuple[str, int, int]] = []
        seen: set[tuple[str, int, int]] = set()
        line_index: dict[str, list[int]] | None = None
        for rule in self.rules:
            if not rule.may_match(text):
                continue
            scope = rule.get("scope", "inline")
            lines = None
            if rule.get("line_start"):  # (tried at the starts of lines only, read once)
                if line_index is None:
                    line_index = _lines_by_first(text)
                lines = line_index
            for m in _scan(rule.pattern, text, budget, f"boilerplate {rule.name}", lines=lines):
                if scope == "inline":
                    s, e = m.start(), m.end()
                elif scope == "line":
                    s = text.rfind("\n", 0, m.start()) + 1
                    nl = text.find("\n", m.end())
                    e = len(text) if nl < 0 else nl + 1
                    if (e - s) > int(rule.get("max_len", 120)):
                        continue
                else:  # sentence
                    s, e = _sentence_around(text, m.start(), m.end(), int(rule.get("reach", 300)))
                if (rule.name, s, e) not in seen:
                    seen.add((rule.name, s, e))
                    ranges.append((s, e))
                    removals.append((rule.name, s, e))
        merged = _merge(ranges)
        return [(s, e, "") for s, e in merged], removals


def _merge(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(ranges):
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


def _sentence_around(text: str, start: int, end: int, reach: int) -> tuple[int, int]:
    """The sentence holding ``text[start:end]``, or just the match when none is in reach."""
    left = start
    lo = max(0, start - reach)
    while left > lo and text[left - 1] not in _SENTENCE_END:
        left -= 1
    if left == lo and lo > 0:
        left = start
    right = end
    hi = min(len(text), end + reach)
    while right < hi and text[right] not in _SENTENCE_END:
        right += 1
    if right < len(text) and text[right] in _SENTENCE_END:
        right += 1
    elif right == hi and hi < len(text):
        right = end
    return left, right
