"""Perturbed copies of a source's text, for robustness figures (``evaluate --perturb``).

Each perturbation is a pure function from the decoded text to the text the
pipeline then parses, written so that the gold items still match: both sides
of a comparison are converted to simplified script, NFKC-folded and stripped
of white space (:data:`~unionnlp.evaluate.matching._fold`), so neither line
breaks, blanks, full-width digits nor traditional characters change what an
item's text folds to. The gold files are never changed. A score on perturbed
text says how the pipeline holds up when real pages are messier; it is a
diagnostic, not a substitute for scores on real plans.

>>> from unionnlp.evaluate.perturb import PERTURBATIONS, perturb
>>> perturb("一、组织建设\\n二、民主管理\\n", "run-on")
'一、组织建设 二、民主管理'
>>> perturb("3月底前完成", "full-width")
'３月底前完成'
>>> PERTURBATIONS["crlf"].description
'line breaks written as CR LF (Windows)'
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass

import regex

from ..errors import InputError
from ..normalize.script import opencc_converter

__all__ = ["PERTURBATIONS", "Perturbation", "get_perturbation", "perturb"]


@dataclass(frozen=True, slots=True)
class Perturbation:
    """A named change to a text: ``apply(text)`` gives the perturbed text."""

    name: str
    description: str
    apply: Callable[[str], str]

    def __call__(self, text: str) -> str:
        return self.apply(text)


# Line breaks as pages write them; the rarer breaks of str.splitlines (\x1c-\x1e, \x85,
# U+2028…) stay inside a line, as the folding keeps \x1c-\x1e.
_BREAK = regex.compile(r"(\r\n|\r|\n)")
#: what the folding removes as white space (regex's ``\s``: str.isspace but \x1c-\x1f)
_BLANKS = (
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007"
    "\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)


def _lines(text: str) -> list[tuple[str, str]]:
    """Each line of ``text`` and the line break that ends it (``""`` for the last)."""
    parts = _BREAK.split(text)
    return list(zip(parts[::2], [*parts[1::2], ""], strict=True))


def _stripped(text: str) -> list[str]:
    """The lines of ``text`` that hold more than white space, stripped."""
    return [s for body, _ in _lines(text) if (s := body.strip(_BLANKS))]


def run_on(text: str) -> str:
    """Every line stripped, empty lines dropped, the rest joined by one blank.

    A page whose line breaks became spaces (a scraped ``<p>`` flattened).
    """
    return " ".join(_stripped(text))


def run_on_tight(text: str) -> str:
    """:func:`run_on` joined by nothing: a page that lost its line breaks outright."""
    return "".join(_stripped(text))


def traditional(text: str) -> str:
    """Simplified to traditional script (OpenCC ``s2t``)."""
    return str(opencc_converter("s2t").convert(text))


# U+FF10-FF19, U+FF21-FF3A, U+FF41-FF5A: the ASCII code point + 0xFEE0
_FULL_WIDTH = {ord(c): ord(c) + 0xFEE0 for c in string.digits + string.ascii_letters}


def full_width(text: str) -> str:
    """ASCII digits and Latin letters as their full-width forms (``2024`` -> ``２０２４``)."""
    return text.translate(_FULL_WIDTH)


def crlf(text: str) -> str:
    """Every line feed as CR LF (a line feed already after a CR stays one break)."""
    return regex.sub(r"\r?\n", "\r\n", text)


def indent(text: str) -> str:
    """Each line that holds more than white space opened by two ideographic spaces
    (U+3000, as Word pages indent paragraphs) and closed by two blanks."""
    return "".join(
        f"\u3000\u3000{body}  {end}" if body.strip(_BLANKS) else body + end
        for body, end in _lines(text)
    )


def blank_lines(text: str) -> str:
    """A blank line between every two lines (each line break doubled)."""
    return "".join(body + end * 2 for body, end in _lines(text))


#: The perturbations by name, in the order ``--help`` lists them.
PERTURBATIONS: dict[str, Perturbation] = {
    p.name: p
    for p in (
        Perturbation(
            "run-on", "lines stripped and joined by one blank, empty lines dropped", run_on
        ),
        Perturbation("run-on-tight", "lines stripped and joined by nothing", run_on_tight),
        Perturbation("traditional", "converted to traditional script (OpenCC s2t)", traditional),
        Perturbation("full-width", "ASCII digits and Latin letters in full width", full_width),
        Perturbation("crlf", "line breaks written as CR LF (Windows)", crlf),
        Perturbation(
            "indent", "each line opened by two U+3000 spaces and closed by two blanks", indent
        ),
        Perturbation("blank-lines", "a blank line between every two lines", blank_lines),
    )
}


def get_perturbation(name: str) -> Perturbation:
    """The perturbation called ``name``.

    Raises:
        InputError: no perturbation has that name (the message lists them).
    """
    try:
        return PERTURBATIONS[name]
    except KeyError:
        raise InputError.unknown_perturbation(name, PERTURBATIONS) from None


def perturb(text: str, name: str) -> str:
    """``text`` perturbed by the perturbation called ``name`` (:data:`PERTURBATIONS`).

    >>> perturb("一、加强学习", "traditional")
    '一、加強學習'

    Raises:
        InputError: no perturbation has that name.
    """
    return get_perturbation(name)(text)
