"""``feedlab tui [CONFIG]`` (and bare ``feedlab``): the Textual app (FS-8).

Textual and the app are imported only when the command runs, so every other
command starts without them.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from feedlab.cli.common import parse_at, require_extra


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "tui",
        help="the Textual app: build a feed, simulate a flow, watch files land, preview them",
        description=(
            "Open the feedlab app with in-process mock S3 and SFTP servers. CONFIG is a feed "
            "config (TOML); a file that does not exist yet is created on save (ctrl+s)."
        ),
    )
    parser.add_argument("config", nargs="?", type=Path, help="feed config (TOML) to open")
    parser.add_argument(
        "--at",
        metavar="ISO-TIME",
        help="the simulated clock's start (default: now, UTC); as simulate/publish --at",
    )
    parser.add_argument(
        "--seed", type=int, default=42, metavar="S", help="the simulation's seed (default 42)"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    require_extra("the app")
    from tui.app import FeedlabApp  # textual is loaded only for this command
    from tui.services.simulation import SimSettings, default_clock

    clock = parse_at(args.at).replace(microsecond=0) if args.at else default_clock()
    app = FeedlabApp(args.config, settings=SimSettings(seed=args.seed, clock=clock))
    app.run()
    code = app.return_code
    return int(code) if isinstance(code, int) else 0
