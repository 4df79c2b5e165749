"""Chinese numerals, shared by the structure parser and the deadline grammar."""

from __future__ import annotations

__all__ = ["CN_DIGITS", "read_number"]

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
