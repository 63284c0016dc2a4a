"""Encoding a large events file in two processes at once.

Why: the raw-line loop (:mod:`feedcore.engine`) is CPU-bound Python, and a
feed export usually runs on a machine with more than one core. A regular file
can be cut at a line boundary: a helper process reopens it by path (refusing
a file that is no longer the same one), encodes the part after the cut into
header-less part files with a reader, builder, engine and spools of its own,
and returns what it did; the caller encodes the first part meanwhile, then
appends the parts. Bytes, names and line numbers in messages are exactly
those of a single-process run.

The helper is a :class:`concurrent.futures.ProcessPoolExecutor` worker from a
``forkserver`` context (``spawn`` where there is none): the worker is forked
from a clean server process, never from the caller, so a caller with threads
(the TUI, a service) is as safe as the ``publish`` command. Nothing of the
caller's is mutated or even shared: the helper gets a picklable
:class:`PartJob`. With one usable core, or below :data:`MIN_SPLIT_BYTES`, the
split is off: a pool costs more than it saves.
"""

from __future__ import annotations

import os
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from feedcore.config import FeedConfig
from feedcore.errors import EventError, FeedError, LineProblem
from feedcore.lines import BLOCK, SplitInput

#: Below this size a second process costs more than it saves.
MIN_SPLIT_BYTES = 8 << 20
#: The helper starts later than the caller (a fresh worker imports feedcore and
#: generates its engine): it gets this many bytes less than half, so both end together.
HEAD_START_BYTES = 3 << 20
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


def split_point(source: SplitInput | None, workers: int) -> int | None:
    """The byte offset where the helper's part starts, or None to stay single.

    The first line end after the cut is found block by block (a huge line there
    is scanned, never held).
    """
    if source is None or workers < 2 or source.size < MIN_SPLIT_BYTES or usable_cores() < 2:
        return None
    size = source.size
    offset = (size - HEAD_START_BYTES) // 2 if size > 4 * HEAD_START_BYTES else size // 2
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
    return offset if 0 < offset < size else None


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
    from feedcore.rows import RowBuilder
    from feedcore.spool import Spool

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


class Helper:
    """Runs :func:`encode_part` in a pool worker; :meth:`result` waits for its PartResult."""

    def __init__(self, job: PartJob) -> None:
        self._job = job
        self._pool: ProcessPoolExecutor | None = None
        self._future: Future[tuple[str, PartResult | str]] | None = None

    def __enter__(self) -> Helper:
        import multiprocessing  # only a split export needs it (~3 ms of every start-up)

        methods = multiprocessing.get_all_start_methods()
        context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
        self._pool = ProcessPoolExecutor(max_workers=1, mp_context=context)
        self._future = self._pool.submit(encode_part, self._job)
        return self

    def result(self) -> PartResult:
        assert self._future is not None
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
        if self._pool is None:
            return
        if exc_type is not None:  # the caller failed first: the helper stops within a block
            (Path(self._job.workdir) / STOP_NAME).touch()
        self._pool.shutdown(wait=True, cancel_futures=True)
