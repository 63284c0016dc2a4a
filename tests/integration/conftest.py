"""Fixtures for integration tests (real servers on 127.0.0.1).

Fixture modules live beside this file, one per target, and are re-exported here
so pytest discovers them; add new ones to the imports and ``__all__``.
"""

from __future__ import annotations

try:  # tests/ as a package (rootdir on sys.path)
    from .conftest_s3 import mock_s3, mock_s3_server, s3_bucket
except ImportError:  # rootdir-less "prepend" import: this folder is on sys.path
    from conftest_s3 import mock_s3, mock_s3_server, s3_bucket  # type: ignore[no-redef]

__all__ = ["mock_s3", "mock_s3_server", "s3_bucket"]
