"""What a client needs to load a feed: the field dictionary and loader snippets.

:func:`fields` describes each column (FS-2.1) with its type and nullability for
this config; the demo bundle's README and ``index.html`` show it, and the
Snowflake ``COPY``, BigQuery ``bq load`` and Postgres ``\\copy`` snippets are
generated from it, with the options that read this feed's format as written
(FS-3: CSV/TSV quoting and ``\\r\\n``, JSONL objects; a null is an empty field
in CSV/TSV and ``null`` in JSONL, FS-2.7). Every identifier is quoted (a
context may be named like a SQL keyword). The snippets load the files the
control files announce; the poller (:mod:`feedcore.poller`) waits for those.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass

from feedcore import rules
from feedcore.config import FeedConfig

_MEANING = {
    "identifier": "the contact's email address, trimmed",
    "timestamp": "time of export, UTC, `YYYY-MM-DD HH:MM:SS`; the same for every row of a file",
    "segment_name": "name of the segment",
    "flow_name": "name of the flow",
    "action": "`data_feed` for the contact's own row, then one row per flow action",
    "variant": "experiment variant (null when the contact is in no experiment)",
    "operation": "`add` (entered the flow) or `remove` (exited); one operation per file",
}
_HASHED = (
    "SHA-256 (lowercase hex) of the contact's email address, trimmed and lowercased; "
    "the address itself appears nowhere"
)


@dataclass(frozen=True)
class Field:
    """One column of the feed."""

    name: str
    kind: str  # "text" or "timestamp"
    nullable: bool
    meaning: str

    @property
    def json_type(self) -> str:
        return "string or null" if self.nullable else "string"


def fields(config: FeedConfig) -> list[Field]:
    """Every column in FS-2.1 order, with its type, nullability and meaning."""
    out = []
    for name in rules.STANDARD_COLUMNS:
        meaning = _HASHED if name == "identifier" and config.feed.hash_identity else _MEANING[name]
        kind = "timestamp" if name == "timestamp" else "text"
        out.append(Field(name, kind, name == "variant", meaning))
    for context in config.feed.contexts:
        constant = all(mark not in context.value for mark in ("{{", "{%", "{#"))
        if constant:
            meaning = "constant text"
        else:
            meaning = f"personalized content: `{context.value}` (null when it renders nothing)"
        # Constant text is never null, unless it is empty (an empty CSV field reads as null).
        out.append(Field(context.name, "text", not (constant and context.value), meaning))
    return out


def table_name(config: FeedConfig) -> str:
    """``{client}_{flow_id}_feed`` with ``-`` as ``_``: a plain identifier everywhere."""
    return f"{config.client.replace('-', '_')}_{config.flow.id}_feed"


def file_pattern(config: FeedConfig) -> str:
    """A regex matching this feed's data file names (FS-4.1), without backslashes."""
    stem = f"{config.client}_{config.flow.id}"
    return f"{stem}_(add|remove)_[0-9a-f]{{8}}_[0-9]{{14}}[.]{config.feed.format}"


# -- Snowflake -------------------------------------------------------------------------------

_SNOWFLAKE_TYPES = {"text": "VARCHAR", "timestamp": "TIMESTAMP_NTZ"}


def _create(config: FeedConfig, types: dict[str, str], quote: str = '"') -> str:
    columns = ",\n".join(
        f"  {quote}{f.name}{quote} {types[f.kind]}{'' if f.nullable else ' NOT NULL'}"
        for f in fields(config)
    )
    return f"CREATE TABLE IF NOT EXISTS {table_name(config)} (\n{columns}\n);"


def _snowflake_format(fmt: str) -> str:
    if fmt == "jsonl":
        return "TYPE = JSON"
    delimiter = "'\\t'" if fmt == "tsv" else "','"
    return (
        f"TYPE = CSV FIELD_DELIMITER = {delimiter} SKIP_HEADER = 1\n"
        "                 FIELD_OPTIONALLY_ENCLOSED_BY = '\"' EMPTY_FIELD_AS_NULL = TRUE\n"
        "                 TIMESTAMP_FORMAT = 'YYYY-MM-DD HH24:MI:SS' ENCODING = 'UTF8'"
    )


def snowflake(config: FeedConfig) -> str:
    """``CREATE TABLE`` + ``COPY INTO`` straight from the bucket (or a table stage for SFTP)."""
    feed = config.feed
    table = table_name(config)
    match = "\n  MATCH_BY_COLUMN_NAME = CASE_SENSITIVE" if feed.format == "jsonl" else ""
    file_format = _snowflake_format(feed.format)
    lines = ["-- Snowflake", _create(config, _SNOWFLAKE_TYPES), ""]
    if feed.target == "s3":
        prefix = f"s3://{feed.host}/{feed.path + '/' if feed.path else ''}"
        lines += [
            "-- COPY remembers the files it loaded, so run it after each new control file.",
            f"COPY INTO {table}",
            f"  FROM '{prefix}'",
            "  STORAGE_INTEGRATION = my_s3_integration  -- yours, with read access to the bucket",
            f"  PATTERN = '.*{file_pattern(config)}'",
            f"  FILE_FORMAT = ({file_format}){match}",
            "  ON_ERROR = ABORT_STATEMENT;",
        ]
    else:
        lines += [
            "-- Snowflake cannot read SFTP: fetch the files with the poller, then from snowsql:",
            f"PUT file://./incoming/*.{feed.format} @%{table};",
            f"COPY INTO {table}",
            f"  FILE_FORMAT = ({file_format}){match}",
            "  ON_ERROR = ABORT_STATEMENT;",
        ]
    return "\n".join(lines) + "\n"


# -- BigQuery --------------------------------------------------------------------------------

_BQ_TYPES = {"text": "STRING", "timestamp": "TIMESTAMP"}


def bigquery_schema(config: FeedConfig) -> list[dict[str, str]]:
    return [
        {
            "name": f.name,
            "type": _BQ_TYPES[f.kind],
            "mode": "NULLABLE" if f.nullable else "REQUIRED",
        }
        for f in fields(config)
    ]


def example_file(config: FeedConfig) -> str:
    """A placeholder data file path for the snippets when no sample file is at hand."""
    stem = f"{config.client}_{config.flow.id}_add_0123abcd_20261127090000"
    return f"incoming/{stem}.{config.feed.format}"


def bigquery(config: FeedConfig, data_file: str | None = None) -> str:
    """A schema file and ``bq load`` of one data file (as the poller downloads it)."""
    fmt = config.feed.format
    table = table_name(config)
    entries = (json.dumps(field, ensure_ascii=False) for field in bigquery_schema(config))
    schema = "[\n" + ",\n".join(f"  {entry}" for entry in entries) + "\n]"
    if fmt == "jsonl":
        options = ["--source_format=NEWLINE_DELIMITED_JSON"]
    else:
        delimiter = "tab" if fmt == "tsv" else "','"
        options = [
            "--source_format=CSV",
            f"--field_delimiter={delimiter}",
            "--skip_leading_rows=1",
            "--allow_quoted_newlines",
            "--encoding=UTF-8",
        ]
    flags = " \\\n  ".join(options)
    return (
        "# BigQuery: the schema once, then one load per data file the poller fetched\n"
        f"cat > {table}.schema.json <<'SCHEMA'\n{schema}\nSCHEMA\n"
        f"bq load {flags} \\\n  mydataset.{table} {_sh(data_file or example_file(config))} "
        f"{table}.schema.json\n"
    )


# -- Postgres --------------------------------------------------------------------------------

_PG_TYPES = {"text": "text", "timestamp": "timestamp"}


def postgres(config: FeedConfig, data_file: str | None = None) -> str:
    """``CREATE TABLE`` + psql ``\\copy`` of one data file (timestamps are UTC)."""
    fmt = config.feed.format
    table = table_name(config)
    # psql does not interpolate variables in \\copy: the path is written out.
    source = _sql_string(data_file or example_file(config))
    lines = ["-- Postgres (psql); timestamps are UTC", _create(config, _PG_TYPES), ""]
    if fmt == "jsonl":
        lines += [
            "-- JSON Lines: read each line whole (no byte of JSON text is \\x01 or \\x02),",
            "-- then let Postgres map the keys onto the columns.",
            f"CREATE TEMP TABLE {table}_raw (doc jsonb);",
            f"\\copy {table}_raw (doc) FROM {source} WITH (FORMAT csv, QUOTE E'\\x01', "
            "DELIMITER E'\\x02')",
            f"INSERT INTO {table} SELECT r.* FROM {table}_raw, "
            f"jsonb_populate_record(NULL::{table}, doc) AS r;",
        ]
    else:
        delimiter = ", DELIMITER E'\\t'" if fmt == "tsv" else ""
        lines += [
            "-- FORMAT csv reads quoted fields, embedded line breaks and \\r\\n; "
            "an empty field is NULL.",
            f"\\copy {table} FROM {source} WITH (FORMAT csv{delimiter}, HEADER true, "
            "ENCODING 'UTF8')",
        ]
    return "\n".join(lines) + "\n"


def snippets(config: FeedConfig, data_file: str | None = None) -> dict[str, str]:
    """The three loaders by title, in the order the bundle shows them; ``data_file`` is the
    path the BigQuery and Postgres ones load (a sample file of the bundle)."""
    return {
        "Snowflake (COPY INTO)": snowflake(config),
        "BigQuery (bq load)": bigquery(config, data_file),
        "Postgres (psql \\copy)": postgres(config, data_file),
    }


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _sh(text: str) -> str:
    return shlex.quote(text)
