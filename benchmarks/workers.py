"""One measured job per process: ``python -m benchmarks.workers TASK 'JSON-PARAMS'``.

Each task prints one JSON object on its last stdout line. Timings inside a
worker start after imports: they cover building the client or sink (loading
boto3's service model, connecting and authenticating over SSH) and the
transfer, which is what a long-running job pays per run. The orchestrator
also has each process's wall time, peak RSS and CPU (``wait4``).
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks import inputs
from benchmarks.profiling import ENV, profile_call


def _s3_sink(p: dict[str, Any]) -> Any:
    from feedcore.sinks.s3 import S3Sink

    return S3Sink(p["bucket"], endpoint_url=p["endpoint_url"])


def _sftp_sink(p: dict[str, Any]) -> Any:
    from feedcore.sinks.sftp import SFTPSink

    return SFTPSink(
        p["host"],
        p["port"],
        username=p["username"],
        known_hosts=Path(p["known_hosts_file"]),
        client_key=Path(p["private_key_file"]),
    )


def _import_sink(target: str) -> None:
    """Import a sink's module (boto3 or asyncssh) before a timing starts."""
    importlib.import_module(f"feedcore.sinks.{target}")


def sink_put(p: dict[str, Any]) -> dict[str, Any]:
    """S3Sink.put / SFTPSink.put of one local file (a spooled data file)."""
    from feedcore.sinks.base import Payload

    payload = Payload.from_file(Path(p["file"]))
    _import_sink(p["target"])  # imports are outside the timing, as for the peers
    start = time.perf_counter()
    sink = _s3_sink(p) if p["target"] == "s3" else _sftp_sink(p)
    try:
        sink.put(p["key"], payload)
        seconds = time.perf_counter() - start
    finally:
        sink.close()
    return {"seconds": seconds, "bytes": payload.size}


def boto3_upload(p: dict[str, Any]) -> dict[str, Any]:
    """boto3 ``upload_file`` with the default TransferConfig and a default client."""
    import boto3

    start = time.perf_counter()
    client = boto3.client("s3", endpoint_url=p["endpoint_url"])
    client.upload_file(p["file"], p["bucket"], p["key"])
    seconds = time.perf_counter() - start
    client.close()
    return {"seconds": seconds}


def _events(batch: list[dict[str, Any]]) -> list[Any]:
    from feedcore.events import Event

    return [Event(r["type"], r["email"], None, r["attributes"]) for r in batch]


def small_exports(sink: Any, count: int, workers: int, fmt: str, host: str, target: str) -> int:
    """``count`` FeedWriter exports of a few rows each; returns the files delivered."""
    from feedcore.config import loads_config
    from feedcore.writer import FeedWriter

    config = loads_config(inputs.config_toml(fmt, target=target, host=host))
    writer = FeedWriter(config, sink)
    batches = [_events(b) for b in inputs.small_batches(count)]

    def export(batch: list[Any]) -> int:
        return 2 * len(writer.export(batch, at=inputs.AT).files)

    if workers <= 1:
        return sum(map(export, batches))
    with ThreadPoolExecutor(workers) as pool:
        return sum(pool.map(export, batches))


def sink_exports(p: dict[str, Any]) -> dict[str, Any]:
    _import_sink(p["target"])
    importlib.import_module("feedcore.writer")

    start = time.perf_counter()
    sink = _s3_sink(p) if p["target"] == "s3" else _sftp_sink(p)
    try:
        host = p["bucket"] if p["target"] == "s3" else p["host"]
        files = small_exports(sink, p["count"], p["workers"], p["format"], host, p["target"])
        seconds = time.perf_counter() - start
    finally:
        sink.close()
    return {"seconds": seconds, "files": files}


def _tree(folder: Path) -> Iterator[Path]:
    return (path for path in sorted(folder.rglob("*")) if path.is_file())


def boto3_puts(p: dict[str, Any]) -> dict[str, Any]:
    """``put_object`` of every file under ``dir`` from a thread pool (default client)."""
    import boto3

    folder = Path(p["dir"])
    files = list(_tree(folder))
    start = time.perf_counter()
    client = boto3.client("s3", endpoint_url=p["endpoint_url"])

    def put(path: Path) -> None:
        key = f"{p['prefix']}/{path.relative_to(folder).as_posix()}"
        client.put_object(Bucket=p["bucket"], Key=key, Body=path.read_bytes())

    with ThreadPoolExecutor(p["workers"]) as pool:
        list(pool.map(put, files))
    seconds = time.perf_counter() - start
    client.close()
    return {"seconds": seconds, "files": len(files)}


def rss_export(p: dict[str, Any]) -> dict[str, Any]:
    """An export of ``count`` contacts streamed from a generator into a LocalSink."""
    from feedcore.config import loads_config
    from feedcore.events import Event
    from feedcore.sinks.local import LocalSink
    from feedcore.writer import FeedWriter

    pool = inputs.attribute_pool()
    size = len(pool)

    def events(count: int) -> Iterator[Event]:
        for i in range(count):
            yield Event("enter", f"user{i}@example.com", None, pool[i % size])

    config = loads_config(inputs.config_toml(p["format"]))
    out = Path(p["out"])
    start = time.perf_counter()
    result = FeedWriter(config, LocalSink(out), seed=1, spool_dir=out).export(
        events(p["count"]), at=inputs.AT
    )
    return {"seconds": time.perf_counter() - start, "rows": result.rows}


def cli(p: dict[str, Any]) -> dict[str, Any]:
    """``feedlab ARGS...`` in this process (so it can be profiled)."""
    from feedlab.cli import main

    start = time.perf_counter()
    code = main(p["argv"])
    return {"seconds": time.perf_counter() - start, "exit": code}


TASKS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "cli": cli,
    "sink-put": sink_put,
    "boto3-upload": boto3_upload,
    "sink-exports": sink_exports,
    "boto3-puts": boto3_puts,
    "rss-export": rss_export,
}


def main(task: str, params: dict[str, Any]) -> dict[str, Any]:
    """Run ``task``; with ``FEEDLAB_BENCH_PROFILE=1`` also profile it (all threads)."""
    if os.environ.get(ENV) != "1":
        return TASKS[task](params)
    result, profile = profile_call(lambda: TASKS[task](params))
    return {**result, "profile": profile}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], json.loads(sys.argv[2]))), flush=True)
