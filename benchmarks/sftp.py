"""SFTP delivery: SFTPSink against OpenSSH ``sftp -b`` on one mock server (issue 6).

The mock server (asyncssh) runs in its own process. feedlab is timed inside a
fresh worker from building the sink (connect, key exchange, auth) to the end
of the transfer; OpenSSH ``sftp`` as its whole process (its start-up is a few
milliseconds). The notes give the whole-process ratio too, and each side's
and the server's CPU. Both sides use their default ciphers.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from benchmarks import inputs
from benchmarks.core import (
    CaseResult,
    Contender,
    MiB,
    Settings,
    Target,
    alternate,
    median,
    paired_best,
    python_env,
    scratch,
    worker,
)
from benchmarks.servers import Server, serve

OPENSSH_SFTP = Path("/usr/bin/sftp")
BIG = 100 * MiB
EXPORTS = 1000
#: Exports in flight at once through the one SFTPSink connection.
POOL = 8
CASES = ("sftp-100mib-openssh", "sftp-small-exports")


def openssh_argv(server: Server, batch: Path) -> list[str]:
    """OpenSSH ``sftp`` in batch mode, with only the mock's key and known-hosts file."""
    info = server.info
    return [
        str(OPENSSH_SFTP),
        "-F", "/dev/null",
        "-i", info["private_key_file"],
        "-o", f"UserKnownHostsFile={info['known_hosts_file']}",
        "-o", "GlobalKnownHostsFile=/dev/null",
        "-o", "StrictHostKeyChecking=yes",
        "-o", "BatchMode=yes",
        "-o", "IdentitiesOnly=yes",
        "-o", "IdentityAgent=none",
        "-P", str(info["port"]),
        "-b", str(batch),
        f"{info['username']}@{info['host']}",
    ]  # fmt: skip


def _where(server: Server) -> dict[str, object]:
    keys = ("host", "port", "username", "private_key_file", "known_hosts_file")
    return {k: server.info[k] for k in keys}


def _big(server: Server, settings: Settings, work: Path) -> CaseResult:
    size = settings.size(BIG)
    mib = size / MiB
    data = inputs.write_payload(work / "bench_6_add_0a1b2c3d_20261127030000.csv", size)
    batch = work / "big.batch"
    batch.write_text(f"put {data} /openssh-big.csv\n")
    env = python_env()
    feedlab, openssh = Contender(), Contender()

    def run_feedlab(record: bool) -> None:
        argv = worker(
            "sink-put", target="sftp", file=str(data), key="feedlab-big.csv", **_where(server)
        )
        done, cpu = server.run(argv, env, "SFTPSink.put")
        if record:
            feedlab.add(mib, done.json()["seconds"], done, cpu)

    def run_openssh(record: bool) -> None:
        done, cpu = server.run(openssh_argv(server, batch), env, "sftp -b put")
        if record:
            openssh.add(mib, done.seconds, done, cpu)

    alternate([run_feedlab, run_openssh], settings.repeats(5), warmup=True)
    whole = median(feedlab.proc_rate) / median(openssh.rate)
    return CaseResult(
        name="sftp-100mib-openssh",
        unit="MiB/s",
        feedlab=median(feedlab.rate),
        peer=f"OpenSSH sftp -b put, whole process ({mib:g} MiB)",
        peer_value=median(openssh.rate),
        target=Target("ratio_min", 1.0),
        samples={"feedlab": feedlab.rate, "openssh": openssh.rate},
        best_ratio=paired_best(feedlab.rate, openssh.rate, True),
        note=f"whole-process ratio {whole:.2f}x; {feedlab.cpu_note('feedlab')}; "
        f"{openssh.cpu_note('sftp')}",
    )


def _small(server: Server, settings: Settings, work: Path) -> CaseResult:
    from benchmarks.workers import small_exports
    from feedcore.sinks.local import LocalSink

    count = settings.size(EXPORTS)
    host = str(server.info["host"])
    files = work / "exports"
    written = small_exports(LocalSink(files), count, 1, "csv", host, "sftp")
    paths = sorted(p for p in files.rglob("*") if p.is_file())
    lines = []
    for folder in sorted({p.parent.relative_to(files) for p in paths}):
        for depth in range(len(folder.parts) + 1):
            lines.append("-mkdir /openssh/" + "/".join(folder.parts[:depth]))
    lines += [f"put {p} /openssh/{p.relative_to(files).as_posix()}" for p in paths]
    batch = work / "small.batch"
    batch.write_text("\n".join(dict.fromkeys(lines)) + "\n")
    env = python_env()
    feedlab, openssh = Contender(), Contender()
    root = Path(server.info["root"])

    def run_feedlab(record: bool) -> None:
        params = {"target": "sftp", "count": count, "workers": POOL, "format": "csv"}
        argv = worker("sink-exports", **params, **_where(server))
        done, cpu = server.run(argv, env, "FeedWriter exports to SFTP")
        result = done.json()
        if record:
            feedlab.add(result["files"], result["seconds"], done, cpu)
        shutil.rmtree(root / "exports", ignore_errors=True)

    def run_openssh(record: bool) -> None:
        done, cpu = server.run(openssh_argv(server, batch), env, "sftp -b puts")
        if record:
            openssh.add(written, done.seconds, done, cpu)
        shutil.rmtree(root / "openssh", ignore_errors=True)

    alternate([run_feedlab, run_openssh], settings.repeats(3), warmup=not settings.quick)
    whole = median(feedlab.proc_rate) / median(openssh.rate)
    return CaseResult(
        name="sftp-small-exports",
        unit="files/s",
        feedlab=median(feedlab.rate),
        peer=f"OpenSSH sftp -b, {written:,} puts in one session",
        peer_value=median(openssh.rate),
        target=Target("ratio_min", 1.0),
        samples={"feedlab": feedlab.rate, "openssh": openssh.rate},
        best_ratio=paired_best(feedlab.rate, openssh.rate, True),
        note=f"{count:,} FeedWriter exports of 3 contacts, {POOL} at a time through one "
        f"SFTPSink; whole-process ratio {whole:.2f}x; {feedlab.cpu_note('feedlab')}; "
        f"{openssh.cpu_note('sftp')}",
    )


def run(settings: Settings, want: Callable[[str], bool]) -> list[CaseResult]:
    if not OPENSSH_SFTP.exists():
        raise RuntimeError(f"OpenSSH sftp not found at {OPENSSH_SFTP}")
    results: list[CaseResult] = []
    with scratch("sftp") as work, serve("sftp", python_env()) as server:
        if want("sftp-100mib-openssh"):
            results.append(_big(server, settings, work))
        if want("sftp-small-exports"):
            results.append(_small(server, settings, work))
    return results


def profile(name: str, settings: Settings) -> str | None:
    """cProfile (all threads) of feedlab's worker for ``name``, against a fresh server."""
    from benchmarks.profiling import ENV

    with scratch("sftp-profile") as work, serve("sftp", python_env()) as server:
        env = python_env({ENV: "1"})
        if name == "sftp-small-exports":
            params = {"target": "sftp", "count": settings.size(EXPORTS) // 2, "format": "csv"}
            argv = worker("sink-exports", workers=POOL, **params, **_where(server))
        else:
            data = inputs.write_payload(work / "big.csv", settings.size(BIG))
            argv = worker(
                "sink-put", target="sftp", file=str(data), key="big.csv", **_where(server)
            )
        done, cpu = server.run(argv, env, "profiled feedlab worker")
        profile: str = done.json()["profile"]
        return f"server CPU during this run: {cpu:.2f} s; client CPU {done.cpu:.2f} s\n" + profile
