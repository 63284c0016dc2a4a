"""Encoding a large events file in two processes at once.

Why: the fused loop (:mod:`feedcore.fastpath`) is CPU-bound Python, and a feed
export usually runs on a machine with more than one core. A regular file (an
events source readable at any offset, :class:`~feedcore.lines.LineSource`) can
be cut at a line boundary; a forked helper encodes the second half into
header-less part files while the caller encodes the first, and the caller then
appends the parts. Bytes, names and line numbers in messages are exactly those
of a single-process run.

Forking is only safe when the process has no other threads (a thread holding
a lock at fork time would leave the child deadlocked), so the split is only
offered to a single-threaded caller — the ``publish`` command — and anything
else (the TUI, tests with servers in-process) silently keeps one process.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any

from feedcore.errors import FeedError, LineProblem
from feedcore.lines import BLOCK, LineSource

#: Below this size a second process costs more than it saves.
MIN_SPLIT_BYTES = 8 << 20


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


def split_point(source: LineSource | None, workers: int) -> int | None:
    """The byte offset where the helper's half starts, or None to stay single.

    The first line end after the middle is found block by block (a huge line
    there is scanned, never held).
    """
    if source is None or not source.seekable or source.size is None:
        return None
    if workers < 2 or not hasattr(os, "fork") or threading.active_count() > 1:
        return None
    size = source.size
    if size < MIN_SPLIT_BYTES:
        return None
    offset = size // 2
    try:
        read = source.reader_at(offset)
        while block := read(BLOCK):
            end = block.find(b"\n")
            if end >= 0:
                offset += end + 1
                break
            offset += len(block)
        else:
            return None
    except (OSError, FeedError):
        return None
    return offset if 0 < offset < size else None


def _child(work: Callable[[], PartResult], conn: Any) -> None:
    try:
        conn.send(("ok", work()))
    except FeedError as exc:  # already one line for the user (e.g. a refused input)
        conn.send(("refused", str(exc)))
    except BaseException as exc:  # reported to the parent as one line
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


class Helper:
    """Runs ``work`` in a forked process; :meth:`result` waits for its PartResult."""

    def __init__(self, work: Callable[[], PartResult]) -> None:
        self._work = work

    def __enter__(self) -> Helper:
        import multiprocessing  # only a split export needs it (~3 ms of every start-up)

        context = multiprocessing.get_context("fork")
        self._receive, send = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_child, args=(self._work, send), name="feedlab-encode", daemon=True
        )
        self._process.start()
        send.close()
        return self

    def result(self) -> PartResult:
        try:
            status, payload = self._receive.recv()
        except EOFError:
            raise FeedError("the helper encoding process ended without a result") from None
        self._process.join()
        if status == "refused":
            raise FeedError(payload)
        if status != "ok":
            raise FeedError(f"the helper encoding process failed: {payload}")
        assert isinstance(payload, PartResult)
        return payload

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join()
        self._receive.close()
