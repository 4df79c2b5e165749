"""Step 8 of normalisation: placeholders (``20__年``, ``**区``, ``***``) found and flagged.

A template left unfilled is reported, not removed: each match of the
``[[placeholder]]`` rules becomes a :class:`~unionnlp.model.Placeholder` with
its span in the original and its kind; overlapping matches keep the first
rule's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import Placeholder
from .text import RuleStep, _map, _scan

if TYPE_CHECKING:
    from .text import IntArray

__all__ = ["PlaceholderFinder"]


class PlaceholderFinder(RuleStep):
    """Finds the placeholders of a normalised text (step 8)."""

    table = "placeholder"

    def __call__(
        self, text: str, starts: IntArray, ends: IntArray, n_orig: int, budget: float
    ) -> list[Placeholder]:
        """The placeholders of ``text`` (map ``starts``/``ends``), in order of their spans."""
        found: list[Placeholder] = []
        taken: list[tuple[int, int]] = []
        for rule in self.rules:
            if not rule.may_match(text):
                continue
            for m in _scan(rule.pattern, text, budget, "placeholders"):
                if any(s < m.end() and m.start() < e for s, e in taken):
                    continue
                taken.append((m.start(), m.end()))
                found.append(
                    Placeholder(
                        m.group(),
                        _map(starts, ends, m.start(), m.end(), n_orig),
                        str(rule.get("kind", rule.name)),
                    )
                )
        found.sort(key=lambda p: p.span.start)
        return found
