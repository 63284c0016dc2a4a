"""Control files (FS-5): the JSON object that tells a loader a data file is complete."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from feedcore.config import FeedConfig
from feedcore.naming import file_url

#: FS-5.1: exactly these keys, in this order, in each ``files`` entry.
FILE_KEYS = ("bucket", "path", "file_type", "file", "rows", "flow_ID", "flow_name")
#: FS-5.2 opt-in extension keys.
CHECKSUM_KEYS = ("bytes", "sha256")
TOP_KEYS = ("delta", "file_count", "files")


@dataclass(frozen=True)
class DataFileFacts:
    """What a control file states about its data file."""

    key: str
    rows: int
    size: int
    sha256: str | None


def control_document(config: FeedConfig, facts: DataFileFacts) -> dict[str, Any]:
    feed = config.feed
    entry: dict[str, Any] = {
        "bucket": feed.host,
        "path": feed.path,
        "file_type": feed.format,
        "file": file_url(feed.target, feed.host, facts.key),
        "rows": facts.rows,
        "flow_ID": config.flow.id,
        "flow_name": config.flow.name,
    }
    if feed.control_checksums:
        assert facts.sha256 is not None, "checksums are computed when the config asks"
        entry["bytes"] = facts.size
        entry["sha256"] = facts.sha256
    return {"delta": True, "file_count": 1, "files": [entry]}


def dumps_control(document: dict[str, Any]) -> bytes:
    """UTF-8 JSON; ``allow_nan=False`` so a loader never meets NaN or Infinity."""
    text = json.dumps(document, ensure_ascii=False, allow_nan=False, indent=2)
    return (text + "\n").encode("utf-8")
