"""The two in-process mock servers the app delivers to, and sinks for them.

Starting and stopping are blocking (moto binds a socket, asyncssh generates
keys); the app calls them from a thread worker. The configured host/bucket is
kept for names and URLs (FS-4.4); only the connection goes to the mock.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from feedcore import rules
from feedcore.config import FeedConfig
from feedcore.errors import SinkError
from feedcore.sinks.base import ObjectInfo, Sink
from feedcore.sinks.local import LocalSink
from mock_targets.reports import Operation

if TYPE_CHECKING:
    from mock_targets.s3 import MockS3Server
    from mock_targets.sftp import MockSFTPServer

Server = Literal["s3", "sftp"]
START_TIMEOUT = 30.0
#: Multipart parts uploaded at once to the in-process S3 mock.
MOCK_S3_CONCURRENCY = 2


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
    """Owns a MockS3Server and a MockSFTPServer for the life of the app."""

    def __init__(self) -> None:
        self.s3: MockS3Server | None = None
        self.sftp: MockSFTPServer | None = None
        self._subscribers: list[Callable[[Operation], None]] = []
        self._ready = threading.Event()
        self._error: str | None = None
        self._buckets: set[str] = set()
        self._sinks: dict[tuple[str, str], Sink] = {}
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

    def start(self) -> None:
        """Start both servers (blocking); failures are kept for :meth:`wait_ready`."""
        from mock_targets.s3 import MockS3Server
        from mock_targets.sftp import MockSFTPServer

        try:
            self.s3 = MockS3Server().start()
            self.s3.subscribe(self._report)
            self.sftp = MockSFTPServer().start()
            self.sftp.subscribe(self._report)
            # One session and one admin client for the app's life: botocore loads its
            # service models per session, which costs more than any request.
            self._session = self.s3.session()
            self._client = self._make_client(self._session)
            self._client.list_buckets()  # moto's backend warms up now, not on the first F5
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
        s3, sftp, client = self.s3, self.sftp, self._client
        self.s3 = self.sftp = self._client = None
        if client is not None:
            with contextlib.suppress(Exception):
                client.close()
        for sink in self._drop_sinks():
            with contextlib.suppress(Exception):
                sink.close()
        if s3 is not None:
            with contextlib.suppress(Exception):
                s3.reset()  # moto keeps buckets process-wide: leave nothing behind
            s3.stop()
        if sftp is not None:
            sftp.cleanup()

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
            sinks = list(self._sinks.values())
            self._sinks.clear()
        return sinks

    def _open_sink(self, config: FeedConfig) -> Sink:
        from mock_targets.embedded import sink_for

        if config.feed.target == "s3":
            self.ensure_bucket(config.feed.host)
            # The mock shares this process (and its GIL): parallel parts buy no speed,
            # and every extra thread delays the UI's turn at the GIL (tui_frames.py).
            return sink_for(
                config,
                s3=self._s3(),
                create_bucket=False,
                session=self._session,
                max_concurrency=MOCK_S3_CONCURRENCY,
            )
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

    def read(self, ref: FileRef, limit: int | None = None) -> tuple[bytes, bool]:
        """The file's bytes (at most ``limit``), and whether they were cut short."""
        if ref.server == "sftp":
            path = self._sftp_path(ref.key)
            try:
                size = path.stat().st_size
                with path.open("rb") as fh:
                    data = fh.read() if limit is None else fh.read(limit)
            except OSError as exc:
                raise SinkError(f"cannot read {ref.key}: {exc.strerror or exc}") from None
            return data, len(data) < size
        client = self._admin()
        try:
            extra = {"Range": f"bytes=0-{limit - 1}"} if limit else {}
            response = client.get_object(Bucket=ref.bucket, Key=ref.key, **extra)
            data = bytes(response["Body"].read())
            total = _total_size(response.get("ContentRange"), len(data))
        except Exception as exc:
            raise SinkError(f"cannot read s3://{ref.bucket}/{ref.key}: {exc}") from None
        return data, len(data) < total

    def exists(self, ref: FileRef) -> bool:
        if ref.server == "sftp":
            return self._sftp_path(ref.key).is_file()
        try:
            self._admin().head_object(Bucket=ref.bucket, Key=ref.key)
            return True
        except Exception:
            return False

    def listing(self) -> Iterator[FileRef]:
        """Everything both servers hold (used to rebuild the tree)."""
        if self.s3 is not None:
            client = self._admin()
            for bucket in client.list_buckets().get("Buckets", []):
                name = bucket["Name"]
                pages = client.get_paginator("list_objects_v2").paginate(Bucket=name)
                for page in pages:
                    for item in page.get("Contents", []):
                        yield FileRef("s3", name, str(item["Key"]))
        if self.sftp is not None:
            root = self.sftp.root
            for dirpath, dirnames, filenames in os.walk(root):
                dirnames.sort()
                for name in sorted(filenames):
                    yield FileRef("sftp", "", Path(dirpath, name).relative_to(root).as_posix())

    def location(self, ref: FileRef) -> S3Location | LocalSink:
        """The bucket or SFTP root holding ``ref``, readable by ``feedcore.verify``."""
        if ref.server == "sftp":
            return LocalSink(self._sftp().root)
        return S3Location(self._admin(), ref.bucket)

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

    def _s3(self) -> MockS3Server:
        if self.s3 is None:
            raise SinkError("the S3 mock server is not running")
        return self.s3

    def _admin(self) -> Any:
        """The boto3 client the app reads and administers the S3 mock with."""
        if self._client is None:
            raise SinkError("the S3 mock server is not running")
        return self._client

    def _make_client(self, session: Any) -> Any:
        from botocore.config import Config

        assert self.s3 is not None
        config = Config(
            region_name=self.s3.region,
            s3={"addressing_style": "path"},
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            max_pool_connections=20,
        )
        return session.client("s3", endpoint_url=self.s3.endpoint_url, config=config)

    def _sftp(self) -> MockSFTPServer:
        if self.sftp is None:
            raise SinkError("the SFTP mock server is not running")
        return self.sftp

    def _sftp_path(self, key: str) -> Path:
        root = self._sftp().root
        path = (root / key).resolve()
        if root != path and root not in path.parents:
            raise SinkError(f"{key!r} is outside the SFTP root")
        return path


class S3Location:
    """A bucket as ``feedcore.verify`` reads one: ``list(prefix)`` and ``read(key)``."""

    def __init__(self, client: Any, bucket: str) -> None:
        self.client = client
        self.bucket = bucket

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                yield ObjectInfo(str(item["Key"]), int(item["Size"]))

    def read(self, key: str) -> bytes:
        try:
            return bytes(self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read())
        except Exception as exc:
            raise SinkError(f"cannot read s3://{self.bucket}/{key}: {exc}") from None


def _total_size(content_range: str | None, fallback: int) -> int:
    """``bytes 0-99/1234`` -> 1234."""
    if content_range and "/" in content_range:
        tail = content_range.rpartition("/")[2]
        if rules.is_digits(tail):
            return int(tail)
    return fallback
