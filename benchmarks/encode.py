"""Encoding throughput: feedlab's generated contact encoder (feedcore.engine) against the stdlib.

In-process on purpose: these cases measure the encoder, not interpreter start-up.
Every side gets its input ready-made in its own natural form (feedlab: the
writer's contact groups; ``csv.writer``: row tuples; ``json.dumps``: row dicts)
and writes the whole file, buffered the way it would be in production. (polars on
a ready-made DataFrame was retired by issue 14 for the end-to-end cases of
benchmarks/columnar.py, which is what a user compares.) The warm-up round writes
real files and checks that every side's bytes are identical; the timed rounds
write to ``/dev/null`` so that the shared disk's noise is not what is measured
(e2e covers the disk).
rows/s = rows written / seconds.

The ``fused-*`` cases are informative: the writer's generated raw-line loop from raw
JSON Lines (parse, build, encode, spool) against ``json.loads`` + ``csv.writer``
(or ``json.dumps``) in the same process.
"""

from __future__ import annotations

import csv
import gc
import hashlib
import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from benchmarks import inputs, stdlib_publish
from benchmarks.core import (
    CaseResult,
    Settings,
    Target,
    alternate,
    median,
    paired_best,
    scratch,
)

FORMATS = ("csv", "tsv", "jsonl")
CONTACTS = 500_000  # x 2 rows (data_feed + one action) = 1M rows
FUSED_EVENTS = 500_000
CASES = (
    *(f"encode-{f}-stdlib" for f in FORMATS),
    *(f"fused-{f}-stdlib" for f in FORMATS),
)
STDLIB_TARGET = Target("ratio_min", 3.0)
#: Timed runs write here: every side still encodes to UTF-8 and makes its write
#: calls, but no side waits for the (shared, noisy) disk, which e2e covers.
NULL = Path(os.devnull)


class NullSink:
    """Accepts every file and keeps nothing: the fused case measures encoding, not delivery."""

    label = "null://"

    def put(self, key: str, payload: Any, *, exclusive: bool = False) -> None:
        pass

    def exists(self, key: str) -> bool:
        return False

    def list(self, prefix: str = "") -> Iterator[Any]:
        return iter(())

    def read(self, key: str) -> bytes:
        raise KeyError(key)

    def close(self) -> None:
        pass


class _Inputs:
    """Contacts and rows for the same 1M rows, built once (not timed)."""

    def __init__(self, contacts: int) -> None:
        from feedcore.config import loads_config
        from feedcore.events import Event
        from feedcore.naming import row_timestamp
        from feedcore.rows import RowBuilder

        self.config = loads_config(inputs.config_toml("csv"))
        self.timestamp = row_timestamp(inputs.AT)
        builder = RowBuilder(self.config)
        groups = []
        for record in inputs.event_records(contacts, exit_share=0.0):
            built = builder.build(
                Event(record["type"], record["email"], None, record["attributes"])
            )
            assert built is not None
            groups.append(built)
        self.contacts = groups
        flow = self.config.flow
        self.rows = [row for c in groups for row in c.rows(self.timestamp, flow.segment, flow.name)]
        self.columns = self.config.columns

    def encoder(self, fmt: str) -> Any:
        """The writer's engine for the same feed in ``fmt`` (same flow, same contexts)."""
        from feedcore.config import loads_config
        from feedcore.engine import Engine

        config = loads_config(inputs.config_toml(fmt))
        assert config.columns == self.columns
        return Engine(config, self.timestamp)


def _feedlab(encoder: Any, contacts: list[Any], path: Path) -> float:
    """The writer's encoding loop over ready-made contact groups, spooled as the writer does:
    ``encode_contacts`` per ``ENCODE_BATCH`` contacts, each batch encoded to UTF-8 as it is
    spooled and written every ``FLUSH_BYTES``."""
    from feedcore.encode import ENCODE_BATCH
    from feedcore.spool import FLUSH_BYTES

    start = time.perf_counter()
    with path.open("wb") as fh:
        fh.write(encoder.header().encode("utf-8"))
        chunks: list[bytes] = []
        size = 0
        for i in range(0, len(contacts), ENCODE_BATCH):
            data = encoder.encode_contacts(contacts[i : i + ENCODE_BATCH], "add")[0].encode("utf-8")
            chunks.append(data)
            size += len(data)
            if size >= FLUSH_BYTES:
                fh.write(b"".join(chunks))
                chunks.clear()
                size = 0
        fh.write(b"".join(chunks))
    return time.perf_counter() - start


def _stdlib_delimited(fmt: str, columns: tuple[str, ...], rows: list[Any], path: Path) -> float:
    start = time.perf_counter()
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, "excel-tab" if fmt == "tsv" else "excel")
        writer.writerow(columns)
        writer.writerows(rows)
    return time.perf_counter() - start


def _stdlib_json(records: list[dict[str, Any]], path: Path) -> float:
    start = time.perf_counter()
    with path.open("w", encoding="utf-8", newline="") as fh:
        for record in records:
            fh.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
    return time.perf_counter() - start


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 22):
            h.update(chunk)
    return h.hexdigest()


def _encode_format(fmt: str, data: _Inputs, settings: Settings, work: Path) -> list[CaseResult]:
    rows = len(data.rows)
    encoder = data.encoder(fmt)
    records: list[dict[str, Any]] = []
    if fmt == "jsonl":
        records = [dict(zip(data.columns, row, strict=True)) for row in data.rows]
    gc.collect()
    gc.freeze()  # the inputs are long-lived: keep collections from rescanning them
    rates: dict[str, list[float]] = {"feedlab": [], "stdlib": []}
    digests: dict[str, str] = {}

    def run(side: str, fn: Callable[[Path], float]) -> Callable[[bool], None]:
        def go(record: bool) -> None:
            if side not in digests:  # the first (warm-up) round writes a real file to compare
                path = work / f"{side}.{fmt}"
                fn(path)
                digests[side] = _digest(path)
                path.unlink()
            seconds = fn(NULL)
            if record:
                rates[side].append(rows / seconds)

        return go

    if fmt == "jsonl":
        stdlib = run("stdlib", lambda p: _stdlib_json(records, p))
    else:
        stdlib = run("stdlib", lambda p: _stdlib_delimited(fmt, data.columns, data.rows, p))
    alternate(
        [run("feedlab", lambda p: _feedlab(encoder, data.contacts, p)), stdlib],
        settings.repeats(5),
        warmup=True,
    )
    gc.unfreeze()
    same = digests.get("stdlib") == digests.get("feedlab")
    label = "csv.writer" if fmt != "jsonl" else "json.dumps per row"
    return [
        CaseResult(
            name=f"encode-{fmt}-stdlib",
            unit="rows/s",
            feedlab=median(rates["feedlab"]),
            peer=f"{label} ({fmt}, {rows:,} rows)",
            peer_value=median(rates["stdlib"]),
            target=STDLIB_TARGET,
            samples=dict(rates),
            best_ratio=paired_best(rates["feedlab"], rates["stdlib"], True),
            note=f"{len(data.contacts):,} contacts x 2 rows; output "
            + ("byte-identical" if same else "differs from feedlab's"),
        )
    ]


def _fused(fmt: str, events: Path, rows: int, settings: Settings, work: Path) -> CaseResult:
    from feedcore.config import loads_config
    from feedcore.events import EventReader
    from feedcore.writer import FeedWriter

    config = loads_config(inputs.config_toml(fmt))
    rates: dict[str, list[float]] = {"feedlab": [], "stdlib": []}

    def feedlab(record: bool) -> None:
        start = time.perf_counter()
        with events.open("rb") as stream:
            result = FeedWriter(config, NullSink(), seed=1, spool_dir=work).export(
                EventReader(stream), at=inputs.AT
            )
        if record:
            rates["feedlab"].append(result.rows / (time.perf_counter() - start))

    def stdlib(record: bool) -> None:
        out = work / "stdlib"
        start = time.perf_counter()
        written = stdlib_publish.publish(events, out, fmt)
        if record:
            rates["stdlib"].append(written / (time.perf_counter() - start))
        for path in out.iterdir():
            path.unlink()

    alternate([feedlab, stdlib], settings.repeats(3))
    return CaseResult(
        name=f"fused-{fmt}-stdlib",
        unit="rows/s",
        feedlab=median(rates["feedlab"]),
        peer=f"json.loads + {'json.dumps' if fmt == 'jsonl' else 'csv.writer'} in-process",
        peer_value=median(rates["stdlib"]),
        target=Target("info"),
        samples=dict(rates),
        best_ratio=paired_best(rates["feedlab"], rates["stdlib"], True),
        note=f"FeedWriter.export(EventReader) of {rows // 2:,} raw event lines "
        "(fused path, spooled to disk, null sink), informative",
    )


def run(settings: Settings, want: Callable[[str], bool]) -> list[CaseResult]:
    results: list[CaseResult] = []
    with scratch("encode") as work:
        if any(want(f"encode-{f}-stdlib") for f in FORMATS):
            data = _Inputs(settings.size(CONTACTS))
            for fmt in FORMATS:
                if want(f"encode-{fmt}-stdlib"):
                    results += _encode_format(fmt, data, settings, work)
            del data
            gc.collect()
        fused = [f for f in FORMATS if want(f"fused-{f}-stdlib")]
        if fused:
            count = settings.size(FUSED_EVENTS)
            events = inputs.write_events(work / "events.jsonl", count)
            for fmt in fused:
                results.append(_fused(fmt, events, count * 2, settings, work))
    return results


def profile(name: str, settings: Settings) -> str | None:
    """cProfile of feedlab's side of ``name`` at a fifth of its size."""
    from benchmarks.profiling import profile_call

    fmt = name.split("-")[1]
    with scratch("encode-profile") as work:
        if name.startswith("encode-"):
            data = _Inputs(settings.size(CONTACTS) // 5)
            encoder = data.encoder(fmt)
            _, text = profile_call(lambda: _feedlab(encoder, data.contacts, work / "out"))
            return text
        from feedcore.config import loads_config
        from feedcore.events import EventReader
        from feedcore.writer import FeedWriter

        config = loads_config(inputs.config_toml(fmt))
        events = inputs.write_events(work / "events.jsonl", settings.size(FUSED_EVENTS) // 5)

        def export() -> None:
            with events.open("rb") as stream:
                writer = FeedWriter(config, NullSink(), seed=1, spool_dir=work)
                writer.export(EventReader(stream), at=inputs.AT)

        return profile_call(export)[1]
