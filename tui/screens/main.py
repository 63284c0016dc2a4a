"""The main screen: the feed form on the left, the workbench on the right.

It owns the open document (form edits, open, save, the unsaved-changes guard, the
demo bundle) and maps the key bindings to the workbench, which owns simulating,
watching and previewing. Widgets get attributes and method calls; they post
messages back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, RadioButton, Static, TabbedContent, TabPane

from feedcore.config import FeedConfig
from feedcore.errors import ConfigError
from tui import messages as m
from tui.actions import SCREEN_ACTIONS, bindings
from tui.screens.confirm import ConfirmScreen
from tui.screens.path_prompt import PathPrompt
from tui.services.document import ConfigDocument
from tui.services.errors import one_line
from tui.services.simulation import SimSettings, format_clock
from tui.services.targets import FileRef, MockTargets
from tui.widgets.activity import ActivityLog
from tui.widgets.feed_form import FeedForm
from tui.widgets.flow_form import FlowForm
from tui.widgets.preview import PreviewPane
from tui.widgets.rows_editor import RowsEditor
from tui.widgets.target_tree import TargetTree
from tui.widgets.text import PlainNotify, set_text
from tui.widgets.workbench import Workbench


class MainScreen(PlainNotify, Screen[None]):
    BINDINGS = bindings(SCREEN_ACTIONS)

    def __init__(
        self, document: ConfigDocument, settings: SimSettings, targets: MockTargets
    ) -> None:
        super().__init__(id="main")
        self.document = document
        self.settings = settings
        self.targets = targets

    def compose(self) -> ComposeResult:
        values = self.document.values
        yield Header()
        with Horizontal(id="body"):
            with Vertical(id="editor"):
                with TabbedContent(id="tabs"):
                    with TabPane("Feed", id="tab-feed"):
                        yield FeedForm(values, self.settings.clock, id="feed-form")
                    with TabPane("Flow", id="tab-flow"):
                        yield FlowForm(values, id="flow-form")
                yield Static("", id="config-status", markup=False)
            yield Workbench(self.settings, self.targets, id="workbench")
        yield Footer()

    def on_mount(self) -> None:
        self.files_tree.active = self.document.values.target
        self._document_changed()

    # -- parts ------------------------------------------------------------------------------

    @property
    def workbench(self) -> Workbench:
        return self.query_one(Workbench)

    @property
    def files_tree(self) -> TargetTree:
        return self.workbench.files_tree

    @property
    def activity(self) -> ActivityLog:
        return self.workbench.activity

    @property
    def preview(self) -> PreviewPane:
        return self.workbench.preview

    @property
    def last_result(self) -> m.ExportFinished | None:
        return self.workbench.last_result

    @property
    def feed_form(self) -> FeedForm:
        return self.query_one(FeedForm)

    @property
    def flow_form(self) -> FlowForm:
        return self.query_one(FlowForm)

    def show_file(self, ref: FileRef) -> None:
        self.workbench.show_file(ref)

    # -- the form ---------------------------------------------------------------------------

    @on(m.FieldEdited)
    def _field_edited(self, event: m.FieldEdited) -> None:
        self.document.edit(event.name, event.value)
        if event.name == "target":
            self.files_tree.active = str(event.value)
        self._document_changed()

    @on(m.SimEdited)
    def _sim_edited(self, event: m.SimEdited) -> None:
        self.feed_form.clock = event.settings.clock

    def _document_changed(self) -> None:
        doc = self.document
        self.app.sub_title = doc.name + ("  ● modified" if doc.dirty else "")
        status = self.query_one("#config-status", Static)
        try:
            config = doc.config()
        except ConfigError as exc:
            self.workbench.config = None
            count = len(exc.problems)
            noun = "problem" if count == 1 else "problems"
            set_text(status, f"✗ {count} {noun}: {one_line(exc)}", layout=False)
            status.add_class("-invalid")
        else:
            self.workbench.config = config
            set_text(status, "✓ Config is valid (FS-1)", layout=False)
            status.remove_class("-invalid")

    def valid_config(self, doing: str) -> FeedConfig | None:
        """The config, or None after telling the user in one line why it is not valid."""
        try:
            return self.document.config()
        except ConfigError as exc:
            self.notify(one_line(exc), title=f"Cannot {doing}: fix the config", severity="error")
            return None

    async def action_add_context(self) -> None:
        self.query_one(TabbedContent).active = "tab-feed"
        await self.feed_form.query_one(RowsEditor).add_row()

    async def action_add_variant(self) -> None:
        self.query_one(TabbedContent).active = "tab-flow"
        await self.flow_form.query_one(RowsEditor).add_row()

    def action_switch_target(self) -> None:
        other = "sftp" if self.document.values.target == "s3" else "s3"
        self.query_one(f"#target-{other}", RadioButton).value = True

    # -- the workbench ------------------------------------------------------------------------

    def action_export(self) -> None:
        config = self.valid_config("export")
        if config is not None:
            self.workbench.export(config)

    def action_next_day(self) -> None:
        settings = self.workbench.next_day()
        self.feed_form.clock = settings.clock
        self.notify(f"Simulated clock: {format_clock(settings.clock)} UTC", timeout=2)

    def action_refresh(self) -> None:
        self.workbench.refresh_files()

    def action_clear_servers(self) -> None:
        self.workbench.refresh_files(clear=True)

    def action_server_details(self) -> None:
        self.notify(self.targets.details(), title="Mock servers", timeout=20)

    # -- focus and layout ----------------------------------------------------------------------

    def action_focus_sim(self) -> None:
        self.query_one("#sim-entering", Input).focus()

    def action_focus_files(self) -> None:
        self.files_tree.focus()

    def action_focus_form(self) -> None:
        editor = self.query_one("#editor")
        editor.display = True
        tabs = self.query_one(TabbedContent)
        pane = tabs.get_pane(tabs.active) if tabs.active else None
        if pane is not None:
            with contextlib.suppress(Exception):
                pane.query(Input).first().focus()

    def action_toggle_form(self) -> None:
        editor = self.query_one("#editor")
        editor.display = not editor.display
        if not editor.display and self.focused is not None and editor in self.focused.ancestors:
            self.files_tree.focus()

    def action_zoom(self) -> None:
        if self.maximized is not None:
            self.minimize()
            return
        pane = self.activity if self.focused is self.activity else self.preview
        self.maximize(pane, container=False)

    # -- files ---------------------------------------------------------------------------------

    def action_save(self) -> None:
        self.save()

    def action_save_as(self) -> None:
        self.save(ask=True)

    def save(self, *, ask: bool = False, then: Callable[[], object] | None = None) -> None:
        """Save (asking for a name when there is none); ``then`` runs after a successful save."""
        if self.valid_config("save") is None:
            return
        if self.document.path is not None and not ask:
            if self._write(self.document.path) and then is not None:
                then()
            return
        client = self.document.values.client or "feed"
        default = str(self.document.path or Path.cwd() / f"{client}.toml")

        def chosen(path: Path | None) -> None:
            if path is not None and self._write(path) and then is not None:
                then()

        self.app.push_screen(PathPrompt("Save the config as (TOML)", default), chosen)

    def _write(self, path: Path) -> bool:
        try:
            saved = self.document.save(path)
        except ConfigError as exc:
            self.notify(one_line(exc), title="Cannot save: fix the config", severity="error")
            return False
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            self.notify(f"{path.name}: {reason}", title="Cannot save", severity="error")
            return False
        self._document_changed()
        self.notify(f"Saved {saved.name}", timeout=3)
        return True

    def action_open(self) -> None:
        def ask_path() -> None:
            folder = self.document.path.parent if self.document.path else Path.cwd()
            self.app.push_screen(PathPrompt("Open a feed config (TOML)", f"{folder}/"), opened)

        def opened(path: Path | None) -> None:
            if path is not None:
                self.open_document(path)

        self.guard_unsaved("Open another config", ask_path)

    def guard_unsaved(self, doing: str, proceed: Callable[[], object]) -> None:
        """Run ``proceed`` now, or after the user saved or discarded unsaved changes."""
        if not self.document.dirty:
            proceed()
            return

        def decided(choice: str | None) -> None:
            if choice == "save":
                self.save(then=proceed)
            elif choice == "discard":
                proceed()

        question = f"{self.document.name} has unsaved changes. Save them first?"
        self.app.push_screen(ConfirmScreen(question, f"{doing} without saving"), decided)

    @work(exclusive=True, group="open")
    async def open_document(self, path: Path) -> None:
        try:
            document = ConfigDocument.open(path)
        except ConfigError as exc:
            self.notify(one_line(exc), title=f"Cannot open {path.name}", severity="error")
            return
        self.document = document
        await self.feed_form.load(document.values)
        await self.flow_form.load(document.values)
        self.files_tree.active = document.values.target
        self._document_changed()
        self.notify(f"Opened {document.name}", timeout=3)

    # -- demo ----------------------------------------------------------------------------------

    def action_demo(self) -> None:
        config = self.valid_config("write a demo")
        if config is None:
            return
        default = str(Path.cwd() / f"{config.client}-demo.zip")

        def chosen(path: Path | None) -> None:
            if path is not None:
                self.call_after_refresh(self._demo, config, path)

        self.app.push_screen(PathPrompt("Write a client demo bundle (zip)", default), chosen)

    def _demo(self, config: FeedConfig, path: Path) -> None:
        svg = self.app.export_screenshot(title="feedlab")
        self.workbench.status.started(f"Writing the demo bundle {path.name}…", 1)
        self.write_demo(config, path, svg)

    @work(thread=True, exit_on_error=False, group="demo")
    def write_demo(self, config: FeedConfig, path: Path, svg: str) -> None:
        from feedcore.demo import build_demo

        try:
            bundle = build_demo(config, path, screenshot_svg=svg, name=self.document.name)
        except Exception as exc:
            self.post_message(m.DemoWritten(path, None, one_line(exc)))
            return
        self.post_message(m.DemoWritten(path, len(bundle.members), None))

    @on(m.DemoWritten)
    def _demo_written(self, event: m.DemoWritten) -> None:
        status = self.workbench.status
        if event.error is not None:
            status.finished(f"Demo bundle failed: {event.error}", error=True)
            self.notify(event.error, title="Demo bundle failed", severity="error")
            return
        text = f"Demo bundle written: {event.path.name} ({event.members} files)"
        status.finished(text)
        self.notify(text, title="Demo")
