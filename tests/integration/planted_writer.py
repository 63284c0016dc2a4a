"""A writer with a planted encoder bug, injected into ``feedlab conformance --writer``.

Not a test: ``test_conformance.py`` names it as ``planted_writer:unquoted_line_breaks``
to show that the conformance run catches an encoder bug without any production
code being edited, and shrinks it to a tiny events file.

The bug is the classic one: a CSV/TSV field is quoted when it holds the
delimiter or a quote, but not when it holds a CR or LF (FS-3.1), so a contact
whose attribute carries a line break forges a second record. Everything else
(rows, names, control files, delivery order) is the production code's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from feedcore.config import FeedConfig
from feedcore.control import DataFileFacts, control_document, dumps_control
from feedcore.events import Event
from feedcore.rows import RowBuilder
from feedcore.sinks.base import Payload, Sink
from feedcore.writer import BatchNames

_DELIMITER = {"csv": ",", "tsv": "\t"}


def _field(value: str | None, delimiter: str) -> str:
    if value is None:
        return ""
    if delimiter in value or '"' in value:  # the bug: "\r" and "\n" are not checked
        return '"' + value.replace('"', '""') + '"'
    return value


class UnquotedLineBreaks:
    """A tiny writer: one data file per operation, then its control file."""

    def __init__(self, config: FeedConfig, sink: Sink, *, seed: int | str | None = None) -> None:
        self.config, self.sink, self.seed = config, sink, seed

    def export(self, events: Iterable[Event], *, at: datetime | None = None) -> Any:
        assert at is not None
        config = self.config
        names = BatchNames(config, at, self.seed)
        builder = RowBuilder(config)
        stamp = names.at.strftime("%Y-%m-%d %H:%M:%S")
        lines: dict[str, list[str]] = {"add": [], "remove": []}
        for event in events:
            contact = builder.build(event)
            if contact is None:
                continue
            for row in contact.rows(stamp, config.flow.segment, config.flow.name):
                lines[contact.operation].append(self._line(row))
        for operation in ("add", "remove"):
            if not lines[operation]:
                continue
            text = self._line(config.columns) if config.feed.format != "jsonl" else ""
            data = (text + "".join(lines[operation])).encode("utf-8")
            key = names.data_key(operation, 0)  # type: ignore[arg-type]
            self.sink.put(key, Payload.from_bytes(data))
            facts = DataFileFacts(key, len(lines[operation]), len(data), None)
            control = dumps_control(control_document(config, facts))
            self.sink.put(names.control_key(key), Payload.from_bytes(control), exclusive=True)
        return None

    def _line(self, row: Iterable[str | None]) -> str:
        fmt = self.config.feed.format
        if fmt == "jsonl":
            import json

            pairs = dict(zip(self.config.columns, row, strict=True))
            return json.dumps(pairs, ensure_ascii=False) + "\n"
        delimiter = _DELIMITER[fmt]
        return delimiter.join(_field(v, delimiter) for v in row) + "\r\n"


def unquoted_line_breaks(config: FeedConfig, sink: Sink, *, seed: int | str) -> UnquotedLineBreaks:
    """The ``--writer`` factory: called as ``factory(config, sink, seed=seed)``."""
    return UnquotedLineBreaks(config, sink, seed=seed)
