"""HTML list numbers, rendered the way a browser shows them.

A browser draws the number of an ``<ol>`` item (``一、``, ``1.``, ``a.``) as
a marker outside the text, so text extraction loses it, yet in a plan that
number *is* the structure. :func:`number_lists` writes each item's number
into the tree as text, from what decides it in a browser: the list's
``start`` and ``reversed`` attributes, an item's ``value``, the HTML ``type``
attribute and the CSS ``list-style-type`` (or ``list-style``) of the item or
its list, from a ``style`` attribute or a ``<style>`` sheet. It returns each
item's number with the nesting depth of its list, the list level the page
states.

Approximations: selectors of a ``<style>`` sheet are understood when made of
tag names, classes and ids with descendant or child combinators (``ol``,
``ol ol``, ``.plan > ol``, ``ol.cn``); others are ignored, and so are
``@media`` conditions. Counter styles beyond CSS's predefined decimal,
roman, latin, greek and CJK ones fall back to decimal.

示例::

    >>> import lxml.html
    >>> page = lxml.html.fromstring(
    ...     '<ol style="list-style-type: cjk-ideographic"><li>组织建设</li><li>宣传</li></ol>')
    >>> [(item.label, item.level) for item in number_lists(page)]
    [('一、', 0), ('二、', 0)]
    >>> page.text_content()
    '一、组织建设二、宣传'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ._word_numbering import format_number

__all__ = ["ListItem", "number_lists"]

# lxml elements: typed loosely because lxml ships no type information.
Element = Any

_TRAD_LEGAL_DIGITS = "零壹貳參肆伍陸柒捌玖"
_CJK_DIGITS = "〇一二三四五六七八九"
_GREEK = "αβγδεζηθικλμνξοπρστυφχψω"
_LIST_TAGS = ("ol", "ul")


def _alphabetic(n: int, letters: str) -> str:
    """CSS ``alphabetic`` counters: a … z, aa, ab …."""
    if n <= 0:
        return str(n)
    out = ""
    while n > 0:
        n, rest = divmod(n - 1, len(letters))
        out = letters[rest] + out
    return out


def _trad_formal(n: int) -> str:
    return format_number(n, "chineseLegalSimplified").translate(
        str.maketrans("零壹贰叁肆伍陆柒捌玖", _TRAD_LEGAL_DIGITS)
    )


def _cjk_decimal(n: int) -> str:
    return "".join(_CJK_DIGITS[int(d)] for d in str(n)) if n >= 0 else str(n)


def _fixed(symbols: str) -> Callable[[int], str]:
    return lambda n: symbols[n - 1] if 1 <= n <= len(symbols) else _cjk_decimal(n)


# CSS counter style -> (number, suffix). Styles absent here with no number are bullets.
_COUNTERS: dict[str, tuple[Callable[[int], str], str]] = {
    "decimal": (str, ". "),
    "decimal-leading-zero": (lambda n: f"{n:02d}", ". "),
    "lower-roman": (lambda n: format_number(n, "lowerRoman"), ". "),
    "upper-roman": (lambda n: format_number(n, "upperRoman"), ". "),
    "lower-alpha": (lambda n: _alphabetic(n, "abcdefghijklmnopqrstuvwxyz"), ". "),
    "lower-latin": (lambda n: _alphabetic(n, "abcdefghijklmnopqrstuvwxyz"), ". "),
    "upper-alpha": (lambda n: _alphabetic(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"), ". "),
    "upper-latin": (lambda n: _alphabetic(n, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"), ". "),
    "lower-greek": (lambda n: _alphabetic(n, _GREEK), ". "),
    "cjk-decimal": (_cjk_decimal, "、"),
    "cjk-ideographic": (lambda n: format_number(n, "chineseCounting"), "、"),
    "trad-chinese-informal": (lambda n: format_number(n, "chineseCounting"), "、"),
    "simp-chinese-informal": (lambda n: format_number(n, "chineseCounting"), "、"),
    "simp-chinese-formal": (lambda n: format_number(n, "chineseLegalSimplified"), "、"),
    "trad-chinese-formal": (_trad_formal, "、"),
    "cjk-heavenly-stem": (_fixed("甲乙丙丁戊己庚辛壬癸"), "、"),
    "cjk-earthly-branch": (_fixed("子丑寅卯辰巳午未申酉戌亥"), "、"),
}
_BULLETS = frozenset({"none", "disc", "circle", "square", "disclosure-open", "disclosure-closed"})
_KNOWN = frozenset(_COUNTERS) | _BULLETS
# The HTML `type` attribute (case matters).
_TYPE_ATTRIBUTE = {
    "1": "decimal",
    "a": "lower-alpha",
    "A": "upper-alpha",
    "i": "lower-roman",
    "I": "upper-roman",
}
_DECLARATION = re.compile(r"(?:^|;)\s*(list-style(?:-type)?)\s*:\s*([^;]+)", re.I)
_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_COMMENT = re.compile(r"/\*.*?\*/", re.S)
_COMPOUND = re.compile(r"^([a-zA-Z][a-zA-Z0-9]*|\*)?((?:[.#][-_a-zA-Z0-9]+)*)$")
_SIMPLE = re.compile(r"[.#][-_a-zA-Z0-9]+")


@dataclass(frozen=True, slots=True)
class ListItem:
    """A list item numbered by :func:`number_lists`.

    ``label`` is the number as written into the item (``"一、"``, ``"1. "``);
    ``level`` the nesting depth of its list (0 outermost); ``probe`` the
    start of the item's text with the number, white space left out, to find
    its line in extracted text.
    """

    label: str
    level: int
    probe: str


def _list_style(declarations: str) -> str | None:
    """The counter style a CSS declaration block sets (the last one that names a known one)."""
    found: str | None = None
    for match in _DECLARATION.finditer(declarations):
        prop, value = match.group(1).lower(), match.group(2).lower().replace("!important", "")
        tokens = value.split() if prop == "list-style" else [value.strip()]
        for token in tokens:
            if token in _KNOWN:
                found = token
                break
    return found


@dataclass(frozen=True, slots=True)
class _Selector:
    """A selector as compounds from left to right with the combinator before each."""

    parts: tuple[tuple[str | None, frozenset[str], str | None, str], ...]
    specificity: tuple[int, int, int]

    @classmethod
    def parse(cls, text: str) -> _Selector | None:
        tokens = text.replace(">", " > ").split()
        parts: list[tuple[str | None, frozenset[str], str | None, str]] = []
        combinator = " "
        ids = classes = tags = 0
        for token in tokens:
            if token == ">":
                combinator = ">"
                continue
            match = _COMPOUND.match(token)
            if match is None:
                return None  # attributes, pseudo-classes …: not understood
            tag = match.group(1)
            simple = _SIMPLE.findall(match.group(2))
            id_ = next((s[1:] for s in simple if s[0] == "#"), None)
            names = frozenset(s[1:] for s in simple if s[0] == ".")
            tag = None if tag in (None, "*") else tag.lower()
            parts.append((tag, names, id_, combinator))
            ids += id_ is not None
            classes += len(names)
            tags += tag is not None
            combinator = " "
        if not parts:
            return None
        return cls(tuple(parts), (ids, classes, tags))

    def matches(self, element: Element) -> bool:
        return self._match(element, len(self.parts) - 1)

    def _match(self, element: Element, index: int) -> bool:
        tag, names, id_, combinator = self.parts[index]
        if not _compound_matches(element, tag, names, id_):
            return False
        if index == 0:
            return True
        parent = element.getparent()
        if combinator == ">":
            return parent is not None and self._match(parent, index - 1)
        while parent is not None:
            if self._match(parent, index - 1):
                return True
            parent = parent.getparent()
        return False


def _compound_matches(
    element: Element, tag: str | None, names: frozenset[str], id_: str | None
) -> bool:
    if not isinstance(element.tag, str):
        return False
    if tag is not None and element.tag.lower() != tag:
        return False
    if id_ is not None and element.get("id") != id_:
        return False
    return not names or names <= set((element.get("class") or "").split())


def _sheet_styles(root: Element, elements: list[Element]) -> dict[Element, str]:
    """The counter style ``<style>`` sheets give each of ``elements`` (by specificity,
    then order)."""
    rules: list[tuple[tuple[int, int, int], int, _Selector, str]] = []
    for style in root.iter("style"):
        sheet = _COMMENT.sub("", style.text or "")
        for match in _RULE.finditer(sheet):
            value = _list_style(match.group(2))
            if value is None:
                continue
            for text in match.group(1).split(","):
                selector = _Selector.parse(text.strip())
                if selector is not None:
                    rules.append((selector.specificity, len(rules), selector, value))
    if not rules:
        return {}
    rules.sort(key=lambda rule: (rule[0], rule[1]))
    styles: dict[Element, str] = {}
    for element in elements:
        for _, _, selector, value in rules:
            if selector.matches(element):
                styles[element] = value  # a later (or more specific) rule wins
    return styles


def _specified(element: Element, sheet: dict[Element, str]) -> str | None:
    """The counter style set on ``element`` itself: inline style, sheet, ``type``."""
    inline = _list_style(element.get("style") or "")
    if inline is not None:
        return inline
    if element in sheet:
        return sheet[element]
    return _TYPE_ATTRIBUTE.get((element.get("type") or "").strip())


def _int_attribute(element: Element, name: str) -> int | None:
    try:
        return int(str(element.get(name)).strip())
    except ValueError:
        return None


def _no_space(text: str) -> str:
    return "".join(text.split())


def number_lists(root: Element) -> list[ListItem]:
    """Write each numbered list item's number into ``root`` (in place); the items, in order.

    Items of lists whose style shows no number (bullets, ``none``) are left
    as they are and not returned.
    """
    lists = [el for el in root.iter(*_LIST_TAGS)]
    if not lists:
        return []
    items_of = {
        lst: [child for child in lst if isinstance(child.tag, str) and child.tag.lower() == "li"]
        for lst in lists
    }
    sheet = _sheet_styles(root, [el for lst in lists for el in (lst, *items_of[lst])])
    labels: dict[Element, tuple[str, int]] = {}
    for lst in lists:
        items = items_of[lst]
        if not items:
            continue
        own = _specified(lst, sheet) or ("decimal" if lst.tag.lower() == "ol" else "disc")
        level = sum(1 for a in lst.iterancestors() if a.tag in _LIST_TAGS)
        is_ol = lst.tag.lower() == "ol"
        step = -1 if is_ol and lst.get("reversed") is not None else 1
        start = _int_attribute(lst, "start") if is_ol else None
        value = start if start is not None else (len(items) if step < 0 else 1)
        for item in items:
            given = _int_attribute(item, "value") if is_ol else None
            if given is not None:
                value = given
            style = _specified(item, sheet) or own
            counter = _COUNTERS.get(style)
            if counter is not None:
                number, suffix = counter
                labels[item] = (number(value) + suffix, level)
            value += step
    numbered: list[ListItem] = []
    for item in root.iter("li"):  # document order
        if item not in labels:
            continue
        label, level = labels[item]
        _prepend(item, label)
        probe = _no_space(item.text_content())[: len(_no_space(label)) + 6]
        numbered.append(ListItem(label, level, probe))
    return numbered


def _prepend(item: Element, label: str) -> None:
    """Put ``label`` before the first text of ``item`` (a browser's marker sits on its
    first line, also when that line is inside a ``<p>`` of the item)."""
    if item.text and item.text.strip():
        item.text = label + item.text
        return
    for element in item.iterdescendants():
        if not isinstance(element.tag, str) or element.tag in _LIST_TAGS:
            break
        if element.text and element.text.strip():
            element.text = label + element.text
            return
    item.text = label + (item.text or "")
