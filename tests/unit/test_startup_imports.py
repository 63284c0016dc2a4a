"""Start-up (issue 14): ``feedlab validate`` and a one-event ``feedlab publish --to-dir``
import only what the run needs.

Each command runs in a fresh interpreter that reports, after ``main`` returns, which
modules it loaded. Nothing is timed: what is pinned is the set of packages left out
(the config model's old pydantic, the cloud SDKs, the app, the mock servers, the
simulator's faker, asyncio and multiprocessing, the other commands' modules), which
is where the start-up time went (docs/performance.md, "Start-up").
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import inputs
from feedlab.cli import COMMANDS, build_parser, named_command

ROOT = Path(__file__).resolve().parents[2]
#: Never needed to validate a config or publish to a folder.
NEVER = ("pydantic", "boto3", "botocore", "asyncssh", "textual", "moto", "faker", "tui")
#: Only a large input (the two-process split) or an async caller needs these.
ONLY_WHEN_NEEDED = ("asyncio", "multiprocessing", "concurrent")
#: Modules of other commands and of work a small publish does not do.
OTHER_WORK = (
    "feedcore.verify",
    "feedcore.simulate",
    "feedcore.demo",
    "feedcore.sinks.s3",
    "feedcore.sinks.sftp",
    "feedcore.loopthread",
    *(f"feedlab.cli.{name}" for name in COMMANDS if name not in ("validate", "publish")),
)

#: The benchmark feed: one action, two plain ``{{ contact.NAME }}`` contexts.
CONFIG = inputs.config_toml("csv")
EVENT = (
    '{"type":"enter","email":"ann@example.com","attributes":{"first_name":"Ann","city":"Oslo"}}\n'
)


def _loaded_after(argv: list[str], cwd: Path) -> set[str]:
    """Every module name loaded by ``feedlab ARGV`` run in a fresh interpreter."""
    probe = (
        "import json, sys\n"
        "from feedlab.cli import main\n"
        f"code = main({argv!r})\n"
        "print(json.dumps({'code': code, 'modules': sorted(sys.modules)}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, check=True
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["code"] == 0, done.stderr
    return set(report["modules"])


def _packages(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "feed.toml"
    path.write_text(CONFIG, encoding="utf-8")
    return path


def _publish(config: Path, tmp_path: Path) -> set[str]:
    events = tmp_path / "one.jsonl"
    events.write_text(EVENT, encoding="utf-8")
    argv = ["publish", str(config), "--events", str(events), "--to-dir", str(tmp_path / "out")]
    loaded = _loaded_after([*argv, "--state-dir", str(tmp_path / "state")], tmp_path)
    assert list((tmp_path / "out").rglob("*.csv")), "the publish wrote no data file"
    return loaded


def test_fs8_validate_imports_no_sdk_app_model_or_other_command(
    config: Path, tmp_path: Path
) -> None:
    loaded = _loaded_after(["validate", str(config)], tmp_path)
    assert "feedcore.config" in loaded  # the probe sees what the command imported
    assert _packages(loaded) & {*NEVER, *ONLY_WHEN_NEEDED} == set()
    # feedcore.lint's warnings name the simulator's attributes (feedcore.simulate, no faker).
    others = set(OTHER_WORK) - {"feedcore.simulate"}
    assert loaded & {*others, "feedcore.writer", "feedlab.cli.publish"} == set()


def test_fs8_publish_of_one_event_to_a_folder_imports_only_the_writer_path(
    config: Path, tmp_path: Path
) -> None:
    loaded = _publish(config, tmp_path)
    assert {"feedcore.writer", "feedcore.journal", "feedcore.sinks.local"} <= loaded
    assert _packages(loaded) & {*NEVER, *ONLY_WHEN_NEEDED} == set()
    assert loaded & set(OTHER_WORK) == set()


def _imports_jinja2_at_module_level(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in tree.body:
        names = (
            [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else []
        )
        if any(name.split(".")[0] == "jinja2" for name in names):
            return True
    return False


@pytest.mark.xfail(
    _imports_jinja2_at_module_level(ROOT / "feedcore" / "templating.py"),
    reason="feedcore.templating still imports Jinja2 at module level (lazy import: its owner)",
    strict=True,
)
@pytest.mark.parametrize("command", ["validate", "publish"])
def test_fs2_5_plain_lookups_never_load_jinja2(command: str, config: Path, tmp_path: Path) -> None:
    if command == "validate":
        loaded = _loaded_after(["validate", str(config)], tmp_path)
    else:
        loaded = _publish(config, tmp_path)
    assert "jinja2" not in _packages(loaded)


@pytest.mark.parametrize(
    ("argv", "command"),
    [
        (["validate", "x.toml"], "validate"),
        (["-v", "publish", "x.toml"], "publish"),
        (["-vv", "verify", "out"], "verify"),
        ([], None),
        (["-h"], None),
        (["no-such-command"], None),
        (["x.toml", "validate"], None),  # the first word is the command
    ],
)
def test_fs8_the_command_is_the_first_word(argv: list[str], command: str | None) -> None:
    assert named_command(argv) == command


def test_fs8_a_named_command_builds_only_its_parser_and_help_lists_all() -> None:
    only = build_parser("validate")
    assert only.get_default("available") == {"validate"}
    every = build_parser()
    assert every.get_default("available") == set(COMMANDS)
    assert all(name in every.format_help() for name in COMMANDS)
