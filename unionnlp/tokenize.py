"""A private jieba tokenizer with the union-domain user dictionary.

jieba's module-level functions share one global segmenter that every caller
may mutate; unionnlp builds its own ``jieba.Tokenizer`` instead, adds the
words of ``data/userdict.txt`` to it, and loads the dictionary on first use.
Text should be simplified first (jieba is built and fast on simplified text).

:func:`tokenize` is a module-level function, as scikit-learn wants a
tokenizer to be (``tokenizer=tokenize, token_pattern=None``).

示例::

    >>> from unionnlp.tokenize import tokenize
    >>> tokenize("开展送温暖活动，慰问困难职工")
    ['开展', '送温暖', '活动', '慰问', '困难职工']
"""

from __future__ import annotations

import logging
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import regex

from .errors import DataFileError
from .resources import data_path, load_wordlist

__all__ = ["Tokenizer", "tokenize"]

_WORD = regex.compile(r"\p{Han}|[A-Za-z]")


class Tokenizer:
    """jieba segmentation with the union-domain dictionary and a stop list.

    Args:
        userdict: a word list replacing ``data/userdict.txt`` (``word [freq] [pos]``
            per line, ``#`` comments).
        stopwords: words to drop (defaults to ``data/stopwords.txt``).
    """

    def __init__(
        self, *, userdict: str | Path | None = None, stopwords: frozenset[str] | None = None
    ) -> None:
        self.userdict = userdict
        self.stopwords = stopwords

    @cached_property
    def _stopwords(self) -> frozenset[str]:
        if self.stopwords is not None:
            return self.stopwords
        return frozenset(load_wordlist(data_path("stopwords.txt")))

    @cached_property
    def _jieba(self) -> Any:
        import jieba

        # jieba logs its dictionary loading at DEBUG level to stderr; a library stays quiet.
        logging.getLogger("jieba").setLevel(logging.WARNING)
        segmenter = jieba.Tokenizer()
        segmenter.initialize()
        path = self.userdict if self.userdict is not None else data_path("userdict.txt")
        for line_no, entry in enumerate(load_wordlist(path), start=1):
            parts = entry.split()
            try:
                freq = int(parts[1]) if len(parts) > 1 else None
            except ValueError as err:
                raise DataFileError(path, f"bad frequency in {entry!r}", line=line_no) from err
            segmenter.add_word(parts[0], freq, parts[2] if len(parts) > 2 else None)
        return segmenter

    def cut(self, text: str) -> list[str]:
        """Content words of ``text`` in order (punctuation, digits and stop words dropped)."""
        return [
            w
            for w in self._jieba.lcut(text)
            if w not in self._stopwords and _WORD.search(w) and not w.isspace()
        ]


@lru_cache(maxsize=1)
def _default() -> Tokenizer:
    return Tokenizer()


def tokenize(text: str) -> list[str]:
    """Tokens of ``text`` with the default :class:`Tokenizer` (built on first call)."""
    return _default().cut(text)
