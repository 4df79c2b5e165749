"""Plain text and Markdown in any of the encodings Chinese plans come in.

Order: a byte-order mark; strict UTF-8; then the legacy Chinese encodings
(GB18030, Big5-HKSCS, UTF-16), judged by how Chinese-like the decoded text is.
A Big5 file decodes without error as GB18030 into garbage and vice versa, so
decoding without an error proves nothing: each candidate is scored by the
share of common Chinese characters and the winner must beat the rest clearly.
"""

from __future__ import annotations

import codecs
from functools import lru_cache
from pathlib import Path

from .._chars import CharProfile
from ..errors import DecodeError, InputError
from ..model import Notice, Source

__all__ = ["decode", "from_bytes", "read"]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CANDIDATES = ("gb18030", "big5hkscs", "utf-16-le", "utf-16-be")
_SAMPLE = 64_000


@lru_cache(maxsize=1)
def _profile() -> CharProfile:
    """One character profile for every file decoded (its tables load on first use)."""
    return CharProfile()


def decode(
    raw: bytes, *, path: str = "<bytes>", profile: CharProfile | None = None
) -> tuple[str, str, float]:
    """Decode ``raw``; return ``(text, encoding, confidence)``.

    Raises:
        DecodeError: no candidate encoding gives Chinese-like text.
    """
    for bom, codec in _BOMS:
        if raw.startswith(bom):
            try:
                return raw.decode(codec), codec.replace("-sig", ""), 1.0
            except UnicodeDecodeError as err:
                raise DecodeError.for_path(
                    path, [codec], f"byte-order mark but {err.reason}"
                ) from err
    if b"\x00" in raw[:_SAMPLE] and raw.count(b"\x00") > len(raw) // 8:
        # Many NULs and no BOM: UTF-16 without a mark, or binary.
        pass
    else:
        try:
            return raw.decode("utf-8"), "utf-8", 1.0
        except UnicodeDecodeError:
            pass
    profile = profile or _profile()
    scored: list[tuple[float, str, str]] = []
    for codec in _CANDIDATES:
        try:
            text = raw.decode(codec)
        except UnicodeDecodeError:
            continue
        score = profile.likeness(text[:_SAMPLE])
        scored.append((score, codec, text))
    scored.sort(reverse=True)
    if not scored or scored[0][0] < 0.6:
        raise DecodeError.for_path(
            path, ["utf-8", *_CANDIDATES], "no candidate reads as Chinese text"
        )
    best, second = scored[0], (scored[1][0] if len(scored) > 1 else 0.0)
    confidence = round(max(0.0, min(1.0, best[0] - second + 0.5)), 3)
    return best[2], best[1], confidence


def read(path: str | Path) -> Source:
    """Read a text file into a :class:`Source`.

    Raises:
        InputError: the file cannot be read.
        DecodeError: the bytes are not text in a supported encoding.
    """
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read {str(path)!r}: {err.strerror}") from err
    fmt = "markdown" if path.suffix.lower() in (".md", ".markdown") else "text"
    return from_bytes(raw, path=str(path), format=fmt)


def from_bytes(raw: bytes, *, path: str, format: str = "text") -> Source:
    """A :class:`Source` of text bytes from anywhere (a file, standard input), decoded as
    :func:`read` decodes files; ``path`` names where they came from.

    Raises:
        DecodeError: the bytes are not text in a supported encoding.
    """
    text, encoding, confidence = decode(raw, path=path)
    warnings = []
    if confidence < 0.7:
        warnings.append(
            Notice(
                "low-encoding-confidence",
                f"encoding {encoding} guessed with confidence {confidence}",
            )
        )
    return Source.from_text(
        text,
        path=path,
        format=format,
        encoding=encoding,
        encoding_confidence=confidence,
        raw=raw,
        warnings=warnings,
    )
