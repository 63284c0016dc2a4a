"""Encoding a large events file in two processes at once.

Why: the raw-line loop (:mod:`feedcore.engine`) is CPU-bound Python, and a
feed export usually runs on a machine with more than one core. A regular file
can be cut at a line boundary: a helper process reopens it by path (refusing
a file that is no longer the same one), encodes the part after the cut into
header-less part files with a reader, builder, engine and spools of its own,
and returns what it did; the caller encodes the first part meanwhile, then
appends the parts. Bytes, names and line numbers in messages are exactly
those of a single-process run.

Where to cut is decided once the helper is ready, not before: the caller
starts encoding at once, and when the worker is up (about 0.3 s on an idle
machine, more on a busy one) the rest of the file is halved between the two.
A helper that is ready too late to help is never given work. The worker is
kept for the life of the process, so a service's next large export starts
with it ready.

The helper is a :class:`concurrent.futures.ProcessPoolExecutor` worker from a
``forkserver`` context (``spawn`` where there is none): the worker is forked
from a clean server process, never from the caller, so a caller with threads
(the TUI, a service) is as safe as the ``publish`` command. Nothing of the
caller's is mutated or even shared: the helper gets a picklable
:class:`PartJob`. With one usable core, or below :data:`MIN_SPLIT_BYTES`, the
split is off: a pool costs more than it saves.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Protocol

from feedcore.config import FeedConfig
from feedcore.errors import EventError, FeedError, LineProblem
from feedcore.lines import BLOCK, SplitInput

if TYPE_CHECKING:  # the pool is imported on use: every other export is spared ~10 ms
    from concurrent.futures import Future, ProcessPoolExecutor

#: Below this size a second process costs more than it saves.
MIN_SPLIT_BYTES = 32 << 20
#: A helper ready when less than twice this is left gets nothing to do.
MIN_PART_BYTES = 8 << 20
#: Tests: the caller waits for the helper before it reads, so the cut is in the middle.
WAIT_FOR_HELPER = False
#: What a forkserver loads once, so that its later workers start with it.
PRELOAD = ("feedcore.encode", "feedcore.eventsource", "feedcore.parallel")
#: The file whose presence in the work folder tells the helper to stop early.
STOP_NAME = "stop-helper"


@dataclass(frozen=True)
class PartJob:
    """Everything the helper needs, by value (it shares nothing with the caller)."""

    config: FeedConfig
    timestamp: str
    source: SplitInput
    start: int
    workdir: str


@dataclass
class PartResult:
    """What the helper encoded: counts, its bad lines (numbered from its first line)."""

    events: int
    rows: int
    problems: list[LineProblem]
    filtered: int
    warnings: dict[str, int]
    #: operation -> (part file path, rows in it); ("", 0) when it has none
    spooled: dict[str, tuple[str, int]] = field(default_factory=dict)
    #: every bad line, kept in ``problems`` or not
    bad_lines: int = 0
    #: bytes of the input the helper read
    bytes_read: int = 0


def usable_cores() -> int:
    """Cores this process may run on (its affinity mask, not the machine's count)."""
    counter = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if callable(counter):
        count = counter()
        return count if isinstance(count, int) and count > 0 else 1
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def split_point(source: SplitInput | None, workers: int, position: int = 0) -> int | None:
    """Where the helper's part starts when the caller has read up to ``position``: the
    first line start after the middle of what is left, or None to stay single.

    The line end is found block by block (a huge line there is scanned, never held).
    """
    if source is None or workers < 2 or source.size < MIN_SPLIT_BYTES or usable_cores() < 2:
        return None
    size = source.size
    if size - position < max(2 * MIN_PART_BYTES, 2):
        return None
    offset = position + (size - position) // 2
    try:
        with open(source.path, "rb") as handle:
            handle.seek(offset)
            while block := handle.read(BLOCK):
                end = block.find(b"\n")
                if end >= 0:
                    offset += end + 1
                    break
                offset += len(block)
            else:
                return None
    except OSError:
        return None
    return offset if position < offset < size else None


def encode_part(job: PartJob) -> tuple[str, PartResult | str]:
    """In the helper process: encode the input from ``job.start`` into part files.

    Returns ("ok", result), ("refused", message) for a :class:`FeedError` (already
    one line for the user), or ("error", message) for anything else.
    """
    try:
        return "ok", _encode_part(job)
    except FeedError as exc:
        return "refused", str(exc)
    except Exception as exc:  # reported to the caller as one line
        return "error", f"{type(exc).__name__}: {exc}"


def _encode_part(job: PartJob) -> PartResult:
    from feedcore.encode import encode_lines
    from feedcore.engine import Engine
    from feedcore.events import EventReader
    from feedcore.eventsource import open_source
    from feedcore.memory import keep_freed_memory
    from feedcore.rows import RowBuilder
    from feedcore.spool import Spool

    keep_freed_memory()  # this process is feedcore's own: the setting the CLI gives its export
    workdir = Path(job.workdir)
    stop = workdir / STOP_NAME

    def check_stop(_events: int, _rows: int) -> None:
        if stop.exists():
            raise FeedError("stopped: the export ended early")

    with open_source(job.source.path, digest=False) as opened:
        if opened.identity != job.source.identity:
            raise EventError(
                f"{job.source.name}: the file changed while it was being exported; nothing "
                "was delivered: rerun once it is complete [FS-7]"
            )
        reader = EventReader(opened, variants=job.source.variants, source=job.source.name)
        builder = RowBuilder(job.config)
        engine = Engine(job.config, job.timestamp)
        parts = {
            op: Spool(lambda: workdir, op, "", None, False, header=False, name=f"{op}-part")
            for op in ("add", "remove")
        }
        lines = reader.lines_between(job.start, None, strip_bom=False)
        _, handled, parsed, rows = encode_lines(lines, reader, engine, builder, parts, check_stop)
    spooled: dict[str, tuple[str, int]] = {}
    for op, spool in parts.items():
        files = spool.finish()
        spooled[op] = (str(files[0].path), files[0].rows) if files else ("", 0)
    return PartResult(
        handled + parsed,
        rows,
        reader.problems,
        builder.filtered,
        dict(builder.warnings),
        spooled,
        bad_lines=reader.bad_lines,
        bytes_read=lines.bytes_read,
    )


class Stoppable(Protocol):
    """The caller's lines: they can be ended at a line start not read yet."""

    bytes_read: int
    offset: int

    def stop_at(self, offset: int) -> bool: ...


def _ready() -> None:
    """The warm-up task: the worker is up and has imported what a part needs."""
    import feedcore.encode  # noqa: F401


class _Pool:
    """The process's one helper worker, started on first need and then kept: a
    service's next large export pays no start-up at all. Broken (its worker
    killed), it is replaced on the next need."""

    def __init__(self) -> None:
        self.ready = threading.Event()
        self.executor: ProcessPoolExecutor | None = None
        self.failed: BaseException | None = None
        threading.Thread(target=self._start, name="feedlab-helper-start", daemon=True).start()

    def _start(self) -> None:
        import multiprocessing  # only a split export needs these (~10 ms of start-up)
        from concurrent.futures import ProcessPoolExecutor

        try:
            methods = multiprocessing.get_all_start_methods()
            method = "forkserver" if "forkserver" in methods else "spawn"
            context = multiprocessing.get_context(method)
            if method == "forkserver":  # the server loads these once; workers fork with them
                context.set_forkserver_preload(list(PRELOAD))
            self.executor = ProcessPoolExecutor(max_workers=1, mp_context=context)
            self.executor.submit(_ready).result()
        except BaseException as exc:  # reported by the Helper that needed it
            self.failed = exc
        finally:
            self.ready.set()


_pool_lock = threading.Lock()
_pool: _Pool | None = None


def _shared_pool(*, replace: bool = False) -> _Pool:
    global _pool
    with _pool_lock:
        if _pool is None:
            atexit.register(_close_pool)  # while modules are whole: a quiet exit
        if _pool is None or replace:
            _pool = _Pool()
        return _pool


def _close_pool() -> None:
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
    if pool is not None:
        pool.ready.wait()
        if pool.executor is not None:
            pool.executor.shutdown(wait=True, cancel_futures=True)


def prestart(events: object, workers: int) -> None:
    """Start the helper worker now if ``events`` names a file large enough to split.

    Called before the file is hashed (:func:`feedcore.batch.publish_batch`), so the
    worker's start-up overlaps that read instead of the encoding.
    """
    if workers < 2 or not isinstance(events, (str, Path)) or str(events) == "-":
        return
    try:
        size = os.stat(events).st_size
    except OSError:
        return
    if size >= MIN_SPLIT_BYTES and usable_cores() >= 2:
        _shared_pool()


class Helper:
    """Offers the rest of ``lines`` to the pool worker once it is ready.

    The caller encodes from the start meanwhile; when the worker is ready, the
    rest of the file is halved (``lines`` stopped at the cut) and the second half
    submitted. :meth:`result` gives the helper's :class:`PartResult`, or None
    when it got no part.
    """

    def __init__(self, job: PartJob, workers: int, lines: Stoppable) -> None:
        self._job = job
        self._workers = workers
        self._lines = lines
        self._done = False  # the caller finished: too late to help
        self._lock = threading.Lock()  # the cut is made, or the caller is done: not both
        self._future: Future[tuple[str, PartResult | str]] | None = None
        self._failed: BaseException | None = None
        self._starter = threading.Thread(target=self._offer, name="feedlab-helper", daemon=True)
        self.start: int | None = None

    def __enter__(self) -> Helper:
        self._starter.start()
        if WAIT_FOR_HELPER:
            self._starter.join()
        return self

    def _offer(self) -> None:
        from concurrent.futures.process import BrokenProcessPool

        pool = _shared_pool()
        pool.ready.wait()
        try:
            if pool.executor is None:
                raise FeedError(f"no helper process: {pool.failed}")
            try:  # a worker killed since the last export leaves a broken pool: a new one
                pool.executor.submit(_ready).result()
            except BrokenProcessPool:
                pool = _shared_pool(replace=True)
                pool.ready.wait()
            if pool.executor is None:
                raise FeedError(f"no helper process: {pool.failed}")
            with self._lock:
                if self._done:
                    return
                position = self._lines.offset + self._lines.bytes_read
                cut = split_point(self._job.source, self._workers, position)
                if cut is None or not self._lines.stop_at(cut):
                    return
                self.start = cut
            job = self._job
            part = PartJob(job.config, job.timestamp, job.source, cut, job.workdir)
            self._future = pool.executor.submit(encode_part, part)
        except BaseException as exc:  # raised by result(), in the caller's thread
            self._failed = exc

    def result(self) -> PartResult | None:
        """The helper's part, once the caller has read up to the cut (or to the end)."""
        with self._lock:
            self._done = True
            started = self.start
        if started is None:
            return None  # the caller read everything: no part, whatever the helper's state
        self._starter.join()
        if self._failed is not None or self._future is None:
            raise FeedError(f"the helper encoding process did not start: {self._failed}")
        try:
            status, payload = self._future.result()
        except Exception as exc:  # BrokenProcessPool: the worker died
            raise FeedError(f"the helper encoding process failed: {exc}") from exc
        if status == "refused":
            raise FeedError(str(payload))
        if status != "ok" or not isinstance(payload, PartResult):
            raise FeedError(f"the helper encoding process failed: {payload}")
        return payload

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with self._lock:
            self._done = True
            started = self.start
        if started is None:
            return  # no part was given out
        self._starter.join()
        if exc_type is not None and self._future is not None:
            # The caller failed first: the helper stops within a block, before the
            # work folder it writes to is removed.
            (Path(self._job.workdir) / STOP_NAME).touch()
            with contextlib.suppress(Exception):
                self._future.result()
