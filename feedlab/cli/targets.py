"""Target specs from command-line flags: the only place that names ``--user`` and friends.

The library (:mod:`feedcore.targets`) takes a spec and never reads flags or the
environment; what a flag lacks is said here, in the command line's terms.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from feedcore.config import FeedConfig
from feedcore.errors import FeedError
from feedcore.rules import split_host_port
from feedcore.targets import LocalTarget, S3Target, SFTPTarget, TargetSpec, local_root

#: The SFTP password, when a key is not used (never a flag: flags show in `ps`).
PASSWORD_ENV = "FEEDLAB_SFTP_PASSWORD"


def config_target(config: FeedConfig, args: argparse.Namespace) -> TargetSpec:
    """Where ``publish`` delivers: ``--to-dir``, else the config's bucket or SFTP server."""
    feed = config.feed
    if args.to_dir is not None:
        return LocalTarget(local_root(args.to_dir, config))
    if feed.target == "s3":
        return S3Target(feed.host, args.endpoint_url)
    return sftp_target(feed.hostname, feed.port, args)


def sftp_target(host: str, port: int | None, args: argparse.Namespace) -> SFTPTarget:
    """The SFTP login ``--known-hosts``, ``--user``, ``--key`` (or the password) and
    ``--connect`` describe; what is missing is a :class:`FeedError` naming the flag."""
    if args.known_hosts is None:
        raise FeedError(
            "an SFTP target needs --known-hosts FILE (host keys are always verified, FS-6.5)"
        )
    if not args.user:
        raise FeedError("an SFTP target needs --user NAME")
    password = os.environ.get(PASSWORD_ENV) or None
    if args.key is None and not password:
        raise FeedError(f"give --key FILE or set {PASSWORD_ENV} for the SFTP login")
    connect_host: str | None = None
    connect_port: int | None = None
    connect = getattr(args, "connect", None)
    if connect:
        try:
            connect_host, connect_port = split_host_port(connect)
        except ValueError as exc:
            raise FeedError(f"--connect: {exc}") from None
    return SFTPTarget(
        host,
        port,
        username=args.user,
        known_hosts=Path(args.known_hosts),
        client_key=args.key,
        password=password,
        connect_host=connect_host,
        connect_port=connect_port,
    )
