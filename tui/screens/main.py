"""The main screen: the feed form on the left; simulate, watch and preview on the right.

It owns the workflow state (the open document, the simulation settings, the
simulator) and the workers; widgets get attributes and method calls, and post
messages back. Blocking work (servers, boto3, SFTP, parsing files) runs in
thread workers; their results come back as messages.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header, Input, RadioButton, Static, TabbedContent, TabPane, Tree
from textual.worker import get_current_worker

from feedcore.config import FeedConfig
from feedcore.errors import ConfigError, FeedError
from feedcore.writer import FeedWriter, Progress
from tui import messages as m
from tui.actions import SCREEN_ACTIONS, bindings
from tui.screens.confirm import ConfirmScreen
from tui.screens.path_prompt import PathPrompt
from tui.services.checks import check_control
from tui.services.document import ConfigDocument
from tui.services.opfeed import OperationFeed
from tui.services.preview import (
    HEAD_BYTES,
    ControlPreview,
    format_of,
    kind_of,
    parse_data,
    pretty_json,
)
from tui.services.simulation import BatchPlan, SimSettings, Simulator, format_clock, warm_up
from tui.services.targets import FileRef, MockTargets
from tui.widgets.activity import ActivityLog
from tui.widgets.feed_form import FeedForm
from tui.widgets.flow_form import FlowForm
from tui.widgets.preview import PreviewPane
from tui.widgets.rows_editor import RowsEditor
from tui.widgets.sim_bar import SimBar
from tui.widgets.status import ExportStatus
from tui.widgets.target_tree import TargetTree


class ExportCancelled(FeedError):
    """The app is closing: the export worker stops at its next progress report."""


def one_line(exc: BaseException) -> str:
    """A user-facing line for an error: feedlab's own text, or its type for anything else."""
    if isinstance(exc, ConfigError) and exc.problems:
        first = str(exc.problems[0])
        more = len(exc.problems) - 1
        return first + (f" (and {more} more)" if more else "")
    if isinstance(exc, FeedError):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return f"unexpected {type(exc).__name__}"


class MainScreen(Screen[None]):
    BINDINGS = bindings(SCREEN_ACTIONS)

    def __init__(
        self, document: ConfigDocument, settings: SimSettings, targets: MockTargets
    ) -> None:
        super().__init__(id="main")
        self.document = document
        self.settings = settings
        self.targets = targets
        self.simulator = Simulator()
        self.feed = OperationFeed(lambda: self.post_message(m.ServerActivity()))
        self.exporting = False
        self.last_result: m.ExportFinished | None = None

    # -- layout -------------------------------------------------------------------------

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
            with Vertical(id="workbench"):
                yield SimBar(self.settings, id="sim-bar")
                with Horizontal(id="watch"):
                    yield TargetTree(id="files")
                    yield PreviewPane(id="preview")
                yield ActivityLog(id="activity")
                yield ExportStatus(id="status")
        yield Footer()

    @property
    def files_tree(self) -> TargetTree:
        return self.query_one(TargetTree)

    @property
    def activity(self) -> ActivityLog:
        return self.query_one(ActivityLog)

    @property
    def preview(self) -> PreviewPane:
        return self.query_one(PreviewPane)

    @property
    def status(self) -> ExportStatus:
        return self.query_one(ExportStatus)

    @property
    def feed_form(self) -> FeedForm:
        return self.query_one(FeedForm)

    @property
    def flow_form(self) -> FlowForm:
        return self.query_one(FlowForm)

    def on_mount(self) -> None:
        self.files_tree.border_title = "Delivered files"
        self.preview.border_title = "Preview"
        self.activity.border_title = "Activity: protocol operations, in order"
        self.targets.subscribe(self.feed)
        self.files_tree.active = self.document.values.target
        self._document_changed()
        self.activity.note("Starting the mock S3 and SFTP servers…", style="dim")
        self.start_servers()

    # -- servers ----------------------------------------------------------------------------

    @work(thread=True, exit_on_error=False, group="servers")
    def start_servers(self) -> None:
        try:
            self.targets.start()
        except FeedError as exc:
            self.post_message(m.ServersFailed(one_line(exc)))
            return
        self.post_message(m.ServersReady())
        warm_up(self.settings.seed)

    @on(m.ServersReady)
    def _servers_ready(self) -> None:
        self.files_tree.set_started(True)
        self.activity.note("Mock S3 and SFTP servers are running. F5 exports a batch.", "green")

    @on(m.ServersFailed)
    def _servers_failed(self, event: m.ServersFailed) -> None:
        self.activity.note(f"✗ {event.error}", "bold red")
        self.notify(event.error, title="Mock servers", severity="error")

    @on(m.ServerActivity)
    def _server_activity(self) -> None:
        operations = self.feed.drain()
        if operations:
            self.files_tree.apply(operations)
            self.activity.operations(operations)

    # -- the form -----------------------------------------------------------------------------

    @on(m.FieldEdited)
    def _field_edited(self, event: m.FieldEdited) -> None:
        self.document.edit(event.name, event.value)
        if event.name == "target":
            self.files_tree.active = str(event.value)
        self._document_changed()

    @on(m.SimEdited)
    def _sim_edited(self, event: m.SimEdited) -> None:
        self.settings = event.settings
        self.feed_form.clock = event.settings.clock

    def _document_changed(self) -> None:
        doc = self.document
        self.app.sub_title = doc.name + ("  ● modified" if doc.dirty else "")
        status = self.query_one("#config-status", Static)
        try:
            doc.config()
        except ConfigError as exc:
            count = len(exc.problems)
            noun = "problem" if count == 1 else "problems"
            status.update(f"✗ {count} {noun}: {one_line(exc)}")
            status.add_class("-invalid")
        else:
            status.update("✓ Config is valid (FS-1)")
            status.remove_class("-invalid")

    def valid_config(self, doing: str) -> FeedConfig | None:
        """The config, or None after telling the user in one line why it is not valid."""
        try:
            return self.document.config()
        except ConfigError as exc:
            self.notify(one_line(exc), title=f"Cannot {doing}: fix the config", severity="error")
            return None

    # -- simulate and export ---------------------------------------------------------------------

    def action_export(self) -> None:
        if self.exporting:
            self.notify("An export is already running.", severity="warning")
            return
        config = self.valid_config("export")
        if config is None:
            return
        settings = self.settings
        if settings.entering == 0 and (settings.exiting == 0 or self.simulator.in_flow == 0):
            self.notify(
                "Nothing to export: set contacts entering (or exiting).", severity="warning"
            )
            return
        plan = self.simulator.plan(settings)
        where = f"{config.feed.target}://{config.feed.host}"
        self.activity.note(
            f"── batch {plan.number} at {format_clock(plan.at)} UTC: {plan.entering:,} entering, "
            f"{plan.exiting:,} exiting → {where}"
        )
        if plan.exiting < settings.exiting:
            self.activity.note(
                f"   only {plan.exiting:,} contacts were in the flow to exit", style="yellow"
            )
        self.exporting = True
        self.status.started(f"Batch {plan.number}: starting…", plan.events_total)
        self.export_batch(config, plan)

    @work(thread=True, exit_on_error=False, group="export")
    def export_batch(self, config: FeedConfig, plan: BatchPlan) -> None:
        worker = get_current_worker()

        def progress(report: Progress) -> None:
            if worker.is_cancelled:
                raise ExportCancelled("the app is closing")
            self.post_message(m.ExportProgress(plan, report))

        try:
            sink = self.targets.sink_for(config)
            writer = FeedWriter(config, sink, seed=plan.writer_seed, progress=progress)
            result = writer.export(plan.events(config), at=plan.at)
        except Exception as exc:
            self.targets.discard(config)  # a broken connection is not reused
            self.post_message(m.ExportFailed(plan, one_line(exc)))
        else:
            self.post_message(m.ExportFinished(plan, result, sink.label))

    @on(m.ExportProgress)
    def _export_progress(self, event: m.ExportProgress) -> None:
        self.status.progressed(event.progress, event.plan.events_total)

    @on(m.ExportFinished)
    def _export_finished(self, event: m.ExportFinished) -> None:
        self.exporting = False
        self.last_result = event
        self._server_activity()  # every report of this batch is in: show them first
        result = event.result
        data_files = len(result.files)
        if data_files == 0:
            text = f"Batch {event.plan.number}: no rows to export, no files written (FS-6.4)"
        else:
            text = (
                f"Batch {event.plan.number}: {data_files} data + {data_files} control files, "
                f"{result.rows:,} rows → {event.label}"
            )
        if result.filtered:
            text += f" ({result.filtered:,} contacts excluded by the condition)"
        self.activity.note("✓ " + text, "bold green")
        self.status.finished(text)
        for file in result.files:
            node = self.files_tree.files.get(self._ref(event.label, file.data_key))
            if node is not None:
                self.files_tree.scroll_to_node(node, animate=False)
        self.notify(text, title="Exported")

    @on(m.ExportFailed)
    def _export_failed(self, event: m.ExportFailed) -> None:
        self.exporting = False
        self._server_activity()
        self.activity.note(f"✗ batch {event.plan.number} failed: {event.error}", "bold red")
        self.status.finished(f"Batch {event.plan.number} failed: {event.error}", error=True)
        self.notify(event.error, title="Export failed", severity="error")

    @staticmethod
    def _ref(label: str, key: str) -> FileRef:
        if label.startswith("s3://"):
            return FileRef("s3", label.removeprefix("s3://"), key)
        return FileRef("sftp", "", key)

    def action_next_day(self) -> None:
        self.settings = self.settings.next_day()
        self.query_one(SimBar).set_clock(self.settings)
        self.feed_form.clock = self.settings.clock
        self.notify(f"Simulated clock: {format_clock(self.settings.clock)} UTC", timeout=2)

    def action_switch_target(self) -> None:
        other = "sftp" if self.document.values.target == "s3" else "s3"
        self.query_one(f"#target-{other}", RadioButton).value = True

    # -- watch and preview -------------------------------------------------------------------------

    @on(Tree.NodeSelected)
    def _node_selected(self, event: Tree.NodeSelected[FileRef | None]) -> None:
        """Enter (or a click) on a file (re)loads its preview."""
        event.stop()
        if event.node.data is not None:
            self.show_file(event.node.data)

    @on(Tree.NodeHighlighted)
    def _node_highlighted(self, event: Tree.NodeHighlighted[FileRef | None]) -> None:
        """Moving onto a file previews it, as in a file manager."""
        event.stop()
        ref = event.node.data
        if ref is not None and ref != self.preview.ref:
            self.show_file(ref)

    def show_file(self, ref: FileRef) -> None:
        kind = kind_of(ref.name)
        if kind == "partial":
            self.preview.show_message(
                ref, "A file being written (FS-6.2): it gets its final name when complete."
            )
            return
        self.preview.show_loading(ref)
        config: FeedConfig | None
        try:
            config = self.document.config()
        except ConfigError:
            config = None
        self.load_preview(ref, config)

    @work(thread=True, exclusive=True, exit_on_error=False, group="preview")
    def load_preview(self, ref: FileRef, config: FeedConfig | None) -> None:
        try:
            kind = kind_of(ref.name)
            fmt = format_of(ref.name)
            if kind == "control":
                data, _ = self.targets.read(ref)
                text, document = pretty_json(data)
                checks = check_control(self.targets, ref, document, config)
                self.post_message(m.PreviewLoaded(ref, ControlPreview(text, checks), len(data)))
            elif fmt is not None:
                data, truncated = self.targets.read(ref, HEAD_BYTES)
                self.post_message(m.PreviewLoaded(ref, parse_data(data, fmt, truncated)))
            else:
                self.post_message(m.PreviewLoaded(ref, "Not a data or control file (FS-4)."))
        except Exception as exc:
            self.post_message(m.PreviewLoaded(ref, f"✗ Cannot preview: {one_line(exc)}"))

    @on(m.PreviewLoaded)
    def _preview_loaded(self, event: m.PreviewLoaded) -> None:
        if event.ref != self.preview.ref:
            return  # the user has moved on to another file
        result = event.preview
        if isinstance(result, str):
            self.preview.show_message(event.ref, result, error=result.startswith("✗"))
        elif isinstance(result, ControlPreview):
            self.preview.show_control(event.ref, result, event.size)
        else:
            self.preview.show_data(event.ref, result)

    @work(thread=True, exclusive=True, exit_on_error=False, group="refresh")
    def refresh_tree(self, clear: bool = False) -> None:
        try:
            if clear:
                self.targets.clear()
            self.post_message(m.TreeRefreshed(list(self.targets.listing())))
        except Exception as exc:
            self.app.call_from_thread(
                self.notify, one_line(exc), title="Mock servers", severity="error"
            )

    @on(m.TreeRefreshed)
    def _tree_refreshed(self, event: m.TreeRefreshed) -> None:
        self._server_activity()
        self.files_tree.rebuild(event.refs)

    def action_refresh(self) -> None:
        self.refresh_tree()

    def action_clear_servers(self) -> None:
        self.activity.note("Clearing both mock servers", style="yellow")
        self.refresh_tree(clear=True)

    def action_server_details(self) -> None:
        self.notify(self.targets.details(), title="Mock servers", timeout=20)

    def action_toggle_form(self) -> None:
        editor = self.query_one("#editor")
        editor.display = not editor.display
        if not editor.display and self.focused is not None and editor in self.focused.ancestors:
            self.files_tree.focus()

    def action_zoom(self) -> None:
        if self.maximized is not None:
            self.minimize()
            return
        focused = self.focused
        for pane in (self.files_tree, self.activity):
            if focused is pane:
                self.maximize(pane, container=False)
                return
        self.maximize(self.preview, container=False)

    def action_focus_files(self) -> None:
        self.files_tree.focus()

    def action_focus_form(self) -> None:
        tabs = self.query_one(TabbedContent)
        pane = tabs.get_pane(tabs.active) if tabs.active else None
        if pane is not None:
            with contextlib.suppress(Exception):
                pane.query(Input).first().focus()

    async def action_add_context(self) -> None:
        self.query_one(TabbedContent).active = "tab-feed"
        await self.feed_form.query_one(RowsEditor).add_row()

    async def action_add_variant(self) -> None:
        self.query_one(TabbedContent).active = "tab-flow"
        await self.flow_form.query_one(RowsEditor).add_row()

    # -- files ---------------------------------------------------------------------------

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
        default = str(
            self.document.path or Path.cwd() / f"{self.document.values.client or 'feed'}.toml"
        )

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
            self.notify(
                f"{path.name}: {exc.strerror or exc}", title="Cannot save", severity="error"
            )
            return False
        self._document_changed()
        self.notify(f"Saved {saved.name}", timeout=3)
        return True

    def action_open(self) -> None:
        def ask_path() -> None:
            default = str(self.document.path.parent if self.document.path else Path.cwd()) + "/"
            self.app.push_screen(PathPrompt("Open a feed config (TOML)", default), opened)

        def opened(path: Path | None) -> None:
            if path is not None:
                self.run_worker(self.open_document(path), exclusive=True, group="open")

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

    # -- demo ---------------------------------------------------------------------------

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
        self.status.started(f"Writing the demo bundle {path.name}…", 1)
        self.write_demo(config, path, svg)

    @work(thread=True, exit_on_error=False, group="demo")
    def write_demo(self, config: FeedConfig, path: Path, svg: str) -> None:
        from feedcore.demo import build_demo

        try:
            bundle = build_demo(config, path, screenshot_svg=svg)
        except Exception as exc:
            self.post_message(m.DemoWritten(path, None, one_line(exc)))
            return
        self.post_message(m.DemoWritten(path, len(bundle.members), None))

    @on(m.DemoWritten)
    def _demo_written(self, event: m.DemoWritten) -> None:
        if event.error is not None:
            self.status.finished(f"Demo bundle failed: {event.error}", error=True)
            self.notify(event.error, title="Demo bundle failed", severity="error")
            return
        text = f"Demo bundle written: {event.path.name} ({event.members} files)"
        self.status.finished(text)
        self.notify(text, title="Demo")
