"""README "Use as a library": the production wrapper runs as written (issue 11).

The code block is taken from README.md unchanged and run as ``python
deliver.py FEED.toml EVENTS.jsonl`` with the environment variables it
documents, against a local folder, the mock S3 and SFTP servers and a real
OpenSSH sshd: it delivers, a rerun writes nothing, a control file lost at the
target is reported (exit 3) and written again when asked (FS-6.3). The same
runs in a plain ``pip install -e .`` in ``test_install_profiles.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from library_example import (
    check_rerun_safety,
    example_source,
    local_place,
    mock_sftp_place,
    s3_place,
    sftp_place,
)

from mock_targets.s3 import MockS3Server
from mock_targets.sftp import MockSFTPServer

try:
    from .conftest_sshd import OpenSSHServer
except ImportError:
    from conftest_sshd import OpenSSHServer  # type: ignore[no-redef]


def test_the_readme_example_is_a_whole_program() -> None:
    source = example_source()
    compile(source, "deliver.py", "exec")
    for name in ("read_events", "publish_batch", "logsafety.install()", "FeedError"):
        assert name in source
    assert 40 <= len(source.splitlines()) <= 110  # short enough to read


def test_fs6_3_the_readme_example_delivers_to_a_local_folder(tmp_path: Path) -> None:
    check_rerun_safety(sys.executable, tmp_path, local_place(tmp_path / "out"))


def test_fs6_3_the_readme_example_delivers_to_s3(
    tmp_path: Path, mock_s3: MockS3Server, s3_bucket: str
) -> None:
    check_rerun_safety(sys.executable, tmp_path, s3_place(mock_s3, s3_bucket))


def test_fs6_3_the_readme_example_delivers_to_sftp(
    tmp_path: Path, mock_sftp: MockSFTPServer
) -> None:
    check_rerun_safety(sys.executable, tmp_path, mock_sftp_place(mock_sftp))


def test_fs6_3_the_readme_example_delivers_to_openssh(
    tmp_path: Path, openssh: OpenSSHServer
) -> None:
    place = sftp_place(
        "openssh",
        openssh.upload,
        openssh.host,
        openssh.port,
        openssh.username,
        openssh.client_key,
        openssh.known_hosts,
    )
    check_rerun_safety(sys.executable, tmp_path, place)
