"""Shared mock-S3 fixtures: one moto server per test session, clean state per test.

Starting moto's server costs a fraction of a second and it is thread-safe, so
one instance serves the whole session; ``mock_s3`` resets its state before each
test so tests never see each other's buckets.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator

import pytest

from mock_targets.s3 import MockS3Server


@pytest.fixture(scope="session")
def mock_s3_server() -> Iterator[MockS3Server]:
    """The session's moto S3 server (state shared between tests: prefer ``mock_s3``)."""
    with MockS3Server() as server:
        yield server


@pytest.fixture
def mock_s3(mock_s3_server: MockS3Server) -> MockS3Server:
    """The session's moto S3 server, emptied (no buckets, objects or uploads), no fault hook."""
    mock_s3_server.faults = None
    mock_s3_server.reset()
    return mock_s3_server


@pytest.fixture
def s3_bucket(mock_s3: MockS3Server) -> str:
    """A freshly created, uniquely named bucket on ``mock_s3``."""
    name = f"feedlab-test-{secrets.token_hex(4)}"
    mock_s3.create_bucket(name)
    return name
