"""FS-6.2 on a local folder: a spooled data file is placed by a hard link when it can be,
and a caller's own file is always copied.

The writer's spool files are complete and removed after delivery, so linking one
into the folder writes its bytes once instead of twice (benchmarks/columnar.py: a
5M-event JSONL export is 2 GB); a file handed in by a caller may change later, so
the folder gets its own copy.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from feedcore.sinks.base import Payload
from feedcore.sinks.local import LocalSink

KEY = "exports/2026/11/27/bench_6_add_x_20261127030000.csv"


def _spool(tmp_path: Path, data: bytes = b"a,b\r\n1,2\r\n") -> Path:
    folder = tmp_path / "spool"
    folder.mkdir()
    path = folder / "add.csv"
    path.write_bytes(data)
    return path


def test_fs6_2_a_spooled_file_is_linked_and_outlives_its_spool(tmp_path: Path) -> None:
    spool = _spool(tmp_path)
    sink = LocalSink(tmp_path / "out")
    sink.put(KEY, Payload.from_file(spool, spooled=True))
    delivered = tmp_path / "out" / KEY
    assert os.path.samefile(spool, delivered)
    spool.unlink()  # the writer removes its spool folder after delivery
    assert delivered.read_bytes() == b"a,b\r\n1,2\r\n"
    assert not list(delivered.parent.glob(".*.partial"))


def test_fs6_2_a_callers_file_is_copied(tmp_path: Path) -> None:
    own = _spool(tmp_path)
    LocalSink(tmp_path / "out").put(KEY, Payload.from_file(own))
    delivered = tmp_path / "out" / KEY
    assert not os.path.samefile(own, delivered)
    own.write_bytes(b"changed later\r\n")
    assert delivered.read_bytes() == b"a,b\r\n1,2\r\n"


def test_fs6_2_a_spooled_file_is_copied_when_it_cannot_be_linked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def cross_device(src: object, dst: object) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    spool = _spool(tmp_path)
    monkeypatch.setattr("feedcore.sinks.local.os.link", cross_device)
    LocalSink(tmp_path / "out").put(KEY, Payload.from_file(spool, spooled=True))
    delivered = tmp_path / "out" / KEY
    assert not os.path.samefile(spool, delivered)
    assert delivered.read_bytes() == spool.read_bytes()


def test_fs6_2_a_partial_file_left_by_a_crash_does_not_block_the_link(tmp_path: Path) -> None:
    spool = _spool(tmp_path)
    delivered = tmp_path / "out" / KEY
    delivered.parent.mkdir(parents=True)
    stale = delivered.with_name(f".{delivered.name}.partial")
    stale.write_bytes(b"half a fi")
    LocalSink(tmp_path / "out").put(KEY, Payload.from_file(spool, spooled=True))
    assert os.path.samefile(spool, delivered) and not stale.exists()


def test_fs6_2_spool_files_are_handed_over_as_spooled(tmp_path: Path) -> None:
    from feedcore.encoders import header
    from feedcore.rules import STANDARD_COLUMNS
    from feedcore.spool import Spool

    spool = Spool(lambda: tmp_path, "add", header("csv", STANDARD_COLUMNS), None, False)
    spool.add_pieces(["x" * 98 + "\r\n"] * 40_000, 40_000)  # 4 MB: written to the folder
    (done,) = spool.finish()
    assert done.path is not None and done.payload().spooled
    assert not Payload.from_file(done.path).spooled
