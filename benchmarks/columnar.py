"""End to end against the columnar engines (issue 14): ``feedlab publish`` vs DuckDB and polars.

What a data engineer who does not use feedlab would reach for: the same events
file (500k and 5M events, 10% exits, the benchmark feed of benchmarks/inputs.py)
to the same add and remove data files, CSV and JSON Lines. feedlab runs
``publish --to-dir`` (control files and the batch journal included, as in
production); DuckDB runs ``read_json`` into a table and one ``COPY ... TO`` per
file, polars ``read_ndjson``, expressions and ``write_csv`` / ``write_ndjson``
(``benchmarks/columnar_publish.py``). Every side is a whole process, so the peers'
interpreter start-up and imports count as feedlab's do. The warm-up round checks
that both peers' files are byte-identical to feedlab's (a peer that differs makes
the case an error); the timed rounds alternate the three sides.

Wall time: feedlab over the faster peer (target <= 1.0). Peak RSS (GNU time %M,
each process's own): feedlab over the smaller peer (target <= 0.2).
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
from benchmarks.e2e import publish_argv

SIZES = {"500k": 500_000, "5m": 5_000_000}
FORMATS = ("csv", "jsonl")
PEERS = ("duckdb", "polars")
OPERATIONS = ("add", "remove")
CASES = tuple(
    f"e2e-{size}-{fmt}-{kind}" for size in SIZES for fmt in FORMATS for kind in ("wall", "rss")
)
WALL_TARGET = Target("ratio_max", 1.0)
RSS_TARGET = Target("ratio_max", 0.2)
#: Timed rounds per side (after the verifying warm-up round).
REPEATS = {"500k": 5, "5m": 3}
SCRIPT = ROOT / "benchmarks" / "columnar_publish.py"
WRITER = {"csv": "write_csv", "jsonl": "write_ndjson"}
LABEL = {
    "duckdb": "DuckDB read_json + COPY TO",
    "polars": "polars read_ndjson + {}",
}


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def _data_files(side: str, out: Path, fmt: str) -> dict[str, Path]:
    """The add and remove data files a side wrote (feedlab's under its dated path)."""
    if side == "feedlab":
        return {op: next(out.rglob(f"bench_6_{op}_*.{fmt}")) for op in OPERATIONS}
    return {op: out / f"{op}.{fmt}" for op in OPERATIONS}


def argv(side: str, events: Path, config: Path, out: Path, fmt: str) -> list[str]:
    if side == "feedlab":
        return publish_argv(config, events, out)
    return [sys.executable, str(SCRIPT), side, str(events), str(out), fmt]


def _format_cases(
    size: str,
    fmt: str,
    events: Path,
    count: int,
    settings: Settings,
    want: Callable[[str], bool],
    work: Path,
) -> list[CaseResult]:
    config = inputs.write_config(work / f"feed-{fmt}.toml", fmt)
    out, state = work / "out", work / "state"
    # A fresh batch journal per run: each publish is a first delivery, as in production.
    env = python_env({"FEEDLAB_STATE_DIR": str(state)})
    sides = ("feedlab", *PEERS)
    wall: dict[str, list[float]] = {side: [] for side in sides}
    rss: dict[str, list[float]] = {side: [] for side in sides}
    cpu: dict[str, list[float]] = {side: [] for side in sides}
    digests: dict[str, dict[str, str]] = {}

    def measure(side: str) -> Callable[[bool], None]:
        def go(record: bool) -> None:
            done = run_process(argv(side, events, config, out, fmt), env=env).check(side)
            if record:
                wall[side].append(done.seconds)
                rss[side].append(done.max_rss / MB)
                cpu[side].append(done.cpu)
            if side not in digests:
                files = _data_files(side, out, fmt)
                digests[side] = {op: _digest(path) for op, path in files.items()}
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(state, ignore_errors=True)

        return go

    alternate(
        [measure(side) for side in sides],
        settings.repeats(REPEATS[size]),
        warmup=not settings.quick,
    )
    differ = [peer for peer in PEERS if digests[peer] != digests["feedlab"]]
    error = f"output differs from feedlab's: {', '.join(differ)}" if differ else None
    fastest = min(PEERS, key=lambda peer: median(wall[peer]))
    smallest = min(PEERS, key=lambda peer: median(rss[peer]))
    facts = [f"{count:,} events -> add + remove files ({fmt})"]
    if not differ:
        facts.append("both peers' add and remove files byte-identical to feedlab's")
    facts += [
        f"{side} {median(wall[side]):.2f} s, {median(rss[side]):.0f} MB, "
        f"CPU {median(cpu[side]):.2f} s"
        for side in sides
    ]
    results = []
    name = f"e2e-{size}-{fmt}-wall"
    if want(name):
        results.append(
            CaseResult(
                name=name,
                unit="s",
                feedlab=median(wall["feedlab"]),
                peer=f"the faster peer: {LABEL[fastest].format(WRITER[fmt])}, whole process",
                peer_value=median(wall[fastest]),
                target=WALL_TARGET,
                samples=dict(wall),
                best_ratio=paired_best(wall["feedlab"], wall[fastest], False),
                note="; ".join(facts),
                error=error,
            )
        )
    name = f"e2e-{size}-{fmt}-rss"
    if want(name):
        results.append(
            CaseResult(
                name=name,
                unit="MB",
                feedlab=median(rss["feedlab"]),
                peer=f"the smaller peer: {smallest} peak RSS",
                peer_value=median(rss[smallest]),
                target=RSS_TARGET,
                samples=dict(rss),
                best_ratio=paired_best(rss["feedlab"], rss[smallest], False),
                note=f"peak RSS (GNU time %M, each process's own) of the runs of e2e-{size}-"
                f"{fmt}-wall; " + ", ".join(f"{s} {median(rss[s]):.0f} MB" for s in sides),
                error=error,
            )
        )
    return results


def run(settings: Settings, want: Callable[[str], bool]) -> list[CaseResult]:
    results: list[CaseResult] = []
    with scratch("columnar") as work:
        for size, full in SIZES.items():
            formats = [
                fmt
                for fmt in FORMATS
                if want(f"e2e-{size}-{fmt}-wall") or want(f"e2e-{size}-{fmt}-rss")
            ]
            if not formats:
                continue
            count = settings.size(full)
            events = inputs.write_events(work / f"events-{size}.jsonl", count)
            for fmt in formats:
                results += _format_cases(size, fmt, events, count, settings, want, work)
            events.unlink()
    return results


def profile_side(name: str) -> str:
    """The wall and RSS cases of one size and format time the same feedlab runs."""
    return name.rsplit("-", 1)[0]


def profile(name: str, settings: Settings) -> str | None:
    """cProfile of ``feedlab publish`` (in a worker, every thread) on a fifth of the events."""
    from benchmarks.core import worker
    from benchmarks.profiling import ENV

    size, fmt = name.split("-")[1:3]
    with scratch("columnar-profile") as work:
        events = inputs.write_events(work / "events.jsonl", settings.size(SIZES[size]) // 5)
        config = inputs.write_config(work / "feed.toml", fmt)
        out = work / "out"
        cli = ["publish", str(config), "--events", str(events), "--to-dir", str(out)]
        env = python_env({ENV: "1", "FEEDLAB_STATE_DIR": str(work / "state")})
        done = run_process(worker("cli", argv=cli), env=env)
        text: str = done.check("profiled publish").json()["profile"]
        return text
