"""Tables whose ids, host names and paths are never cut, at any terminal width or in a pipe.

People copy run ids into `runs show` and `--resume`, host names into
`--limit`, paths into their shell. Rich fits a table to the terminal by
folding or ellipsizing cells; here the columns that hold such values are kept
whole (no wrapping, at least as wide as their longest value) and the other
columns give way. When even that does not fit, the table is printed wider
than the terminal rather than cut: a pipe gets whole lines, a terminal wraps
them. Markdown tables (status views, plans) get the same treatment for every
column whose cells are single words.

Imported only inside commands: it imports rich.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar

from rich.console import Console, ConsoleOptions, RenderResult
from rich.markdown import Markdown, MarkdownElement, TableElement
from rich.measure import Measurement
from rich.table import Table


def keep_whole(
    console: Console, table: Table, columns: Iterable[str], width: int | None = None
) -> int:
    """Keep the named columns (by header) whole and let the others give way; the width needed.

    Kept columns take the width of their longest value and never wrap. The
    others wrap between words, never inside one: each gets at least its
    longest word, and the room left is shared in proportion to what each
    would still use. The width returned is the console's, or more when even
    that does not fit: print the table at that width (`wide_enough`).
    `width` is the width to fit in, the console's by default.
    """
    wanted = set(columns)
    kept = [i for i, column in enumerate(table.columns) if str(column.header) in wanted]
    return _allot(console, table, kept, console.width if width is None else width)


def _allot(console: Console, table: Table, kept: list[int], width: int) -> int:
    wide = console.options.update_width(10_000)
    spans = [_span(console, wide, table, column) for column in table.columns]
    overhead = Measurement.get(console, wide, table).maximum - sum(high for _, high in spans)
    fixed = sum(spans[i][1] for i in kept)
    others = [i for i in range(len(spans)) if i not in kept]
    needed = overhead + fixed + sum(spans[i][0] for i in others)
    target = max(width, needed)
    for i in kept:
        column = table.columns[i]
        column.no_wrap, column.overflow, column.width = True, "ignore", spans[i][1]
    room = target - overhead - fixed
    if sum(spans[i][1] for i in others) <= room:
        return target  # everything fits as it is
    spare = room - sum(spans[i][0] for i in others)
    slack = sum(spans[i][1] - spans[i][0] for i in others) or 1
    for i in others:
        low, high = spans[i]
        column = table.columns[i]
        column.overflow, column.width = "fold", low + spare * (high - low) // slack
    return target


def _span(console: Console, options: ConsoleOptions, table: Table, column: Any) -> tuple[int, int]:
    """The column's narrowest (longest word) and widest (longest line) content, header included."""
    parts = [*column.cells, column.header] if table.show_header else list(column.cells)
    measured = [Measurement.get(console, options, part) for part in parts] or [Measurement(1, 1)]
    return max(m.minimum for m in measured), max(m.maximum for m in measured)


@contextmanager
def wide_enough(console: Console, width: int) -> Iterator[Console]:
    """The console, at least `width` columns wide for the duration."""
    before = console.width
    if width > before:
        console.width = width
    try:
        yield console
    finally:
        console.width = before


def print_table(console: Console, table: Table, keep: Iterable[str]) -> None:
    """Print the table with the `keep` columns whole, wider than the terminal if need be."""
    with wide_enough(console, keep_whole(console, table, keep)):
        console.print(table)


class WholeWordsTable(TableElement):
    """A Markdown table whose single-word columns (ids, hosts, paths, numbers) are kept whole."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        for table in super().__rich_console__(console, options):
            if isinstance(table, Table):
                rows = self.body.rows if self.body is not None else []
                kept = []
                for index in range(len(table.columns)):
                    cells = [r.cells[index].content.plain for r in rows if index < len(r.cells)]
                    if cells and all(len(c.split()) <= 1 for c in cells):
                        kept.append(index)
                _allot(console, table, kept, options.max_width)
            yield table


class WholeWordsMarkdown(Markdown):
    elements: ClassVar[dict[str, type[MarkdownElement]]] = {
        **Markdown.elements,
        "table_open": WholeWordsTable,
    }


TABLE_ROW = re.compile(r"^\s*\|(.*)\|\s*$")
SEPARATOR = re.compile(r"^[\s|:-]+$")
CELL_SPLIT = re.compile(r"(?<!\\)\|")  # `\|` inside a cell is a pipe, not a border


def markdown_width(text: str) -> int:
    """An upper bound of the width the Markdown's tables need with single-word columns whole."""
    needed = 0
    for rows in _tables(text):
        count = max(len(r) for r in rows)
        total = 0
        for index in range(count):
            cells = [r[index] for r in rows if index < len(r)]
            body = cells[1:]
            if body and all(len(c.split()) <= 1 for c in body):
                total += max(len(c) for c in cells)
            else:
                total += max((len(w) for c in cells for w in c.split()), default=1)
        needed = max(needed, total + 3 * count + 1)
    return needed


def _tables(text: str) -> Iterator[list[list[str]]]:
    rows: list[list[str]] = []
    for line in [*text.splitlines(), ""]:
        match = TABLE_ROW.match(line)
        if match is None:
            if rows:
                yield rows
            rows = []
            continue
        if SEPARATOR.match(match.group(1)):
            continue
        rows.append([cell.strip() for cell in CELL_SPLIT.split(match.group(1))])


def print_markdown(console: Console, text: str) -> None:
    """Print Markdown with its tables' single-word columns whole, wider if need be."""
    with wide_enough(console, markdown_width(text)):
        console.print(WholeWordsMarkdown(text))
