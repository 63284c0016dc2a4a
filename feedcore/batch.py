"""The batch workflow: events in, one batch delivered once, whatever happens in between (FS-6.3).

Why a library function and not the command line's: a production service has
the same problem as ``feedlab publish`` (a crash, a killed job or a target
down past the retry budget must not duplicate or lose a batch) and must get
the same answer. :func:`publish_batch` is that answer; the CLI only parses
flags, calls it and prints.

With the journal (:mod:`feedcore.journal`, in the caller's state folder), a
batch is named by its key (config, events, target; time and seed when given):

* a new batch is recorded before its first byte is sent, then each file;
* an incomplete one is **resumed** under the same names and bytes (the writer
  sends only what is missing);
* a complete one is checked at the target, one ``exists`` per recorded control
  file (through the retry policy): all there is **already delivered**, and
  nothing is written; some gone is **missing at target**, and nothing is
  written either, unless ``resend_missing`` asks to write them again under the
  recorded names and bytes (a data file still stored whole is not resent);
* ``new_batch`` exports the same events again under new names.

The journal never claims what the target does not hold. A target that keeps
no history (a local preview folder, a memory target) keeps no journal unless
asked, so a deleted preview run again is written again.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, cast

from feedcore import naming, parallel
from feedcore.config import FeedConfig
from feedcore.errors import FeedError, IncompleteBatchError, JournalReadError, LineProblem
from feedcore.events import EventReader
from feedcore.eventsource import EventInput, read_events
from feedcore.journal import BatchJournal, BatchRecord, JournalObserver, batch_key
from feedcore.retry import RetryPolicy
from feedcore.sinks.base import Sink, SinkListener
from feedcore.targets import LocalTarget, MemoryTarget, TargetSpec, open_sink, target_location
from feedcore.writer import (
    BatchNames,
    BatchResult,
    DeliveredFile,
    DeliveryObserver,
    FeedWriter,
    ProgressCallback,
    call_with_retry,
)

__all__ = ["PublishOutcome", "PublishStatus", "journal_default", "publish_batch"]

log = logging.getLogger("feedcore.batch")

PublishStatus = Literal["delivered", "resumed", "resent", "already-delivered", "missing-at-target"]


@dataclass(frozen=True)
class PublishOutcome:
    """What :func:`publish_batch` did.

    ``status``: ``delivered`` (a new batch), ``resumed`` (an incomplete one
    finished), ``resent`` (a complete one whose missing files were written
    again), ``already-delivered`` (complete and at the target: nothing
    written), ``missing-at-target`` (complete in the journal, but ``missing``
    control files are gone from the target: nothing written).
    """

    status: PublishStatus
    #: The export, when one ran (None: already delivered, or missing at target).
    result: BatchResult | None
    #: The batch key and its journal record (None without a journal).
    key: str | None = None
    record: BatchRecord | None = None
    journal_path: Path | None = None
    #: Control keys not at the target: gone (missing-at-target) or written again (resent).
    missing: tuple[str, ...] = ()
    problems: tuple[LineProblem, ...] = ()
    bad_lines: int = 0

    @property
    def ok(self) -> bool:
        """Does the target hold the whole batch now? (False only when files are missing.)"""
        return self.status != "missing-at-target"

    @property
    def files(self) -> list[DeliveredFile]:
        """The batch's files: as delivered now, else as the journal recorded them."""
        if self.result is not None:
            return self.result.files
        return _recorded_files(self.record) if self.record is not None else []


def journal_default(target: TargetSpec) -> bool:
    """**[decision]** Keep a journal for S3 and SFTP targets, not for a local folder
    (a preview) or a memory target: they keep no history a rerun should trust."""
    return not isinstance(target, (LocalTarget, MemoryTarget))


def publish_batch(
    config: FeedConfig,
    events: EventReader | EventInput,
    target: TargetSpec,
    *,
    state_dir: str | Path | None = None,
    journal: bool | None = None,
    at: datetime | None = None,
    seed: int | str | None = None,
    strict: bool = False,
    new_batch: bool = False,
    resend_missing: bool = False,
    listeners: Sequence[SinkListener] = (),
    progress: ProgressCallback | None = None,
    workers: int = 1,
    retry: RetryPolicy | None = None,
    spool_dir: str | Path | None = None,
    sink: Sink | None = None,
    observer: DeliveryObserver | None = None,
) -> PublishOutcome:
    """Deliver ``events`` to ``target`` as one batch, safely rerunnable (see the module).

    ``events``: a path, ``-``, a binary stream (opened here with ``strict`` and
    ``spool_dir``), or a reader from :func:`~feedcore.eventsource.read_events`
    (its own ``strict``; its ``.problems`` stay readable if this raises).
    ``journal``: None is :func:`journal_default`; ``state_dir``: the journal's
    folder (default :func:`~feedcore.journal.default_state_dir`). ``at`` and
    ``seed`` fix the names (and join the batch key). ``listeners`` hear the
    sink this opens; ``sink`` replaces it (an open sink on ``target``, the
    caller's to close: a wrapper injecting faults in tests); ``observer`` hears
    the delivery as the journal does. ``workers`` > 1 lets a helper process
    encode half of a large file (:mod:`feedcore.parallel`: a forkserver pool
    worker, safe with threads; the caller's main module must be import-safe,
    ``if __name__ == "__main__":``, as for any :mod:`multiprocessing` use).

    Raises :class:`~feedcore.errors.IncompleteBatchError` (its ``__cause__``
    the failure) when delivery fails after the batch was recorded, any other
    :class:`~feedcore.errors.FeedError` before; ``ValueError`` for arguments
    that contradict each other.
    """
    use_journal = journal_default(target) if journal is None else journal
    if resend_missing and not use_journal:
        raise ValueError("resend_missing needs the journal: it resends what a record lists")
    if isinstance(events, EventReader) and strict and not events.strict:
        raise ValueError("strict belongs to the reader: pass it to read_events")
    if sink is not None and listeners:
        raise ValueError("listeners are for the sink publish_batch opens, not for sink=")
    with contextlib.ExitStack() as stack:
        if isinstance(events, EventReader):
            reader = events
        else:
            if config.feed.max_rows_per_file is None:  # else events are read one by one
                parallel.prestart(events, workers)  # its start overlaps the hashing read
            reader = stack.enter_context(
                read_events(
                    events, config=config, strict=strict, spool_dir=spool_dir, digest=use_journal
                )
            )
        batch = _Batch(config, reader, target, at, seed)
        if use_journal:
            batch.open_journal(BatchJournal(state_dir), stack, new_batch)
        if sink is None:
            sink = open_sink(target, listeners=list(listeners))
            stack.callback(sink.close)
        policy = retry or RetryPolicy()
        if batch.record is not None and batch.record.complete:
            missing = batch.missing_controls(sink, policy)
            if not missing:
                return batch.outcome("already-delivered", None, reader)
            if not resend_missing:
                return batch.outcome("missing-at-target", None, reader, missing)
            batch.resend(missing, sink, policy)
        writer = FeedWriter(
            config,
            sink,
            seed=batch.names.seed,
            retry=policy,
            spool_dir=spool_dir,
            progress=progress,
            workers=workers,
        )
        watch = _Observers(batch.observer(), observer)
        log.debug("delivering to %s with %r", sink.label, writer.retry)
        try:
            result = writer.export(reader, names=batch.names, observer=watch, stored=batch.stored)
        except FeedError as exc:
            if batch.key is not None and (watch.recorded or batch.status == "resumed"):
                raise IncompleteBatchError(exc, batch.key) from exc
            raise
        return batch.outcome(batch.status, result, reader, batch.resent)


class _Batch:
    """One publish's names, and with the journal its key, record and status."""

    def __init__(
        self,
        config: FeedConfig,
        reader: EventReader,
        target: TargetSpec,
        at: datetime | None,
        seed: int | str | None,
    ) -> None:
        self.config = config
        self.reader = reader
        self.target = target
        self.chosen_at = naming.as_utc(at).replace(microsecond=0) if at is not None else None
        self.seed = seed
        self.names = BatchNames(config, self.chosen_at or datetime.now(UTC), seed)
        self.status: PublishStatus = "delivered"
        self.key: str | None = None
        self.journal: BatchJournal | None = None
        self.record: BatchRecord | None = None
        self.stored: dict[str, int] = {}
        self.resent: tuple[str, ...] = ()

    def open_journal(
        self, journal: BatchJournal, stack: contextlib.ExitStack, new_batch: bool
    ) -> None:
        """Key the batch, hold its lock, and resume or recognise what the journal holds."""
        digest = self.reader.digest
        if digest is None:
            raise ValueError("the journal needs the events' digest: read_events(digest=True)")
        location = target_location(self.target)
        key = batch_key(
            self.config,
            digest,
            location,
            at=self.chosen_at.isoformat() if self.chosen_at is not None else None,
            seed=str(self.seed) if self.seed is not None else None,
        )
        self.key, self.journal = key, journal
        stack.enter_context(journal.lock(key))
        record = None if new_batch else journal.load(key)
        if record is None:
            self.record = BatchRecord(
                key=key, at=self.names.at.isoformat(), seed=self.seed, target=location
            )
            log.info("new batch %s, journal %s", key[:12], journal.path(key))
            return
        self.record = record
        try:
            self.names = record.names(self.config)
        except ValueError as exc:
            raise JournalReadError(str(journal.path(key)), f"unusable ({exc})") from None
        if not record.complete:
            self.status = "resumed"
            log.info(
                "resuming batch %s from %s (%d file(s) already delivered)",
                key[:12],
                journal.path(key),
                len(record.files),
            )

    def missing_controls(self, sink: Sink, policy: RetryPolicy) -> tuple[str, ...]:
        """The recorded control files the target no longer holds (one ``exists`` each)."""
        return tuple(
            key
            for key in self._recorded("control_key")
            if not call_with_retry(policy, sink, functools.partial(sink.exists, key), key)
        )

    def resend(self, missing: tuple[str, ...], sink: Sink, policy: RetryPolicy) -> None:
        """Prepare to write ``missing`` again: data files still stored whole are kept."""
        lost = set(missing)
        for file in _recorded_files(self.record):
            if file.control_key in lost:
                find = functools.partial(_stored_size, sink, file.data_key)
                size = call_with_retry(policy, sink, find, file.data_key)
                if size is not None:
                    self.stored[file.data_key] = size
        self.status, self.resent = "resent", missing
        log.info(
            "batch %s: writing %d missing control file(s) again",
            (self.key or "")[:12],
            len(missing),
        )

    def _recorded(self, field: str) -> list[str]:
        assert self.record is not None and self.journal is not None and self.key is not None
        values = [f.get(field) for f in self.record.files]
        if not all(isinstance(v, str) and v for v in values):
            path = str(self.journal.path(self.key))
            raise JournalReadError(path, f"unusable (a file without its {field})")
        return cast(list[str], values)

    def observer(self) -> JournalObserver | None:
        if self.journal is None or self.record is None:
            return None
        return JournalObserver(self.journal, self.record)

    def outcome(
        self,
        status: PublishStatus,
        result: BatchResult | None,
        reader: EventReader,
        missing: tuple[str, ...] = (),
    ) -> PublishOutcome:
        path = self.journal.path(self.key) if self.journal and self.key else None
        return PublishOutcome(
            status=status,
            result=result,
            key=self.key,
            record=self.record,
            journal_path=path,
            missing=missing,
            problems=tuple(reader.problems),
            bad_lines=reader.bad_lines,
        )


def _stored_size(sink: Sink, key: str) -> int | None:
    """The size of ``key`` at the target, or None when it is not there."""
    for info in sink.list(key):
        if info.key == key:
            return info.size
    return None


def _recorded_files(record: BatchRecord | None) -> list[DeliveredFile]:
    """A record's files as :class:`DeliveredFile`s (no checksum: the journal keeps none)."""
    if record is None:
        return []
    return [
        DeliveredFile(
            operation=cast(naming.Operation, f.get("operation", "add")),
            data_key=str(f.get("data_key", "")),
            control_key=str(f.get("control_key", "")),
            url=str(f.get("url", "")),
            rows=int(f.get("rows", 0)),
            size=int(f.get("size", 0)),
            sha256=None,
        )
        for f in record.files
    ]


class _Observers:
    """The journal's observer, then the caller's; remembers that the journal heard the plan."""

    def __init__(self, journal: JournalObserver | None, other: DeliveryObserver | None) -> None:
        self.observers = [o for o in (journal, other) if o is not None]
        #: The journal recorded the plan: a failure after it leaves a batch to resume.
        self.recorded = False

    def planned(self, names: BatchNames, data_keys: list[str]) -> None:
        for o in self.observers:
            o.planned(names, data_keys)
            self.recorded = self.recorded or isinstance(o, JournalObserver)

    def delivered(self, file: DeliveredFile) -> None:
        for o in self.observers:
            o.delivered(file)

    def finished(self, result: BatchResult) -> None:
        for o in self.observers:
            o.finished(result)
