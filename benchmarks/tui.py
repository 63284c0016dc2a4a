"""The TUI's responsiveness: the largest gap between frames during an export.

``benchmarks/tui_frames.py`` belongs to the TUI engineer; this case only runs it
(when it exists) and reads the max frame gap it prints, either as JSON (a key
containing ``gap``, in ms when the key ends in ``ms``) or as text such as
``max frame gap: 42.1 ms``.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable

from benchmarks.core import ROOT, CaseResult, Settings, Target, median, python_env, run_process

SCRIPT = ROOT / "benchmarks" / "tui_frames.py"
CASES = ("tui-frame-gap",)
TARGET = Target("value_max", 100, "ms")
#: "largest gap 166.5 ms", "max frame gap: 42 ms"; not "(target: largest gap < 100 ms)".
_TEXT = re.compile(
    r"(?:max(?:imum)?|largest)[\s_-]*(?:frame[\s_-]*)?gap[^\d<>]*?([0-9]+(?:\.[0-9]+)?)\s*(ms|s)\b",
    re.I,
)
_P99 = re.compile(r"p99[^\d<>]*?([0-9]+(?:\.[0-9]+)?)\s*ms", re.I)
ROWS = 1_000_000


def parse_gap_ms(output: str) -> float | None:
    """The max frame gap in ms from ``tui_frames.py``'s output, or None."""
    for line in reversed(output.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                data = json.loads(line)
            except ValueError:
                continue
            gaps = {
                key.lower(): float(value)
                for key, value in (data.items() if isinstance(data, dict) else ())
                if "gap" in key.lower() and isinstance(value, int | float)
            }
            for key, value in sorted(gaps.items(), key=lambda kv: "max" not in kv[0]):
                return value if key.endswith("ms") else value * 1000
    match = _TEXT.search(output)
    if match is None:
        return None
    value = float(match.group(1))
    return value if match.group(2).lower() == "ms" else value * 1000


def run(settings: Settings, want: Callable[[str], bool]) -> list[CaseResult]:
    if not want(CASES[0]):
        return []
    if not SCRIPT.exists():
        return [
            CaseResult(
                name=CASES[0],
                unit="ms",
                feedlab=None,
                peer="-",
                peer_value=None,
                target=TARGET,
                note="skipped: benchmarks/tui_frames.py (TUI engineer) not present yet",
            )
        ]
    gaps: list[float] = []
    p99s: list[float] = []
    rows = settings.size(ROWS)
    argv = [sys.executable, str(SCRIPT), "--rows", str(rows), "--target", "s3"]
    for _ in range(settings.repeats(3)):
        done = run_process(argv, env=python_env(), timeout=900)
        gap = parse_gap_ms(done.stdout)
        if gap is None or done.returncode not in (0, 1):  # 1: ran, but missed its target
            done.check("benchmarks/tui_frames.py")
            raise RuntimeError(f"no max frame gap in tui_frames.py output: {done.stdout[-500:]!r}")
        gaps.append(gap)
        p99 = _P99.search(done.stdout)
        if p99 is not None:
            p99s.append(float(p99.group(1)))
    return [
        CaseResult(
            name=CASES[0],
            unit="ms",
            feedlab=median(gaps),
            peer="-",
            peer_value=None,
            target=TARGET,
            samples={"feedlab": gaps},
            note=f"largest gap between 60 Hz ticks while the TUI exports {rows:,} rows to S3 "
            f"(benchmarks/tui_frames.py), median of {len(gaps)} runs"
            + (f"; p99 gap {median(p99s):.1f} ms" if p99s else ""),
        )
    ]
