"""FS-6.3: after any single fault, a retried export reuses its names.

Each case injects one fault kind on one target, exports a batch through the
writer (whose retry policy never sleeps here), then reruns the same batch, as a
new process would through the batch journal (same export time and random
parts). Whatever happened in between, the target must then hold exactly one data
file and one control file per operation, byte-identical to a fault-free export,
no ``.partial`` file and no incomplete multipart upload. Every case is a row of
the fault matrix (``docs/reliability.md``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from reliability_support import (
    AT,
    ATTEMPTS,
    SEED,
    Audit,
    FaultMatrix,
    S3Target,
    SFTPTarget,
    audit,
    expected_contacts,
    make_events,
    publish_args,
    reference_files,
    retry_events,
    run_feedlab,
    write_inputs,
    writer,
)

from feedcore.errors import SinkError
from feedcore.sinks.base import SinkEvent
from feedcore.verify.layout import classify
from mock_targets.faults import (
    DenyRename,
    DropConnection,
    Fault,
    NoSpace,
    S3Fail,
    SFTPMode,
    Stall,
)
from mock_targets.proxy import TCPProxy
from mock_targets.reports import Operation
from mock_targets.sftp import FeedSFTPServer, SFTPRequest

EVENTS = make_events(batch=1, enters=8, exits=3)


@dataclass(frozen=True)
class Case:
    """One fault matrix row: a fault, and whether the writer's retries absorb it."""

    id: str
    description: str
    make: Callable[[], Fault | None]
    retried: bool  # True: the first run succeeds after retries; False: it fails, the rerun heals
    sink: dict[str, object] | None = None
    #: For faults outside the FaultPlan (the TCP proxy): arm(target) -> a counter of firings.
    arm: Callable[[Any], Callable[[], int]] | None = None


class _CutWhenDataOpens(SFTPMode):
    """Arms the proxy when the data file is opened, so the reset lands 1 KiB into it."""

    def __init__(self, proxy: TCPProxy) -> None:
        super().__init__(times=1)
        self.proxy = proxy

    def before(self, request: SFTPRequest, session: FeedSFTPServer) -> None:
        if request.op == "open" and self.applies_to(request.key) and self.claim():
            self.proxy.cut_after(self.proxy.bytes_up + 1024)


def _sftp_cut(target: SFTPTarget) -> Callable[[], int]:
    proxy = target.use_proxy()
    target.faults.add(_CutWhenDataOpens(proxy))
    return lambda: proxy.cuts


SFTP_CASES = [
    Case(
        "drop-mid-data",
        "connection dropped after 1 KiB of the data file",
        lambda: DropConnection(after_bytes=1024),
        retried=True,
    ),
    Case(
        "drop-mid-control",
        "connection dropped while writing the control file",
        lambda: DropConnection(after_bytes=0, files="control"),
        retried=True,
    ),
    Case(
        "drop-every-attempt",
        f"connection dropped on all {ATTEMPTS} attempts (retries exhausted)",
        lambda: DropConnection(after_bytes=1024, times=ATTEMPTS),
        retried=False,
    ),
    Case(
        "no-space-mid-data",
        'FX_FAILURE "No space left" at 1 KiB of the data file',
        lambda: NoSpace(at_bytes=1024),
        retried=False,
    ),
    Case(
        "no-space-control",
        'FX_FAILURE "No space left" writing the control file',
        lambda: NoSpace(at_bytes=0, files="control"),
        retried=False,
    ),
    Case(
        "deny-rename-data",
        "rename of the finished data file denied",
        lambda: DenyRename(),
        retried=False,
    ),
    Case(
        "deny-rename-control",
        "rename of the finished control file denied",
        lambda: DenyRename(files="control"),
        retried=False,
    ),
    Case(
        "tcp-reset-mid-data",
        "TCP connection reset 1 KiB into the data file (proxy)",
        lambda: None,
        retried=True,
        arm=_sftp_cut,
    ),
    Case(
        "stall-data-write",
        "a data write stalls past the client's request timeout",
        lambda: Stall("write", at_bytes=1024),
        retried=True,
        sink={"timeout": 2.0},
    ),
    Case(
        "stall-control-open",
        "opening the control file stalls past the client's request timeout",
        lambda: Stall("open", files="control"),
        retried=True,
        sink={"timeout": 2.0},
    ),
]


def _cut(after: int, times: int = 1) -> Callable[[S3Target], Callable[[], int]]:
    def arm(target: S3Target) -> Callable[[], int]:
        target.proxy.cut_after(after, times=times)
        return lambda: target.proxy.cuts

    return arm


S3_CASES = [
    Case(
        "put-500",
        "PutObject of the data file answers 500 InternalError",
        lambda: S3Fail(["PutObject"], "500"),
        retried=True,
        sink={"multipart_threshold": 8 * 1024 * 1024},
    ),
    Case(
        "put-503-slowdown",
        "PutObject of the data file answers 503 SlowDown",
        lambda: S3Fail(["PutObject"], "503"),
        retried=True,
        sink={"multipart_threshold": 8 * 1024 * 1024},
    ),
    Case(
        "put-throttling",
        "PutObject of the data file answers 400 Throttling",
        lambda: S3Fail(["PutObject"], "throttling"),
        retried=True,
        sink={"multipart_threshold": 8 * 1024 * 1024},
    ),
    Case(
        "control-put-503",
        "PutObject of the control file answers 503 SlowDown",
        lambda: S3Fail(["PutObject"], "503", files="control"),
        retried=True,
    ),
    Case(
        "put-503-every-attempt",
        f"PutObject answers 503 on all {ATTEMPTS} attempts (retries exhausted)",
        lambda: S3Fail(["PutObject"], "503", times=ATTEMPTS),
        retried=False,
        sink={"multipart_threshold": 8 * 1024 * 1024},
    ),
    Case(
        "create-multipart-500",
        "CreateMultipartUpload answers 500",
        lambda: S3Fail(["CreateMultipartUpload"], "500"),
        retried=True,
    ),
    Case(
        "upload-part-503",
        "UploadPart answers 503 SlowDown (upload aborted, restarted)",
        lambda: S3Fail(["UploadPart"], "503"),
        retried=True,
    ),
    Case(
        "upload-part-503-botocore",
        "UploadPart answers 503; botocore resends the part itself (max_attempts=3)",
        lambda: S3Fail(["UploadPart"], "503"),
        retried=True,
        sink={"max_attempts": 3},
    ),
    Case(
        "complete-multipart-503",
        "CompleteMultipartUpload answers 503 (upload aborted, restarted)",
        lambda: S3Fail(["CompleteMultipartUpload"], "503"),
        retried=True,
    ),
    Case(
        "complete-multipart-every-attempt",
        f"CompleteMultipartUpload answers 500 on all {ATTEMPTS} attempts",
        lambda: S3Fail(["CompleteMultipartUpload"], "500", times=ATTEMPTS),
        retried=False,
    ),
    Case(
        "tcp-reset-mid-part",
        "TCP connection reset after 1 KiB of an UploadPart body (proxy)",
        lambda: None,
        retried=True,
        arm=_cut(1024 + 512),
    ),
    Case(
        "tcp-reset-mid-put",
        "TCP connection reset after 1 KiB of a PutObject body (proxy)",
        lambda: None,
        retried=True,
        sink={"multipart_threshold": 8 * 1024 * 1024},
        arm=_cut(1024 + 512),
    ),
]


def _run_case(
    target: SFTPTarget | S3Target,
    case: Case,
    matrix: FaultMatrix,
    test: str,
    ops: list[Operation] | None = None,
) -> tuple[Audit, list[SinkEvent], bool]:
    config = target.config
    reference = reference_files(config, EVENTS)
    fault = case.make()
    if fault is not None:
        target.faults.add(fault)
    fired: Callable[[], int] = (lambda: fault.fired) if fault is not None else (lambda: 0)
    if case.arm is not None:
        fired = case.arm(target)
    sink_events: list[SinkEvent] = []
    sink = target.sink(listeners=[sink_events.append], **(case.sink or {}))
    first_ok = True
    try:
        writer(config, sink).export(EVENTS, at=AT)
    except SinkError:
        first_ok = False
    finally:
        sink.close()
    # The rerun a new process makes (the journal supplies the same time and random parts).
    rerun = target.sink(**(case.sink or {}))
    try:
        writer(config, rerun, seed=SEED).export(EVENTS, at=AT)
    finally:
        rerun.close()
    target.faults.clear()

    files = target.files()
    result = audit(files, config, expected_contacts(EVENTS), target.pending_uploads())
    retries = [e for e in retry_events(sink_events) if "failed:" in e.detail]
    if not first_ok:
        outcome = "export failed (publish exits 1); the rerun of the batch delivered the rest"
    elif retries:
        outcome = f"retried {len(retries)}x by the writer, delivered in the same run"
    else:
        outcome = "absorbed inside the sink (botocore resent the part), delivered in the same run"
    matrix.record(
        target=target.name,
        fault=case.description,
        injected=fired(),
        outcome=outcome,
        audit=result,
        test=test,
    )
    assert fired() >= 1, "the fault never fired: the case tests nothing"
    assert first_ok is case.retried, outcome
    assert files == reference, "not byte-identical to a fault-free export (FS-6.3)"
    assert result.clean, result
    assert result.data_files == result.control_files == 2
    return result, sink_events, first_ok


@pytest.mark.parametrize("case", SFTP_CASES, ids=[c.id for c in SFTP_CASES])
def test_fs6_3_sftp_single_fault_then_rerun_leaves_exactly_one_file_pair(
    sftp_target: SFTPTarget,
    sftp_ops: list[Operation],
    fault_matrix: FaultMatrix,
    case: Case,
    request: pytest.FixtureRequest,
) -> None:
    _, events, first_ok = _run_case(sftp_target, case, fault_matrix, request.node.name)
    if first_ok and case.id.startswith("drop"):
        # A dropped connection makes the next attempt reconnect, and the partial
        # it left is removed on reconnecting (FS-6.3: no orphan partial).
        assert [e.action for e in events].count("connect") >= 2
        removed = [op.key for op in sftp_ops if op.op == "remove"]
        assert any(key.endswith(".partial") for key in removed)


@pytest.mark.parametrize("case", S3_CASES, ids=[c.id for c in S3_CASES])
def test_fs6_3_s3_single_fault_then_rerun_leaves_exactly_one_file_pair(
    s3_target: S3Target, fault_matrix: FaultMatrix, case: Case, request: pytest.FixtureRequest
) -> None:
    ops: list[Operation] = []
    unsubscribe = s3_target.server.subscribe(ops.append)
    try:
        _, events, _ = _run_case(s3_target, case, fault_matrix, request.node.name)
    finally:
        unsubscribe()
    if case.id in ("upload-part-503", "complete-multipart-503", "tcp-reset-mid-part"):
        # A failed multipart upload is aborted (FS-6.2); none is left pending.
        assert any(op.op == "multipart-abort" for op in ops)
        assert any(e.action == "multipart-abort" for e in events)
    assert s3_target.pending_uploads() == []


def test_fs6_3_retries_are_reported_as_sink_events_and_log_lines(
    sftp_target: SFTPTarget, caplog: pytest.LogCaptureFixture
) -> None:
    sftp_target.faults.add(DropConnection(after_bytes=1024))
    events: list[SinkEvent] = []
    sink = sftp_target.sink(listeners=[events.append])
    with caplog.at_level("INFO", logger="feedcore.writer"):
        writer(sftp_target.config, sink).export(EVENTS, at=AT)
    retries = retry_events(events)
    assert [e.detail.split(":")[0] for e in retries] == [
        f"attempt 1/{ATTEMPTS} failed",
        f"succeeded on attempt 2/{ATTEMPTS}",
    ]
    assert "FS-6.3, retryable" in retries[0].detail and "retrying in" in retries[0].detail
    assert retries[0].key == retries[1].key and retries[0].key.endswith(".csv")
    lines = [r.getMessage() for r in caplog.records if r.name == "feedcore.writer"]
    assert any("attempt 1/3 failed" in line for line in lines)
    assert any("succeeded on attempt 2/3" in line for line in lines)


def test_fs6_3_giving_up_is_reported_and_names_the_attempts(sftp_target: SFTPTarget) -> None:
    sftp_target.faults.add(DropConnection(after_bytes=0, times=None))
    events: list[SinkEvent] = []
    sink = sftp_target.sink(listeners=[events.append])
    with pytest.raises(SinkError, match=r"gave up after 3 attempts"):
        writer(sftp_target.config, sink).export(EVENTS, at=AT)
    details = [e.detail for e in retry_events(events)]
    assert details[-1].startswith(f"failed after {ATTEMPTS}/{ATTEMPTS} attempt(s)")
    assert len(details) == ATTEMPTS


def test_fs6_3_permanent_errors_are_not_retried(sftp_target: SFTPTarget) -> None:
    fault = sftp_target.faults.add(NoSpace(at_bytes=0, times=None))
    events: list[SinkEvent] = []
    with pytest.raises(SinkError, match="No space left"):
        writer(sftp_target.config, sftp_target.sink(listeners=[events.append])).export(
            EVENTS, at=AT
        )
    assert fault.fired >= 1  # pipelined writes in flight may each be refused
    assert not any("failed:" in e.detail for e in retry_events(events))
    assert [e.action for e in events].count("write-partial") == 1  # one attempt only


def test_fs6_3_publish_v_shows_each_retry_as_a_log_line(
    sftp_target: SFTPTarget, tmp_path: Path
) -> None:
    sftp_target.faults.add(DropConnection(after_bytes=1024))
    config_path, events_path = write_inputs(tmp_path, sftp_target.config, EVENTS)
    done = run_feedlab("-v", *publish_args(sftp_target, config_path, events_path))
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    failed = [line for line in lines if "attempt 1/5 failed" in line]
    assert failed and failed[0].startswith("WARNING feedcore.writer: retry ")
    assert "FS-6.3, retryable" in failed[0] and "retrying in" in failed[0]
    assert any(
        line.startswith("INFO feedcore.writer: retry ") and "succeeded on attempt 2/5" in line
        for line in lines
    )
    assert sorted(map(classify, sftp_target.files())) == ["control", "control", "data", "data"]
