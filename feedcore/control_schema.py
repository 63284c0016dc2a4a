"""The JSON Schema (draft 2020-12) of a control file: FS-5.1, with FS-5.2's optional keys.

Built from the key lists in :mod:`feedcore.control`, so the schema and the
writer name the same keys. A strict FS-5.1 consumer sees exactly the required
keys; ``bytes`` and ``sha256`` appear only when the feed opts in (FS-5.2).
``max_rows_per_file`` (also FS-5.2) is a feed setting, not a control-file key:
a split export writes one control file per data file, each of this shape.
"""

from __future__ import annotations

import json
from typing import Any

from feedcore import naming
from feedcore.control import CHECKSUM_KEYS, FILE_KEYS, TOP_KEYS

SCHEMA_ID = "https://feedlab.invalid/schemas/control-file-v1.json"


def control_schema() -> dict[str, Any]:
    """A fresh schema document (callers may change their copy)."""
    entry: dict[str, Any] = {
        "bucket": {
            "type": "string",
            "minLength": 1,
            "description": "the host as configured: S3 bucket or SFTP host[:port]",
        },
        "path": {"type": "string", "description": "the path as configured (may be empty)"},
        "file_type": {"enum": ["csv", "tsv", "jsonl"], "description": "the data file's format"},
        "file": {
            "type": "string",
            "pattern": r"^(s3|sftp)://[^/]+/.+\.(csv|tsv|jsonl)$",
            "description": "FS-4.4 URL of the data file this control file announces",
        },
        "rows": {
            "type": "integer",
            "minimum": 1,
            "description": "data records in the file (a CSV/TSV header is not counted)",
        },
        "flow_ID": {"type": "integer", "minimum": 1, "description": "the flow's id"},
        "flow_name": {"type": "string", "minLength": 1, "description": "the flow's name"},
        "bytes": {
            "type": "integer",
            "minimum": 1,
            "description": "FS-5.2 (opt-in): size of the data file in bytes",
        },
        "sha256": {
            "type": "string",
            "pattern": "^[0-9a-f]{64}$",
            "description": "FS-5.2 (opt-in): lowercase hex SHA-256 of the data file",
        },
    }
    assert set(entry) == set(FILE_KEYS) | set(CHECKSUM_KEYS)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "feedlab data feed control file (FS-5.1, FS-5.2)",
        "description": (
            "Written after its data file is complete (FS-6.1): a loader that sees it "
            f"can load the file its 'file' URL names. Name: {naming.CONTROL_NAME_RE.pattern}"
        ),
        "type": "object",
        "required": list(TOP_KEYS),
        "additionalProperties": False,
        "properties": {
            "delta": {"const": True, "description": "always true"},
            "file_count": {"const": 1, "description": "always 1: one data file per control file"},
            "files": {
                "type": "array",
                "minItems": 1,
                "maxItems": 1,
                "items": {
                    "type": "object",
                    "required": list(FILE_KEYS),
                    "dependentRequired": {"bytes": ["sha256"], "sha256": ["bytes"]},
                    "additionalProperties": False,
                    "properties": {key: entry[key] for key in (*FILE_KEYS, *CHECKSUM_KEYS)},
                },
            },
        },
    }


def dumps_schema() -> str:
    """The schema as the bundle ships it (2-space indent, trailing newline)."""
    return json.dumps(control_schema(), indent=2, ensure_ascii=False) + "\n"
