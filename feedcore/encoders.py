"""CSV, TSV and JSONL encoding (FS-3): pure functions over rows, no IO.

Two entry points with byte-identical output:

* :func:`encode_rows` / :func:`header` — the plain, obviously-correct encoder
  used for small outputs and as the reference in tests;
* :class:`FileEncoder` — the hot path. Everything constant for a file
  (timestamp, segment, flow name, operation, every action's encoded form) is
  encoded once; a contact's rows differ only in ``action``, so its shared
  fields are encoded once and the rows are joined from ready-made pieces.
  Its two entry points (:meth:`FileEncoder.contact_lines` for one contact,
  :meth:`FileEncoder.encode_contacts` for many) are generated per file, as
  :mod:`feedcore.fastpath` does: no helper call per field, one regex search
  per contact deciding whether any of its CSV/TSV fields needs quoting.
"""

from __future__ import annotations

import functools
import json
import re
import textwrap
from collections.abc import Callable, Iterable, Sequence
from types import CodeType
from typing import Any

from feedcore.naming import Format
from feedcore.rows import ContactRows

#: A str as a JSON string (quotes and escapes; non-ASCII kept): the fused loop inlines it.
JSON_STRING: Callable[[str], str] = json.encoder.encode_basestring
_encode_json_str = JSON_STRING

CSV_LINE_END = "\r\n"
JSONL_LINE_END = "\n"

NEEDS_QUOTE = {
    "csv": re.compile(r'[,"\r\n]'),
    "tsv": re.compile(r'[\t"\r\n]'),
}
_DELIMITER = {"csv": ",", "tsv": "\t"}


def _delimited_field(value: str | None, needs_quote: re.Pattern[str]) -> str:
    if value is None:
        return ""
    if needs_quote.search(value):
        return '"' + value.replace('"', '""') + '"'
    return value


def _json_value(value: str | None) -> str:
    return "null" if value is None else _encode_json_str(value)


def header(fmt: Format, columns: Sequence[str]) -> str:
    """The header line (CSV/TSV), or ``""`` for JSONL, which has none (FS-3.3)."""
    if fmt == "jsonl":
        return ""
    pattern = NEEDS_QUOTE[fmt]
    return _DELIMITER[fmt].join(_delimited_field(c, pattern) for c in columns) + CSV_LINE_END


def encode_row(fmt: Format, columns: Sequence[str], row: Sequence[str | None]) -> str:
    """One record as a line, line end included."""
    if fmt == "jsonl":
        pairs = (
            f"{_encode_json_str(c)}:{_json_value(v)}" for c, v in zip(columns, row, strict=True)
        )
        return "{" + ",".join(pairs) + "}" + JSONL_LINE_END
    pattern = NEEDS_QUOTE[fmt]
    return _DELIMITER[fmt].join(_delimited_field(v, pattern) for v in row) + CSV_LINE_END


def encode_rows(fmt: Format, columns: Sequence[str], rows: Iterable[Sequence[str | None]]) -> str:
    """A whole file's text: header (if any) and every row."""
    return header(fmt, columns) + "".join(encode_row(fmt, columns, row) for row in rows)


class FileEncoder:
    """Fast encoder for one data file's rows; output equals :func:`encode_rows`."""

    def __init__(
        self,
        fmt: Format,
        columns: Sequence[str],
        *,
        timestamp: str,
        segment: str,
        flow_name: str,
        operation: str,
    ) -> None:
        self.fmt = fmt
        self.columns = tuple(columns)
        self._action_cache: dict[tuple[str, ...], tuple[str, ...]] = {}
        if fmt == "jsonl":
            key = [f"{_encode_json_str(c)}:" for c in columns]
            self.field = _json_value
            self._sep = ","
            self.ident_prefix = "{" + key[0]
            # between identifier and action value
            self.mid = (
                f",{key[1]}{_json_value(timestamp)},{key[2]}{_json_value(segment)}"
                f",{key[3]}{_json_value(flow_name)},{key[4]}"
            )
            self.variant_key = f",{key[5]}"
            self.operation_text = f",{key[6]}{_json_value(operation)}"
            self.context_keys = [f",{k}" for k in key[7:]]
            self.end = "}" + JSONL_LINE_END
        else:
            pattern = NEEDS_QUOTE[fmt]
            delim = _DELIMITER[fmt]

            def field(value: str | None) -> str:
                return _delimited_field(value, pattern)

            self.field = field
            self._sep = delim
            self.ident_prefix = ""
            self.mid = delim + delim.join(field(v) for v in (timestamp, segment, flow_name)) + delim
            self.variant_key = delim
            self.operation_text = delim + field(operation)
            self.context_keys = [delim] * (len(columns) - 7)
            self.end = CSV_LINE_END

        self._between: dict[str | None, str] = {}
        #: All rows of one contact as text, and how many rows that is.
        self.contact_lines: Callable[[ContactRows], tuple[str, int]]
        #: All rows of many contacts (in order) as text, and how many rows that is.
        self.encode_contacts: Callable[[Iterable[ContactRows]], tuple[str, int]]
        self.contact_lines, self.encode_contacts = self._generate()

    def header(self) -> str:
        return header(self.fmt, self.columns)

    def encoded_actions(self, actions: tuple[str, ...]) -> tuple[str, ...]:
        """Each action as this format writes it (remembered per actions tuple)."""
        cached = self._action_cache.get(actions)
        if cached is None:
            cached = tuple(self.field(a) for a in actions)
            self._action_cache[actions] = cached
        return cached

    def _pieces(self, contact: ContactRows) -> tuple[str, str, tuple[str, ...]]:
        field = self.field
        head = self.ident_prefix + field(contact.identifier) + self.mid
        tail_parts = [self.between(contact.variant)]
        for key, value in zip(self.context_keys, contact.contexts, strict=True):
            tail_parts.append(key)
            tail_parts.append(field(value))
        tail_parts.append(self.end)
        return head, "".join(tail_parts), self.encoded_actions(contact.actions)

    def contact_row_lines(self, contact: ContactRows) -> list[str]:
        """The same text, one string per row (for splitting files, FS-5.2)."""
        head, tail, actions = self._pieces(contact)
        return [head + a + tail for a in actions]

    def between(self, variant: str | None) -> str:
        """The text between ``action`` and the first context: variant and operation."""
        text = self._between.get(variant)
        if text is None:
            text = self.variant_key + self.field(variant) + self.operation_text
            if len(self._between) < 256:  # variants are few; never let odd input grow it
                self._between[variant] = text
        return text

    def _generate(self) -> tuple[Any, Any]:
        """:attr:`contact_lines` and :attr:`encode_contacts`, specialised to this file."""
        namespace: dict[str, Any] = {}
        exec(_encoder_code(self.fmt == "jsonl", len(self.context_keys)), namespace)
        contact_lines, encode_contacts = namespace["build"](
            self._action_cache,
            self.encoded_actions,
            self._between,
            self.between,
            self.mid,
            self.end,
            self.ident_prefix,
            self.field,
            _encode_json_str,
            None if self.fmt == "jsonl" else NEEDS_QUOTE[self.fmt].search,
            *self.context_keys,
        )
        return contact_lines, encode_contacts


def rows_source(head: str, suffix: str, actions: str, first: str, second: str) -> list[str]:
    """Generated lines that set ``text`` to all rows of one contact.

    Each row is ``head + action + suffix`` (``head`` and ``suffix`` are f-string
    bodies; ``actions`` names the encoded actions, ``n`` their count, ``first``
    and ``second`` the first two). One or two actions, the common shapes, make
    one f-string: CPython joins all its pieces in a single allocation.
    """
    return [
        "if n == 2:",
        f'    text = f"{head}{{{first}}}{suffix}{head}{{{second}}}{suffix}"',
        "elif n == 1:",
        f'    text = f"{head}{{{first}}}{suffix}"',
        "else:",
        f'    head = f"{head}"',
        f'    suffix = f"{suffix}"',
        f"    text = head + (suffix + head).join({actions}) + suffix if n else ''",
    ]


@functools.lru_cache(maxsize=64)
def _encoder_code(jsonl: bool, count: int) -> CodeType:
    """The generated encoder, which depends only on JSON-or-delimited and the context count.

    A contact's rows differ only in the action: each row is ``head + action +
    suffix`` (``head``: identifier and the constant columns; ``suffix``: variant,
    operation, contexts, line end), built by one f-string per contact so that
    CPython joins all the pieces in a single allocation. The file's constant
    pieces are closure variables of ``build`` (compiled once per shape, bound
    once per file). Output equals :func:`encode_rows`.
    """
    slots = range(count)  # context i: raw value c{i}, encoded v{i}, preceded by SEP{i}
    lines = [f"{', '.join(f'c{i}' for i in slots)}, = contact.contexts"] if count else []
    if jsonl:
        lines += ["h = ENC(contact.identifier)"]
        lines += [f"v{i} = 'null' if c{i} is None else ENC(c{i})" for i in slots]
        head = "{HEAD0}{h}{MID}"
    else:  # one regex search over the variable text decides if anything needs quoting
        lines += ["h = contact.identifier"]
        lines += [f"v{i} = c{i} or ''" for i in slots]
        probe = "".join(["{h}", *[f"{{v{i}}}" for i in slots]])
        lines += [
            f'if NEEDS(f"{probe}") is not None:',
            "    h = FIELD(h)",
            *[f"    v{i} = FIELD(c{i})" for i in slots],
        ]
        head = "{h}{MID}"
    suffix = "".join(["{between}", *[f"{{SEP{i}}}{{v{i}}}" for i in slots], "{END}"])
    lines += rows_source(head, suffix, "acts", "a0", "a1")
    body = "\n".join(lines)
    params = ", ".join(
        [
            "ACTIONS, actions_of, BETWEEN, between_of, MID, END, HEAD0, FIELD, ENC, NEEDS",
            *[f"SEP{i}" for i in slots],
        ]
    )
    source = f"""
def build({params}):
    def contact_lines(contact):
        between = BETWEEN.get(contact.variant)
        if between is None:
            between = between_of(contact.variant)
        acts = ACTIONS.get(contact.actions)
        if acts is None:
            acts = actions_of(contact.actions)
        n = len(acts)
        a0 = acts[0] if n else ""
        a1 = acts[1] if n > 1 else ""
{textwrap.indent(body, " " * 8)}
        return text, n

    def encode_contacts(contacts):
        out = []
        append = out.append
        rows = 0
        last = between = last_actions = acts = None
        n = 0
        a0 = a1 = ""
        for contact in contacts:
            if contact.variant is not last or between is None:
                last = contact.variant
                between = BETWEEN.get(last)
                if between is None:
                    between = between_of(last)
            if contact.actions is not last_actions:  # one tuple per variant (RowBuilder)
                last_actions = contact.actions
                acts = ACTIONS.get(last_actions)
                if acts is None:
                    acts = actions_of(last_actions)
                n = len(acts)
                a0 = acts[0] if n else ""
                a1 = acts[1] if n > 1 else ""
{textwrap.indent(body, " " * 12)}
            append(text)
            rows += n
        return "".join(out), rows

    return contact_lines, encode_contacts
"""
    return compile(source, f"<feedlab {'jsonl' if jsonl else 'csv/tsv'} encoder>", "exec")
