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

示例::

    >>> from unionnlp.parties import PartyExtractor
    >>> [(p.name, p.role) for p in PartyExtractor().find("配合机关党委抓好理论学习")]
    [('机关党委', 'lead')]
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import regex

from .errors import DataFileError
from .model import Measure, Party, PartyRole, Plan, Section, Span
from .resources import Rule, load_rules, load_toml

if TYPE_CHECKING:
    from .normalize import NormalizedText

__all__ = ["FoundParty", "PartyExtractor"]

logger = logging.getLogger(__name__)

_SPLIT = regex.compile(r"[、和及与，,]")
_LEAD_COLUMNS = ("责任单位", "责任部门", "牵头", "负责", "责任人", "承办")
_SUPPORT_COLUMNS = ("配合", "协办", "协助", "参与")
_ROLE_MARK = regex.compile(r"[（(](牵头|配合|协办)[）)]$")
_CLAUSE_END = "。；;！!？?\n"


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
    def canonical_names(self) -> dict[str, str]:
        data = load_toml(self._path)
        table: dict[str, str] = {}
        for entry in data.get("body", ()):
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
    def slots(self) -> list[Rule]:
        data = load_toml(self._path)
        heads = [str(h) for h in data.get("heads", ())]
        if not heads:
            raise DataFileError(self._path, "'heads' must be a non-empty list")
        words = sorted(set(heads) | set(self.canonical_names), key=len, reverse=True)
        alternation = "|".join(regex.escape(w) for w in words)
        return load_rules(self._path, "slot", variables={"HEADS": alternation})

    def find(self, text: str) -> list[FoundParty]:
        """Every party mention in ``text`` with its role, in reading order."""
        claimed: list[tuple[int, int]] = []
        found: list[FoundParty] = []
        for rule in self.slots:
            for m in rule.pattern.finditer(text, timeout=2.0 + len(text) / 500_000):
                role: PartyRole = rule.get("role", "lead")
                label = m.groupdict().get("label")
                if label in ("配合", "协办", "协助"):
                    role = "support"
                s, e = m.start("names"), m.end("names")
                if any(a < e and s < b for a, b in claimed):
                    continue
                claimed.append((s, e))
                pos = s
                group: list[tuple[int, str, PartyRole | None]] = []
                for part in _SPLIT.split(m.group("names")):
                    start = text.index(part, pos) if part else pos
                    pos = start + len(part)
                    name, marked = _strip_role_mark(part.strip())
                    if len(name) >= 2:
                        group.append((start, name, marked))
                # 责任单位：工会（牵头）、人事科: the names not marked as lead support it.
                default = role
                if any(mark == "lead" for _, _, mark in group):
                    default = "support"
                for start, name, marked in group:
                    found.append(
                        FoundParty(
                            start,
                            start + len(name),
                            name,
                            marked or default,
                            self._canonical(name),
                            rule.name,
                        )
                    )
        found.sort(key=lambda f: f.start)
        return _helper_roles(text, found)

    def _canonical(self, name: str) -> str | None:
        for alias, canonical in sorted(self.canonical_names.items(), key=lambda kv: -len(kv[0])):
            if name.endswith(alias):
                return name[: len(name) - len(alias)] + canonical
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

    # -- the stage ----------------------------------------------------------
    def __call__(self, plan: Plan) -> Plan:
        """Attach the parties named in each measure (and the implicit author unit)."""
        norm = plan.require_normalized(self.name)
        sections: list[Section] = []
        for sec in plan.sections:
            measures: list[Measure] = []
            for measure in sec.measures:
                ns, ne = norm.norm_range(measure.span)
                parties = [
                    f.party(norm.span(ns + f.start, ns + f.end))
                    for f in self.find(norm.text[ns:ne])
                ]
                parties.extend(self._from_columns(measure, norm, ns))
                if not parties and self.implicit and plan.unit:
                    parties = [
                        Party(
                            name=plan.unit,
                            span=measure.span,
                            role="lead",
                            canonical=self._canonical(plan.unit),
                            implicit=True,
                        )
                    ]
                measures.append(replace(measure, parties=tuple(parties)))
            sections.append(replace(sec, measures=tuple(measures)))
        return replace(plan, sections=tuple(sections))


def _strip_role_mark(name: str) -> tuple[str, PartyRole | None]:
    """``工会（牵头）`` -> (``工会``, ``lead``); ``人事科（配合）`` -> (…, ``support``)."""
    m = _ROLE_MARK.search(name)
    if m is None:
        return name, None
    role: PartyRole = "lead" if m.group(1) == "牵头" else "support"
    return name[: m.start()], role


def _helper_roles(text: str, found: list[FoundParty]) -> list[FoundParty]:
    """配合X做好Y: a union that is the subject of the same sentence becomes ``support``."""
    helped_sentences = set()
    for f in found:
        if f.rule == "help_lead":
            helped_sentences.add(_sentence_id(text, f.start))
    if not helped_sentences:
        return found
    out = []
    for f in found:
        if (
            f.rule == "subject"
            and "工会" in f.name
            and _sentence_id(text, f.start) in helped_sentences
        ):
            f = replace(f, role="support")
        out.append(f)
    return out


def _sentence_id(text: str, pos: int) -> int:
    return max(text.rfind(ch, 0, pos) for ch in _CLAUSE_END)
