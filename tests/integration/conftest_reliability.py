"""Fixtures of the reliability and security tests (FS-6): targets with fault plans, the matrix.

``isolated_state_dir`` is autouse: every integration test (and every ``feedlab``
subprocess it starts) keeps its batch journal in its own temporary folder, never
in the developer's ``~/.local/state``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from feedcore.journal import STATE_ENV
from mock_targets.s3 import MockS3Server
from mock_targets.sftp import MockSFTPServer

try:
    from .reliability_support import FaultMatrix, S3Target, SFTPTarget
except ImportError:
    from reliability_support import (  # type: ignore[no-redef]
        FaultMatrix,
        S3Target,
        SFTPTarget,
    )


@pytest.fixture(autouse=True)
def isolated_state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    state = tmp_path / "feedlab-state"
    monkeypatch.setenv(STATE_ENV, str(state))
    return state


@pytest.fixture(scope="session")
def fault_matrix() -> Iterator[FaultMatrix]:
    """The session's fault matrix; written to ``$FEEDLAB_FAULT_MATRIX`` (JSON) at the end."""
    matrix = FaultMatrix()
    yield matrix
    matrix.write_if_requested()


@pytest.fixture
def sftp_target(mock_sftp: MockSFTPServer) -> Iterator[SFTPTarget]:
    target = SFTPTarget(mock_sftp)
    yield target
    target.close()


@pytest.fixture
def s3_target(mock_s3: MockS3Server, s3_bucket: str) -> Iterator[S3Target]:
    target = S3Target(mock_s3, s3_bucket)
    yield target
    target.close()
