"""The footer (tui.widgets.footer): rebuilt only when the keys it shows change.

F5 changes the screen's bindings several times in one frame; Textual's Footer
recomposed for each (20-75 ms of the main thread each, issue 12's frame gap).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from tests.tui.conftest import export, main_of, make_app, settle


def footer_keys(pilot: object) -> list[FooterKey]:
    app = pilot.app  # type: ignore[attr-defined]
    return list(app.screen.query_one(Footer).query(FooterKey))


def key_named(pilot: object, key: str) -> FooterKey:
    (found,) = [widget for widget in footer_keys(pilot) if widget.key == key]
    return found


async def test_the_footer_keeps_its_keys_when_nothing_it_shows_changed(welcome: Path) -> None:
    async with make_app(welcome).run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        before = footer_keys(pilot)
        assert before
        pilot.app.screen.refresh_bindings()
        await pilot.pause()
        await pilot.pause()
        after = footer_keys(pilot)
        assert all(a is b for a, b in zip(after, before, strict=True))


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])
async def test_after_f5_the_footer_offers_the_batch_command(
    welcome: Path, size: tuple[int, int]
) -> None:
    """^T is shown disabled until there is a batch (MainScreen.check_action)."""
    async with make_app(welcome).run_test(size=size) as pilot:
        await settle(pilot)
        assert key_named(pilot, "ctrl+t").has_class("-disabled")
        await export(pilot)
        assert not key_named(pilot, "ctrl+t").has_class("-disabled")
        assert not key_named(pilot, "ctrl+t")._disabled  # a click runs it


async def test_the_focused_tables_keys_come_and_go_with_its_focus(welcome: Path) -> None:
    async with make_app(welcome).run_test(size=(200, 50)) as pilot:
        await export(pilot)
        main = main_of(pilot)
        assert "h" not in [k.key for k in footer_keys(pilot)]
        f1 = key_named(pilot, "f1")
        main.preview.table.focus()
        await pilot.pause()
        await pilot.pause()
        assert "h" in [k.key for k in footer_keys(pilot)]  # hide column
        assert key_named(pilot, "f1") is f1  # the table's keys were added, the rest kept
        keys = [k.key for k in footer_keys(pilot)]
        assert keys.index("f10") < keys.index("h") < keys.index("ctrl+s")  # in footer order
        main.files_tree.focus()
        await pilot.pause()
        await pilot.pause()
        assert "h" not in [k.key for k in footer_keys(pilot)]
