"""The activity log: every protocol operation the mock servers performed, in order.

Consecutive writes to one file (an SFTP upload reports every block) are folded
into one line, so the delivery protocol reads as it is specified: ``.partial``
open, write, close, rename, then the control file (FS-6.1, FS-6.2); or PUT, or
multipart create / parts / complete on S3. Lines carry a sequence number, not a
wall-clock time, so a session reads the same every time.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.widgets import RichLog

from mock_targets.reports import Operation
from tui.widgets.target_tree import human_size

MAX_LINES = 5000
_OP_STYLE = {
    "put": "green",
    "multipart-complete": "green",
    "rename": "green",
    "create-bucket": "cyan",
    "mkdir": "cyan",
    "multipart-create": "yellow",
    "multipart-part": "yellow",
    "open": "yellow",
    "write": "yellow",
    "close": "yellow",
    "multipart-abort": "red",
    "delete": "red",
    "remove": "red",
}


class ActivityLog(RichLog):
    """A RichLog with a plain-text history (what tests and the help read)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, max_lines=MAX_LINES, wrap=False, markup=False, auto_scroll=True)
        self.history: list[str] = []
        self._seq = 0

    def _remember(self, line: str) -> None:
        self.history.append(line)
        if len(self.history) > MAX_LINES + 500:
            del self.history[: len(self.history) - MAX_LINES]

    def note(self, text: str, style: str = "bold") -> None:
        """An app-level line (batch started, finished, failed)."""
        self._remember(text)
        self.write(Text(text, style=style))

    def operations(self, operations: Iterable[Operation]) -> None:
        for op, count, size in _fold(operations):
            self._seq += 1
            self._line(op, count, size)

    def _line(self, op: Operation, count: int, size: int | None) -> None:
        verb = op.op if count == 1 else f"{op.op} ×{count}"
        where = op.key if op.server == "sftp" or not op.bucket else f"{op.bucket}/{op.key}"
        if op.op == "create-bucket":
            where = op.bucket or op.key
        if op.op == "rename" and op.target:
            where = f"{op.key} → {op.target.rpartition('/')[2]}"
        text = Text()
        text.append(f"{self._seq:>4}  ", style="dim")
        text.append(f"{op.server:<5}", style="bold")
        text.append(f"{verb:<20}", style=_OP_STYLE.get(op.op, ""))
        text.append(where)
        if size is not None:
            text.append(f"  {human_size(size)}", style="dim")
        if op.status is not None and not 200 <= op.status < 300:
            text.append(f"  HTTP {op.status}", style="bold red")
        self._remember(text.plain)
        self.write(text)


def _fold(operations: Iterable[Operation]) -> list[tuple[Operation, int, int | None]]:
    """Runs of SFTP block writes to one file become one entry with their total size."""
    folded: list[tuple[Operation, int, int | None]] = []
    for op in operations:
        if folded and op.op == "write":
            last, count, size = folded[-1]
            if last.op == op.op and last.key == op.key and last.server == op.server:
                total = None if size is None or op.size is None else size + op.size
                folded[-1] = (last, count + 1, total)
                continue
        folded.append((op, 1, op.size))
    return folded
