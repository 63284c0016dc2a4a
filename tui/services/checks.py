"""Does a delivered control file tell the truth about its data file? (FS-5, FS-6.1)

The preview shows these checks line by line: the data file is present, its
record count is the control file's ``rows``, its URL is the FS-4.4 URL of where
it really is, and the other fields are what the config fixes. Then
``feedcore.verify.verify_control`` (what ``feedlab verify`` runs) gives its verdict
on the pair, against the current config when it is valid.
"""

from __future__ import annotations

from typing import Any

from feedcore import naming
from feedcore.config import FeedConfig
from feedcore.control import CHECKSUM_KEYS, FILE_KEYS, TOP_KEYS
from feedcore.errors import FeedError
from tui.services.preview import Check, count_records
from tui.services.targets import FileRef, MockTargets


def data_ref_of(ref: FileRef, document: Any) -> FileRef | None:
    """The data file a control file is about (by name, FS-4.2; type from ``file_type``)."""
    stem = naming.data_stem_of_control(ref.name)
    entry = _entry(document)
    if stem is None:
        return None
    ext = entry.get("file_type") if isinstance(entry.get("file_type"), str) else None
    if ext not in ("csv", "tsv", "jsonl"):
        url = entry.get("file")
        ext = url.rpartition(".")[2] if isinstance(url, str) else "csv"
    name = f"{stem}.{ext}"
    return FileRef(ref.server, ref.bucket, naming.join_key(ref.folder, name))


def check_control(
    targets: MockTargets, ref: FileRef, document: Any, config: FeedConfig | None
) -> list[Check]:
    if not isinstance(document, dict):
        return [Check(False, "not a JSON object", "FS-5.1")]
    checks: list[Check] = [_shape(document, config)]
    entry = _entry(document)
    data_ref = data_ref_of(ref, document)
    if data_ref is None:
        return [*checks, Check(False, f"{ref.name} is not a control file name", "FS-4.2")]
    present = targets.exists(data_ref)
    shown = "data file present" if present else f"data file {data_ref.name} missing"
    checks.append(Check(present, shown, "FS-6.1"))
    fmt = entry.get("file_type")
    if present and fmt in ("csv", "tsv", "jsonl"):
        data, _ = targets.read(data_ref)
        rows = count_records(data, str(fmt))
        stated = entry.get("rows")
        if stated == rows:
            checks.append(Check(True, f"rows {rows:,} = records in the data file", "FS-5.1"))
        else:
            text = f"rows {stated!r}, but the data file has {rows:,} records"
            checks.append(Check(False, text, "FS-5.1"))
    checks.append(_url(ref, data_ref, entry, config))
    if config is not None:
        checks.extend(_config_fields(entry, config))
    return checks + _verify(targets, ref, config)


def _entry(document: Any) -> dict[str, Any]:
    files = document.get("files") if isinstance(document, dict) else None
    if isinstance(files, list) and files and isinstance(files[0], dict):
        return files[0]
    return {}


def _shape(document: dict[str, Any], config: FeedConfig | None) -> Check:
    entry = _entry(document)
    allowed = set(FILE_KEYS) | (
        set(CHECKSUM_KEYS) if config and config.feed.control_checksums else set()
    )
    top_ok = tuple(document) == TOP_KEYS and document.get("delta") is True
    count_ok = document.get("file_count") == 1 and len(document.get("files") or ()) == 1
    keys_ok = set(entry) <= allowed and set(FILE_KEYS) <= set(entry)
    ok = top_ok and count_ok and keys_ok
    return Check(ok, "keys and shape as specified" if ok else "keys or shape differ", "FS-5.1")


def _url(
    ref: FileRef, data_ref: FileRef, entry: dict[str, Any], config: FeedConfig | None
) -> Check:
    host = config.feed.host if config is not None and config.feed.target == ref.server else None
    host = host or str(entry.get("bucket", ""))
    expected = naming.file_url(ref.server, host, data_ref.key)
    stated = entry.get("file")
    if stated == expected:
        return Check(True, "file URL is where the data file is", "FS-4.4")
    return Check(False, f"file URL {stated!r}, expected {expected}", "FS-4.4")


def _config_fields(entry: dict[str, Any], config: FeedConfig) -> list[Check]:
    feed, flow = config.feed, config.flow
    wanted = {
        "bucket": feed.host,
        "path": feed.path,
        "file_type": feed.format,
        "flow_ID": flow.id,
        "flow_name": flow.name,
    }
    wrong = [k for k, v in wanted.items() if entry.get(k) != v]
    if not wrong:
        return [Check(True, "bucket, path, type and flow match the config", "FS-5.1")]
    return [Check(False, f"{', '.join(wrong)} differ from the config", "FS-5.1")]


def _verify(targets: MockTargets, ref: FileRef, config: FeedConfig | None) -> list[Check]:
    """The conformance checker's verdict on this delivery (control + data file)."""
    from feedcore.verify import verify_control

    try:
        findings = verify_control(targets.location(ref), ref.key, config)
    except (FeedError, OSError, ValueError) as exc:
        return [Check(False, f"feedlab verify could not run: {exc}", "FS-8")]
    if not findings:
        return [Check(True, "feedlab verify: conformant", "FS-8")]
    return [Check(False, f"feedlab verify: {f.message}", f.rule) for f in findings]
