"""Snapshots (pytest-textual-snapshot) at 200x50 with a fixed seed and clock.

Nothing time-, port- or path-dependent is on screen: the activity log numbers
operations instead of timing them, the mock servers' ports and folders are never
shown, and the config's file name is the fixture's. Focus ends on the tree so no
blinking input cursor is captured.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from tests.tui.conftest import SIZE, export, files_of, make_app, select, settle


def test_main_screen_after_an_export(snap_compare: Any, welcome: Path) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await export(pilot)
        await pilot.press("f2")

    assert snap_compare(make_app(welcome), terminal_size=SIZE, run_before=run_before)


def test_data_preview(snap_compare: Any, welcome: Path) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await export(pilot)
        (data,) = files_of(pilot, "data")
        await select(pilot, data)

    assert snap_compare(make_app(welcome), terminal_size=SIZE, run_before=run_before)


def test_control_preview(snap_compare: Any, welcome: Path) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await export(pilot)
        (control,) = files_of(pilot, "control")
        await select(pilot, control)

    assert snap_compare(make_app(welcome), terminal_size=SIZE, run_before=run_before)


def test_error_state_invalid_host_and_refused_export(snap_compare: Any, welcome: Path) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.query_one("#host", Input).focus()
        await pilot.press("home", *"s3://")
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("f2")

    assert snap_compare(make_app(welcome), terminal_size=SIZE, run_before=run_before)


def test_hashed_jsonl_preview_on_sftp(snap_compare: Any, hashed: Path) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await export(pilot)
        (data,) = files_of(pilot, "data")
        await select(pilot, data)

    assert snap_compare(make_app(hashed), terminal_size=SIZE, run_before=run_before)
