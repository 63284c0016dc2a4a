"""Ask for a file path (open, save as, demo bundle)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static


class PathPrompt(ModalScreen[Path | None]):
    """Enter to accept, escape to cancel."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt-cancel")
    ]

    def __init__(self, title: str, value: str = "", hint: str = "") -> None:
        super().__init__(id="path-prompt")
        self.title_text = title
        self.value = value
        self.hint = hint

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, id="prompt-title")
            yield Input(self.value, id="prompt-input", select_on_focus=False)
            yield Static(
                self.hint or "enter: OK   escape: cancel", classes="field-hint", markup=False
            )

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        self.dismiss(Path(text).expanduser() if text else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
