"""S3 delivery: S3Sink against boto3 and the aws CLI, all on one mock server (issue 6).

The mock server (moto) runs in its own process; every client runs in a fresh
process of its own. feedlab and a library peer (boto3) are timed inside their
worker from building the client to the end of the transfer; the aws CLI is
timed as its whole process, since that is what invoking it costs. The note of
the CLI case also gives the whole-process ratio (feedlab's interpreter
start-up and imports included). Server and client CPU per run are recorded:
they say which side bounds a case.
"""

from __future__ import annotations

import sys
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

BIG = 100 * MiB
EXPORTS = 1000
#: Threads on both sides of the small-exports case (boto3's pool holds 10 connections).
POOL = 8
CASES = ("s3-100mib-boto3", "s3-100mib-awscli", "s3-small-exports")


def aws_program() -> str:
    beside = Path(sys.executable).with_name("aws")
    return str(beside) if beside.is_file() else "aws"


def _big(
    server: Server, settings: Settings, want: Callable[[str], bool], work: Path
) -> list[CaseResult]:
    size = settings.size(BIG)
    mib = size / MiB
    data = inputs.write_payload(work / "bench_6_add_0a1b2c3d_20261127030000.csv", size)
    env = server.client_env(python_env(), work)
    where = {"endpoint_url": server.info["endpoint_url"], "bucket": server.info["bucket"]}
    feedlab, boto3, aws = Contender(), Contender(), Contender()

    def run_feedlab(record: bool) -> None:
        argv = worker("sink-put", target="s3", file=str(data), key="feedlab/big.csv", **where)
        done, cpu = server.run(argv, env, "S3Sink.put")
        if record:
            feedlab.add(mib, done.json()["seconds"], done, cpu)

    def run_boto3(record: bool) -> None:
        argv = worker("boto3-upload", file=str(data), key="boto3/big.csv", **where)
        done, cpu = server.run(argv, env, "boto3 upload_file")
        if record:
            boto3.add(mib, done.json()["seconds"], done, cpu)

    def run_aws(record: bool) -> None:
        argv = [aws_program(), "s3", "cp", "--only-show-errors", str(data)]
        argv.append(f"s3://{where['bucket']}/aws/big.csv")
        done, cpu = server.run(argv, env, "aws s3 cp")
        if record:
            aws.add(mib, done.seconds, done, cpu)

    sides = [run_feedlab]
    if want("s3-100mib-boto3"):
        sides.append(run_boto3)
    if want("s3-100mib-awscli"):
        sides.append(run_aws)
    alternate(sides, settings.repeats(7), warmup=True)
    results = []
    label = f"{mib:g} MiB"
    if want("s3-100mib-boto3"):
        results.append(
            CaseResult(
                name="s3-100mib-boto3",
                unit="MiB/s",
                feedlab=median(feedlab.rate),
                peer=f"boto3 upload_file, default TransferConfig ({label})",
                peer_value=median(boto3.rate),
                target=Target("ratio_min", 1.0),
                samples={"feedlab": feedlab.rate, "boto3": boto3.rate},
                best_ratio=paired_best(feedlab.rate, boto3.rate, True),
                note=f"client built + transfer, in a fresh worker; {feedlab.cpu_note('feedlab')}"
                f"; {boto3.cpu_note('boto3')} (process totals)",
            )
        )
    if want("s3-100mib-awscli"):
        whole = median(feedlab.proc_rate) / median(aws.rate)
        results.append(
            CaseResult(
                name="s3-100mib-awscli",
                unit="MiB/s",
                feedlab=median(feedlab.rate),
                peer=f"aws s3 cp, whole process ({label})",
                peer_value=median(aws.rate),
                target=Target("ratio_min", 1.5),
                samples={"feedlab": feedlab.rate, "aws": aws.rate},
                best_ratio=paired_best(feedlab.rate, aws.rate, True),
                note=f"whole-process ratio (feedlab start-up and imports included) "
                f"{whole:.2f}x; {aws.cpu_note('aws')}",
            )
        )
    return results


def _small(server: Server, settings: Settings, work: Path) -> CaseResult:
    from benchmarks.workers import small_exports
    from feedcore.sinks.local import LocalSink

    count = settings.size(EXPORTS)
    bucket = server.info["bucket"]
    files = work / "exports"
    written = small_exports(LocalSink(files), count, 1, "csv", bucket, "s3")
    env = server.client_env(python_env(), work)
    where = {"endpoint_url": server.info["endpoint_url"], "bucket": bucket}
    feedlab, boto3 = Contender(), Contender()

    def run_feedlab(record: bool) -> None:
        argv = worker("sink-exports", target="s3", count=count, workers=POOL, format="csv", **where)
        done, cpu = server.run(argv, env, "FeedWriter exports to S3")
        result = done.json()
        if record:
            feedlab.add(result["files"], result["seconds"], done, cpu)

    def run_boto3(record: bool) -> None:
        argv = worker("boto3-puts", dir=str(files), prefix="peer", workers=POOL, **where)
        done, cpu = server.run(argv, env, "boto3 put_object pool")
        result = done.json()
        if record:
            boto3.add(result["files"], result["seconds"], done, cpu)

    alternate([run_feedlab, run_boto3], settings.repeats(3), warmup=not settings.quick)
    return CaseResult(
        name="s3-small-exports",
        unit="files/s",
        feedlab=median(feedlab.rate),
        peer=f"boto3 put_object, {POOL} threads, same {written:,} files",
        peer_value=median(boto3.rate),
        target=Target("ratio_min", 1.0),
        samples={"feedlab": feedlab.rate, "boto3": boto3.rate},
        best_ratio=paired_best(feedlab.rate, boto3.rate, True),
        note=f"{count:,} FeedWriter exports of 3 contacts (data + control file), {POOL} at a "
        f"time through one S3Sink; {feedlab.cpu_note('feedlab')}; {boto3.cpu_note('boto3')}",
    )


def run(settings: Settings, want: Callable[[str], bool]) -> list[CaseResult]:
    results: list[CaseResult] = []
    with scratch("s3") as work, serve("s3", python_env()) as server:
        if want("s3-100mib-boto3") or want("s3-100mib-awscli"):
            results += _big(server, settings, want, work)
        if want("s3-small-exports"):
            results.append(_small(server, settings, work))
    return results


def profile_side(name: str) -> str:
    """Both 100 MiB cases time the same S3Sink.put."""
    return "s3-100mib" if name.startswith("s3-100mib") else name


def profile(name: str, settings: Settings) -> str | None:
    """cProfile (all threads) of feedlab's worker for ``name``, against a fresh server."""
    from benchmarks.profiling import ENV

    env_extra = {ENV: "1"}
    with scratch("s3-profile") as work, serve("s3", python_env()) as server:
        env = server.client_env(python_env(env_extra), work)
        where = {"endpoint_url": server.info["endpoint_url"], "bucket": server.info["bucket"]}
        if name == "s3-small-exports":
            count = settings.size(EXPORTS) // 2
            argv = worker(
                "sink-exports", target="s3", count=count, workers=POOL, format="csv", **where
            )
        else:
            data = inputs.write_payload(work / "big.csv", settings.size(BIG))
            argv = worker("sink-put", target="s3", file=str(data), key="big.csv", **where)
        done, cpu = server.run(argv, env, "profiled feedlab worker")
        profile: str = done.json()["profile"]
        return f"server CPU during this run: {cpu:.2f} s; client CPU {done.cpu:.2f} s\n" + profile
