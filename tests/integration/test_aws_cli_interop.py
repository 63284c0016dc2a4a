"""The aws CLI sees what S3Sink wrote, byte for byte (and the other way round).

A client's own tooling is the real consumer of a feed bucket, so this runs the
actual ``aws`` program against the mock server, configured the way a client
would be: environment credentials plus ``--endpoint-url``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from feedcore.sinks.base import Payload
from feedcore.sinks.s3 import S3Sink
from mock_targets.s3 import MockS3Server

MiB = 1024 * 1024
FOLDER = "exports/daily/2026/11/27"
DATA_KEY = f"{FOLDER}/acme_1234_add_0a1b2c3d_20261127030000.csv"
CONTROL_KEY = f"{FOLDER}/control_acme_1234_add_0a1b2c3d_20261127030000.json"
BIG_KEY = f"{FOLDER}/acme_1234_remove_0a1b2c3d_20261127030000.jsonl"

AwsCli = Callable[..., str]


def _aws_program() -> str | None:
    beside_python = Path(sys.executable).with_name("aws")
    if beside_python.is_file():
        return str(beside_python)
    return shutil.which("aws")


AWS = _aws_program()
pytestmark = pytest.mark.skipif(AWS is None, reason="aws CLI not installed")


@pytest.fixture
def aws(mock_s3: MockS3Server, tmp_path: Path) -> AwsCli:
    """Run ``aws ... --endpoint-url`` with only the mock's credentials in scope."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    empty = tmp_path / "aws-empty-config"
    empty.write_text("")
    env.update(
        AWS_ACCESS_KEY_ID=mock_s3.access_key_id,
        AWS_SECRET_ACCESS_KEY=mock_s3.secret_access_key,
        AWS_DEFAULT_REGION=mock_s3.region,
        AWS_CONFIG_FILE=str(empty),
        AWS_SHARED_CREDENTIALS_FILE=str(empty),
        AWS_EC2_METADATA_DISABLED="true",
        PYTHONWARNINGS="ignore",
    )

    def run(*args: str) -> str:
        assert AWS is not None
        done = subprocess.run(
            [AWS, "--endpoint-url", mock_s3.endpoint_url, *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"aws {' '.join(args)} failed: {done.stderr.strip()}"
        return done.stdout

    return run


def _sink(mock_s3: MockS3Server, bucket: str) -> S3Sink:
    return S3Sink(
        bucket,
        endpoint_url=mock_s3.endpoint_url,
        session=mock_s3.session(),
        multipart_threshold=5 * MiB,
        part_size=5 * MiB,
    )


@pytest.fixture
def written(mock_s3: MockS3Server, s3_bucket: str, tmp_path: Path) -> dict[str, bytes]:
    """A data file, its control file and a multipart-sized file, written by S3Sink."""
    rows = 'identifier,first_name\r\nann@example.com,"Ann, ""the"" 🚀"\r\n'.encode()
    big = b"".join(
        b'{"identifier": "c%07d@example.com", "operation": "remove"}\n' % i
        for i in range(12 * MiB // 58)
    )
    files = {
        DATA_KEY: rows,
        CONTROL_KEY: b'{"delta": true, "file_count": 1, "files": []}',
        BIG_KEY: big,
    }
    sink = _sink(mock_s3, s3_bucket)
    try:
        for key, data in files.items():
            sink.put(key, Payload.from_bytes(data), exclusive=key == CONTROL_KEY)
    finally:
        sink.close()
    return files


def test_s3_cli_lists_objects_written_by_sink(
    aws: AwsCli, s3_bucket: str, written: dict[str, bytes]
) -> None:
    listing = aws("s3", "ls", f"s3://{s3_bucket}/exports/", "--recursive")
    found = {}
    for line in listing.splitlines():
        # "2026-11-27 03:00:00       1234 exports/daily/.../file.csv"
        _date, _time, size, key = line.split(maxsplit=3)
        found[key] = int(size)
    assert found == {key: len(data) for key, data in written.items()}


def test_s3_cli_downloads_objects_byte_identical(
    aws: AwsCli, s3_bucket: str, written: dict[str, bytes], tmp_path: Path
) -> None:
    single = tmp_path / "single.csv"
    aws("s3", "cp", f"s3://{s3_bucket}/{DATA_KEY}", str(single))
    assert single.read_bytes() == written[DATA_KEY]

    mirror = tmp_path / "mirror"
    aws("s3", "cp", f"s3://{s3_bucket}/", str(mirror), "--recursive")
    for key, data in written.items():
        assert (mirror / key).read_bytes() == data, key
    downloaded = {p.relative_to(mirror).as_posix() for p in mirror.rglob("*") if p.is_file()}
    assert downloaded == set(written)


def test_s3_cli_upload_is_readable_by_sink(
    aws: AwsCli, mock_s3: MockS3Server, s3_bucket: str, tmp_path: Path
) -> None:
    local = tmp_path / "from-cli.tsv"
    local.write_bytes(b'identifier\tcity\r\nbob@example.com\t"Tab\tCity"\r\n')
    key = f"{FOLDER}/from-cli.tsv"
    aws("s3", "cp", str(local), f"s3://{s3_bucket}/{key}")
    sink = _sink(mock_s3, s3_bucket)
    try:
        assert sink.exists(key)
        assert sink.read(key) == local.read_bytes()
        # The CLI's object counts as "already there" for a write-once put of the same bytes.
        sink.put(key, Payload.from_file(local), exclusive=True)
    finally:
        sink.close()
