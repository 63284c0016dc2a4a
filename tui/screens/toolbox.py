"""The main screen's tools (:mod:`tui.tools`): what each key, menu line and palette entry runs.

Connect, Attributes, the Tools menu, the selected file's tools, the demo bundle
and the config warnings, wired to the app's document, mock servers and
simulation. The screen keeps one :class:`Toolbox` and its ``action_*`` methods
call it, so the main screen's module stays about the form and the layout.

**[decision]** F8 writes the bundle of what this session exported when the mock
server holds any file of the feed (as the user saw it on screen), else the
guaranteed sample of ``feedlab demo``; the log says which. The palette's and
the menu's *Demo bundle (sample)* always writes the sample.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from feedcore import naming
from feedcore.config import FeedConfig
from feedcore.errors import ConfigError
from tui.screens.attributes import AttributesScreen
from tui.screens.connect import ConnectScreen
from tui.screens.file_tools import FileTools, use
from tui.screens.path_prompt import PathPrompt
from tui.screens.tools import ToolsScreen
from tui.services.errors import one_line
from tui.services.form_warnings import config_warnings
from tui.services.session_demo import delivered_files, is_feed_file
from tui.services.targets import FileRef
from tui.tools import FILE_TOOLS, TOOL_ACTIONS

if TYPE_CHECKING:
    from tui.app import FeedlabApp
    from tui.screens.main import MainScreen

DemoMode = Literal["auto", "sample"]


class Toolbox:
    """The tools of ``screen`` (the main screen of ``screen.app``)."""

    def __init__(self, screen: MainScreen, app: FeedlabApp) -> None:
        self.screen = screen
        self.app = app
        targets = app.targets
        #: Copy, open and compare; tests replace ``file_tools.run`` (the pager/editor runner).
        self.file_tools = FileTools(
            app,
            read=lambda ref: targets.read(ref)[0],
            listing=targets.listing,
            details=app.connect_details,
            run=subprocess.run,
        )

    # -- screens -------------------------------------------------------------------------------

    def connect(self) -> None:
        values = self.screen.document.values
        bucket = values.host if values.target == "s3" and values.host else None
        self.app.push_screen(ConnectScreen(self.app.connect_details(), bucket=bucket))

    def attributes(self) -> None:
        """The browser always; the tester needs a valid config (it says so otherwise)."""
        config = self._config()
        self.app.push_screen(AttributesScreen(config, self.screen.workbench.settings.seed))

    def menu(self) -> None:
        ref = self.selected_file()

        def chosen(tool_id: str | None) -> None:
            if tool_id is None:
                return
            if any(tool.id == tool_id for tool in FILE_TOOLS):
                self.file_tool(tool_id)
                return
            tool = next(tool for tool in TOOL_ACTIONS if tool.id == tool_id)
            self.screen.call_later(self.screen.run_action, tool.action)

        self.app.push_screen(ToolsScreen(ref.name if ref is not None else None), chosen)

    # -- the selected file ---------------------------------------------------------------------

    def selected_file(self) -> FileRef | None:
        """The file under the tree's cursor, else the one previewed (None: no file)."""
        node = self.screen.files_tree.cursor_node
        if node is not None and node.data is not None:
            return node.data
        return self.screen.preview.ref

    def file_tool(self, tool_id: str) -> None:
        ref = self.selected_file()
        if ref is None:
            self.screen.notify(
                "Select a file in the tree first (F2, then a file).", severity="warning"
            )
            return
        use(self.file_tools, tool_id, ref)

    # -- warnings ------------------------------------------------------------------------------

    def warnings(self) -> None:
        """Every lint warning of the config in the log (the form shows each at its field)."""
        config = self.screen.valid_config("check the config")
        if config is None:
            return
        found = config_warnings(config)
        log = self.screen.activity
        if not found:
            log.note("✓ No warnings about the config", "green")
            self.screen.notify("No warnings about the config.", timeout=3)
            return
        for warning in found:
            log.note(f"⚠ {warning}", "yellow")
        noun = "warning" if len(found) == 1 else "warnings"
        self.screen.notify(
            f"{len(found)} {noun} in the log (^L); none blocks saving or exporting.",
            title="Config warnings",
            severity="warning",
        )

    # -- demo bundle ---------------------------------------------------------------------------

    def demo(self, mode: DemoMode = "auto") -> None:
        config = self.screen.valid_config("write a demo")
        if config is None:
            return
        default = str(Path.cwd() / f"{config.client}-demo.zip")
        # What the tree shows decides the title; the worker decides on the server's listing.
        shown = sum(1 for ref in self.screen.files_tree.files if _data_file_of(ref, config))
        if mode == "auto" and shown:
            title = f"Demo bundle (zip) of the {shown} data file{'s' if shown != 1 else ''} "
            title += "exported in this session"
        else:
            title = "Demo bundle (zip) of a guaranteed sample"
            title += " (nothing of this feed exported yet)" if mode == "auto" else ""

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.screen.call_after_refresh(self._demo, config, path, mode)

        self.app.push_screen(PathPrompt(title, default), chosen)

    def _demo(self, config: FeedConfig, path: Path, mode: DemoMode) -> None:
        svg = self.app.export_screenshot(title="feedlab")
        self.screen.workbench.status.started(f"Writing the demo bundle {path.name}…", 1)
        name = self.screen.document.name

        def write() -> None:
            try:
                note = self._write_demo(config, path, mode, svg, name)
            except Exception as exc:
                self.app.call_from_thread(self._demo_failed, one_line(exc))
                return
            self.app.call_from_thread(self._demo_written, note)

        self.screen.run_worker(write, thread=True, group="demo", exit_on_error=False)

    def _write_demo(
        self, config: FeedConfig, path: Path, mode: DemoMode, svg: str, name: str
    ) -> str:
        """Write the bundle (in a worker: it reads the server and zips); what to tell."""
        from feedcore.demo import build_demo, build_session_demo

        targets = self.app.targets
        files: list[tuple[str, bytes]] = []
        if mode == "auto" and targets.ready:
            read = self.file_tools.read
            files = delivered_files(config, targets.listing(), read)
        data = sum(1 for key, _ in files if _is_data(key))
        if data:
            bundle = build_session_demo(config, files, path, screenshot_svg=svg)
            what = f"the {data} data file{'s' if data != 1 else ''} exported in this session"
        else:
            bundle = build_demo(config, path, screenshot_svg=svg, name=name)
            what = "a guaranteed sample" + (
                "" if mode == "sample" else " (nothing of this feed exported yet)"
            )
        return f"Demo bundle written: {path.name} ({len(bundle.members)} files; {what})"

    def _demo_written(self, text: str) -> None:
        self.screen.workbench.status.finished(text)
        self.screen.activity.note(f"✓ {text}", "green")
        self.screen.notify(text, title="Demo")

    def _demo_failed(self, error: str) -> None:
        self.screen.workbench.status.finished(f"Demo bundle failed: {error}", error=True)
        self.screen.activity.note(f"✗ Demo bundle failed: {error}", "bold red")
        self.screen.notify(error, title="Demo bundle failed", severity="error")

    # -- internals -----------------------------------------------------------------------------

    def _config(self) -> FeedConfig | None:
        try:
            return self.screen.document.config()
        except ConfigError:
            return None


def _is_data(key: str) -> bool:
    return naming.DATA_NAME_RE.fullmatch(key.rpartition("/")[2]) is not None


def _data_file_of(ref: FileRef, config: FeedConfig) -> bool:
    """Is ``ref`` a data file of ``config``'s feed (a session bundle would hold it)?"""
    return _is_data(ref.key) and is_feed_file(ref, config)
