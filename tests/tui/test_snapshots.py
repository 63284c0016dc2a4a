"""Snapshots (pytest-textual-snapshot) with a fixed seed and clock.

Nothing time-, port- or path-dependent is on screen: the activity log numbers
operations instead of timing them, the mock servers' ports and folders are never
shown, the config's file name is the fixture's, and the command lines the log
offers name files by their name only. Toasts are cleared before the picture
(they expire by the wall clock) and an input that has focus does not blink.

:data:`STATES` are taken at every size of :data:`~tests.tui.conftest.SIZES`; a
new screen adds a state here (or its own test with ``sizes``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from tests.tui.conftest import (
    SIZE,
    SIZE_IDS,
    SIZES,
    export,
    files_of,
    make_app,
    select,
    settle,
)

sizes = pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)


async def still(pilot: Pilot[Any]) -> None:
    """What a snapshot needs after the keys: workers done, no toasts, no blinking."""
    await settle(pilot)
    pilot.app.clear_notifications()
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False
    # The log scrolls to its last line, the preview's rows and the footer's keys come a
    # frame after their messages: on a loaded machine one pause caught them mid-way.
    await pilot.wait_for_scheduled_animations()
    await pilot.pause()
    await pilot.pause(0.1)


async def start(pilot: Pilot[Any]) -> None:
    await still(pilot)


async def after_f5(pilot: Pilot[Any]) -> None:
    await export(pilot)
    await still(pilot)


async def zoom(pilot: Pilot[Any]) -> None:
    await export(pilot)
    await pilot.press("f10")
    await still(pilot)


async def help_screen(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    await pilot.press("f1")
    await still(pilot)


async def invalid_field(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    pilot.app.query_one("#host", Input).focus()
    await pilot.press("home", *"s3://")
    await still(pilot)


STATES: dict[str, Callable[[Pilot[Any]], Awaitable[None]]] = {
    "start": start,
    "after_f5": after_f5,
    "zoom": zoom,
    "help": help_screen,
    "invalid_field": invalid_field,
}


@sizes
@pytest.mark.parametrize("state", list(STATES))
def test_screen_at_every_size(
    snap_compare: Any, welcome: Path, state: str, size: tuple[int, int]
) -> None:
    assert snap_compare(make_app(welcome), terminal_size=size, run_before=STATES[state])


def test_control_preview(snap_compare: Any, welcome: Path) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await export(pilot)
        (control,) = files_of(pilot, "control")
        await select(pilot, control)
        await still(pilot)

    assert snap_compare(make_app(welcome), terminal_size=SIZE, run_before=run_before)


def test_error_state_invalid_host_and_refused_export(snap_compare: Any, welcome: Path) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        pilot.app.query_one("#host", Input).focus()
        await pilot.press("home", *"s3://")
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("f2")
        for box in pilot.app.screen.query(Input):
            box.cursor_blink = False
        await pilot.pause()

    assert snap_compare(make_app(welcome), terminal_size=SIZE, run_before=run_before)


def test_hashed_jsonl_preview_on_sftp(snap_compare: Any, hashed: Path) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await export(pilot)
        await still(pilot)

    assert snap_compare(make_app(hashed), terminal_size=SIZE, run_before=run_before)


def test_record_view_of_a_hashed_row_at_80x24(snap_compare: Any, hashed: Path) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await export(pilot)
        await still(pilot)  # no toast left on the screen under the dialog
        await pilot.press("f10", "enter")
        await still(pilot)

    assert snap_compare(make_app(hashed), terminal_size=(80, 24), run_before=run_before)
