"""The preview pane: a data file's rows in a table, or a control file and its verdict.

Nulls are shown as a dim ``null`` (an empty CSV/TSV field is null, FS-2.7), and
tabs, line breaks and other invisible characters inside a value are shown as
visible symbols, so hostile-but-legal text (FS-3.4) can be seen for what it is.
"""

from __future__ import annotations

from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import ContentSwitcher, DataTable, Static

from tui.services.preview import Cell, ControlPreview, DataPreview
from tui.services.targets import FileRef
from tui.widgets.target_tree import human_size

MAX_CELL = 80
_VISIBLE = {"\t": "⇥", "\n": "↵", "\r": "␍", "\u2028": "⏎", "\u00a0": "⍽"}
NULL = Text("null", style="dim italic")


def render_cell(value: Cell) -> Text:
    if value is None:
        return NULL
    text = Text()
    for ch in value[:MAX_CELL]:
        shown = _VISIBLE.get(ch)
        if shown is not None:
            text.append(shown, style="bold magenta")
        elif ch.isprintable() or ch == " ":
            text.append(ch)
        else:
            text.append(f"\\u{ord(ch):04x}", style="bold magenta")
    if len(value) > MAX_CELL:
        text.append("…", style="dim")
    return text


class PreviewPane(Vertical):
    """Shows one selected file; the screen loads it and hands the result down."""

    ALLOW_MAXIMIZE = True

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.ref: FileRef | None = None
        #: True when the last load of :attr:`ref` failed (selecting it again retries).
        self.failed = False

    def compose(self) -> ComposeResult:
        yield Static("Preview", id="preview-title", markup=False)
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
    def _new_table() -> DataTable[Text]:
        return DataTable(id="preview-table", zebra_stripes=True, cursor_type="row")

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#preview-table", DataTable)

    def _title(self, text: Text | str) -> None:
        self.query_one("#preview-title", Static).update(text)

    def _switch(self, which: str) -> None:
        self.query_one(ContentSwitcher).current = which

    def show_loading(self, ref: FileRef, doing: str = "loading…") -> None:
        self.ref = ref
        self.failed = False
        self._title(Text.assemble((ref.name, "bold"), (f"  {doing}", "dim")))

    def show_message(self, ref: FileRef | None, message: str, *, error: bool = False) -> None:
        self.ref = ref
        self.failed = error
        self._title(Text(ref.name if ref else "Preview", style="bold"))
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
        # A fresh table each time: DataTable.clear() keeps rows pending a size update
        # (Textual 8), so clearing and refilling in one tick can lose column widths.
        table = self._new_table()
        for column in preview.columns:
            table.add_column(Text(column, style="bold"), key=column)
        for number, row in enumerate(preview.rows, start=1):
            table.add_row(*(render_cell(v) for v in row), label=Text(str(number), style="dim"))
        await self.table.remove()
        await self.query_one(ContentSwitcher).mount(table)
        self._switch("preview-table")

    def show_control(self, ref: FileRef, preview: ControlPreview, size: int | None) -> None:
        self.ref = ref
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
