"""Start-up (issue 14): a one-event ``feedlab publish`` and ``feedlab validate`` against
the stdlib script on the same one-line file.

What every cron-driven small export and every config check pays before any work:
interpreter start-up, imports, argument parsing, and for publish the batch journal,
the control file and the folder writes. The peer is ``benchmarks/stdlib_publish.py``
(``json.loads`` + ``csv.writer`` of the same rows) on the same one-event file, whose
cost is little more than Python's own start-up. All three alternate, each a fresh
process, many rounds (a run is tens of milliseconds); medians are compared.

Before the rounds, feedcore and feedlab are byte-compiled into their ``__pycache__``
as an installed package is (the children run with ``PYTHONDONTWRITEBYTECODE``, so a
stale cache would otherwise be recompiled in every measured run).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable

from benchmarks import inputs
from benchmarks.core import (
    CaseResult,
    Settings,
    Target,
    alternate,
    median,
    paired_best,
    python_env,
    run_process,
    scratch,
)
from benchmarks.e2e import SCRIPT, feedlab_argv, publish_argv

CASES = ("startup-publish", "startup-validate")
TARGET = Target("ratio_max", 6.0)
ROUNDS = 21
_COMPILE = (
    "import compileall, os, feedcore, feedlab\n"
    "for package in (feedcore, feedlab):\n"
    "    compileall.compile_dir(os.path.dirname(package.__file__), quiet=1)\n"
)


def run(settings: Settings, want: Callable[[str], bool]) -> list[CaseResult]:
    if not any(want(name) for name in CASES):
        return []
    env = python_env()
    run_process([sys.executable, "-c", _COMPILE], env=env).check("byte-compiling feedlab")
    seconds: dict[str, list[float]] = {"publish": [], "validate": [], "stdlib": []}
    with scratch("startup") as work:
        events = inputs.write_events(work / "one.jsonl", 1)
        config = inputs.write_config(work / "feed.toml", "csv")
        out, state = work / "out", work / "state"
        env = python_env({"FEEDLAB_STATE_DIR": str(state)})
        commands = {
            "publish": publish_argv(config, events, out),
            "validate": [*feedlab_argv(), "validate", str(config)],
            "stdlib": [sys.executable, str(SCRIPT), str(events), str(out), "csv"],
        }

        def measure(side: str) -> Callable[[bool], None]:
            def go(record: bool) -> None:
                done = run_process(commands[side], env=env).check(side)
                if record:
                    seconds[side].append(done.seconds)
                shutil.rmtree(out, ignore_errors=True)
                shutil.rmtree(state, ignore_errors=True)

            return go

        sides = [measure(side) for side in ("publish", "validate", "stdlib")]
        alternate(sides, settings.repeat or (3 if settings.quick else ROUNDS), warmup=True)
    peer = "stdlib script (json.loads + csv.writer) on the same one-line file, subprocess"
    results = []
    for side in ("publish", "validate"):
        name = f"startup-{side}"
        if not want(name):
            continue
        what = "publish of one event --to-dir" if side == "publish" else "validate of its config"
        results.append(
            CaseResult(
                name=name,
                unit="s",
                feedlab=median(seconds[side]),
                peer=peer,
                peer_value=median(seconds["stdlib"]),
                target=TARGET,
                samples={side: seconds[side], "stdlib": seconds["stdlib"]},
                best_ratio=paired_best(seconds[side], seconds["stdlib"], False),
                note=f"feedlab {what}: whole process, {len(seconds[side])} rounds per side; "
                "python -X importtime tables in docs/performance.md (Start-up)",
            )
        )
    return results
