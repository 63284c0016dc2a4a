"""The ``feedlab`` command line (FS-8).

Each command lives in its own module exposing ``register(subparsers)``, which
adds its parser and sets ``func`` to a ``run(args) -> int``. Heavy imports
(boto3, asyncssh, moto, textual) happen inside ``run`` so ``feedlab validate``
stays instant and ``import feedcore`` stays free of IO libraries. When the
command line names a command, only that command's module is imported (its
parser is the only one built): ``feedlab validate`` does not pay for the
writer, the verifier or the simulator that other commands import.

Every :class:`~feedcore.errors.FeedError` becomes one line on stderr and a
non-zero exit; a traceback is never shown to a user. ``validate``, ``publish``
and ``verify`` need only ``pip install feedlab``; ``tui``, ``serve``,
``simulate`` and ``demo`` need the ``tui`` extra and say so in one line
(exit 2) when it is missing.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from feedcore import logsafety
from feedcore.errors import ConfigError, FeedError, MissingExtraError
from feedlab.cli.common import TUI_EXTRA

#: Command modules, in the order ``--help`` lists them.
COMMANDS = ("tui", "validate", "simulate", "publish", "serve", "verify", "demo", "conformance")
#: Commands that export files, for which malloc keeps freed memory (feedcore.memory).
EXPORTING = ("publish", "simulate", "demo")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
#: ``publish``: the journal holds the batch as complete, but the target lost files of it.
EXIT_MISSING = 3
VERBOSE_HELP = "report each delivery step (-vv: debug)"


def named_command(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names: its first word that is not an option, if a command.

    The top-level options (``-v``, ``-h``) take no value, so that word is the command.
    """
    word = next((w for w in argv if not w.startswith("-")), None)
    return word if word in COMMANDS else None


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or with ``only`` just that command's (the others not imported)."""
    parser = argparse.ArgumentParser(
        prog="feedlab",
        description="Build, simulate, deliver and verify marketing data feeds (FEED_SPEC v1).",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help=VERBOSE_HELP)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    parser.set_defaults(available=set())
    for name in COMMANDS if only is None else (only,):
        try:
            module = importlib.import_module(f"feedlab.cli.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"feedlab.cli.{name}":
                continue  # command not built yet
            raise
        module.register(sub)
        # Also after the command (`feedlab publish ... -v`), where users type it.
        sub.choices[name].add_argument(
            "-v", "--verbose", action="count", default=argparse.SUPPRESS, help=VERBOSE_HELP
        )
        parser.get_default("available").add(name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(named_command(words))
    args = parser.parse_args(words)
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    # Secrets never reach a log line, and -vv shows feedlab's steps, not every HTTP request.
    logsafety.install()
    logsafety.quiet_libraries()
    if args.command is None:
        if "tui" in args.available:
            args = parser.parse_args(["tui", *words])
        else:
            parser.print_help()
            return EXIT_OK
    if args.command in EXPORTING:
        from feedcore.memory import keep_freed_memory  # feedcore's helper process sets it too

        keep_freed_memory()
    try:
        code: int = args.func(args)
        return code
    except MissingExtraError as exc:
        print(f"feedlab: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ModuleNotFoundError as exc:
        # A backstop for an import require_extra() did not foresee: still one line.
        if (exc.name or "").partition(".")[0] not in TUI_EXTRA:
            raise
        print(f"feedlab: {MissingExtraError(str(args.command))}", file=sys.stderr)
        return EXIT_USAGE
    except ConfigError as exc:
        for problem in exc.problems:
            prefix = f"{exc.source}: " if exc.source else ""
            print(f"feedlab: {prefix}{problem}", file=sys.stderr)
        return EXIT_USAGE
    except FeedError as exc:
        print(f"feedlab: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("feedlab: interrupted", file=sys.stderr)
        return 130


def entry() -> None:
    sys.exit(main())
