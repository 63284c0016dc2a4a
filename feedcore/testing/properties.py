"""The conformance properties of one export, as a library (issue 13).

:func:`check_export` exports a batch of events through a writer (by default
the production :class:`~feedcore.writer.FeedWriter`) into a sink, reads every
file back through that sink as a client would, and returns what is wrong:

* ``verify`` — :func:`feedcore.verify_location` finds nothing (FS-2..FS-6);
* ``parse`` — every record parses with the standard ``csv``/``json`` readers;
* ``rows`` — the rows equal :mod:`feedcore.testing.oracle`'s, file by file:
  count, order, identifiers (hashed or not), context values, nulls; in a
  hashed feed no file holds a contact's address (FS-2.5);
* ``order`` — each control file was put after its complete data file
  (FS-6.1), as a wrapper around the sink records the calls;
* ``rerun`` — a second export with the same seed and time writes the same
  names and bytes (FS-8).

A service can run these on its own sink (its wrapper around S3, say); the
sink must start empty. The events go through an FS-7 JSON Lines file, read
by :func:`feedcore.read_events` as ``feedlab publish`` reads them, so the
production path is what is checked and a failing batch is a file already.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, Self

from feedcore import tempfiles
from feedcore.config import FeedConfig
from feedcore.errors import FeedError
from feedcore.events import Event, dump_event
from feedcore.eventsource import read_events
from feedcore.sinks.base import ObjectInfo, Payload, Sink
from feedcore.sinks.memory import MemorySink
from feedcore.testing import oracle
from feedcore.testing.readback import Readback, read_feed
from feedcore.verify import verify_location
from feedcore.writer import FeedWriter

#: The properties, in the order they are checked and reported.
PROPERTIES = ("export", "verify", "parse", "rows", "order", "rerun")


class Exporter(Protocol):
    """What a writer must offer: ``FeedWriter`` and any wrapper of a service's."""

    def export(self, events: Any, *, at: datetime | None = None) -> Any: ...


#: Makes the writer under test: called as ``factory(config, sink, seed=seed)``.
WriterFactory = Callable[..., Exporter]


@dataclass(frozen=True)
class Failure:
    """One property an export broke: which, the spec rule, and what was seen."""

    prop: str
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.prop}: {self.message} [{self.rule}]"


@dataclass
class ExportReport:
    """What :func:`check_export` found, and how many files and rows it read."""

    failures: list[Failure] = field(default_factory=list)
    files: int = 0
    rows: int = 0


class RecordingSink:
    """A sink wrapper that records each call (``("put", key)`` once the put returned)."""

    def __init__(self, inner: Sink) -> None:
        self.inner = inner
        self.label = inner.label
        self.calls: list[tuple[str, str]] = []
        listeners = getattr(inner, "listeners", None)
        if listeners is not None:
            self.listeners = listeners  # the writer reports retries through them

    def put(self, key: str, payload: Payload, *, exclusive: bool = False) -> None:
        self.calls.append(("put-start", key))
        self.inner.put(key, payload, exclusive=exclusive)
        self.calls.append(("put", key))

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        return self.inner.list(prefix)

    def read(self, key: str, limit: int | None = None) -> bytes:
        return self.inner.read(key, limit)

    def close(self) -> None:
        """The inner sink belongs to the caller: it is not closed here."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def write_events(path: Path, events: Sequence[Event]) -> None:
    """``events`` as an FS-7 JSON Lines file (the shrunk failure a user replays)."""
    path.write_bytes(b"".join(dump_event(e) for e in events))


def check_export(
    config: FeedConfig,
    events: Sequence[Event],
    sink: Sink,
    *,
    at: datetime,
    seed: int | str,
    writer: WriterFactory = FeedWriter,
) -> ExportReport:
    """Export ``events`` into the empty ``sink`` and check every property (see the module)."""
    report = ExportReport()
    with tempfiles.private_dir("conformance") as work:
        events_file = work.path / "events.jsonl"
        write_events(events_file, events)
        recording = RecordingSink(sink)
        try:
            _export(config, events_file, recording, at, seed, writer)
        except FeedError as exc:
            report.failures.append(Failure("export", "FS-6", f"the export failed: {exc}"))
            return report
        readback = read_feed(sink, config.feed.format, config.columns)
        report.files = len(readback.data)
        report.rows = sum(len(d.records) for d in readback.data)
        for finding in verify_location(sink, "", config):
            shown = str(finding).removesuffix(f" [{finding.rule}]")
            report.failures.append(Failure("verify", finding.rule, shown))
        for rule, message in readback.problems:
            report.failures.append(Failure("parse", rule, message))
        report.failures += _check_rows(config, events, at, readback)
        report.failures += _check_order(recording.calls, readback)
        report.failures += _check_rerun(config, events_file, at, seed, writer, readback)
    return report


def _export(
    config: FeedConfig,
    events_file: Path,
    sink: Sink,
    at: datetime,
    seed: int | str,
    writer: WriterFactory,
) -> None:
    with read_events(events_file, config=config, strict=True) as reader:
        writer(config, sink, seed=seed).export(reader, at=at)


def _check_rows(
    config: FeedConfig, events: Sequence[Event], at: datetime, readback: Readback
) -> list[Failure]:
    fmt = config.feed.format
    want = oracle.expected(config, events, at)
    failures: list[Failure] = []
    for operation in ("add", "remove"):
        expected_files = [[oracle.as_written(r, fmt) for r in f] for f in want.files[operation]]
        got_files = [d.records for d in readback.data if d.operation == operation]
        if sorted(map(len, got_files)) != sorted(map(len, expected_files)):
            failures.append(
                Failure(
                    "rows",
                    "FS-2.2",
                    f"{operation}: files of {sorted(map(len, got_files))} rows, "
                    f"expected {sorted(map(len, expected_files))}",
                )
            )
            continue
        # Several files of one operation are named at random: match them by content.
        unmatched = list(expected_files)
        for got in got_files:
            if got in unmatched:
                unmatched.remove(got)
                continue
            failures.append(Failure("rows", "FS-2", _first_difference(operation, got, unmatched)))
            break
    if want.addresses:
        for key, raw in readback.files.items():
            text = raw.decode("utf-8", "replace").lower()
            if any(address in text for address in want.addresses):
                failures.append(Failure("rows", "FS-2.5", f"{key} holds a raw address"))
    return failures


def _first_difference(operation: str, got: list[oracle.Row], candidates: list[list[Any]]) -> str:
    want = next((c for c in candidates if len(c) == len(got)), candidates[0] if candidates else [])
    for index, (g, w) in enumerate(zip(got, want, strict=False)):
        if tuple(g) != tuple(w):
            for column, (gv, wv) in enumerate(zip(g, w, strict=False)):
                if gv != wv:
                    return (
                        f"{operation} record {index + 1}, column {column + 1}: "
                        f"read {gv!r}, the oracle expects {wv!r}"
                    )
            return f"{operation} record {index + 1}: read {g!r}, the oracle expects {w!r}"
    return f"{operation}: read {len(got)} records, the oracle expects {len(want)}"


def _check_order(calls: list[tuple[str, str]], readback: Readback) -> list[Failure]:
    failures = []
    for data in readback.data:
        done = [i for i, call in enumerate(calls) if call == ("put", data.key)]
        started = [i for i, call in enumerate(calls) if call == ("put-start", data.control_key)]
        if started and (not done or started[0] < done[0]):
            failures.append(
                Failure(
                    "order",
                    "FS-6.1",
                    f"{data.control_key} was put before {data.key} was complete",
                )
            )
    return failures


def _check_rerun(
    config: FeedConfig,
    events_file: Path,
    at: datetime,
    seed: int | str,
    writer: WriterFactory,
    readback: Readback,
) -> list[Failure]:
    again = MemorySink()
    try:
        _export(config, events_file, again, at, seed, writer)
    except FeedError as exc:
        return [Failure("rerun", "FS-8", f"the rerun failed: {exc}")]
    if again.objects == readback.files:
        return []
    names = sorted(set(again.objects) ^ set(readback.files))
    if names:
        return [Failure("rerun", "FS-8", f"a rerun wrote other names: {names[:4]}")]
    changed = sorted(k for k in again.objects if again.objects[k] != readback.files[k])
    return [Failure("rerun", "FS-8", f"a rerun wrote other bytes in {changed[:4]}")]
