"""The preview pane: a data file's rows in a table, or a control file and its verdict.

Nulls are shown as a dim ``null`` (an empty CSV/TSV field is null, FS-2.7), and
tabs, line breaks and other invisible characters inside a value are shown as
visible symbols, so hostile-but-legal text (FS-3.4) can be seen for what it is.

Wide rows stay readable: a cell shows at most :data:`TABLE_CELL` characters (a
64-character hashed identifier is abbreviated, so the personalised columns stay
on screen), columns can be pinned at the left or hidden, and enter shows the
row under the cursor as a record, one column per line with full values.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from itertools import islice

from rich.syntax import Syntax
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.css.query import NoMatches
from textual.message import Message
from textual.widget import Widget
from textual.widgets import ContentSwitcher, DataTable, Static

from tui.actions import PREVIEW_ACTIONS, bindings
from tui.services.preview import Cell, ControlPreview, DataPreview
from tui.services.targets import FileRef
from tui.widgets.target_tree import human_size

MAX_CELL = 80
#: Rows a new table gets at once: more than any screen shows (47 at 200x50).
FIRST_ROWS = 60
#: Rows added when the view comes within a screenful of the last row loaded.
MORE_ROWS = 100
#: Characters of a value shown in a table cell (the record view shows all of it).
TABLE_CELL = 32
_HASH = re.compile(r"[0-9a-f]{64}")
_VISIBLE = {"\t": "⇥", "\n": "↵", "\r": "␍", "\u2028": "⏎", "\u00a0": "⍽"}
NULL = Text("null", style="dim italic")
TABLE_NULL = Text("null", style="dim italic", no_wrap=True, end="")

#: One table row as the pane hands it to the table: its number label and its cells.
TableRow = tuple[Text, list[Text]]


def table_cell(value: Cell) -> Text:
    """A value as a table shows it: a SHA-256 hex identifier as ``0123456789ab…cdef``,
    anything else cut at :data:`TABLE_CELL` characters."""
    if value is None:
        return TABLE_NULL
    if _HASH.fullmatch(value):
        text = Text.assemble(value[:12], ("…", "dim"), value[-4:])
    else:
        text = render_cell(value, TABLE_CELL)
    # One line a row: Rich need not look for where to wrap it (a sixth of a table's paint).
    text.no_wrap = True
    text.end = ""
    return text


def render_cell(value: Cell, limit: int = MAX_CELL) -> Text:
    if value is None:
        return NULL
    if len(value) <= limit and value.isprintable():
        return Text(value)  # nothing to make visible (not even U+00A0): one Text, no appends
    text = Text()
    for ch in value[:limit]:
        shown = _VISIBLE.get(ch)
        if shown is not None:
            text.append(shown, style="bold magenta")
        elif ch.isprintable() or ch == " ":
            text.append(ch)
        else:
            text.append(f"\\u{ord(ch):04x}", style="bold magenta")
    if len(value) > limit:
        text.append("…", style="dim")
    return text


class PreviewTable(DataTable[Text]):
    """The rows of a data file; its column actions post :class:`ColumnsChanged` up."""

    BINDINGS = bindings(PREVIEW_ACTIONS)

    class ColumnsChanged(Message):
        """``op`` (pin, hide, show) on column ``column`` ("" for show)."""

        def __init__(self, op: str, column: str) -> None:
            super().__init__()
            self.op = op
            self.column = column

    class RecordWanted(Message):
        def __init__(self, row: int) -> None:
            super().__init__()
            self.row = row

    def __init__(self) -> None:
        super().__init__(id="preview-table", zebra_stripes=True, cursor_type="cell")
        #: The rows not added yet (None: all are in).
        self._pending: Iterator[TableRow] | None = None
        self._follow_queued = False

    def fill(self, rows: Iterator[TableRow], count: int) -> None:
        """Add ``count`` rows of ``rows`` now and the rest as the view nears them."""
        self._pending = rows
        self.add_more(count)

    def add_more(self, count: int) -> bool:
        """Add the next ``count`` pending rows; False when none are left."""
        if self._pending is None:
            return False
        before = self.row_count
        for label, cells in islice(self._pending, count):
            self.add_row(*cells, label=label)
        if self.row_count - before < count:
            self._pending = None
        return self._pending is not None

    def on_mount(self) -> None:
        self.watch(self, "scroll_y", self._queue_follow, init=False)
        self.watch(self, "cursor_coordinate", self._queue_follow, init=False)

    def _queue_follow(self) -> None:
        # After this frame: the scroll (or cursor move) paints first, the rows next.
        if self._pending is not None and not self._follow_queued:
            self._follow_queued = True
            self.call_after_refresh(self._follow)

    def _follow(self) -> None:
        """Keep a screenful of rows loaded below the cursor and below the view."""
        self._follow_queued = False
        height = max(self.size.height, 1)
        ahead = max(self.cursor_row, round(self.scroll_y) + height) + height
        while ahead >= self.row_count and self.add_more(MORE_ROWS):
            pass

    def action_scroll_bottom(self) -> None:
        """ctrl+end: the last row of the file's preview, not of the rows loaded so far
        (the rest comes in a chunk a frame, then the cursor moves there)."""
        if self.add_more(MORE_ROWS):
            self.call_after_refresh(self.action_scroll_bottom)
        else:
            super().action_scroll_bottom()

    def _cursor_column(self) -> str:
        if not self.columns:
            return ""
        keys = list(self.columns)
        return str(keys[min(self.cursor_column, len(keys) - 1)].value)

    def action_record(self) -> None:
        if self.row_count:
            self.post_message(self.RecordWanted(self.cursor_row))

    def action_pin_column(self) -> None:
        if self.columns:
            self.post_message(self.ColumnsChanged("pin", self._cursor_column()))

    def action_hide_column(self) -> None:
        if len(self.columns) > 1:  # the last column stays: a table of nothing helps no one
            self.post_message(self.ColumnsChanged("hide", self._cursor_column()))

    def action_show_columns(self) -> None:
        self.post_message(self.ColumnsChanged("show", ""))


class PreviewPane(Vertical):
    """Shows one selected file; the screen loads it and hands the result down."""

    ALLOW_MAXIMIZE = True

    class RecordWanted(Message):
        """Show row ``row`` of :attr:`data` as a record (the screen pushes the view)."""

        def __init__(self, pane: PreviewPane, row: int) -> None:
            super().__init__()
            self.pane = pane
            self.row = row

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ref: FileRef | None = None
        #: True when the last load of :attr:`ref` failed (selecting it again retries).
        self.failed = False
        #: The data file shown (None: a control file, a message).
        self.data: DataPreview | None = None
        #: Columns pinned at the left, in order, and hidden columns: kept from file to file.
        self.pinned: list[str] = []
        self.hidden: set[str] = set()
        #: The table cells of :attr:`data`'s rows made so far (pin and hide reuse them).
        self._cells: list[tuple[Text, ...]] = []
        #: One table swap at a time: a fill removes the table and mounts a new one across
        #: awaits, and a second file's preview (or a pin) arriving meanwhile must wait.
        self._swapping = asyncio.Lock()

    def compose(self) -> ComposeResult:
        yield Static("", id="preview-title", markup=False)
        with ContentSwitcher(initial="preview-empty", id="preview-switcher"):
            yield Static(
                "Select a file in the tree (↑↓, enter) to preview it.\n\n"
                "Data files show their rows; control files show their JSON and whether "
                "they match their data file.",
                id="preview-empty",
                markup=False,
            )
            yield self._new_table()
            with VerticalScroll(id="preview-control"):
                yield Static(id="control-checks")
                yield Static(id="control-json")

    @staticmethod
    def _new_table() -> PreviewTable:
        return PreviewTable()

    @property
    def table(self) -> PreviewTable:
        return self.query_one(PreviewTable)

    def focus_target(self) -> Widget | None:
        """What F10 focuses: the table or the control file, whichever is shown."""
        current = self.query_one(ContentSwitcher).current
        if current == "preview-table":
            return self.table
        if current == "preview-control":
            return self.query_one("#preview-control")
        return None

    def _title(self, text: Text | str) -> None:
        title = self.query_one("#preview-title", Static)
        # One line as wide as the pane whatever it says: no layout of the screen for it
        # (a file's title changes twice as it loads), unless it appears or goes.
        title.update(text, layout=False)
        title.display = bool(str(text))  # no empty line above "Select a file…"

    def _switch(self, which: str) -> None:
        try:
            switcher = self.query_one(ContentSwitcher)
            switcher.get_child_by_id(which)
        except NoMatches:
            return  # the app is closing: a preview still loading has nowhere to go
        switcher.current = which

    def show_loading(self, ref: FileRef, doing: str = "loading…") -> None:
        self.ref = ref
        self.failed = False
        self._title(Text.assemble((ref.name, "bold"), (f"  {doing}", "dim")))

    def show_message(self, ref: FileRef | None, message: str, *, error: bool = False) -> None:
        self.ref = ref
        self.failed = error
        self.data = None
        self._title(Text(ref.name if ref else "", style="bold"))
        self.query_one("#preview-empty", Static).update(
            Text(message, style="bold red" if error else "")
        )
        self._switch("preview-empty")

    async def show_data(self, ref: FileRef, preview: DataPreview) -> None:
        self.ref = ref
        shown = len(preview.rows)
        note = f"first {shown} rows" if preview.truncated else f"{shown} rows"
        title = Text.assemble((ref.name, "bold"), (f"  {preview.fmt.upper()} · {note}", "dim"))
        for problem in preview.problems[:1]:
            title.append(f"  ✗ {problem}", style="bold red")
        self._title(title)
        self.data = preview
        self._cells = []
        async with self._swapping:
            if self.data is not preview:
                return  # another file (or a message) came while the last swap ran
            await self._fill()
            if self.data is preview:
                self._switch("preview-table")

    def shown_columns(self) -> list[str]:
        """The data's columns as the table shows them: pinned first, hidden left out."""
        if self.data is None:
            return []
        columns = [c for c in self.data.columns if c not in self.hidden]
        pinned = [c for c in self.pinned if c in columns]
        return pinned + [c for c in columns if c not in pinned]

    async def _fill(self, cursor: tuple[int, str] | None = None) -> None:
        # A fresh table each time: DataTable.clear() keeps rows pending a size update
        # (Textual 8), so clearing and refilling in one tick can lose column widths.
        preview = self.data
        if preview is None:
            return
        old = self.table
        had_focus = old.has_focus
        table = self._new_table()
        shown = self.shown_columns()
        table.fixed_columns = len([c for c in self.pinned if c in shown])
        for column in shown:
            label = Text(("📌 " if column in self.pinned else "") + column, style="bold")
            table.add_column(label, key=column)
        index = [preview.columns.index(c) for c in shown]
        # As many rows as the old table had (a pin keeps the cursor's row), at least a few
        # screenfuls; the rest as the view nears them.
        count = max(FIRST_ROWS, old.row_count if cursor is not None else 0)
        table.fill(self._table_rows(preview, index), count)
        await old.remove()
        await self.query_one(ContentSwitcher).mount(table)
        if cursor is not None and cursor[1] in shown:
            table.move_cursor(row=cursor[0], column=shown.index(cursor[1]), animate=False)
        if had_focus:
            table.focus()

    def _table_rows(self, preview: DataPreview, index: list[int]) -> Iterator[TableRow]:
        """``preview``'s rows as table rows, columns ``index``; cells made once per file."""
        cells = self._cells
        for number, row in enumerate(preview.rows):
            if self.data is not preview:
                return  # another file is shown: its table is gone, and so is this one
            if number == len(cells):
                cells.append(tuple(table_cell(v) for v in row))
            made = cells[number]
            shown = [made[i] if i < len(made) else TABLE_NULL for i in index]  # short: nulls
            yield Text(str(number + 1), style="dim"), shown

    @on(PreviewTable.ColumnsChanged)
    async def _columns_changed(self, event: PreviewTable.ColumnsChanged) -> None:
        event.stop()
        async with self._swapping:
            await self._change_columns(event)
        self.table.refresh_bindings()

    async def _change_columns(self, event: PreviewTable.ColumnsChanged) -> None:
        row = self.table.cursor_row
        if event.op == "pin":
            if event.column in self.pinned:
                self.pinned.remove(event.column)
            else:
                self.pinned.append(event.column)
        elif event.op == "hide":
            self.hidden.add(event.column)
            self.pinned = [c for c in self.pinned if c != event.column]
        else:
            self.hidden.clear()
            self.pinned.clear()
        await self._fill((row, event.column))

    @on(PreviewTable.RecordWanted)
    def _record_wanted(self, event: PreviewTable.RecordWanted) -> None:
        event.stop()
        self.post_message(self.RecordWanted(self, event.row))

    def show_control(self, ref: FileRef, preview: ControlPreview, size: int | None) -> None:
        self.ref = ref
        self.data = None
        self._title(Text.assemble((ref.name, "bold"), (f"  JSON · {human_size(size)}", "dim")))
        checks = Text()
        if preview.ok:
            checks.append("✓ Verified: matches its data file\n", style="bold green")
        else:
            checks.append("✗ Does not match its data file\n", style="bold red")
        for check in preview.checks:
            mark, style = ("✓", "green") if check.ok else ("✗", "bold red")
            checks.append(f"  {mark} ", style=style)
            checks.append(check.text)
            if check.rule:
                checks.append(f"  [{check.rule}]", style="dim")
            checks.append("\n")
        self.query_one("#control-checks", Static).update(checks)
        self.query_one("#control-json", Static).update(
            Syntax(preview.text, "json", theme="ansi_dark", background_color="default")
        )
        self._switch("preview-control")
