"""Text assembly shared by the structured readers (docx, html): lines, tables, spans.

A reader hands over lines and tables in reading order; :class:`TextBuilder`
joins them with ``"\\n"`` and renders each table row as ``cell | cell | cell``,
recording where every cell landed so that a :class:`~unionnlp.model.Table`
cell's span slices back to its text.

示例::

    >>> b = TextBuilder()
    >>> b.line("一、加强组织建设")
    >>> b.table([["工作内容", "责任单位"], ["送温暖", "工会办公室"]])
    >>> b.text()
    '一、加强组织建设\\n工作内容 | 责任单位\\n送温暖 | 工会办公室\\n'
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..model import Cell, ListLevel, Span, Table

__all__ = ["CELL_SEPARATOR", "TextBuilder", "clean_cell"]

CELL_SEPARATOR = " | "
_SPACE = re.compile(r"\s+")


def clean_cell(text: str) -> str:
    """A cell's text on one line: white-space runs (line breaks included) become one space."""
    return _SPACE.sub(" ", text).strip()


class TextBuilder:
    """Collects lines and tables; :meth:`text` and :attr:`tables` give the result."""

    def __init__(self) -> None:
        self._lines: list[str] = []
        self._length = 0  # length of "\n".join(self._lines)
        self.tables: list[Table] = []
        #: list levels the file states, for list numbers rendered by :meth:`numbered_line`
        self.levels: list[ListLevel] = []

    def _append(self, line: str) -> int:
        """Append one line; return the offset where it starts."""
        start = self._length + (1 if self._lines else 0)
        self._lines.append(line)
        self._length = start + len(line)
        return start

    def line(self, text: str) -> None:
        """Append ``text`` as a line (it may itself hold line breaks)."""
        self._append(text)

    def numbered_line(self, label: str, text: str, level: int) -> None:
        """Append ``label + text`` as a line; the file puts ``label`` at list ``level``."""
        start = self._append(label + text)
        number = label.rstrip()
        if number:
            self.levels.append(ListLevel(Span(start, start + len(number)), level))

    def table(self, rows: Sequence[Sequence[str]]) -> None:
        """Render ``rows`` of cell texts, one line per row; the first row is the header.

        Cells are cleaned with :func:`clean_cell`. Rows whose cells are all empty
        are dropped; a table with no text at all adds nothing.
        """
        cleaned = [[clean_cell(c) for c in row] for row in rows]
        cleaned = [row for row in cleaned if any(row)]
        if not cleaned:
            return
        rendered: list[tuple[Cell, ...]] = []
        first = last = 0
        for index, row in enumerate(cleaned):
            start = self._append(CELL_SEPARATOR.join(row))
            if index == 0:
                first = start
            cells: list[Cell] = []
            offset = start
            for cell in row:
                cells.append((cell, Span(offset, offset + len(cell))))
                offset += len(cell) + len(CELL_SEPARATOR)
            last = self._length
            rendered.append(tuple(cells))
        self.tables.append(
            Table(header=rendered[0], rows=tuple(rendered[1:]), span=Span(first, last))
        )

    def keep_lines(self, count: int) -> None:
        """Drop every line after the first ``count`` (and the tables and levels in them)."""
        if count >= len(self._lines):
            return
        del self._lines[count:]
        self._length = len("\n".join(self._lines))
        self.tables = [t for t in self.tables if t.span is None or t.span.end <= self._length]
        self.levels = [h for h in self.levels if h.span.end <= self._length]

    def text(self) -> str:
        """All lines joined with ``"\\n"``, ending with one line break when not empty.

        Trailing blank lines (the empty paragraph Word puts after a final table)
        are dropped; nothing points into them.
        """
        lines = list(self._lines)
        while lines and not lines[-1].strip():
            lines.pop()
        return "\n".join(lines) + "\n" if lines else ""
