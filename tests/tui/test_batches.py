"""F5 shows what it did, the clock moves between batches, and the app's names are the
command line's (FS-8: the same config, ``--seed`` and ``--at`` make the same names)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input

from feedlab.cli import main as cli
from tests.tui.conftest import CLOCK, export, files_of, main_of, make_app, settle
from tui.screens.path_prompt import PathPrompt
from tui.services.preview import kind_of


def local_files(root: Path) -> dict[str, bytes]:
    """Key -> bytes of every final file under ``root`` (the bucket folder)."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


async def test_f5_selects_and_marks_the_new_batch_and_the_clock_moves(welcome: Path) -> None:
    async with make_app(welcome).run_test(size=(200, 50)) as pilot:
        await export(pilot)
        main = main_of(pilot)
        (first,) = files_of(pilot, "data")
        assert main.preview.ref == first and main.files_tree.cursor_node.data == first  # type: ignore[union-attr]
        assert pilot.app.query_one("#sim-clock", Input).value == "2026-11-27 09:01:00"
        await pilot.press("f5")
        await settle(pilot)
        data = files_of(pilot, "data")
        assert len(data) == 2
        (second,) = [ref for ref in data if ref != first]
        assert first.name[-18:-4] == "20261127090000" and second.name[-18:-4] == "20261127090100"
        assert main.preview.ref == second  # the newest batch is the one shown
        labels = {ref: str(node.label) for ref, node in main.files_tree.files.items()}
        assert "◀ batch 2" in labels[second] and "◀ batch" not in labels[first]
        controls = [ref for ref in labels if kind_of(ref.name) == "control"]
        assert sum("◀ batch 2" in labels[ref] for ref in controls) == 1


async def test_a_clock_set_back_by_the_user_warns_of_the_same_names(welcome: Path) -> None:
    async with make_app(welcome).run_test(size=(200, 50)) as pilot:
        await export(pilot)
        pilot.app.query_one("#sim-clock", Input).value = "2026-11-27 09:00:00"  # the user fixes it
        await pilot.pause()
        await pilot.press("f5")
        await settle(pilot)
        history = "\n".join(main_of(pilot).activity.history)
        assert "same time as batch 1: same file names" in history
        assert len(files_of(pilot, "data")) == 1  # replaced, as the CLI would


async def test_fs8_first_batch_is_feedlab_simulate_with_the_same_seed_and_at(
    welcome: Path, tmp_path: Path
) -> None:
    async with make_app(welcome).run_test(size=(200, 50)) as pilot:
        await export(pilot)
        main = main_of(pilot)
        app_files = {ref.key: main.targets.read(ref)[0] for ref in main.files_tree.files}
        await pilot.press("ctrl+t")
        await pilot.pause()
        copied = pilot.app.clipboard
    assert copied.startswith("feedlab simulate ")
    assert "--contacts 20 --seed 42 --at 2026-11-27T09:00:00Z" in copied
    out = tmp_path / "out"
    at = CLOCK.strftime("%Y-%m-%dT%H:%M:%SZ")
    argv = ["simulate", str(welcome), "--contacts", "20", "--seed", "42", "--at", at]
    assert cli([*argv, "--out", str(out)]) == 0
    cli_files = local_files(out / "acme-data-feeds")
    assert sorted(cli_files) == sorted(app_files)  # the same keys...
    assert cli_files == app_files  # ...and the same bytes


async def test_fs8_a_later_batch_is_feedlab_publish_of_its_events(
    welcome: Path, tmp_path: Path
) -> None:
    events = tmp_path / "batch-2.jsonl"
    async with make_app(welcome, exiting=5).run_test(size=(200, 50)) as pilot:
        await export(pilot)
        await pilot.press("f5")  # 20 more enter, 5 of the first exit, a minute later
        await settle(pilot)
        main = main_of(pilot)
        plan = main.workbench.last_plan
        assert plan is not None and plan.number == 2
        batch = {  # batch 2's files: exported at 09:01, the clock having moved a minute
            ref.key: main.targets.read(ref)[0]
            for ref in main.files_tree.files
            if "_20261127090100." in ref.name
        }
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert isinstance(pilot.app.screen, PathPrompt)
        pilot.app.screen.query_one(Input).value = str(events)
        await pilot.press("enter")
        await settle(pilot)
        copied = pilot.app.clipboard
    assert copied.startswith("feedlab publish ") and f"--events {events}" in copied
    assert "--seed 42 --at 2026-11-27T09:01:00Z" in copied
    out = tmp_path / "out"
    argv = ["publish", str(welcome), "--events", str(events), "--seed", "42"]
    argv += ["--at", "2026-11-27T09:01:00Z", "--to-dir", str(out), "--no-journal"]
    assert cli(argv) == 0
    cli_files = local_files(out / "acme-data-feeds")
    assert len(batch) == 4  # add and remove: a data and a control file each
    assert sorted(cli_files) == sorted(batch)
    assert cli_files == batch
