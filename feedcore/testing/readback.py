"""Reading a delivered feed back as a client would: through the sink, with stdlib readers.

A loader team's code lists the location, takes each control file as the
receipt for its data file (FS-6.1) and parses the data with whatever its
language's standard library offers. This module does the same with Python's
``csv`` (RFC 4180, and the ``excel-tab`` dialect for TSV) and ``json``, so a
file that only feedlab's own verifier could read counts as a failure. Nothing
here reuses feedlab's encoders or verifier.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from feedcore import naming
from feedcore.sinks.base import Sink

Record = tuple[str | None, ...]


@dataclass
class DataFile:
    """One data file as read back: its records (header excluded) and its control file."""

    key: str
    operation: str
    records: list[Record]
    header: list[str] | None
    raw: bytes
    control_key: str
    control: dict[str, Any] | None


@dataclass
class Readback:
    """Everything read from a location, and what could not be read (one line each)."""

    files: dict[str, bytes] = field(default_factory=dict)
    data: list[DataFile] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (rule, message)


def read_feed(sink: Sink, fmt: str, columns: tuple[str, ...]) -> Readback:
    """Every file under the sink, data files parsed as ``fmt`` against ``columns``."""
    out = Readback()
    for info in sink.list():
        out.files[info.key] = sink.read(info.key)
    for key, raw in sorted(out.files.items()):
        folder, _, name = key.rpartition("/")
        if name.startswith(".") or name.startswith("control_"):
            continue
        parsed = naming.parse_data_name(name)  # a name off FS-4.1 is the names property's
        operation = parsed.operation if parsed is not None else "?"
        control_key = naming.join_key(folder, naming.control_file_name(name))
        data = DataFile(key, operation, [], None, raw, control_key, None)
        try:
            data.header, data.records = parse_records(raw, fmt, columns)
        except ValueError as exc:
            out.problems.append(("FS-3", f"{key}: a standard {fmt} reader fails: {exc}"))
        control = out.files.get(control_key)
        if control is not None:
            try:
                document = json.loads(control.decode("utf-8"))
            except ValueError as exc:
                out.problems.append(("FS-5.1", f"{control_key}: not JSON: {exc}"))
            else:
                data.control = document if isinstance(document, dict) else None
        out.data.append(data)
    return out


def parse_records(
    raw: bytes, fmt: str, columns: tuple[str, ...]
) -> tuple[list[str] | None, list[Record]]:
    """(header, records) of one data file; ``ValueError`` says why a reader rejects it."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raise ValueError("starts with a byte order mark (FS-3: UTF-8 without BOM)")
    text = raw.decode("utf-8")  # UnicodeDecodeError is a ValueError
    if fmt == "jsonl":
        if text and not text.endswith("\n"):
            raise ValueError("the last line does not end with \\n (FS-3.3)")
        records: list[Record] = []
        for number, line in enumerate(text.split("\n")[:-1], start=1):
            obj = json.loads(line)
            if not isinstance(obj, dict) or list(obj) != list(columns):
                raise ValueError(f"line {number}: not an object with the columns in order")
            if any(v is not None and not isinstance(v, str) for v in obj.values()):
                raise ValueError(f"line {number}: a value is neither a string nor null")
            records.append(tuple(obj.values()))
        return None, records
    dialect = "excel-tab" if fmt == "tsv" else "excel"
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), dialect=dialect, strict=True))
    except csv.Error as exc:
        raise ValueError(str(exc)) from exc
    if not rows:
        raise ValueError("no header row (FS-3.1)")
    header, body = rows[0], rows[1:]
    if header != list(columns):
        raise ValueError(f"header {header!r} is not the columns {list(columns)!r}")
    for number, row in enumerate(body, start=2):
        if len(row) != len(columns):
            raise ValueError(f"record {number} has {len(row)} fields, not {len(columns)}")
    return header, [tuple(row) for row in body]
