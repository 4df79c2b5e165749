"""Step 2 of normalisation: pinyin glosses removed wherever they stand (``工會(huì)`` -> ``工會``).

The patterns are the ``[[gloss]]`` rules of ``data/normalize.toml`` (or a
user's rules file of the same shape).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .text import RuleStep, _apply_edits, _scan

if TYPE_CHECKING:
    from .text import IntArray

__all__ = ["GlossRemover"]


class GlossRemover(RuleStep):
    """Removes the matches of the gloss rules, carrying the offset map."""

    table = "gloss"

    def __call__(
        self, text: str, starts: IntArray, ends: IntArray, budget: float
    ) -> tuple[str, IntArray, IntArray]:
        edits = [
            (m.start(), m.end(), "")
            for rule in self.rules
            if rule.may_match(text)
            for m in _scan(rule.pattern, text, budget, "gloss removal")
        ]
        return _apply_edits(text, starts, ends, sorted(edits))
