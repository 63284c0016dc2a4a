"""FS-6.3 across processes: ``feedlab publish`` killed between a data file and its control file.

A real subprocess is killed with SIGKILL right after the data file is stored
(the test-only entry point ``crash_after_data.py``, whose sink kills its own
process, or a control-file request held by the mock and the process killed
from outside). Nothing in it
gets to clean up. Rerunning the *same command*, without ``--seed`` or ``--at``,
must then add the control file and not duplicate the data file: the batch
journal supplies the first run's export time and random name parts. A third
run finds the batch complete and writes nothing.
"""

from __future__ import annotations

import signal
from pathlib import Path

import pytest
from reliability_support import (
    FaultMatrix,
    LocalTarget,
    S3Target,
    SFTPTarget,
    Target,
    audit,
    expected_contacts,
    files_from_record,
    journal_records,
    make_events,
    publish_args,
    run_feedlab,
    start_feedlab,
    target_env,
    write_inputs,
)

from feedcore.verify.layout import classify
from mock_targets.faults import S3Stall, Stall
from mock_targets.reports import Operation

EVENTS = make_events(batch=2, enters=6, exits=2)
KILLED = -signal.SIGKILL


def _kinds(files: dict[str, bytes]) -> list[str]:
    return sorted(classify(key) for key in files)


def _finish_and_check(
    target: Target,
    config_path: Path,
    events_path: Path,
    state_dir: Path,
    before: dict[str, bytes],
) -> dict[str, bytes]:
    """Rerun the same command; check the result; a third run writes nothing."""
    (record,) = journal_records(state_dir)
    assert record["status"] == "started" and record["files"] == []
    rerun = run_feedlab(*publish_args(target, config_path, events_path), env=target_env(target))
    assert rerun.returncode == 0, rerun.stderr
    assert "Traceback" not in rerun.stderr
    files = target.files()
    assert files == files_from_record(target.config, EVENTS, record)
    for key, data in before.items():
        if classify(key) == "data":
            assert files[key] == data  # the rerun reused the crashed run's name
    result = audit(files, target.config, expected_contacts(EVENTS), target.pending_uploads())
    assert result.clean, result
    assert result.data_files == result.control_files == 2
    (done,) = journal_records(state_dir)
    assert done["status"] == "complete" and len(done["files"]) == 2

    third = run_feedlab(*publish_args(target, config_path, events_path), env=target_env(target))
    assert third.returncode == 0, third.stderr
    assert third.stdout.startswith("already delivered"), third.stdout
    assert target.files() == files
    return files


@pytest.mark.parametrize("kind", ["sftp", "s3", "local"])
def test_fs6_3_sigkill_between_data_and_control_then_rerun_adds_only_the_control_file(
    kind: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    isolated_state_dir: Path,
    fault_matrix: FaultMatrix,
) -> None:
    target: Target
    if kind == "local":
        target = LocalTarget(tmp_path / "out")
    else:
        target = request.getfixturevalue(f"{kind}_target")
    config_path, events_path = write_inputs(tmp_path, target.config, EVENTS)
    args = publish_args(target, config_path, events_path)

    crashed = run_feedlab(*args, env=target_env(target), crash_after_data=True)
    assert crashed.returncode == KILLED, crashed.stderr
    before = target.files()
    assert _kinds(before) == ["data"], "killed after the first data file, before its control"

    files = _finish_and_check(target, config_path, events_path, isolated_state_dir, before)
    fault_matrix.record(
        target=target.name,
        fault="feedlab publish killed (SIGKILL) between a data file and its control file",
        injected=1,
        outcome="rerun of the same command added the control file; data not resent twice",
        audit=audit(files, target.config, expected_contacts(EVENTS), target.pending_uploads()),
        test=request.node.name,
    )


def _kill_while_the_control_file_is_held(
    target: SFTPTarget | S3Target,
    stall: Stall | S3Stall,
    held: str,
    env: dict[str, str] | None,
    tmp_path: Path,
    isolated_state_dir: Path,
    fault_matrix: FaultMatrix,
    request: pytest.FixtureRequest,
) -> None:
    """No test hook: the mock holds the control file's request, and the process is killed."""
    config_path, events_path = write_inputs(tmp_path, target.config, EVENTS)
    proc = start_feedlab(*publish_args(target, config_path, events_path), env=env)
    try:
        assert stall.holding.wait(60), f"the control file's {held} never reached the server"
        before = target.files()
        assert _kinds(before) == ["data"]
    finally:
        proc.kill()
        proc.communicate(timeout=60)
        stall.release()
    assert proc.returncode == KILLED
    files = _finish_and_check(target, config_path, events_path, isolated_state_dir, before)
    fault_matrix.record(
        target=target.name,
        fault=f"process killed (SIGKILL) while its control-file {held} was held by the server",
        injected=stall.fired,
        outcome="rerun of the same command added the control file; data not resent twice",
        audit=audit(files, target.config, expected_contacts(EVENTS), target.pending_uploads()),
        test=request.node.name,
    )


def test_fs6_3_sftp_sigkill_while_the_control_file_is_in_flight(
    sftp_target: SFTPTarget,
    sftp_ops: list[Operation],
    tmp_path: Path,
    isolated_state_dir: Path,
    fault_matrix: FaultMatrix,
    request: pytest.FixtureRequest,
) -> None:
    stall = sftp_target.faults.add(Stall("open", files="control", seconds=60))
    _kill_while_the_control_file_is_held(
        sftp_target, stall, "open", None, tmp_path, isolated_state_dir, fault_matrix, request
    )


def test_fs6_3_s3_sigkill_while_the_control_put_is_in_flight(
    s3_target: S3Target,
    tmp_path: Path,
    isolated_state_dir: Path,
    fault_matrix: FaultMatrix,
    request: pytest.FixtureRequest,
) -> None:
    stall = s3_target.faults.add(S3Stall(["PutObject"], files="control", seconds=60))
    env = target_env(s3_target)
    _kill_while_the_control_file_is_held(
        s3_target, stall, "PUT", env, tmp_path, isolated_state_dir, fault_matrix, request
    )


def test_fs6_3_s3_rerun_aborts_the_multipart_upload_a_killed_run_left(
    s3_target: S3Target, tmp_path: Path
) -> None:
    """A killed run cannot abort its upload; the rerun (same key) aborts it first."""
    from reliability_support import AT, reference_files, writer

    reference = reference_files(s3_target.config, EVENTS)
    data_key = next(k for k in sorted(reference) if classify(k) == "data")
    client = s3_target.server.client()
    try:
        upload = client.create_multipart_upload(Bucket=s3_target.bucket, Key=data_key)
        client.upload_part(
            Bucket=s3_target.bucket,
            Key=data_key,
            UploadId=upload["UploadId"],
            PartNumber=1,
            Body=reference[data_key][:100],
        )
    finally:
        client.close()
    assert s3_target.pending_uploads() == [data_key]
    events: list[object] = []
    writer(s3_target.config, s3_target.sink(listeners=[events.append])).export(EVENTS, at=AT)
    assert s3_target.pending_uploads() == []
    assert s3_target.files() == reference
    assert any(
        getattr(e, "action", "") == "multipart-abort"
        and "interrupted run" in getattr(e, "detail", "")
        for e in events
    )
