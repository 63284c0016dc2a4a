"""File names, folders and URLs (FS-4): pure functions, no IO.

Everything here is derived from the export time and the batch's random part so
that a retried batch computes exactly the same names (FS-6.3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

Operation = Literal["add", "remove"]
Format = Literal["csv", "tsv", "jsonl"]
Target = Literal["s3", "sftp"]

OPERATIONS: tuple[Operation, ...] = ("add", "remove")
FORMATS: tuple[Format, ...] = ("csv", "tsv", "jsonl")

#: FS-4.1, verbatim. These patterns are whole names: use them with ``fullmatch``
#: (``$`` with ``match`` would accept a name ending in a newline).
DATA_NAME_RE = re.compile(
    r"(?P<client>[a-z0-9][a-z0-9-]*)_(?P<flow_id>[0-9]+)_(?P<operation>add|remove)_"
    r"(?P<random>[0-9a-f]{8})_(?P<stamp>[0-9]{14})\.(?P<ext>csv|tsv|jsonl)"
)
#: FS-4.2: ``control_`` + the data name with ``.json`` for its extension.
CONTROL_NAME_RE = re.compile(
    r"control_(?P<stem>[a-z0-9][a-z0-9-]*_[0-9]+_(?:add|remove)_[0-9a-f]{8}_[0-9]{14})\.json"
)
#: FS-6.2: the SFTP temporary name of a file being written.
#: (DOTALL: a partial is recognised whatever its name holds.)
PARTIAL_RE = re.compile(r"\.(?P<name>.+)\.partial", re.DOTALL)

STAMP_FORMAT = "%Y%m%d%H%M%S"
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S"


def as_utc(at: datetime) -> datetime:
    """Export times are UTC; a naive datetime is taken to be UTC already."""
    if at.tzinfo is None:
        return at.replace(tzinfo=UTC)
    return at.astimezone(UTC)


def row_timestamp(at: datetime) -> str:
    """FS-2.4: the ``timestamp`` column, ``YYYY-MM-DD HH:MM:SS`` UTC."""
    return as_utc(at).strftime(TIMESTAMP_FORMAT)


def name_stamp(at: datetime) -> str:
    """FS-4.1: the ``YmdHMS`` part of a data file name."""
    return as_utc(at).strftime(STAMP_FORMAT)


def data_file_name(
    client: str, flow_id: int, operation: Operation, random_hex: str, at: datetime, fmt: Format
) -> str:
    """FS-4.1: ``{client}_{flow_id}_{operation}_{random}_{YmdHMS}.{ext}``."""
    return f"{client}_{flow_id}_{operation}_{random_hex}_{name_stamp(at)}.{fmt}"


def control_file_name(data_name: str) -> str:
    """FS-4.2: ``control_`` + the data file's name with ``.json`` for its extension."""
    stem, _, _ = data_name.rpartition(".")
    return f"control_{stem}.json"


def data_stem_of_control(control_name: str) -> str | None:
    """The data file stem a control file names, or None if it is not a control name."""
    m = CONTROL_NAME_RE.fullmatch(control_name)
    return m.group("stem") if m else None


def partial_name(name: str) -> str:
    """FS-6.2: hidden temporary name for an SFTP upload in progress."""
    return f".{name}.partial"


def folder(path: str, at: datetime) -> str:
    """FS-4.3: ``{path}/{YYYY}/{MM}/{DD}`` (or just the date with an empty path)."""
    day = as_utc(at).strftime("%Y/%m/%d")
    return f"{path}/{day}" if path else day


def join_key(folder_: str, name: str) -> str:
    return f"{folder_}/{name}" if folder_ else name


def file_url(target: Target, host: str, key: str) -> str:
    """FS-4.4: ``s3://{bucket}/{key}`` or ``sftp://{host}/{key}`` (host as configured)."""
    scheme = "s3" if target == "s3" else "sftp"
    return f"{scheme}://{host}/{key}"


@dataclass(frozen=True)
class DataName:
    """The parts of a conformant data file name."""

    client: str
    flow_id: int
    operation: Operation
    random: str
    at: datetime
    fmt: Format

    @property
    def name(self) -> str:
        return data_file_name(
            self.client, self.flow_id, self.operation, self.random, self.at, self.fmt
        )


def parse_data_name(name: str) -> DataName | None:
    """Split a data file name into its parts; None when it does not match FS-4.1."""
    m = DATA_NAME_RE.fullmatch(name)
    if not m:
        return None
    try:
        at = datetime.strptime(m.group("stamp"), STAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None
    op: Operation = "add" if m.group("operation") == "add" else "remove"
    ext = m.group("ext")
    fmt: Format = "csv" if ext == "csv" else ("tsv" if ext == "tsv" else "jsonl")
    return DataName(m.group("client"), int(m.group("flow_id")), op, m.group("random"), at, fmt)
