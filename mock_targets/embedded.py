"""Pointing the real S3 and SFTP sinks at the in-process mock servers.

A feed keeps its configured bucket or ``hostname[:port]`` for names and URLs
(FS-4.4); only the connection goes to the mock: the S3 sink gets the mock's
endpoint and fake credentials, the SFTP sink dials the mock's address, logs in
with its generated key and checks its host key. ``feedlab simulate``, the TUI
and the tests all open their sinks here, so they exercise the same protocol.

The sinks and servers are imported when used, so importing this module stays light.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from feedcore.config import FeedConfig
from feedcore.sinks.base import Sink

if TYPE_CHECKING:
    from mock_targets.s3 import MockS3Server
    from mock_targets.sftp import MockSFTPServer

__all__ = ["embedded_sink", "sink_for"]


def sink_for(
    config: FeedConfig,
    *,
    s3: MockS3Server | None = None,
    sftp: MockSFTPServer | None = None,
    create_bucket: bool = True,
    **sink_options: Any,
) -> Sink:
    """A sink delivering ``config``'s feed to the running mock of its target.

    For S3 the bucket is created first (in us-east-1, moto's default, creating
    one's own bucket again is a no-op; ``create_bucket=False`` when the caller
    has made sure of it) and, unless ``sink_options`` give a ``session``, the
    sink gets a fresh one holding the mock's fake credentials. Other
    ``sink_options`` (``listeners``, ``max_concurrency``, ``timeout``...) go to
    the sink unchanged.
    """
    feed = config.feed
    if feed.target == "s3":
        if s3 is None:
            raise ValueError(f"s3://{feed.host}: sink_for() needs the mock S3 server (s3=...)")
        from feedcore.sinks.s3 import S3Sink

        if create_bucket:
            s3.create_bucket(feed.host)
        if "session" not in sink_options:
            sink_options["session"] = s3.session()
        return S3Sink(feed.host, endpoint_url=s3.endpoint_url, **sink_options)
    if sftp is None:
        raise ValueError(f"sftp://{feed.host}: sink_for() needs the mock SFTP server (sftp=...)")
    from feedcore.sinks.sftp import SFTPSink

    return SFTPSink(
        feed.hostname,
        feed.port or 22,
        username=sftp.username,
        known_hosts=sftp.known_hosts_file,
        client_key=sftp.private_key_file,
        connect_host=sftp.host,
        connect_port=sftp.port,
        **sink_options,
    )


@contextlib.contextmanager
def embedded_sink(config: FeedConfig, **sink_options: Any) -> Iterator[Sink]:
    """A sink to a fresh in-process mock of ``config``'s target, for one ``with`` block.

    On the way out the sink is closed, then (S3) the mock's objects are dropped
    (moto keeps its state process-wide), then the server stops.
    """
    with contextlib.ExitStack() as stack:
        s3: MockS3Server | None = None
        sftp: MockSFTPServer | None = None
        if config.feed.target == "s3":
            from mock_targets.s3 import MockS3Server

            s3 = stack.enter_context(MockS3Server())
            stack.callback(s3.reset)
        else:
            from mock_targets.sftp import MockSFTPServer

            sftp = stack.enter_context(MockSFTPServer())
        sink = sink_for(config, s3=s3, sftp=sftp, **sink_options)
        stack.callback(sink.close)
        yield sink
