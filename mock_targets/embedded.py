"""Pointing the real S3 and SFTP sinks at the mock servers (in this process or a child's).

A feed keeps its configured bucket or ``hostname[:port]`` for names and URLs
(FS-4.4); only the connection goes to the mock: the servers hand out target
specs of themselves (:meth:`MockS3Server.target <mock_targets.s3.MockS3Server.target>`:
the mock's endpoint and fake credentials; :meth:`MockSFTPServer.target
<mock_targets.sftp.MockSFTPServer.target>`: the mock's address, generated key and
host key), and :func:`feedcore.targets.open_sink` opens them like any other
target. ``feedlab simulate``, the TUI and the tests all open their sinks this
way, so they exercise the same protocol as production.

The sinks and servers are imported when used, so importing this module stays light.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from feedcore.config import FeedConfig
from feedcore.sinks.base import Sink
from feedcore.targets import S3Target, SFTPTarget, open_sink

if TYPE_CHECKING:
    from mock_targets.access import S3Access, SFTPAccess
    from mock_targets.s3 import MockS3Server
    from mock_targets.sftp import MockSFTPServer

__all__ = ["embedded_sink", "sink_for", "target_for"]


def target_for(
    config: FeedConfig,
    *,
    s3: S3Access | None = None,
    sftp: SFTPAccess | None = None,
    create_bucket: bool = True,
    session: Any = None,
) -> S3Target | SFTPTarget:
    """The spec of ``config``'s target on the running mock of its kind.

    For S3 the bucket is created first (in us-east-1, moto's default, creating
    one's own bucket again is a no-op; ``create_bucket=False`` when the caller
    has made sure of it); ``session`` reuses a boto3 session of the caller's.
    """
    feed = config.feed
    if feed.target == "s3":
        if s3 is None:
            raise ValueError(f"s3://{feed.host}: needs the mock S3 server (s3=...)")
        if create_bucket:
            s3.create_bucket(feed.host)
        return s3.target(feed.host, session=session)
    if sftp is None:
        raise ValueError(f"sftp://{feed.host}: needs the mock SFTP server (sftp=...)")
    return sftp.target(feed.hostname, feed.port)


def sink_for(
    config: FeedConfig,
    *,
    s3: S3Access | None = None,
    sftp: SFTPAccess | None = None,
    create_bucket: bool = True,
    session: Any = None,
    **sink_options: Any,
) -> Sink:
    """A sink delivering ``config``'s feed to the running mock of its target.

    See :func:`target_for`; other ``sink_options`` (``listeners``,
    ``max_concurrency``, ``timeout``...) go to :func:`~feedcore.targets.open_sink`.
    """
    spec = target_for(config, s3=s3, sftp=sftp, create_bucket=create_bucket, session=session)
    return open_sink(spec, **sink_options)


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
        yield stack.enter_context(sink_for(config, s3=s3, sftp=sftp, **sink_options))
