"""Normalisation: canonical text for the later stages, with an offset map back to the source.

The :class:`Normalizer` runs these steps, each recorded in an offset map so
that any span of the normalised text maps back to the characters of the
original it came from:

1. control, zero-width and NUL characters removed; NBSP and U+3000 to spaces;
   full-width digits and Latin letters to ASCII;
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
    '工會(huì)'
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import regex

from ._chars import CharProfile
from .errors import EmptyInputError, InputError, InputTypeError, ProcessingTimeout
from .model import Notice, Placeholder, Script, Span
from .resources import Rule, load_rules, load_wordlist

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    IntArray = npt.NDArray[np.int64]

__all__ = ["CONVERSIONS", "NormalizedText", "Normalizer", "Removal"]

logger = logging.getLogger(__name__)

#: OpenCC configurations a caller may select.
CONVERSIONS = ("t2s", "tw2s", "hk2s", "s2t", "t2tw", "s2tw")

_DELETE = regex.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\r\u00ad\u200b-\u200d\u2060\ufeff]")
_SPACES = {0x00A0: " ", 0x3000: " ", **{cp: " " for cp in range(0x2002, 0x200B)}}
_WIDTH = {
    **{cp: chr(cp - 0xFEE0) for cp in range(0xFF10, 0xFF1A)},
    **{cp: chr(cp - 0xFEE0) for cp in range(0xFF21, 0xFF3B)},
    **{cp: chr(cp - 0xFEE0) for cp in range(0xFF41, 0xFF5B)},
}
_TRANSLATE = str.maketrans({**_SPACES, **_WIDTH})
_HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？", "(": "（", ")": "）"}
# ASCII punctuation between Han characters (closing quotes and brackets count as Han side).
_PUNCT_BETWEEN_HAN = regex.compile(
    r"(?<=[\p{Han}”’」』》）])[,:;!](?=[ \t]?[\p{Han}“‘「『《（])"
    r"|(?<=[\p{Han}”’」』》）])[?](?=[ \t]*(?:\n|$|[”’」』》]))"
    r"|[(](?=[\p{Han}][^()\n]{0,40}[)])"
    r"|(?<=[(（][^()\n]{0,40}[\p{Han}])[)]"
)
_MD_HEADING = regex.compile(r"(?m)^[ \t]*#{1,6}[ \t]*(?=\S)")
_MD_BOLD = regex.compile(r"\*\*(?=[^\s*])([^*\n]{1,120}?)(?<=[^\s*])\*\*")
_SENTENCE_END = "。！？!?\n"
# Mojibake signals that count double: a lost byte, kana, bopomofo, box drawing, U+FFFD.
_STRONG_SIGNAL = regex.compile(r"[?\p{Katakana}\p{Hiragana}\p{Bopomofo}\ufffd\u2500-\u259f]")
_HAN = regex.compile(r"\p{Han}")
_TRADITIONAL_SAMPLE = 200_000
# Seconds a single regex scan may take: a floor plus an allowance per million characters.
_TIMEOUT_FLOOR = 2.0
_TIMEOUT_PER_MCHAR = 2.0


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
        if start == end:
            if (anchor == "previous" and start > 0) or start == n:
                pos = int(self.ends[start - 1]) if start > 0 else 0
            else:
                pos = int(self.starts[start])
            return Span(pos, pos)
        return Span(int(self.starts[start]), int(self.ends[end - 1]))

    def norm_range(self, span: Span) -> tuple[int, int]:
        """The normalised range ``[start, end)`` whose characters came from ``span``."""
        import numpy as np

        start = int(np.searchsorted(self.starts, span.start, side="left"))
        end = int(np.searchsorted(self.starts, span.end, side="left"))
        return start, max(start, end)

    def original_text(self, start: int, end: int) -> str:
        """The original characters behind the normalised range ``[start, end)``."""
        return self.span(start, end).slice(self.original)


Edit = tuple[int, int, str]


def _apply_edits(
    text: str, starts: IntArray, ends: IntArray, edits: Sequence[Edit]
) -> tuple[str, IntArray, IntArray]:
    """Apply sorted, non-overlapping ``(start, end, replacement)`` edits, carrying the map."""
    import numpy as np

    if not edits:
        return text, starts, ends
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
        import numpy as np

        if not isinstance(text, str):
            raise InputTypeError.expected_text(text, where="normalize()")
        if not text.strip():
            raise EmptyInputError.for_text(where="normalize()")
        budget = _TIMEOUT_FLOOR + _TIMEOUT_PER_MCHAR * len(text) / 1_000_000
        warnings: list[Notice] = []
        removed: list[Removal] = []
        original = text
        starts = np.arange(len(text), dtype=np.int64)
        ends = starts + 1

        # 1. characters
        nul = text.count("\x00")
        if nul:
            first = text.index("\x00")
            warnings.append(
                Notice("nul-bytes", f"removed {nul} NUL characters", Span(first, first + 1))
            )
        edits = [(m.start(), m.end(), "") for m in self._scan(_DELETE, text, budget, "cleanup")]
        text, starts, ends = _apply_edits(text, starts, ends, edits)
        text = text.translate(_TRANSLATE)

        # 2. pinyin glosses
        edits = [
            (m.start(), m.end(), "")
            for rule in self.gloss_rules
            for m in self._scan(rule.pattern, text, budget, "gloss removal")
        ]
        text, starts, ends = _apply_edits(text, starts, ends, sorted(edits))

        # 3. corrupted runs
        text, starts, ends, notices = self._corruption(text, starts, ends, budget)
        warnings.extend(notices)

        # 4. script and conversion
        script = self._detect_script(text)
        config = self._choose_conversion(script)
        if config is not None:
            text, starts, ends = self._convert(text, starts, ends, config)

        # 5. boilerplate
        edits, removals = self._boilerplate(text, budget)
        for rule_name, s, e in removals:
            removed.append(Removal(rule_name, self._map(starts, ends, s, e, len(original))))
        text, starts, ends = _apply_edits(text, starts, ends, edits)

        # 6. Markdown marks
        md_edits = [(m.start(), m.end(), "") for m in self._scan(_MD_HEADING, text, budget, "md")]
        for m in self._scan(_MD_BOLD, text, budget, "markdown"):
            md_edits.append((m.start(), m.start() + 2, ""))
            md_edits.append((m.end() - 2, m.end(), ""))
        text, starts, ends = _apply_edits(text, starts, ends, sorted(md_edits))

        # 7. punctuation between Han characters (one for one: the map is unchanged)
        chars = list(text)
        for m in self._scan(_PUNCT_BETWEEN_HAN, text, budget, "punctuation"):
            chars[m.start()] = _HALF_TO_FULL[m.group()]
        text = "".join(chars)

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

    def _detect_script(self, text: str) -> Script:
        import numpy as np

        sample = text[:_TRADITIONAL_SAMPLE]
        if not _HAN.search(sample):
            return "unknown"
        to_simp = self._converter("t2s").convert(sample)
        to_trad = self._converter("s2t").convert(sample)

        def changed(other: str) -> int:
            if len(other) != len(sample):
                return sum(a != b for a, b in zip(sample, other, strict=False))
            a = np.frombuffer(sample.encode("utf-32-le"), dtype=np.uint32)
            b = np.frombuffer(other.encode("utf-32-le"), dtype=np.uint32)
            return int(np.count_nonzero(a != b))

        trad, simp = changed(to_simp), changed(to_trad)
        if trad + simp == 0:
            return "simplified"
        share = trad / (trad + simp)
        if share >= 0.9:
            return "traditional"
        if share <= 0.1:
            return "simplified"
        return "mixed"

    def _choose_conversion(self, script: Script) -> str | None:
        if self.convert is None:
            return None
        if self.convert == "auto":
            return "t2s" if script in ("traditional", "mixed") else None
        return self.convert

    def _convert(
        self, text: str, starts: IntArray, ends: IntArray, config: str
    ) -> tuple[str, IntArray, IntArray]:
        converter = self._converter(config)
        protected = self._protected
        spans: list[tuple[int, int]] = []  # stretches to convert (protected terms excluded)
        pos = 0
        if protected is not None:
            for m in protected.finditer(text):
                if m.start() > pos:
                    spans.append((pos, m.start()))
                pos = m.end()
        if pos < len(text):
            spans.append((pos, len(text)))
        chars = list(text)
        edits: list[Edit] = []
        for s, e in spans:
            self._convert_stretch(text, s, e, converter, chars, edits)
        joined = "".join(chars)
        # In-place replacements keep positions, so the edits' offsets still hold.
        return _apply_edits(joined, starts, ends, sorted(edits))

    @staticmethod
    def _convert_stretch(
        text: str, s: int, e: int, converter: Any, chars: list[str], edits: list[Edit]
    ) -> None:
        """Convert ``text[s:e]``: in place where the length holds, else clause by clause."""
        converted = converter.convert(text[s:e])
        if len(converted) == e - s:
            chars[s:e] = converted
            return
        # Phrase conversion changed the length somewhere: narrow down to clauses, so only
        # the clause whose length changed gets a coarse (whole-clause) offset mapping.
        for m in regex.finditer(r"[^，。、；：！？,.;:!?\s]+|[，。、；：！？,.;:!?\s]+", text[s:e]):
            cs, ce = s + m.start(), s + m.end()
            piece = converter.convert(m.group())
            if len(piece) == ce - cs:
                chars[cs:ce] = piece
            else:
                edits.append((cs, ce, piece))

    def _corruption(
        self, text: str, starts: IntArray, ends: IntArray, budget: float
    ) -> tuple[str, IntArray, IntArray, list[Notice]]:
        profile = self.chars
        hits: list[tuple[int, int, int]] = []  # start, end, weight
        for m in self._scan(profile.odd, text, budget, "corruption scan"):
            hits.append((m.start(), m.end(), 2 if _STRONG_SIGNAL.match(m.group()) else 1))
        hits.extend((pos, pos + 1, 1) for pos in profile.rare_positions(text))
        hits.sort()
        runs: list[tuple[int, int, int]] = []
        for s, e, w in hits:
            if runs and s - runs[-1][1] <= 3:
                rs, _, rw = runs[-1]
                runs[-1] = (rs, e, rw + w)
            else:
                runs.append((s, e, w))
        notices: list[Notice] = []
        edits: list[Edit] = []
        n_orig = int(ends[-1]) if len(ends) else 0
        for s, e, weight in runs:
            if weight < 2:
                continue
            repair = self._repair(text, s, e) if self.repair else None
            if repair is not None:
                rs, re_, fixed = repair
                span = self._map(starts, ends, rs, re_, n_orig)
                notices.append(
                    Notice(
                        "repaired-run",
                        f"repaired mojibake {text[rs:re_]!r} as {fixed!r} (GBK read one byte off)",
                        span,
                    )
                )
                edits.append((rs, re_, fixed))
            else:
                span = self._map(starts, ends, s, e, n_orig)
                notices.append(
                    Notice(
                        "corrupted-run",
                        f"corrupted characters {text[s:e]!r} (mojibake or lost bytes); kept as is",
                        span,
                    )
                )
        text, starts, ends = _apply_edits(text, starts, ends, sorted(edits))
        return text, starts, ends, notices

    def _repair(self, text: str, s: int, e: int) -> tuple[int, int, str] | None:
        """Find a lossless re-decoding of the run ``text[s:e]`` that reads as Chinese."""
        profile = self.chars
        best: tuple[float, int, int, str] | None = None
        for ws in range(max(0, s - 2), s + 1):
            for we in range(e, min(len(text), e + 2) + 1):
                window = text[ws:we]
                if "?" in window or "\n" in window:
                    continue
                before = profile.likeness(window)
                for fixed in _redecodings(window):
                    if len(fixed) < 2 or profile.suspicious.search(fixed):
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
