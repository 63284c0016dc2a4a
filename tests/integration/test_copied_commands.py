"""The commands the app copies run as pasted, against the app's own mock servers.

The Connect screen and the file tools copy ``aws s3 cp`` and OpenSSH ``sftp``
commands; these tests run them through a shell, in a scratch folder, with no
AWS variables or SSH setup of the developer's in scope, and compare the bytes.
They also hold the paths those commands name to their promise: valid while the
servers run (even after the servers are cleared), gone once the app stops them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from feedcore.config import load_config
from feedcore.simulate import simulate_events
from feedcore.writer import FeedWriter
from tui.services import commands
from tui.services.connect import ConnectDetails, CredentialsFile, details_of
from tui.services.targets import FileRef, MockTargets

ROOT = Path(__file__).resolve().parents[2]
S3_FEED = ROOT / "fixtures" / "feeds" / "welcome_csv_s3.toml"
SFTP_FEED = ROOT / "fixtures" / "feeds" / "welcome_tsv_sftp.toml"


@pytest.fixture(scope="module")
def running() -> Iterator[tuple[MockTargets, CredentialsFile]]:
    targets = MockTargets()
    targets.start()
    credentials = CredentialsFile()
    try:
        yield targets, credentials
    finally:
        targets.stop()
        credentials.close()


def _details(running: tuple[MockTargets, CredentialsFile]) -> ConnectDetails:
    details = details_of(*running)
    assert details is not None
    return details


def _shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "SSH_"))}
    env.update(HOME=str(cwd), AWS_EC2_METADATA_DISABLED="true", PYTHONWARNINGS="ignore")
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )


def _export(targets: MockTargets, feed: Path) -> tuple[FileRef, bytes]:
    config = load_config(feed)
    sink = targets.sink_for(config)
    result = FeedWriter(config, sink, seed="copied/1").export(simulate_events(config, 8, seed=1))
    key = result.files[0].data_key
    ref = next(r for r in targets.listing() if r.key == key)
    return ref, targets.read(ref)[0]


@pytest.mark.skipif(shutil.which("aws") is None, reason="aws CLI not installed")
def test_copied_aws_get_downloads_the_file_without_the_secret_inline(
    running: tuple[MockTargets, CredentialsFile], tmp_path: Path
) -> None:
    ref, data = _export(running[0], S3_FEED)
    details = _details(running)
    command = commands.aws_get(ref, details)
    assert details.s3_secret_access_key not in command
    done = _shell(command, tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / ref.name).read_bytes() == data


@pytest.mark.skipif(shutil.which("sftp") is None, reason="OpenSSH sftp not installed")
def test_fs6_5_copied_sftp_get_downloads_the_file_checking_the_host_key(
    running: tuple[MockTargets, CredentialsFile], tmp_path: Path
) -> None:
    ref, data = _export(running[0], SFTP_FEED)
    details = _details(running)
    done = _shell(commands.sftp_get(ref, details) + " </dev/null", tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / ref.name).read_bytes() == data
    assert not (tmp_path / ".ssh" / "known_hosts").exists()  # nothing added to the user's


def test_connect_paths_stay_valid_while_the_servers_run_and_go_with_them(tmp_path: Path) -> None:
    targets = MockTargets()
    credentials = CredentialsFile()
    assert details_of(targets, credentials) is None  # not started: nothing to show
    targets.start()
    try:
        details = _details((targets, credentials))
        assert all(path.is_file() for path in details.paths())
        targets.clear()  # emptying the servers keeps every published path
        assert all(path.is_file() for path in details.paths())
        assert details.sftp_root.is_dir()
    finally:
        targets.stop()
        credentials.close()
    assert not any(path.exists() for path in details.paths())
