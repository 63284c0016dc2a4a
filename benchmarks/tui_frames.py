"""How responsive is the app while a large export runs? (``make bench``)

Runs the feedlab app headless (``App.run_test``) at 200x50 (``--size``), starts a
1,000,000-row export with F5 (500,000 contacts x 2 rows: a flow with one action,
no condition) and, while it runs, records the time of every tick of a 60 Hz
interval timer on the app's event loop. A tick that comes late means a frame
(and every key press) would have waited that long. Prints the largest gap
between ticks and the 99th percentile; the target is a largest gap < 100 ms.

    .venv/bin/python benchmarks/tui_frames.py [--rows 1000000] [--target s3|sftp] [--size 80x24]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from feedcore.config import parse_config, save_config  # noqa: E402
from tui.app import FeedlabApp  # noqa: E402
from tui.services.simulation import SimSettings  # noqa: E402

TARGET_MS = 100.0
TICK = 1 / 60


def bench_config(target: str) -> dict[str, object]:
    return {
        "client": "acme",
        "flow": {
            "id": 1234,
            "name": "Welcome Series",
            "segment": "New signups",
            "actions": ["email_welcome"],
        },
        "feed": {
            "format": "csv",
            "target": target,
            "host": "acme-data-feeds",
            "path": "exports/daily",
            "contexts": [
                {"name": "first_name", "value": "{{ contact.first_name }}"},
                {"name": "city", "value": "{{ contact.city }}"},
            ],
        },
    }


async def measure(rows: int, target: str, size: tuple[int, int] = (200, 50)) -> dict[str, float]:
    contacts = (rows + 1) // 2  # two rows each: data_feed + one action
    rows = contacts * 2
    with tempfile.TemporaryDirectory(prefix="feedlab-bench-") as tmp:
        path = Path(tmp) / "bench.toml"
        save_config(parse_config(bench_config(target)), path)
        settings = SimSettings(
            entering=contacts, seed=1, clock=datetime(2026, 11, 27, 9, tzinfo=UTC)
        )
        app = FeedlabApp(path, settings=settings)
        async with app.run_test(size=size) as pilot:
            # The servers start after the first frame (call_after_refresh): wait for them,
            # then for the rest of that worker (name pools, gc.freeze), so the ticks below
            # measure the export alone, as a user who presses F5 on a ready app sees it.
            while not app.targets.ready:
                await pilot.pause(0.05)
            await app.workers.wait_for_complete()
            await pilot.pause()
            ticks: list[float] = []
            timer = app.set_interval(TICK, lambda: ticks.append(time.perf_counter()))
            started = time.perf_counter()
            await pilot.press("f5")
            await app.workers.wait_for_complete()
            await pilot.pause()
            elapsed = time.perf_counter() - started
            timer.stop()
            result = app.main.last_result
            exported = result.result.rows if result is not None else 0
            history = app.main.activity.history
    if exported != rows:
        tail = "\n".join(history[-5:])
        raise SystemExit(f"export did not deliver {rows} rows (got {exported}):\n{tail}")
    gaps = sorted((b - a) * 1000 for a, b in itertools.pairwise(ticks))
    p99 = gaps[min(len(gaps) - 1, int(len(gaps) * 0.99))]
    return {
        "rows": float(exported),
        "seconds": elapsed,
        "ticks": float(len(ticks)),
        "max_gap_ms": gaps[-1],
        "p99_gap_ms": p99,
        "median_gap_ms": statistics.median(gaps),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--target", choices=("s3", "sftp"), default="s3")
    parser.add_argument("--size", default="200x50", help="terminal size, WxH")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    stats = asyncio.run(measure(args.rows, args.target, (width, height)))
    print(
        f"tui_frames: {int(stats['rows']):,} rows to {args.target} at {args.size} "
        f"in {stats['seconds']:.1f} s; "
        f"{int(stats['ticks'])} ticks at 60 Hz; largest gap {stats['max_gap_ms']:.1f} ms, "
        f"p99 {stats['p99_gap_ms']:.1f} ms, median {stats['median_gap_ms']:.1f} ms "
        f"(target: largest gap < {TARGET_MS:.0f} ms)"
    )
    return 0 if stats["max_gap_ms"] < TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
