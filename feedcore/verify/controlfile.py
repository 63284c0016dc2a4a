"""Control files (FS-5) against their data files.

A control file is what a loader trusts: it says a data file is complete and
how many rows it has. So it is parsed more strictly than ``json.loads`` does by
default: duplicate keys (which a loader may resolve either way) and NaN or
Infinity (not JSON at all) are findings, and every value is compared with the
data file it announces, as :mod:`feedcore.verify.datafile` measured it.
"""

from __future__ import annotations

import json
from typing import Any

from feedcore import naming, rules
from feedcore.config import FeedConfig
from feedcore.control import CHECKSUM_KEYS, FILE_KEYS, TOP_KEYS
from feedcore.verify.datafile import BOM, DataFileReport, json_kind
from feedcore.verify.findings import LONG, Finding, show
from feedcore.verify.layout import ControlName, path_of, split_key
from feedcore.verify.rows import HASHED_ID_RE

_STRING_KEYS = ("bucket", "path", "file_type", "file", "flow_name", "sha256")
_INTEGER_KEYS = ("rows", "flow_ID", "bytes")


class _Duplicate(ValueError):
    pass


def _unique_object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    for key, value in pairs:
        if key in obj:
            raise _Duplicate(f"key {show(key)} appears twice in one object")
        obj[key] = value
    return obj


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number (non-finite numbers are not allowed)")


def parse_control(key: str, data: bytes) -> tuple[Any, list[Finding]]:
    """The control file's JSON value, or None with findings when it cannot be read."""
    findings: list[Finding] = []
    if data.startswith(BOM):
        findings.append(
            Finding("FS-3", key, "starts with a UTF-8 byte order mark: files are UTF-8 without BOM")
        )
        data = data[len(BOM) :]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        findings.append(Finding("FS-3", key, f"not valid UTF-8 at byte {exc.start}: {exc.reason}"))
        return None, findings
    try:
        value = json.loads(text, object_pairs_hook=_unique_object, parse_constant=_reject_constant)
    except json.JSONDecodeError as exc:
        findings.append(
            Finding(
                "FS-5.1",
                key,
                f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}",
            )
        )
        return None, findings
    except ValueError as exc:  # a duplicate key or a non-finite number
        findings.append(Finding("FS-5.1", key, f"not a valid control file: {exc}"))
        return None, findings
    return value, findings


def check_control_file(
    key: str,
    data: bytes,
    name: ControlName,
    data_file: DataFileReport | None,
    config: FeedConfig | None = None,
) -> list[Finding]:
    """Check a control file's bytes; ``data_file`` is its data file (None: missing)."""
    document, findings = parse_control(key, data)
    if document is None:
        return findings
    if not isinstance(document, dict):
        findings.append(
            Finding("FS-5.1", key, f"is a JSON {json_kind(document)}, expected an object")
        )
        return findings
    findings += _exact_keys(key, "the control object", document, TOP_KEYS, ())
    if "delta" in document and document["delta"] is not True:
        findings.append(
            Finding("FS-5.1", key, f"delta is {_json(document['delta'])}, expected true")
        )
    if "file_count" in document and not _is_int(document["file_count"], 1):
        findings.append(
            Finding("FS-5.1", key, f"file_count is {_json(document['file_count'])}, expected 1")
        )
    files = document.get("files")
    if "files" not in document:
        return findings
    if not isinstance(files, list) or len(files) != 1:
        found = f"{len(files)} entries" if isinstance(files, list) else f"a JSON {json_kind(files)}"
        findings.append(
            Finding("FS-5.1", key, f"files is {found}, expected an array of exactly one object")
        )
    if isinstance(files, list) and files:
        entry = files[0]
        if isinstance(entry, dict):
            findings += _EntryCheck(key, entry, name, data_file, config).run()
        else:
            findings.append(
                Finding("FS-5.1", key, f"files[0] is a JSON {json_kind(entry)}, expected an object")
            )
    return findings


class _EntryCheck:
    """The ``files[0]`` object: keys, types, and values against the data file."""

    def __init__(
        self,
        key: str,
        entry: dict[str, Any],
        name: ControlName,
        data_file: DataFileReport | None,
        config: FeedConfig | None,
    ) -> None:
        self.key = key
        self.entry = entry
        self.name = name
        self.data_file = data_file
        self.config = config
        self.findings: list[Finding] = []

    def problem(self, message: str, rule: str = "FS-5.1") -> None:
        self.findings.append(Finding(rule, self.key, message))

    def run(self) -> list[Finding]:
        entry = self.entry
        self.findings += _exact_keys(self.key, "files[0]", entry, FILE_KEYS, CHECKSUM_KEYS)
        for k in _STRING_KEYS:
            if k in entry and not isinstance(entry[k], str):
                self.problem(f"files[0].{k} is {_json(entry[k])}, expected a string")
        for k in _INTEGER_KEYS:
            if k in entry and not _is_int(entry[k]):
                self.problem(f"files[0].{k} is {_json(entry[k])}, expected a whole number")
        self._config_values()
        self._file_type()
        self._path()
        self._url()
        self._counts()
        self._flow()
        self._checksums()
        return self.findings

    def _get(self, k: str, kind: type) -> Any:
        """The entry's value for ``k`` if present and of the right type, else None."""
        value = self.entry.get(k)
        if kind is int:
            return value if _is_int(value) else None
        return value if isinstance(value, kind) else None

    def _config_values(self) -> None:
        if self.config is None:
            return
        feed = self.config.feed
        for k, expected in (("bucket", feed.host), ("file_type", feed.format)):
            value = self._get(k, str)
            if value is not None and value != expected:
                self.problem(f"{k} is {show(value)}, expected {expected!r} as configured")

    def _file_type(self) -> None:
        value = self._get("file_type", str)
        if value is None:
            return
        if value not in naming.FORMATS:
            self.problem(f"file_type is {show(value)}, expected one of csv, tsv, jsonl")
        elif self.data_file is not None and value != self.data_file.name.fmt:
            self.problem(
                f"file_type is {value!r}, but the data file's extension is "
                f".{self.data_file.name.fmt}"
            )

    def _path(self) -> None:
        value = self._get("path", str)
        if self.config is not None:
            expected, why = self.config.feed.path, "as configured"
        else:
            expected, why = path_of(self.key), "the path of the folder it is in"
        if value is not None and value != expected:
            self.problem(f"path is {show(value, LONG)}, expected {expected!r}, {why}")

    def _data_key(self) -> str | None:
        if self.data_file is not None:
            return self.data_file.key
        file_type = self._get("file_type", str)
        if file_type not in naming.FORMATS:
            return None
        folder = split_key(self.key)[0]
        return naming.join_key(folder, f"{self.name.stem}.{file_type}")

    def _url(self) -> None:
        url = self._get("file", str)
        bucket = self._get("bucket", str)
        data_key = self._data_key()
        if url is None or bucket is None or data_key is None:
            return
        if self.config is not None:
            feed = self.config.feed
            expected = naming.file_url(feed.target, feed.host, data_key)
            if url != expected:
                self.problem(f"file is {show(url, LONG)}, expected {expected!r}", "FS-4.4")
            return
        allowed = [naming.file_url(t, bucket, data_key) for t in ("s3", "sftp")]
        if url not in allowed:
            self.problem(
                f"file is {show(url, LONG)}, expected {allowed[0]!r} or {allowed[1]!r} "
                "(the entry's bucket and the data file's key)",
                "FS-4.4",
            )
            return
        target = "s3" if url.startswith("s3://") else "sftp"
        try:
            rules.check_host(bucket, target)
        except ValueError as exc:
            self.problem(f"bucket is not a valid {target} host: {exc}")

    def _counts(self) -> None:
        """``rows`` against the verifier's count, and against a stdlib reader's (reread.py)."""
        rows = self._get("rows", int)
        data = self.data_file
        if rows is None or data is None:
            return
        if data.countable and rows != data.rows:
            self.problem(f"rows is {rows}, but the data file has {data.rows} records")
        elif data.reread is not None and not data.reread.matches(rows):
            self.problem(f"rows is {rows}, but {data.reread.describe()}")

    def _flow(self) -> None:
        flow_id = self._get("flow_ID", int)
        if flow_id is not None and flow_id != self.name.flow_id:
            self.problem(f"flow_ID is {flow_id}, but the file name says {self.name.flow_id}")
        flow_name = self._get("flow_name", str)
        if flow_name is None:
            return
        if self.config is not None:
            if flow_name != self.config.flow.name:
                self.problem(
                    f"flow_name is {show(flow_name)}, expected {self.config.flow.name!r} "
                    "as configured"
                )
        elif self.data_file is not None and self.data_file.flow_name not in (None, flow_name):
            self.problem(
                f"flow_name is {show(flow_name)}, but the data file's rows say "
                f"{show(self.data_file.flow_name)}"
            )

    def _checksums(self) -> None:
        entry = self.entry
        present = [k for k in CHECKSUM_KEYS if k in entry]
        wanted = self.config.feed.control_checksums if self.config is not None else None
        if wanted is False and present:
            self.problem(
                f"has {' and '.join(present)}, but the config leaves control_checksums off "
                "(strict consumers expect exactly the FS-5.1 keys)",
                "FS-5.2",
            )
        elif wanted and len(present) < len(CHECKSUM_KEYS):
            self.problem(
                "lacks bytes and sha256, but the config turns control_checksums on", "FS-5.2"
            )
        if len(present) == 1:
            self.problem(f"has {present[0]} alone: bytes and sha256 come as a pair", "FS-5.2")
        sha = self._get("sha256", str)
        if sha is not None and not HASHED_ID_RE.fullmatch(sha):
            self.problem("sha256 is not 64 lowercase hex characters", "FS-5.2")
        data = self.data_file
        if data is None:
            return
        size = self._get("bytes", int)
        if size is not None and size != data.size:
            self.problem(f"bytes is {size}, but the data file has {data.size} bytes", "FS-5.2")
        if sha is not None and HASHED_ID_RE.fullmatch(sha) and sha != data.sha256:
            self.problem("sha256 differs from the data file's SHA-256", "FS-5.2")


def _exact_keys(
    key: str, where: str, obj: dict[str, Any], required: tuple[str, ...], optional: tuple[str, ...]
) -> list[Finding]:
    missing = [k for k in required if k not in obj]
    extra = [k for k in obj if k not in required and k not in optional]
    findings = []
    if missing:
        findings.append(Finding("FS-5.1", key, f"{where} lacks {', '.join(map(repr, missing))}"))
    if extra:
        findings.append(
            Finding(
                "FS-5.1",
                key,
                f"{where} has unexpected key(s) {', '.join(show(k) for k in extra)}: "
                f"expected exactly {', '.join(required)}",
            )
        )
    return findings


def _is_int(value: Any, equal: int | None = None) -> bool:
    """A JSON integer (``true`` is not one, though Python's bool is an int)."""
    ok = isinstance(value, int) and not isinstance(value, bool)
    return ok and (equal is None or value == equal)


def _json(value: Any) -> str:
    """A control value as JSON text, for messages (shortened; identifiers hidden)."""
    if isinstance(value, str):
        return show(value)
    text = json.dumps(value, ensure_ascii=False)
    if "@" in text:
        return show("@")
    return text if len(text) <= 40 else text[:37] + "..."
