"""``python -m benchmarks`` (``make bench``): the performance suite.

feedlab and a peer (stdlib, polars, DuckDB, boto3, the aws CLI, OpenSSH ``sftp``)
run alternately on the same inputs and the medians are compared; see
``docs/performance.md``. The suite is part of the source tree, not of the
installed package: run it from a checkout (``python -m`` puts the current
folder on ``sys.path``, so nothing here edits it). ``--json`` prints the same
object ``feedlab bench --json`` used to, for scripts that read it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks import core, report, runner

EXIT_OK = 0
EXIT_USAGE = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description=(
            "Run feedlab and its peers alternately on the same inputs and compare medians. "
            "Prints a table, or one JSON object with --json. Takes several minutes in full; "
            "--quick shrinks every size ~20x for a smoke run."
        ),
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--quick", action="store_true", help="sizes / 20, one repeat")
    parser.add_argument(
        "--cases",
        metavar="NAME,...",
        help="case names, family names (encode, startup, e2e, columnar, s3, sftp, memory, tui) "
        "or globs",
    )
    parser.add_argument(
        "--repeat", type=int, metavar="N", help="runs per side (default: 3-5 per case)"
    )
    parser.add_argument(
        "--write-doc", action="store_true", help="regenerate docs/performance.md from this run"
    )
    parser.add_argument("--list", action="store_true", help="list the cases and exit")
    parser.add_argument(
        "--from-json",
        type=Path,
        metavar="FILE",
        help="render a saved --json run (table, --json or --write-doc) instead of running",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    patterns = [p.strip() for p in (args.cases or "").split(",") if p.strip()]
    try:
        cases: list[str] = runner.select(patterns)
    except ValueError as exc:
        print(f"benchmarks: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.list:
        for name in cases:
            print(name)
        return EXIT_OK
    if args.repeat is not None and args.repeat < 1:
        print("benchmarks: --repeat must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    settings = core.Settings(quick=args.quick, repeat=args.repeat)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if args.from_json is not None:
        try:
            suite = runner.Suite.from_json(json.loads(args.from_json.read_text("utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"benchmarks: cannot read {args.from_json}: {exc}", file=sys.stderr)
            return EXIT_USAGE
    else:
        suite = runner.run_suite(settings, cases, log)
    if args.write_doc:
        path = report.write_doc(
            suite, lambda name: runner.profile(name, settings), same_side=runner.profile_side
        )
        log(f"wrote {path}")
    if args.json:
        print(json.dumps(suite.to_json(), indent=2))
    else:
        print(report.table(suite))
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
