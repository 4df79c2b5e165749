"""The data model: immutable records whose every item points back into the source.

A :class:`Source` owns the decoded text. Every annotation (a plan, a section, a
measure, a deadline, a party) holds a :class:`Span` of character offsets into
that text, so ``source.text[span.start:span.end]`` returns the item as written;
the normalised form (simplified script, canonical punctuation, boilerplate
removed) is kept beside it in ``text``/``title``/``name`` fields.

All records are frozen dataclasses with tuples for collections. A stage that
adds information returns a new record (:func:`dataclasses.replace`).
``to_dict()``/``from_dict()`` round-trip every record exactly
(``Plan.from_dict(plan.to_dict()) == plan``, the source included; only the
stages' working copy ``Plan.normalized`` is not kept); :data:`SCHEMA` names the
version of the serialised form.

This module is the bottom of the package: at import it needs only standard
modules (``errors`` is imported where an error is raised, ``normalize`` for
annotations only), so every other module imports it without a cycle
(``tests/test_layout.py`` checks).
:meth:`Plan.to_ics` and ``Plan._repr_html_`` are conveniences that import
:mod:`unionnlp.export` and :mod:`unionnlp.display` when called.

示例::

    >>> span = Span(0, 2)
    >>> span.slice("工会工作计划")
    '工会'
"""

from __future__ import annotations

import dataclasses
import hashlib
import types
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .normalize import NormalizedText

__all__ = [
    "SCHEMA",
    "Deadline",
    "ListLevel",
    "Measure",
    "Notice",
    "Party",
    "Placeholder",
    "Plan",
    "Section",
    "Source",
    "Span",
    "Table",
    "ThemeScore",
]

SCHEMA = "unionnlp.plan/1"

Script = Literal["simplified", "traditional", "mixed", "unknown"]
DeadlineKind = Literal["by", "on", "during", "every"]
PartyRole = Literal["lead", "support"]

JSON = dict[str, Any]


#: fields from which :func:`_slot_init` fills a record as its unfrozen twin: two class
#: swaps cost about what two descriptor calls do, a plain store a little
_TWIN_FIELDS = 4


def _slot_init(cls: type[Any]) -> type[Any]:
    """Give a frozen slotted dataclass an ``__init__`` that sets its slots directly.

    The ``__init__`` a frozen dataclass gets sets every field through
    ``object.__setattr__`` (an attribute lookup, then a search of the class for
    the slot); stages build tens of thousands of records per megabyte. This one
    takes the same parameters (defaults included), sets each slot through its
    descriptor and calls ``__post_init__`` as the dataclass's does
    (``tests/test_model.py`` checks both against :mod:`dataclasses`). A record
    of :data:`_TWIN_FIELDS` fields or more is filled as an instance of its
    unfrozen twin (:func:`_twin`: the same slots), where a plain store sets a
    slot, then given back its class; a subclass's instance is filled slot by slot.
    """
    fields = dataclasses.fields(cls)
    if not all(
        f.init and not f.kw_only and f.default_factory is dataclasses.MISSING for f in fields
    ):
        return cls  # not a shape written out here: the dataclass's own __init__ stays
    twin = _twin(cls) if len(fields) >= _TWIN_FIELDS else None
    scope: dict[str, Any] = {"_cls": cls, "_twin": twin, "_setclass": _SET_CLASS}
    params = ["self"]
    by_descriptor = []
    for i, f in enumerate(fields):
        if f.default is dataclasses.MISSING:
            params.append(f.name)
        else:
            scope[f"_default{i}"] = f.default
            params.append(f"{f.name}=_default{i}")
        scope[f"_set{i}"] = vars(cls)[f.name].__set__
        by_descriptor.append(f"_set{i}(self, {f.name})")
    if twin is None:
        lines = [f"    {line}" for line in by_descriptor]
    else:
        lines = ["    if type(self) is _cls:", "        _setclass(self, _twin)"]
        lines += [f"        self.{f.name} = {f.name}" for f in fields]
        lines += ["        self.__class__ = _cls", "    else:"]
        lines += [f"        {line}" for line in by_descriptor]
    if hasattr(cls, "__post_init__"):
        lines.append("    self.__post_init__()")
    source = f"def __init__({', '.join(params)}):\n" + "\n".join(lines) + "\n"
    exec(source, scope)  # field names of a dataclass: no outside input
    init = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__module__ = cls.__module__
    init.__doc__ = cls.__init__.__doc__
    init.__annotations__ = dict(cls.__init__.__annotations__)
    cls.__init__ = init
    return cls


#: ``object``'s ``__class__`` setter: swaps a frozen record's class (its own
#: ``__setattr__`` refuses every attribute)
_SET_CLASS = vars(object)["__class__"].__set__
_TWINS: dict[type[Any], type[Any] | None] = {}


def _twin(cls: type[Any]) -> type[Any] | None:
    """A plain class with the slots of the frozen slotted ``cls``, in the same order.

    An instance of one may be given the other's class by ``__class__``
    assignment (the same layout: Python checks it), so a record is filled with
    plain attribute stores, which a frozen ``__setattr__`` and its slot
    descriptors make dearer. ``None`` when ``cls``'s layout does not allow it.
    """
    if cls not in _TWINS:
        slots = vars(cls).get("__slots__")
        twin: type[Any] | None = None
        if cls.__bases__ == (object,) and isinstance(slots, tuple):
            twin = type(f"_{cls.__name__}Twin", (), {"__slots__": slots})
            try:
                _SET_CLASS(object.__new__(twin), cls)
            except TypeError:
                twin = None
        _TWINS[cls] = twin
    return _TWINS[cls]


@_slot_init
@dataclass(frozen=True, slots=True, order=True)
class Span:
    """Half-open character offsets ``[start, end)`` into a source text."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if not (0 <= self.start <= self.end):
            raise ValueError(f"invalid span [{self.start}, {self.end}): need 0 <= start <= end")

    def __len__(self) -> int:
        return self.end - self.start

    def slice(self, text: str) -> str:
        """Return the characters of ``text`` this span covers."""
        return text[self.start : self.end]

    def contains(self, other: Span) -> bool:
        """Whether ``other`` lies inside this span."""
        return self.start <= other.start and other.end <= self.end

    def to_dict(self) -> JSON:
        return {"start": self.start, "end": self.end}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Span:
        return cls(int(data["start"]), int(data["end"]))


def _span_or_none(data: Mapping[str, Any] | None) -> Span | None:
    return Span.from_dict(data) if data is not None else None


@_slot_init
@dataclass(frozen=True, slots=True)
class Notice:
    """A recorded warning: something unusual that did not stop processing.

    ``code`` is a stable identifier (``"numbering-gap"``, ``"corrupted-run"``…)
    for filtering; ``message`` is for people; ``span`` locates it in the source.
    """

    code: str
    message: str
    span: Span | None = None

    def to_dict(self) -> JSON:
        return {
            "code": self.code,
            "message": self.message,
            "span": self.span.to_dict() if self.span else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Notice:
        return cls(str(data["code"]), str(data["message"]), _span_or_none(data.get("span")))


@_slot_init
@dataclass(frozen=True, slots=True)
class Placeholder:
    """A template placeholder kept in the text but flagged as an unknown value.

    ``kind`` is ``"year"`` (``20__年``, ``20xx年``), ``"name"`` (``**区``) or
    ``"blank"`` (``__``, ``***``).
    """

    text: str
    span: Span
    kind: str

    def to_dict(self) -> JSON:
        return {"text": self.text, "span": self.span.to_dict(), "kind": self.kind}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Placeholder:
        return cls(str(data["text"]), Span.from_dict(data["span"]), str(data["kind"]))


Cell = tuple[str, Span]


@_slot_init
@dataclass(frozen=True, slots=True)
class Table:
    """A table of a document (序号 | 工作内容 | 责任单位 | 完成时限), for the measure stage.

    Every cell is ``(text, span)``, the span pointing into the source text
    where the reader rendered the cell. ``span`` covers the whole rendered table.
    """

    header: tuple[Cell, ...]
    rows: tuple[tuple[Cell, ...], ...]
    span: Span | None = None

    def to_dict(self) -> JSON:
        def cell(c: Cell) -> JSON:
            return {"text": c[0], "span": c[1].to_dict()}

        return {
            "header": [cell(c) for c in self.header],
            "rows": [[cell(c) for c in row] for row in self.rows],
            "span": self.span.to_dict() if self.span else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Table:
        def cell(c: Mapping[str, Any]) -> Cell:
            return (str(c["text"]), Span.from_dict(c["span"]))

        return cls(
            header=tuple(cell(c) for c in data.get("header", ())),
            rows=tuple(tuple(cell(c) for c in row) for row in data.get("rows", ())),
            span=_span_or_none(data.get("span")),
        )


@_slot_init
@dataclass(frozen=True, slots=True)
class ListLevel:
    """The list level a file states for a numbered line (a reader's hint to the structure stage).

    A .docx paragraph's ``w:ilvl`` or an HTML list item's nesting depth says
    where a list number sits even when its shape does not (``1.`` items under
    ``1.`` headings). ``span`` covers the list number as rendered into the
    source text; ``level`` is 0 for the outermost list.
    """

    span: Span
    level: int

    def to_dict(self) -> JSON:
        return {"span": self.span.to_dict(), "level": self.level}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ListLevel:
        return cls(Span.from_dict(data["span"]), int(data["level"]))


@_slot_init
@dataclass(frozen=True, slots=True)
class Source:
    """A decoded input: the text every span points into, and where it came from."""

    text: str
    path: str | None = None
    format: str = "text"
    encoding: str | None = None
    encoding_confidence: float | None = None
    sha256: str = ""
    warnings: tuple[Notice, ...] = ()
    #: tables the reader found (docx, html), rendered into ``text`` at their spans
    tables: tuple[Table, ...] = ()
    #: list levels the file states for its list numbers (docx, html), in reading order
    levels: tuple[ListLevel, ...] = ()

    @classmethod
    def from_text(
        cls,
        text: str,
        *,
        path: str | None = None,
        format: str = "text",
        encoding: str | None = None,
        encoding_confidence: float | None = None,
        raw: bytes | None = None,
        warnings: Sequence[Notice] = (),
        tables: Sequence[Table] = (),
        levels: Sequence[ListLevel] = (),
    ) -> Source:
        """Build a source; ``sha256`` is taken from ``raw`` bytes when given, else the text."""
        # surrogatepass: a text decoded with surrogateescape still has a digest
        data = raw if raw is not None else text.encode("utf-8", "surrogatepass")
        digest = hashlib.sha256(data).hexdigest()
        return cls(
            text=text,
            path=path,
            format=format,
            encoding=encoding,
            encoding_confidence=encoding_confidence,
            sha256=digest,
            warnings=tuple(warnings),
            tables=tuple(tables),
            levels=tuple(levels),
        )

    def to_dict(self, *, include_text: bool = False) -> JSON:
        """Where the text came from; with ``include_text`` also the text, the reader's
        warnings, tables and list levels, so that :meth:`from_dict` rebuilds an equal source.

        Records (``source`` of ``unionnlp.plan/1``) leave them out: the file holds the
        text, and the record lists the warnings beside the documents.
        """
        data: JSON = {
            "path": self.path,
            "format": self.format,
            "encoding": self.encoding,
            "encoding_confidence": self.encoding_confidence,
            "sha256": self.sha256,
            "length": len(self.text),
        }
        if include_text:
            data["text"] = self.text
            data["warnings"] = [w.to_dict() for w in self.warnings]
            data["tables"] = [t.to_dict() for t in self.tables]
            data["levels"] = [level.to_dict() for level in self.levels]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, text: str | None = None) -> Source:
        return cls(
            text=text if text is not None else str(data.get("text", "")),
            path=data.get("path"),
            format=str(data.get("format", "text")),
            encoding=data.get("encoding"),
            encoding_confidence=data.get("encoding_confidence"),
            sha256=str(data.get("sha256", "")),
            warnings=tuple(Notice.from_dict(w) for w in data.get("warnings", ())),
            tables=tuple(Table.from_dict(t) for t in data.get("tables", ())),
            levels=tuple(ListLevel.from_dict(v) for v in data.get("levels", ())),
        )


#: decimals a theme score keeps (more would be noise, and records stay short)
SCORE_DECIMALS = 4


@_slot_init
@dataclass(frozen=True, slots=True)
class ThemeScore:
    """A theme label with its score and the terms that weighed most for it.

    The score is kept to :data:`SCORE_DECIMALS` decimals from the start, so that
    the record holds exactly the value of the object.
    """

    label: str
    score: float
    evidence: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "score", round(float(self.score), SCORE_DECIMALS))

    def to_dict(self) -> JSON:
        return {"label": self.label, "score": self.score, "evidence": list(self.evidence)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ThemeScore:
        return cls(
            str(data["label"]), float(data["score"]), tuple(map(str, data.get("evidence", ())))
        )


@_slot_init
@dataclass(frozen=True, slots=True)
class Deadline:
    """When a measure is due, held or repeated.

    ``value`` is an EDTF / ISO 8601-2 string with ``X`` for unknown digits
    (``XXXX-03-25``, ``XXXX-33`` first quarter, ``A/B`` intervals); ``rrule``
    an RFC 5545 recurrence for ``kind == "every"``; ``rule`` names the grammar
    rule that matched.
    """

    text: str
    span: Span
    kind: DeadlineKind
    value: str | None = None
    rrule: str | None = None
    rule: str = ""

    def to_dict(self) -> JSON:
        return {
            "text": self.text,
            "span": self.span.to_dict(),
            "kind": self.kind,
            "value": self.value,
            "rrule": self.rrule,
            "rule": self.rule,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Deadline:
        return cls(
            text=str(data["text"]),
            span=Span.from_dict(data["span"]),
            kind=data["kind"],
            value=data.get("value"),
            rrule=data.get("rrule"),
            rule=str(data.get("rule", "")),
        )


@_slot_init
@dataclass(frozen=True, slots=True)
class Party:
    """A responsible party (责任单位) of a measure and its role (lead 牵头 / support 配合).

    ``implicit`` parties are the plan's author unit, assigned to a measure that
    names nobody; their span is the measure's span. A party named in a stretch of
    its section that no measure holds (a sentence the structure left out of the
    measures) goes to the measure before that stretch, else to the first after it:
    its span then lies inside the section's span but outside the measure's.
    """

    name: str
    span: Span
    role: PartyRole
    canonical: str | None = None
    implicit: bool = False

    def to_dict(self) -> JSON:
        return {
            "name": self.name,
            "span": self.span.to_dict(),
            "role": self.role,
            "canonical": self.canonical,
            "implicit": self.implicit,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Party:
        return cls(
            name=str(data["name"]),
            span=Span.from_dict(data["span"]),
            role=data["role"],
            canonical=data.get("canonical"),
            implicit=bool(data.get("implicit", False)),
        )


@_slot_init
@dataclass(frozen=True, slots=True)
class Measure:
    """An actionable unit of a plan (措施): a leaf item, a clause or an action sentence.

    ``schedule`` is the month heading of a month-by-month schedule the measure
    sits under (``3月份``), as normalised; ``columns`` keeps the cells of a table
    row (``("责任单位", "工会办公室")``) for the deadline and party stages.
    """

    text: str
    span: Span
    deadlines: tuple[Deadline, ...] = ()
    parties: tuple[Party, ...] = ()
    themes: tuple[ThemeScore, ...] = ()
    schedule: str | None = None
    schedule_span: Span | None = None
    columns: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> JSON:
        return {
            "text": self.text,
            "span": self.span.to_dict(),
            "deadlines": [d.to_dict() for d in self.deadlines],
            "parties": [p.to_dict() for p in self.parties],
            "themes": [t.to_dict() for t in self.themes],
            "schedule": self.schedule,
            "schedule_span": self.schedule_span.to_dict() if self.schedule_span else None,
            "columns": [[k, v] for k, v in self.columns],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Measure:
        return cls(
            text=str(data["text"]),
            span=Span.from_dict(data["span"]),
            deadlines=tuple(Deadline.from_dict(d) for d in data.get("deadlines", ())),
            parties=tuple(Party.from_dict(p) for p in data.get("parties", ())),
            themes=tuple(ThemeScore.from_dict(t) for t in data.get("themes", ())),
            schedule=data.get("schedule"),
            schedule_span=_span_or_none(data.get("schedule_span")),
            columns=tuple((str(k), str(v)) for k, v in data.get("columns", ())),
        )


@_slot_init
@dataclass(frozen=True, slots=True)
class Section:
    """A numbered heading or item of a plan, in a tree given by ``parent``.

    ``id`` is the ordinal path among siblings (``"2.1"`` is the first child of
    the second top-level section), independent of the numbers as written, which
    may skip or repeat; ``number`` is the value of the marker as written
    (``（三）`` -> 3) or ``None`` for unnumbered markers (``——``, or the
    synthetic section of a plan without numbering, whose marker is ``""``).
    """

    id: str
    parent: str | None
    level: int
    marker: str
    number: int | None
    title: str
    span: Span
    title_span: Span
    marker_span: Span
    themes: tuple[ThemeScore, ...] = ()
    measures: tuple[Measure, ...] = ()

    def to_dict(self) -> JSON:
        return {
            "id": self.id,
            "parent": self.parent,
            "level": self.level,
            "marker": self.marker,
            "number": self.number,
            "title": self.title,
            "span": self.span.to_dict(),
            "title_span": self.title_span.to_dict(),
            "marker_span": self.marker_span.to_dict(),
            "themes": [t.to_dict() for t in self.themes],  # best first, as the stage ranks them
            "measures": [m.to_dict() for m in self.measures],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Section:
        return cls(
            id=str(data["id"]),
            parent=data.get("parent"),
            level=int(data["level"]),
            marker=str(data["marker"]),
            number=data.get("number"),
            title=str(data["title"]),
            span=Span.from_dict(data["span"]),
            title_span=Span.from_dict(data["title_span"]),
            marker_span=Span.from_dict(data["marker_span"]),
            themes=tuple(ThemeScore.from_dict(t) for t in data.get("themes", ())),
            measures=tuple(Measure.from_dict(m) for m in data.get("measures", ())),
        )


@_slot_init
@dataclass(frozen=True, slots=True)
class Plan:
    """One plan (document) inside a source: metadata, the section tree, warnings.

    ``sections`` lists every section in reading order; the tree is given by
    each section's ``parent`` id. ``period`` is ``"annual"``, ``"first_half"``,
    ``"second_half"``, ``"school_year"``, ``"month"`` or ``None``; ``year`` is
    ``None`` when unknown (placeholders such as ``20__年`` stay unknown).
    """

    index: int
    span: Span
    title: str | None = None
    title_span: Span | None = None
    unit: str | None = None
    year: int | None = None
    period: str | None = None
    script: Script = "unknown"
    sections: tuple[Section, ...] = ()
    warnings: tuple[Notice, ...] = ()
    placeholders: tuple[Placeholder, ...] = ()
    source: Source | None = field(default=None, compare=False, repr=False)
    #: the normalised text the plan was parsed from (not serialised; stages use it)
    normalized: NormalizedText | None = field(default=None, compare=False, repr=False)

    # -- navigation -------------------------------------------------------
    def section(self, section_id: str) -> Section:
        """Return the section with ``section_id`` (``KeyError`` when absent)."""
        for sec in self.sections:
            if sec.id == section_id:
                return sec
        raise KeyError(section_id)

    def children(self, section: Section | None = None) -> tuple[Section, ...]:
        """The direct children of ``section``; the top-level sections when ``None``."""
        parent = section.id if section is not None else None
        return tuple(s for s in self.sections if s.parent == parent)

    def path(self, section: Section) -> tuple[Section, ...]:
        """The chain of sections from the top level down to ``section``."""
        by_id = {s.id: s for s in self.sections}
        chain = [section]
        while chain[-1].parent is not None:
            chain.append(by_id[chain[-1].parent])
        return tuple(reversed(chain))

    def measures(self) -> Iterator[tuple[Section, Measure]]:
        """Every measure of the plan with the section that holds it, in reading order."""
        for sec in self.sections:
            for measure in sec.measures:
                yield sec, measure

    def require_normalized(self, stage: str) -> NormalizedText:
        """The normalised text a stage works on; :class:`PipelineError` when it is missing."""
        if self.normalized is None:
            from .errors import PipelineError

            raise PipelineError(
                f"the {stage} stage needs plans from the structure stage (plan.normalized is"
                " missing); run it inside a Pipeline or parse the text first"
            )
        return self.normalized

    def text_of(self, span: Span) -> str:
        """The source text under ``span`` as written (needs ``source``)."""
        if self.source is None:
            raise ValueError("this plan carries no source text; parse it with a source")
        return span.slice(self.source.text)

    def to_ics(self, *, year: int | None = None) -> bytes:
        """This plan's dated measures as an iCalendar file (see :func:`unionnlp.export.to_ics`)."""
        from .export import to_ics

        return to_ics([self], year=year)[0]

    def _repr_html_(self) -> str:
        from .display import render

        return render(self)

    # -- serialisation ----------------------------------------------------
    def to_dict(self, *, with_source: bool = True) -> JSON:
        """The plan as plain data; :meth:`from_dict` rebuilds an equal plan.

        With ``with_source`` (the default) the source comes along whole (its
        text, warnings and tables), so ``Plan.from_dict(plan.to_dict())`` also
        has ``source.text`` to slice spans with. A record of ``unionnlp parse``
        holds one source for all the plans of a file and passes
        ``with_source=False``. Not kept: ``normalized``, the working copy of the
        text the stages use (parse the source again to get it).
        """
        data: JSON = {
            "index": self.index,
            "span": self.span.to_dict(),
            "title": self.title,
            "title_span": self.title_span.to_dict() if self.title_span else None,
            "unit": self.unit,
            "year": self.year,
            "period": self.period,
            "script": self.script,
            "sections": [s.to_dict() for s in self.sections],
            "warnings": [w.to_dict() for w in self.warnings],
            "placeholders": [p.to_dict() for p in self.placeholders],
        }
        if with_source and self.source is not None:
            data["source"] = self.source.to_dict(include_text=True)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, source: Source | None = None) -> Plan:
        """A plan from :meth:`to_dict`'s data; ``source`` (else the one in ``data``) is
        the source its spans point into."""
        if source is None and isinstance(data.get("source"), Mapping):
            source = Source.from_dict(data["source"])
        return cls(
            index=int(data.get("index", 0)),
            span=Span.from_dict(data["span"]),
            title=data.get("title"),
            title_span=_span_or_none(data.get("title_span")),
            unit=data.get("unit"),
            year=data.get("year"),
            period=data.get("period"),
            script=data.get("script", "unknown"),
            sections=tuple(Section.from_dict(s) for s in data.get("sections", ())),
            warnings=tuple(Notice.from_dict(w) for w in data.get("warnings", ())),
            placeholders=tuple(Placeholder.from_dict(p) for p in data.get("placeholders", ())),
            source=source,
        )


def replacer(cls: type[Any], *names: str) -> Callable[..., Any]:
    """``lambda obj, *values: dataclasses.replace(obj, **dict(zip(names, values)))``, faster.

    Stages rebuild every measure and section of a plan; ``replace`` walks the
    fields and passes them by keyword at every call. For a slotted dataclass
    without ``__post_init__`` (:class:`Measure`, :class:`Section`) the copy is
    built as its ``__init__`` would build it, but without the
    ``object.__setattr__`` lookup the frozen ``__init__`` pays per field: an
    empty instance, each slot set through its descriptor. Another class gets
    its ``__init__`` with the fields by position, or ``replace`` itself when a
    field is not taken by position. A wrong number of values raises
    ``ValueError``.
    """
    fields = dataclasses.fields(cls)
    if not all(f.init and not f.kw_only for f in fields):
        return lambda obj, *values: dataclasses.replace(
            obj, **dict(zip(names, values, strict=True))
        )
    order = [f.name for f in fields]
    at = [order.index(name) for name in names]
    if hasattr(cls, "__post_init__") or not all(
        isinstance(vars(cls).get(name), types.MemberDescriptorType) for name in order
    ):

        def with_values(obj: Any, *values: Any) -> Any:
            current = [getattr(obj, name) for name in order]
            for i, value in zip(at, values, strict=True):
                current[i] = value
            return cls(*current)

        return with_values
    return _slot_copier(cls, order, at)


def _slot_copier(cls: type[Any], order: list[str], at: list[int]) -> Callable[..., Any]:
    """``with_values(obj, *values)`` for :func:`replacer`, written out for ``cls``'s fields.

    The code is generated (as :mod:`dataclasses` generates ``__init__``): one
    line per field, which a loop over the fields would cost twice. The copy is
    filled as an instance of an unfrozen twin of ``cls`` (the same slots, in the
    same order), whose slots a plain attribute store sets, then given its class
    ``cls``: half the time of a descriptor call per slot. Where Python refuses
    the class swap, each slot is set through ``cls``'s descriptor.
    """
    twin = _twin(cls)
    scope: dict[str, Any] = {"_new": object.__new__, "_cls": cls, "_twin": twin}
    given = {i: k for k, i in enumerate(at)}
    lines = [
        "def with_values(obj, *values):",
        f"    ({''.join(f'v{k}, ' for k in range(len(at)))}) = values",
        f"    new = _new({'_cls' if twin is None else '_twin'})",
    ]
    for i, name in enumerate(order):
        value = f"v{given[i]}" if i in given else f"obj.{name}"
        if twin is None:
            scope[f"_set{i}"] = vars(cls)[name].__set__
            lines.append(f"    _set{i}(new, {value})")
        else:
            lines.append(f"    new.{name} = {value}")
    if twin is not None:
        lines.append("    new.__class__ = _cls")
    lines.append("    return new")
    exec("\n".join(lines), scope)  # field names of a dataclass: no outside input
    copier: Callable[..., Any] = scope["with_values"]
    return copier
