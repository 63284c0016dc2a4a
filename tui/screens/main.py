"""The main screen: the feed form on the left, the workbench on the right.

It owns the open document (form edits, open, save, the unsaved-changes guard),
the layout (side by side from :data:`WIDE` columns; one panel at a time below,
switched with the Form/Files/Log keys) and where focus goes, and maps the key
bindings to the workbench, which owns simulating, watching and previewing, and
to the :class:`~tui.screens.toolbox.Toolbox` (Connect, Attributes, the Tools
menu, file tools, demo bundles, warnings). Widgets get attributes and method
calls; they post messages back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import ActiveBinding
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import (
    Footer,
    Header,
    Input,
    RadioButton,
    Static,
    Tab,
    TabbedContent,
    TabPane,
    Tabs,
)

from feedcore.config import FeedConfig
from feedcore.errors import ConfigError
from tui import messages as m
from tui.actions import bindings, footer_order
from tui.screens.confirm import ConfirmScreen
from tui.screens.path_prompt import PathPrompt
from tui.screens.record import RecordScreen
from tui.screens.toolbox import DemoMode, Toolbox
from tui.services.batch_cli import batch_command, default_events_path, write_events
from tui.services.document import ConfigDocument
from tui.services.draft import NEW_CONFIG
from tui.services.errors import one_line
from tui.services.form_warnings import config_warnings, flow_warnings
from tui.services.simulation import BatchPlan, SimSettings, format_clock
from tui.services.targets import FileRef, MockTargets
from tui.tools import MAIN_ACTIONS
from tui.widgets.activity import ActivityLog
from tui.widgets.feed_form import FeedForm
from tui.widgets.flow_form import FlowForm
from tui.widgets.footer import SteadyFooter
from tui.widgets.preview import PreviewPane
from tui.widgets.rows_editor import RowsEditor
from tui.widgets.target_tree import TargetTree
from tui.widgets.text import PlainNotify, set_text
from tui.widgets.workbench import Workbench

#: From this many columns the form, the files, the preview and the log are side by side;
#: below, one panel at a time (Form / Files / Log).
WIDE = 140
#: Below this many columns the files panel stacks the tree above the preview.
STACKED = 100
PANELS = ("form", "files", "log")
_PANEL_TITLES = {"form": "Form  F3", "files": "Files  F2", "log": "Log  ^L"}


class MainScreen(PlainNotify, Screen[None]):
    BINDINGS = bindings(MAIN_ACTIONS)

    #: The panel shown when the terminal is narrower than :data:`WIDE`.
    panel: reactive[str] = reactive("form", init=False)
    narrow: reactive[bool] = reactive(False, init=False)

    def __init__(
        self, document: ConfigDocument, settings: SimSettings, targets: MockTargets
    ) -> None:
        super().__init__(id="main")
        self.document = document
        self.settings = settings
        self.targets = targets
        #: Where focus was before F10, to return there after.
        self._before_zoom: Widget | None = None
        #: F9 hid the form (wide layout only; narrow, the form is a panel of its own).
        self._form_hidden = False

    def compose(self) -> ComposeResult:
        values = self.document.values
        yield Header()
        tabs = Tabs(*(Tab(_PANEL_TITLES[name], id=f"panel-{name}") for name in PANELS), id="panels")
        tabs.can_focus = False  # switched with F3/F2/^L (or a click): not a focus stop
        with Horizontal(id="panel-bar"):
            yield tabs
            yield Static("", id="doc-title", markup=False)
        with Horizontal(id="body"):
            with Vertical(id="editor"):
                with TabbedContent(id="tabs"):
                    with TabPane("Feed", id="tab-feed"):
                        yield FeedForm(values, self.settings.clock, id="feed-form")
                    with TabPane("Flow", id="tab-flow"):
                        yield FlowForm(values, id="flow-form")
                yield Static("", id="config-status", markup=False)
            yield Workbench(self.settings, self.targets, id="workbench")
        yield SteadyFooter(id="footer")  # query_one(Footer) finds it

    def on_mount(self) -> None:
        from tui.app import FeedlabApp

        assert isinstance(self.app, FeedlabApp)
        self.toolbox = Toolbox(self, self.app)
        self.files_tree.active = self.document.values.target
        self._document_changed()
        self._layout_for(self.app.size.width)

    # -- layout -------------------------------------------------------------------------------

    def on_resize(self, event: events.Resize) -> None:
        self._layout_for(event.size.width)

    def _layout_for(self, width: int) -> None:
        self.narrow = width < WIDE
        self.set_class(width < STACKED, "-stacked")

    def watch_narrow(self, narrow: bool) -> None:
        self.set_class(narrow, "-narrow")
        self.query_one(Footer).compact = narrow
        self._show_panels()
        self.refresh_bindings()

    def watch_panel(self, panel: str) -> None:
        tabs = self.query_one("#panels", Tabs)
        if tabs.active != f"panel-{panel}":
            tabs.active = f"panel-{panel}"
        self._show_panels()

    def _show_panels(self) -> None:
        """Show the parts of the current layout. By ``display``, not by a class on the
        screen: a class there restyles every widget of the form (a third of a second,
        benchmarks/tui_frames.py), a panel switch must not freeze the UI."""
        narrow, panel = self.narrow, self.panel
        shown = {
            "#editor": panel == "form" if narrow else not self._form_hidden,
            "#workbench": panel != "form" if narrow else True,
            "#watch": panel != "log" if narrow else True,
            "#activity": panel != "files" if narrow else True,
        }
        for selector, visible in shown.items():
            widget = self.query_one(selector)
            if widget.display != visible:
                widget.display = visible
        self._keep_focus_visible()

    @on(Tabs.TabActivated, "#panels")
    def _panel_clicked(self, event: Tabs.TabActivated) -> None:
        event.stop()
        self.show_panel((event.tab.id or "panel-form").removeprefix("panel-"))

    def show_panel(self, name: str) -> None:
        """In the narrow layout, show panel ``name`` (form, files, log); wide: no-op."""
        if self.maximized is not None:
            self.minimize()
        self.panel = name

    def _keep_focus_visible(self) -> None:
        """After a layout change, focus stays where the user can see it."""
        focused = self.focused
        if focused is None or self._shown(focused):
            return
        main = {"form": self._first_form_input(), "log": self.activity}
        target = main.get(self.panel) if self.narrow else None
        self.set_focus(target if target is not None else self.files_tree)

    def _shown(self, widget: Widget) -> bool:
        """Whether ``widget`` is on screen in the current layout (CSS display, panels)."""
        if self.maximized is not None and self.maximized not in (widget, *widget.ancestors):
            return False
        return all(node.styles.display != "none" for node in (widget, *widget.ancestors))

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """As Textual's, in the footer order of :mod:`tui.actions` (F1 first)."""
        active = super().active_bindings
        return footer_order(active, {key: b.binding.id for key, b in active.items()})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "toggle_form" and self.narrow:
            return False  # the form is a panel of its own there
        if action == "batch_command" and self.workbench.last_plan is None:
            return None  # shown, disabled, until there is a batch
        return True

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
        set_text(self.query_one("#doc-title", Static), self.app.sub_title, layout=False)
        status = self.query_one("#config-status", Static)
        try:
            config = doc.config()
        except ConfigError as exc:
            self.workbench.config = None
            self.flow_form.show_warnings([])
            count = len(exc.problems)
            noun = "problem" if count == 1 else "problems"
            if doc.values == NEW_CONFIG:
                text = "New feed: fill in the fields (the grey text is an example)"
                status.remove_class("-invalid")
            else:
                text = f"✗ {count} {noun}: {one_line(exc)}"
                status.add_class("-invalid")
            set_text(status, text, layout=False)
        else:
            self.workbench.config = config
            self.flow_form.show_warnings(flow_warnings(config))
            warned = len(config_warnings(config))
            text = "✓ Config is valid (FS-1)"
            if warned:
                noun = "warning" if warned == 1 else "warnings"
                text += f" · ⚠ {warned} {noun}"  # each in yellow under its field
            set_text(status, text, layout=False)
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
        if config is not None and self.workbench.export(config):
            self.feed_form.clock = self.workbench.settings.clock  # the next batch's folder
            # In the narrow layout the files panel shows the export's progress, then its
            # result. Switching now, not when it ends, also keeps the panel's layout out of
            # the frame that shows the result (benchmarks/tui_frames.py at 80x24).
            if self.narrow and self.panel != "files" and not self.maximized:
                self.show_panel("files")

    @on(m.ExportFinished)
    def _exported(self, event: m.ExportFinished) -> None:
        """F5 shows what it did: the new data file is previewed in the files panel."""
        self.refresh_bindings()
        path = self.document.path
        if path is not None:
            shown = batch_command(event.plan, path).shown()
            self.activity.note(f"   same names from the command line (^T copies): {shown}", "dim")

    def action_next_day(self) -> None:
        settings = self.workbench.next_day()
        self.feed_form.clock = settings.clock
        self.notify(f"Simulated clock: {format_clock(settings.clock)} UTC", timeout=2)

    def action_batch_command(self) -> None:
        """Copy the command line that makes the last batch (writing its events if needed)."""
        plan = self.workbench.last_plan
        config = self.valid_config("copy the batch's command")
        if plan is None or config is None:
            return
        path = self.document.path
        if path is None or self.document.dirty:
            self.notify(
                "The command reads the config from its file: save it first (ctrl+s).",
                title="Save the config first",
                severity="warning",
            )
            return
        command = batch_command(plan, path)
        if command.events is None:
            self._copy_command(command.line, command.shown())
            return

        def chosen(events: Path | None) -> None:
            if events is not None:
                self.write_batch_events(plan, config, path, events)

        default = str(default_events_path(plan, config))
        prompt = PathPrompt(f"Write batch {plan.number}'s events for feedlab publish", default)
        self.app.push_screen(prompt, chosen)

    @work(thread=True, exit_on_error=False, group="events")
    def write_batch_events(
        self, plan: BatchPlan, config: FeedConfig, config_path: Path, events: Path
    ) -> None:
        try:
            count = write_events(plan, config, events)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            self.notify(f"{events.name}: {reason}", title="Cannot write", severity="error")
            return
        command = batch_command(plan, config_path, events)
        self.app.call_from_thread(
            self._copy_command, command.line, f"{command.shown()}  ({count:,} events written)"
        )

    def _copy_command(self, line: str, shown: str) -> None:
        self.app.copy_to_clipboard(line)  # OSC 52: works over ssh and in tmux
        self.activity.note(f"$ {shown}", style="cyan")
        self.notify(shown, title="Copied to the clipboard", timeout=6)

    def action_refresh(self) -> None:
        self.workbench.refresh_files()

    def action_clear_servers(self) -> None:
        self.workbench.refresh_files(clear=True)

    # -- tools (tui/tools.py; the work is the toolbox's) ---------------------------------------

    def action_tools(self) -> None:
        self.toolbox.menu()

    def action_connect(self) -> None:
        self.toolbox.connect()

    def action_attributes(self) -> None:
        self.toolbox.attributes()

    def action_file_tool(self, tool_id: str) -> None:
        self.toolbox.file_tool(tool_id)

    def action_warnings(self) -> None:
        self.toolbox.warnings()

    def action_demo(self, mode: DemoMode = "auto") -> None:
        self.toolbox.demo(mode)

    # -- focus and layout ----------------------------------------------------------------------

    def _first_form_input(self) -> Widget | None:
        tabs = self.query_one(TabbedContent)
        pane = tabs.get_pane(tabs.active) if tabs.active else None
        if pane is None:
            return None
        return next((w for w in pane.query("*") if w.focusable), None)

    def action_focus_sim(self) -> None:
        if self.panel == "form":
            self.show_panel("files")  # the simulation bar heads the files and log panels
        self.query_one("#sim-entering", Input).focus()

    def action_focus_files(self) -> None:
        self.show_panel("files")
        self.files_tree.focus()

    def action_focus_log(self) -> None:
        self.show_panel("log")
        self.activity.focus()

    def action_focus_form(self) -> None:
        self._form_hidden = False
        self.show_panel("form")
        self._show_panels()
        first = self._first_form_input()
        if first is not None:
            first.focus()

    def action_toggle_form(self) -> None:
        self._form_hidden = not self._form_hidden
        self._show_panels()

    def action_zoom(self) -> None:
        """F10: the preview (or the log) alone; focus goes in, and back where it was after."""
        if self.maximized is not None:
            before, self._before_zoom = self._before_zoom, None
            self.minimize()
            if before is not None and before.is_attached and self._shown(before):
                self.set_focus(before)
            else:
                self._keep_focus_visible()
            return
        focused = self.focused
        log = focused is self.activity
        self._before_zoom = focused
        pane: Widget = self.activity if log else self.preview
        self.maximize(pane, container=False)
        self.set_focus(pane if log else self.preview.focus_target())

    @on(PreviewPane.RecordWanted)
    def _record_wanted(self, event: PreviewPane.RecordWanted) -> None:
        data, ref = event.pane.data, event.pane.ref
        if data is not None and ref is not None and 0 <= event.row < len(data.rows):
            self.app.push_screen(RecordScreen(ref.name, data, event.row))

    async def action_preview(self, name: str) -> None:
        """A preview-table action from the palette (:data:`~tui.actions.PREVIEW_ACTIONS`)."""
        await self.preview.table.run_action(name)

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
            prompt = PathPrompt("Open a feed config (TOML)", f"{folder}/", suffixes=(".toml",))
            self.app.push_screen(prompt, opened)

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

    def action_new(self) -> None:
        def start() -> None:
            self.load_document(ConfigDocument(), "New feed: untitled.toml")

        self.guard_unsaved("Start a new feed", start)

    @work(exclusive=True, group="open")
    async def open_document(self, path: Path) -> None:
        try:
            document = ConfigDocument.open(path)
        except ConfigError as exc:
            self.notify(one_line(exc), title=f"Cannot open {path.name}", severity="error")
            return
        await self._show_document(document, f"Opened {document.name}")

    @work(exclusive=True, group="open")
    async def load_document(self, document: ConfigDocument, note: str) -> None:
        await self._show_document(document, note)

    async def _show_document(self, document: ConfigDocument, note: str) -> None:
        self.document = document
        await self.feed_form.load(document.values)
        await self.flow_form.load(document.values)
        self.files_tree.active = document.values.target
        self._document_changed()
        self.notify(note, timeout=3)
