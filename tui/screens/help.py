"""F1: what the app does and every key, generated from the action tables."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

from tui.tools import ALL_ACTIONS, ALL_TOOLS

WORKFLOWS = """\
# feedlab

**Build a feed**: *Feed* holds the product form (Data format, Hash identity, Data
target, Host/bucket, Path, Personalized content, Condition); *Flow* holds client, flow
id, name, segment, variants and actions. Every field is checked as you type, with the
rule's message under it (FS-1). **ctrl+n** starts a new, empty feed.

**Simulate a flow**: set contacts entering/exiting, the seed and the simulated clock in
the bar above the files, then press **F5**: one batch is exported through the feed
writer to the local mock server of the chosen target (S3 or SFTP; **F4**
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

**Tools** (**ctrl+f** lists them all): **ctrl+g** *Connect* shows where the mock
servers listen, the credentials (secrets hidden until **r**), the key and known_hosts
files, and ready `aws` and `sftp` commands, each copied with its letter (OSC 52).
**ctrl+y** *Attributes* lists what simulated contacts carry, with sample values, and its
*Tester* tab shows how many sample contacts pass the condition and what each
personalised field renders. On a file in the tree: **u** copies its URL, **k** its key,
**g** a download command (`aws s3 cp` or `sftp`), **p** opens it in `$PAGER`, **e** in
`$EDITOR`, **d** compares its batch with the previous one (rows per action, variant and
operation; columns added or removed).

**Warnings**: a template or condition naming an attribute simulated contacts lack
(`contact.frist_name`), or flow actions beside variants, is shown in yellow under its
field: a warning, never an error, so it blocks neither saving nor exporting (as
`feedlab validate`). *Config warnings* (palette, Tools menu) lists them all in the log.

**Hand a client a demo**: **F8** writes a zip of the batches exported in this session
(or, when there are none, a guaranteed sample: every variant, both operations, an awkward
value) in their real layout, with an `index.html` to open (folder tree, field
dictionary, sample table, the control file and its JSON Schema, loader snippets, a
poller), a README, the schema, the poller script and a screenshot of the app. *Demo
bundle (sample)* always writes the sample, as `feedlab demo CONFIG --out FILE.zip`.

All actions are also in the command palette (**ctrl+p**).
"""


def keys_table() -> str:
    lines = ["| Key | Action | What it does |", "|---|---|---|"]
    where = {"preview": " (preview table)", "tree": " (a file in the tree)"}
    for action in ALL_ACTIONS:
        menu = "palette, ctrl+f menu" if action in ALL_TOOLS else "palette"
        key = f"`{action.key}`" if action.key else menu
        text = action.help.replace("|", "\\|")
        lines.append(f"| {key} | {action.name} | {text}{where.get(action.scope, '')} |")
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
