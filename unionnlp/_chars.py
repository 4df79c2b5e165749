"""Character knowledge shared by the normaliser and the encoding detector.

"Common" Chinese characters are the 6,763 Han characters of GB2312 plus their
traditional counterparts under OpenCC ``s2t``; mojibake produced by decoding
GBK, Big5 or UTF-8 bytes with the wrong codec is dense in characters outside
that set, in kana, bopomofo, box drawing and enclosed numbers, and in ``?``
where bytes were lost. Everything is built on first use and cached on a
:class:`CharProfile` instance.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import regex

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["CharProfile"]

# Characters that have no business inside running Chinese prose; each one is a
# mojibake signal. Enclosed numbers are left out when they open a list item.
_ODD_CLASS = (
    r"\p{Hiragana}\p{Katakana}\p{Bopomofo}\u2500-\u257F\u2580-\u259F"  # kana, bopomofo, boxes
    r"\u2474-\u249B"  # ⑴ … ⒛ inside a word
    r"\u2300-\u23FF"  # misc technical (⌒)
    r"\uE000-\uF8FF\uFFFD"  # private use, replacement character
)


# A `?` where bytes were lost (not after a question particle), or `;` in mojibake.
_LOST_BYTE = (
    r"|(?<=\p{Han})(?<![吗呢吧么嘛啊呀否嗎麼])[?](?=[\p{Han};?!\u2474-\u249B\u2300-\u23FF])"
    r"|(?<=[\p{Han};])(?<![吗呢吧么嘛啊呀否嗎麼])[?](?=\p{Han})"
    r"|(?<=[\p{Han}?])[;](?=[\u2474-\u249B\u2300-\u23FF\p{Katakana}\p{Hiragana}A-Z])"
)
# Unicode blocks of Han ideographs (unified, extensions A-H, compatibility).
_HAN_BLOCKS = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2EBEF),
    (0x2F800, 0x2FA1F),
    (0x30000, 0x323AF),
)


@dataclass
class CharProfile:
    """Sets and patterns for judging how Chinese-like a text is (built lazily)."""

    _cache: dict[str, object] = field(default_factory=dict, repr=False)

    @cached_property
    def common(self) -> frozenset[str]:
        import opencc

        chars: set[str] = set()
        for hi in range(0xB0, 0xF8):
            for lo in range(0xA1, 0xFF):
                try:
                    chars.add(bytes((hi, lo)).decode("gb2312"))
                except UnicodeDecodeError:
                    continue
        simplified = "".join(sorted(chars))
        chars.update(opencc.OpenCC("s2t").convert(simplified))
        chars.update(opencc.OpenCC("s2tw").convert(simplified))
        # Traditional and variant forms whose simplified form is common (紮 -> 扎).
        basic = [chr(cp) for cp in range(0x4E00, 0xA000)]
        to_simple = opencc.OpenCC("t2s").convert("\n".join(basic)).split("\n")
        if len(to_simple) == len(basic):
            chars.update(c for c, s in zip(basic, to_simple, strict=True) if s in chars)
        return frozenset(c for c in chars if regex.match(r"\p{Han}", c))

    @cached_property
    def suspicious(self) -> regex.Pattern[str]:
        """One mojibake signal: an odd character, a rare Han character, or a lost byte."""
        members = "".join(sorted(self.common))
        return regex.compile(
            r"[" + _ODD_CLASS + r"]"
            r"|[\p{Han}--[" + regex.escape(members) + r"]]" + _LOST_BYTE,
            regex.V1,
        )

    @cached_property
    def odd(self) -> regex.Pattern[str]:
        """The signals of :attr:`suspicious` other than rare Han characters (fast to scan)."""
        return regex.compile(r"[" + _ODD_CLASS + r"]" + _LOST_BYTE, regex.V1)

    @cached_property
    def rare_mask(self) -> npt.NDArray[np.bool_]:
        """Indexed by code point: True for Han characters outside the common set."""
        import numpy as np

        mask = np.zeros(0x40000, dtype=np.bool_)
        for lo, hi in _HAN_BLOCKS:
            mask[lo : hi + 1] = True
        for ch in self.common:
            cp = ord(ch)
            if cp < len(mask):
                mask[cp] = False
        return mask

    def rare_positions(self, text: str) -> list[int]:
        """Offsets of Han characters outside the common set (vectorised)."""
        import numpy as np

        if not text:
            return []
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        codes = np.minimum(codes, len(self.rare_mask) - 1)
        return [int(i) for i in np.flatnonzero(self.rare_mask[codes])]

    def likeness(self, text: str) -> float:
        """Share of the text's letters that are common Chinese characters or ordinary text.

        1.0 for clean Chinese prose; mojibake scores far lower. Punctuation,
        digits and white space are not counted.
        """
        common = self.common
        good = bad = 0
        for ch in text:
            if ch in common:
                good += 1
            elif ch.isascii():
                if ch.isalpha():
                    good += 1
                elif ch == "?":
                    bad += 1
            elif regex.match(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Bopomofo}]", ch) or regex.match(
                r"[\p{So}\p{Co}\p{Cn}\uFFFD]", ch
            ):
                bad += 1
        total = good + bad
        return good / total if total else 0.0
