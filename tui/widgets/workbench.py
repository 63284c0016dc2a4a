"""The right-hand side: simulate, watch files land, preview them.

Owns the mock servers' reports, the simulator and the workers that export
batches, read files for the preview and list the servers. The screen hands it
the current config (``config``, None while the form is invalid) and calls
:meth:`export`, :meth:`next_day` and :meth:`refresh` from its key bindings.
"""

from __future__ import annotations

import gc
import threading
import time

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.worker import get_current_worker

from feedcore.config import FeedConfig
from feedcore.errors import FeedError
from feedcore.writer import FeedWriter, Progress
from tui import messages as m
from tui.services.checks import check_control
from tui.services.errors import one_line
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
from tui.widgets.preview import PreviewPane
from tui.widgets.sim_bar import SimBar
from tui.widgets.status import ExportStatus
from tui.widgets.target_tree import TargetTree
from tui.widgets.text import PlainNotify

#: Seconds between progress updates shown while an export runs.
PROGRESS_INTERVAL = 0.1
#: An export starts after this many frames have been painted since F5 (the panel, then
#: the focus and footer it moves), or after FIRST_FRAME_WAIT seconds at most.
FIRST_FRAMES = 3
FIRST_FRAME_WAIT = 0.5


class ExportCancelled(FeedError):
    """The app is closing: the export worker stops at its next progress report."""


class Workbench(PlainNotify, Vertical):
    def __init__(self, settings: SimSettings, targets: MockTargets, *, id: str) -> None:
        super().__init__(id=id)
        self.settings = settings
        self.targets = targets
        #: The config to preview against; the screen keeps it current (None: invalid).
        self.config: FeedConfig | None = None
        self.simulator = Simulator()
        self.feed = OperationFeed(lambda: self.post_message(m.ServerActivity()))
        self.exporting = False
        self.last_result: m.ExportFinished | None = None
        #: The last batch exported (its command line is offered, ctrl+t).
        self.last_plan: BatchPlan | None = None

    def compose(self) -> ComposeResult:
        yield SimBar(self.settings, id="sim-bar")
        with Horizontal(id="watch"):
            yield TargetTree(id="files")
            yield PreviewPane(id="preview")
        yield ActivityLog(id="activity")
        yield ExportStatus(id="status")

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

    def on_mount(self) -> None:
        self.files_tree.border_title = "Delivered files"
        self.preview.border_title = "Preview"
        self.activity.border_title = "Activity: protocol operations, in order"
        self.targets.subscribe(self.feed)
        self.activity.note("Starting the mock S3 and SFTP servers…", style="dim")
        # After the first frame: the servers run in a child process, but their clients
        # (boto3 loading its service models) hold this process's GIL for a while, and the
        # user should see the app at once (benchmarks/tui_startup.py).
        self.call_after_refresh(self.start_servers)

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
        # Everything loaded so far (Textual, boto3's models, the name pools) lives
        # as long as the app: move it out of the collector's way, so a full collection
        # during a large export walks only new objects (a long GC pause is a dropped
        # frame; benchmarks/tui_frames.py). The app unfreezes on exit.
        gc.freeze()

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

    # -- simulate and export -------------------------------------------------------------------

    @on(m.SimEdited)
    def _sim_edited(self, event: m.SimEdited) -> None:
        self.settings = event.settings  # not stopped: the screen shows the clock in the form

    def next_day(self) -> SimSettings:
        self.settings = self.settings.next_day()
        self.query_one(SimBar).set_clock(self.settings)
        return self.settings

    def export(self, config: FeedConfig) -> bool:
        """Plan the next batch and deliver it on a worker thread; the clock moves on
        (:data:`~tui.services.simulation.BATCH_STEP`). False when nothing started."""
        if self.exporting:
            self.notify("An export is already running.", severity="warning")
            return False
        settings = self.settings
        if settings.entering == 0 and (settings.exiting == 0 or self.simulator.in_flow == 0):
            self.notify(
                "Nothing to export: set contacts entering (or exiting).", severity="warning"
            )
            return False
        plan = self.simulator.plan(settings)
        self.activity.note(
            f"── batch {plan.number} at {format_clock(plan.at)} UTC: {plan.entering:,} entering, "
            f"{plan.exiting:,} exiting → {config.feed.target}://{config.feed.host}"
        )
        if plan.exiting < settings.exiting:
            self.activity.note(
                f"   only {plan.exiting:,} contacts were in the flow to exit", style="yellow"
            )
        if plan.same_time_as is not None:
            self.activity.note(
                f"   same time as batch {plan.same_time_as}: same file names, "
                "its files are replaced (move the clock to keep both)",
                style="yellow",
            )
        self.settings = settings.after_batch()
        self.query_one(SimBar).set_clock(self.settings)
        self.last_plan = plan
        self.exporting = True
        self.status.started(f"Batch {plan.number}: starting…", plan.events_total)
        # The export waits for the frames that show it started (the status; in the narrow
        # layout the files panel, the focus and footer it moves): a worker computing from
        # the first moment halves the UI's share of the GIL, and those frames' layout
        # stretched past 100 ms (benchmarks/tui_frames.py).
        painted = threading.Event()
        self._after_frames(FIRST_FRAMES, painted)
        self.export_batch(config, plan, painted)
        return True

    def _after_frames(self, count: int, done: threading.Event) -> None:
        if count <= 0:
            done.set()
        else:
            self.call_after_refresh(self._after_frames, count - 1, done)

    @work(thread=True, exit_on_error=False, group="export")
    def export_batch(self, config: FeedConfig, plan: BatchPlan, painted: threading.Event) -> None:
        painted.wait(FIRST_FRAME_WAIT)
        worker = get_current_worker()
        last = 0.0

        def progress(report: Progress) -> None:
            # Called every few thousand events; the UI needs ~10 updates a second at most.
            nonlocal last
            if worker.is_cancelled:
                raise ExportCancelled("the app is closing")
            now = time.monotonic()
            done = report.phase == "deliver" or report.events >= plan.events_total
            if done or now - last >= PROGRESS_INTERVAL:
                last = now
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
        with self.app.batch_update():  # one repaint for the tree, log, status and toast
            self._show_finished(event)

    def _show_finished(self, event: m.ExportFinished) -> None:
        self.exporting = False
        self.last_result = event
        self._server_activity()  # every report of this batch is in: show them first
        result = event.result
        count = len(result.files)
        if count == 0:
            text = f"Batch {event.plan.number}: no rows to export, no files written (FS-6.4)"
        else:
            text = (
                f"Batch {event.plan.number}: {count} data + {count} control files, "
                f"{result.rows:,} rows → {event.label}"
            )
        if result.filtered:
            text += f" ({result.filtered:,} contacts excluded by the condition)"
        self.activity.note("✓ " + text, "bold green")
        self.status.finished(text)
        self._show_batch(event)
        self.notify(text, title="Exported")

    def _show_batch(self, event: m.ExportFinished) -> None:
        """Highlight the batch's files in the tree; select and preview its first data file."""
        bucket = event.label.removeprefix("s3://")

        def ref(key: str) -> FileRef:
            on_s3 = event.label.startswith("s3://")
            return FileRef("s3", bucket, key) if on_s3 else FileRef("sftp", "", key)

        refs = [
            ref(key) for file in event.result.files for key in (file.data_key, file.control_key)
        ]
        shown = self.files_tree.mark_batch(event.plan.number, refs)
        if shown:
            self.show_file(shown[0])
            self.files_tree.select_file(shown[0])

    @on(m.ExportFailed)
    def _export_failed(self, event: m.ExportFailed) -> None:
        self.exporting = False
        self._server_activity()
        self.activity.note(f"✗ batch {event.plan.number} failed: {event.error}", "bold red")
        self.status.finished(f"Batch {event.plan.number} failed: {event.error}", error=True)
        self.notify(event.error, title="Export failed", severity="error")

    # -- watch and preview -------------------------------------------------------------------------

    @on(TargetTree.NodeSelected)
    def _node_selected(self, event: TargetTree.NodeSelected[FileRef | None]) -> None:
        """Enter (or a click) on a file previews it (again, if loading it failed)."""
        event.stop()
        ref = event.node.data
        if ref is not None and (ref != self.preview.ref or self.preview.failed):
            self.show_file(ref)  # files are write-once: a shown file needs no reload

    @on(TargetTree.NodeHighlighted)
    def _node_highlighted(self, event: TargetTree.NodeHighlighted[FileRef | None]) -> None:
        """Moving onto a file previews it, as in a file manager."""
        event.stop()
        ref = event.node.data
        if ref is not None and ref != self.preview.ref:
            self.show_file(ref)

    def show_file(self, ref: FileRef) -> None:
        if kind_of(ref.name) == "partial":
            self.preview.show_message(
                ref, "A file being written (FS-6.2): it gets its final name when complete."
            )
            return
        control = kind_of(ref.name) == "control"
        self.preview.show_loading(
            ref, "verifying against its data file…" if control else "loading…"
        )
        self.load_preview(ref, self.config)

    @work(thread=True, exclusive=True, exit_on_error=False, group="preview")
    def load_preview(self, ref: FileRef, config: FeedConfig | None) -> None:
        try:
            fmt = format_of(ref.name)
            if kind_of(ref.name) == "control":
                data, _ = self.targets.read(ref)
                text = pretty_json(data)
                checks = check_control(self.targets, ref, config)
                self.post_message(m.PreviewLoaded(ref, ControlPreview(text, checks), len(data)))
            elif fmt is not None:
                data, truncated = self.targets.read(ref, HEAD_BYTES)
                self.post_message(m.PreviewLoaded(ref, parse_data(data, fmt, truncated)))
            else:
                self.post_message(m.PreviewLoaded(ref, "Not a data or control file (FS-4)."))
        except Exception as exc:
            self.post_message(m.PreviewLoaded(ref, f"✗ Cannot preview: {one_line(exc)}"))

    @on(m.PreviewLoaded)
    async def _preview_loaded(self, event: m.PreviewLoaded) -> None:
        if event.ref != self.preview.ref:
            return  # the user has moved on to another file
        result = event.preview
        if isinstance(result, str):
            self.preview.show_message(event.ref, result, error=result.startswith("✗"))
        elif isinstance(result, ControlPreview):
            self.preview.show_control(event.ref, result, event.size)
        else:
            await self.preview.show_data(event.ref, result)

    def refresh_files(self, *, clear: bool = False) -> None:
        if clear:
            self.activity.note("Clearing both mock servers", style="yellow")
        self.list_files(clear)

    @work(thread=True, exclusive=True, exit_on_error=False, group="refresh")
    def list_files(self, clear: bool) -> None:
        try:
            if clear:
                self.targets.clear()
            self.post_message(m.TreeRefreshed(list(self.targets.listing())))
        except Exception as exc:
            self.notify(one_line(exc), title="Mock servers", severity="error")  # thread-safe

    @on(m.TreeRefreshed)
    def _tree_refreshed(self, event: m.TreeRefreshed) -> None:
        self._server_activity()
        self.files_tree.rebuild(event.refs)
