"""JSON Lines read in bounded memory: the line limit holds while reading (FS-7).

Why not ``for line in stream``: a file's line iterator holds a whole line in
memory before anyone can look at its length, so one 400 MB line cost 800 MB
and ``/dev/zero`` ended in a MemoryError. Here the input is read in blocks of
:data:`BLOCK` bytes and cut with ``bytes.split`` (C, and faster than the line
iterator); a line that grows past :data:`MAX_LINE_BYTES` is skipped as it is
read, and stands in the output as one :class:`OversizedLine` so that its number
and length are still reported. An input that goes on for
:data:`MAX_RUNAWAY_BYTES` without any line end is not JSON Lines at all (a
binary file, ``/dev/zero``) and is refused.

The lines come out without their ``\\n`` (a ``\\r`` before it stays, as with the
line iterator; JSON decoders skip it).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from feedcore.errors import EventError

#: **[decision]** Longest accepted event line (its ``\n`` not counted); a longer one
#: is reported as a bad line and never held in memory.
MAX_LINE_BYTES = 1 << 20
#: **[decision]** An input with this much text and no line end is refused as not JSON Lines.
MAX_RUNAWAY_BYTES = 64 << 20
#: Bytes per read. At most MAX_LINE_BYTES, so a line that lies inside one block is
#: always within the limit and only a line spanning blocks needs measuring.
BLOCK = 256 << 10
BOM = b"\xef\xbb\xbf"

Read = Callable[[int], bytes]


class OversizedLine(bytes):
    """A line longer than the limit, skipped as it was read: ``len()`` is its length.

    Its content is one NUL byte, never the line, so any check that looks at the
    length reports it ("line is N bytes; the limit is ...") and anything that
    would parse it instead finds it is not JSON: it can only ever be a bad line.
    """

    size: int

    def __new__(cls, size: int) -> OversizedLine:
        line = super().__new__(cls, b"\x00")
        line.size = size
        return line

    def __len__(self) -> int:
        return self.size


def runaway_error(source: str, start: int) -> EventError:
    return EventError(
        f"{source}: more than {MAX_RUNAWAY_BYTES >> 20} MiB without a line end (from byte "
        f"{start:,}): this is not JSON Lines (a binary file?); nothing was delivered [FS-7]"
    )


class LineReader:
    """The lines of a byte input, ``read(n)`` giving its next bytes (``b""`` at the end).

    ``offset`` is where the input starts in its file (for messages); ``budget``
    stops after that many bytes (a helper process's part of a file). After
    iteration, :attr:`bytes_read` and :attr:`lines` say how much was read.
    """

    def __init__(
        self,
        read: Read,
        *,
        source: str = "events",
        strip_bom: bool = True,
        offset: int = 0,
        budget: int | None = None,
    ) -> None:
        self._read = read
        self.source = source
        self.strip_bom = strip_bom
        self.offset = offset
        self.budget = budget
        self.bytes_read = 0
        self.lines = 0
        #: Held while a block is read, so :meth:`stop_at` from another thread is exact.
        self._lock = threading.Lock()

    def __iter__(self) -> Iterator[bytes]:
        # One generator step per block, not per line: chain hands out the lines in C.
        return itertools.chain.from_iterable(self.chunks())

    def chunks(self) -> Iterator[list[bytes]]:
        """The lines a block at a time (the fast path's chunks: no per-line step at all)."""
        return self._blocks()

    def _next_block(self) -> bytes:
        with self._lock:
            size = BLOCK
            if self.budget is not None:
                size = min(size, self.budget - self.bytes_read)
                if size <= 0:
                    return b""
            block = self._read(size)
            self.bytes_read += len(block)
            return block

    def stop_at(self, offset: int) -> bool:
        """End this input at ``offset`` (in its file; a line start) if not read that far yet.

        Called from another thread while the lines are being read: another process
        then reads from ``offset`` on (:mod:`feedcore.parallel`). False when too late.
        """
        with self._lock:
            if offset < self.offset + self.bytes_read:
                return False
            if self.budget is not None and offset > self.offset + self.budget:
                return False
            self.budget = offset - self.offset
            return True

    def _blocks(self) -> Iterator[list[bytes]]:
        carry = b""  # the unfinished last line so far (at most MAX_LINE_BYTES)
        skipped = -1  # >= 0 while skipping an oversized line: its bytes so far
        skip_start = 0
        bom = self.strip_bom
        while block := self._next_block():
            if skipped >= 0:
                end = block.find(b"\n")
                if end < 0:
                    skipped += len(block)
                    if skipped > MAX_RUNAWAY_BYTES:
                        raise runaway_error(self.source, self.offset + skip_start)
                    continue
                self.lines += 1
                bom = False
                yield [OversizedLine(skipped + end)]
                skipped = -1
                block = block[end + 1 :]
            parts = block.split(b"\n")
            tail = parts.pop()
            if not parts:  # no line end in this block
                carry += tail
                if len(carry) > MAX_LINE_BYTES:
                    skipped, carry = len(carry), b""
                    skip_start = self.bytes_read - skipped
                continue
            head = carry + parts[0] if carry else parts[0]
            if len(head) > MAX_LINE_BYTES:
                parts[0] = OversizedLine(len(head))
            elif bom:
                parts[0] = head.removeprefix(BOM)
            else:
                parts[0] = head
            bom = False
            carry = tail
            self.lines += len(parts)
            yield parts
        if skipped >= 0:
            self.lines += 1
            yield [OversizedLine(skipped)]
        elif carry:
            self.lines += 1
            yield [carry.removeprefix(BOM) if bom else carry]


@dataclass(frozen=True)
class SplitInput:
    """A regular file another process can reopen to read part of it (:mod:`feedcore.parallel`).

    ``identity`` is (device, inode, size, modification time) when it was opened: the
    other process refuses a file that is no longer the same one.
    """

    path: str
    identity: tuple[int, int, int, int]
    size: int
    name: str
    variants: tuple[str, ...] | None


class LineSource:
    """Where an :class:`~feedcore.events.EventReader` gets its lines from, beyond a list.

    ``size`` is the number of bytes the input held when it was opened (None: a
    stream, unknown); a ``seekable`` source can be read from any offset, so the
    writer may split it over two processes. :meth:`check` runs once everything
    was read and refuses an input that was not read whole or changed meanwhile.
    """

    name = "events"
    size: int | None = None
    seekable = False

    def reader_at(self, offset: int) -> Read:
        """``read(n)`` from ``offset`` on (only for a seekable source)."""
        raise EventError(f"{self.name}: this input cannot be read from an offset")

    def lines(
        self, start: int = 0, end: int | None = None, *, strip_bom: bool = True
    ) -> LineReader:
        """The lines that start in ``[start, end)`` (``start`` and ``end`` at line starts)."""
        budget = None if end is None else end - start
        return LineReader(
            self.reader_at(start),
            source=self.name,
            strip_bom=strip_bom,
            offset=start,
            budget=budget,
        )

    def check(self, bytes_read: int) -> None:
        """Called after the last line: refuse an input that was not read whole or changed."""
        if self.size is not None and bytes_read != self.size:
            raise EventError(
                f"{self.name}: read {bytes_read:,} bytes of the {self.size:,} it held when it was "
                "opened (it changed, or something else read it); nothing was delivered [FS-7]"
            )


class StreamSource(LineSource):
    """A binary stream read once, front to back (a pipe, a socket, an open file object)."""

    def __init__(self, stream: object, name: str = "events") -> None:
        read = getattr(stream, "read", None)
        if not callable(read):
            raise TypeError("StreamSource needs an object with read(n)")
        self._read: Read = read
        self.name = name
        self._used = False

    def lines(
        self, start: int = 0, end: int | None = None, *, strip_bom: bool = True
    ) -> LineReader:
        if self._used or start != 0 or end is not None:
            raise EventError(f"{self.name}: a stream can be read only once, from its start")
        self._used = True
        return LineReader(self._read, source=self.name, strip_bom=strip_bom)
