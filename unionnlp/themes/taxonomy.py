"""The theme taxonomy: labels with names, definitions, seed keywords and examples.

:func:`load_taxonomy` reads ``data/taxonomy.toml`` (or a user's file of the
same shape) into :class:`Theme` records; :func:`load_generic_terms` reads its
``generic`` words (words of every plan that name no theme) and
:func:`is_generic` tells whether a term lies inside a run of them, so that
training keeps such terms out of the vocabulary.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataFileError
from ..resources import load_toml

__all__ = ["Theme", "is_generic", "load_generic_terms", "load_taxonomy"]


@dataclass(frozen=True)
class Theme:
    """One label of the taxonomy."""

    label: str
    name: str
    definition: str
    keywords: tuple[str, ...]
    examples: tuple[str, ...]
    #: The label of abstention (``other``): assigned when no topic scores, never learned.
    fallback: bool = False


def load_generic_terms(path: str | Path | None = None) -> tuple[str, ...]:
    """The taxonomy file's ``generic`` words: words of every plan that name no theme.

    Raises:
        DataFileError: the list is not a list of strings of two characters or more.
    """
    source = path if path is not None else "taxonomy.toml"
    words = load_toml(source).get("generic", [])
    if not isinstance(words, list) or not all(isinstance(w, str) and len(w) >= 2 for w in words):
        raise DataFileError(source, "'generic' must list words of two characters or more")
    return tuple(words)


def is_generic(term: str, words: Collection[str]) -> bool:
    """Whether ``term`` lies inside a run of generic ``words`` (so it says nothing of a theme).

    True when ``term`` is inside one of the words, or is the end of one word,
    whole words, then the start of one (some parts may be missing)::

        >>> is_generic("强工作", ["加强", "工作"])
        True
        >>> is_generic("送温暖", ["加强", "工作"])
        False
    """
    if any(term in w for w in words):
        return True
    starts = {i for w in words for i in range(1, len(w) + 1) if term.endswith(w[:i])}
    # reach[i]: term[:i] is the end of a word followed by whole words
    reach = [False] * (len(term) + 1)
    for w in words:
        for i in range(1, len(w) + 1):
            if term.startswith(w[-i:]):
                reach[i] = True
    for i in range(1, len(term) + 1):
        if not reach[i]:
            continue
        if i == len(term) or len(term) - i in starts:
            return True
        for w in words:
            if term.startswith(w, i):
                reach[i + len(w)] = True
    return False


def load_taxonomy(path: str | Path | None = None) -> list[Theme]:
    """The theme taxonomy; raises :class:`DataFileError` on a malformed file."""
    source = path if path is not None else "taxonomy.toml"
    data = load_toml(source)
    themes: list[Theme] = []
    seen: set[str] = set()
    for entry in data.get("theme", ()):
        try:
            theme = Theme(
                label=str(entry["label"]),
                name=str(entry["name"]),
                definition=str(entry.get("definition", "")),
                keywords=tuple(str(k) for k in entry.get("keywords", ())),
                examples=tuple(str(e) for e in entry.get("examples", ())),
                fallback=bool(entry.get("fallback", False)),
            )
        except (KeyError, TypeError) as err:
            raise DataFileError(source, f"theme entry {entry!r} lacks {err}") from err
        if theme.label in seen:
            raise DataFileError(source, f"duplicate label {theme.label!r}")
        if len(set(theme.keywords)) != len(theme.keywords):
            raise DataFileError(source, f"duplicate keywords under {theme.label!r}")
        if theme.fallback and (theme.keywords or theme.examples):
            raise DataFileError(
                source,
                f"the fallback label {theme.label!r} is assigned when no topic scores;"
                " it takes no keywords or examples",
            )
        seen.add(theme.label)
        themes.append(theme)
    if not themes:
        raise DataFileError(source, "no [[theme]] entries")
    if sum(t.fallback for t in themes) > 1:
        raise DataFileError(source, "more than one fallback label")
    return themes
