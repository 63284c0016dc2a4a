"""F1: what the app does and every key, generated from the action tables."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from tui.actions import APP_ACTIONS, PREVIEW_ACTIONS, SCREEN_ACTIONS

WORKFLOWS = """\
# feedlab

**Build a feed**: *Feed* holds the product form (Data format, Hash identity, Data
target, Host/bucket, Path, Personalized content, Condition); *Flow* holds client, flow
id, name, segment, variants and actions. Every field is checked as you type, with the
rule's message under it (FS-1). **ctrl+n** starts a new, empty feed.

**Simulate a flow**: set contacts entering/exiting, the seed and the simulated clock in
the bar above the files, then press **F5**: one batch is exported through the feed
writer to the in-process mock server of the chosen target (S3 or SFTP; **F4**
switches). The new data file is selected and previewed, the batch's files are marked
in the tree, and the clock moves on a minute so the next batch gets its own names.

**Same names as the command line**: with the same config, `--seed` and `--at`,
`feedlab simulate` and `feedlab publish` name a batch's files exactly as the app
does; **ctrl+t** copies the last batch's command line.

**Watch files land**: the tree shows what each mock server holds, folder by date; the
activity log shows each protocol step (PUT or multipart parts on S3; `.partial` write
and rename on SFTP; the control file always last).

**Preview**: select a file in the tree. Data files show their rows (nulls in dim
*null*); control files show their JSON and whether they match their data file. In the
table, **enter** shows the row as a record (every value in full), **p** pins a column,
**h** hides one, **a** shows them all again. **F10** zooms the preview (or the log).

**Small terminals**: below 140 columns one panel is shown at a time: **F3** Form,
**F2** Files (the tree and the preview), **ctrl+l** Log.

**Hand a client a demo**: **F8** writes a zip with a sample export in its real layout,
a README describing it, and a screenshot. Same as `feedlab demo CONFIG --out FILE.zip`.

All actions are also in the command palette (**ctrl+p**).
"""


def keys_table() -> str:
    lines = ["| Key | Action | What it does |", "|---|---|---|"]
    for action in (*APP_ACTIONS, *SCREEN_ACTIONS, *PREVIEW_ACTIONS):
        key = f"`{action.key}`" if action.key else "palette"
        where = " (preview table)" if action.scope == "preview" else ""
        lines.append(f"| {key} | {action.title} | {action.help}{where} |")
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
