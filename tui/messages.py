"""Messages the widgets and workers post up to the screen ("attributes down, messages up")."""

from __future__ import annotations

from typing import Any

from textual.message import Message

from feedcore.writer import BatchResult, Progress
from tui.services.preview import ControlPreview, DataPreview
from tui.services.simulation import BatchPlan, SimSettings
from tui.services.targets import FileRef


class FieldEdited(Message):
    """A form field changed: ``name`` is a :class:`~tui.services.draft.FormValues` field."""

    def __init__(self, name: str, value: Any) -> None:
        super().__init__()
        self.name = name
        self.value = value


class SimEdited(Message):
    """The simulation settings changed (only valid settings are posted)."""

    def __init__(self, settings: SimSettings) -> None:
        super().__init__()
        self.settings = settings


class ServersReady(Message):
    """Both mock servers accept connections."""


class ServersFailed(Message):
    def __init__(self, error: str) -> None:
        super().__init__()
        self.error = error


class ServerActivity(Message):
    """Operation reports are waiting in the feed: drain it."""


class ExportProgress(Message):
    def __init__(self, plan: BatchPlan, progress: Progress) -> None:
        super().__init__()
        self.plan = plan
        self.progress = progress


class ExportFinished(Message):
    def __init__(self, plan: BatchPlan, result: BatchResult, label: str) -> None:
        super().__init__()
        self.plan = plan
        self.result = result
        self.label = label


class ExportFailed(Message):
    def __init__(self, plan: BatchPlan, error: str) -> None:
        super().__init__()
        self.plan = plan
        self.error = error


class PreviewLoaded(Message):
    """A file read for the preview: parsed rows, a control verdict, or a message to show."""

    def __init__(
        self, ref: FileRef, preview: DataPreview | ControlPreview | str, size: int | None = None
    ) -> None:
        super().__init__()
        self.ref = ref
        self.preview = preview
        self.size = size


class TreeRefreshed(Message):
    """A full listing of both servers, to rebuild the tree from."""

    def __init__(self, refs: list[FileRef]) -> None:
        super().__init__()
        self.refs = refs
