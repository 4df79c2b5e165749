"""Step 1 of normalisation: characters deleted or replaced one for one, in one vectorised pass.

Control, zero-width and NUL characters are removed; NBSP, U+3000 and the
typographic spaces become spaces; full-width digits and Latin letters become
ASCII; lone surrogates become U+FFFD (one for one, so every offset still
points into the text as given). :func:`clean_characters` returns the text,
its offset map and the notices of what a reader should know (NUL characters,
lone surrogates).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

from ..model import Notice, Span
from .text import _code_points

if TYPE_CHECKING:
    from .text import CodeArray, IntArray

__all__ = ["clean_characters"]

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


def clean_characters(text: str) -> tuple[str, IntArray, IntArray, list[Notice]]:
    """Step 1 on ``text``: the text, its offset map and the notices (NUL, lone surrogates)."""
    warnings: list[Notice] = []
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
    return text, starts, ends, warnings


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
