"""A yes/no/cancel question (unsaved changes)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

Choice = str | None  # "save", "discard" or None (cancel)


class ConfirmScreen(ModalScreen[Choice]):
    """Save / discard / cancel; dismisses with "save", "discard" or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="confirm-cancel"),
        Binding("s", "choose('save')", "Save", id="confirm-save"),
        Binding("d", "choose('discard')", "Discard", id="confirm-discard"),
    ]

    def __init__(self, question: str, discard_label: str = "Discard") -> None:
        super().__init__(id="confirm")
        self.question = question
        self.discard_label = discard_label

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Static(self.question, id="question", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button("Save", id="save", variant="primary")
                yield Button(self.discard_label, id="discard", variant="error")
                yield Button("Cancel", id="cancel")
            yield Static(
                f"s: save   d: {self.discard_label.lower()}   escape: cancel",
                classes="field-hint",
                markup=False,
            )

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(None if event.button.id == "cancel" else event.button.id)

    def action_choose(self, choice: str) -> None:
        self.dismiss(choice)

    def action_cancel(self) -> None:
        self.dismiss(None)
