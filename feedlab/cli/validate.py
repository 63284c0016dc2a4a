"""``feedlab validate CONFIG``: exit 0 valid, 2 invalid (one error per line, FS-8)."""

from __future__ import annotations

import argparse
from typing import Any

from feedlab.cli.common import add_config_arg, config_from


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "validate", help="check a feed config (exit 0 valid, 2 invalid)"
    )
    add_config_arg(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    config = config_from(args)
    feed = config.feed
    variants = ", ".join(v.name for v in config.flow.variants) or "none"
    print(
        f"{args.config}: valid feed for {config.client}, flow {config.flow.id} "
        f"({feed.format}, {feed.target}://{feed.host}/{feed.path}; variants: {variants}; "
        f"columns: {', '.join(config.columns)})"
    )
    return 0
