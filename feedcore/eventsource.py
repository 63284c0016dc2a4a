"""Opening an events input once (FS-7): its digest for the batch key, then its lines.

Why: the batch journal names a batch by the SHA-256 of its events, so the input
is read before the export. A pipe, a FIFO, ``/dev/fd/N`` (``--events <(cat
f)``) or a device cannot be read twice: the export then read nothing, reported
"exported 0 of 0", and the journal recorded the batch as delivered (a FIFO
hung instead). So :func:`open_source` reads every input exactly once:

* a regular file is hashed, then read again by position through the same
  descriptor; its size and modification time when opened are compared after
  the export has read it, and a file that changed in between is refused;
* anything else is copied, as it is hashed, to a private spool file
  (:mod:`feedcore.tempfiles`: 0700 folder, 0600 file, swept if abandoned) and
  the export reads the copy;
* without a digest (no journal) a stream is read directly, once;
* a binary stream a service already holds (an open file object, a socket's
  reader) is a stream too: read once from where it stands, never closed here.

Either way the export must read exactly the bytes that were measured
(:meth:`EventSource.check`): zero lines from a non-empty input is an error,
never a success. An input with :data:`~feedcore.lines.MAX_RUNAWAY_BYTES` and no
line end is refused while it is hashed or copied, before anything else runs.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from feedcore import tempfiles
from feedcore.errors import EventError
from feedcore.lines import BLOCK, MAX_RUNAWAY_BYTES, LineReader, LineSource, Read, runaway_error

if TYPE_CHECKING:
    from feedcore.config import FeedConfig
    from feedcore.events import EventReader

__all__ = ["EventInput", "EventSource", "open_source", "read_events"]

#: What an events input can be: a path, ``-`` (standard input) or a binary stream.
EventInput = str | Path | BinaryIO

_READ_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)


class _RunawayGuard:
    """Refuses input with MAX_RUNAWAY_BYTES and no line end, block by block (C ``rfind``)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.seen = 0
        self.run = 0  # bytes since the last line end

    def feed(self, block: bytes) -> None:
        end = block.rfind(b"\n")
        self.run = self.run + len(block) if end < 0 else len(block) - end - 1
        self.seen += len(block)
        if self.run > MAX_RUNAWAY_BYTES:
            raise runaway_error(self.name, self.seen - self.run)


class EventSource(LineSource, tempfiles.Closeable):
    """An events input opened once: ``digest`` (or None), ``size``, and its lines.

    Close it (or use it as a context manager) to release the descriptor and
    remove a spooled copy.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.digest: bytes | None = None
        self.size: int | None = None
        self.seekable = False
        #: True when the bytes read are a private copy of a stream.
        self.spooled = False
        self._fd: int | None = None
        self._owns_fd = True
        self._stream: Read | None = None
        self._identity: tuple[int, int, int, int] | None = None
        self._copy: tempfiles.PrivateDir | None = None
        self._handle: BinaryIO | None = None
        self._streamed = False
        #: Where another process can reopen the bytes read (a regular file or the copy).
        self.path: str | None = None

    @property
    def identity(self) -> tuple[int, int, int, int] | None:
        """(device, inode, size, modification time) when opened, for a regular file."""
        return self._identity

    # -- reading -----------------------------------------------------------

    def reader_at(self, offset: int) -> Read:
        if self._fd is None or not self.seekable:
            return super().reader_at(offset)
        fd = self._fd
        position = offset

        def read(size: int) -> bytes:
            nonlocal position
            try:
                data = os.pread(fd, size, position)
            except OSError as exc:
                raise EventError(f"cannot read {self.name!r}: {exc.strerror or exc}") from None
            position += len(data)
            return data

        return read

    def lines(
        self, start: int = 0, end: int | None = None, *, strip_bom: bool = True
    ) -> LineReader:
        if self.seekable:
            return super().lines(start, end, strip_bom=strip_bom)
        if self._streamed or self._stream is None or start != 0 or end is not None:
            raise EventError(f"{self.name}: a stream can be read only once, from its start")
        self._streamed = True
        return LineReader(self._stream, source=self.name, strip_bom=strip_bom)

    def check(self, bytes_read: int) -> None:
        super().check(bytes_read)
        fd, before = self._fd, self._identity
        if fd is not None and before is not None and _identity(os.fstat(fd)) != before:
            raise EventError(
                f"{self.name}: the file changed while it was being exported (size or "
                "modification time); nothing was delivered: rerun once it is complete [FS-7]"
            )

    # -- lifetime ----------------------------------------------------------

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
        if self._fd is not None and self._owns_fd:
            os.close(self._fd)
        self._fd = None
        if self._copy is not None:
            self._copy.close()
            self._copy = None


def _identity(info: os.stat_result) -> tuple[int, int, int, int]:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def open_source(
    name: EventInput, *, digest: bool = True, spool_dir: str | Path | None = None
) -> EventSource:
    """Open an events input: a path, ``-`` (standard input), ``/dev/fd/N``, a FIFO,
    a device, a regular file or a binary stream. With ``digest`` its SHA-256 is
    computed (the batch key) and a stream is copied to a private file in
    ``spool_dir`` (default: the temporary folder) as it is read."""
    if not isinstance(name, (str, Path)):
        return _open_stream(EventSource(_stream_name(name)), name, digest, spool_dir)
    text = str(name)
    source = EventSource(text)
    try:
        if text == "-":  # always a stream here, even when a file is redirected to it
            return _open_stream(source, sys.stdin.buffer, digest, spool_dir)
        try:
            fd = os.open(text, _READ_FLAGS)
        except OSError as exc:
            raise EventError(f"cannot read events file {text!r}: {exc.strerror or exc}") from None
        source._fd = fd
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise EventError(f"cannot read events file {text!r}: it is a folder")
        if stat.S_ISREG(info.st_mode):
            _open_regular(source, fd, info, digest)
            if not text.startswith(("/dev/", "/proc/")):  # /dev/fd/N: this process's only
                source.path = os.path.abspath(text)
        elif digest:
            _copy_stream(source, _reader_of(text, fd), spool_dir)
        else:
            source._stream = _reader_of(text, fd)
    except BaseException:
        source.close()
        raise
    return source


def _stream_name(stream: object) -> str:
    name = getattr(stream, "name", None)
    return name if isinstance(name, str) and name else "events stream"


def _open_stream(
    source: EventSource, stream: BinaryIO, digest: bool, spool_dir: str | Path | None
) -> EventSource:
    """A stream read once: copied while hashed (with ``digest``), else read as it comes."""
    if isinstance(stream, io.TextIOBase) or not callable(getattr(stream, "read", None)):
        raise EventError(f"{source.name}: events are read as bytes: open it in binary mode")
    try:
        if digest:
            _copy_stream(source, stream.read, spool_dir)
        else:
            source._stream = stream.read
    except BaseException:
        source.close()
        raise
    return source


@contextlib.contextmanager
def read_events(
    source: EventInput,
    *,
    config: FeedConfig | None = None,
    strict: bool = False,
    spool_dir: str | Path | None = None,
    digest: bool = True,
) -> Iterator[EventReader]:
    """The FS-7 reader over an events input, opened once (the library's way in).

    ``source`` is a path, ``-`` (standard input) or a binary stream a service
    already holds (read from where it stands; not closed here). Iterate the
    reader for :class:`~feedcore.events.Event` values (or hand it to
    :meth:`FeedWriter.export <feedcore.writer.FeedWriter.export>` or
    :func:`feedcore.batch.publish_batch`); bad lines land in ``.problems``
    (:class:`~feedcore.errors.LineProblem`, with ``.line``), or, ``strict``,
    stop the read with :class:`~feedcore.errors.BadLineError`. ``config``
    gives it the flow's variants, so an unknown variant is a bad line.

    Why a context manager over :func:`open_source`: the input is read exactly
    once (a stream is copied to a private spool in ``spool_dir`` while it is
    hashed), and that copy and the descriptor must go when the caller is done.
    ``reader.digest`` is the SHA-256 of the bytes read (``digest=False``: None,
    and a stream is not copied), the events' part of a batch key.
    """
    from feedcore.events import EventReader

    variants = {v.name for v in config.flow.variants} if config is not None else None
    with open_source(source, digest=digest, spool_dir=spool_dir) as opened:
        yield EventReader(opened, variants=variants, strict=strict, source=opened.name)


def _reader_of(text: str, fd: int) -> Read:
    def read(size: int) -> bytes:
        try:
            return os.read(fd, size)
        except OSError as exc:
            raise EventError(f"cannot read events {text!r}: {exc.strerror or exc}") from None

    return read


def _open_regular(source: EventSource, fd: int, info: os.stat_result, digest: bool) -> None:
    """Hash the file through ``fd`` (when asked); later reads use the same descriptor."""
    source.seekable = True
    source.size = info.st_size
    source._identity = _identity(info)
    if not digest:
        return
    hasher = hashlib.sha256()
    guard = _RunawayGuard(source.name)
    read = source.reader_at(0)
    while block := read(BLOCK):
        hasher.update(block)
        guard.feed(block)
    source.digest = hasher.digest()
    if guard.seen != info.st_size or _identity(os.fstat(fd)) != source._identity:
        raise EventError(
            f"{source.name}: the file changed while it was being read; nothing was "
            "delivered: rerun once it is complete [FS-7]"
        )


def _copy_stream(source: EventSource, read: Read, spool_dir: str | Path | None) -> None:
    """Copy a stream to a private file while hashing it; the export reads the copy."""
    folder = tempfiles.private_dir("events", spool_dir)
    source._copy = folder
    handle = folder.create("events.jsonl", readable=True)
    source._handle = handle
    hasher = hashlib.sha256()
    guard = _RunawayGuard(source.name)
    while block := read(BLOCK):
        hasher.update(block)
        guard.feed(block)
        try:
            handle.write(block)
        except OSError as exc:
            raise tempfiles.storage_error(
                folder.path, guard.seen, f"the copy of {source.name}", exc
            ) from exc
    try:
        handle.flush()
    except OSError as exc:
        raise tempfiles.storage_error(
            folder.path, guard.seen, f"the copy of {source.name}", exc
        ) from exc
    if source._owns_fd and source._fd is not None:
        os.close(source._fd)  # the stream is read: from here on only the copy is
    source._fd = handle.fileno()
    source._owns_fd = False  # closed with the handle
    source.digest = hasher.digest()
    source.size = guard.seen
    source.seekable = True
    source.spooled = True
    source.path = str(folder.path / "events.jsonl")
    source._identity = _identity(os.fstat(handle.fileno()))
