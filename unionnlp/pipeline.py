"""The pipeline: the ordered stages that turn text into plans.

``Pipeline([...])`` writes the order out in one place: a normaliser (text to
:class:`~unionnlp.normalize.NormalizedText`), a structure parser (normalised
text to plans), then plan stages, each a named callable from
:class:`~unionnlp.model.Plan` to :class:`~unionnlp.model.Plan`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from functools import cached_property, lru_cache
from pathlib import Path

from .errors import EmptyInputError, InputTypeError, PipelineError, ProcessingTimeout
from .model import Notice, Plan, Source, Table
from .normalize import Normalizer
from .structure import StructureParser, measures_from_table

__all__ = ["Pipeline", "PlanStage", "default_pipeline"]

logger = logging.getLogger(__name__)

PlanStage = Callable[[Plan], Plan]


class Pipeline:
    """Normaliser, structure parser and plan stages, run in order.

    Args:
        normalizer: the text stage (default :class:`Normalizer`).
        structure: the structure stage (default :class:`StructureParser`).
        stages: plan stages run on every plan in order; each needs a
            ``name`` attribute or ``__name__`` for error messages. A stage
            that also has ``batch(plans) -> list[Plan]`` gets a text's plans
            at once (the theme stage scores them in one pass); it must give
            what calling it on each plan gives.
    """

    def __init__(
        self,
        normalizer: Normalizer | None = None,
        structure: StructureParser | None = None,
        stages: Sequence[PlanStage] = (),
    ) -> None:
        self.normalizer = normalizer if normalizer is not None else Normalizer()
        self.structure = structure if structure is not None else StructureParser()
        for stage in stages:
            if not callable(stage):
                raise PipelineError(f"pipeline stage {stage!r} is not callable")
        self.stages = tuple(stages)

    @classmethod
    def default(cls, *, theme_model: str | Path | None = None) -> Pipeline:
        """Normalise, structure, then deadlines, parties and themes.

        Args:
            theme_model: a theme model file written by ``unionnlp train``
                (default: the shipped ``data/themes_model.npz``).
        """
        from .deadlines import DeadlineExtractor
        from .parties import PartyExtractor
        from .themes import ThemeTagger

        return cls(stages=[DeadlineExtractor(), PartyExtractor(), ThemeTagger(model=theme_model)])

    @property
    def stage_names(self) -> tuple[str, ...]:
        names = ["normalize", "structure"]
        for stage in self.stages:
            names.append(str(getattr(stage, "name", getattr(stage, "__name__", repr(stage)))))
        return tuple(names)

    def parse(self, text: str, *, source: Source | None = None) -> list[Plan]:
        """Run every stage on ``text`` and return its plans (spans index ``text``).

        Raises:
            InputTypeError: ``text`` is not ``str``.
            EmptyInputError: ``text`` is empty or white space only.
            ProcessingTimeout: the normaliser's or the structure parser's scan of
                pathological text ran out of time. A plan stage that does is left
                out of the plans it ran out of time on, with a ``stage-timeout``
                warning; the other stages' output is kept.
        """
        if not isinstance(text, str):
            raise InputTypeError.expected_text(text, where="parse()")
        if not text.strip():
            raise EmptyInputError.for_text(where="parse()", source=source.path if source else None)
        if source is not None and source.text != text:
            raise PipelineError("parse(text, source=...) needs source.text == text")
        norm = self.normalizer(text)
        plans = self.structure(norm, source=source)
        if source is not None and source.tables:
            plans = [_attach_tables(plan, source.tables) for plan in plans]
        if norm.warnings:
            # Text-level warnings go to the plan whose span holds them (or the first plan).
            plans = _distribute(plans, norm.warnings)
        for name, stage in zip(self.stage_names[2:], self.stages, strict=True):
            # A stage with a ``batch`` method takes the text's plans at once.
            batch = getattr(stage, "batch", None)
            if batch is not None:
                started = time.monotonic()
                try:
                    plans = list(batch(plans))
                except (TimeoutError, ProcessingTimeout) as err:
                    plans = [_skipped(p, name, time.monotonic() - started, err) for p in plans]
            else:
                plans = [_run_stage(stage, name, p) for p in plans]
        return plans

    def warm(self) -> Pipeline:
        """Build every lazily loaded rule list, table and model now; returns ``self``.

        ``parse`` loads what it needs on first use, and some tables only when
        rare input asks for them. Call this before forking worker processes
        (they inherit what is loaded instead of each loading it again).

        Raises:
            DataFileError: a data file is missing or invalid.
        """
        seen: set[int] = set()
        for part in (self.normalizer, self.structure, *self.stages):
            _load_lazy(part, seen)
        return self

    def pipe(self, texts: Iterable[str]) -> Iterator[list[Plan]]:
        """Parse many texts lazily, in order."""
        for text in texts:
            yield self.parse(text)


def _run_stage(stage: PlanStage, name: str, plan: Plan) -> Plan:
    """``stage(plan)``; a plan the stage runs out of time on is kept without its output."""
    started = time.monotonic()
    try:
        return stage(plan)
    except (TimeoutError, ProcessingTimeout) as err:  # a regex timeout inside the stage
        return _skipped(plan, name, time.monotonic() - started, err)


def _skipped(plan: Plan, name: str, seconds: float, err: BaseException) -> Plan:
    """``plan`` as it was before stage ``name``, with a warning naming the stage, the time
    it took and the span it gave up on (the plan's, unless the stage named a narrower one)."""
    span = getattr(err, "span", None) or plan.span
    logger.info("%s stage out of time on %s; its output is left out", name, span)
    notice = Notice("stage-timeout", ProcessingTimeout.stage_skipped(name, seconds, span), span)
    return replace(plan, warnings=(*plan.warnings, notice))


def _load_lazy(obj: object, seen: set[int]) -> None:
    """Evaluate every ``cached_property`` of ``obj``, and of the unionnlp objects they hold
    (directly, or in a list, tuple or dict: lazily compiled rules come in lists)."""
    if id(obj) in seen:
        return
    seen.add(id(obj))
    for klass in type(obj).__mro__:
        for name, attr in vars(klass).items():
            if isinstance(attr, cached_property):
                value = getattr(obj, name)
                held = [value]
                if isinstance(value, dict):
                    held.extend(value.values())
                elif isinstance(value, list | tuple):
                    held.extend(value)
                for item in held:
                    if type(item).__module__.startswith("unionnlp."):
                        _load_lazy(item, seen)


def _attach_tables(plan: Plan, tables: Sequence[Table]) -> Plan:
    """Rows of the plan's tables become the measures of the section that holds each table.

    The rendered table text is replaced, as measures, by one measure per row
    (its cells kept as columns for the deadline and party stages).
    """
    sections = list(plan.sections)
    for table in tables:
        if table.span is None or not plan.span.contains(table.span):
            continue
        holder = None
        for i, sec in enumerate(sections):
            if sec.span.contains(table.span):
                holder = i  # the last (deepest) holding section wins
        rows = measures_from_table(table)
        if holder is None or not rows:
            continue
        sec = sections[holder]
        kept = [
            m
            for m in sec.measures
            if not table.span.contains(m.span) and not m.span.contains(table.span)
        ]
        merged = sorted([*kept, *rows], key=lambda m: m.span.start)
        sections[holder] = replace(sec, measures=tuple(merged))
    return replace(plan, sections=tuple(sections))


def _distribute(plans: list[Plan], warnings: Sequence[Notice]) -> list[Plan]:
    buckets: list[list[Notice]] = [list(p.warnings) for p in plans]
    for notice in warnings:
        target = 0
        if notice.span is not None:
            for i, plan in enumerate(plans):
                if plan.span.start <= notice.span.start < max(plan.span.end, plan.span.start + 1):
                    target = i
                    break
        buckets[target].append(notice)
    return [replace(p, warnings=tuple(b)) for p, b in zip(plans, buckets, strict=True)]


@lru_cache(maxsize=4)
def default_pipeline(theme_model: str | None = None) -> Pipeline:
    """The pipeline behind :func:`unionnlp.parse`, built on first use (one per theme model)."""
    return Pipeline.default(theme_model=theme_model)
