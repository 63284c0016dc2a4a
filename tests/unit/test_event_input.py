"""FS-7: hostile events input, at the library level.

* Lines are read in bounded memory: an oversized line is one bad line with its
  number, never held; an input with no line end for 64 MiB is refused.
* A line the decoder cannot handle (nested 1,000 deep) or whose attributes nest
  deeper than ``MAX_ATTRIBUTE_DEPTH`` is one bad line, on the general path and
  on the fused fast path, and the good lines around it are delivered.
* An input is read once (:func:`open_source`): a stream is copied while it is
  hashed, a regular file that changes before the export has read it is refused,
  and an export that read fewer bytes than the input held (zero lines from a
  non-empty input above all) or whose every line was bad delivers nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from feedcore.config import FeedConfig, parse_config
from feedcore.engine import line_loop_applies
from feedcore.errors import EventError
from feedcore.events import MAX_ATTRIBUTE_DEPTH, MAX_PROBLEMS_KEPT, EventReader, too_deep
from feedcore.eventsource import open_source
from feedcore.lines import MAX_LINE_BYTES, MAX_RUNAWAY_BYTES, LineReader, LineSource
from feedcore.sinks import MemorySink
from feedcore.writer import FeedWriter

AT = datetime(2026, 11, 27, 3, 0, tzinfo=UTC)


def _config(*, fast: bool, hashed: bool = False) -> FeedConfig:
    feed: dict[str, Any] = {
        "format": "csv",
        "target": "s3",
        "host": "acme-data-feeds",
        "hash_identity": hashed,
        "contexts": [{"name": "deep", "value": "{{ contact.deep }}"}],
    }
    if not fast:
        feed["condition"] = "true"
    config = parse_config(
        {"client": "acme", "flow": {"id": 1, "name": "F", "segment": "S"}, "feed": feed}
    )
    assert line_loop_applies(config) is fast
    return config


def _line(n: int, **attributes: Any) -> bytes:
    event = {"type": "enter", "email": f"user{n}@example.com", "attributes": attributes}
    return json.dumps(event).encode() + b"\n"


def _nested(depth: int) -> Any:
    value: Any = "leaf"
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


def _export(config: FeedConfig, reader: EventReader) -> MemorySink:
    sink = MemorySink()
    FeedWriter(config, sink, seed=1).export(reader, at=AT)
    return sink


def _data_rows(sink: MemorySink) -> int:
    return sum(
        data.count(b"\r\n") - 1 for key, data in sink.objects.items() if "/control_" not in key
    )


# -- nesting (finding 4) ---------------------------------------------------------------


@pytest.mark.parametrize("fast", [True, False], ids=["fast path", "general path"])
@pytest.mark.parametrize("hashed", [False, True], ids=["plain", "hashed"])
def test_fs7_a_line_nested_too_deeply_is_one_bad_line_on_both_paths(
    fast: bool, hashed: bool
) -> None:
    lines = [
        _line(1, deep="ok"),
        b"[" * 1000 + b"]" * 1000 + b"\n",  # RecursionError in the decoder on main
        _line(3, deep=_nested(MAX_ATTRIBUTE_DEPTH + 1)),  # decodes, but too deep to use
        _line(4, deep=_nested(MAX_ATTRIBUTE_DEPTH)),  # exactly at the limit: fine
        b'{"type": "enter", "email": "user5@example.com", "attributes": {"deep": '
        + b"[" * 2000
        + b"]" * 2000
        + b"}}\n",
        _line(6, deep="ok"),
    ]
    reader = EventReader(lines)
    sink = _export(_config(fast=fast, hashed=hashed), reader)
    assert [p.line for p in reader.problems] == [2, 3, 5]
    assert "nested" in reader.problems[0].message
    assert f"deeper than {MAX_ATTRIBUTE_DEPTH} levels" in reader.problems[1].message
    assert reader.count == 3
    assert _data_rows(sink) == 3


def test_fs7_depth_is_counted_over_lists_and_objects_without_recursion() -> None:
    assert not too_deep(_nested(MAX_ATTRIBUTE_DEPTH))
    assert too_deep(_nested(MAX_ATTRIBUTE_DEPTH + 1))
    assert not too_deep([1, [2], {"a": [3]}], limit=3)
    assert too_deep([1, [2], {"a": [[3]]}], limit=3)
    assert too_deep(_nested(100_000))  # far deeper than the interpreter's own stack


# -- bounded line reading (finding 7) -----------------------------------------------------


class _Zeros:
    """``/dev/zero`` as a stream: ``limit`` zero bytes (no line end), then ``tail``."""

    def __init__(self, limit: int, tail: bytes = b"") -> None:
        self.left = limit
        self.tail = tail

    def read(self, size: int) -> bytes:
        if self.left > 0:
            size = min(size, self.left)
            self.left -= size
            return b"\x00" * size
        data, self.tail = self.tail[:size], self.tail[size:]
        return data


def test_fs7_an_oversized_line_is_reported_with_its_number_and_never_held() -> None:
    size = 24 << 20
    stream = _Zeros(size, tail=b"\n" + _line(2, deep="ok"))
    tracemalloc.start()
    try:
        reader = EventReader(stream)
        events = list(reader)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 6 * MAX_LINE_BYTES  # a 24 MiB line, never more than a few blocks in memory
    assert [e.email for e in events] == ["user2@example.com"]
    assert [(p.line, p.message) for p in reader.problems] == [
        (1, f"line is {size:,} bytes; the limit is {MAX_LINE_BYTES:,}")
    ]


def test_fs7_an_input_without_line_ends_is_refused_after_the_runaway_bound() -> None:
    stream = _Zeros(MAX_RUNAWAY_BYTES * 4)
    with pytest.raises(EventError, match="not JSON Lines") as info:
        list(EventReader(stream))
    assert stream.left >= MAX_RUNAWAY_BYTES * 2  # stopped long before the end
    assert "nothing was delivered" in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("split", [b"", b"\r"])
def test_fs7_line_reader_cuts_lines_like_the_line_iterator(split: bytes) -> None:
    """The lines of ``for line in file`` without their ``\\n``: BOM, CR and last line too."""
    pieces = [b"\xef\xbb\xbfone" + split, b"", b"two" + split, b"x" * 300_000, b"last"]
    data = b"\n".join(pieces)
    for block_reads in (1, 7, 1 << 20):  # reads shorter than a line, and whole blocks
        position = 0

        def read(size: int, step: int = block_reads) -> bytes:
            nonlocal position
            chunk = data[position : position + min(size, step)]
            position += len(chunk)
            return chunk

        reader = LineReader(read)
        assert list(reader) == [pieces[0][3:], *pieces[1:]]
        assert reader.bytes_read == len(data) and reader.lines == 5


# -- reading once (finding 2) ----------------------------------------------------------------


GOOD = b"".join(_line(n, deep=f"v{n}") for n in range(5))


def test_fs7_a_pipe_is_copied_while_hashed_and_exported_from_the_copy(tmp_path: Path) -> None:
    read_end, write_end = os.pipe()

    def feed() -> None:
        with os.fdopen(write_end, "wb") as out:
            out.write(GOOD)

    writer = threading.Thread(target=feed)
    writer.start()
    try:
        with open_source(f"/dev/fd/{read_end}", spool_dir=tmp_path) as source:
            writer.join()
            assert source.digest == hashlib.sha256(GOOD).digest()
            assert source.spooled and source.size == len(GOOD)
            [copy] = list(tmp_path.glob("feedlab-events-*"))
            assert copy.stat().st_mode & 0o777 == 0o700
            assert (copy / "events.jsonl").stat().st_mode & 0o777 == 0o600
            reader = EventReader(source)
            sink = _export(_config(fast=True), reader)
            assert reader.count == 5 and _data_rows(sink) == 5
        assert list(tmp_path.glob("feedlab-events-*")) == []  # the copy goes with the source
    finally:
        os.close(read_end)


def test_fs7_a_regular_file_is_hashed_then_read_through_the_same_descriptor(
    tmp_path: Path,
) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(GOOD)
    with open_source(path) as source:
        assert source.digest == hashlib.sha256(GOOD).digest()
        assert not source.spooled and source.seekable
        path.unlink()  # the descriptor still reads the file that was hashed
        reader = EventReader(source)
        assert _data_rows(_export(_config(fast=False), reader)) == 5


@pytest.mark.parametrize("change", ["append", "truncate", "rewrite"])
def test_fs7_a_file_that_changes_before_the_export_read_it_is_refused(
    tmp_path: Path, change: str
) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(GOOD)
    with open_source(path) as source:
        if change == "append":
            with path.open("ab") as fh:
                fh.write(_line(9, deep="late"))
        elif change == "truncate":
            os.truncate(path, len(GOOD) // 2)
        else:
            path.write_bytes(GOOD.replace(b"v1", b"v9"))
            os.utime(path, ns=(1, 1))
        sink = MemorySink()
        with pytest.raises(EventError, match="changed") as info:
            FeedWriter(_config(fast=True), sink, seed=1).export(EventReader(source), at=AT)
    assert sink.objects == {}  # nothing delivered
    assert "nothing was delivered" in str(info.value)


class _Consumed(LineSource):
    """An input someone else already read: it held bytes, but none are left for us."""

    name = "consumed.jsonl"
    size = len(GOOD)
    seekable = True

    def reader_at(self, offset: int) -> Any:
        return lambda size: b""


def test_fs7_zero_lines_from_a_non_empty_input_is_an_error_not_an_empty_success() -> None:
    sink = MemorySink()
    with pytest.raises(EventError, match=f"read 0 bytes of the {len(GOOD):,}"):
        FeedWriter(_config(fast=True), sink).export(EventReader(_Consumed()), at=AT)
    assert sink.objects == {}


@pytest.mark.parametrize("fast", [True, False], ids=["fast path", "general path"])
def test_fs7_an_input_whose_every_line_is_bad_delivers_nothing_and_is_an_error(
    fast: bool,
) -> None:
    lines = [b'{"type": "join", "email": "x@example.com"}\n'] * (MAX_PROBLEMS_KEPT + 50)
    reader = EventReader([b"\n", *lines])
    sink = MemorySink()
    with pytest.raises(EventError, match=f"none of its {len(lines):,} non-blank line"):
        FeedWriter(_config(fast=fast), sink).export(reader, at=AT)
    assert sink.objects == {}
    assert reader.bad_lines == len(lines) and len(reader.problems) == MAX_PROBLEMS_KEPT
    empty = EventReader([b"\n", b"   \n"])  # blank lines only: an empty batch, not an error
    assert FeedWriter(_config(fast=fast), MemorySink()).export(empty, at=AT).files == []


def test_fs7_a_stream_cannot_be_read_twice() -> None:
    reader = EventReader(_Zeros(0, tail=GOOD))
    assert len(list(reader)) == 5
    with pytest.raises(EventError, match="read only once"):
        list(reader)


def test_fs7_open_source_refuses_a_folder_and_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(EventError, match="it is a folder"):
        open_source(tmp_path)
    with pytest.raises(EventError, match="No such file"):
        open_source(tmp_path / "missing.jsonl")
