"""Compare a batch with the previous batch of the same feed: rows per group, columns.

A *batch* is every data file of one feed (same server and bucket, same path
root, same ``{client}_{flow_id}`` name prefix) with the same export time in its
name (FS-4.1); that is what one export writes (an add file, a remove file, and
more of each when split, FS-5.2). The previous batch is the one with the latest
earlier time. **[decision]** Two exports at the same second are one batch here:
the names cannot tell them apart.

Files are parsed whole with the standard library's readers (``csv`` with the
FS-3 dialects, ``json`` per line), from their bytes: nothing here does IO, so
the caller reads the files (in a worker) and tests pass bytes. Only the
``action``, ``variant`` and ``operation`` columns are kept, counted per
combination; the rows themselves never are (a hashed feed shows no identifier).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from feedcore.errors import FeedError
from tui.services.preview import format_of, kind_of
from tui.services.targets import FileRef

#: Largest file compared (the whole file is parsed in memory).
MAX_DIFF_BYTES = 64 << 20
Group = tuple[str | None, str | None, str | None]  # (action, variant, operation)
GROUP_COLUMNS = ("action", "variant", "operation")


class DiffError(FeedError):
    """A file that cannot be compared (too large, not FS-3 text); the text says which."""


@dataclass(frozen=True)
class BatchSummary:
    """What a batch holds: its files, columns (in first-seen order) and rows per group."""

    at: str  # YmdHMS of the names
    files: tuple[FileRef, ...]
    columns: tuple[str, ...]
    groups: Counter[Group] = field(default_factory=Counter)

    @property
    def rows(self) -> int:
        return sum(self.groups.values())


@dataclass(frozen=True)
class GroupChange:
    group: Group
    before: int
    after: int

    @property
    def delta(self) -> int:
        return self.after - self.before


@dataclass(frozen=True)
class BatchDiff:
    """``after`` (the selected batch) against ``before`` (the previous one, or None)."""

    after: BatchSummary
    before: BatchSummary | None
    columns_added: tuple[str, ...]
    columns_removed: tuple[str, ...]
    changes: tuple[GroupChange, ...]

    @property
    def rows_delta(self) -> int:
        return self.after.rows - (self.before.rows if self.before else 0)


# -- finding the batches -------------------------------------------------------------------


def feed_of(ref: FileRef) -> tuple[str, str, str, str] | None:
    """(server, bucket, path root, ``client_flowid``) of a data file, else None."""
    if kind_of(ref.name) != "data":
        return None
    folder = ref.folder.split("/")
    root = "/".join(folder[:-3]) if len(folder) >= 3 else ""
    client, flow = ref.name.split("_")[:2]
    return ref.server, ref.bucket, root, f"{client}_{flow}"


def time_of(ref: FileRef) -> str:
    """The ``YmdHMS`` export time in a data file's name."""
    return ref.name.rpartition("_")[2].partition(".")[0]


def batch_of(ref: FileRef, refs: Iterable[FileRef]) -> tuple[FileRef, ...]:
    """The data files of ``ref``'s batch (``ref`` included), sorted."""
    feed = feed_of(ref)
    if feed is None:
        raise DiffError(f"{ref.name} is not a data file (FS-4.1): select a data file to compare")
    at = time_of(ref)
    same = {r for r in refs if feed_of(r) == feed and time_of(r) == at} | {ref}
    return tuple(sorted(same))


def previous_batch(ref: FileRef, refs: Iterable[FileRef]) -> tuple[FileRef, ...]:
    """The data files of the latest batch of the same feed before ``ref``'s (may be empty)."""
    feed = feed_of(ref)
    if feed is None:
        raise DiffError(f"{ref.name} is not a data file (FS-4.1): select a data file to compare")
    at = time_of(ref)
    earlier = [r for r in refs if feed_of(r) == feed and time_of(r) < at]
    if not earlier:
        return ()
    latest = max(time_of(r) for r in earlier)
    return tuple(sorted(r for r in earlier if time_of(r) == latest))


# -- reading the files -------------------------------------------------------------------------


def summarise(files: Sequence[tuple[FileRef, bytes]]) -> BatchSummary:
    """Columns and rows per (action, variant, operation) of one batch's files."""
    columns: dict[str, None] = {}
    groups: Counter[Group] = Counter()
    for ref, data in files:
        header, counted = read_groups(ref.name, data)
        columns.update(dict.fromkeys(header))
        groups.update(counted)
    at = time_of(files[0][0]) if files else ""
    return BatchSummary(at, tuple(ref for ref, _ in files), tuple(columns), groups)


def read_groups(name: str, data: bytes) -> tuple[tuple[str, ...], Counter[Group]]:
    """(columns, rows per group) of one data file's bytes."""
    fmt = format_of(name)
    if fmt is None:
        raise DiffError(f"{name}: not a CSV, TSV or JSONL file (FS-4.1)")
    if len(data) > MAX_DIFF_BYTES:
        raise DiffError(
            f"{name} is {len(data) >> 20} MiB: the app compares files up to "
            f"{MAX_DIFF_BYTES >> 20} MiB (use feedlab verify for larger ones)"
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DiffError(f"{name}: not UTF-8 at byte {exc.start} (FS-3)") from None
    records = _jsonl(name, text) if fmt == "jsonl" else _delimited(name, text, fmt)
    header = next(records, None)
    if header is None:
        return (), Counter()
    columns = tuple(str(c) for c in header)
    where = [columns.index(c) if c in columns else None for c in GROUP_COLUMNS]
    counted: Counter[Group] = Counter()
    for record in records:
        values = [_at(record, i) for i in where]
        counted[(values[0], values[1], values[2])] += 1
    return columns, counted


def _at(record: Sequence[str | None], index: int | None) -> str | None:
    if index is None or index >= len(record):
        return None
    return record[index] or None  # an empty CSV field is null (FS-2.7)


def _delimited(name: str, text: str, fmt: str) -> Iterator[Sequence[str | None]]:
    dialect = "excel-tab" if fmt == "tsv" else "excel"
    reader = csv.reader(io.StringIO(text, newline=""), dialect=dialect, strict=True)
    try:
        yield from reader
    except csv.Error as exc:
        where = f"near line {reader.line_num}"
        raise DiffError(f"{name}: not valid {fmt.upper()} (FS-3) {where}: {exc}") from None


def _jsonl(name: str, text: str) -> Iterator[Sequence[str | None]]:
    """The first object's keys as the header (FS-3.3: every line has them, in order)."""
    columns: list[str] | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        if not line:
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise DiffError(f"{name}: line {number} is not JSON (FS-3.3): {exc.msg}") from None
        if not isinstance(obj, dict):
            raise DiffError(f"{name}: line {number} is not a JSON object (FS-3.3)")
        if columns is None:
            columns = list(obj)
            yield columns
        yield [_text(obj.get(key)) for key in columns]


def _text(value: object) -> str | None:
    return value if isinstance(value, str) or value is None else json.dumps(value)


# -- comparing -------------------------------------------------------------------------------


def compare(after: BatchSummary, before: BatchSummary | None) -> BatchDiff:
    """Columns added/removed and every group whose row count changed (or is new)."""
    old_columns = before.columns if before else ()
    added = tuple(c for c in after.columns if before is not None and c not in old_columns)
    removed = tuple(c for c in old_columns if c not in after.columns)
    old: Counter[Group] = before.groups if before else Counter()
    keys = sorted(set(after.groups) | set(old), key=_group_order)
    changes = tuple(GroupChange(k, old.get(k, 0), after.groups.get(k, 0)) for k in keys)
    return BatchDiff(after, before, added, removed, changes)


def _group_order(group: Group) -> tuple[str, str, str]:
    action, variant, operation = group
    return (operation or "", variant or "", action or "")


Reader = Callable[[FileRef], bytes]


def diff_with_previous(ref: FileRef, refs: Iterable[FileRef], read: Reader) -> BatchDiff:
    """The whole comparison for the selected data file; ``read`` fetches a file's bytes."""
    listing = list(refs)
    now = batch_of(ref, listing)
    earlier = previous_batch(ref, listing)
    after = summarise([(r, read(r)) for r in now])
    before = summarise([(r, read(r)) for r in earlier]) if earlier else None
    return compare(after, before)


def describe_time(ymdhms: str) -> str:
    """``20261127090000`` -> ``2026-11-27 09:00:00`` (as FS-2.4 timestamps read)."""
    try:
        return datetime.strptime(ymdhms, "%Y%m%d%H%M%S").strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return ymdhms
