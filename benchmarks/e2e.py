"""End to end: ``feedlab publish --to-dir`` against a stdlib script, both as processes.

500k events (10% exits, so both an add and a remove file) of the benchmark
feed: one action, contexts ``{{ contact.first_name }}`` and
``{{ contact.city }}``, realistic attributes with ~5% needing CSV quoting.
Both sides' wall time includes interpreter start-up and imports: that is
what running either one costs. Peak RSS is the child's own ``ru_maxrss``.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

from benchmarks import inputs
from benchmarks.core import (
    MB,
    ROOT,
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

EVENTS = 500_000
CASES = ("e2e-publish-wall", "e2e-publish-rss")
SCRIPT = ROOT / "benchmarks" / "stdlib_publish.py"


def feedlab_argv() -> list[str]:
    """The installed ``feedlab`` script beside this Python, else the same entry point."""
    script = Path(sys.executable).with_name("feedlab")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-c", "from feedlab.cli import entry; entry()"]


def publish_argv(config: Path, events: Path, out: Path) -> list[str]:
    """``feedlab publish`` of ``events`` into the folder ``out``, at the benchmarks' fixed
    export time and seed (stable names and bytes)."""
    return [
        *feedlab_argv(),
        "publish",
        str(config),
        "--events",
        str(events),
        "--to-dir",
        str(out),
        "--journal",  # a preview keeps none by default; a production run does
        "--at",
        inputs.AT_ISO,
        "--seed",
        "1",
    ]


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(settings: Settings, want: Callable[[str], bool]) -> list[CaseResult]:
    count = settings.size(EVENTS)
    wall: dict[str, list[float]] = {"feedlab": [], "stdlib": []}
    cpu: dict[str, list[float]] = {"feedlab": [], "stdlib": []}
    rss: dict[str, list[float]] = {"feedlab": [], "stdlib": []}
    digests: dict[str, str] = {}
    with scratch("e2e") as work:
        events = inputs.write_events(work / "events.jsonl", count)
        config = inputs.write_config(work / "feed.toml", "csv")
        out = work / "out"
        # A fresh batch journal per run: each publish is a first delivery, as in production.
        state = work / "state"
        env = python_env({"FEEDLAB_STATE_DIR": str(state)})

        def measure(side: str, argv: list[str], data_glob: str) -> Callable[[bool], None]:
            def go(record: bool) -> None:
                done = run_process(argv, env=env).check(side)
                if record:
                    wall[side].append(done.seconds)
                    cpu[side].append(done.cpu)
                    rss[side].append(done.max_rss / MB)
                if side not in digests:
                    digests[side] = _digest(next(out.rglob(data_glob)))
                shutil.rmtree(out)
                shutil.rmtree(state, ignore_errors=True)

            return go

        feedlab = publish_argv(config, events, out)
        stdlib = [sys.executable, str(SCRIPT), str(events), str(out), "csv"]
        alternate(
            [
                measure("feedlab", feedlab, "bench_6_add_*.csv"),
                measure("stdlib", stdlib, "add.csv"),
            ],
            settings.repeats(5),
            warmup=not settings.quick,
        )
    same = "byte-identical" if digests["feedlab"] == digests["stdlib"] else "DIFFERENT"
    results = []
    if want("e2e-publish-wall"):
        results.append(
            CaseResult(
                name="e2e-publish-wall",
                unit="s",
                feedlab=median(wall["feedlab"]),
                peer="stdlib script (json.loads + csv.writer), subprocess",
                peer_value=median(wall["stdlib"]),
                target=Target("ratio_max", 0.5),
                samples=dict(wall),
                best_ratio=paired_best(wall["feedlab"], wall["stdlib"], False),
                note=f"{count:,} events -> {2 * count:,} rows; add file {same}; "
                "wall time of each process, start-up and imports included; CPU time "
                f"{median(cpu['feedlab']):.2f} s vs {median(cpu['stdlib']):.2f} s",
            )
        )
    if want("e2e-publish-rss"):
        results.append(
            CaseResult(
                name="e2e-publish-rss",
                unit="MB",
                feedlab=median(rss["feedlab"]),
                peer="stdlib script peak RSS (informative)",
                peer_value=median(rss["stdlib"]),
                target=Target("value_max", 250, "MB"),
                samples=dict(rss),
                note="peak RSS (GNU time %M, the process's own) of the publish runs above",
            )
        )
    return results


def profile(name: str, settings: Settings) -> str | None:
    """cProfile of ``feedlab publish`` (in a worker) on a fifth of the events."""
    if name != "e2e-publish-wall":
        return None
    from benchmarks.core import worker
    from benchmarks.profiling import ENV

    with scratch("e2e-profile") as work:
        events = inputs.write_events(work / "events.jsonl", settings.size(EVENTS) // 5)
        config = inputs.write_config(work / "feed.toml", "csv")
        argv = ["publish", str(config), "--events", str(events), "--to-dir", str(work / "out")]
        env = python_env({ENV: "1", "FEEDLAB_STATE_DIR": str(work / "state")})
        done = run_process(worker("cli", argv=argv), env=env)
        profile: str = done.check("profiled publish").json()["profile"]
        return profile
