"""``feedlab conformance CONFIG``: property-based conformance of a feed config (issue 13).

Thin by design: generation, the properties and the oracle are
:mod:`feedcore.testing`; this module picks the target (the embedded mock
server of ``--target s3|sftp``, default the config's own, or ``dir``, a
folder), reports progress on stderr, writes a failure's shrunk events file
with the one command that reproduces it, and formats ``--json`` and
``--junit``. Exit 0 when every example passed, 1 on a failure, 2 for unusable
arguments (one line on stderr). Everything heavy is imported in :func:`run`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from feedlab.cli.common import add_config_arg

if TYPE_CHECKING:
    from datetime import datetime

    from feedcore.config import FeedConfig
    from feedcore.testing.runner import RunResult, SinkFactory

#: **[decision]** Examples per run when ``--examples`` is not given (docs/decisions.md).
DEFAULT_EXAMPLES = 100
EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def register(sub: Any) -> None:
    parser: argparse.ArgumentParser = sub.add_parser(
        "conformance",
        help="property-test a feed config: generated events, exported, read back, checked",
    )
    add_config_arg(parser)
    parser.add_argument(
        "--examples",
        type=_positive,
        default=DEFAULT_EXAMPLES,
        metavar="N",
        help=f"generated event batches (default {DEFAULT_EXAMPLES})",
    )
    parser.add_argument("--seed", default="0", metavar="S", help="seed (default 0)")
    parser.add_argument(
        "--target", choices=("s3", "sftp", "dir"), help="default: the config's (embedded mock)"
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--junit", type=Path, metavar="FILE", help="write a JUnit XML report")
    parser.add_argument(
        "--keep", type=Path, metavar="DIR", help="a failure's files (default: a temp folder)"
    )
    parser.add_argument("--replay", type=Path, metavar="FILE", help="check this events file")
    parser.add_argument("--at", metavar="ISO-TIME", help="export time of --replay")
    parser.add_argument("--max-events", type=_positive, default=8, help=argparse.SUPPRESS)
    # A writer under test instead of feedcore.FeedWriter (tests plant bugs through it).
    parser.add_argument("--writer", metavar="MODULE:FACTORY", help=argparse.SUPPRESS)
    parser.set_defaults(func=run)
    parser.error = _usage_error  # type: ignore[method-assign]


def _usage_error(message: str) -> NoReturn:
    print(f"feedlab conformance: {message}", file=sys.stderr)
    raise SystemExit(EXIT_USAGE)


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def run(args: argparse.Namespace) -> int:
    from feedcore.config import load_config
    from feedcore.errors import FeedError
    from feedlab.cli.common import parse_at, parse_seed

    config = load_config(args.config)  # a ConfigError is exit 2, reported by main
    target = args.target or config.feed.target
    try:
        seed = parse_seed(args.seed)
        assert seed is not None
        at = parse_at(args.at) if args.at else None
        writer = _load_writer(args.writer)
        events = _read_replay(config, args.replay) if args.replay else None
        if target != "dir":
            from feedlab.cli.common import require_extra

            require_extra(f"conformance --target {target} (the mock servers)", ("moto",))
    except FeedError as exc:
        print(f"feedlab conformance: {exc}", file=sys.stderr)
        return EXIT_USAGE
    with _locations(config, target) as fresh_sink:
        result = _check(args, config, seed, at, events, fresh_sink, writer)
        keep = _keep(args, config, seed, result, target) if result.failure else None
    try:
        _report(args, config, target, result, keep)
    except OSError as exc:
        print(f"feedlab conformance: --junit {args.junit}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_USAGE
    return EXIT_FAILED if result.failure else EXIT_OK


def _check(
    args: argparse.Namespace,
    config: FeedConfig,
    seed: int | str,
    at: datetime | None,
    events: list[Any] | None,
    fresh_sink: SinkFactory,
    writer: Any,
) -> RunResult:
    from feedcore.testing import runner

    if events is not None:
        from feedlab.cli.common import parse_at

        print(f"conformance: replaying {len(events)} event(s)", file=sys.stderr)
        when = at or parse_at("2026-01-01T00:00:00Z")
        return runner.replay(
            config, events, at=when, seed=seed, fresh_sink=fresh_sink, writer=writer
        )
    database = args.keep / ".hypothesis" if args.keep else None
    return runner.run(
        config,
        examples=args.examples,
        seed=seed,
        fresh_sink=fresh_sink,
        writer=writer,
        max_events=args.max_events,
        database=database,
        progress=_progress(args.examples),
    )


def _progress(total: int) -> Callable[[int, int, bool], None]:
    interactive = sys.stderr.isatty()
    step = max(1, total // 10)

    def show(done: int, of: int, failed: bool) -> None:
        if failed:
            end = "\n" if interactive else ""
            print(f"{end}conformance: example {done} failed; shrinking it", file=sys.stderr)
        elif interactive:
            end = "\n" if done == of else ""
            print(f"\rconformance: {done}/{of} examples", end=end, file=sys.stderr)
        elif done % step == 0 or done == of:
            print(f"conformance: {done}/{of} examples", file=sys.stderr)

    return show


def _load_writer(spec: str | None) -> Any:
    """``--writer module:factory``: a factory called as ``factory(config, sink, seed=...)``."""
    from feedcore.errors import FeedError

    if spec is None:
        from feedcore.writer import FeedWriter

        return FeedWriter
    module_name, _, name = spec.partition(":")
    if not module_name or not name:
        raise FeedError(f"--writer {spec!r} is not MODULE:FACTORY")
    import importlib

    try:
        factory = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as exc:
        raise FeedError(f"--writer {spec!r} cannot be loaded: {exc}") from None
    if not callable(factory):
        raise FeedError(f"--writer {spec!r} is not callable")
    return factory


def _read_replay(config: FeedConfig, path: Path) -> list[Any]:
    from feedcore.errors import FeedError
    from feedcore.eventsource import read_events

    try:
        with read_events(path, config=config, strict=True) as reader:
            return list(reader)
    except OSError as exc:
        raise FeedError(f"--replay {path}: {exc.strerror or exc}") from None


@contextlib.contextmanager
def _locations(config: FeedConfig, target: str) -> Iterator[SinkFactory]:
    """A factory of fresh, empty sinks of ``target``; servers live for the whole run."""
    from feedcore import tempfiles
    from feedcore.sinks.base import Sink

    if target == "dir":
        from feedcore.sinks.local import LocalSink

        @contextlib.contextmanager
        def folder() -> Iterator[Sink]:
            # A subfolder: the private folder's own lock file is no file of the feed.
            with (
                tempfiles.private_dir("conformance-dir") as work,
                LocalSink(work.path / "root") as sink,
            ):
                yield sink

        yield folder
        return
    from mock_targets.embedded import sink_for

    if target == "s3":
        from mock_targets.s3 import MockS3Server

        with MockS3Server() as s3:
            session = s3.session()

            @contextlib.contextmanager
            def bucket() -> Iterator[Sink]:
                s3.reset()
                with sink_for(config, s3=s3, session=session) as sink:
                    yield sink

            try:
                yield bucket
            finally:
                s3.reset()
        return
    from mock_targets.sftp import MockSFTPServer

    with MockSFTPServer() as sftp:

        @contextlib.contextmanager
        def login() -> Iterator[Sink]:
            sftp.reset()
            with sink_for(config, sftp=sftp) as sink:
                yield sink

        yield login


def _keep(
    args: argparse.Namespace,
    config: FeedConfig,
    seed: int | str,
    result: RunResult,
    target: str,
) -> dict[str, Any]:
    """Write the shrunk failure to ``--keep`` (or a temp folder): events, config, command."""
    import json
    import shutil
    import tempfile

    from feedcore.testing.properties import write_events

    case = result.failure
    assert case is not None
    keep = args.keep or Path(tempfile.mkdtemp(prefix="feedlab-conformance-"))
    keep.mkdir(parents=True, exist_ok=True)
    events_file = keep / "events.jsonl"
    config_file = keep / "config.toml"
    write_events(events_file, case.events)
    if Path(args.config).resolve() != config_file.resolve():
        shutil.copyfile(args.config, config_file)
    at = case.at.isoformat()
    command = ["feedlab", "conformance", str(config_file), "--replay", str(events_file)]
    command += ["--at", at, "--seed", str(seed), "--target", target]
    if args.writer:
        command += ["--writer", args.writer]
    failures = [
        {"property": f.prop, "rule": f.rule, "message": f.message} for f in case.report.failures
    ]
    document = {"at": at, "seed": seed, "events": len(case.events), "failures": failures}
    (keep / "case.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return {
        "dir": str(keep),
        "file": str(events_file),
        "events": len(case.events),
        "reproduce": shlex.join(command),
    }


def _report(
    args: argparse.Namespace,
    config: FeedConfig,
    target: str,
    result: RunResult,
    keep: dict[str, Any] | None,
) -> None:
    import json

    failures = result.failures
    coverage = {kind: dict(sorted(counts.items())) for kind, counts in result.coverage.items()}
    if args.junit is not None:
        _write_junit(args.junit, args.config, target, result)
    if args.json:
        document = {
            "config": str(args.config),
            "target": target,
            "examples": result.examples,
            "failures": [
                {"property": f.prop, "rule": f.rule, "message": f.message} for f in failures
            ],
            "coverage": coverage,
            "shrunk": keep,
        }
        print(json.dumps(document, ensure_ascii=False))
        return
    if not failures:
        print(
            f"conformant: {result.examples} example(s) of {args.config} over {target}, no failures"
        )
    for failure in failures:
        print(f"FAILED {failure}")
    for kind, counts in coverage.items():
        shown = ", ".join(f"{name} {count}" for name, count in counts.items()) or "none"
        print(f"  covered {kind}: {shown}")
    if keep is not None:
        print(f"shrunk to {keep['events']} event(s): {keep['file']}")
        print(f"reproduce: {keep['reproduce']}")


def _write_junit(path: Path, config: str, target: str, result: RunResult) -> None:
    """One test case per property; a failed one carries the shrunk failure's messages."""
    import xml.etree.ElementTree as ET

    from feedcore.testing.properties import PROPERTIES

    broken = {f.prop for f in result.failures}
    suite = ET.Element(
        "testsuite",
        name=f"feedlab conformance {config}",
        tests=str(len(PROPERTIES)),
        failures=str(len(broken)),
        errors="0",
    )
    ET.SubElement(
        ET.SubElement(suite, "properties"), "property", name="examples", value=str(result.examples)
    )
    for prop in PROPERTIES:
        case = ET.SubElement(suite, "testcase", classname=f"conformance.{target}", name=prop)
        messages = [str(f) for f in result.failures if f.prop == prop]
        if messages:
            failure = ET.SubElement(case, "failure", message=messages[0][:500])
            failure.text = "\n".join(messages)
    tree = ET.ElementTree(suite)
    ET.indent(tree)
    with open(os.fspath(path), "wb") as out:
        tree.write(out, encoding="utf-8", xml_declaration=True)
