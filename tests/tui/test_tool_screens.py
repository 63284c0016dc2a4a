"""Pilot tests of the Attributes, Diff and Tools screens and the file tools, each in a tiny
host app."""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import DataTable, Input, Static

from feedcore.config import load_config
from feedcore.simulate import contacts, simulate_events
from feedcore.sinks.memory import MemorySink
from feedcore.writer import FeedWriter
from tests.tui.conftest import HASHED, WELCOME, text_of
from tests.tui.tool_host import SECRET, HostApp, Recorder, fake_details
from tui.screens.attributes import AttributesScreen
from tui.screens.diff import DiffScreen
from tui.screens.file_tools import FileTools, use
from tui.screens.tools import MENU_TOOLS, ToolsScreen, menu_key
from tui.services import commands, diff
from tui.services.targets import FileRef
from tui.tools import ALL_TOOLS, FILE_TOOLS

AT = datetime(2026, 11, 27, 9, 0, 0, tzinfo=UTC)


def _cells(table: DataTable[Any]) -> list[list[str]]:
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


# -- attributes ------------------------------------------------------------------------------


async def test_fs7_1_attribute_browser_lists_every_attribute_with_samples() -> None:
    app = HostApp(AttributesScreen(load_config(WELCOME), seed=42))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        rows = _cells(app.screen.query_one("#attribute-table", DataTable))
        assert [r[0] for r in rows] == [
            "contact.first_name", "contact.last_name", "contact.city", "contact.country",
            "contact.plan", "contact.ltv", "contact.signup_date",
        ]  # fmt: skip
        plan = next(r for r in rows if r[0] == "contact.plan")
        assert plan[1] == "one of enterprise, free, pro"


async def test_fs2_6_live_tester_counts_and_renders_as_the_condition_is_edited() -> None:
    screen = AttributesScreen(load_config(WELCOME), seed=42, sample=20)
    app = HostApp(screen)
    people = list(contacts(20, 42))
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        summary = screen.query_one("#tester-summary", Static)
        kept = sum(1 for p in people if p.plan != "free")
        assert text_of(summary) == f"{kept} of 20 sample contacts pass the condition"
        table = screen.query_one("#tester-table", DataTable)
        first = next(p for p in people if p.plan != "free")
        row = _cells(table)[people.index(first)]
        assert row[2] == "yes" and row[4] == f"Hi {first.first_name}, from {first.city}"

        screen.query_one("#tester-condition", Input).value = 'contact.plan == "enterprise"'
        await pilot.pause()
        enterprise = sum(1 for p in people if p.plan == "enterprise")
        assert text_of(summary) == f"{enterprise} of 20 sample contacts pass the condition"

        screen.query_one("#tester-template", Input).value = "{{ contact.frist_name }}"
        await pilot.pause()
        warnings = text_of(screen.query_one("#tester-warnings", Static))
        assert "contact.frist_name" in warnings and "did you mean contact.first_name?" in warnings
        assert str(table.ordered_columns[-1].label) == "try"

        screen.query_one("#tester-condition", Input).value = "contact.plan =="
        await pilot.pause()
        assert "feed.condition" in text_of(screen.query_one("#tester-warnings", Static))
        await pilot.press("escape")
        assert not isinstance(app.screen, AttributesScreen)


async def test_fs2_5_tester_of_a_hashed_feed_shows_no_address() -> None:
    screen = AttributesScreen(load_config(HASHED), seed=42)
    app = HostApp(screen)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        cells = _cells(screen.query_one("#tester-table", DataTable))
        assert cells and not any("@" in cell for row in cells for cell in row)


# -- diff --------------------------------------------------------------------------------------


def _two_batches() -> tuple[MemorySink, list[FileRef]]:
    config = load_config(WELCOME)
    sink = MemorySink()
    FeedWriter(config, sink, seed="d/1").export(simulate_events(config, 20, seed=5), at=AT)
    later = list(simulate_events(config, 10, seed=5, start=20))
    later += list(simulate_events(config, 6, seed=5, type="exit"))
    FeedWriter(config, sink, seed="d/2").export(later, at=AT + timedelta(days=1))
    return sink, [FileRef("s3", config.feed.host, key) for key in sorted(sink.objects)]


async def test_diff_screen_shows_rows_per_group_against_the_previous_batch() -> None:
    sink, refs = _two_batches()
    newest = max(r for r in refs if diff.feed_of(r))
    expected = diff.diff_with_previous(newest, refs, lambda r: sink.objects[r.key])
    screen = DiffScreen(newest.name, lambda: expected)
    app = HostApp(screen)
    async with app.run_test(size=(120, 30)) as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        summary = text_of(screen.query_one("#diff-summary", Static))
        assert "Previous batch: 2026-11-27 09:00:00 UTC: 1 file" in summary
        assert "Columns added: none" in summary and f"Rows: {expected.rows_delta:+d}" in summary
        rows = _cells(screen.query_one(DataTable))
        assert len(rows) == len(expected.changes)
        for row, change in zip(rows, expected.changes, strict=True):
            assert row[3:5] == [str(change.before), str(change.after)]
        assert ["remove", "A", "data_feed"] in [r[:3] for r in rows]


async def test_diff_screen_reports_a_failure_in_one_line() -> None:
    def load() -> diff.BatchDiff:
        raise diff.DiffError("x.csv: not valid CSV (FS-3)")

    screen = DiffScreen("x.csv", load)
    app = HostApp(screen)
    async with app.run_test() as pilot:
        await app.workers.wait_for_complete()
        await pilot.pause()
        text = text_of(screen.query_one("#diff-summary", Static))
        assert text == "✗ Cannot compare: x.csv: not valid CSV (FS-3)"


# -- file tools --------------------------------------------------------------------------------


def _tools_app(sink: MemorySink, refs: list[FileRef], run: Recorder, ref: FileRef) -> HostApp:
    """The Tools menu on ``ref``; the tool chosen runs on it, as the main screen does."""
    tools: list[FileTools] = []

    def make(app: HostApp) -> ToolsScreen:
        tools.append(
            FileTools(
                app,
                read=lambda r: sink.objects[r.key],
                listing=lambda: refs,
                details=fake_details,
                run=run,
            )
        )
        return ToolsScreen(ref.name)

    def chosen(tool_id: str | None) -> None:
        if tool_id is not None:
            use(tools[0], tool_id, ref)

    return HostApp(make, chosen)


def _newest_in_tools() -> tuple[MemorySink, FileRef, Recorder, HostApp]:
    """The tools menu on the newest data file of two batches, with a recording runner."""
    sink, refs = _two_batches()
    ref = max(r for r in refs if diff.feed_of(r))
    run = Recorder()
    return sink, ref, run, _tools_app(sink, refs, run, ref)


@contextlib.contextmanager
def _no_suspend(app: HostApp) -> Iterator[None]:
    yield


async def test_file_tools_copy_the_url_key_and_download_command() -> None:
    sink, refs = _two_batches()
    ref = max(r for r in refs if diff.feed_of(r))
    for key, expected in [
        ("u", commands.url_of(ref, fake_details())),
        ("k", ref.key),
        ("g", commands.aws_get(ref, fake_details())),
    ]:
        app = _tools_app(sink, refs, Recorder(), ref)
        async with app.run_test() as pilot:
            await pilot.pause()
            await pilot.press(key)
            await pilot.pause()
            assert app.copied == [expected]
            assert not isinstance(app.screen, ToolsScreen)
    assert SECRET not in expected and shlex.split(expected)[1:4] == ["aws", "s3", "cp"]


@pytest.mark.parametrize(("key", "variable"), [("p", "PAGER"), ("e", "EDITOR")])
async def test_open_in_pager_or_editor_suspends_and_removes_the_private_copy(
    key: str, variable: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    program = tmp_path / "viewer"
    program.write_text("#!/bin/sh\n")
    program.chmod(0o755)
    monkeypatch.setenv(variable, f"{program} --flag")
    monkeypatch.setattr(HostApp, "suspend", _no_suspend)
    sink, ref, run, app = _newest_in_tools()
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press(key)
        await app.workers.wait_for_complete()
        await pilot.pause()
    ((argv, seen),) = run.calls
    assert argv[:2] == [str(program), "--flag"] and Path(argv[2]).name == ref.name
    assert seen == sink.objects[ref.key]
    assert not Path(argv[2]).exists()  # the copy is gone once the program exits


async def test_a_missing_pager_is_one_notification_and_nothing_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PAGER", "no-such-pager-feedlab")
    _, _, run, app = _newest_in_tools()
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("p")
        await pilot.pause()
        (note,) = app._notifications
        assert "$PAGER names 'no-such-pager-feedlab'" in note.message and "\n" not in note.message
    assert run.calls == []


async def test_diff_tool_pushes_the_diff_of_the_selected_file() -> None:
    sink, refs = _two_batches()
    ref = max(r for r in refs if diff.feed_of(r))
    app = _tools_app(sink, refs, Recorder(), ref)
    async with app.run_test() as pilot:
        await pilot.pause()
        await pilot.press("d")
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert isinstance(app.screen, DiffScreen)
        assert app.screen.result is not None and app.screen.result.before is not None


def test_every_tool_has_a_unique_id_and_key_and_says_what_it_does() -> None:
    ids = [t.id for t in ALL_TOOLS]
    assert len(set(ids)) == len(ids)
    keys = [t.key for t in FILE_TOOLS]
    assert len(set(keys)) == len(keys) and all(len(k) == 1 for k in keys)
    assert all(t.title and t.help for t in ALL_TOOLS)


async def test_tools_menu_offers_the_file_tools_only_with_a_file_selected() -> None:
    chosen: list[str | None] = []
    app = HostApp(ToolsScreen(None), chosen.append)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("u")  # no file: refused, the menu stays
        await pilot.pause()
        assert isinstance(app.screen, ToolsScreen) and chosen == []
        (note,) = app._notifications
        assert "Select a file" in note.message
        await pilot.press("c")
        await pilot.pause()
    assert chosen == ["connect"]


async def test_tools_menu_enter_runs_the_highlighted_tool_and_shows_its_help() -> None:
    chosen: list[str | None] = []
    app = HostApp(ToolsScreen("a.csv"), chosen.append)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("down")  # the first line is a heading: the cursor skips it
        await pilot.pause()
        assert MENU_TOOLS[1].help == text_of(app.screen.query_one("#tools-help", Static))
        await pilot.press("enter")
        await pilot.pause()
    assert chosen == [MENU_TOOLS[1].id]


def test_tools_menu_letters_are_unique_and_clash_with_no_menu_key() -> None:
    letters = [menu_key(tool) for tool in MENU_TOOLS]
    assert len(set(letters)) == len(letters) and all(len(k) == 1 for k in letters)
    assert "q" not in letters  # closes the menu
