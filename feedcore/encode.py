"""Driving the engine: events, or raw JSON lines, into the spools of one export.

Why its own module: the writer runs these loops, and so does a helper process
encoding the second half of a large file (:mod:`feedcore.parallel`), which has
no writer, sink or progress callback of the caller's, only its own reader,
builder, engine and spools.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Protocol

from feedcore.engine import Engine, LineRunner, SlowPath
from feedcore.events import Event
from feedcore.rows import ContactRows, RowBuilder
from feedcore.spool import Spool

#: Contacts encoded together on the general path (Engine.encode_contacts).
ENCODE_BATCH = 1000
#: Events between two progress reports on the general path.
PROGRESS_EVERY = 5000
#: Lines per chunk of the raw-line loop when the lines do not come in blocks.
LINE_CHUNK = 20_000

#: report(events so far, rows so far), between chunks.
Report = Callable[[int, int], None]


class LineParser(Protocol):
    """What the raw-line loop needs of the events source for the lines it declines."""

    def parse_line(self, number: int, line: bytes) -> Event | None: ...


def encode_events(
    events: Iterable[Event],
    engine: Engine,
    builder: RowBuilder,
    spools: dict[str, Spool],
    report: Report | None,
) -> tuple[int, int, int]:
    """The general path: (events, contacts exported, rows).

    Contacts wait in a short list per operation and are encoded together; with
    ``max_rows_per_file`` each contact goes alone, so a file can end between two.
    """
    split = any(spool.max_rows is not None for spool in spools.values())
    seen = exported = rows = 0
    pending: dict[str, list[ContactRows]] = {op: [] for op in spools}

    def flush(operation: str) -> int:
        batch = pending[operation]
        if not batch:
            return 0
        text, count = engine.encode_contacts(batch, operation)
        spools[operation].add(text, count)
        batch.clear()
        return count

    for event in events:
        seen += 1
        contact = builder.build(event)
        if contact is not None:
            exported += 1
            if split:
                text, count = engine.contact_lines(contact)
                spools[contact.operation].add_group(text, count)
                rows += count
            else:
                batch = pending[contact.operation]
                batch.append(contact)
                if len(batch) >= ENCODE_BATCH:
                    rows += flush(contact.operation)
        if report is not None and seen % PROGRESS_EVERY == 0:
            report(seen, rows)
    for operation in pending:
        rows += flush(operation)
    return seen, exported, rows


def _chunks(lines: Iterable[bytes]) -> Iterator[list[bytes]]:
    chunks = getattr(lines, "chunks", None)  # a LineReader: a block's lines, cut in C
    if callable(chunks):
        made: Iterator[list[bytes]] = chunks()
        return made
    remaining = iter(lines)
    return iter(lambda: list(islice(remaining, LINE_CHUNK)), [])


def _every_line_slow(
    lines: Iterable[bytes], number: int, add: list[str], remove: list[str], slow: SlowPath
) -> tuple[int, int, int]:
    """The raw-line loop of a config that needs the general path for every line."""
    for line in lines:
        number += 1
        slow(number, line)
    return 0, 0, 0


def encode_lines(
    lines: Iterable[bytes],
    parser: LineParser,
    engine: Engine,
    builder: RowBuilder,
    spools: dict[str, Spool],
    report: Report | None,
) -> tuple[int, int, int, int]:
    """The raw-line loop: (lines read, events it handled itself, events it parsed, rows).

    Lines the loop declines go through ``parser.parse_line`` and the general
    builder, appending to the same chunk buffers so order is kept. A config the
    loop cannot serve (a condition, a real template) sends every line that way:
    still line-numbered by this module, so a file can be split over two processes.
    Not for ``max_rows_per_file``: its files end between contacts (:func:`encode_events`).
    """
    run: LineRunner = engine.run or _every_line_slow
    add_spool, remove_spool = spools["add"], spools["remove"]
    number = handled = rows = parsed = 0
    add_out: list[str] = []
    remove_out: list[str] = []
    slow_rows = {"add": 0, "remove": 0}  # rows appended by the slow path in this chunk

    def slow(line_number: int, line: bytes) -> None:
        nonlocal parsed
        event = parser.parse_line(line_number, line)
        if event is None:
            return
        parsed += 1
        contact = builder.build(event)
        if contact is None:
            return
        text, count = engine.contact_lines(contact)
        (add_out if contact.operation == "add" else remove_out).append(text)
        slow_rows[contact.operation] += count

    for chunk in _chunks(lines):
        fast, add_rows, remove_rows = run(chunk, number, add_out, remove_out, slow)
        number += len(chunk)
        add_rows += slow_rows["add"]
        remove_rows += slow_rows["remove"]
        if add_out:
            add_spool.add_pieces(add_out, add_rows)
        if remove_out:
            remove_spool.add_pieces(remove_out, remove_rows)
        add_out.clear()
        remove_out.clear()
        slow_rows["add"] = slow_rows["remove"] = 0
        handled += fast
        rows += add_rows + remove_rows
        if report is not None:
            report(handled + parsed, rows)
    return number, handled, parsed, rows
