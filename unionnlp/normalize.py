"""Normalisation: canonical text for the later stages, with an offset map back to the source.

The :class:`Normalizer` runs these steps, each recorded in an offset map so
that any span of the normalised text maps back to the characters of the
original it came from:

1. control, zero-width and NUL characters removed; NBSP and U+3000 to spaces;
   full-width digits and Latin letters to ASCII; lone surrogates to U+FFFD;
2. pinyin glosses removed wherever they stand (``工會(huì)`` -> ``工會``);
3. corrupted runs (GBK/UTF-8 mojibake, kana or rare characters inside Chinese,
   ``?`` where bytes were lost) reported with spans, and repaired where a
   lossless repair exists and reads clearly more like Chinese;
4. script detected and converted with OpenCC (``t2s`` by default when the
   text is traditional or mixed; ``tw2s``, ``hk2s``, ``s2t`` selectable;
   protected terms left as they are);
5. scraped-site boilerplate removed (rules in ``data/normalize.toml``);
6. Markdown ``#`` heading and ``**bold**`` marks removed;
7. ASCII ``,:;!?()`` between Han characters made full-width;
8. placeholders (``20__年``, ``**区``, ``***``) found and flagged, not removed.

示例::

    >>> from unionnlp.normalize import Normalizer
    >>> result = Normalizer()("工會(huì)工作計劃")
    >>> result.text
    '工会工作计划'
    >>> result.span(0, 2).slice(result.original)
    '工會'
    >>> result.span(2, 6).slice(result.original)  # the gloss is gone, offsets still hold
    '工作計劃'
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import regex

from ._chars import CharProfile
from .errors import (
    DataFileError,
    EmptyInputError,
    InputError,
    InputTypeError,
    ProcessingTimeout,
    scan_budget,
)
from .model import Notice, Placeholder, Script, Span
from .resources import Rule, load_rules, load_toml, load_wordlist

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    IntArray = npt.NDArray[np.int64]
    CodeArray = npt.NDArray[np.uint32]
    BoolArray = npt.NDArray[np.bool_]

__all__ = ["CONVERSIONS", "NormalizedText", "Normalizer", "Removal"]

logger = logging.getLogger(__name__)

#: OpenCC configurations a caller may select.
CONVERSIONS = ("t2s", "tw2s", "hk2s", "s2t", "t2tw", "s2tw")

# Step 1: control, zero-width and NUL characters deleted; spaces and full-width letters mapped.
_DELETE = (
    *range(0x00, 0x09),
    0x0B,
    0x0C,
    *range(0x0E, 0x20),
    0x7F,
    0x0D,
    0xAD,
    *range(0x200B, 0x200E),
    0x2060,
    0xFEFF,
)
_SPACES = {0x00A0: " ", 0x3000: " ", **{cp: " " for cp in range(0x2002, 0x200B)}}
_WIDTH = {
    **{cp: chr(cp - 0xFEE0) for cp in range(0xFF10, 0xFF1A)},
    **{cp: chr(cp - 0xFEE0) for cp in range(0xFF21, 0xFF3B)},
    **{cp: chr(cp - 0xFEE0) for cp in range(0xFF41, 0xFF5B)},
}
_BMP = 0x10000  # every character step 1 deletes or maps lies below this
_DROP = 0xFFFFFFFF  # step 1 table entry of a deleted character
_SURROGATES = (0xD800, 0xE000)  # code points of lone surrogates, replaced in step 1
_HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？", "(": "（", ")": "）"}
# ASCII punctuation between Han characters (closing quotes and brackets count as Han side).
# Each branch starts with the character it replaces (its left context is a lookbehind
# after it), so the scan only stops at those characters.
_PUNCT_BETWEEN_HAN = regex.compile(
    r"[,:;!](?<=[\p{Han}”’」』》）].)(?=[ \t]?[\p{Han}“‘「『《（])"
    r"|[?](?<=[\p{Han}”’」』》）].)(?=[ \t]*(?:\n|$|[”’」』》]))"
    r"|[(](?=[\p{Han}][^()\n]{0,40}[)])"
    r"|[)](?<=[(（][^()\n]{0,40}[\p{Han}].)"
)
# Clauses of a stretch whose conversion changed its length (converted one by one).
_CLAUSE = regex.compile(r"[^，。、；：！？,.;:!?\s]+|[，。、；：！？,.;:!?\s]+")
_MD_HEADING = regex.compile(r"(?m)^[ \t]*#{1,6}[ \t]*(?=\S)")
_MD_BOLD = regex.compile(r"\*\*(?=[^\s*])([^*\n]{1,120}?)(?<=[^\s*])\*\*")
_SENTENCE_END = "。！？!?\n"
# Mojibake signals that count double: a lost byte, kana, bopomofo, box drawing, U+FFFD.
_STRONG_SIGNAL = regex.compile(r"[?\p{Katakana}\p{Hiragana}\p{Bopomofo}\ufffd\u2500-\u259f]")
_HAN = regex.compile(r"\p{Han}")
_RUN_GAP = 3  # mojibake signals at most this many characters apart make one run
_TRADITIONAL_SAMPLE = 200_000
# Seconds a single regex scan may take: a floor plus an allowance per million characters.


@dataclass(frozen=True, slots=True)
class Removal:
    """A stretch of the original removed as boilerplate, with the rule that removed it."""

    rule: str
    span: Span


@dataclass(frozen=True, eq=False)
class NormalizedText:
    """Normalised text with an offset map into the original.

    ``starts[i]``/``ends[i]`` give the original characters that normalised
    character ``i`` came from; :meth:`span` maps a normalised range back.
    """

    original: str
    text: str
    starts: IntArray = field(repr=False)
    ends: IntArray = field(repr=False)
    script: Script = "unknown"
    conversion: str | None = None
    warnings: tuple[Notice, ...] = ()
    placeholders: tuple[Placeholder, ...] = ()
    removed: tuple[Removal, ...] = ()

    def span(self, start: int, end: int, *, anchor: str = "next") -> Span:
        """Map the normalised range ``[start, end)`` to a span of the original.

        An empty range maps to an empty span at the original position of the
        next character (``anchor="next"``) or right after the previous one
        (``anchor="previous"``); the two differ where removed text lies between.
        """
        n = len(self.text)
        if not (0 <= start <= end <= n):
            raise IndexError(f"range [{start}, {end}) outside normalised text of length {n}")
        if start < end:
            return Span(self.starts.item(start), self.ends.item(end - 1))
        if (anchor == "previous" and start > 0) or start == n:
            pos = self.ends.item(start - 1) if start > 0 else 0
        else:
            pos = self.starts.item(start)
        return Span(pos, pos)

    def norm_range(self, span: Span) -> tuple[int, int]:
        """The normalised range ``[start, end)`` whose characters came from ``span``."""
        import numpy as np

        start = int(np.searchsorted(self.starts, span.start, side="left"))
        end = int(np.searchsorted(self.starts, span.end, side="left"))
        return start, max(start, end)

    def norm_ranges(self, spans: Sequence[Span]) -> list[tuple[int, int]]:
        """``[self.norm_range(span) for span in spans]`` in one numpy call.

        Stages map every measure of a plan at once: a call a measure costs more
        than the work most measures need.
        """
        import numpy as np

        edges = [x for span in spans for x in (span.start, span.end)]
        found: list[int] = np.searchsorted(self.starts, edges, side="left").tolist()
        return [(a, max(a, b)) for a, b in zip(found[::2], found[1::2], strict=True)]

    def original_text(self, start: int, end: int) -> str:
        """The original characters behind the normalised range ``[start, end)``."""
        return self.span(start, end).slice(self.original)


Edit = tuple[int, int, str]


def _full_width(m: regex.Match[str]) -> str:
    """The full-width form of the ASCII punctuation mark ``m`` matched."""
    return _HALF_TO_FULL[m.group()]


def _code_points(text: str) -> CodeArray:
    """The code points of ``text`` (lone surrogates included) as a read-only array."""
    import numpy as np

    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


@functools.cache
def _strong_table() -> npt.NDArray[np.int64]:
    """Indexed by code point below :data:`_BMP`: 1 for the strong mojibake signals, else 0."""
    import numpy as np

    every = np.arange(_BMP, dtype=np.uint32)
    every[_SURROGATES[0] : _SURROGATES[1]] = 0x20
    text = every.tobytes().decode("utf-32-le")
    table = np.zeros(_BMP, dtype=np.int64)
    table[[m.start() for m in _STRONG_SIGNAL.finditer(text)]] = 1
    return table


@functools.cache
def _char_table() -> CodeArray:
    """Step 1 as a table over code points below :data:`_BMP`: the replacement or :data:`_DROP`."""
    import numpy as np

    table = np.arange(_BMP, dtype=np.uint32)
    for cp, ch in {**_SPACES, **_WIDTH}.items():
        table[cp] = ord(ch)
    table[list(_DELETE)] = _DROP
    # A lone surrogate (text decoded with ``surrogateescape``) encodes to nothing: it
    # becomes U+FFFD, one for one, so every offset still points into the text as given.
    table[_SURROGATES[0] : _SURROGATES[1]] = 0xFFFD
    return table


def _canonical_chars(text: str) -> tuple[str, IntArray, IntArray, IntArray]:
    """Step 1 in one vectorised pass: deletions and one-for-one replacements, with the map.

    Returns the text, its map, and the offsets of the lone surrogates replaced.
    """
    import numpy as np

    starts = np.arange(len(text), dtype=np.int64)
    codes = _code_points(text)
    mapped = np.where(codes < _BMP, _char_table().take(codes, mode="clip"), codes)
    surrogates = np.flatnonzero((codes >= _SURROGATES[0]) & (codes < _SURROGATES[1]))
    keep = mapped != _DROP
    if keep.all():
        if np.array_equal(mapped, codes):
            return text, starts, starts + 1, surrogates
    else:
        mapped, starts = mapped[keep], starts[keep]
    return mapped.tobytes().decode("utf-32-le"), starts, starts + 1, surrogates


def _apply_edits(
    text: str, starts: IntArray, ends: IntArray, edits: Sequence[Edit]
) -> tuple[str, IntArray, IntArray]:
    """Apply sorted ``(start, end, replacement)`` edits, carrying the map.

    Of two overlapping edits the earlier one wins. Many deletions (pinyin
    glosses) are applied in one vectorised pass, which costs about as much as
    a hundred edits applied one by one.
    """
    import numpy as np

    if not edits:
        return text, starts, ends
    if len(edits) * 100 > len(text) and not any(repl for _, _, repl in edits):
        return _delete(text, starts, ends, edits)
    pieces: list[str] = []
    new_starts: list[IntArray] = []
    new_ends: list[IntArray] = []
    pos = 0
    n = len(text)
    for s, e, repl in edits:
        if s < pos:  # overlapping edit: the earlier one wins
            continue
        if s > pos:
            pieces.append(text[pos:s])
            new_starts.append(starts[pos:s])
            new_ends.append(ends[pos:s])
        if repl:
            if e > s:
                o_s, o_e = int(starts[s]), int(ends[e - 1])
            else:
                o_s = int(starts[s]) if s < n else (int(ends[n - 1]) if n else 0)
                o_e = o_s
            pieces.append(repl)
            new_starts.append(np.full(len(repl), o_s, dtype=np.int64))
            new_ends.append(np.full(len(repl), o_e, dtype=np.int64))
        pos = e
    if pos < n:
        pieces.append(text[pos:])
        new_starts.append(starts[pos:])
        new_ends.append(ends[pos:])
    if not new_starts:
        empty = np.zeros(0, dtype=np.int64)
        return "", empty, empty.copy()
    return "".join(pieces), np.concatenate(new_starts), np.concatenate(new_ends)


def _delete(
    text: str, starts: IntArray, ends: IntArray, edits: Sequence[Edit]
) -> tuple[str, IntArray, IntArray]:
    """:func:`_apply_edits` for deletions: one mask over the text instead of a piece per edit."""
    import numpy as np

    lo: list[int] = []
    hi: list[int] = []
    pos = 0
    for s, e, _ in edits:
        if s >= pos:  # overlapping edit: the earlier one wins
            lo.append(s)
            hi.append(e)
            pos = e
    n = len(text)
    depth = np.cumsum(np.bincount(lo, minlength=n + 1) - np.bincount(hi, minlength=n + 1))
    keep = depth[:n] == 0
    kept = _code_points(text)[keep].tobytes().decode("utf-32-le", "surrogatepass")
    return kept, starts[keep], ends[keep]


def _merge(ranges: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for s, e in sorted(ranges):
        if merged and s <= merged[-1][1]:
            if e > merged[-1][1]:
                merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


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

    Building a normaliser stores the arguments; rules, OpenCC and character
    sets load on first use and stay on the instance.

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
        self._converters: dict[str, Any] = {}

    # -- lazily loaded resources --------------------------------------------
    @cached_property
    def _rules_path(self) -> str | Path:
        return self.rules if self.rules is not None else "normalize.toml"

    @cached_property
    def gloss_rules(self) -> list[Rule]:
        return load_rules(self._rules_path, "gloss")

    @cached_property
    def boilerplate_rules(self) -> list[Rule]:
        return load_rules(self._rules_path, "boilerplate", flags=regex.MULTILINE)

    @cached_property
    def placeholder_rules(self) -> list[Rule]:
        return load_rules(self._rules_path, "placeholder")

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
    def chars(self) -> CharProfile:
        return CharProfile()

    @cached_property
    def _t2s_shortcut(self) -> tuple[BoolArray, dict[str, tuple[tuple[str, int], ...]]] | None:
        """What tells that OpenCC t2s would leave a text as it is (see :meth:`_t2s_may_change`).

        The characters t2s changes on their own (indexed by code point, the
        last entry standing for all beyond) and the ``[opencc.t2s_phrases]``
        table of the rules file, each phrase with the offset of its key
        character; ``None`` when the file has no such table.
        """
        table = load_toml(self._rules_path).get("opencc")
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
                self._rules_path,
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
        if config not in self._converters:
            import opencc

            self._converters[config] = opencc.OpenCC(config)
        return self._converters[config]

    # -- entry point ----------------------------------------------------------
    def __call__(self, text: str) -> NormalizedText:
        """Normalise ``text``; see the module docstring for the steps.

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
        warnings: list[Notice] = []
        removed: list[Removal] = []
        original = text

        # 1. characters
        nul = text.count("\x00")
        if nul:
            first = text.index("\x00")
            warnings.append(
                Notice("nul-bytes", f"removed {nul} NUL characters", Span(first, first + 1))
            )
        text, starts, ends, surrogates = _canonical_chars(text)
        if len(surrogates):
            first = int(surrogates[0])
            warnings.append(
                Notice(
                    "lone-surrogates",
                    f"replaced {len(surrogates)} lone surrogate code point(s) (bytes that"
                    " could not be decoded, such as a surrogateescape decoding keeps) with"
                    " U+FFFD; decode the file with the right encoding to keep them",
                    Span(first, first + 1),
                )
            )

        # 2. pinyin glosses
        edits = [
            (m.start(), m.end(), "")
            for rule in self.gloss_rules
            if rule.may_match(text)
            for m in self._scan(rule.pattern, text, budget, "gloss removal")
        ]
        text, starts, ends = _apply_edits(text, starts, ends, sorted(edits))

        # 3. corrupted runs
        text, starts, ends, notices = self._corruption(text, starts, ends, budget)
        warnings.extend(notices)

        # 4. script and conversion
        script, done = self._detect_script(text)
        config = self._choose_conversion(script)
        if config is not None:
            text, starts, ends = self._convert(
                text, starts, ends, config, done if config == "t2s" else {}, budget
            )

        # 5. boilerplate
        edits, removals = self._boilerplate(text, budget)
        for rule_name, s, e in removals:
            removed.append(Removal(rule_name, self._map(starts, ends, s, e, len(original))))
        text, starts, ends = _apply_edits(text, starts, ends, edits)

        # 6. Markdown marks (each pattern needs its mark in the text)
        md_edits: list[Edit] = []
        if "#" in text:
            md_edits.extend(
                (m.start(), m.end(), "") for m in self._scan(_MD_HEADING, text, budget, "md")
            )
        if "**" in text:
            for m in self._scan(_MD_BOLD, text, budget, "markdown"):
                md_edits.append((m.start(), m.start() + 2, ""))
                md_edits.append((m.end() - 2, m.end(), ""))
        text, starts, ends = _apply_edits(text, starts, ends, sorted(md_edits))

        # 7. punctuation between Han characters (one for one: the map is unchanged)
        if any(ch in text for ch in _HALF_TO_FULL):
            try:
                text = _PUNCT_BETWEEN_HAN.sub(_full_width, text, timeout=budget)
            except TimeoutError as err:
                raise ProcessingTimeout.during(
                    "normalisation (punctuation)", len(text), budget
                ) from err

        # 8. placeholders
        placeholders = self._placeholders(text, starts, ends, len(original), budget)

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

    # -- helpers ------------------------------------------------------------
    @staticmethod
    def _map(starts: IntArray, ends: IntArray, s: int, e: int, n_orig: int) -> Span:
        if s >= e:
            pos = int(starts[s]) if s < len(starts) else n_orig
            return Span(pos, pos)
        return Span(int(starts[s]), int(ends[e - 1]))

    @staticmethod
    def _scan(
        pattern: regex.Pattern[str], text: str, budget: float, stage: str
    ) -> Iterator[regex.Match[str]]:
        try:
            yield from pattern.finditer(text, timeout=budget)
        except TimeoutError as err:
            raise ProcessingTimeout.during(f"normalisation ({stage})", len(text), budget) from err

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
            for m in self._scan(protected, text, budget, "protected terms"):
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

    def _corruption(
        self, text: str, starts: IntArray, ends: IntArray, budget: float
    ) -> tuple[str, IntArray, IntArray, list[Notice]]:
        import numpy as np

        profile = self.chars
        odd, rare = profile.signal_positions(text)
        lost: list[int] = []
        if "?" in text or ";" in text:  # every lost-byte signal is one of them
            lost = [m.start() for m in self._scan(profile.lost_byte, text, budget, "corruption")]
        # Every signal is one character; strong ones weigh 2. Signals at most 3 characters
        # apart make one run. Vectorised: a run of mojibake may be the whole text.
        at = np.array([*odd, *lost, *rare], dtype=np.int64)
        if not len(at):
            return text, starts, ends, []
        codes = _code_points(text)[at]
        weight = 1 + _strong_table().take(codes, mode="clip")
        order = np.argsort(at, kind="stable")
        at, weight = at[order], weight[order]
        first = np.flatnonzero(np.diff(at, prepend=-_RUN_GAP - 2) > _RUN_GAP + 1)
        last = np.append(first[1:], len(at)) - 1
        runs = zip(
            at[first].tolist(),
            (at[last] + 1).tolist(),
            np.add.reduceat(weight, first).tolist(),
            strict=True,
        )
        notices: list[Notice] = []
        edits: list[Edit] = []
        n_orig = int(ends[-1]) if len(ends) else 0
        # Repairs share the scan's time budget; past it, runs are reported and kept as is.
        started = time.monotonic()
        repairing = self.repair
        for s, e, total in runs:
            if total < 2:
                continue
            repair: tuple[int, int, str] | None = None
            if repairing:
                try:
                    repair = self._repair(text, s, e, started + budget)
                except TimeoutError:
                    repairing = False
                    notices.append(
                        Notice(
                            "repair-skipped",
                            f"gave up repairing mojibake after {time.monotonic() - started:.1f} s"
                            " (the scan's time budget); this run and those after it are kept"
                            " as they are",
                            self._map(starts, ends, s, e, n_orig),
                        )
                    )
            if repair is not None:
                rs, re_, fixed = repair
                span = self._map(starts, ends, rs, re_, n_orig)
                notices.append(
                    Notice(
                        "repaired-run",
                        f"repaired mojibake {_excerpt(text[rs:re_])} as {_excerpt(fixed)}"
                        " (GBK read one byte off)",
                        span,
                    )
                )
                edits.append((rs, re_, fixed))
            else:
                span = self._map(starts, ends, s, e, n_orig)
                notices.append(
                    Notice(
                        "corrupted-run",
                        f"corrupted characters {_excerpt(text[s:e])} (mojibake or lost bytes);"
                        " kept as is",
                        span,
                    )
                )
        text, starts, ends = _apply_edits(text, starts, ends, sorted(edits))
        return text, starts, ends, notices

    def _repair(self, text: str, s: int, e: int, deadline: float) -> tuple[int, int, str] | None:
        """Find a lossless re-decoding of the run ``text[s:e]`` that reads as Chinese.

        Every step is linear in the run; a run may be the whole text, so the
        windows tried stop at ``deadline`` (``time.monotonic()``).

        Raises:
            TimeoutError: ``deadline`` passed before every window was tried.
        """
        profile = self.chars
        best: tuple[float, int, int, str] | None = None
        for ws in range(max(0, s - 2), s + 1):
            for we in range(e, min(len(text), e + 2) + 1):
                window = text[ws:we]
                if "?" in window or "\n" in window:
                    continue
                before = profile.likeness(window)
                for fixed in _redecodings(window):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError("mojibake repair")
                    if len(fixed) < 2 or profile.suspicious.search(fixed, timeout=left):
                        continue
                    after = profile.likeness(fixed)
                    if after >= 0.95 and after - before >= 0.3:
                        key = (after, we - ws)
                        if best is None or key > (best[0], best[2] - best[1]):
                            best = (after, ws, we, fixed)
        if best is None:
            return None
        return best[1], best[2], best[3]

    def _boilerplate(
        self, text: str, budget: float
    ) -> tuple[list[Edit], list[tuple[str, int, int]]]:
        ranges: list[tuple[int, int]] = []
        removals: list[tuple[str, int, int]] = []
        seen: set[tuple[str, int, int]] = set()
        for rule in self.boilerplate_rules:
            if not rule.may_match(text):
                continue
            scope = rule.get("scope", "inline")
            for m in self._scan(rule.pattern, text, budget, f"boilerplate {rule.name}"):
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

    def _placeholders(
        self, text: str, starts: IntArray, ends: IntArray, n_orig: int, budget: float
    ) -> list[Placeholder]:
        found: list[Placeholder] = []
        taken: list[tuple[int, int]] = []
        for rule in self.placeholder_rules:
            if not rule.may_match(text):
                continue
            for m in self._scan(rule.pattern, text, budget, "placeholders"):
                if any(s < m.end() and m.start() < e for s, e in taken):
                    continue
                taken.append((m.start(), m.end()))
                found.append(
                    Placeholder(
                        m.group(),
                        self._map(starts, ends, m.start(), m.end(), n_orig),
                        str(rule.get("kind", rule.name)),
                    )
                )
        found.sort(key=lambda p: p.span.start)
        return found


def _excerpt(run: str, limit: int = 40) -> str:
    """``repr`` of a run for a message, its middle cut when it is long."""
    if len(run) <= limit:
        return repr(run)
    return f"{run[: limit // 2]!r}…{run[-limit // 2 :]!r} ({len(run):,} characters)"


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


def _redecodings(window: str) -> Iterator[str]:
    """Candidate readings of a mojibake window under the usual codec mistakes."""
    # GBK text read one byte off: re-encode, drop the first byte; a lone trail byte the
    # decoder swallowed (0x80 or 0xFF in lead position) may be restored at the end.
    try:
        raw = window.encode("gbk")
    except UnicodeEncodeError:
        raw = b""
    if raw:
        shifted = raw[1:]
        for tail in (b"", b"\x80", b"\xff"):
            try:
                yield (shifted + tail).decode("gbk")
            except UnicodeDecodeError:
                continue
        # UTF-8 bytes shown as GBK.
        with contextlib.suppress(UnicodeDecodeError):
            yield raw.decode("utf-8")
    for codec in ("latin-1", "cp1252"):
        try:
            yield window.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            continue
