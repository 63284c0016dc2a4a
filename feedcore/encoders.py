"""The reference encoder (FS-3): the readable definition of CSV, TSV and JSONL bytes.

Pure functions over rows, no IO, one helper call per field: slow, and meant to
be read. :mod:`feedcore.engine` generates the code the writer runs; every path
it offers (the contact encoder, the raw-line loop, a file split over two
processes) is held byte for byte to :func:`encode_rows` by the property tests.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence

from feedcore.naming import Format
from feedcore.rows import ContactRows

#: A str as a JSON string (quotes and escapes; non-ASCII kept).
JSON_STRING: Callable[[str], str] = json.encoder.encode_basestring

CSV_LINE_END = "\r\n"
JSONL_LINE_END = "\n"

#: What makes a CSV/TSV field need quotes (FS-3.1, FS-3.2).
NEEDS_QUOTE = {
    "csv": re.compile(r'[,"\r\n]'),
    "tsv": re.compile(r'[\t"\r\n]'),
}
DELIMITER = {"csv": ",", "tsv": "\t"}


def delimited_field(value: str | None, needs_quote: re.Pattern[str]) -> str:
    """One RFC 4180 field, always an exact ``str``.

    The unbound ``str`` methods keep the quoting independent of the value's
    type: a ``str`` subclass such as ``markupsafe.Markup`` escapes what its
    own ``replace`` and ``+`` are given (a quote becomes ``&#34;``), which
    would leave a value with a line break unquoted and forge rows (FS-3.1).
    """
    if value is None:
        return ""
    if needs_quote.search(value):
        return '"' + str.replace(value, '"', '""') + '"'  # str.replace: an exact str
    return value if type(value) is str else str.__str__(value)


def json_value(value: str | None) -> str:
    """One JSONL value: a JSON string, or ``null`` (FS-2.7, FS-3.3)."""
    return "null" if value is None else JSON_STRING(value)


def field_encoder(fmt: Format) -> Callable[[str | None], str]:
    """How ``fmt`` writes one value."""
    if fmt == "jsonl":
        return json_value
    pattern = NEEDS_QUOTE[fmt]
    return lambda value: delimited_field(value, pattern)


def header(fmt: Format, columns: Sequence[str]) -> str:
    """The header line (CSV/TSV), or ``""`` for JSONL, which has none (FS-3.3)."""
    if fmt == "jsonl":
        return ""
    field = field_encoder(fmt)
    return DELIMITER[fmt].join(field(c) for c in columns) + CSV_LINE_END


def encode_row(fmt: Format, columns: Sequence[str], row: Sequence[str | None]) -> str:
    """One record as a line, line end included."""
    field = field_encoder(fmt)
    if fmt == "jsonl":
        pairs = (f"{JSON_STRING(c)}:{field(v)}" for c, v in zip(columns, row, strict=True))
        return "{" + ",".join(pairs) + "}" + JSONL_LINE_END
    return DELIMITER[fmt].join(field(v) for v in row) + CSV_LINE_END


def encode_rows(fmt: Format, columns: Sequence[str], rows: Iterable[Sequence[str | None]]) -> str:
    """A whole file's text: header (if any) and every row."""
    return header(fmt, columns) + "".join(encode_row(fmt, columns, row) for row in rows)


def encode_contact(
    fmt: Format, columns: Sequence[str], contact: ContactRows, fixed: tuple[str, str, str]
) -> str:
    """All rows of one contact; ``fixed`` is (timestamp, segment, flow name) (FS-2.1)."""
    return "".join(encode_row(fmt, columns, row) for row in contact.rows(*fixed))
