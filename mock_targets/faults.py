"""Reusable fault injection for the mock targets (FS-6.3 reliability tests, the fault matrix).

SFTP modes implement the server's :class:`~mock_targets.sftp.SFTPFaults` seam
(``before(request, session)``, called before every reported operation):

* :class:`DropConnection` — drop the SSH connection when a write reaches byte N
  of a file (the client sees a lost connection, like a cut cable);
* :class:`NoSpace` — fail a write at byte N with ``FX_FAILURE`` "No space left
  on device";
* :class:`DenyRename` — refuse the rename that publishes a file;
* :class:`Stall` — hang a request until :meth:`Stall.release`, the client's
  connection closes, or ``seconds`` pass.

S3 modes implement :class:`S3Faults` (``before(request)``, called by
:class:`~mock_targets.s3.MockS3Server` before moto sees a request):

* :class:`S3Fail` — answer chosen operations (``PutObject``, ``UploadPart``,
  ``CreateMultipartUpload``, ``CompleteMultipartUpload``...) with an S3 error
  (500 ``InternalError``, 503 ``SlowDown``, 400 ``Throttling``);
* :class:`S3Stall` — hold a request until released (a slow upload).

A TCP connection reset mid-part is :class:`mock_targets.proxy.TCPProxy`'s job.

Every mode counts how often it fired (:attr:`Fault.fired`) and, with
``times=k``, fires k times and then lets requests through (a fault that
recovers); ``times=None`` never recovers. ``files`` limits a mode to data files
(``"data"``, the default), control files (``"control"``) or any file
(``"any"``). :class:`FaultPlan` combines modes and can be installed once on a
server and changed while clients are connected.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from mock_targets.sftp import FeedSFTPServer, SFTPRequest

__all__ = [
    "S3_ERRORS",
    "DenyRename",
    "DropConnection",
    "Fault",
    "FaultPlan",
    "NoSpace",
    "S3Error",
    "S3Fail",
    "S3Faults",
    "S3Mode",
    "S3Request",
    "S3Stall",
    "SFTPMode",
    "Stall",
    "file_kind",
]

Files = Literal["data", "control", "any"]
_DATA_EXTENSIONS = (".csv", ".tsv", ".jsonl")


def _ssh() -> ModuleType:
    """asyncssh, imported when an SFTP mode first fires (the S3 mock does not need it)."""
    import asyncssh

    return asyncssh


def file_kind(key: str) -> str:
    """``"data"``, ``"control"`` or ``"other"`` for a key or its ``.{name}.partial``."""
    name = key.rpartition("/")[2]
    if name.startswith(".") and name.endswith(".partial"):
        name = name[1 : -len(".partial")]
    if name.startswith("control_") and name.endswith(".json"):
        return "control"
    if name.endswith(_DATA_EXTENSIONS):
        return "data"
    return "other"


class Fault:
    """Shared bookkeeping: a firing limit, a counter, and which files a mode applies to."""

    #: A short name for reports and the fault matrix.
    kind = "fault"

    def __init__(self, *, times: int | None = 1, files: Files = "data") -> None:
        if times is not None and times < 0:
            raise ValueError("times must be >= 0 or None (never recover)")
        self.times = times
        self.files = files
        self.fired = 0
        self._lock = threading.Lock()

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.fired >= self.times

    def applies_to(self, key: str) -> bool:
        return self.files == "any" or file_kind(key) == self.files

    def claim(self) -> bool:
        """Count one firing, unless the limit is reached (then the request goes through)."""
        with self._lock:
            if self.times is not None and self.fired >= self.times:
                return False
            self.fired += 1
            return True

    def release(self) -> None:
        """Let anything this mode holds go (only stalls hold anything)."""

    def describe(self) -> str:
        limit = "forever" if self.times is None else f"{self.times}x"
        return f"{self.kind} ({self.files} files, {limit})"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.describe()} fired={self.fired}>"


# -- SFTP ----------------------------------------------------------------------------


class SFTPMode(Fault):
    """Base of the SFTP modes (subclass it for a custom one: :class:`FaultPlan` calls it)."""

    def before(
        self, request: SFTPRequest, session: FeedSFTPServer
    ) -> Awaitable[None] | None:  # pragma: no cover - overridden
        return None


class DropConnection(SFTPMode):
    """Abort the client's SSH connection when a write reaches byte ``after_bytes`` of a file.

    Writes that end at or before ``after_bytes`` are stored, so the partial file
    really is half written. Requests still queued on the dropped session fail
    too, without counting as further firings.
    """

    kind = "sftp-drop-connection"

    def __init__(self, after_bytes: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.after_bytes = after_bytes
        self._dropped: set[int] = set()

    def before(self, request: SFTPRequest, session: FeedSFTPServer) -> Awaitable[None] | None:
        if id(session) in self._dropped:
            raise _ssh().SFTPConnectionLost("connection dropped by fault injection")
        if request.op != "write" or not self.applies_to(request.key):
            return None
        end = (request.offset or 0) + (request.size or 0)
        if end <= self.after_bytes or not self.claim():
            return None
        self._dropped.add(id(session))
        session.connection.abort()
        raise _ssh().SFTPConnectionLost("connection dropped by fault injection")


class NoSpace(SFTPMode):
    """Fail the write that would take a file past ``at_bytes`` with FX_FAILURE "No space left"."""

    kind = "sftp-no-space"

    def __init__(self, at_bytes: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.at_bytes = at_bytes

    def before(self, request: SFTPRequest, session: FeedSFTPServer) -> Awaitable[None] | None:
        if request.op != "write" or not self.applies_to(request.key):
            return None
        end = (request.offset or 0) + (request.size or 0)
        if end <= self.at_bytes or not self.claim():
            return None
        raise _ssh().SFTPFailure("No space left on device")


class DenyRename(SFTPMode):
    """Refuse the rename that would publish a file under its final name."""

    kind = "sftp-deny-rename"

    def before(self, request: SFTPRequest, session: FeedSFTPServer) -> Awaitable[None] | None:
        if request.op != "rename" or not self.applies_to(request.key) or not self.claim():
            return None
        raise _ssh().SFTPPermissionDenied("rename denied by fault injection")


class Stall(SFTPMode):
    """Hang one kind of request until released, the connection closes, or ``seconds`` pass.

    ``op`` is the request kind (``write``, ``open``, ``rename``...); with
    ``at_bytes`` a write is held only once it reaches that byte of the file.
    A held request whose connection was closed meanwhile fails instead of
    proceeding, so a zombie write can never land in a file a reconnected client
    is rewriting. :attr:`holding` tells a test that a request is being held.
    """

    kind = "sftp-stall"

    def __init__(
        self, op: str = "write", *, at_bytes: int = 0, seconds: float = 30.0, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.op = op
        self.at_bytes = at_bytes
        self.seconds = seconds
        self.holding = threading.Event()
        self._released = threading.Event()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = []

    def before(self, request: SFTPRequest, session: FeedSFTPServer) -> Awaitable[None] | None:
        if request.op != self.op or not self.applies_to(request.key):
            return None
        if request.op == "write" and (request.offset or 0) + (request.size or 0) <= self.at_bytes:
            return None
        if self._released.is_set() or not self.claim():
            return None
        return self._hold(session)

    async def _hold(self, session: FeedSFTPServer) -> None:
        event = asyncio.Event()
        with self._lock:
            self._waiters.append((asyncio.get_running_loop(), event))
            if self._released.is_set():
                event.set()
        self.holding.set()
        conn = session.connection
        waiters = [
            asyncio.ensure_future(event.wait()),
            asyncio.ensure_future(conn.wait_closed()),
        ]
        try:
            await asyncio.wait(waiters, timeout=self.seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in waiters:
                task.cancel()
            await asyncio.gather(*waiters, return_exceptions=True)
        if conn.is_closed():
            raise _ssh().SFTPConnectionLost("connection closed while the request was held")

    def release(self) -> None:
        with self._lock:
            self._released.set()
            waiters, self._waiters = self._waiters, []
        for loop, event in waiters:
            if not loop.is_closed():
                loop.call_soon_threadsafe(event.set)


# -- S3 ------------------------------------------------------------------------------


@dataclass(frozen=True)
class S3Request:
    """An S3 request as a fault hook sees it, before moto does.

    ``operation`` is the S3 API name: ``PutObject``, ``UploadPart``,
    ``CreateMultipartUpload``, ``CompleteMultipartUpload``,
    ``AbortMultipartUpload``, ``GetObject``, ``HeadObject``, ``DeleteObject``,
    ``ListObjectsV2``, ``ListMultipartUploads`` or ``Other``.
    """

    operation: str
    bucket: str
    key: str
    part_number: int | None = None
    size: int | None = None


@dataclass(frozen=True)
class S3Error:
    """An error answer: HTTP status, S3 error code and message."""

    status: int
    code: str
    message: str

    def body(self, resource: str, request_id: str) -> bytes:
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            f"<Error><Code>{self.code}</Code><Message>{self.message}</Message>"
            f"<Resource>{_xml_escape(resource)}</Resource>"
            f"<RequestId>{request_id}</RequestId></Error>"
        ).encode()


def _xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


#: The transient failures S3 answers with: a server error, the throttling 503, and
#: the generic AWS throttling code (HTTP 400, recognised by its code alone).
S3_ERRORS: dict[str, S3Error] = {
    "500": S3Error(500, "InternalError", "We encountered an internal error. Please try again."),
    "503": S3Error(503, "SlowDown", "Please reduce your request rate."),
    "throttling": S3Error(400, "Throttling", "Rate exceeded"),
}


class S3Faults:
    """The S3 seam: return an :class:`S3Error` to answer a request instead of moto.

    Called on the server's request thread; it may block (a stall) since the
    server is threaded.
    """

    def before(self, request: S3Request) -> S3Error | None:  # pragma: no cover - protocol
        return None


class S3Mode(Fault, S3Faults):
    """Base of the S3 modes: matches ``operations`` on the chosen ``files``."""

    def __init__(self, operations: Iterable[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.operations = frozenset(operations)

    def matches(self, request: S3Request) -> bool:
        return request.operation in self.operations and self.applies_to(request.key)


class S3Fail(S3Mode):
    """Answer chosen operations with ``error`` (default 503 SlowDown), ``times`` times."""

    kind = "s3-error"

    def __init__(
        self,
        operations: Iterable[str] = ("PutObject",),
        error: S3Error | str = "503",
        **kwargs: Any,
    ) -> None:
        super().__init__(operations, **kwargs)
        self.error = S3_ERRORS[error] if isinstance(error, str) else error

    def before(self, request: S3Request) -> S3Error | None:
        if self.matches(request) and self.claim():
            return self.error
        return None

    def describe(self) -> str:
        ops = "/".join(sorted(self.operations))
        return f"s3 {self.error.status} {self.error.code} on {ops} ({super().describe()})"


class S3Stall(S3Mode):
    """Hold matching requests (e.g. ``UploadPart`` number 2) until :meth:`release`."""

    kind = "s3-stall"

    def __init__(
        self,
        operations: Iterable[str] = ("UploadPart",),
        *,
        part_number: int | None = None,
        seconds: float = 30.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(operations, **kwargs)
        self.part_number = part_number
        self.seconds = seconds
        self.holding = threading.Event()
        self._released = threading.Event()

    def before(self, request: S3Request) -> S3Error | None:
        if not self.matches(request):
            return None
        if self.part_number is not None and request.part_number != self.part_number:
            return None
        if self._released.is_set() or not self.claim():
            return None
        self.holding.set()
        self._released.wait(self.seconds)
        return None

    def release(self) -> None:
        self._released.set()


# -- combining -----------------------------------------------------------------------


class FaultPlan(S3Faults):
    """Several modes at once, for either server; modes can be added and removed any time.

    Install one plan (``server.faults = plan``) before clients connect: SFTP
    sessions keep the hook they started with, so changing the plan's modes is
    how a test changes faults under a connected client.
    """

    def __init__(self, modes: Sequence[Fault] = ()) -> None:
        self._lock = threading.Lock()
        self._modes: list[Fault] = list(modes)

    @property
    def modes(self) -> list[Fault]:
        with self._lock:
            return list(self._modes)

    def add(self, mode: Fault) -> Fault:
        with self._lock:
            self._modes.append(mode)
        return mode

    def remove(self, mode: Fault) -> None:
        """Remove one mode (releasing anything it holds); unknown modes are ignored."""
        with self._lock:
            self._modes = [m for m in self._modes if m is not mode]
        mode.release()

    def clear(self) -> None:
        """Remove every mode, releasing anything held."""
        with self._lock:
            modes, self._modes = self._modes, []
        for mode in modes:
            mode.release()

    @property
    def fired(self) -> int:
        return sum(mode.fired for mode in self.modes)

    def before(self, request: Any, session: Any = None) -> Any:
        """Both seams: ``before(SFTPRequest, session)`` and ``before(S3Request)``."""
        for mode in self.modes:
            if isinstance(request, S3Request):
                if isinstance(mode, S3Faults):
                    error = mode.before(request)
                    if error is not None:
                        return error
            elif isinstance(mode, SFTPMode):
                result = mode.before(request, session)
                if result is not None:
                    return result
        return None
