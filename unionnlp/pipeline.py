"""The pipeline: the ordered stages that turn text into plans.

``Pipeline([...])`` writes the order out in one place: a normaliser (text to
:class:`~unionnlp.normalize.NormalizedText`), a structure parser (normalised
text to plans), then plan stages, each a named callable from
:class:`~unionnlp.model.Plan` to :class:`~unionnlp.model.Plan`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from functools import lru_cache

from .errors import EmptyInputError, InputTypeError, PipelineError
from .model import Notice, Plan, Source
from .normalize import Normalizer
from .structure import StructureParser

__all__ = ["Pipeline", "PlanStage", "default_pipeline"]

logger = logging.getLogger(__name__)

PlanStage = Callable[[Plan], Plan]


class Pipeline:
    """Normaliser, structure parser and plan stages, run in order.

    Args:
        normalizer: the text stage (default :class:`Normalizer`).
        structure: the structure stage (default :class:`StructureParser`).
        stages: plan stages run on every plan in order; each needs a
            ``name`` attribute or ``__name__`` for error messages.
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
    def default(cls) -> Pipeline:
        """Normalise, structure, then deadlines, parties and themes."""
        from .deadlines import DeadlineExtractor
        from .parties import PartyExtractor
        from .themes import ThemeTagger

        return cls(stages=[DeadlineExtractor(), PartyExtractor(), ThemeTagger()])

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
        """
        if not isinstance(text, str):
            raise InputTypeError.expected_text(text, where="parse()")
        if not text.strip():
            raise EmptyInputError.for_text(where="parse()", source=source.path if source else None)
        if source is not None and source.text != text:
            raise PipelineError("parse(text, source=...) needs source.text == text")
        norm = self.normalizer(text)
        plans = self.structure(norm, source=source)
        if norm.warnings:
            # Text-level warnings go to the plan whose span holds them (or the first plan).
            plans = _distribute(plans, norm.warnings)
        for stage in self.stages:
            plans = [stage(plan) for plan in plans]
        return plans

    def pipe(self, texts: Iterable[str]) -> Iterator[list[Plan]]:
        """Parse many texts lazily, in order."""
        for text in texts:
            yield self.parse(text)


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


@lru_cache(maxsize=1)
def default_pipeline() -> Pipeline:
    """The pipeline behind :func:`unionnlp.parse`, built on first use."""
    return Pipeline.default()
