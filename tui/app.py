"""The feedlab Textual app: build a feed, simulate a flow, watch files land, preview them.

Thin on purpose: it owns the open document, the simulation defaults, the mock
servers' lifetime (and the credentials file the Connect screen's ``aws``
commands name, which lives as long as they do), and pushes
:class:`~tui.screens.main.MainScreen`, where the workflow lives.
"""

from __future__ import annotations

import asyncio
import gc
import sys
from pathlib import Path

from textual.app import App

from feedcore import logsafety
from tui.actions import APP_ACTIONS, bindings
from tui.commands import FeedlabCommands
from tui.screens.confirm import ConfirmScreen
from tui.screens.help import HelpScreen
from tui.screens.main import MainScreen
from tui.services.connect import ConnectDetails, CredentialsFile, details_of
from tui.services.document import ConfigDocument
from tui.services.simulation import SimSettings
from tui.services.targets import MockTargets

#: GIL switch interval while the app runs. Exports and the clients of the mock
#: servers (which run in a child process) run on threads; a shorter interval hands
#: the GIL back to the UI thread sooner, which keeps frames regular during a large
#: export (benchmarks/tui_frames.py).
UI_SWITCH_INTERVAL = 0.001


class FeedlabApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "feedlab"
    BINDINGS = bindings(APP_ACTIONS)
    COMMANDS = App.COMMANDS | {FeedlabCommands}

    def __init__(
        self,
        config_path: str | Path | None = None,
        *,
        settings: SimSettings | None = None,
    ) -> None:
        super().__init__()
        path = Path(config_path) if config_path is not None else None
        # A config that is not TOML at all raises ConfigError here, before the UI starts;
        # one with wrong values opens, with every problem shown on its field.
        self.document = ConfigDocument.open(path) if path is not None else ConfigDocument()
        self.settings = settings or SimSettings()
        self.targets = MockTargets()
        #: The S3 mock's shared-credentials file (0600), removed with the servers.
        self.credentials = CredentialsFile()
        self._switch_interval = sys.getswitchinterval()

    def get_default_screen(self) -> MainScreen:
        return MainScreen(self.document, self.settings, self.targets)

    @property
    def main(self) -> MainScreen:
        screen = self.screen_stack[0]
        assert isinstance(screen, MainScreen)
        return screen

    def connect_details(self) -> ConnectDetails | None:
        """Where the mock servers listen (None until they run), for Connect and the
        file tools' commands; the one place tests substitute fixed ports and paths."""
        return details_of(self.targets, self.credentials)

    def on_mount(self) -> None:
        # The app owns its process: secrets are masked in every log record from now on.
        logsafety.install()
        sys.setswitchinterval(UI_SWITCH_INTERVAL)
        # The servers' child process starts now, on the other core, while the first frame
        # is painted; the workbench waits for it on a worker after that frame.
        self.targets.launch()

    async def on_unmount(self) -> None:
        await asyncio.to_thread(self.targets.stop)
        self.credentials.close()  # after the servers: no command names it any more
        sys.setswitchinterval(self._switch_interval)
        gc.unfreeze()  # the workbench froze the app's objects; let them go with it

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        main = self.main
        if not main.document.dirty:
            self.exit(return_code=0)
            return
        if isinstance(self.screen, ConfirmScreen):
            return

        def decided(choice: str | None) -> None:
            if choice == "save":
                main.save(then=lambda: self.exit(return_code=0))
            elif choice == "discard":
                self.exit(return_code=0)

        question = f"{main.document.name} has unsaved changes. Save them before quitting?"
        self.push_screen(ConfirmScreen(question, "Quit without saving"), decided)
