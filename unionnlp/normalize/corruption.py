"""Step 3 of normalisation: corrupted runs found, reported with spans, and repaired where safe.

Signals of corruption (GBK/UTF-8 mojibake, kana or rare characters inside
Chinese, ``?`` where bytes were lost) at most a few characters apart make one
run. Each run is reported as a notice; it is repaired where a lossless
re-decoding exists that reads clearly more like Chinese (:class:`CorruptionRepairer`).
"""

from __future__ import annotations

import contextlib
import functools
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import regex

from .._chars import CharProfile
from ..model import Notice
from .characters import _BMP, _SURROGATES
from .text import Edit, _apply_edits, _code_points, _map, _scan

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from .text import IntArray

__all__ = ["CorruptionRepairer"]

# Mojibake signals that count double: a lost byte, kana, bopomofo, box drawing, U+FFFD.
_STRONG_SIGNAL = regex.compile(r"[?\p{Katakana}\p{Hiragana}\p{Bopomofo}\ufffd\u2500-\u259f]")
_RUN_GAP = 3  # mojibake signals at most this many characters apart make one run


@functools.cache
def _strong_table() -> npt.NDArray[np.int64]:
    """Indexed by code point below :data:`_BMP`: 1 for the strong mojibake signals, else 0."""
    import numpy as np

    every = np.arange(_BMP, dtype=np.uint32)
    every[_SURROGATES[0] : _SURROGATES[1]] = 0x20
    text = every.tobytes().decode("utf-32-le")
    table = np.zeros(_BMP, dtype=np.int64)
    table[[m.start() for m in _STRONG_SIGNAL.finditer(text)]] = 1
    return table


class CorruptionRepairer:
    """Finds corrupted runs and repairs those with a lossless repair (step 3).

    Args:
        chars: the character profile (likeness to Chinese, signal positions).
        repair: repair runs where a lossless repair exists (else report them only).
    """

    def __init__(self, chars: CharProfile, *, repair: bool = True) -> None:
        self.chars = chars
        self.repair = repair

    def __call__(
        self, text: str, starts: IntArray, ends: IntArray, budget: float
    ) -> tuple[str, IntArray, IntArray, list[Notice]]:
        """The runs of ``text`` reported (repaired where safe): the text, its map, the notices."""
        import numpy as np

        profile = self.chars
        odd, rare = profile.signal_positions(text)
        lost: list[int] = []
        if "?" in text or ";" in text:  # every lost-byte signal is one of them
            lost = [m.start() for m in _scan(profile.lost_byte, text, budget, "corruption")]
        # Every signal is one character; strong ones weigh 2. Signals at most 3 characters
        # apart make one run. Vectorised: a run of mojibake may be the whole text.
        at = np.array([*odd, *lost, *rare], dtype=np.int64)
        if not len(at):
            return text, starts, ends, []
        codes = _code_points(text)[at]
        weight = 1 + _strong_table().take(codes, mode="clip")
        order = np.argsort(at, kind="stable")
        at, weight = at[order], weight[order]
        first = np.flatnonzero(np.diff(at, prepend=-_RUN_GAP - 2) > _RUN_GAP + 1)
        last = np.append(first[1:], len(at)) - 1
        runs = zip(
            at[first].tolist(),
            (at[last] + 1).tolist(),
            np.add.reduceat(weight, first).tolist(),
            strict=True,
        )
        notices: list[Notice] = []
        edits: list[Edit] = []
        n_orig = int(ends[-1]) if len(ends) else 0
        # Repairs share the scan's time budget; past it, runs are reported and kept as is.
        started = time.monotonic()
        repairing = self.repair
        for s, e, total in runs:
            if total < 2:
                continue
            repair: tuple[int, int, str] | None = None
            if repairing:
                try:
                    repair = self._repair(text, s, e, started + budget)
                except TimeoutError:
                    repairing = False
                    notices.append(
                        Notice(
                            "repair-skipped",
                            f"gave up repairing mojibake after {time.monotonic() - started:.1f} s"
                            " (the scan's time budget); this run and those after it are kept"
                            " as they are",
                            _map(starts, ends, s, e, n_orig),
                        )
                    )
            if repair is not None:
                rs, re_, fixed = repair
                span = _map(starts, ends, rs, re_, n_orig)
                notices.append(
                    Notice(
                        "repaired-run",
                        f"repaired mojibake {_excerpt(text[rs:re_])} as {_excerpt(fixed)}"
                        " (GBK read one byte off)",
                        span,
                    )
                )
                edits.append((rs, re_, fixed))
            else:
                span = _map(starts, ends, s, e, n_orig)
                notices.append(
                    Notice(
                        "corrupted-run",
                        f"corrupted characters {_excerpt(text[s:e])} (mojibake or lost bytes);"
                        " kept as is",
                        span,
                    )
                )
        text, starts, ends = _apply_edits(text, starts, ends, sorted(edits))
        return text, starts, ends, notices

    def _repair(self, text: str, s: int, e: int, deadline: float) -> tuple[int, int, str] | None:
        """Find a lossless re-decoding of the run ``text[s:e]`` that reads as Chinese.

        Every step is linear in the run; a run may be the whole text, so the
        windows tried stop at ``deadline`` (``time.monotonic()``).

        Raises:
            TimeoutError: ``deadline`` passed before every window was tried.
        """
        profile = self.chars
        best: tuple[float, int, int, str] | None = None
        for ws in range(max(0, s - 2), s + 1):
            for we in range(e, min(len(text), e + 2) + 1):
                window = text[ws:we]
                if "?" in window or "\n" in window:
                    continue
                before = profile.likeness(window)
                for fixed in _redecodings(window):
                    left = deadline - time.monotonic()
                    if left <= 0:
                        raise TimeoutError("mojibake repair")
                    if len(fixed) < 2 or profile.suspicious.search(fixed, timeout=left):
                        continue
                    after = profile.likeness(fixed)
                    if after >= 0.95 and after - before >= 0.3:
                        key = (after, we - ws)
                        if best is None or key > (best[0], best[2] - best[1]):
                            best = (after, ws, we, fixed)
        if best is None:
            return None
        return best[1], best[2], best[3]


def _excerpt(run: str, limit: int = 40) -> str:
    """``repr`` of a run for a message, its middle cut when it is long."""
    if len(run) <= limit:
        return repr(run)
    return f"{run[: limit // 2]!r}…{run[-limit // 2 :]!r} ({len(run):,} characters)"


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
