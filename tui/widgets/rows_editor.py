"""An editable list of rows (personalized content, variants): add, edit, remove.

Each cell validates as you type with its rule; the first problem of the whole
list (including a name used twice) is shown under the rows, else the first
warning (a column's ``warner``: a template naming an attribute simulated contacts
lack), which never blocks. Every change posts the full list up as one
:class:`~tui.messages.FieldEdited`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Static

from tui.messages import FieldEdited
from tui.services.draft import Checker, duplicates, problem
from tui.widgets.field import RuleValidator, Warner
from tui.widgets.text import set_text


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    placeholder: str
    checker: Checker | None = None
    warner: Warner | None = None


class EditorRow(Horizontal):
    """One row of inputs and its remove button."""

    def __init__(self, columns: Sequence[Column], values: Sequence[str]) -> None:
        super().__init__(classes="editor-row")
        self.columns = tuple(columns)
        self._values = tuple(values) + ("",) * (len(columns) - len(values))

    def compose(self) -> ComposeResult:
        for column, value in zip(self.columns, self._values, strict=True):
            validators = [RuleValidator(column.checker)] if column.checker else []
            yield Input(
                value,
                placeholder=column.placeholder,
                validators=validators,
                classes=f"cell cell-{column.key}",
                select_on_focus=False,
            )
        yield Button("✕", classes="remove-row", tooltip="Remove this row", compact=True)

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(cell.value for cell in self.query(Input))

    def problems(self) -> list[str]:
        found = []
        for column, value in zip(self.columns, self.values, strict=True):
            message = problem(column.checker, value) if column.checker else None
            if message:
                found.append(f"{column.label}: {message}")
        return found

    def warnings(self) -> list[str]:
        found = []
        for column, value in zip(self.columns, self.values, strict=True):
            warning = column.warner(value) if column.warner and value else None
            if warning:
                found.append(f"{column.label}: {warning}")
        return found


class RowsEditor(Vertical):
    """Rows of :class:`EditorRow` under a header, with an add button and one message line."""

    def __init__(
        self,
        field_name: str,
        columns: Sequence[Column],
        rows: Sequence[Sequence[str]] = (),
        *,
        add_label: str = "+ Add",
        unique: str | None = None,
    ) -> None:
        super().__init__(id=f"{field_name}-editor", classes="rows-editor")
        self.field_name = field_name
        self.columns = tuple(columns)
        self._rows = [tuple(r) for r in rows]
        self.add_label = add_label
        self.unique = unique

    def compose(self) -> ComposeResult:
        with Horizontal(classes="editor-header"):
            for column in self.columns:
                yield Static(column.label, classes=f"cell cell-{column.key}")
        with Vertical(classes="editor-rows"):
            for values in self._rows:
                yield EditorRow(self.columns, values)
        yield Static("", classes="field-message", markup=False)
        yield Button(self.add_label, classes="add-row", compact=True)

    @property
    def rows(self) -> list[tuple[str, ...]]:
        return [row.values for row in self.query(EditorRow)]

    def on_mount(self) -> None:
        self._check()

    async def add_row(self, values: Sequence[str] = ()) -> None:
        row = EditorRow(self.columns, values)
        await self.query_one(".editor-rows", Vertical).mount(row)
        row.query(Input).first().focus()
        self._changed()

    async def load(self, rows: Sequence[Sequence[str]]) -> None:
        """Replace every row (loading a config); posts no edit."""
        container = self.query_one(".editor-rows", Vertical)
        await container.remove_children()
        with self.prevent(Input.Changed):
            await container.mount_all([EditorRow(self.columns, r) for r in rows])
        self._check()

    @on(Input.Changed)
    def _cell_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._changed()

    @on(Button.Pressed, ".add-row")
    async def _add(self, event: Button.Pressed) -> None:
        event.stop()
        await self.add_row()

    @on(Button.Pressed, ".remove-row")
    async def _remove(self, event: Button.Pressed) -> None:
        event.stop()
        row = event.button.parent
        if isinstance(row, EditorRow):
            await row.remove()
            self._changed()

    def _changed(self) -> None:
        self._check()
        self.post_message(FieldEdited(self.field_name, self.rows))

    def _check(self) -> None:
        messages: list[str] = []
        for number, row in enumerate(self.query(EditorRow), start=1):
            messages.extend(f"row {number} {text}" for text in row.problems())
        if self.unique is not None:
            index = [c.key for c in self.columns].index(self.unique)
            twice = duplicates([values[index] for values in self.rows])
            messages.extend(
                f"{name!r} is used twice: names must be unique" for name in sorted(twice)
            )
        warnings: list[str] = []
        if not messages:
            for number, row in enumerate(self.query(EditorRow), start=1):
                warnings.extend(f"row {number} {text}" for text in row.warnings())
        self.set_class(bool(messages), "-invalid")
        self.set_class(bool(warnings), "-warning")
        shown = messages or warnings
        mark = "✗" if messages else "⚠"
        message = self.query_one(".field-message", Static)
        extra = f" (+{len(shown) - 1} more)" if len(shown) > 1 else ""
        set_text(message, f"{mark} {shown[0]}{extra}" if shown else "")
        if message.display != bool(shown):
            message.display = bool(shown)
