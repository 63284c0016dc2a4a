"""Walking a feed location: every file under it, paired and checked (FS-4, FS-6).

A location is anything with a sink's ``list(prefix)`` and ``read(key)``: a
local folder, a bucket, an SFTP login, or the in-memory sink of a test. The
walk lists keys first (names are enough to pair data and control files and to
see which data files belong to one export), then reads one file at a time,
keeping only each data file's small report until its control file is checked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from feedcore import naming
from feedcore.config import FeedConfig
from feedcore.sinks.base import ObjectInfo
from feedcore.targets import TargetSpec, open_sink
from feedcore.verify import layout
from feedcore.verify.controlfile import check_control_file
from feedcore.verify.datafile import DataFileReport, check_data_file
from feedcore.verify.findings import Finding


class Location(Protocol):
    """The read side of a :class:`~feedcore.sinks.base.Sink`."""

    def list(self, prefix: str = "") -> Iterable[ObjectInfo]: ...

    def read(self, key: str) -> bytes: ...


@dataclass
class LocationReport:
    """What a walk found: the findings, and how many files it looked at."""

    findings: list[Finding] = field(default_factory=list)
    files: int = 0


@dataclass
class _Listing:
    """A listing's keys by kind, with the pairings names imply."""

    data: list[str] = field(default_factory=list)
    controls: list[str] = field(default_factory=list)
    partials: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    batches: dict[layout.Batch, int] = field(default_factory=dict)

    @classmethod
    def of(cls, infos: Iterable[ObjectInfo]) -> _Listing:
        listing = cls()
        for info in infos:
            kind = layout.classify(info.key)
            if kind == "data":
                listing.data.append(info.key)
                batch = layout.batch_of(info.key)
                listing.batches[batch] = listing.batches.get(batch, 0) + 1
            elif kind == "control":
                listing.controls.append(info.key)
            elif kind == "partial":
                listing.partials.append(info.key)
            elif kind == "unknown":
                listing.unknown.append(info.key)
        listing.data.sort()
        listing.controls.sort()
        return listing

    @property
    def files(self) -> int:
        return len(self.data) + len(self.controls) + len(self.partials) + len(self.unknown)

    def data_of(self, control_key: str) -> list[str]:
        """The data files a control file announces by its name (FS-4.2): one, normally."""
        return [key for key in self.data if control_key_of(key) == control_key]


def control_key_of(data_key: str) -> str:
    folder, name = layout.split_key(data_key)
    return naming.join_key(folder, naming.control_file_name(name))


def _listing_prefix(prefix: str) -> str:
    """A prefix names a folder: ``exports`` must not also match ``exports-old/...``."""
    prefix = prefix.strip("/")
    return f"{prefix}/" if prefix else ""


def walk_location(
    location: Location, prefix: str = "", config: FeedConfig | None = None
) -> LocationReport:
    """Check every file under ``prefix`` (a folder; ``""`` is the whole location)."""
    listing = _Listing.of(location.list(_listing_prefix(prefix)))
    report = LocationReport(files=listing.files)
    findings = report.findings
    findings += [layout.leftover_partial(key) for key in listing.partials]
    findings += [layout.unknown_file(key) for key in listing.unknown]

    reports: dict[str, DataFileReport] = {}
    controls = set(listing.controls)
    for key in listing.data:
        data_report, found = _check_data(location, key, listing, config)
        findings += found
        if data_report is not None:
            reports[key] = data_report
        if control_key_of(key) not in controls:
            findings.append(
                Finding(
                    "FS-6.1",
                    key,
                    f"has no control file: expected {control_key_of(key)!r} "
                    "(a loader only picks up data files a control file announces)",
                )
            )
    # Built from the listing, not from a dict lookup per control file, so a
    # control file announcing several data files (csv and tsv of one name) is seen.
    announced: dict[str, list[str]] = {}
    for key in listing.data:
        announced.setdefault(control_key_of(key), []).append(key)
    for key in listing.controls:
        findings += _check_control(location, key, announced.get(key, []), reports, config)
    # By key, so a file's findings read together (the sort is stable: in-file order stays).
    findings.sort(key=lambda finding: finding.key)
    return report


def _check_data(
    location: Location, key: str, listing: _Listing, config: FeedConfig | None
) -> tuple[DataFileReport | None, list[Finding]]:
    name, findings = layout.check_data_name(key, config)
    if name is None:
        return None, findings
    findings += layout.check_folder(key, name.at, config)
    siblings = listing.batches.get(layout.batch_of(key), 1)
    max_rows = config.feed.max_rows_per_file if config is not None else None
    if siblings > 1 and config is not None and max_rows is None:
        findings.append(
            Finding(
                "FS-6.3",
                key,
                f"one of {siblings} data files of one export (same folder, client, flow, "
                "operation and time): without max_rows_per_file an export writes one per "
                "operation, and a retry reuses its names",
            )
        )
    data_report = check_data_file(key, location.read(key), name, config)
    findings += data_report.findings
    if max_rows is not None and data_report.rows > max_rows:
        findings.append(
            Finding(
                "FS-5.2",
                key,
                f"has {data_report.rows} records, but max_rows_per_file is {max_rows}",
            )
        )
    return data_report, findings


def _check_control(
    location: Location,
    key: str,
    data_keys: list[str],
    reports: dict[str, DataFileReport],
    config: FeedConfig | None,
) -> list[Finding]:
    """A control file's name, folder and contents, against the data files it announces."""
    name, findings = layout.check_control_name(key, config)
    if name is None:
        return findings
    findings += layout.check_folder(key, name.at, config)
    if len(data_keys) > 1:
        findings.append(
            Finding(
                "FS-4.2",
                key,
                f"announces {len(data_keys)} data files by its name "
                f"({', '.join(data_keys)}): one data file per control file",
            )
        )
    if not data_keys:
        folder = layout.split_key(key)[0]
        exts = [config.feed.format] if config is not None else list(naming.FORMATS)
        expected = " or ".join(repr(naming.join_key(folder, f"{name.stem}.{ext}")) for ext in exts)
        findings.append(
            Finding(
                "FS-6.1",
                key,
                f"orphan control file: its data file {expected} does not exist "
                "(a control file is written only after its data file)",
            )
        )
    data_report = reports.get(data_keys[0]) if data_keys else None
    return findings + check_control_file(key, location.read(key), name, data_report, config)


def verify_location(
    location: Location | TargetSpec, prefix: str = "", config: FeedConfig | None = None
) -> list[Finding]:
    """Every finding for the files under ``prefix`` (empty when the location conforms).

    ``location`` is a sink (or anything that lists and reads like one), or a
    target spec: then a sink is opened on it for the walk and closed after.
    """
    if isinstance(location, TargetSpec):
        with open_sink(location) as sink:
            return walk_location(sink, prefix, config).findings
    return walk_location(location, prefix, config).findings


@dataclass
class DeliveryReport:
    """One delivery's verdict: the findings, and the data file that was checked."""

    findings: list[Finding] = field(default_factory=list)
    #: The data file the control file announces (None: there is none).
    data_key: str | None = None
    #: Its records as counted by the checker (None: not counted, e.g. unparsable).
    rows: int | None = None


def check_delivery(
    location: Location, control_key: str, config: FeedConfig | None = None
) -> DeliveryReport:
    """Whether one delivery passes: a control file, and the data file it announces.

    Findings about that data file are included (a control file announcing a
    broken file does not pass). Only its folder is listed, to pair names and
    to see whether the data file belongs to a split export; no other file is read.
    """
    if layout.classify(control_key) != "control":
        return DeliveryReport([layout.unknown_file(control_key)])
    folder = layout.split_key(control_key)[0]
    listing = _Listing.of(
        info
        for info in location.list(_listing_prefix(folder))
        if layout.split_key(info.key)[0] == folder
    )
    data_keys = listing.data_of(control_key)
    report = DeliveryReport(data_key=data_keys[0] if data_keys else None)
    reports: dict[str, DataFileReport] = {}
    if data_keys:
        data_report, report.findings = _check_data(location, data_keys[0], listing, config)
        if data_report is not None:
            reports[data_keys[0]] = data_report
            report.rows = data_report.rows if data_report.countable else None
    report.findings += _check_control(location, control_key, data_keys, reports, config)
    return report


def verify_control(
    location: Location, control_key: str, config: FeedConfig | None = None
) -> list[Finding]:
    """The findings of :func:`check_delivery` (empty when the delivery passes)."""
    return check_delivery(location, control_key, config).findings
