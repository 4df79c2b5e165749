"""The themes stage: :class:`ThemeTagger` labels every section and measure of a plan."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from functools import cached_property
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import Measure, Plan, Section, Span, ThemeScore, replacer
from .scoring import ThemeModel

if TYPE_CHECKING:
    from ..normalize import NormalizedText

__all__ = ["ThemeTagger"]


class ThemeTagger:
    """A pipeline stage that labels every section and measure with its themes.

    Args:
        model: a weights file replacing the shipped ``data/themes_model.npz``.
        measures: label measures too (sections always are).
    """

    name = "themes"

    def __init__(self, *, model: str | Path | None = None, measures: bool = True) -> None:
        self.model_path = model
        self.measures = measures

    @cached_property
    def model(self) -> ThemeModel:
        return ThemeModel.load(self.model_path)

    def __call__(self, plan: Plan) -> Plan:
        return self.batch([plan])[0]

    def batch(self, plans: Sequence[Plan]) -> list[Plan]:
        """Label the plans of one text together: one scoring pass over their text.

        The same labels as one plan at a time (each range is scored on its own);
        a text's plans share its normalised text, so the fixed cost of a pass is
        paid once. Plans from different texts are labelled text by text.
        """
        out: list[Plan] = []
        start = 0
        while start < len(plans):
            norm = plans[start].require_normalized(self.name)
            stop = start + 1
            while stop < len(plans) and plans[stop].normalized is norm:
                stop += 1
            out.extend(self._label(plans[start:stop], norm))
            start = stop
        return out

    def _label(self, plans: Sequence[Plan], norm: NormalizedText) -> list[Plan]:
        spans: list[Span] = []
        sizes: list[tuple[int, int]] = []  # each plan's sections and measures
        for plan in plans:
            measure_spans = (
                [m.span for sec in plan.sections for m in sec.measures] if self.measures else []
            )
            section_spans = [sec.span for sec in plan.sections]
            titles = [sec.title_span for sec in plan.sections]
            spans += [plan.span, *section_spans, *measure_spans, *titles]
            sizes.append((len(section_spans), len(measure_spans)))
        # one pass over the plans' normalised text; every section and measure is a range
        # of it, kept inside its own plan; a section's title is counted once more in its
        # row (what section_document reads)
        mapped = norm.norm_ranges(spans)
        lo = min(mapped)[0]  # (the least start: tuples compare by their start first)
        hi = max(map(itemgetter(1), mapped))
        ranges: list[tuple[int, int]] = []
        rows: list[int] = []
        at = row = 0
        for n_sections, n_measures in sizes:
            p_lo, p_hi = mapped[at]
            own = n_sections + n_measures
            inside = mapped[at + 1 : at + 1 + own + n_sections]
            # each range cut to its plan's: max(a, p_lo), max(min(b, p_hi), p_lo), written
            # out (a call of the builtins costs more than the comparisons)
            ranges += [
                (
                    (a if a >= p_lo else p_lo) - lo,
                    ((b if b <= p_hi else p_hi) if b >= p_lo else p_lo) - lo,
                )
                for a, b in inside
            ]
            rows += [*range(row, row + own), *range(row, row + n_sections)]
            at += 1 + own + n_sections
            row += own
        assigned = iter(
            self.model.assign_ranges(norm.text[lo:hi], ranges, rows=rows) if ranges else ()
        )
        labelled: list[Plan] = []
        for plan in plans:
            themes = [tuple(next(assigned)) for _ in plan.sections]  # sections come first
            sections: list[Section] = []
            for sec, sec_themes in zip(plan.sections, themes, strict=True):
                measures = sec.measures
                if self.measures:
                    measures = tuple([_with_themes(m, tuple(next(assigned))) for m in measures])
                sections.append(_with_themes_and_measures(sec, sec_themes, measures))
            labelled.append(replace(plan, sections=tuple(sections)) if plan.sections else plan)
        return labelled


_with_themes: Callable[[Measure, tuple[ThemeScore, ...]], Measure] = replacer(Measure, "themes")
_with_themes_and_measures: Callable[
    [Section, tuple[ThemeScore, ...], tuple[Measure, ...]], Section
] = replacer(Section, "themes", "measures")
