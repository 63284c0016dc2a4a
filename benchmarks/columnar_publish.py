"""The columnar peers of ``feedlab publish`` (issue 14): DuckDB and polars, as a data
engineer who does not use feedlab would write the benchmark feed.

Events JSON Lines in; the feed's add and remove data files out (one action,
contexts ``first_name`` and ``city``, no variants), byte for byte what feedlab
writes: the CSV header and CRLF line ends, quoting only where needed, JSON Lines
with ``null`` for the missing variant. Each engine reads the events once and
writes both files; the rows stay in event order, a contact's feed row first.

    python benchmarks/columnar_publish.py duckdb|polars EVENTS OUT_DIR csv|jsonl

Each run is its own process, so its interpreter start-up and imports are counted,
as feedlab's are. The constants are the benchmark feed's (benchmarks/inputs.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

TIMESTAMP = "2026-11-27 03:00:00"
SEGMENT = "Everyone"
FLOW = "Bench Flow"
ACTIONS = ("data_feed", "email_welcome")
OPERATIONS = {"add": "enter", "remove": "exit"}


def duckdb_publish(events: Path, out: Path, fmt: str) -> None:
    import duckdb

    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    source = str(events).replace("'", "''")
    con.execute(
        f"""
        CREATE TEMP TABLE contacts AS
        SELECT type, trim(email) AS identifier,
               attributes->>'first_name' AS first_name, attributes->>'city' AS city
        FROM read_json('{source}', format = 'newline_delimited',
                       columns = {{type: 'VARCHAR', email: 'VARCHAR', attributes: 'JSON'}})
        """
    )
    actions = ", ".join(f"'{a}'" for a in ACTIONS)
    options = "FORMAT json" if fmt == "jsonl" else "HEADER, NEW_LINE '\\r\\n'"
    for operation, kind in OPERATIONS.items():
        target = str(out / f"{operation}.{fmt}").replace("'", "''")
        con.execute(
            f"""
            COPY (
                SELECT identifier, '{TIMESTAMP}' AS timestamp, '{SEGMENT}' AS segment_name,
                       '{FLOW}' AS flow_name, unnest([{actions}]) AS action,
                       NULL::VARCHAR AS variant, '{operation}' AS operation, first_name, city
                FROM contacts WHERE type = '{kind}'
            ) TO '{target}' ({options})
            """
        )
    con.close()


def polars_publish(events: Path, out: Path, fmt: str) -> None:
    import polars as pl

    frame = pl.read_ndjson(events)
    attributes = pl.col("attributes")
    for operation, kind in OPERATIONS.items():
        rows = (
            frame.lazy()
            .filter(pl.col("type") == kind)
            .select(
                identifier=pl.col("email").str.strip_chars(),
                timestamp=pl.lit(TIMESTAMP),
                segment_name=pl.lit(SEGMENT),
                flow_name=pl.lit(FLOW),
                action=pl.lit(list(ACTIONS)),
                variant=pl.lit(None, dtype=pl.String),
                operation=pl.lit(operation),
                first_name=attributes.struct.field("first_name"),
                city=attributes.struct.field("city"),
            )
            .explode("action")
            .collect()
        )
        path = out / f"{operation}.{fmt}"
        if fmt == "jsonl":
            rows.write_ndjson(path)
        else:
            rows.write_csv(path, line_terminator="\r\n", quote_style="necessary")


ENGINES = {"duckdb": duckdb_publish, "polars": polars_publish}


if __name__ == "__main__":
    engine, events_arg, out_arg, fmt_arg = sys.argv[1:5]
    out_dir = Path(out_arg)
    out_dir.mkdir(parents=True, exist_ok=True)
    ENGINES[engine](Path(events_arg), out_dir, fmt_arg)
