"""A live tree of what each mock server holds: bucket or SFTP root, folders by date, files.

It changes only through :meth:`apply` (operation reports, as files land) and
:meth:`rebuild` (a full listing); selecting a file posts Tree.NodeSelected with
its :class:`~tui.services.targets.FileRef` as data. The file tools' keys
(:data:`tui.tools.FILE_TOOLS`: copy, open, diff) are bound here, run by the screen.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual.reactive import reactive
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from mock_targets.reports import Operation
from tui.actions import bindings
from tui.services.preview import kind_of
from tui.services.targets import FileRef
from tui.tools import FILE_TOOLS

NodeData = FileRef | None
_ICON = {"data": "▤ ", "control": "✓ ", "partial": "… ", "other": "· "}
_STYLE = {"data": "", "control": "green", "partial": "dim italic", "other": "dim"}


def human_size(size: int | None) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


class TargetTree(Tree[NodeData]):
    """Two roots, S3 and SFTP; the active target (where F5 delivers) is marked."""

    BINDINGS = bindings(FILE_TOOLS)

    active: reactive[str] = reactive("s3", init=False)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("Mock servers", id=id)
        self.show_root = False
        self.guide_depth = 2
        self._servers: dict[str, TreeNode[NodeData]] = {}
        self._folders: dict[tuple[str, str, str], TreeNode[NodeData]] = {}
        self._buckets: dict[str, TreeNode[NodeData]] = {}
        self._files: dict[FileRef, TreeNode[NodeData]] = {}
        self._sizes: dict[FileRef, int | None] = {}
        self.started = False
        #: The file to move the cursor to once the tree is shown (see _cursor_to).
        self._cursor_pending: TreeNode[NodeData] | None = None
        #: The files of the last batch (marked in the tree) and its number.
        self._batch: tuple[int, frozenset[FileRef]] = (0, frozenset())

    def on_mount(self) -> None:
        for server in ("s3", "sftp"):
            self._servers[server] = self.root.add("", expand=True)
        self._label_servers()

    # -- attributes down ---------------------------------------------------------------

    def watch_active(self) -> None:
        self._label_servers()

    def set_started(self, started: bool) -> None:
        self.started = started
        self._label_servers()

    @property
    def files(self) -> dict[FileRef, TreeNode[NodeData]]:
        return dict(self._files)

    def labels(self) -> list[str]:
        """Every file name shown (tests and the tmux check read this)."""
        return [ref.name for ref in self._files]

    def apply(self, operations: Iterable[Operation]) -> list[FileRef]:
        """Follow the servers' reports; returns the files that landed under a final name."""
        landed: list[FileRef] = []
        for op in operations:
            if op.status is not None and not 200 <= op.status < 300:
                continue
            if op.server == "s3":
                landed.extend(self._apply_s3(op))
            elif op.server == "sftp":
                landed.extend(self._apply_sftp(op))
        return landed

    def mark_batch(self, number: int, refs: Iterable[FileRef]) -> list[FileRef]:
        """Mark batch ``number``'s files (the previous batch's lose their mark); returns
        those of them in the tree, data files first."""
        before = self._batch[1]
        marked = frozenset(ref for ref in refs if ref in self._files)
        self._batch = (number, marked)
        for ref in before | marked:
            node = self._files.get(ref)
            if node is not None:
                node.set_label(self._file_label(ref))
        return sorted(marked, key=lambda ref: (kind_of(ref.name) != "data", ref.key))

    def select_file(self, ref: FileRef) -> None:
        """Move the cursor to ``ref`` (its folders expanded) and scroll it into view."""
        node = self._files.get(ref)
        if node is None:
            return
        parent = node.parent
        while parent is not None:
            if not parent.is_expanded:  # expand() rebuilds every line of the tree, always
                parent.expand()
            parent = parent.parent
        # A node added in this tick has no line yet: move once the tree has laid it out.
        self.call_after_refresh(self._cursor_to, node)

    def _cursor_to(self, node: TreeNode[NodeData]) -> None:
        if node.data is None or self._files.get(node.data) is not node:
            return
        if not self.is_on_screen:
            # Hidden (F5 at 80 columns selects, then shows the Files panel): scrolled now,
            # with the size it had when last shown, it would scroll a line too far.
            self._cursor_pending = node
            return
        self.move_cursor(node, animate=False)
        self.scroll_to_node(node, animate=False)

    def on_show(self) -> None:
        node, self._cursor_pending = self._cursor_pending, None
        if node is not None:
            self.call_after_refresh(self._cursor_to, node)

    def rebuild(self, refs: Iterable[FileRef]) -> None:
        for node in self._servers.values():
            node.remove_children()
        self._folders.clear()
        self._buckets.clear()
        self._files.clear()
        for ref in refs:
            self.add_file(ref, self._sizes.get(ref))

    def add_file(self, ref: FileRef, size: int | None = None) -> TreeNode[NodeData]:
        self._sizes[ref] = size
        existing = self._files.get(ref)
        if existing is not None:
            existing.set_label(self._file_label(ref))
            return existing
        folder = self._folder(ref)
        node = folder.add_leaf(self._file_label(ref), data=ref)
        self._files[ref] = node
        return node

    def remove_file(self, ref: FileRef) -> None:
        node = self._files.pop(ref, None)
        self._sizes.pop(ref, None)
        if node is None:
            return
        parent = node.parent
        node.remove()
        if parent is not None and not parent.children and parent.data is None:
            for key, folder in list(self._folders.items()):
                if folder is parent:
                    del self._folders[key]
            parent.remove()

    # -- internals -------------------------------------------------------------------------

    def _apply_s3(self, op: Operation) -> list[FileRef]:
        bucket = op.bucket or ""
        if op.op == "create-bucket":
            self._bucket(bucket)
        elif op.op in ("put", "multipart-complete"):
            ref = FileRef("s3", bucket, op.key)
            self.add_file(ref, op.size)
            return [ref]
        elif op.op == "delete":
            self.remove_file(FileRef("s3", bucket, op.key))
        elif op.op == "delete-bucket" and bucket in self._buckets:
            self._buckets.pop(bucket).remove()
        return []

    def _apply_sftp(self, op: Operation) -> list[FileRef]:
        ref = FileRef("sftp", "", op.key)
        if op.op == "open" and kind_of(ref.name) == "partial":
            self.add_file(ref)
        elif op.op == "close" and ref in self._files:
            self.add_file(ref, op.size)
        elif op.op == "rename" and op.target:
            size = self._sizes.get(ref)
            self.remove_file(ref)
            landed = FileRef("sftp", "", op.target)
            self.add_file(landed, size)
            return [landed]
        elif op.op == "remove":
            self.remove_file(ref)
        return []

    def _bucket(self, bucket: str) -> TreeNode[NodeData]:
        node = self._buckets.get(bucket)
        if node is None:
            node = self._servers["s3"].add(Text(f"s3://{bucket}", style="bold"), expand=True)
            self._buckets[bucket] = node
        return node

    def _folder(self, ref: FileRef) -> TreeNode[NodeData]:
        key = (ref.server, ref.bucket, ref.folder)
        node = self._folders.get(key)
        if node is None:
            parent = self._bucket(ref.bucket) if ref.server == "s3" else self._servers["sftp"]
            shown = f"{ref.folder}/" if ref.server == "s3" else f"/{ref.folder}/"
            node = parent.add(Text(shown.replace("//", "/"), style="bold"), expand=True)
            self._folders[key] = node
        return node

    def _file_label(self, ref: FileRef) -> Text:
        kind = kind_of(ref.name)
        label = Text(_ICON[kind] + ref.name, style=_STYLE[kind])
        size = human_size(self._sizes.get(ref))
        if size:
            label.append(f"  {size}", style="dim")
        number, batch = self._batch
        if ref in batch:
            label.stylize("bold")
            label.append(f"  ◀ batch {number}", style="bold yellow")
        return label

    def _label_servers(self) -> None:
        if not self._servers:
            return
        names = {"s3": "S3 mock server", "sftp": "SFTP mock server (login root)"}
        for server, node in self._servers.items():
            label = Text()
            if server == self.active:
                label.append("● ", style="bold green")
                label.append(names[server], style="bold")
                label.append("  ← F5 delivers here", style="green")
            else:
                label.append("○ ", style="dim")
                label.append(names[server])
            if not self.started:
                label.append("  (starting…)", style="dim italic")
            node.set_label(label)
