"""Feed form: validate as you type (FS-1), the live upload line, rows editors."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from tests.tui.conftest import main_of, make_app, settle, text_of
from tui.widgets.rows_editor import EditorRow, RowsEditor


async def test_host_messages_under_the_field_as_you_type(welcome: Path) -> None:
    async with make_app(welcome).run_test() as pilot:
        await settle(pilot)
        host = pilot.app.query_one("#host", Input)
        host.focus()
        await pilot.press("end", "/")
        message = text_of(pilot.app.query_one("#host-message", Static))
        assert "'acme-data-feeds/' ends with '/'" in message
        assert "remove the trailing slash" in message
        assert pilot.app.query_one("#host-field").has_class("-invalid")
        await pilot.press("backspace")
        assert "✗" not in text_of(pilot.app.query_one("#host-message", Static))
        assert text_of(pilot.app.query_one("#config-status", Static)).startswith("✓")
        await pilot.press("home", *"s3://")
        message = text_of(pilot.app.query_one("#host-message", Static))
        assert "includes a scheme (s3://)" in message
        status = text_of(pilot.app.query_one("#config-status", Static))
        assert status.startswith("✗ 1 problem: feed.host:")


async def test_path_line_shows_upload_folder_and_leading_slash_message(welcome: Path) -> None:
    async with make_app(welcome).run_test() as pilot:
        await settle(pilot)
        upload = pilot.app.query_one("#upload-to", Static)
        assert text_of(upload) == "Files are uploaded to: /exports/daily/2026/11/27/"
        pilot.app.query_one("#path", Input).focus()
        await pilot.press("home", "/")
        assert "begins with '/'" in text_of(pilot.app.query_one("#path-message", Static))
        assert "fix the path" in text_of(upload)
        await pilot.press("backspace", "end", *"/x")
        assert "ends with '/'" not in text_of(pilot.app.query_one("#path-message", Static))
        assert text_of(upload) == "Files are uploaded to: /exports/daily/x/2026/11/27/"


async def test_next_day_moves_the_simulated_clock_and_the_upload_line(welcome: Path) -> None:
    async with make_app(welcome).run_test() as pilot:
        await settle(pilot)
        await pilot.press("f6")
        assert pilot.app.query_one("#sim-clock", Input).value == "2026-11-28 09:00:00"
        upload = text_of(pilot.app.query_one("#upload-to", Static))
        assert upload == "Files are uploaded to: /exports/daily/2026/11/28/"
        assert not main_of(pilot).document.dirty  # the clock is not part of the config


async def test_switching_target_revalidates_host_with_the_sftp_rule(welcome: Path) -> None:
    async with make_app(welcome).run_test() as pilot:
        await settle(pilot)
        host = pilot.app.query_one("#host", Input)
        host.focus()
        await pilot.press("end", *":2222")
        assert "bucket" in text_of(pilot.app.query_one("#host-message", Static))
        await pilot.press("f4")
        await pilot.pause()
        assert main_of(pilot).document.values.target == "sftp"
        assert "✗" not in text_of(pilot.app.query_one("#host-message", Static))


async def test_personalized_content_rows_add_edit_remove(welcome: Path) -> None:
    async with make_app(welcome).run_test() as pilot:
        await settle(pilot)
        main = main_of(pilot)
        editor = pilot.app.query_one("#contexts-editor", RowsEditor)
        assert len(editor.rows) == 2
        await main.run_action("add_context")  # also in the palette
        await pilot.pause()
        await pilot.press(*"plan", "tab")
        focused = pilot.app.focused
        assert isinstance(focused, Input)
        focused.insert_text_at_cursor("{{ contact.plan }}")  # a paste
        await pilot.pause()
        assert main.document.values.contexts[-1] == ("plan", "{{ contact.plan }}")
        # edit: a standard column name is refused with the rule's message
        row = list(editor.query(EditorRow))[-1]
        name = row.query(Input).first()
        name.focus()
        await pilot.press("ctrl+a", "ctrl+k", *"action")
        message = text_of(editor.query_one(".field-message", Static))
        assert "row 3 Name: 'action' is a standard column" in message
        # a name used twice is reported under the rows
        await pilot.press("ctrl+a", "ctrl+k", *"greeting")
        message = text_of(editor.query_one(".field-message", Static))
        assert "'greeting' is used twice" in message
        # remove
        await pilot.click(row.query_one(".remove-row"))
        await pilot.pause()
        assert [n for n, _ in main.document.values.contexts] == ["first_name", "greeting"]
        assert not main.document.dirty


async def test_flow_fields_validate_as_you_type(welcome: Path) -> None:
    async with make_app(welcome).run_test() as pilot:
        await settle(pilot)
        pilot.app.query_one("#tabs").active = "tab-flow"
        await pilot.pause()
        client = pilot.app.query_one("#client", Input)
        client.focus()
        await pilot.press("end", *"_eu")
        assert "is not a client slug" in text_of(pilot.app.query_one("#client-message", Static))
        flow_id = pilot.app.query_one("#flow_id", Input)
        flow_id.focus()
        await pilot.press("home", "-")
        assert "is not a flow id" in text_of(pilot.app.query_one("#flow_id-message", Static))


async def test_a_config_with_invalid_values_opens_with_each_problem_on_its_field(
    tmp_path: Path,
) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(
        'client = "Acme_EU"\n[flow]\nid = "x"\nname = "Welcome"\nsegment = "New"\n'
        '[feed]\nformat = "csv"\ntarget = "ftp"\nhost = "sftp://files.acme.example/"\n'
        'path = "/exports/"\n',
        encoding="utf-8",
    )
    async with make_app(path).run_test() as pilot:
        await settle(pilot)
        assert main_of(pilot).document.values.target == "sftp"  # ftp means sftp (FS-1)
        host = text_of(pilot.app.query_one("#host-message", Static))
        assert "includes a scheme (sftp://)" in host
        assert "begins with '/'" in text_of(pilot.app.query_one("#path-message", Static))
        status = text_of(pilot.app.query_one("#config-status", Static))
        assert status.startswith("✗ 4 problems:")
        assert not main_of(pilot).document.dirty
