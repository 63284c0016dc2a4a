"""Secrets and raw addresses never leave feedlab (FS-1.2, FS-2.5).

AWS secret keys and session tokens, request signatures, SFTP passwords and key
material never appear in log records at any level (DEBUG included, botocore's
and asyncssh's loggers included), in reprs, in error messages, or in the output
of ``feedlab -vv publish``. With ``hash_identity`` no raw address appears in any
output, log line, error or verify finding either.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import boto3
import pytest
from reliability_support import (
    AT,
    S3Target,
    SFTPTarget,
    make_events,
    publish_args,
    run_feedlab,
    s3_env,
    write_inputs,
    writer,
)

from feedcore import logsafety, targets
from feedcore.config import load_config
from feedcore.errors import AuthError, SinkError
from feedcore.sinks.base import Payload
from feedcore.sinks.s3 import S3Sink
from feedcore.sinks.sftp import SFTPSink
from mock_targets.faults import S3Fail
from mock_targets.s3 import MockS3Server
from mock_targets.sftp import MockSFTPServer

SECRET_KEY = "wJalrXUtnFEMI-K7MDENG-bPxRfiCY-feedlab-secret-9f2c"
SESSION_TOKEN = "IQoJb3JpZ2luX2VjEFeedlabSessionToken0123456789abcdefZZ"
ACCESS_KEY = "ASIAFEEDLABSECRETS01"  # temporary credentials: they carry a session token
PASSWORD_FLAG = "sftp-pass-Zq81-never-print"
#: A request signature or a signed credential, however botocore formats it.
SIGNED = re.compile(r"(?i)(signature['\"]?\s*[:=]\s*b?['\"]?\s*[0-9a-f]{16,}|credential=AKIA)")

LIBRARY_LOGGERS = ("botocore", "boto3", "urllib3", "s3transfer", "asyncssh", "mock_targets")
MiB = 1024 * 1024


def _assert_clean(text: str, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in text, f"a secret leaked: ...{secret[-6:]}"
    assert not SIGNED.search(text), SIGNED.search(text)


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Everything at DEBUG, the libraries' loggers explicitly included, with secret
    redaction installed as a service (or the CLI, or the app) installs it."""
    logsafety.install()
    caplog.set_level(logging.DEBUG)
    for name in LIBRARY_LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    asyncssh.set_debug_level(2)
    try:
        yield caplog
    finally:
        asyncssh.set_debug_level(1)


def _all_log_text(caplog: pytest.LogCaptureFixture) -> str:
    formatter = logging.Formatter("%(name)s %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


def _secret_session(region: str, secret: str = SECRET_KEY) -> boto3.session.Session:
    return boto3.session.Session(
        aws_access_key_id=ACCESS_KEY,
        aws_secret_access_key=secret,
        aws_session_token=SESSION_TOKEN,
        region_name=region,
    )


#: A secret the server does not accept for ACCESS_KEY: its requests are refused.
WRONG_SECRET = SECRET_KEY[::-1]


def test_s3_credentials_never_reach_log_records_even_at_debug(
    s3_target: S3Target, debug_logs: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    s3_target.server.allow(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)
    session = _secret_session(s3_target.server.region)
    sink = s3_target.sink(session=session, multipart_threshold=5 * MiB)
    sink.put("a/small.csv", Payload.from_bytes(b"rows\r\n"))
    sink.put("a/large.csv", Payload.from_bytes(b"x" * (6 * MiB)))  # multipart
    s3_target.faults.add(S3Fail(["PutObject"], "503", files="any"))
    with pytest.raises(SinkError) as transient:
        sink.put("a/refused.csv", Payload.from_bytes(b"rows"))
    denied = s3_target.sink(session=_secret_session(s3_target.server.region, WRONG_SECRET))
    with pytest.raises(AuthError) as refused:
        denied.put("a/denied.csv", Payload.from_bytes(b"rows"))
    text = _all_log_text(debug_logs)
    assert any(
        r.name.startswith("botocore") and r.levelno == logging.DEBUG for r in debug_logs.records
    )
    assert "x-amz-security-token" in text.lower()  # the header was logged, its value masked
    _assert_clean(text, SECRET_KEY, WRONG_SECRET, SESSION_TOKEN)
    for exc in (transient.value, refused.value):
        _assert_clean(f"{exc} {exc!r}", SECRET_KEY, WRONG_SECRET, SESSION_TOKEN, ACCESS_KEY)
    _assert_clean(repr(sink), SECRET_KEY, SESSION_TOKEN, ACCESS_KEY)


def test_sftp_password_never_reaches_log_records_even_at_debug(
    sftp_target: SFTPTarget, debug_logs: pytest.LogCaptureFixture
) -> None:
    server = sftp_target.server
    good = sftp_target.sink(client_key=None, password=server.password)
    writer(sftp_target.config, good).export(make_events(batch=8, enters=2, exits=1), at=AT)
    bad = sftp_target.sink(client_key=None, password=PASSWORD_FLAG)
    with pytest.raises(AuthError) as refused:
        bad.exists("x")
    text = _all_log_text(debug_logs)
    assert any(r.name.startswith("asyncssh") for r in debug_logs.records)
    _assert_clean(text, server.password, PASSWORD_FLAG)
    key_material = server.private_key_file.read_text().splitlines()[1]
    assert key_material not in text
    _assert_clean(f"{refused.value} {refused.value!r} {good!r} {bad!r}", PASSWORD_FLAG)
    _assert_clean(f"{server.password}", PASSWORD_FLAG)  # sanity: the helper itself


def test_reprs_hide_every_secret(tmp_path: Path) -> None:
    specs = [
        targets.SFTPTarget(
            "h", 22, username="u", known_hosts=tmp_path / "kh", password=PASSWORD_FLAG
        ),
        targets.S3Target(
            "feed-bucket",
            f"http://user:{SECRET_KEY}@127.0.0.1:9",
            session=_secret_session("us-east-1"),
        ),
    ]
    sftp = SFTPSink("h", 22, username="u", known_hosts=tmp_path / "kh", password=PASSWORD_FLAG)
    s3 = S3Sink(
        "feed-bucket",
        endpoint_url=f"http://user:{SECRET_KEY}@127.0.0.1:9",
        session=_secret_session("us-east-1"),
    )
    mock_s3 = MockS3Server()
    mock_sftp = MockSFTPServer(root=tmp_path / "root", workdir=tmp_path / "keys")
    try:
        texts = [*map(repr, specs), repr(sftp), repr(s3), repr(mock_s3), repr(mock_sftp)]
        for text in texts:
            _assert_clean(text, PASSWORD_FLAG, SECRET_KEY, SESSION_TOKEN, mock_sftp.password)
        assert mock_s3.secret_access_key not in repr(mock_s3)
    finally:
        s3.close()
        mock_sftp.cleanup()


# -- the command line ---------------------------------------------------------------------


def _secret_env(server: MockS3Server, secret: str = SECRET_KEY) -> dict[str, str]:
    server.allow(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)
    env = s3_env(server)
    env.update(
        {
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": secret,
            "AWS_SESSION_TOKEN": SESSION_TOKEN,
        }
    )
    return env


def test_publish_vv_to_s3_prints_no_credentials(s3_target: S3Target, tmp_path: Path) -> None:
    config_path, events_path = write_inputs(tmp_path, s3_target.config, make_events(9, 3, 1))
    args = publish_args(s3_target, config_path, events_path)
    done = run_feedlab("-vv", *args, env=_secret_env(s3_target.server))
    assert done.returncode == 0, done.stderr
    assert "DEBUG feedlab.cli" in done.stderr and "INFO feedlab.cli: put" in done.stderr
    _assert_clean(done.stdout + done.stderr, SECRET_KEY, SESSION_TOKEN, ACCESS_KEY)
    wrong = _secret_env(s3_target.server, WRONG_SECRET)  # the server refuses this secret
    refused = run_feedlab("-vv", *args, "--new-batch", env=wrong)
    assert refused.returncode == 1
    assert "refused the credentials" in refused.stderr and "Traceback" not in refused.stderr
    _assert_clean(
        refused.stdout + refused.stderr, SECRET_KEY, WRONG_SECRET, SESSION_TOKEN, ACCESS_KEY
    )


def test_publish_vv_to_sftp_prints_no_password(sftp_target: SFTPTarget, tmp_path: Path) -> None:
    server = sftp_target.server
    config_path, events_path = write_inputs(tmp_path, sftp_target.config, make_events(10, 3, 1))
    args = publish_args(sftp_target, config_path, events_path)
    key_at = args.index("--key")
    del args[key_at : key_at + 2]  # log in with the password from the environment
    done = run_feedlab("-vv", *args, env={"FEEDLAB_SFTP_PASSWORD": server.password})
    assert done.returncode == 0, done.stderr
    assert "INFO feedlab.cli: rename" in done.stderr
    _assert_clean(done.stdout + done.stderr, server.password)
    wrong = run_feedlab("-vv", *args, "--new-batch", env={"FEEDLAB_SFTP_PASSWORD": PASSWORD_FLAG})
    assert wrong.returncode == 1 and "refused" in wrong.stderr
    assert "Traceback" not in wrong.stderr
    _assert_clean(wrong.stdout + wrong.stderr, PASSWORD_FLAG, server.password)


# -- hash_identity: no raw address anywhere ------------------------------------------------

ADDRESSES = [f"Raw.Person{i}.q7k2m9@Example.com" for i in range(4)]


def _hashed_events(path: Path) -> None:
    a0, a1, a2, a3 = ADDRESSES
    good = [
        json.dumps(
            {
                "type": "enter",
                "email": a0,
                "variant": "A",
                "attributes": {"plan": "pro", "email": a0},
            }
        ),
        json.dumps({"type": "exit", "email": f" {a1} ", "variant": "B", "attributes": {}}),
    ]
    bad = [
        json.dumps({"type": "enter", "email": a2})[:-2],  # malformed (truncated)
        json.dumps({"type": a3, "email": a3}),  # an address as the type
        json.dumps({"type": "enter", "email": a2, "variant": a2}),  # and as a variant
        json.dumps({"type": "enter", a3: 1, "email": "x@y.z"}),  # and as a key
    ]
    path.write_text("\n".join([good[0], bad[0], bad[1], good[1], bad[2], bad[3]]) + "\n")


def _assert_no_address(text: str) -> None:
    lowered = text.lower()
    for address in ADDRESSES:
        assert address.lower() not in lowered, "a raw address leaked"
        assert address.split("@")[0].lower() not in lowered


def test_fs2_5_hashed_feed_shows_no_raw_address_in_output_logs_errors_or_findings(
    tmp_path: Path,
) -> None:
    config = Path(__file__).resolve().parents[2] / "fixtures" / "feeds" / "hashed_csv_sftp.toml"
    events = tmp_path / "events.jsonl"
    _hashed_events(events)
    out = tmp_path / "out"
    done = run_feedlab("-vv", "publish", config, "--events", events, "--to-dir", out)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("(skipped)") == 4  # each bad line named by number
    _assert_no_address(done.stdout + done.stderr)
    strict = run_feedlab(
        "-vv", "publish", config, "--events", events, "--to-dir", out, "--strict", "--new-batch"
    )
    assert strict.returncode == 1
    _assert_no_address(strict.stdout + strict.stderr)
    root = out / load_config(config).feed.hostname
    written = sorted(p for p in root.rglob("*") if p.is_file())
    assert written
    for path in written:
        _assert_no_address(path.read_text(encoding="utf-8"))

    # A data file that leaks an address (as a broken writer might) is a finding,
    # and the finding does not repeat the address.
    data = next(p for p in written if p.suffix == ".csv" and "_add_" in p.name)
    rows = list(csv.reader(io.StringIO(data.read_bytes().decode("utf-8"), newline="")))
    header = rows[0]
    rows[1][header.index("identifier")] = ADDRESSES[0]
    rows[1][header.index("email_attr")] = f"contact {ADDRESSES[0]}"
    buffer = io.StringIO(newline="")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    data.write_bytes(buffer.getvalue().encode("utf-8"))
    verdict = run_feedlab("-vv", "verify", root, "--config", config)
    assert verdict.returncode == 1 and "FS-2.5" in verdict.stdout
    _assert_no_address(verdict.stdout + verdict.stderr)
