"""Responsible parties (责任单位) of measures and their role (lead 牵头 / support 配合).

The lexicon of union bodies, the heads of other organisations and the slots a
party stands in are data (``data/parties.toml``). A party is found where a
sentence puts it in a role:

- labelled fields: ``责任单位：X`` (lead), ``配合部门：X`` (support);
- ``配合X做好Y`` / ``协助X`` (X is the lead; a union named as subject in the same
  sentence becomes support), ``由X负责``, ``X牵头``, ``充分发挥X作用`` (lead);
- ``X配合``, ``会同X``, ``与X联合开展`` (support);
- X as the acting subject of a clause inside a measure (``分工会将…``).

Beneficiaries (职工, 困难职工, 农民工) are never parties: they are no heads. A
measure that names nobody gets the plan's author unit as an implicit lead
(``implicit=True``), which evaluation leaves out.

Most sentences hold no party, and the slots that start with a list of names
(``X牵头``, ``X将…``) would try that list at every position. So the data file
gives shortcuts, which never change what the slots find (the tests check it):

- a slot's ``requires`` lists literal strings of which every match holds one:
  one Aho-Corasick pass over a text tells which slots may match at all;
- a ``trigger`` is a cheap pattern that every match of its slot contains (the
  end of a name, then the word after the list): a slot runs only on text where
  it is found, and a slot that begins with ``{CLAUSE}`` starts no match after
  the last one;
- a slot that begins with ``{CLAUSE}`` is tried only where a clause starts (the
  start of the text, the end of its item marker, after a clause break), where
  the data file's ``CLAUSE`` is built from its ``BREAK`` and ``MARKER``.

示例::

    >>> from unionnlp.parties import PartyExtractor
    >>> [(p.name, p.role) for p in PartyExtractor().find("配合机关党委抓好理论学习")]
    [('机关党委', 'lead')]
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import regex

from .errors import DataFileError, ProcessingTimeout, scan_budget
from .model import Measure, Party, PartyRole, Plan, Section, Span, replacer
from .resources import Rule, data_path, load_rules, load_toml, load_wordlist

if TYPE_CHECKING:
    from .normalize import NormalizedText

__all__ = ["FoundParty", "PartyExtractor", "build_clause_words", "write_clause_words"]

logger = logging.getLogger(__name__)

_SPLIT = regex.compile(r"以及|[、和及与，,]")
#: the separator after which the subjects of a clause are partners (工会与X联合开展)
_PARTNER = "与"
_LEAD_COLUMNS = ("责任", "牵头", "负责", "承办", "主办", "实施")
_SUPPORT_COLUMNS = ("配合", "协办", "协助", "参与")
_ROLE_MARK = regex.compile(r"[（(](牵头|配合|协办)[）)]$")
_CLAUSE_END = "。；;！!？?\n"
#: how the data file's ``CLAUSE`` begins when its slots may run at clause starts only:
#: the start of the text, after a ``BREAK`` (one character) or after a leading ``MARKER``
_CLAUSE_START = "(?:^|(?<={BREAK})|(?<=^{MARKER}))"
_VARIABLE = regex.compile(r"\{[A-Z_][A-Z0-9_]*\}")
#: how far a text may still be the start of an item marker before all its positions
#: are tried (a text that starts with many spaces)
_MARKER_REACH = 32
#: a slot pattern that names parties by ``{NAME}``, ``{NAMES}`` or ``{LONG_NAME}``: each of
#: its matches holds a head or a body alias (a ``{FIELD}`` need not), so the slot is not
#: tried on text holding none
_NAMED = regex.compile(r"\{(?:NAME|NAMES|LONG_NAME)\}")
#: slots whose names start a clause: a name there that is no noun phrase is no party
_CLAUSE_SLOTS = frozenset({"subject", "named_lead", "named_support"})

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
class FoundParty:
    """A party in a text, with offsets into that text."""

    start: int
    end: int
    name: str
    role: PartyRole
    canonical: str | None
    rule: str

    def party(self, span: Span, *, role: PartyRole | None = None) -> Party:
        """This mention as a :class:`Party` at ``span`` (``role`` overrides the found one)."""
        return Party(self.name, span, role or self.role, self.canonical)


@dataclass(frozen=True)
class _Slot:
    """A slot rule ready to run, with its shortcuts."""

    rule: Rule
    role: PartyRole
    #: the pattern has a ``label`` group (``配合：X``)
    labelled: bool
    #: this slot's bit in :meth:`_Scan.met`
    bit: int
    #: the bits of :meth:`_Scan.met` the slot needs: its own, and the bit of the heads
    #: when its names are built from them
    needs: int
    trigger: regex.Pattern[str] | None
    #: where matches may start, when the pattern begins with ``{CLAUSE}``
    clause: _ClauseStarts | None


@dataclass(frozen=True)
class _Scan:
    """The one pass over a text that finds which slots' ``requires`` it meets."""

    #: an Aho-Corasick automaton: each required string -> bits of the slots requiring it
    #: (``None`` when no slot requires anything)
    automaton: Any
    #: bits of the slots that require nothing
    always: int

    @classmethod
    def of(cls, requires: list[tuple[str, ...]]) -> _Scan:
        """The scan for slots requiring ``requires[i]`` (empty: nothing) at bit ``i``."""
        import ahocorasick

        bits: dict[str, int] = {}
        for i, words in enumerate(requires):
            for word in words:
                bits[word] = bits.get(word, 0) | 1 << i
        automaton = None
        if bits:
            automaton = ahocorasick.Automaton()
            for word, slot_bits in bits.items():
                automaton.add_word(word, slot_bits)
            automaton.make_automaton()
        return cls(automaton, sum(1 << i for i, words in enumerate(requires) if not words))

    def met(self, text: str) -> int:
        """Bits of the slots whose ``requires`` ``text`` meets (or that require nothing)."""
        met = self.always
        if self.automaton is not None:
            for _end, bits in self.automaton.iter(text):
                met |= bits
        return met


@dataclass(frozen=True)
class _ClauseStarts:
    """Where a clause may start: the data file's ``BREAK`` and ``MARKER``, compiled."""

    brk: regex.Pattern[str]
    marker: regex.Pattern[str]

    #: first characters of texts seen -> whether a marker may begin with it
    first: dict[str, bool] = field(default_factory=dict)

    def may_open(self, ch: str) -> bool:
        """Whether a text beginning with ``ch`` may begin with a marker."""
        known = self.first.get(ch)
        if known is None:  # one character against the pattern: no scan to budget
            known = self.first[ch] = self.marker.fullmatch(ch, partial=True) is not None
        return known

    def positions(self, text: str) -> tuple[Sequence[int], list[int]]:
        """Every position of ``text`` where ``{CLAUSE}`` may match, in order, and where
        the ``BREAK`` characters stand."""
        breaks = [m.start() for m in self.brk.finditer(text)]
        starts = [0]
        if not text or not self.may_open(text[0]):
            return starts + [b + 1 for b in breaks], breaks
        # ``(?<=^{MARKER})``: the ends of the whole markers that ``text`` begins with. A
        # text that is not even the start of a marker starts none longer than itself.
        for p in range(1, len(text) + 1):
            m = self.marker.fullmatch(text, 0, p, partial=True)
            if m is None:
                break
            if p > _MARKER_REACH:
                return range(len(text) + 1), breaks
            if not m.partial:
                starts.append(p)
        after = [b + 1 for b in breaks]
        if len(starts) == 1:
            return starts + after, breaks
        return sorted({*starts, *after}), breaks


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
    #: clause words -> (length, ``A`` function word or ``V`` verb)
    words: Any
    #: words that open a name of several bodies (各, 全体): a verb just before one ends a
    #: clause (掌握|各级工会), as before a body
    quantifiers: tuple[str, ...] = ()

    def word_at(self, text: str, at: int) -> int:
        """The end of the longest clause word that begins at ``at`` of ``text`` (``at``:
        none)."""
        words = self.words
        for size in (4, 3, 2):
            if at + size <= len(text) and words.exists(text[at : at + size]):
                return at + size
        return at

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
        cut = 0
        for last, (_length, kind) in self.words.iter(name, 0, prefix):
            end = last + 1
            # a verb ends a clause just before a body (彰显|工会, 感到|学校工会), not just
            # before a part of one (调解|委员会) nor among the modifiers (劳动保护监督检查员)
            if (
                kind == "V"
                and self.head_at(name, end, starts) not in self.units
                and not name.startswith(self.quantifiers, end)
            ):
                continue
            cut = max(cut, end)
        return cut

    @staticmethod
    def head_at(name: str, at: int, starts: list[int]) -> str | None:
        """The head of ``name`` that begins at ``at`` (``starts``: :meth:`head_starts`)."""
        if at not in starts:
            return None
        i = starts.index(at)
        return name[at : starts[i - 1] if i else len(name)]


class PartyExtractor:
    """A pipeline stage that finds the parties of every measure.

    Args:
        lexicon: a file replacing ``data/parties.toml``.
        implicit: give measures without a named party the plan's unit as an
            implicit lead.
    """

    name = "parties"

    def __init__(self, *, lexicon: str | Path | None = None, implicit: bool = True) -> None:
        self.lexicon = lexicon
        self.implicit = implicit

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
        return {
            "HEADS": _trie(words),
            "HEAD_ENDS": "".join(regex.escape(ch) for ch in sorted({w[-1] for w in words})),
        }

    @cached_property
    def slots(self) -> list[Rule]:
        return load_rules(self._path, "slot", variables=self._variables)

    @cached_property
    def triggers(self) -> dict[str, Rule]:
        """The trigger of each slot that has one, by slot name."""
        if not self._data.get("trigger"):
            return {}
        rules = load_rules(self._path, "trigger", variables=self._variables)
        names = {rule.name for rule in self.slots}
        for rule in rules:
            if rule.name not in names:
                raise DataFileError(self._path, f"trigger {rule.name!r} names no slot")
        return {rule.name: rule for rule in rules}

    @cached_property
    def _grammar(self) -> _Grammar:
        """What tells a name from a clause: heads, units, modifiers and clause words."""
        import ahocorasick

        heads = {str(h) for h in self._data.get("heads", ())} | set(self.canonical_names)
        units = {str(u) for u in self._data.get("units", ())}
        modifiers = {str(m) for m in self._data.get("modifiers", ())}
        unknown = sorted(units - heads)
        if unknown:
            raise DataFileError(self._path, f"unit {unknown[0]!r} is no head")
        automaton = ahocorasick.Automaton()
        for n, entry in enumerate(load_wordlist(CLAUSE_WORDS_FILE), start=1):
            word, _, kind = entry.partition(" ")
            if kind not in ("A", "V") or not word:
                raise DataFileError(
                    data_path(CLAUSE_WORDS_FILE), f"bad entry {entry!r} (word A|V)", line=n
                )
            if word not in modifiers:
                automaton.add_word(word, (len(word), kind))
        automaton.make_automaton()
        return _Grammar(
            heads=frozenset(heads),
            head_lengths=tuple(sorted({len(h) for h in heads}, reverse=True)),
            units=frozenset(units | set(self.canonical_names)),
            words=automaton,
            quantifiers=tuple(str(q) for q in self._data.get("quantifiers", ())),
        )

    @cached_property
    def _scopes(self) -> dict[str, Rule]:
        """The ``opening`` (a section title), ``opening_line`` (a line of a measure) and
        ``closing`` (where a measure's text turns into the plan's closing paragraph)
        patterns of the data file, when it has them."""
        if not self._data.get("scope"):
            return {}
        scopes = {rule.name: rule for rule in load_rules(self._path, "scope")}
        unknown = scopes.keys() - {"opening", "opening_line", "closing"}
        if unknown:
            raise DataFileError(self._path, f"unknown scope {sorted(unknown)[0]!r}")
        return scopes

    @cached_property
    def tails(self) -> list[Rule]:
        """Heads that are also verbs (``组织``): each with the pattern of what may follow a
        name that keeps it."""
        if not self._data.get("tail"):
            return []
        rules = load_rules(self._path, "tail")
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
            return _ClauseStarts(regex.compile(brk), regex.compile(marker))
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

    def _stops(self, text: str, breaks: list[int]) -> list[int]:
        """Where ``STOP`` characters stand in ``text``, among its ``BREAK`` characters
        (``breaks``). A stop left out only makes more clause starts tried."""
        stop = self._stop
        if stop is None:
            return []
        known = self._stop_chars
        stops: list[int] = []
        for b in breaks:
            ch = text[b]
            is_stop = known.get(ch)
            if is_stop is None:  # one character against a set: no scan to budget
                is_stop = known[ch] = stop.fullmatch(ch) is not None
            if is_stop:
                stops.append(b)
        return stops

    @cached_property
    def _stop_chars(self) -> dict[str, bool]:
        """Break characters seen so far, and whether ``STOP`` holds each."""
        return {}

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
                    "label" in rule.pattern.groupindex,
                    1 << i,
                    needs,
                    None if trigger is None else trigger.pattern,
                    self._clause_starts if raw[rule.name].startswith("{CLAUSE}") else None,
                )
            )
        heads = {str(h) for h in self._data.get("heads", ())} | set(self.canonical_names)
        return tuple(slots), _Scan.of([*requires, tuple(sorted(heads))])

    @cached_property
    def _runnable(self) -> dict[int, tuple[_Slot, ...]]:
        """The slots to try, in order, by the bits of :meth:`_Scan.met` of a text."""
        return {}

    def find(self, text: str) -> list[FoundParty]:
        """Every party mention in ``text`` with its role, in reading order."""
        claimed: list[tuple[int, int]] = []
        found: list[FoundParty] = []
        for slot, m in self._matches(text):
            s, e = m.span("names")
            overlaps = any(a < e and s < b for a, b in claimed)
            role = slot.role
            if slot.labelled and m.group("label") in ("配合", "协办", "协助"):
                role = "support"
            listed = self._listed(text, s, m.group("names"), role, slot.rule.name)
            if slot.rule.get("heads_only"):  # 配合文明创建、机关党委工作: only the names count
                listed = [f for f in listed if self._grammar.head_starts(f.name)]
            if slot.rule.get("union_leads"):  # 工会、人社、法院三方合作: the union leads
                listed = [replace(f, role="lead") if f.name.endswith("工会") else f for f in listed]
            if overlaps:
                # 区总工会与区人社局联合开展: an earlier slot claimed the partner; the names
                # of the list before the first claimed one stay
                first = min(a for a, b in claimed if a < e and s < b)
                listed = [f for f in listed if f.end <= first]
                claimed.extend((f.start, f.end) for f in listed)
            else:
                claimed.append((s, e))
            if not slot.labelled:
                clause = slot.rule.name in _CLAUSE_SLOTS
                phrases = (
                    self._noun_phrase(self._trim_tail(text, f), clause)
                    for f in (self._whole_head(text, f) for f in listed)
                    if f is not None
                )
                listed = [f for f in phrases if f is not None]
            found.extend(listed)
        if not found:
            return found
        found.sort(key=lambda f: f.start)
        return _helper_roles(text, found)

    def _whole_head(self, text: str, found: FoundParty) -> FoundParty | None:
        """``found`` without a last head of one character that begins a longer word of
        the text (学校处|理好: 处理 is a verb, so the name is 学校), or ``None`` when no
        name of a head is left."""
        grammar = self._grammar
        starts = grammar.head_starts(found.name)
        if not starts or len(found.name) - starts[0] != 1:
            return found
        if grammar.word_at(text, found.end - 1) <= found.end:
            return found
        name = found.name[: starts[0]]
        if len(name) < 2 or not grammar.head_starts(name):
            return None
        return replace(
            found, end=found.start + len(name), name=name, canonical=self._canonical(name)
        )

    def _noun_phrase(self, found: FoundParty, clause: bool) -> FoundParty | None:
        """``found`` as a noun phrase: from after the last clause word in front of its
        heads (感到|学校工会), or ``None`` when a clause starts with it (适时调整工会要…)."""
        cut = self._grammar.clause_end(found.name)
        if not cut:
            return found
        if clause or len(found.name) - cut < 2:
            return None
        name = found.name[cut:]
        return replace(found, start=found.start + cut, name=name, canonical=self._canonical(name))

    def _trim_tail(self, text: str, found: FoundParty) -> FoundParty:
        """``found`` up to a head whose next word is the verb after it (工会|组织开展)."""
        for tail in self.tails:
            head: str = tail.get("head", "")
            word: str = tail.get("word")
            at = found.name.find(head + word)
            if at < 0:
                continue
            cut = at + len(head)  # in the name, where ``word`` begins
            after = found.start + cut + len(word)
            budget = scan_budget(len(text))
            if cut >= 2 and not tail.pattern.match(text, after, timeout=budget):
                short = found.name[:cut]
                return replace(
                    found, end=found.start + cut, name=short, canonical=self._canonical(short)
                )
        return found

    def _matches(self, text: str) -> Iterator[tuple[_Slot, regex.Match[str]]]:
        """The matches of the slots in ``text``, slot by slot, as their ``finditer`` finds
        them: the shortcuts skip only tries that cannot match."""
        timeout = scan_budget(len(text))
        met = self._plan[1].met(text)
        slots = self._runnable.get(met)
        if slots is None:  # no match lacks what its slot requires
            slots = self._runnable[met] = tuple(
                slot for slot in self._plan[0] if met & slot.needs == slot.needs
            )
        clause_starts: Sequence[int] | None = None
        breaks: list[int] = []
        stops: list[int] | None = None
        for slot in slots:
            pattern = slot.rule.pattern
            matches: Iterator[regex.Match[str]]
            if slot.clause is not None:
                hits = None
                if slot.trigger is not None:
                    hits = [t.span() for t in slot.trigger.finditer(text, timeout=timeout)]
                    if not hits:
                        continue  # no match lacks the trigger
                if clause_starts is None:
                    clause_starts, breaks = slot.clause.positions(text)
                starts = clause_starts
                end = len(text) + 1  # no match starts here or after
                if hits is not None:
                    if stops is None:
                        stops = self._stops(text, breaks)
                    starts = _before_hits(clause_starts, hits, stops)
                matches = _matches_at(pattern, text, starts, end, timeout)
            elif slot.trigger is not None and slot.trigger.search(text, timeout=timeout) is None:
                continue
            else:
                matches = pattern.finditer(text, timeout=timeout)
            for m in matches:
                yield slot, m

    def _listed(
        self, text: str, start: int, names: str, role: PartyRole, rule: str
    ) -> list[FoundParty]:
        """The parties of the list ``names`` found at ``start`` of ``text`` by slot ``rule``."""
        pos = start
        group: list[tuple[int, str, PartyRole | None]] = []
        partner = False
        for part in _SPLIT.split(names):
            at = text.index(part, pos) if part else pos
            # 工会与X开展…: the subjects after 与 are the union's partners
            if rule == "subject" and at > start and text[at - 1 : at] == _PARTNER:
                partner = True
            pos = at + len(part)
            name, marked = _strip_role_mark(part.strip())
            if len(name) >= 2:
                group.append((at, name, marked or ("support" if partner else None)))
        # 责任单位：工会（牵头）、人事科: the names not marked as lead support it.
        default = role
        if any(mark == "lead" for _, _, mark in group):
            default = "support"
        return [
            FoundParty(at, at + len(name), name, marked or default, self._canonical(name), rule)
            for at, name, marked in group
        ]

    def _canonical(self, name: str) -> str | None:
        """``name`` with its longest body alias at the end made canonical (``None``: no alias)."""
        table = self.canonical_names
        size = len(name)
        for length in self._alias_lengths:
            if length <= size:
                canonical = table.get(name[size - length :])
                if canonical is not None:
                    return name[: size - length] + canonical
        return None

    def _from_columns(self, measure: Measure, norm: NormalizedText, ns: int) -> list[Party]:
        """Parties named in the party columns of a table row (责任单位 | 配合单位)."""
        out: list[Party] = []
        for header, value in measure.columns:
            role: PartyRole | None = None
            if any(key in header for key in _LEAD_COLUMNS):
                role = "lead"
            elif any(key in header for key in _SUPPORT_COLUMNS):
                role = "support"
            if role is None or not value.strip():
                continue
            at = norm.text.find(value, ns, ns + 400)
            if at < 0:
                continue
            for f in self.find(f"{header}：{value}"):
                offset = at + f.start - len(header) - 1
                span = norm.span(offset, offset + len(f.name))
                out.append(f.party(span, role=None if role == "lead" else "support"))
        return out

    @cached_property
    def _scope_scan(self) -> _Scan:
        """The scan for the ``requires`` of ``closing`` (bit 0), ``opening_line`` (bit 1)
        and ``opening`` (bit 2)."""
        rules = [self._scopes.get(name) for name in ("closing", "opening_line", "opening")]
        return _Scan.of([tuple(rule.get("requires") or ()) if rule else () for rule in rules])

    def _readable(self, text: str, start: int, end: int) -> list[tuple[int, int]]:
        """The stretches of ``text[start:end]`` (a measure) where parties are looked for:
        up to a closing paragraph, without the lines that state the plan's guiding idea."""
        timeout = scan_budget(end - start)
        met = self._scope_scan.met(text[start:end])
        closing = self._scopes.get("closing")
        if closing is not None and met & 1:
            m = closing.pattern.search(text, start, end, timeout=timeout)
            end = m.start() if m else end
        rule = self._scopes.get("opening_line")
        if rule is None or not met & 2:
            return [(start, end)]
        opening = rule.pattern
        if opening.search(text, start, end, timeout=timeout) is None:
            return [(start, end)]
        stretches: list[tuple[int, int]] = []
        at = start
        while at < end:
            stop = text.find("\n", at, end)
            stop = end if stop < 0 else stop + 1
            if opening.search(text, at, stop, timeout=timeout) is None:
                if stretches and stretches[-1][1] == at:
                    stretches[-1] = (stretches[-1][0], stop)
                else:
                    stretches.append((at, stop))
            at = stop
        return stretches

    # -- the stage ----------------------------------------------------------
    def __call__(self, plan: Plan) -> Plan:
        """Attach the parties named in each measure (and the implicit author unit)."""
        norm = plan.require_normalized(self.name)
        unit_canonical = self._canonical(plan.unit) if plan.unit else None
        ranges = iter(norm.norm_ranges([m.span for sec in plan.sections for m in sec.measures]))
        opening = self._scopes.get("opening")
        sections: list[Section] = []
        for sec in plan.sections:
            if not sec.measures:
                sections.append(sec)
                continue
            opens: bool | None = None
            measures: list[Measure] = []
            for measure in sec.measures:
                ns, ne = next(ranges)
                try:
                    if opens is None:
                        # the plan's guiding idea (指导思想): the bodies it names lead no measure
                        budget = scan_budget(len(sec.title))
                        opens = bool(
                            opening
                            and self._scope_scan.met(sec.title) & 4
                            and opening.pattern.match(sec.title, timeout=budget)
                        )
                    stretches = [] if opens else self._readable(norm.text, ns, ne)
                    found = [
                        (start, f)
                        for start, end in stretches
                        for f in self.find(norm.text[start:end])
                    ]
                except TimeoutError as err:  # the pipeline reports the measure given up on
                    raise ProcessingTimeout.during(
                        self.name, ne - ns, scan_budget(ne - ns), span=measure.span
                    ) from err
                parties = [f.party(norm.span(at + f.start, at + f.end)) for at, f in found]
                if measure.columns:
                    parties.extend(self._from_columns(measure, norm, ns))
                if not parties and self.implicit and plan.unit:
                    parties = [
                        Party(
                            name=plan.unit,
                            span=measure.span,
                            role="lead",
                            canonical=unit_canonical,
                            implicit=True,
                        )
                    ]
                measures.append(_with_parties(measure, tuple(parties)))
            sections.append(_with_measures(sec, tuple(measures)))
        return replace(plan, sections=tuple(sections))


def _before_hits(starts: Sequence[int], hits: list[tuple[int, int]], stops: list[int]) -> list[int]:
    """The ``starts`` from which a trigger hit is reached before a stop (``stops``: the
    positions of ``STOP`` characters, in order).

    ``hits`` are the spans of the trigger's ``finditer``, which skips the hits that begin
    inside an earlier one: a start inside a hit is kept, whatever follows it. Any other
    start reaches a skipped hit only past the hit found before it.
    """
    kept: list[int] = []
    i = j = 0  # the first hit and the first stop at or after the start
    n, m = len(hits), len(stops)
    for p in starts:
        while i < n and hits[i][0] < p:
            i += 1
        if i and hits[i - 1][1] > p:
            kept.append(p)  # inside a hit: a hit that overlaps it may begin here
            continue
        if i == n:
            break  # no hit after this start, nor after the later ones
        while j < m and stops[j] < p:
            j += 1
        if j == m or hits[i][0] < stops[j]:
            kept.append(p)
    return kept


def _matches_at(
    pattern: regex.Pattern[str], text: str, starts: Sequence[int], end: int, timeout: float
) -> Iterator[regex.Match[str]]:
    """``pattern.finditer(text)`` where matches begin only at ``starts`` and before ``end``.

    The tries share ``timeout`` as ``finditer`` does.
    """
    deadline = time.monotonic() + timeout
    pos = 0
    for p in starts:
        if p >= end:
            return
        if p < pos:
            continue
        m = pattern.match(text, p, timeout=max(deadline - time.monotonic(), 0.0))
        if m is None:
            continue
        yield m
        pos = m.end()
        if pos == p:  # empty: ``finditer`` goes on from it by its own rule
            rest = pattern.finditer(text, p, timeout=max(deadline - time.monotonic(), 0.0))
            next(rest)
            yield from rest
            return


_with_parties: Callable[[Measure, tuple[Party, ...]], Measure] = replacer(Measure, "parties")
_with_measures: Callable[[Section, tuple[Measure, ...]], Section] = replacer(Section, "measures")


def _trie(words: list[str]) -> str:
    """An alternation of ``words`` that tries the longest first, written as a trie.

    It matches what ``w1|w2|…`` (longest first) matches, in the same order: at a
    position, the words found there are prefixes of one another, and the trie tries
    the longer before the shorter. But it reads a character per branch where the
    plain alternation tries every word, at every position of a name.
    """
    root: dict[str, Any] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def branch(node: dict[str, Any]) -> str:
        longer = [regex.escape(ch) + branch(child) for ch, child in sorted(node.items()) if ch]
        if not longer:
            return ""
        body = longer[0] if len(longer) == 1 else "(?:" + "|".join(longer) + ")"
        return f"(?:{body})?" if "" in node else body

    return branch(root)


def _strip_role_mark(name: str) -> tuple[str, PartyRole | None]:
    """``工会（牵头）`` -> (``工会``, ``lead``); ``人事科（配合）`` -> (…, ``support``)."""
    if "）" not in name and ")" not in name:
        return name, None  # most names: no mark to look for
    m = _ROLE_MARK.search(name)
    if m is None:
        return name, None
    role: PartyRole = "lead" if m.group(1) == "牵头" else "support"
    return name[: m.start()], role


def _helper_roles(text: str, found: list[FoundParty]) -> list[FoundParty]:
    """配合X做好Y: the subject of the same sentence, named before X, helps: ``support``."""
    helped: dict[int, tuple[int, set[str]]] = {}  # sentence -> last start, names helped
    for f in found:
        if f.rule == "help_lead":
            names = helped.get(_sentence_id(text, f.start), (0, set()))[1]
            helped[_sentence_id(text, f.start)] = (f.start, names | {f.name})
    if not helped:
        return found
    out = []
    for f in found:
        if f.rule == "subject":
            last, names = helped.get(_sentence_id(text, f.start), (-1, set()))
            if f.start < last and f.name not in names:
                f = replace(f, role="support")
        out.append(f)
    return out


def _sentence_id(text: str, pos: int) -> int:
    return max(text.rfind(ch, 0, pos) for ch in _CLAUSE_END)


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
