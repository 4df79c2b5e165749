"""How predicted and gold items are matched: folded strings, keys and the alignment.

Both sides are converted to simplified script and width-folded (:data:`_fold`)
before they are compared. Sections are keyed by marker (:func:`marker_key`:
``（一）`` == ``(一)``) and title prefix (:func:`title_key`: the first
:data:`TITLE_PREFIX` characters count), and aligned in reading order by the
longest common subsequence of their keys (:func:`_align`).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

import regex

from ..normalize.script import opencc_converter

__all__ = ["TITLE_PREFIX", "marker_key", "section_key", "title_key"]

TITLE_PREFIX = 8


class _Folder:
    def __call__(self, text: str | None) -> str:
        if not text:
            return ""
        folded = unicodedata.normalize("NFKC", opencc_converter("t2s").convert(text))
        # Quotation marks are not part of what is compared (“三八”节 == 三八节).
        return regex.sub(r"[\s“”\"‘’'「」]+", "", folded)


_fold = _Folder()

_CIRCLED = {chr(0x2460 + i): f"c{i + 1}" for i in range(20)}


def marker_key(marker: str) -> str:
    """A comparison key for markers.

    ``（一）`` == ``(一)``, ``1.`` == ``1、``, ``一要`` == ``一是``.
    """
    m = "".join(_CIRCLED.get(ch, ch) for ch in marker.strip())
    m = _fold(m)
    m = m.replace("〔", "(").replace("〕", ")").replace("【", "(").replace("】", ")")
    m = m.replace("[", "(").replace("]", ")")
    m = regex.sub(r"[、,，.．。:：\s]+$", "", m)
    m = regex.sub(r"(?<=[一二三四五六七八九十])(?:是要|要|则)$", "是", m)
    return m


def title_key(title: str | None) -> str:
    t = _fold(title)
    t = regex.sub(r"^[、,，.．:：\s]+", "", t)
    return t[:TITLE_PREFIX]


def section_key(marker: str, title: str) -> tuple[str, str]:
    return marker_key(marker), title_key(title)


def _titles_match(a: str, b: str) -> bool:
    if not a or not b:
        return a == b
    n = min(len(a), len(b), TITLE_PREFIX)
    return a[:n] == b[:n]


def _align(
    gold: Sequence[tuple[str, str]],
    pred: Sequence[tuple[str, str]],
) -> list[tuple[int, int]]:
    """Longest common subsequence of section keys (marker equal, title prefix equal)."""
    n, m = len(gold), len(pred)
    if n == 0 or m == 0:
        return []
    width = m + 1
    table = [0] * ((n + 1) * width)
    for i in range(n - 1, -1, -1):
        gm, gt = gold[i]
        for j in range(m - 1, -1, -1):
            pm, pt = pred[j]
            if gm == pm and _titles_match(gt, pt):
                table[i * width + j] = table[(i + 1) * width + j + 1] + 1
            else:
                a = table[(i + 1) * width + j]
                b = table[i * width + j + 1]
                table[i * width + j] = a if a >= b else b
    pairs = []
    i = j = 0
    while i < n and j < m:
        gm, gt = gold[i]
        pm, pt = pred[j]
        if (
            gm == pm
            and _titles_match(gt, pt)
            and table[i * width + j] == table[(i + 1) * width + j + 1] + 1
        ):
            pairs.append((i, j))
            i += 1
            j += 1
        elif table[(i + 1) * width + j] >= table[i * width + j + 1]:
            i += 1
        else:
            j += 1
    return pairs
