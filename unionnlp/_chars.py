"""Character knowledge shared by the normaliser and the encoding detector.

"Common" Chinese characters are the 6,763 Han characters of GB2312 plus their
traditional counterparts under OpenCC ``s2t``; mojibake produced by decoding
GBK, Big5 or UTF-8 bytes with the wrong codec is dense in characters outside
that set, in kana, bopomofo, box drawing and enclosed numbers, and in ``?``
where bytes were lost. Everything is built on first use and cached on a
:class:`CharProfile` instance.

The tables indexed by code point are built with whole-array steps, as they are
part of loading the pipeline (``Pipeline.warm`` builds them before a batch forks
its workers, while LibreOffice starts): the likeness table marks what
``_UNLIKE`` matches from the runs of its matches (:func:`_matched`; 13 ms where
a match object per character took 48 ms) and both tables take the common
characters' code points as one array (:attr:`CharProfile._common_codes`; a
numpy assignment per character took 8 ms a table).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

import regex

from .errors import DataFileError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["CharProfile", "build_common", "write_common"]

COMMON_FILE = "common_chars.txt"
_HAN = regex.compile(r"\p{Han}")


def build_common() -> frozenset[str]:
    """The common characters: GB2312's Han characters and their OpenCC traditional forms.

    That is the 6,763 Han characters of GB2312, their ``s2t`` and ``s2tw``
    conversions, and every unified ideograph whose ``t2s`` form is among them
    (紮 -> 扎). ``data/common_chars.txt`` ships the result (building it takes
    a fifth of a second, a third of a cold start); a test checks the two agree
    under the installed OpenCC. :func:`write_common` regenerates it.
    """
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
    basic = [chr(cp) for cp in range(0x4E00, 0xA000)]
    to_simple = opencc.OpenCC("t2s").convert("\n".join(basic)).split("\n")
    if len(to_simple) == len(basic):
        chars.update(c for c, s in zip(basic, to_simple, strict=True) if s in chars)
    return frozenset(c for c in chars if _HAN.match(c))


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
    r"(?<=\p{Han})(?<![吗呢吧么嘛啊呀否嗎麼])[?](?=[\p{Han};?!\u2474-\u249B\u2300-\u23FF])"
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
# Characters :meth:`CharProfile.likeness` counts against a text (unless they are common).
_UNLIKE = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Bopomofo}\p{So}\p{Co}\p{Cn}\uFFFD]")
_ASCII_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
# Entries of :attr:`CharProfile.likeness_table`.
_GOOD = 1
_BAD = 2
# Per-code-point tables cover planes 0 to 3; their last entry stands for every code point
# from there on (none is a Han character; see :attr:`CharProfile.signal_table`).
_TABLE_SIZE = 0x40000
# Entries of :attr:`CharProfile.signal_table`.
_RARE = 1  # a Han character outside the common set
_ODD = 2  # a character of the odd class
_BEYOND = 3  # past the table: look the character up


@dataclass
class CharProfile:
    """Sets and patterns for judging how Chinese-like a text is (built lazily)."""

    _cache: dict[str, object] = field(default_factory=dict, repr=False)

    @cached_property
    def common(self) -> frozenset[str]:
        """The common set, as shipped in ``data/common_chars.txt`` (see :func:`build_common`)."""
        from .resources import data_path

        path = data_path(COMMON_FILE)
        try:
            chars = frozenset(path.read_text(encoding="utf-8").strip())
        except OSError as err:
            raise DataFileError(path, f"cannot be read ({err})") from err
        if len(chars) < 6763 or not all(_HAN.match(c) for c in chars):
            raise DataFileError(path, "not the set of common Han characters (altered?)")
        return chars

    @cached_property
    def suspicious(self) -> regex.Pattern[str]:
        """One mojibake signal: an odd character, a rare Han character, or a lost byte."""
        members = "".join(sorted(self.common))
        return regex.compile(
            r"[" + _ODD_CLASS + r"]"
            r"|[\p{Han}--[" + regex.escape(members) + r"]]|" + _LOST_BYTE,
            regex.V1,
        )

    @cached_property
    def odd_char(self) -> regex.Pattern[str]:
        """One character of the odd class (kana, bopomofo, box drawing …)."""
        return regex.compile(r"[" + _ODD_CLASS + r"]", regex.V1)

    @cached_property
    def lost_byte(self) -> regex.Pattern[str]:
        """A ``?`` or ``;`` standing for lost bytes (the signals that depend on context)."""
        return regex.compile(_LOST_BYTE, regex.V1)

    @cached_property
    def signal_table(self) -> npt.NDArray[np.uint8]:
        """Indexed by code point: ``_RARE``, ``_ODD`` or 0 (``_BEYOND`` in the last entry).

        The odd class is read off :attr:`odd_char` itself, once, over every
        code point the table covers.
        """
        import numpy as np

        table = np.zeros(_TABLE_SIZE, dtype=np.uint8)
        for lo, hi in _HAN_BLOCKS:
            table[lo : min(hi + 1, _TABLE_SIZE)] = _RARE
        table[self._common_codes] = 0
        table[[m.start() for m in self.odd_char.finditer(_every_code_point())]] = _ODD
        table[-1] = _BEYOND
        return table

    def signal_positions(self, text: str) -> tuple[list[int], list[int]]:
        """Offsets of odd characters and of rare Han characters in ``text`` (vectorised).

        The odd characters are those :attr:`odd_char` matches; the lost-byte
        signals depend on their context and are left to :attr:`lost_byte`.
        """
        import numpy as np

        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        kinds = self.signal_table.take(codes, mode="clip")  # past the table: its last entry
        hits = np.flatnonzero(kinds)
        kinds = kinds[hits]
        odd = hits[kinds == _ODD].tolist()
        rare = hits[kinds == _RARE].tolist()
        beyond = [pos for pos in hits[kinds == _BEYOND].tolist() if self.odd_char.match(text, pos)]
        if beyond:
            odd = sorted(odd + beyond)
        return odd, rare

    @cached_property
    def t2s_changes(self) -> npt.NDArray[np.bool_]:
        """Indexed by code point: True where OpenCC ``t2s`` changes the character on its own.

        Every code point the table covers is converted on a line of its own
        (no dictionary entry holds a line break). NUL, lone surrogates and
        the last entry (all code points beyond) are not probed and count as
        changed; so does everything when t2s does not map each line to one
        character.
        """
        import numpy as np
        import opencc

        mask = np.ones(_TABLE_SIZE, dtype=np.bool_)
        mask[0x0A] = False
        probed = np.arange(1, _TABLE_SIZE - 1, dtype=np.uint32)
        probed = probed[(probed != 0x0A) & ((probed < 0xD800) | (probed > 0xDFFF))]
        lines = np.full(2 * len(probed), 0x0A, dtype=np.uint32)
        lines[0::2] = probed
        text = lines.tobytes().decode("utf-32-le")
        out = opencc.OpenCC("t2s").convert(text)
        if len(out) == len(text) and out[1::2] == text[1::2]:
            converted = np.frombuffer(out.encode("utf-32-le"), dtype=np.uint32)[0::2]
            mask[probed] = converted != probed
        return mask

    @cached_property
    def likeness_table(self) -> npt.NDArray[np.uint8]:
        """Indexed by code point: ``_GOOD``, ``_BAD`` or 0 for :meth:`likeness`.

        Good: a common character or an ASCII letter. Bad: ``?``, any other Han,
        kana or bopomofo character, symbols, private use, unassigned code
        points and U+FFFD. The last entry, ``_BEYOND``, stands for every code
        point past the table (looked up one by one).
        """
        import numpy as np

        table = np.zeros(_TABLE_SIZE, dtype=np.uint8)
        table[_matched(_UNLIKE, _every_code_point())] = _BAD
        table[self._common_codes] = _GOOD
        table[[ord(ch) for ch in _ASCII_LETTERS]] = _GOOD
        table[ord("?")] = _BAD
        table[-1] = _BEYOND
        return table

    @cached_property
    def _common_codes(self) -> npt.NDArray[np.uint32]:
        """The code points of :attr:`common` that the per-code-point tables cover."""
        import numpy as np

        codes = np.frombuffer("".join(self.common).encode("utf-32-le"), dtype=np.uint32)
        return codes[codes < _TABLE_SIZE]

    def likeness(self, text: str) -> float:
        """Share of the text's letters that are common Chinese characters or ordinary text.

        1.0 for clean Chinese prose; mojibake scores far lower. Punctuation,
        digits and white space are not counted. Linear in the text, vectorised
        (mojibake runs can be the whole text).
        """
        import numpy as np

        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        kinds = self.likeness_table.take(codes, mode="clip")
        counts = np.bincount(kinds, minlength=4).tolist()
        good, bad = counts[_GOOD], counts[_BAD]
        if counts[_BEYOND]:
            for pos in np.flatnonzero(kinds == _BEYOND).tolist():
                if _UNLIKE.match(text, pos):
                    bad += 1
        total = good + bad
        return good / total if total else 0.0


def _every_code_point() -> str:
    """Every code point the per-code-point tables cover, in order (a lone surrogate,
    which cannot be decoded, stands as a space)."""
    import numpy as np

    every = np.arange(_TABLE_SIZE, dtype=np.uint32)
    every[0xD800:0xE000] = 0x20
    return every.tobytes().decode("utf-32-le")


def _matched(char_class: regex.Pattern[str], text: str) -> npt.NDArray[np.bool_]:
    """Where ``char_class`` (a pattern of one character, whatever surrounds it) matches
    in ``text``: a mask read off the runs of ``(?:char_class)+``.

    It is where ``char_class.finditer`` matches; it takes a quarter of the time, as
    the runs are a few hundred where the characters are 200,000 (Han ideographs
    among them), each a match object.
    """
    import numpy as np

    runs = regex.compile("(?:" + char_class.pattern + ")+", char_class.flags)
    edges = np.zeros(len(text) + 1, dtype=np.int32)
    for m in runs.finditer(text):
        edges[m.start()] += 1
        edges[m.end()] -= 1
    return np.cumsum(edges[:-1]) > 0


def write_common() -> None:
    """Regenerate ``data/common_chars.txt`` from the installed OpenCC."""
    from .resources import data_path

    data_path(COMMON_FILE).write_text("".join(sorted(build_common())) + "\n", encoding="utf-8")
