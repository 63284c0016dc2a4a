"""Export progress: a bar while a batch is encoded and delivered, then its outcome."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import ProgressBar, Static

from feedcore.writer import Progress


class ExportStatus(Horizontal):
    def compose(self) -> ComposeResult:
        yield Static("Ready: F5 exports a batch.", id="status-text", markup=False)
        yield ProgressBar(total=None, show_eta=False, id="status-bar")

    @property
    def bar(self) -> ProgressBar:
        return self.query_one(ProgressBar)

    def _text(self, text: Text | str) -> None:
        # A fixed-size line: no layout pass for each progress report.
        self.query_one("#status-text", Static).update(text, layout=False)

    def started(self, label: str, total: int) -> None:
        self.add_class("-busy")
        self.bar.update(total=max(total, 1), progress=0)
        self._text(label)

    def progressed(self, progress: Progress, total: int) -> None:
        if progress.phase == "encode" and progress.events < total:
            self.bar.update(total=max(total, 1), progress=progress.events)
            self._text(f"Encoding: {progress.events:,} of {total:,} events, {progress.rows:,} rows")
        elif progress.phase == "encode":
            self.bar.update(total=max(total, 1), progress=total)
            self._text(
                f"Encoded {progress.rows:,} rows; delivering (data file, then control file)…"
            )
        else:
            self.bar.update(total=max(progress.files_total, 1), progress=progress.files_done)
            self._text(f"Delivering: file {progress.files_done} of {progress.files_total} done")

    def finished(self, text: str, *, error: bool = False) -> None:
        self.remove_class("-busy")
        self._text(Text(text, style="bold red" if error else "green"))
