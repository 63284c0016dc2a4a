"""A batch against the previous batch of the same feed: columns and rows per group.

The comparison itself is :mod:`tui.services.diff`; this screen runs the
caller's ``load`` (which reads both batches' files from the mock server) in a
thread worker and shows the result, or the one-line reason it failed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from tui.services.diff import BatchDiff, BatchSummary, describe_time
from tui.services.errors import one_line


def describe(summary: BatchSummary) -> str:
    files = len(summary.files)
    return (
        f"{describe_time(summary.at)} UTC: {files} file{'s' if files != 1 else ''}, "
        f"{summary.rows} rows"
    )


def headline(result: BatchDiff) -> list[str]:
    """The summary lines above the table."""
    before = describe(result.before) if result.before else "none (the feed's first batch)"
    out = [f"This batch:     {describe(result.after)}", f"Previous batch: {before}"]
    if result.before is not None:
        added = ", ".join(result.columns_added) or "none"
        removed = ", ".join(result.columns_removed) or "none"
        out += [f"Columns added: {added}", f"Columns removed: {removed}"]
        out.append(f"Rows: {result.rows_delta:+d}")
    return out


class DiffScreen(ModalScreen[None]):
    """Shows ``load()``'s :class:`BatchDiff` (``load`` runs on a thread)."""

    DEFAULT_CSS = """
    DiffScreen { align: center middle; }
    DiffScreen #diff-dialog {
        width: 100%; max-width: 120; height: 100%; max-height: 40;
        border: round $accent; border-title-color: $text; border-title-style: bold;
        background: $surface; padding: 0 1;
    }
    DiffScreen #diff-summary { height: auto; }
    DiffScreen #diff-summary.-error { color: $error; }
    DiffScreen DataTable { height: 1fr; margin-top: 1; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="diff-close"),
    ]

    def __init__(self, name: str, load: Callable[[], BatchDiff]) -> None:
        super().__init__(id="diff")
        self.file_name = name
        self.load = load
        self.result: BatchDiff | None = None

    def compose(self) -> ComposeResult:
        dialog = Vertical(id="diff-dialog")
        dialog.border_title = f"{self.file_name} vs the previous batch"
        dialog.border_subtitle = "escape: close"
        with dialog:
            yield Static("Comparing…", id="diff-summary", markup=False)
            yield DataTable(id="diff-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one(DataTable).focus()
        self.compare()

    @work(thread=True, exit_on_error=False, group="diff")
    def compare(self) -> None:
        try:
            result = self.load()
        except Exception as exc:
            self.app.call_from_thread(self._failed, one_line(exc))
            return
        self.app.call_from_thread(self.show, result)

    def _failed(self, reason: str) -> None:
        summary = self.query_one("#diff-summary", Static)
        summary.update(f"✗ Cannot compare: {reason}")
        summary.add_class("-error")

    def show(self, result: BatchDiff) -> None:
        self.result = result
        self.query_one("#diff-summary", Static).update("\n".join(headline(result)))
        table = self.query_one(DataTable)
        table.clear(columns=True)
        table.add_columns("operation", "variant", "action", "before", "after", "change")
        for change in result.changes:
            action, variant, operation = change.group
            style = "" if change.delta == 0 else ("green" if change.delta > 0 else "red")
            table.add_row(
                Text(operation or "null"),
                Text(variant or "null", style="" if variant else "dim italic"),
                Text(action or "null"),
                Text(str(change.before), justify="right"),
                Text(str(change.after), justify="right"),
                Text(f"{change.delta:+d}" if change.delta else "=", style=style, justify="right"),
            )

    def action_close(self) -> None:
        self.dismiss(None)
