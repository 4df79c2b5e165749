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

This module holds the stage: :class:`PartyExtractor` runs the slots over each
measure, cuts names to noun phrases and settles their roles. What it reads
lives beside it: :mod:`unionnlp.parties_lexicon` (:class:`PartyLexicon`, the
data file loaded and checked, which the extractor extends),
:mod:`unionnlp.parties_grammar` (the head-noun grammar and the clause words)
and :mod:`unionnlp.parties_scan` (the shortcuts above, as code).

示例::

    >>> from unionnlp.parties import PartyExtractor
    >>> [(p.name, p.role) for p in PartyExtractor().find("配合机关党委抓好理论学习")]
    [('机关党委', 'lead')]
"""

from __future__ import annotations

import bisect
import logging
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property, partial
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import regex

from ._patterns import matches_at as _matches_at
from .errors import ProcessingTimeout, regex_timeout, scan_budget
from .model import Measure, Party, PartyRole, Plan, Section, Span, replacer
from .parties_grammar import CLAUSE_WORDS_FILE as CLAUSE_WORDS_FILE
from .parties_grammar import build_clause_words, write_clause_words
from .parties_lexicon import PartyLexicon
from .parties_lexicon import _trie as _trie
from .parties_scan import _before_hits, _Scan, _Slot
from .resources import Rule

if TYPE_CHECKING:
    from .normalize import NormalizedText

__all__ = ["FoundParty", "PartyExtractor", "build_clause_words", "write_clause_words"]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

_SPLIT = re.compile(r"以及|[、和及与，,/／]")  # (``re``: it reads this alike, and faster)
#: the separator after which the subjects of a clause are partners (工会与X联合开展)
_PARTNER = "与"
_LEAD_COLUMNS = ("责任", "牵头", "负责", "承办", "主办", "实施")
_SUPPORT_COLUMNS = ("配合", "协办", "协助", "参与")
_ROLE_MARK = regex.compile(r"[（(](牵头|配合|协办)[）)]$")
_CLAUSE_END = "。；;！!？?\n"
#: what ends a clause inside a sentence
_CLAUSE_BREAK = "，,"
#: slots whose names start a clause: a name there that is no noun phrase is no party
_CLAUSE_SLOTS = frozenset({"subject", "named_lead", "named_support", "duty"})


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


class PartyExtractor(PartyLexicon):
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
    def _sharing(self) -> frozenset[str]:
        """The slots whose lists may open with modifiers that share the head of the name
        after them (``shared_heads`` in the data file)."""
        return frozenset(rule.name for rule in self.slots if rule.get("shared_heads"))

    @cached_property
    def _runnable(self) -> dict[int, tuple[_Slot, ...]]:
        """The slots to try, in order, by the bits of :meth:`_Scan.met` of a text."""
        return {}

    def find(self, text: str) -> list[FoundParty]:
        """Every party mention in ``text`` with its role, in reading order."""
        claimed: list[tuple[int, int]] = []
        found: list[FoundParty] = []
        past = self._scopes.get("past")
        if past is not None and not past.may_match(text):
            past = None
        for slot, m in self._matches(text):
            if past is not None and slot.rule.name == "subject" and self._reports(past, text, m):
                continue  # 车间工会还建立了…: a report of work done names no party
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
                listed = [self._without_prefix(f) for f in phrases if f is not None]
            found.extend(listed)
        if not found:
            return found
        found = self._outside_titles(text, found)
        found.sort(key=lambda f: f.start)
        return _helper_roles(text, found)

    def _outside_titles(self, text: str, found: list[FoundParty]) -> list[FoundParty]:
        """``found`` without the names inside a cited document title (《关于…的意见》)."""
        rule = self._scopes.get("document_title")
        if rule is None or not rule.may_match(text):
            return found
        budget = scan_budget(len(text))
        titles = [m.span() for m in rule.pattern.finditer(text, timeout=budget)]
        return [f for f in found if not any(a <= f.start and f.end <= b for a, b in titles)]

    @staticmethod
    def _reports(past: Rule, text: str, m: regex.Match[str]) -> bool:
        """Whether the clause of the subject matched by ``m`` reports work done."""
        return past.pattern.match(text, m.end(), timeout=scan_budget(len(text))) is not None

    def _whole_head(self, text: str, found: FoundParty) -> FoundParty | None:
        """``found`` without a last head of one character that begins a longer word of
        the text (学校处|理好: 处理 is a verb, so the name is 学校) or ends a verb (联合人行
        举|办: 举办), or ``None`` when no name of a head is left."""
        grammar = self._grammar
        starts = grammar.head_starts(found.name)
        if not starts or len(found.name) - starts[0] != 1:
            return found
        if grammar.word_at(text, found.end - 1) <= found.end and not grammar.verb_ends(found.name):
            return found
        name = found.name[: starts[0]]
        if len(name) < 2 or not grammar.head_starts(name):
            return None
        return self._narrowed(found, 0, len(name))

    def _noun_phrase(self, found: FoundParty, clause: bool) -> FoundParty | None:
        """``found`` as a noun phrase: from after the last clause word in front of its
        heads (感到|学校工会), or ``None`` when a clause starts with it (适时调整工会要…)."""
        cut = self._grammar.clause_end(found.name)
        if not cut:
            return found
        if clause or len(found.name) - cut < 2:
            return None
        return self._narrowed(found, cut, len(found.name))

    @cached_property
    def _prefixes_by_first(self) -> dict[str, tuple[Rule, ...]]:
        """First characters of names seen so far -> the ``prefix`` rules that may match
        a name beginning with it."""
        return {}

    def _without_prefix(self, found: FoundParty) -> FoundParty:
        """``found`` without a word at its start that only says the body is the writer's
        own (我校|工会), when a name of a head is left."""
        first = found.name[:1]
        rules = self._prefixes_by_first.get(first)
        if rules is None:  # one character against each pattern: no scan to budget
            rules = self._prefixes_by_first[first] = tuple(
                rule for rule in self.prefixes if rule.pattern.match(first, partial=True)
            )
        for rule in rules:
            if not rule.may_match(found.name):
                continue
            m = rule.pattern.match(found.name, timeout=scan_budget(len(found.name)))
            if m is None or not m.end():
                continue
            name = found.name[m.end() :]
            if len(name) >= 2 and self._grammar.head_starts(name):
                return self._narrowed(found, m.end(), len(found.name))
        return found

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
                return self._narrowed(found, 0, cut)
        return found

    def _narrowed(self, found: FoundParty, lo: int, hi: int) -> FoundParty:
        """``found`` cut to ``found.name[lo:hi]``, its span and canonical name with it."""
        name = found.name[lo:hi]
        return replace(
            found,
            start=found.start + lo,
            end=found.start + hi,
            name=name,
            canonical=self._canonical(name),
        )

    def _slots_for(self, text: str) -> tuple[_Slot, ...]:
        """The slots that may match in ``text``: those whose ``requires`` it meets."""
        met = self._plan[1].met(text)
        slots = self._runnable.get(met)
        if slots is None:  # no match lacks what its slot requires
            slots = self._runnable[met] = tuple(
                slot for slot in self._plan[0] if met & slot.needs == slot.needs
            )
        return slots

    def _matches(self, text: str) -> Iterator[tuple[_Slot, regex.Match[str]]]:
        """The matches of the slots in ``text``, slot by slot, as their ``finditer`` finds
        them: the shortcuts skip only tries that cannot match."""
        size = len(text)
        budget = scan_budget(size)
        slots = self._slots_for(text)
        clause_starts: Sequence[int] | None = None
        breaks: list[int] = []
        stops: list[int] | None = None
        for slot in slots:
            matches: Iterator[regex.Match[str]]
            if slot.clause is not None:
                hits = None
                if slot.trigger is not None:
                    hits = slot.trigger_spans(text, budget)
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
                pattern = slot.rule.pattern
                timeout = regex_timeout(pattern, size, budget)
                matches = _matches_at(pattern, text, starts, end, timeout)
            elif not slot.triggered(text, budget):
                continue
            else:
                pattern = slot.rule.pattern
                timeout = regex_timeout(pattern, size, budget)
                # by position (keywords are slow): concurrent=False keeps the GIL, see README Speed
                matches = pattern.finditer(text, None, None, False, False, False, timeout)
            for m in matches:
                yield slot, m

    def _listed(
        self, text: str, start: int, names: str, role: PartyRole, rule: str
    ) -> list[FoundParty]:
        """The parties of the list ``names`` found at ``start`` of ``text`` by slot ``rule``."""
        pos = start
        group: list[tuple[int, str, PartyRole | None]] = []
        partner = False
        shared: int | None = None  # where a list of modifiers sharing the next head begins
        for part in _SPLIT.split(names):
            at = text.index(part, pos) if part else pos
            # 工会与X开展…: the subjects after 与 are the union's partners
            if rule == "subject" and at > start and text[at - 1 : at] == _PARTNER:
                partner = True
            pos = at + len(part)
            if rule in self._sharing:
                # 地方及兄弟单位工会, 市、县工会: modifiers without a head share the next one
                if not self._grammar.head_starts(part.strip()):
                    shared = at if shared is None else shared
                    continue
                if shared is not None:
                    at, part, shared = shared, text[shared:pos], None
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

    def _opens(self, title: str) -> bool:
        """Whether a section titled ``title`` states the plan's guiding idea (指导思想): the
        bodies it names lead no measure."""
        opening = self._scopes.get("opening")
        return bool(
            opening
            and self._scope_scan.met(title) & 4
            and opening.pattern.match(title, timeout=scan_budget(len(title)))
        )

    # -- the stage ----------------------------------------------------------
    def __call__(self, plan: Plan) -> Plan:
        """Attach the parties named in each measure (and the implicit author unit)."""
        norm = plan.require_normalized(self.name)
        unit_canonical = self._canonical(plan.unit) if plan.unit else None
        ranges = iter(norm.norm_ranges([m.span for sec in plan.sections for m in sec.measures]))
        sections: list[Section] = []
        opening: set[int] = set()  # the sections that state the plan's guiding idea
        for sec in plan.sections:
            if not sec.measures:
                sections.append(sec)
                continue
            opens: bool | None = None
            measures: list[Measure] = []
            for measure in sec.measures:
                ns, ne = next(ranges)
                if opens is None:
                    opens = self._guarded(partial(self._opens, sec.title), ne - ns, measure.span)
                    if opens:
                        opening.add(len(sections))
                parties = [] if opens else self._parties_in(norm, ns, ne, measure.span)
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
        sections = _between(self, norm, sections, opening)
        return replace(plan, sections=tuple(sections))

    def _parties_in(self, norm: NormalizedText, ns: int, ne: int, span: Span) -> list[Party]:
        """The parties named in ``norm.text[ns:ne]`` (the source's ``span``), their spans
        pointing into the source."""
        found = self._guarded(
            lambda: [
                (start, f)
                for start, end in self._readable(norm.text, ns, ne)
                for f in self.find(norm.text[start:end])
            ],
            ne - ns,
            span,
        )
        return [f.party(norm.span(at + f.start, at + f.end)) for at, f in found]

    def _guarded(self, work: Callable[[], _T], size: int, span: Span) -> _T:
        """``work()``; a regex running out of time in it stops the stage on ``span`` (of
        ``size`` characters), which the pipeline reports as the text given up on."""
        try:
            return work()
        except TimeoutError as err:
            raise ProcessingTimeout.during(self.name, size, scan_budget(size), span=span) from err


_with_parties: Callable[[Measure, tuple[Party, ...]], Measure] = replacer(Measure, "parties")
_with_measures: Callable[[Section, tuple[Measure, ...]], Section] = replacer(Section, "measures")


def _between(
    stage: PartyExtractor, norm: NormalizedText, sections: list[Section], opening: set[int]
) -> list[Section]:
    """``sections`` with the parties named in the text of a section that no measure of it
    holds (a sentence the structure left out of its measures), each given to the measure
    before it in the section, or to the first measure after it. The sections of
    ``opening`` (indexes) state the plan's guiding idea and are not read."""
    children: dict[str | None, list[Span]] = {}
    for sec in sections:
        children.setdefault(sec.parent, []).append(sec.span)
    order: list[tuple[int, int, int]] = []  # (measure start, section index, measure index)
    for i, sec in enumerate(sections):
        for j, m in enumerate(sec.measures):
            order.append((m.span.start, i, j))
    if not order:
        return sections
    starts = [o[0] for o in order]
    if starts != sorted(starts):  # (measures come in reading order)
        order.sort()
        starts = [o[0] for o in order]
    gaps: list[tuple[Span, tuple[int, int]]] = []  # (gap, its measure)
    for i, sec in enumerate(sections):
        if not sec.measures:
            # the title of a section heading sub-items: measured and left (its parties
            # cost the written sets more precision than their floors allow)
            continue
        kids = children.get(sec.id)
        span = sec.span
        if not kids and len(sec.measures) == 1:  # most leaves: one measure, all of it
            whole = sec.measures[0].span
            if whole.start - span.start < 2 and span.end - whole.end < 2:
                continue
        taken = sorted(
            [(s.start, s.end) for s in kids or ()]
            + [(m.span.start, m.span.end) for m in sec.measures]
        )
        at = span.start
        pieces: list[tuple[int, int]] = []
        for a, b in taken:
            if a - at >= 2:
                pieces.append((at, a))
            at = max(at, b)
        if sec.span.end - at >= 2:
            pieces.append((at, sec.span.end))
        if not pieces or i in opening:
            continue
        for a, b in pieces:
            # the measure before the gap in this section, else the first after it
            k = bisect.bisect_right(starts, a) - 1
            if k < 0 or order[k][1] != i:
                k = bisect.bisect_left(starts, a)
            if k < len(order):
                gaps.append((Span(a, b), (order[k][1], order[k][2])))
    extra: dict[tuple[int, int], list[Party]] = {}
    ranges = norm.norm_ranges([gap for gap, _ in gaps])
    for (gap, key), (ns, ne) in zip(gaps, ranges, strict=True):
        if ne - ns < 2 or not stage._slots_for(norm.text[ns:ne]):
            continue  # (most titles and left-out sentences: no slot may match)
        found = stage._parties_in(norm, ns, ne, gap)
        if found:
            extra.setdefault(key, []).extend(found)
    if not extra:
        return sections
    touched = {i for i, _ in extra}
    out: list[Section] = []
    for i, sec in enumerate(sections):
        if i not in touched:
            out.append(sec)
            continue
        measures: list[Measure] = []
        for j, m in enumerate(sec.measures):
            more = extra.get((i, j))
            if more:
                own = [p for p in m.parties if not p.implicit]
                m = _with_parties(m, tuple(own + more))
            measures.append(m)
        out.append(_with_measures(sec, tuple(measures)))
    return out


def _strip_role_mark(name: str) -> tuple[str, PartyRole | None]:
    """``工会（牵头）`` -> (``工会``, ``lead``); ``人事科（配合）`` -> (…, ``support``)."""
    if "）" not in name and ")" not in name:
        return name, None  # most names: no mark to look for
    m = _ROLE_MARK.search(name)
    if m is None:
        return name, None
    role: PartyRole = "lead" if m.group(1) == "牵头" else "support"
    return name[: m.start()], role


#: the slots whose names are subjects of their clause (a named helper is one: 工会小组要配合)
_SUBJECT_RULES = frozenset({"subject", "named_support"})


def _helper_roles(text: str, found: list[FoundParty]) -> list[FoundParty]:
    """配合X做好Y: the subject named last before X in its sentence (and the subjects listed
    in the same clause with it) helps: ``support``. A subject of an earlier clause of the
    sentence (工会在…领导下开展…，工会要配合X…) keeps its role."""
    if not any(f.rule == "help_lead" for f in found):
        return found
    sentences = [_sentence_id(text, f.start) for f in found]
    helpers: set[int] = set()  # indexes into ``found``
    for i, f in enumerate(found):
        if f.rule != "help_lead":
            continue
        before = [
            j for j in range(i) if found[j].rule in _SUBJECT_RULES and sentences[j] == sentences[i]
        ]
        if not before:
            continue
        last = found[before[-1]]
        clause = max(text.rfind(ch, 0, last.start) for ch in _CLAUSE_BREAK)
        helpers.update(j for j in before if found[j].start > clause)
    if not helpers:
        return found
    helped = {f.name for f in found if f.rule == "help_lead"}
    return [
        replace(f, role="support") if i in helpers and f.name not in helped else f
        for i, f in enumerate(found)
    ]


def _sentence_id(text: str, pos: int) -> int:
    return max(text.rfind(ch, 0, pos) for ch in _CLAUSE_END)
