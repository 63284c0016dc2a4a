"""Argument helpers shared by the commands."""

from __future__ import annotations

import argparse
import importlib.util
from datetime import UTC, datetime

from feedcore import rules
from feedcore.config import FeedConfig, load_config
from feedcore.errors import FeedError, MissingExtraError

#: What the ``tui`` extra installs, by import name: the app, the mock servers, the simulator.
TUI_EXTRA = ("textual", "moto", "faker")


def require_extra(what: str, modules: tuple[str, ...] = TUI_EXTRA, extra: str = "tui") -> None:
    """Stop a command before it starts when an optional part it needs is not installed.

    Checked without importing anything (``find_spec``), so it costs nothing
    when the extra is there; :class:`MissingExtraError` is one line, exit 2.
    """
    if any(importlib.util.find_spec(name) is None for name in modules):
        raise MissingExtraError(what, extra)


def parse_at(text: str | None) -> datetime:
    """``--at``: an ISO time (UTC when no offset is given); default: now."""
    if text is None:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise FeedError(
            f"--at {text!r} is not an ISO time: write e.g. 2026-11-27T03:00:00Z"
        ) from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def parse_seed(text: str | None) -> int | str | None:
    if text is None:
        return None
    return int(text) if rules.is_integer(text) else text


def add_config_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("config", metavar="CONFIG", help="feed config (TOML, FS-1.2)")


def config_from(args: argparse.Namespace) -> FeedConfig:
    return load_config(args.config)
