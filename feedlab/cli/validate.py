"""``feedlab validate CONFIG``: exit 0 valid, 2 invalid (one error per line, FS-8).

A valid config may still draw warnings (:mod:`feedcore.lint`): an attribute the
simulator does not produce, actions that cannot apply. They go to stderr, one per
line prefixed ``feedlab: warning:``, and the exit stays 0: real events may carry
attributes the simulator does not, so a warning must not fail a CI job.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from feedcore.lint import lint_config
from feedlab.cli.common import add_config_arg, config_from

WARNING_PREFIX = "feedlab: warning:"


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "validate", help="check a feed config (exit 0 valid, 2 invalid; warnings on stderr)"
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
    for warning in lint_config(config):
        print(f"{WARNING_PREFIX} {args.config}: {warning}", file=sys.stderr)
    return 0
