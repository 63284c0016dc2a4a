"""The README of a demo bundle: folders, names, files, format, columns, control protocol.

Markdown for a client who reads the bundle without a browser; ``index.html``
(:mod:`feedcore.demo_html`) says the same with the sample table, schema and
loaders. The column table comes from :func:`feedcore.loaders.fields`, as the
page's field dictionary and the loaders' tables do.
"""

from __future__ import annotations

import json

from feedcore import loaders
from feedcore.config import FeedConfig
from feedcore.control import FILE_KEYS
from feedcore.demo_html import SCHEMA_NAME
from feedcore.poller import SCRIPT_NAME

INDEX_NAME = "index.html"


def readme(
    config: FeedConfig,
    listing: list[tuple[str, int, int | None]],
    *,
    about: str,
    gaps: tuple[str, ...] = (),
) -> str:
    """The README text; ``listing`` is ``(member, bytes, rows or None)`` per feed file."""
    feed, flow = config.feed, config.flow
    location = feed.hostname
    ext = feed.format
    root = f"{feed.path}/" if feed.path else ""
    lines = [
        f"# Data feed sample: {config.client}, flow {flow.id} ({flow.name})",
        "",
        about,
        "",
        f"Open `{INDEX_NAME}` in a browser (it works offline) for the same description with "
        "a sample table, the control file's JSON Schema (also in "
        f"`{SCHEMA_NAME}`), loader snippets for Snowflake, BigQuery and Postgres, and "
        f"`{SCRIPT_NAME}`, a poller that waits for control files.",
        *([""] + [f"Not covered: {gap}." for gap in gaps] if gaps else []),
        "",
        "## Folders",
        "",
        _where(config, root)
        + f" the configured path (`{feed.path or '(none)'}`), then the UTC date of the export."
        f" In this zip the top folder `{location}/` stands for the "
        + ("bucket." if feed.target == "s3" else "SFTP login's root folder.")
        + " Folders are created as needed.",
        "",
        "## File names",
        "",
        f"Data files: `{config.client}_{flow.id}_{{operation}}_{{random}}_{{YmdHMS}}.{ext}` — "
        "`operation` is `add` or `remove`, `random` is 8 hex characters, `YmdHMS` is the "
        "export time (UTC).",
        "",
        "Control files: `control_` + the data file's name, with `.json` for its extension, "
        "in the same folder.",
        "",
        "## Files in this sample",
        "",
        "| File | Rows | Bytes |",
        "|---|---:|---:|",
    ]
    for member, size, count in listing:
        lines.append(f"| `{member}` | {'' if count is None else count} | {size} |")
    lines += ["", *_format_section(config), "", *_columns_section(config), "", *_protocol(config)]
    return "\n".join(lines) + "\n"


def _where(config: FeedConfig, root: str) -> str:
    if config.feed.target == "s3":
        return f"Files are written to `{_url_prefix(config)}/{root}YYYY/MM/DD/`:"
    return (
        f"Files are written to `/{root}YYYY/MM/DD/` under the SFTP login's root on "
        f"`{config.feed.host}` (file URLs: `{_url_prefix(config)}/{root}YYYY/MM/DD/...`):"
    )


def _url_prefix(config: FeedConfig) -> str:
    return f"{config.feed.target}://{config.feed.host}"


def _format_section(config: FeedConfig) -> list[str]:
    fmt = config.feed.format
    body = {
        "csv": "CSV (RFC 4180): a header row, `,` between fields, `\\r\\n` line ends; fields "
        'holding `,`, `"` or a line break are quoted with `"` (quotes doubled). A null is an '
        "empty field.",
        "tsv": 'TSV: as CSV with a tab between fields; fields holding a tab, `"` or a line '
        "break are quoted. A null is an empty field.",
        "jsonl": "JSON Lines: one JSON object per line (`\\n`), keys in column order, values "
        "strings or null; no header.",
    }[fmt]
    return ["## Format", "", f"UTF-8 without BOM. {body}"]


def _columns_section(config: FeedConfig) -> list[str]:
    lines = [
        "## Columns",
        "",
        "| # | Column | Type | Nullable | Meaning |",
        "|---:|---|---|---|---|",
    ]
    for number, f in enumerate(loaders.fields(config), start=1):
        meaning = f.meaning.replace("|", "\\|")
        nullable = "yes" if f.nullable else "no"
        lines.append(f"| {number} | `{f.name}` | {f.kind} | {nullable} | {meaning} |")
    flow = config.flow
    lines += ["", "Rows per contact: one `data_feed` row, then one row per action of the flow"]
    if flow.variants:
        lines[-1] += " for the contact's variant:"
        for variant in flow.variants:
            acts = ", ".join(f"`{a}`" for a in variant.actions) or "no actions"
            lines.append(f"- variant `{variant.name}` (weight {variant.weight:g}): {acts}")
        if flow.actions:
            acts = ", ".join(f"`{a}`" for a in flow.actions)
            lines.append(f"- contacts in no variant: {acts}")
    else:
        acts = ", ".join(f"`{a}`" for a in flow.actions) or "none"
        lines[-1] += f": {acts}."
    if config.feed.condition:
        lines += ["", f"Only contacts for which `{config.feed.condition}` holds are exported."]
    return lines


def _protocol(config: FeedConfig) -> list[str]:
    feed = config.feed
    example = {
        "bucket": feed.host,
        "path": feed.path,
        "file_type": feed.format,
        "file": f"{_url_prefix(config)}/{feed.path + '/' if feed.path else ''}YYYY/MM/DD/"
        f"{config.client}_{config.flow.id}_add_0123abcd_YYYYMMDDHHMMSS.{feed.format}",
        "rows": 123,
        "flow_ID": config.flow.id,
        "flow_name": config.flow.name,
    }
    entry = ",\n".join(f'      "{k}": {_json(example[k])}' for k in FILE_KEYS)
    if feed.target == "s3":
        delivery = (
            "Each data file is uploaded in one PUT (or a multipart upload for large files), "
            "so it appears under its name only when complete."
        )
    else:
        delivery = (
            "Each data file is written to a hidden temporary name in the same folder "
            "(`.NAME.partial`) and renamed when complete, so it appears under its name only "
            "when complete; ignore dot-files."
        )
    return [
        "## Control protocol",
        "",
        delivery,
        "",
        "**Only after** the data file is complete is its control file written. A control "
        "file therefore means its data file is complete and can be loaded: poll for "
        "`control_*.json`, read it, then load the file its `file` URL names.",
        "",
        "A control file is one JSON object:",
        "",
        "```json",
        "{",
        '  "delta": true,',
        '  "file_count": 1,',
        '  "files": [',
        "    {",
        entry,
        "    }",
        "  ]",
        "}",
        "```",
        "",
        "`rows` counts data records (not the header). `delta` is always true and "
        "`file_count` always 1 (reserved for future use). An export with no rows for an "
        "operation writes no file at all.",
    ]


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)
