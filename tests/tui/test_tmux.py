"""``feedlab tui`` in a real terminal (tmux): F5 alone brings the new data file's
preview, header and rows, on screen at 80x24 and 120x30 as at 200x50; ctrl+q exits 0."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.tui.conftest import ROOT

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")

DATA_RE = re.compile(r"acme_1234_add_[0-9a-f]{8}_20261127090000\.csv")
ROW_RE = re.compile(r"│\s*1\s+[a-z.0-9]+@example\.")  # row 1 of the table: an address
TIMEOUT = 30.0


def _poll(condition: Callable[[], bool], what: str, screen: Callable[[], str]) -> None:
    """Bounded polling: check every 0.2 s for at most :data:`TIMEOUT` seconds."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}; screen:\n{screen()}")


@pytest.mark.parametrize("size", [(80, 24), (120, 30), (200, 50)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_tui_in_tmux_f5_alone_shows_the_preview_then_ctrl_q_exits_zero(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    feedlab = Path(sys.executable).parent / "feedlab"
    exit_file = tmp_path / "exit-status"
    # A private tmux server (socket in tmp_path) started with this test's environment.
    tmux = ["tmux", "-S", str(tmp_path / "tmux.sock"), "-f", os.devnull]
    # An explicit environment: something in the test process putenv()s COLUMNS=80 and
    # LINES=24 at the C level, which a child would inherit and the app would obey.
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    command = (
        f"cd {ROOT} && {feedlab} tui fixtures/feeds/welcome_csv_s3.toml "
        f"--at 2026-11-27T09:00:00Z; echo EXIT=$? > {exit_file}"
    )
    width, height = (str(n) for n in size)
    subprocess.run(
        [
            *tmux,
            "new-session",
            "-d",
            "-s",
            "feedlab",
            "-x",
            width,
            "-y",
            height,
            "sh",
            "-c",
            command,
        ],
        check=True,
        env=env,
    )

    def screen() -> str:
        result = subprocess.run(
            [*tmux, "capture-pane", "-p", "-t", "feedlab"], capture_output=True, text=True, env=env
        )
        return result.stdout

    try:
        _poll(lambda: "Export batch" in screen() and "Help" in screen(), "the app", screen)
        subprocess.run([*tmux, "send-keys", "-t", "feedlab", "F5"], check=True, env=env)

        def previewed() -> bool:
            text = screen()
            title = DATA_RE.search(text)  # the preview's title names the new file
            return bool(title) and "identifier" in text and bool(ROW_RE.search(text))

        _poll(previewed, "the new data file's preview: its name, header and rows", screen)
        text = screen()
        assert "timestamp" in text  # the header's second column
        subprocess.run([*tmux, "send-keys", "-t", "feedlab", "C-q"], check=True, env=env)
        _poll(exit_file.exists, "the app to exit", screen)
        assert exit_file.read_text().strip() == "EXIT=0"
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True, env=env)
