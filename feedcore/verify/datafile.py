"""One data file's bytes (FS-3 encodings, FS-6.4 non-empty, FS-2 via the row checker).

Besides this module's own RFC 4180 reading, each file is also read as a
loader would, with the standard library (:mod:`feedcore.verify.reread`).

Files can be large, so they are walked line by line: each physical line is
decoded on its own (a ``\\n`` byte never occurs inside a multi-byte UTF-8
sequence, so that is exact), CSV/TSV records are reassembled from lines by
quote parity, and only the current record is held as text. The result is a
:class:`DataFileReport`: the findings plus what a control file states about its
data file (rows, bytes, SHA-256), so control files can be checked without
reading the data again.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from feedcore.config import FeedConfig
from feedcore.naming import DataName
from feedcore.rules import STANDARD_COLUMNS
from feedcore.verify.findings import Finding, Tally, show
from feedcore.verify.reread import Reread, reread
from feedcore.verify.rows import RowChecker, check_columns

BOM = b"\xef\xbb\xbf"
_RULE = {"csv": "FS-3.1", "tsv": "FS-3.2", "jsonl": "FS-3.3"}
_DELIMITER = {"csv": ",", "tsv": "\t"}
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


@dataclass
class DataFileReport:
    """A data file's findings and the facts its control file must state."""

    key: str
    name: DataName
    size: int
    sha256: str
    #: Data records (not the CSV/TSV header).
    rows: int = 0
    #: False when the file could not be parsed to the end, so ``rows`` is not its count.
    countable: bool = True
    #: The ``flow_name`` its first row states (None: no rows, or unreadable).
    flow_name: str | None = None
    #: What a consumer's stdlib reader makes of it (its control file's ``rows`` must match).
    reread: Reread | None = None
    findings: list[Finding] = field(default_factory=list)


class _Unreadable(Exception):
    """Nothing after this line can be trusted (not UTF-8, or broken CSV quoting)."""

    def __init__(self, line: int, detail: str, rule: str = "FS-3") -> None:
        super().__init__(detail)
        self.line = line
        self.rule = rule


def _lines(data: bytes, start: int) -> Iterator[tuple[int, str]]:
    """(number, text with its line end) of each physical line, decoded strictly."""
    number = 0
    size = len(data)
    while start < size:
        end = data.find(b"\n", start)
        end = size if end < 0 else end + 1
        number += 1
        try:
            text = data[start:end].decode("utf-8")
        except UnicodeDecodeError as exc:
            detail = f"not valid UTF-8 (byte {exc.start + 1} of the line: {exc.reason})"
            raise _Unreadable(number, detail) from None
        yield number, text
        start = end


def check_data_file(
    key: str,
    data: bytes,
    name: DataName,
    config: FeedConfig | None = None,
) -> DataFileReport:
    """Check a data file's bytes against the spec (and its config, when given)."""
    report = DataFileReport(key, name, len(data), hashlib.sha256(data).hexdigest())
    report.reread = reread(name.fmt, data)
    if not data:
        report.findings.append(
            Finding("FS-6.4", key, "empty data file: a batch with no rows writes no file")
        )
        return report
    start = 0
    if data.startswith(BOM):
        report.findings.append(
            Finding("FS-3", key, "starts with a UTF-8 byte order mark: files are UTF-8 without BOM")
        )
        start = len(BOM)
    tally = Tally(key)
    try:
        if name.fmt == "jsonl":
            _JsonLines(report, tally, config).run(_lines(data, start))
        else:
            _Delimited(report, tally, config).run(_lines(data, start))
    except _Unreadable as exc:
        report.countable = False
        tally.add(exc.rule, "unreadable", exc.line, f"{exc}; the rest of the file is not checked")
    report.findings.extend(tally.findings())
    if report.rows == 0 and report.countable:
        report.findings.append(
            Finding("FS-6.4", key, "no data records: a batch with no rows writes no file")
        )
    return report


class _Delimited:
    """CSV (FS-3.1) and TSV (FS-3.2): RFC 4180 records, ``\\r\\n`` after each."""

    def __init__(self, report: DataFileReport, tally: Tally, config: FeedConfig | None) -> None:
        self.report = report
        self.tally = tally
        self.config = config
        self.fmt = report.name.fmt
        self.rule = _RULE[self.fmt]
        d = re.escape(_DELIMITER[self.fmt])
        # A whole record body: fields either quoted (quotes doubled inside) or
        # free of quotes, delimiters and line breaks.
        one = rf'(?:"[^"]*(?:""[^"]*)*"|[^"{d}\r\n]*)'
        self.record_re = re.compile(rf"{one}(?:{d}{one})*")
        self.dialect = "excel" if self.fmt == "csv" else "excel-tab"

    def run(self, lines: Iterator[tuple[int, str]]) -> None:
        report = self.report
        columns: list[str] | None = None
        checker: RowChecker | None = None
        for line, raw in _records(lines):
            fields = self._parse(line, raw)
            if columns is None:
                columns = fields
                report.findings.extend(check_columns(report.key, columns, self.config))
                if tuple(columns[:7]) == STANDARD_COLUMNS:
                    checker = RowChecker(report.name, self.tally, self.config, columns)
                continue
            report.rows += 1
            if len(fields) != len(columns):
                blank = " (a blank line)" if not fields else ""
                self.tally.add(
                    self.rule,
                    "field-count",
                    line,
                    f"record has {len(fields)} fields{blank}, the header has {len(columns)}",
                )
                if checker is not None:
                    checker.skip()
            elif checker is not None:
                # An empty field is null (FS-2.7).
                checker.check(line, tuple(v or None for v in fields))
        if columns is None:
            self.tally.add(self.rule, "no-header", 1, "no header row")
        if checker is not None:
            checker.finish()
            report.flow_name = checker.flow_name

    def _parse(self, line: int, raw: str) -> list[str]:
        """One record's fields, after checking its quoting and line end.

        Raises :class:`_Unreadable` on broken quoting: record boundaries are
        found by quote parity, so after a stray quote none can be trusted.
        """
        body = raw.removesuffix("\n")
        ending = raw[len(body) :]
        if ending and body.endswith("\r"):
            body, ending = body[:-1], "\r\n"
        if not self.record_re.fullmatch(body):
            detail = (
                "a quoted field is never closed"
                if body.count('"') % 2
                else "a quote or line break outside a properly quoted field"
            )
            raise _Unreadable(line, f"record is not RFC 4180: {detail}", self.rule)
        if ending == "\n":
            self.tally.add(
                self.rule, "bare-lf", line, "record ends with a bare LF, expected CRLF (\\r\\n)"
            )
        elif not ending:
            self.tally.add(
                self.rule, "no-final-eol", line, "file does not end with CRLF after its last record"
            )
        try:
            return next(csv.reader((body,), self.dialect, strict=True), [])
        except csv.Error as exc:  # not expected after the pattern check; kept as a backstop
            raise _Unreadable(line, f"record is not RFC 4180: {exc}", self.rule) from None


def _records(lines: Iterator[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """(first line, raw text) of each record: a record ends at a line end outside quotes.

    Quote parity is enough to know whether a line end is inside a quoted field,
    because RFC 4180 doubles every quote inside one.
    """
    parts: list[str] = []
    first = 0
    quotes = 0
    for number, text in lines:
        if not parts:
            first = number
        parts.append(text)
        quotes += text.count('"')
        if quotes % 2 == 0:
            yield first, "".join(parts)
            parts, quotes = [], 0
    if parts:
        yield first, "".join(parts)


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as its key/value pairs in file order (duplicates kept)."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-finite number {name} is not JSON")


class _JsonLines:
    """JSONL (FS-3.3): one object per ``\\n``-terminated line, keys in column order."""

    def __init__(self, report: DataFileReport, tally: Tally, config: FeedConfig | None) -> None:
        self.report = report
        self.tally = tally
        self.config = config
        self.columns: list[str] | None = list(config.columns) if config is not None else None
        # Without a config the first object's keys are the columns, and the
        # checker starts there (told if a line before it was unreadable).
        self._skipped = False
        self.checker: RowChecker | None = None
        if config is not None:
            self.checker = RowChecker(report.name, tally, config, config.columns)

    def run(self, lines: Iterator[tuple[int, str]]) -> None:
        for line, raw in lines:
            self._line(line, raw)
        if self.checker is not None:
            self.checker.finish()
            self.report.flow_name = self.checker.flow_name

    def _line(self, line: int, raw: str) -> None:
        tally = self.tally
        if not raw.endswith("\n"):
            tally.add(
                "FS-3.3", "no-final-eol", line, "file does not end with \\n after its last line"
            )
        if "\r" in raw:
            tally.add(
                "FS-3.3", "cr", line, "line contains a CR (\\r): JSONL lines end with \\n only"
            )
        text = raw.rstrip("\r\n")
        if not text.strip():
            tally.add("FS-3.3", "blank", line, "blank line: every line holds one JSON object")
            return
        row = self._record(line, text)
        if self.checker is None:
            self._skipped = self._skipped or row is None
            return
        if row is None:
            self.checker.skip()
        else:
            self.checker.check(line, row)

    def _record(self, line: int, text: str) -> tuple[str | None, ...] | None:
        """The line's values in column order, or None when it is not a usable record."""
        tally = self.tally
        try:
            pairs = json.loads(text, object_pairs_hook=_Pairs, parse_constant=_reject_constant)
        except ValueError as exc:  # JSONDecodeError, or a NaN/Infinity constant
            self.report.countable = False
            detail = (
                f"{exc.msg} at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else exc
            )
            tally.add("FS-3.3", "json", line, f"not valid JSON: {detail}")
            return None
        self.report.rows += 1
        if not isinstance(pairs, _Pairs):
            tally.add("FS-3.3", "not-object", line, f"a JSON {json_kind(pairs)}, not an object")
            return None
        keys = [k for k, _ in pairs]
        if self.columns is None:
            self._first_object(keys)
        if keys != self.columns:
            tally.add(
                "FS-3.3",
                "keys",
                line,
                f"keys are not the {len(self.columns or ())} columns in order "
                "(FS-2.1; missing, extra, repeated or reordered keys)",
            )
            return None
        row = tuple(v for _, v in pairs)
        return row if self._values(line, keys, row, "\\u" in text) else None

    def _first_object(self, keys: list[str]) -> None:
        """Without a config, the first object's keys are the file's columns."""
        self.columns = keys
        found = check_columns(self.report.key, keys, None)
        self.report.findings.extend(found)
        if not found:
            self.checker = RowChecker(self.report.name, self.tally, None, keys)
            if self._skipped:
                self.checker.skip()

    def _values(self, line: int, keys: list[str], row: tuple[Any, ...], escaped: bool) -> bool:
        ok = True
        for column, value in zip(keys, row, strict=True):
            if value is None:
                continue
            if not isinstance(value, str):
                kind = json_kind(value)
                self.tally.add(
                    "FS-3.3",
                    "value-type",
                    line,
                    f"{show(column)} is a JSON {kind}: values are strings or null only",
                )
                ok = False
            elif escaped and _SURROGATE_RE.search(value):
                self.tally.add(
                    "FS-3.4",
                    "surrogate",
                    line,
                    f"{show(column)} holds a lone surrogate escape: not encodable as UTF-8",
                )
        return ok


def json_kind(value: Any) -> str:
    """The JSON name of a parsed value's type, for messages."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    if isinstance(value, _Pairs | dict):
        return "object"
    return "array"
