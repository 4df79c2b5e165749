"""Step 2 of normalisation: pinyin glosses removed wherever they stand (``工會(huì)`` -> ``工會``).

The patterns are the ``[[gloss]]`` rules of ``data/normalize.toml`` (or a
user's rules file of the same shape).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from ..resources import Rule, load_rules
from .text import _apply_edits, _scan

if TYPE_CHECKING:
    from .text import IntArray

__all__ = ["GlossRemover"]


class GlossRemover:
    """Removes the matches of the gloss rules, carrying the offset map.

    Args:
        rules_path: the rules file (``normalize.toml`` names the shipped one).
    """

    def __init__(self, rules_path: str | Path) -> None:
        self.rules_path = rules_path

    @cached_property
    def rules(self) -> list[Rule]:
        return load_rules(self.rules_path, "gloss")

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
