"""``feedlab publish``: the production path — events in, files delivered (FS-8).

The batch workflow is the library's (:func:`feedcore.batch.publish_batch`):
this module parses the flags, calls it, and says what happened in the
command line's terms (the flags that fix a problem). See ``feedlab publish --help``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from feedcore.batch import PublishOutcome, journal_default, publish_batch
from feedcore.errors import (
    BadLineError,
    BatchLockedError,
    FeedError,
    IncompleteBatchError,
    JournalReadError,
    JournalWriteError,
    LineProblem,
)
from feedcore.eventsource import read_events
from feedcore.journal import STATE_ENV
from feedcore.sinks.base import SinkEvent
from feedcore.targets import target_location
from feedcore.writer import BatchResult
from feedlab.cli import EXIT_FAILED, EXIT_MISSING, EXIT_OK, EXIT_USAGE
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
  rerunning it after success checks that the target still holds every control
  file (one HEAD/stat each): if so it prints the files already delivered and
  writes nothing; if some are gone it says how many (exit {EXIT_MISSING}) and writes
  nothing, and --resend-missing writes exactly those again under the same names
  and bytes. --new-batch exports the same events again as a new batch.
  A --to-dir preview keeps no journal (a deleted preview run again is written
  again); --journal gives it one.
  State folder: --state-dir, else ${STATE_ENV}, else
  $XDG_STATE_HOME/feedlab/batches, else ~/.local/state/feedlab/batches.
exit status: 0 delivered (or already delivered), 1 failed, 2 usage,
  {EXIT_MISSING} complete in the journal but files missing at the target.
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
    journal = parser.add_mutually_exclusive_group()
    journal.add_argument(
        "--no-journal",
        dest="journal",
        action="store_false",
        default=None,
        help="neither consult nor record the batch journal (a rerun then reuses names "
        "only with the same --seed and --at)",
    )
    journal.add_argument(
        "--journal",
        dest="journal",
        action="store_true",
        help="keep the batch journal for a --to-dir preview too (default: only for S3/SFTP)",
    )
    parser.add_argument(
        "--new-batch",
        action="store_true",
        help="export as a new batch even if the journal holds this one (new names)",
    )
    parser.add_argument(
        "--resend-missing",
        action="store_true",
        help="for a batch the journal holds as complete: write the files the target lost "
        "again, under the same names and bytes",
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


def print_problems(problems: Sequence[LineProblem], bad_lines: int, name: str) -> None:
    """Each kept bad line on stderr (FS-7), then how many more there were."""
    for problem in problems:
        print(f"feedlab: {name}: {problem} (skipped)", file=sys.stderr)
    more = bad_lines - len(problems)
    if more:
        print(f"feedlab: {name}: {more:,} more bad line(s) not listed", file=sys.stderr)


def print_already_delivered(outcome: PublishOutcome, out: Any = None) -> None:
    out = out or sys.stdout
    assert outcome.record is not None and outcome.key is not None
    print(
        f"already delivered: batch {outcome.key[:12]} (same config, events and target) was "
        f"completed at {outcome.record.updated} and its {len(outcome.files)} control file(s) "
        "are at the target; nothing written. Pass --new-batch to export these events again "
        "as a new batch.",
        file=out,
    )
    for f in outcome.files:
        print(f"{f.operation:<6} {f.rows:>9,} rows  {f.url}", file=out)
    log.info("batch journal: %s", outcome.journal_path)


def missing_line(outcome: PublishOutcome, where: str) -> str:
    """The one line for a complete batch whose control files are gone (FS-6.3)."""
    assert outcome.record is not None and outcome.key is not None
    return (
        f"missing at target: batch {outcome.key[:12]} was completed at "
        f"{outcome.record.updated}, but {len(outcome.missing)} of {len(outcome.files)} control "
        f"file(s) are gone from {where} (first: {outcome.missing[0]}); nothing written. "
        "Pass --resend-missing to write them again under the same names and bytes, or "
        "--new-batch to export these events as a new batch [FS-6.3]"
    )


def cli_message(exc: FeedError) -> str:
    """A library error in the command line's terms: the flag that fixes it."""
    if isinstance(exc, BadLineError):
        return f"{exc.source}: {exc.problem} (--strict: stopped before writing anything)"
    if isinstance(exc, JournalReadError):
        return (
            f"batch journal {exc.path}: {exc.reason}; delete it, or pass --new-batch to "
            "export as a new batch (a rerun could otherwise duplicate files)"
        )
    if isinstance(exc, JournalWriteError):
        return (
            f"batch journal {exc.path}: {exc.reason} "
            "(choose another folder with --state-dir, or --no-journal)"
        )
    if isinstance(exc, BatchLockedError):
        return f"another feedlab publish of this batch is running (lock {exc.path}); wait for it"
    return str(exc)


def run(args: argparse.Namespace) -> int:
    config = config_from(args)
    spec = config_target(config, args)
    at: datetime | None = parse_at(args.at) if args.at is not None else None
    journal = journal_default(spec) if args.journal is None else args.journal
    if args.resend_missing and not journal:
        print(
            "feedlab: --resend-missing needs the batch journal (a --to-dir preview keeps "
            "none unless --journal; not with --no-journal)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    log.debug(
        "publishing to %s, batch journal %s", target_location(spec), "on" if journal else "off"
    )
    try:
        # Read once: hashed (and a stream copied) here, then read by the export.
        with read_events(args.events, config=config, strict=args.strict, digest=journal) as reader:
            try:
                outcome = publish_batch(
                    config,
                    reader,
                    spec,
                    state_dir=args.state_dir,
                    journal=journal,
                    at=at,
                    seed=parse_seed(args.seed),
                    new_batch=args.new_batch,
                    resend_missing=args.resend_missing,
                    listeners=[_log_step],
                    workers=args.workers,
                )
            except FeedError:
                print_problems(reader.problems, reader.bad_lines, args.events)
                raise
    except IncompleteBatchError as exc:
        print(f"feedlab: {cli_message(exc.cause)}", file=sys.stderr)
        print(
            f"feedlab: batch {exc.key[:12]} is incomplete: rerun the same command to finish "
            "it (same names and bytes; nothing is duplicated) [FS-6.3]",
            file=sys.stderr,
        )
        return EXIT_FAILED
    except (BadLineError, JournalReadError, JournalWriteError, BatchLockedError) as exc:
        print(f"feedlab: {cli_message(exc)}", file=sys.stderr)
        return EXIT_FAILED
    return report(outcome, target_location(spec), args.events)


def report(outcome: PublishOutcome, where: str, events: str) -> int:
    """What happened, on stdout (files, counts) and stderr (problems); the exit status."""
    if outcome.status == "already-delivered":
        print_already_delivered(outcome)
        return EXIT_OK
    if outcome.status == "missing-at-target":
        print(f"feedlab: {missing_line(outcome, where)}", file=sys.stderr)
        return EXIT_MISSING
    print_problems(outcome.problems, outcome.bad_lines, events)
    if outcome.status == "resent":
        print(
            f"resent: {len(outcome.missing)} missing control file(s) of batch "
            f"{(outcome.key or '')[:12]} written again under the recorded names",
        )
    assert outcome.result is not None
    print_summary(outcome.result)
    if outcome.bad_lines:
        print(f"{outcome.bad_lines:,} bad line(s) skipped; see above", file=sys.stderr)
    return EXIT_OK
