"""Shared helpers for the TUI tests: a fixed clock, seed and size; waiting on workers."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import WorkerState

from tui.app import FeedlabApp
from tui.screens.main import MainScreen
from tui.services.preview import kind_of
from tui.services.simulation import SimSettings
from tui.services.targets import FileRef

ROOT = Path(__file__).resolve().parents[2]
WELCOME = ROOT / "fixtures" / "feeds" / "welcome_csv_s3.toml"
HASHED = Path(__file__).resolve().parent / "feeds" / "hashed_jsonl_sftp.toml"
CLOCK = datetime(2026, 11, 27, 9, 0, 0, tzinfo=UTC)
SIZE = (200, 50)
#: Every terminal size the layout is tested and snapshotted at (add one here to cover it).
SIZES = ((80, 24), (120, 30), (160, 48), (200, 50))
SIZE_IDS = tuple(f"{w}x{h}" for w, h in SIZES)


def settings(entering: int = 20, exiting: int = 0) -> SimSettings:
    return SimSettings(entering=entering, exiting=exiting, seed=42, clock=CLOCK)


@pytest.fixture
def welcome(tmp_path: Path) -> Path:
    """A private copy of the welcome fixture (tests may save over it)."""
    path = tmp_path / WELCOME.name
    shutil.copyfile(WELCOME, path)
    return path


@pytest.fixture
def hashed(tmp_path: Path) -> Path:
    path = tmp_path / HASHED.name
    shutil.copyfile(HASHED, path)
    return path


def make_app(path: Path | None, **kw: Any) -> FeedlabApp:
    return FeedlabApp(path, settings=settings(**kw))


def main_of(pilot: Pilot[Any]) -> MainScreen:
    app = pilot.app
    assert isinstance(app, FeedlabApp)
    return app.main


async def settle(pilot: Pilot[Any], rounds: int = 20) -> None:
    """Let every worker finish and every message they posted be handled, including
    workers started by those messages (F5's export starts the preview's load)."""
    quiet = 0
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        busy = any(w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in pilot.app.workers)
        quiet = 0 if busy else quiet + 1
        if quiet == 2:  # two quiet rounds in a row: nothing left in flight
            return


async def servers_up(pilot: Pilot[Any]) -> None:
    """Wait for the mock servers, then for the rest of their worker.

    They start after the first frame (``call_after_refresh``), so when a test
    begins their worker may not exist yet and :func:`settle` alone can return
    before it has run (the after-F5 snapshot then caught F5 racing the start).
    """
    app = pilot.app
    assert isinstance(app, FeedlabApp)
    for _ in range(600):  # 30 s, the servers' own start timeout
        if app.targets.ready:
            break
        await pilot.pause(0.05)
    await settle(pilot)


async def export(pilot: Pilot[Any]) -> None:
    await servers_up(pilot)
    await pilot.press("f5")
    await settle(pilot)


def files_of(pilot: Pilot[Any], kind: str) -> list[FileRef]:
    return sorted(ref for ref in main_of(pilot).files_tree.files if kind_of(ref.name) == kind)


async def select(pilot: Pilot[Any], ref: FileRef) -> None:
    """Select ``ref`` in the tree the way a user does: focus, move there, enter."""
    tree = main_of(pilot).files_tree
    await pilot.press("f2")
    node = tree.files[ref]
    tree.move_cursor(node)
    await pilot.pause()
    await pilot.press("enter")
    await settle(pilot)


def on_screen(pilot: Pilot[Any], widget: Widget) -> bool:
    """``widget`` is displayed (no hidden ancestor) and its region lies inside the screen."""
    if not widget.is_on_screen or widget.region.area == 0:
        return False
    if any(node.styles.display == "none" for node in (widget, *widget.ancestors)):
        return False
    return pilot.app.screen.region.contains_region(widget.region)


def text_of(widget: Static) -> str:
    content = widget.content
    if isinstance(content, Text):
        return content.plain
    return str(content)
