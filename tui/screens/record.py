"""One row of a data file as a record: ``column: value``, one per line, values in full.

A wide row (a hashed identifier, long personalised values) never fits a table
at 80 columns; read vertically, every value is there, wrapped, with invisible
characters made visible as in the table (FS-3.4).
"""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from tui.services.preview import DataPreview
from tui.widgets.preview import render_cell


def record_table(preview: DataPreview, row: int) -> Table:
    """Row ``row`` of ``preview`` as a two-column table (the column names, the values)."""
    table = Table.grid(padding=(0, 1))
    table.add_column(style="bold", no_wrap=True)
    table.add_column(overflow="fold")
    values = preview.rows[row]
    for number, column in enumerate(preview.columns):
        value = values[number] if number < len(values) else None
        table.add_row(column, render_cell(value, limit=len(value or "") + 1))
    return table


class RecordScreen(ModalScreen[None]):
    """↑↓ scroll, n/p the next/previous row, escape closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,enter,q", "close", "Close", id="record-close"),
        Binding("n,right", "move(1)", "Next row", id="record-next"),
        Binding("p,left", "move(-1)", "Previous row", id="record-previous"),
    ]

    def __init__(self, name: str, preview: DataPreview, row: int) -> None:
        super().__init__(id="record")
        self.file_name = name
        self.preview = preview
        self.row = row

    def compose(self) -> ComposeResult:
        with Vertical(id="record-dialog", classes="dialog"):
            yield Static("", id="record-title", markup=False)
            with VerticalScroll(id="record-scroll"):
                yield Static("", id="record-body")
            yield Static(
                "n/→ next row   p/← previous row   escape: close",
                classes="field-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        self._show()
        self.query_one("#record-scroll").focus()

    def _show(self) -> None:
        total = len(self.preview.rows)
        title = Text.assemble((self.file_name, "bold"), (f"  row {self.row + 1} of {total}", "dim"))
        self.query_one("#record-title", Static).update(title)
        self.query_one("#record-body", Static).update(record_table(self.preview, self.row))

    def action_move(self, step: int) -> None:
        row = self.row + step
        if 0 <= row < len(self.preview.rows):
            self.row = row
            self._show()

    def action_close(self) -> None:
        self.dismiss(None)
