"""A data file as a consumer's standard-library reader sees it (FS-3, FS-5.1).

The verifier's own parser (:mod:`feedcore.verify.datafile`) follows RFC 4180
to the letter and explains what it finds. A loader does not: it opens the
file and hands it to ``csv.reader`` or ``json.loads``. So every data file is
also read exactly that way (``csv`` with the dialect of FS-3.1 or FS-3.2 on a
file opened with ``newline=""``, ``json.loads`` on each line of a file opened
as text), and its control file's ``rows`` must equal what that reader counts,
with every record shaped like a row: the header's field count for CSV/TSV, a
JSON object for JSONL. One contact's value that forges a row or shifts a
column fails here whatever the verifier's parser made of it.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass

DIALECT = {"csv": "excel", "tsv": "excel-tab"}


@dataclass(frozen=True)
class Reread:
    """What the stdlib reader made of a data file."""

    #: The reader used, for messages (e.g. "Python's csv reader (excel-tab dialect)").
    reader: str
    #: Records read (CSV/TSV: after the header).
    records: int
    #: Records not shaped like a row (wrong field count, not a JSON object).
    misshapen: int = 0
    #: Why the reader stopped, with the line it stopped at (None: read to the end).
    error: str | None = None

    def matches(self, rows: int) -> bool:
        return self.error is None and self.misshapen == 0 and self.records == rows

    def describe(self) -> str:
        """The reader's view, for a finding (counts and line numbers, never a value)."""
        if self.error is not None:
            return f"{self.reader} cannot read the data file: {self.error}"
        shape = f", {self.misshapen} of them not shaped like a row" if self.misshapen else ""
        return f"{self.reader} reads {self.records} records from the data file{shape}"


def reread(fmt: str, data: bytes) -> Reread:
    """Read ``data`` (a whole data file) as a consumer's stdlib code would."""
    newline = None if fmt == "jsonl" else ""  # as open() would, and as csv asks
    with io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline=newline) as text:
        try:
            return _jsonl(text) if fmt == "jsonl" else _delimited(fmt, text)
        except UnicodeDecodeError as exc:
            return Reread(_name(fmt), 0, error=f"not UTF-8 ({exc.reason})")


def _name(fmt: str) -> str:
    if fmt == "jsonl":
        return "Python's json.loads, line by line,"
    return f"Python's csv reader ({DIALECT[fmt]} dialect)"


def _delimited(fmt: str, text: io.TextIOWrapper) -> Reread:
    reader = csv.reader(text, DIALECT[fmt], strict=True)
    records = misshapen = 0
    width: int | None = None
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, 1 << 30))  # a loader raises it too; the spec has no limit
    try:
        for fields in reader:
            if width is None:
                width = len(fields)
                continue
            records += 1
            misshapen += len(fields) != width
    except csv.Error as exc:
        return Reread(_name(fmt), records, misshapen, f"{exc} at line {reader.line_num}")
    finally:
        csv.field_size_limit(limit)
    return Reread(_name(fmt), records, misshapen)


def _jsonl(text: io.TextIOWrapper) -> Reread:
    records = misshapen = 0
    for number, line in enumerate(text, 1):
        try:
            value = json.loads(line)
        except ValueError as exc:
            detail = exc.msg if isinstance(exc, json.JSONDecodeError) else "not JSON"
            return Reread(_name("jsonl"), records, misshapen, f"{detail} at line {number}")
        records += 1
        misshapen += not isinstance(value, dict)
    return Reread(_name("jsonl"), records, misshapen)
