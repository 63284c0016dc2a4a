"""What the preview pane shows: the first rows of a data file, or a control file.

Only the head of a large data file is read (:data:`HEAD_BYTES`); a record cut
off at that boundary is dropped rather than shown half. CSV/TSV nulls are empty
fields (FS-2.7), JSONL nulls are ``null``: both come back as ``None``.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from typing import Any

from feedcore import naming

HEAD_BYTES = 1 << 20
MAX_ROWS = 500

Cell = str | None


@dataclass(frozen=True)
class DataPreview:
    """The head of a data file."""

    fmt: str
    columns: tuple[str, ...]
    rows: list[tuple[Cell, ...]]
    truncated: bool
    size_note: str = ""
    problems: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Check:
    """One line of a control file's verdict."""

    ok: bool
    text: str
    rule: str = ""


@dataclass(frozen=True)
class ControlPreview:
    text: str
    checks: list[Check]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


def kind_of(name: str) -> str:
    """``data``, ``control``, ``partial`` or ``other`` (by FS-4 names)."""
    if naming.PARTIAL_RE.fullmatch(name):
        return "partial"
    if naming.CONTROL_NAME_RE.fullmatch(name):
        return "control"
    if naming.DATA_NAME_RE.fullmatch(name):
        return "data"
    return "other"


def format_of(name: str) -> str | None:
    ext = name.rpartition(".")[2].lower()
    return ext if ext in ("csv", "tsv", "jsonl") else None


def parse_data(data: bytes, fmt: str, truncated: bool, limit: int = MAX_ROWS) -> DataPreview:
    """Header and up to ``limit`` rows of ``data`` (the head of a file when ``truncated``)."""
    text = data.decode("utf-8", errors="replace")
    if truncated:
        text = _whole_records(text, fmt)
    if fmt == "jsonl":
        return _parse_jsonl(text, truncated, limit)
    return _parse_delimited(text, fmt, truncated, limit)


def _whole_records(text: str, fmt: str) -> str:
    """Drop the record cut off at the end of a partial read."""
    end = "\n" if fmt == "jsonl" else "\r\n"
    cut = text.rfind(end)
    if cut < 0:
        return ""
    text = text[: cut + len(end)]
    if fmt != "jsonl":
        # A line end inside a quoted field is not a record end: back off until quotes balance.
        while text and text.count('"') % 2:
            cut = text.rfind(end, 0, len(text) - len(end))
            text = text[: cut + len(end)] if cut >= 0 else ""
    return text


def _parse_delimited(text: str, fmt: str, truncated: bool, limit: int) -> DataPreview:
    dialect = "excel-tab" if fmt == "tsv" else "excel"
    reader = csv.reader(io.StringIO(text, newline=""), dialect=dialect, strict=True)
    problems: list[str] = []
    columns: tuple[str, ...] = ()
    rows: list[tuple[Cell, ...]] = []
    try:
        columns = tuple(next(reader, ()))
        for record in reader:
            if len(rows) >= limit:
                truncated = True
                break
            rows.append(tuple(value if value != "" else None for value in record))
    except csv.Error as exc:
        problems.append(f"not valid {fmt.upper()} (FS-3): {exc}")
    return DataPreview(fmt, columns, rows, truncated, problems=problems)


def _parse_jsonl(text: str, truncated: bool, limit: int) -> DataPreview:
    columns: list[str] = []
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line:
            continue
        if len(rows) >= limit:
            truncated = True
            break
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            problems.append(f"line {number}: not valid JSON (FS-3.3): {exc.msg}")
            continue
        if not isinstance(obj, dict):
            problems.append(f"line {number}: not a JSON object (FS-3.3)")
            continue
        for key in obj:
            if key not in columns:
                columns.append(key)
        rows.append(obj)
    table = [tuple(_cell(row.get(c)) for c in columns) for row in rows]
    return DataPreview("jsonl", tuple(columns), table, truncated, problems=problems)


def _cell(value: Any) -> Cell:
    if value is None:
        return None
    return value if isinstance(value, str) else json.dumps(value)


def pretty_json(data: bytes) -> str:
    """Indented JSON text; a file that is not JSON comes back as it is."""
    text = data.decode("utf-8", errors="replace")
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return text
    return json.dumps(value, indent=2, ensure_ascii=False)
