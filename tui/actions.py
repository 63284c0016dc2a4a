"""Every user action, once: its key binding (with an id), footer label and palette entry.

The footer, the command palette and the help screen are all generated from
these tables, so they can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding, BindingType


@dataclass(frozen=True)
class UserAction:
    id: str
    key: str  # "" = palette only
    action: str
    title: str
    help: str
    footer: bool = True
    priority: bool = False

    def binding(self) -> Binding:
        return Binding(
            self.key,
            self.action,
            self.title,
            show=self.footer,
            priority=self.priority,
            id=self.id,
            tooltip=self.help,
        )

    @property
    def key_display(self) -> str:
        return self.key.replace("ctrl+", "^").upper() if self.key else ""


#: Actions of the main screen (``screen.<action>``), in footer order.
SCREEN_ACTIONS: tuple[UserAction, ...] = (
    UserAction(
        "export",
        "f5",
        "export",
        "Export batch",
        "Simulate contacts entering/exiting and deliver one batch to the mock server",
        priority=True,
    ),
    UserAction(
        "next-day",
        "f6",
        "next_day",
        "Next day",
        "Advance the simulated clock by one day",
        priority=True,
    ),
    UserAction(
        "switch-target",
        "f4",
        "switch_target",
        "S3⇄SFTP",
        "Switch the data target (and the mock server F5 delivers to)",
        priority=True,
    ),
    UserAction(
        "simulate",
        "f7",
        "focus_sim",
        "Simulate",
        "Focus the simulation settings: contacts entering/exiting, seed, clock",
        priority=True,
    ),
    UserAction(
        "files", "f2", "focus_files", "Files", "Focus the tree of delivered files", priority=True
    ),
    UserAction("form", "f3", "focus_form", "Edit", "Focus the feed form", priority=True),
    UserAction(
        "toggle-form",
        "f9",
        "toggle_form",
        "Hide form",
        "Hide or show the feed form (wider preview)",
        priority=True,
    ),
    UserAction(
        "zoom",
        "f10",
        "zoom",
        "Zoom",
        "Maximize the preview (the log when it has focus); again to restore",
        priority=True,
    ),
    UserAction("save", "ctrl+s", "save", "Save", "Save the config as TOML", priority=True),
    UserAction("open", "ctrl+o", "open", "Open", "Open another config file", priority=True),
    UserAction(
        "demo",
        "f8",
        "demo",
        "Demo",
        "Write a client demo bundle (zip with sample export, README and screenshot)",
        priority=True,
    ),
    UserAction(
        "refresh",
        "ctrl+r",
        "refresh",
        "Refresh",
        "Re-read everything the mock servers hold",
        footer=False,
    ),
    UserAction("save-as", "", "save_as", "Save as…", "Save the config under another name"),
    UserAction(
        "add-context",
        "",
        "add_context",
        "Add personalized field",
        "Add a name/value row to Personalized content",
    ),
    UserAction("add-variant", "", "add_variant", "Add variant", "Add an experiment variant"),
    UserAction(
        "clear-servers",
        "",
        "clear_servers",
        "Clear mock servers",
        "Delete every file the mock servers hold",
    ),
    UserAction(
        "server-details",
        "",
        "server_details",
        "Mock server details",
        "Where the mock servers listen, to connect another client (aws, sftp)",
    ),
)

#: Actions of the app, available on every screen.
APP_ACTIONS: tuple[UserAction, ...] = (
    UserAction("help", "f1", "help", "Help", "Keys and workflows", priority=True),
    UserAction(
        "quit",
        "ctrl+q",
        "quit",
        "Quit",
        "Quit (asks first if there are unsaved changes)",
        priority=True,
    ),
)


def bindings(actions: tuple[UserAction, ...]) -> list[BindingType]:
    return [a.binding() for a in actions if a.key]
