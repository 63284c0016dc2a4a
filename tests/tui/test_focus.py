"""Where focus goes: zoom (F10) and back, F9, and the Tab order (issue 12, focus).

Every focus stop must be on screen: a key press must never land in a hidden
input (F10 used to leave focus in the Clock field, and Tab from the form's tabs
landed on an invisible scroll container).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input

from tests.tui.conftest import SIZE_IDS, SIZES, export, main_of, make_app, on_screen, settle
from tui.widgets.preview import PreviewTable

sizes = pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)


async def tab_cycle(pilot: Pilot[Any], limit: int = 80) -> list[tuple[Widget, bool]]:
    """Every widget Tab stops at, from the focused one round to it again, each with
    whether it was on screen when it had focus."""
    start = pilot.app.focused
    stops: list[tuple[Widget, bool]] = []
    for _ in range(limit):
        await pilot.press("tab")
        await pilot.pause()
        focused = pilot.app.focused
        assert focused is not None
        if focused is start or focused in [w for w, _ in stops]:
            break
        stops.append((focused, on_screen(pilot, focused)))
    return stops


@sizes
async def test_zoom_moves_focus_into_the_preview_and_back(
    welcome: Path, size: tuple[int, int]
) -> None:
    async with make_app(welcome).run_test(size=size) as pilot:
        await export(pilot)
        main = main_of(pilot)
        await pilot.press("f2")
        assert pilot.app.focused is main.files_tree
        clock = pilot.app.query_one("#sim-clock", Input).value
        await pilot.press("f10")
        await pilot.pause()
        assert main.maximized is main.preview
        assert isinstance(pilot.app.focused, PreviewTable)
        await pilot.press("right", "down", *"42")  # keys move in the table, edit nothing
        await pilot.pause()
        assert pilot.app.query_one("#sim-clock", Input).value == clock
        assert pilot.app.focused.cursor_coordinate == (1, 1)
        await pilot.press("f10")
        await pilot.pause()
        assert main.maximized is None
        assert pilot.app.focused is main.files_tree  # back where it was


async def test_zoom_from_the_form_returns_to_the_form_field(welcome: Path) -> None:
    async with make_app(welcome).run_test(size=(200, 50)) as pilot:
        await export(pilot)
        host = pilot.app.query_one("#host", Input)
        host.focus()
        await pilot.press("f10")
        await pilot.pause()
        assert isinstance(pilot.app.focused, PreviewTable)
        await pilot.press("f10")
        await pilot.pause()
        assert pilot.app.focused is host


async def test_zoom_the_log_when_it_has_focus(welcome: Path) -> None:
    async with make_app(welcome).run_test(size=(200, 50)) as pilot:
        await export(pilot)
        main = main_of(pilot)
        await pilot.press("ctrl+l", "f10")
        await pilot.pause()
        assert main.maximized is main.activity and pilot.app.focused is main.activity


async def test_f9_hiding_the_form_moves_focus_to_a_visible_widget(welcome: Path) -> None:
    async with make_app(welcome).run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        main = main_of(pilot)
        pilot.app.query_one("#host", Input).focus()
        await pilot.press("f9")
        await pilot.pause()
        assert not main.query_one("#editor").display
        assert pilot.app.focused is main.files_tree
        await pilot.press(*"abc")  # nothing typed into the hidden form
        assert main.document.values.host == "acme-data-feeds"
        await pilot.press("f9", "f3")
        await pilot.pause()
        focused = pilot.app.focused
        assert focused is not None and on_screen(pilot, focused)


async def test_f9_is_not_offered_in_the_narrow_layout(welcome: Path) -> None:
    async with make_app(welcome).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert "f9" not in pilot.app.screen.active_bindings
        await pilot.press("f9")
        await pilot.pause()
        assert main_of(pilot).query_one("#editor").display


@sizes
async def test_tab_from_the_feed_tabs_stops_only_at_visible_widgets(
    welcome: Path, size: tuple[int, int]
) -> None:
    async with make_app(welcome).run_test(size=size) as pilot:
        await export(pilot)
        await pilot.press("f3", "shift+tab")  # onto the Feed/Flow tabs
        await pilot.pause()
        assert type(pilot.app.focused).__name__ == "ContentTabs"
        await pilot.press("tab")
        assert pilot.app.focused is pilot.app.query_one("#format")  # Data format comes first
        stops = await tab_cycle(pilot)
        assert len(stops) >= 12
        hidden = [widget for widget, shown in stops if not shown]
        assert hidden == [], hidden
        # The flow tab's fields are not stops while the Feed tab shows.
        assert pilot.app.query_one("#client", Input) not in [w for w, _ in stops]
