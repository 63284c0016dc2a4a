"""The moto-backed mock S3 server: lifecycle, operation reports, reset, quietness."""

from __future__ import annotations

import socket
from collections.abc import Callable

import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from mock_targets.reports import Operation
from mock_targets.s3 import MockS3Server

MiB = 1024 * 1024


def _connectable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def _record(server: MockS3Server) -> tuple[list[Operation], Callable[[], None]]:
    seen: list[Operation] = []
    return seen, server.subscribe(seen.append)


def test_s3_mock_starts_on_ephemeral_port_and_stop_frees_it() -> None:
    server = MockS3Server()
    assert not server.running
    with pytest.raises(RuntimeError):
        _ = server.port
    assert server.start() is server
    port = server.port
    try:
        assert port > 0
        assert server.endpoint_url == f"http://127.0.0.1:{port}"
        assert _connectable(port)
        # The listening socket answers S3 requests right away (no warm-up wait).
        client = server.session().client(
            "s3", endpoint_url=server.endpoint_url, config=Config(retries={"max_attempts": 1})
        )
        server.create_bucket("lifecycle-bucket")
        assert [b["Name"] for b in client.list_buckets()["Buckets"]] == ["lifecycle-bucket"]
    finally:
        server.reset()
        server.stop()
    assert not server.running
    assert not _connectable(port)
    # A client that talked to it before gets no answer now.
    with pytest.raises(BotoCoreError):
        client.list_buckets()
    client.close()
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", port))  # the port is free again
    server.stop()  # idempotent


def test_s3_mock_context_manager_and_fixed_port() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        wanted = sock.getsockname()[1]
    with MockS3Server(port=wanted, region="eu-west-1") as server:
        assert server.port == wanted
        assert server.region == "eu-west-1"
        server.create_bucket("eu-bucket")
        client = server.client()
        location = client.get_bucket_location(Bucket="eu-bucket")["LocationConstraint"]
        assert location == "eu-west-1"
        client.close()
        server.reset()
    assert not _connectable(wanted)


def test_s3_mock_taken_port_fails_in_start() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        with pytest.raises(OSError):
            MockS3Server(port=sock.getsockname()[1]).start()


def test_s3_mock_repr_and_env_hide_nothing_needed_but_the_secret_from_repr(
    mock_s3: MockS3Server,
) -> None:
    text = repr(mock_s3)
    assert mock_s3.secret_access_key not in text
    assert mock_s3.endpoint_url in text
    assert mock_s3.access_key_id == "feedlab"
    env = mock_s3.env()
    assert env["AWS_SECRET_ACCESS_KEY"] == mock_s3.secret_access_key
    assert env["AWS_DEFAULT_REGION"] == mock_s3.region


def test_s3_mock_reports_create_bucket_put_and_delete(mock_s3: MockS3Server) -> None:
    seen, unsubscribe = _record(mock_s3)
    try:
        mock_s3.create_bucket("reports-bucket")
        client = mock_s3.client()
        client.put_object(Bucket="reports-bucket", Key="a/b/ü x.csv", Body=b"hello")
        client.delete_object(Bucket="reports-bucket", Key="a/b/ü x.csv")
        client.put_object(Bucket="reports-bucket", Key="k1", Body=b"1")
        client.delete_objects(Bucket="reports-bucket", Delete={"Objects": [{"Key": "k1"}]})
        client.close()
    finally:
        unsubscribe()
    summary = [(op.server, op.op, op.bucket, op.key, op.size, op.status) for op in seen]
    assert summary == [
        ("s3", "create-bucket", "reports-bucket", "", None, 200),
        ("s3", "put", "reports-bucket", "a/b/ü x.csv", 5, 200),
        ("s3", "delete", "reports-bucket", "a/b/ü x.csv", None, 204),
        ("s3", "put", "reports-bucket", "k1", 1, 200),
        ("s3", "delete", "reports-bucket", "k1", None, 200),
    ]


def test_s3_mock_reads_are_not_reported(mock_s3: MockS3Server) -> None:
    mock_s3.create_bucket("quiet-reads")
    client = mock_s3.client()
    client.put_object(Bucket="quiet-reads", Key="k", Body=b"x")
    seen, unsubscribe = _record(mock_s3)
    try:
        client.get_object(Bucket="quiet-reads", Key="k")["Body"].read()
        client.head_object(Bucket="quiet-reads", Key="k")
        client.list_objects_v2(Bucket="quiet-reads")
        client.put_object_tagging(
            Bucket="quiet-reads", Key="k", Tagging={"TagSet": [{"Key": "a", "Value": "b"}]}
        )
    finally:
        unsubscribe()
        client.close()
    assert seen == []


def test_s3_mock_reports_refused_write_with_its_status(mock_s3: MockS3Server) -> None:
    mock_s3.create_bucket("refusals")
    client = mock_s3.client()
    client.put_object(Bucket="refusals", Key="once", Body=b"1")
    seen, unsubscribe = _record(mock_s3)
    try:
        with pytest.raises(ClientError):
            client.put_object(Bucket="refusals", Key="once", Body=b"2", IfNoneMatch="*")
    finally:
        unsubscribe()
        client.close()
    assert [(op.op, op.key, op.status) for op in seen] == [("put", "once", 412)]


def test_s3_mock_reports_multipart_lifecycle(mock_s3: MockS3Server) -> None:
    mock_s3.create_bucket("multipart-bucket")
    client = mock_s3.client()
    seen, unsubscribe = _record(mock_s3)
    try:
        upload = client.create_multipart_upload(Bucket="multipart-bucket", Key="big.csv")
        etags = []
        for number, size in ((1, 5 * MiB), (2, 1234)):
            part = client.upload_part(
                Bucket="multipart-bucket",
                Key="big.csv",
                UploadId=upload["UploadId"],
                PartNumber=number,
                Body=b"x" * size,
            )
            etags.append({"PartNumber": number, "ETag": part["ETag"]})
        client.complete_multipart_upload(
            Bucket="multipart-bucket",
            Key="big.csv",
            UploadId=upload["UploadId"],
            MultipartUpload={"Parts": etags},
        )
        aborted = client.create_multipart_upload(Bucket="multipart-bucket", Key="gone.csv")
        client.abort_multipart_upload(
            Bucket="multipart-bucket", Key="gone.csv", UploadId=aborted["UploadId"]
        )
    finally:
        unsubscribe()
        client.close()
    assert [(op.op, op.key, op.size, op.status) for op in seen] == [
        ("multipart-create", "big.csv", None, 200),
        ("multipart-part", "big.csv", 5 * MiB, 200),
        ("multipart-part", "big.csv", 1234, 200),
        ("multipart-complete", "big.csv", 5 * MiB + 1234, 200),
        ("multipart-create", "gone.csv", None, 200),
        ("multipart-abort", "gone.csv", None, 204),
    ]
    assert all(op.bucket == "multipart-bucket" and op.server == "s3" for op in seen)


def test_s3_mock_broken_subscriber_does_not_break_the_server(mock_s3: MockS3Server) -> None:
    def broken(_: Operation) -> None:
        raise RuntimeError("subscriber bug")

    unsubscribe = mock_s3.subscribe(broken)
    try:
        mock_s3.create_bucket("survives")
        client = mock_s3.client()
        client.put_object(Bucket="survives", Key="k", Body=b"ok")
        assert client.get_object(Bucket="survives", Key="k")["Body"].read() == b"ok"
        client.close()
    finally:
        unsubscribe()


def test_s3_mock_reset_drops_buckets_objects_and_uploads(mock_s3: MockS3Server) -> None:
    mock_s3.create_bucket("reset-bucket")
    client = mock_s3.client()
    client.put_object(Bucket="reset-bucket", Key="k", Body=b"data")
    client.create_multipart_upload(Bucket="reset-bucket", Key="pending")
    mock_s3.reset()
    assert client.list_buckets()["Buckets"] == []
    # The name is free again, and the new bucket starts empty.
    mock_s3.create_bucket("reset-bucket")
    assert client.list_objects_v2(Bucket="reset-bucket").get("Contents", []) == []
    assert client.list_multipart_uploads(Bucket="reset-bucket").get("Uploads", []) == []
    client.close()


def test_s3_mock_reset_leaves_another_server_alone(mock_s3: MockS3Server) -> None:
    mock_s3.create_bucket("first-server-bucket")
    with MockS3Server() as other:
        other.create_bucket("second-server-bucket")
        other.reset()
        other_client = other.client()
        assert other_client.list_buckets()["Buckets"] == []
        other_client.close()
    client = mock_s3.client()
    assert [b["Name"] for b in client.list_buckets()["Buckets"]] == ["first-server-bucket"]
    client.close()


def test_s3_mock_is_quiet_by_default(
    mock_s3: MockS3Server, capfd: pytest.CaptureFixture[str]
) -> None:
    mock_s3.create_bucket("quiet-bucket")
    client = mock_s3.client()
    client.put_object(Bucket="quiet-bucket", Key="k", Body=b"x")
    assert client.get_object(Bucket="quiet-bucket", Key="k")["Body"].read() == b"x"
    client.close()
    out, err = capfd.readouterr()
    assert "HTTP/1.1" not in err and "GET /" not in err and "PUT /" not in err
    assert out == ""
