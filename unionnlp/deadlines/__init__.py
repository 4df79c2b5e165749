"""Deadlines: time expressions of plans -> EDTF values and RFC 5545 recurrences.

The grammar lives in ``data/deadlines.toml`` (named ``regex`` rules with
examples) and the festival table in ``data/festivals.toml``; this package turns
each match into a :class:`~unionnlp.model.Deadline`:

- ``kind``: ``by`` (due by: ``3月底前``), ``on`` (held at: ``9月份``, ``教师节``),
  ``during`` (a period: ``上半年``, ``4月至5月``) or ``every`` (``每季度``);
- ``value``: EDTF / ISO 8601-2 with ``X`` for unknown digits: ``XXXX-03-25``,
  ``XXXX-03``, ``XXXX-33`` (first quarter), ``XXXX-40``/``XXXX-41`` (half
  years), ``XXXX-22`` (summer), intervals ``A/B``, open ``A/..``, sets ``{A,B}``;
- ``rrule``: RFC 5545 for recurrences (``FREQ=WEEKLY;BYDAY=MO,WE,FR``).

Relative expressions resolve against the plan's own year (its title or
opening; for school-year plans months before September fall in the next
year); never against the clock. Unknown stays ``XXXX``.

The package, a module per concept (the public names importable from
``unionnlp.deadlines``):

- :mod:`~unionnlp.deadlines.scan`: the trigger scan, the literal strings each
  rule needs read from its pattern, so that a rule runs only where it could match;
- :mod:`~unionnlp.deadlines.interpret`: :class:`Found` and the reading of a
  match into a kind, value and recurrence (dates, ranges, festivals, the year);
- :mod:`~unionnlp.deadlines.festivals`: the festival entries and their dates;
- :mod:`~unionnlp.deadlines.recurrences`: weekdays and units as RFC 5545 rules;
- :mod:`~unionnlp.deadlines.context`: background time, signature dates and
  quotation marks around a match;
- :mod:`~unionnlp.deadlines.attach`: deadlines given to measures and schedules;
- :mod:`~unionnlp.deadlines.extractor`: :class:`DeadlineExtractor`, which loads
  the grammar and composes the above, and :func:`find_deadlines`.

示例::

    >>> from unionnlp.deadlines import find_deadlines
    >>> [(d.text, d.kind, d.value) for d in find_deadlines("此项工作在3月底前完成", year=2024)]
    [('3月底前', 'by', '2024-03')]
"""

from __future__ import annotations

from .extractor import DeadlineExtractor, find_deadlines
from .interpret import Found as Found
from .scan import _matches as _matches
from .scan import _needs as _needs
from .scan import _trie as _trie

__all__ = ["DeadlineExtractor", "find_deadlines"]
