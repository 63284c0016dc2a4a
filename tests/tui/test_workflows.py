"""Pilot tests of the workflows: export, watch, preview, files, guard, demo, SFTP."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from textual.widgets import DataTable, Input, Static

from feedcore import naming
from feedcore.config import load_config
from tests.tui.conftest import export, files_of, main_of, make_app, select, settle, text_of
from tui.screens.confirm import ConfirmScreen
from tui.screens.connect import ConnectScreen
from tui.screens.help import HelpScreen
from tui.screens.path_prompt import PathPrompt


async def test_f5_lands_data_file_then_control_file_in_tree_and_log(welcome: Path) -> None:
    async with make_app(welcome).run_test() as pilot:
        await export(pilot)
        (data,) = files_of(pilot, "data")
        (control,) = files_of(pilot, "control")
        assert naming.DATA_NAME_RE.fullmatch(data.name)
        assert control.name == naming.control_file_name(data.name)
        assert data.key.startswith("exports/daily/2026/11/27/acme_1234_add_")
        assert data.bucket == "acme-data-feeds"
        history = main_of(pilot).activity.history
        puts = [line for line in history if " put " in line]
        assert data.name in puts[0] and control.name in puts[1]  # data first, then control
        assert history[-2].startswith("✓ Batch 1: 1 data + 1 control files")
        assert "feedlab simulate welcome_csv_s3.toml --contacts 20 --seed 42" in history[-1]


async def test_select_data_file_shows_rows_with_header_and_nulls(hashed: Path) -> None:
    async with make_app(hashed).run_test() as pilot:
        await export(pilot)
        (data,) = files_of(pilot, "data")
        await select(pilot, data)
        table = pilot.app.query_one("#preview-table", DataTable)
        header = [str(c.label) for c in table.columns.values()]
        assert header == [
            "identifier",
            "timestamp",
            "segment_name",
            "flow_name",
            "action",
            "variant",
            "operation",
            "city",
            "nickname",
        ]
        assert table.row_count == 40  # 20 contacts x (data_feed + email_winback)
        first = [str(cell) for cell in table.get_row_at(0)]
        identifier = main_of(pilot).preview.data.rows[0][0]  # type: ignore[union-attr]
        assert re.fullmatch(r"[0-9a-f]{64}", identifier or "")  # hashed: never a raw address
        assert first[0] == f"{identifier[:12]}…{identifier[-4:]}"  # type: ignore[index]
        assert first[4:7] == ["data_feed", "null", "add"]  # variant: null (FS-2.7)
        assert first[8] == "null"  # undefined attribute: null
        title = text_of(pilot.app.query_one("#preview-title", Static))
        assert title.startswith(data.name) and "JSONL · 40 rows" in title


async def test_control_preview_shows_json_and_verify_result(welcome: Path) -> None:
    async with make_app(welcome).run_test() as pilot:
        await export(pilot)
        (control,) = files_of(pilot, "control")
        await select(pilot, control)
        checks = text_of(pilot.app.query_one("#control-checks", Static))
        assert checks.startswith("✓ Verified: matches its data file")
        assert "✗" not in checks
        assert "feedlab verify: conformant to the config" in checks
        assert re.search(r"data file \S+\.csv: \d+ records, as the control file says", checks)


async def test_save_load_round_trip(welcome: Path, tmp_path: Path) -> None:
    async with make_app(welcome).run_test() as pilot:
        await settle(pilot)
        path_input = pilot.app.query_one("#path", Input)
        path_input.focus()
        await pilot.press("end", *"/eu")
        main = main_of(pilot)
        assert main.document.dirty
        assert "modified" in pilot.app.sub_title
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not main.document.dirty
    assert load_config(welcome).feed.path == "exports/daily/eu"
    async with make_app(welcome).run_test() as pilot:
        await settle(pilot)
        assert pilot.app.query_one("#path", Input).value == "exports/daily/eu"
        assert len(pilot.app.query_one("#contexts-editor").rows) == 2  # type: ignore[attr-defined]
        assert not main_of(pilot).document.dirty


async def test_save_as_for_a_new_config(tmp_path: Path) -> None:
    target = tmp_path / "new.toml"
    async with make_app(None).run_test() as pilot:
        await settle(pilot)
        filled = {
            "client": "acme",
            "flow_id": "1234",
            "flow_name": "Welcome",
            "segment": "New",
            "host": "acme-data-feeds",
            "path": "exports",
            "actions": "email_welcome",
        }
        for field, value in filled.items():
            pilot.app.query_one(f"#{field}", Input).value = value
        await pilot.pause()
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert isinstance(pilot.app.screen, PathPrompt)
        prompt = pilot.app.screen.query_one(Input)
        prompt.value = str(target)
        await pilot.press("enter")
        await pilot.pause()
    assert load_config(target).client == "acme"


async def test_open_another_config(welcome: Path, hashed: Path) -> None:
    async with make_app(welcome).run_test() as pilot:
        await settle(pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        pilot.app.screen.query_one(Input).value = str(hashed)
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.query_one("#host", Input).value == "sftp.globex.example:2222"
        assert main_of(pilot).files_tree.active == "sftp"
        assert pilot.app.sub_title == hashed.name


async def test_unsaved_changes_guard_on_quit(welcome: Path) -> None:
    app = make_app(welcome)
    async with app.run_test() as pilot:
        await settle(pilot)
        pilot.app.query_one("#condition", Input).focus()
        await pilot.press("end", "x")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("escape")  # cancel: nothing lost
        await pilot.pause()
        assert not isinstance(pilot.app.screen, ConfirmScreen)
        assert pilot.app.is_running
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("d")  # quit without saving
        await pilot.pause()
    assert app.return_code == 0
    assert load_config(welcome).feed.condition == 'contact.plan != "free"'


async def test_quit_without_changes_exits_zero_at_once(welcome: Path) -> None:
    app = make_app(welcome)
    async with app.run_test() as pilot:
        await export(pilot)  # exporting is not an edit
        await pilot.press("ctrl+q")
        await pilot.pause()
    assert app.return_code == 0


async def test_save_from_the_guard_then_quit(welcome: Path) -> None:
    app = make_app(welcome)
    async with app.run_test() as pilot:
        await settle(pilot)
        pilot.app.query_one("#path", Input).focus()
        await pilot.press("end", *"/x")
        await pilot.press("ctrl+q")
        await pilot.pause()
        await pilot.press("s")
        await pilot.pause()
    assert app.return_code == 0
    assert load_config(welcome).feed.path == "exports/daily/x"


async def test_switch_to_sftp_and_f5_lands_files_on_the_sftp_mock(welcome: Path) -> None:
    async with make_app(welcome).run_test() as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await export(pilot)
        main = main_of(pilot)
        (data,) = files_of(pilot, "data")
        (control,) = files_of(pilot, "control")
        assert data.server == control.server == "sftp"
        root = main.targets.sftp.root  # type: ignore[union-attr]
        assert (root / data.key).is_file() and (root / control.key).is_file()
        history = "\n".join(main.activity.history)
        partial = f".{data.name}.partial"
        order = [
            history.index(f"open                {data.folder}/{partial}"),
            history.index(f"rename              {data.folder}/{partial} → {data.name}"),
            history.index(f"rename              {control.folder}/.{control.name}.partial"),
        ]
        assert order == sorted(order)  # .partial, rename, then the control file (FS-6.2)
        assert not any(".partial" in ref.name for ref in main.files_tree.files)


async def test_exits_come_from_contacts_that_entered(welcome: Path) -> None:
    async with make_app(welcome, exiting=5).run_test() as pilot:
        await export(pilot)
        assert [r.name.split("_")[2] for r in files_of(pilot, "data")] == ["add"]
        await pilot.press("f6")
        await export(pilot)
        ops = sorted(r.name.split("_")[2] for r in files_of(pilot, "data"))
        assert ops == ["add", "add", "remove"]
        await main_of(pilot).run_action("clear_servers")  # a palette command
        await settle(pilot)
        assert main_of(pilot).files_tree.files == {}
        await export(pilot)  # the bucket is created again; 10 still in the flow, 5 exit
        assert sorted(r.name.split("_")[2] for r in files_of(pilot, "data")) == ["add", "remove"]


async def test_invalid_config_export_is_refused_with_one_line(welcome: Path) -> None:
    async with make_app(welcome).run_test() as pilot:
        await settle(pilot)
        pilot.app.query_one("#host", Input).focus()
        await pilot.press("home", *"s3://")
        await pilot.press("f5")
        await settle(pilot)
        (note,) = list(pilot.app._notifications)
        assert note.severity == "error"
        assert note.title == "Cannot export: fix the config"
        assert "\n" not in note.message and "includes a scheme" in note.message
        assert main_of(pilot).files_tree.files == {}


async def test_hashed_feed_shows_no_raw_address_anywhere(hashed: Path) -> None:
    async with make_app(hashed).run_test() as pilot:
        await export(pilot)
        for ref in files_of(pilot, "data") + files_of(pilot, "control"):
            await select(pilot, ref)
        svg = pilot.app.export_screenshot()
        assert "@example." not in svg
        main = main_of(pilot)
        assert not any("@" in line for line in main.activity.history)


async def test_help_screen_and_command_palette(welcome: Path) -> None:
    async with make_app(welcome).run_test() as pilot:
        await settle(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"export batch")
        await settle(pilot)  # the palette searches in a worker
        await pilot.press("enter")
        await settle(pilot)
        assert files_of(pilot, "data")


async def test_demo_action_writes_zip_with_expected_members(welcome: Path, tmp_path: Path) -> None:
    out = tmp_path / "acme-demo.zip"
    async with make_app(welcome).run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        await pilot.press("f8")
        await pilot.pause()
        assert isinstance(pilot.app.screen, PathPrompt)
        pilot.app.screen.query_one(Input).value = str(out)
        await pilot.press("enter")
        await settle(pilot)
    names = zipfile.ZipFile(out).namelist()
    assert names[:2] == ["README.md", "screenshot.svg"]
    data = [n for n in names if naming.DATA_NAME_RE.fullmatch(n.rpartition("/")[2])]
    controls = [n for n in names if n.rpartition("/")[2].startswith("control_")]
    assert len(data) == len(controls) == 2  # an add batch, then a remove batch a day later
    assert all(n.startswith("acme-data-feeds/exports/daily/2026/11/2") for n in data)


async def test_open_asks_before_dropping_unsaved_changes(welcome: Path, hashed: Path) -> None:
    async with make_app(welcome).run_test() as pilot:
        await settle(pilot)
        pilot.app.query_one("#path", Input).focus()
        await pilot.press("end", "x")
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(pilot.app.screen, PathPrompt)
        pilot.app.screen.query_one(Input).value = str(hashed)
        await pilot.press("enter")
        await settle(pilot)
        assert main_of(pilot).document.path == hashed
        assert not main_of(pilot).document.dirty


async def test_export_button_and_large_batch_progress(welcome: Path) -> None:
    async with make_app(welcome, entering=20_000).run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        await pilot.click("#export")
        await settle(pilot)
        (data,) = files_of(pilot, "data")
        status = text_of(pilot.app.query_one("#status-text", Static))
        assert status.startswith("Batch 1: 1 data + 1 control files")
        assert main_of(pilot).last_result is not None
        assert main_of(pilot).last_result.result.events == 20_000  # type: ignore[union-attr]
        assert data.name in "\n".join(main_of(pilot).activity.history)


async def test_control_preview_reports_a_mismatch_with_the_current_config(welcome: Path) -> None:
    async with make_app(welcome).run_test() as pilot:
        await export(pilot)
        pilot.app.query_one("#path", Input).focus()
        await pilot.press("end", *"/v2")  # the config no longer says where these files went
        (control,) = files_of(pilot, "control")
        await select(pilot, control)
        checks = text_of(pilot.app.query_one("#control-checks", Static))
        assert checks.startswith("✗ Does not match its data file")
        # verify's own findings, about both files (the folder and the control file's path)
        assert "'exports/daily/v2'" in checks and "[FS-4.3]" in checks
        assert "[FS-5.1]" in checks


async def test_palette_ranks_by_command_name_mock_server_finds_connect(welcome: Path) -> None:
    async with make_app(welcome).run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"mock server")
        await settle(pilot)  # the palette searches in a worker
        await pilot.press("enter")
        await settle(pilot)
        # "Mock servers: connect a client": not Export batch, nor Clear mock servers
        assert isinstance(pilot.app.screen, ConnectScreen)
        assert files_of(pilot, "data") == []
        assert "Clearing both mock servers" not in main_of(pilot).activity.history


def test_palette_rank_puts_any_name_match_above_any_help_match() -> None:
    from tui.commands import rank

    assert rank("x", "Export", 0.01, 0.0) > rank("x", "Export", 0.0, 1.0)
    assert rank("exp", "Export batch", 0.2, 0.0) > rank("exp", "Demo export", 0.9, 0.0)
    assert rank("bat", "Export batch", 0.2, 0.0) > rank("bat", "Bxaxt", 0.9, 0.0)
    assert 0 < rank("q", "T", 0.0, 0.3) < rank("q", "T", 0.2, 0.0) < rank("t", "T", 0.1, 0) <= 1


async def test_new_feed_starts_empty_with_placeholders_and_asks_before_discarding(
    welcome: Path,
) -> None:
    async with make_app(None).run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        for field in ("host", "path", "condition", "client", "flow_id", "flow_name"):
            box = pilot.app.query_one(f"#{field}", Input)
            assert box.value == "" and box.placeholder  # an example, never a value
        assert "✗" not in text_of(pilot.app.query_one("#host-message", Static))  # not yet typed
        assert text_of(pilot.app.query_one("#config-status", Static)).startswith("New feed")
        assert pilot.app.sub_title == "untitled.toml"
    async with make_app(welcome).run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        pilot.app.query_one("#path", Input).focus()
        await pilot.press("end", "x", "ctrl+n")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ConfirmScreen)
        await pilot.press("escape")  # cancel: nothing lost
        await pilot.pause()
        assert main_of(pilot).document.values.path == "exports/dailyx"
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.press("d")
        await settle(pilot)
        main = main_of(pilot)
        assert main.document.path is None and main.document.values.path == ""
        assert pilot.app.query_one("#host", Input).value == ""


async def test_path_prompt_completes_folders_and_files(tmp_path: Path) -> None:
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "welcome.toml").write_text("", encoding="utf-8")
    (tmp_path / "feeds" / "notes.txt").write_text("", encoding="utf-8")
    async with make_app(None).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+o")
        await pilot.pause()
        assert isinstance(pilot.app.screen, PathPrompt)
        box = pilot.app.screen.query_one(Input)
        box.value = str(tmp_path / "fe")
        await settle(pilot)
        await pilot.press("tab")
        assert box.value == f"{tmp_path}/feeds/"
        await pilot.press("w")
        await settle(pilot)
        await pilot.press("tab")
        assert box.value == f"{tmp_path}/feeds/welcome.toml"  # .toml only: not notes.txt
