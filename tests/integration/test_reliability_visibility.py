"""FS-6.1: a data file is visible under its final name only when complete, its control after it.

A slow upload is made slow for real: the mock holds a data-file request
mid-transfer (SFTP: a write past the first KiB; S3: part 2 of a multipart
upload) while the test looks at the target the way a consumer's poller would.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from reliability_support import (
    AT,
    S3Target,
    SFTPTarget,
    audit,
    expected_contacts,
    make_events,
    reference_files,
    writer,
)

from feedcore.verify.layout import classify
from mock_targets.faults import S3Stall, Stall
from mock_targets.reports import Operation

MiB = 1024 * 1024


def _data_and_control(reference: dict[str, bytes]) -> tuple[str, str]:
    data = sorted(k for k in reference if classify(k) == "data")[0]
    folder, _, name = data.rpartition("/")
    return data, f"{folder}/control_{name.rsplit('.', 1)[0]}.json"


def test_fs6_1_sftp_data_file_gets_its_final_name_only_when_complete(
    sftp_target: SFTPTarget, sftp_ops: list[Operation]
) -> None:
    events = make_events(batch=3, enters=12, exits=0)
    reference = reference_files(sftp_target.config, events)
    data_key, control_key = _data_and_control(reference)
    stall = sftp_target.faults.add(Stall("write", at_bytes=1024, seconds=60))
    poller = sftp_target.sink()  # a consumer listing the folder meanwhile
    with ThreadPoolExecutor(1) as pool:
        export = pool.submit(writer(sftp_target.config, sftp_target.sink()).export, events, at=AT)
        try:
            assert stall.holding.wait(30), "the upload never reached the held write"
            listed = {info.key for info in poller.list()}
            on_disk = set(sftp_target.files())
        finally:
            stall.release()
        export.result(timeout=60)

    # Mid-upload: only the hidden partial, no final name, no control file.
    for seen in (listed, on_disk):
        assert data_key not in seen and control_key not in seen
        assert [classify(k) for k in seen] == ["partial"]
    # The server's own record: the final name appears by rename only, after the last
    # write of the partial; the control file is opened only after that rename.
    ops = [(op.op, op.key, op.target) for op in sftp_ops]
    renamed = ops.index(next(o for o in ops if o[0] == "rename" and o[2] == data_key))
    partial = ops[renamed][1]
    assert classify(partial) == "partial"
    assert all(data_key not in (key, target) for _, key, target in ops[:renamed])
    assert all(i <= renamed for i, (op, key, _) in enumerate(ops) if key == partial)
    assert ("close", partial, None) in ops[:renamed]  # every byte landed, then the rename
    control_opens = [i for i, (op, key, _) in enumerate(ops) if op == "open" and "control_" in key]
    assert control_opens and min(control_opens) > renamed
    assert sftp_target.files() == reference


def test_fs6_1_s3_multipart_object_appears_only_at_completion(s3_target: S3Target) -> None:
    # ~6 MiB of rows: two parts of a multipart upload (S3's minimum part is 5 MiB).
    events = make_events(batch=4, enters=500, exits=0, pad=5000)
    reference = reference_files(s3_target.config, events)
    data_key, control_key = _data_and_control(reference)
    assert len(reference[data_key]) > 5 * MiB
    ops: list[Operation] = []
    unsubscribe = s3_target.server.subscribe(ops.append)
    stall = s3_target.faults.add(S3Stall(["UploadPart"], part_number=2, seconds=60))
    poller = s3_target.sink()
    try:
        with ThreadPoolExecutor(1) as pool:
            sink = s3_target.sink(multipart_threshold=5 * MiB, max_concurrency=1)
            export = pool.submit(writer(s3_target.config, sink).export, events, at=AT)
            try:
                assert stall.holding.wait(30), "part 2 was never sent"
                listed = {info.key for info in poller.list()}
                pending = s3_target.pending_uploads()
            finally:
                stall.release()
            export.result(timeout=60)
    finally:
        unsubscribe()

    assert listed == set() and pending == [data_key]  # in flight, invisible
    order = [(op.op, op.key, op.status) for op in ops]
    complete = order.index(("multipart-complete", data_key, 200))
    control_put = order.index(("put", control_key, 200))
    assert control_put > complete
    assert not any(key == control_key for _, key, _ in order[:complete])
    files = s3_target.files()
    assert files == reference
    result = audit(files, s3_target.config, expected_contacts(events), s3_target.pending_uploads())
    assert result.clean, result
