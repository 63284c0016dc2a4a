"""The tools of issue 12 in the app: reachable from the footer, the help and the palette.

Every tool of :data:`tui.tools.ALL_TOOLS` is in the help screen's text, among the
palette's commands, and bound (on the main screen, on the files tree, or in the
Tools menu, which is in the footer at every size). Then each tool as a user
reaches it: Connect from its key and the palette, copying, the pager through a
fake runner, the diff after two F5s, F8's session bundle, form warnings.
"""

from __future__ import annotations

import contextlib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static, Tree

import tui.app
from tests.tui.conftest import (
    SIZE_IDS,
    SIZES,
    export,
    files_of,
    main_of,
    make_app,
    settle,
    text_of,
)
from tests.tui.conftest import settings as sim_settings
from tests.tui.test_layout import footer_keys_on_screen
from tests.tui.tool_host import SECRET, Recorder, fake_details
from tui.app import FeedlabApp
from tui.commands import FeedlabCommands
from tui.screens.attributes import AttributesScreen
from tui.screens.connect import ConnectScreen
from tui.screens.diff import DiffScreen
from tui.screens.help import HelpScreen
from tui.screens.main import MainScreen
from tui.screens.path_prompt import PathPrompt
from tui.screens.tools import ToolsScreen, menu_key
from tui.services import commands
from tui.services.connect import ConnectDetails
from tui.tools import ALL_ACTIONS, ALL_TOOLS, FILE_TOOLS
from tui.widgets.target_tree import TargetTree

sizes = pytest.mark.parametrize("size", SIZES, ids=SIZE_IDS)


#: A subclass's relative CSS path would be read beside this test module.
APP_CSS = str(Path(tui.app.__file__).with_name("app.tcss"))


class CopyingApp(FeedlabApp):
    """The app with what it copies recorded, and no suspend."""

    CSS_PATH = APP_CSS

    def __init__(self, *args: Any, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.copied: list[str] = []

    def copy_to_clipboard(self, text: str) -> None:
        self.copied.append(text)
        super().copy_to_clipboard(text)

    @contextlib.contextmanager
    def suspend(self) -> Iterator[None]:  # a headless test cannot suspend a terminal
        yield


def copying_app(path: Path, **kw: Any) -> CopyingApp:
    return CopyingApp(path, settings=sim_settings(**kw))


def _bound(action: Any) -> bool:
    """Bound on the main screen or the tree (with its own key), or a Tools menu letter."""
    for node in (MainScreen, TargetTree):
        for binding in node._merged_bindings.key_to_bindings.get(action.key, []):  # type: ignore[attr-defined]
            if binding.action.removeprefix("screen.") == action.action:
                return True
    menu = ToolsScreen._merged_bindings.key_to_bindings  # type: ignore[attr-defined]
    return any(b.action == f"choose('{action.id}')" for b in menu.get(menu_key(action), []))


# -- reachable ---------------------------------------------------------------------------------


@sizes
async def test_every_tool_is_in_the_help_the_palette_and_bound(
    welcome: Path, size: tuple[int, int]
) -> None:
    async with make_app(welcome).run_test(size=size) as pilot:
        await settle(pilot)
        assert "ctrl+f" in footer_keys_on_screen(pilot, size[0])  # the Tools menu, any width
        provider = FeedlabCommands(pilot.app.screen)
        palette = {hit.text for hit in [hit async for hit in provider.discover()]}
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        help_text = pilot.app.screen.query_one("#help-text").source  # type: ignore[attr-defined]
    for tool in ALL_TOOLS:
        assert f"| {tool.name} |" in help_text, tool.id
        assert tool.name in palette, tool.id
        assert _bound(tool), tool.id
    assert "ctrl+f" in help_text and "F8" in help_text and "index.html" in help_text


def _keys(node: Any) -> set[str]:
    return set(node._merged_bindings.key_to_bindings)  # type: ignore[no-any-return]


def test_no_two_actions_share_a_key_on_one_node_and_inputs_keep_theirs() -> None:
    """A main-screen key is priority (it works from a field): none may be an Input's key;
    the tree's and the table's letters are none of their widget's own keys."""
    own = {"main": _keys(Input), "tree": _keys(Tree), "preview": _keys(DataTable)}
    by_node: dict[str, list[str]] = {}
    for action in ALL_ACTIONS:
        node = "main" if action.scope in ("screen", "app") else action.scope
        for key in filter(None, action.key.split(",")):
            by_node.setdefault(node, []).append(key)
            if action.priority or len(key) == 1:  # enter on the table is meant to override
                assert key not in own[node], (action.id, key)
    for node, keys in by_node.items():
        assert len(keys) == len(set(keys)), node
    assert {t.scope for t in FILE_TOOLS} == {"tree"}


# -- Connect -----------------------------------------------------------------------------------


async def test_connect_opens_from_its_key_and_from_the_palette_and_copies(
    welcome: Path,
) -> None:
    app = copying_app(welcome)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        details = app.connect_details()
        assert details is not None and details.s3_credentials_file.is_file()
        await pilot.press("ctrl+g")
        await pilot.pause()
        assert isinstance(app.screen, ConnectScreen) and app.screen.bucket == "acme-data-feeds"
        await pilot.press("e", "a", "s")  # endpoint, aws command; the secret is still hidden
        assert app.copied == [
            details.s3_endpoint_url,
            commands.aws_list("acme-data-feeds", details),
        ]
        await pilot.press("escape")
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"connect")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ConnectScreen)
        await pilot.press("r", "s")
        assert app.copied[-1] == details.s3_secret_access_key
        assert all(SECRET not in note.message for note in app._notifications)
    assert not details.s3_credentials_file.exists()  # removed with the servers


# -- file tools --------------------------------------------------------------------------------


async def test_file_tools_on_the_tree_copy_the_new_files_url_key_and_command(
    welcome: Path,
) -> None:
    app = copying_app(welcome)
    async with app.run_test(size=(80, 24)) as pilot:
        await export(pilot)
        (data,) = files_of(pilot, "data")
        await pilot.press("f2", "u", "k", "g")  # F5 selected the new file
        await pilot.pause()
        details = app.connect_details()
        assert details is not None
        assert app.copied == [
            f"s3://acme-data-feeds/{data.key}",
            data.key,
            commands.get_command(data, details),
        ]


@pytest.mark.parametrize(("key", "variable"), [("p", "PAGER"), ("e", "EDITOR")])
async def test_pager_and_editor_run_on_a_private_copy_of_the_selected_file(
    welcome: Path, key: str, variable: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    program = tmp_path / "viewer"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    monkeypatch.setenv(variable, str(program))
    app = copying_app(welcome)
    run = Recorder()
    async with app.run_test() as pilot:
        await export(pilot)
        main_of(pilot).toolbox.file_tools.run = run
        (data,) = files_of(pilot, "data")
        await pilot.press("f2", key)
        await settle(pilot)
        expected, _ = app.targets.read(data)
    ((argv, seen),) = run.calls
    assert argv[0] == str(program) and Path(argv[1]).name == data.name
    assert seen == expected and not Path(argv[1]).exists()


async def test_diff_after_two_f5s_shows_the_exits_of_the_second_batch(welcome: Path) -> None:
    async with make_app(welcome, exiting=5).run_test(size=(120, 30)) as pilot:
        await export(pilot)
        await pilot.press("f5")  # five of the first batch's contacts exit in this one
        await settle(pilot)
        await pilot.press("f2", "d")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, DiffScreen)
        result = screen.result
        assert result is not None and result.before is not None
        removed = [c for c in result.changes if c.group[2] == "remove"]
        assert removed and all(c.before == 0 and c.after > 0 for c in removed)
        assert sum(c.after for c in removed) >= 5
        assert "Previous batch: 2026-11-27 09:00:00 UTC" in text_of(
            screen.query_one("#diff-summary", Static)
        )
        assert screen.query_one(DataTable).row_count == len(result.changes)


async def test_tools_menu_runs_the_selected_files_diff_and_connect(welcome: Path) -> None:
    async with make_app(welcome).run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+f")
        await pilot.pause()
        assert isinstance(pilot.app.screen, ToolsScreen) and pilot.app.screen.file is None
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(pilot.app.screen, ConnectScreen)
        await pilot.press("escape")
        await export(pilot)
        await pilot.press("ctrl+f")  # from the form panel: the new file is still selected
        await pilot.pause()
        (data,) = files_of(pilot, "data")
        assert isinstance(pilot.app.screen, ToolsScreen) and pilot.app.screen.file == data.name
        await pilot.press("d")
        await settle(pilot)
        assert isinstance(pilot.app.screen, DiffScreen)


async def test_a_file_tool_without_a_selected_file_asks_for_one(welcome: Path) -> None:
    async with make_app(welcome).run_test() as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"copy url")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert [n.message for n in pilot.app._notifications] == [
            "Select a file in the tree first (F2, then a file)."
        ]


# -- attributes --------------------------------------------------------------------------------


async def test_attributes_from_its_key_use_the_config_and_the_seed(welcome: Path) -> None:
    async with make_app(welcome).run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+y")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, AttributesScreen) and screen.seed == 42
        assert screen.result is not None and screen.result.total == 20


async def test_attributes_of_an_invalid_config_browse_but_do_not_test(welcome: Path) -> None:
    async with make_app(welcome).run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        pilot.app.query_one("#host", Input).focus()
        await pilot.press("home", *"s3://")
        await pilot.press("ctrl+y")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, AttributesScreen)
        assert screen.query_one("#attribute-table", DataTable).row_count == 7
        warning = text_of(screen.query_one("#tester-warnings", Static))
        assert warning.startswith("✗ The tester needs a valid config")


# -- demo bundle -------------------------------------------------------------------------------


async def _write_demo(pilot: Pilot[Any], out: Path, *keys: str) -> str:
    await pilot.press(*keys)
    await pilot.pause()
    prompt = pilot.app.screen
    assert isinstance(prompt, PathPrompt)
    prompt.query_one(Input).value = str(out)
    title = prompt.title_text
    await pilot.press("enter")
    await settle(pilot)
    return title


async def test_f8_after_an_export_bundles_the_files_exported_in_the_session(
    welcome: Path, tmp_path: Path
) -> None:
    out = tmp_path / "session.zip"
    async with make_app(welcome).run_test(size=(120, 30)) as pilot:
        await export(pilot)
        exported = sorted(ref.key for ref in main_of(pilot).files_tree.files)
        title = await _write_demo(pilot, out, "f8")
        history = main_of(pilot).activity.history
    assert "the 1 data file exported in this session" in title
    names = zipfile.ZipFile(out).namelist()
    feed_files = sorted(n.removeprefix("acme-data-feeds/") for n in names if "/" in n)
    assert feed_files == exported  # the data and control file F5 delivered, nothing else
    assert {"index.html", "README.md", "screenshot.svg"} <= set(names)
    assert "1 data file exported in this session" in history[-1]


async def test_demo_sample_from_the_palette_is_the_sample_even_after_an_export(
    welcome: Path, tmp_path: Path
) -> None:
    out = tmp_path / "sample.zip"
    async with make_app(welcome).run_test(size=(120, 30)) as pilot:
        await export(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"demo bundle (sample)")
        await settle(pilot)
        title = await _write_demo(pilot, out, "enter")
        history = main_of(pilot).activity.history
    assert "guaranteed sample" in title and "guaranteed sample" in history[-1]
    data = [n for n in zipfile.ZipFile(out).namelist() if n.endswith(".csv")]
    assert len(data) == 2  # the sample's add batch and its remove batch, not the session's


# -- warnings ----------------------------------------------------------------------------------


async def test_fs7_1_form_warns_of_contact_frist_name_and_still_exports(welcome: Path) -> None:
    async with make_app(welcome).run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        value = pilot.app.query("Input.cell-value").first(Input)
        value.focus()
        value.value = "{{ contact.frist_name }}"
        await settle(pilot)
        editor = pilot.app.query_one("#contexts-editor")
        message = text_of(editor.query_one(".field-message", Static))
        assert message.startswith("⚠ row 1 Value: contact.frist_name is not an attribute")
        assert "did you mean contact.first_name?" in message and "[FS-7.1]" in message
        assert editor.has_class("-warning") and not editor.has_class("-invalid")
        status = text_of(pilot.app.query_one("#config-status", Static))
        assert status.startswith("✓ Config is valid") and "⚠ 1 warning" in status
        await pilot.press("f5")  # a warning never blocks
        await settle(pilot)
        assert len(files_of(pilot, "data")) == 1
        await pilot.press("ctrl+f", "w")
        await settle(pilot)
        assert any("contact.frist_name" in line for line in main_of(pilot).activity.history)


async def test_fs2_2_condition_and_flow_warnings_show_under_their_fields(welcome: Path) -> None:
    async with make_app(welcome).run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        condition = pilot.app.query_one("#condition", Input)
        condition.value = 'contact.pln == "pro"'
        await settle(pilot)
        field = pilot.app.query_one("#condition-field")
        assert field.has_class("-warning") and not field.has_class("-invalid")
        message = text_of(pilot.app.query_one("#condition-message", Static))
        assert message.startswith("⚠ contact.pln is not an attribute")
        pilot.app.query_one("#actions", Input).value = "sms_reminder"  # beside the variants
        await settle(pilot)
        flow = pilot.app.query_one("#flow-warnings", Static)
        assert flow.display and "[FS-2.2]" in text_of(flow)
        pilot.app.query_one("#actions", Input).value = ""
        await settle(pilot)
        assert not flow.display


# -- snapshots ---------------------------------------------------------------------------------


class FixedDetailsApp(FeedlabApp):
    """The app with Connect's ports and paths fixed (nothing machine-dependent on screen)."""

    CSS_PATH = APP_CSS

    def connect_details(self) -> ConnectDetails | None:
        return fake_details()


async def _still(pilot: Pilot[Any]) -> None:
    await settle(pilot)
    pilot.app.clear_notifications()
    await pilot.pause()


@sizes
def test_connect_screen_from_the_app(
    snap_compare: Any, welcome: Path, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("ctrl+g")
        await _still(pilot)

    app = FixedDetailsApp(welcome, settings=make_app(welcome).settings)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@sizes
def test_attributes_screen_from_the_app(
    snap_compare: Any, welcome: Path, size: tuple[int, int]
) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("ctrl+y")
        await _still(pilot)

    assert snap_compare(make_app(welcome), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])
def test_tools_menu_after_f5(snap_compare: Any, welcome: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot[Any]) -> None:
        await export(pilot)
        await pilot.press("ctrl+f")
        await _still(pilot)

    assert snap_compare(make_app(welcome), terminal_size=size, run_before=run_before)
