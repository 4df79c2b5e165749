"""Chinese numerals, shared by the structure parser and the deadline grammar."""

from __future__ import annotations

import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import logging

    import regex

__all__ = ["CN_DIGITS", "YearReader", "read_number"]

#: the value of each Chinese digit (元 and 正 name the first month)
CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
             "六": 6, "七": 7, "八": 8, "九": 9}  # fmt: skip


def read_number(token: str | None, *, extra: dict[str, int] | None = None) -> int | None:
    """``12``, ``十二``, ``二十三`` (up to 九十九) or a digit string ``二〇二四``; else ``None``."""
    if not token:
        return None
    if token.isdigit():
        return int(token)
    digits = {**CN_DIGITS, **extra} if extra else CN_DIGITS
    if "十" in token:
        head, _, tail = token.partition("十")
        if "十" in tail or len(head) > 1 or len(tail) > 1:
            return None
        tens = digits.get(head, -1) if head else 1
        ones = digits.get(tail, -1) if tail else 0
        if tens < 1 or ones < 0:
            return None
        return tens * 10 + ones
    if all(ch in digits for ch in token):
        return int("".join(str(digits[ch]) for ch in token))
    return None


class YearReader:
    """Years as people write them in a table cell (``2023``, ``2023年``, ``二〇二三年``,
    ``2023-2024学年``; the patterns are in ``data/metadata.toml``); ``None`` for
    anything else. The patterns load on first use and stay on the instance.

    示例: ``YearReader()("2023-2024学年") == 2023``.
    """

    def __init__(self) -> None:
        self._patterns: list[regex.Pattern[str]] | None = None

    def __call__(self, cell: str) -> int | None:
        if self._patterns is None:
            from .resources import load_rules

            self._patterns = [rule.pattern for rule in load_rules("metadata.toml", "year")]
        text = unicodedata.normalize("NFKC", cell).strip()
        for pattern in self._patterns:
            found = pattern.fullmatch(text)
            year = read_number(found.group("year")) if found else None
            if year is not None and 1900 <= year <= 2099:
                return year
        return None

    def manifest_cell(self, written: str, source: str, line: int, log: logging.Logger) -> str:
        """A manifest's year cell as the year's digits, or ``""`` with a warning on ``log``
        naming the manifest and its line when the cell holds no year."""
        year = self(written)
        if year is None:
            log.warning(
                "the manifest %r, line %d: year %r is not a year (write 2023, 2023年,"
                " 二〇二三年 or 2023-2024学年); that plan keeps the year of its text",
                source,
                line,
                written,
            )
            return ""
        return str(year)
