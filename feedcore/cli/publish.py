"""``feedlab publish``: the production path — events in, files delivered (FS-8)."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from feedcore.cli.common import add_config_arg, config_from, parse_at, parse_seed
from feedcore.events import EventReader, open_events
from feedcore.sinks.base import SinkEvent
from feedcore.targets import TargetOptions, open_sink
from feedcore.writer import BatchResult, FeedWriter

log = logging.getLogger("feedcore.cli")


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "publish",
        help="export flow events (JSON Lines) to the configured target or a folder",
        description=(
            "Export flow events through the feed writer. With --to-dir the files go to "
            "DIR/{bucket or hostname}/{path}/... (a preview); otherwise to the configured "
            "S3 bucket (AWS credential chain, optional --endpoint-url) or SFTP server "
            "(--known-hosts, --user, --key or FEEDLAB_SFTP_PASSWORD)."
        ),
    )
    add_config_arg(parser)
    parser.add_argument("--events", required=True, metavar="FILE", help="JSON Lines; - = stdin")
    parser.add_argument("--at", metavar="ISO-TIME", help="export time (default: now, UTC)")
    parser.add_argument("--seed", metavar="S", help="seed for the random name parts")
    parser.add_argument(
        "--strict", action="store_true", help="stop at the first bad line, writing nothing"
    )
    add_target_args(parser)
    parser.set_defaults(func=run)


def add_target_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--to-dir", type=Path, metavar="DIR", help="write into a local folder")
    parser.add_argument("--endpoint-url", metavar="URL", help="S3 endpoint (e.g. a mock server)")
    parser.add_argument("--known-hosts", type=Path, metavar="FILE", help="SFTP known_hosts")
    parser.add_argument("--user", metavar="U", help="SFTP user name")
    parser.add_argument("--key", type=Path, metavar="FILE", help="SFTP private key")
    parser.add_argument(
        "--connect",
        metavar="ADDR:PORT",
        help="SFTP: connect here instead (names and URLs keep the configured host)",
    )


def target_options(args: argparse.Namespace) -> TargetOptions:
    return TargetOptions(
        to_dir=args.to_dir,
        endpoint_url=args.endpoint_url,
        known_hosts=args.known_hosts,
        user=args.user,
        key=args.key,
        connect=args.connect,
    )


def _log_step(event: SinkEvent) -> None:
    size = f" ({event.size:,} bytes)" if event.size is not None else ""
    detail = f" {event.detail}" if event.detail else ""
    log.info("%s %s%s%s", event.action, event.key, size, detail)


def print_summary(result: BatchResult, out: Any = None) -> None:
    out = out or sys.stdout
    for f in result.files:
        print(f"{f.operation:<6} {f.rows:>9,} rows  {f.url}", file=out)
    filtered = f", {result.filtered:,} excluded by the condition" if result.filtered else ""
    print(
        f"exported {result.exported:,} of {result.events:,} events as {result.rows:,} rows "
        f"in {len(result.files)} data file(s){filtered}",
        file=out,
    )
    for message, count in sorted(result.warnings.items()):
        print(f"feedlab: warning: {message} ({count:,}x) [FS-2.5]", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    config = config_from(args)
    at = parse_at(args.at)
    sink = open_sink(config, target_options(args), listeners=[_log_step])
    variants = {v.name for v in config.flow.variants}
    try:
        with open_events(args.events) as stream:
            reader = EventReader(
                stream, variants=variants, strict=args.strict, source=str(args.events)
            )
            result = FeedWriter(config, sink, seed=parse_seed(args.seed)).export(reader, at=at)
    finally:
        sink.close()
    for problem in reader.problems:
        print(f"feedlab: {args.events}: {problem} (skipped)", file=sys.stderr)
    print_summary(result)
    if reader.problems:
        print(f"{len(reader.problems)} bad line(s) skipped; see above", file=sys.stderr)
    return 0
