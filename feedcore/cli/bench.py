"""``feedlab bench``: the performance suite of issue 6 (``benchmarks/`` in the repository).

feedlab and a peer (stdlib, polars, boto3, the aws CLI, OpenSSH ``sftp``) run
alternately on the same inputs and the medians are compared; see
``docs/performance.md``. The suite lives beside the package, not in it, so it
is imported lazily from the source tree (found next to ``feedcore`` or in the
current directory); a wheel install without the tree reports that and exits 2.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import feedcore

EXIT_OK = 0
EXIT_USAGE = 2


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "bench",
        help="run the performance suite (feedlab against stdlib, polars, boto3, aws, sftp)",
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
        help="case names, family names (encode, e2e, s3, sftp, memory, tui) or globs",
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
    parser.set_defaults(func=run)


def _suite_module(name: str) -> ModuleType:
    """``benchmarks.NAME`` from the source tree, which is not part of the installed package."""
    try:
        return importlib.import_module(f"benchmarks.{name}")
    except ModuleNotFoundError as exc:
        if exc.name not in ("benchmarks", f"benchmarks.{name}"):
            raise
    for root in (Path.cwd(), Path(feedcore.__file__).resolve().parents[1]):
        if (root / "benchmarks" / "__init__.py").is_file():
            sys.path.insert(0, str(root))
            return importlib.import_module(f"benchmarks.{name}")
    raise ModuleNotFoundError("benchmarks")


def run(args: argparse.Namespace) -> int:
    try:
        core = _suite_module("core")
        runner = _suite_module("runner")
    except ModuleNotFoundError:
        print(
            "feedlab: the benchmark suite (benchmarks/) is not here: run feedlab bench "
            "from a feedlab source checkout",
            file=sys.stderr,
        )
        return EXIT_USAGE
    patterns = [p.strip() for p in (args.cases or "").split(",") if p.strip()]
    try:
        cases: list[str] = runner.select(patterns)
    except ValueError as exc:
        print(f"feedlab: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.list:
        for name in cases:
            print(name)
        return EXIT_OK
    if args.repeat is not None and args.repeat < 1:
        print("feedlab: --repeat must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    settings = core.Settings(quick=args.quick, repeat=args.repeat)

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    if args.from_json is not None:
        try:
            suite = runner.Suite.from_json(json.loads(args.from_json.read_text("utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            print(f"feedlab: cannot read {args.from_json}: {exc}", file=sys.stderr)
            return EXIT_USAGE
    else:
        suite = runner.run_suite(settings, cases, log)
    if args.write_doc:
        report = _suite_module("report")
        path = report.write_doc(
            suite, lambda name: runner.profile(name, settings), same_side=runner.profile_side
        )
        log(f"wrote {path}")
    if args.json:
        print(json.dumps(suite.to_json(), indent=2))
    else:
        print(_suite_module("report").table(suite))
    return EXIT_OK
