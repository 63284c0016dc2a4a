"""The app at every terminal size of :data:`~tests.tui.conftest.SIZES` (issue 12, layout).

Widths are fractions: from 140 columns the form, the files, the preview and the
log are side by side with the preview the widest; below, one panel at a time
(Form / Files / Log) with keys to switch; F1 stays in the footer at any width;
dialogs fit the screen; F5 shows its new file's header and rows.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Footer, Input
from textual.widgets._footer import FooterKey

from tests.tui.conftest import (
    SIZE_IDS,
    SIZES,
    export,
    files_of,
    main_of,
    make_app,
    on_screen,
    settle,
)
from tui.screens.help import HelpScreen
from tui.screens.main import WIDE

sizes = pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)


def footer_keys_on_screen(pilot: object, width: int) -> list[str]:
    app = pilot.app  # type: ignore[attr-defined]
    footer = app.screen.query_one(Footer)
    return [
        key.key
        for key in footer.query(FooterKey)
        if key.region.area and key.region.right <= width and "-command-palette" not in key.classes
    ]


@sizes
async def test_f1_help_and_f5_export_are_in_the_footer_at_any_width(
    welcome: Path, size: tuple[int, int]
) -> None:
    async with make_app(welcome).run_test(size=size) as pilot:
        await settle(pilot)
        keys = footer_keys_on_screen(pilot, size[0])
        assert keys[:2] == ["f1", "f5"]
        assert {"f3", "f2", "ctrl+l"} <= set(keys)  # where to look: always offered
        if size[0] >= WIDE:
            assert "ctrl+s" in keys


@sizes
async def test_f5_alone_shows_the_new_files_header_and_rows(
    welcome: Path, size: tuple[int, int]
) -> None:
    async with make_app(welcome).run_test(size=size) as pilot:
        await export(pilot)
        main = main_of(pilot)
        (data,) = files_of(pilot, "data")
        assert main.preview.ref == data  # selected and previewed, no key but F5
        assert main.files_tree.cursor_node is not None
        assert main.files_tree.cursor_node.data == data
        table = pilot.app.query_one("#preview-table", DataTable)
        assert on_screen(pilot, table)
        assert table.row_count == 27
        header_row = table.region.y  # the header is the table's first line
        assert table.region.height >= 4 and header_row < size[1] - 3  # header + rows
        assert "identifier" in [str(c.label) for c in table.columns.values()]


@pytest.mark.parametrize("size", [s for s in SIZES if s[0] >= WIDE], ids=lambda s: f"{s[0]}")
async def test_wide_the_preview_gets_the_largest_share(
    welcome: Path, size: tuple[int, int]
) -> None:
    async with make_app(welcome).run_test(size=size) as pilot:
        await export(pilot)
        main = main_of(pilot)
        preview = main.preview.region.width
        assert preview > main.files_tree.region.width
        assert preview > main.query_one("#editor").region.width
        assert preview >= size[0] * 0.4
        for widget in (main.feed_form, main.files_tree, main.preview, main.activity):
            assert on_screen(pilot, widget)


@pytest.mark.parametrize("size", [s for s in SIZES if s[0] < WIDE], ids=lambda s: f"{s[0]}")
async def test_narrow_one_panel_at_a_time_switched_by_keys(
    welcome: Path, size: tuple[int, int]
) -> None:
    async with make_app(welcome).run_test(size=size) as pilot:
        await settle(pilot)
        main = main_of(pilot)
        assert main.narrow and main.panel == "form"
        assert on_screen(pilot, main.query_one("#host", Input))
        assert not on_screen(pilot, main.files_tree)
        await pilot.press("f2")
        assert main.panel == "files" and pilot.app.focused is main.files_tree
        assert on_screen(pilot, main.files_tree) and on_screen(pilot, main.preview)
        assert not on_screen(pilot, main.query_one("#host", Input))
        await pilot.press("ctrl+l")
        await pilot.pause()
        assert main.panel == "log" and pilot.app.focused is main.activity
        assert on_screen(pilot, main.activity) and not on_screen(pilot, main.files_tree)
        await pilot.press("f3")
        await pilot.pause()
        assert main.panel == "form" and on_screen(pilot, pilot.app.focused)  # type: ignore[arg-type]
        await pilot.press("f5")  # from the form: F5 brings the files panel with the preview
        await settle(pilot)
        assert main.panel == "files" and on_screen(pilot, main.preview.table)


@sizes
async def test_help_fits_the_screen_and_scrolls_inside(
    welcome: Path, size: tuple[int, int]
) -> None:
    async with make_app(welcome).run_test(size=size) as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        dialog = pilot.app.screen.query_one("#help-dialog")
        assert pilot.app.screen.region.contains_region(dialog.region)
        assert dialog.max_scroll_y > 0 or size[1] >= 50  # long text scrolls inside
        await pilot.press("pagedown")
        await pilot.pause()
        assert dialog.scroll_y > 0 or dialog.max_scroll_y == 0


@sizes
async def test_dialogs_fit_the_screen(welcome: Path, size: tuple[int, int]) -> None:
    async with make_app(welcome).run_test(size=size) as pilot:
        await settle(pilot)
        pilot.app.query_one("#condition", Input).focus()
        await pilot.press("end", "x")
        await pilot.press("ctrl+o")  # unsaved changes: the question first
        await pilot.pause()
        dialog = pilot.app.screen.query_one("#dialog")
        assert pilot.app.screen.region.contains_region(dialog.region)
        for button in pilot.app.screen.query("Button"):
            assert pilot.app.screen.region.contains_region(button.region)
