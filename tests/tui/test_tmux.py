"""``feedlab tui`` in a real terminal (tmux, 200x50): F5 lands files on screen, ctrl+q exits 0."""

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

DATA_RE = re.compile(r"acme_1234_add_[0-9a-f]{8}_\d{14}\.csv")
TIMEOUT = 20.0


def _poll(condition: Callable[[], bool], what: str, screen: Callable[[], str]) -> None:
    """Bounded polling: check every 0.2 s for at most :data:`TIMEOUT` seconds."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    pytest.fail(f"timed out waiting for {what}; screen:\n{screen()}")


def test_tui_in_tmux_f5_then_ctrl_q_exits_zero(tmp_path: Path) -> None:
    feedlab = Path(sys.executable).parent / "feedlab"
    exit_file = tmp_path / "exit-status"
    # A private tmux server (socket in tmp_path) started with this test's environment.
    tmux = ["tmux", "-S", str(tmp_path / "tmux.sock"), "-f", os.devnull]
    # An explicit environment: something in the test process putenv()s COLUMNS=80 and
    # LINES=24 at the C level, which a child would inherit and the app would obey.
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    command = (
        f"cd {ROOT} && {feedlab} tui fixtures/feeds/welcome_csv_s3.toml; echo EXIT=$? > {exit_file}"
    )
    subprocess.run(
        [*tmux, "new-session", "-d", "-s", "feedlab", "-x", "200", "-y", "50", "sh", "-c", command],
        check=True,
        env=env,
    )

    def screen() -> str:
        result = subprocess.run(
            [*tmux, "capture-pane", "-p", "-t", "feedlab"], capture_output=True, text=True, env=env
        )
        return result.stdout

    try:
        _poll(lambda: "F5 exports a batch" in screen(), "the mock servers", screen)
        subprocess.run([*tmux, "send-keys", "-t", "feedlab", "F5"], check=True, env=env)

        def landed() -> bool:
            text = screen()
            match = DATA_RE.search(text)
            return bool(match) and f"control_{match.group(0)[:-4]}.json" in text

        _poll(landed, "the data file and its control file", screen)
        subprocess.run([*tmux, "send-keys", "-t", "feedlab", "C-q"], check=True, env=env)
        _poll(exit_file.exists, "the app to exit", screen)
        assert exit_file.read_text().strip() == "EXIT=0"
    finally:
        subprocess.run([*tmux, "kill-server"], capture_output=True, env=env)
