"""Theme features: the vocabulary of a model and where it occurs in text.

A model's features are strings of its vocabulary (character 2- and 3-grams of
Han runs, long jieba words). :func:`candidate_features` lists a training
text's candidates; :class:`FeatureSpace` finds a vocabulary in text without
segmenting (numpy tables of character ids), counts it per range of the text
(:class:`RowFeatures`) and weighs the counts as L2-normalised TF-IDF. The
private helpers below it are the vectorised pieces the counting and the
scoring (:mod:`unionnlp.themes.scoring`) share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import regex

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

__all__ = ["MIN_WORD", "NGRAMS", "FeatureSpace", "RowFeatures", "candidate_features"]

_HAN_RUN = regex.compile(r"\p{Han}+")

# A model's features are strings of its vocabulary: ``c:`` character 2- and
# 3-grams of Han runs, ``w:`` words of four or more characters that jieba finds
# in the training text (the union-domain user dictionary included). jieba
# chooses the words when a model is trained; scoring does not segment: tables
# of character ids find every vocabulary string where it occurs
# (overlapping), and each range of the text (a section, a measure) counts the
# matches inside it. Character n-gram counts are exactly those of slicing the
# Han runs; a word counts wherever it occurs, in training and scoring alike.

NGRAMS = (2, 3)
MIN_WORD = 4  # shorter words are already character n-grams


def candidate_features(text: str) -> set[str]:
    """The vocabulary candidates of a training text: its n-grams and long jieba words."""
    from ..tokenize import tokenize

    found = {"w:" + w for w in tokenize(text) if len(w) >= MIN_WORD and _HAN_RUN.fullmatch(w)}
    for run in _HAN_RUN.findall(text):
        for n in NGRAMS:
            found.update("c:" + run[i : i + n] for i in range(len(run) - n + 1))
    return found


@dataclass(frozen=True)
class RowFeatures:
    """Raw occurrence counts of several text ranges, as coordinate arrays sorted by row."""

    rows: npt.NDArray[np.int64]
    features: npt.NDArray[np.int64]
    counts: npt.NDArray[np.int64]


class FeatureSpace:
    """A vocabulary, its IDF weights and the tables that find it in text.

    Every character becomes an id (0 for characters of no feature); 2-grams are
    then found through a dense table of id pairs, 3-grams and words by a
    binary search where their first two characters begin one.

    Args:
        vocabulary: feature strings (``c:…`` character n-grams, ``w:…`` words).
        idf: one weight per feature.

    Raises:
        ValueError: a feature of another kind or given twice (a model made by
            another version, or altered).
    """

    def __init__(self, vocabulary: Sequence[str], idf: Any) -> None:
        import numpy as np

        self.vocabulary = list(vocabulary)
        self.readable = [feature.partition(":")[2] for feature in self.vocabulary]
        self.idf = np.asarray(idf, dtype=np.float64)
        grams: dict[str, int] = {}
        words: dict[str, int] = {}
        for i, feature in enumerate(self.vocabulary):
            kind, _, value = feature.partition(":")
            if kind == "c" and len(value) in NGRAMS and value not in grams:
                grams[value] = i
            elif kind == "w" and len(value) >= MIN_WORD and value not in words:
                words[value] = i
            else:
                raise ValueError(f"unknown or repeated feature {feature!r}")
        self.word_feature = np.asarray(list(words.values()), dtype=np.int64)
        self.word_length = np.asarray([len(w) for w in words], dtype=np.int64)
        self._index(grams, list(words))

    def _index(self, grams: dict[str, int], words: list[str]) -> None:
        """Tables for :meth:`_find`: character ids, 2-grams, 3-grams and words by their prefix."""
        import numpy as np

        chars = sorted({ch for text in (*grams, *words) for ch in text})
        self._width = width = len(chars) + 1  # id 0: a character of no feature
        # one more entry, 0, past the last character of a feature: ``take`` clips every
        # code beyond it there
        self._char_id = np.zeros(max(map(ord, chars), default=0) + 2, dtype=np.int64)
        self._char_id[[ord(ch) for ch in chars]] = np.arange(1, width)

        # the ids of ``_char_id`` for the characters of features (a dict reads them in a
        # tenth of the time of numpy's scalar indexing: a third of loading the model)
        ids = {ch: i for i, ch in enumerate(chars, start=1)}

        def key(text: str) -> int:
            value = 0
            for ch in text:
                value = value * width + ids[ch]
            return value

        self._bigram = np.full(width * width, -1, dtype=np.int64)
        for gram, feature in grams.items():
            if len(gram) == 2:
                self._bigram[key(gram)] = feature
        # one entry per first three characters of a 3-gram or of words: the 3-gram's
        # feature (-1: none) and the words that begin so (a slice of the words sorted
        # by this key, their characters as ids in rows padded with -1)
        starting = sorted({w[:3] for w in words} | {g for g in grams if len(g) == 3}, key=key)
        entry = {prefix: e for e, prefix in enumerate(starting)}
        self._prefix = np.zeros(width * width, dtype=bool)
        self._prefix[[key(prefix[:2]) for prefix in starting]] = True
        self._table = _KeyTable([key(prefix) for prefix in starting])
        self._entry_trigram = np.asarray([grams.get(p, -1) for p in starting], dtype=np.int64)
        order = sorted(range(len(words)), key=lambda k: entry[words[k][:3]])
        self._word_order = np.asarray(order, dtype=np.int64)
        held = np.bincount([entry[words[k][:3]] for k in order], minlength=len(starting))
        self._entry_words = held.astype(np.int64)
        self._entry_first_word = np.cumsum(self._entry_words) - self._entry_words
        longest = max(map(len, words), default=MIN_WORD)
        self._word_chars = np.full((len(words), longest), -1, dtype=np.int64)
        for row, k in enumerate(order):
            self._word_chars[row, : len(words[k])] = [self._char_id[ord(ch)] for ch in words[k]]
        # each word's characters after its first three (rows of ``_word_chars``), for ``take``
        self._word_rest = np.ascontiguousarray(self._word_chars[:, 3:])

    def _find(
        self, text: str
    ) -> list[tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]]:
        """Starts, ends (ascending) and features of the vocabulary in ``text``, by kind.

        Exact: a match is a vocabulary string wherever it occurs, overlapping
        ones included. A 2-gram is one lookup of its id pair; 3-grams and words
        are searched only where their first two characters begin one.
        """
        import numpy as np

        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4")
        # (``take`` gathers in fewer instructions than indexing with an array, cachegrind)
        ids = self._char_id.take(codes, mode="clip")
        if len(ids) < 2:
            return []
        pair = ids[:-1] * self._width + ids[1:]
        feature = self._bigram.take(pair)
        starts = np.flatnonzero(feature >= 0)
        found = [(starts, starts + 2, feature.take(starts))]
        if len(ids) < 3:
            return found
        # the positions whose first two characters begin a 3-gram or a word
        candidates = np.flatnonzero(self._prefix.take(pair[:-1]))
        entry = self._table.find(pair.take(candidates) * self._width + ids.take(candidates + 2))
        known = entry >= 0
        candidates, entry = candidates[known], entry[known]
        trigram = self._entry_trigram.take(entry)
        hit = trigram >= 0
        found.append((candidates[hit], candidates[hit] + 3, trigram[hit]))
        which, slot = _stretches(self._entry_first_word.take(entry), self._entry_words.take(entry))
        if slot.size:
            # the rest of each word, against the text (-2 past its end; -1 past the word's)
            longest = self._word_chars.shape[1]
            padded = np.concatenate([ids, np.full(longest, -2, dtype=ids.dtype)])
            at = candidates.take(which)
            want = self._word_rest.take(slot, axis=0)
            got = padded.take(at[:, None] + np.arange(3, longest))
            hit = ((want == got) | (want < 0)).all(axis=1)
            words = self._word_order.take(slot[hit])
            starts = at[hit]
            ends = starts + self.word_length.take(words)
            order = np.argsort(ends, kind="stable")
            found.append(
                (starts.take(order), ends.take(order), self.word_feature.take(words.take(order)))
            )
        return found

    def count(
        self,
        text: str,
        ranges: Sequence[tuple[int, int]],
        rows: Sequence[int] | None = None,
    ) -> RowFeatures:
        """Raw feature counts of each ``text[start:end]`` of ``ranges`` (one row each).

        ``rows`` gives each range's row instead: ranges of one row add up (a
        section's title counted once more beside its whole text).
        """
        import numpy as np

        bounds = np.asarray(ranges, dtype=np.int64).reshape(-1, 2)
        found_rows: list[npt.NDArray[np.int64]] = [np.zeros(0, dtype=np.int64)]
        features: list[npt.NDArray[np.int64]] = [np.zeros(0, dtype=np.int64)]
        # (``take`` gathers the many matches of a text in fewer instructions than indexing)
        for starts, ends, feature in self._find(text):
            row, hit = _within(starts, ends, bounds)
            found_rows.append(row)
            features.append(feature.take(hit))
        width = max(len(self.vocabulary), 1)
        row_all = np.concatenate(found_rows)
        if rows is not None:
            row_all = np.asarray(rows, dtype=np.int64).take(row_all)
        cells = row_all * width + np.concatenate(features)
        if _n_rows(ranges, rows) * width < 2**31:
            cells = cells.astype(np.int32)  # sorts in about half the time
        # ``np.unique(cells, return_counts=True)`` without its copy: sorted in place
        cells.sort()
        new = np.empty(cells.shape, dtype=bool)
        new[:1] = True
        np.not_equal(cells[1:], cells[:-1], out=new[1:])
        counts = np.diff(np.flatnonzero(new), append=cells.size).astype(np.int64)
        cells = cells[new].astype(np.int64)
        # (the cells are not negative: a multiply and a subtraction give ``cells % width``
        # in a fraction of its instructions)
        row = cells // width
        return RowFeatures(rows=row, features=cells - row * width, counts=counts)

    def weigh(
        self, found: RowFeatures, n_rows: int
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """Rows, columns and values of the TF-IDF matrix, L2-normalised per row.

        Term frequency is sublinear (1 + log count).
        """
        import numpy as np

        values = (1.0 + np.log(found.counts)) * self.idf.take(found.features)
        norms = np.sqrt(np.bincount(found.rows, values * values, minlength=n_rows))
        norms[norms == 0] = 1.0
        return found.rows, found.features, values / norms.take(found.rows)


def _stretches(
    starts: npt.NDArray[np.int64], sizes: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Every index of the stretches ``[starts[i], starts[i] + sizes[i])``, with its ``i``.

    Negative sizes count as empty. Returns (stretch number, index), stretch by stretch.
    """
    import numpy as np

    sizes = np.maximum(sizes, 0)
    owner = np.repeat(np.arange(len(starts), dtype=np.int64), sizes)
    index = np.arange(int(sizes.sum()), dtype=np.int64) - np.repeat(
        np.cumsum(sizes) - sizes - starts, sizes
    )
    return owner, index


class _KeyTable:
    """Non-negative integer keys -> their index, for many keys at once (open addressing)."""

    _MULTIPLIER = 0x9E3779B97F4A7C15  # Fibonacci hashing: the top bits of key * this

    def __init__(self, keys: Sequence[int]) -> None:
        import numpy as np

        self._bits = max(3, (4 * len(keys)).bit_length())  # at most a quarter full
        size = 1 << self._bits
        slot_key, slot_index = [-1] * size, [-1] * size
        homes = self._home(np.asarray(keys, dtype=np.int64)).tolist()
        for index, (key, slot) in enumerate(zip(keys, homes, strict=True)):
            if key < 0:
                raise ValueError(f"negative key {key}")
            while slot_key[slot] != -1:
                if slot_key[slot] == key:
                    raise ValueError(f"key {key} given twice")
                slot = (slot + 1) & (size - 1)
            slot_key[slot], slot_index[slot] = key, index
        self._key = np.asarray(slot_key, dtype=np.int64)
        self._index = np.asarray(slot_index, dtype=np.int64)

    def _home(self, keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        import numpy as np

        product = keys.astype(np.uint64) * np.uint64(self._MULTIPLIER)  # modulo 2**64
        home: npt.NDArray[np.int64] = (product >> np.uint64(64 - self._bits)).astype(np.int64)
        return home

    def find(self, keys: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """The index of each of ``keys``, -1 for keys not in the table."""
        import numpy as np

        found = np.full(len(keys), -1, dtype=np.int64)
        todo, slot = np.arange(len(keys)), self._home(keys)
        while todo.size:
            held = self._key.take(slot)
            hit = held == keys.take(todo)
            found[todo[hit]] = self._index.take(slot[hit])
            probe = ~hit & (held >= 0)  # an occupied slot of another key: look at the next
            todo, slot = todo[probe], (slot[probe] + 1) & (len(self._key) - 1)
        return found


def _lowest(
    keys: npt.NDArray[np.float64], groups: npt.NDArray[np.int64], k: int
) -> npt.NDArray[np.int64]:
    """Indices of the ``k`` lowest ``keys`` of each group (ties: the earlier), lowest first.

    ``groups`` must be ascending (from 0) and the keys of a group below those of the
    next, so that sorting ``keys`` (stably) sorts by group first: one stable sort of
    all of them, and the first ``k`` of each group. (Measured: a sort costs about two
    thirds of what ``k`` passes of ``minimum.reduceat`` over all the keys cost to sort
    only each group's lowest, cachegrind.)
    """
    import numpy as np

    if k <= 0 or not keys.size:
        return np.zeros(0, dtype=np.int64)
    ranked = np.argsort(keys, kind="stable")
    # sorted by group first: the groups of ``ranked`` are ``groups`` (ascending) again
    sizes = np.bincount(groups)
    rank = np.arange(len(ranked)) - (np.cumsum(sizes) - sizes)[groups]
    kept: npt.NDArray[np.int64] = ranked[rank < k]
    return kept


def _within(
    starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64], bounds: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Every (range, match) pair where match ``[starts[i], ends[i])`` lies inside the range.

    ``ends`` must be ascending. Returns the range index and the match index of each pair,
    range by range. Matches of one length (the n-grams of a kind) start inside a range
    exactly where they end ``length`` or more after its start: the ends alone bound them.
    """
    import numpy as np

    hi = np.searchsorted(ends, bounds[:, 1], side="right")
    lengths = ends - starts
    if lengths.size and lengths.min() == lengths.max() >= 1:
        lo = np.searchsorted(ends, bounds[:, 0] + lengths[0], side="left")
        return _stretches(lo, hi - lo)
    lo = np.searchsorted(ends, bounds[:, 0], side="right")
    row, hit = _stretches(lo, hi - lo)
    inside = starts.take(hit) >= bounds[:, 0].take(row)
    return row[inside], hit[inside]


def _n_rows(ranges: Sequence[tuple[int, int]], rows: Sequence[int] | None) -> int:
    if rows is None:
        return len(ranges)
    if len(rows) != len(ranges):
        raise ValueError(f"{len(ranges)} ranges but {len(rows)} rows")
    return max(rows, default=-1) + 1


def _join(texts: Sequence[str]) -> tuple[str, list[tuple[int, int]]]:
    """``texts`` joined by newlines (no feature spans one) and the range of each."""
    ranges, pos = [], 0
    for text in texts:
        ranges.append((pos, pos + len(text)))
        pos += len(text) + 1
    return "\n".join(texts), ranges
