"""Steps 6 and 7 of normalisation: Markdown marks removed, ASCII punctuation made full-width.

- :func:`remove_markdown`: ``#`` heading marks and ``**bold**`` marks go (the
  text they mark stays), carrying the offset map.
- :func:`full_width_punctuation`: ASCII ``,:;!?()`` between Han characters
  become their full-width forms, one for one (the map is unchanged).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import regex

from ..errors import ProcessingTimeout, regex_timeout
from .text import Edit, _apply_edits, _scan

if TYPE_CHECKING:
    from .text import IntArray

__all__ = ["full_width_punctuation", "remove_markdown"]

_HALF_TO_FULL = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？", "(": "（", ")": "）"}
# ASCII punctuation between Han characters (closing quotes and brackets count as Han side).
# Each branch starts with the character it replaces (its left context is a lookbehind
# after it), so the scan only stops at those characters. A ``?`` also needs the end of its
# line or a closing quote after it, past any blanks: ``_full_width`` looks, which keeps the
# pattern bounded (no time budget on ordinary texts: see ``unionnlp.errors.regex_timeout``).
_PUNCT_BETWEEN_HAN = regex.compile(
    r"[,:;!](?<=[\p{Han}”’」』》）].)(?=[ \t]?[\p{Han}“‘「『《（])"
    r"|[?](?<=[\p{Han}”’」』》）].)"
    r"|[(](?=[\p{Han}][^()\n]{0,40}[)])"
    r"|[)](?<=[(（][^()\n]{0,40}[\p{Han}].)"
)
_AFTER_QUESTION = frozenset("\n”’」』》")
_MD_HEADING = regex.compile(r"(?m)^[ \t]*#{1,6}[ \t]*(?=\S)")
_MD_BOLD = regex.compile(r"\*\*(?=[^\s*])([^*\n]{1,120}?)(?<=[^\s*])\*\*")


def _full_width(m: regex.Match[str]) -> str:
    """The full-width form of the ASCII punctuation mark ``m`` matched; a ``?`` followed
    (past spaces and tabs) by neither the end of its line nor a closing quote stays."""
    mark = m.group()
    if mark == "?":
        text, i = m.string, m.end()
        n = len(text)
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] not in _AFTER_QUESTION:
            return mark
    return _HALF_TO_FULL[mark]


def remove_markdown(
    text: str, starts: IntArray, ends: IntArray, budget: float
) -> tuple[str, IntArray, IntArray]:
    """Step 6: Markdown heading and bold marks removed (each pattern needs its mark in the text)."""
    md_edits: list[Edit] = []
    if "#" in text:
        md_edits.extend((m.start(), m.end(), "") for m in _scan(_MD_HEADING, text, budget, "md"))
    if "**" in text:
        for m in _scan(_MD_BOLD, text, budget, "markdown"):
            md_edits.append((m.start(), m.start() + 2, ""))
            md_edits.append((m.end() - 2, m.end(), ""))
    return _apply_edits(text, starts, ends, sorted(md_edits))


def full_width_punctuation(text: str, budget: float) -> str:
    """Step 7: ASCII punctuation between Han characters made full-width (one for one)."""
    if any(ch in text for ch in _HALF_TO_FULL):
        try:
            timeout = regex_timeout(_PUNCT_BETWEEN_HAN, len(text), budget)
            # by position (keywords are slow): concurrent=False keeps the GIL, see README Speed
            text = _PUNCT_BETWEEN_HAN.sub(_full_width, text, 0, None, None, False, timeout)
        except TimeoutError as err:
            raise ProcessingTimeout.during(
                "normalisation (punctuation)", len(text), budget
            ) from err
    return text
