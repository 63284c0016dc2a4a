"""How long does the app take to start? (``make bench``, cases ``tui-start-*``)

Starts one app headless in this fresh interpreter and prints, as one JSON line,
the seconds from ``--t0`` (the parent's ``time.time()`` just before it started
this process, so interpreter start-up and imports count) to:

* ``first_frame``: the first screen has been painted (a callback after the first
  refresh of the app's first screen);
* ``servers_ready``: feedlab only, both mock servers accept connections (the
  tree stops saying "starting…"), which is when F5 can deliver.

``--app minimal`` is the peer: Textual's own minimal app, an ``App`` that
composes one ``Static``, measured the same way in the same run.

    .venv/bin/python benchmarks/tui_startup.py --app feedlab|minimal --size 80x24 --t0 T
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CONFIG = ROOT / "fixtures" / "feeds" / "welcome_csv_s3.toml"
#: Seconds after which a start that never became ready is reported as a failure.
TIMEOUT = 120.0


def run_minimal(t0: float, size: tuple[int, int]) -> dict[str, float]:
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    marks: dict[str, float] = {}

    class Minimal(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("Hello")

        def on_mount(self) -> None:
            self.call_after_refresh(self._painted)

        def _painted(self) -> None:
            marks["first_frame"] = time.time() - t0
            self.exit()

    Minimal().run(headless=True, size=size)
    return marks


def run_feedlab(t0: float, size: tuple[int, int]) -> dict[str, float]:
    from tui.app import FeedlabApp
    from tui.services.simulation import SimSettings

    marks: dict[str, float] = {}
    settings = SimSettings(seed=42, clock=datetime(2026, 11, 27, 9, tzinfo=UTC))

    class Timed(FeedlabApp):
        CSS_PATH = str(ROOT / "tui" / "app.tcss")  # relative paths resolve from this module

        def on_mount(self) -> None:
            super().on_mount()
            self.call_after_refresh(self._painted)
            self.set_interval(0.005, self._check_ready)
            self.set_timer(TIMEOUT, self.exit)

        def _painted(self) -> None:
            marks.setdefault("first_frame", time.time() - t0)

        def _check_ready(self) -> None:
            if "servers_ready" not in marks and self.main.files_tree.started:
                marks["servers_ready"] = time.time() - t0
                self.exit()

    Timed(CONFIG, settings=settings).run(headless=True, size=size)
    return marks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--app", choices=("feedlab", "minimal"), required=True)
    parser.add_argument("--size", default="80x24", help="terminal size, WxH")
    parser.add_argument("--t0", type=float, default=None, help="the parent's time.time()")
    args = parser.parse_args()
    t0 = args.t0 if args.t0 is not None else time.time()
    width, height = (int(n) for n in args.size.split("x"))
    run = run_feedlab if args.app == "feedlab" else run_minimal
    marks = run(t0, (width, height))
    print(json.dumps({"app": args.app, "size": args.size, **marks}))
    wanted = ("first_frame", "servers_ready") if args.app == "feedlab" else ("first_frame",)
    return 0 if all(key in marks for key in wanted) else 1


if __name__ == "__main__":
    sys.exit(main())
