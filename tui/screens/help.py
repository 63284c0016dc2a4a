"""F1: what the app does and every key, generated from the action tables."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from tui.actions import APP_ACTIONS, SCREEN_ACTIONS

WORKFLOWS = """\
# feedlab

**Build a feed** on the left: *Feed* holds the product form (Data format, Hash identity,
Data target, Host/bucket, Path, Personalized content, Condition); *Flow* holds client,
flow id, name, segment, variants and actions. Every field is checked as you type, with
the rule's message under it (FS-1).

**Simulate a flow**: set contacts entering/exiting, the seed and the simulated clock in
the bar on the right, then press **F5**: one batch is exported through the feed writer to
the in-process mock server of the chosen target (S3 or SFTP; **F4** switches).

**Watch files land**: the tree shows what each mock server holds, folder by date; the
activity log shows each protocol step (PUT or multipart parts on S3; `.partial` write
and rename on SFTP; the control file always last).

**Preview**: select a file in the tree. Data files show their rows (nulls in dim
*null*); control files show their JSON and whether they match their data file.

**Hand a client a demo**: **F8** writes a zip with a sample export in its real layout,
a README describing it, and a screenshot. Same as `feedlab demo CONFIG --out FILE.zip`.

All actions are also in the command palette (**ctrl+p**).
"""


def keys_table() -> str:
    lines = ["| Key | Action | What it does |", "|---|---|---|"]
    for action in (*SCREEN_ACTIONS, *APP_ACTIONS):
        key = f"`{action.key}`" if action.key else "palette"
        lines.append(f"| {key} | {action.title} | {action.help} |")
    lines.append("| `ctrl+p` | Command palette | Search every action |")
    return "\n".join(lines)


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,f1,q", "close", "Close", id="help-close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-dialog"):
            yield Markdown(WORKFLOWS + "\n## Keys\n\n" + keys_table(), id="help-text")

    def on_mount(self) -> None:
        self.query_one("#help-dialog").focus()  # ↑↓ pgup pgdn scroll

    def action_close(self) -> None:
        self.dismiss(None)
