"""The app's target service: it delivers, lists, reads and previews through the core sinks,
and a control file's checks are ``feedlab verify``'s findings (FS-5, FS-6.1, FS-8)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from feedcore.config import FeedConfig, load_config
from feedcore.events import Event
from feedcore.sinks.base import Payload
from feedcore.sinks.s3 import S3Sink
from feedcore.sinks.sftp import SFTPSink
from feedcore.verify import verify_control
from feedcore.writer import BatchResult, FeedWriter
from tests.tui.conftest import HASHED, WELCOME
from tui.services.checks import check_control
from tui.services.targets import FileRef, MockTargets

AT = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def targets() -> Iterator[MockTargets]:
    service = MockTargets()
    service.start()
    yield service
    service.stop()


def _export(targets: MockTargets, config: FeedConfig, pad: int = 0) -> BatchResult:
    attributes = {"plan": "pro", "first_name": "Zoë" + "x" * pad}
    events = [Event("enter", f"c{i}@example.com", None, attributes) for i in range(40)]
    return FeedWriter(config, targets.sink_for(config), seed=3).export(events, at=AT)


def _refs(targets: MockTargets, config: FeedConfig, result: BatchResult) -> tuple[FileRef, ...]:
    (file,) = result.files
    server = config.feed.target
    bucket = config.feed.host if server == "s3" else ""
    return FileRef(server, bucket, file.data_key), FileRef(server, bucket, file.control_key)


@pytest.mark.parametrize(("fixture", "sink_type"), [(WELCOME, S3Sink), (HASHED, SFTPSink)])
def test_the_app_lists_reads_and_previews_through_the_core_sinks(
    targets: MockTargets, fixture: object, sink_type: type
) -> None:
    targets.clear()
    config = load_config(fixture)  # type: ignore[arg-type]
    result = _export(targets, config, pad=2000)  # ~80 KB of rows
    data, control = _refs(targets, config, result)
    assert isinstance(targets.location(data), sink_type)
    assert sorted(targets.listing()) == sorted([data, control])
    whole, cut = targets.read(data)
    assert not cut and len(whole) == result.files[0].size
    head, cut = targets.read(data, 1000)
    assert cut and head == whole[:1000]
    assert targets.read(control, 10**6) == (targets.read(control)[0], False)
    assert targets.exists(data) and not targets.exists(FileRef(data.server, data.bucket, "nope"))


@pytest.mark.parametrize("fixture", [WELCOME, HASHED])
def test_fs8_a_good_delivery_shows_verifys_verdict(targets: MockTargets, fixture: object) -> None:
    targets.clear()
    config = load_config(fixture)  # type: ignore[arg-type]
    result = _export(targets, config)
    data, control = _refs(targets, config, result)
    checks = check_control(targets, control, config)
    assert [c.ok for c in checks] == [True, True]
    rows = result.files[0].rows
    assert checks[0].text == f"data file {data.name}: {rows} records, as the control file says"
    assert checks[1].text == "feedlab verify: conformant to the config"


def test_fs5_1_a_lying_control_file_shows_exactly_verifys_findings(targets: MockTargets) -> None:
    targets.clear()
    config = load_config(HASHED)
    _, control = _refs(targets, config, _export(targets, config))
    document = json.loads(targets.read(control)[0])
    document["files"][0]["rows"] += 1
    document["files"][0]["flow_ID"] = 99
    root = targets.sftp.root  # type: ignore[union-attr]
    (root / control.key).write_bytes(json.dumps(document).encode())

    checks = check_control(targets, control, config)
    findings = verify_control(targets.location(control), control.key, config)
    assert len(findings) >= 2
    assert [(c.ok, c.rule, c.text) for c in checks] == [
        (False, f.rule, f.message) for f in findings
    ]
    assert {"FS-5.1"} <= {c.rule for c in checks}


def test_findings_about_the_data_file_name_it(targets: MockTargets) -> None:
    targets.clear()
    config = load_config(HASHED)
    data, control = _refs(targets, config, _export(targets, config))
    sink = targets.location(data)
    sink.put(data.key, Payload.from_bytes(b"not,a,jsonl,file\n"))
    checks = check_control(targets, control, config)
    assert not any(c.ok for c in checks)
    assert any(c.text.startswith(f"{data.name}: ") for c in checks)
