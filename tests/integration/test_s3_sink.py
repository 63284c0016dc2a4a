"""S3Sink against the moto server: single PUT, multipart, write-once, abort, errors."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber
from moto.core.authorization import enable_iam_authentication

from feedcore.errors import AlreadyExistsError, AuthError, SinkError, TransientSinkError
from feedcore.sinks.base import Payload, Sink, SinkEvent
from feedcore.sinks.s3 import MAX_PARTS, S3Sink, _plan_parts
from mock_targets.reports import Operation
from mock_targets.s3 import MockS3Server

MiB = 1024 * 1024
KEY = "exports/daily/2026/11/27/acme_1_add_0a1b2c3d_20261127030000.csv"
CONTROL_KEY = "exports/daily/2026/11/27/control_acme_1_add_0a1b2c3d_20261127030000.json"
SECRET = "wJalrXUtnFEMI-feedlab-test-secret-do-not-print"

SinkFactory = Callable[..., S3Sink]


@pytest.fixture
def make_sink(mock_s3: MockS3Server, s3_bucket: str) -> Iterator[SinkFactory]:
    """Sinks on the test bucket; small parts keep multipart tests quick (S3 minimum 5 MiB)."""
    sinks: list[S3Sink] = []

    def make(**overrides: object) -> S3Sink:
        options: dict[str, object] = {
            "endpoint_url": mock_s3.endpoint_url,
            "session": mock_s3.session(),
            "multipart_threshold": 5 * MiB,
            "part_size": 5 * MiB,
        }
        options.update(overrides)
        bucket = str(options.pop("bucket", s3_bucket))
        sink = S3Sink(bucket, **options)  # type: ignore[arg-type]
        sinks.append(sink)
        return sink

    yield make
    for sink in sinks:
        sink.close()


@pytest.fixture
def ops(mock_s3: MockS3Server) -> Iterator[list[Operation]]:
    """Write operations the server reported during the test."""
    seen: list[Operation] = []
    unsubscribe = mock_s3.subscribe(seen.append)
    yield seen
    unsubscribe()


def _pending_uploads(mock_s3: MockS3Server, bucket: str) -> list[object]:
    client = mock_s3.client()
    try:
        return list(client.list_multipart_uploads(Bucket=bucket).get("Uploads", []))
    finally:
        client.close()


def _big_file(tmp_path: Path, size: int = 12 * MiB, seed: int = 1) -> Path:
    # Distinct bytes per part, so a misordered part list would be caught.
    block = bytes((i * 31 + seed) % 251 for i in range(MiB))
    data = b"".join(bytes([n]) + block[1:] for n in range(size // MiB + 1))[:size]
    path = tmp_path / f"big-{seed}.csv"
    path.write_bytes(data)
    return path


# -- protocol & configuration ------------------------------------------------------


def test_s3_sink_satisfies_sink_protocol_and_label(make_sink: SinkFactory, s3_bucket: str) -> None:
    sink = make_sink()
    assert isinstance(sink, Sink)
    assert sink.label == f"s3://{s3_bucket}"


def test_s3_default_part_size_is_8_mib_fs_6_2() -> None:
    sink = S3Sink("some-bucket", session=boto3.session.Session(region_name="us-east-1"))
    try:
        assert sink.part_size == 8 * MiB
        assert sink.multipart_threshold == 8 * MiB
    finally:
        sink.close()
    assert [p.length for p in _plan_parts(20 * MiB, 8 * MiB)] == [8 * MiB, 8 * MiB, 4 * MiB]


def test_s3_part_plan_grows_parts_to_stay_within_s3_limit_fs_6_2() -> None:
    parts = _plan_parts(100_000 * MiB, 8 * MiB)
    assert len(parts) <= MAX_PARTS
    assert all(p.length >= 8 * MiB for p in parts[:-1])
    assert sum(p.length for p in parts) == 100_000 * MiB
    assert [p.number for p in parts[:3]] == [1, 2, 3]


def test_s3_part_size_below_s3_minimum_is_rejected_fs_6_2() -> None:
    with pytest.raises(ValueError, match="part_size"):
        S3Sink("some-bucket", part_size=1 * MiB)


def test_s3_sink_module_is_not_imported_by_feedcore() -> None:
    code = (
        "import sys, feedcore, feedcore.sinks, feedcore.sinks.base; "
        "sys.exit(1 if 'boto3' in sys.modules or 'feedcore.sinks.s3' in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


@pytest.mark.parametrize(
    ("endpoint", "checksums", "signed"),
    [
        ("http://127.0.0.1:9000", "when_supported", False),
        ("http://localhost:9000", "when_supported", False),
        ("http://[::1]:9000", "when_supported", False),
        ("http://127.0.0.1:9000", "when_required", True),  # no CRC32: the signature stays
        ("http://minio.internal:9000", "when_supported", True),  # bytes cross a network
        ("http://10.0.0.7:9000", "when_supported", True),
        ("https://s3.example.com", "when_supported", True),  # botocore's own https rules
        (None, "when_supported", True),
    ],
)
def test_s3_body_signing_is_skipped_only_on_loopback_with_checksums(
    endpoint: str | None, checksums: str, signed: bool
) -> None:
    """The decision in _s3_options: never weaker where bytes travel over a network."""
    sink = S3Sink(
        "some-bucket",
        endpoint_url=endpoint,
        checksums=checksums,  # type: ignore[arg-type]
        session=boto3.session.Session(region_name="us-east-1"),
    )
    try:
        options = sink._client.meta.config.s3 or {}
        assert options.get("payload_signing_enabled", True) is signed
    finally:
        sink.close()


def test_s3_small_bodies_skip_the_100_continue_round_trip(make_sink: SinkFactory) -> None:
    """Control files and small data files are sent at once; large parts still ask first."""
    sink = make_sink(multipart_threshold=5 * MiB, part_size=5 * MiB)
    sent: list[tuple[str, str | None]] = []

    def record(request: object, **_: object) -> None:
        headers = request.headers  # type: ignore[attr-defined]
        expect = headers.get("Expect")
        sent.append((request.method, None if expect is None else bytes(expect).decode()))  # type: ignore[attr-defined]

    sink._client.meta.events.register("before-send", record)
    sink.put(CONTROL_KEY, Payload.from_bytes(b"{}"), exclusive=True)
    sink.put(KEY, Payload.from_bytes(os.urandom(6 * MiB)))
    assert sent[0] == ("PUT", None)  # the control file: no Expect header
    part_puts = [expect for method, expect in sent[1:] if method == "PUT"]
    # Parts go concurrently: a 5 MiB part asks first, the 1 MiB tail does not.
    assert sorted(part_puts, key=str) == ["100-continue", None]


# -- put -----------------------------------------------------------------------------


def test_s3_small_put_is_one_put_object_fs_6_2(
    make_sink: SinkFactory, ops: list[Operation], s3_bucket: str
) -> None:
    events: list[SinkEvent] = []
    sink = make_sink(listeners=[events.append])
    data = b"identifier,timestamp\r\nann@example.com,2026-11-27 03:00:00\r\n"
    sink.put(KEY, Payload.from_bytes(data))
    assert [(op.op, op.key, op.size, op.status) for op in ops] == [("put", KEY, len(data), 200)]
    assert all(op.bucket == s3_bucket for op in ops)
    assert [(e.action, e.key, e.size) for e in events] == [("put", KEY, len(data))]
    assert sink.read(KEY) == data


def test_s3_put_from_spooled_file_at_threshold_is_single_put_fs_6_2(
    make_sink: SinkFactory, ops: list[Operation], tmp_path: Path
) -> None:
    path = _big_file(tmp_path, size=5 * MiB)
    sink = make_sink()
    sink.put(KEY, Payload.from_file(path))
    assert [op.op for op in ops] == ["put"]
    assert sink.read(KEY) == path.read_bytes()


def test_s3_large_put_uses_concurrent_multipart_upload_fs_6_2(
    make_sink: SinkFactory, ops: list[Operation], tmp_path: Path, mock_s3: MockS3Server
) -> None:
    path = _big_file(tmp_path, size=12 * MiB)
    events: list[SinkEvent] = []
    sink = make_sink(listeners=[events.append], max_concurrency=3)
    sink.put(KEY, Payload.from_file(path))

    assert sink.read(KEY) == path.read_bytes()
    assert [op.op for op in ops if op.op != "multipart-part"] == [
        "multipart-create",
        "multipart-complete",
    ]
    assert sorted(op.size or 0 for op in ops if op.op == "multipart-part") == [
        2 * MiB,
        5 * MiB,
        5 * MiB,
    ]
    assert all(op.status == 200 for op in ops)
    assert ops[-1].size == 12 * MiB
    actions = [e.action for e in events]
    assert actions[0] == "multipart-create" and actions[-1] == "multipart-complete"
    assert sorted(e.detail for e in events if e.action == "multipart-part") == [
        "1/3",
        "2/3",
        "3/3",
    ]
    assert _pending_uploads(mock_s3, sink.bucket) == []


def test_s3_large_put_from_memory_payload_fs_6_2(make_sink: SinkFactory, tmp_path: Path) -> None:
    data = _big_file(tmp_path, size=11 * MiB, seed=7).read_bytes()
    sink = make_sink()
    sink.put(KEY, Payload.from_bytes(data))
    assert sink.read(KEY) == data


def test_s3_non_exclusive_put_replaces(make_sink: SinkFactory) -> None:
    sink = make_sink()
    sink.put(KEY, Payload.from_bytes(b"first"))
    sink.put(KEY, Payload.from_bytes(b"second"))
    assert sink.read(KEY) == b"second"


# -- write-once control files (FS-6.3) ---------------------------------------------


def test_s3_exclusive_put_same_bytes_is_idempotent_fs_6_3(
    make_sink: SinkFactory, ops: list[Operation]
) -> None:
    events: list[SinkEvent] = []
    sink = make_sink(listeners=[events.append])
    control = Payload.from_bytes(b'{"delta": true, "file_count": 1, "files": []}')
    sink.put(CONTROL_KEY, control, exclusive=True)
    sink.put(CONTROL_KEY, control, exclusive=True)  # a retried export
    assert sink.read(CONTROL_KEY) == control.data
    assert [(op.op, op.status) for op in ops] == [("put", 200), ("put", 412)]
    assert [e.action for e in events] == ["put", "skip-existing"]


def test_s3_exclusive_put_different_bytes_raises_already_exists_fs_6_3(
    make_sink: SinkFactory,
) -> None:
    sink = make_sink()
    sink.put(CONTROL_KEY, Payload.from_bytes(b'{"rows": 1}'), exclusive=True)
    with pytest.raises(AlreadyExistsError, match=r"FS-6\.3") as info:
        sink.put(CONTROL_KEY, Payload.from_bytes(b'{"rows": 2}'), exclusive=True)
    assert CONTROL_KEY in str(info.value)
    assert "\n" not in str(info.value)
    assert sink.read(CONTROL_KEY) == b'{"rows": 1}'
    # Same size, different bytes: compared by content, not by length.
    with pytest.raises(AlreadyExistsError):
        sink.put(CONTROL_KEY, Payload.from_bytes(b'{"rows": 3}'), exclusive=True)


def test_s3_exclusive_multipart_put_is_write_once_fs_6_3(
    make_sink: SinkFactory, tmp_path: Path, mock_s3: MockS3Server
) -> None:
    sink = make_sink()
    first = Payload.from_file(_big_file(tmp_path, size=11 * MiB, seed=1))
    other = Payload.from_file(_big_file(tmp_path, size=11 * MiB, seed=2))
    sink.put(KEY, first, exclusive=True)
    sink.put(KEY, first, exclusive=True)  # identical: success
    with pytest.raises(AlreadyExistsError):
        sink.put(KEY, other, exclusive=True)
    assert sink.read(KEY) == first.read_all()
    assert _pending_uploads(mock_s3, sink.bucket) == []


def test_s3_exclusive_multipart_loses_race_then_settles_fs_6_3(
    make_sink: SinkFactory, tmp_path: Path, mock_s3: MockS3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another writer lands the key between our check and our completion."""
    sink = make_sink()
    ours = Payload.from_file(_big_file(tmp_path, size=11 * MiB, seed=3))
    rival = Payload.from_bytes(b"someone else's bytes")
    monkeypatch.setattr(sink, "_existing_matches", lambda key, payload: False)
    real_upload_parts = sink._upload_parts

    def upload_then_rival(*args: object) -> dict[int, str]:
        etags = real_upload_parts(*args)  # type: ignore[arg-type]
        sink._client.put_object(Bucket=sink.bucket, Key=KEY, Body=rival.data)
        return etags

    monkeypatch.setattr(sink, "_upload_parts", upload_then_rival)
    with pytest.raises(AlreadyExistsError):
        sink.put(KEY, ours, exclusive=True)
    assert sink.read(KEY) == rival.data
    assert _pending_uploads(mock_s3, sink.bucket) == []


# -- abort on failure (FS-6.2) -------------------------------------------------------


def test_s3_multipart_failure_in_listener_aborts_upload_fs_6_2(
    make_sink: SinkFactory, tmp_path: Path, mock_s3: MockS3Server, ops: list[Operation]
) -> None:
    events: list[SinkEvent] = []

    def failing(event: SinkEvent) -> None:
        events.append(event)
        if event.action == "multipart-part":
            raise RuntimeError("listener failure")

    sink = make_sink(listeners=[failing])
    with pytest.raises(RuntimeError, match="listener failure"):
        sink.put(KEY, Payload.from_file(_big_file(tmp_path)))
    assert _pending_uploads(mock_s3, sink.bucket) == []
    assert not sink.exists(KEY)
    assert events[-1].action == "multipart-abort"
    reported = [op.op for op in ops]
    assert reported[-1] == "multipart-abort" and "multipart-complete" not in reported


def test_s3_multipart_payload_file_vanishes_aborts_upload_fs_6_2(
    make_sink: SinkFactory, tmp_path: Path, mock_s3: MockS3Server, ops: list[Operation]
) -> None:
    path = _big_file(tmp_path)
    payload = Payload.from_file(path)
    path.unlink()
    sink = make_sink()
    with pytest.raises(SinkError, match="local payload unreadable") as info:
        sink.put(KEY, payload)
    assert not isinstance(info.value, TransientSinkError)
    assert isinstance(info.value.__cause__, FileNotFoundError)
    assert _pending_uploads(mock_s3, sink.bucket) == []
    assert [op.op for op in ops] == ["multipart-create", "multipart-abort"]
    assert not sink.exists(KEY)


def test_s3_multipart_truncated_payload_aborts_upload_fs_6_2(
    make_sink: SinkFactory, tmp_path: Path, mock_s3: MockS3Server
) -> None:
    path = _big_file(tmp_path, size=12 * MiB)
    payload = Payload(size=path.stat().st_size, path=path)
    with path.open("r+b") as fh:
        fh.truncate(7 * MiB)
    sink = make_sink()
    with pytest.raises(SinkError, match=r"changed while uploading.*FS-6\.2"):
        sink.put(KEY, payload)
    assert _pending_uploads(mock_s3, sink.bucket) == []
    assert not sink.exists(KEY)


def test_s3_multipart_server_error_aborts_and_is_transient_fs_6_3(
    make_sink: SinkFactory, tmp_path: Path, mock_s3: MockS3Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = make_sink(max_attempts=1)
    real_upload_part = sink._client.upload_part

    def flaky_upload_part(**kwargs: object) -> object:
        if kwargs["PartNumber"] == 2:
            # An upload id moto does not know: moto fails with a genuine HTTP 500.
            kwargs = {**kwargs, "UploadId": "no-such-upload"}
        return real_upload_part(**kwargs)

    monkeypatch.setattr(sink._client, "upload_part", flaky_upload_part)
    with pytest.raises(TransientSinkError, match="HTTP 500") as info:
        sink.put(KEY, Payload.from_file(_big_file(tmp_path)))
    assert "retry later" in str(info.value)
    assert _pending_uploads(mock_s3, sink.bucket) == []


# -- list / read / exists -------------------------------------------------------------


def test_s3_list_read_exists(make_sink: SinkFactory) -> None:
    sink = make_sink()
    files = {
        "exports/daily/2026/11/27/a.csv": b"a",
        "exports/daily/2026/11/28/b.csv": b"bb",
        "exports/weekly/c.csv": b"ccc",
        "other.txt": b"dddd",
    }
    for key, data in files.items():
        sink.put(key, Payload.from_bytes(data))
    assert {(o.key, o.size) for o in sink.list()} == {(k, len(v)) for k, v in files.items()}
    assert [o.key for o in sink.list("exports/daily/")] == [
        "exports/daily/2026/11/27/a.csv",
        "exports/daily/2026/11/28/b.csv",
    ]
    assert list(sink.list("nothing/")) == []
    assert sink.read("exports/weekly/c.csv") == b"ccc"
    assert sink.exists("other.txt")
    assert not sink.exists("exports/daily")  # a prefix is not an object
    assert not sink.exists("missing.csv")


def test_s3_list_follows_pagination(
    make_sink: SinkFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    sink = make_sink()
    keys = [f"p/{i:02d}.csv" for i in range(5)]
    for key in keys:
        sink.put(key, Payload.from_bytes(b"x"))
    paginator = sink._client.get_paginator("list_objects_v2")
    real_paginate = paginator.paginate
    pages: list[int] = []

    def small_pages(**kwargs: object) -> Iterator[dict[str, object]]:
        for page in real_paginate(**kwargs, PaginationConfig={"PageSize": 2}):
            pages.append(len(page.get("Contents", [])))
            yield page

    monkeypatch.setattr(paginator, "paginate", small_pages)
    monkeypatch.setattr(sink._client, "get_paginator", lambda name: paginator)
    assert [o.key for o in sink.list("p/")] == keys
    assert pages == [2, 2, 1]


def test_s3_read_missing_key_names_it(make_sink: SinkFactory) -> None:
    sink = make_sink()
    with pytest.raises(SinkError, match="NoSuchKey") as info:
        sink.read("missing/key.csv")
    assert "missing/key.csv" in str(info.value)
    assert not isinstance(info.value, TransientSinkError)


# -- errors -------------------------------------------------------------------------


def test_s3_missing_bucket_is_a_clear_sink_error(
    make_sink: SinkFactory, mock_s3: MockS3Server
) -> None:
    sink = make_sink(bucket="no-such-feed-bucket")
    expected = f"bucket 'no-such-feed-bucket' does not exist at {mock_s3.endpoint_url}"
    calls: list[Callable[[], object]] = [
        lambda: sink.put(KEY, Payload.from_bytes(b"x")),
        lambda: sink.put(KEY, Payload.from_bytes(b"x"), exclusive=True),
        lambda: sink.put(KEY, Payload.from_bytes(b"x" * (6 * MiB))),
        lambda: list(sink.list()),
        lambda: sink.read(KEY),
        lambda: sink.exists(KEY),
    ]
    for call in calls:
        with pytest.raises(SinkError) as info:
            call()
        assert str(info.value).startswith(expected), str(info.value)
        assert not isinstance(info.value, TransientSinkError)
        assert info.value.__cause__ is not None


@pytest.fixture
def secret_session(mock_s3: MockS3Server) -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id="AKIAFEEDLABTESTKEY01",
        aws_secret_access_key=SECRET,
        region_name=mock_s3.region,
    )


def test_s3_refused_credentials_are_auth_error_without_secret(
    make_sink: SinkFactory, secret_session: boto3.session.Session
) -> None:
    sink = make_sink(session=secret_session)
    with enable_iam_authentication():  # moto now checks keys: ours is unknown
        with pytest.raises(AuthError) as info:
            sink.put(KEY, Payload.from_bytes(b"x"))
        with pytest.raises(AuthError):
            list(sink.list())
    message = str(info.value)
    assert "InvalidAccessKeyId" in message
    assert SECRET not in message and "\n" not in message
    assert SECRET not in repr(sink)


@pytest.mark.parametrize(
    ("code", "status", "expected"),
    [
        ("SignatureDoesNotMatch", 403, AuthError),
        ("AccessDenied", 403, AuthError),
        ("ExpiredToken", 400, AuthError),
        ("SlowDown", 503, TransientSinkError),
        ("InternalError", 500, TransientSinkError),
        ("ServiceUnavailable", 503, TransientSinkError),
        ("ConditionalRequestConflict", 409, TransientSinkError),
        ("InvalidArgument", 400, SinkError),
    ],
)
def test_s3_error_translation_fs_6_3(
    make_sink: SinkFactory,
    secret_session: boto3.session.Session,
    code: str,
    status: int,
    expected: type[SinkError],
) -> None:
    sink = make_sink(session=secret_session)
    with Stubber(sink._client) as stub:
        stub.add_client_error(
            "put_object",
            service_error_code=code,
            service_message=f"StringToSign echoes {SECRET}\nsecond line",
            http_status_code=status,
        )
        with pytest.raises(SinkError) as info:
            sink.put(KEY, Payload.from_bytes(b"x"))
    assert type(info.value) is expected
    message = str(info.value)
    assert code in message and KEY in message
    assert "\n" not in message
    if expected is AuthError:
        assert SECRET not in message  # server text is dropped for auth failures


def test_s3_no_credentials_explains_the_chain(
    mock_s3: MockS3Server, s3_bucket: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    empty = tmp_path / "empty"
    empty.write_text("")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(empty))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(empty))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    sink = S3Sink(s3_bucket, endpoint_url=mock_s3.endpoint_url, region="us-east-1")
    try:
        with pytest.raises(AuthError, match="no AWS credentials found") as info:
            sink.put(KEY, Payload.from_bytes(b"x"))
    finally:
        sink.close()
    assert "AWS_ACCESS_KEY_ID" in str(info.value)


def test_s3_unreachable_endpoint_is_transient_fs_6_3(
    secret_session: boto3.session.Session,
) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    # Nothing listens on the port now; credentials in the URL must not leak either.
    sink = S3Sink(
        "feed-bucket",
        endpoint_url=f"http://user:{SECRET}@127.0.0.1:{port}",
        session=secret_session,
        max_attempts=1,
    )
    try:
        with pytest.raises(TransientSinkError) as info:
            sink.put(KEY, Payload.from_bytes(b"x"))
    finally:
        sink.close()
    message = str(info.value)
    assert f"127.0.0.1:{port}" in message
    assert SECRET not in message and SECRET not in repr(sink)


def test_s3_bad_client_setup_is_a_sink_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_PROFILE", "feedlab-no-such-profile")
    with pytest.raises(SinkError, match="feedlab-no-such-profile"):
        S3Sink("feed-bucket")
    monkeypatch.delenv("AWS_PROFILE")
    with pytest.raises(SinkError, match="invalid endpoint URL") as info:
        S3Sink("feed-bucket", endpoint_url=f"no scheme {SECRET}", region="us-east-1")
    assert SECRET not in str(info.value)
