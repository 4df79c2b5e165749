"""Parties: the data of the stage, read from ``data/parties.toml`` on first use.

:class:`PartyLexicon` loads and checks the body aliases (canonical names), the
heads and units, the slots with their triggers and ``requires``, the scopes,
the tails, the clause starts and ``STOP``, and builds the head-noun grammar
(:mod:`unionnlp.parties_grammar`) and the slots ready to run
(:mod:`unionnlp.parties_scan`). :class:`~unionnlp.parties.PartyExtractor`
finds parties with them.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

import regex

from ._patterns import word_trie
from .errors import DataFileError
from .parties_grammar import CLAUSE_WORDS_FILE, _Grammar
from .parties_scan import _ClauseStarts, _Scan, _Slot, _standard
from .resources import Rule, data_path, load_rules, load_toml, load_wordlist

__all__ = ["PartyLexicon"]

#: how the data file's ``CLAUSE`` begins when its slots may run at clause starts only:
#: the start of the text, after a ``BREAK`` (one character) or after a leading ``MARKER``
_CLAUSE_START = "(?:^|(?<={BREAK})|(?<=^{MARKER}))"
_VARIABLE = regex.compile(r"\{[A-Z_][A-Z0-9_]*\}")
#: a slot pattern that names parties by ``{NAME}``, ``{NAMES}`` or ``{LONG_NAME}``: each of
#: its matches holds a head or a body alias (a ``{FIELD}`` need not), so the slot is not
#: tried on text holding none
_NAMED = regex.compile(r"\{(?:NAME|NAMES|LONG_NAME)\}")


class PartyLexicon:
    """The lexicon, slots and grammar of ``data/parties.toml`` (or of the file
    ``lexicon`` names), each loaded and checked on first use."""

    lexicon: str | Path | None

    @cached_property
    def _path(self) -> str | Path:
        return self.lexicon if self.lexicon is not None else "parties.toml"

    @cached_property
    def _data(self) -> dict[str, Any]:
        return load_toml(self._path)

    @cached_property
    def canonical_names(self) -> dict[str, str]:
        table: dict[str, str] = {}
        for entry in self._data.get("body", ()):
            try:
                canonical = str(entry["canonical"])
                aliases = [str(a) for a in entry["aliases"]]
            except (KeyError, TypeError) as err:
                raise DataFileError(self._path, f"body entry {entry!r} lacks {err}") from err
            for alias in aliases:
                if alias in table:
                    raise DataFileError(self._path, f"alias {alias!r} given twice")
                table[alias] = canonical
        return table

    @cached_property
    def _alias_lengths(self) -> tuple[int, ...]:
        """The lengths of the body aliases, longest first."""
        return tuple(sorted({len(alias) for alias in self.canonical_names}, reverse=True))

    @cached_property
    def _variables(self) -> dict[str, str]:
        """``{HEADS}``, every head and alias, and ``{HEAD_ENDS}``, their last characters
        (for a set), for the patterns of the data file."""
        heads = [str(h) for h in self._data.get("heads", ())]
        if not heads:
            raise DataFileError(self._path, "'heads' must be a non-empty list")
        words = sorted(set(heads) | set(self.canonical_names), key=len, reverse=True)
        if "" in words:
            raise DataFileError(self._path, "heads and aliases must not be empty")
        starts = "".join(regex.escape(ch) for ch in sorted({w[0] for w in words}))
        return {
            # the set of first characters before the trie: one test of a set fails at once
            # where none stands (most places a name is tried), where the trie would try
            # its first branches one by one; it matches what the trie matches
            "HEADS": f"(?=[{starts}])" + _trie(words),
            "HEAD_ENDS": "".join(regex.escape(ch) for ch in sorted({w[-1] for w in words})),
        }

    @cached_property
    def slots(self) -> list[Rule]:
        """The slot rules, each compiled on its first use: a text asks for few of them,
        and compiling them all is most of what loading the stage costs."""
        return load_rules(self._path, "slot", variables=self._variables, lazy=True)

    @cached_property
    def triggers(self) -> dict[str, Rule]:
        """The trigger of each slot that has one, by slot name."""
        rules = load_rules(self._path, "trigger", variables=self._variables, optional=True)
        if not rules:
            return {}
        names = {rule.name for rule in self.slots}
        for rule in rules:
            if rule.name not in names:
                raise DataFileError(self._path, f"trigger {rule.name!r} names no slot")
        return {rule.name: rule for rule in rules}

    @cached_property
    def _grammar(self) -> _Grammar:
        """What tells a name from a clause: heads, units, modifiers and clause words."""
        heads = {str(h) for h in self._data.get("heads", ())} | set(self.canonical_names)
        units = {str(u) for u in self._data.get("units", ())}
        modifiers = {str(m) for m in self._data.get("modifiers", ())}
        unknown = sorted(units - heads)
        if unknown:
            raise DataFileError(self._path, f"unit {unknown[0]!r} is no head")
        words: dict[str, str] = {}
        for n, entry in enumerate(load_wordlist(CLAUSE_WORDS_FILE), start=1):
            word, _, kind = entry.partition(" ")
            if kind not in ("A", "V") or not word:
                raise DataFileError(
                    data_path(CLAUSE_WORDS_FILE), f"bad entry {entry!r} (word A|V)", line=n
                )
            if word not in modifiers:
                words[word] = kind
        return _Grammar(
            heads=frozenset(heads),
            head_lengths=tuple(sorted({len(h) for h in heads}, reverse=True)),
            units=frozenset(units | set(self.canonical_names)),
            words=words,
            word_lengths=tuple(sorted({len(w) for w in words}, reverse=True)),
            quantifiers=tuple(str(q) for q in self._data.get("quantifiers", ())),
        )

    @cached_property
    def _scopes(self) -> dict[str, Rule]:
        """The ``opening`` (a section title), ``opening_line`` (a line of a measure),
        ``closing`` (where a measure's text turns into the plan's closing paragraph) and
        ``document_title`` (a cited title, whose bodies are no parties) and ``past`` (a
        report of work done, after a subject) patterns of the data file, when it has
        them."""
        scopes = {rule.name: rule for rule in load_rules(self._path, "scope", optional=True)}
        unknown = scopes.keys() - {"opening", "opening_line", "closing", "document_title", "past"}
        if unknown:
            raise DataFileError(self._path, f"unknown scope {sorted(unknown)[0]!r}")
        return scopes

    @cached_property
    def prefixes(self) -> list[Rule]:
        """Words at the start of a name that only say the body is the writer's own
        (``我校``工会): the name is kept without them."""
        return load_rules(self._path, "prefix", optional=True)

    @cached_property
    def tails(self) -> list[Rule]:
        """Heads that are also verbs (``组织``): each with the pattern of what may follow a
        name that keeps it."""
        rules = load_rules(self._path, "tail", optional=True)
        for rule in rules:
            if not all(isinstance(rule.get(k), str) and rule.get(k) for k in ("head", "word")):
                raise DataFileError(self._path, f"tail {rule.name!r} needs a 'head' and a 'word'")
        return rules

    @cached_property
    def _clause_starts(self) -> _ClauseStarts | None:
        """Clause starts, when ``CLAUSE`` is made as :data:`_CLAUSE_START` says (else
        ``None``: the ``{CLAUSE}`` slots run at every position)."""
        variables = self._data.get("vars", {})
        brk, marker, clause = (variables.get(k) for k in ("BREAK", "MARKER", "CLAUSE"))
        if not (
            isinstance(brk, str)
            and isinstance(marker, str)
            and isinstance(clause, str)
            and clause.startswith(_CLAUSE_START)
            and regex.fullmatch(r"\[[^\[\]]+\]", brk)
            and not _VARIABLE.search(brk + marker)
        ):
            return None
        try:
            breaks = regex.compile(brk)
            return _ClauseStarts(_standard(breaks) or breaks, regex.compile(marker))
        except regex.error as err:
            raise DataFileError(self._path, f"BREAK or MARKER: bad pattern ({err})") from err

    @cached_property
    def _stop(self) -> regex.Pattern[str] | None:
        """``STOP``, the characters no match of a clause slot holds (``None``: not given)."""
        stop = self._data.get("vars", {}).get("STOP")
        if stop is None:
            return None
        if not isinstance(stop, str) or not regex.fullmatch(r"\[[^\[\]]+\]", stop):
            raise DataFileError(self._path, "STOP must be a set of characters ([…])")
        return regex.compile(stop)

    @cached_property
    def _plan(self) -> tuple[tuple[_Slot, ...], _Scan]:
        """The slots ready to run, and the scan for their ``requires``."""
        rules = self.slots  # (checks the entries)
        raw = {entry["name"]: entry["pattern"] for entry in self._data["slot"]}
        slots: list[_Slot] = []
        requires: list[tuple[str, ...]] = []
        # the last bit: the text holds a head or a body alias, which every name has
        head_bit = 1 << len(rules)
        for i, rule in enumerate(rules):
            requires.append(tuple(rule.get("requires") or ()))
            trigger = self.triggers.get(rule.name)
            needs = 1 << i
            if _NAMED.search(raw[rule.name]) and "{FIELD}" not in raw[rule.name]:
                needs |= head_bit
            slots.append(
                _Slot(
                    rule,
                    rule.get("role", "lead"),
                    1 << i,
                    needs,
                    None if trigger is None else trigger.pattern,
                    None if trigger is None else _standard(trigger.pattern),
                    self._clause_starts if raw[rule.name].startswith("{CLAUSE}") else None,
                )
            )
        heads = {str(h) for h in self._data.get("heads", ())} | set(self.canonical_names)
        return tuple(slots), _Scan.of(requires, any_of=sorted(heads))


def _trie(words: list[str]) -> str:
    """An alternation of ``words`` that tries the longest first, written as a trie.

    It matches what ``w1|w2|…`` (longest first) matches, in the same order: at a
    position, the words found there are prefixes of one another, and the trie tries
    the longer before the shorter. But it reads a character per branch where the
    plain alternation tries every word, at every position of a name.

    The trie, written out in every name of every slot, is most of what loading the
    slots costs (``regex`` parses patterns in pure Python). Measured and left: as
    ``regex``'s named list of the words (which it runs as the plain alternation) or
    as a group written once per slot and called (``(?(DEFINE)…)``, ``(?&…)``), the
    slots load in a quarter to a half less CPU, but the stage runs 2-8 % slower
    (cachegrind, 300 kB of the benchmark corpus).
    """
    return word_trie(words, regex.escape)
