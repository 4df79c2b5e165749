"""Step 4 of normalisation: the script detected and converted with OpenCC.

``t2s`` by default when the text is traditional or mixed; ``tw2s``,
``hk2s``, ``s2t`` and the others of :data:`CONVERSIONS` selectable; protected
terms (place names, ``data/protected_terms.txt``) left as they are. Where a
phrase conversion changes the length, only the clause it changed gets a
coarse (whole-clause) offset mapping.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import regex

from .._chars import CharProfile
from ..errors import DataFileError
from ..model import Script
from ..resources import load_toml, load_wordlist
from .text import Edit, _apply_edits, _code_points, _scan

if TYPE_CHECKING:
    from .text import BoolArray, CodeArray, IntArray

__all__ = ["CONVERSIONS", "ScriptConverter", "opencc_converter"]


@cache
def opencc_converter(config: str) -> Any:
    """The OpenCC converter of ``config`` (``t2s``, ``s2t``…), built once, on first use."""
    import opencc

    return opencc.OpenCC(config)


#: OpenCC configurations a caller may select.
CONVERSIONS = ("t2s", "tw2s", "hk2s", "s2t", "t2tw", "s2tw")

# Clauses of a stretch whose conversion changed its length (converted one by one).
_CLAUSE = regex.compile(r"[^，。、；：！？,.;:!?\s]+|[，。、；：！？,.;:!?\s]+")
_HAN = regex.compile(r"\p{Han}")
_TRADITIONAL_SAMPLE = 200_000


class ScriptConverter:
    """Detects the script of a text and converts it with OpenCC (step 4).

    Args:
        convert: ``"auto"``, one of :data:`CONVERSIONS` or ``None`` (as
            :class:`~unionnlp.normalize.Normalizer` takes it; checked there).
        protected_terms: words OpenCC must leave as they are; ``None`` for
            ``data/protected_terms.txt``.
        rules_path: the rules file, whose ``[opencc.t2s_phrases]`` table tells
            when t2s would leave a text as it is.
        chars: the character profile (the characters t2s changes on their own).

    OpenCC converters load on first use and stay on the instance.
    """

    def __init__(
        self,
        *,
        convert: str | None,
        protected_terms: Sequence[str] | None,
        rules_path: str | Path,
        chars: CharProfile,
    ) -> None:
        self.convert = convert
        self.protected_terms = protected_terms
        self.rules_path = rules_path
        self.chars = chars

    def __call__(
        self, text: str, starts: IntArray, ends: IntArray, budget: float
    ) -> tuple[str, IntArray, IntArray, Script, str | None]:
        """Step 4 on ``text``: the text, its map, the script detected and the conversion made."""
        script, done = self._detect_script(text)
        config = self._choose_conversion(script)
        if config is not None:
            text, starts, ends = self._convert(
                text, starts, ends, config, done if config == "t2s" else {}, budget
            )
        return text, starts, ends, script, config

    @cached_property
    def _protected(self) -> regex.Pattern[str] | None:
        terms = (
            self.protected_terms
            if self.protected_terms is not None
            else load_wordlist("protected_terms.txt")
        )
        if not terms:
            return None
        alternation = "|".join(regex.escape(t) for t in sorted(terms, key=len, reverse=True))
        return regex.compile(alternation)

    @cached_property
    def _t2s_shortcut(self) -> tuple[BoolArray, dict[str, tuple[tuple[str, int], ...]]] | None:
        """What tells that OpenCC t2s would leave a text as it is (see :meth:`_t2s_may_change`).

        The characters t2s changes on their own (indexed by code point, the
        last entry standing for all beyond) and the ``[opencc.t2s_phrases]``
        table of the rules file, each phrase with the offset of its key
        character; ``None`` when the file has no such table.
        """
        table = load_toml(self.rules_path).get("opencc")
        if table is None:
            return None
        phrases = table.get("t2s_phrases") if isinstance(table, dict) else None
        if not isinstance(phrases, dict) or not all(
            len(ch) == 1
            and isinstance(group, list)
            and all(isinstance(p, str) and ch in p for p in group)
            for ch, group in phrases.items()
        ):
            raise DataFileError(
                self.rules_path,
                "[opencc.t2s_phrases] must map characters to lists of phrases holding them",
            )
        return self.chars.t2s_changes, {
            ch: tuple((phrase, phrase.index(ch)) for phrase in group)
            for ch, group in phrases.items()
        }

    def _t2s_may_change(self, sample: str, codes: CodeArray) -> bool:
        """False when OpenCC t2s would return ``sample`` (code points ``codes``) unchanged.

        t2s changes a text only where it holds a character t2s changes on its
        own, or a phrase in which it changes a character it leaves alone on
        its own; without the table of such phrases every text may change.
        """
        shortcut = self._t2s_shortcut
        if shortcut is None:
            return True
        changes, phrases = shortcut
        if changes.take(codes, mode="clip").any():
            return True
        for ch, group in phrases.items():  # each phrase read around each of its key characters
            at = sample.find(ch)
            while at >= 0:
                if any(at >= k and sample.startswith(phrase, at - k) for phrase, k in group):
                    return True
                at = sample.find(ch, at + 1)
        return False

    def _converter(self, config: str) -> Any:
        return opencc_converter(config)

    def _detect_script(self, text: str) -> tuple[Script, dict[str, str]]:
        """The script of the text's first part, and the t2s conversions made on the way.

        The share of characters t2s changes among those t2s or s2t change
        decides; when t2s changes none the text is simplified whatever s2t
        does, so s2t is not run, and neither is t2s when it would change
        nothing (:meth:`_t2s_may_change`).
        """
        import numpy as np

        sample = text[:_TRADITIONAL_SAMPLE]
        if not _HAN.search(sample):
            return "unknown", {}
        codes = _code_points(sample)
        if not self._t2s_may_change(sample, codes):
            return "simplified", {}
        to_simp = self._converter("t2s").convert(sample)
        done = {sample: to_simp}

        def changed(other: str) -> int:
            if len(other) != len(sample):
                return sum(a != b for a, b in zip(sample, other, strict=False))
            return int(np.count_nonzero(codes != _code_points(other)))

        trad = changed(to_simp)
        if trad == 0:
            return "simplified", done
        simp = changed(self._converter("s2t").convert(sample))
        share = trad / (trad + simp)
        if share >= 0.9:
            return "traditional", done
        if share <= 0.1:
            return "simplified", done
        return "mixed", done

    def _choose_conversion(self, script: Script) -> str | None:
        if self.convert is None:
            return None
        if self.convert == "auto":
            return "t2s" if script in ("traditional", "mixed") else None
        return self.convert

    def _convert(
        self,
        text: str,
        starts: IntArray,
        ends: IntArray,
        config: str,
        done: dict[str, str],
        budget: float,
    ) -> tuple[str, IntArray, IntArray]:
        """Convert ``text`` with OpenCC ``config``, protected terms left as they are.

        ``done`` holds conversions already made with this configuration (input
        to output), reused when a stretch to convert is one of them.
        """
        converter = self._converter(config)
        protected = self._protected
        pieces: list[str] = []
        edits: list[Edit] = []
        pos = 0
        if protected is not None:
            for m in _scan(protected, text, budget, "protected terms"):
                if m.start() > pos:
                    self._convert_stretch(text, pos, m.start(), converter, done, pieces, edits)
                pieces.append(m.group())
                pos = m.end()
        if pos < len(text):
            self._convert_stretch(text, pos, len(text), converter, done, pieces, edits)
        joined = "".join(pieces)
        # Same-length replacements keep positions, so the edits' offsets still hold.
        return _apply_edits(joined, starts, ends, sorted(edits))

    @staticmethod
    def _convert_stretch(
        text: str,
        s: int,
        e: int,
        converter: Any,
        done: dict[str, str],
        pieces: list[str],
        edits: list[Edit],
    ) -> None:
        """Append ``text[s:e]`` converted where the length holds, else clause by clause.

        A clause whose length changed is appended as it was and recorded as an edit.
        """
        stretch = text[s:e]
        converted = done.get(stretch)
        if converted is None:
            converted = converter.convert(stretch)
        if len(converted) == e - s:
            pieces.append(converted)
            return
        # Phrase conversion changed the length somewhere: narrow down to clauses, so only
        # the clause whose length changed gets a coarse (whole-clause) offset mapping.
        for m in _CLAUSE.finditer(text, s, e):
            piece = converter.convert(m.group())
            if len(piece) == m.end() - m.start():
                pieces.append(piece)
            else:
                pieces.append(m.group())
                edits.append((m.start(), m.end(), piece))
