"""Names and folders (FS-4): what a key alone says about a file.

Everything here looks only at keys, never at contents, so a listing can be
classified (data, control, temporary, unknown) before any file is read and the
data file a control file announces can be found by name (FS-4.2).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from feedcore import naming, rules
from feedcore.config import FeedConfig
from feedcore.naming import DataName
from feedcore.verify.findings import LONG, Finding, show

Kind = Literal["data", "control", "partial", "unknown", "folder"]


def split_key(key: str) -> tuple[str, str]:
    """(folder, name) of a key; the folder is ``""`` at the root."""
    folder, _, name = key.rpartition("/")
    return folder, name


def path_of(key: str) -> str:
    """The FS-4.3 ``path`` of a key: its folders before ``YYYY/MM/DD`` (``""`` if none)."""
    folders = split_key(key)[0].split("/")
    return "/".join(folders[:-3])


def classify(key: str) -> Kind:
    """Which kind of file a key names; a key ending in ``/`` is an S3 folder marker."""
    name = split_key(key)[1]
    if not name:
        return "folder"
    if naming.PARTIAL_RE.fullmatch(name):
        return "partial"
    if name.startswith("control_"):
        return "control" if naming.CONTROL_NAME_RE.fullmatch(name) else "unknown"
    if naming.DATA_NAME_RE.fullmatch(name):
        return "data"
    return "unknown"


Batch = tuple[str, str, str, str, str]


def batch_of(data_key: str) -> Batch:
    """What the data files of one export share: folder, client, flow id, operation, time.

    Only the random part tells them apart (FS-4.1), so several data files with
    one batch are either a split export (FS-5.2) or a retry gone wrong (FS-6.3).
    """
    folder, name = split_key(data_key)
    m = naming.DATA_NAME_RE.fullmatch(name)
    if m is None:
        return (folder, name, "", "", "")
    return (folder, m["client"], m["flow_id"], m["operation"], m["stamp"])


@dataclass(frozen=True)
class ControlName:
    """The parts of a conformant control file name: its data file's, minus the format."""

    stem: str
    client: str
    flow_id: int
    at: datetime


def unknown_file(key: str) -> Finding:
    name = split_key(key)[1]
    if name.startswith("control_"):
        return Finding(
            "FS-4.2",
            key,
            "not a control file name: expected 'control_' + a data file name (FS-4.1) "
            "with '.json' for its extension",
        )
    return Finding(
        "FS-4.1",
        key,
        "unknown file: the name matches neither a data file "
        "({client}_{flow_id}_{add|remove}_{8 hex}_{YmdHMS}.{csv|tsv|jsonl}) nor a control file",
    )


def leftover_partial(key: str) -> Finding:
    final = naming.PARTIAL_RE.fullmatch(split_key(key)[1])
    target = final.group("name") if final else "?"
    return Finding(
        "FS-6.2",
        key,
        f"leftover temporary file of an upload of {show(target, LONG)} that never completed: "
        "a finished upload is renamed to its final name",
    )


def check_data_name(key: str, config: FeedConfig | None) -> tuple[DataName | None, list[Finding]]:
    """Parse a data file's name (FS-4.1) and check the parts a config fixes."""
    name = split_key(key)[1]
    parsed = naming.parse_data_name(name)
    if parsed is None:
        stamp = name.rsplit("_", 1)[-1].split(".")[0]
        return None, [
            Finding("FS-4.1", key, f"the time {stamp!r} in the name is not a valid date and time")
        ]
    findings = _check_name_parts(key, parsed.client, parsed.flow_id, config)
    if config is not None and parsed.fmt != config.feed.format:
        findings.append(
            Finding(
                "FS-4.1",
                key,
                f"extension .{parsed.fmt} differs from the configured format "
                f"{config.feed.format!r}",
            )
        )
    return parsed, findings


def check_control_name(
    key: str, config: FeedConfig | None
) -> tuple[ControlName | None, list[Finding]]:
    """Parse a control file's name (FS-4.2) and check the parts a config fixes."""
    stem = naming.data_stem_of_control(split_key(key)[1])
    # The stem is a data name without its extension; any valid one parses the parts.
    parsed = naming.parse_data_name(f"{stem}.csv") if stem else None
    if stem is None or parsed is None:
        return None, [
            Finding(
                "FS-4.2",
                key,
                "the time in the name is not a valid date and time (names follow FS-4.1)",
            )
        ]
    findings = _check_name_parts(key, parsed.client, parsed.flow_id, config)
    return ControlName(stem, parsed.client, parsed.flow_id, parsed.at), findings


def _check_name_parts(
    key: str, client: str, flow_id: int, config: FeedConfig | None
) -> list[Finding]:
    findings: list[Finding] = []
    if config is None:
        return findings
    if client != config.client:
        findings.append(
            Finding("FS-4.1", key, f"client {client!r} in the name, expected {config.client!r}")
        )
    if flow_id != config.flow.id:
        findings.append(
            Finding("FS-4.1", key, f"flow id {flow_id} in the name, expected {config.flow.id}")
        )
    return findings


def check_folder(key: str, at: datetime, config: FeedConfig | None) -> list[Finding]:
    """FS-4.3: ``{path}/{YYYY}/{MM}/{DD}`` with the date of the time in the file's name."""
    folder = split_key(key)[0]
    folders = folder.split("/") if folder else []
    date = [f"{at:%Y}", f"{at:%m}", f"{at:%d}"]
    path = path_of(key)
    findings: list[Finding] = []
    if folders[-3:] != date:
        expected = naming.folder(config.feed.path if config else path, at)
        findings.append(
            Finding(
                "FS-4.3",
                key,
                f"is in folder {folder or '(root)'!r}, expected {expected!r}: "
                f"the folder ends with the date in the file name ({at:%Y-%m-%d})",
            )
        )
        return findings
    if config is not None:
        if path != config.feed.path:
            findings.append(
                Finding(
                    "FS-4.3",
                    key,
                    f"path {path!r} differs from the configured path {config.feed.path!r}",
                )
            )
        return findings
    try:
        rules.check_path(path)
    except ValueError as exc:
        findings.append(Finding("FS-4.3", key, f"path {path!r} is not a valid feed path: {exc}"))
    return findings
