"""``feedlab tui [CONFIG]`` (and bare ``feedlab``): the Textual app (FS-8).

Textual and the app are imported only when the command runs, so every other
command starts without them.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from feedlab.cli.common import require_extra


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
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    require_extra("the app")
    from tui.app import FeedlabApp  # textual is loaded only for this command

    app = FeedlabApp(args.config)
    app.run()
    code = app.return_code
    return int(code) if isinstance(code, int) else 0
