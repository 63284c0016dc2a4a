"""Opening the sink a config's target needs: the one place that maps options to sinks.

The S3 and SFTP sinks are imported here lazily, so a command that never talks
to a network target never loads boto3 or asyncssh.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from feedcore.config import FeedConfig
from feedcore.errors import FeedError
from feedcore.rules import split_host_port
from feedcore.sinks.base import Sink, SinkListener
from feedcore.sinks.local import LocalSink

PASSWORD_ENV = "FEEDLAB_SFTP_PASSWORD"


@dataclass(frozen=True)
class TargetOptions:
    """How to reach the configured target; nothing here is written to a config."""

    to_dir: Path | None = None
    endpoint_url: str | None = None
    known_hosts: Path | None = None
    user: str | None = None
    key: Path | None = None
    password: str | None = None
    connect: str | None = None

    def __repr__(self) -> str:  # never show the password
        shown = "***" if self.password else None
        return (
            f"TargetOptions(to_dir={self.to_dir!r}, endpoint_url={self.endpoint_url!r}, "
            f"known_hosts={self.known_hosts!r}, user={self.user!r}, key={self.key!r}, "
            f"password={shown!r}, connect={self.connect!r})"
        )


def local_root(base: Path, config: FeedConfig) -> Path:
    """``DIR/{bucket or hostname}``: where a folder preview of the target lives (FS-8)."""
    return base / config.feed.hostname


def _public_endpoint(url: str) -> str:
    """An endpoint URL without any ``user:password@`` part (it goes into a batch key and logs)."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return "unparsable-endpoint"
    return f"{parts.scheme}://{host}" + (f":{port}" if port else "") + parts.path


def target_location(config: FeedConfig, options: TargetOptions) -> str:
    """Where a publish delivers, as one line without credentials (part of the batch key)."""
    feed = config.feed
    if options.to_dir is not None:
        return f"file://{local_root(options.to_dir, config).resolve()}"
    if feed.target == "s3":
        endpoint = _public_endpoint(options.endpoint_url) if options.endpoint_url else "aws"
        return f"s3://{feed.host} via {endpoint}"
    where = f"sftp://{options.user or ''}@{feed.hostname}:{feed.port or 22}"
    return where + (f" via {options.connect}" if options.connect else "")


def open_sink(
    config: FeedConfig, options: TargetOptions, listeners: list[SinkListener] | None = None
) -> Sink:
    """The sink a publish delivers ``config``'s feed through (``--to-dir``, S3 or SFTP)."""
    feed = config.feed
    if options.to_dir is not None:
        return LocalSink(local_root(options.to_dir, config), listeners=listeners)
    if feed.target == "s3":
        return open_location_sink("s3", feed.host, None, options, listeners)
    return open_location_sink("sftp", feed.hostname, feed.port, options, listeners)


def open_location_sink(
    scheme: str,
    host: str,
    port: int | None,
    options: TargetOptions,
    listeners: list[SinkListener] | None = None,
) -> Sink:
    """A sink on a location named on the command line: a folder, a bucket or an SFTP login.

    ``scheme`` is ``"file"`` (``host`` is the folder), ``"s3"`` (``host`` is the
    bucket, reached through ``options.endpoint_url`` or AWS) or ``"sftp"``
    (``host[:port]``, port 22 by default; ``options`` give the login). What the
    options lack is a :class:`FeedError` naming the option to give.
    """
    # Optional arguments are passed only when set: the sinks' defaults stay theirs.
    extra: dict[str, Any] = {} if listeners is None else {"listeners": listeners}
    if scheme == "file":
        return LocalSink(host, **extra)
    if scheme == "s3":
        from feedcore.sinks.s3 import S3Sink

        return S3Sink(host, endpoint_url=options.endpoint_url, **extra)
    if scheme != "sftp":
        raise FeedError(f"unsupported location scheme {scheme}://: use a folder, s3:// or sftp://")
    from feedcore.sinks.sftp import SFTPSink

    if options.known_hosts is None:
        raise FeedError(
            "an SFTP target needs --known-hosts FILE (host keys are always verified, FS-6.5)"
        )
    if not options.user:
        raise FeedError("an SFTP target needs --user NAME")
    password = options.password or os.environ.get(PASSWORD_ENV)
    if options.key is None and not password:
        raise FeedError(f"give --key FILE or set {PASSWORD_ENV} for the SFTP login")
    if options.connect:
        try:
            extra["connect_host"], extra["connect_port"] = split_host_port(options.connect)
        except ValueError as exc:
            raise FeedError(f"--connect: {exc}") from None
    return SFTPSink(
        host,
        port or 22,
        username=options.user,
        known_hosts=options.known_hosts,
        client_key=options.key,
        password=password,
        **extra,
    )
