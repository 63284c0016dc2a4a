"""The feed writer (FS-6): one export = one batch of events = at most one data
file per operation (or several with ``max_rows_per_file``), each followed by its
control file.

Why spool to local disk first: the events stream holds both operations
interleaved, a control file needs the final row count, and a retry must resend
exactly the same bytes under exactly the same name. Spooling keeps memory flat
(rows are encoded and flushed in chunks), lets a sink pick a single PUT or a
multipart upload from the known size, and makes every retry byte-identical.
Nothing reaches the sink until every event has been read, so a bad line read
strictly stops the run before anything is written.

Every sink call goes through the writer's :class:`~feedcore.retry.RetryPolicy`;
each failed attempt and the outcome are reported as ``SinkEvent("retry", key,
detail)`` through the sink's listeners and logged on ``feedcore.writer``.
A :class:`DeliveryObserver` (the batch journal) hears when delivery is
about to start, after each file, and when the batch is complete.
"""

from __future__ import annotations

import logging
import random
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol, TypeGuard, TypeVar

from feedcore import naming, parallel, rules, tempfiles
from feedcore.config import FeedConfig
from feedcore.control import DataFileFacts, control_document, dumps_control
from feedcore.encode import Report, encode_events, encode_lines
from feedcore.engine import Engine
from feedcore.errors import SinkError, TransientSinkError
from feedcore.events import Event, LineEvents
from feedcore.naming import Operation
from feedcore.retry import RetryPolicy
from feedcore.rows import RowBuilder
from feedcore.sinks.base import Payload, Sink, emit
from feedcore.spool import MEMORY_SPOOL_BYTES, MemoryBudget, Spool, SpoolFile

log = logging.getLogger("feedcore.writer")

T = TypeVar("T")


@dataclass(frozen=True)
class DeliveredFile:
    """One data file and its control file, as delivered."""

    operation: Operation
    data_key: str
    control_key: str
    url: str
    rows: int
    size: int
    #: Only computed when the config asks for FS-5.2 checksums (hashing costs time).
    sha256: str | None


@dataclass
class BatchResult:
    """What an export did, for summaries, the TUI and tests."""

    at: datetime
    files: list[DeliveredFile] = field(default_factory=list)
    events: int = 0
    exported: int = 0
    filtered: int = 0
    warnings: dict[str, int] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)


@dataclass(frozen=True)
class Progress:
    """Reported while an export runs: ``phase`` is ``encode`` or ``deliver``."""

    phase: str
    events: int
    rows: int
    files_done: int = 0
    files_total: int = 0


ProgressCallback = Callable[[Progress], None]


class DeliveryObserver(Protocol):
    """Hears a batch's delivery (the CLI's batch journal implements it).

    ``planned`` runs once every file's name is fixed and before the first byte
    is sent; ``delivered`` after each control file; ``finished`` when all are.
    """

    def planned(self, names: BatchNames, data_keys: list[str]) -> None: ...

    def delivered(self, file: DeliveredFile) -> None: ...

    def finished(self, result: BatchResult) -> None: ...


class BatchNames:
    """Names fixed when a batch starts, so every retry reuses them (FS-6.3).

    With a seed, the random part of file ``index`` of ``operation`` is derived
    from (seed, export time, operation, index): reruns with the same seed and time
    write byte-identical files under identical names (FS-8). Without one it is
    drawn once from the OS CSPRNG and remembered for the life of the batch.
    """

    def __init__(
        self,
        config: FeedConfig,
        at: datetime,
        seed: int | str | None,
        drawn: Mapping[str, str] | None = None,
    ) -> None:
        self.config = config
        self.at = naming.as_utc(at).replace(microsecond=0)
        self.seed = seed
        self._drawn: dict[tuple[str, int], str] = {}
        self.folder = naming.folder(config.feed.path, self.at)
        for slot, part in (drawn or {}).items():
            self._drawn[self._parse_slot(slot, part)] = part
        #: Random parts come from the CSPRNG, drawn by this batch: no earlier run can
        #: have used these names, so delivery need not check for its control files.
        self.fresh = seed is None and not drawn

    @staticmethod
    def _parse_slot(slot: str, part: str) -> tuple[str, int]:
        operation, _, index = slot.partition("/")
        if operation not in naming.OPERATIONS or not rules.is_digits(index):
            raise ValueError(f"random part slot {slot!r} is not 'add/N' or 'remove/N'")
        if len(part) != 8 or any(c not in "0123456789abcdef" for c in part):
            raise ValueError(f"random part {part!r} is not 8 lowercase hex characters (FS-4.1)")
        return operation, int(index)

    def drawn(self) -> dict[str, str]:
        """Every random part used so far, as ``{"add/0": "0a1b2c3d"}`` (for the batch journal).

        Passing it back as ``drawn`` recreates the same names without the seed.
        """
        return {f"{op}/{index}": part for (op, index), part in sorted(self._drawn.items())}

    def random_part(self, operation: Operation, index: int) -> str:
        slot = (operation, index)
        if slot not in self._drawn:
            if self.seed is None:
                self._drawn[slot] = secrets.token_hex(4)
            else:
                stamp = naming.name_stamp(self.at)
                rng = random.Random(f"{self.seed}/{stamp}/{operation}/{index}")
                self._drawn[slot] = f"{rng.getrandbits(32):08x}"
        return self._drawn[slot]

    def data_key(self, operation: Operation, index: int) -> str:
        name = naming.data_file_name(
            self.config.client,
            self.config.flow.id,
            operation,
            self.random_part(operation, index),
            self.at,
            self.config.feed.format,
        )
        return naming.join_key(self.folder, name)

    def control_key(self, data_key: str) -> str:
        folder_, _, name = data_key.rpartition("/")
        return naming.join_key(folder_, naming.control_file_name(name))


class FeedWriter:
    """Exports batches of flow events for one feed config through one sink.

    Blocking by design (a production job calls it directly); async callers use
    :meth:`export_async`, which runs the same code on a worker thread so no
    event loop is ever blocked.
    """

    def __init__(
        self,
        config: FeedConfig,
        sink: Sink,
        *,
        seed: int | str | None = None,
        retry: RetryPolicy | None = None,
        spool_dir: str | Path | None = None,
        progress: ProgressCallback | None = None,
        workers: int = 1,
    ) -> None:
        self.workers = workers
        self.config = config
        self.sink = sink
        self.seed = seed
        self.retry = retry or RetryPolicy()
        self.spool_dir = Path(spool_dir) if spool_dir else None
        self.progress = progress

    def names(self, at: datetime | None = None) -> BatchNames:
        return BatchNames(self.config, at or datetime.now(UTC), self.seed)

    def export(
        self,
        events: Iterable[Event],
        *,
        at: datetime | None = None,
        names: BatchNames | None = None,
        observer: DeliveryObserver | None = None,
        stored: Mapping[str, int] | None = None,
    ) -> BatchResult:
        """Encode every event, then deliver each data file and, after it, its control file.

        ``names`` resumes a batch whose export time and random parts are already
        fixed (the batch journal); otherwise they are made from ``at`` and the seed.
        ``stored`` maps data keys the caller found complete at the target to their
        size: a data file of exactly that size is not sent again, only its control
        file (resending what a target lost, :mod:`feedcore.batch`).
        """
        if names is None:
            names = self.names(at)
        result = BatchResult(at=names.at)
        made: list[tempfiles.PrivateDir] = []

        def workdir() -> Path:
            """The spool folder, made on first use: a small export never needs one."""
            if not made:
                made.append(tempfiles.private_dir("spool", self.spool_dir))
            return made[0].path

        try:
            spooled = self._encode(events, names, workdir, result)
            self._deliver(spooled, names, result, observer, stored or {})
        finally:
            for folder in made:
                folder.close()
        if observer is not None:
            observer.finished(result)
        return result

    async def export_async(
        self, events: Iterable[Event], *, at: datetime | None = None
    ) -> BatchResult:
        import asyncio  # only async callers (the TUI) pay for it: ~15 ms of start-up

        return await asyncio.to_thread(self.export, events, at=at)

    def _encode(
        self,
        events: Iterable[Event],
        names: BatchNames,
        workdir: Callable[[], Path],
        result: BatchResult,
    ) -> list[tuple[Operation, list[SpoolFile]]]:
        """Encode every event into spools, by the fastest path ``events`` and the config allow.

        The path is chosen by what ``events`` offers (:class:`~feedcore.events.LineEvents`:
        raw lines), never by its type, so a service's own source is as fast as the
        reader ``publish`` uses, and a plain iterable of events is always correct.
        """
        config = self.config
        builder = RowBuilder(config)
        timestamp = naming.row_timestamp(names.at)
        engine = Engine(config, timestamp)
        budget = MemoryBudget(MEMORY_SPOOL_BYTES)
        spools: dict[str, Spool] = {
            op: Spool(
                workdir,
                op,
                engine.header(),
                config.feed.max_rows_per_file,
                config.feed.control_checksums,
                budget=budget,
            )
            for op in naming.OPERATIONS
        }
        progress = self.progress
        report = (
            None
            if progress is None
            else lambda seen, rows: progress(Progress("encode", seen, rows))
        )
        try:
            if config.feed.max_rows_per_file is None and _offers_lines(events):
                seen, exported, rows = self._encode_lines(
                    events, engine, builder, spools, timestamp, report
                )
            else:
                seen, exported, rows = encode_events(events, engine, builder, spools, report)
            finish = getattr(events, "finish", None)
            if callable(finish):
                finish()  # read whole, unchanged, not all bad: else nothing is sent
            finished = [(op, spools[op].finish()) for op in naming.OPERATIONS]
        except BaseException:
            for spool in spools.values():
                spool.abandon()
            raise
        result.events = seen
        result.exported = exported
        result.filtered = builder.filtered
        result.warnings = dict(builder.warnings)
        if progress is not None:
            progress(Progress("encode", seen, rows))
        return finished

    def _encode_lines(
        self,
        events: LineEvents,
        engine: Engine,
        builder: RowBuilder,
        spools: dict[str, Spool],
        timestamp: str,
        report: Report | None,
    ) -> tuple[int, int, int]:
        """The raw-line loop over ``events``: (events, exported, rows).

        With ``workers`` > 1, two usable cores and a large regular file behind the
        source, a helper process takes the second half of whatever is left when it
        is ready (:mod:`feedcore.parallel`); the result is byte-identical. ``report``
        sees this process's lines only: the helper's part is counted when it is taken in.
        """
        split_input = getattr(events, "split_input", None)
        merge_part = getattr(events, "merge_part", None)
        source = split_input() if callable(split_input) and callable(merge_part) else None
        lines = events.raw_lines()

        stoppable = callable(getattr(lines, "stop_at", None))
        if not stoppable or parallel.split_point(source, self.workers) is None:
            _, handled, parsed, rows = encode_lines(lines, events, engine, builder, spools, report)
            events.counted(handled)
            return handled + parsed, handled + parsed - builder.filtered, rows
        assert source is not None and callable(merge_part)
        workdir = spools["add"].directory()
        job = parallel.PartJob(self.config, timestamp, source, 0, str(workdir))
        with parallel.Helper(job, self.workers, lines) as helper:  # type: ignore[arg-type]
            read, handled, parsed, rows = encode_lines(
                lines, events, engine, builder, spools, report
            )
            events.counted(handled)
            part = helper.result()
        seen = handled + parsed
        if part is None:
            return seen, seen - builder.filtered, rows
        merge_part(read, part.events, part.problems, part.bad_lines, part.bytes_read)
        for op, (path, part_rows) in part.spooled.items():
            if part_rows:
                spools[op].append_file(path, part_rows)
        builder.filtered += part.filtered
        for message, count in part.warnings.items():
            builder.warnings[message] = builder.warnings.get(message, 0) + count
        seen += part.events
        return seen, seen - builder.filtered, rows + part.rows

    def _deliver(
        self,
        spooled: list[tuple[Operation, list[SpoolFile]]],
        names: BatchNames,
        result: BatchResult,
        observer: DeliveryObserver | None,
        stored: Mapping[str, int],
    ) -> None:
        total = sum(len(files) for _, files in spooled)
        plan = [
            (operation, names.data_key(operation, index), spool)
            for operation, files in spooled
            for index, spool in enumerate(files)
        ]
        if observer is not None:
            observer.planned(names, [data_key for _, data_key, _ in plan])
        for done, (operation, data_key, spool) in enumerate(plan, start=1):
            delivered = self._deliver_one(operation, data_key, spool, names, stored)
            result.files.append(delivered)
            if observer is not None:
                observer.delivered(delivered)
            if self.progress is not None:
                self.progress(Progress("deliver", result.events, 0, done, total))

    def _deliver_one(
        self,
        operation: Operation,
        data_key: str,
        spool: SpoolFile,
        names: BatchNames,
        stored: Mapping[str, int],
    ) -> DeliveredFile:
        digest = spool.hasher.hexdigest() if spool.hasher is not None else None
        facts = DataFileFacts(data_key, spool.rows, spool.size, digest)
        control_key = names.control_key(data_key)
        control = Payload.from_bytes(dumps_control(control_document(self.config, facts)))
        # Names drawn from the CSPRNG by this batch cannot be on the target yet: the
        # check is for reruns (a seed, or names resumed from the batch journal).
        if not names.fresh and self._call(lambda: self.sink.exists(control_key), control_key):
            # A rerun after the control file landed: the data file is complete
            # (FS-6.1), so only confirm the control file is ours.
            log.info("control file %s already delivered; not resending data", control_key)
        elif stored.get(data_key) == spool.size:
            # Visible only when complete (FS-6.1) and named by this batch: these bytes.
            log.info("data file %s already stored; sending its control file", data_key)
        else:
            payload = spool.payload()
            self._call(lambda: self.sink.put(data_key, payload), data_key)
        self._call(lambda: self.sink.put(control_key, control, exclusive=True), control_key)
        url = naming.file_url(self.config.feed.target, self.config.feed.host, data_key)
        return DeliveredFile(
            operation, data_key, control_key, url, facts.rows, facts.size, facts.sha256
        )

    def _call(self, fn: Callable[[], T], key: str) -> T:
        return call_with_retry(self.retry, self.sink, fn, key)


def _offers_lines(events: object) -> TypeGuard[LineEvents]:
    """Whether ``events`` hands out raw lines (:class:`~feedcore.events.LineEvents`)."""
    return all(
        callable(getattr(events, name, None)) for name in ("raw_lines", "parse_line", "counted")
    )


def call_with_retry(policy: RetryPolicy, sink: Sink, fn: Callable[[], T], key: str) -> T:
    """One sink call under ``policy``; every failed attempt and the outcome reported
    (logged on ``feedcore.writer`` and sent as ``SinkEvent("retry", key, detail)``
    through the sink's listeners). The batch workflow checks a target with it too."""
    limit = policy.attempts
    attempts = 0

    def attempt() -> T:
        nonlocal attempts
        attempts += 1
        return fn()

    def on_retry(number: int, exc: TransientSinkError, wait: float) -> None:
        detail = f"attempt {number}/{limit} failed: {exc}; retrying in {wait:.2f}s"
        log.warning("retry %s: %s", key, detail)
        emit(sink, "retry", key, detail)

    try:
        value = policy.run(attempt, on_retry)
    except SinkError as exc:
        if attempts > 1 or isinstance(exc, TransientSinkError):
            detail = f"failed after {attempts}/{limit} attempt(s): {exc}"
            log.error("retry %s: %s", key, detail)
            emit(sink, "retry", key, detail)
        raise
    if attempts > 1:
        detail = f"succeeded on attempt {attempts}/{limit}"
        log.info("retry %s: %s", key, detail)
        emit(sink, "retry", key, detail)
    return value
