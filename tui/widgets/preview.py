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

import re
from collections.abc import Iterator
from itertools import islice

from rich.syntax import Syntax
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import ContentSwitcher, DataTable, Static

from tui.actions import PREVIEW_ACTIONS, bindings
from tui.services.preview import Cell, ControlPreview, DataPreview
from tui.services.targets import FileRef
from tui.widgets.target_tree import human_size

MAX_CELL = 80
#: Rows added to a new table at once (more than any screen shows), then per frame.
FIRST_ROWS = 60
MORE_ROWS = 40
#: Characters of a value shown in a table cell (the record view shows all of it).
TABLE_CELL = 32
_HASH = re.compile(r"[0-9a-f]{64}")
_VISIBLE = {"\t": "⇥", "\n": "↵", "\r": "␍", "\u2028": "⏎", "\u00a0": "⍽"}
NULL = Text("null", style="dim italic")


def table_cell(value: Cell) -> Text:
    """A value as a table shows it: a SHA-256 hex identifier as ``0123456789ab…cdef``,
    anything else cut at :data:`TABLE_CELL` characters."""
    if value is not None and _HASH.fullmatch(value):
        return Text.assemble(value[:12], ("…", "dim"), value[-4:])
    return render_cell(value, TABLE_CELL)


def render_cell(value: Cell, limit: int = MAX_CELL) -> Text:
    if value is None:
        return NULL
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
        title.update(text)
        title.display = bool(str(text))  # no empty line above "Select a file…"

    def _switch(self, which: str) -> None:
        self.query_one(ContentSwitcher).current = which

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
        await self._fill()
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
        rows = iter(enumerate(preview.rows, start=1))
        self._add_rows(table, rows, index, FIRST_ROWS)
        await old.remove()
        await self.query_one(ContentSwitcher).mount(table)
        if len(preview.rows) > FIRST_ROWS:
            self.call_after_refresh(self._more_rows, table, rows, index)
        if cursor is not None and cursor[1] in shown:
            table.move_cursor(row=cursor[0], column=shown.index(cursor[1]), animate=False)
        if had_focus:
            table.focus()

    @staticmethod
    def _add_rows(
        table: PreviewTable,
        rows: Iterator[tuple[int, tuple[Cell, ...]]],
        index: list[int],
        count: int,
    ) -> None:
        """Add the next ``count`` rows of ``rows`` (fewer at its end)."""
        for number, row in islice(rows, count):
            cells = [table_cell(row[i] if i < len(row) else None) for i in index]
            table.add_row(*cells, label=Text(str(number), style="dim"))

    def _more_rows(
        self, table: PreviewTable, rows: Iterator[tuple[int, tuple[Cell, ...]]], index: list[int]
    ) -> None:
        """The rows past the first screenful, a few per frame: building all 500 in one
        go would hold the UI for a fifth of a second (benchmarks/tui_frames.py)."""
        if not table.is_attached:
            return  # another file (or layout) replaced the table meanwhile
        before = table.row_count
        self._add_rows(table, rows, index, MORE_ROWS)
        if table.row_count > before:
            self.call_after_refresh(self._more_rows, table, rows, index)

    @on(PreviewTable.ColumnsChanged)
    async def _columns_changed(self, event: PreviewTable.ColumnsChanged) -> None:
        event.stop()
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
        self.table.refresh_bindings()

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
