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
from itertools import islice
from pathlib import Path
from typing import Protocol, TypeVar

from feedcore import naming, parallel, rules, tempfiles
from feedcore.config import FeedConfig
from feedcore.control import DataFileFacts, control_document, dumps_control
from feedcore.encoders import FileEncoder
from feedcore.errors import LineProblem, SinkError, TransientSinkError
from feedcore.events import Event, EventReader
from feedcore.fastpath import ChunkRunner, build_runner
from feedcore.lines import LineReader
from feedcore.naming import Operation
from feedcore.retry import RetryPolicy
from feedcore.rows import ContactRows, RowBuilder
from feedcore.sinks.base import Payload, Sink, emit
from feedcore.spool import MEMORY_SPOOL_BYTES, MemoryBudget, Spool, SpoolFile

log = logging.getLogger("feedcore.writer")

#: Contacts encoded together on the general path (FileEncoder.encode_contacts).
ENCODE_BATCH = 1000
PROGRESS_EVERY = 5000
#: Lines per chunk of the fused fast path (bounded memory, cheap progress reports).
FAST_CHUNK = 20_000

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
        config = self.config
        builder = RowBuilder(config)
        timestamp = naming.row_timestamp(names.at)
        max_rows = config.feed.max_rows_per_file
        spools: dict[str, Spool] = {}
        budget = MemoryBudget(MEMORY_SPOOL_BYTES)
        for op in naming.OPERATIONS:
            encoder = FileEncoder(
                config.feed.format,
                config.columns,
                timestamp=timestamp,
                segment=config.flow.segment,
                flow_name=config.flow.name,
                operation=op,
            )
            spools[op] = Spool(
                workdir, op, encoder, max_rows, config.feed.control_checksums, budget=budget
            )
        progress = self.progress
        runner = build_runner(config, timestamp) if isinstance(events, EventReader) else None
        try:
            if runner is not None:
                assert isinstance(events, EventReader)
                seen, exported, rows = self._encode_fast(events, runner, builder, spools)
            else:
                seen, exported, rows = self._encode_events(events, builder, spools)
            if isinstance(events, EventReader):
                events.finish()  # read whole, unchanged, not all bad: else nothing is sent
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

    def _encode_events(
        self, events: Iterable[Event], builder: RowBuilder, spools: dict[str, Spool]
    ) -> tuple[int, int, int]:
        """The general path: events through RowBuilder, encoded in batches per operation.

        Contacts wait in a short list per operation and are encoded together
        (:meth:`FileEncoder.encode_contacts`); order within each file is kept.
        """
        progress = self.progress
        split = self.config.feed.max_rows_per_file is not None
        seen = exported = rows = 0
        pending: dict[str, list[ContactRows]] = {op: [] for op in naming.OPERATIONS}

        def flush(operation: str) -> int:
            batch = pending[operation]
            if not batch:
                return 0
            spool = spools[operation]
            text, count = spool.encoder.encode_contacts(batch)
            spool.add(text, count)
            batch.clear()
            return count

        for event in events:
            seen += 1
            contact = builder.build(event)
            if contact is not None:
                exported += 1
                if split:
                    spool = spools[contact.operation]
                    lines = spool.encoder.contact_row_lines(contact)
                    spool.add_group(lines)
                    rows += len(lines)
                else:
                    batch = pending[contact.operation]
                    batch.append(contact)
                    if len(batch) >= ENCODE_BATCH:
                        rows += flush(contact.operation)
            if progress is not None and seen % PROGRESS_EVERY == 0:
                progress(Progress("encode", seen, rows))
        for operation in pending:
            rows += flush(operation)
        return seen, exported, rows

    def _encode_fast(
        self,
        reader: EventReader,
        runner: ChunkRunner,
        builder: RowBuilder,
        spools: dict[str, Spool],
    ) -> tuple[int, int, int]:
        """The fused path (feedcore.fastpath) over raw lines, chunk by chunk.

        With ``workers`` > 1 and a large regular file behind the reader, the
        second half of the file is encoded by a forked process at the same time
        (see :mod:`feedcore.parallel`); the result is byte-identical.
        """
        split = parallel.split_point(reader.splittable, self.workers)
        if split is None:
            _, rows = self._run_lines(reader.lines, 0, reader, runner, builder, spools)
            return reader.count, reader.count - builder.filtered, rows
        workdir = spools["add"].directory()  # made before the fork: both processes use it
        with parallel.Helper(
            lambda: self._encode_part(reader, runner, builder, spools, split, workdir)
        ) as helper:
            first = reader.lines_between(0, split, strip_bom=True)
            lines_seen, rows = self._run_lines(first, 0, reader, runner, builder, spools)
            part = helper.result()
        for problem in part.problems:
            reader.add_problem(LineProblem(problem.line + lines_seen, problem.message))
        reader.bad_lines += part.bad_lines - len(part.problems)  # those not kept by the helper
        reader.bytes_elsewhere += part.bytes_read
        for op, (path, part_rows) in part.spooled.items():
            if part_rows:
                spools[op].append_file(path, part_rows)
        reader.count += part.events
        builder.filtered += part.filtered
        for message, count in part.warnings.items():
            builder.warnings[message] = builder.warnings.get(message, 0) + count
        return reader.count, reader.count - builder.filtered, rows + part.rows

    def _encode_part(
        self,
        reader: EventReader,
        runner: ChunkRunner,
        builder: RowBuilder,
        spools: dict[str, Spool],
        start: int,
        workdir: Path,
    ) -> parallel.PartResult:
        """In the forked helper: encode the file from ``start`` into headerless parts."""
        reader.problems, reader.count, reader.strict, reader.bad_lines = [], 0, False, 0
        builder.filtered = 0
        builder.warnings.clear()
        self.progress = None
        parts = {
            op: Spool(
                lambda: workdir,
                spool.operation,
                spool.encoder,
                None,
                False,
                header=False,
                name=f"{op}-part",
            )
            for op, spool in spools.items()
        }
        lines = reader.lines_between(start, None, strip_bom=False)
        _, rows = self._run_lines(lines, 0, reader, runner, builder, parts)
        spooled: dict[str, tuple[str, int]] = {}
        for op, spool in parts.items():
            files = spool.finish()
            spooled[op] = (str(files[0].path), files[0].rows) if files else ("", 0)
        return parallel.PartResult(
            reader.count,
            rows,
            reader.problems,
            builder.filtered,
            dict(builder.warnings),
            spooled,
            bad_lines=reader.bad_lines,
            bytes_read=lines.bytes_read,
        )

    def _run_lines(
        self,
        lines: Iterable[bytes],
        first_number: int,
        reader: EventReader,
        runner: ChunkRunner,
        builder: RowBuilder,
        spools: dict[str, Spool],
    ) -> tuple[int, int]:
        """Encode ``lines`` into ``spools``; returns (lines read, rows written).

        Lines the fused loop declines go through ``reader.parse_line`` and the
        general builder, appending to the same chunk buffers so order is kept.
        """
        add_spool, remove_spool = spools["add"], spools["remove"]
        number = first_number
        exported = rows = 0
        add_out: list[str] = []
        remove_out: list[str] = []
        slow_counts = [0, 0]  # rows appended by the slow path, per operation

        def slow(line_number: int, line: bytes) -> None:
            event = reader.parse_line(line_number, line)
            if event is None:
                return
            contact = builder.build(event)
            if contact is None:
                return
            text, count = spools[contact.operation].encoder.contact_lines(contact)
            if contact.operation == "add":
                add_out.append(text)
                slow_counts[0] += count
            else:
                remove_out.append(text)
                slow_counts[1] += count

        if isinstance(lines, LineReader):
            chunks = lines.chunks()  # a block's lines at a time, cut in C
        else:
            remaining = iter(lines)
            chunks = iter(lambda: list(islice(remaining, FAST_CHUNK)), [])
        for chunk in chunks:
            fast, add_rows, remove_rows = runner(chunk, number, add_out, remove_out, slow)
            number += len(chunk)
            add_rows += slow_counts[0]
            remove_rows += slow_counts[1]
            if add_out:
                add_spool.add_pieces(add_out, add_rows)
            if remove_out:
                remove_spool.add_pieces(remove_out, remove_rows)
            add_out.clear()
            remove_out.clear()
            slow_counts[0] = slow_counts[1] = 0
            exported += fast
            rows += add_rows + remove_rows
            if self.progress is not None:
                self.progress(Progress("encode", reader.count + exported, rows))
        reader.count += exported
        return number - first_number, rows

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
