"""The pytest plugin: ``feedlab_s3`` and ``feedlab_sftp``, the mock targets as fixtures.

Registered through the ``pytest11`` entry point, so a loader team's tests get it
by installing feedlab (``-p no:feedlab`` turns it off). Each fixture is one
in-process server per test session (starting one costs a fraction of a
second) behind a handle that is emptied before every test, so tests never see
each other's files. The handles carry what an outside client needs to connect
(endpoint and credentials, host/port/user/key/known-hosts) and open feedcore
sinks through the mocks' own target specs (:mod:`mock_targets.embedded`), as
``feedlab simulate`` and this repository's tests do.

Loading the plugin imports nothing but pytest: a plain ``pip install feedlab``
has no moto, and pytest must keep working for everyone who has it installed.
The servers are imported when a fixture first runs; a missing part fails that
fixture with one line naming the extra to install.
"""

from __future__ import annotations

import contextlib
import importlib.util
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from feedcore.errors import MissingExtraError

if TYPE_CHECKING:
    from feedcore.config import FeedConfig
    from feedcore.sinks.base import Sink
    from feedcore.targets import SFTPTarget
    from mock_targets.s3 import MockS3Server
    from mock_targets.sftp import MockSFTPServer

__all__ = ["FeedlabS3", "FeedlabSFTP"]

#: The extra that brings the mock servers' dependencies (boto3 and asyncssh are core).
EXTRA = "testing"


def _require(what: str, modules: tuple[str, ...]) -> None:
    """Fail the fixture in one line, naming the extra, when a module it needs is missing."""
    if any(importlib.util.find_spec(name) is None for name in modules):
        pytest.fail(str(MissingExtraError(what, EXTRA)), pytrace=False)


class FeedlabS3:
    """The session's mock S3 server, as a test sees it: where it is, who may log in, sinks.

    Buckets are global to the server and dropped by :meth:`reset` (before each
    test; call it yourself between Hypothesis examples, which share a test's
    fixtures). The secret key is an attribute, never part of the repr.
    """

    def __init__(self, server: MockS3Server) -> None:
        self.server = server
        self._session: Any = None
        self._client: Any = None

    @property
    def endpoint_url(self) -> str:
        return self.server.endpoint_url

    @property
    def access_key_id(self) -> str:
        return self.server.access_key_id

    @property
    def secret_access_key(self) -> str:
        return self.server.secret_access_key

    @property
    def region(self) -> str:
        return self.server.region

    def __repr__(self) -> str:
        return (
            f"FeedlabS3(endpoint_url={self.endpoint_url!r}, region={self.region!r}, "
            f"access_key_id={self.access_key_id!r}, secret_access_key='***')"
        )

    def env(self) -> dict[str, str]:
        """``AWS_*`` variables for a loader that reads its settings from the environment."""
        return self.server.env()

    def session(self) -> Any:
        """A boto3 session with the mock's credentials, made once (boto3 sessions are slow)."""
        if self._session is None:
            self._session = self.server.session()
        return self._session

    def client(self) -> Any:
        """A boto3 S3 client for the mock (path-style), shared by the session's tests."""
        if self._client is None:
            self._client = self.server.client(session=self.session())
        return self._client

    @contextlib.contextmanager
    def sink(self, bucket: str, **options: Any) -> Iterator[Sink]:
        """A feedcore sink delivering to ``bucket`` on the mock (created if missing), closed after.

        ``options`` go to :func:`feedcore.open_sink` (``listeners``, ``max_concurrency``...).
        """
        from feedcore.targets import open_sink

        self.server.create_bucket(bucket, exist_ok=True, client=self.client())
        with open_sink(self.server.target(bucket, session=self.session()), **options) as sink:
            yield sink

    def reset(self) -> None:
        """Drop every bucket and object, and any fault hook a test installed."""
        self.server.faults = None
        self.server.reset()


class FeedlabSFTP:
    """The session's mock SFTP server, as a test sees it: login details, its root, sinks.

    Key login only is what the attributes offer (:attr:`private_key_file`, and
    :attr:`known_hosts_file` pins the server's host key, FS-6.5); the files live
    under :attr:`root`, emptied by :meth:`reset` (before each test; call it
    yourself between Hypothesis examples).
    """

    def __init__(self, server: MockSFTPServer) -> None:
        self.server = server

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def username(self) -> str:
        return self.server.username

    @property
    def private_key_file(self) -> Path:
        return self.server.private_key_file

    @property
    def known_hosts_file(self) -> Path:
        return self.server.known_hosts_file

    @property
    def root(self) -> Path:
        return self.server.root

    def __repr__(self) -> str:
        return (
            f"FeedlabSFTP(host={self.host!r}, port={self.port!r}, username={self.username!r}, "
            f"root={str(self.root)!r})"
        )

    def target(self, config: FeedConfig) -> SFTPTarget:
        """``config``'s SFTP target dialled at the mock; its host and port stay in names, URLs."""
        from feedcore.targets import SFTPTarget
        from mock_targets.embedded import target_for

        if config.feed.target != "sftp":
            raise ValueError(
                f"feedlab_sftp: the feed delivers to {config.feed.target}://{config.feed.host}"
                " (use feedlab_s3.sink(config.feed.host))"
            )
        spec = target_for(config, sftp=self.server)
        assert isinstance(spec, SFTPTarget)  # an SFTP config gets an SFTP spec
        return spec

    @contextlib.contextmanager
    def sink(self, config: FeedConfig, **options: Any) -> Iterator[Sink]:
        """A feedcore sink for ``config``'s SFTP feed, connected to the mock, closed after.

        The host key is pinned (the mock's known-hosts file); ``options`` go to
        :func:`feedcore.open_sink` (``listeners``, ``timeout``...).
        """
        from feedcore.targets import open_sink

        with open_sink(self.target(config), **options) as sink:
            yield sink

    def reset(self) -> None:
        """Empty the root and drop any fault hook; start the server again if a test stopped it."""
        self.server.faults = None
        if not self.server.running:
            self.server.start()
        self.server.reset()


@pytest.fixture(scope="session")
def feedlab_s3_server() -> Iterator[FeedlabS3]:
    """The session's mock S3 server (not reset between tests: prefer ``feedlab_s3``)."""
    _require("feedlab_s3 (the mock S3 server)", ("moto", "werkzeug"))
    from mock_targets.s3 import MockS3Server

    with MockS3Server() as server:
        yield FeedlabS3(server)


@pytest.fixture
def feedlab_s3(feedlab_s3_server: FeedlabS3) -> FeedlabS3:
    """A running mock S3 server with no buckets: ``endpoint_url``, credentials, ``client()``,
    ``sink(bucket)``."""
    feedlab_s3_server.reset()
    return feedlab_s3_server


@pytest.fixture(scope="session")
def feedlab_sftp_server() -> Iterator[FeedlabSFTP]:
    """The session's mock SFTP server (not reset between tests: prefer ``feedlab_sftp``)."""
    _require("feedlab_sftp (the mock SFTP server)", ("asyncssh",))
    from mock_targets.sftp import MockSFTPServer

    with MockSFTPServer() as server:
        yield FeedlabSFTP(server)


@pytest.fixture
def feedlab_sftp(feedlab_sftp_server: FeedlabSFTP) -> FeedlabSFTP:
    """A running mock SFTP server with an empty root: ``host``, ``port``, ``username``,
    ``private_key_file``, ``known_hosts_file``, ``root``, ``sink(config)``."""
    feedlab_sftp_server.reset()
    return feedlab_sftp_server
