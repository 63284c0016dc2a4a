"""``feedlab simulate``: a whole simulated flow through the real protocol (FS-8).

Exports go through the same writer and the real S3/SFTP sink to the embedded
mock server of the config's target; afterwards everything that server holds
is downloaded into ``--out DIR/{bucket or hostname}/...``, so what lands on
disk is what a client's poller would have fetched.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path
from typing import Any

from feedcore.config import FeedConfig
from feedcore.errors import FeedError
from feedcore.sinks.base import Sink
from feedcore.sinks.local import LocalSink
from feedcore.targets import local_root
from feedcore.writer import FeedWriter, Progress
from feedlab.cli.common import add_config_arg, config_from, parse_at, parse_seed, require_extra
from feedlab.cli.publish import print_summary


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "simulate",
        help="simulate a flow, export it to the embedded mock target, download the result",
    )
    add_config_arg(parser)
    parser.add_argument(
        "--contacts", type=int, required=True, metavar="N", help="contacts entering"
    )
    parser.add_argument("--exits", type=int, default=0, metavar="M", help="of them, exiting")
    parser.add_argument("--days", type=int, default=1, metavar="D", help="daily exports")
    parser.add_argument("--seed", metavar="S", default="0", help="seed (default 0)")
    parser.add_argument("--at", metavar="ISO-TIME", help="first export time (default: now)")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="download here")
    parser.set_defaults(func=run)


def embedded_sink(config: FeedConfig) -> contextlib.AbstractContextManager[Sink]:
    """A sink to a fresh in-process mock of ``config``'s target (names keep the configured host)."""
    from mock_targets.embedded import embedded_sink as open_embedded

    return open_embedded(config)


def download(source: Sink, target: LocalSink) -> int:
    """Copy every file the server holds (temporary files too: verify should see them)."""
    from feedcore.sinks.base import Payload

    count = 0
    for info in source.list():
        target_path = target.root.joinpath(*info.key.split("/"))
        target_path.parent.mkdir(parents=True, exist_ok=True)
        if info.key.rpartition("/")[2].startswith("."):
            target_path.write_bytes(source.read(info.key))
        else:
            target.put(info.key, Payload.from_bytes(source.read(info.key)))
        count += 1
    return count


def run(args: argparse.Namespace) -> int:
    require_extra("simulate (the mock servers and the simulator)", ("moto", "faker"))
    from feedcore.simulate import plan_batches

    config = config_from(args)
    seed = parse_seed(args.seed)
    batches = plan_batches(
        config,
        contacts=args.contacts,
        exits=args.exits,
        days=args.days,
        at=parse_at(args.at),
        seed=seed if seed is not None else 0,
    )
    interactive = sys.stderr.isatty()

    def progress(p: Progress) -> None:
        if interactive and p.phase == "encode":
            print(f"\r  {p.events:,} events, {p.rows:,} rows", end="", file=sys.stderr)

    out = local_root(args.out, config)
    try:
        with embedded_sink(config) as sink:
            writer = FeedWriter(config, sink, seed=seed, progress=progress)
            for number, batch in enumerate(batches, start=1):
                print(
                    f"export {number}/{len(batches)} at {batch.at:%Y-%m-%d %H:%M:%S} UTC "
                    f"({len(batch):,} {batch.type} events)"
                )
                result = writer.export(batch, at=batch.at)
                if interactive:
                    print(file=sys.stderr)
                print_summary(result)
            files = download(sink, LocalSink(out))
    except OSError as exc:
        raise FeedError(f"simulate failed: {exc.strerror or exc}") from None
    print(f"downloaded {files} file(s) from the mock {config.feed.target} server into {out}")
    return 0
