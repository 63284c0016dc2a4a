"""``feedlab demo CONFIG --out FILE.zip``: a client demo bundle (FS-8).

The bundle holds a sample export in its real layout (grown past ``--contacts``
when needed to show every variant, both operations and an awkward value), an
``index.html`` and README describing it for this config, the control file's JSON
Schema, a poller script, and an SVG screenshot of the app; see :mod:`feedcore.demo`.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from feedcore.demo import DEMO_AT, DEMO_CONTACTS, DEMO_EXITS, DEMO_SEED, build_demo
from feedcore.errors import FeedError
from feedlab.cli.common import add_config_arg, config_from, parse_at, require_extra


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "demo",
        help="write a client demo bundle: sample export, index.html, README, schema, "
        "poller, app screenshot (zip)",
    )
    add_config_arg(parser)
    parser.add_argument("--out", required=True, type=Path, metavar="FILE.zip", help="zip to write")
    parser.add_argument(
        "--contacts",
        type=int,
        default=DEMO_CONTACTS,
        help=f"contacts entering, at least (default {DEMO_CONTACTS}; more when needed to show "
        "every variant, both operations and an awkward value)",
    )
    parser.add_argument(
        "--exits",
        type=int,
        default=DEMO_EXITS,
        help=f"of them exiting a day later, at least (default {DEMO_EXITS}; 0: no remove file)",
    )
    parser.add_argument("--seed", type=int, default=DEMO_SEED, help=f"default {DEMO_SEED}")
    parser.add_argument(
        "--at",
        default=DEMO_AT.isoformat(),
        metavar="ISO-TIME",
        help=f"export time of the first batch (default {DEMO_AT.isoformat()})",
    )
    parser.add_argument("--no-screenshot", action="store_true", help="leave out the app screenshot")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = config_from(args)
    if args.contacts < 1 or not 0 <= args.exits <= args.contacts:
        raise FeedError("--contacts must be at least 1 and --exits between 0 and --contacts")
    if args.no_screenshot:
        require_extra("demo (the simulator)", ("faker",))
    else:
        require_extra("demo (the simulator and the app's screenshot)", ("faker", "textual"))
    renderer = None
    if not args.no_screenshot:
        from tui.screenshot import render  # textual is loaded only to draw the screenshot

        renderer = render
    bundle = build_demo(
        config,
        args.out,
        screenshot=renderer,
        name=Path(args.config).name,
        seed=args.seed,
        at=parse_at(args.at),
        contacts=args.contacts,
        exits=args.exits,
    )
    rows = sum(result.rows for result in bundle.batches)
    entered = bundle.batches[0].events
    left = bundle.batches[1].events if len(bundle.batches) > 1 else 0
    print(
        f"wrote {bundle.path}: {len(bundle.members)} files ({rows} sample rows; "
        f"{entered} contacts entering, {left} exiting)"
    )
    for member in bundle.members:
        print(f"  {member}")
    return 0
