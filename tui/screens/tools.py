"""The Tools menu (ctrl+f): every tool of :data:`tui.tools.ALL_TOOLS`, one key each.

For a user who does not know the keys, and at 80 columns, where the footer ends
after F10: the menu lists the tools with their menu letter and the key that runs
them from the main screen, and the highlighted one's help below. A letter, or
enter on a line, closes the menu with the tool's id; the caller runs it (the
menu does nothing itself, so it is the same for any screen). The selected
file's tools are offered only when a file is selected.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui.actions import UserAction
from tui.tools import ALL_TOOLS, FILE_TOOLS

#: The menu's letter for each tool that is not a file tool (file tools keep the tree's keys).
MENU_KEYS = {"connect": "c", "attributes": "a", "demo": "b", "demo-sample": "s", "warnings": "w"}
#: The tools the menu lists, in its order (not itself).
MENU_TOOLS: tuple[UserAction, ...] = tuple(tool for tool in ALL_TOOLS if tool.id != "tools")


def menu_key(tool: UserAction) -> str:
    return MENU_KEYS.get(tool.id, tool.key)


def _heading(text: str) -> Option:
    """A section's title: a line the cursor skips (disabled), styled as a heading."""
    return Option(Text(text, style="bold underline"), disabled=True)


def _prompt(tool: UserAction) -> Text:
    line = Text.assemble((f" {menu_key(tool)} ", "bold"), f" {tool.name}")
    if tool.key and tool.scope != "tree":
        line.append(f"  {tool.key_display}", style="dim")
    return line


class ToolsScreen(ModalScreen[str | None]):
    """Dismissed with the chosen tool's id (None: closed); ``file`` names the selected
    file (None: the file tools are shown disabled)."""

    DEFAULT_CSS = """
    ToolsScreen { align: center middle; }
    ToolsScreen #tools-dialog {
        width: 100%; max-width: 90; height: auto; max-height: 100%;
        border: round $accent; border-title-color: $text; border-title-style: bold;
        background: $surface; padding: 0 1;
    }
    ToolsScreen #tools-list { height: auto; max-height: 1fr; border: none; padding: 0; }
    ToolsScreen #tools-list > .option-list--option-disabled { color: $text-muted; }
    ToolsScreen #tools-help { color: $text-muted; height: auto; min-height: 2; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="tools-close"),
        *(
            Binding(menu_key(tool), f"choose('{tool.id}')", tool.title, show=False)
            for tool in MENU_TOOLS
        ),
    ]

    def __init__(self, file: str | None) -> None:
        super().__init__(id="tools")
        self.file = file

    def compose(self) -> ComposeResult:
        dialog = Vertical(id="tools-dialog")
        dialog.border_title = "Tools"
        where = f"On {self.file}" if self.file else "On a file: none selected (F2, then a file)"
        options = [_heading("Mock servers, attributes, demo bundles, warnings")]
        for tool in MENU_TOOLS:
            if tool is FILE_TOOLS[0]:
                options.append(_heading(where))
            options.append(Option(_prompt(tool), id=tool.id, disabled=self._unavailable(tool)))
        with dialog:
            yield OptionList(*options, id="tools-list")
            yield Static("", id="tools-help", markup=False)
            yield Static(
                "a letter or enter runs a tool · escape closes", classes="tools-hint", markup=False
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def _unavailable(self, tool: UserAction) -> bool:
        return tool in FILE_TOOLS and self.file is None

    @on(OptionList.OptionHighlighted)
    def _highlighted(self, event: OptionList.OptionHighlighted) -> None:
        tool = next((t for t in MENU_TOOLS if t.id == event.option.id), None)
        if tool is not None:
            self.query_one("#tools-help", Static).update(tool.help)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_choose(event.option.id or "")

    def action_choose(self, tool_id: str) -> None:
        tool = next((t for t in MENU_TOOLS if t.id == tool_id), None)
        if tool is None:
            return
        if self._unavailable(tool):
            self.notify("Select a file in the tree first (F2).", severity="warning")
            return
        self.dismiss(tool_id)

    def action_close(self) -> None:
        self.dismiss(None)
