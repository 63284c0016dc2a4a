"""The peer of ``feedlab publish``: a straightforward stdlib script (issue 6).

``json.loads`` per line and ``csv.writer`` (or ``json.dumps`` per row), the
same columns and rows as feedlab for the benchmark feed (one action, contexts
``first_name`` and ``city``, no variants), written to an add and a remove file.
It is what a developer would write in ten minutes; it imports only the
standard library, so its start-up is as cheap as Python's.

    python benchmarks/stdlib_publish.py EVENTS OUT_DIR [csv|tsv|jsonl]
"""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

COLUMNS = [
    "identifier",
    "timestamp",
    "segment_name",
    "flow_name",
    "action",
    "variant",
    "operation",
    "first_name",
    "city",
]
TIMESTAMP = "2026-11-27 03:00:00"
SEGMENT = "Everyone"
FLOW = "Bench Flow"
ACTIONS = ("data_feed", "email_welcome")


def _text(value: object) -> str | None:
    return None if value is None else value if isinstance(value, str) else str(value)


def publish(events: Path, out_dir: Path, fmt: str = "csv") -> int:
    """Write ``out_dir/add.{fmt}`` and ``out_dir/remove.{fmt}``; returns the rows written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = 0
    with (
        events.open("rb") as source,
        (out_dir / f"add.{fmt}").open("w", encoding="utf-8", newline="") as add,
        (out_dir / f"remove.{fmt}").open("w", encoding="utf-8", newline="") as remove,
    ):
        if fmt == "jsonl":
            files = {"enter": add, "exit": remove}
            for line in source:
                event = json.loads(line)
                attributes = event.get("attributes") or {}
                op = "add" if event["type"] == "enter" else "remove"
                out = files[event["type"]]
                for action in ACTIONS:
                    record = dict(
                        zip(
                            COLUMNS,
                            (
                                event["email"].strip(),
                                TIMESTAMP,
                                SEGMENT,
                                FLOW,
                                action,
                                event.get("variant"),
                                op,
                                _text(attributes.get("first_name")),
                                _text(attributes.get("city")),
                            ),
                            strict=True,
                        )
                    )
                    out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")))
                    out.write("\n")
                    rows += 1
            return rows
        dialect = "excel-tab" if fmt == "tsv" else "excel"
        writers = {"enter": csv.writer(add, dialect), "exit": csv.writer(remove, dialect)}
        for writer in writers.values():
            writer.writerow(COLUMNS)
        for line in source:
            event = json.loads(line)
            attributes = event.get("attributes") or {}
            op = "add" if event["type"] == "enter" else "remove"
            writer = writers[event["type"]]
            for action in ACTIONS:
                writer.writerow(
                    (
                        event["email"].strip(),
                        TIMESTAMP,
                        SEGMENT,
                        FLOW,
                        action,
                        event.get("variant"),
                        op,
                        _text(attributes.get("first_name")),
                        _text(attributes.get("city")),
                    )
                )
                rows += 1
    return rows


if __name__ == "__main__":
    fmt = sys.argv[3] if len(sys.argv) > 3 else "csv"
    print(publish(Path(sys.argv[1]), Path(sys.argv[2]), fmt))
