"""Word automatic numbering (自动编号), rendered the way Word shows it.

python-docx returns a paragraph's text without its list number, yet in a plan
that number (一、 （一） 1.) *is* the structure. This module reads the numbering
part of a .docx (``w:abstractNum``, ``w:num`` with ``w:lvlOverride``) and the
style chain that can carry ``w:numPr``, keeps Word's counters (restarting a
level when a higher one advances, or as ``w:lvlRestart`` says) and renders
``w:lvlText`` templates such as ``%1、`` or ``（%1）`` in the level's number
format.

Approximations, all beyond what plans use: counters are shared by every
``w:num`` of one ``w:abstractNum`` (Word's behaviour; a ``w:startOverride``
restarts them when its ``w:num`` is first used); a level referenced by
``%n`` before it was ever used shows its start value; Chinese counting formats
render tens as 十 (十一, 二十) in both the "counting" and "counting thousand"
variants; bullets are not rendered.

示例::

    >>> format_number(12, "chineseCounting")
    '十二'
    >>> format_number(3, "decimalEnclosedCircle")
    '③'
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

__all__ = ["Level", "Numbering", "format_number"]

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"

# lxml elements: typed loosely because lxml ships no type information.
Element = Any


# -- number formats --------------------------------------------------------

_CN_DIGITS = "零一二三四五六七八九"
_CN_UNITS = ("千", "百", "十")
_LEGAL_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_LEGAL_UNITS = ("仟", "佰", "拾")
_IDEOGRAPH_DIGITS = "〇一二三四五六七八九"
_HEAVENLY_STEMS = "甲乙丙丁戊己庚辛壬癸"
_FULL_WIDTH_DIGITS = str.maketrans("0123456789", "０１２３４５６７８９")
_EARTHLY_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_ROMAN = (
    (1000, "M"),
    (900, "CM"),
    (500, "D"),
    (400, "CD"),
    (100, "C"),
    (90, "XC"),
    (50, "L"),
    (40, "XL"),
    (10, "X"),
    (9, "IX"),
    (5, "V"),
    (4, "IV"),
    (1, "I"),
)


def _counting(
    n: int, digits: str, units: tuple[str, str, str], myriad: str, *, short_ten: bool
) -> str:
    """Chinese counting numerals: 十二, 一百零五, 一万零三十."""
    if n <= 0 or n >= 100_000_000:
        return str(n) if n else digits[0]
    parts: list[str] = []
    rest = n
    zero = False
    if n >= 10_000:
        high, rest = divmod(n, 10_000)
        parts.append(_counting(high, digits, units, myriad, short_ten=False) + myriad)
        zero = 0 < rest < 1000
    for value, unit in zip((1000, 100, 10), units, strict=True):
        digit, rest = divmod(rest, value)
        if digit:
            if zero:
                parts.append(digits[0])
                zero = False
            parts.append(digits[digit] + unit)
        elif parts:
            zero = True
    if rest:
        if zero:
            parts.append(digits[0])
        parts.append(digits[rest])
    text = "".join(parts)
    if short_ten and 10 <= n < 20:
        text = text[1:]  # 十一, not 一十一
    return text


def _chinese(n: int) -> str:
    return _counting(n, _CN_DIGITS, _CN_UNITS, "万", short_ten=True)


def _legal(n: int) -> str:
    return _counting(n, _LEGAL_DIGITS, _LEGAL_UNITS, "万", short_ten=False)


def _ideograph_digits(n: int) -> str:
    return "".join(_IDEOGRAPH_DIGITS[int(d)] for d in str(n)) if n >= 0 else str(n)


def _roman(n: int) -> str:
    if not 0 < n < 4000:
        return str(n)
    out = []
    for value, letters in _ROMAN:
        count, n = divmod(n, value)
        out.append(letters * count)
    return "".join(out)


def _letter(n: int, base: str) -> str:
    # Word repeats the letter after Z: 27 -> AA, 28 -> BB.
    if n <= 0:
        return str(n)
    return chr(ord(base) + (n - 1) % 26) * ((n - 1) // 26 + 1)


def _enclosed(n: int, ranges: tuple[tuple[int, int, int], ...], fallback: str) -> str:
    for low, high, first in ranges:
        if low <= n <= high:
            return chr(first + n - low)
    return fallback.format(n)


def _cycle(n: int, symbols: str) -> str:
    return symbols[n - 1] if 1 <= n <= len(symbols) else str(n)


_FORMATS: dict[str, Callable[[int], str]] = {
    "decimal": str,
    "decimalHalfWidth": str,
    "decimalZero": lambda n: f"{n:02d}",
    "decimalFullWidth": lambda n: str(n).translate(_FULL_WIDTH_DIGITS),
    "decimalFullWidth2": lambda n: str(n).translate(_FULL_WIDTH_DIGITS),
    "chineseCounting": _chinese,
    "chineseCountingThousand": _chinese,
    "taiwaneseCounting": _chinese,
    "taiwaneseCountingThousand": _chinese,
    "japaneseCounting": _chinese,
    "chineseLegalSimplified": _legal,
    "ideographDigital": _ideograph_digits,
    "taiwaneseDigital": _ideograph_digits,
    "japaneseDigitalTenThousand": _ideograph_digits,
    "ideographTraditional": lambda n: _cycle(n, _HEAVENLY_STEMS),
    "ideographZodiac": lambda n: _cycle(n, _EARTHLY_BRANCHES),
    "decimalEnclosedCircle": lambda n: _enclosed(
        n, ((1, 20, 0x2460), (21, 35, 0x3251), (36, 50, 0x32B1)), "{}"
    ),
    "decimalEnclosedCircleChinese": lambda n: _enclosed(
        n, ((1, 20, 0x2460), (21, 35, 0x3251), (36, 50, 0x32B1)), "{}"
    ),
    "decimalEnclosedParen": lambda n: _enclosed(n, ((1, 20, 0x2474),), "({})"),
    "decimalEnclosedFullstop": lambda n: _enclosed(n, ((1, 20, 0x2488),), "{}."),
    "upperLetter": lambda n: _letter(n, "A"),
    "lowerLetter": lambda n: _letter(n, "a"),
    "upperRoman": _roman,
    "lowerRoman": lambda n: _roman(n).lower(),
    "none": lambda n: "",
}


def format_number(value: int, fmt: str) -> str:
    """``value`` written in the Word number format ``fmt`` (``w:numFmt``).

    Unknown formats fall back to decimal (see :attr:`Numbering.unknown_formats`).

    示例: ``format_number(2, "chineseCounting") == "二"``,
    ``format_number(4, "upperRoman") == "IV"``.
    """
    return _FORMATS.get(fmt, str)(value)


# -- numbering definitions --------------------------------------------------


@dataclass(frozen=True, slots=True)
class Level:
    """One ``w:lvl``: how a list level counts and what it shows."""

    start: int = 1
    fmt: str = "decimal"
    text: str | None = "%1."
    #: ``w:lvlRestart``: one-based level whose use restarts this one; 0 never; None default
    restart: int | None = None
    legal: bool = False
    suffix: str = "tab"
    style: str | None = None


@dataclass(frozen=True, slots=True)
class _Num:
    abstract: str
    starts: dict[int, int] = field(default_factory=dict)
    levels: dict[int, Level] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Style:
    based_on: str | None
    num_id: str | None
    ilvl: int | None


def _val(element: Element | None, child: str) -> str | None:
    if element is None:
        return None
    node = element.find(W + child)
    if node is None:
        return None
    value = node.get(W + "val")
    return str(value) if value is not None else None


def _int(value: str | None, default: int | None) -> int | None:
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        return default


def _on(element: Element | None, child: str) -> bool:
    """A WordprocessingML on/off property (present and not ``0``/``false``/``off``)."""
    if element is None or element.find(W + child) is None:
        return False
    return _val(element, child) not in ("0", "false", "off")


def _parse_level(lvl: Element) -> Level:
    fmt_node = lvl.find(W + "numFmt")
    if fmt_node is None:
        # Word 2010 wraps newer formats in mc:AlternateContent; the fallback is the old form.
        fmt_node = lvl.find(f"{MC}AlternateContent/{MC}Fallback/{W}numFmt")
    fmt = "decimal"
    if fmt_node is not None:
        fmt = str(fmt_node.get(W + "val") or "decimal")
        custom = fmt_node.get(W + "format")
        if fmt == "custom" and custom:
            fmt = "decimalZero" if str(custom).startswith("0") else "decimal"
    text_node = lvl.find(W + "lvlText")
    text = None if text_node is None else str(text_node.get(W + "val") or "")
    return Level(
        start=_int(_val(lvl, "start"), 0) or 0,  # the standard's default start is 0
        fmt=fmt,
        text=text,
        restart=_int(_val(lvl, "lvlRestart"), None),
        legal=_on(lvl, "isLgl"),
        suffix=_val(lvl, "suff") or "tab",
        style=_val(lvl, "pStyle"),
    )


def _levels(parent: Element) -> dict[int, Level]:
    levels: dict[int, Level] = {}
    for lvl in parent.findall(W + "lvl"):
        ilvl = _int(lvl.get(W + "ilvl"), None)
        if ilvl is not None and 0 <= ilvl <= 8:
            levels[ilvl] = _parse_level(lvl)
    return levels


_PLACEHOLDER = re.compile(r"%([1-9])")


class Numbering:
    """The numbering definitions of one document and the running counters.

    Build it from the ``w:numbering`` and ``w:styles`` elements, then call
    :meth:`label` for every paragraph in document order.
    """

    def __init__(self, numbering: Element | None = None, styles: Element | None = None) -> None:
        self._abstract: dict[str, dict[int, Level]] = {}
        self._style_link: dict[str, str] = {}
        self._nums: dict[str, _Num] = {}
        self._styles: dict[str, _Style] = {}
        self._counters: dict[str, dict[int, int]] = {}
        self._used: set[str] = set()
        #: ``w:numFmt`` values met that are rendered as decimal for want of a rule
        self.unknown_formats: set[str] = set()
        if numbering is not None:
            self._read_numbering(numbering)
        if styles is not None:
            self._read_styles(styles)

    def _read_numbering(self, numbering: Element) -> None:
        for abstract in numbering.findall(W + "abstractNum"):
            abstract_id = abstract.get(W + "abstractNumId")
            if abstract_id is None:
                continue
            self._abstract[str(abstract_id)] = _levels(abstract)
            link = _val(abstract, "numStyleLink")
            if link:
                self._style_link[str(abstract_id)] = link
        for num in numbering.findall(W + "num"):
            num_id = num.get(W + "numId")
            abstract_id = _val(num, "abstractNumId")
            if num_id is None or abstract_id is None:
                continue
            starts: dict[int, int] = {}
            levels: dict[int, Level] = {}
            for override in num.findall(W + "lvlOverride"):
                ilvl = _int(override.get(W + "ilvl"), None)
                if ilvl is None:
                    continue
                start = _int(_val(override, "startOverride"), None)
                if start is not None:
                    starts[ilvl] = start
                lvl = override.find(W + "lvl")
                if lvl is not None:
                    levels[ilvl] = _parse_level(lvl)
            self._nums[str(num_id)] = _Num(abstract_id, starts, levels)

    def _read_styles(self, styles: Element) -> None:
        for style in styles.findall(W + "style"):
            style_id = style.get(W + "styleId")
            if style_id is None:
                continue
            num_pr = style.find(f"{W}pPr/{W}numPr")
            self._styles[str(style_id)] = _Style(
                based_on=_val(style, "basedOn"),
                num_id=_val(num_pr, "numId"),
                ilvl=_int(_val(num_pr, "ilvl"), None),
            )

    # -- resolution ---------------------------------------------------------
    def _style_chain(self, style_id: str | None) -> Iterator[_Style]:
        seen: set[str] = set()
        while style_id is not None and style_id not in seen and style_id in self._styles:
            seen.add(style_id)
            style = self._styles[style_id]
            yield style
            style_id = style.based_on

    def _resolve_abstract(self, num_id: str) -> str | None:
        """The abstract numbering behind ``num_id``, following ``w:numStyleLink``."""
        for _ in range(4):
            num = self._nums.get(num_id)
            if num is None:
                return None
            link = self._style_link.get(num.abstract)
            if link is None:
                return num.abstract
            linked = next((s.num_id for s in self._style_chain(link) if s.num_id), None)
            if linked is None or linked == num_id:
                return num.abstract
            num_id = linked
        return None

    def _effective_levels(self, num_id: str, abstract_id: str) -> dict[int, Level]:
        num = self._nums[num_id]
        levels = dict(self._abstract.get(abstract_id, {}))
        levels.update(num.levels)
        for ilvl, start in num.starts.items():
            if ilvl in levels:
                levels[ilvl] = replace(levels[ilvl], start=start)
        return levels

    def numbering_of(self, paragraph: Element) -> tuple[str, int] | None:
        """``(numId, ilvl)`` of a ``w:p``, directly or through its paragraph style."""
        ppr = paragraph.find(W + "pPr")
        style_id = _val(ppr, "pStyle")
        num_pr = ppr.find(W + "numPr") if ppr is not None else None
        num_id = _val(num_pr, "numId")
        ilvl = _int(_val(num_pr, "ilvl"), None)
        for style in self._style_chain(style_id):
            if num_id is None:
                num_id = style.num_id
            if ilvl is None:
                ilvl = style.ilvl
        if num_id is None or num_id == "0" or num_id not in self._nums:
            return None  # numId 0 explicitly removes numbering
        if ilvl is None:
            ilvl = 0
            abstract_id = self._resolve_abstract(num_id)
            if abstract_id is not None and style_id is not None:
                for index, level in self._effective_levels(num_id, abstract_id).items():
                    if level.style == style_id:
                        ilvl = index
                        break
        return num_id, max(0, min(8, ilvl))

    # -- counting -------------------------------------------------------------
    def label(self, num_id: str, ilvl: int) -> str | None:
        """Advance the counter of ``(num_id, ilvl)`` and return the rendered number.

        The result ends with the separator Word puts before the text: nothing
        after full-width punctuation (``一、``, ``（一）``), else one space for a
        tab or space suffix (``1. ``), so ``1.`` never fuses with the text into
        a decimal such as ``1.5``. ``None`` when the level shows no number.
        """
        abstract_id = self._resolve_abstract(num_id)
        if abstract_id is None:
            return None
        levels = self._effective_levels(num_id, abstract_id)
        level = levels.get(ilvl)
        if level is None:
            return None
        counters = self._counters.setdefault(abstract_id, {})
        if num_id not in self._used:
            self._used.add(num_id)
            for overridden in self._nums[num_id].starts:
                counters.pop(overridden, None)
        value = counters[ilvl] + 1 if ilvl in counters else level.start
        counters[ilvl] = value
        for deeper in [d for d in counters if d > ilvl]:
            if _restarts(levels.get(deeper), deeper, ilvl):
                del counters[deeper]
        if level.fmt == "bullet" or level.text is None:
            return None

        def number(match: re.Match[str]) -> str:
            index = int(match.group(1)) - 1
            ref = levels.get(index)
            current = counters.get(index, ref.start if ref else 1)
            fmt = "decimal" if level.legal else (ref.fmt if ref else "decimal")
            if fmt not in _FORMATS and fmt != "bullet":
                self.unknown_formats.add(fmt)
            return format_number(current, fmt)

        text = _PLACEHOLDER.sub(number, level.text)
        if not text.strip():
            return None
        return text + _separator(text, level.suffix)


def _restarts(level: Level | None, depth: int, used: int) -> bool:
    """Whether using level ``used`` resets the counter of the deeper level ``depth``."""
    restart = level.restart if level is not None else None
    if restart is None or restart - 1 >= depth:
        return True  # default (and an invalid w:lvlRestart): any higher level restarts it
    if restart == 0:
        return False
    return used <= restart - 1


def _separator(text: str, suffix: str) -> str:
    if suffix == "nothing":
        return ""
    last = text[-1]
    if last.isspace():
        return ""
    if ord(last) > 0x7F and unicodedata.category(last).startswith("P"):
        return ""  # 、 ） ． already part the number from the text
    return " "
