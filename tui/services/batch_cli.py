"""The command line that makes the same files as one of the app's batches (FS-8).

The app names a batch's files exactly as the command line does with the same
config, ``--seed`` and ``--at`` (:attr:`~tui.services.simulation.BatchPlan.writer_seed`).
The first batch of a seed is ``feedlab simulate CONFIG --contacts N`` itself;
any other batch (later contacts, exits) is ``feedlab publish`` of its events,
which :func:`write_events` writes to a JSON Lines file.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path

from feedcore.config import FeedConfig
from feedcore.events import dump_event
from tui.services.simulation import BatchPlan

#: Where the suggested commands put their files (a folder under the current one).
OUT_DIR = "feedlab-out"


@dataclass(frozen=True)
class BatchCommand:
    argv: tuple[str, ...]
    #: The events file the command reads (publish), which must be written first.
    events: Path | None = None

    @property
    def line(self) -> str:
        return shlex.join(self.argv)

    def shown(self) -> str:
        """The line with the config and events named by their file name only (no
        temporary or home folders on screen); :attr:`line` is what gets copied."""
        short = [Path(a).name if _is_path(a, self) else a for a in self.argv]
        return shlex.join(short)


def _is_path(arg: str, command: BatchCommand) -> bool:
    return arg == command.argv[2] or (command.events is not None and arg == str(command.events))


def at_text(plan: BatchPlan) -> str:
    return plan.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _config_arg(config_path: Path) -> str:
    try:
        return os.path.relpath(config_path)
    except ValueError:  # another drive (Windows)
        return str(config_path)


def default_events_path(plan: BatchPlan, config: FeedConfig) -> Path:
    return Path.cwd() / f"{config.client}-batch-{plan.number}-events.jsonl"


def batch_command(plan: BatchPlan, config_path: Path, events: Path | None = None) -> BatchCommand:
    """The command for ``plan``; ``events`` is where a publish reads the batch's events."""
    seed = ["--seed", str(plan.seed), "--at", at_text(plan)]
    config = _config_arg(config_path)
    if plan.simulate_equivalent:
        argv = ("feedlab", "simulate", config, "--contacts", str(plan.entering), *seed)
        return BatchCommand((*argv, "--out", OUT_DIR))
    path = events or Path(f"batch-{plan.number}-events.jsonl")
    argv = ("feedlab", "publish", config, "--events", str(path), *seed, "--to-dir", OUT_DIR)
    return BatchCommand(argv, path)


def write_events(plan: BatchPlan, config: FeedConfig, path: Path) -> int:
    """Write the batch's events as JSON Lines (atomically); returns how many."""
    partial = path.with_name(f".{path.name}.partial")
    count = 0
    with partial.open("wb") as out:
        for event in plan.events(config):
            out.write(dump_event(event))
            count += 1
    partial.replace(path)
    return count
