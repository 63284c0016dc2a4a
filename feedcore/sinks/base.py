"""The sink protocol: the one seam between the feed writer and a storage target.

Modelled on httpx transports: tiny, synchronous, and easy to fake. The writer
spools each data file to local disk first, so a sink receives a finished
:class:`Payload` of known size and can choose a single PUT or a multipart upload,
retry it byte for byte, and hash it. Keys are relative POSIX paths
(``exports/daily/2026/11/27/acme_1_add_0a1b2c3d_20261127030000.csv``); S3 uses
them as object keys, SFTP relative to the login's root.

Sinks that talk asyncio (SFTP) run their own loop on a private thread so this
API stays blocking and usable from plain code; async callers (the TUI) wrap the
writer in ``asyncio.to_thread``.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Protocol, Self, runtime_checkable


@dataclass(frozen=True)
class Payload:
    """Bytes to deliver: a spooled local file, or a small in-memory blob."""

    size: int
    path: Path | None = None
    data: bytes | None = None
    #: ``path`` is the writer's spool file: complete, never written again and removed
    #: after delivery, so a sink on the same file system may hard-link it instead of
    #: copying it (a caller's own file is always copied: it may change later).
    spooled: bool = False

    @classmethod
    def from_bytes(cls, data: bytes) -> Payload:
        return cls(size=len(data), data=data)

    @classmethod
    def from_file(cls, path: Path, *, spooled: bool = False) -> Payload:
        return cls(size=os.path.getsize(path), path=path, spooled=spooled)

    def open(self) -> BinaryIO:
        """A fresh reader positioned at byte 0 (each retry opens a new one)."""
        if self.data is not None:
            return io.BytesIO(self.data)
        assert self.path is not None
        return open(self.path, "rb")

    def read_all(self) -> bytes:
        with self.open() as fh:
            return fh.read()


@dataclass(frozen=True)
class ObjectInfo:
    """One stored file as a listing reports it."""

    key: str
    size: int


@dataclass(frozen=True)
class SinkEvent:
    """A protocol step a sink took, for activity logs and `-v` (never carries secrets)."""

    #: e.g. "put", "multipart-part", "rename", "skip-existing"; the writer adds
    #: "retry" (each failed attempt, and the outcome after a retry).
    action: str
    key: str
    detail: str = ""
    size: int | None = None


SinkListener = Callable[[SinkEvent], None]


@runtime_checkable
class Sink(Protocol):
    """Where a feed's files go. Implementations: memory, local folder, S3, SFTP.

    ``put`` must make ``key`` visible only once all of ``payload`` is stored
    (FS-6.1/FS-6.2). With ``exclusive=True`` it must not replace an existing
    object (write-once control files): if ``key`` already holds exactly these
    bytes the call succeeds (an idempotent retry), otherwise it raises
    :class:`~feedcore.errors.AlreadyExistsError`.
    """

    #: Human-readable location, e.g. ``s3://acme-data-feeds`` (no secrets).
    label: str

    def put(self, key: str, payload: Payload, *, exclusive: bool = False) -> None: ...

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every stored file under ``prefix`` (recursive), temporary files included."""
        ...

    def read(self, key: str, limit: int | None = None) -> bytes:
        """The stored bytes of ``key``: all of them, or at most the first ``limit``.

        A bounded read costs what it returns (an S3 ``Range``, an SFTP read of
        ``limit`` bytes), so a preview of a 100 MB file reads only its head.
        """
        ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc_info: object) -> None: ...


class ClosingSink:
    """``with sink:`` closes the sink on the way out (every sink in feedcore is one)."""

    def close(self) -> None:
        raise NotImplementedError  # each sink closes what it holds

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def check_limit(limit: int | None) -> None:
    """A read limit is a positive number of bytes, or None for the whole file."""
    if limit is not None and (isinstance(limit, bool) or limit < 1):
        raise ValueError(f"a read limit is a positive number of bytes, not {limit!r}")


def read_head(sink: Sink, key: str, limit: int) -> tuple[bytes, bool]:
    """The first ``limit`` bytes of ``key``, and whether the file holds more.

    One byte more than asked is read, so no size lookup is needed to tell.
    """
    check_limit(limit)
    data = sink.read(key, limit + 1)
    return data[:limit], len(data) > limit


@dataclass
class Listeners:
    """A tiny fan-out used by sinks to report :class:`SinkEvent`s."""

    callbacks: list[SinkListener] = field(default_factory=list)

    def emit(self, action: str, key: str, detail: str = "", size: int | None = None) -> None:
        event = SinkEvent(action, key, detail, size)
        for cb in self.callbacks:
            cb(event)


def emit(sink: object, action: str, key: str, detail: str = "", size: int | None = None) -> None:
    """Report a step through ``sink``'s listeners, if it has any (the writer's retries).

    Every sink in feedcore keeps its :class:`Listeners` as ``sink.listeners``;
    a sink without them (a test double, a benchmark's null sink) is skipped.
    """
    listeners = getattr(sink, "listeners", None)
    if isinstance(listeners, Listeners):
        listeners.emit(action, key, detail, size)
