"""Shared mock-S3 fixtures, over the installed pytest plugin's (``feedlab.pytest_plugin``).

One moto server serves the session (``feedlab_s3_server``) and ``feedlab_s3``
empties it before each test; these names give this repository's tests the raw
:class:`~mock_targets.s3.MockS3Server` (faults, reports) behind the same server.
"""

from __future__ import annotations

import secrets

import pytest

from feedlab.pytest_plugin import FeedlabS3
from mock_targets.s3 import MockS3Server


@pytest.fixture(scope="session")
def mock_s3_server(feedlab_s3_server: FeedlabS3) -> MockS3Server:
    """The session's moto S3 server (state shared between tests: prefer ``mock_s3``)."""
    return feedlab_s3_server.server


@pytest.fixture
def mock_s3(feedlab_s3: FeedlabS3) -> MockS3Server:
    """The session's moto S3 server, emptied (no buckets, objects or uploads), no fault hook."""
    return feedlab_s3.server


@pytest.fixture
def s3_bucket(mock_s3: MockS3Server) -> str:
    """A freshly created, uniquely named bucket on ``mock_s3``."""
    name = f"feedlab-test-{secrets.token_hex(4)}"
    mock_s3.create_bucket(name)
    return name
