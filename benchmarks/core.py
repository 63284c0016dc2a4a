"""The suite's shared machinery: results, targets, alternation, subprocess measurement.

Every case runs feedlab and its peer alternately (ABBA order, so a drift in
machine load hits both sides alike) and reports medians. A case's ``ratio`` is
always feedlab over the peer in the case's own unit: rows/s, MiB/s and files/s
(higher is better, target ``>= x``), or seconds (lower is better, target
``<= x``). Absolute cases (peak RSS, frame gap) state their target on the
feedlab value and keep ``ratio`` informative.
"""

from __future__ import annotations

import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

ROOT = Path(__file__).resolve().parents[1]
MB = 1_000_000
MiB = 1024 * 1024

TargetKind = Literal["ratio_min", "ratio_max", "value_max", "delta_max", "info"]


@dataclass(frozen=True)
class Target:
    """What passing means for a case; ``text`` is what the table shows."""

    kind: TargetKind
    bound: float = 0.0
    unit: str = ""

    @property
    def text(self) -> str:
        if self.kind == "ratio_min":
            return f">= {self.bound:g}x"
        if self.kind == "ratio_max":
            return f"<= {self.bound:g}"
        if self.kind == "value_max":
            return f"< {self.bound:g} {self.unit}".rstrip()
        if self.kind == "delta_max":
            return f"<= peer + {self.bound:g} {self.unit}".rstrip()
        return "info"

    def check(self, feedlab: float | None, peer: float | None, ratio: float | None) -> bool | None:
        if self.kind == "info" or feedlab is None:
            return None
        if self.kind == "value_max":
            return feedlab < self.bound
        if self.kind == "delta_max":
            return None if peer is None else feedlab - peer <= self.bound
        if ratio is None:
            return None
        return ratio >= self.bound if self.kind == "ratio_min" else ratio <= self.bound


@dataclass
class CaseResult:
    """One row of the table and one entry of ``--json``'s ``cases``."""

    name: str
    unit: str
    feedlab: float | None
    peer: str
    peer_value: float | None
    target: Target
    samples: dict[str, list[float]] = field(default_factory=dict)
    note: str = ""
    error: str | None = None
    #: Best ratio over the paired runs of this case (the best-conditioned pair).
    best_ratio: float | None = None
    ratio_override: float | None = None

    @property
    def ratio(self) -> float | None:
        if self.ratio_override is not None:
            return self.ratio_override
        if self.feedlab is None or not self.peer_value:
            return None
        return self.feedlab / self.peer_value

    @property
    def passed(self) -> bool | None:
        if self.error is not None:
            return False
        return self.target.check(self.feedlab, self.peer_value, self.ratio)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "unit": self.unit,
            "feedlab": _round(self.feedlab),
            "peer": self.peer,
            "peer_value": _round(self.peer_value),
            "ratio": _round(self.ratio),
            "target": self.target.text,
            "pass": self.passed,
            "best_ratio": _round(self.best_ratio),
            "samples": {k: [_round(v) for v in vs] for k, vs in self.samples.items()},
            "note": self.note,
        }
        if self.error is not None:
            data["error"] = self.error
        return data


def _round(value: float | None) -> float | None:
    if value is None:
        return None
    return float(f"{value:.4g}")


@dataclass(frozen=True)
class Settings:
    """How big and how often: ``--quick`` divides every size by ~20."""

    quick: bool = False
    repeat: int | None = None

    def size(self, full: int) -> int:
        return max(1, full // 20) if self.quick else full

    def repeats(self, default: int) -> int:
        if self.repeat is not None:
            return max(1, self.repeat)
        return 1 if self.quick else default


def median(values: Sequence[float]) -> float:
    return float(statistics.median(values))


def alternate(
    sides: Sequence[Callable[[bool], None]], repeat: int, *, warmup: bool = False
) -> None:
    """Run each side ``repeat`` times, alternating ABBA so drift hits every side alike.

    A side is called with ``record``: False for the optional warm-up round,
    whose numbers are dropped. Sides record their own measurements (a case often
    takes several numbers from one run: wall time, peak RSS, CPU).
    """
    if warmup:
        for side in sides:
            side(False)
    for i in range(repeat):
        order = list(sides) if i % 2 == 0 else list(reversed(sides))
        for side in order:
            side(True)


def paired_best(
    feedlab: Sequence[float], peer: Sequence[float], higher_is_better: bool
) -> float | None:
    ratios = [f / p for f, p in zip(feedlab, peer, strict=False) if p]
    if not ratios:
        return None
    return max(ratios) if higher_is_better else min(ratios)


class Contender:
    """One contender's samples: its rate, its process's rate, its and the server's CPU."""

    def __init__(self) -> None:
        self.rate: list[float] = []
        self.proc_rate: list[float] = []
        self.cpu: list[float] = []
        self.server_cpu: list[float] = []

    def add(self, amount: float, seconds: float, done: ProcRun, server_cpu: float) -> None:
        self.rate.append(amount / seconds)
        self.proc_rate.append(amount / done.seconds)
        self.cpu.append(done.cpu)
        self.server_cpu.append(server_cpu)

    def cpu_note(self, name: str) -> str:
        return f"{name} CPU {median(self.cpu):.2f} s + server {median(self.server_cpu):.2f} s"


# -- subprocesses --------------------------------------------------------------


@dataclass(frozen=True)
class ProcRun:
    """A finished child process: wall time, its own peak RSS and CPU, its output."""

    seconds: float
    max_rss: int  # bytes
    cpu: float  # user + system seconds
    returncode: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        """The last stdout line, which every worker prints as one JSON object."""
        lines = [line for line in self.stdout.splitlines() if line.strip()]
        if not lines:
            raise RuntimeError(f"worker printed nothing; stderr: {self.stderr[-2000:]}")
        data: dict[str, Any] = json.loads(lines[-1])
        return data

    def check(self, what: str) -> ProcRun:
        if self.returncode != 0:
            detail = self.stderr.strip()[-2000:] or self.stdout[-500:]
            raise RuntimeError(f"{what} exited {self.returncode}: {detail}")
        return self


#: GNU time reports the peak RSS of the process it forks itself. ``wait4``'s own
#: ``ru_maxrss`` cannot be used directly: Linux carries the parent's high-water
#: mark over the fork/vfork + exec, so every child of a big orchestrator would
#: seem at least as big as it.
GNU_TIME = Path("/usr/bin/time")
_LAUNCHER = (
    "import os, subprocess, sys; p = subprocess.Popen(sys.argv[2:]); "
    "_, s, u = os.wait4(p.pid, 0); open(sys.argv[1], 'w').write(str(u.ru_maxrss)); "
    "sys.exit(os.waitstatus_to_exitcode(s) & 255)"
)


def run_process(
    argv: Sequence[str],
    *,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 1800.0,
) -> ProcRun:
    """Run ``argv`` to completion, measuring wall time, its own peak RSS and CPU."""
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.NamedTemporaryFile("r", suffix=".rss") as rss,
    ):
        if GNU_TIME.exists():
            command = [str(GNU_TIME), "-f", "%M", "-o", rss.name, *argv]
        else:
            command = [sys.executable, "-c", _LAUNCHER, rss.name, *argv]
        start = time.perf_counter()
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            env=dict(env) if env is not None else None,
            cwd=cwd,
            start_new_session=True,
        )
        timer = threading.Timer(timeout, _kill_group, args=(proc.pid,))
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        reported = rss.read().strip().splitlines()
        stderr = err.read().decode("utf-8", "replace")
        if proc.returncode != 0 and stderr.startswith("Command exited with non-zero status"):
            stderr = stderr.split("\n", 1)[-1]
        return ProcRun(
            seconds=seconds,
            max_rss=int(reported[-1]) * 1024 if reported else 0,  # KiB on Linux
            cpu=usage.ru_utime + usage.ru_stime,  # includes the measured grandchild
            returncode=proc.returncode,
            stdout=out.read().decode("utf-8", "replace"),
            stderr=stderr,
        )


def _kill_group(pid: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def python_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for Python children: ``benchmarks`` importable, after any override.

    An existing ``PYTHONPATH`` stays first, so a patched copy of ``feedcore``
    (``PYTHONPATH=/tmp/patched python -m benchmarks``) is what every child measures;
    ``PYTHONSAFEPATH`` keeps ``python -m`` from putting the checkout ahead of it.
    """
    env = dict(os.environ)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if str(ROOT) not in paths:
        paths.append(str(ROOT))
    env["PYTHONPATH"] = os.pathsep.join(paths)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONSAFEPATH"] = "1"  # never the current directory first: it may be the checkout
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    if extra:
        env.update(extra)
    return env


def worker(task: str, **params: Any) -> list[str]:
    """argv for one ``benchmarks.workers`` task (parameters travel as one JSON argument)."""
    return [sys.executable, "-m", "benchmarks.workers", task, json.dumps(params)]


@contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    """A temporary folder removed afterwards, whatever happens."""
    with tempfile.TemporaryDirectory(prefix=f"feedlab-bench-{prefix}-") as name:
        yield Path(name)


# -- the machine -----------------------------------------------------------------


def machine() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = []
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "date": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "loadavg_start": load,
    }


def loadavg() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None
