"""``feedlab publish``: the production path — events in, files delivered (FS-8).

A plain rerun of the same publish is idempotent thanks to the batch journal
(:mod:`feedcore.journal`): see ``feedlab publish --help``.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from pathlib import Path
from typing import Any

from feedcore.config import FeedConfig
from feedcore.errors import FeedError
from feedcore.events import EventReader
from feedcore.eventsource import EventSource, open_source
from feedcore.journal import (
    STATE_ENV,
    BatchJournal,
    BatchRecord,
    JournalObserver,
    batch_key,
)
from feedcore.sinks.base import SinkEvent
from feedcore.targets import TargetSpec, open_sink, target_location
from feedcore.writer import BatchNames, BatchResult, FeedWriter
from feedlab.cli.common import add_config_arg, config_from, parse_at, parse_seed
from feedlab.cli.targets import config_target

log = logging.getLogger("feedlab.cli")

JOURNAL_HELP = f"""\
batch journal (FS-6.3): a plain rerun of the same publish is idempotent.
  The batch key is the SHA-256 of the canonical config, the events file's bytes
  and the target location (plus --at/--seed when given). Before the first byte
  is sent, publish records the export time and the random name parts under the
  key; after each file, the file; at the end, that the batch is complete.
  Rerunning the same command after a failure or a crash reuses the export time
  and random parts (identical names and bytes) and sends only what is missing;
  rerunning it after success prints the files already delivered and writes
  nothing. --new-batch exports the same events again as a new batch.
  State folder: --state-dir, else ${STATE_ENV}, else
  $XDG_STATE_HOME/feedlab/batches, else ~/.local/state/feedlab/batches.
"""


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
        epilog=JOURNAL_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_config_arg(parser)
    parser.add_argument("--events", required=True, metavar="FILE", help="JSON Lines; - = stdin")
    parser.add_argument("--at", metavar="ISO-TIME", help="export time (default: now, UTC)")
    parser.add_argument("--seed", metavar="S", help="seed for the random name parts")
    parser.add_argument(
        "--strict", action="store_true", help="stop at the first bad line, writing nothing"
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=min(2, os.cpu_count() or 1),
        metavar="N",
        help="processes that encode a large events file (default: up to 2; 1 = no split)",
    )
    add_target_args(parser)
    parser.add_argument(
        "--state-dir",
        type=Path,
        metavar="DIR",
        help=f"batch journal folder (default: ${STATE_ENV}, else "
        "$XDG_STATE_HOME/feedlab/batches, else ~/.local/state/feedlab/batches)",
    )
    parser.add_argument(
        "--no-journal",
        action="store_true",
        help="neither consult nor record the batch journal (a rerun then reuses names "
        "only with the same --seed and --at)",
    )
    parser.add_argument(
        "--new-batch",
        action="store_true",
        help="export as a new batch even if the journal holds this one (new names)",
    )
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


def _log_step(event: SinkEvent) -> None:
    if event.action == "retry":
        return  # the writer logs each attempt itself (feedcore.writer)
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


def print_problems(reader: EventReader, name: str) -> None:
    """Each kept bad line on stderr (FS-7), then how many more there were."""
    for problem in reader.problems:
        print(f"feedlab: {name}: {problem} (skipped)", file=sys.stderr)
    more = reader.bad_lines - len(reader.problems)
    if more:
        print(f"feedlab: {name}: {more:,} more bad line(s) not listed", file=sys.stderr)


def print_already_delivered(record: BatchRecord, journal: BatchJournal, out: Any = None) -> None:
    out = out or sys.stdout
    print(
        f"already delivered: batch {record.key[:12]} (same config, events and target) was "
        f"completed at {record.updated}; nothing written. Pass --new-batch to export "
        "these events again as a new batch.",
        file=out,
    )
    for f in record.files:
        print(f"{f.get('operation', '?'):<6} {f.get('rows', 0):>9,} rows  {f.get('url')}", file=out)
    log.info("batch journal: %s", journal.path(record.key))


class _Batch:
    """The names to deliver under and, with the journal, who records the delivery."""

    def __init__(
        self,
        names: BatchNames,
        journal: BatchJournal | None = None,
        record: BatchRecord | None = None,
    ) -> None:
        self.names = names
        self.journal = journal
        self.record = record
        self.observer = JournalObserver(journal, record) if journal and record else None

    def recorded(self) -> bool:
        return (
            self.journal is not None
            and self.record is not None
            and (self.journal.path(self.record.key).exists())
        )


def _open_batch(
    args: argparse.Namespace,
    config: FeedConfig,
    spec: TargetSpec,
    events: EventSource,
    stack: contextlib.ExitStack,
) -> _Batch | None:
    """The batch to export, or None when the journal says it was already delivered."""
    if args.no_journal:
        return _Batch(BatchNames(config, parse_at(args.at), parse_seed(args.seed)))
    at = parse_at(args.at)  # a bad --at fails before the journal is touched
    location = target_location(spec)
    assert events.digest is not None  # opened with a digest whenever the journal is used
    key = batch_key(config, events.digest, location, at=args.at, seed=args.seed)
    journal = BatchJournal(args.state_dir)
    stack.enter_context(journal.lock(key))
    record = None if args.new_batch else journal.load(key)
    if record is not None and record.complete:
        print_already_delivered(record, journal)
        return None
    if record is not None:
        log.info(
            "resuming batch %s from %s (%d file(s) already delivered)",
            key[:12],
            journal.path(key),
            len(record.files),
        )
        try:
            names = record.names(config)
        except ValueError as exc:
            raise FeedError(
                f"batch journal {journal.path(key)} is unusable ({exc}); pass --new-batch"
            ) from None
        return _Batch(names, journal, record)
    seed = parse_seed(args.seed)
    record = BatchRecord(key=key, at=at.isoformat(), seed=seed, target=location)
    log.info("new batch %s, journal %s", key[:12], journal.path(key))
    return _Batch(BatchNames(config, at, seed), journal, record)


def run(args: argparse.Namespace) -> int:
    config = config_from(args)
    spec = config_target(config, args)
    with contextlib.ExitStack() as stack:
        # Read once: hashed (and a stream copied) here, then read by the export.
        events = stack.enter_context(open_source(args.events, digest=not args.no_journal))
        batch = _open_batch(args, config, spec, events, stack)
        if batch is None:
            return 0
        sink = open_sink(spec, listeners=[_log_step])
        variants = {v.name for v in config.flow.variants}
        reader = EventReader(events, variants=variants, strict=args.strict, source=args.events)
        try:
            writer = FeedWriter(config, sink, seed=batch.names.seed, workers=args.workers)
            log.debug("delivering to %s with %r", sink.label, writer.retry)
            result = writer.export(reader, names=batch.names, observer=batch.observer)
        except FeedError as exc:
            print_problems(reader, args.events)
            if not batch.recorded():
                raise
            print(f"feedlab: {exc}", file=sys.stderr)
            assert batch.record is not None
            print(
                f"feedlab: batch {batch.record.key[:12]} is incomplete: rerun the same command "
                "to finish it (same names and bytes; nothing is duplicated) [FS-6.3]",
                file=sys.stderr,
            )
            return 1
        finally:
            sink.close()
    print_problems(reader, args.events)
    print_summary(result)
    if reader.bad_lines:
        print(f"{reader.bad_lines:,} bad line(s) skipped; see above", file=sys.stderr)
    return 0
