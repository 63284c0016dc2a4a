"""Every user action, once: its key binding (with an id), footer label and palette entry.

The footer, the command palette and the help screen are all generated from
these tables, so they can never disagree. Order matters: the footer shows
actions in the order of :data:`FOOTER_ORDER` (essentials first, so F1 help and
F5 export are on screen at 80 columns), and a new screen or tool plugs in by
adding a :class:`UserAction` to a table here (or to :mod:`tui.tools`, the tools'
tables) and a method ``action_<name>`` on the node of its scope.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

from textual.binding import Binding, BindingType

#: Which node binds an action: the app, the main screen, the preview table or the files tree
#: (both when focused). Tree actions are the main screen's (``screen.<action>``).
Scope = Literal["app", "screen", "preview", "tree"]


@dataclass(frozen=True)
class UserAction:
    id: str
    key: str  # "" = palette only
    action: str
    title: str
    help: str
    footer: bool = True
    priority: bool = False
    #: Which node binds it (see :data:`Scope`).
    scope: Scope = "screen"
    #: The palette's and help's name when the footer's short title is not enough to find
    #: it by ("Connect" is found as "Mock servers: connect a client").
    long_title: str = ""

    @property
    def name(self) -> str:
        """The title the palette and the help screen show."""
        return self.long_title or self.title

    def binding(self) -> Binding:
        # A tree action is bound on the tree and run by the main screen.
        action = f"screen.{self.action}" if self.scope == "tree" else self.action
        return Binding(
            self.key,
            action,
            self.title,
            show=self.footer,
            priority=self.priority,
            id=self.id,
            tooltip=self.help,
        )

    @property
    def key_display(self) -> str:
        """``^G``, ``F5``; a letter stays as typed (``u``, not ``U``, which reads as shift+u)."""
        if len(self.key) == 1:
            return self.key
        return self.key.replace("ctrl+", "^").upper()

    @property
    def target(self) -> str:
        """The action string the palette runs: ``app.help``, ``screen.export``…"""
        return f"{'app' if self.scope == 'app' else 'screen'}.{self.palette_action}"

    @property
    def palette_action(self) -> str:
        # Preview-table actions run from the palette through the screen, which forwards
        # them to the table (it is there whether or not it has focus).
        return f"preview('{self.action}')" if self.scope == "preview" else self.action


def _screen(
    id: str, key: str, action: str, title: str, help: str, footer: bool = True
) -> UserAction:
    # Screen keys are priority bindings: F-keys and ctrl+letters work from inside an Input.
    return UserAction(id, key, action, title, help, footer, priority=bool(key))


#: Actions of the app, available on every screen.
APP_ACTIONS: tuple[UserAction, ...] = (
    UserAction("help", "f1", "help", "Help", "Keys and workflows", priority=True, scope="app"),
    UserAction(
        "quit",
        "ctrl+q",
        "quit",
        "Quit",
        "Quit (asks first if there are unsaved changes)",
        priority=True,
        scope="app",
    ),
)

#: Actions of the main screen (``screen.<action>``).
SCREEN_ACTIONS: tuple[UserAction, ...] = (
    _screen(
        "export",
        "f5",
        "export",
        "Export batch",
        "Simulate contacts entering/exiting and deliver one batch to the mock server; "
        "the new data file is selected and previewed",
    ),
    _screen("form", "f3", "focus_form", "Form", "Show and focus the feed form"),
    _screen(
        "files", "f2", "focus_files", "Files", "Show and focus the delivered files and preview"
    ),
    _screen("log", "ctrl+l", "focus_log", "Log", "Show and focus the activity log"),
    _screen(
        "zoom",
        "f10",
        "zoom",
        "Zoom",
        "Maximize the preview (the log when it has focus); again to restore",
    ),
    _screen("save", "ctrl+s", "save", "Save", "Save the config as TOML"),
    _screen("next-day", "f6", "next_day", "Next day", "Advance the simulated clock by one day"),
    _screen(
        "switch-target",
        "f4",
        "switch_target",
        "S3⇄SFTP",
        "Switch the data target (and the mock server F5 delivers to)",
    ),
    _screen(
        "simulate",
        "f7",
        "focus_sim",
        "Simulate",
        "Focus the simulation settings: contacts entering/exiting, seed, clock",
    ),
    _screen(
        "batch-command",
        "ctrl+t",
        "batch_command",
        "CLI command",
        "Copy the command line that makes the last batch's files under the same names "
        "(feedlab simulate / publish with the same seed and --at)",
    ),
    _screen("open", "ctrl+o", "open", "Open", "Open another config file"),
    _screen("new", "ctrl+n", "new", "New", "Start a new, untitled feed (asks before discarding)"),
    _screen(
        "toggle-form",
        "f9",
        "toggle_form",
        "Hide form",
        "Hide or show the feed form (wider preview; wide terminals)",
    ),
    _screen(
        "refresh",
        "ctrl+r",
        "refresh",
        "Refresh",
        "Re-read everything the mock servers hold",
        footer=False,
    ),
    _screen("save-as", "", "save_as", "Save as…", "Save the config under another name"),
    _screen(
        "add-context",
        "",
        "add_context",
        "Add personalized field",
        "Add a name/value row to Personalized content",
    ),
    _screen("add-variant", "", "add_variant", "Add variant", "Add an experiment variant"),
    _screen(
        "clear-servers",
        "",
        "clear_servers",
        "Clear mock servers",
        "Delete every file the mock servers hold",
    ),
)

#: Actions of the preview table (bound on the table: they act on its cursor).
PREVIEW_ACTIONS: tuple[UserAction, ...] = (
    UserAction(
        "record",
        "enter",
        "record",
        "Record",
        "Show the row under the cursor as a record: one column per line, full values",
        scope="preview",
    ),
    UserAction(
        "pin-column",
        "p",
        "pin_column",
        "Pin column",
        "Pin the column under the cursor at the left (again to unpin)",
        scope="preview",
    ),
    UserAction(
        "hide-column",
        "h",
        "hide_column",
        "Hide column",
        "Hide the column under the cursor",
        scope="preview",
    ),
    UserAction(
        "show-columns",
        "a",
        "show_columns",
        "All columns",
        "Show every hidden column again and unpin",
        scope="preview",
    ),
)

#: Footer order, essentials first: help, export, where to look, the tools menu, zoom, the
#: focused table's or tree's keys, save, quit; then the rest (the tools' own keys among
#: them, :mod:`tui.tools`). At 80 columns the footer shows up to zoom: every tool is one
#: key away there, in the Tools menu.
FOOTER_ORDER: tuple[str, ...] = (
    "help",
    "export",
    "form",
    "files",
    "log",
    "tools",
    "zoom",
    *(a.id for a in PREVIEW_ACTIONS),
    *("copy-url", "copy-key", "copy-get", "open-pager", "open-editor", "diff-previous"),
    "save",
    "quit",
    "connect",
    "attributes",
    "demo",
    *(a.id for a in SCREEN_ACTIONS),
)


def bindings(actions: Iterable[UserAction]) -> list[BindingType]:
    return [a.binding() for a in actions if a.key]


V = TypeVar("V")


def footer_order(active: Mapping[str, V], binding_id: Mapping[str, str | None]) -> dict[str, V]:
    """``active`` (key -> binding) reordered by :data:`FOOTER_ORDER`; others keep their
    order after ours. ``binding_id`` maps each key to its binding's id."""
    rank = {name: number for number, name in enumerate(dict.fromkeys(FOOTER_ORDER))}
    last = len(rank)
    keys = sorted(active, key=lambda key: rank.get(binding_id.get(key) or "", last))
    return {key: active[key] for key in keys}
