"""The spool: each data file's encoded rows, held until delivery.

Why spool at all: the control file needs the data file's row count (and
optionally its SHA-256) before it is sent, a sink picks single PUT or multipart
from the size, and a retry must resend identical bytes. A small file stays in
memory (a small export touches no disk); a large one goes to a local file,
written a megabyte at a time, so memory stays flat however large the flow.
Spool files are created 0600 in the writer's private folder
(:mod:`feedcore.tempfiles`); a failed write (a full disk) is one
:class:`~feedcore.errors.SpoolError` line naming the folder and the space needed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from feedcore.errors import SpoolError
from feedcore.naming import Operation
from feedcore.sinks.base import Payload
from feedcore.tempfiles import create_private_file, storage_error

#: Bytes of encoded rows buffered before a write to the spool file.
FLUSH_BYTES = 1 << 20
#: A data file that never outgrows FLUSH_BYTES stays in memory (no spool file,
#: no spool folder), as long as the export's in-memory files stay under this.
MEMORY_SPOOL_BYTES = 8 << 20
#: Contact texts joined and encoded to UTF-8 together (see Spool._buffer).
ENCODE_PIECES = 1000


@dataclass
class SpoolFile:
    """One data file's encoded rows: in memory while small, else in a local spool file."""

    rows: int = 0
    size: int = 0
    hasher: hashlib._Hash | None = None
    path: Path | None = None
    handle: BinaryIO | None = None
    #: The whole file, when it never had to leave memory.
    data: bytes | None = None

    def write_bytes(self, data: bytes) -> None:
        assert self.handle is not None
        self.handle.write(data)
        if self.hasher is not None:
            self.hasher.update(data)
        self.size += len(data)

    def keep(self, data: bytes) -> None:
        self.data = data
        if self.hasher is not None:
            self.hasher.update(data)
        self.size = len(data)

    def payload(self) -> Payload:
        if self.data is not None:
            return Payload.from_bytes(self.data)
        assert self.path is not None
        return Payload.from_file(self.path, spooled=True)


class MemoryBudget:
    """Bytes of finished data files kept in memory by one export (shared by its spools)."""

    def __init__(self, limit: int) -> None:
        self.left = limit

    def take(self, size: int) -> bool:
        if size > self.left:
            return False
        self.left -= size
        return True


class Spool:
    """Encoded rows of one operation, in one or more data files.

    Text is encoded to UTF-8 as soon as it is added, a few contacts at a time:
    a piece stays small (cache-resident), and one emoji makes only its own piece
    a 4-bytes-per-character string, not a whole megabyte's worth. A file is
    written to the spool folder once it outgrows FLUSH_BYTES; a small one stays
    in memory when a ``budget`` allows, so a small export touches no disk.
    """

    def __init__(
        self,
        directory: Callable[[], Path],
        operation: Operation,
        header_text: str,
        max_rows: int | None,
        checksum: bool,
        *,
        header: bool = True,
        name: str | None = None,
        budget: MemoryBudget | None = None,
    ) -> None:
        self.header = header
        self.name = name or operation
        self.checksum = checksum
        self.directory = directory
        self.operation = operation
        #: The data file's first line (FS-3.3: none for JSONL), written unless ``header`` is off.
        self.header_text = header_text
        self.max_rows = max_rows
        self.budget = budget
        self.files: list[SpoolFile] = []
        self._current: SpoolFile | None = None
        self._buffer: list[bytes] = []
        self._buffered = 0

    def _open(self) -> SpoolFile:
        if self._current is not None:
            self._seal(self._current)
        spool = SpoolFile(hasher=hashlib.sha256() if self.checksum else None)
        self.files.append(spool)
        self._current = spool
        if self.header:
            self._append(self.header_text)
        return spool

    def _spill(self, current: SpoolFile) -> None:
        try:
            if current.handle is None:
                current.path = self.directory() / f"{self.name}-{len(self.files) - 1}"
                current.handle = create_private_file(current.path)
            if self._buffer:
                current.write_bytes(b"".join(self._buffer))
        except OSError as exc:
            raise self._failed(current, self._buffered, exc) from exc
        self._buffer = []
        self._buffered = 0

    def _failed(self, current: SpoolFile, pending: int, exc: OSError) -> SpoolError:
        folder = current.path.parent if current.path is not None else self.directory()
        return storage_error(folder, current.size + pending, "the encoded rows", exc)

    def _seal(self, current: SpoolFile) -> None:
        """The current file is complete: keep it in memory if small, else finish it on disk."""
        budget = self.budget
        if current.handle is None and budget is not None and budget.take(self._buffered):
            current.keep(b"".join(self._buffer))
            self._buffer = []
            self._buffered = 0
            return
        self._spill(current)
        assert current.handle is not None
        try:
            current.handle.close()
        except OSError as exc:  # the last buffered block is written here
            raise self._failed(current, 0, exc) from exc

    def _append(self, text: str) -> None:
        data = text.encode("utf-8")
        self._buffer.append(data)
        self._buffered += len(data)
        if self._buffered >= FLUSH_BYTES and self._current is not None:
            self._spill(self._current)

    def add(self, text: str, rows: int) -> None:
        self.add_pieces([text], rows)

    def add_pieces(self, pieces: list[str], rows: int) -> None:
        """Like ``add("".join(pieces), rows)``, joined and encoded a few contacts at a time."""
        current = self._current or self._open()
        current.rows += rows
        for start in range(0, len(pieces), ENCODE_PIECES):
            self._append("".join(pieces[start : start + ENCODE_PIECES]))

    def add_group(self, text: str, rows: int) -> None:
        """Add one contact's ``rows`` (``text``), starting a new file first if they do not fit.

        **[decision]** A contact's rows never straddle two files, so every file
        is self-contained; config validation guarantees a group fits in one file.
        """
        current = self._current or self._open()
        if self.max_rows is not None and current.rows and current.rows + rows > self.max_rows:
            current = self._open()
        current.rows += rows
        self._append(text)

    def append_file(self, path: str, rows: int) -> None:
        """Append already-encoded rows (a helper process's part) after what is here."""
        current = self._current or self._open()
        self._spill(current)
        try:
            with open(path, "rb") as part:
                while block := part.read(FLUSH_BYTES):
                    current.write_bytes(block)
        except OSError as exc:
            raise self._failed(current, FLUSH_BYTES, exc) from exc
        current.rows += rows

    def finish(self) -> list[SpoolFile]:
        if self._current is not None:
            self._seal(self._current)
            self._current = None
        return [f for f in self.files if f.rows > 0]

    def abandon(self) -> None:
        """After a failure: close whatever is open (the spool folder is removed anyway)."""
        for spool in self.files:
            if spool.handle is not None:
                spool.handle.close()
