"""The tools for one delivered file: copy its URL, key or download command, open it
in ``$PAGER``/``$EDITOR``, compare its batch with the previous one.

:class:`FileTools` does the work for any screen: the main screen runs :func:`use`
with the file selected in the tree, from the tree's keys, the Tools menu
(:class:`~tui.screens.tools.ToolsScreen`) or the palette. Nothing here reads a
server itself: the caller passes ``read`` (a file's bytes), ``listing`` (every
file the servers hold) and ``details`` (where they listen), so the tools work
with the app's mock servers and with fakes in tests.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable
from typing import Any

from textual.app import App, SuspendNotSupported

from tui.services import commands, diff, external
from tui.services.connect import ConnectDetails
from tui.services.errors import one_line
from tui.services.targets import FileRef

Reader = Callable[[FileRef], bytes]
Runner = Callable[..., Any]


class FileTools:
    """Copy, open and compare for ``app``; ``run`` starts the pager or editor."""

    def __init__(
        self,
        app: App[Any],
        *,
        read: Reader,
        listing: Callable[[], Iterable[FileRef]],
        details: Callable[[], ConnectDetails | None],
        run: Runner = subprocess.run,
    ) -> None:
        self.app = app
        self.read = read
        self.listing = listing
        self.details = details
        self.run = run

    # -- copying ---------------------------------------------------------------------------

    def copy_key(self, ref: FileRef) -> None:
        self._copy(ref.key, f"Copied the key of {ref.name}")

    def copy_url(self, ref: FileRef) -> None:
        details = self._details()
        if details is not None:
            self._copy(commands.url_of(ref, details), f"Copied the URL of {ref.name}")

    def copy_get_command(self, ref: FileRef) -> None:
        details = self._details()
        if details is not None:
            tool = "aws s3 cp" if ref.server == "s3" else "sftp"
            message = f"Copied a {tool} command for {ref.name}"
            self._copy(commands.get_command(ref, details), message)

    def _copy(self, text: str, message: str) -> None:
        self.app.copy_to_clipboard(text)
        self.app.notify(message, timeout=3, markup=False)

    def _details(self) -> ConnectDetails | None:
        details = self.details()
        if details is None:
            self.app.notify("The mock servers are not running yet.", severity="warning")
        return details

    # -- opening -------------------------------------------------------------------------------

    def open_in(self, ref: FileRef, kind: external.Kind) -> None:
        """Download to a private copy (in a worker), then run the pager or editor on it."""
        try:
            argv = external.program(kind)
        except external.ProgramMissing as exc:
            self.app.notify(str(exc), title=f"Cannot open {ref.name}", severity="error")
            return

        def fetch() -> None:
            try:
                path = external.private_copy(ref.name, self.read(ref))
            except Exception as exc:
                self.app.call_from_thread(self._failed, ref, one_line(exc))
                return
            self.app.call_from_thread(self._launch, ref, argv, path)

        self.app.run_worker(fetch, thread=True, group="open-file", exit_on_error=False)

    def _failed(self, ref: FileRef, reason: str) -> None:
        self.app.notify(reason, title=f"Cannot open {ref.name}", severity="error", markup=False)

    def _launch(self, ref: FileRef, argv: list[str], path: Any) -> None:
        try:
            with self.app.suspend():
                self.run([*argv, str(path)], check=False)
        except SuspendNotSupported:
            self._failed(ref, "this terminal cannot be suspended to run another program")
        except OSError as exc:
            self._failed(ref, f"{argv[0]}: {exc.strerror or type(exc).__name__}")
        finally:
            external.remove_copy(path)

    # -- comparing -----------------------------------------------------------------------------

    def compare(self, ref: FileRef) -> None:
        """Push the diff of ``ref``'s batch against the previous batch of its feed."""
        from tui.screens.diff import DiffScreen

        def load() -> diff.BatchDiff:
            return diff.diff_with_previous(ref, list(self.listing()), self.read)

        self.app.push_screen(DiffScreen(ref.name, load))


def use(tools: FileTools, tool_id: str, ref: FileRef) -> None:
    """Run the file tool ``tool_id`` (an id of :data:`tui.tools.FILE_TOOLS`) on ``ref``."""
    actions: dict[str, Callable[[], None]] = {
        "copy-url": lambda: tools.copy_url(ref),
        "copy-key": lambda: tools.copy_key(ref),
        "copy-get": lambda: tools.copy_get_command(ref),
        "open-pager": lambda: tools.open_in(ref, "pager"),
        "open-editor": lambda: tools.open_in(ref, "editor"),
        "diff-previous": lambda: tools.compare(ref),
    }
    actions[tool_id]()
