"""Shared mock-SFTP fixtures, over the installed pytest plugin's (``feedlab.pytest_plugin``).

One asyncssh server serves the session (``feedlab_sftp_server``) and
``feedlab_sftp`` empties its root (and clears any fault hook) before each test;
these names give this repository's tests the raw
:class:`~mock_targets.sftp.MockSFTPServer` and sinks, clients and reports on it.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import pytest

from feedcore.sinks.base import SinkEvent
from feedcore.sinks.sftp import SFTPSink
from feedlab.pytest_plugin import FeedlabSFTP
from mock_targets.reports import Operation
from mock_targets.sftp import MockSFTPServer

OPENSSH_SFTP = Path("/usr/bin/sftp")


@pytest.fixture(scope="session")
def mock_sftp_server(feedlab_sftp_server: FeedlabSFTP) -> MockSFTPServer:
    """The session's SFTP server (root shared between tests: prefer ``mock_sftp``)."""
    return feedlab_sftp_server.server


@pytest.fixture
def mock_sftp(feedlab_sftp: FeedlabSFTP) -> MockSFTPServer:
    """The session's SFTP server, running, with an empty root and no fault hook."""
    return feedlab_sftp.server


@pytest.fixture
def sftp_ops(mock_sftp: MockSFTPServer) -> Iterator[list[Operation]]:
    """Every operation ``mock_sftp`` reports during the test, in order.

    The server reports before it answers, so a client call that has returned
    has already been recorded: no waiting is needed.
    """
    seen: list[Operation] = []
    unsubscribe = mock_sftp.subscribe(seen.append)
    yield seen
    unsubscribe()


class SinkFactory(Protocol):
    def __call__(self, **overrides: Any) -> SFTPSink: ...


@pytest.fixture
def sftp_sink_factory(mock_sftp: MockSFTPServer) -> Iterator[SinkFactory]:
    """Build sinks for ``mock_sftp`` (key auth unless overridden); all closed at teardown."""
    made: list[SFTPSink] = []

    def make(**overrides: Any) -> SFTPSink:
        options: dict[str, Any] = {
            "username": mock_sftp.username,
            "known_hosts": mock_sftp.known_hosts_file,
            "client_key": mock_sftp.private_key_file,
            "timeout": 20.0,
        }
        options.update(overrides)
        host = options.pop("host", mock_sftp.host)
        port = options.pop("port", mock_sftp.port)
        sink = SFTPSink(host, port, **options)
        made.append(sink)
        return sink

    yield make
    for sink in made:
        sink.close()


@pytest.fixture
def sftp_events() -> list[SinkEvent]:
    """A list to pass as ``listeners=[sftp_events.append]``."""
    return []


@pytest.fixture
def sftp_sink(sftp_sink_factory: SinkFactory, sftp_events: list[SinkEvent]) -> SFTPSink:
    """A key-authenticated sink on ``mock_sftp`` whose events land in ``sftp_events``."""
    return sftp_sink_factory(listeners=[sftp_events.append])


OpenSSHRunner = Callable[..., "subprocess.CompletedProcess[str]"]


@pytest.fixture
def openssh_sftp(mock_sftp: MockSFTPServer) -> OpenSSHRunner:
    """Run OpenSSH ``sftp`` in batch mode against ``mock_sftp``; skips if it is not installed.

    Only the files given are consulted (``-F /dev/null``, no agent, no global
    known_hosts), so the developer's own SSH setup cannot change the outcome.
    """
    if not OPENSSH_SFTP.exists() or shutil.which(str(OPENSSH_SFTP)) is None:
        pytest.skip(f"OpenSSH sftp client not installed at {OPENSSH_SFTP}")

    def run(
        commands: Sequence[str],
        *,
        known_hosts: Path | None = None,
        identity: Path | None = None,
        options: Sequence[str] = (),
        timeout: float = 120.0,
    ) -> subprocess.CompletedProcess[str]:
        argv = [
            str(OPENSSH_SFTP),
            "-F", "/dev/null",
            "-i", str(identity or mock_sftp.private_key_file),
            "-o", f"UserKnownHostsFile={known_hosts or mock_sftp.known_hosts_file}",
            "-o", "GlobalKnownHostsFile=/dev/null",
            "-o", "StrictHostKeyChecking=yes",
            "-o", "BatchMode=yes",
            "-o", "IdentitiesOnly=yes",
            "-o", "IdentityAgent=none",
            "-o", "ConnectTimeout=20",
            *options,
            "-P", str(mock_sftp.port),
            "-b", "-",
            f"{mock_sftp.username}@{mock_sftp.host}",
        ]  # fmt: skip
        return subprocess.run(
            argv,
            input="".join(f"{command}\n" for command in commands),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run
