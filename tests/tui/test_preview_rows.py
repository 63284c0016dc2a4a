"""Wide rows: the record view, pinned and hidden columns, abbreviated hashed identifiers."""

from __future__ import annotations

import re
from pathlib import Path

from textual.widgets import ContentSwitcher, Static

from tests.tui.conftest import export, main_of, make_app, on_screen
from tui.screens.record import RecordScreen
from tui.widgets.preview import PreviewTable, table_cell


def shown_columns(table: PreviewTable) -> list[str]:
    return [str(key.value) for key in table.columns]


def visible_columns(table: PreviewTable) -> list[str]:
    """Columns whose whole width fits the table's visible width, scrolled to the left."""
    room = table.scrollable_content_region.width - table._row_label_column_width
    shown, used = [], 0
    for key, column in table.columns.items():
        used += column.get_render_width(table)
        if used > room:
            break
        shown.append(str(key.value))
    return shown


def test_a_hashed_identifier_is_abbreviated_in_the_table() -> None:
    value = "0123456789abcdef" * 4
    assert table_cell(value).plain == "0123456789ab…cdef"
    assert len(table_cell("x" * 100).plain) == 33  # 32 characters and an ellipsis


async def test_personalised_columns_stay_on_screen_beside_a_hashed_identifier(
    hashed: Path,
) -> None:
    async with make_app(hashed).run_test(size=(160, 48)) as pilot:
        await export(pilot)
        await pilot.press("f10")  # the preview alone, as wide as the terminal
        await pilot.pause()
        table = main_of(pilot).preview.table
        assert shown_columns(table)[-2:] == ["city", "nickname"]  # the personalised columns
        assert visible_columns(table)[-2:] == ["city", "nickname"]


async def test_record_view_shows_every_value_in_full(hashed: Path) -> None:
    async with make_app(hashed).run_test(size=(80, 24)) as pilot:
        await export(pilot)
        main = main_of(pilot)
        await pilot.press("f10", "down", "enter")
        await pilot.pause()
        screen = pilot.app.screen
        assert isinstance(screen, RecordScreen) and screen.row == 1
        body = screen.query_one("#record-body", Static)
        rendered = pilot.app.export_screenshot()
        identifier = main.preview.data.rows[1][0]  # type: ignore[union-attr]
        assert identifier is not None and re.fullmatch(r"[0-9a-f]{64}", identifier)
        assert "nickname" in rendered and "identifier" in rendered
        assert on_screen(pilot, body)
        dialog = screen.query_one("#record-dialog")
        assert screen.region.contains_region(dialog.region)
        await pilot.press("n")
        assert screen.row == 2
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, RecordScreen)


async def test_pin_hide_and_show_columns(welcome: Path) -> None:
    async with make_app(welcome).run_test(size=(120, 30)) as pilot:
        await export(pilot)
        main = main_of(pilot)
        columns = shown_columns(main.preview.table)
        await pilot.press("f10")
        await pilot.pause()
        await pilot.press("h")  # hide identifier
        await pilot.pause()
        assert shown_columns(main.preview.table) == columns[1:]
        await pilot.press("end")  # scroll right; the cursor column is what p pins
        for _ in range(len(columns) - 2):
            await pilot.press("right")
        await pilot.press("p")
        await pilot.pause()
        table = main.preview.table
        last = columns[-1]
        assert shown_columns(table)[0] == last and table.fixed_columns == 1
        assert main.preview.pinned == [last]
        assert pilot.app.focused is table
        await pilot.press("a")  # every column back, nothing pinned
        await pilot.pause()
        assert shown_columns(main.preview.table) == columns
        assert main.preview.table.fixed_columns == 0


async def test_preview_actions_run_from_the_palette(welcome: Path) -> None:
    async with make_app(welcome).run_test(size=(200, 50)) as pilot:
        await export(pilot)
        main = main_of(pilot)
        columns = shown_columns(main.preview.table)
        await main.run_action("preview('hide_column')")
        await pilot.pause()
        assert shown_columns(main.preview.table) == columns[1:]


async def test_a_long_preview_loads_rows_as_the_view_nears_them(welcome: Path) -> None:
    """A few screenfuls at once, the rest as the cursor (or the view) nears them, so F5
    is not followed by a dozen repaints of the table; ctrl+end reaches the last row."""
    from tui.widgets.preview import FIRST_ROWS, MORE_ROWS

    async with make_app(welcome, entering=400).run_test(size=(120, 30)) as pilot:
        await export(pilot)
        main = main_of(pilot)
        data = main.preview.data
        table = main.preview.table
        assert data is not None and len(data.rows) > FIRST_ROWS + MORE_ROWS
        assert table.row_count == FIRST_ROWS
        table.focus()
        table.move_cursor(row=FIRST_ROWS - 5, animate=False)
        await pilot.pause()
        await pilot.pause()
        assert table.row_count == FIRST_ROWS + MORE_ROWS  # near the end: the next rows
        await pilot.press("ctrl+end")
        for _ in range(20):  # bounded: a chunk a frame, then the cursor moves
            if table.cursor_row == len(data.rows) - 1:
                break
            await pilot.pause()
        assert table.row_count == len(data.rows)
        assert table.cursor_row == len(data.rows) - 1
        last = [str(c) for c in table.get_row_at(len(data.rows) - 1)]
        assert last[1] == data.rows[-1][1]  # the timestamp column, in order


async def test_pinning_keeps_the_rows_loaded_and_the_cursor_row(welcome: Path) -> None:
    from tui.widgets.preview import FIRST_ROWS

    async with make_app(welcome, entering=400).run_test(size=(120, 30)) as pilot:
        await export(pilot)
        main = main_of(pilot)
        table = main.preview.table
        table.focus()
        await pilot.press("ctrl+end")
        for _ in range(20):
            if table.cursor_row > FIRST_ROWS:
                break
            await pilot.pause()
        row, loaded = table.cursor_row, table.row_count
        await pilot.press("p")
        await pilot.pause()
        table = main.preview.table
        assert table.fixed_columns == 1
        assert table.row_count == loaded and table.cursor_row == row


async def test_a_preview_that_arrives_while_the_app_closes_is_dropped(welcome: Path) -> None:
    """Quitting while a file loads: its table swap finds the pane being torn down
    (the switcher's children already removed) and must not raise on the way out."""
    async with make_app(welcome).run_test(size=(200, 50)) as pilot:
        await export(pilot)
        pane = main_of(pilot).preview
        switcher = pane.query_one("#preview-switcher", ContentSwitcher)
        switcher.current = "preview-empty"  # a message was shown since
        await pane.table.remove()  # as App shutdown removes widgets bottom-up
        pane._switch("preview-table")
        assert switcher.current == "preview-empty"
