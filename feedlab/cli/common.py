"""Argument helpers shared by the commands."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from feedcore import rules
from feedcore.config import FeedConfig, load_config
from feedcore.errors import FeedError


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
