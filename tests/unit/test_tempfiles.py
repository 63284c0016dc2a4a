"""Private temporary folders (feedcore.tempfiles): private from creation, swept when abandoned.

A run killed mid-export used to leave ``/tmp/feedlab-spool-*`` (raw rows) and
its copy of standard input behind for ever. Now every folder feedcore makes
holds a lock file its owner keeps ``flock``-ed; a later run removes the
folders whose lock it can take, and nothing else: not a live run's, not a
folder without a lock, not another user's, never through a symlink.
"""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedcore import tempfiles
from feedcore.config import FeedConfig, parse_config
from feedcore.errors import SpoolError
from feedcore.events import Event
from feedcore.sinks import MemorySink
from feedcore.spool import SpoolFile
from feedcore.writer import FeedWriter

_OWNER = (
    "import sys, time\n"
    "from feedcore import tempfiles\n"
    "folder = tempfiles.private_dir('spool', sys.argv[1])\n"
    "folder.create('rows').write(b'raw rows')\n"
    "print(folder.path, flush=True)\n"
    "time.sleep(float(sys.argv[2]))\n"
)


def _owner(parent: Path, seconds: float) -> tuple[subprocess.Popen[str], Path]:
    """A process that makes a private folder in ``parent`` and keeps it for ``seconds``."""
    process = subprocess.Popen(
        [sys.executable, "-c", _OWNER, str(parent), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return process, Path(process.stdout.readline().strip())


@pytest.fixture
def old_umask() -> Iterator[None]:
    previous = os.umask(0)  # a permissive umask: the modes must come from creation itself
    try:
        yield
    finally:
        os.umask(previous)


def test_private_folders_and_files_are_created_0700_and_0600(
    tmp_path: Path, old_umask: None
) -> None:
    with tempfiles.private_dir("spool", tmp_path) as folder:
        assert folder.path.parent == tmp_path and folder.path.name.startswith("feedlab-spool-")
        assert folder.path.stat().st_mode & 0o777 == 0o700
        with folder.create("rows") as fh:
            fh.write(b"x")
        assert (folder.path / "rows").stat().st_mode & 0o777 == 0o600
        assert (folder.path / tempfiles.LOCK_NAME).stat().st_mode & 0o777 == 0o600
        (folder.path / "link").symlink_to(tmp_path / "elsewhere")
        with pytest.raises(OSError):  # never follows a planted symlink, never reuses a name
            folder.create("link")
        with pytest.raises(FileExistsError):
            folder.create("rows")
    assert not folder.path.exists()
    assert not (tmp_path / "elsewhere").exists()


def test_a_killed_owner_s_folder_is_swept_and_a_live_one_is_kept(tmp_path: Path) -> None:
    killed, abandoned = _owner(tmp_path, 60)
    live, kept = _owner(tmp_path, 60)
    try:
        killed.kill()
        killed.wait()
        assert abandoned.exists()
        assert tempfiles.sweep_stale(tmp_path) == [abandoned.name]
        assert not abandoned.exists()
        assert kept.exists() and (kept / "rows").read_bytes() == b"raw rows"
        assert tempfiles.sweep_stale(tmp_path) == []  # once per process and folder
    finally:
        live.kill()
        live.wait()


def test_the_sweep_leaves_alone_what_it_cannot_prove_abandoned(tmp_path: Path) -> None:
    unlocked = tmp_path / "feedlab-spool-nolock"  # an older version's, or being set up
    unlocked.mkdir()
    other = tmp_path / "other-app-spool"
    other.mkdir()
    (other / tempfiles.LOCK_NAME).write_bytes(b"")
    outside = tmp_path.parent / f"{tmp_path.name}-outside"
    outside.mkdir()
    (outside / tempfiles.LOCK_NAME).write_bytes(b"")
    (outside / "precious").write_bytes(b"keep")
    (tmp_path / "feedlab-spool-link").symlink_to(outside, target_is_directory=True)
    try:
        assert tempfiles.sweep_stale(tmp_path) == []
        assert unlocked.exists() and other.exists()
        assert (outside / "precious").read_bytes() == b"keep"
    finally:
        (outside / "precious").unlink()
        (outside / tempfiles.LOCK_NAME).unlink()
        outside.rmdir()


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to hand a folder to another user")
def test_the_sweep_leaves_another_user_s_folder_alone(tmp_path: Path) -> None:
    theirs = tmp_path / "feedlab-spool-theirs"
    theirs.mkdir()
    (theirs / tempfiles.LOCK_NAME).write_bytes(b"")
    os.chown(theirs, 65534, 65534)
    assert tempfiles.sweep_stale(tmp_path) == []
    assert theirs.exists()


def _config() -> FeedConfig:
    return parse_config(
        {
            "client": "acme",
            "flow": {"id": 1, "name": "F", "segment": "S"},
            "feed": {"format": "csv", "target": "s3", "host": "acme-data-feeds"},
        }
    )


def test_fs6_a_full_spool_disk_is_one_spool_error_and_nothing_is_delivered(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    written: list[int] = []

    def full_disk(self: SpoolFile, data: bytes) -> None:
        written.append(len(data))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(SpoolFile, "write_bytes", full_disk)
    events = [Event("enter", f"user{i}@example.com", None, {"n": "x" * 80}) for i in range(20_000)]
    sink = MemorySink()
    writer = FeedWriter(_config(), sink, seed=1, spool_dir=tmp_path)
    with pytest.raises(SpoolError) as info:
        writer.export(events, at=datetime(2026, 11, 27, tzinfo=UTC))
    message = str(info.value)
    assert f"no space left for the encoded rows in {tmp_path}/feedlab-spool-" in message
    assert f"more than {written[0]:,} bytes" in message and "Nothing was delivered" in message
    assert "\n" not in message
    assert sink.objects == {}
    assert list(tmp_path.iterdir()) == []  # the spool folder is removed after the failure
