"""The two-process split of a large events file (feedcore.parallel) changes nothing
a user can see: the same bytes, the same names, the same bad-line numbers (FS-7),
and ``--strict`` still writes nothing (FS-6.1)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from feedcore import parallel
from feedcore.events import EventReader
from feedcore.eventsource import open_source

ROOT = Path(__file__).resolve().parents[2]
FEEDLAB = str(Path(sys.executable).parent / "feedlab")
CONFIG = str(ROOT / "fixtures/feeds/welcome_csv_s3.toml")
BAD = b'{"type": "bogus", "email": "x@example.com"}\n'


@pytest.fixture(scope="module")
def big_events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~9 MiB of events with bad lines in both halves, a blank line and a BOM."""
    lines = []
    for i in range(64_000):
        event = {
            "type": "enter" if i % 5 else "exit",
            "email": f"user{i}@example.com",
            "variant": "AB"[i % 2] if i % 3 else None,
            "attributes": {"first_name": f"N{i}", "plan": "pro", "city": 'Paris, "FR"'},
        }
        lines.append(json.dumps(event).encode() + b"\n")
    half = len(lines) // 2
    for index in (3, half - 2, half + 5, len(lines) - 1):
        lines.insert(index, BAD)
    lines.insert(half // 2, b"\n")
    lines[0] = b"\xef\xbb\xbf" + lines[0]
    path = tmp_path_factory.mktemp("events") / "big.jsonl"
    path.write_bytes(b"".join(lines))
    probe = subprocess.run(  # a fresh, single-threaded process, as `publish` is
        [sys.executable, "-c",
         "import sys; from feedcore import parallel; from feedcore.eventsource import open_source; "
         "print(parallel.split_point(open_source(sys.argv[1], digest=False), 2))", str(path)],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert probe.stdout.strip() != "None", "big enough to be split"
    return path


def publish(events: Path, out: Path, workers: int, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FEEDLAB, "publish", CONFIG, "--events", str(events), "--to-dir", str(out),
         "--at", "2026-11-27T03:00:00Z", "--seed", "5", "--no-journal",
         "--workers", str(workers), *extra],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_fs7_split_export_is_byte_identical_with_the_same_bad_line_numbers(
    big_events: Path, tmp_path: Path
) -> None:
    single = publish(big_events, tmp_path / "one", 1)
    split = publish(big_events, tmp_path / "two", 2)
    assert single.returncode == split.returncode == 0, single.stderr + split.stderr
    assert single.stdout == split.stdout
    assert single.stderr == split.stderr
    assert single.stderr.count("[FS-7]") == 4
    files = tree(tmp_path / "one")
    assert len(files) == 4 and files == tree(tmp_path / "two")


def test_fs7_split_export_under_strict_writes_nothing(big_events: Path, tmp_path: Path) -> None:
    result = publish(big_events, tmp_path / "strict", 2, "--strict")
    assert result.returncode != 0
    assert "line 4:" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "strict").exists()


def test_fs7_bad_line_only_in_the_second_half_is_numbered_globally(
    big_events: Path, tmp_path: Path
) -> None:
    data = big_events.read_bytes().replace(BAD, b"", 2)  # keep only the later two
    events = tmp_path / "late.jsonl"
    events.write_bytes(data)
    single = publish(events, tmp_path / "one", 1, "--strict")
    split = publish(events, tmp_path / "two", 2, "--strict")
    assert single.returncode == split.returncode == 1
    assert single.stderr == split.stderr and "line " in split.stderr


def test_split_is_declined_for_small_files_threads_and_one_worker(tmp_path: Path) -> None:
    small = tmp_path / "small.jsonl"
    small.write_bytes(BAD * 10)
    with open_source(small, digest=False) as source:
        assert parallel.split_point(source, 2) is None
    assert parallel.split_point(None, 2) is None
    big = tmp_path / "big.jsonl"
    big.write_bytes(BAD * (parallel.MIN_SPLIT_BYTES // len(BAD) + 10))
    with open_source(big, digest=False) as source:
        assert parallel.split_point(source, 1) is None
        offset = parallel.split_point(source, 2)
    if offset is not None:  # None when this test process already runs threads
        assert big.read_bytes()[offset - 1 : offset] == b"\n"
    with open(big, "rb") as stream:  # a stream cannot be split
        assert parallel.split_point(EventReader(stream).splittable, 2) is None


def test_fs7_oversized_lines_in_both_halves_are_numbered_alike_split_or_not(
    big_events: Path, tmp_path: Path
) -> None:
    """The helper reads its half block by block too: a 2 MiB line is one bad line there."""
    lines = big_events.read_bytes().split(b"\n")
    huge = b'{"type": "enter", "email": "h@example.com", "attributes": {"b": "' + b"x" * (2 << 20)
    lines.insert(10, huge + b'"}}')
    lines.insert(len(lines) - 10, huge)  # never closed: not JSON either way
    events = tmp_path / "huge.jsonl"
    events.write_bytes(b"\n".join(lines))
    single = publish(events, tmp_path / "one", 1)
    split = publish(events, tmp_path / "two", 2)
    assert single.returncode == split.returncode == 0, single.stderr + split.stderr
    assert single.stderr == split.stderr and single.stdout == split.stdout
    assert single.stderr.count("the limit is 1,048,576") == 2
    assert tree(tmp_path / "one") == tree(tmp_path / "two")
