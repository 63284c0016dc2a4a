"""The two mock servers the app delivers to, and the sinks it uses on them.

The servers run in a child process (:class:`~mock_targets.process.ServerProcess`):
in the app's own process they would share its GIL, and moto completing a large
upload froze the screen for a quarter of a second. Starting and stopping are
blocking (the child imports moto and generates keys); the app calls them from a
thread worker. The servers hand out target
specs of themselves and the app opens them with :func:`feedcore.targets.open_sink`,
as ``feedlab publish`` does: it delivers, lists, reads and previews through the
same S3 and SFTP sinks production uses (a preview reads only the head of a
file). The configured host/bucket is kept for names and URLs (FS-4.4); only
the connection goes to the mock.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from feedcore.config import FeedConfig
from feedcore.errors import SinkError
from feedcore.sinks.base import Sink, read_head
from feedcore.targets import open_sink
from mock_targets.reports import Operation

if TYPE_CHECKING:
    from mock_targets.process import RemoteS3, RemoteSFTP, ServerProcess

Server = Literal["s3", "sftp"]
START_TIMEOUT = 30.0


@dataclass(frozen=True, order=True)
class FileRef:
    """A file a mock server holds: ``key`` is relative to the bucket or SFTP root."""

    server: Server
    bucket: str
    key: str

    @property
    def name(self) -> str:
        return self.key.rpartition("/")[2]

    @property
    def folder(self) -> str:
        return self.key.rpartition("/")[0]


class MockTargets:
    """Owns the child process of both mock servers for the life of the app."""

    def __init__(self) -> None:
        self.s3: RemoteS3 | None = None
        self.sftp: RemoteSFTP | None = None
        self._process: ServerProcess | None = None
        self._subscribers: list[Callable[[Operation], None]] = []
        self._ready = threading.Event()
        self._error: str | None = None
        self._buckets: set[str] = set()
        self._sinks: dict[tuple[str, str], Sink] = {}
        #: Sinks the app reads with, per (server, bucket): one connection each, kept.
        self._readers: dict[tuple[str, str], Sink] = {}
        self._session: Any = None
        self._client: Any = None
        self._lock = threading.Lock()

    # -- lifecycle -----------------------------------------------------------------

    def subscribe(self, callback: Callable[[Operation], None]) -> None:
        """Receive both servers' operation reports (on their threads)."""
        self._subscribers.append(callback)

    def _report(self, operation: Operation) -> None:
        for callback in self._subscribers:
            callback(operation)

    def launch(self) -> None:
        """Start the servers' child process without waiting for it (it starts on another
        core while the app paints); a failure to launch is reported by :meth:`start`."""
        from mock_targets.process import ServerProcess, ServerProcessError

        if self._process is None:
            self._process = ServerProcess()
            self._process.subscribe(self._report)
        with contextlib.suppress(ServerProcessError):
            self._process.launch()

    def start(self) -> None:
        """Start both servers (blocking); failures are kept for :meth:`wait_ready`."""
        from mock_targets.process import ServerProcessError

        try:
            self.launch()
            assert self._process is not None
            self._process.start(START_TIMEOUT)
            self.s3, self.sftp = self._process.s3, self._process.sftp
            # One session for the app's life: botocore loads its service models per
            # session, which costs more than any request. The admin client creates and
            # lists buckets (the server's business, not a target's); files are read
            # through sinks.
            self._session = self._s3().session()
            self._client = self._s3().client(session=self._session)
            self._client.list_buckets()  # moto's backend warms up now, not on the first F5
        except ServerProcessError as exc:
            self._error = str(exc)
            raise SinkError(self._error) from exc
        except Exception as exc:
            self._error = f"cannot start the mock servers: {type(exc).__name__}: {exc}"
            raise SinkError(self._error) from exc
        finally:
            self._ready.set()

    def wait_ready(self, timeout: float = START_TIMEOUT) -> None:
        if not self._ready.wait(timeout):
            raise SinkError("the mock servers did not start in time")
        if self._error is not None:
            raise SinkError(self._error)

    @property
    def ready(self) -> bool:
        return self._ready.is_set() and self._error is None

    def stop(self) -> None:
        """Stop both servers and drop what they hold (idempotent)."""
        process, client = self._process, self._client
        self.s3 = self.sftp = self._client = self._process = None
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()
        for sink in self._drop_sinks():
            with contextlib.suppress(Exception):
                sink.close()
        if process is not None:
            process.stop()  # the child drops its objects and deletes its folders

    # -- delivering ------------------------------------------------------------------

    def sink_for(self, config: FeedConfig) -> Sink:
        """A sink to the mock of ``config``'s target (its bucket created when missing).

        Sinks are kept for the next export (a boto3 client or an SSH connection is
        costly to set up); :meth:`discard` drops one after a failure.
        """
        self.wait_ready()
        slot = (config.feed.target, config.feed.host)
        with self._lock:
            sink = self._sinks.get(slot)
        if sink is None:
            sink = self._open_sink(config)
            with self._lock:
                self._sinks[slot] = sink
        return sink

    def discard(self, config: FeedConfig) -> None:
        with self._lock:
            sink = self._sinks.pop((config.feed.target, config.feed.host), None)
        if sink is not None:
            with contextlib.suppress(Exception):
                sink.close()

    def _drop_sinks(self) -> list[Sink]:
        with self._lock:
            sinks = [*self._sinks.values(), *self._readers.values()]
            self._sinks.clear()
            self._readers.clear()
        return sinks

    def _open_sink(self, config: FeedConfig) -> Sink:
        from mock_targets.embedded import sink_for

        if config.feed.target == "s3":
            self.ensure_bucket(config.feed.host)
            return sink_for(config, s3=self._s3(), create_bucket=False, session=self._session)
        return sink_for(config, sftp=self._sftp())

    def ensure_bucket(self, bucket: str) -> None:
        if bucket in self._buckets:
            return
        s3, client = self._s3(), self._admin()
        try:
            s3.create_bucket(bucket, exist_ok=True, client=client)
        except Exception as exc:
            raise SinkError(f"cannot create bucket {bucket!r} on the S3 mock: {exc}") from None
        self._buckets.add(bucket)

    # -- reading back -------------------------------------------------------------------

    def location(self, ref: FileRef) -> Sink:
        """The sink on the bucket or SFTP root holding ``ref`` (also what verify reads)."""
        slot = (ref.server, ref.bucket)
        with self._lock:
            sink = self._readers.get(slot)
        if sink is None:
            if ref.server == "sftp":
                sink = open_sink(self._sftp().target())
            else:
                sink = open_sink(self._s3().target(ref.bucket, session=self._session))
            with self._lock:
                sink, extra = self._readers.setdefault(slot, sink), sink
            if extra is not sink:  # another thread opened one first
                extra.close()
        return sink

    def read(self, ref: FileRef, limit: int | None = None) -> tuple[bytes, bool]:
        """The file's bytes (at most ``limit``: only those are fetched), and whether
        they were cut short."""
        sink = self.location(ref)
        if limit is None:
            return sink.read(ref.key), False
        return read_head(sink, ref.key, limit)

    def exists(self, ref: FileRef) -> bool:
        return self.location(ref).exists(ref.key)

    def listing(self) -> Iterator[FileRef]:
        """Everything both servers hold (used to rebuild the tree)."""
        if self.s3 is not None:
            for bucket in self._admin().list_buckets().get("Buckets", []):
                name = str(bucket["Name"])
                for info in self.location(FileRef("s3", name, "")).list():
                    yield FileRef("s3", name, info.key)
        if self.sftp is not None:
            for info in self.location(FileRef("sftp", "", "")).list():
                yield FileRef("sftp", "", info.key)

    def clear(self) -> None:
        """Empty both servers (the tree and log show the deletions)."""
        self.wait_ready()
        self._buckets.clear()
        for sink in self._drop_sinks():
            with contextlib.suppress(Exception):
                sink.close()
        self._s3().reset()
        self._sftp().reset()

    def details(self) -> str:
        """Where the mocks listen, for a user connecting another client (no secrets)."""
        if not self.ready or self.s3 is None or self.sftp is None:
            return "The mock servers are not running yet."
        return (
            f"S3: {self.s3.endpoint_url} (access key {self.s3.access_key_id}); "
            f"SFTP: {self.sftp.username}@{self.sftp.host}:{self.sftp.port}, "
            f"key {self.sftp.private_key_file}, known hosts {self.sftp.known_hosts_file}"
        )

    # -- internals -----------------------------------------------------------------------

    def _s3(self) -> RemoteS3:
        if self.s3 is None:
            raise SinkError("the S3 mock server is not running")
        return self.s3

    def _admin(self) -> Any:
        """The boto3 client the app administers the S3 mock's buckets with."""
        if self._client is None:
            raise SinkError("the S3 mock server is not running")
        return self._client

    def _sftp(self) -> RemoteSFTP:
        if self.sftp is None:
            raise SinkError("the SFTP mock server is not running")
        return self.sftp
