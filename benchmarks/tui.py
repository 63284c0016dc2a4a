"""The TUI's responsiveness: start-up, and the largest gap between frames during an export.

Start-up (``benchmarks/tui_startup.py``, in fresh interpreters): the seconds to the
app's first frame and to both mock servers being ready, each against Textual's
own minimal app (one ``Static``) started the same way in the same run, ABBA.

Frame gaps (``benchmarks/tui_frames.py``): the largest gap between 60 Hz ticks while
a 1M-row export runs, to S3 at 200x50 and at 80x24, and to SFTP at 80x24. The
script prints the gap either as JSON (a key containing ``gap``, in ms when the key
ends in ``ms``) or as text such as ``max frame gap: 42.1 ms``.
"""

from __future__ import annotations

import json
import re
import sys
import time
from collections.abc import Callable

from benchmarks.core import (
    ROOT,
    CaseResult,
    Settings,
    Target,
    alternate,
    median,
    paired_best,
    python_env,
    run_process,
)

SCRIPT = ROOT / "benchmarks" / "tui_frames.py"
STARTUP = ROOT / "benchmarks" / "tui_startup.py"
#: Frame-gap cases: the terminal size and the target each runs at.
FRAME_CASES = {
    "tui-frame-gap": ("200x50", "s3"),
    "tui-frame-gap-80x24": ("80x24", "s3"),
    "tui-frame-gap-sftp": ("80x24", "sftp"),
}
START_CASES = ("tui-start-first-frame", "tui-start-servers-ready")
CASES = (*START_CASES, *FRAME_CASES)
TARGET = Target("value_max", 100, "ms")
#: Start-up targets: at most this many times the minimal app's first frame.
START_TARGETS = {
    "tui-start-first-frame": Target("ratio_max", 6),
    "tui-start-servers-ready": Target("ratio_max", 12),
}
START_SIZE = "80x24"
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


def _startup(app: str) -> dict[str, float]:
    argv = [sys.executable, str(STARTUP), "--app", app, "--size", START_SIZE]
    done = run_process([*argv, "--t0", repr(time.time())], env=python_env(), timeout=300)
    done.check("benchmarks/tui_startup.py")
    marks = done.json()
    return {key: float(value) for key, value in marks.items() if isinstance(value, int | float)}


def run_startup(settings: Settings, want: Callable[[str], bool]) -> list[CaseResult]:
    wanted = [case for case in START_CASES if want(case)]
    if not wanted:
        return []
    samples: dict[str, list[float]] = {"first_frame": [], "servers_ready": [], "minimal": []}

    def feedlab(record: bool) -> None:
        marks = _startup("feedlab")
        if record:
            samples["first_frame"].append(marks["first_frame"])
            samples["servers_ready"].append(marks["servers_ready"])

    def minimal(record: bool) -> None:
        marks = _startup("minimal")
        if record:
            samples["minimal"].append(marks["first_frame"])

    alternate([feedlab, minimal], settings.repeats(4), warmup=True)
    peer = median(samples["minimal"])
    results = []
    for case, key, what in (
        ("tui-start-first-frame", "first_frame", "the first frame"),
        ("tui-start-servers-ready", "servers_ready", "both mock servers ready (F5 can deliver)"),
    ):
        if case not in wanted:
            continue
        results.append(
            CaseResult(
                name=case,
                unit="s",
                feedlab=median(samples[key]),
                peer="textual minimal app",
                peer_value=peer,
                target=START_TARGETS[case],
                samples={"feedlab": samples[key], "peer": samples["minimal"]},
                best_ratio=paired_best(samples[key], samples["minimal"], higher_is_better=False),
                note=f"seconds from process start to {what}, headless at {START_SIZE}, against "
                "the first frame of an App composing one Static (benchmarks/tui_startup.py); "
                f"median of {len(samples[key])} ABBA runs",
            )
        )
    return results


def run(settings: Settings, want: Callable[[str], bool]) -> list[CaseResult]:
    results = run_startup(settings, want)
    for case, (size, target) in FRAME_CASES.items():
        if want(case):
            results.append(run_frames(settings, case, size, target))
    return results


def run_frames(settings: Settings, case: str, size: str, target: str = "s3") -> CaseResult:
    if not SCRIPT.exists():
        return CaseResult(
            name=case,
            unit="ms",
            feedlab=None,
            peer="-",
            peer_value=None,
            target=TARGET,
            note="skipped: benchmarks/tui_frames.py (TUI engineer) not present yet",
        )
    gaps: list[float] = []
    p99s: list[float] = []
    rows = settings.size(ROWS)
    argv = [sys.executable, str(SCRIPT), "--rows", str(rows), "--target", target, "--size", size]
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
    return CaseResult(
        name=case,
        unit="ms",
        feedlab=median(gaps),
        peer="-",
        peer_value=None,
        target=TARGET,
        samples={"feedlab": gaps},
        note=f"largest gap between 60 Hz ticks while the TUI exports {rows:,} rows to "
        f"{'S3' if target == 's3' else 'SFTP'} "
        f"at {size} (benchmarks/tui_frames.py), median of {len(gaps)} runs"
        + (f"; p99 gap {median(p99s):.1f} ms" if p99s else ""),
    )
