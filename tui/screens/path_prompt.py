"""Ask for a file path (open, save as, demo bundle), completing it as it is typed."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import Suggester
from textual.widgets import Input, Label, Static

from tui.services.paths import complete_path


class PathSuggester(Suggester):
    """Suggests the rest of a folder or file name; the folder is read on a thread."""

    def __init__(self, suffixes: Sequence[str] = ()) -> None:
        super().__init__(use_cache=False, case_sensitive=True)  # the disk changes
        self.suffixes = tuple(suffixes)

    async def get_suggestion(self, value: str) -> str | None:
        return await asyncio.to_thread(complete_path, value, self.suffixes)


class PathPrompt(ModalScreen[Path | None]):
    """Enter to accept, tab (or →) to take the suggested completion, escape to cancel."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt-cancel"),
        Binding("tab", "complete", "Complete", id="prompt-complete", priority=True),
    ]

    def __init__(
        self, title: str, value: str = "", hint: str = "", suffixes: Sequence[str] = ()
    ) -> None:
        super().__init__(id="path-prompt")
        self.title_text = title
        self.value = value
        self.hint = hint
        own = Path(value).suffix
        #: Files offered for completion (folders always are): the default's suffix.
        self.suffixes = tuple(suffixes) or ((own,) if own else ())

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(self.title_text, id="prompt-title")
            yield Input(
                self.value,
                id="prompt-input",
                select_on_focus=False,
                suggester=PathSuggester(self.suffixes),
            )
            yield Static(
                self.hint or "enter: OK   tab: complete   escape: cancel",
                classes="field-hint",
                markup=False,
            )

    def action_complete(self) -> None:
        field = self.query_one(Input)
        field.cursor_position = len(field.value)
        field.action_cursor_right()  # at the end, → takes the suggestion

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        self.dismiss(Path(text).expanduser() if text else None)

    def action_cancel(self) -> None:
        self.dismiss(None)
