"""The :class:`Normalizer`: the steps of normalisation in their order, one offset map through them.

Each step lives in its own module of :mod:`unionnlp.normalize` and carries
the offset map (``starts``/``ends``) along; the normaliser holds the steps
(built on first use, so rules and OpenCC load lazily) and runs them in order.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .._chars import CharProfile
from ..errors import EmptyInputError, InputError, InputTypeError, scan_budget
from ..model import Notice
from ..resources import Rule
from .boilerplate import BoilerplateFinder
from .characters import clean_characters
from .corruption import CorruptionRepairer
from .glosses import GlossRemover
from .marks import full_width_punctuation, remove_markdown
from .placeholders import PlaceholderFinder
from .script import CONVERSIONS, ScriptConverter
from .text import NormalizedText, Removal, _apply_edits, _map

if TYPE_CHECKING:
    from .text import BoolArray, CodeArray

__all__ = ["Normalizer"]


class Normalizer:
    """Turn raw plan text into canonical text with an offset map (a pipeline stage).

    Args:
        convert: ``"auto"`` (OpenCC ``t2s`` when the text is traditional or
            mixed, nothing when it is simplified), one of :data:`CONVERSIONS`,
            or ``None`` to keep the script.
        protected_terms: words OpenCC must leave as they are (place names);
            defaults to ``data/protected_terms.txt``.
        repair: repair corrupted runs where a lossless repair exists.
        rules: path of a rules file replacing ``data/normalize.toml``.

    Building a normaliser stores the arguments; the steps, with their rules,
    OpenCC and character sets, are built on first use and stay on the instance.

    Raises:
        InputError: for an unknown ``convert`` value.
    """

    def __init__(
        self,
        *,
        convert: str | None = "auto",
        protected_terms: Sequence[str] | None = None,
        repair: bool = True,
        rules: str | Path | None = None,
    ) -> None:
        if convert is not None and convert != "auto" and convert not in CONVERSIONS:
            raise InputError(
                f"convert={convert!r} is not an OpenCC conversion unionnlp offers;"
                f" use 'auto', None or one of {', '.join(CONVERSIONS)}"
            )
        self.convert = convert
        self.protected_terms = tuple(protected_terms) if protected_terms is not None else None
        self.repair = repair
        self.rules = rules

    # -- the steps, built on first use -----------------------------------------
    @cached_property
    def _rules_path(self) -> str | Path:
        return self.rules if self.rules is not None else "normalize.toml"

    @cached_property
    def chars(self) -> CharProfile:
        return CharProfile()

    @cached_property
    def glosses(self) -> GlossRemover:
        return GlossRemover(self._rules_path)

    @cached_property
    def corruption(self) -> CorruptionRepairer:
        return CorruptionRepairer(self.chars, repair=self.repair)

    @cached_property
    def script(self) -> ScriptConverter:
        return ScriptConverter(
            convert=self.convert,
            protected_terms=self.protected_terms,
            rules_path=self._rules_path,
            chars=self.chars,
        )

    @cached_property
    def boilerplate(self) -> BoilerplateFinder:
        return BoilerplateFinder(self._rules_path)

    @cached_property
    def placeholders(self) -> PlaceholderFinder:
        return PlaceholderFinder(self._rules_path)

    # -- what the steps load, by its former names ------------------------------
    @property
    def gloss_rules(self) -> list[Rule]:
        return self.glosses.rules

    @property
    def boilerplate_rules(self) -> list[Rule]:
        return self.boilerplate.rules

    @property
    def placeholder_rules(self) -> list[Rule]:
        return self.placeholders.rules

    @property
    def _t2s_shortcut(self) -> tuple[BoolArray, dict[str, tuple[tuple[str, int], ...]]] | None:
        return self.script._t2s_shortcut

    def _t2s_may_change(self, sample: str, codes: CodeArray) -> bool:
        return self.script._t2s_may_change(sample, codes)

    def _converter(self, config: str) -> Any:
        return self.script._converter(config)

    # -- entry point ------------------------------------------------------------
    def __call__(self, text: str) -> NormalizedText:
        """Normalise ``text``; see :mod:`unionnlp.normalize` for the steps.

        Raises:
            InputTypeError: ``text`` is not a ``str`` (bytes must be decoded first).
            EmptyInputError: ``text`` holds nothing but white space.
            ProcessingTimeout: a scan ran out of its time budget.
        """
        if not isinstance(text, str):
            raise InputTypeError.expected_text(text, where="normalize()")
        if not text.strip():
            raise EmptyInputError.for_text(where="normalize()")
        budget = scan_budget(len(text))
        original = text
        # 1. characters
        text, starts, ends, warnings = clean_characters(text)
        # 2. pinyin glosses
        text, starts, ends = self.glosses(text, starts, ends, budget)
        # 3. corrupted runs
        text, starts, ends, notices = self.corruption(text, starts, ends, budget)
        warnings.extend(notices)
        # 4. script and conversion
        text, starts, ends, script, config = self.script(text, starts, ends, budget)
        # 5. boilerplate
        edits, removals = self.boilerplate(text, budget)
        removed = [
            Removal(rule_name, _map(starts, ends, s, e, len(original)))
            for rule_name, s, e in removals
        ]
        text, starts, ends = _apply_edits(text, starts, ends, edits)
        # 6. Markdown marks
        text, starts, ends = remove_markdown(text, starts, ends, budget)
        # 7. punctuation between Han characters (one for one: the map is unchanged)
        text = full_width_punctuation(text, budget)
        # 8. placeholders
        placeholders = self.placeholders(text, starts, ends, len(original), budget)

        if not text.strip():
            warnings.append(
                Notice("empty-after-normalisation", "nothing but boilerplate was found")
            )
        return NormalizedText(
            original=original,
            text=text,
            starts=starts,
            ends=ends,
            script=script,
            conversion=config,
            warnings=tuple(warnings),
            placeholders=tuple(placeholders),
            removed=tuple(removed),
        )
