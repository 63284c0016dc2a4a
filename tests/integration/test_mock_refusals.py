"""The mock servers refuse what the real ones refuse (issue 10, finding 8).

* SFTP: setuid, setgid and sticky bits (on create, mkdir, setstat, fsetstat),
  giving a file to another owner, and any change to the login root (mode,
  times, removal, renaming) are "permission denied", as OpenSSH answers a
  user without those rights; ordinary modes on ordinary files still work.
* S3: moto's request authentication is on: anonymous requests, an unknown key
  and a wrong secret are refused for reads, overwrites, deletes and listings
  (AccessDenied / InvalidAccessKeyId / SignatureDoesNotMatch, as on AWS), and
  reported like every other request; the server's own credentials and ones it
  was told to accept keep working; moto's control API is not reachable.
"""

from __future__ import annotations

import asyncio
import stat
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncssh
import boto3
import botocore.exceptions
import pytest
from botocore.config import Config
from reliability_support import sftp_session

from mock_targets.reports import Operation
from mock_targets.s3 import MockS3Server
from mock_targets.sftp import MockSFTPServer

# -- SFTP ------------------------------------------------------------------------------


@pytest.fixture
def sftp(tmp_path: Path) -> Iterator[tuple[Any, Path, asyncio.AbstractEventLoop]]:
    root = tmp_path / "root"
    root.mkdir()
    (root / "feed.csv").write_bytes(b"rows\r\n")
    (root / "folder").mkdir()
    (root / "to-root").symlink_to(".")  # planted locally: links cannot be made over SFTP
    with (
        MockSFTPServer(root=root, workdir=tmp_path / "keys") as server,
        sftp_session(server) as (client, loop),
    ):
        yield client, server.root, loop


def _denied(loop: asyncio.AbstractEventLoop, call: Any) -> None:
    with pytest.raises(asyncssh.SFTPPermissionDenied):
        loop.run_until_complete(asyncio.wait_for(call, 10))


@pytest.mark.parametrize("bit", [stat.S_ISUID, stat.S_ISGID, stat.S_ISVTX])
def test_sftp_mock_refuses_setuid_setgid_and_sticky_bits_everywhere(
    sftp: tuple[Any, Path, asyncio.AbstractEventLoop], bit: int
) -> None:
    client, root, loop = sftp
    mode = 0o755 | bit
    attrs = asyncssh.SFTPAttrs(permissions=mode)
    _denied(loop, client.setstat("feed.csv", attrs))
    _denied(loop, client.chmod("folder", mode))
    _denied(loop, client.open("new.csv", "wb", attrs))
    _denied(loop, client.mkdir("new-folder", attrs))

    async def fsetstat() -> None:
        async with client.open("feed.csv", "ab") as fh:
            await fh.setstat(attrs)

    _denied(loop, fsetstat())
    assert not (root / "new.csv").exists() and not (root / "new-folder").exists()
    for path in (root / "feed.csv", root / "folder"):
        assert not path.stat().st_mode & (stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX)


def test_sftp_mock_refuses_any_change_to_the_login_root(
    sftp: tuple[Any, Path, asyncio.AbstractEventLoop],
) -> None:
    client, root, loop = sftp
    before = root.stat()
    for path in ("/", ".", "", "folder/..", "to-root"):  # to-root: a symlink to the root
        _denied(loop, client.chmod(path, 0o777))
        _denied(loop, client.setstat(path, asyncssh.SFTPAttrs(atime=1, mtime=1)))
    _denied(loop, client.rmdir("/"))
    _denied(loop, client.remove("/"))
    _denied(loop, client.rename("/", "moved"))
    after = root.stat()
    assert (after.st_mode, after.st_mtime_ns) == (before.st_mode, before.st_mtime_ns)


def test_sftp_mock_refuses_giving_a_file_away_but_allows_ordinary_modes(
    sftp: tuple[Any, Path, asyncio.AbstractEventLoop],
) -> None:
    client, root, loop = sftp
    own = (root / "feed.csv").stat()
    _denied(loop, client.chown("feed.csv", own.st_uid + 1, own.st_gid))
    _denied(loop, client.chown("feed.csv", own.st_uid, own.st_gid + 1))
    loop.run_until_complete(client.chmod("feed.csv", 0o600))  # a user's own file: fine
    loop.run_until_complete(client.chmod("folder", 0o750))
    assert (root / "feed.csv").stat().st_mode & 0o7777 == 0o600
    assert (root / "folder").stat().st_mode & 0o7777 == 0o750
    assert (root / "feed.csv").stat().st_uid == own.st_uid


# -- S3 --------------------------------------------------------------------------------

KEY = "exports/daily/2026/11/27/acme_1234_add_0a1b2c3d_20261127030000.csv"


def _client(server: MockS3Server, key_id: str, secret: str, token: str | None = None) -> Any:
    session = boto3.session.Session(
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        aws_session_token=token,
        region_name=server.region,
    )
    config = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1})
    return session.client("s3", endpoint_url=server.endpoint_url, config=config)


def _code(call: Any) -> str:
    with pytest.raises(botocore.exceptions.ClientError) as info:
        call()
    return str(info.value.response["Error"]["Code"])


@pytest.mark.parametrize(
    ("who", "code"),
    [
        ("unknown key", "InvalidAccessKeyId"),
        ("wrong secret", "SignatureDoesNotMatch"),
    ],
)
def test_s3_mock_refuses_wrong_credentials_for_every_operation(
    mock_s3: MockS3Server, s3_bucket: str, who: str, code: str
) -> None:
    own = mock_s3.client()
    own.put_object(Bucket=s3_bucket, Key=KEY, Body=b"original\r\n")
    key_id = "AKIAFEEDLABNOBODY001" if who == "unknown key" else mock_s3.access_key_id
    intruder = _client(mock_s3, key_id, "not-the-secret")
    seen: list[Operation] = []
    unsubscribe = mock_s3.subscribe(seen.append)
    try:
        calls = {
            "get": lambda: intruder.get_object(Bucket=s3_bucket, Key=KEY),
            "overwrite": lambda: intruder.put_object(Bucket=s3_bucket, Key=KEY, Body=b"forged"),
            "delete": lambda: intruder.delete_object(Bucket=s3_bucket, Key=KEY),
            "list": lambda: intruder.list_objects_v2(Bucket=s3_bucket),
            "multipart": lambda: intruder.create_multipart_upload(Bucket=s3_bucket, Key=KEY),
        }
        for name, call in calls.items():
            assert _code(call) == code, name
    finally:
        unsubscribe()
        intruder.close()
    assert own.get_object(Bucket=s3_bucket, Key=KEY)["Body"].read() == b"original\r\n"
    writes = [(op.op, op.status) for op in seen]
    assert ("put", 403) in writes and ("delete", 403) in writes  # reported, as refused
    own.close()


def test_s3_mock_refuses_anonymous_requests_and_hides_moto_s_control_api(
    mock_s3: MockS3Server, s3_bucket: str
) -> None:
    mock_s3.client().put_object(Bucket=s3_bucket, Key=KEY, Body=b"original\r\n")
    base = f"{mock_s3.endpoint_url}/{s3_bucket}/{KEY}"
    for method, data in (("GET", None), ("PUT", b"forged"), ("DELETE", None)):
        request = urllib.request.Request(base, data=data, method=method)
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=10)
        assert info.value.code == 403
        assert b"<Code>AccessDenied</Code>" in info.value.read()
    for path in ("/moto-api/reset", "/moto-api/reset-auth"):
        request = urllib.request.Request(f"{mock_s3.endpoint_url}{path}", data=b"0", method="POST")
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=10)
        assert info.value.code == 404
    client = mock_s3.client()
    assert client.get_object(Bucket=s3_bucket, Key=KEY)["Body"].read() == b"original\r\n"
    with pytest.raises(botocore.exceptions.ClientError):  # auth is still on
        _client(mock_s3, mock_s3.access_key_id, "guess").head_bucket(Bucket=s3_bucket)
    client.close()


def test_s3_mock_accepts_its_own_and_granted_credentials_only(
    mock_s3: MockS3Server, s3_bucket: str
) -> None:
    own = _client(mock_s3, mock_s3.access_key_id, mock_s3.secret_access_key)
    own.put_object(Bucket=s3_bucket, Key=KEY, Body=b"rows")
    temporary = ("ASIAFEEDLABTEMPORARY", "temporary-secret", "temporary-token")
    unknown = _client(mock_s3, *temporary)
    assert _code(lambda: unknown.get_object(Bucket=s3_bucket, Key=KEY)) == "InvalidAccessKeyId"
    mock_s3.allow(*temporary)
    granted = _client(mock_s3, *temporary)
    assert granted.get_object(Bucket=s3_bucket, Key=KEY)["Body"].read() == b"rows"
    wrong_token = _client(mock_s3, temporary[0], temporary[1], "another-token")
    assert _code(lambda: wrong_token.get_object(Bucket=s3_bucket, Key=KEY)) == "InvalidToken"
    for client in (own, unknown, granted, wrong_token):
        client.close()


def test_s3_mock_secret_is_drawn_per_server() -> None:
    first, second = MockS3Server(), MockS3Server()
    assert first.secret_access_key != second.secret_access_key
    assert len(first.secret_access_key) >= 32
