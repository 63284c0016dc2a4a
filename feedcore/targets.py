"""Where files go, as values: one spec per kind of target, and the one way to open a sink.

A target spec says *where* (a folder, a bucket, an SFTP login) and *who* (the
credentials to use); :func:`open_sink` turns it into the sink that talks to
it, and :func:`target_location` names it canonically, without credentials,
for batch keys and logs. Everything that reaches a target goes through here:
the command line (``publish``, ``verify``, ``simulate``), the mock servers
(which hand out specs of themselves), the app and a production service.

The S3 and SFTP sinks are imported lazily, so a program that never talks to a
network target never loads boto3 or asyncssh.
"""

from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, field
from pathlib import Path
from typing import Any

from feedcore.config import FeedConfig
from feedcore.endpoints import canonical_host, canonical_url, host_port, public_url
from feedcore.errors import FeedError
from feedcore.sinks.base import Sink, SinkListener
from feedcore.sinks.local import LocalSink
from feedcore.sinks.memory import MemorySink

__all__ = [
    "LocalTarget",
    "MemoryTarget",
    "S3Target",
    "SFTPTarget",
    "TargetSpec",
    "local_root",
    "open_sink",
    "target_location",
]


@dataclass(frozen=True)
class LocalTarget:
    """A local folder standing for a bucket or an SFTP login root (``--to-dir``, previews)."""

    root: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))


@dataclass(frozen=True, eq=False)
class MemoryTarget:
    """Objects kept in a dict: every sink opened on one target shares ``objects``.

    For tests and dry runs. Two targets are the same only if they are one object.
    """

    objects: dict[str, bytes] = field(default_factory=dict, repr=False)
    name: str = "memory"


@dataclass(frozen=True, repr=False)
class S3Target:
    """An S3 bucket, at AWS or at ``endpoint_url`` (MinIO, a mock).

    Credentials come from ``session`` (a ``boto3.session.Session``) when given,
    else from the AWS credential chain of ``profile`` or the default one; a
    feed config never holds them (FS-1.2). The repr never shows any.
    """

    bucket: str
    endpoint_url: str | None = None
    _: KW_ONLY
    region: str | None = None
    profile: str | None = None
    session: Any = field(default=None, compare=False)

    def __repr__(self) -> str:
        endpoint = public_url(self.endpoint_url) if self.endpoint_url else None
        session = "given" if self.session is not None else None
        return (
            f"S3Target(bucket={self.bucket!r}, endpoint_url={endpoint!r}, "
            f"region={self.region!r}, profile={self.profile!r}, session={session!r})"
        )


@dataclass(frozen=True, repr=False)
class SFTPTarget:
    """An SFTP login. ``host:port`` name the server in URLs and names (FS-4.4);
    ``connect_host:connect_port``, when given, is where to dial instead (a
    tunnel, a mock), and the address the known-hosts file is matched against.
    Host keys are always verified (FS-6.5). The repr never shows the password.
    """

    host: str
    port: int | None = 22
    _: KW_ONLY
    username: str
    known_hosts: Path
    client_key: Path | None = None
    password: str | None = field(default=None, compare=False)
    connect_host: str | None = None
    connect_port: int | None = None

    def __post_init__(self) -> None:
        # A config's port is None when it names none: port 22 is what that means.
        object.__setattr__(self, "port", self.port or 22)
        object.__setattr__(self, "known_hosts", Path(self.known_hosts))
        if self.client_key is not None:
            object.__setattr__(self, "client_key", Path(self.client_key))

    def __repr__(self) -> str:
        password = "***" if self.password else None
        return (
            f"SFTPTarget(host={self.host!r}, port={self.port!r}, username={self.username!r}, "
            f"known_hosts={self.known_hosts!r}, client_key={self.client_key!r}, "
            f"password={password!r}, connect_host={self.connect_host!r}, "
            f"connect_port={self.connect_port!r})"
        )


TargetSpec = LocalTarget | MemoryTarget | S3Target | SFTPTarget


def local_root(base: Path, config: FeedConfig) -> Path:
    """``DIR/{bucket or hostname}``: where a folder preview of the target lives (FS-8)."""
    return base / config.feed.hostname


def target_location(spec: TargetSpec) -> str:
    """Where ``spec`` delivers, as one canonical line without credentials (batch keys, logs).

    Spellings of one place give one line: ``http://127.0.0.1:9000/`` and
    ``http://localhost:9000`` are one S3 endpoint, ``SFTP.example.com`` and
    ``sftp.example.com:22`` one server. Credentials never appear: a batch is
    the same batch whoever's key delivers it.
    """
    if isinstance(spec, LocalTarget):
        return f"file://{spec.root.resolve()}"
    if isinstance(spec, MemoryTarget):
        return f"memory://{spec.name}"
    if isinstance(spec, S3Target):
        endpoint = canonical_url(spec.endpoint_url) if spec.endpoint_url else "aws"
        return f"s3://{spec.bucket} via {endpoint}"
    if isinstance(spec, SFTPTarget):
        named = host_port(canonical_host(spec.host), spec.port)
        dialled = host_port(
            canonical_host(spec.connect_host or spec.host), spec.connect_port or spec.port
        )
        via = f" via {dialled}" if dialled != named else ""
        return f"sftp://{spec.username}@{named}{via}"
    raise FeedError(f"not a target spec: {type(spec).__name__}")


def open_sink(
    spec: TargetSpec, *, listeners: list[SinkListener] | None = None, **options: Any
) -> Sink:
    """The sink that delivers to (and reads from) ``spec``; close it, or use ``with``.

    ``options`` go to the sink's constructor unchanged: how to talk, not where
    (``max_concurrency``, ``multipart_threshold`` for S3; ``timeout``,
    ``block_size`` for SFTP).
    """
    # Optional arguments are passed only when set: the sinks' defaults stay theirs.
    if listeners is not None:
        options["listeners"] = listeners
    if isinstance(spec, LocalTarget):
        return LocalSink(spec.root, **options)
    if isinstance(spec, MemoryTarget):
        return MemorySink(objects=spec.objects, **options)
    if isinstance(spec, S3Target):
        from feedcore.sinks.s3 import S3Sink

        for name in ("endpoint_url", "region", "profile", "session"):
            if getattr(spec, name) is not None:
                options[name] = getattr(spec, name)
        return S3Sink(spec.bucket, **options)
    if isinstance(spec, SFTPTarget):
        from feedcore.sinks.sftp import SFTPSink

        for name in ("client_key", "password", "connect_host", "connect_port"):
            if getattr(spec, name) is not None:
                options[name] = getattr(spec, name)
        return SFTPSink(
            spec.host,
            spec.port or 22,
            username=spec.username,
            known_hosts=spec.known_hosts,
            **options,
        )
    raise FeedError(f"not a target spec: {type(spec).__name__}")
