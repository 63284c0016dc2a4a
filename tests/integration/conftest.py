"""Fixtures for integration tests (real servers on 127.0.0.1).

Fixture modules live beside this file, one per target, and are re-exported here
so pytest discovers them; add new ones to the imports and ``__all__``.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This folder has no __init__.py, so pytest puts it, not the repository, on sys.path;
# ``tests.`` imports (test_install_profiles: tests.unit.test_missing_extras) need the latter.
_REPO = str(Path(__file__).resolve().parents[2])
if _REPO not in sys.path:
    sys.path.append(_REPO)

try:  # tests/ as a package (rootdir on sys.path)
    from .conftest_s3 import mock_s3, mock_s3_server, s3_bucket
except ImportError:  # rootdir-less "prepend" import: this folder is on sys.path
    from conftest_s3 import (  # type: ignore[no-redef,import-not-found]
        mock_s3,
        mock_s3_server,
        s3_bucket,
    )

__all__ = ["mock_s3", "mock_s3_server", "s3_bucket"]

try:
    from .conftest_sftp import (
        mock_sftp,
        mock_sftp_server,
        openssh_sftp,
        sftp_events,
        sftp_ops,
        sftp_sink,
        sftp_sink_factory,
    )
except ImportError:
    from conftest_sftp import (  # type: ignore[no-redef]
        mock_sftp,
        mock_sftp_server,
        openssh_sftp,
        sftp_events,
        sftp_ops,
        sftp_sink,
        sftp_sink_factory,
    )

__all__ += [
    "mock_sftp",
    "mock_sftp_server",
    "openssh_sftp",
    "sftp_events",
    "sftp_ops",
    "sftp_sink",
    "sftp_sink_factory",
]

try:
    from .conftest_reliability import (
        fault_matrix,
        isolated_state_dir,
        s3_target,
        sftp_target,
    )
except ImportError:
    from conftest_reliability import (  # type: ignore[no-redef]
        fault_matrix,
        isolated_state_dir,
        s3_target,
        sftp_target,
    )

__all__ += ["fault_matrix", "isolated_state_dir", "s3_target", "sftp_target"]

try:
    from .conftest_sshd import openssh, openssh_server
except ImportError:
    from conftest_sshd import openssh, openssh_server  # type: ignore[no-redef]

__all__ += ["openssh", "openssh_server"]
