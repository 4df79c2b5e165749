"""Normalisation: canonical text for the later stages, with an offset map back to the source.

The :class:`Normalizer` runs these steps, each recorded in an offset map so
that any span of the normalised text maps back to the characters of the
original it came from:

1. control, zero-width and NUL characters removed; NBSP and U+3000 to spaces;
   full-width digits and Latin letters to ASCII; lone surrogates to U+FFFD;
2. pinyin glosses removed wherever they stand (``工會(huì)`` -> ``工會``);
3. corrupted runs (GBK/UTF-8 mojibake, kana or rare characters inside Chinese,
   ``?`` where bytes were lost) reported with spans, and repaired where a
   lossless repair exists and reads clearly more like Chinese;
4. script detected and converted with OpenCC (``t2s`` by default when the
   text is traditional or mixed; ``tw2s``, ``hk2s``, ``s2t`` selectable;
   protected terms left as they are);
5. scraped-site boilerplate removed (rules in ``data/normalize.toml``);
6. Markdown ``#`` heading and ``**bold**`` marks removed;
7. ASCII ``,:;!?()`` between Han characters made full-width;
8. placeholders (``20__年``, ``**区``, ``***``) found and flagged, not removed.

The package, a module per step (every name below is importable from
``unionnlp.normalize`` as well):

- :mod:`~unionnlp.normalize.text`: :class:`NormalizedText` with its offset
  map, :class:`Removal`, and the edits that carry the map (``_apply_edits``);
- :mod:`~unionnlp.normalize.characters` (step 1),
  :mod:`~unionnlp.normalize.glosses` (2), :mod:`~unionnlp.normalize.corruption`
  (3), :mod:`~unionnlp.normalize.script` (4, :data:`CONVERSIONS`),
  :mod:`~unionnlp.normalize.boilerplate` (5), :mod:`~unionnlp.normalize.marks`
  (6 and 7), :mod:`~unionnlp.normalize.placeholders` (8);
- :mod:`~unionnlp.normalize.normalizer`: :class:`Normalizer`, which holds the
  steps and runs them in order.

示例::

    >>> from unionnlp.normalize import Normalizer
    >>> result = Normalizer()("工會(huì)工作計劃")
    >>> result.text
    '工会工作计划'
    >>> result.span(0, 2).slice(result.original)
    '工會'
    >>> result.span(2, 6).slice(result.original)  # the gloss is gone, offsets still hold
    '工作計劃'
"""

from __future__ import annotations

import logging

from .characters import _canonical_chars as _canonical_chars
from .normalizer import Normalizer
from .script import CONVERSIONS
from .text import NormalizedText, Removal
from .text import _apply_edits as _apply_edits
from .text import _delete as _delete

__all__ = ["CONVERSIONS", "NormalizedText", "Normalizer", "Removal"]

logger = logging.getLogger(__name__)
