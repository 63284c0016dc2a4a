"""The two-process split of a large events file (feedcore.parallel) changes nothing
a user can see: the same bytes, the same names, the same bad-line numbers (FS-7),
and ``--strict`` still writes nothing (FS-6.1)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feedcore import parallel
from feedcore.events import EventReader
from feedcore.eventsource import open_source

ROOT = Path(__file__).resolve().parents[2]
#: ``feedlab`` with the split threshold lowered, so a 9 MiB file is split as a large one is.
FEEDLAB = [
    sys.executable,
    "-c",
    "import sys; from feedcore import parallel; parallel.MIN_SPLIT_BYTES = 1 << 20; "
    "parallel.MIN_PART_BYTES = 0; parallel.WAIT_FOR_HELPER = True; "
    "from feedlab.cli import main; sys.exit(main(sys.argv[1:]))",
]
CONFIG = str(ROOT / "fixtures/feeds/welcome_csv_s3.toml")
AT = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)
BAD = b'{"type": "bogus", "email": "x@example.com"}\n'


@pytest.fixture(scope="module")
def big_events(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """~9 MiB of events with bad lines in both halves, a blank line and a BOM (split at
    a lowered threshold: the real one is for files whose halves outlast a worker's start)."""
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
         "from feedcore.events import EventReader; parallel.MIN_SPLIT_BYTES = 1 << 20; "
         "parallel.MIN_PART_BYTES = 0; "
         "print(parallel.split_point(EventReader(open_source(sys.argv[1])).split_input(), 2))",
         str(path)],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    assert probe.stdout.strip() != "None", "big enough to be split"
    return path


def publish(events: Path, out: Path, workers: int, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*FEEDLAB, "publish", CONFIG, "--events", str(events), "--to-dir", str(out),
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


def test_split_is_declined_for_small_files_streams_one_worker_and_one_core(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parallel, "MIN_SPLIT_BYTES", 1 << 20)
    monkeypatch.setattr(parallel, "MIN_PART_BYTES", 0)
    small = tmp_path / "small.jsonl"
    small.write_bytes(BAD * 10)
    with open_source(small, digest=False) as source:
        assert parallel.split_point(EventReader(source).split_input(), 2) is None
    assert parallel.split_point(None, 2) is None
    big = tmp_path / "big.jsonl"
    big.write_bytes(BAD * (parallel.MIN_SPLIT_BYTES // len(BAD) + 10))
    with open_source(big, digest=False) as source:
        split_input = EventReader(source).split_input()
        assert parallel.split_point(split_input, 1) is None
        offset = parallel.split_point(split_input, 2)
        monkeypatch.setattr(parallel, "usable_cores", lambda: 1)
        assert parallel.split_point(split_input, 2) is None, "one core: no pool"
    assert offset is not None, "a caller's threads no longer matter (forkserver)"
    assert big.read_bytes()[offset - 1 : offset] == b"\n"
    with open(big, "rb") as stream:  # a stream cannot be split
        assert EventReader(stream).split_input() is None


def test_split_export_in_a_process_with_threads_is_byte_identical(
    big_events: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The TUI and services run threads: the pool's workers come from a forkserver,
    so the split is offered to them too, and changes nothing (FS-7, FS-8)."""
    from feedcore.config import load_config
    from feedcore.sinks import MemorySink
    from feedcore.writer import FeedWriter

    config = load_config(CONFIG)
    variants = {v.name for v in config.flow.variants}
    helped: list[int] = []
    result_of = parallel.Helper.result

    def result(helper: parallel.Helper) -> parallel.PartResult:
        part = result_of(helper)
        helped.append(part.events)
        return part

    monkeypatch.setattr(parallel.Helper, "result", result)
    monkeypatch.setattr(parallel, "MIN_SPLIT_BYTES", 1 << 20)
    monkeypatch.setattr(parallel, "WAIT_FOR_HELPER", True)
    monkeypatch.setattr(parallel, "MIN_PART_BYTES", 0)
    stop = threading.Event()
    busy = threading.Thread(target=stop.wait, daemon=True)
    busy.start()
    try:
        sinks = []
        for workers in (1, 2):
            sink = MemorySink()
            with open_source(big_events, digest=False) as source:
                reader = EventReader(source, variants=variants)
                result = FeedWriter(config, sink, seed=5, workers=workers).export(reader, at=AT)
            sinks.append((sink.objects, reader.problems, reader.bad_lines, result.events))
    finally:
        stop.set()
    assert len(helped) == 1 and helped[0] > 20_000, "the second run was split"
    assert sinks[0] == sinks[1]
    lines = big_events.read_bytes().split(b"\n")
    assert [p.line for p in sinks[0][1]] == [i + 1 for i, x in enumerate(lines) if x == BAD[:-1]]


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
