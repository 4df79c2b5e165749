"""Parties: the head-noun grammar that tells a name from a clause, and its clause words.

A name is a run of modifiers and then one or more heads (``data/parties.toml``'s
``heads`` and body aliases). :class:`_Grammar` finds the heads at the end of a
name and the last clause word in front of them; the clause words are jieba's
function words and verbs, shipped as ``data/clause_words.txt`` and regenerated
by :func:`write_clause_words`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import DataFileError
from .resources import data_path

__all__ = ["CLAUSE_WORDS_FILE", "build_clause_words", "write_clause_words"]

#: the shipped clause words: jieba's function words (``A``) and verbs (``V``)
CLAUSE_WORDS_FILE = "clause_words.txt"

#: jieba's part-of-speech tags of the function words that never stand inside a name:
#: adverbs, conjunctions, prepositions, particles, modal particles and interjections
_FUNCTION_TAGS = frozenset({"d", "c", "p", "u", "uj", "ul", "uv", "uz", "ud", "ug", "y", "e"})

#: verbs, and adjectives used as adverbs, which do stand inside names (厂务公开领导小组)
_VERB_TAGS = frozenset({"v", "vd", "ad"})

#: words of two to four characters jieba has seen at least this often
_MIN_FREQUENCY = 50


@dataclass(frozen=True)
class _Grammar:
    """A head-noun grammar of names: heads at the end, nothing of a clause before them.

    A name is a run of modifiers and then one or more heads (局党组 = 局 + 党组). Among
    its modifiers stand no function words (adverbs, conjunctions, prepositions,
    particles: 同时, 关于), and no verb just before a head that is a body by itself
    (感到|学校工会, 依靠|工会): a verb there ends a clause. Verbs do stand among the
    modifiers (劳动保护监督检查员) and just before a head that names a part of a body
    (调解委员会, 帮扶中心).
    """

    heads: frozenset[str]
    head_lengths: tuple[int, ...]
    #: heads that name a body by themselves (工会, 学校, 党委), not a part of one (委员会)
    units: frozenset[str]
    #: clause words -> ``A`` (function word) or ``V`` (verb). A dict, not an automaton:
    #: names are short, and an Aho-Corasick automaton of some two thousand first
    #: characters reads each character of a name slowly
    words: dict[str, str]
    #: the lengths of the clause words, longest first
    word_lengths: tuple[int, ...]
    #: words that open a name of several bodies (各, 全体): a verb just before one ends a
    #: clause (掌握|各级工会), as before a body
    quantifiers: tuple[str, ...] = ()

    def word_at(self, text: str, at: int) -> int:
        """The end of the longest clause word that begins at ``at`` of ``text`` (``at``:
        none)."""
        words = self.words
        for size in (4, 3, 2):
            if at + size <= len(text) and text[at : at + size] in words:
                return at + size
        return at

    def verb_ends(self, name: str) -> bool:
        """Whether ``name`` ends in a verb of two characters (人行|举办, 工会|承办)."""
        return len(name) > 2 and self.words.get(name[-2:]) == "V"

    def head_starts(self, name: str) -> list[int]:
        """Where the heads at the end of ``name`` begin, last first (longest head first)."""
        starts: list[int] = []
        end = len(name)
        while end > 0:
            for length in self.head_lengths:
                if length <= end and name[end - length : end] in self.heads:
                    end -= length
                    starts.append(end)
                    break
            else:
                break
        return starts

    def clause_end(self, name: str) -> int:
        """Where the last clause word in front of the heads of ``name`` ends (0: none)."""
        starts = self.head_starts(name)
        if not starts:
            return 0
        prefix = starts[-1]  # the modifiers end where the heads begin
        words = self.words
        # the ends of the clause words inside the modifiers, the last first
        for end in range(prefix, 0, -1):
            for size in self.word_lengths:
                kind = words.get(name[end - size : end]) if size <= end else None
                if kind is None:
                    continue
                # a verb ends a clause just before a body (彰显|工会, 感到|学校工会), not
                # just before a part of one (调解|委员会) nor among the modifiers
                # (劳动保护监督检查员)
                if (
                    kind == "V"
                    and self.head_at(name, end, starts) not in self.units
                    and not name.startswith(self.quantifiers, end)
                ):
                    continue
                return end
        return 0

    @staticmethod
    def head_at(name: str, at: int, starts: list[int]) -> str | None:
        """The head of ``name`` that begins at ``at`` (``starts``: :meth:`head_starts`)."""
        if at not in starts:
            return None
        i = starts.index(at)
        return name[at : starts[i - 1] if i else len(name)]


def build_clause_words(dictionary: str | Path | None = None) -> list[tuple[str, str]]:
    """The clause words of jieba's dictionary: ``(word, "A")`` for function words,
    ``(word, "V")`` for verbs, of two to four characters and seen often enough.

    Args:
        dictionary: a jieba ``dict.txt`` (``word frequency tag`` a line); default:
            the installed jieba's.
    """
    if dictionary is None:
        import jieba

        dictionary = Path(jieba.__file__).parent / "dict.txt"
    words: list[tuple[str, str]] = []
    with open(dictionary, encoding="utf-8") as lines:
        for n, line in enumerate(lines, start=1):
            parts = line.split()
            if len(parts) != 3 or not parts[1].isdigit():
                raise DataFileError(dictionary, f"bad entry {line.strip()!r}", line=n)
            word, frequency, tag = parts
            if not 2 <= len(word) <= 4 or int(frequency) < _MIN_FREQUENCY:
                continue
            if tag in _FUNCTION_TAGS:
                words.append((word, "A"))
            elif tag in _VERB_TAGS:
                words.append((word, "V"))
    return sorted(set(words))


def write_clause_words() -> None:
    """Regenerate ``data/clause_words.txt`` from the installed jieba's dictionary."""
    header = (
        "# Clause words: the function words (A: adverbs, conjunctions, prepositions,\n"
        "# particles) and verbs (V: verbs and adverbial adjectives) of jieba's dictionary,\n"
        f"# two to four characters, seen at least {_MIN_FREQUENCY} times. Generated by\n"
        "# unionnlp.parties.write_clause_words(); do not edit by hand (exceptions go to\n"
        "# `modifiers` in parties.toml).\n"
    )
    body = "".join(f"{word} {kind}\n" for word, kind in build_clause_words())
    data_path(CLAUSE_WORDS_FILE).write_text(header + body, encoding="utf-8")
